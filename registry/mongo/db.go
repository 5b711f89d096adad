// Package mongo keeps the registry's records in MongoDB through the official
// driver. It stays inside the subset of MongoDB that the embedded FerretDB
// (SQLite) answers correctly, so the same code runs on both: no transactions,
// no $lookup/$facet/$text, no partial or TTL indexes, no $elemMatch, one
// accumulator per $group. Multi-document writes are ordered so a crash leaves
// nothing visible half-done, and are safe to retry.
package mongo

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"
	"go.mongodb.org/mongo-driver/v2/mongo/writeconcern"

	"github.com/tracereg/tracereg/registry"
)

// Collection names.
const (
	colEnterprises   = "enterprises"
	colFacilities    = "facilities"
	colProducts      = "products"
	colBatches       = "batches"
	colEvents        = "events"
	colCertificates  = "certificates"
	colBodies        = "certification_bodies"
	colAnnouncements = "announcements"
	colStandards     = "standards"
	colUsers         = "users"
	colDocuments     = "documents"
)

// DB is the registry's store on one MongoDB database. It implements registry.Store.
type DB struct {
	client *mongo.Client
	db     *mongo.Database
	clock  registry.Clock
}

var _ registry.Store = (*DB)(nil)

// Config says where the database is.
type Config struct {
	URI      string
	Database string
	// Majority asks for majority write concern (a replica set); the embedded
	// database has a single node.
	Majority bool
	Clock    registry.Clock
}

// Open connects to the database, checks that it answers and ensures the indexes.
func Open(ctx context.Context, cfg Config) (*DB, error) {
	opts := options.Client().ApplyURI(cfg.URI).
		SetServerSelectionTimeout(10 * time.Second).
		SetConnectTimeout(10 * time.Second).
		SetAppName("tracereg")
	if cfg.Majority {
		opts.SetWriteConcern(writeconcern.Majority())
	}
	client, err := mongo.Connect(opts)
	if err != nil {
		return nil, fmt.Errorf("connect to database: %w", err)
	}
	clock := cfg.Clock
	if clock == nil {
		clock = registry.SystemClock{}
	}
	d := &DB{client: client, db: client.Database(cfg.Database), clock: clock}
	pingCtx, cancel := context.WithTimeout(ctx, 15*time.Second)
	defer cancel()
	if err := client.Ping(pingCtx, nil); err != nil {
		client.Disconnect(context.Background())
		return nil, fmt.Errorf("database at %s does not answer: %w", redactURI(cfg.URI), err)
	}
	if err := d.EnsureIndexes(ctx); err != nil {
		client.Disconnect(context.Background())
		return nil, err
	}
	return d, nil
}

// Close disconnects.
func (d *DB) Close(ctx context.Context) error { return d.client.Disconnect(ctx) }

// Ping returns EUNAVAILABLE when the database does not answer within 2 seconds.
func (d *DB) Ping(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, 2*time.Second)
	defer cancel()
	if err := d.client.Ping(ctx, nil); err != nil {
		return unavailable(err)
	}
	return nil
}

// DropDatabase removes every record; for tests and the demo reset.
func (d *DB) DropDatabase(ctx context.Context) error { return d.db.Drop(ctx) }

func unavailable(err error) error {
	return &wrapped{registry.Errorf(registry.EUNAVAILABLE, "The database is not available.", "Cơ sở dữ liệu không phản hồi."), err}
}

// wrapped keeps the driver's error for the log behind a public *registry.Error.
type wrapped struct {
	public *registry.Error
	cause  error
}

func (w *wrapped) Error() string { return w.public.Error() + ": " + w.cause.Error() }
func (w *wrapped) Unwrap() []error {
	return []error{w.public, w.cause}
}

// mapError turns driver errors into registry errors.
func mapError(err error, conflict *registry.Error) error {
	switch {
	case err == nil:
		return nil
	case errors.Is(err, mongo.ErrNoDocuments):
		return registry.Errorf(registry.ENOTFOUND, "Not found.", "Không tìm thấy.")
	case conflict != nil && isDuplicateKey(err):
		return conflict
	case mongo.IsNetworkError(err) || mongo.IsTimeout(err) || errors.Is(err, mongo.ErrClientDisconnected):
		return unavailable(err)
	}
	return err
}

// isDuplicateKey reports a unique index violation. FerretDB (SQLite) answers
// one caused by an update (ReplaceOne) with an InternalError naming the SQLite
// UNIQUE constraint instead of E11000, so both are recognised.
func isDuplicateKey(err error) bool {
	if mongo.IsDuplicateKeyError(err) {
		return true
	}
	var se mongo.ServerError
	return errors.As(err, &se) && se.HasErrorMessage("UNIQUE constraint failed")
}

func notFound(what, whatVI string) error {
	return registry.Errorf(registry.ENOTFOUND, what+" not found.", "Không tìm thấy "+whatVI+".")
}

func newID() string { return bson.NewObjectID().Hex() }

// insertOne stores doc; a duplicate key becomes the given conflict error.
func (d *DB) insertOne(ctx context.Context, col string, doc any, conflict *registry.Error) error {
	_, err := d.db.Collection(col).InsertOne(ctx, doc)
	if err == nil {
		d.touch(ctx, col)
	}
	return mapError(err, conflict)
}

// findOne decodes the first document matching filter into a new T; ENOTFOUND if none.
func findOne[T any](ctx context.Context, d *DB, col string, filter bson.D, what, whatVI string) (*T, error) {
	var v T
	err := d.db.Collection(col).FindOne(ctx, filter).Decode(&v)
	if errors.Is(err, mongo.ErrNoDocuments) {
		return nil, notFound(what, whatVI)
	}
	if err != nil {
		return nil, mapError(err, nil)
	}
	return &v, nil
}

// findByID looks a record up by its ID; a malformed ID is simply not found.
func findByID[T any](ctx context.Context, d *DB, col, id, what, whatVI string) (*T, error) {
	if !registry.ValidID(id) {
		return nil, notFound(what, whatVI)
	}
	return findOne[T](ctx, d, col, bson.D{{Key: "_id", Value: id}}, what, whatVI)
}

// findAll returns every document matching filter in the given order.
func findAll[T any](ctx context.Context, d *DB, col string, filter bson.D, sort bson.D) ([]*T, error) {
	cur, err := d.db.Collection(col).Find(ctx, filter, options.Find().SetSort(sort))
	if err != nil {
		return nil, mapError(err, nil)
	}
	var out []*T
	if err := cur.All(ctx, &out); err != nil {
		return nil, mapError(err, nil)
	}
	return out, nil
}

// list returns one page in _id order after the cursor (the last ID of the
// previous page) and the cursor of the next page, "" at the end. IDs are
// ObjectIDs in hex, so this order is also creation order.
func list[T any](ctx context.Context, d *DB, col string, filter bson.D, page registry.Page, idOf func(*T) string) ([]*T, string, error) {
	page = page.Normalize()
	if page.Cursor != "" {
		if !registry.ValidID(page.Cursor) {
			return nil, "", &registry.Error{Code: registry.EINVALID, Message: "The page cursor is not valid.", MessageVI: "Con trỏ trang không hợp lệ.",
				Fields: []registry.FieldError{{Field: "cursor", Rule: "cursor", Message: "is not a cursor this list returned", MessageVI: "không phải con trỏ do danh sách này trả về"}}}
		}
		filter = append(filter, bson.E{Key: "_id", Value: bson.D{{Key: "$gt", Value: page.Cursor}}})
	}
	if !page.UpdatedSince.IsZero() {
		filter = append(filter, bson.E{Key: "updated_at", Value: bson.D{{Key: "$gte", Value: page.UpdatedSince.UTC()}}})
	}
	opts := options.Find().SetSort(bson.D{{Key: "_id", Value: 1}}).SetLimit(int64(page.Limit + 1))
	cur, err := d.db.Collection(col).Find(ctx, filter, opts)
	if err != nil {
		return nil, "", mapError(err, nil)
	}
	var out []*T
	if err := cur.All(ctx, &out); err != nil {
		return nil, "", mapError(err, nil)
	}
	next := ""
	if len(out) > page.Limit {
		out = out[:page.Limit]
		next = idOf(out[len(out)-1])
	}
	return out, next, nil
}

// replaceVersioned replaces the record with ID id if its stored version is
// still version, and bumps it. ENOTFOUND if there is no such record, ESTALE if
// it changed meanwhile.
func (d *DB) replaceVersioned(ctx context.Context, col, id string, version int, doc any, conflict *registry.Error) error {
	if !registry.ValidID(id) {
		return registry.Errorf(registry.ENOTFOUND, "Not found.", "Không tìm thấy.")
	}
	unlock := lockRecord(col, id) // FerretDB's filtered replace is not atomic: see recordlock.go
	res, err := d.db.Collection(col).ReplaceOne(ctx, bson.D{{Key: "_id", Value: id}, {Key: "version", Value: version}}, doc)
	unlock()
	if err != nil {
		return mapError(err, conflict)
	}
	if res.MatchedCount == 1 {
		d.touch(ctx, col)
		return nil
	}
	n, err := d.db.Collection(col).CountDocuments(ctx, bson.D{{Key: "_id", Value: id}})
	if err != nil {
		return mapError(err, nil)
	}
	if n == 0 {
		return registry.Errorf(registry.ENOTFOUND, "Not found.", "Không tìm thấy.")
	}
	return registry.Errorf(registry.ESTALE, "The record changed since you read it; reload and try again.",
		"Bản ghi đã thay đổi kể từ khi bạn đọc; hãy tải lại và thử lại.")
}

// stamps are the bookkeeping fields of a record being updated.
type stamps struct {
	Version              *int
	CreatedAt, UpdatedAt *time.Time
}

// replaceNext stores a record as the version after the one its caller read:
// it keeps the stored creation time, sets the update time, bumps the version,
// replaces the stored record only if it still has the version read, and puts
// the version number back if the write fails. doc builds what is stored,
// after the stamp (some records are wrapped with storage-only keys).
func (d *DB) replaceNext(ctx context.Context, col, id string, s stamps, created time.Time, doc func() any, conflict *registry.Error) error {
	read := *s.Version
	*s.CreatedAt, *s.UpdatedAt, *s.Version = created, d.now(), read+1
	if err := d.replaceVersioned(ctx, col, id, read, doc(), conflict); err != nil {
		*s.Version = read
		return err
	}
	return nil
}

// exists reports whether a record with that ID (and the extra conditions) exists.
func (d *DB) exists(ctx context.Context, col, id string, extra ...bson.E) (bool, error) {
	if !registry.ValidID(id) {
		return false, nil
	}
	filter := append(bson.D{{Key: "_id", Value: id}}, extra...)
	n, err := d.db.Collection(col).CountDocuments(ctx, filter, options.Count().SetLimit(1))
	if err != nil {
		return false, mapError(err, nil)
	}
	return n > 0, nil
}

// requireOwned returns an EINVALID field error unless each ID names a record
// in col that belongs to enterprise (or exists at all, when enterprise is "").
func (d *DB) requireOwned(ctx context.Context, p *registry.Problems, field, col string, ids []string, enterprise string, extra ...bson.E) error {
	for _, id := range ids {
		if id == "" {
			continue
		}
		conds := extra
		if enterprise != "" {
			conds = append(append([]bson.E{}, extra...), bson.E{Key: "enterprise_id", Value: enterprise})
		}
		ok, err := d.exists(ctx, col, id, conds...)
		if err != nil {
			return err
		}
		if !ok {
			p.Add(field, "exists", "refers to a record that does not exist or belongs to another enterprise",
				"tham chiếu tới bản ghi không tồn tại hoặc thuộc doanh nghiệp khác")
			return nil
		}
	}
	return nil
}

// redactURI hides the user and password of a connection string: never log credentials.
func redactURI(uri string) string {
	scheme := strings.Index(uri, "://")
	at := strings.LastIndex(uri, "@")
	if scheme < 0 || at < scheme {
		return uri
	}
	return uri[:scheme+3] + "***" + uri[at:]
}

func (d *DB) now() time.Time { return d.clock.Now().UTC().Truncate(time.Millisecond) }
