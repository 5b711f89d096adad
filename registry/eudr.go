package registry

import (
	"context"
	"encoding/json"
	"slices"
	"sort"
)

// EUDR due-diligence package: the geolocation of every plot a lot traces
// to, as the GeoJSON FeatureCollection an operator attaches to its due
// diligence statement in the EU information system. Coordinates are WGS84
// longitude, latitude, kept as the owner wrote them (Facility.Validate
// requires 6 decimals, a polygon above 4 ha, a point only up to 4 ha).

// EUDRFeature is one plot.
type EUDRFeature struct {
	Type       string          `json:"type"` // "Feature"
	Geometry   json.RawMessage `json:"geometry"`
	Properties EUDRPlot        `json:"properties"`
}

// EUDRPlot are a plot's properties.
type EUDRPlot struct {
	PlotID          string   `json:"PlotID"`
	ProductionPlace string   `json:"ProductionPlace"`
	ProducerName    string   `json:"ProducerName"`
	ProducerTaxCode string   `json:"ProducerTaxCode,omitempty"`
	ProducerCountry string   `json:"ProducerCountry"` // ISO 3166-1 alpha-2
	District        string   `json:"District,omitempty"`
	Area            float64  `json:"Area"` // hectares
	Crop            string   `json:"Crop,omitempty"`
	DeforestationOK bool     `json:"DeforestationFree"`
	LandClearedOn   Date     `json:"LandClearedOn,omitempty"`
	ProductionStart Date     `json:"ProductionStartDate,omitempty"`
	ProductionEnd   Date     `json:"ProductionEndDate,omitempty"`
	Lots            []string `json:"Lots"` // lot codes harvested from the plot
	DDSReferences   []string `json:"DDSReferences,omitempty"`
}

// EUDRPackage is the whole file.
type EUDRPackage struct {
	Type          string        `json:"type"` // "FeatureCollection"
	Lot           string        `json:"lot,omitempty"`
	LotID         string        `json:"lot_id,omitempty"`
	DDSReferences []string      `json:"dds_references"` // the lot's own and every upstream lot's
	Features      []EUDRFeature `json:"features"`
}

// NewEUDRPackage builds the package of root from its upstream genealogy (as
// the caller may see it) and the producers of its plots by ID. Plots without
// a geometry are left out: the EU system cannot take them.
func NewEUDRPackage(root *Batch, up *Genealogy, producers map[string]*Enterprise) *EUDRPackage {
	pkg := &EUDRPackage{Type: "FeatureCollection", Lot: root.LotCode, LotID: root.ID, DDSReferences: []string{}, Features: []EUDRFeature{}}
	lots := append([]*Batch{root}, up.Batches...)
	for _, b := range lots {
		pkg.DDSReferences = addDDSReference(pkg.DDSReferences, b.DDSReference)
	}
	sort.Strings(pkg.DDSReferences)
	for _, plot := range up.Plots {
		if plot.Geometry == "" {
			continue
		}
		pkg.Features = append(pkg.Features, eudrFeature(plot, producers[plot.EnterpriseID], lots))
	}
	return pkg
}

// addDDSReference adds r to refs once; a lot without one adds nothing.
func addDDSReference(refs []string, r string) []string {
	if r == "" || slices.Contains(refs, r) {
		return refs
	}
	return append(refs, r)
}

// eudrFeature is one plot, with the period and DDS references of those
// of lots harvested from it.
func eudrFeature(plot *Facility, producer *Enterprise, lots []*Batch) EUDRFeature {
	props := EUDRPlot{PlotID: plot.ID, ProductionPlace: plot.Name, ProducerCountry: "VN", District: plot.District,
		Area: plot.AreaHa, Crop: plot.Crop, LandClearedOn: plot.LandClearedOn, Lots: []string{}}
	props.DeforestationOK = plot.DeforestationFree != nil && *plot.DeforestationFree
	if producer != nil {
		props.ProducerName, props.ProducerTaxCode = producer.NameVI, producer.TaxCode
	}
	seen := map[string]bool{}
	for _, b := range lots {
		if !slices.Contains(b.SourcePlotIDs, plot.ID) || seen[b.ID] {
			continue
		}
		seen[b.ID] = true
		props.Lots = append(props.Lots, b.LotCode)
		props.DDSReferences = addDDSReference(props.DDSReferences, b.DDSReference)
		day := b.HarvestedOn
		if day == "" {
			day = b.ProducedOn
		}
		if day != "" && (props.ProductionStart == "" || day < props.ProductionStart) {
			props.ProductionStart = day
		}
		if day != "" && day > props.ProductionEnd {
			props.ProductionEnd = day
		}
	}
	return EUDRFeature{Type: "Feature", Geometry: json.RawMessage(plot.Geometry), Properties: props}
}

// PlotGeoJSON is one plot as a FeatureCollection of one Feature (none when
// it has no geometry), with the EUDR properties; lots are its lots, if known.
func PlotGeoJSON(plot *Facility, producer *Enterprise, lots []*Batch) *EUDRPackage {
	pkg := &EUDRPackage{Type: "FeatureCollection", DDSReferences: []string{}, Features: []EUDRFeature{}}
	if plot.Geometry != "" {
		f := eudrFeature(plot, producer, lots)
		pkg.Features = append(pkg.Features, f)
		pkg.DDSReferences = append(pkg.DDSReferences, f.Properties.DDSReferences...)
	}
	return pkg
}

// EUDRSource is what a lot's package is read from.
type EUDRSource interface {
	Genealogy(ctx context.Context, batchID string, direction string, depth int) (*Genealogy, error)
	FindEnterprise(ctx context.Context, id string) (*Enterprise, error)
}

// LotEUDRPackage builds lot's package from its upstream genealogy as viewer
// may see it (other enterprises' plots as their public pages show them),
// with the producers of its plots. The caller has checked viewer may read lot.
func LotEUDRPackage(ctx context.Context, s EUDRSource, viewer Actor, lot *Batch) (*EUDRPackage, error) {
	g, err := s.Genealogy(ctx, lot.ID, Upstream, 0)
	if err != nil {
		return nil, err
	}
	g = g.SeenBy(viewer)
	producers := map[string]*Enterprise{}
	for _, p := range g.Plots {
		if _, ok := producers[p.EnterpriseID]; ok {
			continue
		}
		e, err := s.FindEnterprise(ctx, p.EnterpriseID)
		if err != nil && ErrorCode(err) != ENOTFOUND {
			return nil, err
		}
		producers[p.EnterpriseID] = e
	}
	return NewEUDRPackage(lot, g, producers), nil
}

// EUDRFileName is the package's download name: lot code characters other
// than letters, digits, dash and dot become underscores.
func EUDRFileName(lotCode string) string {
	out := []byte("eudr-")
	for _, r := range []byte(lotCode) {
		if r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '.' {
			out = append(out, r)
		} else {
			out = append(out, '_')
		}
	}
	return string(out) + ".geojson"
}
