package api

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/tracereg/tracereg/registry"
)

// The province's programme (plan 6648/KH-UBND): support given to
// enterprises, experts, training courses, the yearly benchmarking entries and
// the good-practice library. Who may do what is registry.Authorize's:
//   - support-records, experts, training-courses, good-practices: province
//     staff (admin) create, change and delete; inspectors read.
//   - support-records: an enterprise reads the support it received (a list
//     is narrowed to it; another's answers 404) and changes nothing.
//   - experts and training-courses: admin and inspectors only (personal data;
//     a course names every enterprise that took part); others get 403.
//   - benchmark-entries: an enterprise enters, reads and corrects its own
//     yearly figures only (another's answers 404); admin and inspectors read
//     all; only admin deletes. GET /benchmark-entries/{id}/position tells
//     where the entry stands in its sector and product category, from the
//     published benchmarks alone (registry.BenchmarkPositions): a group of
//     fewer than registry.MinBenchmarkGroup enterprises is not published and
//     answers with the entry's own figures only.
//   - good-practices: everyone signed in reads and searches (?q= words of
//     the title, summary and tools, accents and case ignored; ?sector=, ?tool=).
//   - certifiers: the good-practice library, read-only; nothing else here.

func (a *API) mountProgramme(g fiber.Router) {
	a.mountAnnualNotes(g)
	s := a.store
	mountResource(a, g, resource[registry.SupportRecord]{
		kind: registry.KindSupport, path: "/support-records", tag: "support-records",
		target: func(x *registry.SupportRecord) registry.Resource {
			return registry.Resource{Kind: registry.KindSupport, EnterpriseID: x.EnterpriseID}
		},
		find: s.FindSupportRecord, create: s.CreateSupportRecord, update: s.UpdateSupportRecord, deletable: true,
		access:    "admin writes; inspectors read all; an enterprise reads the support it received (404 for another's)",
		listQuery: []string{"enterprise", "kind", "year"},
		list: func(c *fiber.Ctx, scope string, p registry.Page) ([]*registry.SupportRecord, string, error) {
			ent, err := scoped(c, scope)
			if err != nil {
				return nil, "", err
			}
			kind, err := queryOneOf(c, "kind", registry.SupportKinds)
			if err != nil {
				return nil, "", err
			}
			year, err := queryYear(c, "year")
			if err != nil {
				return nil, "", err
			}
			return s.ListSupportRecords(c.UserContext(), registry.SupportFilter{EnterpriseID: ent, Kind: kind, Year: year, Page: p})
		},
	})
	mountResource(a, g, resource[registry.Expert]{
		kind: registry.KindExpert, path: "/experts", tag: "experts",
		target: func(*registry.Expert) registry.Resource { return registry.Resource{Kind: registry.KindExpert} },
		find:   s.FindExpert, create: s.CreateExpert, update: s.UpdateExpert, deletable: true,
		access: "admin writes; inspectors read; enterprises and certifiers may not (personal data)",
		list: func(c *fiber.Ctx, _ string, p registry.Page) ([]*registry.Expert, string, error) {
			return s.ListExperts(c.UserContext(), p)
		},
	})
	mountResource(a, g, resource[registry.TrainingCourse]{
		kind: registry.KindCourse, path: "/training-courses", tag: "training-courses",
		target: func(*registry.TrainingCourse) registry.Resource { return registry.Resource{Kind: registry.KindCourse} },
		find:   s.FindTrainingCourse, create: s.CreateTrainingCourse, update: s.UpdateTrainingCourse, deletable: true,
		access: "admin writes; inspectors read; enterprises and certifiers may not (a course names every participating enterprise)",
		list: func(c *fiber.Ctx, _ string, p registry.Page) ([]*registry.TrainingCourse, string, error) {
			return s.ListTrainingCourses(c.UserContext(), p)
		},
	})
	bench := benchmarkResource(a)
	bench.path, bench.tag = "/benchmark-entries", "benchmark-entries"
	bench.create, bench.update, bench.deletable = s.CreateBenchmarkEntry, s.UpdateBenchmarkEntry, true
	bench.prepare = func(me registry.Actor, b *registry.BenchmarkEntry) { ownEnterprise(me, &b.EnterpriseID) }
	bench.listQuery = []string{"enterprise", "year"}
	bench.access = "an enterprise enters, reads and corrects its own yearly figures (404 for another's); admin and inspectors read all; admin deletes"
	bench.list = func(c *fiber.Ctx, scope string, p registry.Page) ([]*registry.BenchmarkEntry, string, error) {
		ent, err := scoped(c, scope)
		if err != nil {
			return nil, "", err
		}
		year, err := queryYear(c, "year")
		if err != nil {
			return nil, "", err
		}
		return s.ListBenchmarkEntries(c.UserContext(), registry.BenchmarkFilter{EnterpriseID: ent, Year: year, Page: p})
	}
	mountResource(a, g, bench)
	a.add(g, routeDoc{Method: "GET", Summary: "Where a benchmarking entry stands in its sector and product category that year: percentile, quartile band " +
		"and the group's published quartiles; a group of fewer than 5 enterprises is not published. Access: the entry's enterprise, admin and inspectors", Tag: "benchmark-entries",
		Response: benchmarkPositionAnswer{}}, "/benchmark-entries/:id/position", a.benchmarkPosition)
	mountResource(a, g, resource[registry.GoodPractice]{
		kind: registry.KindGoodPractice, path: "/good-practices", tag: "good-practices",
		target: func(*registry.GoodPractice) registry.Resource {
			return registry.Resource{Kind: registry.KindGoodPractice}
		},
		find: s.FindGoodPractice, create: s.CreateGoodPractice, update: s.UpdateGoodPractice, deletable: true,
		access:    "everyone signed in reads and searches (?q= words, accents and case ignored; ?sector=, ?tool=); admin writes",
		listQuery: []string{"q", "sector", "tool"},
		list: func(c *fiber.Ctx, _ string, p registry.Page) ([]*registry.GoodPractice, string, error) {
			q, err := queryText(c, "q")
			if err != nil {
				return nil, "", err
			}
			sector, err := queryOneOf(c, "sector", registry.Sectors)
			if err != nil {
				return nil, "", err
			}
			tool, err := queryOneOf(c, "tool", registry.PracticeTools)
			if err != nil {
				return nil, "", err
			}
			return s.SearchGoodPractices(c.UserContext(), registry.GoodPracticeFilter{Sector: sector, Tool: tool, Query: q, Page: p})
		},
	})
}

func benchmarkResource(a *API) resource[registry.BenchmarkEntry] {
	return resource[registry.BenchmarkEntry]{kind: registry.KindBenchmark, find: a.store.FindBenchmarkEntry,
		target: func(b *registry.BenchmarkEntry) registry.Resource {
			return registry.Resource{Kind: registry.KindBenchmark, EnterpriseID: b.EnterpriseID}
		}}
}

// queryOneOf reads an optional query parameter that must be one of allowed.
func queryOneOf(c *fiber.Ctx, name string, allowed []string) (string, error) {
	s := c.Query(name)
	if s != "" && !slices.Contains(allowed, s) {
		return "", fieldErr(name, "one_of", "is not one of the values this list knows", "không phải một trong các giá trị được chấp nhận")
	}
	return s, nil
}

// queryYear reads an optional year (0 when absent).
func queryYear(c *fiber.Ctx, name string) (int, error) {
	s := c.Query(name)
	if s == "" {
		return 0, nil
	}
	y, err := strconv.Atoi(s)
	if err != nil || y < registry.MinProgrammeYr || y > registry.MaxProgrammeYr {
		return 0, fieldErr(name, "year", "must be a year between 2000 and 2100", "phải là năm trong khoảng 2000 đến 2100")
	}
	return y, nil
}

// benchmarkPositionAnswer is where one entry stands, group by group.
type benchmarkPositionAnswer struct {
	EntryID      string                   `json:"entry_id"`
	EnterpriseID string                   `json:"enterprise_id"`
	Year         int                      `json:"year"`
	Category     string                   `json:"category"`
	Groups       []benchmarkPositionGroup `json:"groups"`
}

// benchmarkPositionGroup is the entry's peer group: its sector or its
// product category that year. An unpublished group says so and carries
// nothing of the other enterprises, not even how many there are.
type benchmarkPositionGroup struct {
	Scope     string `json:"scope"` // sector or category
	Key       string `json:"key"`
	Published bool   `json:"published"`
	// Note explains an unpublished group.
	Note    string                    `json:"note,omitempty"`
	NoteVI  string                    `json:"note_vi,omitempty"`
	N       int                       `json:"n,omitempty"`
	Metrics []benchmarkPositionMetric `json:"metrics"`
}

// benchmarkPositionMetric is the entry's own figure of one metric and, in a
// published group, where it stands.
type benchmarkPositionMetric struct {
	Metric        string  `json:"metric"`
	Value         float64 `json:"value"`
	LowerIsBetter bool    `json:"lower_is_better"`
	// Percentile is the share of the group (in %) below the value, ties counted as half.
	Percentile *float64 `json:"percentile,omitempty"`
	// Quartile is the band of the value, 1 (lowest) to 4 (highest).
	Quartile int                 `json:"quartile,omitempty"`
	Group    *registry.Quartiles `json:"group,omitempty"`
}

const (
	notPublished   = "Not published: fewer than 5 enterprises in this group."
	notPublishedVI = "Không công bố: nhóm có ít hơn 5 doanh nghiệp."
)

func (a *API) benchmarkPosition(c *fiber.Ctx) error {
	b, err := load(c, benchmarkResource(a), c.Params("id"), registry.ActRead)
	if err != nil {
		return err
	}
	entries, sectorOf, err := a.benchmarkYear(c.UserContext(), b.Year)
	if err != nil {
		return err
	}
	out := benchmarkPositionAnswer{EntryID: b.ID, EnterpriseID: b.EnterpriseID, Year: b.Year, Category: b.Category, Groups: []benchmarkPositionGroup{}}
	for _, p := range registry.BenchmarkPositions(b.EnterpriseID, entries, sectorOf) {
		if p.Year != b.Year {
			continue
		}
		n := len(out.Groups)
		if n == 0 || out.Groups[n-1].Scope != p.Scope || out.Groups[n-1].Key != p.Key {
			grp := benchmarkPositionGroup{Scope: p.Scope, Key: p.Key, Published: !p.Suppressed}
			if p.Suppressed {
				grp.Note, grp.NoteVI = notPublished, notPublishedVI
			} else {
				grp.N = p.N
			}
			out.Groups = append(out.Groups, grp)
			n++
		}
		m := benchmarkPositionMetric{Metric: p.Metric, Value: p.Value, LowerIsBetter: registry.LowerIsBetter(p.Metric)}
		if !p.Suppressed {
			pct, q := p.Percentile, p.Group
			m.Percentile, m.Quartile, m.Group = &pct, p.Quartile, &q
		}
		out.Groups[n-1].Metrics = append(out.Groups[n-1].Metrics, m)
	}
	c.Set(fiber.HeaderCacheControl, "private, no-store")
	return c.JSON(out)
}

// benchmarkYear reads every entry of a year and the sector of each
// enterprise that made one.
func (a *API) benchmarkYear(ctx context.Context, year int) ([]*registry.BenchmarkEntry, map[string]string, error) {
	entries, err := registry.CollectAll(ctx, func(p registry.Page) ([]*registry.BenchmarkEntry, string, error) {
		return a.store.ListBenchmarkEntries(ctx, registry.BenchmarkFilter{Year: year, Page: p})
	})
	if err != nil {
		return nil, nil, err
	}
	ents, err := registry.CollectAll(ctx, func(p registry.Page) ([]*registry.Enterprise, string, error) {
		return a.store.ListEnterprises(ctx, registry.EnterpriseFilter{Page: p})
	})
	if err != nil {
		return nil, nil, err
	}
	sectorOf := make(map[string]string, len(ents))
	for _, e := range ents {
		sectorOf[e.ID] = e.Sector
	}
	return entries, sectorOf, nil
}

// The annual report's notes (difficulties and proposals, sections IV and V)
// for one year: GET for admin and inspectors, PUT for admin with If-Match.
// A year nobody has written yet reads as empty notes of version 0, whose
// ETag a first PUT sends.
func (a *API) mountAnnualNotes(g fiber.Router) {
	access := ". Access: admin writes; inspectors read"
	a.add(g, routeDoc{Method: "GET", Summary: "Read the annual report's difficulties and proposals for a year (sends ETag; an unwritten year is empty, version 0)" + access,
		Tag: "reports", Response: registry.AnnualNotes{}, Query: []string{"year"}}, "/reports/annual/notes", a.getAnnualNotes)
	a.add(g, routeDoc{Method: "PUT", Summary: "Write the annual report's difficulties and proposals for a year (If-Match; at most 10,000 characters each; one report line per text line)" + access,
		Tag: "reports", Request: annualNotesInput{}, Response: registry.AnnualNotes{}, Query: []string{"year"}, IfMatch: true}, "/reports/annual/notes", a.putAnnualNotes)
}

// annualNotesInput is the body of a PUT: the texts, and optionally what a
// GET answered (the year must then be the query's; the rest is ignored, the
// version read travels in If-Match).
type annualNotesInput struct {
	Year         *int       `json:"year,omitempty"`
	Difficulties string     `json:"difficulties"`
	Proposals    string     `json:"proposals"`
	UpdatedBy    string     `json:"updated_by,omitempty"`
	UpdatedAt    *time.Time `json:"updated_at,omitempty"`
	Version      *int       `json:"version,omitempty"`
}

func notesETag(n *registry.AnnualNotes) string {
	return fmt.Sprintf(`"notes-%d-v%d"`, n.Year, n.Version)
}

// notesYear reads the required ?year=.
func notesYear(c *fiber.Ctx) (int, error) {
	y, err := strconv.Atoi(c.Query("year"))
	if err != nil || y < registry.MinProgrammeYr || y > registry.MaxProgrammeYr {
		return 0, fieldErr("year", "year", "give year=YYYY, between 2000 and 2100", "cần year=YYYY trong khoảng 2000 đến 2100")
	}
	return y, nil
}

func (a *API) getAnnualNotes(c *fiber.Ctx) error {
	if err := registry.CanReadAnnualNotes(actor(c)); err != nil {
		return err
	}
	year, err := notesYear(c)
	if err != nil {
		return err
	}
	n, err := a.store.FindAnnualNotes(c.UserContext(), year)
	if err != nil {
		return err
	}
	c.Set(fiber.HeaderETag, notesETag(n))
	return c.JSON(n)
}

func (a *API) putAnnualNotes(c *fiber.Ctx) error {
	me := actor(c)
	if err := registry.CanReadAnnualNotes(me); err != nil {
		return err
	}
	if me.Role != registry.RoleAdmin {
		return registry.Errorf(registry.EFORBIDDEN, "Only the Department of Science and Technology may do this.",
			"Chỉ Sở Khoa học và Công nghệ được thực hiện thao tác này.")
	}
	year, err := notesYear(c)
	if err != nil {
		return err
	}
	h := strings.Trim(strings.TrimPrefix(strings.TrimSpace(c.Get(fiber.HeaderIfMatch)), "W/"), `"`)
	if h == "" {
		return errNeedIfMatch
	}
	prefix := fmt.Sprintf("notes-%d-v", year)
	read, err := strconv.Atoi(strings.TrimPrefix(h, prefix))
	if !strings.HasPrefix(h, prefix) || err != nil || read < 0 {
		return errStale
	}
	cur, err := a.store.FindAnnualNotes(c.UserContext(), year)
	if err != nil {
		return err
	}
	if read != cur.Version {
		return errStale
	}
	var in annualNotesInput
	if err := decodeJSON(c, &in, MaxJSONBody); err != nil {
		return err
	}
	if in.Year != nil && *in.Year != year {
		return fieldErr("year", "immutable", "must be the year of the query", "phải là năm trong tham số year")
	}
	next := &registry.AnnualNotes{Year: year, Difficulties: in.Difficulties, Proposals: in.Proposals, Version: read}
	if err := registry.WriteAnnualNotes(c.UserContext(), a.store, me, next); err != nil {
		return err
	}
	if err := a.audit(c, "annual_notes.update", "annual_notes", strconv.Itoa(year), "", cur, next); err != nil {
		return err
	}
	c.Set(fiber.HeaderETag, notesETag(next))
	return c.JSON(next)
}
