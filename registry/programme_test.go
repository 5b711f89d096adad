package registry_test

import (
	"math"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/tracereg/tracereg/registry"
)

const (
	idA = "aaaaaaaaaaaaaaaaaaaaaaaa"
	idB = "bbbbbbbbbbbbbbbbbbbbbbbb"
)

func TestSupportRecordValidate(t *testing.T) {
	t.Parallel()
	ok := func() *registry.SupportRecord {
		return &registry.SupportRecord{EnterpriseID: idA, Kind: "traceability", Year: 2024, FundingSource: "provincial_budget", AmountVND: 50_000_000}
	}
	wantValid(t, ok().Validate())
	s := ok()
	s.AmountVND = 0
	s.CertificateID, s.BatchID = idB, idA
	wantValid(t, s.Validate())

	bad := &registry.SupportRecord{EnterpriseID: "x", Kind: "lunch", Year: 1999, FundingSource: "lottery", AmountVND: -1,
		CertificateID: "nope", AnnouncementID: "nope", BatchID: "nope", Note: "a\x00b"}
	err := bad.Validate()
	for _, fr := range []string{"enterprise_id/id", "kind/one_of", "year/year", "funding_source/one_of", "amount_vnd/range",
		"certificate_id/id", "announcement_id/id", "batch_id/id", "note/control_characters"} {
		wantRule(t, err, fr)
	}
	// Every failing field is in both languages.
	for _, f := range registry.PublicError(err).Fields {
		if f.Message == "" || f.MessageVI == "" {
			t.Errorf("%s/%s lacks a message", f.Field, f.Rule)
		}
	}
	s = ok()
	s.AmountVND = registry.MaxSupportAmount + 1
	wantRule(t, s.Validate(), "amount_vnd/range")
	for _, k := range registry.SupportKinds {
		s := ok()
		s.Kind = k
		wantValid(t, s.Validate())
	}
}

func TestExpertValidate(t *testing.T) {
	t.Parallel()
	e := &registry.Expert{Name: "Nguyễn Văn A", Sector: "agriculture", TrainedBy: "Viện Năng suất Việt Nam", TrainedOn: "2023-03-01"}
	wantValid(t, e.Validate())
	if e.Certified() {
		t.Fatal("not certified yet")
	}
	e.CertifiedBy, e.CertifiedOn = "Tổng cục TCĐLCL", "2023-06-01"
	wantValid(t, e.Validate())
	if !e.Certified() {
		t.Fatal("certified")
	}
	e.CertifiedOn = "2023-01-01"
	wantRule(t, e.Validate(), "certified_on/date_order")
	e.CertifiedBy = ""
	e.CertifiedOn = "2023-06-01"
	wantRule(t, e.Validate(), "certified_by/required")
	e.CertifiedBy, e.CertifiedOn = "Tổng cục", ""
	wantRule(t, e.Validate(), "certified_on/required")

	err := (&registry.Expert{Sector: "space", TrainedOn: "2023-02-30"}).Validate()
	for _, fr := range []string{"name/required", "sector/one_of", "trained_by/required", "trained_on/date"} {
		wantRule(t, err, fr)
	}
}

func TestTrainingCourseValidate(t *testing.T) {
	t.Parallel()
	c := &registry.TrainingCourse{Title: "Tập huấn 5S", From: "2024-05-06", To: "2024-05-08", Organiser: "Sở KH&CN",
		Participants: []registry.Participant{{EnterpriseID: idA, Role: "manager", Count: 3}, {EnterpriseID: idA, Role: "worker", Count: 10}}}
	wantValid(t, c.Validate())
	if c.ParticipantCount() != 13 {
		t.Fatalf("participants %d", c.ParticipantCount())
	}
	c.To = "2024-05-05"
	wantRule(t, c.Validate(), "to/date_order")
	c.To = "2024-05-06" // one-day course
	wantValid(t, c.Validate())

	c.Participants = append(c.Participants, registry.Participant{EnterpriseID: idA, Role: "worker", Count: 1},
		registry.Participant{EnterpriseID: "x", Role: "boss", Count: 0})
	err := c.Validate()
	for _, fr := range []string{"participants[2]/duplicate", "participants[3].enterprise_id/id", "participants[3].role/one_of", "participants[3].count/range"} {
		wantRule(t, err, fr)
	}
	err = (&registry.TrainingCourse{}).Validate()
	for _, fr := range []string{"title/required", "from/required", "to/required", "organiser/required"} {
		wantRule(t, err, fr)
	}
}

func TestBenchmarkEntryValidate(t *testing.T) {
	t.Parallel()
	b := &registry.BenchmarkEntry{EnterpriseID: idA, Year: 2025, Category: "coffee", RevenueVND: 10_000_000_000,
		ValueAddedVND: 2_000_000_000, Employees: 40, EnergyPerUnit: 0.8, DefectRate: 0.02, CertificatesHeld: 2}
	wantValid(t, b.Validate())
	if got := b.LabourProductivity(); got != 50_000_000 {
		t.Fatalf("labour productivity %v", got)
	}
	bad := &registry.BenchmarkEntry{EnterpriseID: "", Year: 3000, Category: "gold", RevenueVND: -1, Employees: 0,
		EnergyPerUnit: math.NaN(), DefectRate: 1.5, CertificatesHeld: -1}
	err := bad.Validate()
	for _, fr := range []string{"enterprise_id/required", "year/year", "category/one_of", "revenue_vnd/range", "employees/range",
		"energy_per_unit/range", "defect_rate/range", "certificates_held/range"} {
		wantRule(t, err, fr)
	}
	if bad.LabourProductivity() != 0 {
		t.Fatal("no employees: no productivity")
	}
}

func TestGoodPracticeValidateAndMatch(t *testing.T) {
	t.Parallel()
	g := &registry.GoodPractice{Title: "Áp dụng 5S tại xưởng chế biến cà phê", Sector: "food_processing",
		Tools: []string{"5S", "Kaizen"}, Summary: "Giảm 30% thời gian tìm dụng cụ."}
	wantValid(t, g.Validate())
	for _, tc := range []struct {
		f    registry.GoodPracticeFilter
		want bool
	}{
		{registry.GoodPracticeFilter{}, true},
		{registry.GoodPracticeFilter{Query: "ca phe"}, true},
		{registry.GoodPracticeFilter{Query: "CÀ PHÊ xưởng"}, true},
		{registry.GoodPracticeFilter{Query: "cao su"}, false},
		{registry.GoodPracticeFilter{Tool: "Kaizen", Sector: "food_processing"}, true},
		{registry.GoodPracticeFilter{Tool: "Lean"}, false},
		{registry.GoodPracticeFilter{Sector: "agriculture"}, false},
	} {
		if got := tc.f.Matches(g); got != tc.want {
			t.Errorf("%+v: %v, want %v", tc.f, got, tc.want)
		}
	}
	err := (&registry.GoodPractice{Sector: "x", Tools: []string{"5S", "5S"}, DocumentIDs: []string{"bad"}, Year: 1}).Validate()
	for _, fr := range []string{"title/required", "sector/one_of", "tools/duplicate", "summary/required", "document_ids/id", "year/year"} {
		wantRule(t, err, fr)
	}
	wantRule(t, (&registry.GoodPractice{Title: "x", Sector: "other", Summary: "y", Tools: []string{"magic"}}).Validate(), "tools/one_of")
	wantRule(t, (&registry.GoodPractice{Title: "x", Sector: "other", Summary: "y"}).Validate(), "tools/required")
}

func TestParsePeriod(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]registry.Period{"2025": {2025, 2025}, "2021-2025": {2021, 2025}, " 2021–2025 ": {2021, 2025}} {
		got, err := registry.ParsePeriod(in)
		if err != nil || got != want {
			t.Errorf("%q: %v %v", in, got, err)
		}
	}
	for _, in := range []string{"", "abc", "2025-2021", "1999", "2000-2030", "2021-", "2021-x"} {
		if _, err := registry.ParsePeriod(in); registry.ErrorCode(err) != registry.EINVALID {
			t.Errorf("%q: err %v, want EINVALID", in, err)
		}
	}
	if s := (registry.Period{2021, 2025}).String(); s != "2021–2025" {
		t.Fatal(s)
	}
	if n := len((registry.Period{2024, 2025}).Months()); n != 24 {
		t.Fatal(n)
	}
}

func TestComputeIndicatorsSmall(t *testing.T) {
	t.Parallel()
	at := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	in := registry.IndicatorInput{
		Enterprises: []*registry.Enterprise{{ID: idA, District: "Ea Kar"}, {ID: idB, District: "Lắk"}},
		Products:    []*registry.Product{{ID: "p1", Category: "coffee"}, {ID: "p2", Category: "honey"}},
		Certificates: []*registry.Certificate{
			{HolderID: idA, Scheme: "VietGAP", IssuedOn: "2024-03-01", ScopeProductIDs: []string{"p1", "p2"}},
			{HolderID: idB, Scheme: "VietGAP", IssuedOn: "2024-12-31"},
			{HolderID: idB, Scheme: "4C", IssuedOn: "2023-12-31", ScopeProductIDs: []string{"p1"}},
		},
		Announcements: []*registry.ConformityAnnouncement{
			{Type: registry.AnnounceRegulation, Status: registry.AnnReceived, SubmittedOn: "2024-02-02"},
			{Type: registry.AnnounceStandard, Status: registry.AnnDraft, CreatedAt: at},
			{Type: registry.AnnounceStandard, Status: registry.AnnDraft, CreatedAt: at.AddDate(-1, 0, 0)},
		},
		Batches: []*registry.Batch{
			{ProductID: "p1", Status: registry.BatchPublished, ProducedOn: "2024-07-09"},
			{ProductID: "p2", Status: registry.BatchRecalled, HarvestedOn: "2024-07-01"},
			{ProductID: "p2", Status: registry.BatchDraft, ProducedOn: "2024-07-01"},
			{ProductID: "p1", Status: registry.BatchPublished, CreatedAt: time.Date(2024, 8, 31, 18, 0, 0, 0, time.UTC)}, // 1 Sep in Vietnam
		},
		Standards: []*registry.Standard{{Kind: "QCDP", IssuedOn: "2022-05-05"}, {Kind: "QCDP", IssuedOn: "2024-05-05"}, {Kind: "TCVN", IssuedOn: "2024-01-01"}},
		Support: []*registry.SupportRecord{
			{EnterpriseID: idA, Kind: "traceability", Year: 2024, FundingSource: "provincial_budget", AmountVND: 10, BatchID: idA},
			{EnterpriseID: idA, Kind: "digital_transformation", Year: 2024, FundingSource: "enterprise", AmountVND: 5},
			{EnterpriseID: idB, Kind: "traceability", Year: 2023, FundingSource: "provincial_budget", AmountVND: 7},
		},
		Experts: []*registry.Expert{{TrainedOn: "2024-01-01", CertifiedOn: "2024-02-01"}, {TrainedOn: "2024-01-01"}, {TrainedOn: "2023-01-01", CertifiedOn: "2023-06-01"}},
		Courses: []*registry.TrainingCourse{{From: "2024-05-01", Participants: []registry.Participant{{EnterpriseID: idA, Role: "worker", Count: 4}, {EnterpriseID: idB, Role: "leader", Count: 1}}}},
	}
	ind := registry.ComputeIndicators(in, registry.YearPeriod(2024))
	targets := map[string]registry.PlanTarget{}
	for _, tg := range ind.Targets {
		targets[tg.Key] = tg
	}
	if tg := targets["qcdp"]; tg.Reached != 1 || tg.Cumulative != 2 || !tg.Met || tg.Min != 1 || tg.Max != 2 {
		t.Errorf("qcdp %+v", tg)
	}
	if tg := targets["experts"]; tg.Reached != 1 || tg.Cumulative != 2 || tg.Met {
		t.Errorf("experts %+v", tg)
	}
	if tg := targets["support"]; tg.Reached != 2 || tg.Cumulative != 3 || len(tg.ByYear) != 1 {
		t.Errorf("support %+v", tg)
	}
	if s := ind.Support; s.Times != 2 || s.Enterprises != 1 || s.WithOutcome != 1 || s.TotalVND != 15 {
		t.Errorf("support %+v", s)
	}
	if tr := ind.Training; tr.Courses != 1 || tr.Participants != 5 || tr.Enterprises != 2 || tr.ExpertsTrained != 2 || tr.ExpertsCertified != 1 {
		t.Errorf("training %+v", tr)
	}
	c := ind.Certificates
	if c.Total != 2 || len(c.Cells) != 3 {
		t.Errorf("certificates %+v", c)
	}
	wantCells := []registry.CertCell{{"VietGAP", "coffee", "Ea Kar", 1}, {"VietGAP", "honey", "Ea Kar", 1}, {"VietGAP", registry.CategoryNone, "Lắk", 1}}
	if !slices.Equal(c.Cells, wantCells) {
		t.Errorf("cells %+v", c.Cells)
	}
	if ind.Announcements.Total != 2 || ind.Announcements.Cell(registry.AnnounceRegulation, registry.AnnReceived) != 1 {
		t.Errorf("announcements %+v", ind.Announcements)
	}
	if ind.Lots.Total != 3 || ind.Lots.Cell("2024-07", "coffee") != 1 || ind.Lots.Cell("2024-07", "honey") != 1 || ind.Lots.Cell("2024-09", "coffee") != 1 {
		t.Errorf("lots %+v", ind.Lots)
	}
}

func TestBenchmarksSuppressSmallGroups(t *testing.T) {
	t.Parallel()
	sectorOf := map[string]string{}
	var entries []*registry.BenchmarkEntry
	add := func(id string, sector string, va int64) {
		sectorOf[id] = sector
		entries = append(entries, &registry.BenchmarkEntry{EnterpriseID: id, Year: 2025, Category: "coffee", Employees: 10, ValueAddedVND: va, RevenueVND: va * 3})
	}
	for i := range 4 {
		add(strings.Repeat(string(rune('a'+i)), 24), "agriculture", int64(1_000_003+i*7919))
	}
	groups := registry.ComputeBenchmarks(entries, sectorOf)
	for _, g := range groups {
		if !g.Suppressed || g.N != 0 || g.Metrics != nil {
			t.Fatalf("4 enterprises must be suppressed: %+v", g)
		}
	}
	pos := registry.BenchmarkPositions(entries[0].EnterpriseID, entries, sectorOf)
	if len(pos) == 0 || !pos[0].Suppressed || pos[0].Percentile != 0 || pos[0].Value != entries[0].LabourProductivity() {
		t.Fatalf("positions %+v", pos)
	}
	add(strings.Repeat("e", 24), "agriculture", 1_400_009)
	groups = registry.ComputeBenchmarks(entries, sectorOf)
	if len(groups) != 2 || groups[0].Suppressed || groups[0].N != 5 {
		t.Fatalf("5 enterprises are published: %+v", groups)
	}
	for _, g := range groups {
		for _, m := range g.Metrics {
			for _, e := range entries {
				v := registry.MetricValue(e, m.Metric)
				if m.Metric == registry.MetricDefectRate || m.Metric == registry.MetricEnergyPerUnit {
					continue // all zero here
				}
				if m.Q1 == v || m.Median == v || m.Q3 == v {
					t.Errorf("%s %s publishes an enterprise's value %v", g.Key, m.Metric, v)
				}
			}
		}
	}
}
