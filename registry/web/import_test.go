package web_test

import (
	"bytes"
	"cmp"
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/tracereg/tracereg/registry"
	"github.com/tracereg/tracereg/registry/demodata"
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
	wantContains(t, "import page", page.body, `id="imp-form"`, `enctype="multipart/form-data"`, "<code>"+cmp.Or(prod.GTIN, prod.ShortCode)+"</code>", `id="imp-plots"`, "/w/import/template/batches")
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
		"Số lượng", "<td>Sản phẩm</td>", "phải là số", "không có sản phẩm nào của doanh nghiệp mang GTIN, mã hoặc tên", "Hợp lệ, chưa ghi")
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

// impRowErrors is the report's messages of one row.
func impRowErrors(body string, row int) string {
	var out []string
	for _, tr := range strings.Split(body, "<tr") {
		if strings.Contains(tr, fmt.Sprintf(`class="imp-failed" data-row="%d"`, row)) {
			out = append(out, tr)
		}
	}
	return strings.Join(out, "\n")
}

// TestImpByCodesPeopleKnow: lots and events are imported with the tax code,
// a product's GTIN or name, a plot's code, a certificate number and lot
// codes; each unknown or ambiguous one is a row error naming the column.
func TestImpByCodesPeopleKnow(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	c := e.as(asCoop)
	coop, _ := e.db.FindEnterpriseByTaxCode(ctx, demodata.CoopTaxCode)
	green, _ := e.db.FindBatch(ctx, e.demo.GreenBatchID)
	prod, _ := e.db.FindProduct(ctx, green.ProductID)
	twin := func(name string) {
		p := &registry.Product{EnterpriseID: coop.ID, NameVI: name, Category: "honey"}
		if err := e.db.CreateProduct(ctx, p); err != nil {
			t.Fatal(err)
		}
	}
	twin("Mật ong hoa cà phê")
	twin("Mật ong hoa cà phê")
	heading := "Khóa chống trùng,Mã số thuế,Sản phẩm,Mã lô,Số lượng,Đơn vị,Ngày sản xuất,Vùng trồng,Số chứng nhận\n"
	rows := []string{
		fmt.Sprintf("c1,%s,%s,CODE-1,100,kg,2026-02-01,EATIEU-A,VG-DEMO-2025-0117", demodata.CoopTaxCode, prod.GTIN),
		"c2,,ca phe nhan robusta ea tieu,CODE-2,50,kg,,\"eatieu-a;Vườn cà phê Ea Tiêu B (1,8 ha)\",", // by name, marks and case aside
		fmt.Sprintf("c3,%s,%s,CODE-3,1,kg,,,", demodata.RoasterTaxCode, prod.GTIN),                   // another enterprise's tax code
		"c4,,Mật ong hoa cà phê,CODE-4,1,kg,,,",                                                      // two products have this name
		"c5,,Không có sản phẩm này,CODE-5,1,kg,,KHONG-CO,SO-KHONG-CO",                                // nothing by these names
	}
	res := impPost(c, "batches", "each", "codes.csv", "\ufeff"+heading+strings.Join(rows, "\n")+"\n")
	wantStatus(t, "import by codes", res, http.StatusOK)
	for row, want := range map[int][]string{
		3: {"không phải mã số thuế của doanh nghiệp bạn"},
		4: {"có 2 sản phẩm của doanh nghiệp mang tên", "hãy ghi GTIN hoặc mã sản phẩm"},
		5: {"không có sản phẩm nào của doanh nghiệp mang GTIN, mã hoặc tên"},
	} {
		wantContains(t, fmt.Sprintf("row %d", row), impRowErrors(res.body, row), want...)
	}
	if errs := impRowErrors(res.body, 1) + impRowErrors(res.body, 2); errs != "" {
		t.Fatalf("rows by code failed: %s", errs)
	}
	one, err := e.db.FindBatchByLot(ctx, prod.ID, "CODE-1")
	if err != nil {
		t.Fatal(err)
	}
	plots, _ := entPlots(t, e, coop.ID)
	certs, _ := e.db.FindCertificatesByNumber(ctx, "VG-DEMO-2025-0117")
	if len(one.SourcePlotIDs) != 1 || one.SourcePlotIDs[0] != plots[0].ID && one.SourcePlotIDs[0] != plots[1].ID ||
		len(one.CertificateIDs) != 1 || one.CertificateIDs[0] != certs[0].ID || one.EnterpriseID != coop.ID {
		t.Fatalf("lot by codes %+v", one)
	}
	two, err := e.db.FindBatchByLot(ctx, prod.ID, "CODE-2")
	if err != nil || len(two.SourcePlotIDs) != 2 {
		t.Fatalf("lot by names %+v %v", two, err)
	}
	// A plot that is not there, a certificate the coop does not hold.
	res = impPost(c, "batches", "each", "codes2.csv", "\ufeff"+heading+
		fmt.Sprintf("d1,,%s,CODE-6,1,kg,,KHONG-CO,SO-KHONG-CO\n", prod.GTIN))
	wantContains(t, "unknown plot and certificate", impRowErrors(res.body, 1), "không có thửa đất nào của doanh nghiệp mang mã hoặc tên", "doanh nghiệp không có chứng nhận số")

	// Events name lots by code; a code two products share needs GTIN/lot.
	other := &registry.Product{EnterpriseID: coop.ID, NameVI: "Cà phê khác", Category: "coffee"}
	if err := e.db.CreateProduct(ctx, other); err != nil {
		t.Fatal(err)
	}
	if err := e.db.CreateBatch(ctx, &registry.Batch{EnterpriseID: coop.ID, ProductID: other.ID, LotCode: "CODE-1", Quantity: 1, Unit: "kg"}); err != nil {
		t.Fatal(err)
	}
	evHeading := "Khóa chống trùng,Loại sự kiện,Thời điểm,Bước nghiệp vụ,Nơi diễn ra,Lô hàng\n"
	evs := "e1,object,2026-02-02T08:00:00+07:00,storing,EATIEU-A,CODE-2:50:kg\n" +
		"e2,object,2026-02-02T09:00:00+07:00,storing,,CODE-1:10:kg\n" +
		fmt.Sprintf("e3,object,2026-02-02T10:00:00+07:00,storing,,%s/CODE-1:10:kg\n", prod.GTIN) +
		"e4,object,2026-02-02T11:00:00+07:00,storing,,KHONG-CO:1:kg\n"
	res = impPost(c, "events", "each", "events.csv", "\ufeff"+evHeading+evs)
	wantStatus(t, "events by code", res, http.StatusOK)
	wantContains(t, "ambiguous lot", impRowErrors(res.body, 2), "nhiều sản phẩm của doanh nghiệp có lô", "GTIN/mã lô")
	wantContains(t, "unknown lot", impRowErrors(res.body, 4), "không có lô nào của doanh nghiệp mang mã")
	if errs := impRowErrors(res.body, 1) + impRowErrors(res.body, 3); errs != "" {
		t.Fatalf("events by code failed: %s", errs)
	}
	if n := impEvents(t, e, two.ID); n != 1 {
		t.Errorf("lot CODE-2 has %d events, want 1", n)
	}
	if n := impEvents(t, e, one.ID); n != 1 {
		t.Errorf("lot CODE-1 (by GTIN/lot) has %d events, want 1", n)
	}
}
