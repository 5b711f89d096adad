// Package stats is the HTTP side of the province's programme: the public
// statistics page (/thong-ke, aggregate figures only), the dashboard for
// province staff and inspectors (/dashboard/programme), an enterprise's own
// benchmarking position (/dashboard/benchmark) and the annual report
// download (GET /api/v1/reports/annual). Pages are server-rendered with
// inline SVG charts, each beside its table, and work without JavaScript.
//
// Every figure comes from registry.ComputeIndicators over the records
// loaded by registry.LoadIndicatorInput, so the dashboard, the public page
// and the report agree by construction.
package stats

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"html/template"
	"log/slog"
	"net/url"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/tracereg/tracereg/assets"
	"github.com/tracereg/tracereg/registry"
	"github.com/tracereg/tracereg/registry/report"
)

// Config is what the statistics need from the wiring.
type Config struct {
	Store  registry.Store
	Clock  registry.Clock
	Logger *slog.Logger
	// Authorize admits the caller when it holds one of the roles, and
	// returns EUNAUTHORIZED or EFORBIDDEN otherwise; an admitted caller's
	// registry.Actor is expected in c.UserContext() (the enterprise page
	// needs its EnterpriseID). Nil refuses everyone with 401 until the
	// API's sign-in is wired here.
	Authorize func(c *fiber.Ctx, roles ...string) error
	// CacheTTL is how long loaded records are reused before a reload
	// (default 1 minute; negative: never reused, each request loads).
	// LoadTimeout bounds the first load, which a request waits for (default
	// 30 s); RefreshTimeout a reload in the background (default 10 minutes).
	CacheTTL       time.Duration
	LoadTimeout    time.Duration
	RefreshTimeout time.Duration
	// Phases are the programme's stages and targets (nil: the plan's
	// 2021–2025 targets and the default 2026–2030 ones).
	Phases []registry.PlanPhase
}

// AuthorizeActor is an Authorize that admits the registry.Actor which an
// earlier middleware put in c.UserContext() (the API's identify does so
// for /api/v1/*) when it holds one of the roles.
func AuthorizeActor(c *fiber.Ctx, roles ...string) error {
	a, _ := registry.ActorFrom(c.UserContext())
	if a.Anonymous() {
		return registry.Errorf(registry.EUNAUTHORIZED, "Please sign in.", "Vui lòng đăng nhập.")
	}
	if !slices.Contains(roles, a.Role) {
		return registry.Errorf(registry.EFORBIDDEN, "You may not do this.", "Bạn không có quyền thực hiện thao tác này.")
	}
	return nil
}

// Stats is the mounted statistics side.
type Stats struct {
	cfg  Config
	tmpl *template.Template

	mu         sync.Mutex
	loadedAt   time.Time
	data       *snapshot
	refreshing bool          // a background load is running
	failedAt   time.Time     // when the last load failed
	firstDone  chan struct{} // closed when the first load ends
}

// snapshot is one load of every record the figures need.
type snapshot struct {
	in       registry.IndicatorInput
	entries  []*registry.BenchmarkEntry
	sectorOf map[string]string
	at       time.Time // the domain clock's time of the load

	// The figures of each period asked for, computed once per snapshot: at
	// a million lots one computation takes most of a second, and every
	// page of the minute shares it.
	mu         sync.Mutex
	figures    map[registry.Period]registry.Indicators
	benchmarks []registry.BenchmarkGroup
	benched    bool
}

// indicators are the snapshot's figures for period (computed once; callers only read them).
func (sn *snapshot) indicators(period registry.Period) registry.Indicators {
	sn.mu.Lock()
	defer sn.mu.Unlock()
	if ind, ok := sn.figures[period]; ok {
		return ind
	}
	ind := registry.ComputeIndicators(sn.in, period)
	if sn.figures == nil {
		sn.figures = map[registry.Period]registry.Indicators{}
	}
	sn.figures[period] = ind
	return ind
}

// benchmarkGroups are the snapshot's benchmarking groups (computed once).
func (sn *snapshot) benchmarkGroups() []registry.BenchmarkGroup {
	sn.mu.Lock()
	defer sn.mu.Unlock()
	if !sn.benched {
		sn.benchmarks, sn.benched = registry.ComputeBenchmarks(sn.entries, sn.sectorOf), true
	}
	return sn.benchmarks
}

// Mount adds the statistics routes to app.
func Mount(app *fiber.App, cfg Config) error {
	s, err := New(cfg)
	if err != nil {
		return err
	}
	s.routes(app)
	return nil
}

// New checks the configuration and parses the templates.
func New(cfg Config) (*Stats, error) {
	if cfg.Store == nil {
		return nil, errors.New("stats: no store")
	}
	if cfg.Clock == nil {
		cfg.Clock = registry.SystemClock{}
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.Authorize == nil {
		cfg.Authorize = func(*fiber.Ctx, ...string) error {
			return registry.Errorf(registry.EUNAUTHORIZED, "Please sign in.", "Vui lòng đăng nhập.")
		}
	}
	if cfg.CacheTTL == 0 {
		cfg.CacheTTL = time.Minute
	}
	if cfg.LoadTimeout <= 0 {
		cfg.LoadTimeout = 30 * time.Second
	}
	if cfg.RefreshTimeout <= 0 {
		cfg.RefreshTimeout = 10 * time.Minute
	}
	t, err := template.New("stats").ParseFS(assets.Templates, "templates/stats/*.html")
	if err != nil {
		return nil, fmt.Errorf("stats templates: %w", err)
	}
	if t.Lookup("page") == nil {
		return nil, errors.New(`stats templates: no "page" view`)
	}
	return &Stats{cfg: cfg, tmpl: t}, nil
}

func (s *Stats) routes(app *fiber.App) {
	app.Get("/thong-ke", s.publicPage)
	app.Get("/dashboard/programme", s.dashboard)
	app.Get("/dashboard/benchmark", s.benchmarkPage)
	app.Get("/api/v1/reports/annual", s.annualReport)
}

// load returns the records. With a cache, a request never waits for a
// reload: past the TTL it gets the last snapshot (its "as of" says when it
// was taken) and one background reload starts; a failed reload keeps the
// last snapshot and is tried again a TTL later. So a slow database, or an
// import holding the writer, cannot turn these pages into 503s or make each
// anonymous hit start another full read. The first load, with nothing to
// show yet, also runs in the background (it may take longer than a request
// should wait, at a province's size): requests wait for it up to
// LoadTimeout, then are told to come back.
func (s *Stats) load(ctx context.Context) (*snapshot, error) {
	if s.cfg.CacheTTL < 0 {
		return s.fetch(ctx, s.cfg.LoadTimeout)
	}
	s.mu.Lock()
	if s.data != nil {
		if time.Since(s.loadedAt) >= s.cfg.CacheTTL && !s.refreshing && time.Since(s.failedAt) >= s.cfg.CacheTTL {
			s.refreshing = true
			go s.refresh()
		}
		data := s.data
		s.mu.Unlock()
		return data, nil
	}
	if s.firstDone == nil && time.Since(s.failedAt) >= s.cfg.CacheTTL {
		s.firstDone = make(chan struct{})
		s.refreshing = true
		go s.refresh()
	}
	done := s.firstDone
	s.mu.Unlock()
	if done == nil { // the first load failed a moment ago
		return nil, errNotReady
	}
	t := time.NewTimer(s.cfg.LoadTimeout)
	defer t.Stop()
	select {
	case <-done:
	case <-t.C:
		return nil, errNotReady
	case <-ctx.Done():
		return nil, errNotReady
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.data == nil {
		return nil, errNotReady
	}
	return s.data, nil
}

var errNotReady = registry.Errorf(registry.EUNAVAILABLE, "The statistics are being computed; try again in a minute.",
	"Số liệu thống kê đang được tính; vui lòng thử lại sau một phút.")

// refresh loads the snapshot in the background, within RefreshTimeout.
func (s *Stats) refresh() {
	snap, err := s.fetch(context.Background(), s.cfg.RefreshTimeout)
	s.mu.Lock()
	defer s.mu.Unlock()
	s.refreshing = false
	if s.firstDone != nil && s.data == nil {
		close(s.firstDone)
		if err != nil {
			s.firstDone = nil // the next request past a TTL tries again
		}
	}
	if err != nil {
		s.failedAt = time.Now()
		s.cfg.Logger.Warn("statistics not loaded; the last snapshot, if any, stays", "err", err)
		return
	}
	s.data, s.loadedAt = snap, time.Now()
}

// fetch reads every record the figures need, within timeout.
func (s *Stats) fetch(ctx context.Context, timeout time.Duration) (*snapshot, error) {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	in, err := registry.LoadIndicatorInput(ctx, s.cfg.Store)
	if err != nil {
		return nil, err
	}
	in.Phases = s.cfg.Phases
	entries, sectorOf, err := registry.LoadBenchmarks(ctx, s.cfg.Store)
	if err != nil {
		return nil, err
	}
	return &snapshot{in: in, entries: entries, sectorOf: sectorOf, at: s.cfg.Clock.Now()}, nil
}

// periodFrom reads ?period=2021-2025 or ?year=2025; without either, the
// fallback (the current year for pages; the report requires one).
func (s *Stats) periodFrom(c *fiber.Ctx, required bool) (registry.Period, error) {
	if p := c.Query("period"); p != "" {
		return registry.ParsePeriod(p)
	}
	if y := c.Query("year"); y != "" {
		p, err := registry.ParsePeriod(y)
		if err == nil && p.From != p.To {
			err = invalidPeriod()
		}
		return p, err
	}
	if required {
		return registry.Period{}, invalidPeriod()
	}
	return registry.YearPeriod(s.cfg.Clock.Now().In(registry.Vietnam).Year()), nil
}

func invalidPeriod() error {
	var p registry.Problems
	p.Add("year", "required", "give year=YYYY or period=YYYY-YYYY", "cần year=YYYY hoặc period=YYYY-YYYY")
	return p.Err()
}

// lang picks the page language: ?lang=en, else Vietnamese.
func lang(c *fiber.Ctx) string {
	if c.Query("lang") == "en" {
		return "en"
	}
	return "vi"
}

// toggleHref is the current page in the other language.
func toggleHref(c *fiber.Ctx, other string) string {
	q := url.Values{}
	c.Request().URI().QueryArgs().VisitAll(func(k, v []byte) {
		if string(k) != "lang" {
			q.Add(string(k), string(v))
		}
	})
	if other == "en" {
		q.Set("lang", "en")
	}
	if len(q) == 0 {
		return c.Path()
	}
	return c.Path() + "?" + q.Encode()
}

type pageVM struct {
	T          map[string]string
	Title      string
	Action     string
	Toggle     string
	Lang       string
	PeriodText string
	YearValue  string
	SpanValue  string
	AsOf       string
	Public     bool
	XLSXHref   string
	CSVHref    string
	Sections   []section
}

func (s *Stats) render(c *fiber.Ctx, vm pageVM) error {
	var buf bytes.Buffer
	if err := s.tmpl.ExecuteTemplate(&buf, "page", vm); err != nil {
		return err
	}
	c.Type("html", "utf-8")
	return c.Send(buf.Bytes())
}

func (s *Stats) newPage(c *fiber.Ctx, titleKey string, period registry.Period, snap *snapshot) pageVM {
	lg := lang(c)
	t := messages[lg]
	vm := pageVM{T: t, Title: t[titleKey], Action: c.Path(), Toggle: toggleHref(c, t["other_code"]), Lang: lg,
		PeriodText: period.String(), AsOf: snap.at.In(registry.Vietnam).Format("02/01/2006 15:04")}
	if period.From == period.To {
		vm.YearValue = fmt.Sprint(period.From)
	} else {
		vm.SpanValue = fmt.Sprintf("%d-%d", period.From, period.To)
	}
	return vm
}

// groupsIn keeps the benchmark groups of the period's years; published
// ones only unless all is set.
func groupsIn(groups []registry.BenchmarkGroup, p registry.Period, all bool) []registry.BenchmarkGroup {
	var out []registry.BenchmarkGroup
	for _, g := range groups {
		if p.Contains(g.Year) && (all || !g.Suppressed) {
			out = append(out, g)
		}
	}
	return out
}

func (s *Stats) publicPage(c *fiber.Ctx) error {
	period, err := s.periodFrom(c, false)
	if err != nil {
		return err
	}
	snap, err := s.load(c.UserContext())
	if err != nil {
		return err
	}
	ind := snap.indicators(period)
	groups := groupsIn(snap.benchmarkGroups(), period, false)
	vm := s.newPage(c, "public_title", period, snap)
	vm.Public = true
	v := viewer{lang: vm.Lang, t: vm.T}
	vm.Sections = v.sections(ind, groups)
	c.Set(fiber.HeaderCacheControl, "public, max-age=300")
	return s.render(c, vm)
}

func (s *Stats) dashboard(c *fiber.Ctx) error {
	if err := s.cfg.Authorize(c, registry.RoleAdmin, registry.RoleInspector); err != nil {
		return err
	}
	period, err := s.periodFrom(c, false)
	if err != nil {
		return err
	}
	snap, err := s.load(c.UserContext())
	if err != nil {
		return err
	}
	ind := snap.indicators(period)
	groups := groupsIn(snap.benchmarkGroups(), period, true)
	vm := s.newPage(c, "dashboard_title", period, snap)
	q := "year=" + vm.YearValue
	if vm.SpanValue != "" {
		q = "period=" + vm.SpanValue
	}
	// The dashboard is a browser page, signed in with a workspace session;
	// GET /api/v1/reports/annual takes an API token, so the buttons use the
	// workspace download, which writes the same file (Stats.AnnualReport).
	vm.XLSXHref = "/w/programme/report.xlsx?" + q
	vm.CSVHref = "/w/programme/report.csv?" + q
	v := viewer{lang: vm.Lang, t: vm.T, full: true}
	vm.Sections = v.sections(ind, groups)
	notes, err := s.notes(c.UserContext(), period)
	if err != nil {
		return err
	}
	vm.Sections = append(vm.Sections, v.notes(notes))
	c.Set(fiber.HeaderCacheControl, "private, no-store")
	return s.render(c, vm)
}

// benchmarkPage shows an enterprise where it stands: its own figures and
// the published quartiles of its groups. Only the enterprise sees it.
func (s *Stats) benchmarkPage(c *fiber.Ctx) error {
	if err := s.cfg.Authorize(c, registry.RoleEnterprise); err != nil {
		return err
	}
	actor, _ := registry.ActorFrom(c.UserContext())
	if actor.Role != registry.RoleEnterprise || actor.EnterpriseID == "" {
		return registry.Errorf(registry.EFORBIDDEN, "This page is for an enterprise's own account.", "Trang này dành cho tài khoản của doanh nghiệp.")
	}
	snap, err := s.load(c.UserContext())
	if err != nil {
		return err
	}
	pos := registry.BenchmarkPositions(actor.EnterpriseID, snap.entries, snap.sectorOf)
	period := registry.YearPeriod(s.cfg.Clock.Now().In(registry.Vietnam).Year())
	vm := s.newPage(c, "bench_title", period, snap)
	vm.PeriodText, vm.YearValue = "", ""
	v := viewer{lang: vm.Lang, t: vm.T}
	vm.Sections = []section{v.positions(pos)}
	vm.Action = ""
	c.Set(fiber.HeaderCacheControl, "private, no-store")
	return s.render(c, vm)
}

func (s *Stats) annualReport(c *fiber.Ctx) error {
	if err := s.cfg.Authorize(c, registry.RoleAdmin, registry.RoleInspector); err != nil {
		return err
	}
	period, err := s.periodFrom(c, true)
	if err != nil {
		return err
	}
	f, err := s.AnnualReport(c.UserContext(), period, c.Query("format", "xlsx"))
	if err != nil {
		return err
	}
	return f.Send(c)
}

// ReportFile is one download of the annual report.
type ReportFile struct {
	Body        []byte
	ContentType string
	FileName    string
}

// Send answers with the file as an attachment.
func (f *ReportFile) Send(c *fiber.Ctx) error {
	c.Set(fiber.HeaderContentType, f.ContentType)
	c.Set(fiber.HeaderContentDisposition, `attachment; filename="`+f.FileName+`"`)
	c.Set(fiber.HeaderCacheControl, "private, no-store")
	return c.Send(f.Body)
}

// ReportFormat checks a report format: "xlsx" or "csv" (any case). EINVALID otherwise.
func ReportFormat(format string) (string, error) {
	format = strings.ToLower(format)
	if format != "xlsx" && format != "csv" {
		var p registry.Problems
		p.Add("format", "one_of", "must be one of: xlsx, csv", "phải là một trong: xlsx, csv")
		return "", p.Err()
	}
	return format, nil
}

// AnnualReport writes the annual report of period as XLSX or CSV: the
// figures of ComputeIndicators and the difficulties and proposals province
// staff wrote for the period's years. The API route and the workspace
// download both call it, so they give the same file. The caller authorizes.
func (s *Stats) AnnualReport(ctx context.Context, period registry.Period, format string) (*ReportFile, error) {
	format, err := ReportFormat(format)
	if err != nil {
		return nil, err
	}
	snap, err := s.load(ctx)
	if err != nil {
		return nil, err
	}
	ind := snap.indicators(period)
	opt := report.Options{GeneratedAt: s.cfg.Clock.Now()}
	notes, err := s.notes(ctx, period)
	if err != nil {
		return nil, err
	}
	for _, n := range notes {
		prefix := ""
		if period.From != period.To {
			prefix = fmt.Sprintf("Năm %d: ", n.Year)
		}
		for _, l := range registry.NoteLines(n.Difficulties) {
			opt.Difficulties = append(opt.Difficulties, prefix+l)
		}
		for _, l := range registry.NoteLines(n.Proposals) {
			opt.Proposals = append(opt.Proposals, prefix+l)
		}
	}
	var buf bytes.Buffer
	f := &ReportFile{FileName: report.FileName(period, format)}
	if format == "csv" {
		err = report.CSV(&buf, ind, opt)
		f.ContentType = "text/csv; charset=utf-8"
	} else {
		err = report.XLSX(&buf, ind, opt)
		f.ContentType = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
	}
	if err != nil {
		return nil, err
	}
	f.Body = buf.Bytes()
	return f, nil
}

// notes reads the annual notes of each year of the period that has some
// (never cached: they are edited by hand and short).
func (s *Stats) notes(ctx context.Context, period registry.Period) ([]*registry.AnnualNotes, error) {
	var out []*registry.AnnualNotes
	for _, y := range period.Years() {
		n, err := s.cfg.Store.FindAnnualNotes(ctx, y)
		if err != nil {
			return nil, err
		}
		if n.Version > 0 && (n.Difficulties != "" || n.Proposals != "") {
			out = append(out, n)
		}
	}
	return out, nil
}
