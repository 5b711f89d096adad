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

	"github.com/tracereg/tracereg/registry/store"
)

// Engine is a store.Engine on one MongoDB database, for replica sets. Each
// declared index is a MongoDB index named after its fields; a query becomes
// a filter of equalities and one range, sorted by the index's remaining
// fields and _id, with the cursor as a lexicographic "after" condition, so
// MongoDB answers it from that index. It has no transactions (Atomic is
// false): the records layer orders its writes instead.
type Engine struct {
	client *mongo.Client
	db     *mongo.Database
	schema store.Schema
}

var _ store.Engine = (*Engine)(nil)

// colCounters keeps the engine's atomic counters, {_id: name, value: n}.
const colEngineCounters = "engine_counters"

// EngineConfig says where the database is.
type EngineConfig struct {
	URI      string
	Database string
	// Majority asks for majority write concern (a replica set).
	Majority bool
}

// OpenEngine connects, checks that the database answers and ensures the
// declared indexes.
func OpenEngine(ctx context.Context, cfg EngineConfig, schema store.Schema) (*Engine, error) {
	if err := schema.Validate(); err != nil {
		return nil, err
	}
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
	e := &Engine{client: client, db: client.Database(cfg.Database), schema: schema}
	pingCtx, cancel := context.WithTimeout(ctx, 15*time.Second)
	defer cancel()
	if err := client.Ping(pingCtx, nil); err != nil {
		client.Disconnect(context.Background())
		return nil, fmt.Errorf("database at %s does not answer: %w", redactURI(cfg.URI), err)
	}
	if err := e.ensureIndexes(ctx); err != nil {
		client.Disconnect(context.Background())
		return nil, err
	}
	return e, nil
}

// ensureIndexes creates every declared index, one per command: FerretDB
// 1.24 drops the connection on a createIndexes naming several indexes of
// which some already exist.
func (e *Engine) ensureIndexes(ctx context.Context) error {
	for _, c := range e.schema {
		for _, ix := range c.Indexes {
			keys := bson.D{}
			for _, f := range ix.Fields {
				keys = append(keys, bson.E{Key: f, Value: 1})
			}
			model := mongo.IndexModel{Keys: keys, Options: options.Index().SetUnique(ix.Unique).SetName(ix.Name())}
			if _, err := e.db.Collection(c.Name).Indexes().CreateOne(ctx, model); err != nil {
				return fmt.Errorf("create index %s on %s: %w", ix.Name(), c.Name, err)
			}
		}
	}
	return nil
}

// Schema implements store.Engine.
func (e *Engine) Schema() store.Schema { return e.schema }

// Atomic implements store.Engine: no multi-document transactions here.
func (e *Engine) Atomic() bool { return false }

// Tx implements store.Engine: fn runs as it is.
func (e *Engine) Tx(ctx context.Context, fn func(ctx context.Context) error) error { return fn(ctx) }

// Close implements store.Engine.
func (e *Engine) Close(ctx context.Context) error { return e.client.Disconnect(ctx) }

// Ping implements store.Engine.
func (e *Engine) Ping(ctx context.Context) error { return engineError(e.client.Ping(ctx, nil), "") }

// DropDatabase removes every record; for tests.
func (e *Engine) DropDatabase(ctx context.Context) error { return e.db.Drop(ctx) }

func (e *Engine) coll(name string) (*mongo.Collection, error) {
	if e.schema.Collection(name) == nil {
		return nil, fmt.Errorf("%w: collection %q is not declared", store.ErrNotCovered, name)
	}
	return e.db.Collection(name), nil
}

func engineError(err error, coll string) error {
	switch {
	case err == nil:
		return nil
	case errors.Is(err, mongo.ErrNoDocuments):
		return store.ErrNotFound
	case isDuplicateKey(err):
		return &store.DuplicateError{Collection: coll, Index: duplicateIndex(err)}
	}
	markUnavailable(&err)
	return err
}

// markUnavailable marks the errors of a server that cannot answer now
// (unreachable, timed out, disconnected) as store.ErrUnavailable.
func markUnavailable(err *error) {
	if *err == nil || errors.Is(*err, store.ErrUnavailable) {
		return
	}
	if mongo.IsNetworkError(*err) || mongo.IsTimeout(*err) || errors.Is(*err, mongo.ErrClientDisconnected) ||
		strings.Contains((*err).Error(), "server selection") {
		*err = fmt.Errorf("%w: %w", store.ErrUnavailable, *err)
	}
}

// duplicateIndex names the index of a duplicate-key error where the server says it.
func duplicateIndex(err error) string {
	var we mongo.WriteException
	if errors.As(err, &we) {
		for _, w := range we.WriteErrors {
			return w.Message
		}
	}
	return ""
}

// Get implements store.Engine.
func (e *Engine) Get(ctx context.Context, coll, id string) (_ bson.Raw, err error) {
	defer markUnavailable(&err)
	c, err := e.coll(coll)
	if err != nil {
		return nil, err
	}
	raw, err := c.FindOne(ctx, bson.D{{Key: "_id", Value: id}}).Raw()
	if err != nil {
		return nil, engineError(err, coll)
	}
	return raw, nil
}

// Insert implements store.Engine.
func (e *Engine) Insert(ctx context.Context, coll string, doc bson.Raw) (err error) {
	defer markUnavailable(&err)
	c, err := e.coll(coll)
	if err != nil {
		return err
	}
	if _, _, err := store.DocID(doc); err != nil {
		return err
	}
	_, err = c.InsertOne(ctx, doc)
	return engineError(err, coll)
}

// Replace implements store.Engine: a replace filtered by _id and version,
// atomic on MongoDB. FerretDB's is not, so conditional writes are also
// serialised per record inside the process (recordlock.go).
func (e *Engine) Replace(ctx context.Context, coll string, version int64, doc bson.Raw) (err error) {
	defer markUnavailable(&err)
	c, err := e.coll(coll)
	if err != nil {
		return err
	}
	id, _, err := store.DocID(doc)
	if err != nil {
		return err
	}
	unlock := lockRecord(coll, id)
	res, err := c.ReplaceOne(ctx, bson.D{{Key: "_id", Value: id}, {Key: "version", Value: version}}, doc)
	unlock()
	if err != nil {
		return engineError(err, coll)
	}
	if res.MatchedCount == 1 {
		return nil
	}
	n, err := c.CountDocuments(ctx, bson.D{{Key: "_id", Value: id}})
	if err != nil {
		return err
	}
	if n == 0 {
		return store.ErrNotFound
	}
	return store.ErrStale
}

// Delete implements store.Engine.
func (e *Engine) Delete(ctx context.Context, coll, id string) (err error) {
	defer markUnavailable(&err)
	c, err := e.coll(coll)
	if err != nil {
		return err
	}
	res, err := c.DeleteOne(ctx, bson.D{{Key: "_id", Value: id}})
	if err != nil {
		return engineError(err, coll)
	}
	if res.DeletedCount == 0 {
		return store.ErrNotFound
	}
	return nil
}

// filter builds the query's filter: equalities, the range, and (with a
// cursor) "after these Rest values" as a lexicographic $or.
func filterOf(p *store.Plan, q store.Query) (bson.D, error) {
	f := bson.D{}
	fields := []string{store.IDField}
	if p.Index != nil {
		fields = p.Index.Fields
	}
	for i, v := range p.Eq {
		f = append(f, bson.E{Key: fields[i], Value: v})
	}
	if r := p.Range; r != nil {
		cond := bson.D{}
		for _, b := range []struct {
			op string
			v  any
		}{{"$gt", r.Gt}, {"$gte", r.Gte}, {"$lt", r.Lt}, {"$lte", r.Lte}} {
			if b.v != nil {
				cond = append(cond, bson.E{Key: b.op, Value: b.v})
			}
		}
		if len(cond) > 0 {
			f = append(f, bson.E{Key: r.Field, Value: cond})
		}
	}
	if q.After != "" {
		vals, err := store.ParseCursor(p, q.After)
		if err != nil {
			return nil, err
		}
		op := "$gt"
		if q.Desc {
			op = "$lt"
		}
		var or bson.A
		for i := range p.Rest {
			branch := bson.D{}
			for j := 0; j < i; j++ {
				branch = append(branch, bson.E{Key: p.Rest[j], Value: vals[j]})
			}
			branch = append(branch, bson.E{Key: p.Rest[i], Value: bson.D{{Key: op, Value: vals[i]}}})
			or = append(or, branch)
		}
		f = append(f, bson.E{Key: "$or", Value: or})
	}
	return f, nil
}

// Find implements store.Engine.
func (e *Engine) Find(ctx context.Context, q store.Query) (_ []bson.Raw, _ string, err error) {
	defer markUnavailable(&err)
	p, err := e.schema.Cover(q)
	if err != nil {
		return nil, "", err
	}
	c := e.db.Collection(q.Collection)
	f, err := filterOf(p, q)
	if err != nil {
		return nil, "", err
	}
	dir := 1
	if q.Desc {
		dir = -1
	}
	sort := bson.D{}
	for _, field := range p.Rest {
		sort = append(sort, bson.E{Key: field, Value: dir})
	}
	limit := q.PageLimit()
	cur, err := c.Find(ctx, f, options.Find().SetSort(sort).SetLimit(int64(limit+1)))
	if err != nil {
		return nil, "", err
	}
	defer cur.Close(ctx)
	var out []bson.Raw
	for cur.Next(ctx) {
		out = append(out, bson.Raw(append([]byte(nil), cur.Current...)))
	}
	if err := cur.Err(); err != nil {
		return nil, "", err
	}
	next := ""
	if len(out) > limit {
		out = out[:limit]
		vals, err := store.RestValues(p, out[len(out)-1])
		if err != nil {
			return nil, "", err
		}
		next = store.Cursor(vals)
	}
	return out, next, nil
}

// Count implements store.Engine.
func (e *Engine) Count(ctx context.Context, q store.Query) (_ int64, err error) {
	defer markUnavailable(&err)
	q.After = ""
	p, err := e.schema.Cover(q)
	if err != nil {
		return 0, err
	}
	f, err := filterOf(p, q)
	if err != nil {
		return 0, err
	}
	return e.db.Collection(q.Collection).CountDocuments(ctx, f)
}

// Add implements store.Engine: one $inc upsert, atomic on MongoDB; on
// FerretDB it is not, so it is also serialised inside the process.
func (e *Engine) Add(ctx context.Context, counter string, delta int64) (_ int64, err error) {
	defer markUnavailable(&err)
	unlock := lockRecord(colEngineCounters, counter)
	defer unlock()
	return e.add(ctx, counter, delta)
}

func (e *Engine) add(ctx context.Context, counter string, delta int64) (int64, error) {
	var doc struct {
		Value int64 `bson:"value"`
	}
	err := e.db.Collection(colEngineCounters).FindOneAndUpdate(ctx, bson.D{{Key: "_id", Value: counter}},
		bson.D{{Key: "$inc", Value: bson.D{{Key: "value", Value: delta}}}},
		options.FindOneAndUpdate().SetUpsert(true).SetReturnDocument(options.After)).Decode(&doc)
	if isDuplicateKey(err) { // two first upserts raced: the loser adds again
		return e.add(ctx, counter, delta)
	}
	return doc.Value, err
}

// Counter implements store.Engine.
func (e *Engine) Counter(ctx context.Context, counter string) (_ int64, err error) {
	defer markUnavailable(&err)
	var doc struct {
		Value int64 `bson:"value"`
	}
	err = e.db.Collection(colEngineCounters).FindOne(ctx, bson.D{{Key: "_id", Value: counter}}).Decode(&doc)
	if errors.Is(err, mongo.ErrNoDocuments) {
		return 0, nil
	}
	return doc.Value, err
}

// Counters implements store.Engine.
func (e *Engine) Counters(ctx context.Context, after string, limit int) (_ []store.NamedCounter, err error) {
	defer markUnavailable(&err)
	cur, err := e.db.Collection(colEngineCounters).Find(ctx, bson.D{{Key: "_id", Value: bson.D{{Key: "$gt", Value: after}}}},
		options.Find().SetSort(bson.D{{Key: "_id", Value: 1}}).SetLimit(int64(limit)))
	if err != nil {
		return nil, err
	}
	var docs []struct {
		Name  string `bson:"_id"`
		Value int64  `bson:"value"`
	}
	if err := cur.All(ctx, &docs); err != nil {
		return nil, err
	}
	out := make([]store.NamedCounter, 0, len(docs))
	for _, d := range docs {
		out = append(out, store.NamedCounter{Name: d.Name, Value: d.Value})
	}
	return out, nil
}
