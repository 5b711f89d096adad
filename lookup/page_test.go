package lookup_test

import (
	"bytes"
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/tracereg/tracereg/lookup"
	"github.com/tracereg/tracereg/registry"
	"github.com/tracereg/tracereg/registry/demodata"
)

func (e *env) lotPage() string { return "/v/" + e.roastedGTIN() + "/" + demodata.RoastedLot }

func TestLotPage(t *testing.T) {
	e := newEnv(t, demoNow)
	r := do(t, e.app, "GET", e.lotPage())
	wantStatus(t, r, 200)
	wantContains(t, r.Body,
		`<html lang="vi">`, "Cà phê rang xay Robusta Ban Mê 500 g",
		"Công ty TNHH Rang xay Cà phê Ban Mê (dữ liệu mẫu)", demodata.RoasterTaxCode, "Buôn Ma Thuột",
		demodata.RoastedLot, "1.800 bao", "10/01/2026", // quantity and production date, Vietnamese style
		"Vườn cà phê Ea Tiêu A (5,5 ha)", "<polygon points=", "108.081000, 12.851000", "khai báo bằng một điểm",
		`id="journey"`, "Thu hoạch", "Xát vỏ", "Xuất hàng", "Rang", demodata.GreenLot,
		"VG-DEMO-2025-0117", "4C-DEMO-2024-0042", `data-status="active"`, "Tổ chức Chứng nhận Tây Nguyên (dữ liệu mẫu)",
		"Công bố hợp quy", "QCĐP 01:2025/ĐL", demodata.ReceiptNumber, `<span class="cr"`,
		"Không có thông báo thu hồi", `href="/report?subject=`, `id="lang-toggle"`, "?lang=en")
	wantNotContains(t, r.Body, `class="recall"`, "<script", `src="http`, `href="http`, "@import", "url(")
	if len(r.Body) > 100<<10 {
		t.Errorf("page is %d bytes, want under 100 KB", len(r.Body))
	}
	// The journey is in time order: harvest before roasting.
	if strings.Index(r.Body, "Thu hoạch") > strings.Index(r.Body, "<b>Rang</b>") {
		t.Error("journey is not oldest first")
	}
	// The green lot has no announcement of its own: no CR mark there.
	g := do(t, e.app, "GET", "/v/"+e.greenGTIN()+"/"+demodata.GreenLot)
	wantStatus(t, g, 200)
	wantNotContains(t, g.Body, `<span class="cr"`, "Công bố hợp quy", `id="recall"`+"\n")
	wantContains(t, g.Body, "Vườn cà phê Ea Tiêu B")
}

func TestLotPageByShortCodeAndProductPage(t *testing.T) {
	e := newEnv(t, demoNow)
	b := e.batch(e.demo.RoastedBatchID)
	r := do(t, e.app, "GET", "/l/"+b.ShortCode)
	wantStatus(t, r, 200)
	wantContains(t, r.Body, demodata.RoastedLot, "Rang")
	r = do(t, e.app, "GET", "/v/"+e.roastedGTIN())
	wantStatus(t, r, 200)
	wantContains(t, r.Body, "Cà phê rang xay Robusta Ban Mê 500 g", "QCĐP 01:2025/ĐL")
	wantNotContains(t, r.Body, `id="journey"`)
	for _, bad := range []string{"/l/" + strings.ToLower(b.ShortCode), "/l/" + e.demo.RoastedBatchID, "/l/AAAAAAAAAA", "/p/ZZZZZZZZZZ", "/p/x"} {
		if r := do(t, e.app, "GET", bad); r.Status != 404 {
			t.Errorf("%s: status %d, want 404", bad, r.Status)
		}
	}
	if r := do(t, e.app, "GET", "/v/12345"); r.Status != 400 {
		t.Errorf("/v/12345: status %d, want 400", r.Status)
	}
	// An unknown lot walks up to the product's page, which says so.
	r = do(t, e.app, "GET", "/v/"+e.roastedGTIN()+"/NOPE")
	wantStatus(t, r, 200)
	wantContains(t, r.Body, `id="unknown-lot"`, "<code>NOPE</code>", `href="/report?subject=%2fv%2f`+e.roastedGTIN()+`%2fNOPE"`, "Cà phê rang xay")
	if r := do(t, e.app, "GET", "/v/"+unknownGTIN()+"/NOPE"); r.Status != 404 {
		t.Errorf("unknown lot of an unknown GTIN: status %d, want 404", r.Status)
	}
}

func TestEnglish(t *testing.T) {
	e := newEnv(t, demoNow)
	for name, req := range map[string][]string{
		"Accept-Language": {"Accept-Language", "en-GB,en;q=0.9"},
		"cookie":          {"Cookie", "lang=en"},
	} {
		r := do(t, e.app, "GET", e.lotPage(), req...)
		wantStatus(t, r, 200)
		if !strings.Contains(r.Body, `<html lang="en">`) || !strings.Contains(r.Body, "Certificates") || !strings.Contains(r.Body, "Harvesting") ||
			!strings.Contains(r.Body, "Ban Me roasted ground Robusta 500 g") || !strings.Contains(r.Body, "1,800 bags") {
			t.Errorf("%s: not English: %.300s", name, r.Body)
		}
	}
	r := do(t, e.app, "GET", e.lotPage()+"?lang=en", "Accept-Language", "vi")
	wantContains(t, r.Body, `<html lang="en">`, "?lang=vi")
	if !strings.Contains(r.Header.Get("Set-Cookie"), "lang=en") {
		t.Errorf("toggle does not remember the language: %q", r.Header.Get("Set-Cookie"))
	}
	r = do(t, e.app, "GET", e.lotPage(), "Accept-Language", "fr,vi;q=0.5")
	wantContains(t, r.Body, `<html lang="vi">`)
	r = do(t, e.app, "GET", e.lotPage()+"?lang=xx")
	wantContains(t, r.Body, `<html lang="vi">`)
}

type pageJSON struct {
	PossiblyStale bool `json:"possibly_stale"`
	Product       struct{ Name, GTIN string }
	Enterprise    struct {
		Name    string
		TaxCode string `json:"tax_code"`
	}
	Lot *struct {
		LotCode string `json:"lot_code"`
	}
	Recall *struct {
		LotCode  string `json:"lot_code"`
		Upstream bool
		Reason   string
	}
	Journey      []struct{ Step string }
	Plots        []struct{ Name string } `json:"origin_plots"`
	Certificates []struct {
		Number   string
		Status   string
		DaysLeft int `json:"days_left"`
		Badge    string
		Since    string
	}
	Announcements []struct {
		CRMark bool `json:"cr_mark"`
	}
	Serial *struct {
		Scans      int64
		Clients    int64
		Places     int
		FirstPlace string `json:"first_place"`
		Suspicious bool
		Known      bool `json:"counters_known"`
	}
}

func getPage(t *testing.T, e *env, app interface{}, path string) pageJSON {
	t.Helper()
	var p pageJSON
	r := do(t, e.app, "GET", path, "Accept", "application/json")
	wantStatus(t, r, 200)
	r.json(t, &p)
	return p
}

func TestJSON(t *testing.T) {
	e := newEnv(t, demoNow)
	p := getPage(t, e, nil, e.lotPage())
	if p.Lot == nil || p.Lot.LotCode != demodata.RoastedLot || p.Enterprise.TaxCode != demodata.RoasterTaxCode ||
		len(p.Journey) != 4 || len(p.Plots) != 2 || len(p.Certificates) != 2 || p.Recall != nil || p.PossiblyStale ||
		len(p.Announcements) != 1 || !p.Announcements[0].CRMark {
		t.Fatalf("page JSON %+v", p)
	}
}

// certAt returns the status of one certificate on the lot page at now.
func certAt(t *testing.T, e *env, now time.Time, number string) (status string, days int, badge, since string) {
	t.Helper()
	var p pageJSON
	r := do(t, e.at(now), "GET", e.lotPage(), "Accept", "application/json")
	wantStatus(t, r, 200)
	r.json(t, &p)
	for _, c := range p.Certificates {
		if c.Number == number {
			return c.Status, c.DaysLeft, c.Badge, c.Since
		}
	}
	t.Fatalf("certificate %s not on the page", number)
	return
}

func vn(y int, m time.Month, d, h int) time.Time {
	return time.Date(y, m, d, h, 0, 0, 0, registry.Vietnam)
}

func TestCertificateStatusAtBoundaries(t *testing.T) {
	e := newEnv(t, demoNow)
	const c4 = "4C-DEMO-2024-0042" // expires 2027-05-31
	for _, tc := range []struct {
		name   string
		now    time.Time
		status string
		days   int
		badge  string
	}{
		{"tomorrow", vn(2027, 5, 30, 23), registry.CertActive, 1, "hết hạn sau 1 ngày"},
		{"today, first minute", vn(2027, 5, 31, 0), registry.CertActive, 0, "hết hạn hôm nay"},
		{"today, last hour", vn(2027, 5, 31, 23), registry.CertActive, 0, "hết hạn hôm nay"},
		{"yesterday", vn(2027, 6, 1, 0), registry.CertExpired, -1, "Hết hạn"},
		{"long before", vn(2026, 1, 1, 12), registry.CertActive, 515, "Còn hiệu lực"},
	} {
		status, days, badge, _ := certAt(t, e, tc.now, c4)
		if status != tc.status || days != tc.days || !strings.Contains(badge, tc.badge) {
			t.Errorf("%s: %s, %d days, %q; want %s, %d, %q", tc.name, status, days, badge, tc.status, tc.days, tc.badge)
		}
	}
	// English plural.
	r := do(t, e.at(vn(2027, 5, 30, 9)), "GET", e.lotPage()+"?lang=en")
	wantContains(t, r.Body, "expires in 1 day<")
}

func TestCertificateSuspendedThenReinstated(t *testing.T) {
	e := newEnv(t, demoNow)
	ctx := context.Background()
	const vg = "VG-DEMO-2025-0117"
	certs, err := e.db.FindCertificatesByNumber(ctx, vg)
	if err != nil {
		t.Fatal(err)
	}
	c, err := e.db.ChangeCertificateStatus(ctx, certs[0].ID, certs[0].Version, registry.StatusChange{Status: registry.CertSuspended, Reason: "Vi phạm quy trình (demo)", On: "2026-12-01"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.db.ChangeCertificateStatus(ctx, c.ID, c.Version, registry.StatusChange{Status: registry.CertActive, Reason: "Đã khắc phục", On: "2027-01-15"}); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		now    time.Time
		status string
		since  string
	}{
		{vn(2026, 11, 30, 12), registry.CertActive, ""},
		{vn(2026, 12, 1, 0), registry.CertSuspended, "01/12/2026"},
		{vn(2027, 1, 14, 23), registry.CertSuspended, "01/12/2026"},
		{vn(2027, 1, 15, 0), registry.CertActive, ""},
	} {
		status, _, badge, since := certAt(t, e, tc.now, vg)
		if status != tc.status || since != tc.since {
			t.Errorf("at %s: %s (%q) since %q; want %s since %q", tc.now, status, badge, since, tc.status, tc.since)
		}
	}
	// The certificate page shows the whole history.
	r := do(t, e.app, "GET", "/c/"+vg)
	wantStatus(t, r, 200)
	wantContains(t, r.Body, "Vi phạm quy trình (demo)", "Đã khắc phục", "Bị đình chỉ", "01/12/2026", "15/01/2027")
}

// packLot adds a third level below the demo: the roasted lot repacked.
func packLot(t *testing.T, e *env) *registry.Batch {
	t.Helper()
	ctx := context.Background()
	roasted := e.batch(e.demo.RoastedBatchID)
	pack := &registry.Batch{EnterpriseID: roasted.EnterpriseID, ProductID: roasted.ProductID, LotCode: "PK2026-01", Quantity: 900, Unit: "bag", ProducedOn: "2026-01-12"}
	if err := e.db.CreateBatch(ctx, pack); err != nil {
		t.Fatal(err)
	}
	at := time.Date(2026, 1, 12, 8, 0, 0, 0, registry.Vietnam)
	if err := e.db.CreateEvent(ctx, &registry.TraceEvent{EnterpriseID: roasted.EnterpriseID, Kind: registry.EventTransformation, EventTime: at, EventTimeZone: "+07:00",
		BusinessStep: "packing", Inputs: []registry.Quantity{{BatchID: roasted.ID, Quantity: 900, Unit: "bag"}},
		Outputs: []registry.Quantity{{BatchID: pack.ID, Quantity: 900, Unit: "bag"}}, IdempotencyKey: "test-pack"}); err != nil {
		t.Fatal(err)
	}
	return pack
}

func TestRecallTwoLevelsUpstream(t *testing.T) {
	e := newEnv(t, demoNow)
	pack := packLot(t, e)
	path := "/v/" + e.roastedGTIN() + "/PK2026-01"
	p := getPage(t, e, nil, path)
	if p.Recall != nil {
		t.Fatalf("recall before any recall: %+v", p.Recall)
	}
	if len(p.Journey) != 5 {
		t.Errorf("journey of the packed lot has %d steps, want 5 (two levels up)", len(p.Journey))
	}
	green := e.batch(e.demo.GreenBatchID)
	green.Status = registry.BatchRecalled
	green.Recall = &registry.Recall{Reason: "Dư lượng thuốc BVTV vượt ngưỡng (demo)", On: "2026-11-20", By: "inspector", At: time.Now()}
	if err := e.db.UpdateBatch(context.Background(), green); err != nil {
		t.Fatal(err)
	}
	// Cached for the TTL: the write is seen after an invalidation.
	e.lk.InvalidateAll()
	p = getPage(t, e, nil, path)
	if p.Recall == nil || p.Recall.LotCode != demodata.GreenLot || !p.Recall.Upstream || !strings.Contains(p.Recall.Reason, "BVTV") {
		t.Fatalf("recall %+v", p.Recall)
	}
	r := do(t, e.app, "GET", path)
	wantContains(t, r.Body, `class="recall"`, "CẢNH BÁO THU HỒI", demodata.GreenLot, "20/11/2026")
	wantNotContains(t, r.Body, "Không có thông báo thu hồi")
	_ = pack
}

func TestEscaping(t *testing.T) {
	e := newEnv(t, demoNow)
	ctx := context.Background()
	const evil = `<script>alert(1)</script>`
	ent := &registry.Enterprise{TaxCode: "6001709999", NameVI: evil, NameEN: evil, Kind: "company", District: "Lắk", Sector: "other", Size: "micro"}
	if err := e.db.CreateEnterprise(ctx, ent); err != nil {
		t.Fatal(err)
	}
	pr := &registry.Product{EnterpriseID: ent.ID, NameVI: evil + `"'&`, Category: "honey", GTIN: demodata.GTIN("893850000077"), Description: evil}
	if err := e.db.CreateProduct(ctx, pr); err != nil {
		t.Fatal(err)
	}
	b := &registry.Batch{EnterpriseID: ent.ID, ProductID: pr.ID, LotCode: "X1", Quantity: 1, Unit: "kg"}
	if err := e.db.CreateBatch(ctx, b); err != nil {
		t.Fatal(err)
	}
	body, err := e.db.FindCertificationBodyByCode(ctx, demodata.BodyCode)
	if err != nil {
		t.Fatal(err)
	}
	if err := e.db.CreateCertificate(ctx, &registry.Certificate{Number: "EVIL-1", Scheme: "other", BodyID: body.ID, HolderID: ent.ID,
		ScopeProductIDs: []string{pr.ID}, ScopeText: evil, IssuedOn: "2026-01-01", ExpiresOn: "2027-01-01"}); err != nil {
		t.Fatal(err)
	}
	for _, path := range []string{"/v/" + pr.GTIN, "/v/" + pr.GTIN + "/X1", "/l/" + b.ShortCode, "/c/EVIL-1", "/c?q=6001709999",
		"/01/" + pr.GTIN + "?linkType=linkset", "/report?subject=/v/" + pr.GTIN} {
		for _, accept := range []string{"text/html", "application/json"} {
			r := do(t, e.app, "GET", path, "Accept", accept, "Accept-Language", "en")
			if r.Status != 200 {
				t.Errorf("%s (%s): status %d", path, accept, r.Status)
				continue
			}
			if strings.Contains(r.Body, "<script>") {
				t.Errorf("%s (%s): the name is not escaped: %.300s", path, accept, r.Body)
			}
			if accept == "text/html" && strings.HasPrefix(r.Header.Get("Content-Type"), "text/html") && path[1] != 'r' &&
				!strings.Contains(r.Body, "&lt;script&gt;alert(1)&lt;/script&gt;") {
				t.Errorf("%s: the name is not shown as text", path)
			}
		}
	}
}

// countingStore counts reads of products by GTIN: it wraps the real store.
type countingStore struct {
	registry.Store
	n atomic.Int64
}

func (s *countingStore) FindProductByGTIN(ctx context.Context, g string) (*registry.Product, error) {
	s.n.Add(1)
	return s.Store.FindProductByGTIN(ctx, g)
}

func TestCacheAndDatabaseDown(t *testing.T) {
	e := newEnv(t, demoNow)
	cs := &countingStore{Store: e.db}
	clk := &movingClock{}
	clk.set(demoNow)
	app, _ := e.mount(lookup.Config{Store: cs, Clock: clk, CacheTTL: 300 * time.Millisecond, LoadTimeout: time.Second})
	for range 5 {
		wantStatus(t, do(t, app, "GET", e.lotPage()), 200)
		wantStatus(t, do(t, app, "GET", e.lotPath()), 307)
	}
	if n := cs.n.Load(); n != 1 {
		t.Fatalf("%d database reads for 10 requests of one lot, want 1", n)
	}
	clk.set(clk.Now().Add(350 * time.Millisecond)) // past the TTL
	wantStatus(t, do(t, app, "GET", e.lotPage()), 200)
	if n := cs.n.Load(); n != 2 {
		t.Fatalf("%d reads after the TTL, want 2", n)
	}
	greenPage := "/v/" + e.greenGTIN() + "/" + demodata.GreenLot
	if err := e.db.Close(context.Background()); err != nil {
		t.Fatal(err)
	}
	clk.set(clk.Now().Add(350 * time.Millisecond)) // past the TTL
	r := do(t, app, "GET", e.lotPage())
	wantStatus(t, r, 200)
	wantContains(t, r.Body, "có thể chưa cập nhật", demodata.RoastedLot)
	if r.Header.Get("Warning") == "" {
		t.Error("stale page without a Warning header")
	}
	if p := getPageFrom(t, app, e.lotPage()); !p.PossiblyStale {
		t.Error("stale JSON not marked")
	}
	wantStatus(t, do(t, app, "GET", e.lotPath()), 307)
	// Never loaded: 503 with a page.
	start := time.Now()
	r = do(t, app, "GET", greenPage)
	wantStatus(t, r, 503)
	if d := time.Since(start); d > 3*time.Second {
		t.Errorf("503 took %s", d)
	}
	wantContains(t, r.Body, "Tạm thời không phục vụ được")
}

func getPageFrom(t *testing.T, app interface {
	Test(*http.Request, ...int) (*http.Response, error)
}, path string) pageJSON {
	t.Helper()
	req := httptest.NewRequest("GET", path, nil)
	req.Header.Set("Accept", "application/json")
	res, err := app.Test(req, 30000)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	var buf bytes.Buffer
	buf.ReadFrom(res.Body)
	var p pageJSON
	resp{Status: res.StatusCode, Body: buf.String()}.json(t, &p)
	return p
}

// downDocs is a document store that does not answer.
type downDocs struct{ registry.DocumentStore }

func (downDocs) Stat(context.Context, string) (registry.Blob, error) {
	return registry.Blob{}, registry.Errorf(registry.EUNAVAILABLE, "down", "down")
}

func TestDocumentsDown(t *testing.T) {
	e := newEnv(t, demoNow)
	ctx := context.Background()
	png := []byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89\x00\x00\x00\rIDATx\x9cc\xf8\x0f\x00\x00\x01\x01\x00\x05\x18\xd8N\x00\x00\x00\x00IEND\xaeB`\x82")
	blob, err := e.docs.Put(ctx, bytes.NewReader(png), registry.MaxDocumentSize, registry.DocumentMediaTypes)
	if err != nil {
		t.Fatal(err)
	}
	roasted := e.batch(e.demo.RoastedBatchID)
	doc := &registry.Document{EnterpriseID: roasted.EnterpriseID, Title: "Ảnh", FileName: "a.png", Kind: "photo", Public: true, Blob: blob}
	if err := e.db.CreateDocument(ctx, doc); err != nil {
		t.Fatal(err)
	}
	p, err := e.db.FindProduct(ctx, roasted.ProductID)
	if err != nil {
		t.Fatal(err)
	}
	p.PhotoID, p.CorrectionReason = doc.ID, "Thêm ảnh sản phẩm"
	if err := e.db.UpdateProduct(ctx, p); err != nil {
		t.Fatal(err)
	}
	r := do(t, e.app, "GET", e.lotPage())
	wantContains(t, r.Body, `<img src="/photo/`+p.ShortCode+`"`)
	img := do(t, e.app, "GET", "/photo/"+p.ShortCode)
	wantStatus(t, img, 200)
	if img.Body != string(png) || img.Header.Get("Content-Type") != "image/png" {
		t.Errorf("photo: %q %d bytes", img.Header.Get("Content-Type"), len(img.Body))
	}
	app, _ := e.mount(lookup.Config{Documents: downDocs{e.docs}})
	r = do(t, app, "GET", e.lotPage())
	wantStatus(t, r, 200)
	wantNotContains(t, r.Body, "<img")
	wantContains(t, r.Body, "Tài liệu tạm thời không hiển thị được", "VG-DEMO-2025-0117")
}

// movingClock is a clock a test moves forward.
type movingClock struct{ now atomic.Pointer[time.Time] }

func (c *movingClock) Now() time.Time  { return *c.now.Load() }
func (c *movingClock) set(t time.Time) { c.now.Store(&t) }

// The same cached view, the clock moving over the expiry day: the badge follows.
func TestStatusFollowsTheClockOnACachedPage(t *testing.T) {
	e := newEnv(t, demoNow)
	clk := &movingClock{}
	clk.set(vn(2027, 5, 31, 12))
	app, _ := e.mount(lookup.Config{Clock: clk, CacheTTL: time.Hour})
	r := do(t, app, "GET", e.lotPage())
	wantContains(t, r.Body, "hết hạn hôm nay")
	clk.set(vn(2027, 6, 1, 0))
	r = do(t, app, "GET", e.lotPage())
	wantContains(t, r.Body, `data-status="expired"`)
	wantNotContains(t, r.Body, "hết hạn hôm nay")
	clk.set(vn(2027, 5, 30, 12))
	r = do(t, app, "GET", e.lotPage())
	wantContains(t, r.Body, "hết hạn sau 1 ngày")
}

// A published lot corrected later says so on its page: when, what and why,
// in the page's language; who corrected it stays out.
func TestCorrectionShownOnPublicPage(t *testing.T) {
	e := newEnv(t, demoNow)
	ctx := registry.WithActor(context.Background(), registry.Actor{Username: "roaster-staff", Role: registry.RoleEnterprise})
	b := e.batch(e.demo.RoastedBatchID)
	wantNotContains(t, do(t, e.app, "GET", e.lotPage()).Body, `id="corrections"`)
	b.Quantity, b.ExpiresOn, b.CorrectionReason = b.Quantity-10, "2027-06-30", "Cân lại sau khi đóng gói"
	if err := e.db.UpdateBatch(ctx, b); err != nil {
		t.Fatal(err)
	}
	e.lk.InvalidateAll()
	r := do(t, e.app, "GET", e.lotPage())
	wantContains(t, r.Body, `id="corrections"`, "Thông tin đã được đính chính", "số lượng, hạn sử dụng", "Cân lại sau khi đóng gói")
	wantNotContains(t, r.Body, "roaster-staff")
	en := do(t, e.app, "GET", e.lotPage()+"?lang=en")
	wantContains(t, en.Body, "Corrected after publication", "quantity, expiry date")
	var p struct {
		Lot struct {
			Corrections []struct {
				On     string
				Fields []string
				Reason string
			}
		}
	}
	do(t, e.app, "GET", e.lotPage(), "Accept", "application/json").json(t, &p)
	if c := p.Lot.Corrections; len(c) != 1 || len(c[0].Fields) != 2 || c[0].Fields[0] != "quantity" || c[0].Reason != "Cân lại sau khi đóng gói" || c[0].On == "" {
		t.Fatalf("corrections in the page JSON: %+v", p.Lot.Corrections)
	}
}

// The origin plots are drawn with a north arrow and a scale bar, and link
// to the phone's map application (geo:, latitude first); nothing external.
func TestPlotMapOnPublicPage(t *testing.T) {
	e := newEnv(t, demoNow)
	r := do(t, e.app, "GET", e.lotPage())
	wantContains(t, r.Body, `class="scalebar" data-metres="`, `class="north"`, `href="geo:12.`, "Mở vị trí trong ứng dụng bản đồ")
	wantNotContains(t, r.Body, "tile", "openstreetmap", "googleapis")
	var p struct {
		Plots []struct {
			GeoURI string `json:"geo_uri"`
		} `json:"origin_plots"`
	}
	do(t, e.app, "GET", e.lotPage(), "Accept", "application/json").json(t, &p)
	if len(p.Plots) == 0 || !strings.HasPrefix(p.Plots[0].GeoURI, "geo:12.") {
		t.Fatalf("plots in JSON %+v", p.Plots)
	}
	place := do(t, e.app, "GET", "/d/"+e.demo.PlotGLN)
	wantContains(t, place.Body, `class="scalebar"`, `href="geo:12.`)
}

// A recall lifted stays on the lot's page: when it was recalled, why, and
// when and why it was lifted; the verdict says the lot is not recalled now.
func TestLiftedRecallShownOnPublicPage(t *testing.T) {
	e := newEnv(t, demoNow)
	ctx := context.Background()
	b := e.batch(e.demo.RoastedBatchID)
	r, err := registry.RecallBatch(ctx, e.db, b, registry.RecallOrder{Reason: "Nghi nhiễm nấm mốc", On: "2026-11-20"}, "inspector", time.Now())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := registry.LiftRecall(ctx, e.db, r, registry.RecallOrder{Reason: "Kiểm nghiệm lại đạt", On: "2026-11-25"}, "inspector", time.Now()); err != nil {
		t.Fatal(err)
	}
	e.lk.InvalidateAll()
	page := do(t, e.app, "GET", e.lotPage())
	wantContains(t, page.Body, `id="past-recalls"`, "Thu hồi ngày 20/11/2026: Nghi nhiễm nấm mốc", "Gỡ bỏ thu hồi ngày 25/11/2026: Kiểm nghiệm lại đạt")
	wantNotContains(t, page.Body, `class="recall"`, "inspector")
	level, lines, _ := verdictAt(t, e.app, e.lotPage())
	if level != "ok" || lines["recall"] != "ok" {
		t.Errorf("after the lift: %s %v", level, lines)
	}
	// Lifting what is not recalled is refused.
	cur := e.batch(e.demo.RoastedBatchID)
	if _, err := registry.LiftRecall(ctx, e.db, cur, registry.RecallOrder{Reason: "Lần nữa", On: "2026-11-26"}, "inspector", time.Now()); registry.ErrorCode(err) != registry.EINVALID {
		t.Errorf("lifting a lot not recalled: %v", err)
	}
}

// A code with a wrong check digit is not a lot page, but a citizen may
// still report it: the page says what is wrong and offers the report form.
func TestBadCheckDigitPageOffersAReport(t *testing.T) {
	e := newEnv(t, demoNow)
	r := do(t, e.app, "GET", "/01/08938500000028", "Accept", "text/html")
	wantStatus(t, r, 400)
	wantContains(t, r.Body, "Mã không hợp lệ", "AI 01", `href="/report?subject=%2f01%2f08938500000028"`)
	j := do(t, e.app, "GET", "/01/08938500000028", "Accept", "application/json")
	wantStatus(t, j, 400)
	wantContains(t, j.Body, `"AI 01"`)
}

// A renewed certificate's public page shows the renewal in its history and
// its new validity, and stays valid.
func TestRenewalOnPublicCertificatePage(t *testing.T) {
	e := newEnv(t, demoNow)
	ctx := context.Background()
	certs, _ := e.db.FindCertificatesByNumber(ctx, "VG-DEMO-2025-0117")
	next, err := registry.CertificateAmendment{Action: registry.CertRenew, Reason: "Đánh giá tái chứng nhận đạt", IssuedOn: "2028-03-01",
		ExpiresOn: "2031-02-28"}.Apply(certs[0], "certifier", demoNow)
	if err != nil {
		t.Fatal(err)
	}
	if err := e.db.UpdateCertificate(ctx, next); err != nil {
		t.Fatal(err)
	}
	e.lk.InvalidateAll()
	r := do(t, e.app, "GET", "/c/VG-DEMO-2025-0117")
	wantContains(t, r.Body, "Gia hạn", "Đánh giá tái chứng nhận đạt", "28/02/2031", `data-status="active"`)
	wantNotContains(t, r.Body, "certifier")
}

// A product corrected once its lots were public says so on the lot page.
func TestProductCorrectionOnPublicPage(t *testing.T) {
	e := newEnv(t, demoNow)
	ctx := context.Background()
	p, _ := e.db.FindProduct(ctx, e.batch(e.demo.RoastedBatchID).ProductID)
	p.Description, p.CorrectionReason = "Cà phê rang mộc, xay vừa.", "Ghi đúng cách xay"
	if err := e.db.UpdateProduct(ctx, p); err != nil {
		t.Fatal(err)
	}
	e.lk.InvalidateAll()
	wantContains(t, do(t, e.app, "GET", e.lotPage()).Body, `id="product-corrections"`, "mô tả. Lý do: Ghi đúng cách xay")
}
