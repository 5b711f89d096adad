package sqlite_test

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/tracereg/tracereg/registry/sqlite"

	"github.com/tracereg/tracereg/registry/store"
	"github.com/tracereg/tracereg/registry/store/storetest"
)

func TestContract(t *testing.T) {
	storetest.Run(t, func(t *testing.T, s store.Schema) store.Engine { return storetest.SQLiteEngine(t, s) })
}

func doc(t *testing.T, v any) bson.Raw {
	t.Helper()
	b, err := bson.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestReopenBuildsNewIndexesAndDropsOld: declaring an index on a database
// that already has documents builds its entries at open; an index no longer
// declared loses its entries.
func TestReopenBuildsNewIndexesAndDropsOld(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), sqlite.FileName)
	v1 := store.Schema{{Name: "things", Indexes: []store.Index{{Fields: []string{"owner"}}}}}
	e, err := sqlite.Open(ctx, path, v1)
	if err != nil {
		t.Fatal(err)
	}
	for i := range 30 {
		e.Insert(ctx, "things", doc(t, bson.D{{Key: "_id", Value: fmt.Sprintf("t%02d", i)}, {Key: "version", Value: 1},
			{Key: "owner", Value: "o"}, {Key: "code", Value: fmt.Sprintf("c%d", i%3)}}))
	}
	e.Close(ctx)
	v2 := store.Schema{{Name: "things", Indexes: []store.Index{{Fields: []string{"code"}}}}}
	e, err = sqlite.Open(ctx, path, v2)
	if err != nil {
		t.Fatal(err)
	}
	defer e.Close(ctx)
	got, _, err := e.Find(ctx, store.Query{Collection: "things", Where: []store.Cond{store.Eq("code", "c1")}})
	if err != nil || len(got) != 10 {
		t.Fatalf("new index: %d %v", len(got), err)
	}
	if _, _, err := e.Find(ctx, store.Query{Collection: "things", Where: []store.Cond{store.Eq("owner", "o")}}); !errors.Is(err, store.ErrNotCovered) {
		t.Fatalf("dropped index still answers: %v", err)
	}
	// A new unique index the stored data breaks stops the open with a clear error.
	e.Close(ctx)
	v3 := store.Schema{{Name: "things", Indexes: []store.Index{{Fields: []string{"code"}, Unique: true}}}}
	if _, err := sqlite.Open(ctx, path, v3); !errors.Is(err, store.ErrDuplicate) {
		t.Fatalf("unique index over duplicates: %v", err)
	}
}

// TestQueriesUseIndexes asks SQLite for its plan of every statement shape
// the engine runs: each is a SEARCH on a primary key, never a SCAN.
func TestQueriesUseIndexes(t *testing.T) {
	ctx := context.Background()
	e := storetest.SQLiteEngine(t, storetest.ContractSchema)
	db, err := sql.Open("sqlite", "file:"+e.Path()+"?_pragma=query_only(1)")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	for _, q := range []string{
		`SELECT x.key, d.body FROM x_things x JOIN d_things d ON d.id = x.id WHERE x.ix = 1 AND x.key >= x'01' AND x.key < x'ff' AND x.key > x'02' ORDER BY x.key ASC LIMIT 10`,
		`SELECT x.key, d.body FROM x_things x JOIN d_things d ON d.id = x.id WHERE x.ix = 1 AND x.key >= x'01' AND x.key < x'ff' ORDER BY x.key DESC LIMIT 10`,
		`SELECT id, body FROM d_things WHERE id > 'a' ORDER BY id ASC LIMIT 10`,
		`SELECT body FROM d_things WHERE id = 'a'`,
		`SELECT id FROM x_things WHERE ix = 1 AND key >= x'01' AND key < x'ff' AND id != 'a' LIMIT 1`,
		`SELECT count(*) FROM x_things WHERE ix = 1 AND key >= x'01' AND key < x'ff'`,
	} {
		rows, err := db.QueryContext(ctx, "EXPLAIN QUERY PLAN "+q)
		if err != nil {
			t.Fatal(err)
		}
		var plan []string
		for rows.Next() {
			var id, parent, unused int
			var detail string
			rows.Scan(&id, &parent, &unused, &detail)
			plan = append(plan, detail)
		}
		rows.Close()
		for _, step := range plan {
			if strings.HasPrefix(step, "SCAN") || strings.Contains(step, "TEMP B-TREE") {
				t.Errorf("%s\n  plan: %v", q, plan)
			}
		}
	}
}

// TestBackupIsAConsistentCopy takes a backup while a writer inserts and
// opens it as a database of its own.
func TestBackupIsAConsistentCopy(t *testing.T) {
	ctx := context.Background()
	e := storetest.SQLiteEngine(t, storetest.ContractSchema)
	done := make(chan struct{})
	go func() {
		defer close(done)
		for i := range 300 {
			e.Insert(ctx, "others", doc(t, bson.D{{Key: "_id", Value: fmt.Sprintf("o%04d", i)}, {Key: "version", Value: 1}}))
		}
	}()
	path := filepath.Join(t.TempDir(), "backup.db")
	if err := e.Backup(ctx, path); err != nil {
		t.Fatal(err)
	}
	<-done
	if err := e.Backup(ctx, path); err == nil {
		t.Fatal("a backup over an existing file was written")
	}
	b, err := sqlite.Open(ctx, path, storetest.ContractSchema)
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close(ctx)
	n, err := b.Count(ctx, store.Query{Collection: "others"})
	if err != nil || n > 300 {
		t.Fatalf("backup holds %d, %v", n, err)
	}
	got, _, err := b.Find(ctx, store.Query{Collection: "others", Limit: store.MaxLimit})
	if err != nil || int64(len(got)) != n {
		t.Fatalf("backup reads %d of %d: %v", len(got), n, err)
	}
}

// A closed database answers store.ErrUnavailable (a 503 upstream), never a bare driver error.
func TestClosedIsUnavailable(t *testing.T) {
	ctx := context.Background()
	e, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "c.db"), storetest.ContractSchema)
	if err != nil {
		t.Fatal(err)
	}
	e.Close(ctx)
	if _, err := e.Get(ctx, "things", "x"); !errors.Is(err, store.ErrUnavailable) {
		t.Errorf("Get after Close: %v", err)
	}
	if _, _, err := e.Find(ctx, store.Query{Collection: "things"}); !errors.Is(err, store.ErrUnavailable) {
		t.Errorf("Find after Close: %v", err)
	}
	if err := e.Insert(ctx, "things", doc(t, map[string]any{"_id": "a", "version": 1, "code": "a"})); !errors.Is(err, store.ErrUnavailable) {
		t.Errorf("Insert after Close: %v", err)
	}
}
