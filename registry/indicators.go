package registry

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
)

// The programme's indicators, computed in Go from the records (rollups with
// more than one figure are outside the portable MongoDB subset). The
// dashboard, the public statistics page and the annual report all call
// ComputeIndicators on the same input, so their figures agree by construction.

// Period is a span of whole calendar years, both ends included.
type Period struct {
	From int `json:"from"`
	To   int `json:"to"`
}

// YearPeriod is the period of one year.
func YearPeriod(y int) Period { return Period{From: y, To: y} }

// MaxPeriodYears bounds a report's span.
const MaxPeriodYears = 20

// ParsePeriod reads "2025" or "2021-2025" (an en dash also works). EINVALID
// (field "period") otherwise.
func ParsePeriod(s string) (Period, error) {
	s = strings.TrimSpace(s)
	a, b, found := strings.Cut(strings.ReplaceAll(s, "–", "-"), "-")
	from, err1 := strconv.Atoi(strings.TrimSpace(a))
	to, err2 := from, error(nil)
	if found {
		to, err2 = strconv.Atoi(strings.TrimSpace(b))
	}
	p := Period{From: from, To: to}
	if err1 != nil || err2 != nil {
		var pr Problems
		pr.Add("period", "period", "must be a year (2025) or two years (2021-2025)", "phải là một năm (2025) hoặc hai năm (2021-2025)")
		return Period{}, pr.Err()
	}
	return p, p.Validate()
}

// Validate checks the years are in range, in order and at most 20 years apart.
func (p Period) Validate() error {
	var pr Problems
	if p.From < MinProgrammeYr || p.To > MaxProgrammeYr || p.From > p.To || p.To-p.From >= MaxPeriodYears {
		pr.Add("period", "period_range", "must run forwards, between 2000 and 2100, over at most 20 years",
			"phải theo thứ tự tăng dần, trong khoảng 2000 đến 2100, tối đa 20 năm")
	}
	return pr.Err()
}

// Contains reports whether year y is in the period.
func (p Period) Contains(y int) bool { return y >= p.From && y <= p.To }

// Years lists the years of the period.
func (p Period) Years() []int {
	var ys []int
	for y := p.From; y <= p.To; y++ {
		ys = append(ys, y)
	}
	return ys
}

// Months lists the months of the period as "YYYY-MM".
func (p Period) Months() []string {
	var ms []string
	for y := p.From; y <= p.To; y++ {
		for m := 1; m <= 12; m++ {
			ms = append(ms, fmt.Sprintf("%04d-%02d", y, m))
		}
	}
	return ms
}

// String is "2025" or "2021–2025".
func (p Period) String() string {
	if p.From == p.To {
		return strconv.Itoa(p.From)
	}
	return fmt.Sprintf("%d–%d", p.From, p.To)
}

// IndicatorInput is every record the indicators are computed from.
type IndicatorInput struct {
	// Phases are the programme's stages and their targets (nil: the defaults).
	Phases        []PlanPhase
	Enterprises   []*Enterprise
	Products      []*Product
	Certificates  []*Certificate
	Announcements []*ConformityAnnouncement
	Batches       []*Batch
	Standards     []*Standard
	Support       []*SupportRecord
	Experts       []*Expert
	Courses       []*TrainingCourse
	// Scans are the counters of serialised codes, when a scan store was
	// read (ScansCounted).
	Scans []*ScanStats
	// ScanMonths are the per-month counters of the same codes.
	ScanMonths   []*ScanMonth
	ScansCounted bool
}

// PlanTarget is one of the plan's numeric targets for 2021–2025 and what was reached.
type PlanTarget struct {
	Key    string      `json:"key"` // qcdp, experts, courses, support
	NameVI string      `json:"name_vi"`
	NameEN string      `json:"name_en"`
	Min    int         `json:"min"`
	Max    int         `json:"max"`
	ByYear []YearCount `json:"by_year"`
	// Reached counts the period; Cumulative counts from the plan's first
	// year (2021) to the end of the period, which is what the target is
	// judged on: Met when Cumulative reaches Min.
	Reached    int  `json:"reached"`
	Cumulative int  `json:"cumulative"`
	Met        bool `json:"met"`
}

// YearCount is a count for one year.
type YearCount struct {
	Year  int `json:"year"`
	Count int `json:"count"`
}

// Tally is a count under one key, for lists shown in a fixed order.
type Tally struct {
	Key   string `json:"key"`
	Count int    `json:"count"`
}

// Amount is a sum of money (VND) under one key.
type Amount struct {
	Key string `json:"key"`
	VND int64  `json:"vnd"`
}

// CrossTab counts by two keys: Counts[i][j] is row Rows[i], column Cols[j].
type CrossTab struct {
	Rows      []string `json:"rows"`
	Cols      []string `json:"cols"`
	Counts    [][]int  `json:"counts"`
	RowTotals []int    `json:"row_totals"`
	ColTotals []int    `json:"col_totals"`
	Total     int      `json:"total"`
}

func newCrossTab(rows, cols []string) *CrossTab {
	t := &CrossTab{Rows: rows, Cols: cols, Counts: make([][]int, len(rows)), RowTotals: make([]int, len(rows)), ColTotals: make([]int, len(cols))}
	for i := range t.Counts {
		t.Counts[i] = make([]int, len(cols))
	}
	return t
}

func (t *CrossTab) add(row, col string) { t.addN(row, col, 1) }

func (t *CrossTab) addN(row, col string, n int) {
	i, j := slices.Index(t.Rows, row), slices.Index(t.Cols, col)
	if i < 0 || j < 0 {
		return
	}
	t.Counts[i][j] += n
	t.RowTotals[i] += n
	t.ColTotals[j] += n
	t.Total += n
}

// Cell returns the count at row, col (0 for unknown keys).
func (t *CrossTab) Cell(row, col string) int {
	i, j := slices.Index(t.Rows, row), slices.Index(t.Cols, col)
	if i < 0 || j < 0 {
		return 0
	}
	return t.Counts[i][j]
}

// CertCell is the number of certificates of one scheme, product category and district.
type CertCell struct {
	Scheme   string `json:"scheme"`
	Category string `json:"category"`
	District string `json:"district"`
	Count    int    `json:"count"`
}

// SupportSummary sums up the enterprise-times of support in the period.
type SupportSummary struct {
	Times       int      `json:"times"`       // lượt doanh nghiệp
	Enterprises int      `json:"enterprises"` // distinct enterprises
	WithOutcome int      `json:"with_outcome"`
	ByKind      []Tally  `json:"by_kind"`
	BySource    []Amount `json:"by_source"`
	TotalVND    int64    `json:"total_vnd"`
}

// TrainingSummary sums up experts and courses in the period.
type TrainingSummary struct {
	ExpertsTrained   int     `json:"experts_trained"`
	ExpertsCertified int     `json:"experts_certified"`
	Courses          int     `json:"courses"`
	Participants     int     `json:"participants"`
	ByRole           []Tally `json:"by_role"`
	Enterprises      int     `json:"enterprises"` // distinct enterprises that sent someone
}

// CertificateSummary counts certificates issued in the period. A
// certificate whose scope names products of several categories counts once
// under each category, so the category figures may add up to more than
// Total; a certificate without scope products is under CategoryNone.
type CertificateSummary struct {
	Total      int        `json:"total"`
	ByScheme   []Tally    `json:"by_scheme"`
	ByCategory []Tally    `json:"by_category"`
	ByDistrict []Tally    `json:"by_district"`
	Cells      []CertCell `json:"cells"` // scheme × category × district, non-zero cells only
}

// CategoryNone is the category of a certificate without scope products, or a product not found.
const CategoryNone = "unspecified"

// Indicators are the programme's figures for a period.
type Indicators struct {
	Period  Period       `json:"period"`
	Targets []PlanTarget `json:"targets"`
	// Phase is the programme's stage the period ends in, whose targets
	// these are (without them: they are in Targets).
	Phase        PlanPhase          `json:"phase"`
	Support      SupportSummary     `json:"support"`
	Training     TrainingSummary    `json:"training"`
	Certificates CertificateSummary `json:"certificates"`
	// Announcements: type (hop_chuan, hop_quy) × current status, for
	// dossiers submitted in the period (created, for drafts).
	Announcements *CrossTab `json:"announcements"`
	// Lots: traceable (published or recalled) lots by month × product
	// category, dated by production, else harvest, else registration.
	Lots *CrossTab `json:"lots"`
	// Scans of serialised codes in the period, from the per-month
	// counters: ScansByMonth is scans by month × product category,
	// ScanTotals the scans by category, ScannedCodes the distinct codes
	// scanned at least once in the period and ScanCount all their scans.
	ScansCounted bool      `json:"scans_counted"`
	ScansByMonth *CrossTab `json:"scans_by_month"`
	ScanTotals   []Tally   `json:"scan_totals"`
	ScannedCodes int       `json:"scanned_codes"`
	ScanCount    int64     `json:"scan_count"`
}

// PlanPhase is a stage of the programme and its numeric targets. The plan
// sets figures for 2021–2025; for 2026–2030 it sets only an orientation
// (continue and widen the same work), so those targets are defaults to
// configure (Orientation).
type PlanPhase struct {
	From, To    int
	Targets     []PlanTarget
	Orientation bool
}

// DefaultPlanPhases are the plan's 2021–2025 targets and, for 2026–2030,
// the same minimums again as the default of its orientation.
func DefaultPlanPhases() []PlanPhase {
	next := make([]PlanTarget, len(planTargets))
	copy(next, planTargets)
	return []PlanPhase{{From: 2021, To: 2025, Targets: planTargets}, {From: 2026, To: 2030, Targets: next, Orientation: true}}
}

// ParsePlanTargets reads the targets of a phase written
// "qcdp=1-2,experts=20-50,courses=3-5,support=40-80" (a single number is a
// minimum with no maximum); keys not named keep their defaults. EINVALID
// naming field.
func ParsePlanTargets(field, s string, defaults []PlanTarget) ([]PlanTarget, error) {
	out := make([]PlanTarget, len(defaults))
	copy(out, defaults)
	var p Problems
	for _, item := range strings.Split(s, ",") {
		item = strings.TrimSpace(item)
		if item == "" {
			continue
		}
		key, val, ok := strings.Cut(item, "=")
		i := slices.IndexFunc(out, func(t PlanTarget) bool { return t.Key == strings.TrimSpace(key) })
		if !ok || i < 0 {
			p.Add(field, "target", fmt.Sprintf("%q: write key=min or key=min-max with a key among qcdp, experts, courses, support", item),
				fmt.Sprintf("%q: viết khóa=tối_thiểu hoặc khóa=tối_thiểu-tối_đa, khóa là qcdp, experts, courses hoặc support", item))
			continue
		}
		lo, hi, ranged := strings.Cut(strings.TrimSpace(val), "-")
		min, err1 := strconv.Atoi(strings.TrimSpace(lo))
		max, err2 := min, error(nil)
		if ranged {
			max, err2 = strconv.Atoi(strings.TrimSpace(hi))
		}
		if err1 != nil || err2 != nil || min < 0 || max < min || max > 100000 {
			p.Add(field, "target", fmt.Sprintf("%q: the minimum and maximum must be whole numbers, the minimum not above the maximum", item),
				fmt.Sprintf("%q: tối thiểu và tối đa phải là số nguyên, tối thiểu không lớn hơn tối đa", item))
			continue
		}
		out[i].Min, out[i].Max = min, max
		if !ranged {
			out[i].Max = 0 // no maximum
		}
	}
	return out, p.Err()
}

// phaseOf is the phase holding year, else the last one before it, else the first.
func phaseOf(phases []PlanPhase, year int) PlanPhase {
	best := phases[0]
	for _, ph := range phases {
		if ph.From <= year {
			best = ph
		}
		if ph.From <= year && year <= ph.To {
			return ph
		}
	}
	return best
}

// Targets of the plan for 2021–2025 (section I.2.a).
var planTargets = []PlanTarget{
	{Key: "qcdp", NameVI: "Quy chuẩn kỹ thuật địa phương được ban hành", NameEN: "Local technical regulations issued", Min: 1, Max: 2},
	{Key: "experts", NameVI: "Chuyên gia năng suất chất lượng được đào tạo, chứng nhận", NameEN: "Productivity and quality experts trained and certified", Min: 20, Max: 50},
	{Key: "courses", NameVI: "Khoá tập huấn, bồi dưỡng về năng suất chất lượng", NameEN: "Training courses on productivity and quality", Min: 3, Max: 5},
	{Key: "support", NameVI: "Lượt doanh nghiệp được hỗ trợ", NameEN: "Enterprise-times of support", Min: 40, Max: 80},
}

// yearIn returns the year of a Date, or of t in Vietnam when d is empty or bad.
func yearIn(d Date, t time.Time) int {
	if x, err := d.Time(); err == nil && d != "" {
		return x.Year()
	}
	return t.In(Vietnam).Year()
}

func monthIn(d Date, t time.Time) string {
	if x, err := d.Time(); err == nil && d != "" {
		return x.Format("2006-01")
	}
	return t.In(Vietnam).Format("2006-01")
}

// StandardYear is the year a catalogue entry counts in: its issue date, else when it was registered.
func StandardYear(s *Standard) int { return yearIn(s.IssuedOn, s.CreatedAt) }

// AnnouncementYear is the year an announcement counts in: submitted, else created.
func AnnouncementYear(a *ConformityAnnouncement) int { return yearIn(a.SubmittedOn, a.CreatedAt) }

// LotMonth is the month ("YYYY-MM") a lot counts in: produced, else harvested, else registered.
func LotMonth(b *Batch) string {
	switch {
	case b.ProducedOn != "":
		return monthIn(b.ProducedOn, b.CreatedAt)
	case b.HarvestedOn != "":
		return monthIn(b.HarvestedOn, b.CreatedAt)
	}
	return monthIn("", b.CreatedAt)
}

// ComputeIndicators computes every figure of the programme for the period.
// It is pure: the same input gives the same figures on the dashboard, the
// statistics page and in the report.
func ComputeIndicators(in IndicatorInput, period Period) Indicators {
	out := Indicators{Period: period}
	enterprises := make(map[string]*Enterprise, len(in.Enterprises))
	for _, e := range in.Enterprises {
		enterprises[e.ID] = e
	}
	categoryOf := make(map[string]string, len(in.Products))
	for _, p := range in.Products {
		categoryOf[p.ID] = p.Category
	}

	// The plan's targets: a year for each counted record.
	var years [4][]int
	for _, s := range in.Standards {
		if s.Kind == "QCDP" {
			years[0] = append(years[0], StandardYear(s))
		}
	}
	for _, e := range in.Experts {
		if e.Certified() {
			years[1] = append(years[1], yearIn(e.CertifiedOn, e.CreatedAt))
		}
	}
	for _, c := range in.Courses {
		years[2] = append(years[2], yearIn(c.From, c.CreatedAt))
	}
	for _, s := range in.Support {
		years[3] = append(years[3], s.Year)
	}
	phases := in.Phases
	if len(phases) == 0 {
		phases = DefaultPlanPhases()
	}
	phase := phaseOf(phases, period.To)
	out.Phase = PlanPhase{From: phase.From, To: phase.To, Orientation: phase.Orientation}
	keys := map[string]int{"qcdp": 0, "experts": 1, "courses": 2, "support": 3}
	for _, t := range phase.Targets {
		i, ok := keys[t.Key]
		if !ok {
			continue
		}
		t.ByYear = nil
		for _, y := range period.Years() {
			n := countYear(years[i], func(x int) bool { return x == y })
			t.ByYear = append(t.ByYear, YearCount{Year: y, Count: n})
			t.Reached += n
		}
		// Judged on what the phase has done so far: from its first year.
		t.Cumulative = countYear(years[i], func(x int) bool { return x >= phase.From && x <= period.To })
		t.Met = t.Cumulative >= t.Min
		out.Targets = append(out.Targets, t)
	}

	// Support.
	byKind := map[string]int{}
	bySource := map[string]int64{}
	supported := map[string]bool{}
	for _, s := range in.Support {
		if !period.Contains(s.Year) {
			continue
		}
		out.Support.Times++
		supported[s.EnterpriseID] = true
		if s.CertificateID != "" || s.AnnouncementID != "" || s.BatchID != "" {
			out.Support.WithOutcome++
		}
		byKind[s.Kind]++
		bySource[s.FundingSource] += s.AmountVND
		out.Support.TotalVND += s.AmountVND
	}
	out.Support.Enterprises = len(supported)
	for _, k := range SupportKinds {
		out.Support.ByKind = append(out.Support.ByKind, Tally{k, byKind[k]})
	}
	for _, k := range FundingSources {
		out.Support.BySource = append(out.Support.BySource, Amount{k, bySource[k]})
	}

	// Experts and courses.
	for _, e := range in.Experts {
		if period.Contains(yearIn(e.TrainedOn, e.CreatedAt)) {
			out.Training.ExpertsTrained++
		}
		if e.Certified() && period.Contains(yearIn(e.CertifiedOn, e.CreatedAt)) {
			out.Training.ExpertsCertified++
		}
	}
	byRole := map[string]int{}
	trained := map[string]bool{}
	for _, c := range in.Courses {
		if !period.Contains(yearIn(c.From, c.CreatedAt)) {
			continue
		}
		out.Training.Courses++
		for _, pt := range c.Participants {
			out.Training.Participants += pt.Count
			byRole[pt.Role] += pt.Count
			trained[pt.EnterpriseID] = true
		}
	}
	out.Training.Enterprises = len(trained)
	for _, r := range ParticipantRoles {
		out.Training.ByRole = append(out.Training.ByRole, Tally{r, byRole[r]})
	}

	// Certificates issued in the period.
	cells := map[CertCell]int{}
	scheme, category, district := map[string]int{}, map[string]int{}, map[string]int{}
	for _, c := range in.Certificates {
		if !period.Contains(yearIn(c.IssuedOn, c.CreatedAt)) {
			continue
		}
		out.Certificates.Total++
		d := "Khác"
		if e := enterprises[c.HolderID]; e != nil {
			d = e.District
		}
		scheme[c.Scheme]++
		district[d]++
		for _, cat := range certCategories(c, categoryOf) {
			category[cat]++
			cells[CertCell{Scheme: c.Scheme, Category: cat, District: d}]++
		}
	}
	for _, s := range Schemes {
		out.Certificates.ByScheme = append(out.Certificates.ByScheme, Tally{s, scheme[s]})
	}
	for _, c := range append(slices.Clone(ProductCategories), CategoryNone) {
		out.Certificates.ByCategory = append(out.Certificates.ByCategory, Tally{c, category[c]})
	}
	for _, d := range Districts {
		out.Certificates.ByDistrict = append(out.Certificates.ByDistrict, Tally{d, district[d]})
	}
	for cell, n := range cells {
		cell.Count = n
		out.Certificates.Cells = append(out.Certificates.Cells, cell)
	}
	slices.SortFunc(out.Certificates.Cells, func(a, b CertCell) int {
		return cmp.Or(cmp.Compare(slices.Index(Schemes, a.Scheme), slices.Index(Schemes, b.Scheme)),
			cmp.Compare(categoryRank(a.Category), categoryRank(b.Category)),
			cmp.Compare(slices.Index(Districts, a.District), slices.Index(Districts, b.District)))
	})

	// Announcements by type × status.
	out.Announcements = newCrossTab([]string{AnnounceStandard, AnnounceRegulation},
		[]string{AnnDraft, AnnSubmitted, AnnNeedsMore, AnnReceived, AnnRejected, AnnWithdrawn})
	for _, a := range in.Announcements {
		if period.Contains(AnnouncementYear(a)) {
			out.Announcements.add(a.Type, a.Status)
		}
	}

	// Traceable lots by month × category.
	out.Lots = newCrossTab(period.Months(), append(slices.Clone(ProductCategories), CategoryNone))
	for _, b := range in.Batches {
		if b.Status == BatchDraft {
			continue
		}
		cat, ok := categoryOf[b.ProductID]
		if !ok {
			cat = CategoryNone
		}
		out.Lots.add(LotMonth(b), cat)
	}

	// Scans by month × category, from the per-month counters.
	out.ScansCounted = in.ScansCounted
	out.ScansByMonth = newCrossTab(period.Months(), append(slices.Clone(ProductCategories), CategoryNone))
	productByGTIN := map[string]*Product{}
	for _, p := range in.Products {
		if p.GTIN != "" {
			productByGTIN[p.GTIN] = p
		}
	}
	batchByCode := map[string]*Batch{}
	for _, b := range in.Batches {
		batchByCode[b.ShortCode] = b
	}
	codes := map[string]bool{}
	for _, sm := range in.ScanMonths {
		if sm.Count <= 0 || len(sm.Month) != 7 {
			continue
		}
		y, err := strconv.Atoi(sm.Month[:4])
		if err != nil || !period.Contains(y) {
			continue
		}
		cat := ScanCategory(sm.Key, productByGTIN, batchByCode, categoryOf)
		out.ScansByMonth.addN(sm.Month, cat, int(sm.Count))
		codes[sm.Key] = true
		out.ScanCount += sm.Count
	}
	out.ScannedCodes = len(codes)
	for j, c := range out.ScansByMonth.Cols {
		out.ScanTotals = append(out.ScanTotals, Tally{c, out.ScansByMonth.ColTotals[j]})
	}
	return out
}

// ScanCategory is the product category of a scanned code's key: the GTIN
// of "/01/{gtin}/…" or the lot of "/l/{short code}/…"; CategoryNone when
// the product is not known.
func ScanCategory(key string, productByGTIN map[string]*Product, batchByCode map[string]*Batch, categoryOf map[string]string) string {
	parts := strings.Split(strings.TrimPrefix(key, "/"), "/")
	if len(parts) >= 2 {
		switch parts[0] {
		case "01":
			if p := productByGTIN[parts[1]]; p != nil {
				return p.Category
			}
		case "l":
			if b := batchByCode[parts[1]]; b != nil {
				if c, ok := categoryOf[b.ProductID]; ok {
					return c
				}
			}
		}
	}
	return CategoryNone
}

// certCategories are the distinct categories of a certificate's scope products, in the catalogue's order.
func certCategories(c *Certificate, categoryOf map[string]string) []string {
	var cats []string
	for _, id := range c.ScopeProductIDs {
		cat, ok := categoryOf[id]
		if !ok {
			cat = CategoryNone
		}
		if !slices.Contains(cats, cat) {
			cats = append(cats, cat)
		}
	}
	if len(cats) == 0 {
		cats = []string{CategoryNone}
	}
	slices.SortFunc(cats, func(a, b string) int { return cmp.Compare(categoryRank(a), categoryRank(b)) })
	return cats
}

func categoryRank(c string) int {
	if i := slices.Index(ProductCategories, c); i >= 0 {
		return i
	}
	return len(ProductCategories)
}

func countYear(ys []int, ok func(int) bool) int {
	n := 0
	for _, y := range ys {
		if ok(y) {
			n++
		}
	}
	return n
}

// IndicatorSource is what loading the indicators' input reads: the list
// methods of the registry's services (registry/records implements them all).
type IndicatorSource interface {
	ListEnterprises(ctx context.Context, f EnterpriseFilter) ([]*Enterprise, string, error)
	ListProducts(ctx context.Context, f ProductFilter) ([]*Product, string, error)
	ListCertificates(ctx context.Context, f CertificateFilter) ([]*Certificate, string, error)
	ListAnnouncements(ctx context.Context, f AnnouncementFilter) ([]*ConformityAnnouncement, string, error)
	ListBatches(ctx context.Context, f BatchFilter) ([]*Batch, string, error)
	ListStandards(ctx context.Context, kind string, page Page) ([]*Standard, string, error)
	ListSupportRecords(ctx context.Context, f SupportFilter) ([]*SupportRecord, string, error)
	ListExperts(ctx context.Context, page Page) ([]*Expert, string, error)
	ListTrainingCourses(ctx context.Context, page Page) ([]*TrainingCourse, string, error)
}

// LoadIndicatorInput reads every record the indicators need, page by page
// (the data is thousands of records; the rollups happen in Go).
func LoadIndicatorInput(ctx context.Context, src IndicatorSource) (IndicatorInput, error) {
	var in IndicatorInput
	var err error
	if in.Enterprises, err = CollectAll(ctx, func(p Page) ([]*Enterprise, string, error) {
		return src.ListEnterprises(ctx, EnterpriseFilter{Page: p})
	}); err != nil {
		return in, err
	}
	if in.Products, err = CollectAll(ctx, func(p Page) ([]*Product, string, error) {
		return src.ListProducts(ctx, ProductFilter{Page: p})
	}); err != nil {
		return in, err
	}
	if in.Certificates, err = CollectAll(ctx, func(p Page) ([]*Certificate, string, error) {
		return src.ListCertificates(ctx, CertificateFilter{Page: p})
	}); err != nil {
		return in, err
	}
	if in.Announcements, err = CollectAll(ctx, func(p Page) ([]*ConformityAnnouncement, string, error) {
		return src.ListAnnouncements(ctx, AnnouncementFilter{Page: p})
	}); err != nil {
		return in, err
	}
	if in.Batches, err = CollectAll(ctx, func(p Page) ([]*Batch, string, error) {
		return src.ListBatches(ctx, BatchFilter{Page: p})
	}); err != nil {
		return in, err
	}
	if in.Standards, err = CollectAll(ctx, func(p Page) ([]*Standard, string, error) {
		return src.ListStandards(ctx, "QCDP", p)
	}); err != nil {
		return in, err
	}
	if in.Support, err = CollectAll(ctx, func(p Page) ([]*SupportRecord, string, error) {
		return src.ListSupportRecords(ctx, SupportFilter{Page: p})
	}); err != nil {
		return in, err
	}
	if in.Experts, err = CollectAll(ctx, func(p Page) ([]*Expert, string, error) {
		return src.ListExperts(ctx, p)
	}); err != nil {
		return in, err
	}
	if in.Courses, err = CollectAll(ctx, func(p Page) ([]*TrainingCourse, string, error) {
		return src.ListTrainingCourses(ctx, p)
	}); err != nil {
		return in, err
	}
	if scans, ok := src.(ScanLister); ok {
		in.ScansCounted = true
		in.Scans, err = CollectAll(ctx, func(p Page) ([]*ScanStats, string, error) {
			return scans.ListScanStats(ctx, p)
		})
		if err != nil {
			return in, err
		}
		in.ScanMonths, err = CollectAll(ctx, func(p Page) ([]*ScanMonth, string, error) {
			return scans.ListScanMonths(ctx, p)
		})
	}
	return in, err
}

// ScanLister lists the scan counters of every serialised code, in key
// order (registry/records implements it). Optional: without it the
// indicators leave scans out.
type ScanLister interface {
	// ListScanStats returns one page of counters and the next cursor. EINVALID for a bad cursor.
	ListScanStats(ctx context.Context, page Page) ([]*ScanStats, string, error)
	// ListScanMonths returns one page of per-month counters (in storage key
	// order) and the next cursor. EINVALID for a bad cursor.
	ListScanMonths(ctx context.Context, page Page) ([]*ScanMonth, string, error)
}

// MaxCollected bounds CollectAll, so a runaway list cannot exhaust memory.
const MaxCollected = 1_000_000

// CollectAll pages through a list to its end.
func CollectAll[T any](ctx context.Context, fetch func(Page) ([]T, string, error)) ([]T, error) {
	var all []T
	page := Page{Limit: MaxPageLimit}
	for {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		items, next, err := fetch(page)
		if err != nil {
			return nil, err
		}
		all = append(all, items...)
		if next == "" || len(all) >= MaxCollected {
			return all, nil
		}
		page.Cursor = next
	}
}
