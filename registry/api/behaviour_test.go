package api

import (
	"encoding/json"
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/tracereg/tracereg/registry"
)

func TestETagAndIfMatch(t *testing.T) {
	e := newEnv(t)
	path := "/api/v1/products/" + e.prod1.ID
	tag, cur := e.etagOf(path)
	if tag != etag(e.prod1.ID, 1) {
		t.Fatalf("ETag %q", tag)
	}
	before := e.snapshot()
	cur["description"] = "changed"
	if r := e.do(request{method: "PUT", path: path, as: asEnt1, body: cur}); r.status != 428 {
		t.Fatalf("without If-Match: %d", r.status)
	}
	if r := e.do(request{method: "PUT", path: path, as: asEnt1, body: cur, header: map[string]string{"If-Match": etag(e.prod1.ID, 7)}}); r.status != 412 {
		t.Fatalf("stale If-Match: %d", r.status)
	}
	if r := e.do(request{method: "PUT", path: path, as: asEnt1, body: cur, header: map[string]string{"If-Match": etag(e.batch1.ID, 1)}}); r.status != 412 {
		t.Fatalf("If-Match of another record: %d", r.status)
	}
	// A current ETag with a bad body changes nothing either.
	for _, bad := range []any{
		map[string]any{"$set": map[string]any{"name_vi": "x"}},
		map[string]any{"category": map[string]any{"$ne": nil}},
		map[string]any{"enterprise_id": e.e2.ID},
		map[string]any{"gtin": "12345"},
	} {
		if r := e.do(request{method: "PATCH", path: path, as: asEnt1, body: bad, header: map[string]string{"If-Match": tag}}); r.status/100 != 4 {
			t.Fatalf("PATCH %v: %d", bad, r.status)
		}
	}
	sameSnapshot(t, before, e.snapshot())

	// Two writers with the same ETag: exactly one wins, the other gets 412
	// and its change is not stored.
	for round := 0; round < 5; round++ {
		tag, cur := e.etagOf(path)
		var wg sync.WaitGroup
		statuses := make([]int, 2)
		for i := range 2 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				body := map[string]any{}
				for k, v := range cur {
					body[k] = v
				}
				body["description"] = fmt.Sprintf("writer %d round %d", i, round)
				body["correction_reason"] = "Sửa mô tả" // the product has a published lot
				statuses[i] = e.do(request{method: "PUT", path: path, as: asEnt1, body: body, header: map[string]string{"If-Match": tag}}).status
			}()
		}
		wg.Wait()
		ok, stale := 0, 0
		for _, s := range statuses {
			switch s {
			case 200:
				ok++
			case 412:
				stale++
			}
		}
		if ok != 1 || stale != 1 {
			t.Fatalf("round %d: statuses %v, want one 200 and one 412", round, statuses)
		}
		_, now := e.etagOf(path)
		winner := 0
		if statuses[1] == 200 {
			winner = 1
		}
		if now["description"] != fmt.Sprintf("writer %d round %d", winner, round) {
			t.Fatalf("round %d: stored %v, but writer %d won", round, now["description"], winner)
		}
	}
}

func TestIdempotencyKey(t *testing.T) {
	e := newEnv(t)
	body := map[string]any{"enterprise_id": e.e1.ID, "name_vi": "Mật ong hoa cà phê", "category": "honey"}
	key := map[string]string{"Idempotency-Key": "create-honey-1"}
	r1 := e.do(request{method: "POST", path: "/api/v1/products", as: asEnt1, body: body, header: key})
	if r1.status != 201 {
		t.Fatalf("first: %d %s", r1.status, r1.body)
	}
	before := e.snapshot()
	r2 := e.do(request{method: "POST", path: "/api/v1/products", as: asEnt1, body: body, header: key})
	if r2.status != 201 || string(r2.body) != string(r1.body) || r2.header.Get("Idempotent-Replayed") != "true" {
		t.Fatalf("repeat: %d %s", r2.status, r2.body)
	}
	sameSnapshot(t, before, e.snapshot())
	// The same key with another body is refused; another user's key is theirs.
	body["name_vi"] = "Khác"
	if r := e.do(request{method: "POST", path: "/api/v1/products", as: asEnt1, body: body, header: key}); r.status != 422 {
		t.Fatalf("same key, other body: %d", r.status)
	}
	// A failed request is not remembered: fixing it and retrying with the key works.
	bad := map[string]any{"enterprise_id": e.e1.ID, "name_vi": "", "category": "honey"}
	key2 := map[string]string{"Idempotency-Key": "create-2"}
	if r := e.do(request{method: "POST", path: "/api/v1/products", as: asEnt1, body: bad, header: key2}); r.status != 422 {
		t.Fatalf("bad: %d", r.status)
	}
	bad["name_vi"] = "Sửa rồi"
	if r := e.do(request{method: "POST", path: "/api/v1/products", as: asEnt1, body: bad, header: key2}); r.status != 201 {
		t.Fatalf("fixed retry: %d %s", r.status, r.body)
	}
}

func TestDeleteRules(t *testing.T) {
	e := newEnv(t)
	// The product has a batch, a certificate scope? no: a batch and an announcement.
	r := e.do(request{method: "DELETE", path: "/api/v1/products/" + e.prod1.ID, as: asAdmin})
	if r.status != 409 {
		t.Fatalf("delete a product that batches refer to: %d", r.status)
	}
	if p := r.problem(t); !strings.Contains(p.Detail, "batches") || !strings.Contains(p.Detail, "announcements") {
		t.Fatalf("the conflict should name what refers: %q", p.Detail)
	}
	// A published batch is never deleted, even with nothing referring to it.
	if r := e.do(request{method: "DELETE", path: "/api/v1/batches/" + e.batch1.ID, as: asAdmin}); r.status != 409 {
		t.Fatalf("delete a published batch: %d", r.status)
	}
	if _, err := e.db.FindBatch(e.ctx(), e.batch1.ID); err != nil {
		t.Fatal("the published batch is gone")
	}
	// Publishing is one way, and recall goes through its own route.
	tag, cur := e.etagOf("/api/v1/batches/" + e.batch1.ID)
	cur["status"] = "draft"
	if r := e.do(request{method: "PUT", path: "/api/v1/batches/" + e.batch1.ID, as: asEnt1, body: cur, header: map[string]string{"If-Match": tag}}); r.status != 422 {
		t.Fatalf("published back to draft: %d", r.status)
	}
	cur["status"] = "recalled"
	if r := e.do(request{method: "PUT", path: "/api/v1/batches/" + e.batch1.ID, as: asEnt1, body: cur, header: map[string]string{"If-Match": tag}}); r.status != 422 {
		t.Fatalf("recall by PUT: %d", r.status)
	}
}

func TestAuditTrail(t *testing.T) {
	e := newEnv(t)
	path := "/api/v1/enterprises/" + e.e1.ID
	tag, cur := e.etagOf(path)
	before := registry.DigestJSON(e.e1)
	cur["address"] = "Số 1 Lê Duẩn"
	r := e.do(request{method: "PUT", path: path, as: asEnt1, body: cur, header: map[string]string{"If-Match": tag}})
	if r.status != 200 {
		t.Fatalf("update: %d %s", r.status, r.body)
	}
	var after registry.Enterprise
	r.decode(t, &after)
	r = e.do(request{method: "GET", path: "/api/v1/audit?target=" + e.e1.ID, as: asInspector})
	if r.status != 200 {
		t.Fatalf("audit: %d %s", r.status, r.body)
	}
	var page listOf[registry.AuditEntry]
	r.decode(t, &page)
	if len(page.Items) != 1 {
		t.Fatalf("entries: %+v", page.Items)
	}
	a := page.Items[0]
	if a.Action != "enterprise.update" || a.UserID != e.users[asEnt1].ID || a.Role != registry.RoleEnterprise ||
		a.BeforeSHA256 != before || a.AfterSHA256 != registry.DigestJSON(&after) || a.Hash != a.ComputeHash() {
		t.Fatalf("entry: %+v", a)
	}
	n, err := e.db.VerifyAudit(e.ctx())
	if err != nil || n != 1 {
		t.Fatalf("verify: %d %v", n, err)
	}
	// Refused writes leave no entry.
	e.do(request{method: "PUT", path: path, as: asEnt1, body: cur, header: map[string]string{"If-Match": tag}})
	if n, _ := e.db.VerifyAudit(e.ctx()); n != 1 {
		t.Fatalf("a stale write was audited: %d entries", n)
	}
	// Concurrent writers each get a place in one unbroken chain.
	var wg sync.WaitGroup
	for i := range 20 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			body := map[string]any{"enterprise_id": e.e1.ID, "name_vi": fmt.Sprintf("Sản phẩm %d", i), "category": "fruit"}
			if r := e.do(request{method: "POST", path: "/api/v1/products", as: asEnt1, body: body}); r.status != 201 {
				t.Errorf("create %d: %d", i, r.status)
			}
		}()
	}
	wg.Wait()
	if n, err := e.db.VerifyAudit(e.ctx()); err != nil || n != 21 {
		t.Fatalf("after concurrent writes: %d %v", n, err)
	}
	// Cursor pages walk the log.
	seen := 0
	cursor := ""
	for {
		r := e.do(request{method: "GET", path: "/api/v1/audit?limit=7&cursor=" + cursor, as: asAdmin})
		var p listOf[registry.AuditEntry]
		r.decode(t, &p)
		seen += len(p.Items)
		if p.NextCursor == "" {
			break
		}
		cursor = p.NextCursor
	}
	if seen != 21 {
		t.Fatalf("paged through %d entries", seen)
	}
}

func TestImports(t *testing.T) {
	e := newEnv(t)
	// The template, in Vietnamese, is accepted back as a heading row.
	r := e.do(request{method: "GET", path: "/api/v1/batches:import/template?lang=vi"})
	if r.status != 200 || !strings.Contains(string(r.body), "Mã lô") {
		t.Fatalf("template: %d %s", r.status, r.body)
	}
	heading := strings.TrimSpace(strings.TrimPrefix(string(r.body), "\ufeff"))
	csvBody := heading + "\n" +
		fmt.Sprintf("k1,,%s,CSV-1,100,kg,2026-01-10,,,,,,,\n", e.prod1.ID) +
		fmt.Sprintf("k2,,%s,CSV-2,\"12,5\",kg,,,,,,,,\n", e.prod1.ID)
	r = e.do(request{method: "POST", path: "/api/v1/batches:import", as: asEnt1, body: csvBody, contentType: "text/csv"})
	if r.status != 200 {
		t.Fatalf("CSV import: %d %s", r.status, r.body)
	}
	var rep importReport
	r.decode(t, &rep)
	if rep.Created != 2 || rep.Failed != 0 {
		t.Fatalf("report: %+v", rep)
	}
	// Repeating it creates nothing: the rows carry keys.
	before := e.snapshot()
	r = e.do(request{method: "POST", path: "/api/v1/batches:import", as: asEnt1, body: csvBody, contentType: "text/csv"})
	r.decode(t, &rep)
	if rep.Duplicates != 2 || rep.Created != 0 {
		t.Fatalf("repeat: %+v", rep)
	}
	sameSnapshot(t, before, e.snapshot())

	// All or nothing: one bad row, nothing written, every bad row named.
	nd := fmt.Sprintf(`{"idempotency_key":"a1","product_id":%q,"lot_code":"AON-1","quantity":1,"unit":"kg"}
{"idempotency_key":"a2","product_id":%q,"lot_code":"AON-2","quantity":-1,"unit":"kg"}
{"idempotency_key":"a3","product_id":%q,"lot_code":"AON-3","quantity":1,"unit":"kg","colour":"red"}
`, e.prod1.ID, e.prod1.ID, e.prod1.ID)
	before = e.snapshot()
	r = e.do(request{method: "POST", path: "/api/v1/batches:import?mode=all-or-nothing", as: asEnt1, body: nd, contentType: "application/x-ndjson"})
	if r.status != 422 {
		t.Fatalf("all-or-nothing with bad rows: %d %s", r.status, r.body)
	}
	fields := map[string]bool{}
	for _, f := range r.problem(t).Fields {
		fields[f.Field] = true
	}
	if !fields["rows[2].quantity"] || !fields["rows[3].colour"] || len(fields) != 2 {
		t.Fatalf("row errors: %v", fields)
	}
	sameSnapshot(t, before, e.snapshot())
	// Each mode writes the good row and reports the others.
	r = e.do(request{method: "POST", path: "/api/v1/batches:import", as: asEnt1, body: nd, contentType: "application/x-ndjson"})
	r.decode(t, &rep)
	if r.status != 200 || rep.Created != 1 || rep.Failed != 2 {
		t.Fatalf("each: %d %+v", r.status, rep)
	}

	// Events: CSV with quantities, then NDJSON; all-or-nothing with a bad reference writes nothing.
	evCSV := "idempotency_key,kind,event_time,event_time_zone,business_step,batches\n" +
		fmt.Sprintf("e1,object,2026-02-01T08:00:00+07:00,+07:00,storing,%s:10:kg\n", e.batch1.ID)
	r = e.do(request{method: "POST", path: "/api/v1/events:import", as: asEnt1, body: evCSV, contentType: "text/csv"})
	r.decode(t, &rep)
	if r.status != 200 || rep.Created != 1 {
		t.Fatalf("event CSV: %d %s", r.status, r.body)
	}
	other := e.newBatch(e.e2.ID, mustProduct(e, e.e2.ID).ID, registry.BatchPublished)
	evND := fmt.Sprintf(`{"idempotency_key":"e2","kind":"object","event_time":"2026-02-01T08:00:00+07:00","event_time_zone":"+07:00","business_step":"storing","batches":[{"batch_id":%q,"quantity":1,"unit":"kg"}]}
{"idempotency_key":"e3","kind":"object","event_time":"2026-02-01T08:00:00+07:00","event_time_zone":"+07:00","business_step":"storing","batches":[{"batch_id":%q,"quantity":1,"unit":"kg"}]}
`, e.batch1.ID, other.ID)
	before = e.snapshot()
	r = e.do(request{method: "POST", path: "/api/v1/events:import?mode=all-or-nothing", as: asEnt1, body: evND, contentType: "application/x-ndjson"})
	if r.status != 422 {
		t.Fatalf("event import naming another tenant's lot: %d %s", r.status, r.body)
	}
	sameSnapshot(t, before, e.snapshot())
}

func mustProduct(e *env, enterpriseID string) *registry.Product {
	p := &registry.Product{EnterpriseID: enterpriseID, NameVI: "Sản phẩm", Category: "fruit"}
	must(e.t, e.db.CreateProduct(e.ctx(), p))
	return p
}

// TestParallelImports: fifty imports at once whose rows share keys leave
// exactly one record per key.
func TestParallelImports(t *testing.T) {
	e := newEnv(t)
	const imports, keys = 50, 12
	var wg sync.WaitGroup
	for i := range imports {
		wg.Add(2)
		go func() {
			defer wg.Done()
			var b strings.Builder
			for k := i % 5; k < keys; k += 3 { // overlapping subsets of the keys
				fmt.Fprintf(&b, `{"idempotency_key":"ev-%d","kind":"object","event_time":"2026-02-01T08:00:00+07:00","event_time_zone":"+07:00","business_step":"storing","batches":[{"batch_id":%q,"quantity":1,"unit":"kg"}]}`+"\n", k, e.batch1.ID)
			}
			r := e.do(request{method: "POST", path: "/api/v1/events:import", as: asEnt1, body: b.String(), contentType: "application/x-ndjson"})
			if r.status != 200 {
				t.Errorf("event import %d: %d %s", i, r.status, short(r.body))
			}
		}()
		go func() {
			defer wg.Done()
			var b strings.Builder
			for k := i % 4; k < keys; k += 2 {
				fmt.Fprintf(&b, `{"idempotency_key":"lot-%d","product_id":%q,"lot_code":"P-%d","quantity":1,"unit":"kg"}`+"\n", k, e.prod1.ID, k)
			}
			mode := ModeEach
			if i%5 == 0 {
				mode = ModeAllOrNothing
			}
			r := e.do(request{method: "POST", path: "/api/v1/batches:import?mode=" + mode, as: asEnt1, body: b.String(), contentType: "application/x-ndjson"})
			if r.status != 200 {
				t.Errorf("batch import %d (%s): %d %s", i, mode, r.status, short(r.body))
			}
		}()
	}
	wg.Wait()
	events, err := e.db.ListBatchEvents(e.ctx(), e.batch1.ID)
	must(t, err)
	seen := map[string]int{}
	for _, ev := range events {
		seen[ev.IdempotencyKey]++
	}
	for k, n := range seen {
		if n != 1 {
			t.Errorf("event key %s stored %d times", k, n)
		}
	}
	if len(seen) != keys {
		t.Errorf("%d event keys stored, want %d", len(seen), keys)
	}
	batches, _, err := e.db.ListBatches(e.ctx(), registry.BatchFilter{ProductID: e.prod1.ID, Page: registry.Page{Limit: 200}})
	must(t, err)
	lots := map[string]int{}
	for _, b := range batches {
		lots[b.LotCode]++
		if strings.HasPrefix(b.LotCode, "P-") && b.Status != registry.BatchPublished {
			t.Errorf("lot %s left as %s", b.LotCode, b.Status)
		}
	}
	n := 0
	for lot, c := range lots {
		if strings.HasPrefix(lot, "P-") {
			n++
			if c != 1 {
				t.Errorf("lot %s stored %d times", lot, c)
			}
		}
	}
	if n != keys {
		t.Errorf("%d lots stored, want %d", n, keys)
	}
}

func TestTraceAndEvents(t *testing.T) {
	e := newEnv(t)
	green := e.batch1
	roasted := e.newBatch(e.e1.ID, e.prod1.ID, registry.BatchPublished)
	ev := map[string]any{"kind": "transformation", "event_time": "2026-02-01T08:00:00+07:00", "event_time_zone": "+07:00", "business_step": "roasting",
		"inputs": []any{map[string]any{"batch_id": green.ID, "quantity": 100, "unit": "kg"}}, "outputs": []any{map[string]any{"batch_id": roasted.ID, "quantity": 80, "unit": "kg"}}}
	if r := e.do(request{method: "POST", path: "/api/v1/batches/" + roasted.ID + "/events", as: asEnt1, body: ev}); r.status != 201 {
		t.Fatalf("transformation: %d %s", r.status, r.body)
	}
	// The reverse would close a loop.
	ev["inputs"], ev["outputs"] = ev["outputs"], ev["inputs"]
	if r := e.do(request{method: "POST", path: "/api/v1/batches/" + roasted.ID + "/events", as: asEnt1, body: ev}); r.status != 422 {
		t.Fatalf("cycle: %d %s", r.status, r.body)
	}
	r := e.do(request{method: "GET", path: "/api/v1/batches/" + green.ID + "/trace?direction=down&depth=3", as: asInspector})
	var g registry.Genealogy
	r.decode(t, &g)
	if r.status != 200 || len(g.Links) != 1 || g.Links[0].To != roasted.ID {
		t.Fatalf("trace down: %d %s", r.status, r.body)
	}
	r = e.do(request{method: "GET", path: "/api/v1/batches/" + roasted.ID + "/events", as: asEnt1})
	var list listOf[registry.TraceEvent]
	r.decode(t, &list)
	if len(list.Items) != 1 {
		t.Fatalf("events: %s", r.body)
	}
}

func TestOpenAPIDocument(t *testing.T) {
	e := newEnv(t)
	r := e.do(request{method: "GET", path: "/api/v1/openapi.json"})
	if r.status != 200 {
		t.Fatalf("openapi.json: %d", r.status)
	}
	var doc struct {
		OpenAPI string                    `json:"openapi"`
		Paths   map[string]map[string]any `json:"paths"`
	}
	if err := json.Unmarshal(r.body, &doc); err != nil {
		t.Fatal(err)
	}
	if doc.OpenAPI != "3.1.0" {
		t.Fatalf("version %q", doc.OpenAPI)
	}
	// Every route the app serves under /api/v1 is in the document.
	n := 0
	for _, rt := range e.app.GetRoutes(true) {
		if !strings.HasPrefix(rt.Path, Prefix+"/") || rt.Method == "HEAD" || rt.Method == "USE" {
			continue
		}
		n++
		p := openAPIPath(strings.TrimPrefix(rt.Path, ""))
		if _, ok := doc.Paths[p][strings.ToLower(rt.Method)]; !ok {
			t.Errorf("%s %s is not in the OpenAPI document", rt.Method, p)
		}
	}
	if n < 50 {
		t.Fatalf("only %d routes found", n)
	}
	page := e.do(request{method: "GET", path: "/api/docs"})

	if page.status != 200 || !strings.Contains(string(page.body), "/api/v1/batches/{id}/trace") || strings.Contains(string(page.body), "https://cdn") {
		t.Fatalf("docs page: %d", page.status)
	}
}

// TestConcurrentRepeats: the same refresh token or Idempotency-Key sent
// twice at once never yields two successes that write twice.
func TestConcurrentRepeats(t *testing.T) {
	e := newEnv(t)
	r := e.signIn(e.users[asEnt1].Username, e.password)
	var tok tokenResponse
	r.decode(t, &tok)
	var wg sync.WaitGroup
	statuses := make([]int, 4)
	for i := range statuses {
		wg.Add(1)
		go func() {
			defer wg.Done()
			statuses[i] = e.do(request{method: "POST", path: "/api/v1/auth/refresh", body: map[string]string{"refresh_token": tok.RefreshToken}}).status
		}()
	}
	wg.Wait()
	ok := 0
	for _, s := range statuses {
		if s == 200 {
			ok++
		}
	}
	if ok > 1 {
		t.Fatalf("one refresh token was rotated %d times: %v", ok, statuses)
	}

	before := e.snapshot()
	body := map[string]any{"enterprise_id": e.e1.ID, "name_vi": "Bơ sáp", "category": "fruit"}
	for i := range statuses {
		wg.Add(1)
		go func() {
			defer wg.Done()
			statuses[i] = e.do(request{method: "POST", path: "/api/v1/products", as: asEnt1, body: body,
				header: map[string]string{"Idempotency-Key": "once"}}).status
		}()
	}
	wg.Wait()
	for _, s := range statuses {
		if s != 201 && s != 409 {
			t.Fatalf("statuses %v", statuses)
		}
	}
	after := e.snapshot()
	if after["products"] != before["products"]+1 {
		t.Fatalf("products %d → %d: one key must create one product", before["products"], after["products"])
	}
}

// A published lot is corrected with a reason, which its history keeps;
// without one, or renaming it, the API answers 422 naming the field and
// nothing changes.
func TestBatchCorrection(t *testing.T) {
	e := newEnv(t)
	path := "/api/v1/batches/" + e.batch1.ID
	etag, _ := e.etagOf(path)
	for _, tc := range []struct {
		body        map[string]any
		field, rule string
	}{
		{map[string]any{"quantity": 95}, "correction_reason", "required"},
		{map[string]any{"lot_code": "RENAMED-1", "correction_reason": "gõ nhầm"}, "lot_code", "immutable"},
	} {
		before := e.snapshot()
		r := e.do(request{method: "PATCH", path: path, as: asEnt1, body: tc.body, header: map[string]string{"If-Match": etag}})
		if r.status != 422 {
			t.Fatalf("PATCH %v: %d %s, want 422", tc.body, r.status, r.body)
		}
		p := r.problem(t)
		if len(p.Fields) != 1 || p.Fields[0].Field != tc.field || p.Fields[0].Rule != tc.rule {
			t.Errorf("PATCH %v: errors %+v, want %s/%s", tc.body, p.Fields, tc.field, tc.rule)
		}
		sameSnapshot(t, before, e.snapshot())
		if again, _ := e.etagOf(path); again != etag {
			t.Errorf("a refused correction changed the lot (ETag %s → %s)", etag, again)
		}
	}
	r := e.do(request{method: "PATCH", path: path, as: asEnt1, body: map[string]any{"quantity": 95, "correction_reason": "Cân lại"},
		header: map[string]string{"If-Match": etag}})
	if r.status != 200 {
		t.Fatalf("correction: %d %s", r.status, r.body)
	}
	var got registry.Batch
	r.decode(t, &got)
	if got.Quantity != 95 || len(got.Corrections) != 1 || got.Corrections[0].Reason != "Cân lại" ||
		len(got.Corrections[0].Fields) != 1 || got.Corrections[0].Fields[0] != "quantity" || got.CorrectionReason != "" {
		t.Fatalf("corrected lot %+v", got)
	}
	// The history is the service's: a client sending an empty one is ignored.
	etag, _ = e.etagOf(path)
	r = e.do(request{method: "PATCH", path: path, as: asEnt1, body: map[string]any{"corrections": []any{}},
		header: map[string]string{"If-Match": etag}})
	if r.status != 200 {
		t.Fatalf("PATCH corrections: %d %s", r.status, r.body)
	}
	var kept registry.Batch
	e.do(request{method: "GET", path: path, as: asEnt1}).decode(t, &kept)
	if len(kept.Corrections) != 1 || kept.Quantity != 95 {
		t.Fatalf("a client dropped the correction history: %+v", kept.Corrections)
	}
}
