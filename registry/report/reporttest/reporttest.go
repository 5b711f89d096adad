// Package reporttest generates a random but valid data set for the
// programme's indicators, stores it through the registry's services, and
// computes the expected figures independently of registry.ComputeIndicators
// (plain loops over the records), as a flat map of named figures.
package reporttest

import (
	"context"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"time"

	"github.com/tracereg/tracereg/registry"
)

// Sizes says how many records of each kind to generate.
type Sizes struct {
	Enterprises, Products, Certificates, Announcements, Batches, Support, Experts, Courses, QCDP int
}

// Default is a few thousand records.
var Default = Sizes{Enterprises: 60, Products: 150, Certificates: 500, Announcements: 300, Batches: 1200,
	Support: 300, Experts: 60, Courses: 12, QCDP: 4}

// Small is a few hundred records, for -short and -race runs.
var Small = Sizes{Enterprises: 25, Products: 50, Certificates: 120, Announcements: 60, Batches: 200,
	Support: 80, Experts: 30, Courses: 6, QCDP: 2}

// Dataset holds the records; references point at other records' IDs (fake
// ones until Insert stores them and rewrites the references).
type Dataset struct {
	registry.IndicatorInput
	Bodies []*registry.CertificationBody
	// ScanTallies are the scans GenerateScans made, as the scan logger
	// hands them to RecordScans (Expect counts from these).
	ScanTallies []registry.ScanTally
}

func fakeID(kind byte, i int) string { return fmt.Sprintf("%c%023x", 'a'+kind%6, i) }

func randomDate(r *rand.Rand, fromYear, toYear int) time.Time {
	start := time.Date(fromYear, 1, 1, 0, 0, 0, 0, time.UTC)
	days := int(time.Date(toYear, 12, 31, 0, 0, 0, 0, time.UTC).Sub(start).Hours() / 24)
	return start.AddDate(0, 0, r.IntN(days+1))
}

func day(t time.Time) registry.Date { return registry.Date(t.Format(time.DateOnly)) }

func pick[T any](r *rand.Rand, xs []T) T { return xs[r.IntN(len(xs))] }

// Created is when generated records were registered (the stores set
// their own clock's time on Insert).
var Created = time.Date(2026, 6, 15, 3, 0, 0, 0, time.UTC)

// Generate builds a data set from a seed: same seed, same records.
func Generate(seed uint64, n Sizes) *Dataset {
	r := rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
	ds := &Dataset{}
	for i := range n.Enterprises {
		ds.Enterprises = append(ds.Enterprises, &registry.Enterprise{ID: fakeID(0, i), TaxCode: fmt.Sprintf("60%08d", i+1),
			NameVI: fmt.Sprintf("Doanh nghiệp %d", i+1), Kind: pick(r, registry.EnterpriseKinds), District: pick(r, registry.Districts),
			Sector: pick(r, registry.Sectors), Size: pick(r, registry.EnterpriseSizes)})
	}
	for i := range 3 {
		ds.Bodies = append(ds.Bodies, &registry.CertificationBody{ID: fakeID(1, i), Name: fmt.Sprintf("Tổ chức chứng nhận %d", i), Code: fmt.Sprintf("CB%d", i)})
	}
	productsOf := map[string][]*registry.Product{}
	for i := range n.Products {
		e := ds.Enterprises[i%len(ds.Enterprises)] // every enterprise has a product
		if i >= len(ds.Enterprises) {
			e = pick(r, ds.Enterprises)
		}
		p := &registry.Product{ID: fakeID(2, i), EnterpriseID: e.ID, NameVI: fmt.Sprintf("Sản phẩm %d", i), Category: pick(r, registry.ProductCategories)}
		if i%3 == 0 { // some products have a GTIN, most small producers none
			p.GTIN = "0" + withCheckDigit(fmt.Sprintf("893%09d", i))
		}
		ds.Products = append(ds.Products, p)
		productsOf[e.ID] = append(productsOf[e.ID], p)
	}
	certsOf := map[string][]*registry.Certificate{}
	for i := range n.Certificates {
		e := pick(r, ds.Enterprises)
		issued := randomDate(r, 2019, 2026)
		c := &registry.Certificate{ID: fakeID(3, i), Number: fmt.Sprintf("C-%05d", i), Scheme: pick(r, registry.Schemes),
			BodyID: pick(r, ds.Bodies).ID, HolderID: e.ID, IssuedOn: day(issued), ExpiresOn: day(issued.AddDate(3, 0, 0)), Status: registry.CertActive}
		if c.Scheme == "OCOP" {
			c.OCOPStars = 3 + r.IntN(3)
		}
		own := productsOf[e.ID]
		for _, k := range r.Perm(len(own))[:r.IntN(min(3, len(own))+1)] {
			c.ScopeProductIDs = append(c.ScopeProductIDs, own[k].ID)
		}
		ds.Certificates = append(ds.Certificates, c)
		certsOf[e.ID] = append(certsOf[e.ID], c)
	}
	annsOf := map[string][]*registry.ConformityAnnouncement{}
	statuses := []string{registry.AnnDraft, registry.AnnSubmitted, registry.AnnNeedsMore, registry.AnnReceived, registry.AnnRejected, registry.AnnWithdrawn}
	for i := range n.Announcements {
		e := pick(r, ds.Enterprises)
		a := &registry.ConformityAnnouncement{ID: fakeID(4, i), EnterpriseID: e.ID, ProductIDs: []string{pick(r, productsOf[e.ID]).ID},
			Basis: registry.BasisSelfAssessment, Agency: "Sở KH&CN Đắk Lắk", Status: pick(r, statuses)}
		if r.IntN(2) == 0 {
			a.Type, a.StandardCode = registry.AnnounceStandard, "TCVN 4193:2014"
		} else {
			a.Type, a.StandardCode = registry.AnnounceRegulation, pick(r, []string{"QCVN 01-189:2019/BNNPTNT", "QCĐP 01:2023/ĐL"})
		}
		if a.Status != registry.AnnDraft {
			sub := randomDate(r, 2020, 2026)
			a.SubmittedOn = day(sub)
			if a.Status == registry.AnnReceived {
				a.ReceiptNumber, a.ReceiptDate = fmt.Sprintf("TB-%05d", i), day(sub.AddDate(0, 0, 5))
			}
		}
		ds.Announcements = append(ds.Announcements, a)
		annsOf[e.ID] = append(annsOf[e.ID], a)
	}
	batchesOf := map[string][]*registry.Batch{}
	for i := range n.Batches {
		p := pick(r, ds.Products)
		b := &registry.Batch{ID: fakeID(5, i), EnterpriseID: p.EnterpriseID, ProductID: p.ID, LotCode: fmt.Sprintf("L%06d", i),
			Quantity: float64(1 + r.IntN(5000)), Unit: "kg", Status: registry.BatchPublished, ShortCode: fmt.Sprintf("S%09d", i)}
		switch x := r.IntN(10); {
		case x < 8:
			b.ProducedOn = day(randomDate(r, 2020, 2026))
		case x < 9:
			b.HarvestedOn = day(randomDate(r, 2020, 2026))
		}
		if r.IntN(7) == 0 {
			b.Status = registry.BatchDraft
		}
		ds.Batches = append(ds.Batches, b)
		batchesOf[p.EnterpriseID] = append(batchesOf[p.EnterpriseID], b)
	}
	for i := range n.QCDP {
		s := &registry.Standard{ID: fakeID(0, 100000+i), Code: fmt.Sprintf("QCĐP %02d:%d/ĐL", i+1, 2021+i), Kind: "QCDP",
			TitleVI: fmt.Sprintf("Quy chuẩn địa phương %d", i+1), CreatedAt: Created}
		if i%3 != 2 {
			s.IssuedOn = day(randomDate(r, 2021, 2026))
		}
		ds.Standards = append(ds.Standards, s)
	}
	ds.Standards = append(ds.Standards, &registry.Standard{ID: fakeID(0, 200000), Code: "TCVN 4193:2014", Kind: "TCVN", TitleVI: "Cà phê nhân", IssuedOn: "2014-01-01"})
	// Records without a date count in the year they were registered.
	for _, b := range ds.Batches {
		b.CreatedAt = Created
	}
	for _, a := range ds.Announcements {
		a.CreatedAt = Created
	}
	for i := range n.Support {
		e := pick(r, ds.Enterprises)
		s := &registry.SupportRecord{ID: fakeID(1, 100000+i), EnterpriseID: e.ID, Kind: pick(r, registry.SupportKinds), Year: 2020 + r.IntN(7),
			FundingSource: pick(r, registry.FundingSources), AmountVND: int64(r.IntN(200)) * 1_000_000}
		if cs := certsOf[e.ID]; len(cs) > 0 && r.IntN(3) == 0 {
			s.CertificateID = pick(r, cs).ID
		}
		if bs := batchesOf[e.ID]; len(bs) > 0 && r.IntN(5) == 0 {
			s.BatchID = pick(r, bs).ID
		}
		if as := annsOf[e.ID]; len(as) > 0 && r.IntN(10) == 0 {
			s.AnnouncementID = pick(r, as).ID
		}
		ds.Support = append(ds.Support, s)
	}
	for i := range n.Experts {
		trained := randomDate(r, 2020, 2026)
		x := &registry.Expert{ID: fakeID(2, 100000+i), Name: fmt.Sprintf("Chuyên gia %d", i), Sector: pick(r, registry.Sectors),
			TrainedBy: "Viện Năng suất Việt Nam", TrainedOn: day(trained)}
		if r.IntN(10) < 7 {
			x.CertifiedBy, x.CertifiedOn = "Tổng cục TCĐLCL", day(trained.AddDate(0, 0, 30+r.IntN(200)))
		}
		ds.Experts = append(ds.Experts, x)
	}
	for i := range n.Courses {
		from := randomDate(r, 2020, 2026)
		c := &registry.TrainingCourse{ID: fakeID(3, 100000+i), Title: fmt.Sprintf("Khoá tập huấn %d", i), From: day(from),
			To: day(from.AddDate(0, 0, r.IntN(5))), Organiser: "Sở KH&CN Đắk Lắk"}
		seen := map[string]bool{}
		for range 1 + r.IntN(6) {
			pt := registry.Participant{EnterpriseID: pick(r, ds.Enterprises).ID, Role: pick(r, registry.ParticipantRoles), Count: 1 + r.IntN(20)}
			if k := pt.EnterpriseID + pt.Role; !seen[k] {
				seen[k] = true
				c.Participants = append(c.Participants, pt)
			}
		}
		ds.Courses = append(ds.Courses, c)
	}
	return ds
}

// withCheckDigit completes digits with the GS1 check digit.
func withCheckDigit(digits string) string {
	sum := 0
	for i := range len(digits) {
		d := int(digits[len(digits)-1-i] - '0')
		if i%2 == 0 {
			d *= 3
		}
		sum += d
	}
	return digits + string(rune('0'+(10-sum%10)%10))
}

// GenerateScans makes scan counters for serials of some published lots
// (keys as the public side writes them: /01/{gtin}/10/{lot}/21/{serial}
// for products with a GTIN, /l/{short code}/21/{serial} otherwise) and
// keeps them in ds.Scans. Call it after Insert, which gives lots their
// stored short codes.
func GenerateScans(seed uint64, ds *Dataset, n int) []registry.ScanTally {
	r := rand.New(rand.NewPCG(seed, 7))
	product := map[string]*registry.Product{}
	for _, p := range ds.Products {
		product[p.ID] = p
	}
	var tallies []registry.ScanTally
	ds.Scans, ds.ScanMonths, ds.ScansCounted = nil, nil, true
	for i := range n {
		b := pick(r, ds.Batches)
		key := fmt.Sprintf("/l/%s/21/%d", b.ShortCode, i)
		if p := product[b.ProductID]; p != nil && p.GTIN != "" {
			key = fmt.Sprintf("/01/%s/10/%s/21/%d", p.GTIN, b.LotCode, i)
		}
		if i%25 == 0 {
			key = fmt.Sprintf("/01/09999999999999/10/X/21/%d", i) // a code of no known product
		}
		// A code is scanned in one to four flushes, months or years apart;
		// some flushes fall in the same month.
		for range 1 + r.IntN(4) {
			at := randomDate(r, 2024, 2026).Add(time.Duration(r.IntN(86400)) * time.Second)
			tallies = append(tallies, registry.ScanTally{Key: key, Count: int64(1 + r.IntN(40)), First: at})
		}
	}
	ds.ScanTallies = tallies
	// What the store keeps for these tallies (one counter per code and
	// month), for tests that compute from ds.IndicatorInput directly.
	months := map[string]*registry.ScanMonth{}
	for _, t := range tallies {
		m := registry.ScanMonthOf(t.First)
		id := registry.ScanMonthID(t.Key, m)
		if months[id] == nil {
			months[id] = &registry.ScanMonth{ID: id, Key: t.Key, Month: m}
			ds.ScanMonths = append(ds.ScanMonths, months[id])
		}
		months[id].Count += t.Count
	}
	return tallies
}

// Insert stores the data set through the services, in dependency order,
// and rewrites every reference to the stored IDs. The records then hold
// exactly what the database holds (IDs, creation times).
func Insert(ctx context.Context, s registry.Store, ds *Dataset) error {
	ids := map[string]string{}
	remap := func(id string) string {
		if id == "" {
			return ""
		}
		return ids[id]
	}
	remapAll := func(list []string) []string {
		out := make([]string, len(list))
		for i, id := range list {
			out[i] = remap(id)
		}
		return out
	}
	for _, e := range ds.Enterprises {
		old := e.ID
		if err := s.CreateEnterprise(ctx, e); err != nil {
			return fmt.Errorf("enterprise: %w", err)
		}
		ids[old] = e.ID
	}
	for _, b := range ds.Bodies {
		old := b.ID
		if err := s.CreateCertificationBody(ctx, b); err != nil {
			return fmt.Errorf("body: %w", err)
		}
		ids[old] = b.ID
	}
	for _, p := range ds.Products {
		old := p.ID
		p.EnterpriseID = remap(p.EnterpriseID)
		if err := s.CreateProduct(ctx, p); err != nil {
			return fmt.Errorf("product: %w", err)
		}
		ids[old] = p.ID
	}
	for _, c := range ds.Certificates {
		old := c.ID
		c.BodyID, c.HolderID, c.ScopeProductIDs = remap(c.BodyID), remap(c.HolderID), remapAll(c.ScopeProductIDs)
		if err := s.CreateCertificate(ctx, c); err != nil {
			return fmt.Errorf("certificate: %w", err)
		}
		ids[old] = c.ID
	}
	for _, a := range ds.Announcements {
		old := a.ID
		a.EnterpriseID, a.ProductIDs = remap(a.EnterpriseID), remapAll(a.ProductIDs)
		if err := s.CreateAnnouncement(ctx, a); err != nil {
			return fmt.Errorf("announcement: %w", err)
		}
		ids[old] = a.ID
	}
	for _, b := range ds.Batches {
		old := b.ID
		b.EnterpriseID, b.ProductID = remap(b.EnterpriseID), remap(b.ProductID)
		if err := s.CreateBatch(ctx, b); err != nil {
			return fmt.Errorf("batch: %w", err)
		}
		ids[old] = b.ID
	}
	for _, st := range ds.Standards {
		if err := s.CreateStandard(ctx, st); err != nil {
			return fmt.Errorf("standard: %w", err)
		}
	}
	for _, x := range ds.Support {
		x.EnterpriseID, x.CertificateID, x.BatchID, x.AnnouncementID = remap(x.EnterpriseID), remap(x.CertificateID), remap(x.BatchID), remap(x.AnnouncementID)
		if err := s.CreateSupportRecord(ctx, x); err != nil {
			return fmt.Errorf("support: %w", err)
		}
	}
	for _, x := range ds.Experts {
		if err := s.CreateExpert(ctx, x); err != nil {
			return fmt.Errorf("expert: %w", err)
		}
	}
	for _, c := range ds.Courses {
		for i := range c.Participants {
			c.Participants[i].EnterpriseID = remap(c.Participants[i].EnterpriseID)
		}
		if err := s.CreateTrainingCourse(ctx, c); err != nil {
			return fmt.Errorf("course: %w", err)
		}
	}
	return nil
}

// Figures are named figures: "support/times", "cert/VietGAP/coffee/Ea Kar", …
type Figures map[string]int64

// Diff lists the figures that differ (missing counts as 0), sorted.
func Diff(want, got Figures) []string {
	var out []string
	for k, w := range want {
		if got[k] != w {
			out = append(out, fmt.Sprintf("%s: want %d, got %d", k, w, got[k]))
		}
	}
	for k, g := range got {
		if _, ok := want[k]; !ok && g != 0 {
			out = append(out, fmt.Sprintf("%s: want 0, got %d", k, g))
		}
	}
	slices.Sort(out)
	return out
}

func vnYear(t time.Time) int { return t.In(registry.Vietnam).Year() }

func dateYear(d registry.Date, fallback time.Time) int {
	if d == "" {
		return vnYear(fallback)
	}
	var y int
	fmt.Sscanf(string(d), "%d", &y)
	return y
}

// Expect computes every figure for the period straight from the records,
// without registry.ComputeIndicators.
func Expect(ds *Dataset, from, to int) Figures {
	f := Figures{}
	in := func(y int) bool { return from <= y && y <= to }
	// Targets: per year, the period, and from the first year of the plan's
	// phase (2021–2025, then 2026–2030) to the end of the period.
	phaseStart := 2021
	if to >= 2026 {
		phaseStart = 2026
	}
	count := func(key string, y int) {
		if in(y) {
			f["target/"+key+"/reached"]++
			f[fmt.Sprintf("target/%s/%d", key, y)]++
		}
		if y >= phaseStart && y <= to {
			f["target/"+key+"/cumulative"]++
		}
	}
	for _, s := range ds.Standards {
		if strings.HasPrefix(s.Code, "QCĐP") {
			count("qcdp", dateYear(s.IssuedOn, s.CreatedAt))
		}
	}
	for _, x := range ds.Experts {
		if x.CertifiedOn != "" {
			count("experts", dateYear(x.CertifiedOn, x.CreatedAt))
		}
		if in(dateYear(x.TrainedOn, x.CreatedAt)) {
			f["training/experts_trained"]++
		}
		if x.CertifiedOn != "" && in(dateYear(x.CertifiedOn, x.CreatedAt)) {
			f["training/experts_certified"]++
		}
	}
	trainedEnt := map[string]bool{}
	for _, c := range ds.Courses {
		y := dateYear(c.From, c.CreatedAt)
		count("courses", y)
		if in(y) {
			f["training/courses"]++
			for _, p := range c.Participants {
				f["training/participants"] += int64(p.Count)
				f["training/role/"+p.Role] += int64(p.Count)
				trainedEnt[p.EnterpriseID] = true
			}
		}
	}
	f["training/enterprises"] = int64(len(trainedEnt))
	supported := map[string]bool{}
	for _, s := range ds.Support {
		count("support", s.Year)
		if in(s.Year) {
			f["support/times"]++
			f["support/kind/"+s.Kind]++
			f["support/source/"+s.FundingSource] += s.AmountVND
			f["support/total_vnd"] += s.AmountVND
			supported[s.EnterpriseID] = true
			if s.CertificateID != "" || s.BatchID != "" || s.AnnouncementID != "" {
				f["support/with_outcome"]++
			}
		}
	}
	f["support/enterprises"] = int64(len(supported))
	for _, key := range []string{"qcdp", "experts", "courses", "support"} {
		mins := map[string]int64{"qcdp": 1, "experts": 20, "courses": 3, "support": 40}
		if f["target/"+key+"/cumulative"] >= mins[key] {
			f["target/"+key+"/met"] = 1
		}
	}
	// Certificates issued in the period.
	district := map[string]string{}
	for _, e := range ds.Enterprises {
		district[e.ID] = e.District
	}
	category := map[string]string{}
	for _, p := range ds.Products {
		category[p.ID] = p.Category
	}
	for _, c := range ds.Certificates {
		if !in(dateYear(c.IssuedOn, c.CreatedAt)) {
			continue
		}
		f["cert/total"]++
		f["cert/scheme/"+c.Scheme]++
		f["cert/district/"+district[c.HolderID]]++
		cats := map[string]bool{}
		for _, p := range c.ScopeProductIDs {
			cats[category[p]] = true
		}
		if len(cats) == 0 {
			cats[registry.CategoryNone] = true
		}
		for cat := range cats {
			f["cert/category/"+cat]++
			f["cert/"+c.Scheme+"/"+cat+"/"+district[c.HolderID]]++
		}
	}
	for _, a := range ds.Announcements {
		if in(dateYear(a.SubmittedOn, a.CreatedAt)) {
			f["ann/"+a.Type+"/"+a.Status]++
			f["ann/total"]++
		}
	}
	byGTIN := map[string]string{}
	for _, p := range ds.Products {
		if p.GTIN != "" {
			byGTIN[p.GTIN] = p.Category
		}
	}
	byCode := map[string]string{}
	for _, b := range ds.Batches {
		byCode[b.ShortCode] = category[b.ProductID]
	}
	scanned := map[string]bool{}
	for _, t := range ds.ScanTallies {
		month := t.First.In(registry.Vietnam).Format("2006-01")
		var y int
		fmt.Sscanf(month, "%d", &y)
		if !in(y) {
			continue
		}
		seg := strings.Split(t.Key, "/") // "", "01"|"l", key, …
		cat := registry.CategoryNone
		if c, ok := byGTIN[seg[2]]; ok && seg[1] == "01" {
			cat = c
		} else if c, ok := byCode[seg[2]]; ok && seg[1] == "l" {
			cat = c
		}
		f["scan/month/"+month+"/"+cat] += t.Count
		f["scan/total/"+cat] += t.Count
		f["scan/scans"] += t.Count
		if !scanned[t.Key] {
			scanned[t.Key] = true
			f["scan/codes"]++
		}
	}
	for _, b := range ds.Batches {
		if b.Status == registry.BatchDraft {
			continue
		}
		var month string
		switch {
		case b.ProducedOn != "":
			month = string(b.ProducedOn)[:7]
		case b.HarvestedOn != "":
			month = string(b.HarvestedOn)[:7]
		default:
			month = b.CreatedAt.In(registry.Vietnam).Format("2006-01")
		}
		var y int
		fmt.Sscanf(month, "%d", &y)
		if in(y) {
			f["lots/"+month+"/"+category[b.ProductID]]++
			f["lots/total"]++
		}
	}
	return f
}

// Flatten names the figures of computed indicators the way Expect does.
func Flatten(ind registry.Indicators) Figures {
	f := Figures{}
	set := func(k string, v int64) {
		if v != 0 {
			f[k] = v
		}
	}
	for _, t := range ind.Targets {
		set("target/"+t.Key+"/reached", int64(t.Reached))
		set("target/"+t.Key+"/cumulative", int64(t.Cumulative))
		for _, y := range t.ByYear {
			set(fmt.Sprintf("target/%s/%d", t.Key, y.Year), int64(y.Count))
		}
		if t.Met {
			f["target/"+t.Key+"/met"] = 1
		}
	}
	tr := ind.Training
	set("training/experts_trained", int64(tr.ExpertsTrained))
	set("training/experts_certified", int64(tr.ExpertsCertified))
	set("training/courses", int64(tr.Courses))
	set("training/participants", int64(tr.Participants))
	set("training/enterprises", int64(tr.Enterprises))
	for _, r := range tr.ByRole {
		set("training/role/"+r.Key, int64(r.Count))
	}
	s := ind.Support
	set("support/times", int64(s.Times))
	set("support/enterprises", int64(s.Enterprises))
	set("support/with_outcome", int64(s.WithOutcome))
	set("support/total_vnd", s.TotalVND)
	for _, k := range s.ByKind {
		set("support/kind/"+k.Key, int64(k.Count))
	}
	for _, a := range s.BySource {
		set("support/source/"+a.Key, a.VND)
	}
	c := ind.Certificates
	set("cert/total", int64(c.Total))
	for _, x := range c.ByScheme {
		set("cert/scheme/"+x.Key, int64(x.Count))
	}
	for _, x := range c.ByCategory {
		set("cert/category/"+x.Key, int64(x.Count))
	}
	for _, x := range c.ByDistrict {
		set("cert/district/"+x.Key, int64(x.Count))
	}
	for _, x := range c.Cells {
		set("cert/"+x.Scheme+"/"+x.Category+"/"+x.District, int64(x.Count))
	}
	a := ind.Announcements
	set("ann/total", int64(a.Total))
	for i, row := range a.Rows {
		for j, col := range a.Cols {
			set("ann/"+row+"/"+col, int64(a.Counts[i][j]))
		}
	}
	set("scan/codes", int64(ind.ScannedCodes))
	set("scan/scans", ind.ScanCount)
	for _, x := range ind.ScanTotals {
		set("scan/total/"+x.Key, int64(x.Count))
	}
	sm := ind.ScansByMonth
	for i, row := range sm.Rows {
		for j, col := range sm.Cols {
			set("scan/month/"+row+"/"+col, int64(sm.Counts[i][j]))
		}
	}
	l := ind.Lots
	set("lots/total", int64(l.Total))
	for i, row := range l.Rows {
		for j, col := range l.Cols {
			set("lots/"+row+"/"+col, int64(l.Counts[i][j]))
		}
	}
	return f
}
