package api

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/tracereg/tracereg/registry"
	"github.com/tracereg/tracereg/registry/epcis/epcistest"
)

// testHost is the base URL an httptest request has (no PUBLIC_BASE_URL in tests).
const testHost = "http://example.com"

func lotClass(b *registry.Batch) string { return testHost + "/l/" + b.ShortCode }

// epcisDoc is an EPCIS document of the given events.
func epcisDoc(events ...string) []byte {
	return []byte(`{"@context":["https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld"],"type":"EPCISDocument",` +
		`"schemaVersion":"2.0","creationDate":"2026-02-01T00:00:00Z","epcisBody":{"eventList":[` + strings.Join(events, ",") + `]}}`)
}

func harvestEvent(id string, b *registry.Batch, place string) string {
	return fmt.Sprintf(`{"type":"ObjectEvent","eventID":%q,"eventTime":"2026-01-20T07:00:00+07:00","eventTimeZoneOffset":"+07:00",`+
		`"action":"ADD","bizStep":"urn:tracereg:bizstep:harvesting","disposition":"active","bizLocation":{"id":%q},`+
		`"quantityList":[{"epcClass":%q,"quantity":100,"uom":"KGM"}]}`, id, place, lotClass(b))
}

func roastEvent(id string, in, out *registry.Batch) string {
	return fmt.Sprintf(`{"type":"TransformationEvent","eventID":%q,"eventTime":"2026-01-25T09:00:00+07:00","eventTimeZoneOffset":"+07:00",`+
		`"bizStep":"https://ref.gs1.org/cbv/BizStep-commissioning","inputQuantityList":[{"epcClass":%q,"quantity":80,"uom":"KGM"}],`+
		`"outputQuantityList":[{"epcClass":%q,"quantity":60}]}`, id, lotClass(in), lotClass(out))
}

func capture(e *env, as string, doc []byte) response {
	return e.do(request{method: "POST", path: Prefix + "/epcis/capture", as: as, body: doc, contentType: "application/ld+json"})
}

func TestEPCISCaptureQueryRoundTrip(t *testing.T) {
	e := newEnv(t)
	out := e.newBatch(e.e1.ID, e.prod1.ID, registry.BatchPublished)
	place := "urn:tracereg:facility:" + e.fac1.ID
	doc := epcisDoc(harvestEvent("urn:uuid:2f0c4c1e-0000-4000-8000-000000000001", e.batch1, place),
		roastEvent("urn:uuid:2f0c4c1e-0000-4000-8000-000000000002", e.batch1, out))
	epcistest.Check(t, doc) // the test's own document is valid EPCIS

	r := capture(e, asEnt1, doc)
	if r.status != 201 {
		t.Fatalf("capture: %d %s", r.status, short(r.body))
	}
	var res captureResult
	r.decode(t, &res)
	if res.Captured != 2 || res.Replayed != 0 || len(res.Events) != 2 {
		t.Fatalf("capture result %+v", res)
	}
	// Captured again, the same eventIDs record nothing new.
	r = capture(e, asEnt1, doc)
	r.decode(t, &res)
	if r.status != 201 || res.Captured != 0 || res.Replayed != 2 {
		t.Fatalf("second capture: %d %+v", r.status, res)
	}

	// Query by the output lot's class: the transformation, as EPCIS.
	q := e.do(request{method: "GET", path: Prefix + "/epcis/events?MATCH_anyEPCClass=" + lotClass(out), as: asEnt1})
	if q.status != 200 || q.header.Get("Content-Type") != "application/ld+json" {
		t.Fatalf("query: %d %s %s", q.status, q.header.Get("Content-Type"), short(q.body))
	}
	epcistest.Check(t, q.body)
	var qd struct {
		Body struct {
			QueryResults struct {
				ResultsBody struct {
					EventList []json.RawMessage `json:"eventList"`
				} `json:"resultsBody"`
			} `json:"queryResults"`
		} `json:"epcisBody"`
	}
	q.decode(t, &qd)
	list := qd.Body.QueryResults.ResultsBody.EventList
	if len(list) != 1 || !strings.Contains(string(list[0]), `"inputQuantityList":[{"epcClass":"`+lotClass(e.batch1)+`","quantity":80,"uom":"KGM"}]`) ||
		!strings.Contains(string(list[0]), `"bizStep":"commissioning"`) || !strings.Contains(string(list[0]), `"outputQuantityList":[{"epcClass":"`+lotClass(out)+`","quantity":60,"uom":"KGM"}]`) {
		t.Fatalf("query events %s", list)
	}
	// Both lots, filtered: only the harvest.
	q = e.do(request{method: "GET", path: Prefix + "/epcis/events?MATCH_anyEPCClass=" + lotClass(e.batch1) + "," + lotClass(out) +
		"&EQ_bizStep=harvesting&GE_eventTime=2026-01-01T00:00:00Z&LT_eventTime=2026-02-01T00:00:00Z", as: asInspector})
	q.decode(t, &qd)
	list = qd.Body.QueryResults.ResultsBody.EventList
	if q.status != 200 || len(list) != 1 || !strings.Contains(string(list[0]), `"bizLocation":{"id":"`+place+`"}`) {
		t.Fatalf("filtered query: %d %s", q.status, list)
	}

	// Round trip: the exported events captured back are the stored ones, not copies.
	before := e.snapshot()
	r = capture(e, asEnt1, epcisDoc(string(list[0])))
	r.decode(t, &res)
	if r.status != 201 || res.Captured != 0 || res.Replayed != 1 {
		t.Fatalf("capture of an export: %d %+v", r.status, res)
	}
	sameSnapshot(t, before, e.snapshot())
}

func TestEPCISCaptureRefuses(t *testing.T) {
	e := newEnv(t)
	out := e.newBatch(e.e1.ID, e.prod1.ID, registry.BatchPublished)
	prod2 := &registry.Product{EnterpriseID: e.e2.ID, NameVI: "Mật ong", Category: "honey", Unit: "kg"}
	must(t, e.db.CreateProduct(e.ctx(), prod2))
	draft2 := e.newBatch(e.e2.ID, prod2.ID, registry.BatchDraft)
	good := harvestEvent("urn:uuid:1", e.batch1, "urn:tracereg:facility:"+e.fac1.ID)
	cases := []struct {
		name   string
		as     string
		doc    []byte
		ct     string
		status int
		field  string
		rule   string
	}{
		{"not JSON", asEnt1, []byte(`{"type":`), "", 400, "", ""},
		{"not a document", asEnt1, []byte(`{"type":"ObjectEvent"}`), "", 422, "/type", "epcis_document"},
		{"no events", asEnt1, epcisDoc(), "", 422, "/epcisBody/eventList", "required"},
		{"unknown bizStep", asEnt1, epcisDoc(strings.Replace(good, "urn:tracereg:bizstep:harvesting", "dancing", 1)), "", 422, "/epcisBody/eventList/0/bizStep", "one_of"},
		{"unknown lot", asEnt1, epcisDoc(strings.Replace(good, e.batch1.ShortCode, "AAAAAAAAAA", 1)), "", 422, "/epcisBody/eventList/0/quantityList/0/epcClass", "exists"},
		{"not a class", asEnt1, epcisDoc(strings.Replace(good, lotClass(e.batch1), "urn:x:y", 1)), "", 422, "/epcisBody/eventList/0/quantityList/0/epcClass", "epc_class"},
		{"single items", asEnt1, epcisDoc(strings.Replace(good, `"action":"ADD"`, `"action":"ADD","epcList":["https://id.gs1.org/01/09506000134352/21/1"]`, 1)), "", 422, "/epcisBody/eventList/0/epcList", "instance_level"},
		{"bad time", asEnt1, epcisDoc(strings.Replace(good, "2026-01-20T07:00:00+07:00", "20/01/2026", 1)), "", 422, "/epcisBody/eventList/0/eventTime", "date_time"},
		{"bad unit", asEnt1, epcisDoc(strings.Replace(good, `"uom":"KGM"`, `"uom":"ZZZ"`, 1)), "", 422, "/epcisBody/eventList/0/quantityList/0/uom", "one_of"},
		{"unknown place", asEnt1, epcisDoc(strings.Replace(good, "urn:tracereg:facility:"+e.fac1.ID, "https://id.gs1.org/414/8938500001017", 1)), "", 422, "/epcisBody/eventList/0/bizLocation/id", "exists"},
		{"another's draft answers as unknown", asEnt1, epcisDoc(strings.Replace(good, e.batch1.ShortCode, draft2.ShortCode, 1)), "", 422, "/epcisBody/eventList/0/quantityList/0/epcClass", "exists"},
		{"another enterprise's lot", asEnt2, epcisDoc(strings.Replace(good, "urn:tracereg:facility:"+e.fac1.ID, "", 1)), "", 422, "", ""},
		{"one bad event, nothing written", asEnt1, epcisDoc(roastEvent("urn:uuid:2", e.batch1, out), strings.Replace(good, "+07:00\",\"action", "+25:00\",\"action", 1)), "", 422, "/epcisBody/eventList/1/eventTimeZoneOffset", "time_zone"},
		{"wrong media type", asEnt1, epcisDoc(good), "text/plain", 415, "", ""},
		{"inspector", asInspector, epcisDoc(good), "", 403, "", ""},
		{"admin without an enterprise", asAdmin, epcisDoc(good), "", 422, "enterprise", "required"},
		{"anonymous", asAnon, epcisDoc(good), "", 401, "", ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			before := e.snapshot()
			ct := tc.ct
			if ct == "" {
				ct = "application/json"
			}
			r := e.do(request{method: "POST", path: Prefix + "/epcis/capture", as: tc.as, body: tc.doc, contentType: ct})
			if r.status != tc.status {
				t.Fatalf("status %d, want %d: %s", r.status, tc.status, short(r.body))
			}
			p := r.problem(t)
			if p.Detail == "" || p.DetailVI == "" {
				t.Errorf("problem without its messages: %+v", p)
			}
			if tc.field != "" {
				found := false
				for _, f := range p.Fields {
					found = found || f.Field == tc.field && f.Rule == tc.rule
				}
				if !found {
					t.Errorf("no %s on %s: %+v", tc.rule, tc.field, p.Fields)
				}
			}
			sameSnapshot(t, before, e.snapshot())
		})
	}
	// The admin names the enterprise.
	if r := e.do(request{method: "POST", path: Prefix + "/epcis/capture?enterprise=" + e.e1.ID, as: asAdmin, body: epcisDoc(good), contentType: "application/json"}); r.status != 201 {
		t.Fatalf("admin capture for enterprise 1: %d %s", r.status, short(r.body))
	}
}

func TestEPCISQueryRefuses(t *testing.T) {
	e := newEnv(t)
	for _, tc := range []struct {
		name, query, as string
		status          int
		field           string
	}{
		{"no class", "", asEnt1, 422, "MATCH_anyEPCClass"},
		{"another's lot", "MATCH_anyEPCClass=" + lotClass(e.batch1), asEnt2, 422, "MATCH_anyEPCClass[0]"},
		{"unknown lot", "MATCH_anyEPCClass=" + testHost + "/l/AAAAAAAAAA", asEnt1, 422, "MATCH_anyEPCClass[0]"},
		{"bad time", "MATCH_anyEPCClass=" + lotClass(e.batch1) + "&GE_eventTime=yesterday", asEnt1, 422, "GE_eventTime"},
		{"bad type", "MATCH_anyEPCClass=" + lotClass(e.batch1) + "&eventType=Party", asEnt1, 422, "eventType"},
		{"too many classes", "MATCH_anyEPCClass=" + strings.Repeat(lotClass(e.batch1)+",", MaxEPCISClasses+1), asEnt1, 422, "MATCH_anyEPCClass"},
		{"anonymous", "MATCH_anyEPCClass=" + lotClass(e.batch1), asAnon, 401, ""},
	} {
		r := e.do(request{method: "GET", path: Prefix + "/epcis/events?" + tc.query, as: tc.as})
		if r.status != tc.status {
			t.Errorf("%s: status %d, want %d: %s", tc.name, r.status, tc.status, short(r.body))
			continue
		}
		if tc.field != "" {
			p := r.problem(t)
			if len(p.Fields) == 0 || p.Fields[0].Field != tc.field {
				t.Errorf("%s: fields %+v, want %s", tc.name, p.Fields, tc.field)
			}
		}
	}
}

// The owner reads a draft lot's events as an EPCIS document (the public
// export has only published lots); another enterprise gets 404.
func TestLotEPCISForOwners(t *testing.T) {
	e := newEnv(t)
	draft := e.newBatch(e.e1.ID, e.prod1.ID, registry.BatchDraft)
	ev := &registry.TraceEvent{EnterpriseID: e.e1.ID, Kind: registry.EventObject, EventTime: time.Date(2026, 2, 1, 8, 0, 0, 0, registry.Vietnam),
		EventTimeZone: "+07:00", BusinessStep: "storing", Batches: []registry.Quantity{{BatchID: draft.ID, Quantity: 5, Unit: "kg"}}}
	must(t, e.db.CreateEvent(e.ctx(), ev))
	r := e.do(request{method: "GET", path: "/api/v1/batches/" + draft.ID + "/epcis", as: asEnt1})
	if r.status != 200 || r.header.Get("Content-Type") != "application/ld+json" {
		t.Fatalf("owner: %d %q %s", r.status, r.header.Get("Content-Type"), r.body)
	}
	epcistest.Check(t, r.body)
	if !strings.Contains(string(r.body), "/e/"+ev.ID) || !strings.Contains(string(r.body), `"bizStep":"storing"`) {
		t.Errorf("the draft's event is missing: %s", r.body)
	}
	if r := e.do(request{method: "GET", path: "/api/v1/batches/" + draft.ID + "/epcis", as: asEnt2}); r.status != 404 {
		t.Errorf("another enterprise: %d, want 404", r.status)
	}
}
