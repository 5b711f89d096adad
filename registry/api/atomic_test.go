package api

import (
	"strings"
	"testing"

	"github.com/tracereg/tracereg/registry"
	"github.com/tracereg/tracereg/registry/records"
	"github.com/tracereg/tracereg/registry/records/recordstest"
)

// TestWriteAndAuditCommitTogether: a write whose audit entry fails answers
// 500 and leaves nothing (no record, no idempotency answer), so the retry
// creates the record once; a 4xx answer keeps nothing either.
func TestWriteAndAuditCommitTogether(t *testing.T) {
	var store *recordstest.AuditDown
	e := newEnvOn(t, -1, func(db *records.DB) registry.Store { store = &recordstest.AuditDown{DB: db}; return store })
	ctx := e.ctx()
	count := func() int {
		t.Helper()
		list, _, err := e.db.ListProducts(ctx, registry.ProductFilter{EnterpriseID: e.e1.ID, Page: registry.Page{Limit: 200}})
		if err != nil {
			t.Fatal(err)
		}
		return len(list)
	}
	before := count()
	body := `{"enterprise_id":"` + e.e1.ID + `","name_vi":"Mật ong hoa cà phê","category":"honey","unit":"jar"}`
	post := func() response {
		return e.do(request{method: "POST", path: Prefix + "/products", as: asEnt1, body: body, header: map[string]string{"Idempotency-Key": "honey-1"}})
	}

	store.Down.Store(true)
	if r := post(); r.status != 500 {
		t.Fatalf("audit down: %d %s, want 500", r.status, short(r.body))
	}
	if n := count(); n != before {
		t.Fatalf("the product stayed although its audit entry failed: %d products, want %d", n, before)
	}

	store.Down.Store(false)
	r := post()
	if r.status != 201 || r.header.Get("Idempotent-Replayed") != "" {
		t.Fatalf("retry: %d (replayed %q) %s, want a fresh 201", r.status, r.header.Get("Idempotent-Replayed"), short(r.body))
	}
	if again := post(); again.status != 201 || again.header.Get("Idempotent-Replayed") != "true" {
		t.Fatalf("repeat: %d, want the first answer replayed", again.status)
	}
	if n := count(); n != before+1 {
		t.Fatalf("%d products after the retry and its repeat, want %d", n, before+1)
	}
	entries, _, err := e.db.ListAudit(ctx, registry.AuditFilter{EnterpriseID: e.e1.ID, Action: "product.create"})
	if err != nil || len(entries) != 1 {
		t.Fatalf("audit entries for the product: %d, %v; want exactly 1", len(entries), err)
	}
	if _, err := e.db.VerifyAudit(ctx); err != nil {
		t.Fatalf("the audit chain after a rolled-back append: %v", err)
	}

	// A refused request writes nothing, and its key stays free.
	bad := e.do(request{method: "POST", path: Prefix + "/products", as: asEnt1, body: strings.Replace(body, `"honey"`, `"nectar"`, 1),
		header: map[string]string{"Idempotency-Key": "honey-2"}})
	if bad.status != 422 || count() != before+1 {
		t.Fatalf("a bad product: %d, %d products", bad.status, count())
	}
}
