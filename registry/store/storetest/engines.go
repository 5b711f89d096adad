// Package storetest opens real engines for tests and holds the contract
// suite every store.Engine passes (Run). TRACEREG_TEST_ENGINE chooses the
// engine of Engine: "sqlite" (the default, a new file in the test's
// temporary directory) or "mongo" (a new database on the process's embedded
// FerretDB, or on TRACEREG_TEST_MONGODB_URI).
package storetest

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/tracereg/tracereg/registry/mongo"
	"github.com/tracereg/tracereg/registry/sqlite"
	"github.com/tracereg/tracereg/registry/store"
)

// EngineName is the engine the tests of this process run on.
func EngineName() string {
	if os.Getenv("TRACEREG_TEST_ENGINE") == "mongo" {
		return "mongo"
	}
	return "sqlite"
}

// Engine opens a fresh engine of the chosen kind with schema.
func Engine(tb testing.TB, schema store.Schema) store.Engine {
	tb.Helper()
	if EngineName() == "mongo" {
		return MongoEngine(tb, schema)
	}
	return SQLiteEngine(tb, schema)
}

// SQLiteEngine opens a fresh SQLite engine in the test's temporary directory.
func SQLiteEngine(tb testing.TB, schema store.Schema) *sqlite.Engine {
	tb.Helper()
	e, err := sqlite.Open(context.Background(), filepath.Join(tb.TempDir(), sqlite.FileName), schema)
	if err != nil {
		tb.Fatalf("open sqlite: %v", err)
	}
	tb.Cleanup(func() { e.Close(context.Background()) })
	return e
}

var (
	once     sync.Once
	uri      string
	startErr error
	counter  atomic.Int64
)

// MongoURI returns the driver URI of the shared embedded FerretDB, starting
// it on first use, or TRACEREG_TEST_MONGODB_URI.
func MongoURI(tb testing.TB) string {
	tb.Helper()
	once.Do(func() {
		if u := os.Getenv("TRACEREG_TEST_MONGODB_URI"); u != "" {
			uri = u
			return
		}
		// Short path: Unix socket paths are limited to about 100 bytes.
		dir, err := os.MkdirTemp("", "trdb")
		if err != nil {
			startErr = err
			return
		}
		e, err := mongo.StartEmbedded(context.Background(), filepath.Join(dir, "d"), true, 5*time.Second)
		if err != nil {
			startErr = err
			return
		}
		uri = e.URI
	})
	if startErr != nil {
		tb.Fatalf("start embedded FerretDB: %v", startErr)
	}
	return uri
}

// MongoEngine opens a MongoDB engine on a fresh database, dropped when the test ends.
func MongoEngine(tb testing.TB, schema store.Schema) *mongo.Engine {
	tb.Helper()
	name := fmt.Sprintf("test_%d_%d", os.Getpid(), counter.Add(1))
	e, err := mongo.OpenEngine(context.Background(), mongo.EngineConfig{URI: MongoURI(tb), Database: name}, schema)
	if err != nil {
		tb.Fatalf("open mongo engine: %v", err)
	}
	tb.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		e.DropDatabase(ctx)
		e.Close(ctx)
	})
	return e
}
