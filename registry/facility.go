package registry

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"math"
	"strings"
	"time"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/geo"

	"github.com/tracereg/tracereg/registry/gs1"
)

// Facility kinds.
const (
	FacilityFarmPlot   = "farm_plot"
	FacilityProcessing = "processing_site"
	FacilityWarehouse  = "warehouse"
)

// FacilityKinds lists the accepted values of Facility.Kind.
var FacilityKinds = []string{FacilityFarmPlot, FacilityProcessing, FacilityWarehouse}

// EUDR rules (Regulation (EU) 2023/1115) for farm plots.
const (
	// EUDRPointMaxHectares: a plot larger than this needs a polygon.
	EUDRPointMaxHectares = 4.0
	// EUDRMinDecimals: coordinates carry at least this many decimal places.
	EUDRMinDecimals = 6
	// EUDRCutoff: production on land deforested after this day is not compliant.
	EUDRCutoff Date = "2020-12-31"
	// maxPositions bounds the work of validating one geometry.
	maxPositions = 10000
)

// Facility is a place in the chain: a farm plot (with its geolocation), a
// processing site or a warehouse. It belongs to one enterprise.
type Facility struct {
	ID           string `json:"id" bson:"_id"`
	EnterpriseID string `json:"enterprise_id" bson:"enterprise_id"`
	Kind         string `json:"kind" bson:"kind"`
	Name         string `json:"name" bson:"name"`
	Code         string `json:"code,omitempty" bson:"code,omitempty"` // the enterprise's own code
	// GLN is the place's GS1 Global Location Number, if it has one: unique in
	// the registry, and the key of its public page (/414/{GLN}).
	GLN      string  `json:"gln,omitempty" bson:"gln,omitempty"`
	District string  `json:"district" bson:"district"`
	Address  string  `json:"address,omitempty" bson:"address,omitempty"`
	Crop     string  `json:"crop,omitempty" bson:"crop,omitempty"` // product category grown on a farm plot
	Geometry GeoJSON `json:"geometry,omitempty" bson:"geometry,omitempty"`
	// AreaHa is computed from a polygon; for a point plot it is what the owner declares.
	AreaHa float64 `json:"area_ha,omitempty" bson:"area_ha,omitempty"`
	// DeforestationFree is the owner's declaration that no forest was cleared
	// on the plot after the EUDR cut-off date; LandClearedOn is when the land was
	// last cleared, if known.
	DeforestationFree *bool `json:"deforestation_free,omitempty" bson:"deforestation_free,omitempty"`
	LandClearedOn     Date  `json:"land_cleared_on,omitempty" bson:"land_cleared_on,omitempty"`
	// Corrections are changes made once the place was public (a GLN page,
	// or a published lot made or grown there), written by the service only.
	Corrections []Correction `json:"corrections,omitempty" bson:"corrections,omitempty"`
	// CorrectionReason is input only: why a public place is corrected.
	CorrectionReason string    `json:"correction_reason,omitempty" bson:"-"`
	CreatedAt        time.Time `json:"created_at" bson:"created_at"`
	UpdatedAt        time.Time `json:"updated_at" bson:"updated_at"`
	Version          int       `json:"version" bson:"version"`
}

// GeoJSON holds a GeoJSON geometry object as text: it keeps the coordinates
// exactly as written (the EUDR asks for their decimal places) and stores the
// same on MongoDB and the embedded database.
type GeoJSON string

// MarshalJSON writes the geometry as a JSON object, not a string.
func (g GeoJSON) MarshalJSON() ([]byte, error) {
	if g == "" {
		return []byte("null"), nil
	}
	return []byte(g), nil
}

// UnmarshalJSON keeps the geometry object's text; validation parses it.
func (g *GeoJSON) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	if bytes.Equal(b, []byte("null")) {
		*g = ""
		return nil
	}
	if len(b) == 0 || b[0] != '{' {
		return fmt.Errorf("geometry must be a GeoJSON object")
	}
	var compact bytes.Buffer
	if err := json.Compact(&compact, b); err != nil {
		return err
	}
	*g = GeoJSON(compact.String())
	return nil
}

// Validate checks a facility, and the EUDR rules for a farm plot, before it is
// written. For a polygon plot it sets AreaHa from the geometry.
func (f *Facility) Validate() error {
	var p Problems
	checkRef(&p, "enterprise_id", f.EnterpriseID, true)
	oneOf(&p, "kind", f.Kind, FacilityKinds)
	requireText(&p, "name", f.Name, 200)
	checkText(&p, "code", f.Code, 50)
	if f.GLN != "" {
		if err := gs1.ValidateGLN(f.GLN); err != nil {
			ge := err.(*gs1.Error) // ValidateGLN returns only these
			p.Add("gln", ge.Rule, ge.Message, ge.MessageVI)
		}
	}
	oneOf(&p, "district", f.District, Districts)
	checkText(&p, "address", f.Address, 500)
	if f.Crop != "" {
		oneOf(&p, "crop", f.Crop, ProductCategories)
	}
	if math.IsNaN(f.AreaHa) || math.IsInf(f.AreaHa, 0) || f.AreaHa < 0 || f.AreaHa > 100000 {
		p.Add("area_ha", "range", "must be between 0 and 100000 hectares", "phải từ 0 đến 100000 ha")
	}
	cleared, clearedOK := checkDate(&p, "land_cleared_on", f.LandClearedOn, false)

	if f.Kind == FacilityFarmPlot {
		if f.Geometry == "" {
			p.Add("geometry", "required", "a farm plot needs its location: a point, or a polygon for plots over 4 ha",
				"thửa đất cần vị trí: một điểm, hoặc một đa giác nếu diện tích trên 4 ha")
		} else if g, err := ParsePlotGeometry(string(f.Geometry)); err != nil {
			p.Merge("geometry.", err)
		} else {
			switch g.(type) {
			case orb.Point:
				if f.AreaHa <= 0 {
					p.Add("area_ha", "required", "a plot given as a point needs its declared area",
						"thửa đất khai báo bằng một điểm cần ghi diện tích")
				} else if f.AreaHa > EUDRPointMaxHectares {
					p.Add("geometry", "eudr_polygon_required",
						fmt.Sprintf("a plot of %.2f ha is over 4 ha and must be given as a polygon", f.AreaHa),
						fmt.Sprintf("thửa đất %.2f ha lớn hơn 4 ha nên phải khai báo bằng đa giác", f.AreaHa))
				}
			default:
				f.AreaHa = math.Round(geo.Area(g)/10000*10000) / 10000 // m² → ha, 4 decimals
			}
		}
		if f.DeforestationFree != nil && *f.DeforestationFree && clearedOK {
			cutoff, _ := EUDRCutoff.Time()
			if cleared.After(cutoff) {
				p.Add("deforestation_free", "eudr_cutoff",
					"the land was cleared after 31 December 2020, so it cannot be declared deforestation-free",
					"đất được khai phá sau ngày 31/12/2020 nên không thể khai báo là không gây mất rừng")
			}
		}
	} else if f.Geometry != "" {
		if _, err := ParsePlotGeometry(string(f.Geometry)); err != nil {
			p.Merge("geometry.", err)
		}
	}
	return p.Err()
}

// EUDRReady reports whether a farm plot carries what a due diligence
// statement needs: valid geolocation and a deforestation-free declaration.
func (f *Facility) EUDRReady() bool {
	return f.Kind == FacilityFarmPlot && f.Geometry != "" && f.DeforestationFree != nil && *f.DeforestationFree
}

// rawGeometry is a GeoJSON geometry whose numbers keep their text.
type rawGeometry struct {
	Type        string          `json:"type"`
	Coordinates json.RawMessage `json:"coordinates"`
}

// ParsePlotGeometry parses a GeoJSON Point, Polygon or MultiPolygon and checks
// the EUDR rules: WGS84 longitude before latitude, at least 6 decimal places,
// rings closed with at least 4 positions and not self-intersecting. Errors are
// EINVALID with fields relative to the geometry ("coordinates", "type").
func ParsePlotGeometry(text string) (orb.Geometry, error) {
	var p Problems
	var raw rawGeometry
	dec := json.NewDecoder(strings.NewReader(text))
	if err := dec.Decode(&raw); err != nil {
		p.Add("", "geojson", "is not a GeoJSON geometry object", "không phải là đối tượng hình học GeoJSON")
		return nil, p.Err()
	}
	var g orb.Geometry
	count := 0
	switch raw.Type {
	case "Point":
		var c []json.Number
		if decodeNumbers(raw.Coordinates, &c) {
			g = checkPosition(&p, "coordinates", c)
		} else {
			p.Add("coordinates", "geojson", "a Point has [longitude, latitude]", "một điểm có dạng [kinh độ, vĩ độ]")
		}
	case "Polygon":
		var rings [][][]json.Number
		if decodeNumbers(raw.Coordinates, &rings) {
			g = checkPolygon(&p, "coordinates", rings, &count)
		} else {
			p.Add("coordinates", "geojson", "a Polygon has a list of rings of [longitude, latitude] positions",
				"một đa giác gồm các vòng, mỗi vòng là danh sách [kinh độ, vĩ độ]")
		}
	case "MultiPolygon":
		var polys [][][][]json.Number
		if decodeNumbers(raw.Coordinates, &polys) && len(polys) > 0 {
			mp := make(orb.MultiPolygon, 0, len(polys))
			for i, rings := range polys {
				mp = append(mp, checkPolygon(&p, fmt.Sprintf("coordinates[%d]", i), rings, &count))
			}
			g = mp
		} else {
			p.Add("coordinates", "geojson", "a MultiPolygon has a list of polygons", "một đa giác bội gồm danh sách các đa giác")
		}
	default:
		p.Add("type", "one_of", "must be Point, Polygon or MultiPolygon", "phải là Point, Polygon hoặc MultiPolygon")
	}
	if err := p.Err(); err != nil {
		return nil, err
	}
	return g, nil
}

func decodeNumbers(raw json.RawMessage, v any) bool {
	// json.Number also accepts a quoted number ("108.050000"); GeoJSON
	// coordinates are numbers, and coordinate arrays hold nothing else.
	if bytes.IndexByte(raw, '"') >= 0 {
		return false
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	return dec.Decode(v) == nil
}

// checkPosition checks one [lon, lat] position.
func checkPosition(p *Problems, field string, c []json.Number) orb.Point {
	if len(c) != 2 {
		p.Add(field, "position", "a position is [longitude, latitude] (no altitude)", "một vị trí có dạng [kinh độ, vĩ độ] (không kèm độ cao)")
		return orb.Point{}
	}
	lon, errLon := c[0].Float64()
	lat, errLat := c[1].Float64()
	if errLon != nil || errLat != nil {
		p.Add(field, "number", "coordinates must be numbers", "tọa độ phải là số")
		return orb.Point{}
	}
	if decimals(c[0]) < EUDRMinDecimals || decimals(c[1]) < EUDRMinDecimals {
		p.Add(field, "eudr_precision", "coordinates need at least 6 decimal places", "tọa độ cần ít nhất 6 chữ số thập phân")
	}
	switch {
	case lon >= 8 && lon <= 24 && lat >= 102 && lat <= 110:
		p.Add(field, "lon_lat_order", "longitude and latitude look swapped: GeoJSON puts longitude first",
			"kinh độ và vĩ độ có vẻ bị đảo: GeoJSON ghi kinh độ trước")
	case lon < -180 || lon > 180 || lat < -90 || lat > 90:
		p.Add(field, "wgs84_range", "longitude must be within ±180 and latitude within ±90 (WGS84)",
			"kinh độ phải trong khoảng ±180 và vĩ độ trong khoảng ±90 (WGS84)")
	}
	return orb.Point{lon, lat}
}

// decimals counts the digits after the decimal point as written.
func decimals(n json.Number) int {
	s := strings.ToLower(string(n))
	if strings.Contains(s, "e") {
		return 0 // exponent notation hides the precision; ask for plain decimals
	}
	if i := strings.IndexByte(s, '.'); i >= 0 {
		return len(s) - i - 1
	}
	return 0
}

func checkPolygon(p *Problems, field string, rings [][][]json.Number, count *int) orb.Polygon {
	if len(rings) == 0 {
		p.Add(field, "polygon", "a polygon needs an outer ring", "đa giác cần có vòng ngoài")
		return nil
	}
	poly := make(orb.Polygon, 0, len(rings))
	for i, ring := range rings {
		rf := fmt.Sprintf("%s[%d]", field, i)
		*count += len(ring)
		if *count > maxPositions {
			p.Add(field, "max_positions", fmt.Sprintf("at most %d positions", maxPositions), fmt.Sprintf("tối đa %d vị trí", maxPositions))
			return poly
		}
		if len(ring) < 4 {
			p.Add(rf, "eudr_min_positions", "a ring needs at least 4 positions (first and last equal)",
				"mỗi vòng cần ít nhất 4 vị trí (vị trí đầu và cuối trùng nhau)")
			continue
		}
		r := make(orb.Ring, 0, len(ring))
		before := len(p.fields)
		for j, c := range ring {
			r = append(r, checkPosition(p, fmt.Sprintf("%s[%d]", rf, j), c))
		}
		if len(p.fields) > before {
			continue
		}
		if !r.Closed() {
			p.Add(rf, "eudr_closed", "a ring must be closed: its last position equals its first",
				"vòng phải khép kín: vị trí cuối trùng vị trí đầu")
			continue
		}
		if selfIntersects(r) {
			p.Add(rf, "eudr_self_intersection", "the ring crosses itself", "vòng tự cắt chính nó")
			continue
		}
		if geo.Area(r) == 0 {
			p.Add(rf, "area", "the ring encloses no area", "vòng không bao diện tích nào")
			continue
		}
		poly = append(poly, r)
	}
	return poly
}

// selfIntersects reports whether any two edges of the closed ring r touch,
// other than neighbouring edges at their shared vertex.
func selfIntersects(r orb.Ring) bool {
	n := len(r) - 1 // edges; r[n] == r[0]
	for i := range n {
		for j := i + 1; j < n; j++ {
			adjacent := j == i+1 || (i == 0 && j == n-1)
			if segmentsTouch(r[i], r[i+1], r[j], r[j+1], adjacent) {
				return true
			}
		}
	}
	return false
}

func orientation(a, b, c orb.Point) float64 {
	return (b[0]-a[0])*(c[1]-a[1]) - (b[1]-a[1])*(c[0]-a[0])
}

func onSegment(a, b, c orb.Point) bool {
	return math.Min(a[0], b[0]) <= c[0] && c[0] <= math.Max(a[0], b[0]) &&
		math.Min(a[1], b[1]) <= c[1] && c[1] <= math.Max(a[1], b[1])
}

// segmentsTouch reports whether segments ab and cd intersect. Neighbouring
// segments share one vertex by construction; for them only an overlap counts.
func segmentsTouch(a, b, c, d orb.Point, adjacent bool) bool {
	o1, o2 := orientation(a, b, c), orientation(a, b, d)
	o3, o4 := orientation(c, d, a), orientation(c, d, b)
	if adjacent {
		// Collinear and folding back over each other.
		return o1 == 0 && o2 == 0 && (onSegment(a, b, d) && d != b || onSegment(c, d, a) && a != c)
	}
	if (o1 > 0 && o2 < 0 || o1 < 0 && o2 > 0) && (o3 > 0 && o4 < 0 || o3 < 0 && o4 > 0) {
		return true
	}
	return o1 == 0 && onSegment(a, b, c) || o2 == 0 && onSegment(a, b, d) ||
		o3 == 0 && onSegment(c, d, a) || o4 == 0 && onSegment(c, d, b)
}

// FacilityFilter selects facilities in a list.
type FacilityFilter struct {
	EnterpriseID string
	Kind         string
	// Text finds an enterprise's facilities by the words of their name,
	// code and district; it needs EnterpriseID.
	Text string
	Page Page
}

// FacilityService keeps facilities.
type FacilityService interface {
	// CreateFacility validates and stores f. EINVALID, ENOTFOUND if the enterprise does not exist.
	CreateFacility(ctx context.Context, f *Facility) error
	// FindFacility returns ENOTFOUND if no facility has that ID.
	FindFacility(ctx context.Context, id string) (*Facility, error)
	// ListFacilities returns one page of facilities matching f and the next cursor.
	ListFacilities(ctx context.Context, f FacilityFilter) ([]*Facility, string, error)
	// UpdateFacility stores f if its Version is still the stored one. EINVALID, ENOTFOUND, ESTALE.
	// Create and update answer ECONFLICT (field gln) when another facility has the GLN.
	UpdateFacility(ctx context.Context, f *Facility) error
	// FindFacilityByGLN returns ENOTFOUND if no facility has that GLN.
	FindFacilityByGLN(ctx context.Context, gln string) (*Facility, error)
}

// PublicView is a copy of the facility holding only what public pages show
// of a plot: name, district, crop, area, geometry (the EUDR's geolocation) and
// the deforestation declaration; not the address or the owner's own code.
func (f *Facility) PublicView() *Facility {
	return &Facility{ID: f.ID, EnterpriseID: f.EnterpriseID, Kind: f.Kind, Name: f.Name, GLN: f.GLN, District: f.District,
		Crop: f.Crop, Geometry: f.Geometry, AreaHa: f.AreaHa, DeforestationFree: f.DeforestationFree, LandClearedOn: f.LandClearedOn,
		Corrections: publicCorrections(f.Corrections)}
}

// CorrectedFields names the public fields of f that differ from old.
func (f *Facility) CorrectedFields(old *Facility) []string {
	var out []string
	add := func(field string, changed bool) {
		if changed {
			out = append(out, field)
		}
	}
	declared := func(b *bool) string {
		if b == nil {
			return ""
		}
		return map[bool]string{true: "yes", false: "no"}[*b]
	}
	add("name", f.Name != old.Name)
	add("kind", f.Kind != old.Kind)
	add("gln", f.GLN != old.GLN)
	add("district", f.District != old.District)
	add("crop", f.Crop != old.Crop)
	add("geometry", f.Geometry != old.Geometry)
	add("area_ha", f.AreaHa != old.AreaHa)
	add("deforestation_free", declared(f.DeforestationFree) != declared(old.DeforestationFree))
	add("land_cleared_on", f.LandClearedOn != old.LandClearedOn)
	return out
}
