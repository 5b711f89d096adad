package api

import (
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/tracereg/tracereg/registry"
)

// Document lists are scoped: an enterprise sees its own, another enterprise
// nothing of them, a certifier only its body's, an inspector everything.
func TestDocumentListIsScoped(t *testing.T) {
	e := newEnv(t)
	e2doc := e.newDocument(e.e2.ID, true)
	bodyDoc := &registry.Document{BodyID: e.body.ID, Title: "Quyết định công nhận", FileName: "qd.pdf", Kind: "other", Blob: e.doc1.Blob}
	must(t, e.db.CreateDocument(e.ctx(), bodyDoc))

	ids := func(as, query string) map[string]bool {
		t.Helper()
		r := e.do(request{method: "GET", path: Prefix + "/documents" + query, as: as})
		if r.status != 200 {
			t.Fatalf("%s GET /documents%s: %d %s", as, query, r.status, r.body)
		}
		var l listOf[registry.Document]
		r.decode(t, &l)
		got := map[string]bool{}
		for _, d := range l.Items {
			got[d.ID] = true
		}
		return got
	}
	if got := ids(asEnt1, ""); !got[e.doc1.ID] || got[e2doc.ID] || got[bodyDoc.ID] {
		t.Errorf("enterprise 1 sees %v", got)
	}
	// ?enterprise= cannot widen an enterprise's scope.
	if got := ids(asEnt1, "?enterprise="+e.e2.ID); got[e2doc.ID] {
		t.Errorf("enterprise 1 listed enterprise 2's documents through ?enterprise=: %v", got)
	}
	if got := ids(asCertifier, ""); !got[bodyDoc.ID] || got[e.doc1.ID] || got[e2doc.ID] {
		t.Errorf("certifier sees %v", got)
	}
	if got := ids(asInspector, ""); !got[e.doc1.ID] || !got[e2doc.ID] || !got[bodyDoc.ID] {
		t.Errorf("inspector sees %v", got)
	}
	if got := ids(asInspector, "?enterprise="+e.e2.ID); len(got) != 1 || !got[e2doc.ID] {
		t.Errorf("inspector filtered by enterprise 2 sees %v", got)
	}
	if r := e.do(request{method: "GET", path: Prefix + "/documents?enterprise=nope", as: asInspector}); r.status != 422 {
		t.Errorf("bad enterprise filter: %d", r.status)
	}
}

// updated_since keeps a client's copy in step: only records updated at or
// after the time are listed; a malformed time is a 422 naming the field.
func TestUpdatedSince(t *testing.T) {
	e := newEnv(t)
	cut := e.clock.Now().Add(time.Minute) // tokens live 15 minutes: stay inside them
	e.clock.Add(2 * time.Minute)
	fresh := &registry.Facility{EnterpriseID: e.e1.ID, Kind: registry.FacilityWarehouse, Name: "Kho mới", District: "Cư Kuin"}
	must(t, e.db.CreateFacility(e.ctx(), fresh))

	r := e.do(request{method: "GET", path: Prefix + "/facilities?updated_since=" + url.QueryEscape(cut.Format(time.RFC3339)), as: asInspector})
	if r.status != 200 {
		t.Fatalf("%d %s", r.status, r.body)
	}
	var l listOf[registry.Facility]
	r.decode(t, &l)
	if len(l.Items) != 1 || l.Items[0].ID != fresh.ID {
		t.Fatalf("updated_since listed %d facilities, want only the fresh one", len(l.Items))
	}
	r = e.do(request{method: "GET", path: Prefix + "/facilities", as: asInspector})
	r.decode(t, &l)
	if len(l.Items) < 2 {
		t.Fatalf("without updated_since: %d facilities", len(l.Items))
	}
	for _, bad := range []string{"yesterday", "2026-13-01T00:00:00Z", "2026-11-27"} {
		r := e.do(request{method: "GET", path: Prefix + "/products?updated_since=" + url.QueryEscape(bad), as: asInspector})
		if p := r.problem(t); r.status != 422 || len(p.Fields) != 1 || p.Fields[0].Field != "updated_since" {
			t.Errorf("updated_since=%q: %d %+v", bad, r.status, p)
		}
	}
}

// Past the limit a caller gets 429 with Retry-After; another caller is not
// affected.
func TestRateLimit(t *testing.T) {
	e := newEnvWith(t, 5)
	for i := range 5 {
		if r := e.do(request{method: "GET", path: Prefix + "/products", as: asEnt1}); r.status != 200 {
			t.Fatalf("request %d: %d", i+1, r.status)
		}
	}
	r := e.do(request{method: "GET", path: Prefix + "/products", as: asEnt1})
	if p := r.problem(t); r.status != 429 || p.Code != registry.ETOOMANY || r.header.Get("Retry-After") == "" {
		t.Fatalf("sixth request: %d %+v retry-after %q", r.status, p, r.header.Get("Retry-After"))
	}
	if r := e.do(request{method: "GET", path: Prefix + "/products", as: asEnt2}); r.status != 200 {
		t.Fatalf("another caller was limited too: %d", r.status)
	}
}

// ?q= finds records by the words of their names through the store's search
// index, within the caller's scope; its bad combinations are 422s naming
// the field.
func TestListSearchByName(t *testing.T) {
	e := newEnv(t)
	other := &registry.Product{EnterpriseID: e.e2.ID, NameVI: "Cà phê rang", Category: "coffee", Unit: "kg"}
	must(t, e.db.CreateProduct(e.ctx(), other))
	ids := func(as, path string) map[string]bool {
		t.Helper()
		r := e.do(request{method: "GET", path: Prefix + path, as: as})
		if r.status != 200 {
			t.Fatalf("%s GET %s: %d %s", as, path, r.status, r.body)
		}
		var l listOf[registry.Product]
		r.decode(t, &l)
		got := map[string]bool{}
		for _, p := range l.Items {
			got[p.ID] = true
		}
		return got
	}
	if got := ids(asInspector, "/products?q="+url.QueryEscape("CA PHE")); !got[e.prod1.ID] || !got[other.ID] {
		t.Errorf("inspector search = %v", got)
	}
	// An enterprise finds only its own.
	if got := ids(asEnt1, "/products?q="+url.QueryEscape("cà phê")); !got[e.prod1.ID] || got[other.ID] {
		t.Errorf("enterprise 1 search = %v", got)
	}
	if got := ids(asInspector, "/products?q=nhan"); !got[e.prod1.ID] || got[other.ID] {
		t.Errorf("search for a second word = %v", got)
	}
	if got := ids(asInspector, "/enterprises?q="+url.QueryEscape(e.e2.NameVI)); !got[e.e2.ID] || got[e.e1.ID] {
		t.Errorf("enterprise search by name = %v", got)
	}
	for _, tc := range []struct{ path, field string }{
		{"/facilities?q=xuong", "enterprise"},
		{"/products?q=ca&updated_since=2026-01-01T00:00:00Z", "updated_since"},
		{"/products?q=" + url.QueryEscape(string(make([]byte, 201))), "q"},
	} {
		r := e.do(request{method: "GET", path: Prefix + tc.path, as: asInspector})
		if r.status != 422 || !strings.Contains(string(r.body), `"field":"`+tc.field+`"`) {
			t.Errorf("GET %s: %d %s, want 422 naming %s", tc.path, r.status, r.body, tc.field)
		}
	}
	if got := ids(asEnt1, "/facilities?q=xuong"); !got[e.fac1.ID] {
		t.Errorf("enterprise facility search = %v", got)
	}
}
