package api

import (
	"encoding/json"
	"math"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/tracereg/tracereg/registry"
)

// eudrRules checks a package against the EU information system's GeoJSON
// rules: a FeatureCollection of Features, WGS84 longitude then latitude
// with at least 6 decimals, closed polygon rings, and a point only for a
// plot of at most 4 ha.
func eudrRules(t *testing.T, raw []byte) map[string]any {
	t.Helper()
	var fc struct {
		Type     string `json:"type"`
		Features []struct {
			Type     string `json:"type"`
			Geometry struct {
				Type        string          `json:"type"`
				Coordinates json.RawMessage `json:"coordinates"`
			} `json:"geometry"`
			Properties map[string]any `json:"properties"`
		} `json:"features"`
	}
	if err := json.Unmarshal(raw, &fc); err != nil || fc.Type != "FeatureCollection" {
		t.Fatalf("not a FeatureCollection: %v %.300s", err, raw)
	}
	position := func(p []json.Number) {
		if len(p) != 2 {
			t.Errorf("a position of %d numbers", len(p))
			return
		}
		for i, n := range p {
			s := n.String()
			if dot := strings.IndexByte(s, '.'); dot < 0 || len(s)-dot-1 < 6 {
				t.Errorf("coordinate %s has fewer than 6 decimals", s)
			}
			v, _ := strconv.ParseFloat(s, 64)
			if limit := []float64{180, 90}[i]; math.Abs(v) > limit {
				t.Errorf("coordinate %s out of WGS84 range", s)
			}
		}
	}
	plots := map[string]any{}
	for _, f := range fc.Features {
		if f.Type != "Feature" {
			t.Errorf("feature type %q", f.Type)
		}
		dec := json.NewDecoder(strings.NewReader(string(f.Geometry.Coordinates)))
		dec.UseNumber()
		area, _ := f.Properties["Area"].(float64)
		switch f.Geometry.Type {
		case "Point":
			var p []json.Number
			if err := dec.Decode(&p); err != nil {
				t.Fatal(err)
			}
			position(p)
			if area > 4 {
				t.Errorf("a point for a plot of %.2f ha (above 4 ha needs a polygon)", area)
			}
		case "Polygon":
			var rings [][][]json.Number
			if err := dec.Decode(&rings); err != nil {
				t.Fatal(err)
			}
			for _, r := range rings {
				if len(r) < 4 || !slices.Equal(r[0], r[len(r)-1]) {
					t.Errorf("a ring that is not closed: %v", r)
				}
				for _, p := range r {
					position(p)
				}
			}
		default:
			t.Errorf("geometry type %q", f.Geometry.Type)
		}
		for _, k := range []string{"PlotID", "ProducerName", "ProducerCountry", "ProductionPlace", "Area"} {
			if _, ok := f.Properties[k]; !ok {
				t.Errorf("feature without %s: %v", k, f.Properties)
			}
		}
		plots[f.Properties["PlotID"].(string)] = f.Properties
	}
	return plots
}

func TestEUDRPackageFollowsTheGenealogy(t *testing.T) {
	e := newEnv(t)
	ctx := e.ctx()
	yes := true
	point := &registry.Facility{EnterpriseID: e.e1.ID, Kind: registry.FacilityFarmPlot, Name: "Rẫy A", District: "Cư Kuin", Crop: "coffee",
		Geometry: `{"type":"Point","coordinates":[108.050000,12.680000]}`, AreaHa: 1.5, DeforestationFree: &yes}
	polygon := &registry.Facility{EnterpriseID: e.e1.ID, Kind: registry.FacilityFarmPlot, Name: "Rẫy B", District: "Cư Kuin", Crop: "coffee",
		Geometry:          `{"type":"Polygon","coordinates":[[[108.081000,12.851000],[108.101000,12.851000],[108.101000,12.871110],[108.081000,12.871110],[108.081000,12.851000]]]}`,
		DeforestationFree: &yes}
	must(t, e.db.CreateFacility(ctx, point))
	must(t, e.db.CreateFacility(ctx, polygon))
	green1 := &registry.Batch{EnterpriseID: e.e1.ID, ProductID: e.prod1.ID, LotCode: "G-1", Quantity: 100, Unit: "kg", HarvestedOn: "2026-01-05",
		SourcePlotIDs: []string{point.ID}, DDSReference: "DDS-VN-0001", Status: registry.BatchPublished}
	green2 := &registry.Batch{EnterpriseID: e.e1.ID, ProductID: e.prod1.ID, LotCode: "G-2", Quantity: 100, Unit: "kg", HarvestedOn: "2026-01-20",
		SourcePlotIDs: []string{polygon.ID, point.ID}, Status: registry.BatchPublished}
	roasted := &registry.Batch{EnterpriseID: e.e1.ID, ProductID: e.prod1.ID, LotCode: "R/1&x", Quantity: 150, Unit: "kg", ProducedOn: "2026-02-01",
		DDSReference: "DDS-VN-0002", Status: registry.BatchPublished}
	for _, b := range []*registry.Batch{green1, green2, roasted} {
		must(t, e.db.CreateBatch(ctx, b))
	}
	q := func(ids ...string) []registry.Quantity {
		var out []registry.Quantity
		for _, id := range ids {
			out = append(out, registry.Quantity{BatchID: id, Quantity: 100, Unit: "kg"})
		}
		return out
	}
	must(t, e.db.CreateEvent(ctx, &registry.TraceEvent{EnterpriseID: e.e1.ID, Kind: registry.EventTransformation,
		EventTime: e.clock.Now().Add(-time.Hour), EventTimeZone: "+07:00", BusinessStep: "transforming",
		Inputs: q(green1.ID, green2.ID), Outputs: q(roasted.ID)}))

	r := e.do(request{method: "GET", path: Prefix + "/batches/" + roasted.ID + "/eudr.geojson", as: asEnt1})
	if r.status != 200 || r.header.Get("Content-Type") != "application/geo+json" {
		t.Fatalf("package: %d %s %s", r.status, r.header.Get("Content-Type"), r.body)
	}
	if cd := r.header.Get("Content-Disposition"); cd != `attachment; filename="eudr-R_1_x.geojson"` {
		t.Errorf("Content-Disposition %q", cd)
	}
	plots := eudrRules(t, r.body)
	if len(plots) != 2 {
		t.Fatalf("plots %v, want both plots of both inputs", plots)
	}
	a := plots[point.ID].(map[string]any)
	if a["ProducerName"] != e.e1.NameVI || a["ProducerCountry"] != "VN" || a["ProductionStartDate"] != "2026-01-05" || a["ProductionEndDate"] != "2026-01-20" {
		t.Errorf("point plot properties %v", a)
	}
	if lots := a["Lots"].([]any); len(lots) != 2 {
		t.Errorf("the point plot's lots %v, want G-1 and G-2", lots)
	}
	var pkg registry.EUDRPackage
	r.decode(t, &pkg)
	if !slices.Equal(pkg.DDSReferences, []string{"DDS-VN-0001", "DDS-VN-0002"}) {
		t.Errorf("DDS references %v: the upstream one must travel down", pkg.DDSReferences)
	}

	// Who may read it: as the lot itself.
	for _, tc := range []struct {
		as     string
		status int
	}{{asEnt2, 404}, {asAnon, 401}, {asInspector, 200}} {
		if r := e.do(request{method: "GET", path: Prefix + "/batches/" + roasted.ID + "/eudr.geojson", as: tc.as}); r.status != tc.status {
			t.Errorf("%s: %d, want %d", tc.as, r.status, tc.status)
		}
	}
	if r := e.do(request{method: "GET", path: Prefix + "/batches/nope/eudr.geojson", as: asEnt1}); r.status != 404 {
		t.Errorf("an unknown lot: %d", r.status)
	}
}
