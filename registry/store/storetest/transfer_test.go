package storetest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/tracereg/tracereg/registry/store"
)

// TestExportImportBetweenEngines moves a data set SQLite → MongoDB (FerretDB)
// → SQLite and finds every document, byte for byte, and every counter.
func TestExportImportBetweenEngines(t *testing.T) {
	ctx := context.Background()
	src := SQLiteEngine(t, ContractSchema)
	for i := range 2500 { // more than one page and one import chunk
		if err := src.Insert(ctx, "things", raw(t, thing(fmt.Sprintf("id%05d", i), i%7))); err != nil {
			t.Fatal(err)
		}
	}
	src.Add(ctx, "receipt:2026:x", 41)
	src.Add(ctx, "public", 3)

	dir1, dir2 := t.TempDir(), t.TempDir()
	if n, err := store.Export(ctx, src, dir1); err != nil || n != 2500 {
		t.Fatalf("export: %d %v", n, err)
	}
	mid := MongoEngine(t, ContractSchema)
	if n, err := store.Import(ctx, mid, dir1, 1000); err != nil || n != 2500 {
		t.Fatalf("import into mongo: %d %v", n, err)
	}
	if n, err := store.Export(ctx, mid, dir2); err != nil || n != 2500 {
		t.Fatalf("export from mongo: %d %v", n, err)
	}
	dst := SQLiteEngine(t, ContractSchema)
	if _, err := store.Import(ctx, dst, dir2, 700); err != nil {
		t.Fatal(err)
	}
	for _, id := range []string{"id00000", "id01234", "id02499"} {
		a, _ := src.Get(ctx, "things", id)
		b, err := dst.Get(ctx, "things", id)
		if err != nil || !bytes.Equal(a, b) {
			t.Fatalf("%s differs after two moves: %v", id, err)
		}
	}
	// Indexes work on what was imported.
	got, _, err := dst.Find(ctx, store.Query{Collection: "things", Where: []store.Cond{store.Eq("owner", "o1"), store.Eq("n", 3)}, Limit: store.MaxLimit})
	if err != nil || len(got) != 357 {
		t.Fatalf("indexed read after import: %d %v", len(got), err)
	}
	if v, _ := dst.Counter(ctx, "receipt:2026:x"); v != 41 {
		t.Fatalf("counter: %d", v)
	}
	// Importing twice is refused: nothing is mixed.
	if _, err := store.Import(ctx, dst, dir2, 700); !errors.Is(err, store.ErrNotEmpty) {
		t.Fatalf("second import: %v", err)
	}
	// A broken line names itself and the import stops.
	bad := SQLiteEngine(t, ContractSchema)
	os.WriteFile(filepath.Join(dir2, "others.ndjson"), []byte("{not json\n"), 0o600)
	if _, err := store.Import(ctx, bad, dir2, 700); err == nil || !bytes.Contains([]byte(err.Error()), []byte("line 1")) {
		t.Fatalf("broken line: %v", err)
	}
}
