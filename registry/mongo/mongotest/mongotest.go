// Package mongotest gives tests a real database: one embedded FerretDB per
// test process, started on first use in a temporary directory, and a fresh
// database for every test.
package mongotest

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/tracereg/tracereg/registry"
	"github.com/tracereg/tracereg/registry/mongo"
)

var (
	once     sync.Once
	uri      string
	startErr error
	counter  atomic.Int64
)

// URI returns the driver URI of the shared embedded database, starting it on
// first use. TRACEREG_TEST_MONGODB_URI points the tests at another
// MongoDB-protocol server instead.
func URI(tb testing.TB) string {
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
		// The process exits when tests end; the temporary directory goes with the OS's cleanup.
	})
	if startErr != nil {
		tb.Fatalf("start embedded database: %v", startErr)
	}
	return uri
}

// New returns a store on a fresh database, dropped when the test ends.
func New(tb testing.TB) *mongo.DB {
	return NewWithClock(tb, registry.SystemClock{})
}

// NewWithClock is New with an injected clock.
func NewWithClock(tb testing.TB, clock registry.Clock) *mongo.DB {
	tb.Helper()
	name := fmt.Sprintf("test_%d_%d", os.Getpid(), counter.Add(1))
	db, err := mongo.Open(context.Background(), mongo.Config{URI: URI(tb), Database: name, Clock: clock})
	if err != nil {
		tb.Fatalf("open test database: %v", err)
	}
	tb.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		db.DropDatabase(ctx)
		db.Close(ctx)
	})
	return db
}
