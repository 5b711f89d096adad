package lookup_test

import (
	"bytes"
	"context"
	"image"
	pngenc "image/png"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/tracereg/tracereg/lookup"
	"github.com/tracereg/tracereg/registry"
	"github.com/tracereg/tracereg/registry/demodata"
)

func TestLabelSheet(t *testing.T) {
	e := newEnv(t, demoNow)
	roasted := e.batch(e.demo.RoastedBatchID)
	allow := func(c *fiber.Ctx, enterpriseID string) error {
		if enterpriseID != roasted.EnterpriseID {
			return registry.Errorf(registry.EFORBIDDEN, "no", "không")
		}
		return nil
	}
	app, _ := e.mount(lookup.Config{Authorize: allow})
	r := do(t, app, "POST", "/labels/"+roasted.ShortCode+"?n=3&layout=roll")
	wantStatus(t, r, 200)
	labelSerials := regexp.MustCompile(`<p class="serial">Số <span>([0-9A-Z]+)</span></p>`)
	first := labelSerials.FindAllStringSubmatch(r.Body, -1)
	if len(first) != 3 || first[0][1] == first[1][1] || registry.SerialPosition(first[0][1]) != 0 {
		t.Fatalf("serials %v: want three different random codes", first)
	}
	wantContains(t, r.Body, "/static/lookup/labels-roll.css", "<svg", "Lô "+demodata.RoastedLot)
	// Each label says what it is: product, GTIN, lot and its dates; the
	// sheet offers printing and a link that reprints the same labels.
	p, _ := e.db.FindProduct(context.Background(), roasted.ProductID)
	if n := strings.Count(r.Body, `<p class="name">`+p.NameVI+`</p>`); n != 3 {
		t.Errorf("%d labels carry the product name, want 3", n)
	}
	wantContains(t, r.Body, "GTIN "+p.GTIN, "NSX 10/01/2026", "HSD 10/01/2027", `id="labels-print"`, "/static/lookup/labels.js",
		`href="/labels/`+roasted.ShortCode+`?from=1&amp;n=3&amp;layout=roll"`, "số thứ tự 1–3")
	r = do(t, app, "POST", "/labels/"+roasted.ShortCode+"?n=2")
	second := labelSerials.FindAllStringSubmatch(r.Body, -1)
	if len(second) != 2 || second[0][1] == first[0][1] || second[0][1] == first[2][1] {
		t.Fatalf("second sheet serials %v: serials must never be reused", second)
	}
	if n, _ := e.db.SerialsIssued(context.Background(), roasted.ID); n != 5 {
		t.Fatalf("%d positions issued, want 5", n)
	}
	wantContains(t, r.Body, "/static/lookup/labels-a4.css")
	// The new serials resolve at once on this replica (the sheet invalidates the cache).
	wantStatus(t, do(t, app, "GET", e.lotPath()+"/21/"+second[1][1]), 307)
	// A position's number is not its serial: the resolver walks up to the
	// lot, whose page says the serial was never issued.
	wantStatus(t, do(t, app, "GET", e.lotPath()+"/21/5"), 307)
	wantContains(t, do(t, app, "GET", e.lotPage()+"/5").Body, `id="never-issued"`)
	wantNotContains(t, do(t, app, "GET", e.lotPage()+"/"+second[1][1]).Body, `id="never-issued"`)
	// A reprint prints the same codes.
	r = do(t, app, "GET", "/labels/"+roasted.ShortCode+"?from=3&n=3")
	wantStatus(t, r, 200)
	if again := labelSerials.FindAllStringSubmatch(r.Body, -1); len(again) != 3 || again[0][1] != first[2][1] || again[2][1] != second[1][1] {
		t.Fatalf("reprint of 3–5: %v", again)
	}
	// Reprint of issued serials only.
	wantStatus(t, do(t, app, "GET", "/labels/"+roasted.ShortCode+"?from=2&n=4"), 200)
	wantStatus(t, do(t, app, "GET", "/labels/"+roasted.ShortCode+"?from=3&n=4"), 400)
	wantStatus(t, do(t, app, "GET", "/labels/"+roasted.ShortCode+"?n=4"), 400)
	for _, bad := range []string{"?n=0", "?n=5001", "?n=x", "?n=2&layout=a3"} {
		if r := do(t, app, "POST", "/labels/"+roasted.ShortCode+bad); r.Status != 400 {
			t.Errorf("%s: status %d", bad, r.Status)
		}
	}
	// Another enterprise's lot is refused.
	green := e.batch(e.demo.GreenBatchID)
	wantStatus(t, do(t, app, "POST", "/labels/"+green.ShortCode+"?n=1"), 403)
	if n, _ := e.db.SerialsIssued(context.Background(), green.ID); n != 0 {
		t.Errorf("refused sheet issued %d serials", n)
	}
	wantStatus(t, do(t, app, "POST", "/labels/ZZZZZZZZZZ?n=1"), 404)
}

func TestScanCounting(t *testing.T) {
	e := newEnv(t, demoNow)
	_, codes, err := e.db.IssueSerials(context.Background(), e.demo.RoastedBatchID, 2)
	if err != nil {
		t.Fatal(err)
	}
	app, lk := e.mount(lookup.Config{ScanFlush: 10 * time.Millisecond, SuspiciousScans: 100, SuspiciousPlaces: 3, PlaceHeader: "X-Geo-Province"})
	unit := e.lotPage() + "/" + codes[0]
	// Clients by address, places as the (trusted) proxy gives them; what a
	// client says of itself in the query or its own headers is not believed.
	for _, hit := range []struct{ ip, place, query string }{
		{"203.0.113.1", "VN-33", ""}, {"203.0.113.1", "VN-33", ""}, {"203.0.113.1", "VN-33", "?province=VN-SG"},
		{"203.0.113.2", "VN-33", ""}, {"203.0.113.3", "", "?province=VN-HN"}, {"203.0.113.4", "not-a-province", ""},
		{"203.0.113.5", "VN-SG", ""},
	} {
		wantStatus(t, do(t, app, "GET", unit+hit.query, "X-Forwarded-For", hit.ip, "X-Geo-Province", hit.place, "X-Province", "VN-HN"), 200)
	}
	if err := lk.Close(context.Background()); err != nil {
		t.Fatal(err)
	}
	queued, written, dropped := lk.ScanStats()
	if queued != 7 || written != 7 || dropped != 0 {
		t.Fatalf("queued %d written %d dropped %d", queued, written, dropped)
	}
	key := "/01/" + e.roastedGTIN() + "/10/" + demodata.RoastedLot + "/21/" + codes[0]
	st, err := e.db.ScanStats(context.Background(), key)
	if err != nil {
		t.Fatal(err)
	}
	if st.Count != 7 || st.Clients != 5 || st.Provinces["VN-33"] != 2 || st.Provinces["VN-SG"] != 1 || len(st.Provinces) != 2 ||
		st.FirstProvince == "" || st.FirstScan.IsZero() {
		t.Fatalf("stats %+v: want 7 scans by 5 clients, VN-33 twice and VN-SG once", st)
	}
	// A fresh replica shows the counters; two places make it suspicious.
	app2, lk2 := e.mount(lookup.Config{ScanFlush: time.Hour, SuspiciousScans: 100, SuspiciousPlaces: 2})
	var p pageJSON
	r := do(t, app2, "GET", unit, "Accept", "application/json")
	r.json(t, &p)
	if p.Serial == nil || !p.Serial.Known || p.Serial.Scans != 7 || p.Serial.Clients != 5 || !p.Serial.Suspicious {
		t.Fatalf("serial %+v", p.Serial)
	}
	h := do(t, app2, "GET", unit)
	wantContains(t, h.Body, `id="scan-count">7<`, "hàng giả", `data-kind="scans" data-level="warn"`, "Mã này đã được quét 7 lần")
	wantNotContains(t, h.Body, "not-a-province")
	// The second label was never scanned: no warning, and this scan is its
	// first (not "0 scans" until the counters are flushed).
	h = do(t, app2, "GET", e.lotPage()+"/"+codes[1])
	wantNotContains(t, h.Body, "hàng giả")
	wantContains(t, h.Body, `id="scan-count">1<`, `data-kind="scans" data-level="info"`, "Mã này mới được quét 1 lần")
	var fresh pageJSON
	do(t, app2, "GET", e.lotPage()+"/"+codes[1], "Accept", "application/json").json(t, &fresh)
	if fresh.Serial == nil || fresh.Serial.Scans != 1 || fresh.Serial.Clients != 1 || fresh.Serial.Suspicious {
		t.Fatalf("a first scan: %+v, want 1 scan by 1 client", fresh.Serial)
	}
	// Never-issued serials, and the positions' numbers, show the lot with a
	// warning, and are counted once per lot, not each as a serial.
	for _, s := range []string{"3", "1", "ABCDEFGHJKMN"} {
		h := do(t, app2, "GET", e.lotPage()+"/"+s)
		wantStatus(t, h, 200)
		wantContains(t, h.Body, `id="never-issued"`, "không do doanh nghiệp cấp")
	}
	if err := lk2.Close(context.Background()); err != nil {
		t.Fatal(err)
	}
	if st, _ := e.db.ScanStats(context.Background(), "/01/"+e.roastedGTIN()+"/10/"+demodata.RoastedLot+"/21/3"); st.Count != 0 {
		t.Fatalf("an unissued serial got its own counter: %+v", st)
	}
	if st, _ := e.db.ScanStats(context.Background(), "/01/"+e.roastedGTIN()+"/10/"+demodata.RoastedLot+"/21/"); st.Count != 3 {
		t.Fatalf("the lot's unissued scans: %+v, want 3", st)
	}
}

// TestScanFloodIsOneClient (finding 8): many anonymous requests from one
// address, each naming another province, count as one client with no place:
// a genuine unit is not made to look counterfeit by a script.
func TestScanFloodIsOneClient(t *testing.T) {
	e := newEnv(t, demoNow)
	_, codes, err := e.db.IssueSerials(context.Background(), e.demo.RoastedBatchID, 1)
	if err != nil {
		t.Fatal(err)
	}
	app, lk := e.mount(lookup.Config{ScanFlush: 10 * time.Millisecond, SuspiciousScans: 20, SuspiciousPlaces: 3})
	unit := e.lotPage() + "/" + codes[0]
	provinces := []string{"VN-33", "VN-SG", "VN-HN", "VN-DN", "VN-30"}
	for i := range 40 {
		prov := provinces[i%len(provinces)]
		wantStatus(t, do(t, app, "GET", unit+"?province="+prov, "X-Forwarded-For", "198.51.100.77", "X-Province", prov), 200)
	}
	if err := lk.Close(context.Background()); err != nil {
		t.Fatal(err)
	}
	app2, lk2 := e.mount(lookup.Config{ScanFlush: time.Hour, SuspiciousScans: 20, SuspiciousPlaces: 3})
	defer lk2.Close(context.Background())
	var p pageJSON
	do(t, app2, "GET", unit, "Accept", "application/json").json(t, &p)
	if p.Serial == nil || p.Serial.Scans != 40 || p.Serial.Clients != 1 || p.Serial.Places != 0 || p.Serial.FirstPlace != "" || p.Serial.Suspicious {
		t.Fatalf("40 scans from one address: %+v; want one client, no place, no warning", p.Serial)
	}
}

// TestPublicRateLimit: past the limit, an address gets 429 with Retry-After;
// another address is not affected.
func TestPublicRateLimit(t *testing.T) {
	e := newEnv(t, demoNow)
	app, _ := e.mount(lookup.Config{RateLimit: 5})
	for range 5 {
		wantStatus(t, do(t, app, "GET", e.lotPage(), "X-Forwarded-For", "192.0.2.10"), 200)
	}
	r := do(t, app, "GET", "/01/"+e.roastedGTIN(), "X-Forwarded-For", "192.0.2.10")
	if r.Status != 429 || r.Header.Get("Retry-After") == "" {
		t.Fatalf("past the limit: %d, Retry-After %q", r.Status, r.Header.Get("Retry-After"))
	}
	wantStatus(t, do(t, app, "GET", e.lotPage(), "X-Forwarded-For", "192.0.2.11"), 200)
	// Each request counts once, whatever its family (/photo also starts with /p).
	for range 2 {
		do(t, app, "GET", "/photo/ZZZZZZZZZZ", "X-Forwarded-For", "192.0.2.12")
	}
	for range 3 {
		wantStatus(t, do(t, app, "GET", e.lotPage(), "X-Forwarded-For", "192.0.2.12"), 200)
	}
}

// blockingScans never finishes a write until released: the queue fills.
type blockingScans struct {
	registry.ScanService
	release chan struct{}
}

func (b blockingScans) RecordScans(ctx context.Context, t []registry.ScanTally) error {
	<-b.release
	return b.ScanService.RecordScans(ctx, t)
}

func TestScanOverloadDropsAndCounts(t *testing.T) {
	e := newEnv(t, demoNow)
	_, codes, err := e.db.IssueSerials(context.Background(), e.demo.RoastedBatchID, 1)
	if err != nil {
		t.Fatal(err)
	}
	release := make(chan struct{})
	app, lk := e.mount(lookup.Config{Scans: blockingScans{e.db, release}, ScanQueue: 2, ScanFlush: time.Millisecond})
	for range 20 {
		start := time.Now()
		wantStatus(t, do(t, app, "GET", e.lotPage()+"/"+codes[0]), 200)
		if d := time.Since(start); d > 2*time.Second {
			t.Fatalf("a page waited %s for the scan logger", d)
		}
		time.Sleep(2 * time.Millisecond)
	}
	close(release)
	lk.Close(context.Background())
	queued, written, dropped := lk.ScanStats()
	if dropped == 0 || queued+dropped != 20 || written != queued {
		t.Fatalf("queued %d written %d dropped %d", queued, written, dropped)
	}
}

func reportForm(t *testing.T, app *fiber.App, subject string) (token, cookie string) {
	t.Helper()
	r := do(t, app, "GET", "/report?subject="+url.QueryEscape(subject))
	wantStatus(t, r, 200)
	m := regexp.MustCompile(`name="_csrf" value="([0-9a-f]{64})"`).FindStringSubmatch(r.Body)
	if m == nil {
		t.Fatalf("no token in %.400s", r.Body)
	}
	for _, c := range r.Header.Values("Set-Cookie") {
		if strings.HasPrefix(c, "report_csrf=") {
			cookie = strings.SplitN(strings.TrimPrefix(c, "report_csrf="), ";", 2)[0]
		}
	}
	return m[1], cookie
}

func postReport(t *testing.T, app *fiber.App, form url.Values, cookie string) resp {
	t.Helper()
	req := httptest.NewRequest("POST", "/report", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if cookie != "" {
		req.AddCookie(&http.Cookie{Name: "report_csrf", Value: cookie})
	}
	return send(t, app, req)
}

func TestReportAProblem(t *testing.T) {
	e := newEnv(t, demoNow)
	app, _ := e.mount(lookup.Config{ReportLimit: 4})
	token, cookie := reportForm(t, app, e.lotPage())
	if cookie != token {
		t.Fatalf("double-submit cookie %q != token %q", cookie, token)
	}
	good := url.Values{"_csrf": {token}, "subject": {e.lotPage()}, "kind": {"counterfeit"}, "message": {"Bao bì khác thường, tem mờ"}}
	// No cookie, wrong token: refused, nothing stored.
	wantStatus(t, postReport(t, app, good, ""), 403)
	wrong := url.Values{"_csrf": {strings.Repeat("0", 64)}, "subject": good["subject"], "kind": good["kind"], "message": good["message"]}
	wantStatus(t, postReport(t, app, wrong, cookie), 403)
	bad := url.Values{"_csrf": {token}, "subject": {e.lotPage()}, "kind": {"nonsense"}, "message": {"x"}}
	r := postReport(t, app, bad, cookie)
	wantStatus(t, r, 422)
	wantContains(t, r.Body, "kind", "message")
	r = postReport(t, app, good, cookie)
	wantStatus(t, r, 201)
	wantContains(t, r.Body, "Cảm ơn")
	reports, _, err := e.db.ListReports(context.Background(), registry.Page{})
	if err != nil || len(reports) != 1 || reports[0].Kind != "counterfeit" || reports[0].Subject != e.lotPage() || reports[0].Status != "open" {
		t.Fatalf("reports %+v, %v", reports, err)
	}
	// Rate limit: the fifth post within the hour is refused.
	wantStatus(t, postReport(t, app, good, cookie), 429)
}

func TestCertificateLookup(t *testing.T) {
	e := newEnv(t, demoNow)
	ctx := context.Background()
	r := do(t, e.app, "GET", "/c?q="+demodata.CoopTaxCode)
	wantStatus(t, r, 200)
	wantContains(t, r.Body, "VG-DEMO-2025-0117", "4C-DEMO-2024-0042", "Trồng trọt cà phê Robusta, 7,3 ha", "VICAS 000 - PRO (demo)", "Vườn cà phê Ea Tiêu A")
	r = do(t, e.app, "GET", "/c?q=NOPE-1")
	wantStatus(t, r, 404)
	wantContains(t, r.Body, `id="no-results"`)
	wantStatus(t, do(t, e.app, "GET", "/c?q="+strings.Repeat("x", 101)), 400)
	wantStatus(t, do(t, e.app, "GET", "/c"), 200)
	wantStatus(t, do(t, e.app, "GET", "/c/NOPE-1"), 404)
	var j struct {
		Certificates []struct {
			Number, Status string
			History        []struct{ Status string }
		}
	}
	do(t, e.app, "GET", "/c/VG-DEMO-2025-0117", "Accept", "application/json").json(t, &j)
	if len(j.Certificates) != 1 || j.Certificates[0].Status != "active" || len(j.Certificates[0].History) != 1 {
		t.Fatalf("json %+v", j)
	}

	// A certificate with its PDF: the check tells a copy from a forgery.
	pdf := []byte("%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n")
	blob, err := e.docs.Put(ctx, bytes.NewReader(pdf), registry.MaxDocumentSize, registry.DocumentMediaTypes)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := e.db.FindCertificationBodyByCode(ctx, demodata.BodyCode)
	doc := &registry.Document{BodyID: body.ID, Title: "GCN", FileName: "gcn.pdf", Kind: "certificate", Public: true, Blob: blob}
	if err := e.db.CreateDocument(ctx, doc); err != nil {
		t.Fatal(err)
	}
	if err := e.db.CreateCertificate(ctx, &registry.Certificate{Number: "ISO-DEMO-1", Scheme: "ISO 22000", BodyID: body.ID, HolderID: e.demo.RoasterID,
		IssuedOn: "2026-01-01", ExpiresOn: "2029-01-01", DocumentID: doc.ID}); err != nil {
		t.Fatal(err)
	}
	check := func(q string, file []byte) resp {
		var b bytes.Buffer
		w := multipart.NewWriter(&b)
		w.WriteField("q", q)
		if file != nil {
			fw, _ := w.CreateFormFile("file", "x.pdf")
			fw.Write(file)
		}
		w.Close()
		req := httptest.NewRequest("POST", "/c/check", &b)
		req.Header.Set("Content-Type", w.FormDataContentType())
		return send(t, e.app, req)
	}
	r = check("ISO-DEMO-1", pdf)
	wantStatus(t, r, 200)
	wantContains(t, r.Body, `id="check-result"`, "khớp với tài liệu đã đăng ký của chứng nhận ISO-DEMO-1")
	r = check("ISO-DEMO-1", append(append([]byte{}, pdf...), ' '))
	wantStatus(t, r, 200)
	wantContains(t, r.Body, "KHÔNG khớp")
	wantStatus(t, check("ISO-DEMO-1", nil), 422)
	wantStatus(t, check("", pdf), 422)
	wantStatus(t, check("NOPE-1", pdf), 404)
}

func TestProductWithoutGTIN(t *testing.T) {
	e := newEnv(t, demoNow)
	ctx := context.Background()
	p := &registry.Product{EnterpriseID: e.demo.CoopID, NameVI: "Mật ong hoa cà phê Ea Tiêu", Category: "honey", Unit: "jar"}
	if err := e.db.CreateProduct(ctx, p); err != nil {
		t.Fatal(err)
	}
	b := &registry.Batch{EnterpriseID: e.demo.CoopID, ProductID: p.ID, LotCode: "MO2026-03", Quantity: 200, Unit: "jar", HarvestedOn: "2026-03-10"}
	if err := e.db.CreateBatch(ctx, b); err != nil {
		t.Fatal(err)
	}
	if p.ShortCode == b.ShortCode || strings.Contains(p.ShortCode, p.ID) {
		t.Fatalf("short codes %q %q", p.ShortCode, b.ShortCode)
	}
	r := do(t, e.app, "GET", "/p/"+p.ShortCode)
	wantStatus(t, r, 200)
	wantContains(t, r.Body, "Mật ong hoa cà phê Ea Tiêu", "Hợp tác xã Cà phê Bền vững Ea Tiêu")
	wantNotContains(t, r.Body, "GS1 Digital Link")
	r = do(t, e.app, "GET", "/l/"+b.ShortCode)
	wantStatus(t, r, 200)
	wantContains(t, r.Body, "MO2026-03", "10/03/2026", `href="/report?subject=%2fl%2f`+b.ShortCode+`"`)
	// Labels of a lot without GTIN carry its short path and the serial.
	app, _ := e.mount(lookup.Config{Authorize: func(*fiber.Ctx, string) error { return nil }})
	r = do(t, app, "POST", "/labels/"+b.ShortCode+"?n=1")
	wantStatus(t, r, 200)
	m := regexp.MustCompile(`<p class="serial">Số <span>([0-9A-Z]{12})</span></p>`).FindStringSubmatch(r.Body)
	if m == nil {
		t.Fatalf("no serial code on the label: %.500s", r.Body)
	}
	wantStatus(t, do(t, app, "GET", "/l/"+b.ShortCode+"?s="+m[1]), 200)
	for _, s := range []string{"1", "2"} {
		h := do(t, app, "GET", "/l/"+b.ShortCode+"?s="+s)
		wantStatus(t, h, 200)
		wantContains(t, h.Body, `id="never-issued"`)
	}
	wantStatus(t, do(t, e.app, "GET", "/qr/l/"+b.ShortCode+".svg"), 200)
	wantStatus(t, do(t, e.app, "GET", "/qr/p/"+p.ShortCode+".png"), 200)
}

// postReportMultipart sends the report form as a browser does with a file.
func postReportMultipart(t *testing.T, app *fiber.App, form url.Values, cookie, fileName string, file []byte) resp {
	t.Helper()
	var buf bytes.Buffer
	w := multipart.NewWriter(&buf)
	for k, vs := range form {
		for _, v := range vs {
			w.WriteField(k, v)
		}
	}
	if file != nil {
		fw, _ := w.CreateFormFile("photo", fileName)
		fw.Write(file)
	}
	w.Close()
	req := httptest.NewRequest("POST", "/report", &buf)
	req.Header.Set("Content-Type", w.FormDataContentType())
	req.AddCookie(&http.Cookie{Name: "report_csrf", Value: cookie})
	return send(t, app, req)
}

// The complaint loop: a report gets a reference to follow it up; the status
// page shows where it stands and the agency's reply, and no personal data;
// a photo is size- and type-checked, and a refused one stores nothing.
func TestReportReferenceAndStatus(t *testing.T) {
	e := newEnv(t, demoNow)
	ctx := context.Background()
	app, _ := e.mount(lookup.Config{ReportLimit: 20})
	token, cookie := reportForm(t, app, e.lotPage())
	form := url.Values{"_csrf": {token}, "subject": {e.lotPage()}, "kind": {"quality"}, "message": {"Cà phê bị ẩm mốc"},
		"contact": {"0912 345 678"}, "place_of_purchase": {"Chợ Buôn Ma Thuột, quầy 12"}}
	var png bytes.Buffer
	img := image.NewRGBA(image.Rect(0, 0, 2, 2))
	if err := pngenc.Encode(&png, img); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name   string
		file   []byte
		status int
	}{
		{"not an image", []byte("%PDF-1.4 not a photo"), 415},
		{"too large", append(bytes.Clone(png.Bytes()), make([]byte, registry.MaxReportPhoto)...), 413},
	} {
		r := postReportMultipart(t, app, form, cookie, "x.png", tc.file)
		if r.Status != tc.status {
			t.Errorf("%s: %d, want %d: %.300s", tc.name, r.Status, tc.status, r.Body)
		}
	}
	if reports, _, _ := e.db.ListReports(ctx, registry.Page{}); len(reports) != 0 {
		t.Fatalf("refused photos stored %d reports", len(reports))
	}
	r := postReportMultipart(t, app, form, cookie, "tem.png", png.Bytes())
	wantStatus(t, r, 201)
	ref := regexp.MustCompile(`id="reference">(PA-[0-9A-Z]{10})<`).FindStringSubmatch(r.Body)
	if ref == nil {
		t.Fatalf("no reference on the thanks page: %.600s", r.Body)
	}
	wantContains(t, r.Body, `href="/report/`+ref[1]+`"`)
	stored, err := e.db.FindReportByReference(ctx, ref[1])
	if err != nil || stored.PlaceOfPurchase != "Chợ Buôn Ma Thuột, quầy 12" || stored.Photo == nil || stored.Photo.MediaType != "image/png" {
		t.Fatalf("stored %+v %v", stored, err)
	}
	if _, err := e.docs.Stat(ctx, stored.Photo.SHA256); err != nil {
		t.Errorf("the photo is not in the document store: %v", err)
	}

	status := do(t, app, "GET", "/report/"+ref[1])
	wantStatus(t, status, 200)
	wantContains(t, status.Body, ref[1], "Đã tiếp nhận, chờ xử lý", `id="report-no-reply"`, "Chất lượng")
	wantNotContains(t, status.Body, "0912 345 678", "Chợ Buôn Ma Thuột", "ẩm mốc", stored.Photo.SHA256)
	// The agency replies (as the workspace does): the citizen reads it.
	if err := (registry.ReportAction{Action: registry.ReportActionReply, Text: "Đã kiểm tra cơ sở bán; lô hàng được thu hồi khỏi quầy."}).
		Apply(stored, registry.Actor{Username: "inspector", Role: registry.RoleInspector}, demoNow); err != nil {
		t.Fatal(err)
	}
	if err := e.db.UpdateReport(ctx, stored); err != nil {
		t.Fatal(err)
	}
	status = do(t, app, "GET", "/report/"+ref[1])
	wantContains(t, status.Body, `id="report-reply"`, "lô hàng được thu hồi khỏi quầy")
	wantNotContains(t, status.Body, "inspector")
	// A reference nobody has, or not written like one.
	wantStatus(t, do(t, app, "GET", "/report/PA-2222222222"), 404)
	wantStatus(t, do(t, app, "GET", "/report/"+stored.ID), 404)
}
