package web

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"html/template"
	"io"
	"math"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/gofiber/fiber/v2"

	"github.com/tracereg/tracereg/registry"
	"github.com/tracereg/tracereg/registry/plotmap"
	"github.com/tracereg/tracereg/registry/server"
)

// entMaxGeoJSONSize limits an uploaded GeoJSON file.
const entMaxGeoJSONSize = 2 << 20

// entGeoJSONMediaTypes are what a GeoJSON file sniffs as.
var entGeoJSONMediaTypes = []string{"text/plain", "application/json", "application/octet-stream"}

func (w *Web) mountEntFacilities(g fiber.Router, ent fiber.Handler) {
	g.Get("/facilities", ent, w.entFacilities)
	g.Get("/facilities/new", ent, w.entFacilityNew)
	g.Post("/facilities", ent, w.entFacilityCreate)
	g.Get("/facilities/:id", ent, w.entFacility)
	g.Get("/facilities/:id/plot.geojson", ent, w.entFacilityGeoJSON)
	g.Get("/facilities/:id/edit", ent, w.entFacilityEdit)
	g.Post("/facilities/:id/edit", ent, w.entFacilityUpdate)
	g.Post("/facilities/:id/delete", ent, w.entFacilityDelete)
}

type entFacilitiesData struct {
	Items []*registry.Facility
	Next  string
	Kinds []string
}

func (w *Web) entFacilities(c *fiber.Ctx) error {
	id, err := entID(c)
	if err != nil {
		return err
	}
	q := strings.TrimSpace(c.Query("q"))
	kind := c.Query("kind")
	p := w.page(c, "enterprise/facilities", "ent_facilities_title")
	p.Form = newForm(c)
	p.Form.Set("q", q)
	d := entFacilitiesData{Kinds: registry.FacilityKinds}
	filter := registry.FacilityFilter{EnterpriseID: id}
	for _, k := range registry.FacilityKinds {
		if k == kind {
			filter.Kind = k
			p.Form.Set("kind", k)
		}
	}
	// Names are found through the store's search index.
	filter.Text = q
	if filter.Page, err = listPage(c, 25); err != nil {
		return err
	}
	if d.Items, d.Next, err = w.store.ListFacilities(ctx(c), filter); err != nil {
		return err
	}
	p.Data = d
	return w.render(c, fiber.StatusOK, p)
}

type entFacilityFormData struct {
	Kinds      []string
	Districts  []string
	Categories []string
	// Facility is the one edited (nil for a new one).
	Facility *registry.Facility
	Outline  entPlotSVG
}

func (w *Web) entFacilityPage(c *fiber.Ctx, f *Form) *Page {
	p := w.page(c, "enterprise/facility_form", "ent_facility_new")
	p.Form = f
	p.Data = entFacilityFormData{Kinds: registry.FacilityKinds, Districts: registry.Districts, Categories: registry.ProductCategories}
	return p
}

func (w *Web) entFacilityEditPage(c *fiber.Ctx, fac *registry.Facility, f *Form) *Page {
	p := w.page(c, "enterprise/facility_form", "ent_facility_edit")
	p.Form = f
	p.Data = entFacilityFormData{Kinds: registry.FacilityKinds, Districts: registry.Districts, Categories: registry.ProductCategories,
		Facility: fac, Outline: entOutlineOf(string(fac.Geometry))}
	return p
}

func (w *Web) entFacilityNew(c *fiber.Ctx) error {
	if _, err := entID(c); err != nil {
		return err
	}
	f := newForm(c)
	f.Set("kind", registry.FacilityFarmPlot)
	f.Set("geo_mode", "point")
	f.Set("coord_order", "lonlat")
	// The no-deforestation declaration is the enterprise's to make: never pre-chosen.
	return w.render(c, fiber.StatusOK, w.entFacilityPage(c, f))
}

// entFillFacility copies the form into fac; the geometry comes from the
// chosen mode ("keep" leaves an edited facility's as it is). Problems are
// returned as one EINVALID; a store failure as itself.
func (w *Web) entFillFacility(c *fiber.Ctx, f *Form, fac *registry.Facility) error {
	fac.Kind, fac.Name, fac.Code = f.Value("kind"), strings.TrimSpace(f.Value("name")), strings.TrimSpace(f.Value("code"))
	fac.GLN, fac.District, fac.Address = strings.TrimSpace(f.Value("gln")), f.Value("district"), strings.TrimSpace(f.Value("address"))
	fac.Crop, fac.LandClearedOn = f.Value("crop"), registry.Date(strings.TrimSpace(f.Value("land_cleared_on")))
	fac.CorrectionReason = f.Value("correction_reason")
	var p registry.Problems
	fac.AreaHa = 0
	if a := strings.TrimSpace(strings.ReplaceAll(f.Value("area_ha"), ",", ".")); a != "" {
		if v, err := strconv.ParseFloat(a, 64); err != nil {
			p.Add("area_ha", "number", "must be a number of hectares, e.g. 1.8", "phải là số hecta, ví dụ 1,8")
		} else {
			fac.AreaHa = v
		}
	}
	fac.DeforestationFree = nil
	if fac.Kind == registry.FacilityFarmPlot {
		switch f.Value("deforestation_free") {
		case "yes", "no":
			yes := f.Value("deforestation_free") == "yes"
			fac.DeforestationFree = &yes
		default:
			p.Add("deforestation_free", "required", "say whether forest was cleared on this plot after 31 December 2020",
				"hãy cho biết thửa đất có bị phá rừng sau ngày 31/12/2020 hay không")
		}
	}
	geometry, gerr := string(fac.Geometry), error(nil)
	if f.Value("geo_mode") != "keep" || fac.ID == "" {
		geometry, gerr = w.entGeometry(c, f, fac.Kind)
		if gerr != nil && !invalid(gerr) {
			return gerr
		}
	}
	fac.Geometry = registry.GeoJSON(geometry)
	if err := fac.Validate(); err != nil {
		p.Merge("", err)
	}
	if gerr != nil {
		p.Merge("", gerr)
	}
	return p.Err()
}

func (w *Web) entFacilityCreate(c *fiber.Ctx) error {
	id, err := entID(c)
	if err != nil {
		return err
	}
	f := newForm(c)
	fac := &registry.Facility{EnterpriseID: id}
	err = w.entFillFacility(c, f, fac)
	if err == nil {
		if err = entAuthorize(c, registry.ActCreate, registry.KindFacility, id); err != nil {
			return err
		}
		err = w.store.CreateFacility(ctx(c), fac)
	}
	if err != nil {
		if invalid(err) {
			f.Fail(entCollapseGeometry(err))
			return w.render(c, fiber.StatusUnprocessableEntity, w.entFacilityPage(c, f))
		}
		return err
	}
	if err := w.audit(c, "facility.create", registry.KindFacility, fac.ID, id, nil, fac); err != nil {
		return err
	}
	return w.redirectFlash(c, Prefix+"/facilities/"+fac.ID, "flash_ent_facility_created")
}

// entLoadOwnFacility reads the :id facility for a change by the caller.
func (w *Web) entLoadOwnFacility(c *fiber.Ctx, action string) (*registry.Facility, error) {
	fac, err := w.entLoadFacility(c)
	if err != nil {
		return nil, err
	}
	if err := entAuthorize(c, action, registry.KindFacility, fac.EnterpriseID); err != nil {
		return nil, err
	}
	return fac, nil
}

func (w *Web) entFacilityEdit(c *fiber.Ctx) error {
	fac, err := w.entLoadOwnFacility(c, registry.ActUpdate)
	if err != nil {
		return err
	}
	return w.render(c, fiber.StatusOK, w.entFacilityEditPage(c, fac, entFacilityForm(c, fac)))
}

// entFacilityForm is the edit form filled from fac.
func entFacilityForm(c *fiber.Ctx, fac *registry.Facility) *Form {
	f := newForm(c)
	for k, v := range map[string]string{"kind": fac.Kind, "name": fac.Name, "code": fac.Code, "gln": fac.GLN, "district": fac.District,
		"address": fac.Address, "crop": fac.Crop, "land_cleared_on": string(fac.LandClearedOn), "version": strconv.Itoa(fac.Version),
		"geo_mode": "keep", "coord_order": "lonlat"} {
		f.Set(k, v)
	}
	if fac.AreaHa > 0 {
		f.Set("area_ha", strconv.FormatFloat(fac.AreaHa, 'f', -1, 64))
	}
	if fac.DeforestationFree != nil {
		f.Set("deforestation_free", map[bool]string{true: "yes", false: "no"}[*fac.DeforestationFree])
	}
	return f
}

func (w *Web) entFacilityUpdate(c *fiber.Ctx) error {
	cur, err := w.entLoadOwnFacility(c, registry.ActUpdate)
	if err != nil {
		return err
	}
	f := newForm(c)
	next := *cur
	next.Version = -1 // a form without its version is stale
	if v, err := strconv.Atoi(f.Value("version")); err == nil {
		next.Version = v
	}
	err = w.entFillFacility(c, f, &next)
	if err == nil {
		err = w.store.UpdateFacility(ctx(c), &next)
	}
	if err != nil {
		if invalid(err) {
			f.Fail(entCollapseGeometry(err))
			return w.render(c, formStatus(err), w.entFacilityEditPage(c, cur, f))
		}
		return err
	}
	if err := w.audit(c, "facility.update", registry.KindFacility, next.ID, next.EnterpriseID, cur, &next); err != nil {
		return err
	}
	w.publicChanged() // place pages, plot maps of lots
	return w.redirectFlash(c, Prefix+"/facilities/"+next.ID, "flash_ent_facility_saved")
}

// entFacilityDelete deletes a facility nothing refers to, once confirmed:
// a plot or site a lot or certificate names stays (the store says which).
func (w *Web) entFacilityDelete(c *fiber.Ctx) error {
	fac, err := w.entLoadOwnFacility(c, registry.ActDelete)
	if err != nil {
		return err
	}
	if err := w.deleteConfirmed(c, newForm(c), registry.KindFacility, fac.ID, fac.Version); err != nil {
		if !invalid(err) {
			return err
		}
		f := entFacilityForm(c, fac)
		f.Fail(err)
		return w.render(c, formStatus(err), w.entFacilityEditPage(c, fac, f))
	}
	if err := w.audit(c, "facility.delete", registry.KindFacility, fac.ID, fac.EnterpriseID, fac, nil); err != nil {
		return err
	}
	w.publicChanged()
	return w.redirectFlash(c, Prefix+"/facilities", "flash_ent_facility_deleted")
}

// entGeometry builds the GeoJSON geometry text from the form: an uploaded
// GeoJSON file, a pasted list of coordinates, or a single point. Problems
// are on the field "geometry" (the registry puts its EUDR messages there too).
func (w *Web) entGeometry(c *fiber.Ctx, f *Form, kind string) (string, error) {
	mode := f.Value("geo_mode")
	switch mode {
	case "file":
		st, err := w.upload(c, f, "geojson_file", entMaxGeoJSONSize, entGeoJSONMediaTypes)
		if err != nil {
			return "", renameFields(err, "geometry")
		}
		if st == nil {
			return "", entGeomErr("required", "choose a GeoJSON file", "hãy chọn tệp GeoJSON")
		}
		rc, _, err := w.cfg.Documents.Open(ctx(c), st.Blob.SHA256)
		if err != nil {
			return "", err
		}
		defer rc.Close()
		b, err := io.ReadAll(io.LimitReader(rc, entMaxGeoJSONSize+1))
		if err != nil {
			return "", err
		}
		return entGeometryOfGeoJSON(b)
	case "list":
		return entGeometryOfList(f.Value("coords"), f.Value("coord_order"))
	case "point":
		lon, lat := strings.TrimSpace(f.Value("point_lon")), strings.TrimSpace(f.Value("point_lat"))
		if lon == "" && lat == "" {
			if kind != registry.FacilityFarmPlot {
				return "", nil // a site's location is optional
			}
			return "", entGeomErr("required", "give the plot's longitude and latitude", "hãy nhập kinh độ và vĩ độ của thửa đất")
		}
		return entGeometryOfList(lon+", "+lat, "lonlat")
	case "":
		if kind != registry.FacilityFarmPlot {
			return "", nil
		}
	}
	return "", entGeomErr("one_of", "choose how to give the location", "hãy chọn cách khai báo vị trí")
}

func entGeomErr(rule, en, vi string) error {
	return fieldError("geometry", rule, registry.Errorf(registry.EINVALID, en, vi))
}

// geometryOfGeoJSON takes the geometry of a GeoJSON file: a geometry
// object, a Feature, or a FeatureCollection of one feature (several
// polygon features become one MultiPolygon). Numbers keep their text, so
// the EUDR decimal places are checked as written.
func entGeometryOfGeoJSON(b []byte) (string, error) {
	b = bytes.TrimPrefix(b, []byte("\xef\xbb\xbf"))
	var obj struct {
		Type        string            `json:"type"`
		Geometry    json.RawMessage   `json:"geometry"`
		Coordinates json.RawMessage   `json:"coordinates"`
		Features    []json.RawMessage `json:"features"`
	}
	bad := entGeomErr("geojson", "the file is not GeoJSON (a geometry, a Feature or a FeatureCollection)",
		"tệp không phải GeoJSON (một hình học, một Feature hoặc một FeatureCollection)")
	if err := json.Unmarshal(b, &obj); err != nil {
		return "", bad
	}
	switch obj.Type {
	case "Point", "Polygon", "MultiPolygon":
		return entCompactJSON(b)
	case "Feature":
		if len(obj.Geometry) == 0 || string(obj.Geometry) == "null" {
			return "", bad
		}
		return entCompactJSON(obj.Geometry)
	case "FeatureCollection":
		if len(obj.Features) == 0 {
			return "", entGeomErr("geojson", "the file has no features", "tệp không có đối tượng nào")
		}
		var geoms []entRawGeom
		for _, raw := range obj.Features {
			var ft struct {
				Geometry entRawGeom `json:"geometry"`
			}
			if err := json.Unmarshal(raw, &ft); err != nil {
				return "", bad
			}
			geoms = append(geoms, ft.Geometry)
		}
		if len(geoms) == 1 {
			return entCompactJSON(geoms[0].raw)
		}
		// Several polygons: one plot made of parts.
		var parts []string
		for _, g := range geoms {
			switch g.Type {
			case "Polygon":
				parts = append(parts, string(g.Coordinates))
			case "MultiPolygon":
				inner := bytes.TrimSpace(g.Coordinates)
				if len(inner) > 2 {
					parts = append(parts, string(inner[1:len(inner)-1]))
				}
			default:
				return "", entGeomErr("one_plot", "a file of several features must hold polygons of one plot; register points one by one",
					"tệp có nhiều đối tượng phải là các đa giác của cùng một thửa; các điểm hãy khai báo từng thửa một")
			}
		}
		return entCompactJSON([]byte(`{"type":"MultiPolygon","coordinates":[` + strings.Join(parts, ",") + `]}`))
	}
	return "", bad
}

// entRawGeom is a geometry whose coordinates keep their text.
type entRawGeom struct {
	Type        string          `json:"type"`
	Coordinates json.RawMessage `json:"coordinates"`
	raw         []byte
}

func (g *entRawGeom) UnmarshalJSON(b []byte) error {
	type plain entRawGeom
	var p plain
	if err := json.Unmarshal(b, &p); err != nil {
		return err
	}
	*g = entRawGeom(p)
	g.raw = append([]byte(nil), b...)
	return nil
}

func entCompactJSON(b []byte) (string, error) {
	var out bytes.Buffer
	if err := json.Compact(&out, b); err != nil {
		return "", entGeomErr("geojson", "the file is not valid JSON", "tệp không phải JSON hợp lệ")
	}
	return out.String(), nil
}

// geometryOfList reads one position a line, "lon, lat" (order "lonlat") or
// "lat, lon" (order "latlon"), separated by a comma, a semicolon, a tab or
// spaces. One line is a point; more make a polygon, closed if the last
// line does not repeat the first. The numbers keep their text.
func entGeometryOfList(text, order string) (string, error) {
	if order != "lonlat" && order != "latlon" {
		return "", entGeomErr("one_of", "choose the order of the numbers on each line", "hãy chọn thứ tự hai số trên mỗi dòng")
	}
	var pos [][2]string
	for i, line := range strings.FieldsFunc(text, func(r rune) bool { return r == '\n' || r == '\r' }) {
		line = strings.TrimSpace(line)
		if line == "" {
			continue
		}
		nums := strings.FieldsFunc(line, func(r rune) bool { return r == ',' || r == ';' || r == ' ' || r == '\t' })
		if len(nums) != 2 {
			return "", entGeomErr("position", fmt.Sprintf("line %d: write two numbers, e.g. 108.081000, 12.851000", i+1),
				fmt.Sprintf("dòng %d: ghi hai số, ví dụ 108.081000, 12.851000", i+1))
		}
		for _, n := range nums {
			if !entPlainNumber.MatchString(n) {
				return "", entGeomErr("number", fmt.Sprintf("line %d: %q is not a number (use a dot for decimals)", i+1, n),
					fmt.Sprintf("dòng %d: %q không phải là số (dùng dấu chấm cho phần thập phân)", i+1, n))
			}
		}
		if order == "latlon" {
			nums[0], nums[1] = nums[1], nums[0]
		}
		pos = append(pos, [2]string{entNormNumber(nums[0]), entNormNumber(nums[1])})
		if len(pos) > 10000 {
			return "", entGeomErr("max_positions", "at most 10000 positions", "tối đa 10000 vị trí")
		}
	}
	switch len(pos) {
	case 0:
		return "", entGeomErr("required", "paste the plot's coordinates, one position a line", "hãy dán tọa độ của thửa đất, mỗi dòng một vị trí")
	case 1:
		return fmt.Sprintf(`{"type":"Point","coordinates":[%s,%s]}`, pos[0][0], pos[0][1]), nil
	}
	if pos[0] != pos[len(pos)-1] {
		pos = append(pos, pos[0])
	}
	parts := make([]string, len(pos))
	for i, p := range pos {
		parts[i] = "[" + p[0] + "," + p[1] + "]"
	}
	return `{"type":"Polygon","coordinates":[[` + strings.Join(parts, ",") + `]]}`, nil
}

// entPlainNumber is a decimal number as people write coordinates (no exponent).
var entPlainNumber = regexp.MustCompile(`^[+-]?([0-9]+\.?[0-9]*|\.[0-9]+)$`)

// normNumber writes a number as JSON accepts it, keeping its decimals:
// "+108.5" → "108.5", ".5" → "0.5", "-.5" → "-0.5".
func entNormNumber(s string) string {
	s = strings.TrimPrefix(s, "+")
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	if strings.HasPrefix(s, ".") {
		s = "0" + s
	}
	if strings.HasSuffix(s, ".") {
		s = strings.TrimSuffix(s, ".")
	}
	for len(s) > 1 && s[0] == '0' && s[1] != '.' {
		s = s[1:]
	}
	if neg {
		return "-" + s
	}
	return s
}

// entPlot is a facility as its page shows it, with the outline drawn.
type entPlot struct {
	Facility *registry.Facility
	Outline  entPlotSVG
	EUDR     bool
	Declared string // the deforestation-free declaration: "yes", "no" or ""
}

// entLoadFacility reads the :id facility the caller may read.
func (w *Web) entLoadFacility(c *fiber.Ctx) (*registry.Facility, error) {
	if _, err := entID(c); err != nil {
		return nil, err
	}
	id := entParam(c, "id")
	if !registry.ValidID(id) {
		return nil, entNotFound()
	}
	fac, err := w.store.FindFacility(ctx(c), id)
	if err != nil {
		return nil, err
	}
	if err := entAuthorize(c, registry.ActRead, registry.KindFacility, fac.EnterpriseID); err != nil {
		return nil, err
	}
	return fac, nil
}

func (w *Web) entFacility(c *fiber.Ctx) error {
	fac, err := w.entLoadFacility(c)
	if err != nil {
		return err
	}
	p := w.page(c, "enterprise/facility", "ent_facility_title")
	d := entPlot{Facility: fac, Outline: entOutlineOf(string(fac.Geometry)), EUDR: fac.EUDRReady()}
	if fac.DeforestationFree != nil {
		d.Declared = map[bool]string{true: "yes", false: "no"}[*fac.DeforestationFree]
	}
	p.Data = d
	return w.render(c, fiber.StatusOK, p)
}

// entFacilityGeoJSON downloads one plot as GeoJSON with its EUDR properties.
func (w *Web) entFacilityGeoJSON(c *fiber.Ctx) error {
	fac, err := w.entLoadFacility(c)
	if err != nil {
		return err
	}
	if fac.Geometry == "" {
		return entNotFound()
	}
	producer, err := w.store.FindEnterprise(ctx(c), fac.EnterpriseID)
	if err != nil {
		return err
	}
	return server.SendGeoJSON(c, "plot-"+fac.ID+".geojson", registry.PlotGeoJSON(fac, producer, nil))
}

// entPlotSVG is a plot drawn for the page: outline, scale bar, and a
// geo: link (built from numbers only, so safe as a link).
type entPlotSVG struct {
	plotmap.Map
	Geo template.URL
}

const (
	entPlotW, entPlotH = 320, 200
	entPlotPad         = 12
)

func entOutlineOf(geometry string) entPlotSVG {
	m := plotmap.Draw(geometry, entPlotW, entPlotH, entPlotPad)
	return entPlotSVG{Map: m, Geo: template.URL(m.GeoURI)}
}

// Hectares shows an area with two decimals in the page's language.
func (p *Page) EntHectares(ha float64) string {
	s := strconv.FormatFloat(math.Round(ha*100)/100, 'f', 2, 64)
	if p.Lang == "vi" {
		s = strings.ReplaceAll(s, ".", ",")
	}
	return s + " ha"
}

// entPositionField matches the field of one position of a ring.
var entPositionField = regexp.MustCompile(`^geometry\.coordinates(?:\[\d+\])?\[\d+\]\[(\d+)\]$`)

// entCollapseGeometry says a rule broken by many positions once, naming the
// positions (1 = the first line or position), instead of once a position.
func entCollapseGeometry(err error) error {
	var e *registry.Error
	if !errors.As(err, &e) || e.Code != registry.EINVALID {
		return err
	}
	out := *e
	out.Fields = nil
	type group struct {
		at  int
		pos []string
	}
	groups := map[string]*group{}
	for _, fe := range e.Fields {
		m := entPositionField.FindStringSubmatch(fe.Field)
		if m == nil {
			out.Fields = append(out.Fields, fe)
			continue
		}
		n, _ := strconv.Atoi(m[1])
		key := fe.Rule + "|" + fe.Message
		g, ok := groups[key]
		if !ok {
			g = &group{at: len(out.Fields)}
			groups[key] = g
			out.Fields = append(out.Fields, registry.FieldError{Field: "geometry", Rule: fe.Rule, Message: fe.Message, MessageVI: fe.MessageVI})
		}
		if p := strconv.Itoa(n + 1); !slices.Contains(g.pos, p) && len(g.pos) < 10 {
			g.pos = append(g.pos, p)
		}
	}
	for _, g := range groups {
		fe := &out.Fields[g.at]
		list := strings.Join(g.pos, ", ")
		fe.Message = "position " + list + ": " + fe.Message
		fe.MessageVI = "vị trí " + list + ": " + fe.MessageVI
	}
	return &out
}
