package records

import (
	"context"
	"errors"
	"strconv"
	"strings"

	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/tracereg/tracereg/registry"
	"github.com/tracereg/tracereg/registry/store"
)

// The province's programme: support records, experts, training courses,
// benchmarking entries, the good-practice library and the annual notes.
var (
	_ registry.ProgrammeService    = (*DB)(nil)
	_ registry.BenchmarkService    = (*DB)(nil)
	_ registry.GoodPracticeService = (*DB)(nil)
	_ registry.IndicatorSource     = (*DB)(nil)
	_ registry.BenchmarkSource     = (*DB)(nil)
	_ registry.ScanLister          = (*DB)(nil)
	_ registry.AnnualNotesService  = (*DB)(nil)
)

var errBenchmarkTaken = conflict("This enterprise already has benchmarking figures for that year.",
	"Doanh nghiệp đã có số liệu đối sánh cho năm này.")

// --- support records

// checkSupportLinks requires the enterprise and the outcomes to exist, the outcomes being the enterprise's.
func (d *DB) checkSupportLinks(ctx context.Context, s *registry.SupportRecord) error {
	if ok, err := d.exists(ctx, colEnterprises, s.EnterpriseID, nil); err != nil {
		return err
	} else if !ok {
		return notFound("Enterprise", "doanh nghiệp")
	}
	var p registry.Problems
	if s.CertificateID != "" {
		ok, err := d.exists(ctx, colCertificates, s.CertificateID, fieldIs("holder_id", s.EnterpriseID))
		if err != nil {
			return err
		}
		if !ok {
			p.Add("certificate_id", "exists", "refers to a record that does not exist or belongs to another enterprise",
				"tham chiếu tới bản ghi không tồn tại hoặc thuộc doanh nghiệp khác")
		}
	}
	if err := d.requireOwned(ctx, &p, "announcement_id", colAnnouncements, []string{s.AnnouncementID}, s.EnterpriseID, nil); err != nil {
		return err
	}
	if err := d.requireOwned(ctx, &p, "batch_id", colBatches, []string{s.BatchID}, s.EnterpriseID, nil); err != nil {
		return err
	}
	return p.Err()
}

// CreateSupportRecord implements registry.ProgrammeService.
func (d *DB) CreateSupportRecord(ctx context.Context, s *registry.SupportRecord) error {
	if err := s.Validate(); err != nil {
		return err
	}
	if err := d.checkSupportLinks(ctx, s); err != nil {
		return err
	}
	s.ID, s.CreatedAt, s.UpdatedAt, s.Version = newID(), d.now(), d.now(), 1
	return d.insert(ctx, colSupport, s, nil)
}

// FindSupportRecord implements registry.ProgrammeService.
func (d *DB) FindSupportRecord(ctx context.Context, id string) (*registry.SupportRecord, error) {
	return getByID[registry.SupportRecord](ctx, d, colSupport, id, "Support record", "bản ghi hỗ trợ")
}

// ListSupportRecords implements registry.ProgrammeService.
func (d *DB) ListSupportRecords(ctx context.Context, f registry.SupportFilter) ([]*registry.SupportRecord, string, error) {
	return list[registry.SupportRecord](ctx, d, colSupport, where("enterprise_id", f.EnterpriseID, "kind", f.Kind, "year", f.Year), f.Page)
}

// UpdateSupportRecord implements registry.ProgrammeService.
func (d *DB) UpdateSupportRecord(ctx context.Context, s *registry.SupportRecord) error {
	if err := s.Validate(); err != nil {
		return err
	}
	old, err := d.FindSupportRecord(ctx, s.ID)
	if err != nil {
		return err
	}
	if old.EnterpriseID != s.EnterpriseID {
		return fieldError("enterprise_id", "immutable", "cannot move to another enterprise", "không thể chuyển sang doanh nghiệp khác")
	}
	if err := d.checkSupportLinks(ctx, s); err != nil {
		return err
	}
	return d.replaceNext(ctx, colSupport, stamps{&s.Version, &s.CreatedAt, &s.UpdatedAt}, old.CreatedAt,
		func() any { return s }, nil)
}

// --- experts

// CreateExpert implements registry.ProgrammeService.
func (d *DB) CreateExpert(ctx context.Context, e *registry.Expert) error {
	if err := e.Validate(); err != nil {
		return err
	}
	e.ID, e.CreatedAt, e.UpdatedAt, e.Version = newID(), d.now(), d.now(), 1
	return d.insert(ctx, colExperts, e, nil)
}

// FindExpert implements registry.ProgrammeService.
func (d *DB) FindExpert(ctx context.Context, id string) (*registry.Expert, error) {
	return getByID[registry.Expert](ctx, d, colExperts, id, "Expert", "chuyên gia")
}

// ListExperts implements registry.ProgrammeService.
func (d *DB) ListExperts(ctx context.Context, page registry.Page) ([]*registry.Expert, string, error) {
	return list[registry.Expert](ctx, d, colExperts, nil, page)
}

// UpdateExpert implements registry.ProgrammeService.
func (d *DB) UpdateExpert(ctx context.Context, e *registry.Expert) error {
	if err := e.Validate(); err != nil {
		return err
	}
	old, err := d.FindExpert(ctx, e.ID)
	if err != nil {
		return err
	}
	return d.replaceNext(ctx, colExperts, stamps{&e.Version, &e.CreatedAt, &e.UpdatedAt}, old.CreatedAt,
		func() any { return e }, nil)
}

// --- training courses

func (d *DB) checkParticipants(ctx context.Context, c *registry.TrainingCourse) error {
	var p registry.Problems
	seen := map[string]bool{}
	for i, pt := range c.Participants {
		if seen[pt.EnterpriseID] {
			continue
		}
		seen[pt.EnterpriseID] = true
		ok, err := d.exists(ctx, colEnterprises, pt.EnterpriseID, nil)
		if err != nil {
			return err
		}
		if !ok {
			p.Add(participantField(i), "exists", "refers to an enterprise that does not exist", "tham chiếu tới doanh nghiệp không tồn tại")
		}
	}
	return p.Err()
}

func participantField(i int) string {
	return "participants[" + strconv.Itoa(i) + "].enterprise_id"
}

// CreateTrainingCourse implements registry.ProgrammeService.
func (d *DB) CreateTrainingCourse(ctx context.Context, c *registry.TrainingCourse) error {
	if err := c.Validate(); err != nil {
		return err
	}
	if err := d.checkParticipants(ctx, c); err != nil {
		return err
	}
	c.ID, c.CreatedAt, c.UpdatedAt, c.Version = newID(), d.now(), d.now(), 1
	return d.insert(ctx, colCourses, c, nil)
}

// FindTrainingCourse implements registry.ProgrammeService.
func (d *DB) FindTrainingCourse(ctx context.Context, id string) (*registry.TrainingCourse, error) {
	return getByID[registry.TrainingCourse](ctx, d, colCourses, id, "Training course", "khoá tập huấn")
}

// ListTrainingCourses implements registry.ProgrammeService.
func (d *DB) ListTrainingCourses(ctx context.Context, page registry.Page) ([]*registry.TrainingCourse, string, error) {
	return list[registry.TrainingCourse](ctx, d, colCourses, nil, page)
}

// UpdateTrainingCourse implements registry.ProgrammeService.
func (d *DB) UpdateTrainingCourse(ctx context.Context, c *registry.TrainingCourse) error {
	if err := c.Validate(); err != nil {
		return err
	}
	old, err := d.FindTrainingCourse(ctx, c.ID)
	if err != nil {
		return err
	}
	if err := d.checkParticipants(ctx, c); err != nil {
		return err
	}
	return d.replaceNext(ctx, colCourses, stamps{&c.Version, &c.CreatedAt, &c.UpdatedAt}, old.CreatedAt,
		func() any { return c }, nil)
}

// --- benchmarking entries

// CreateBenchmarkEntry implements registry.BenchmarkService.
func (d *DB) CreateBenchmarkEntry(ctx context.Context, b *registry.BenchmarkEntry) error {
	if err := b.Validate(); err != nil {
		return err
	}
	if ok, err := d.exists(ctx, colEnterprises, b.EnterpriseID, nil); err != nil {
		return err
	} else if !ok {
		return notFound("Enterprise", "doanh nghiệp")
	}
	b.ID, b.CreatedAt, b.UpdatedAt, b.Version = newID(), d.now(), d.now(), 1
	return d.insert(ctx, colBenchmarks, b, errBenchmarkTaken)
}

// FindBenchmarkEntry implements registry.BenchmarkService.
func (d *DB) FindBenchmarkEntry(ctx context.Context, id string) (*registry.BenchmarkEntry, error) {
	return getByID[registry.BenchmarkEntry](ctx, d, colBenchmarks, id, "Benchmarking entry", "số liệu đối sánh")
}

// ListBenchmarkEntries implements registry.BenchmarkService.
func (d *DB) ListBenchmarkEntries(ctx context.Context, f registry.BenchmarkFilter) ([]*registry.BenchmarkEntry, string, error) {
	return list[registry.BenchmarkEntry](ctx, d, colBenchmarks, where("enterprise_id", f.EnterpriseID, "year", f.Year), f.Page)
}

// UpdateBenchmarkEntry implements registry.BenchmarkService.
func (d *DB) UpdateBenchmarkEntry(ctx context.Context, b *registry.BenchmarkEntry) error {
	if err := b.Validate(); err != nil {
		return err
	}
	old, err := d.FindBenchmarkEntry(ctx, b.ID)
	if err != nil {
		return err
	}
	if old.EnterpriseID != b.EnterpriseID {
		return fieldError("enterprise_id", "immutable", "cannot move to another enterprise", "không thể chuyển sang doanh nghiệp khác")
	}
	return d.replaceNext(ctx, colBenchmarks, stamps{&b.Version, &b.CreatedAt, &b.UpdatedAt}, old.CreatedAt,
		func() any { return b }, errBenchmarkTaken)
}

// --- good practices

func (d *DB) checkPracticeLinks(ctx context.Context, g *registry.GoodPractice) error {
	var p registry.Problems
	if g.EnterpriseID != "" {
		if err := d.requireOwned(ctx, &p, "enterprise_id", colEnterprises, []string{g.EnterpriseID}, "", nil); err != nil {
			return err
		}
	}
	if err := d.requireOwned(ctx, &p, "document_ids", colDocuments, g.DocumentIDs, "", nil); err != nil {
		return err
	}
	return p.Err()
}

// CreateGoodPractice implements registry.GoodPracticeService.
func (d *DB) CreateGoodPractice(ctx context.Context, g *registry.GoodPractice) error {
	if err := g.Validate(); err != nil {
		return err
	}
	if err := d.checkPracticeLinks(ctx, g); err != nil {
		return err
	}
	g.ID, g.CreatedAt, g.UpdatedAt, g.Version = newID(), d.now(), d.now(), 1
	return d.insert(ctx, colGoodPractices, g, nil)
}

// FindGoodPractice implements registry.GoodPracticeService.
func (d *DB) FindGoodPractice(ctx context.Context, id string) (*registry.GoodPractice, error) {
	return getByID[registry.GoodPractice](ctx, d, colGoodPractices, id, "Good practice", "thực hành tốt")
}

// SearchGoodPractices implements registry.GoodPracticeService. Sector and
// tool narrow the query in the engine (an equality on the tools array
// matches any element); the words are matched in Go (there is no text
// index), over what sector and tool select of this small library, and the
// page is cut after matching: its cursor is the position after the last
// record returned.
func (d *DB) SearchGoodPractices(ctx context.Context, f registry.GoodPracticeFilter) ([]*registry.GoodPractice, string, error) {
	page := f.Page.Normalize()
	q := store.Query{Collection: colGoodPractices, Where: where("sector", f.Sector, "tools", f.Tool), After: page.Cursor, Limit: store.MaxLimit}
	if !page.UpdatedSince.IsZero() {
		q.Range = &store.Range{Field: "updated_at", Gte: page.UpdatedSince.UTC()}
	}
	plan, err := d.eng.Schema().Cover(q)
	if err != nil {
		return nil, "", mapError(err, nil)
	}
	var out []*registry.GoodPractice
	var last bson.Raw
	for n := 0; ; {
		raws, next, err := d.eng.Find(ctx, q)
		if err != nil {
			return nil, "", mapError(err, nil)
		}
		for _, raw := range raws {
			g, err := decode[registry.GoodPractice](raw)
			if err != nil {
				return nil, "", err
			}
			if !f.Matches(g) {
				continue
			}
			if len(out) == page.Limit {
				rest, err := store.RestValues(plan, last)
				if err != nil {
					return nil, "", err
				}
				return out, store.Cursor(rest), nil
			}
			out, last = append(out, g), raw
		}
		n += len(raws)
		if next == "" || n >= maxAll {
			return out, "", nil
		}
		q.After = next
	}
}

// UpdateGoodPractice implements registry.GoodPracticeService.
func (d *DB) UpdateGoodPractice(ctx context.Context, g *registry.GoodPractice) error {
	if err := g.Validate(); err != nil {
		return err
	}
	old, err := d.FindGoodPractice(ctx, g.ID)
	if err != nil {
		return err
	}
	if err := d.checkPracticeLinks(ctx, g); err != nil {
		return err
	}
	return d.replaceNext(ctx, colGoodPractices, stamps{&g.Version, &g.CreatedAt, &g.UpdatedAt}, old.CreatedAt,
		func() any { return g }, nil)
}

// --- scan counters (read-only here; scans.go writes them)

// ListScanStats implements registry.ScanLister: pages in key order. Keys are
// Digital Link paths, not ObjectIDs, so the cursor is the last key itself.
func (d *DB) ListScanStats(ctx context.Context, page registry.Page) ([]*registry.ScanStats, string, error) {
	page = page.Normalize()
	if page.Cursor != "" && (len(page.Cursor) > 300 || !strings.HasPrefix(page.Cursor, "/")) {
		return nil, "", errBadCursor
	}
	out, err := keyPage[registry.ScanStats](ctx, d, colScans, page)
	if err != nil || len(out) <= page.Limit {
		return out, "", err
	}
	out = out[:page.Limit]
	return out, out[len(out)-1].Key, nil
}

// ListScanMonths implements registry.ScanLister: pages in storage key order
// ("YYYY-MM key"); the cursor is the last storage key.
func (d *DB) ListScanMonths(ctx context.Context, page registry.Page) ([]*registry.ScanMonth, string, error) {
	page = page.Normalize()
	if page.Cursor != "" && (len(page.Cursor) > 320 || !strings.Contains(page.Cursor, " /")) {
		return nil, "", errBadCursor
	}
	out, err := keyPage[registry.ScanMonth](ctx, d, colScanMonths, page)
	if err != nil || len(out) <= page.Limit {
		return out, "", err
	}
	out = out[:page.Limit]
	return out, out[len(out)-1].ID, nil
}

// keyPage reads up to page.Limit+1 records in _id order after the _id
// page.Cursor, so the caller knows whether there is a next page.
func keyPage[T any](ctx context.Context, d *DB, col string, page registry.Page) ([]*T, error) {
	q := store.Query{Collection: col, Limit: page.Limit + 1}
	if page.Cursor != "" {
		q.Range = &store.Range{Field: store.IDField, Gt: page.Cursor}
	}
	raws, _, err := d.eng.Find(ctx, q)
	if err != nil {
		return nil, mapError(err, nil)
	}
	out := make([]*T, 0, len(raws))
	for _, raw := range raws {
		v, err := decode[T](raw)
		if err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, nil
}

// --- the annual report's notes

// notesDoc is one year's notes; the year is the key.
type notesDoc struct {
	ID                   string `bson:"_id"`
	registry.AnnualNotes `bson:",inline"`
}

func notesID(year int) string { return strconv.Itoa(year) }

// FindAnnualNotes implements registry.AnnualNotesService.
func (d *DB) FindAnnualNotes(ctx context.Context, year int) (*registry.AnnualNotes, error) {
	probe := registry.AnnualNotes{Year: year}
	if err := probe.Validate(); err != nil {
		return nil, err
	}
	raw, err := d.eng.Get(ctx, colAnnualNotes, notesID(year))
	if errors.Is(err, store.ErrNotFound) {
		return &probe, nil
	}
	if err != nil {
		return nil, mapError(err, nil)
	}
	doc, err := decode[notesDoc](raw)
	if err != nil {
		return nil, err
	}
	return &doc.AnnualNotes, nil
}

var errNotesStale = registry.Errorf(registry.ESTALE, "The notes changed since you read them; reload and try again.",
	"Nội dung đã thay đổi kể từ khi bạn đọc; hãy tải lại và thử lại.")

// SaveAnnualNotes implements registry.AnnualNotesService: an insert for
// version 0 (a duplicate key means someone wrote first), else a replace of
// the version read.
func (d *DB) SaveAnnualNotes(ctx context.Context, n *registry.AnnualNotes) error {
	if err := n.Validate(); err != nil {
		return err
	}
	read := n.Version
	if read < 0 {
		return errNotesStale
	}
	next := *n
	next.Version, next.UpdatedAt = read+1, d.now()
	doc := notesDoc{ID: notesID(n.Year), AnnualNotes: next}
	var err error
	if read == 0 {
		err = d.insert(ctx, colAnnualNotes, doc, errNotesStale)
	} else {
		err = d.replace(ctx, colAnnualNotes, read, doc, nil)
	}
	switch registry.ErrorCode(err) {
	case "":
		*n = next
		return nil
	case registry.ECONFLICT, registry.ESTALE, registry.ENOTFOUND:
		return errNotesStale
	}
	return err
}
