// Package store is the narrow contract between the registry's records and a
// storage engine. An engine keeps BSON documents in declared collections and
// answers only queries that a declared index covers: equality on an index's
// leading fields, then at most one range or sort on the next field, in key
// order, one page at a time behind an opaque cursor. Anything else is an
// error (ErrNotCovered), never a slow scan.
//
// Two engines implement it: registry/sqlite (the embedded default, real
// transactions) and registry/mongo (replica sets). registry/store/storetest
// is the contract suite both pass.
package store

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strings"

	"go.mongodb.org/mongo-driver/v2/bson"
)

// Engine keeps documents. Every document is a BSON document with a string
// "_id" and an integer "version" of at least 1 that the caller manages.
type Engine interface {
	// Get returns the document with that ID, or ErrNotFound.
	Get(ctx context.Context, coll, id string) (bson.Raw, error)
	// Insert stores a new document. ErrDuplicate (naming the index) when its
	// _id or a unique index key is taken.
	Insert(ctx context.Context, coll string, doc bson.Raw) error
	// Replace stores doc in place of the document with its _id if the stored
	// version is still version. ErrNotFound, ErrStale, ErrDuplicate.
	Replace(ctx context.Context, coll string, version int64, doc bson.Raw) error
	// Delete removes the document with that ID. ErrNotFound.
	Delete(ctx context.Context, coll, id string) error
	// Find returns one page of the documents q selects, in index order, and
	// the cursor of the next page ("" after the last). ErrNotCovered,
	// ErrBadCursor.
	Find(ctx context.Context, q Query) ([]bson.Raw, string, error)
	// Count returns how many documents q selects (Limit and After ignored).
	Count(ctx context.Context, q Query) (int64, error)
	// Add adds delta to the named counter (created at 0) and returns the new value, atomically.
	Add(ctx context.Context, counter string, delta int64) (int64, error)
	// Counter returns the named counter's value, 0 when it was never added to.
	Counter(ctx context.Context, counter string) (int64, error)
	// Counters returns one page of counters in name order after the name
	// after ("" from the start), for export; at most limit of them.
	Counters(ctx context.Context, after string, limit int) ([]NamedCounter, error)
	// Tx runs fn so that its writes commit together or not at all, where
	// the engine has transactions (Atomic). Elsewhere fn runs as it is and
	// its caller orders writes so a failure leaves nothing visible half-done.
	// Calls inside fn with its context join the same transaction.
	Tx(ctx context.Context, fn func(ctx context.Context) error) error
	// Atomic reports whether Tx is a real transaction.
	Atomic() bool
	// Ping returns an error when the engine does not answer.
	Ping(ctx context.Context) error
	// Schema is what the engine was opened with.
	Schema() Schema
	// Close releases the engine.
	Close(ctx context.Context) error
}

// NamedCounter is a counter and its value.
type NamedCounter struct {
	Name  string `json:"name"`
	Value int64  `json:"value"`
}

// Errors of the contract. Engines wrap them with detail; test with errors.Is.
var (
	ErrNotFound   = errors.New("store: not found")
	ErrStale      = errors.New("store: version changed")
	ErrDuplicate  = errors.New("store: duplicate key")
	ErrNotCovered = errors.New("store: no declared index covers this query")
	ErrBadCursor  = errors.New("store: not a cursor of this query")
	ErrBadDoc     = errors.New("store: document lacks a string _id or a positive version")
	// ErrUnavailable: the database cannot answer now (closed, unreachable,
	// busy); the caller may try again later.
	ErrUnavailable = errors.New("store: the database does not answer")
)

// DuplicateError names the index whose key was taken.
type DuplicateError struct {
	Collection, Index string
}

func (e *DuplicateError) Error() string {
	return fmt.Sprintf("store: duplicate key in %s index %s", e.Collection, e.Index)
}

// Is makes errors.Is(err, ErrDuplicate) true.
func (e *DuplicateError) Is(target error) bool { return target == ErrDuplicate }

// IDField is the primary key of every collection; it is implicitly the
// last field of every index, so equal keys come in _id order.
const IDField = "_id"

// Index is a declared index: its fields, in order. Dotted paths reach into
// subdocuments and arrays of subdocuments (one entry per array element).
type Index struct {
	Fields []string
	Unique bool
}

// Name is the index's name: its fields joined by "+".
func (ix Index) Name() string { return strings.Join(ix.Fields, "+") }

// Collection declares a collection and its indexes.
type Collection struct {
	Name    string
	Indexes []Index
}

// Schema is every collection an engine keeps.
type Schema []Collection

var nameRE = regexp.MustCompile(`^[a-z][a-z0-9_]{0,62}$`)

// Validate checks names (engines use them as table names) and duplicates.
func (s Schema) Validate() error {
	seen := map[string]bool{}
	for _, c := range s {
		if !nameRE.MatchString(c.Name) {
			return fmt.Errorf("store: collection name %q is not [a-z][a-z0-9_]*", c.Name)
		}
		if seen[c.Name] {
			return fmt.Errorf("store: collection %q declared twice", c.Name)
		}
		seen[c.Name] = true
		ixs := map[string]bool{}
		for _, ix := range c.Indexes {
			if len(ix.Fields) == 0 || slices.Contains(ix.Fields, IDField) {
				return fmt.Errorf("store: %s: an index needs fields and never names _id", c.Name)
			}
			if ixs[ix.Name()] {
				return fmt.Errorf("store: %s: index %s declared twice", c.Name, ix.Name())
			}
			ixs[ix.Name()] = true
		}
	}
	return nil
}

// Collection returns the declared collection, or nil.
func (s Schema) Collection(name string) *Collection {
	for i := range s {
		if s[i].Name == name {
			return &s[i]
		}
	}
	return nil
}

// Cond is one equality condition.
type Cond struct {
	Field string
	Value any
}

// Eq builds an equality condition.
func Eq(field string, value any) Cond { return Cond{field, value} }

// Range bounds the field after the equalities. Nil bounds are open.
type Range struct {
	Field            string
	Gt, Gte, Lt, Lte any
}

// Query selects documents of one collection.
type Query struct {
	Collection string
	// Where are equalities on an index's leading fields, in any order.
	Where []Cond
	// Range bounds the index's next field; OrderBy names it without bounds.
	// With neither, documents come in the order of the index's remaining
	// fields, then _id.
	Range   *Range
	OrderBy string
	Desc    bool
	// After is the cursor a previous page returned.
	After string
	// Limit is the page size; 0 means DefaultLimit, capped at MaxLimit.
	Limit int
}

// Page sizes.
const (
	DefaultLimit = 100
	MaxLimit     = 1000
)

// PageLimit returns the normalised page size.
func (q Query) PageLimit() int {
	switch {
	case q.Limit <= 0:
		return DefaultLimit
	case q.Limit > MaxLimit:
		return MaxLimit
	}
	return q.Limit
}

// Plan is how an engine answers a query: the index, the equality values in
// the index's field order, and the field the range or order applies to.
type Plan struct {
	Collection *Collection
	// Index is nil for the primary key (_id order, or equality on _id).
	Index *Index
	// Eq are the equality values, in the index's field order.
	Eq []any
	// Rest are the index's fields after the equalities (the range or order
	// field first), then _id: the order documents come in.
	Rest  []string
	Range *Range
	Desc  bool
}

// Cover finds the index that answers q, or returns ErrNotCovered naming the
// query. An index covers q when its first len(Where) fields are exactly the
// Where fields and, with a range or order, its next field is that field.
// Among several, the shortest wins (fewest fields to order by after).
func (s Schema) Cover(q Query) (*Plan, error) {
	c := s.Collection(q.Collection)
	if c == nil {
		return nil, fmt.Errorf("%w: collection %q is not declared", ErrNotCovered, q.Collection)
	}
	next := q.OrderBy
	if q.Range != nil {
		if q.OrderBy != "" && q.OrderBy != q.Range.Field {
			return nil, fmt.Errorf("%w: range on %s but order by %s", ErrNotCovered, q.Range.Field, q.OrderBy)
		}
		next = q.Range.Field
	}
	fields := map[string]any{}
	for _, w := range q.Where {
		if _, dup := fields[w.Field]; dup {
			return nil, fmt.Errorf("%w: %s named twice", ErrNotCovered, w.Field)
		}
		fields[w.Field] = w.Value
	}
	// The primary key: no equality (or only _id), order by _id.
	if (len(q.Where) == 0 && (next == "" || next == IDField)) || (len(q.Where) == 1 && q.Where[0].Field == IDField && next == "") {
		p := &Plan{Collection: c, Rest: []string{IDField}, Range: q.Range, Desc: q.Desc}
		if len(q.Where) == 1 {
			p.Eq = []any{q.Where[0].Value}
			p.Rest = nil
		}
		return p, nil
	}
	var best *Index
	for i := range c.Indexes {
		ix := &c.Indexes[i]
		need := len(q.Where)
		if next != "" && next != IDField {
			need++
		}
		if len(ix.Fields) < need || (next == IDField && len(ix.Fields) != need) {
			// _id is every index's last field: a range or order on it
			// follows equality on all the others.
			continue
		}
		ok := true
		for _, f := range ix.Fields[:len(q.Where)] {
			if _, in := fields[f]; !in {
				ok = false
				break
			}
		}
		if ok && next != "" && next != IDField && ix.Fields[len(q.Where)] != next {
			ok = false
		}
		if ok && (best == nil || len(ix.Fields) < len(best.Fields)) {
			best = ix
		}
	}
	if best == nil {
		names := make([]string, 0, len(q.Where))
		for _, w := range q.Where {
			names = append(names, w.Field)
		}
		return nil, fmt.Errorf("%w: %s where %s then %q", ErrNotCovered, q.Collection, strings.Join(names, ","), next)
	}
	p := &Plan{Collection: c, Index: best, Range: q.Range, Desc: q.Desc}
	for _, f := range best.Fields[:len(q.Where)] {
		p.Eq = append(p.Eq, fields[f])
	}
	p.Rest = append(slices.Clone(best.Fields[len(q.Where):]), IDField)
	return p, nil
}

// DocID returns a document's _id and version, or ErrBadDoc.
func DocID(doc bson.Raw) (string, int64, error) {
	idv, err := doc.LookupErr(IDField)
	if err != nil {
		return "", 0, ErrBadDoc
	}
	id, ok := idv.StringValueOK()
	if !ok || id == "" {
		return "", 0, ErrBadDoc
	}
	vv, err := doc.LookupErr("version")
	if err != nil {
		return "", 0, ErrBadDoc
	}
	v, ok := vv.AsInt64OK()
	if !ok || v < 1 {
		return "", 0, ErrBadDoc
	}
	return id, v, nil
}
