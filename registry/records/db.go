// Package records implements the registry's services (registry.APIStore and
// the other store interfaces) over a store.Engine: the embedded SQLite
// engine or MongoDB. It reaches the engine only through declared indexes
// (schema.go): every query is equality on an index's leading fields, then
// one range or order, one page at a time. Joins and rollups are done here,
// in Go, over such reads.
package records

import (
	"context"
	"crypto/rand"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"strings"
	"sync"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/tracereg/tracereg/registry"
	"github.com/tracereg/tracereg/registry/store"
)

// DB is the registry's store on one engine.
type DB struct {
	eng   store.Engine
	clock registry.Clock
}

var (
	_ registry.Store    = (*DB)(nil)
	_ registry.APIStore = (*DB)(nil)
	_ registry.WebStore = (*DB)(nil)
)

// New returns the records kept by eng, which must have been opened with Schema.
func New(eng store.Engine, clock registry.Clock) *DB {
	if clock == nil {
		clock = registry.SystemClock{}
	}
	return &DB{eng: eng, clock: clock}
}

// Engine is the engine underneath, for export, backup and tests.
func (d *DB) Engine() store.Engine { return d.eng }

// Close closes the engine.
func (d *DB) Close(ctx context.Context) error { return d.eng.Close(ctx) }

// Ping returns EUNAVAILABLE when the database does not answer within 2 seconds.
func (d *DB) Ping(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, 2*time.Second)
	defer cancel()
	if err := d.eng.Ping(ctx); err != nil {
		return unavailable(err)
	}
	return nil
}

// InTx runs fn in one transaction where the engine has them (see store.Engine.Tx).
func (d *DB) InTx(ctx context.Context, fn func(ctx context.Context) error) error {
	return d.tx(ctx, fn)
}

func (d *DB) now() time.Time { return d.clock.Now().UTC().Truncate(time.Millisecond) }

// newID returns an ObjectID-shaped ID (24 hex digits) that sorts in creation
// order and cannot be guessed from another: six bytes of milliseconds, then
// six random bytes; an ID made in the same millisecond as the last one is
// the last plus a random step of up to 2^32. (A driver ObjectID ends in a
// counter, so one record's ID told its neighbours'.)
func newID() string {
	var r [10]byte
	_, _ = rand.Read(r[:]) // crypto/rand.Read never fails (Go 1.24)
	hi := uint64(time.Now().UnixMilli())<<16 | uint64(binary.BigEndian.Uint16(r[:2]))
	lo := binary.BigEndian.Uint32(r[2:6])
	idMu.Lock()
	if hi < idLast.hi || hi == idLast.hi && lo <= idLast.lo {
		step := uint64(binary.BigEndian.Uint32(r[6:10])) + 1
		sum := uint64(idLast.lo) + step
		hi, lo = idLast.hi+sum>>32, uint32(sum)
	}
	idLast.hi, idLast.lo = hi, lo
	idMu.Unlock()
	var id [12]byte
	binary.BigEndian.PutUint64(id[:8], hi)
	binary.BigEndian.PutUint32(id[8:], lo)
	return hex.EncodeToString(id[:])
}

var (
	idMu   sync.Mutex
	idLast struct {
		hi uint64
		lo uint32
	}
)

// --- errors

func unavailable(err error) error {
	return &wrapped{registry.Errorf(registry.EUNAVAILABLE, "The database is not available.", "Cơ sở dữ liệu không phản hồi."), err}
}

// wrapped keeps the engine's error for the log behind a public *registry.Error.
type wrapped struct {
	public *registry.Error
	cause  error
}

func (w *wrapped) Error() string   { return w.public.Error() + ": " + w.cause.Error() }
func (w *wrapped) Unwrap() []error { return []error{w.public, w.cause} }

func conflict(en, vi string) *registry.Error { return registry.Errorf(registry.ECONFLICT, en, vi) }

func notFound(what, whatVI string) error {
	return registry.Errorf(registry.ENOTFOUND, what+" not found.", "Không tìm thấy "+whatVI+".")
}

func fieldError(field, rule, en, vi string) error {
	var p registry.Problems
	p.Add(field, rule, en, vi)
	return p.Err()
}

var (
	errNotFound = registry.Errorf(registry.ENOTFOUND, "Not found.", "Không tìm thấy.")
	errStale    = registry.Errorf(registry.ESTALE, "The record changed since you read it; reload and try again.",
		"Bản ghi đã thay đổi kể từ khi bạn đọc; hãy tải lại và thử lại.")
	errBadCursor = fieldError("cursor", "cursor", "is not a cursor this list returned", "không phải con trỏ do danh sách này trả về")
	errFilters   = fieldError("filter", "combination", "this combination of filters is not supported: use fewer filters",
		"không hỗ trợ kết hợp các bộ lọc này: hãy dùng ít bộ lọc hơn")
)

// mapError turns engine errors into registry errors; a duplicate key
// becomes the given conflict (or a generic one).
func mapError(err error, dup *registry.Error) error {
	var re *registry.Error
	switch {
	case err == nil:
		return nil
	case errors.As(err, &re):
		return err
	case errors.Is(err, store.ErrNotFound):
		return errNotFound
	case errors.Is(err, store.ErrStale):
		return errStale
	case errors.Is(err, store.ErrDuplicate):
		if dup != nil {
			return dup
		}
		return conflict("A record with this key exists.", "Đã có bản ghi mang khóa này.")
	case errors.Is(err, store.ErrBadCursor):
		return errBadCursor
	case errors.Is(err, store.ErrNotCovered):
		return &wrapped{errFilters.(*registry.Error), err}
	case errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded), errors.Is(err, store.ErrUnavailable):
		return unavailable(err)
	}
	return err
}

// --- reads

func decode[T any](raw bson.Raw) (*T, error) {
	var v T
	if err := bson.Unmarshal(raw, &v); err != nil {
		return nil, err
	}
	return &v, nil
}

// get returns the record with that ID; a malformed ID is simply not found.
func get[T any](ctx context.Context, d *DB, col, id, what, whatVI string) (*T, error) {
	if id == "" {
		return nil, notFound(what, whatVI)
	}
	raw, err := d.eng.Get(ctx, col, id)
	if errors.Is(err, store.ErrNotFound) {
		return nil, notFound(what, whatVI)
	}
	if err != nil {
		return nil, mapError(err, nil)
	}
	return decode[T](raw)
}

// getByID is get for records whose IDs are ObjectIDs in hex.
func getByID[T any](ctx context.Context, d *DB, col, id, what, whatVI string) (*T, error) {
	if !registry.ValidID(id) {
		return nil, notFound(what, whatVI)
	}
	return get[T](ctx, d, col, id, what, whatVI)
}

// one returns the first record the equalities select; ENOTFOUND if none.
func one[T any](ctx context.Context, d *DB, col string, where []store.Cond, what, whatVI string) (*T, error) {
	raws, _, err := d.eng.Find(ctx, store.Query{Collection: col, Where: where, Limit: 1})
	if err != nil {
		return nil, mapError(err, nil)
	}
	if len(raws) == 0 {
		return nil, notFound(what, whatVI)
	}
	return decode[T](raws[0])
}

// maxAll bounds every read of "all matching records": a caller that needs
// more must page.
const maxAll = 100_000

// all returns every record q selects, reading page after page.
func all[T any](ctx context.Context, d *DB, q store.Query) ([]*T, error) {
	var out []*T
	err := each(ctx, d, q, func(v *T) error { out = append(out, v); return nil })
	return out, err
}

// each calls fn for every record q selects, page after page.
func each[T any](ctx context.Context, d *DB, q store.Query, fn func(*T) error) error {
	q.Limit = store.MaxLimit
	n := 0
	for {
		raws, next, err := d.eng.Find(ctx, q)
		if err != nil {
			return mapError(err, nil)
		}
		for _, raw := range raws {
			v, err := decode[T](raw)
			if err != nil {
				return err
			}
			if err := fn(v); err != nil {
				return err
			}
		}
		n += len(raws)
		if next == "" || n >= maxAll {
			return nil
		}
		q.After = next
	}
}

// where builds equality conditions from field/value pairs, leaving out the
// empty ones (an unset filter). Values are plain strings or numbers from
// the domain's filters, never operators from a request.
func where(pairs ...any) []store.Cond {
	var out []store.Cond
	for i := 0; i+1 < len(pairs); i += 2 {
		field := pairs[i].(string)
		switch v := pairs[i+1].(type) {
		case string:
			if v == "" {
				continue
			}
		case int:
			if v == 0 {
				continue
			}
		}
		out = append(out, store.Eq(field, pairs[i+1]))
	}
	return out
}

// list returns one page of records: in _id (creation) order, or with
// page.UpdatedSince in order of update time from then on.
func list[T any](ctx context.Context, d *DB, col string, conds []store.Cond, page registry.Page) ([]*T, string, error) {
	page = page.Normalize()
	q := store.Query{Collection: col, Where: conds, After: page.Cursor, Limit: page.Limit}
	if !page.UpdatedSince.IsZero() {
		q.Range = &store.Range{Field: "updated_at", Gte: page.UpdatedSince.UTC()}
	} else if len(conds) > 0 {
		q.OrderBy = store.IDField
		if _, err := d.eng.Schema().Cover(q); err != nil {
			q.OrderBy = "" // no index ends in _id order here: index order then
		}
	}
	raws, next, err := d.eng.Find(ctx, q)
	if err != nil {
		return nil, "", mapError(err, nil)
	}
	out := make([]*T, 0, len(raws))
	for _, raw := range raws {
		v, err := decode[T](raw)
		if err != nil {
			return nil, "", err
		}
		out = append(out, v)
	}
	return out, next, nil
}

// exists reports whether a record with that ID exists and, when check is
// given, passes it.
func (d *DB) exists(ctx context.Context, col, id string, check func(bson.Raw) bool) (bool, error) {
	if !registry.ValidID(id) {
		return false, nil
	}
	raw, err := d.eng.Get(ctx, col, id)
	if errors.Is(err, store.ErrNotFound) {
		return false, nil
	}
	if err != nil {
		return false, mapError(err, nil)
	}
	return check == nil || check(raw), nil
}

// fieldIs returns a check that the document's field holds value.
func fieldIs(field, value string) func(bson.Raw) bool {
	return func(raw bson.Raw) bool {
		v, err := raw.LookupErr(strings.Split(field, ".")...)
		if err != nil {
			return false
		}
		s, ok := v.StringValueOK()
		return ok && s == value
	}
}

// allOf combines checks.
func allOf(checks ...func(bson.Raw) bool) func(bson.Raw) bool {
	return func(raw bson.Raw) bool {
		for _, c := range checks {
			if c != nil && !c(raw) {
				return false
			}
		}
		return true
	}
}

// requireOwned adds an EINVALID field problem unless each ID names a record
// in col that belongs to enterprise (or exists at all, when enterprise is
// "") and passes extra.
func (d *DB) requireOwned(ctx context.Context, p *registry.Problems, field, col string, ids []string, enterprise string, extra func(bson.Raw) bool) error {
	for _, id := range ids {
		if id == "" {
			continue
		}
		check := extra
		if enterprise != "" {
			check = allOf(extra, fieldIs("enterprise_id", enterprise))
		}
		ok, err := d.exists(ctx, col, id, check)
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

// --- writes

func marshal(doc any) (bson.Raw, error) {
	b, err := bson.Marshal(doc)
	return bson.Raw(b), err
}

// insert stores a new record; a duplicate key becomes dup. A write to a
// public record moves the change stamp in the same transaction.
func (d *DB) insert(ctx context.Context, col string, doc any, dup *registry.Error) error {
	raw, err := marshal(doc)
	if err != nil {
		return err
	}
	return d.tx(ctx, func(ctx context.Context) error {
		if err := d.eng.Insert(ctx, col, raw); err != nil {
			return mapError(err, dup)
		}
		return d.touch(ctx, col)
	})
}

// replace stores doc (whose version the caller already bumped) if the
// stored record still has version read. ENOTFOUND, ESTALE, dup.
func (d *DB) replace(ctx context.Context, col string, read int, doc any, dup *registry.Error) error {
	raw, err := marshal(doc)
	if err != nil {
		return err
	}
	return d.tx(ctx, func(ctx context.Context) error {
		if err := d.eng.Replace(ctx, col, int64(read), raw); err != nil {
			return mapError(err, dup)
		}
		return d.touch(ctx, col)
	})
}

// remove deletes a record. ENOTFOUND.
func (d *DB) remove(ctx context.Context, col, id string) error {
	return d.tx(ctx, func(ctx context.Context) error {
		if err := d.eng.Delete(ctx, col, id); err != nil {
			return mapError(err, nil)
		}
		return d.touch(ctx, col)
	})
}

// stamps are the bookkeeping fields of a record being updated.
type stamps struct {
	Version              *int
	CreatedAt, UpdatedAt *time.Time
}

// replaceNext stores a record as the version after the one its caller read:
// it keeps the stored creation time, sets the update time, bumps the
// version, replaces the stored record only if it still has the version
// read, and puts the version number back if the write fails. doc builds
// what is stored, after the stamp (some records carry storage-only keys).
func (d *DB) replaceNext(ctx context.Context, col string, s stamps, created time.Time, doc func() any, dup *registry.Error) error {
	read := *s.Version
	*s.CreatedAt, *s.UpdatedAt, *s.Version = created, d.now(), read+1
	if err := d.replace(ctx, col, read, doc(), dup); err != nil {
		*s.Version = read
		return err
	}
	return nil
}
