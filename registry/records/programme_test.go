package records_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/tracereg/tracereg/registry"
)

func TestSupportRecords(t *testing.T) {
	t.Parallel()
	db, ctx := newStore(t), context.Background()
	e, other := mustEnterprise(t, db), mustEnterprise(t, db)
	p := mustProduct(t, db, e.ID, "")
	b := mustBatch(t, db, e.ID, p.ID, "SUP-1")
	body := mustBody(t, db, "SUPCERT")
	cert := certData("VG-1", body.ID, e.ID)
	if err := db.CreateCertificate(ctx, cert); err != nil {
		t.Fatal(err)
	}
	otherCert := certData("VG-2", body.ID, other.ID)
	if err := db.CreateCertificate(ctx, otherCert); err != nil {
		t.Fatal(err)
	}

	s := &registry.SupportRecord{EnterpriseID: e.ID, Kind: "traceability", Year: 2025, FundingSource: "provincial_budget",
		AmountVND: 30_000_000, BatchID: b.ID, CertificateID: cert.ID}
	if err := db.CreateSupportRecord(ctx, s); err != nil {
		t.Fatal(err)
	}
	if s.ID == "" || s.Version != 1 || !s.CreatedAt.Equal(testNow) {
		t.Fatalf("created %+v", s)
	}
	got, err := db.FindSupportRecord(ctx, s.ID)
	if err != nil || got.AmountVND != s.AmountVND || got.BatchID != b.ID {
		t.Fatalf("find %+v %v", got, err)
	}
	_, err = db.FindSupportRecord(ctx, "nope")
	wantCode(t, err, registry.ENOTFOUND)

	// Outcomes must be the enterprise's own.
	bad := &registry.SupportRecord{EnterpriseID: e.ID, Kind: "certification_announcement", Year: 2025, FundingSource: "enterprise",
		CertificateID: otherCert.ID, AnnouncementID: b.ID}
	err = unchanged(t, db, "support_records", func() error { return db.CreateSupportRecord(ctx, bad) })
	wantField(t, err, "certificate_id", "exists")
	wantField(t, err, "announcement_id", "exists")
	missing := &registry.SupportRecord{EnterpriseID: "cccccccccccccccccccccccc", Kind: "traceability", Year: 2025, FundingSource: "enterprise"}
	err = unchanged(t, db, "support_records", func() error { return db.CreateSupportRecord(ctx, missing) })
	wantCode(t, err, registry.ENOTFOUND)
	err = unchanged(t, db, "support_records", func() error {
		return db.CreateSupportRecord(ctx, &registry.SupportRecord{EnterpriseID: e.ID, Kind: "x", Year: 2025, FundingSource: "enterprise", AmountVND: -5})
	})
	wantField(t, err, "kind", "one_of")
	wantField(t, err, "amount_vnd", "range")

	for y := 2021; y <= 2025; y++ {
		r := &registry.SupportRecord{EnterpriseID: other.ID, Kind: "green_productivity", Year: y, FundingSource: "central_budget", AmountVND: int64(y)}
		if err := db.CreateSupportRecord(ctx, r); err != nil {
			t.Fatal(err)
		}
	}
	list, _, err := db.ListSupportRecords(ctx, registry.SupportFilter{Year: 2025})
	if err != nil || len(list) != 2 {
		t.Fatalf("year filter: %d %v", len(list), err)
	}
	list, _, err = db.ListSupportRecords(ctx, registry.SupportFilter{EnterpriseID: other.ID, Kind: "green_productivity"})
	if err != nil || len(list) != 5 {
		t.Fatalf("enterprise filter: %d %v", len(list), err)
	}
	all, err := registry.CollectAll(ctx, func(p registry.Page) ([]*registry.SupportRecord, string, error) {
		p.Limit = 2
		return db.ListSupportRecords(ctx, registry.SupportFilter{Page: p})
	})
	if err != nil || len(all) != 6 {
		t.Fatalf("collect: %d %v", len(all), err)
	}

	// Update: versioned, the enterprise stays.
	stale := *got
	got.AmountVND = 40_000_000
	if err := db.UpdateSupportRecord(ctx, got); err != nil || got.Version != 2 {
		t.Fatalf("update: %v %d", err, got.Version)
	}
	wantCode(t, db.UpdateSupportRecord(ctx, &stale), registry.ESTALE)
	moved := *got
	moved.EnterpriseID = other.ID
	wantField(t, db.UpdateSupportRecord(ctx, &moved), "enterprise_id", "immutable")
}

func TestExpertsAndCourses(t *testing.T) {
	t.Parallel()
	db, ctx := newStore(t), context.Background()
	e := mustEnterprise(t, db)
	x := &registry.Expert{Name: "Trần Thị B", Sector: "food_processing", TrainedBy: "Viện Năng suất Việt Nam", TrainedOn: "2024-04-01",
		CertifiedBy: "Tổng cục TCĐLCL", CertifiedOn: "2024-09-01"}
	if err := db.CreateExpert(ctx, x); err != nil {
		t.Fatal(err)
	}
	got, err := db.FindExpert(ctx, x.ID)
	if err != nil || got.CertifiedOn != "2024-09-01" {
		t.Fatalf("%+v %v", got, err)
	}
	got.Employer = "Công ty Cà phê"
	if err := db.UpdateExpert(ctx, got); err != nil || got.Version != 2 {
		t.Fatalf("update %v", err)
	}
	err = unchanged(t, db, "experts", func() error { return db.CreateExpert(ctx, &registry.Expert{Name: "C"}) })
	wantField(t, err, "trained_by", "required")
	experts, _, err := db.ListExperts(ctx, registry.Page{})
	if err != nil || len(experts) != 1 {
		t.Fatal(len(experts), err)
	}

	c := &registry.TrainingCourse{Title: "Lean cho doanh nghiệp nhỏ", From: "2024-10-01", To: "2024-10-03", Organiser: "Sở KH&CN Đắk Lắk",
		Participants: []registry.Participant{{EnterpriseID: e.ID, Role: "manager", Count: 2}}}
	if err := db.CreateTrainingCourse(ctx, c); err != nil {
		t.Fatal(err)
	}
	ghost := &registry.TrainingCourse{Title: "X", From: "2024-10-01", To: "2024-10-01", Organiser: "Y",
		Participants: []registry.Participant{{EnterpriseID: e.ID, Role: "worker", Count: 1}, {EnterpriseID: "dddddddddddddddddddddddd", Role: "worker", Count: 1}}}
	err = unchanged(t, db, "training_courses", func() error { return db.CreateTrainingCourse(ctx, ghost) })
	wantField(t, err, "participants[1].enterprise_id", "exists")
	gotC, err := db.FindTrainingCourse(ctx, c.ID)
	if err != nil || gotC.ParticipantCount() != 2 {
		t.Fatalf("%+v %v", gotC, err)
	}
	gotC.To = "2024-09-01"
	wantField(t, db.UpdateTrainingCourse(ctx, gotC), "to", "date_order")
	courses, _, err := db.ListTrainingCourses(ctx, registry.Page{})
	if err != nil || len(courses) != 1 {
		t.Fatal(len(courses), err)
	}
}

func TestBenchmarkEntries(t *testing.T) {
	t.Parallel()
	db, ctx := newStore(t), context.Background()
	e, other := mustEnterprise(t, db), mustEnterprise(t, db)
	entry := func(id string, year int) *registry.BenchmarkEntry {
		return &registry.BenchmarkEntry{EnterpriseID: id, Year: year, Category: "coffee", RevenueVND: 5e9, ValueAddedVND: 1e9,
			Employees: 20, EnergyPerUnit: 0.5, DefectRate: 0.01, CertificatesHeld: 1}
	}
	b := entry(e.ID, 2025)
	if err := db.CreateBenchmarkEntry(ctx, b); err != nil {
		t.Fatal(err)
	}
	err := unchanged(t, db, "benchmark_entries", func() error { return db.CreateBenchmarkEntry(ctx, entry(e.ID, 2025)) })
	wantCode(t, err, registry.ECONFLICT)
	for _, x := range []*registry.BenchmarkEntry{entry(e.ID, 2024), entry(other.ID, 2025)} {
		if err := db.CreateBenchmarkEntry(ctx, x); err != nil {
			t.Fatal(err)
		}
	}
	err = unchanged(t, db, "benchmark_entries", func() error { return db.CreateBenchmarkEntry(ctx, entry("eeeeeeeeeeeeeeeeeeeeeeee", 2025)) })
	wantCode(t, err, registry.ENOTFOUND)

	mine, _, err := db.ListBenchmarkEntries(ctx, registry.BenchmarkFilter{EnterpriseID: e.ID})
	if err != nil || len(mine) != 2 {
		t.Fatal(len(mine), err)
	}
	y25, _, err := db.ListBenchmarkEntries(ctx, registry.BenchmarkFilter{Year: 2025})
	if err != nil || len(y25) != 2 {
		t.Fatal(len(y25), err)
	}
	// Moving an entry onto a year the enterprise already has is a conflict.
	got, _ := db.FindBenchmarkEntry(ctx, b.ID)
	got.Year = 2024
	wantCode(t, db.UpdateBenchmarkEntry(ctx, got), registry.ECONFLICT)
	got.Year, got.Employees = 2025, 25
	if err := db.UpdateBenchmarkEntry(ctx, got); err != nil || got.Version != 2 {
		t.Fatalf("update %v", err)
	}
	entries, sectors, err := registry.LoadBenchmarks(ctx, db)
	if err != nil || len(entries) != 3 || sectors[e.ID] != "agriculture" {
		t.Fatalf("load: %d %v %v", len(entries), sectors, err)
	}
}

func TestGoodPracticeSearch(t *testing.T) {
	t.Parallel()
	db, ctx := newStore(t), context.Background()
	e := mustEnterprise(t, db)
	mk := func(title, sector string, tools ...string) *registry.GoodPractice {
		g := &registry.GoodPractice{Title: title, Sector: sector, Tools: tools, Summary: "Tóm tắt: " + title}
		if err := db.CreateGoodPractice(ctx, g); err != nil {
			t.Fatal(err)
		}
		return g
	}
	a := mk("5S tại xưởng sơ chế cà phê", "agriculture", "5S")
	mk("Kaizen dây chuyền cơ khí", "mechanical", "Kaizen", "Lean")
	c := mk("VietGAP cho vùng trồng sầu riêng", "agriculture", "VietGAP")
	for i := range 5 {
		mk(fmt.Sprintf("Lean số %d", i), "mechanical", "Lean")
	}
	search := func(f registry.GoodPracticeFilter) []*registry.GoodPractice {
		t.Helper()
		out, _, err := db.SearchGoodPractices(ctx, f)
		if err != nil {
			t.Fatal(err)
		}
		return out
	}
	if got := search(registry.GoodPracticeFilter{Query: "ca phe"}); len(got) != 1 || got[0].ID != a.ID {
		t.Fatalf("words: %v", got)
	}
	if got := search(registry.GoodPracticeFilter{Sector: "agriculture"}); len(got) != 2 {
		t.Fatalf("sector: %d", len(got))
	}
	if got := search(registry.GoodPracticeFilter{Tool: "VietGAP"}); len(got) != 1 || got[0].ID != c.ID {
		t.Fatalf("tool: %v", got)
	}
	// Pages are cut after matching.
	page1, next, err := db.SearchGoodPractices(ctx, registry.GoodPracticeFilter{Tool: "Lean", Page: registry.Page{Limit: 4}})
	if err != nil || len(page1) != 4 || next == "" {
		t.Fatalf("page 1: %d %q %v", len(page1), next, err)
	}
	page2, next, err := db.SearchGoodPractices(ctx, registry.GoodPracticeFilter{Tool: "Lean", Page: registry.Page{Limit: 4, Cursor: next}})
	if err != nil || len(page2) != 2 || next != "" {
		t.Fatalf("page 2: %d %q %v", len(page2), next, err)
	}
	_, _, err = db.SearchGoodPractices(ctx, registry.GoodPracticeFilter{Page: registry.Page{Cursor: `{"$gt":""}`}})
	wantField(t, err, "cursor", "cursor")

	withDoc := &registry.GoodPractice{Title: "X", Sector: "other", Tools: []string{"other"}, Summary: "Y", EnterpriseID: e.ID,
		DocumentIDs: []string{"ffffffffffffffffffffffff"}}
	err = unchanged(t, db, "good_practices", func() error { return db.CreateGoodPractice(ctx, withDoc) })
	wantField(t, err, "document_ids", "exists")
	a.Tools = append(a.Tools, "Kaizen")
	if err := db.UpdateGoodPractice(ctx, a); err != nil || a.Version != 2 {
		t.Fatalf("update %v", err)
	}
}

func TestListScanStats(t *testing.T) {
	t.Parallel()
	db, ctx := newStore(t), context.Background()
	var tallies []registry.ScanTally
	for i := range 7 {
		tallies = append(tallies, registry.ScanTally{Key: fmt.Sprintf("/l/ABCDEFGHJK/21/%d", i), Count: int64(i + 1), First: testNow})
	}
	if err := db.RecordScans(ctx, tallies); err != nil {
		t.Fatal(err)
	}
	all, err := registry.CollectAll(ctx, func(p registry.Page) ([]*registry.ScanStats, string, error) {
		p.Limit = 3
		return db.ListScanStats(ctx, p)
	})
	if err != nil || len(all) != 7 {
		t.Fatalf("%d %v", len(all), err)
	}
	var sum int64
	for _, s := range all {
		sum += s.Count
	}
	if sum != 28 || !all[0].FirstScan.Equal(testNow) {
		t.Fatalf("sum %d, first %v", sum, all[0].FirstScan)
	}
	_, _, err = db.ListScanStats(ctx, registry.Page{Cursor: "not a key"})
	wantField(t, err, "cursor", "cursor")
}
