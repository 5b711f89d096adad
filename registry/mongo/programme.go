package mongo

import (
	"context"
	"errors"
	"strconv"
	"strings"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/tracereg/tracereg/registry"
)

// The province's programme: support records, experts, training courses,
// benchmarking entries and the good-practice library.
const (
	colSupport       = "support_records"
	colExperts       = "experts"
	colCourses       = "training_courses"
	colBenchmarks    = "benchmark_entries"
	colGoodPractices = "good_practices"
	colAnnualNotes   = "annual_notes"
)

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
	if ok, err := d.exists(ctx, colEnterprises, s.EnterpriseID); err != nil {
		return err
	} else if !ok {
		return notFound("Enterprise", "doanh nghiệp")
	}
	var p registry.Problems
	if s.CertificateID != "" {
		ok, err := d.exists(ctx, colCertificates, s.CertificateID, bson.E{Key: "holder_id", Value: s.EnterpriseID})
		if err != nil {
			return err
		}
		if !ok {
			p.Add("certificate_id", "exists", "refers to a record that does not exist or belongs to another enterprise",
				"tham chiếu tới bản ghi không tồn tại hoặc thuộc doanh nghiệp khác")
		}
	}
	if err := d.requireOwned(ctx, &p, "announcement_id", colAnnouncements, []string{s.AnnouncementID}, s.EnterpriseID); err != nil {
		return err
	}
	if err := d.requireOwned(ctx, &p, "batch_id", colBatches, []string{s.BatchID}, s.EnterpriseID); err != nil {
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
	return d.insertOne(ctx, colSupport, s, nil)
}

// FindSupportRecord implements registry.ProgrammeService.
func (d *DB) FindSupportRecord(ctx context.Context, id string) (*registry.SupportRecord, error) {
	return findByID[registry.SupportRecord](ctx, d, colSupport, id, "Support record", "bản ghi hỗ trợ")
}

// ListSupportRecords implements registry.ProgrammeService.
func (d *DB) ListSupportRecords(ctx context.Context, f registry.SupportFilter) ([]*registry.SupportRecord, string, error) {
	filter := addEq(addEq(bson.D{}, "enterprise_id", f.EnterpriseID), "kind", f.Kind)
	if f.Year != 0 {
		filter = append(filter, bson.E{Key: "year", Value: f.Year})
	}
	return list(ctx, d, colSupport, filter, f.Page, func(x *registry.SupportRecord) string { return x.ID })
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
	return d.replaceNext(ctx, colSupport, s.ID, stamps{&s.Version, &s.CreatedAt, &s.UpdatedAt}, old.CreatedAt,
		func() any { return s }, nil)
}

// --- experts

// CreateExpert implements registry.ProgrammeService.
func (d *DB) CreateExpert(ctx context.Context, e *registry.Expert) error {
	if err := e.Validate(); err != nil {
		return err
	}
	e.ID, e.CreatedAt, e.UpdatedAt, e.Version = newID(), d.now(), d.now(), 1
	return d.insertOne(ctx, colExperts, e, nil)
}

// FindExpert implements registry.ProgrammeService.
func (d *DB) FindExpert(ctx context.Context, id string) (*registry.Expert, error) {
	return findByID[registry.Expert](ctx, d, colExperts, id, "Expert", "chuyên gia")
}

// ListExperts implements registry.ProgrammeService.
func (d *DB) ListExperts(ctx context.Context, page registry.Page) ([]*registry.Expert, string, error) {
	return list(ctx, d, colExperts, bson.D{}, page, func(x *registry.Expert) string { return x.ID })
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
	return d.replaceNext(ctx, colExperts, e.ID, stamps{&e.Version, &e.CreatedAt, &e.UpdatedAt}, old.CreatedAt,
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
		ok, err := d.exists(ctx, colEnterprises, pt.EnterpriseID)
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
	return d.insertOne(ctx, colCourses, c, nil)
}

// FindTrainingCourse implements registry.ProgrammeService.
func (d *DB) FindTrainingCourse(ctx context.Context, id string) (*registry.TrainingCourse, error) {
	return findByID[registry.TrainingCourse](ctx, d, colCourses, id, "Training course", "khoá tập huấn")
}

// ListTrainingCourses implements registry.ProgrammeService.
func (d *DB) ListTrainingCourses(ctx context.Context, page registry.Page) ([]*registry.TrainingCourse, string, error) {
	return list(ctx, d, colCourses, bson.D{}, page, func(x *registry.TrainingCourse) string { return x.ID })
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
	return d.replaceNext(ctx, colCourses, c.ID, stamps{&c.Version, &c.CreatedAt, &c.UpdatedAt}, old.CreatedAt,
		func() any { return c }, nil)
}

// --- benchmarking entries

// CreateBenchmarkEntry implements registry.BenchmarkService.
func (d *DB) CreateBenchmarkEntry(ctx context.Context, b *registry.BenchmarkEntry) error {
	if err := b.Validate(); err != nil {
		return err
	}
	if ok, err := d.exists(ctx, colEnterprises, b.EnterpriseID); err != nil {
		return err
	} else if !ok {
		return notFound("Enterprise", "doanh nghiệp")
	}
	b.ID, b.CreatedAt, b.UpdatedAt, b.Version = newID(), d.now(), d.now(), 1
	return d.insertOne(ctx, colBenchmarks, b, errBenchmarkTaken)
}

// FindBenchmarkEntry implements registry.BenchmarkService.
func (d *DB) FindBenchmarkEntry(ctx context.Context, id string) (*registry.BenchmarkEntry, error) {
	return findByID[registry.BenchmarkEntry](ctx, d, colBenchmarks, id, "Benchmarking entry", "số liệu đối sánh")
}

// ListBenchmarkEntries implements registry.BenchmarkService.
func (d *DB) ListBenchmarkEntries(ctx context.Context, f registry.BenchmarkFilter) ([]*registry.BenchmarkEntry, string, error) {
	filter := addEq(bson.D{}, "enterprise_id", f.EnterpriseID)
	if f.Year != 0 {
		filter = append(filter, bson.E{Key: "year", Value: f.Year})
	}
	return list(ctx, d, colBenchmarks, filter, f.Page, func(x *registry.BenchmarkEntry) string { return x.ID })
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
	return d.replaceNext(ctx, colBenchmarks, b.ID, stamps{&b.Version, &b.CreatedAt, &b.UpdatedAt}, old.CreatedAt,
		func() any { return b }, errBenchmarkTaken)
}

// --- good practices

func (d *DB) checkPracticeLinks(ctx context.Context, g *registry.GoodPractice) error {
	var p registry.Problems
	if g.EnterpriseID != "" {
		if err := d.requireOwned(ctx, &p, "enterprise_id", colEnterprises, []string{g.EnterpriseID}, ""); err != nil {
			return err
		}
	}
	if err := d.requireOwned(ctx, &p, "document_ids", colDocuments, g.DocumentIDs, ""); err != nil {
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
	return d.insertOne(ctx, colGoodPractices, g, nil)
}

// FindGoodPractice implements registry.GoodPracticeService.
func (d *DB) FindGoodPractice(ctx context.Context, id string) (*registry.GoodPractice, error) {
	return findByID[registry.GoodPractice](ctx, d, colGoodPractices, id, "Good practice", "thực hành tốt")
}

// SearchGoodPractices implements registry.GoodPracticeService. Sector and
// tool narrow the query in the database (an equality on the tools array
// matches any element); the words are matched in Go ($text is not portable),
// and the page is cut after matching.
func (d *DB) SearchGoodPractices(ctx context.Context, f registry.GoodPracticeFilter) ([]*registry.GoodPractice, string, error) {
	page := f.Page.Normalize()
	if page.Cursor != "" && !registry.ValidID(page.Cursor) {
		return nil, "", fieldError("cursor", "cursor", "is not a cursor this list returned", "không phải con trỏ do danh sách này trả về")
	}
	filter := addEq(addEq(bson.D{}, "sector", f.Sector), "tools", f.Tool)
	if page.Cursor != "" {
		filter = append(filter, bson.E{Key: "_id", Value: bson.D{{Key: "$gt", Value: page.Cursor}}})
	}
	if !page.UpdatedSince.IsZero() {
		filter = append(filter, bson.E{Key: "updated_at", Value: bson.D{{Key: "$gte", Value: page.UpdatedSince.UTC()}}})
	}
	all, err := findAll[registry.GoodPractice](ctx, d, colGoodPractices, filter, bson.D{{Key: "_id", Value: 1}})
	if err != nil {
		return nil, "", err
	}
	var out []*registry.GoodPractice
	for _, g := range all {
		if !f.Matches(g) {
			continue
		}
		if len(out) == page.Limit {
			return out, out[len(out)-1].ID, nil
		}
		out = append(out, g)
	}
	return out, "", nil
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
	return d.replaceNext(ctx, colGoodPractices, g.ID, stamps{&g.Version, &g.CreatedAt, &g.UpdatedAt}, old.CreatedAt,
		func() any { return g }, nil)
}

// --- scan counters (read-only here; registry/mongo/scans.go writes them)

// ListScanStats implements registry.ScanLister: pages in key order. Keys are
// Digital Link paths, not ObjectIDs, so the cursor is the last key itself.
func (d *DB) ListScanStats(ctx context.Context, page registry.Page) ([]*registry.ScanStats, string, error) {
	page = page.Normalize()
	filter := bson.D{}
	if page.Cursor != "" {
		if len(page.Cursor) > 300 || !strings.HasPrefix(page.Cursor, "/") {
			return nil, "", fieldError("cursor", "cursor", "is not a cursor this list returned", "không phải con trỏ do danh sách này trả về")
		}
		filter = bson.D{{Key: "_id", Value: bson.D{{Key: "$gt", Value: page.Cursor}}}}
	}
	cur, err := d.db.Collection(colScans).Find(ctx, filter, options.Find().SetSort(bson.D{{Key: "_id", Value: 1}}).SetLimit(int64(page.Limit+1)))
	if err != nil {
		return nil, "", mapError(err, nil)
	}
	var out []*registry.ScanStats
	if err := cur.All(ctx, &out); err != nil {
		return nil, "", mapError(err, nil)
	}
	next := ""
	if len(out) > page.Limit {
		out = out[:page.Limit]
		next = out[len(out)-1].Key
	}
	return out, next, nil
}

// ListScanMonths implements registry.ScanLister: pages in storage key order
// ("YYYY-MM key"); the cursor is the last storage key.
func (d *DB) ListScanMonths(ctx context.Context, page registry.Page) ([]*registry.ScanMonth, string, error) {
	page = page.Normalize()
	filter := bson.D{}
	if page.Cursor != "" {
		if len(page.Cursor) > 320 || !strings.Contains(page.Cursor, " /") {
			return nil, "", fieldError("cursor", "cursor", "is not a cursor this list returned", "không phải con trỏ do danh sách này trả về")
		}
		filter = bson.D{{Key: "_id", Value: bson.D{{Key: "$gt", Value: page.Cursor}}}}
	}
	cur, err := d.db.Collection(colScanMonths).Find(ctx, filter, options.Find().SetSort(bson.D{{Key: "_id", Value: 1}}).SetLimit(int64(page.Limit+1)))
	if err != nil {
		return nil, "", mapError(err, nil)
	}
	var out []*registry.ScanMonth
	if err := cur.All(ctx, &out); err != nil {
		return nil, "", mapError(err, nil)
	}
	next := ""
	if len(out) > page.Limit {
		out = out[:page.Limit]
		next = out[len(out)-1].ID
	}
	return out, next, nil
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
	var doc notesDoc
	err := d.db.Collection(colAnnualNotes).FindOne(ctx, bson.D{{Key: "_id", Value: notesID(year)}}).Decode(&doc)
	if errors.Is(err, mongo.ErrNoDocuments) {
		return &probe, nil
	}
	if err != nil {
		return nil, mapError(err, nil)
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
	if read == 0 {
		if err := d.insertOne(ctx, colAnnualNotes, doc, errNotesStale); err != nil {
			if registry.ErrorCode(err) == registry.ECONFLICT {
				return errNotesStale
			}
			return err
		}
		*n = next
		return nil
	}
	unlock := lockRecord(colAnnualNotes, doc.ID)
	res, err := d.db.Collection(colAnnualNotes).ReplaceOne(ctx, bson.D{{Key: "_id", Value: doc.ID}, {Key: "version", Value: read}}, doc)
	unlock()
	if err != nil {
		return mapError(err, nil)
	}
	if res.MatchedCount != 1 {
		return errNotesStale
	}
	d.touch(ctx, colAnnualNotes)
	*n = next
	return nil
}
