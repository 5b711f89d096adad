package web

import (
	"strconv"
	"strings"

	"github.com/gofiber/fiber/v2"

	"github.com/tracereg/tracereg/registry"
)

// An enterprise's yearly benchmarking figures (registry.BenchmarkEntry):
// entered and corrected by the enterprise itself; where it stands is shown
// at /dashboard/benchmark from the published benchmarks alone.

const prgBenchPrefix = Prefix + "/benchmark"

func (w *Web) mountPrgBenchmark(b fiber.Router) {
	b.Get("", w.prgBenchList)
	b.Get("/new", w.prgBenchNew)
	b.Post("", w.prgBenchSave)
	b.Get("/:id", w.prgBenchEdit)
	b.Post("/:id", w.prgBenchSave)
}

type prgBenchRow struct {
	ID, Href                          string
	Year                              int
	Category                          string
	Revenue, ValueAdded, Productivity string
	Employees, Certificates           int
	Energy, Defect                    string
}

type prgBenchData struct {
	Rows []prgBenchRow
	Next string
	// The form (new or edit).
	Action, Heading, Submit string
	Edit                    bool
	Categories              []prgOption
}

func (w *Web) prgBenchList(c *fiber.Ctx) error {
	me := actor(c)
	page, err := listPage(c, prgPageSize)
	if err != nil {
		return err
	}
	p := w.page(c, "programme/benchmark", "prg_bench_title")
	items, next, err := w.store.ListBenchmarkEntries(ctx(c), registry.BenchmarkFilter{EnterpriseID: me.EnterpriseID, Page: page})
	if err != nil {
		return err
	}
	d := &prgBenchData{Next: next}
	for _, b := range items {
		if registry.Authorize(me, registry.ActRead, registry.Resource{Kind: registry.KindBenchmark, EnterpriseID: b.EnterpriseID}) != nil {
			continue
		}
		d.Rows = append(d.Rows, prgBenchRow{ID: b.ID, Href: prgBenchPrefix + "/" + b.ID, Year: b.Year, Category: p.PrgLabel(b.Category),
			Revenue: prgVND(b.RevenueVND), ValueAdded: prgVND(b.ValueAddedVND), Employees: b.Employees,
			Productivity: prgVND(int64(b.LabourProductivity())), Energy: prgFloat(b.EnergyPerUnit),
			Defect: prgFloat(b.DefectRate*100) + " %", Certificates: b.CertificatesHeld})
	}
	p.Data = d
	return w.render(c, fiber.StatusOK, p)
}

// prgFloat shows a figure with at most 4 decimals and a decimal comma.
func prgFloat(x float64) string {
	s := strconv.FormatFloat(x, 'f', 4, 64)
	s = strings.TrimRight(strings.TrimRight(s, "0"), ".")
	return strings.ReplaceAll(s, ".", ",")
}

func (w *Web) prgBenchForm(c *fiber.Ctx, status int, p *Page, id string) error {
	d := &prgBenchData{Action: prgBenchPrefix, Heading: "prg_bench_new", Submit: "prg_create", Categories: p.prgOptions(registry.ProductCategories)}
	if id != "" {
		d.Action, d.Heading, d.Submit, d.Edit = prgBenchPrefix+"/"+id, "prg_bench_edit", "save", true
	}
	p.Data = d
	return w.render(c, status, p)
}

func (w *Web) prgBenchNew(c *fiber.Ctx) error {
	me := actor(c)
	if err := registry.Authorize(me, registry.ActCreate, registry.Resource{Kind: registry.KindBenchmark, EnterpriseID: me.EnterpriseID}); err != nil {
		return err
	}
	p := w.page(c, "programme/benchmark_form", "prg_bench_new")
	p.Form = newForm(c)
	p.Form.Set("year", strconv.Itoa(w.clock.Now().In(registry.Vietnam).Year()-1))
	return w.prgBenchForm(c, fiber.StatusOK, p, "")
}

// prgFindBench finds an entry the enterprise may act on (another's is 404).
func (w *Web) prgFindBench(c *fiber.Ctx, id, action string) (*registry.BenchmarkEntry, error) {
	b, err := w.store.FindBenchmarkEntry(ctx(c), id)
	if err != nil {
		return nil, err
	}
	if err := registry.Authorize(actor(c), action, registry.Resource{Kind: registry.KindBenchmark, EnterpriseID: b.EnterpriseID}); err != nil {
		return nil, err
	}
	return b, nil
}

func (w *Web) prgBenchEdit(c *fiber.Ctx) error {
	id := c.Params("id")
	b, err := w.prgFindBench(c, id, registry.ActUpdate)
	if err != nil {
		return err
	}
	p := w.page(c, "programme/benchmark_form", "prg_bench_edit")
	p.Form = newForm(c)
	for k, v := range map[string]string{"year": strconv.Itoa(b.Year), "category": b.Category,
		"revenue_vnd": strconv.FormatInt(b.RevenueVND, 10), "value_added_vnd": strconv.FormatInt(b.ValueAddedVND, 10),
		"employees": strconv.Itoa(b.Employees), "energy_per_unit": strconv.FormatFloat(b.EnergyPerUnit, 'f', -1, 64),
		"defect_rate": strconv.FormatFloat(b.DefectRate, 'f', -1, 64), "certificates_held": strconv.Itoa(b.CertificatesHeld),
		"version": strconv.Itoa(b.Version)} {
		p.Form.Set(k, v)
	}
	return w.prgBenchForm(c, fiber.StatusOK, p, id)
}

func (w *Web) prgBenchSave(c *fiber.Ctx) error {
	me := actor(c)
	id := c.Params("id")
	var cur *registry.BenchmarkEntry
	if id != "" {
		var err error
		if cur, err = w.prgFindBench(c, id, registry.ActUpdate); err != nil {
			return err
		}
	} else if err := registry.Authorize(me, registry.ActCreate, registry.Resource{Kind: registry.KindBenchmark, EnterpriseID: me.EnterpriseID}); err != nil {
		return err
	}
	title := "prg_bench_new"
	if id != "" {
		title = "prg_bench_edit"
	}
	p := w.page(c, "programme/benchmark_form", title)
	p.Form = newForm(c)
	f := p.Form
	var pp prgProblems
	// The enterprise is always the signed-in one's (or, on correction, the entry's).
	b := &registry.BenchmarkEntry{EnterpriseID: me.EnterpriseID, Category: strings.TrimSpace(f.Value("category"))}
	b.Year = pp.int(f, "year", true)
	b.RevenueVND = pp.int64(f, "revenue_vnd", true)
	b.ValueAddedVND = pp.int64(f, "value_added_vnd", true)
	b.Employees = pp.int(f, "employees", true)
	b.EnergyPerUnit = pp.float(f, "energy_per_unit")
	b.DefectRate = pp.float(f, "defect_rate")
	b.CertificatesHeld = pp.int(f, "certificates_held", false)
	if cur != nil {
		b.ID, b.EnterpriseID, b.Version = cur.ID, cur.EnterpriseID, prgVersion(f)
	}
	fail := func(err error) error {
		if !invalid(err) {
			return err
		}
		f.Fail(err)
		return w.prgBenchForm(c, prgFailStatus(err), p, id)
	}
	if err := pp.merge(b.Validate()); err != nil {
		return err
	}
	if err := pp.err(); err != nil {
		return fail(err)
	}
	var err error
	if cur == nil {
		err = w.store.CreateBenchmarkEntry(ctx(c), b)
	} else {
		err = w.store.UpdateBenchmarkEntry(ctx(c), b)
	}
	if registry.ErrorCode(err) == registry.ECONFLICT {
		err = fieldError("year", "taken", registry.PublicError(err))
	}
	if err != nil {
		return fail(err)
	}
	action := "benchmark_entry.create"
	var before any
	if cur != nil {
		action, before = "benchmark_entry.update", cur
	}
	if err := w.audit(c, action, registry.KindBenchmark, b.ID, b.EnterpriseID, before, b); err != nil {
		return err
	}
	return w.redirectFlash(c, prgBenchPrefix, "flash_prg_bench_saved")
}
