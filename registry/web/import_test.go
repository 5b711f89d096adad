package web_test

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/tracereg/tracereg/registry"
)

// impLots counts the lots of an enterprise.
func impLots(t *testing.T, e *env, enterpriseID string) int {
	t.Helper()
	bs, _, err := e.db.ListBatches(context.Background(), registry.BatchFilter{EnterpriseID: enterpriseID, Page: registry.Page{Limit: 200}})
	if err != nil {
		t.Fatal(err)
	}
	return len(bs)
}

func impEvents(t *testing.T, e *env, batchID string) int {
	t.Helper()
	evs, err := e.db.ListBatchEvents(context.Background(), batchID)
	if err != nil {
		t.Fatal(err)
	}
	return len(evs)
}

func impPost(c *client, kind, mode, name, content string) response {
	return c.postMultipart("/w/import", url.Values{"kind": {kind}, "mode": {mode}}, upload{"file", name, []byte(content)})
}

// TestImpLotsFromTheTemplate: the template comes back filled in; a good file
// creates the lots, the same file again creates nothing; bad rows are
// reported by row and, all or nothing, nothing is written; after fixing,
// exactly the missing rows are created.
func TestImpLotsFromTheTemplate(t *testing.T) {
	e := newEnv(t)
	c := e.as(asCoop)
	prod := annProduct(t, e, e.demo.CoopID)
	page := c.get("/w/import")
	wantStatus(t, "import page", page, http.StatusOK)
	wantContains(t, "import page", page.body, `id="imp-form"`, `enctype="multipart/form-data"`, prod.ID, "/w/import/template/batches")
	tpl := c.get("/w/import/template/batches")
	wantStatus(t, "template", tpl, http.StatusOK)
	if !strings.Contains(tpl.header.Get("Content-Type"), "text/csv") || !strings.Contains(tpl.body, "Mã lô") {
		t.Fatalf("template: %s %q", tpl.header.Get("Content-Type"), tpl.body)
	}
	heading := strings.TrimSpace(strings.TrimPrefix(tpl.body, "\ufeff"))
	good := heading + "\n" +
		fmt.Sprintf("w1,,%s,WEB-1,100,kg,2026-01-10,,,,,,,\n", prod.ID) +
		fmt.Sprintf("w2,,%s,WEB-2,\"12,5\",kg,,,,,,,,\n", prod.ID)
	n0 := impLots(t, e, e.demo.CoopID)
	res := impPost(c, "batches", "all-or-nothing", "lots.csv", good)
	wantStatus(t, "good import", res, http.StatusOK)
	wantContains(t, "good import", res.body, `id="imp-summary"`, "2 dòng: 2 tạo mới, 0 đã nhập trước đó, 0 bị lỗi")
	if n := impLots(t, e, e.demo.CoopID); n != n0+2 {
		t.Fatalf("lots %d → %d", n0, n)
	}
	if b, err := e.db.FindBatchByLot(context.Background(), prod.ID, "WEB-2"); err != nil || b.Quantity != 12.5 || b.Status != registry.BatchPublished {
		t.Fatalf("imported lot: %+v %v", b, err)
	}
	entries, _, err := e.db.ListAudit(context.Background(), registry.AuditFilter{Action: "batch.import", EnterpriseID: e.demo.CoopID, Page: registry.Page{Limit: 50}})
	if err != nil || len(entries) != 2 {
		t.Errorf("audit entries of the import: %d %v", len(entries), err)
	}
	// The same file again: nothing new.
	res = impPost(c, "batches", "all-or-nothing", "lots.csv", good)
	wantStatus(t, "repeat", res, http.StatusOK)
	wantContains(t, "repeat", res.body, "0 tạo mới, 2 đã nhập trước đó")
	if n := impLots(t, e, e.demo.CoopID); n != n0+2 {
		t.Fatalf("a repeated import created lots: %d", n-n0-2)
	}

	// Bad rows, all or nothing: each reported by row, column and message; nothing written.
	other := annProduct(t, e, e.demo.RoasterID)
	bad := heading + "\n" +
		fmt.Sprintf("w3,,%s,WEB-3,5,kg,,,,,,,,\n", prod.ID) +
		fmt.Sprintf("w4,,%s,WEB-4,-1,kg,,,,,,,,\n", prod.ID) +
		fmt.Sprintf("w5,,%s,WEB-5,5,kg,,,,,,,,\n", other.ID) +
		fmt.Sprintf("w6,,%s,WEB-6,nhiều,kg,,,,,,,,\n", prod.ID)
	res = impPost(c, "batches", "all-or-nothing", "lots.csv", bad)
	wantStatus(t, "bad rows", res, http.StatusUnprocessableEntity)
	wantContains(t, "bad rows", res.body, `id="imp-rejected"`, "3 trên 4 dòng bị lỗi", `data-row="2"`, `data-row="3"`, `data-row="4"`,
		"Số lượng", "Mã sản phẩm", "phải là số", "tham chiếu tới sản phẩm không tồn tại hoặc thuộc doanh nghiệp khác", "Hợp lệ, chưa ghi")
	if n := impLots(t, e, e.demo.CoopID); n != n0+2 {
		t.Fatalf("an all-or-nothing import with bad rows wrote %d lots", n-n0-2)
	}
	// In English, the messages are English.
	res = c.postMultipart("/w/import?lang=en", url.Values{"kind": {"batches"}, "mode": {"all-or-nothing"}}, upload{"file", "lots.csv", []byte(bad)})
	wantContains(t, "bad rows, English", res.body, "3 of 4 rows are wrong", "must be a number", "quantity")
	c.get("/w/import?lang=vi")

	// Valid rows only: row 1 is written, the others reported.
	res = impPost(c, "batches", "each", "lots.csv", bad)
	wantStatus(t, "each", res, http.StatusOK)
	wantContains(t, "each", res.body, "4 dòng: 1 tạo mới, 0 đã nhập trước đó, 3 bị lỗi")
	if n := impLots(t, e, e.demo.CoopID); n != n0+3 {
		t.Fatalf("each mode: %d lots written", n-n0-2)
	}
	// Fixed and uploaded again: exactly the missing rows are created.
	fixed := heading + "\n" +
		fmt.Sprintf("w3,,%s,WEB-3,5,kg,,,,,,,,\n", prod.ID) +
		fmt.Sprintf("w4,,%s,WEB-4,1,kg,,,,,,,,\n", prod.ID) +
		fmt.Sprintf("w5,,%s,WEB-5,5,kg,,,,,,,,\n", prod.ID) +
		fmt.Sprintf("w6,,%s,WEB-6,6,kg,,,,,,,,\n", prod.ID)
	res = impPost(c, "batches", "all-or-nothing", "lots.csv", fixed)
	wantStatus(t, "fixed", res, http.StatusOK)
	wantContains(t, "fixed", res.body, "4 dòng: 3 tạo mới, 1 đã nhập trước đó, 0 bị lỗi")
	if n := impLots(t, e, e.demo.CoopID); n != n0+6 {
		t.Fatalf("after the fix: %d lots, want %d", n-n0, 6)
	}
}

// TestImpEventsWithoutKeysAreNotDuplicated: event rows with no key of their
// own are recognised when uploaded again.
func TestImpEventsWithoutKeysAreNotDuplicated(t *testing.T) {
	e := newEnv(t)
	c := e.as(asCoop)
	tpl := c.get("/w/import/template/events?lang=en")
	wantContains(t, "event template", tpl.body, "event_time", "batches")
	c.get("/w/import?lang=vi")
	csv := "kind,event_time,event_time_zone,business_step,batches\n" +
		fmt.Sprintf("object,2026-02-01T08:00:00+07:00,+07:00,storing,%s:10:kg\n", e.demo.GreenBatchID) +
		fmt.Sprintf("object,2026-02-02T08:00:00+07:00,+07:00,inspecting,%s:10:kg\n", e.demo.GreenBatchID)
	n0 := impEvents(t, e, e.demo.GreenBatchID)
	res := impPost(c, "events", "all-or-nothing", "events.csv", csv)
	wantStatus(t, "events", res, http.StatusOK)
	wantContains(t, "events", res.body, "2 dòng: 2 tạo mới")
	res = impPost(c, "events", "each", "events.csv", csv)
	wantStatus(t, "events again", res, http.StatusOK)
	wantContains(t, "events again", res.body, "0 tạo mới, 2 đã nhập trước đó")
	if n := impEvents(t, e, e.demo.GreenBatchID); n != n0+2 {
		t.Fatalf("events %d → %d", n0, n)
	}
	entries, _, err := e.db.ListAudit(context.Background(), registry.AuditFilter{Action: "event.import", Page: registry.Page{Limit: 50}})
	if err != nil || len(entries) != 1 {
		t.Errorf("event import audit: %d %v", len(entries), err)
	}
	// Another enterprise's lot: refused, nothing written.
	bad := "kind,event_time,event_time_zone,business_step,batches\n" +
		fmt.Sprintf("object,2026-02-03T08:00:00+07:00,+07:00,storing,%s:1:bag\n", e.demo.RoastedBatchID)
	r0 := impEvents(t, e, e.demo.RoastedBatchID)
	res = impPost(c, "events", "all-or-nothing", "events.csv", bad)
	wantStatus(t, "another's lot", res, http.StatusUnprocessableEntity)
	wantContains(t, "another's lot", res.body, `data-row="1"`)
	if n := impEvents(t, e, e.demo.RoastedBatchID); n != r0 {
		t.Fatalf("an event on another enterprise's lot was written: %d → %d", r0, n)
	}
}

// TestImpRefusesWrongFiles: no file, a file that is not CSV, an oversized
// file and a CSV with unknown columns are each refused beside the file
// field with a clear message, and nothing is written.
func TestImpRefusesWrongFiles(t *testing.T) {
	e := newEnv(t)
	c := e.as(asCoop)
	c.get("/w/import")
	n0 := impLots(t, e, e.demo.CoopID)
	cases := []struct {
		name, file string
		content    []byte
		want       string
	}{
		{"a PDF", "lots.pdf", minimalPDF("not csv"), "hãy chọn tệp .csv lưu từ tệp mẫu"},
		{"binary named .csv", "lots.csv", []byte("PK\x03\x04\x00\x00\xff\xfe binary"), "tệp không phải văn bản CSV mã UTF-8"},
		{"too large", "lots.csv", append([]byte("lot_code\n"), bytes.Repeat([]byte("A\n"), 3<<20)...), "tệp lớn hơn 5 MB"},
		{"unknown column", "lots.csv", []byte("lot_code,colour\nX,red\n"), "&#34;colour&#34; không phải là cột của tệp nhập này"},
		{"heading only", "lots.csv", []byte("lot_code,quantity\n"), "tệp nhập không có dòng nào"},
	}
	for _, tc := range cases {
		res := c.postMultipart("/w/import", url.Values{"kind": {"batches"}, "mode": {"each"}}, upload{"file", tc.file, tc.content})
		wantStatus(t, tc.name, res, http.StatusUnprocessableEntity)
		wantContains(t, tc.name, res.body, `id="imp-file" name="file" accept=".csv,text/csv" required aria-invalid="true"`, tc.want, `value="each" id="imp-mode-each" checked`)
	}
	res := c.postMultipart("/w/import", url.Values{"kind": {"batches"}, "mode": {"each"}})
	wantStatus(t, "no file", res, http.StatusUnprocessableEntity)
	wantContains(t, "no file", res.body, "hãy chọn tệp CSV cần nhập")
	res = c.postMultipart("/w/import", url.Values{"kind": {"certificates"}, "mode": {"each"}}, upload{"file", "x.csv", []byte("a\n1\n")})
	wantStatus(t, "bad kind", res, http.StatusUnprocessableEntity)
	if n := impLots(t, e, e.demo.CoopID); n != n0 {
		t.Fatalf("a refused file wrote %d lots", n-n0)
	}
}

// TestImpAuthorization: only enterprises import; the form token is needed.
func TestImpAuthorization(t *testing.T) {
	e := newEnv(t)
	prod := annProduct(t, e, e.demo.CoopID)
	body := fmt.Sprintf("product_id,lot_code,quantity,unit\n%s,AUTH-1,1,kg\n", prod.ID)
	for _, who := range []string{asAdmin, asInspector, asCertifier} {
		c := e.as(who)
		for _, p := range []string{"/w/import", "/w/import/template/batches"} {
			wantStatus(t, who+" GET "+p, c.get(p), http.StatusForbidden)
		}
		wantStatus(t, who+" POST", impPost(c, "batches", "each", "l.csv", body), http.StatusForbidden)
	}
	if res := e.anon().get("/w/import"); res.status != http.StatusSeeOther && res.status != http.StatusFound {
		t.Errorf("anonymous: %d", res.status)
	}
	// Another enterprise naming the coop's product: refused by row, nothing written.
	roaster := e.as(asRoaster)
	res := impPost(roaster, "batches", "all-or-nothing", "l.csv", body)
	wantStatus(t, "another's product", res, http.StatusUnprocessableEntity)
	wantContains(t, "another's product", res.body, "thuộc doanh nghiệp khác")
	coop := e.as(asCoop)
	for _, token := range []string{"", "wrong"} {
		res := coop.postMultipart("/w/import", url.Values{"_csrf": {token}, "kind": {"batches"}, "mode": {"each"}}, upload{"file", "l.csv", []byte(body)})
		wantStatus(t, "token "+token, res, http.StatusForbidden)
	}
	if _, err := e.db.FindBatchByLot(context.Background(), prod.ID, "AUTH-1"); registry.ErrorCode(err) != registry.ENOTFOUND {
		t.Fatalf("a refused import wrote the lot: %v", err)
	}
}
