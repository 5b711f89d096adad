package web_test

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/gofiber/fiber/v2"

	"github.com/tracereg/tracereg/registry"
	"github.com/tracereg/tracereg/registry/demodata"
	"github.com/tracereg/tracereg/registry/report/reporttest"
	"github.com/tracereg/tracereg/registry/stats"
)

// prgCount counts the records of a programme list.
func prgCount[T any](t testing.TB, fetch func(registry.Page) ([]*T, string, error)) int {
	t.Helper()
	all, err := registry.CollectAll(context.Background(), fetch)
	if err != nil {
		t.Fatal(err)
	}
	return len(all)
}

func (e *env) prgSupportCount() int {
	return prgCount(e.t, func(p registry.Page) ([]*registry.SupportRecord, string, error) {
		return e.db.ListSupportRecords(context.Background(), registry.SupportFilter{Page: p})
	})
}

var prgIDPattern = regexp.MustCompile(`data-id="([0-9a-f]{24})"`)

// A support record: bad input is shown again (422, values kept, messages
// beside the fields) with nothing written; good input is created, listed,
// searched and corrected; a correction of a stale version is refused.
func TestPrgSupportForms(t *testing.T) {
	e := newEnv(t)
	c := e.as(asAdmin)
	wantStatus(t, "programme home", c.get("/w/programme"), 200)
	r := c.get("/w/programme/support/new")
	wantStatus(t, "new support", r, 200)
	wantContains(t, "new support", r.body, `id="support-form"`, e.demo.CoopID)

	before := e.prgSupportCount()
	bad := url.Values{"enterprise_id": {e.demo.CoopID}, "kind": {"digital_transformation"}, "year": {"hai nghìn"},
		"funding_source": {"lottery"}, "amount_vnd": {"12 triệu"}, "note": {"Hỗ trợ chuyển đổi số đợt 1"}}
	r = c.post("/w/programme/support", bad)
	wantStatus(t, "bad support", r, 422)
	wantContains(t, "bad support", r.body, `id="form-errors"`, "phải là số nguyên", "Hỗ trợ chuyển đổi số đợt 1", `value="hai nghìn"`, `value="12 triệu"`)
	if strings.Count(r.body, `aria-invalid="true"`) < 3 {
		t.Errorf("bad support: fewer than 3 fields marked")
	}
	if n := e.prgSupportCount(); n != before {
		t.Fatalf("a refused form wrote %d records", n-before)
	}
	// An outcome of another enterprise is refused beside its field.
	other := url.Values{"enterprise_id": {e.demo.RoasterID}, "kind": {"traceability"}, "year": {"2026"}, "funding_source": {"provincial_budget"},
		"amount_vnd": {"1.000.000"}, "batch_id": {e.demo.GreenBatchID}}
	r = c.post("/w/programme/support", other)
	wantStatus(t, "another's lot", r, 422)
	wantContains(t, "another's lot", r.body, `id="f-batch_id" name="batch_id" value="`+e.demo.GreenBatchID+`"`)
	unknown := cloneValues(other)
	unknown.Set("enterprise_id", e.demo.CoopID)
	unknown.Set("batch_id", "KHONG-CO")
	unknown.Set("certificate_id", "SO-KHONG-CO")
	r = c.post("/w/programme/support", unknown)
	wantStatus(t, "unknown codes", r, 422)
	wantContains(t, "unknown codes", r.body, "không có lô nào của doanh nghiệp mang mã", "doanh nghiệp không có chứng nhận số", `value="KHONG-CO"`)
	if n := e.prgSupportCount(); n != before {
		t.Fatalf("a refused form wrote %d records", n-before)
	}

	good := url.Values{"enterprise_id": {e.demo.CoopID}, "kind": {"traceability"}, "year": {"2026"}, "funding_source": {"provincial_budget"},
		"amount_vnd": {"15.000.000"}, "batch_id": {demodata.GreenLot}, "certificate_id": {"VG-DEMO-2025-0117"}, "note": {"Tem truy xuất cho cà phê nhân"}}
	r = c.post("/w/programme/support", good)
	wantStatus(t, "good support", r, 303)
	if n := e.prgSupportCount(); n != before+1 {
		t.Fatalf("%d records written, want 1", n-before)
	}
	r = c.get("/w/programme/support?q=ca+phe+nhan&year=2026")
	wantStatus(t, "search", r, 200)
	wantContains(t, "search", r.body, "15.000.000", "flash")
	m := prgIDPattern.FindStringSubmatch(r.body)
	if m == nil {
		t.Fatalf("no record listed: %s", r.body)
	}
	id := m[1]
	if r = c.get("/w/programme/support?q=khong+co+gi"); strings.Contains(r.body, id) {
		t.Errorf("search for nothing lists the record")
	}
	s, err := e.db.FindSupportRecord(context.Background(), id)
	if err != nil || s.AmountVND != 15_000_000 || s.BatchID != e.demo.GreenBatchID {
		t.Fatalf("stored %+v %v", s, err)
	}
	r = c.get("/w/programme/support/" + id)
	wantStatus(t, "edit", r, 200)
	wantContains(t, "edit", r.body, `name="version" value="1"`, "Tem truy xuất cho cà phê nhân",
		`value="VG-DEMO-2025-0117"`, "/"+demodata.GreenLot+`"`) // numbers and codes, not record IDs
	edit := cloneValues(good)
	edit.Set("amount_vnd", "20000000")
	edit.Set("version", "1")
	wantStatus(t, "update", c.post("/w/programme/support/"+id, edit), 303)
	r = c.post("/w/programme/support/"+id, edit) // version 1 again: stale
	wantStatus(t, "stale update", r, 409)
	if s, _ = e.db.FindSupportRecord(context.Background(), id); s.AmountVND != 20_000_000 || s.Version != 2 {
		t.Fatalf("after update %+v", s)
	}
}

// Experts, courses (participant rows) and good practices (an upload kept
// across a failed submit).
func TestPrgExpertsCoursesPractices(t *testing.T) {
	e := newEnv(t)
	c := e.as(asAdmin)
	ctx := context.Background()

	// An expert certified before being trained is refused.
	r := c.get("/w/programme/experts/new")
	wantStatus(t, "new expert", r, 200)
	exp := url.Values{"name": {"Nguyễn Thị Lan"}, "sector": {"agriculture"}, "trained_by": {"Viện Năng suất Việt Nam"},
		"trained_on": {"2025-06-01"}, "certified_by": {"Tổng cục TCĐLCL"}, "certified_on": {"2025-05-01"}}
	r = c.post("/w/programme/experts", exp)
	wantStatus(t, "expert dates", r, 422)
	wantContains(t, "expert dates", r.body, "không được trước ngày đào tạo", `value="Nguyễn Thị Lan"`)
	experts := func() int {
		return prgCount(t, func(p registry.Page) ([]*registry.Expert, string, error) { return e.db.ListExperts(ctx, p) })
	}
	if experts() != 0 {
		t.Fatal("a refused expert was written")
	}
	exp.Set("certified_on", "2025-07-01")
	wantStatus(t, "expert", c.post("/w/programme/experts", exp), 303)
	if experts() != 1 {
		t.Fatal("expert not written")
	}
	r = c.get("/w/programme/experts?q=lan")
	wantContains(t, "experts list", r.body, "Nguyễn Thị Lan", "01/06/2025")

	// A course with a bad participant row: the message sits by that row.
	r = c.get("/w/programme/courses/new")
	wantStatus(t, "new course", r, 200)
	wantContains(t, "new course", r.body, `name="participants[2].count"`)
	course := url.Values{"title": {"Tập huấn 5S và Kaizen"}, "from": {"2026-03-02"}, "to": {"2026-03-03"}, "organiser": {"Sở KH&CN"},
		"participants[0].enterprise_id": {e.demo.CoopID}, "participants[0].role": {"manager"}, "participants[0].count": {"3"},
		"participants[2].enterprise_id": {e.demo.RoasterID}, "participants[2].role": {"boss"}, "participants[2].count": {"0"}}
	r = c.post("/w/programme/courses", course)
	wantStatus(t, "bad course", r, 422)
	// The blank row 1 is dropped: the roaster's row is row 1 now, with its messages.
	wantContains(t, "bad course", r.body, `id="participant-1"`, "phải từ 1 đến 10.000")
	if !regexp.MustCompile(`(?s)id="participant-1".*?<option value="` + e.demo.RoasterID + `" selected>`).MatchString(r.body) {
		t.Errorf("bad course: the roaster's row is not kept")
	}
	courses := func() []*registry.TrainingCourse {
		all, err := registry.CollectAll(ctx, func(p registry.Page) ([]*registry.TrainingCourse, string, error) {
			return e.db.ListTrainingCourses(ctx, p)
		})
		if err != nil {
			t.Fatal(err)
		}
		return all
	}
	if len(courses()) != 0 {
		t.Fatal("a refused course was written")
	}
	course.Set("participants[2].role", "worker")
	course.Set("participants[2].count", "12")
	wantStatus(t, "course", c.post("/w/programme/courses", course), 303)
	if cs := courses(); len(cs) != 1 || cs[0].ParticipantCount() != 15 || len(cs[0].Participants) != 2 {
		t.Fatalf("course %+v", cs)
	}

	// A good practice: the PDF uploaded with a missing title is kept.
	pdf := minimalPDF("5S tai HTX")
	prac := url.Values{"sector": {"agriculture"}, "tools": {"5S", "Kaizen"}, "summary": {"Áp dụng 5S tại kho sơ chế cà phê."}, "year": {"2025"}}
	r = c.postMultipart("/w/programme/practices", prac, upload{"document", "5s.pdf", pdf})
	wantStatus(t, "practice without title", r, 422)
	wantContains(t, "practice without title", r.body, `name="document_staged"`, "5s.pdf", `value="5S" checked`, `value="Kaizen" checked`)
	staged := regexp.MustCompile(`name="document_staged" value="([^"]+)"`).FindStringSubmatch(r.body)
	if staged == nil {
		t.Fatal("no staged token")
	}
	practices := func() []*registry.GoodPractice {
		all, _, err := e.db.SearchGoodPractices(ctx, registry.GoodPracticeFilter{Page: registry.Page{Limit: 100}})
		if err != nil {
			t.Fatal(err)
		}
		return all
	}
	n0 := len(practices())
	prac.Set("title", "5S tại kho cà phê")
	prac.Set("document_staged", staged[1])
	// Without the case's enterprise the document cannot be attached; it stays staged.
	r = c.postMultipart("/w/programme/practices", prac)
	wantStatus(t, "practice without enterprise", r, 422)
	wantContains(t, "practice without enterprise", r.body, "hãy chọn doanh nghiệp của điển hình", `name="document_staged"`)
	if len(practices()) != n0 {
		t.Fatal("a refused practice was written")
	}
	prac.Set("enterprise_id", e.demo.CoopID)
	r = c.postMultipart("/w/programme/practices", prac)
	if r.status != 303 {
		t.Fatalf("practice: %d %q", r.status, prgErrors(r.body))
	}
	ps := practices()
	if len(ps) != n0+1 {
		t.Fatalf("%d practices written", len(ps)-n0)
	}
	var g *registry.GoodPractice
	for _, p := range ps {
		if p.Title == "5S tại kho cà phê" {
			g = p
		}
	}
	if g == nil || len(g.DocumentIDs) != 1 {
		t.Fatalf("practice %+v", g)
	}
	r = c.get("/w/programme/practices/" + g.ID + "/documents/" + g.DocumentIDs[0])
	wantStatus(t, "practice document", r, 200)
	if r.body != string(pdf) {
		t.Errorf("document bytes differ")
	}
	wantStatus(t, "another document", c.get("/w/programme/practices/"+g.ID+"/documents/"+e.demo.CoopID), 404)
	r = c.get("/w/programme/practices?q=kho+ca+phe&tool=5S")
	wantContains(t, "practice search", r.body, "5S tại kho cà phê")
	r = c.get("/w/programme/practices?tool=Lean")
	if strings.Contains(r.body, "5S tại kho cà phê") {
		t.Error("the tool filter lists a practice without the tool")
	}
}

// The annual notes form: admin writes, inspectors read; too long is 422
// with nothing written; a stale form 409.
func TestPrgNotesForm(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	a := e.as(asAdmin)
	r := a.get("/w/programme/notes?year=2025")
	wantStatus(t, "notes", r, 200)
	wantContains(t, "notes", r.body, `id="notes-form"`, `name="version" value="0"`)
	long := url.Values{"year": {"2025"}, "version": {"0"}, "difficulties": {strings.Repeat("á", registry.MaxNotesText+1)}, "proposals": {"Đề nghị A"}}
	r = a.post("/w/programme/notes", long)
	wantStatus(t, "long notes", r, 422)
	wantContains(t, "long notes", r.body, "tối đa 10000 ký tự", "Đề nghị A")
	if n, _ := e.db.FindAnnualNotes(ctx, 2025); n.Version != 0 {
		t.Fatal("refused notes were written")
	}
	ok := url.Values{"year": {"2025"}, "version": {"0"}, "difficulties": {"Kinh phí hạn chế\nThiếu chuyên gia"}, "proposals": {"Đề nghị A"}}
	wantStatus(t, "notes", a.post("/w/programme/notes", ok), 303)
	wantStatus(t, "stale notes", a.post("/w/programme/notes", ok), 409)
	n, _ := e.db.FindAnnualNotes(ctx, 2025)
	if n.Version != 1 || n.Proposals != "Đề nghị A" || n.UpdatedBy != asAdmin {
		t.Fatalf("notes %+v", n)
	}
	i := e.as(asInspector)
	r = i.get("/w/programme/notes?year=2025")
	wantStatus(t, "inspector notes", r, 200)
	wantContains(t, "inspector notes", r.body, "<li>Thiếu chuyên gia</li>")
	if strings.Contains(r.body, `id="notes-form"`) {
		t.Error("inspectors get the form")
	}
	ok.Set("version", "1")
	wantStatus(t, "inspector writes", i.post("/w/programme/notes", ok), 403)
	// Without the CSRF token nothing is written either.
	noCSRF := cloneValues(ok)
	noCSRF.Set("_csrf", "")
	wantStatus(t, "no csrf", a.post("/w/programme/notes", noCSRF), 403)
	noCSRF.Set("_csrf", "wrong")
	wantStatus(t, "wrong csrf", a.post("/w/programme/notes", noCSRF), 403)
	if n, _ := e.db.FindAnnualNotes(ctx, 2025); n.Version != 1 {
		t.Fatal("a refused write changed the notes")
	}
}

// An enterprise enters and corrects its own yearly figures; another
// enterprise's entry is 404; bad input is 422 with nothing written.
func TestPrgBenchmarkEntries(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	coop := e.as(asCoop)
	r := coop.get("/w/benchmark")
	wantStatus(t, "benchmark", r, 200)
	wantContains(t, "benchmark", r.body, `href="/dashboard/benchmark"`)
	entries := func(ent string) []*registry.BenchmarkEntry {
		all, err := registry.CollectAll(ctx, func(p registry.Page) ([]*registry.BenchmarkEntry, string, error) {
			return e.db.ListBenchmarkEntries(ctx, registry.BenchmarkFilter{EnterpriseID: ent, Page: p})
		})
		if err != nil {
			t.Fatal(err)
		}
		return all
	}
	n0 := len(entries(""))
	wantStatus(t, "new", coop.get("/w/benchmark/new"), 200)
	bad := url.Values{"year": {"2025"}, "category": {"coffee"}, "revenue_vnd": {"5.000.000.000"}, "value_added_vnd": {"nhiều"},
		"employees": {"0"}, "energy_per_unit": {"0,4"}, "defect_rate": {"2"}, "certificates_held": {"2"},
		"enterprise_id": {e.demo.RoasterID}}
	r = coop.post("/w/benchmark", bad)
	wantStatus(t, "bad figures", r, 422)
	wantContains(t, "bad figures", r.body, `value="nhiều"`, `value="5.000.000.000"`, "phải là tỉ lệ từ 0 đến 1", "phải từ 1 đến 1.000.000")
	if len(entries("")) != n0 {
		t.Fatal("refused figures were written")
	}
	good := cloneValues(bad)
	good.Set("value_added_vnd", "1.200.000.000")
	good.Set("employees", "40")
	good.Set("defect_rate", "0,02")
	wantStatus(t, "figures", coop.post("/w/benchmark", good), 303)
	mine := entries(e.demo.CoopID)
	if len(mine) != 1 || mine[0].EnterpriseID != e.demo.CoopID || mine[0].ValueAddedVND != 1_200_000_000 || mine[0].DefectRate != 0.02 {
		t.Fatalf("entries %+v", mine)
	}
	if len(entries(e.demo.RoasterID)) != 0 {
		t.Fatal("the form's enterprise_id was obeyed")
	}
	id := mine[0].ID
	r = coop.post("/w/benchmark", good) // the same year again
	wantStatus(t, "same year", r, 422)
	wantContains(t, "same year", r.body, "Doanh nghiệp đã có số liệu đối sánh cho năm này.")

	// Correct it.
	r = coop.get("/w/benchmark/" + id)
	wantStatus(t, "edit", r, 200)
	fix := cloneValues(good)
	fix.Set("employees", "42")
	fix.Set("version", "1")
	wantStatus(t, "correct", coop.post("/w/benchmark/"+id, fix), 303)
	if b, _ := e.db.FindBenchmarkEntry(ctx, id); b.Employees != 42 || b.Version != 2 {
		t.Fatalf("after correction %+v", b)
	}

	// The roaster sees neither the entry nor a way to change it.
	roaster := e.as(asRoaster)
	if r = roaster.get("/w/benchmark"); strings.Contains(r.body, id) {
		t.Error("another enterprise's entry is listed")
	}
	wantStatus(t, "roaster reads", roaster.get("/w/benchmark/"+id), 404)
	fix.Set("version", "2")
	wantStatus(t, "roaster writes", roaster.post("/w/benchmark/"+id, fix), 404)
	if b, _ := e.db.FindBenchmarkEntry(ctx, id); b.Version != 2 {
		t.Fatal("another enterprise changed the entry")
	}
}

// Who may open what: wrong roles 403, anonymous to the sign-in page, and a
// POST without the CSRF token 403; nothing is written by refused posts.
func TestPrgAuthorization(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	admin := e.as(asAdmin)
	wantStatus(t, "support", admin.post("/w/programme/support", url.Values{"enterprise_id": {e.demo.CoopID}, "kind": {"traceability"},
		"year": {"2026"}, "funding_source": {"provincial_budget"}}), 303)
	all, _, _ := e.db.ListSupportRecords(ctx, registry.SupportFilter{Page: registry.Page{Limit: 10}})
	supportID := all[0].ID
	coopEntry := &registry.BenchmarkEntry{EnterpriseID: e.demo.CoopID, Year: 2024, Category: "coffee", RevenueVND: 10, ValueAddedVND: 5, Employees: 2}
	if err := e.db.CreateBenchmarkEntry(ctx, coopEntry); err != nil {
		t.Fatal(err)
	}
	support := url.Values{"enterprise_id": {e.demo.CoopID}, "kind": {"traceability"}, "year": {"2026"}, "funding_source": {"provincial_budget"}, "version": {"1"}}
	figures := url.Values{"year": {"2023"}, "category": {"coffee"}, "revenue_vnd": {"10"}, "value_added_vnd": {"5"}, "employees": {"2"}, "version": {"1"}}
	correction := cloneValues(figures)
	correction.Set("year", "2024")
	cases := []struct {
		method, path string
		form         url.Values
		want         map[string]int // by user; missing: 403
	}{
		{"GET", "/w/programme", nil, map[string]int{asAdmin: 200, asInspector: 200}},
		{"GET", "/w/programme/support", nil, map[string]int{asAdmin: 200, asInspector: 200}},
		{"GET", "/w/programme/experts", nil, map[string]int{asAdmin: 200, asInspector: 200}},
		{"GET", "/w/programme/courses", nil, map[string]int{asAdmin: 200, asInspector: 200}},
		{"GET", "/w/programme/practices", nil, map[string]int{asAdmin: 200, asInspector: 200}},
		{"GET", "/w/programme/notes", nil, map[string]int{asAdmin: 200, asInspector: 200}},
		{"GET", "/w/programme/support/new", nil, map[string]int{asAdmin: 200}},
		{"GET", "/w/programme/support/" + supportID, nil, map[string]int{asAdmin: 200}},
		{"POST", "/w/programme/support", support, map[string]int{asAdmin: 303}},
		{"POST", "/w/programme/support/" + supportID, support, map[string]int{asAdmin: 303}},
		{"POST", "/w/programme/experts", url.Values{}, map[string]int{asAdmin: 422}},
		{"POST", "/w/programme/courses", url.Values{}, map[string]int{asAdmin: 422}},
		{"POST", "/w/programme/practices", url.Values{}, map[string]int{asAdmin: 422}},
		{"GET", "/w/programme/report.csv?year=2026", nil, map[string]int{asAdmin: 200, asInspector: 200}},
		{"GET", "/w/benchmark", nil, map[string]int{asCoop: 200, asRoaster: 200}},
		{"GET", "/w/benchmark/" + coopEntry.ID, nil, map[string]int{asCoop: 200, asRoaster: 404}},
		{"POST", "/w/benchmark", figures, map[string]int{asCoop: 303, asRoaster: 303}},
		{"POST", "/w/benchmark/" + coopEntry.ID, correction, map[string]int{asCoop: 303, asRoaster: 404}},
	}
	users := []string{asAdmin, asInspector, asCertifier, asCoop, asRoaster}
	clients := map[string]*client{}
	for _, u := range users {
		clients[u] = e.as(u)
	}
	for _, tc := range cases {
		for _, u := range users {
			want, ok := tc.want[u]
			if !ok {
				want = 403
			}
			c := clients[u]
			var r response
			if tc.method == "GET" {
				r = c.get(tc.path)
			} else {
				c.get("/w/") // a fresh token
				f := cloneValues(tc.form)
				if strings.HasPrefix(tc.path, "/w/benchmark/") && u == asCoop {
					b, _ := e.db.FindBenchmarkEntry(ctx, coopEntry.ID)
					f.Set("version", strconv.Itoa(b.Version))
				}
				if strings.HasPrefix(tc.path, "/w/programme/support/") && u == asAdmin {
					s, _ := e.db.FindSupportRecord(ctx, supportID)
					f.Set("version", strconv.Itoa(s.Version))
				}
				r = c.post(tc.path, f)
			}
			if r.status != want {
				t.Errorf("%s %s as %s: %d, want %d", tc.method, tc.path, u, r.status, want)
			}
		}
		// Anonymous: sent to sign in, nothing else.
		r := e.anon().get(tc.path)
		if tc.method == "POST" {
			r = e.anon().post(tc.path, tc.form)
		}
		if tc.method == "POST" && r.status != 401 && r.status != 403 || tc.method == "GET" && !strings.HasPrefix(r.location, "/login") {
			t.Errorf("%s %s anonymous: %d %s", tc.method, tc.path, r.status, r.location)
		}
	}
	// A POST without the token, or with a wrong one, writes nothing.
	n := e.prgSupportCount()
	for _, tok := range []string{"", "wrong"} {
		f := cloneValues(support)
		f.Set("_csrf", tok)
		wantStatus(t, "csrf "+tok, admin.post("/w/programme/support", f), 403)
	}
	if e.prgSupportCount() != n {
		t.Fatal("a POST without CSRF wrote a record")
	}
	// In English.
	r := clients[asAdmin].get("/w/programme/support/new?lang=en")
	wantContains(t, "english form", r.body, "Record support", "Funding source", "Digital transformation", "Provincial budget")
	// The menus.
	r = clients[asInspector].get("/w/")
	wantContains(t, "inspector menu", r.body, `href="/w/programme"`)
	r = clients[asCoop].get("/w/")
	wantContains(t, "enterprise menu", r.body, `href="/w/benchmark"`)
}

// The browser download of the annual report is the API's report: the same
// CSV bytes, the same XLSX figures, with the year's notes.
func TestPrgReportDownloadMatchesAPI(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	// The API's report route, with the API's bearer identification
	// replaced by a header naming the role.
	if err := stats.Mount(e.app, stats.Config{Store: e.db, Clock: e.clock, Authorize: func(c *fiber.Ctx, roles ...string) error {
		if c.Get("X-Test-Role") != registry.RoleAdmin {
			return registry.Errorf(registry.EFORBIDDEN, "no", "không")
		}
		return nil
	}}); err != nil {
		t.Fatal(err)
	}
	for i := range 5 {
		s := &registry.SupportRecord{EnterpriseID: e.demo.CoopID, Kind: registry.SupportKinds[i], Year: 2026, FundingSource: "provincial_budget", AmountVND: int64(i+1) * 1_000_000}
		if err := e.db.CreateSupportRecord(ctx, s); err != nil {
			t.Fatal(err)
		}
	}
	if err := e.db.RecordScans(ctx, []registry.ScanTally{{Key: "/l/ABCDEFGHJK/21/1", Count: 7, First: e.clock.Now()}}); err != nil {
		t.Fatal(err)
	}
	a := e.as(asAdmin)
	wantStatus(t, "notes", a.post("/w/programme/notes", url.Values{"year": {"2026"}, "version": {"0"},
		"difficulties": {"Thiếu kinh phí đối ứng"}, "proposals": {"Tăng cường tập huấn"}}), 303)

	apiGet := func(format string) []byte {
		req := prgGetRequest("/api/v1/reports/annual?year=2026&format=" + format)
		req.Header.Set("X-Test-Role", registry.RoleAdmin)
		res, err := e.app.Test(req, -1)
		if err != nil || res.StatusCode != 200 {
			t.Fatalf("API report %s: %v %v", format, res, err)
		}
		defer res.Body.Close()
		var buf bytes.Buffer
		buf.ReadFrom(res.Body)
		return buf.Bytes()
	}
	csvAPI := apiGet("csv")
	r := a.get("/w/programme/report.csv?year=2026")
	wantStatus(t, "csv download", r, 200)
	if r.body != string(csvAPI) {
		t.Fatalf("the workspace CSV differs from the API's:\n%s\n---\n%s", r.body, csvAPI)
	}
	if !strings.Contains(r.header.Get("Content-Disposition"), "bao-cao-nang-suat-chat-luong-2026.csv") {
		t.Errorf("disposition %q", r.header.Get("Content-Disposition"))
	}
	wantContains(t, "csv", r.body, "Thiếu kinh phí đối ứng", "Tăng cường tập huấn", "Lượt quét")

	xlsxAPI := apiGet("xlsx")
	r = a.get("/w/programme/report.xlsx?year=2026")
	wantStatus(t, "xlsx download", r, 200)
	sheetsWeb, err := reporttest.SheetsFromXLSX(strings.NewReader(r.body))
	if err != nil {
		t.Fatal(err)
	}
	sheetsAPI, err := reporttest.SheetsFromXLSX(bytes.NewReader(xlsxAPI))
	if err != nil {
		t.Fatal(err)
	}
	if fmt.Sprint(sheetsWeb) != fmt.Sprint(sheetsAPI) {
		t.Fatalf("the workspace XLSX differs from the API's")
	}
	in, err := registry.LoadIndicatorInput(ctx, e.db)
	if err != nil {
		t.Fatal(err)
	}
	ind := registry.ComputeIndicators(in, registry.YearPeriod(2026))
	got, err := reporttest.FiguresFromSheets(sheetsWeb, ind)
	if err != nil {
		t.Fatal(err)
	}
	if got["support/times"] != 5 || got["scan/scans"] != 7 || got["scan/month/2026-03/"+registry.CategoryNone] != 7 {
		t.Errorf("figures %v", got)
	}
	wantStatus(t, "bad year", a.get("/w/programme/report.csv?year=abc"), 422)
	wantStatus(t, "inspector download", e.as(asInspector).get("/w/programme/report.xlsx?year=2026"), 200)
	wantStatus(t, "enterprise download", e.as(asCoop).get("/w/programme/report.xlsx?year=2026"), 403)
}

func prgGetRequest(path string) *http.Request { return httptest.NewRequest(http.MethodGet, path, nil) }

var prgErrorPattern = regexp.MustCompile(`class="field-error">([^<]*)<`)

// prgErrors lists the messages shown on a form, for failures.
func prgErrors(body string) []string {
	var out []string
	for _, m := range prgErrorPattern.FindAllStringSubmatch(body, -1) {
		out = append(out, m[1])
	}
	return out
}
