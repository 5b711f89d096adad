package web

import (
	"cmp"
	"errors"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/gofiber/fiber/v2"

	"github.com/tracereg/tracereg/registry"
	"github.com/tracereg/tracereg/registry/report"
	"github.com/tracereg/tracereg/registry/stats"
)

// The province's programme (plan 6648/KH-UBND) for province staff: support
// given to enterprises, experts, training courses, the good-practice library
// and the annual report's notes, with the report download. Admin writes,
// inspectors read. Enterprises enter their yearly benchmarking figures at
// /w/benchmark (programme_benchmark.go).

const (
	prgPrefix   = Prefix + "/programme"
	prgPageSize = 25
)

// PrgLabel names a registry key (kind of support, funding source, sector,
// category, role, tool) in the page's language, as the report does.
func (p *Page) PrgLabel(key string) string { return report.Label(p.Lang, key) }

// prgIndexData is the programme's home: what can be entered, with counts.
type prgIndexData struct {
	Year     int
	Years    []int
	CanWrite bool
}

func (w *Web) prgIndex(c *fiber.Ctx) error {
	p := w.page(c, "programme/index", "prg_title")
	year := w.clock.Now().In(registry.Vietnam).Year()
	d := &prgIndexData{Year: year, CanWrite: actor(c).Role == registry.RoleAdmin}
	for y := year; y >= registry.PlanStartYear; y-- {
		d.Years = append(d.Years, y)
	}
	p.Data = d
	return w.render(c, fiber.StatusOK, p)
}

// --- the annual report download

// prgStats is the statistics side the workspace downloads use: the same
// code that answers GET /api/v1/reports/annual, on the workspace's store,
// reading the records afresh for every download.
var prgStats sync.Map // *Web → *stats.Stats

func (w *Web) prgStatsFor() (*stats.Stats, error) {
	if s, ok := prgStats.Load(w); ok {
		return s.(*stats.Stats), nil
	}
	s, err := stats.New(stats.Config{Store: w.store, Clock: w.clock, Logger: w.log, CacheTTL: -1})
	if err != nil {
		return nil, err
	}
	v, _ := prgStats.LoadOrStore(w, s)
	return v.(*stats.Stats), nil
}

// prgReport answers /w/programme/report.xlsx|csv?year= (or ?period=) with
// the file the API gives for the same query.
func (w *Web) prgReport(format string) fiber.Handler {
	return func(c *fiber.Ctx) error {
		period, err := prgPeriod(c)
		if err != nil {
			return err
		}
		s, err := w.prgStatsFor()
		if err != nil {
			return err
		}
		f, err := s.AnnualReport(ctx(c), period, format)
		if err != nil {
			return err
		}
		return f.Send(c)
	}
}

// prgPeriod reads ?period=YYYY-YYYY or ?year=YYYY, as the API does.
func prgPeriod(c *fiber.Ctx) (registry.Period, error) {
	if s := c.Query("period"); s != "" {
		return registry.ParsePeriod(s)
	}
	p, err := registry.ParsePeriod(c.Query("year"))
	if err == nil && p.From != p.To {
		err = fieldError("year", "year", registry.Errorf(registry.EINVALID, "give year=YYYY or period=YYYY-YYYY", "cần year=YYYY hoặc period=YYYY-YYYY"))
	}
	return p, err
}

// --- the annual report's notes

type prgNotesData struct {
	Year    int
	Years   []int
	Notes   *registry.AnnualNotes
	CanEdit bool
	Max     int
	// What inspectors read: one item per line, as in the report.
	DifficultyLines, ProposalLines []string
}

// prgNotesYear reads ?year= (or the form's year), the current year by default.
func (w *Web) prgNotesYear(c *fiber.Ctx) (int, error) {
	s := c.Query("year")
	if c.Method() == fiber.MethodPost {
		s = c.FormValue("year")
	}
	if s == "" {
		return w.clock.Now().In(registry.Vietnam).Year(), nil
	}
	y, err := strconv.Atoi(s)
	if err != nil || y < registry.MinProgrammeYr || y > registry.MaxProgrammeYr {
		return 0, fieldError("year", "year", registry.Errorf(registry.EINVALID, "must be a year between 2000 and 2100", "phải là năm trong khoảng 2000 đến 2100"))
	}
	return y, nil
}

func (w *Web) prgNotesPage(c *fiber.Ctx, year int, n *registry.AnnualNotes) *Page {
	p := w.page(c, "programme/notes", "prg_notes_title")
	d := &prgNotesData{Year: year, Notes: n, CanEdit: actor(c).Role == registry.RoleAdmin, Max: registry.MaxNotesText,
		DifficultyLines: registry.NoteLines(n.Difficulties), ProposalLines: registry.NoteLines(n.Proposals)}
	now := w.clock.Now().In(registry.Vietnam).Year()
	for y := max(now, year); y >= min(registry.PlanStartYear, year); y-- {
		d.Years = append(d.Years, y)
	}
	p.Data = d
	return p
}

func (w *Web) prgNotes(c *fiber.Ctx) error {
	if err := registry.CanReadAnnualNotes(actor(c)); err != nil {
		return err
	}
	year, err := w.prgNotesYear(c)
	if err != nil {
		return err
	}
	n, err := w.store.FindAnnualNotes(ctx(c), year)
	if err != nil {
		return err
	}
	p := w.prgNotesPage(c, year, n)
	p.Form = newForm(c)
	p.Form.Set("difficulties", n.Difficulties)
	p.Form.Set("proposals", n.Proposals)
	p.Form.Set("version", strconv.Itoa(n.Version))
	return w.render(c, fiber.StatusOK, p)
}

func (w *Web) prgNotesSave(c *fiber.Ctx) error {
	me := actor(c)
	if me.Role != registry.RoleAdmin {
		return registry.WriteAnnualNotes(ctx(c), w.store, me, &registry.AnnualNotes{})
	}
	year, err := w.prgNotesYear(c)
	if err != nil {
		return err
	}
	cur, err := w.store.FindAnnualNotes(ctx(c), year)
	if err != nil {
		return err
	}
	p := w.prgNotesPage(c, year, cur)
	p.Form = newForm(c)
	version, verr := strconv.Atoi(c.FormValue("version"))
	next := &registry.AnnualNotes{Year: year, Difficulties: c.FormValue("difficulties"), Proposals: c.FormValue("proposals"), Version: version}
	if verr != nil {
		next.Version = -1 // stale: the form did not come from the page
	}
	if err := registry.WriteAnnualNotes(ctx(c), w.store, me, next); err != nil {
		if !invalid(err) {
			return err
		}
		p.Form.Fail(err)
		return w.render(c, prgFailStatus(err), p)
	}
	if err := w.audit(c, "annual_notes.update", "annual_notes", strconv.Itoa(year), "", cur, next); err != nil {
		return err
	}
	return w.redirectFlash(c, prgPrefix+"/notes?year="+strconv.Itoa(year), "flash_prg_notes_saved")
}

// --- shared helpers of the programme's forms

// prgFailStatus is 409 for a change made meanwhile, else 422.
func prgFailStatus(err error) int {
	switch registry.ErrorCode(err) {
	case registry.ESTALE, registry.ECONFLICT:
		return fiber.StatusConflict
	}
	return fiber.StatusUnprocessableEntity
}

// prgProblems gathers the problems of reading a form (a number that is not
// one) and of validating the record, keeping only the first per field (a
// field that could not be read is not also "out of range").
type prgProblems struct {
	fields []registry.FieldError
}

func (pp *prgProblems) add(field, rule, en, vi string) {
	pp.fields = append(pp.fields, registry.FieldError{Field: field, Rule: rule, Message: en, MessageVI: vi})
}

// merge adds an EINVALID's fields; any other error is returned as it is.
func (pp *prgProblems) merge(err error) error {
	if err == nil {
		return nil
	}
	var e *registry.Error
	if !errors.As(err, &e) || e.Code != registry.EINVALID {
		return err
	}
	pp.fields = append(pp.fields, e.Fields...)
	return nil
}

func (pp *prgProblems) err() error {
	if len(pp.fields) == 0 {
		return nil
	}
	seen := map[string]bool{}
	var out []registry.FieldError
	for _, f := range pp.fields {
		if !seen[f.Field] {
			seen[f.Field] = true
			out = append(out, f)
		}
	}
	return &registry.Error{Code: registry.EINVALID, Message: "Some fields are not valid.", MessageVI: "Một số mục chưa hợp lệ.", Fields: out}
}

// int64 reads a whole number; Vietnamese thousands separators (dots,
// spaces) and commas are ignored. Empty is 0 unless required.
func (pp *prgProblems) int64(f *Form, field string, required bool) int64 {
	s := strings.TrimSpace(f.Value(field))
	if s == "" {
		if required {
			pp.add(field, "required", "is required", "bắt buộc")
		}
		return 0
	}
	n, err := strconv.ParseInt(strings.NewReplacer(".", "", ",", "", " ", "", "\u00a0", "").Replace(s), 10, 64)
	if err != nil {
		pp.add(field, "number", "must be a whole number", "phải là số nguyên")
	}
	return n
}

func (pp *prgProblems) int(f *Form, field string, required bool) int {
	n := pp.int64(f, field, required)
	if n > 1<<31-1 || n < -(1<<31) {
		pp.add(field, "number", "is too large", "quá lớn")
		return 0
	}
	return int(n)
}

// float reads a decimal number; a decimal comma works too.
func (pp *prgProblems) float(f *Form, field string) float64 {
	s := strings.TrimSpace(f.Value(field))
	if s == "" {
		return 0
	}
	x, err := strconv.ParseFloat(strings.ReplaceAll(strings.ReplaceAll(s, " ", ""), ",", "."), 64)
	if err != nil {
		pp.add(field, "number", "must be a number (e.g. 0.5)", "phải là số (ví dụ 0,5)")
	}
	return x
}

// prgVersion reads the hidden version field of an edit form.
func prgVersion(f *Form) int {
	v, err := strconv.Atoi(f.Value("version"))
	if err != nil {
		return -1
	}
	return v
}

// prgOption is one choice of a select or a set of checkboxes.
type prgOption struct{ Value, Label string }

func (p *Page) prgOptions(keys []string) []prgOption {
	out := make([]prgOption, 0, len(keys))
	for _, k := range keys {
		out = append(out, prgOption{Value: k, Label: p.PrgLabel(k)})
	}
	return out
}

// prgEnterpriseOptions lists every enterprise by name, for the pickers.
func (w *Web) prgEnterpriseOptions(c *fiber.Ctx) ([]prgOption, map[string]string, error) {
	all, err := registry.CollectAll(ctx(c), func(pg registry.Page) ([]*registry.Enterprise, string, error) {
		return w.store.ListEnterprises(ctx(c), registry.EnterpriseFilter{Page: pg})
	})
	if err != nil {
		return nil, nil, err
	}
	names := make(map[string]string, len(all))
	out := make([]prgOption, 0, len(all))
	for _, e := range all {
		names[e.ID] = e.NameVI
		out = append(out, prgOption{Value: e.ID, Label: e.NameVI + " (" + e.TaxCode + ")"})
	}
	slices.SortFunc(out, func(a, b prgOption) int {
		return cmp.Compare(registry.FoldText(a.Label), registry.FoldText(b.Label))
	})
	return out, names, nil
}

// prgSearch pages through a list, keeping the items keep admits, until n
// are found: the next cursor is the ID of the last one kept.
func prgSearch[T any](fetch func(registry.Page) ([]*T, string, error), page registry.Page, n int,
	keep func(*T) bool, idOf func(*T) string) ([]*T, string, error) {
	var out []*T
	cursor := page.Cursor
	for {
		items, next, err := fetch(registry.Page{Limit: registry.MaxPageLimit, Cursor: cursor})
		if err != nil {
			return nil, "", err
		}
		for _, x := range items {
			if keep != nil && !keep(x) {
				continue
			}
			if len(out) == n {
				return out, idOf(out[n-1]), nil
			}
			out = append(out, x)
		}
		if next == "" {
			return out, "", nil
		}
		cursor = next
	}
}

// prgMatches reports whether every word of q is in one of the texts
// (accents and case ignored).
func prgMatches(q string, texts ...string) bool {
	hay := registry.FoldText(strings.Join(texts, " "))
	for _, word := range strings.Fields(registry.FoldText(q)) {
		if !strings.Contains(hay, word) {
			return false
		}
	}
	return true
}
