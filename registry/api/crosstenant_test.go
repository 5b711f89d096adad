package api

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/tracereg/tracereg/registry"
)

// foreign are enterprise 2's records that enterprise 1 tries to name.
type foreign struct {
	product, facility, plot, cert, doc string
	draftLot, publishedLot, shippedLot string // shippedLot was shipped to enterprise 1
}

func (e *env) foreignRecords() foreign {
	t, ctx, s := e.t, e.ctx(), e.db
	var f foreign
	p := &registry.Product{EnterpriseID: e.e2.ID, NameVI: "Cà phê của người khác", Category: "coffee", Unit: "kg"}
	must(t, s.CreateProduct(ctx, p))
	fac := &registry.Facility{EnterpriseID: e.e2.ID, Kind: registry.FacilityProcessing, Name: "Xưởng khác", District: "Lắk"}
	must(t, s.CreateFacility(ctx, fac))
	yes := true
	plot := &registry.Facility{EnterpriseID: e.e2.ID, Kind: registry.FacilityFarmPlot, Name: "Rẫy khác", District: "Lắk", Crop: "coffee",
		Geometry: `{"type":"Point","coordinates":[108.050000,12.680000]}`, AreaHa: 1, DeforestationFree: &yes}
	must(t, s.CreateFacility(ctx, plot))
	f.product, f.facility, f.plot = p.ID, fac.ID, plot.ID
	f.cert = e.newCert(e.body.ID, e.e2.ID).ID
	f.doc = e.newDocument(e.e2.ID, true).ID
	f.draftLot = e.newBatch(e.e2.ID, p.ID, registry.BatchDraft).ID
	f.publishedLot = e.newBatch(e.e2.ID, p.ID, registry.BatchPublished).ID
	f.shippedLot = e.newBatch(e.e2.ID, p.ID, registry.BatchPublished).ID
	ship := &registry.TraceEvent{EnterpriseID: e.e2.ID, Kind: registry.EventTransaction, EventTime: e.clock.Now().Add(-1e12),
		EventTimeZone: "+07:00", BusinessStep: "shipping", Batches: []registry.Quantity{{BatchID: f.shippedLot, Quantity: 10, Unit: "kg"}},
		CounterpartyTaxCode: e.e1.TaxCode}
	must(t, s.CreateEvent(ctx, ship))
	return f
}

// TestCrossTenantReferences: every field by which an API write or an import
// names another record, tried by enterprise 1 with enterprise 2's records:
// its draft, published and shipped lots, product, facility, farm plot,
// certificate and document. Each is refused with a 4xx (or a failed import
// row) naming the field, and nothing is written; only a lot shipped to
// enterprise 1 may be a transformation's input.
func TestCrossTenantReferences(t *testing.T) {
	e := newEnv(t)
	f := e.foreignRecords()
	lot := func(id string) []map[string]any {
		return []map[string]any{{"batch_id": id, "quantity": 10, "unit": "kg"}}
	}
	batch := func(over map[string]any) map[string]any {
		b := map[string]any{"product_id": e.prod1.ID, "lot_code": fmt.Sprintf("X%d", uniq()), "quantity": 10, "unit": "kg"}
		for k, v := range over {
			b[k] = v
		}
		return b
	}
	event := func(over map[string]any) map[string]any {
		ev := map[string]any{"kind": "object", "event_time": "2026-02-01T08:00:00+07:00", "event_time_zone": "+07:00",
			"business_step": "inspecting", "batches": lot(e.batch1.ID)}
		for k, v := range over {
			ev[k] = v
		}
		return ev
	}
	transform := func(field, id string) map[string]any {
		ev := event(map[string]any{"kind": "transformation", "business_step": "roasting", "batches": nil,
			"inputs": lot(e.batch1.ID), "outputs": lot(e.newBatch(e.e1.ID, e.prod1.ID, registry.BatchPublished).ID)})
		ev[field] = append(ev[field].([]map[string]any), lot(id)...) // the path's lot stays an input
		return ev
	}
	ann := func(over map[string]any) map[string]any {
		a := map[string]any{"type": "hop_chuan", "product_ids": []string{e.prod1.ID}, "standard_code": "TCVN 4193:2014",
			"basis": "self_assessment", "agency": "Sở KH&CN Đắk Lắk", "status": "draft"}
		for k, v := range over {
			a[k] = v
		}
		return a
	}
	events := "/api/v1/batches/" + e.batch1.ID + "/events"
	type tc struct {
		name, method, path, field string
		body                      any
		allowed                   bool
	}
	cases := []tc{
		{"lot of another's product", "POST", "/api/v1/batches", "product_id", batch(map[string]any{"product_id": f.product}), false},
		{"lot made at another's facility", "POST", "/api/v1/batches", "facility_id", batch(map[string]any{"facility_id": f.facility}), false},
		{"lot from another's plot", "POST", "/api/v1/batches", "source_plot_ids", batch(map[string]any{"source_plot_ids": []string{f.plot}}), false},
		{"lot with another's certificate", "POST", "/api/v1/batches", "certificate_ids", batch(map[string]any{"certificate_ids": []string{f.cert}}), false},
		{"product with another's photo", "POST", "/api/v1/products", "photo_id",
			map[string]any{"name_vi": "Cà phê", "category": "coffee", "unit": "kg", "photo_id": f.doc}, false},
		{"dossier of another's product", "POST", "/api/v1/announcements", "product_ids", ann(map[string]any{"product_ids": []string{f.product}}), false},
		{"dossier on another's certificate", "POST", "/api/v1/announcements", "certificate_id",
			ann(map[string]any{"basis": "certification", "certificate_id": f.cert}), false},
		{"dossier with another's test report", "POST", "/api/v1/announcements", "test_report_ids", ann(map[string]any{"test_report_ids": []string{f.doc}}), false},
		{"dossier with another's document", "POST", "/api/v1/announcements", "document_ids", ann(map[string]any{"document_ids": []string{f.doc}}), false},
		{"event at another's facility", "POST", events, "facility_id", event(map[string]any{"facility_id": f.facility}), false},
	}
	for _, l := range []struct{ kind, id string }{{"draft", f.draftLot}, {"published", f.publishedLot}, {"shipped", f.shippedLot}} {
		cases = append(cases,
			tc{"event on another's " + l.kind + " lot", "POST", events, "batches", event(map[string]any{"batches": lot(l.id)}), false},
			tc{"another's " + l.kind + " lot as an output", "POST", events, "outputs", transform("outputs", l.id), false},
			tc{"another's " + l.kind + " lot as an input", "POST", events, "inputs", transform("inputs", l.id), l.kind == "shipped"},
			tc{"event under another's " + l.kind + " lot's path", "POST", "/api/v1/batches/" + l.id + "/events", "", event(nil), false},
		)
	}
	for _, c := range cases {
		before := e.snapshot()
		r := e.do(request{method: c.method, path: c.path, as: asEnt1, body: c.body})
		if c.allowed {
			if r.status != 201 {
				t.Errorf("%s: %d %s, want 201", c.name, r.status, r.body)
			}
			continue
		}
		switch {
		case r.status < 400 || r.status >= 500:
			t.Errorf("%s: %d %s, want a 4xx", c.name, r.status, r.body)
		case c.field != "" && !strings.Contains(string(r.body), `"field":"`+c.field+`"`):
			t.Errorf("%s: %d %s, want the field %s named", c.name, r.status, r.body, c.field)
		}
		sameSnapshot(t, before, e.snapshot())
	}

	// The same through the imports: each row fails, naming the field.
	imports := []struct {
		name, path, field string
		row               map[string]any
		allowed           bool
	}{
		{"imported lot of another's product", "/api/v1/batches:import", "product_id", batch(map[string]any{"product_id": f.product}), false},
		{"imported lot from another's plot", "/api/v1/batches:import", "source_plot_ids", batch(map[string]any{"source_plot_ids": []string{f.plot}}), false},
		{"imported lot with another's certificate", "/api/v1/batches:import", "certificate_ids", batch(map[string]any{"certificate_ids": []string{f.cert}}), false},
		{"imported lot at another's facility", "/api/v1/batches:import", "facility_id", batch(map[string]any{"facility_id": f.facility}), false},
		{"imported event on another's published lot", "/api/v1/events:import", "batches", event(map[string]any{"batches": lot(f.publishedLot)}), false},
		{"imported event with another's draft lot as input", "/api/v1/events:import", "inputs", transform("inputs", f.draftLot), false},
		{"imported event with another's published lot as input", "/api/v1/events:import", "inputs", transform("inputs", f.publishedLot), false},
		{"imported event with a lot shipped here as input", "/api/v1/events:import", "inputs", transform("inputs", f.shippedLot), true},
	}
	for i, c := range imports {
		c.row["idempotency_key"] = fmt.Sprintf("cross-%d", i)
		line, _ := json.Marshal(c.row)
		before := e.snapshot()
		r := e.do(request{method: "POST", path: c.path, as: asEnt1, body: string(line) + "\n", contentType: "application/x-ndjson"})
		var rep importReport
		if r.status == 200 {
			r.decode(t, &rep)
		}
		if c.allowed {
			if r.status != 200 || rep.Created != 1 {
				t.Errorf("%s: %d %s, want the row created", c.name, r.status, r.body)
			}
			continue
		}
		if r.status >= 500 || rep.Created != 0 || !strings.Contains(string(r.body), `"field":"`+c.field+`"`) {
			t.Errorf("%s: %d %s, want the row refused naming %s", c.name, r.status, r.body, c.field)
		}
		sameSnapshot(t, before, e.snapshot())
	}
}
