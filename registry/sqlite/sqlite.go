// Package sqlite is the embedded storage engine: one SQLite database file
// (modernc.org/sqlite, pure Go) in WAL mode, one writer connection and a
// pool of readers, real transactions. It implements store.Engine.
//
// Each collection is two tables: d_<name> (id, version, BSON body) and
// x_<name>, the entries of every declared index: (index number, key, id),
// where the key is the order-preserving encoding of the index's field
// values followed by the id (store.EncodeKey). A query is one range of
// keys of one index, so every read is an index seek.
package sqlite

import (
	"bytes"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"

	"go.mongodb.org/mongo-driver/v2/bson"
	_ "modernc.org/sqlite" // the driver, registered as "sqlite"

	"github.com/tracereg/tracereg/registry/store"
)

// Engine is a store.Engine on one SQLite file.
type Engine struct {
	path   string
	schema store.Schema
	w      *sql.DB // one connection: SQLite has one writer at a time
	r      *sql.DB // readers; WAL lets them read while the writer writes
	ixNum  map[string]map[string]int64
	wStmts sync.Map // SQL text → *sql.Stmt prepared on w
	rStmts sync.Map // SQL text → *sql.Stmt prepared on r (each reader connection prepares it once)
}

var _ store.Engine = (*Engine)(nil)

// FileName is the database file's name inside the data directory.
const FileName = "tracereg.db"

// Open opens (creating if needed) the database at path and makes its
// tables and index entries match schema: a newly declared index is built
// from the stored documents, an index no longer declared is dropped.
func Open(ctx context.Context, path string, schema store.Schema) (*Engine, error) {
	if err := schema.Validate(); err != nil {
		return nil, err
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, err
	}
	e := &Engine{path: path, schema: schema, ixNum: map[string]map[string]int64{}}
	// The writer keeps 64 MiB of pages (an import's index pages stay in
	// memory between statements) and its statement journals in memory: a
	// multi-row statement inside a transaction journals the pages it
	// changes, and on disk that was a system call per page.
	w, err := sql.Open("sqlite", e.dsn("&_txlock=immediate&_pragma=cache_size(-65536)&_pragma=temp_store(MEMORY)"))
	if err != nil {
		return nil, err
	}
	w.SetMaxOpenConns(1)
	w.SetMaxIdleConns(1)
	w.SetConnMaxLifetime(0)
	// Each reader keeps 16 MiB of pages (SQLite's default is 2 MiB): at a
	// million lots the interior pages of the indexes a cold lookup walks
	// then stay cached, and only the leaf is read.
	r, err := sql.Open("sqlite", e.dsn("&_pragma=query_only(1)&_pragma=cache_size(-16384)"))
	if err != nil {
		w.Close()
		return nil, err
	}
	r.SetMaxOpenConns(8)
	r.SetMaxIdleConns(8)
	e.w, e.r = w, r
	if err := e.migrate(ctx); err != nil {
		e.Close(ctx)
		return nil, fmt.Errorf("open %s: %w", path, err)
	}
	if err := e.prepare(ctx); err != nil {
		e.Close(ctx)
		return nil, fmt.Errorf("open %s: %w", path, err)
	}
	os.Chmod(path, 0o600)
	return e, nil
}

// Path is the database file.
func (e *Engine) Path() string { return e.path }

// Schema implements store.Engine.
func (e *Engine) Schema() store.Schema { return e.schema }

// Atomic implements store.Engine: SQLite transactions are real.
func (e *Engine) Atomic() bool { return true }

// Close implements store.Engine.
func (e *Engine) Close(context.Context) error {
	for _, m := range []*sync.Map{&e.wStmts, &e.rStmts} {
		m.Range(func(_, v any) bool { v.(*sql.Stmt).Close(); return true })
	}
	return errors.Join(e.r.Close(), e.w.Close())
}

// Ping implements store.Engine.
func (e *Engine) Ping(ctx context.Context) (err error) {
	defer unavailable(&err)
	var n int
	return e.r.QueryRowContext(ctx, "SELECT 1").Scan(&n)
}

// unavailable marks the errors of a database that cannot answer now
// (closed, its cached statements with it, or locked past the busy timeout)
// as store.ErrUnavailable.
func unavailable(err *error) {
	if *err == nil || errors.Is(*err, store.ErrUnavailable) {
		return
	}
	msg := (*err).Error()
	if errors.Is(*err, sql.ErrConnDone) || strings.Contains(msg, "database is closed") || strings.Contains(msg, "statement is closed") ||
		strings.Contains(msg, "SQLITE_BUSY") || strings.Contains(msg, "database is locked") {
		*err = fmt.Errorf("%w: %w", store.ErrUnavailable, *err)
	}
}

// Backup writes a consistent copy of the database to path (VACUUM INTO),
// while readers and writers go on. path must not exist.
func (e *Engine) Backup(ctx context.Context, path string) error {
	if _, err := os.Stat(path); err == nil {
		return fmt.Errorf("backup: %s exists", path)
	}
	// Its own connection: readers are query_only, and the writer must not
	// wait for the copy. VACUUM INTO reads one snapshot (WAL), so writers go on.
	db, err := sql.Open("sqlite", e.dsn(""))
	if err != nil {
		return err
	}
	defer db.Close()
	_, err = db.ExecContext(ctx, "VACUUM INTO ?", path)
	return err
}

func (e *Engine) dsn(extra string) string {
	return "file:" + (&url.URL{Path: e.path}).EscapedPath() +
		"?_pragma=journal_mode(WAL)&_pragma=busy_timeout(10000)&_pragma=synchronous(NORMAL)" + extra
}

// metaName is an index's name in meta_indexes: a change of uniqueness is a
// new index, built (and checked) again.
func metaName(ix store.Index) string {
	if ix.Unique {
		return ix.Name() + "!unique"
	}
	return ix.Name()
}

func (e *Engine) migrate(ctx context.Context) error {
	return e.Tx(ctx, func(ctx context.Context) error {
		tx := txFrom(ctx)
		for _, q := range []string{
			`CREATE TABLE IF NOT EXISTS counters (name TEXT PRIMARY KEY, value INTEGER NOT NULL) WITHOUT ROWID`,
			`CREATE TABLE IF NOT EXISTS meta_indexes (coll TEXT NOT NULL, name TEXT NOT NULL, num INTEGER NOT NULL, PRIMARY KEY (coll, name)) WITHOUT ROWID`,
		} {
			if _, err := tx.ExecContext(ctx, q); err != nil {
				return err
			}
		}
		for _, c := range e.schema {
			for _, q := range []string{
				`CREATE TABLE IF NOT EXISTS d_` + c.Name + ` (id TEXT PRIMARY KEY, version INTEGER NOT NULL, body BLOB NOT NULL)`,
				`CREATE TABLE IF NOT EXISTS x_` + c.Name + ` (ix INTEGER NOT NULL, key BLOB NOT NULL, id TEXT NOT NULL, PRIMARY KEY (ix, key)) WITHOUT ROWID`,
			} {
				if _, err := tx.ExecContext(ctx, q); err != nil {
					return err
				}
			}
			built := map[string]int64{}
			rows, err := tx.QueryContext(ctx, `SELECT name, num FROM meta_indexes WHERE coll = ?`, c.Name)
			if err != nil {
				return err
			}
			var maxNum int64
			for rows.Next() {
				var name string
				var num int64
				if err := rows.Scan(&name, &num); err != nil {
					rows.Close()
					return err
				}
				built[name] = num
				maxNum = max(maxNum, num)
			}
			rows.Close()
			e.ixNum[c.Name] = map[string]int64{}
			declared := map[string]bool{}
			for _, ix := range c.Indexes {
				declared[metaName(ix)] = true
				if num, ok := built[metaName(ix)]; ok {
					e.ixNum[c.Name][ix.Name()] = num
					continue
				}
				maxNum++
				if _, err := tx.ExecContext(ctx, `INSERT INTO meta_indexes (coll, name, num) VALUES (?, ?, ?)`, c.Name, metaName(ix), maxNum); err != nil {
					return err
				}
				e.ixNum[c.Name][ix.Name()] = maxNum
				if err := e.buildIndex(ctx, tx, c.Name, ix, maxNum); err != nil {
					return fmt.Errorf("build index %s on %s: %w", ix.Name(), c.Name, err)
				}
			}
			for name, num := range built {
				if declared[name] {
					continue
				}
				if _, err := tx.ExecContext(ctx, `DELETE FROM x_`+c.Name+` WHERE ix = ?`, num); err != nil {
					return err
				}
				if _, err := tx.ExecContext(ctx, `DELETE FROM meta_indexes WHERE coll = ? AND name = ?`, c.Name, name); err != nil {
					return err
				}
			}
		}
		return nil
	})
}

// buildIndex adds the entries of a newly declared index for every stored document.
func (e *Engine) buildIndex(ctx context.Context, tx *sql.Tx, coll string, ix store.Index, num int64) error {
	rows, err := tx.QueryContext(ctx, `SELECT id, body FROM d_`+coll)
	if err != nil {
		return err
	}
	type entry struct {
		key []byte
		id  string
	}
	var entries []entry
	for rows.Next() {
		var id string
		var body []byte
		if err := rows.Scan(&id, &body); err != nil {
			rows.Close()
			return err
		}
		keys, err := store.IndexKeys(bson.Raw(body), ix, id)
		if err != nil {
			rows.Close()
			return err
		}
		for _, k := range keys {
			entries = append(entries, entry{k, id})
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	for _, en := range entries {
		if ix.Unique {
			if other, err := e.uniqueHolder(ctx, tx, coll, num, en.key, en.id); err != nil {
				return err
			} else if other != "" {
				return &store.DuplicateError{Collection: coll, Index: ix.Name()}
			}
		}
		if _, err := tx.ExecContext(ctx, fmt.Sprintf(sqlEntry, coll), num, en.key, en.id); err != nil {
			return err
		}
	}
	return nil
}

// --- transactions

// quiet is ctx for a statement inside a transaction: without its
// cancellation, which would cost a goroutine per statement. The
// transaction itself still ends (rolled back) when ctx is cancelled.
func quiet(ctx context.Context) context.Context { return context.WithoutCancel(ctx) }

type txKey struct{ e *Engine }

func txFrom(ctx context.Context) *sql.Tx {
	tx, _ := ctx.Value(txKey{}).(*sql.Tx)
	return tx
}

func (e *Engine) txOf(ctx context.Context) *sql.Tx {
	tx, _ := ctx.Value(txKey{e}).(*sql.Tx)
	return tx
}

// Tx implements store.Engine: one IMMEDIATE transaction on the writer
// connection; nested calls join it. A cancelled context rolls it back.
func (e *Engine) Tx(ctx context.Context, fn func(ctx context.Context) error) (err error) {
	defer unavailable(&err)
	if e.txOf(ctx) != nil {
		return fn(ctx)
	}
	tx, err := e.w.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	ctx = context.WithValue(ctx, txKey{e}, tx)
	ctx = context.WithValue(ctx, txKey{}, tx)
	if err := fn(ctx); err != nil {
		tx.Rollback()
		return err
	}
	return tx.Commit()
}

// cached returns the statement for query prepared on db, preparing it the
// first time: SQLite statements are compiled once, not on every call.
func cached(ctx context.Context, m *sync.Map, db *sql.DB, query string) (*sql.Stmt, error) {
	if s, ok := m.Load(query); ok {
		return s.(*sql.Stmt), nil
	}
	s, err := db.PrepareContext(ctx, query)
	if err != nil {
		return nil, err
	}
	if prev, loaded := m.LoadOrStore(query, s); loaded {
		s.Close()
		return prev.(*sql.Stmt), nil
	}
	return s, nil
}

// stmt returns the statement for query inside tx: one of those prepared at
// Open on the writer connection, which is the transaction's, so it is
// reused as is; any other is prepared on the transaction (the writer's one
// connection is busy with it, so it cannot be prepared for keeps now).
func (e *Engine) stmt(ctx context.Context, tx *sql.Tx, query string) (*sql.Stmt, error) {
	if s, ok := e.wStmts.Load(query); ok {
		return tx.StmtContext(ctx, s.(*sql.Stmt)), nil
	}
	return tx.PrepareContext(ctx, query)
}

// query runs a read on the transaction in ctx, or else on the reader pool.
func (e *Engine) query(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	if tx := e.txOf(ctx); tx != nil {
		s, err := e.stmt(ctx, tx, query)
		if err != nil {
			return nil, err
		}
		return s.QueryContext(quiet(ctx), args...)
	}
	// Outside a transaction the read keeps its context: a public lookup's
	// time limit must still interrupt it.
	s, err := cached(ctx, &e.rStmts, e.r, query)
	if err != nil {
		return nil, err
	}
	return s.QueryContext(ctx, args...)
}

// queryRow is query for one row: it scans into dest and answers
// sql.ErrNoRows when there is none.
func (e *Engine) queryRow(ctx context.Context, query string, args []any, dest ...any) error {
	rows, err := e.query(ctx, query, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	if !rows.Next() {
		if err := rows.Err(); err != nil {
			return err
		}
		return sql.ErrNoRows
	}
	if err := rows.Scan(dest...); err != nil {
		return err
	}
	return rows.Close()
}

// prepare readies, on the writer connection, the statements transactions
// use: every write, and the reads by key and by index range.
func (e *Engine) prepare(ctx context.Context) error {
	queries := []string{sqlAddCounter, sqlCounter}
	for _, c := range e.schema {
		queries = append(queries, sqlInsertDoc(c.Name), sqlUniqueHolder(c.Name), sqlEntries(c.Name, true), sqlEntries(c.Name, false),
			sqlGet(c.Name), sqlGetVersioned(c.Name), sqlUpdateDoc(c.Name), sqlDeleteDoc(c.Name), sqlCount(c.Name))
		for _, after := range []bool{false, true} {
			for _, desc := range []bool{false, true} {
				queries = append(queries, sqlFind(c.Name, after, desc))
			}
		}
	}
	for _, q := range queries {
		if _, err := cached(ctx, &e.wStmts, e.w, q); err != nil {
			return err
		}
	}
	return nil
}

const sqlCounter = `SELECT value FROM counters WHERE name = ?`

const sqlAddCounter = `INSERT INTO counters (name, value) VALUES (?, ?) ON CONFLICT (name) DO UPDATE SET value = value + excluded.value RETURNING value`

func sqlInsertDoc(coll string) string {
	return `INSERT INTO d_` + coll + ` (id, version, body) VALUES (?, ?, ?) ON CONFLICT (id) DO NOTHING`
}

// sqlFind reads one index range in key order, after a cursor's key or not.
func sqlFind(coll string, after, desc bool) string {
	cond, order := "", "ASC"
	if desc {
		order = "DESC"
	}
	if after {
		cond = " AND x.key > ?"
		if desc {
			cond = " AND x.key < ?"
		}
	}
	return `SELECT x.key, d.body FROM x_` + coll + ` x JOIN d_` + coll +
		` d ON d.id = x.id WHERE x.ix = ? AND x.key >= ? AND x.key < ?` + cond + ` ORDER BY x.key ` + order + ` LIMIT ?`
}

func sqlCount(coll string) string {
	return `SELECT count(*) FROM x_` + coll + ` WHERE ix = ? AND key >= ? AND key < ?`
}

func sqlGet(coll string) string { return `SELECT body FROM d_` + coll + ` WHERE id = ?` }

func sqlGetVersioned(coll string) string {
	return `SELECT version, body FROM d_` + coll + ` WHERE id = ?`
}

func sqlUpdateDoc(coll string) string {
	return `UPDATE d_` + coll + ` SET version = ?, body = ? WHERE id = ?`
}

func sqlDeleteDoc(coll string) string { return `DELETE FROM d_` + coll + ` WHERE id = ?` }

func sqlUniqueHolder(coll string) string {
	return `SELECT id FROM x_` + coll + ` WHERE ix = ? AND key >= ? AND key < ? AND id != ? LIMIT 1`
}

func sqlEntries(coll string, insert bool) string {
	if insert {
		return `INSERT OR IGNORE INTO x_` + coll + ` (ix, key, id) SELECT value->>0, unhex(value->>1), ?2 FROM json_each(?1)`
	}
	return `DELETE FROM x_` + coll + ` WHERE (ix, key) IN (SELECT value->>0, unhex(value->>1) FROM json_each(?))`
}

// sqlEntry adds one index entry (while an index is built).
const sqlEntry = `INSERT OR IGNORE INTO x_%s (ix, key, id) VALUES (?, ?, ?)`

func (e *Engine) exec(ctx context.Context, tx *sql.Tx, query string, args ...any) (sql.Result, error) {
	s, err := e.stmt(ctx, tx, query)
	if err != nil {
		return nil, err
	}
	return s.ExecContext(quiet(ctx), args...)
}

// --- documents

func (e *Engine) coll(name string) (*store.Collection, error) {
	c := e.schema.Collection(name)
	if c == nil {
		return nil, fmt.Errorf("%w: collection %q is not declared", store.ErrNotCovered, name)
	}
	return c, nil
}

// Get implements store.Engine.
func (e *Engine) Get(ctx context.Context, coll, id string) (_ bson.Raw, err error) {
	defer unavailable(&err)
	if _, err := e.coll(coll); err != nil {
		return nil, err
	}
	var body []byte
	err = e.queryRow(ctx, sqlGet(coll), []any{id}, &body)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, store.ErrNotFound
	}
	if err != nil {
		return nil, err
	}
	return bson.Raw(body), nil
}

// entries are a document's index entries: index number → keys.
type entries map[int64][][]byte

func (e *Engine) entriesOf(c *store.Collection, doc bson.Raw, id string) (entries, error) {
	out := entries{}
	for _, ix := range c.Indexes {
		keys, err := store.IndexKeys(doc, ix, id)
		if err != nil {
			return nil, fmt.Errorf("%s index %s: %w", c.Name, ix.Name(), err)
		}
		out[e.ixNum[c.Name][ix.Name()]] = keys
	}
	return out, nil
}

// uniqueHolder returns the ID of another document holding key's values (key
// without its trailing id) in a unique index, or "".
func (e *Engine) uniqueHolder(ctx context.Context, tx *sql.Tx, coll string, num int64, key []byte, id string) (string, error) {
	idKey, _ := store.EncodeKey(id)
	prefix := key[:len(key)-len(idKey)]
	hi := append(bytes.Clone(prefix), store.KeyEnd)
	s, err := e.stmt(ctx, tx, sqlUniqueHolder(coll))
	if err != nil {
		return "", err
	}
	var other string
	err = s.QueryRowContext(quiet(ctx), num, prefix, hi, id).Scan(&other)
	if errors.Is(err, sql.ErrNoRows) {
		return "", nil
	}
	return other, err
}

func (e *Engine) checkUnique(ctx context.Context, tx *sql.Tx, c *store.Collection, ents entries, id string) error {
	for _, ix := range c.Indexes {
		if !ix.Unique {
			continue
		}
		num := e.ixNum[c.Name][ix.Name()]
		for _, k := range ents[num] {
			other, err := e.uniqueHolder(ctx, tx, c.Name, num, k, id)
			if err != nil {
				return err
			}
			if other != "" {
				return &store.DuplicateError{Collection: c.Name, Index: ix.Name()}
			}
		}
	}
	return nil
}

// writeEntries inserts (or deletes) a document's index entries with one
// statement: they go in as one JSON array of [index number, hex key].
func (e *Engine) writeEntries(ctx context.Context, tx *sql.Tx, coll, id string, ents entries, insert bool) error {
	var list []byte
	for num, keys := range ents {
		for _, k := range keys {
			list = fmt.Appendf(list, `,[%d,"%x"]`, num, k)
		}
	}
	if len(list) == 0 {
		return nil
	}
	list[0] = '['
	list = append(list, ']')
	s, err := e.stmt(ctx, tx, sqlEntries(coll, insert))
	if err != nil {
		return err
	}
	args := []any{string(list)}
	if insert {
		args = append(args, id)
	}
	_, err = s.ExecContext(quiet(ctx), args...)
	return err
}

// Insert implements store.Engine.
func (e *Engine) Insert(ctx context.Context, coll string, doc bson.Raw) error {
	c, err := e.coll(coll)
	if err != nil {
		return err
	}
	id, version, err := store.DocID(doc)
	if err != nil {
		return err
	}
	ents, err := e.entriesOf(c, doc, id)
	if err != nil {
		return err
	}
	return e.Tx(ctx, func(ctx context.Context) error {
		tx := e.txOf(ctx)
		if err := e.checkUnique(ctx, tx, c, ents, id); err != nil {
			return err
		}
		s, err := e.stmt(ctx, tx, sqlInsertDoc(coll))
		if err != nil {
			return err
		}
		res, err := s.ExecContext(quiet(ctx), id, version, []byte(doc))
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return &store.DuplicateError{Collection: coll, Index: store.IDField}
		}
		return e.writeEntries(ctx, tx, coll, id, ents, true)
	})
}

// Replace implements store.Engine. Only the index entries that change are rewritten.
func (e *Engine) Replace(ctx context.Context, coll string, version int64, doc bson.Raw) error {
	c, err := e.coll(coll)
	if err != nil {
		return err
	}
	id, newVersion, err := store.DocID(doc)
	if err != nil {
		return err
	}
	ents, err := e.entriesOf(c, doc, id)
	if err != nil {
		return err
	}
	return e.Tx(ctx, func(ctx context.Context) error {
		tx := e.txOf(ctx)
		var stored int64
		var old []byte
		err := e.queryRow(ctx, sqlGetVersioned(coll), []any{id}, &stored, &old)
		if errors.Is(err, sql.ErrNoRows) {
			return store.ErrNotFound
		}
		if err != nil {
			return err
		}
		if stored != version {
			return store.ErrStale
		}
		if err := e.checkUnique(ctx, tx, c, ents, id); err != nil {
			return err
		}
		oldEnts, err := e.entriesOf(c, bson.Raw(old), id)
		if err != nil {
			return err
		}
		gone, added := diff(oldEnts, ents), diff(ents, oldEnts)
		if err := e.writeEntries(ctx, tx, coll, id, gone, false); err != nil {
			return err
		}
		if err := e.writeEntries(ctx, tx, coll, id, added, true); err != nil {
			return err
		}
		_, err = e.exec(ctx, tx, sqlUpdateDoc(coll), newVersion, []byte(doc), id)
		return err
	})
}

// diff returns the entries of a that b lacks.
func diff(a, b entries) entries {
	out := entries{}
	for num, keys := range a {
		for _, k := range keys {
			found := false
			for _, o := range b[num] {
				if bytes.Equal(k, o) {
					found = true
					break
				}
			}
			if !found {
				out[num] = append(out[num], k)
			}
		}
	}
	return out
}

// Delete implements store.Engine.
func (e *Engine) Delete(ctx context.Context, coll, id string) error {
	c, err := e.coll(coll)
	if err != nil {
		return err
	}
	return e.Tx(ctx, func(ctx context.Context) error {
		tx := e.txOf(ctx)
		var old []byte
		err := e.queryRow(ctx, sqlGet(coll), []any{id}, &old)
		if errors.Is(err, sql.ErrNoRows) {
			return store.ErrNotFound
		}
		if err != nil {
			return err
		}
		oldEnts, err := e.entriesOf(c, bson.Raw(old), id)
		if err != nil {
			return err
		}
		if err := e.writeEntries(ctx, tx, coll, id, oldEnts, false); err != nil {
			return err
		}
		_, err = e.exec(ctx, tx, sqlDeleteDoc(coll), id)
		return err
	})
}

// --- queries

// bounds returns the key range [lo, hi) a plan selects, and the prefix of
// equality values every key in it starts with.
func bounds(p *store.Plan) (prefix, lo, hi []byte, err error) {
	prefix, err = store.EncodeKey(p.Eq...)
	if err != nil {
		return nil, nil, nil, err
	}
	// Never nil: the driver binds a nil slice as NULL, and key >= NULL is never true.
	lo = append([]byte{}, prefix...)
	hi = append(append([]byte{}, prefix...), store.KeyEnd)
	if r := p.Range; r != nil {
		at := func(v any, end bool) ([]byte, error) {
			k, err := store.AppendKey(bytes.Clone(prefix), v)
			if end {
				k = append(k, store.KeyEnd)
			}
			return k, err
		}
		var k []byte
		if r.Gte != nil {
			if k, err = at(r.Gte, false); err != nil {
				return
			}
			lo = maxKey(lo, k)
		}
		if r.Gt != nil {
			if k, err = at(r.Gt, true); err != nil {
				return
			}
			lo = maxKey(lo, k)
		}
		if r.Lt != nil {
			if k, err = at(r.Lt, false); err != nil {
				return
			}
			hi = minKey(hi, k)
		}
		if r.Lte != nil {
			if k, err = at(r.Lte, true); err != nil {
				return
			}
			hi = minKey(hi, k)
		}
	}
	return prefix, lo, hi, nil
}

func maxKey(a, b []byte) []byte {
	if bytes.Compare(a, b) >= 0 {
		return a
	}
	return b
}

func minKey(a, b []byte) []byte {
	if bytes.Compare(a, b) <= 0 {
		return a
	}
	return b
}

// Find implements store.Engine.
func (e *Engine) Find(ctx context.Context, q store.Query) (_ []bson.Raw, _ string, err error) {
	defer unavailable(&err)
	p, err := e.schema.Cover(q)
	if err != nil {
		return nil, "", err
	}
	limit := q.PageLimit()
	if p.Index == nil {
		return e.findByID(ctx, p, q, limit)
	}
	prefix, lo, hi, err := bounds(p)
	if err != nil {
		return nil, "", err
	}
	args := []any{e.ixNum[p.Collection.Name][p.Index.Name()], lo, hi}
	if q.After != "" {
		if _, err := store.ParseCursor(p, q.After); err != nil {
			return nil, "", err
		}
		raw, _ := decodeCursor(q.After)
		args = append(args, append(bytes.Clone(prefix), raw...))
	}
	args = append(args, limit+1)
	rows, err := e.query(ctx, sqlFind(p.Collection.Name, q.After != "", q.Desc), args...)
	if err != nil {
		return nil, "", err
	}
	defer rows.Close()
	var out []bson.Raw
	var lastKey []byte
	next := ""
	for rows.Next() {
		var key, body []byte
		if err := rows.Scan(&key, &body); err != nil {
			return nil, "", err
		}
		if len(out) == limit {
			next = encodeCursor(lastKey[len(prefix):])
			break
		}
		out = append(out, bson.Raw(body))
		lastKey = key
	}
	return out, next, rows.Err()
}

func (e *Engine) findByID(ctx context.Context, p *store.Plan, q store.Query, limit int) ([]bson.Raw, string, error) {
	if len(p.Eq) == 1 {
		id, _ := p.Eq[0].(string)
		raw, err := e.Get(ctx, p.Collection.Name, id)
		if errors.Is(err, store.ErrNotFound) {
			return nil, "", nil
		}
		if err != nil {
			return nil, "", err
		}
		return []bson.Raw{raw}, "", nil
	}
	var conds []string
	var args []any
	if r := p.Range; r != nil {
		for _, b := range []struct {
			op string
			v  any
		}{{">", r.Gt}, {">=", r.Gte}, {"<", r.Lt}, {"<=", r.Lte}} {
			if b.v == nil {
				continue
			}
			s, ok := b.v.(string)
			if !ok {
				return nil, "", fmt.Errorf("%w: a range on _id takes strings", store.ErrNotCovered)
			}
			conds, args = append(conds, "id "+b.op+" ?"), append(args, s)
		}
	}
	if q.After != "" {
		vals, err := store.ParseCursor(p, q.After)
		if err != nil {
			return nil, "", err
		}
		op := ">"
		if q.Desc {
			op = "<"
		}
		conds, args = append(conds, "id "+op+" ?"), append(args, vals[0].(string))
	}
	where := ""
	if len(conds) > 0 {
		where = " WHERE " + strings.Join(conds, " AND ")
	}
	order := "ASC"
	if q.Desc {
		order = "DESC"
	}
	args = append(args, limit+1)
	rows, err := e.query(ctx, `SELECT id, body FROM d_`+p.Collection.Name+where+` ORDER BY id `+order+` LIMIT ?`, args...)
	if err != nil {
		return nil, "", err
	}
	defer rows.Close()
	var out []bson.Raw
	last, next := "", ""
	for rows.Next() {
		var id string
		var body []byte
		if err := rows.Scan(&id, &body); err != nil {
			return nil, "", err
		}
		if len(out) == limit {
			next = store.Cursor([]any{last})
			break
		}
		out = append(out, bson.Raw(body))
		last = id
	}
	return out, next, rows.Err()
}

// Count implements store.Engine. On a multikey index a document counts once
// per distinct value it holds in the range.
func (e *Engine) Count(ctx context.Context, q store.Query) (_ int64, err error) {
	defer unavailable(&err)
	p, err := e.schema.Cover(q)
	if err != nil {
		return 0, err
	}
	var n int64
	if p.Index == nil {
		if len(p.Eq) == 1 || p.Range != nil {
			raws, _, err := e.findByID(ctx, p, store.Query{Collection: q.Collection, Limit: store.MaxLimit}, store.MaxLimit)
			return int64(len(raws)), err
		}
		err := e.queryRow(ctx, `SELECT count(*) FROM d_`+p.Collection.Name, nil, &n)
		return n, err
	}
	_, lo, hi, err := bounds(p)
	if err != nil {
		return 0, err
	}
	err = e.queryRow(ctx, sqlCount(p.Collection.Name), []any{e.ixNum[p.Collection.Name][p.Index.Name()], lo, hi}, &n)
	return n, err
}

// --- counters

// Add implements store.Engine.
func (e *Engine) Add(ctx context.Context, counter string, delta int64) (int64, error) {
	var v int64
	err := e.Tx(ctx, func(ctx context.Context) error {
		tx := e.txOf(ctx)
		s, err := e.stmt(ctx, tx, sqlAddCounter)
		if err != nil {
			return err
		}
		return s.QueryRowContext(quiet(ctx), counter, delta).Scan(&v)
	})
	return v, err
}

// Counter implements store.Engine.
func (e *Engine) Counter(ctx context.Context, counter string) (_ int64, err error) {
	defer unavailable(&err)
	var v int64
	err = e.queryRow(ctx, sqlCounter, []any{counter}, &v)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, nil
	}
	return v, err
}

func encodeCursor(b []byte) string { return store.EncodeCursorBytes(b) }

func decodeCursor(s string) ([]byte, error) { return store.DecodeCursorBytes(s) }

// Counters implements store.Engine.
func (e *Engine) Counters(ctx context.Context, after string, limit int) (_ []store.NamedCounter, err error) {
	defer unavailable(&err)
	rows, err := e.query(ctx, `SELECT name, value FROM counters WHERE name > ? ORDER BY name LIMIT ?`, after, limit)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []store.NamedCounter
	for rows.Next() {
		var c store.NamedCounter
		if err := rows.Scan(&c.Name, &c.Value); err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	return out, rows.Err()
}
