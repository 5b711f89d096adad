package registry

import (
	"context"
	"math"
	"slices"
	"strings"
	"time"
)

// The benchmarking and good-practice database on productivity (cơ sở dữ
// liệu chuẩn đối sánh và thực hành tốt về năng suất) the plan asks for from
// 2025 (sections I.2.b and II.2.c).

// BenchmarkEntry is one enterprise's yearly productivity and quality figures.
// Category is the product category the figures are mostly about; the sector
// comes from the enterprise record.
type BenchmarkEntry struct {
	ID            string `json:"id" bson:"_id"`
	EnterpriseID  string `json:"enterprise_id" bson:"enterprise_id"`
	Year          int    `json:"year" bson:"year"`
	Category      string `json:"category" bson:"category"`
	RevenueVND    int64  `json:"revenue_vnd" bson:"revenue_vnd"`
	ValueAddedVND int64  `json:"value_added_vnd" bson:"value_added_vnd"`
	Employees     int    `json:"employees" bson:"employees"`
	// EnergyPerUnit is the energy used per unit of output, in kWh (or kWh
	// equivalent) per unit of the main product.
	EnergyPerUnit float64 `json:"energy_per_unit" bson:"energy_per_unit"`
	// DefectRate is the share of output rejected or returned, 0..1.
	DefectRate       float64   `json:"defect_rate" bson:"defect_rate"`
	CertificatesHeld int       `json:"certificates_held" bson:"certificates_held"`
	CreatedAt        time.Time `json:"created_at" bson:"created_at"`
	UpdatedAt        time.Time `json:"updated_at" bson:"updated_at"`
	Version          int       `json:"version" bson:"version"`
}

// MaxBenchmarkVND bounds revenue and value added (VND): a typo guard.
const MaxBenchmarkVND int64 = 100_000_000_000_000

// LabourProductivity is value added per employee (VND), the plan's
// headline productivity figure; 0 when there are no employees.
func (b *BenchmarkEntry) LabourProductivity() float64 {
	if b.Employees <= 0 {
		return 0
	}
	return float64(b.ValueAddedVND) / float64(b.Employees)
}

// Validate checks an entry before it is written.
func (b *BenchmarkEntry) Validate() error {
	var p Problems
	checkRef(&p, "enterprise_id", b.EnterpriseID, true)
	checkYear(&p, "year", b.Year)
	oneOf(&p, "category", b.Category, ProductCategories)
	if b.RevenueVND < 0 || b.RevenueVND > MaxBenchmarkVND {
		p.Add("revenue_vnd", "range", "must be from 0 to 100,000,000,000,000 VND", "phải từ 0 đến 100.000.000.000.000 đồng")
	}
	if b.ValueAddedVND < -MaxBenchmarkVND || b.ValueAddedVND > MaxBenchmarkVND {
		p.Add("value_added_vnd", "range", "must be within ±100,000,000,000,000 VND", "phải trong khoảng ±100.000.000.000.000 đồng")
	}
	if b.Employees < 1 || b.Employees > 1_000_000 {
		p.Add("employees", "range", "must be from 1 to 1,000,000", "phải từ 1 đến 1.000.000")
	}
	if math.IsNaN(b.EnergyPerUnit) || math.IsInf(b.EnergyPerUnit, 0) || b.EnergyPerUnit < 0 || b.EnergyPerUnit > 1e9 {
		p.Add("energy_per_unit", "range", "must be from 0 to 1,000,000,000", "phải từ 0 đến 1.000.000.000")
	}
	if math.IsNaN(b.DefectRate) || b.DefectRate < 0 || b.DefectRate > 1 {
		p.Add("defect_rate", "range", "must be a share from 0 to 1", "phải là tỉ lệ từ 0 đến 1")
	}
	if b.CertificatesHeld < 0 || b.CertificatesHeld > 1000 {
		p.Add("certificates_held", "range", "must be from 0 to 1,000", "phải từ 0 đến 1.000")
	}
	return p.Err()
}

// BenchmarkFilter selects entries in a list.
type BenchmarkFilter struct {
	EnterpriseID string
	Year         int // 0: any year
	Page         Page
}

// BenchmarkService keeps the yearly benchmarking entries. Reading them is
// for the enterprise itself and province staff: published figures go
// through ComputeBenchmarks, which suppresses small groups.
type BenchmarkService interface {
	// CreateBenchmarkEntry validates and stores b. EINVALID; ENOTFOUND if the
	// enterprise does not exist; ECONFLICT if it already has an entry for that year.
	CreateBenchmarkEntry(ctx context.Context, b *BenchmarkEntry) error
	// FindBenchmarkEntry returns ENOTFOUND if no entry has that ID.
	FindBenchmarkEntry(ctx context.Context, id string) (*BenchmarkEntry, error)
	// ListBenchmarkEntries returns one page of entries matching f and the next cursor.
	ListBenchmarkEntries(ctx context.Context, f BenchmarkFilter) ([]*BenchmarkEntry, string, error)
	// UpdateBenchmarkEntry stores b if its Version is still the stored one.
	// EINVALID (also "immutable" for the enterprise), ENOTFOUND, ESTALE, ECONFLICT.
	UpdateBenchmarkEntry(ctx context.Context, b *BenchmarkEntry) error
}

// PracticeTools are the tags of the good-practice library.
var PracticeTools = []string{"5S", "Kaizen", "Lean", "Six Sigma", "TPM", "KPI", "BSC", "QCC", "ISO 9001", "ISO 14001",
	"ISO 22000", "ISO 50001", "HACCP", "VietGAP", "GlobalGAP", "organic", "green_productivity", "digital_transformation", "other"}

// GoodPractice is a case study of the good-practice library (thực hành tốt).
type GoodPractice struct {
	ID      string   `json:"id" bson:"_id"`
	Title   string   `json:"title" bson:"title"`
	Sector  string   `json:"sector" bson:"sector"`
	Tools   []string `json:"tools" bson:"tools"`
	Summary string   `json:"summary" bson:"summary"`
	// EnterpriseID names the enterprise of the case, when it agreed to be named.
	EnterpriseID string    `json:"enterprise_id,omitempty" bson:"enterprise_id,omitempty"`
	Year         int       `json:"year,omitempty" bson:"year,omitempty"`
	DocumentIDs  []string  `json:"document_ids,omitempty" bson:"document_ids,omitempty"`
	CreatedAt    time.Time `json:"created_at" bson:"created_at"`
	UpdatedAt    time.Time `json:"updated_at" bson:"updated_at"`
	Version      int       `json:"version" bson:"version"`
}

// Validate checks a case study before it is written.
func (g *GoodPractice) Validate() error {
	var p Problems
	requireText(&p, "title", g.Title, 300)
	oneOf(&p, "sector", g.Sector, Sectors)
	if len(g.Tools) == 0 {
		p.Add("tools", "required", "at least one tool", "cần ít nhất một công cụ")
	} else if len(g.Tools) > 20 {
		p.Add("tools", "max_items", "too many items", "quá nhiều mục")
	}
	for i, t := range g.Tools {
		if !slices.Contains(PracticeTools, t) {
			oneOf(&p, "tools", t, PracticeTools)
			break
		}
		if slices.Contains(g.Tools[:i], t) {
			p.Add("tools", "duplicate", "lists the same tool twice", "có công cụ bị lặp lại")
			break
		}
	}
	requireText(&p, "summary", g.Summary, 10000)
	checkRef(&p, "enterprise_id", g.EnterpriseID, false)
	if g.Year != 0 {
		checkYear(&p, "year", g.Year)
	}
	checkRefs(&p, "document_ids", g.DocumentIDs, 50)
	return p.Err()
}

// GoodPracticeFilter selects case studies: by sector, by tool, and by words
// of the title or summary (accents and case ignored).
type GoodPracticeFilter struct {
	Sector string
	Tool   string
	Query  string
	Page   Page
}

// Matches reports whether g matches f (its Page aside); the text search is
// done in Go, since $text is outside the portable subset.
func (f GoodPracticeFilter) Matches(g *GoodPractice) bool {
	if f.Sector != "" && g.Sector != f.Sector {
		return false
	}
	if f.Tool != "" && !slices.Contains(g.Tools, f.Tool) {
		return false
	}
	hay := FoldText(g.Title + " " + g.Summary + " " + strings.Join(g.Tools, " "))
	for _, w := range strings.Fields(FoldText(f.Query)) {
		if !strings.Contains(hay, w) {
			return false
		}
	}
	return true
}

// FoldText lowercases s and strips Vietnamese diacritics, so "cà phê" finds "Cà Phê" and "ca phe".
func FoldText(s string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(s) {
		if f, ok := foldVI[r]; ok {
			b.WriteRune(f)
		} else {
			b.WriteRune(r)
		}
	}
	return b.String()
}

var foldVI = func() map[rune]rune {
	m := map[rune]rune{'đ': 'd'}
	groups := map[rune]string{
		'a': "àáảãạăằắẳẵặâầấẩẫậ", 'e': "èéẻẽẹêềếểễệ", 'i': "ìíỉĩị",
		'o': "òóỏõọôồốổỗộơờớởỡợ", 'u': "ùúủũụưừứửữự", 'y': "ỳýỷỹỵ",
	}
	for base, rs := range groups {
		for _, r := range rs {
			m[r] = base
		}
	}
	return m
}()

// GoodPracticeService keeps the good-practice library.
type GoodPracticeService interface {
	// CreateGoodPractice validates and stores g. EINVALID, also (rule
	// "exists") for a missing enterprise or document.
	CreateGoodPractice(ctx context.Context, g *GoodPractice) error
	// FindGoodPractice returns ENOTFOUND if no case study has that ID.
	FindGoodPractice(ctx context.Context, id string) (*GoodPractice, error)
	// SearchGoodPractices returns one page of case studies matching f, in
	// creation order, and the next cursor.
	SearchGoodPractices(ctx context.Context, f GoodPracticeFilter) ([]*GoodPractice, string, error)
	// UpdateGoodPractice stores g if its Version is still the stored one. EINVALID, ENOTFOUND, ESTALE.
	UpdateGoodPractice(ctx context.Context, g *GoodPractice) error
}
