package api

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/tracereg/tracereg/registry"
)

// --- fixtures of the programme's records

func newExpert() *registry.Expert {
	return &registry.Expert{Name: fmt.Sprintf("Chuyên gia %d", uniq()), Sector: "agriculture", TrainedBy: "Viện Năng suất Việt Nam",
		TrainedOn: "2024-05-10", CertifiedBy: "Bộ KH&CN", CertifiedOn: "2024-09-01"}
}

func newCourse(e *env) *registry.TrainingCourse {
	return &registry.TrainingCourse{Title: fmt.Sprintf("Tập huấn 5S khoá %d", uniq()), From: "2026-03-02", To: "2026-03-04", Organiser: "Sở KH&CN Đắk Lắk",
		Participants: []registry.Participant{{EnterpriseID: e.e1.ID, Role: "leader", Count: 2}, {EnterpriseID: e.e2.ID, Role: "worker", Count: 5}}}
}

func newPractice() *registry.GoodPractice {
	return &registry.GoodPractice{Title: fmt.Sprintf("Áp dụng 5S tại xưởng chế biến cà phê %d", uniq()), Sector: "agriculture", Tools: []string{"5S", "Kaizen"},
		Summary: "Sắp xếp lại nhà xưởng giúp giảm thời gian tìm dụng cụ và tỉ lệ hàng lỗi.", Year: 2025}
}

// newBenchmark is an entry whose labour productivity is valueAdded/employees.
func newBenchmark(enterpriseID string, year int, category string, valueAdded int64, employees int) *registry.BenchmarkEntry {
	return &registry.BenchmarkEntry{EnterpriseID: enterpriseID, Year: year, Category: category, RevenueVND: 4 * valueAdded, ValueAddedVND: valueAdded,
		Employees: employees, EnergyPerUnit: 1.5, DefectRate: 0.02, CertificatesHeld: 1}
}

func (e *env) newBenchmark(enterpriseID string, year int) *registry.BenchmarkEntry {
	b := newBenchmark(enterpriseID, year, "coffee", 2_000_000_000, 25)
	must(e.t, e.db.CreateBenchmarkEntry(e.ctx(), b))
	return b
}

// unusedYear is a year from 2030 for which the enterprise has no entry yet.
func (e *env) unusedYear(enterpriseID string) int {
	e.t.Helper()
	entries, _, err := e.db.ListBenchmarkEntries(context.Background(), registry.BenchmarkFilter{EnterpriseID: enterpriseID, Page: registry.Page{Limit: registry.MaxPageLimit}})
	must(e.t, err)
	for y := 2030; ; y++ {
		if !slices.ContainsFunc(entries, func(b *registry.BenchmarkEntry) bool { return b.Year == y }) {
			return y
		}
	}
}

// seedProgramme adds one record of each programme kind (env.seed calls it).
func (e *env) seedProgramme() {
	t, ctx, s := e.t, e.ctx(), e.db
	e.support1 = &registry.SupportRecord{EnterpriseID: e.e1.ID, Kind: "traceability", Year: 2025, FundingSource: "provincial_budget",
		AmountVND: 50_000_000, BatchID: e.batch1.ID}
	must(t, s.CreateSupportRecord(ctx, e.support1))
	e.expert1 = newExpert()
	must(t, s.CreateExpert(ctx, e.expert1))
	e.course1 = newCourse(e)
	must(t, s.CreateTrainingCourse(ctx, e.course1))
	e.bench1 = newBenchmark(e.e1.ID, 2025, "coffee", 3_000_000_000, 40)
	must(t, s.CreateBenchmarkEntry(ctx, e.bench1))
	e.practice1 = newPractice()
	e.practice1.EnterpriseID = e.e1.ID
	must(t, s.CreateGoodPractice(ctx, e.practice1))
}

// snapshotProgramme adds the programme's records, counts and versions, to a snapshot.
func (e *env) snapshotProgramme(out map[string]int) {
	e.t.Helper()
	ctx := context.Background()
	p := registry.Page{Limit: registry.MaxPageLimit}
	support, _, err := e.db.ListSupportRecords(ctx, registry.SupportFilter{Page: p})
	must(e.t, err)
	out["support_records"] = len(support)
	experts, _, err := e.db.ListExperts(ctx, p)
	must(e.t, err)
	out["experts"] = len(experts)
	courses, _, err := e.db.ListTrainingCourses(ctx, p)
	must(e.t, err)
	out["training_courses"] = len(courses)
	bench, _, err := e.db.ListBenchmarkEntries(ctx, registry.BenchmarkFilter{Page: p})
	must(e.t, err)
	out["benchmark_entries"] = len(bench)
	practices, _, err := e.db.SearchGoodPractices(ctx, registry.GoodPracticeFilter{Page: p})
	must(e.t, err)
	out["good_practices"] = len(practices)
	for _, x := range support {
		out["v:"+x.ID] = x.Version
	}
	for _, x := range experts {
		out["v:"+x.ID] = x.Version
	}
	for _, x := range courses {
		out["v:"+x.ID] = x.Version
	}
	for _, x := range bench {
		out["v:"+x.ID] = x.Version
	}
	for _, x := range practices {
		out["v:"+x.ID] = x.Version
	}
}

// TestProgrammeBadInput sends wrong writes to every programme resource:
// each gets its 4xx, names the failing field where there is one, and leaves
// the database as it was.
func TestProgrammeBadInput(t *testing.T) {
	e := newEnv(t)
	injection := map[string]any{"$gt": ""}
	otherCert := e.newCert(e.body.ID, e.e2.ID)
	support := map[string]any{"enterprise_id": e.e1.ID, "kind": "traceability", "year": 2026, "funding_source": "provincial_budget", "amount_vnd": 1_000_000}
	expert := map[string]any{"name": "Trần Thị B", "sector": "agriculture", "trained_by": "Viện Năng suất", "trained_on": "2024-01-10"}
	course := map[string]any{"title": "Tập huấn Lean", "from": "2026-03-01", "to": "2026-03-03", "organiser": "Sở KH&CN",
		"participants": []any{map[string]any{"enterprise_id": e.e1.ID, "role": "worker", "count": 3}}}
	bench := map[string]any{"enterprise_id": e.e1.ID, "year": 2026, "category": "coffee", "revenue_vnd": 9_000_000_000, "value_added_vnd": 2_000_000_000,
		"employees": 10, "energy_per_unit": 1.2, "defect_rate": 0.01, "certificates_held": 0}
	practice := map[string]any{"title": "Kaizen tại xưởng", "sector": "agriculture", "tools": []string{"Kaizen"}, "summary": "Cải tiến liên tục."}
	const (
		sp = "/api/v1/support-records"
		ep = "/api/v1/experts"
		cp = "/api/v1/training-courses"
		bp = "/api/v1/benchmark-entries"
		gp = "/api/v1/good-practices"
	)
	type tc struct {
		name, method, path string
		body               any
		status             int
		field              string
		as                 string
	}
	cases := []tc{
		// Decoding, for each resource.
		{"support: malformed JSON", "POST", sp, `{"year":`, 400, "", ""},
		{"expert: malformed JSON", "POST", ep, `{"name"`, 400, "", ""},
		{"course: malformed JSON", "POST", cp, `[1]`, 400, "", ""},
		{"benchmark: malformed JSON", "POST", bp, `{"employees":10,}`, 400, "", asEnt1},
		{"practice: malformed JSON", "POST", gp, `nope`, 400, "", ""},
		{"support: unknown field", "POST", sp, merge(support, map[string]any{"approved": true}), 422, "approved", ""},
		{"expert: unknown field", "POST", ep, merge(expert, map[string]any{"phone": "0900"}), 422, "phone", ""},
		{"course: unknown field", "POST", cp, merge(course, map[string]any{"budget": 1}), 422, "budget", ""},
		{"benchmark: unknown field", "POST", bp, merge(bench, map[string]any{"profit": 1}), 422, "profit", asEnt1},
		{"practice: unknown field", "POST", gp, merge(practice, map[string]any{"author": "x"}), 422, "author", ""},
		{"support: amount as text", "POST", sp, merge(support, map[string]any{"amount_vnd": "nhiều"}), 422, "amount_vnd", ""},
		{"expert: name as number", "POST", ep, merge(expert, map[string]any{"name": 7}), 422, "name", ""},
		{"course: participants not a list", "POST", cp, merge(course, map[string]any{"participants": e.e1.ID}), 422, "participants", ""},
		{"benchmark: employees as text", "POST", bp, merge(bench, map[string]any{"employees": "mười"}), 422, "employees", asEnt1},
		{"practice: tools as text", "POST", gp, merge(practice, map[string]any{"tools": "5S"}), 422, "tools", ""},
		{"support: injection in the enterprise", "POST", sp, merge(support, map[string]any{"enterprise_id": injection}), 422, "enterprise_id", ""},
		{"support: injection in the year", "POST", sp, merge(support, map[string]any{"year": injection}), 422, "year", ""},
		{"expert: injection in the sector", "POST", ep, merge(expert, map[string]any{"sector": injection}), 422, "sector", ""},
		{"course: injection in the title", "POST", cp, merge(course, map[string]any{"title": injection}), 422, "title", ""},
		{"benchmark: injection in the category", "POST", bp, merge(bench, map[string]any{"category": injection}), 422, "category", asEnt1},
		{"practice: injection in the tools", "POST", gp, merge(practice, map[string]any{"tools": injection}), 422, "tools", ""},
		// Support records.
		{"support: negative amount", "POST", sp, merge(support, map[string]any{"amount_vnd": -1}), 422, "amount_vnd", ""},
		{"support: amount past the bound", "POST", sp, merge(support, map[string]any{"amount_vnd": registry.MaxSupportAmount + 1}), 422, "amount_vnd", ""},
		{"support: year 1999", "POST", sp, merge(support, map[string]any{"year": 1999}), 422, "year", ""},
		{"support: unknown kind", "POST", sp, merge(support, map[string]any{"kind": "free_money"}), 422, "kind", ""},
		{"support: another enterprise's certificate", "POST", sp, merge(support, map[string]any{"certificate_id": otherCert.ID}), 422, "certificate_id", ""},
		{"support: entered by the enterprise", "POST", sp, support, 403, "", asEnt1},
		{"support: entered by an inspector", "POST", sp, support, 403, "", asInspector},
		// Experts.
		{"expert: certified before trained", "POST", ep, merge(expert, map[string]any{"certified_by": "Bộ KH&CN", "certified_on": "2023-12-31"}), 422, "certified_on", ""},
		{"expert: not a date", "POST", ep, merge(expert, map[string]any{"trained_on": "10/01/2024"}), 422, "trained_on", ""},
		{"expert: certified without by whom", "POST", ep, merge(expert, map[string]any{"certified_on": "2024-06-01"}), 422, "certified_by", ""},
		// Courses.
		{"course: dates out of order", "POST", cp, merge(course, map[string]any{"to": "2026-02-28"}), 422, "to", ""},
		{"course: no participants counted", "POST", cp, merge(course, map[string]any{"participants": []any{map[string]any{"enterprise_id": e.e1.ID, "role": "worker", "count": 0}}}), 422, "participants[0].count", ""},
		{"course: unknown enterprise", "POST", cp, merge(course, map[string]any{"participants": []any{map[string]any{"enterprise_id": "000000000000000000000001", "role": "worker", "count": 1}}}), 422, "participants[0].enterprise_id", ""},
		// Benchmarking entries.
		{"benchmark: no employees", "POST", bp, merge(bench, map[string]any{"employees": 0}), 422, "employees", asEnt1},
		{"benchmark: negative employees", "POST", bp, merge(bench, map[string]any{"employees": -5}), 422, "employees", asEnt1},
		{"benchmark: defect rate over 1", "POST", bp, merge(bench, map[string]any{"defect_rate": 1.5}), 422, "defect_rate", asEnt1},
		{"benchmark: negative revenue", "POST", bp, merge(bench, map[string]any{"revenue_vnd": -1}), 422, "revenue_vnd", asEnt1},
		{"benchmark: revenue past the bound", "POST", bp, merge(bench, map[string]any{"revenue_vnd": registry.MaxBenchmarkVND + 1}), 422, "revenue_vnd", asEnt1},
		{"benchmark: negative energy", "POST", bp, merge(bench, map[string]any{"energy_per_unit": -0.5}), 422, "energy_per_unit", asEnt1},
		{"benchmark: year 2101", "POST", bp, merge(bench, map[string]any{"year": 2101}), 422, "year", asEnt1},
		{"benchmark: unknown category", "POST", bp, merge(bench, map[string]any{"category": "gold"}), 422, "category", asEnt1},
		{"benchmark: a second entry for the year", "POST", bp, merge(bench, map[string]any{"year": 2025}), 409, "", asEnt1},
		{"benchmark: for another enterprise", "POST", bp, merge(bench, map[string]any{"enterprise_id": e.e2.ID}), 403, "", asEnt1},
		{"benchmark: by an inspector", "POST", bp, bench, 403, "", asInspector},
		// Good practices.
		{"practice: unknown tool", "POST", gp, merge(practice, map[string]any{"tools": []string{"Magic"}}), 422, "tools", ""},
		{"practice: no tools", "POST", gp, merge(practice, map[string]any{"tools": []string{}}), 422, "tools", ""},
		{"practice: year 1999", "POST", gp, merge(practice, map[string]any{"year": 1999}), 422, "year", ""},
		{"practice: no summary", "POST", gp, merge(practice, map[string]any{"summary": nil}), 422, "summary", ""},
		{"practice: by an enterprise", "POST", gp, practice, 403, "", asEnt1},
		// Updates.
		{"benchmark update: no employees", "PATCH", bp + "/" + e.bench1.ID, map[string]any{"employees": 0}, 422, "employees", asEnt1},
		{"benchmark update: defect rate over 1", "PATCH", bp + "/" + e.bench1.ID, map[string]any{"defect_rate": 2}, 422, "defect_rate", asEnt1},
		{"benchmark update: moved to another enterprise", "PATCH", bp + "/" + e.bench1.ID, map[string]any{"enterprise_id": e.e2.ID}, 422, "enterprise_id", ""},
		{"benchmark update: injection", "PATCH", bp + "/" + e.bench1.ID, map[string]any{"year": injection}, 422, "year", asEnt1},
		{"support update: negative amount", "PATCH", sp + "/" + e.support1.ID, map[string]any{"amount_vnd": -5}, 422, "amount_vnd", ""},
		{"support update: by its enterprise", "PATCH", sp + "/" + e.support1.ID, map[string]any{"amount_vnd": 1}, 403, "", asEnt1},
		{"course update: dates out of order", "PATCH", cp + "/" + e.course1.ID, map[string]any{"from": "2026-04-01"}, 422, "to", ""},
		{"expert update: malformed", "PATCH", ep + "/" + e.expert1.ID, `{"name":`, 400, "", ""},
		{"practice update: unknown field", "PATCH", gp + "/" + e.practice1.ID, map[string]any{"likes": 3}, 422, "likes", ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			before := e.snapshot()
			var body any = c.body
			if s, ok := c.body.(string); ok {
				body = []byte(s)
			}
			as := c.as
			if as == "" {
				as = asAdmin
			}
			var header map[string]string
			if c.method != "POST" {
				tag, _ := e.etagOf(c.path)
				header = map[string]string{"If-Match": tag}
			}
			r := e.do(request{method: c.method, path: c.path, as: as, body: body, header: header})
			if r.status != c.status {
				t.Fatalf("status %d, want %d: %s", r.status, c.status, short(r.body))
			}
			p := r.problem(t)
			if p.Detail == "" || p.DetailVI == "" || p.Code == "" {
				t.Errorf("problem lacks its messages: %+v", p)
			}
			if c.field != "" && !slices.ContainsFunc(p.Fields, func(f registry.FieldError) bool { return f.Field == c.field }) {
				t.Errorf("no error for field %q: %+v", c.field, p.Fields)
			}
			sameSnapshot(t, before, e.snapshot())
		})
	}
	before := e.snapshot()
	if r := e.do(request{method: "PUT", path: bp + "/" + e.bench1.ID, as: asEnt1, body: bench}); r.status != 428 {
		t.Errorf("PUT without If-Match: %d", r.status)
	}
	sameSnapshot(t, before, e.snapshot())

	// Query strings.
	for _, q := range []struct{ path, field string }{
		{bp + "?year=abc", "year"},
		{bp + "?year=1999", "year"},
		{bp + "?enterprise=xyz", "enterprise"},
		{sp + "?kind=bogus", "kind"},
		{sp + "?year=20x6", "year"},
		{gp + "?tool=Magic", "tool"},
		{gp + "?sector=space", "sector"},
		{gp + "?q=" + strings.Repeat("a", 201), "q"},
		{gp + "?cursor=%7B%22%24gt%22%3A%22%22%7D", "cursor"},
	} {
		r := e.do(request{method: "GET", path: q.path, as: asAdmin})
		if r.status != 422 {
			t.Errorf("%s: %d, want 422: %s", q.path, r.status, short(r.body))
			continue
		}
		if p := r.problem(t); len(p.Fields) == 0 || p.Fields[0].Field != q.field {
			t.Errorf("%s: fields %+v, want %s", q.path, p.Fields, q.field)
		}
	}
}

// TestBenchmarkScoping: an enterprise sees and changes its own entries
// only; another enterprise's answers 404 and stays as it was.
func TestBenchmarkScoping(t *testing.T) {
	e := newEnv(t)
	one := "/api/v1/benchmark-entries/" + e.bench1.ID
	tag, cur := e.etagOf(one)
	before := e.snapshot()
	for _, r := range []request{
		{method: "GET", path: one},
		{method: "GET", path: one + "/position"},
		{method: "PUT", path: one, body: merge(cur, map[string]any{"employees": 1}), header: map[string]string{"If-Match": tag}},
		{method: "PUT", path: one, body: merge(cur, map[string]any{"enterprise_id": e.e2.ID, "employees": 1}), header: map[string]string{"If-Match": tag}},
		{method: "PATCH", path: one, body: map[string]any{"employees": 1}, header: map[string]string{"If-Match": tag}},
		{method: "DELETE", path: one},
	} {
		r.as = asEnt2
		if got := e.do(r); got.status != 404 {
			t.Errorf("%s %s by another enterprise: %d, want 404 (%s)", r.method, r.path, got.status, short(got.body))
		}
	}
	sameSnapshot(t, before, e.snapshot())

	// Its list holds only its own, whatever ?enterprise= says.
	own := e.do(request{method: "POST", path: "/api/v1/benchmark-entries", as: asEnt2,
		body: map[string]any{"year": 2025, "category": "honey", "revenue_vnd": 1_000_000_000, "value_added_vnd": 300_000_000, "employees": 12}})
	if own.status != 201 {
		t.Fatalf("an enterprise enters its figures: %d %s", own.status, own.body)
	}
	var created registry.BenchmarkEntry
	own.decode(t, &created)
	if created.EnterpriseID != e.e2.ID {
		t.Fatalf("entered for %q, want its own enterprise", created.EnterpriseID)
	}
	for _, path := range []string{"/api/v1/benchmark-entries", "/api/v1/benchmark-entries?enterprise=" + e.e1.ID} {
		var l listOf[registry.BenchmarkEntry]
		r := e.do(request{method: "GET", path: path, as: asEnt2})
		r.decode(t, &l)
		if r.status != 200 || len(l.Items) != 1 || l.Items[0].ID != created.ID {
			t.Errorf("%s as enterprise 2: %d, %d items", path, r.status, len(l.Items))
		}
	}
	var all listOf[registry.BenchmarkEntry]
	e.do(request{method: "GET", path: "/api/v1/benchmark-entries?year=2025", as: asInspector}).decode(t, &all)
	if len(all.Items) != 2 {
		t.Errorf("an inspector lists %d entries of 2025, want 2", len(all.Items))
	}
	// The owner corrects its own.
	if r := e.do(request{method: "PATCH", path: one, as: asEnt1, body: map[string]any{"employees": 41}, header: map[string]string{"If-Match": tag}}); r.status != 200 {
		t.Fatalf("the owner corrects its entry: %d %s", r.status, r.body)
	}

	// Support records: read by their enterprise only.
	if r := e.do(request{method: "GET", path: "/api/v1/support-records/" + e.support1.ID, as: asEnt2}); r.status != 404 {
		t.Errorf("another enterprise's support record: %d", r.status)
	}
	var sl listOf[registry.SupportRecord]
	e.do(request{method: "GET", path: "/api/v1/support-records?enterprise=" + e.e1.ID, as: asEnt2}).decode(t, &sl)
	if len(sl.Items) != 0 {
		t.Errorf("enterprise 2 lists %d support records of enterprise 1", len(sl.Items))
	}
	e.do(request{method: "GET", path: "/api/v1/support-records", as: asEnt1}).decode(t, &sl)
	if len(sl.Items) != 1 || sl.Items[0].ID != e.support1.ID {
		t.Errorf("enterprise 1 lists %d support records, want its one", len(sl.Items))
	}
}

// TestBenchmarkPosition: with 4 enterprises in the group nothing of the
// group is published; with 5 the position and the quartiles are, and no
// published figure is another enterprise's.
func TestBenchmarkPosition(t *testing.T) {
	e := newEnv(t)
	const year = 2024
	// Labour productivity (value added per employee) of the members, enterprise 1 in the middle.
	ents := []*registry.Enterprise{e.e1, e.e2}
	for range 3 {
		x := newEnterprise(uniq())
		must(t, e.db.CreateEnterprise(e.ctx(), x))
		ents = append(ents, x)
	}
	valueAdded := []int64{3_100_000_000, 1_300_000_000, 2_000_000_000, 4_700_000_000, 6_000_000_000}
	var entries []*registry.BenchmarkEntry
	for i := range 4 {
		b := newBenchmark(ents[i].ID, year, "honey", valueAdded[i], 10+i)
		b.DefectRate = 0.01 * float64(i+1)
		b.EnergyPerUnit = 1 + float64(i)/3
		must(t, e.db.CreateBenchmarkEntry(e.ctx(), b))
		entries = append(entries, b)
	}
	path := "/api/v1/benchmark-entries/" + entries[0].ID + "/position"
	get := func(as string) (benchmarkPositionAnswer, string) {
		t.Helper()
		r := e.do(request{method: "GET", path: path, as: as})
		if r.status != 200 {
			t.Fatalf("position as %s: %d %s", as, r.status, r.body)
		}
		var out benchmarkPositionAnswer
		r.decode(t, &out)
		return out, string(r.body)
	}

	got, _ := get(asEnt1)
	if got.Year != year || got.EnterpriseID != e.e1.ID || len(got.Groups) != 2 {
		t.Fatalf("answer %+v", got)
	}
	for _, g := range got.Groups {
		if g.Published || g.N != 0 || !strings.Contains(g.Note, "fewer than 5") || g.NoteVI == "" {
			t.Errorf("group %s %s with 4 enterprises: %+v", g.Scope, g.Key, g)
		}
		if len(g.Metrics) != len(registry.BenchmarkMetrics) {
			t.Errorf("group %s: %d metrics", g.Scope, len(g.Metrics))
		}
		for _, m := range g.Metrics {
			if m.Percentile != nil || m.Quartile != 0 || m.Group != nil {
				t.Errorf("suppressed group %s publishes %s: %+v", g.Scope, m.Metric, m)
			}
			if m.Value != registry.MetricValue(entries[0], m.Metric) {
				t.Errorf("own %s: %v, want %v", m.Metric, m.Value, registry.MetricValue(entries[0], m.Metric))
			}
		}
	}
	if got.Groups[0].Scope != registry.ScopeCategory || got.Groups[0].Key != "honey" ||
		got.Groups[1].Scope != registry.ScopeSector || got.Groups[1].Key != "agriculture" {
		t.Errorf("groups %s/%s, %s/%s", got.Groups[0].Scope, got.Groups[0].Key, got.Groups[1].Scope, got.Groups[1].Key)
	}

	// The fifth enterprise: published.
	b := newBenchmark(ents[4].ID, year, "honey", valueAdded[4], 14)
	b.DefectRate, b.EnergyPerUnit = 0.05, 2.5
	must(t, e.db.CreateBenchmarkEntry(e.ctx(), b))
	entries = append(entries, b)
	for _, as := range []string{asEnt1, asAdmin, asInspector} {
		got, raw := get(as)
		for _, g := range got.Groups {
			if !g.Published || g.N != 5 || g.Note != "" {
				t.Errorf("as %s, group %s with 5 enterprises: %+v", as, g.Scope, g)
				continue
			}
			for _, m := range g.Metrics {
				vals := make([]float64, len(entries))
				for i, x := range entries {
					vals[i] = registry.MetricValue(x, m.Metric)
				}
				own := vals[0]
				slices.Sort(vals)
				if m.Percentile == nil || *m.Percentile != registry.PercentileRank(vals, own) {
					t.Errorf("%s percentile %v, want %v", m.Metric, m.Percentile, registry.PercentileRank(vals, own))
				}
				if m.Group == nil || *m.Group != registry.QuartilesOf(vals) {
					t.Errorf("%s quartiles %+v, want %+v", m.Metric, m.Group, registry.QuartilesOf(vals))
					continue
				}
				if m.Quartile < 1 || m.Quartile > 4 {
					t.Errorf("%s quartile %d", m.Metric, m.Quartile)
				}
				// No published figure is another enterprise's.
				for _, x := range entries[1:] {
					v := registry.MetricValue(x, m.Metric)
					if v == m.Group.Q1 || v == m.Group.Median || v == m.Group.Q3 {
						t.Errorf("%s: a quartile is another enterprise's figure %v", m.Metric, v)
					}
				}
			}
		}
		// Other members' identities and figures stay out of the answer.
		for _, x := range entries[1:] {
			if strings.Contains(raw, x.EnterpriseID) || strings.Contains(raw, x.ID) {
				t.Errorf("as %s: the answer names another member", as)
			}
		}
	}
	// Labour productivity: enterprise 1 (310 M per employee) is the middle of five.
	got, _ = get(asEnt1)
	lp := got.Groups[0].Metrics[0]
	if lp.Metric != registry.MetricLabourProductivity || lp.Percentile == nil || *lp.Percentile != 50 {
		t.Errorf("labour productivity position %+v", lp)
	}
	// A certifier has no business here.
	if r := e.do(request{method: "GET", path: path, as: asCertifier}); r.status != 403 {
		t.Errorf("certifier: %d", r.status)
	}
}

// TestGoodPracticeSearch: words with or without accents, sector and tool.
func TestGoodPracticeSearch(t *testing.T) {
	e := newEnv(t)
	lean := &registry.GoodPractice{Title: "Lean trong sản xuất gạch không nung", Sector: "building_materials", Tools: []string{"Lean", "ISO 9001"},
		Summary: "Giảm tồn kho bán thành phẩm."}
	must(t, e.db.CreateGoodPractice(e.ctx(), lean))
	search := func(q string) []string {
		t.Helper()
		r := e.do(request{method: "GET", path: "/api/v1/good-practices?" + q, as: asCertifier})
		if r.status != 200 {
			t.Fatalf("%s: %d %s", q, r.status, r.body)
		}
		var l listOf[registry.GoodPractice]
		r.decode(t, &l)
		var ids []string
		for _, g := range l.Items {
			ids = append(ids, g.ID)
		}
		return ids
	}
	for _, c := range []struct {
		q    string
		want []string
	}{
		{"q=c%C3%A0+ph%C3%AA", []string{e.practice1.ID}}, // cà phê
		{"q=CA+PHE", []string{e.practice1.ID}},
		{"q=gach+khong+nung", []string{lean.ID}},
		{"q=ca+phe+lean", nil},
		{"tool=ISO+9001", []string{lean.ID}},
		{"tool=5S&sector=agriculture", []string{e.practice1.ID}},
		{"sector=building_materials&q=ca+phe", nil},
		{"", []string{e.practice1.ID, lean.ID}},
	} {
		if got := search(c.q); !slices.Equal(got, c.want) {
			t.Errorf("%q: %v, want %v", c.q, got, c.want)
		}
	}
	// Pages: one at a time.
	r := e.do(request{method: "GET", path: "/api/v1/good-practices?limit=1", as: asEnt1})
	var l listOf[registry.GoodPractice]
	r.decode(t, &l)
	if len(l.Items) != 1 || l.NextCursor == "" {
		t.Fatalf("first page: %d items, cursor %q", len(l.Items), l.NextCursor)
	}
	e.do(request{method: "GET", path: "/api/v1/good-practices?limit=1&cursor=" + l.NextCursor, as: asEnt1}).decode(t, &l)
	if len(l.Items) != 1 || l.Items[0].ID != lean.ID || l.NextCursor != "" {
		t.Fatalf("second page: %+v", l)
	}
}

// TestProgrammeDeletes: the programme's records go through the generic
// delete, and an enterprise they name cannot be deleted under them.
func TestProgrammeDeletes(t *testing.T) {
	e := newEnv(t)
	x := newEnterprise(uniq())
	must(t, e.db.CreateEnterprise(e.ctx(), x))
	b := e.newBenchmark(x.ID, 2025)
	r := e.do(request{method: "DELETE", path: "/api/v1/enterprises/" + x.ID, as: asAdmin})
	if r.status != 409 || !strings.Contains(r.problem(t).Detail, "benchmarking entries") {
		t.Fatalf("delete an enterprise with benchmarking entries: %d %s", r.status, r.body)
	}
	if r := e.do(request{method: "DELETE", path: "/api/v1/benchmark-entries/" + b.ID, as: asAdmin}); r.status != 204 {
		t.Fatalf("delete the entry: %d %s", r.status, r.body)
	}
	if r := e.do(request{method: "DELETE", path: "/api/v1/enterprises/" + x.ID, as: asAdmin}); r.status != 204 {
		t.Fatalf("delete the enterprise afterwards: %d %s", r.status, r.body)
	}
	// A lot that a support record names as its outcome stays.
	draft := e.newBatch(e.e1.ID, e.prod1.ID, registry.BatchDraft)
	must(t, e.db.CreateSupportRecord(e.ctx(), &registry.SupportRecord{EnterpriseID: e.e1.ID, Kind: "traceability", Year: 2026,
		FundingSource: "enterprise", BatchID: draft.ID}))
	r = e.do(request{method: "DELETE", path: "/api/v1/batches/" + draft.ID, as: asAdmin})
	if r.status != 409 || !strings.Contains(r.problem(t).Detail, "support records") {
		t.Fatalf("delete a lot a support record names: %d %s", r.status, r.body)
	}
	if r := e.do(request{method: "DELETE", path: "/api/v1/support-records/" + e.support1.ID, as: asAdmin}); r.status != 204 {
		t.Fatalf("delete a support record: %d", r.status)
	}
	if _, err := e.db.FindSupportRecord(e.ctx(), e.support1.ID); registry.ErrorCode(err) != registry.ENOTFOUND {
		t.Fatalf("the support record is still there: %v", err)
	}
	for _, p := range []string{"/experts/" + e.expert1.ID, "/training-courses/" + e.course1.ID, "/good-practices/" + e.practice1.ID} {
		if r := e.do(request{method: "DELETE", path: "/api/v1" + p, as: asAdmin}); r.status != 204 {
			t.Errorf("delete %s: %d", p, r.status)
		}
		if r := e.do(request{method: "GET", path: "/api/v1" + p, as: asAdmin}); r.status != 404 {
			t.Errorf("read %s after the delete: %d", p, r.status)
		}
	}
}
