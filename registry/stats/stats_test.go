package stats_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/tracereg/tracereg/registry"
	"github.com/tracereg/tracereg/registry/disk"
	"github.com/tracereg/tracereg/registry/langcheck"
	"github.com/tracereg/tracereg/registry/records"
	"github.com/tracereg/tracereg/registry/records/recordstest"
	"github.com/tracereg/tracereg/registry/report/reporttest"
	"github.com/tracereg/tracereg/registry/server"
	"github.com/tracereg/tracereg/registry/stats"
)

// testNow: 10:00 in Vietnam, 15 June 2026 (reporttest.Created).
var testNow = reporttest.Created

// authorizeFromHeader admits the role named in X-Test-Role, for tests only;
// the real Authorize comes from the API's sign-in.
func authorizeFromHeader(c *fiber.Ctx, roles ...string) error {
	role := c.Get("X-Test-Role")
	if role == "" {
		return registry.Errorf(registry.EUNAUTHORIZED, "Please sign in.", "Vui lòng đăng nhập.")
	}
	if !slices.Contains(roles, role) {
		return registry.Errorf(registry.EFORBIDDEN, "You may not do this.", "Bạn không có quyền thực hiện thao tác này.")
	}
	c.SetUserContext(registry.WithActor(c.UserContext(), registry.Actor{UserID: "u1", Username: "tester", Role: role,
		EnterpriseID: c.Get("X-Test-Enterprise")}))
	return nil
}

func newApp(t *testing.T, db *records.DB, authorize func(*fiber.Ctx, ...string) error) *fiber.App {
	t.Helper()
	docs, err := disk.New(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	log := slog.New(slog.DiscardHandler)
	app, err := server.New(server.Config{Store: db, Documents: docs, Logger: log})
	if err != nil {
		t.Fatal(err)
	}
	if err := stats.Mount(app, stats.Config{Store: db, Clock: registry.FixedClock(testNow), Logger: log,
		Authorize: authorize, CacheTTL: -1}); err != nil {
		t.Fatal(err)
	}
	return app
}

func get(t *testing.T, app *fiber.App, path string, header ...string) (*http.Response, []byte) {
	t.Helper()
	req := httptest.NewRequest("GET", path, nil)
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	resp, err := app.Test(req, -1)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	return resp, body
}

var figureRE = regexp.MustCompile(`data-k="([^"]+)">([^<]*)<`)

// pageFigures reads every figure a page marks with data-k.
func pageFigures(t *testing.T, body []byte) reporttest.Figures {
	t.Helper()
	f := reporttest.Figures{}
	for _, m := range figureRE.FindAllSubmatch(body, -1) {
		key := strings.ReplaceAll(string(m[1]), "&#39;", "'")
		if strings.HasSuffix(key, "/met") { // the verdict of a target
			if string(m[2]) == "Đạt" || string(m[2]) == "Met" {
				f[key] = 1
			}
			continue
		}
		text := strings.NewReplacer(".", "", ",", "").Replace(string(m[2]))
		n, err := strconv.ParseInt(text, 10, 64)
		if err != nil {
			t.Fatalf("figure %s: %q is not a number", key, m[2])
		}
		if _, dup := f[key]; dup {
			t.Fatalf("figure %s shown twice", key)
		}
		f[key] = n
	}
	return f
}

// A random data set of a few thousand records goes into the embedded
// database through the services; the dashboard, the public page and the
// report (XLSX and CSV) must show exactly what a plain computation over
// the same records gives.
func TestFiguresMatchAnIndependentComputation(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := recordstest.NewWithClock(t, registry.FixedClock(testNow))
	sizes := reporttest.Default
	if raceEnabled || testing.Short() {
		sizes = reporttest.Small
	}
	ds := reporttest.Generate(20260615, sizes)
	start := time.Now()
	if err := reporttest.Insert(ctx, db, ds); err != nil {
		t.Fatal(err)
	}
	if err := db.RecordScans(ctx, reporttest.GenerateScans(7, ds, sizes.Batches/2)); err != nil {
		t.Fatal(err)
	}
	t.Logf("stored %d records in %v", len(ds.Enterprises)+len(ds.Products)+len(ds.Certificates)+len(ds.Announcements)+
		len(ds.Batches)+len(ds.Standards)+len(ds.Support)+len(ds.Experts)+len(ds.Courses), time.Since(start))
	app := newApp(t, db, authorizeFromHeader)

	loaded, err := registry.LoadIndicatorInput(ctx, db)
	if err != nil {
		t.Fatal(err)
	}
	if len(loaded.Batches) != len(ds.Batches) || len(loaded.Certificates) != len(ds.Certificates) || len(loaded.Support) != len(ds.Support) {
		t.Fatalf("loaded %d batches, %d certificates, %d support records", len(loaded.Batches), len(loaded.Certificates), len(loaded.Support))
	}
	for _, tc := range []struct {
		query    string
		from, to int
	}{{"year=2025", 2025, 2025}, {"period=2021-2025", 2021, 2025}, {"year=2026", 2026, 2026}} {
		want := reporttest.Expect(ds, tc.from, tc.to)
		if want["cert/total"] == 0 || want["lots/total"] == 0 || want["support/times"] == 0 || want["scan/codes"] == 0 {
			t.Fatalf("%s: the data set is too thin: %v", tc.query, want)
		}
		ind := registry.ComputeIndicators(loaded, registry.Period{From: tc.from, To: tc.to})
		if d := reporttest.Diff(want, reporttest.Flatten(ind)); len(d) > 0 {
			t.Fatalf("%s: indicators over the loaded records differ:\n%s", tc.query, strings.Join(d, "\n"))
		}

		resp, body := get(t, app, "/dashboard/programme?"+tc.query, "X-Test-Role", registry.RoleInspector)
		if resp.StatusCode != 200 {
			t.Fatalf("dashboard %s: %d %s", tc.query, resp.StatusCode, body)
		}
		if d := reporttest.Diff(want, pageFigures(t, body)); len(d) > 0 {
			t.Fatalf("%s: the dashboard differs:\n%s", tc.query, strings.Join(d, "\n"))
		}
		if !bytes.Contains(body, []byte("<svg")) || !bytes.Contains(body, []byte("/w/programme/report.xlsx?"+tc.query)) {
			t.Fatalf("%s: dashboard without charts or download button", tc.query)
		}

		resp, body = get(t, app, "/thong-ke?"+tc.query)
		if resp.StatusCode != 200 {
			t.Fatalf("public page: %d", resp.StatusCode)
		}
		public := pageFigures(t, body)
		for k, v := range public {
			if want[k] != v {
				t.Errorf("%s: public page shows %s = %d, want %d", tc.query, k, v, want[k])
			}
			if strings.Count(k, "/") == 3 && strings.HasPrefix(k, "cert/") || k == "support/with_outcome" {
				t.Errorf("public page shows the dashboard's detail %s", k)
			}
		}
		if len(public) < 50 {
			t.Errorf("public page shows only %d figures", len(public))
		}

		for _, format := range []string{"xlsx", "csv"} {
			resp, body = get(t, app, "/api/v1/reports/annual?"+tc.query+"&format="+format, "X-Test-Role", registry.RoleAdmin)
			if resp.StatusCode != 200 || !strings.Contains(resp.Header.Get("Content-Disposition"), "bao-cao-nang-suat-chat-luong-") {
				t.Fatalf("report %s %s: %d %s", tc.query, format, resp.StatusCode, resp.Header.Get("Content-Disposition"))
			}
			var sheets map[string][][]string
			if format == "xlsx" {
				sheets, err = reporttest.SheetsFromXLSX(bytes.NewReader(body))
			} else {
				sheets, err = reporttest.SheetsFromCSV(body)
			}
			if err != nil {
				t.Fatal(err)
			}
			got, err := reporttest.FiguresFromSheets(sheets, ind)
			if err != nil {
				t.Fatal(err)
			}
			if d := reporttest.Diff(reporttest.ReportScope(want), got); len(d) > 0 {
				t.Fatalf("%s %s: the report differs:\n%s", tc.query, format, strings.Join(d, "\n"))
			}
		}
	}
	// The page speaks English when asked.
	_, body := get(t, app, "/thong-ke?year=2025&lang=en")
	if !bytes.Contains(body, []byte(`<html lang="en">`)) || !bytes.Contains(body, []byte("Certificates issued")) {
		t.Fatal("English page")
	}
	_, body = get(t, app, "/thong-ke")
	if !bytes.Contains(body, []byte(`data-period>2026<`)) || !bytes.Contains(body, []byte("Chứng nhận được cấp")) {
		t.Fatal("the default is this year, in Vietnamese")
	}
	for _, path := range []string{"/thong-ke", "/thong-ke?year=2025", "/dashboard/programme"} {
		if _, body := get(t, app, path); bytes.Contains(body, []byte(`lang="vi"`)) {
			if found, around := langcheck.English(string(body)); len(found) > 0 {
				t.Errorf("%s: English or raw codes %q, e.g. …%s…", path, found, around)
			}
		}
	}
}

func TestAccessAndParameters(t *testing.T) {
	t.Parallel()
	db := recordstest.NewWithClock(t, registry.FixedClock(testNow))
	closed := newApp(t, db, nil) // not wired to sign-in yet: refuses
	for _, p := range []string{"/dashboard/programme", "/api/v1/reports/annual?year=2025", "/dashboard/benchmark"} {
		if resp, _ := get(t, closed, p); resp.StatusCode != 401 {
			t.Errorf("%s without Authorize: %d, want 401", p, resp.StatusCode)
		}
	}
	resp, body := get(t, closed, "/api/v1/reports/annual?year=2025")
	if resp.Header.Get("Content-Type") != "application/problem+json" || !bytes.Contains(body, []byte(`"code":"unauthorized"`)) {
		t.Errorf("API refusal: %s %s", resp.Header.Get("Content-Type"), body)
	}
	if resp, _ := get(t, closed, "/thong-ke"); resp.StatusCode != 200 {
		t.Errorf("the public page needs no sign-in: %d", resp.StatusCode)
	}

	// AuthorizeActor reads the actor an earlier middleware set.
	withActor := fiber.New()
	withActor.Use(func(c *fiber.Ctx) error {
		if r := c.Get("X-Test-Role"); r != "" {
			c.SetUserContext(registry.WithActor(c.UserContext(), registry.Actor{UserID: "u", Role: r}))
		}
		return c.Next()
	})
	withActor.Get("/x", func(c *fiber.Ctx) error {
		if err := stats.AuthorizeActor(c, registry.RoleAdmin, registry.RoleInspector); err != nil {
			return c.SendStatus(server.StatusOf(err))
		}
		return c.SendStatus(204)
	})
	for role, status := range map[string]int{"": 401, registry.RoleEnterprise: 403, registry.RoleInspector: 204} {
		if resp, _ := get(t, withActor, "/x", "X-Test-Role", role); resp.StatusCode != status {
			t.Errorf("AuthorizeActor as %q: %d, want %d", role, resp.StatusCode, status)
		}
	}

	app := newApp(t, db, authorizeFromHeader)
	for _, tc := range []struct {
		path, role string
		status     int
	}{
		{"/dashboard/programme", registry.RoleEnterprise, 403},
		{"/dashboard/programme", registry.RoleCertifier, 403},
		{"/dashboard/programme", registry.RoleAdmin, 200},
		{"/api/v1/reports/annual?year=2025", registry.RoleEnterprise, 403},
		{"/api/v1/reports/annual?year=2025", registry.RoleInspector, 200},
		{"/api/v1/reports/annual", registry.RoleAdmin, 422},
		{"/api/v1/reports/annual?year=20x5", registry.RoleAdmin, 422},
		{"/api/v1/reports/annual?year=2021-2025", registry.RoleAdmin, 422},
		{"/api/v1/reports/annual?period=2025-2021", registry.RoleAdmin, 422},
		{"/api/v1/reports/annual?period=2001-2030", registry.RoleAdmin, 422},
		{"/api/v1/reports/annual?year=2025&format=pdf", registry.RoleAdmin, 422},
		{"/api/v1/reports/annual?period=2021-2025&format=CSV", registry.RoleAdmin, 200},
		{"/thong-ke?year=abc", "", 422},
		{"/dashboard/benchmark", registry.RoleAdmin, 403},
	} {
		if resp, body := get(t, app, tc.path, "X-Test-Role", tc.role); resp.StatusCode != tc.status {
			t.Errorf("%s as %q: %d, want %d: %.300s", tc.path, tc.role, resp.StatusCode, tc.status, body)
		}
	}
}

// Benchmarks: a group of 4 enterprises publishes nothing, a group of 5
// publishes quartiles; no page but the enterprise's own ever shows one
// enterprise's figure.
func TestBenchmarkSmallGroupSuppression(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := recordstest.NewWithClock(t, registry.FixedClock(testNow))
	app := newApp(t, db, authorizeFromHeader)
	var entries []*registry.BenchmarkEntry
	addEnterprise := func(i int) {
		e := &registry.Enterprise{TaxCode: fmt.Sprintf("61%08d", i), NameVI: fmt.Sprintf("Công ty Mật ong %d", i), Kind: "company",
			District: "Lắk", Sector: "food_processing", Size: "small"}
		if err := db.CreateEnterprise(ctx, e); err != nil {
			t.Fatal(err)
		}
		b := &registry.BenchmarkEntry{EnterpriseID: e.ID, Year: 2025, Category: "honey",
			RevenueVND: 9_876_543_211 + int64(i)*1_234_567_891, ValueAddedVND: 2_345_678_917 + int64(i)*345_678_913,
			Employees: 13 + 7*i, EnergyPerUnit: 3.3 + 1.7*float64(i), DefectRate: 0.0123 + 0.0311*float64(i), CertificatesHeld: i}
		if err := db.CreateBenchmarkEntry(ctx, b); err != nil {
			t.Fatal(err)
		}
		entries = append(entries, b)
	}
	// shown lists how a page would print each of an enterprise's figures.
	shown := func(b *registry.BenchmarkEntry) []string {
		var out []string
		for _, lg := range []string{"vi", "en"} {
			for _, m := range registry.BenchmarkMetrics {
				out = append(out, stats.MetricText(lg, m, registry.MetricValue(b, m)))
			}
		}
		return out
	}
	pages := func(own *registry.BenchmarkEntry) map[string][]byte {
		out := map[string][]byte{}
		for _, lg := range []string{"", "&lang=en"} {
			_, out["public"+lg] = get(t, app, "/thong-ke?year=2025"+lg)
			_, out["dashboard"+lg] = get(t, app, "/dashboard/programme?year=2025"+lg, "X-Test-Role", registry.RoleAdmin)
			_, out["own"+lg] = get(t, app, "/dashboard/benchmark?x=1"+lg, "X-Test-Role", registry.RoleEnterprise, "X-Test-Enterprise", own.EnterpriseID)
		}
		return out
	}
	noOneElses := func(ps map[string][]byte, own *registry.BenchmarkEntry) {
		t.Helper()
		for name, body := range ps {
			for _, b := range entries {
				if strings.HasPrefix(name, "own") && b == own {
					continue
				}
				for _, s := range shown(b) {
					if bytes.Contains(body, []byte(">"+s+"<")) {
						t.Errorf("%s shows %q, a figure of enterprise %s", name, s, b.EnterpriseID)
					}
				}
			}
		}
	}

	for i := range 4 {
		addEnterprise(i)
	}
	ps := pages(entries[0])
	for _, name := range []string{"public", "public&lang=en"} {
		if bytes.Contains(ps[name], []byte("< 5")) || bytes.Contains(ps[name], []byte("food_processing")) {
			t.Errorf("%s mentions the suppressed group", name)
		}
	}
	if !bytes.Contains(ps["public"], []byte("Chưa có nhóm đủ 5 doanh nghiệp")) {
		t.Error("public page should say nothing is published")
	}
	if !bytes.Contains(ps["dashboard"], []byte("Dưới 5 doanh nghiệp — không công bố")) {
		t.Error("dashboard should mark the suppressed groups")
	}
	if !bytes.Contains(ps["own"], []byte("Dưới 5 doanh nghiệp — không công bố")) {
		t.Error("the enterprise should see its group is too small")
	}
	for _, s := range shown(entries[0])[:5] {
		if !bytes.Contains(ps["own"], []byte(">"+s+"<")) {
			t.Errorf("the enterprise does not see its own figure %q", s)
		}
	}
	noOneElses(ps, entries[0])

	addEnterprise(4)
	ps = pages(entries[2])
	for _, name := range []string{"public", "dashboard"} {
		if !bytes.Contains(ps[name], []byte("Ngành: Chế biến thực phẩm")) || !bytes.Contains(ps[name], []byte("Nhóm sản phẩm: Mật ong")) ||
			!bytes.Contains(ps[name], []byte("Trung vị")) {
			t.Errorf("%s should publish the group of 5", name)
		}
	}
	if !bytes.Contains(ps["own"], []byte("Bách phân vị")) || bytes.Contains(ps["own"], []byte("Dưới 5 doanh nghiệp")) {
		t.Error("the enterprise should see its percentile")
	}
	noOneElses(ps, entries[2])
}
