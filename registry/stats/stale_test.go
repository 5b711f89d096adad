package stats_test

import (
	"context"
	"log/slog"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/tracereg/tracereg/registry"
	"github.com/tracereg/tracereg/registry/disk"
	"github.com/tracereg/tracereg/registry/records"
	"github.com/tracereg/tracereg/registry/records/recordstest"
	"github.com/tracereg/tracereg/registry/server"
	"github.com/tracereg/tracereg/registry/stats"
)

// stuckStore is a database that, once stuck, does not answer lot lists
// until released, as while another tenant's import holds the writer or the
// database is overloaded; it counts the lists asked for.
type stuckStore struct {
	*records.DB
	stuck   atomic.Bool
	release chan struct{}
	lists   atomic.Int64
}

func (s *stuckStore) ListBatches(ctx context.Context, f registry.BatchFilter) ([]*registry.Batch, string, error) {
	s.lists.Add(1)
	if s.stuck.Load() {
		select {
		case <-s.release:
		case <-ctx.Done():
			return nil, "", registry.Errorf(registry.EUNAVAILABLE, "timeout", "timeout")
		}
	}
	return s.DB.ListBatches(ctx, f)
}

// stuckApp mounts the statistics on db with a cache TTL and a first-load wait.
func stuckApp(t *testing.T, db *stuckStore, ttl, loadTimeout time.Duration) *fiber.App {
	t.Helper()
	docs, err := disk.New(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	log := slog.New(slog.DiscardHandler)
	app, err := server.New(server.Config{Store: db, Documents: docs, Logger: log})
	if err != nil {
		t.Fatal(err)
	}
	if err := stats.Mount(app, stats.Config{Store: db, Clock: registry.FixedClock(testNow), Logger: log,
		CacheTTL: ttl, LoadTimeout: loadTimeout, RefreshTimeout: time.Minute}); err != nil {
		t.Fatal(err)
	}
	return app
}

// Once the statistics have been computed, a stuck database never makes the
// public page wait or answer 503: it shows the last snapshot, and many
// requests start one reload between them, not one each.
func TestPublicPageServesTheLastSnapshot(t *testing.T) {
	db := &stuckStore{DB: recordstest.New(t), release: make(chan struct{})}
	defer close(db.release)
	ttl := 50 * time.Millisecond
	app := stuckApp(t, db, ttl, time.Minute)
	if resp, body := get(t, app, "/thong-ke"); resp.StatusCode != 200 {
		t.Fatalf("first load: %d %.300s", resp.StatusCode, body)
	}
	before := db.lists.Load()
	db.stuck.Store(true)
	time.Sleep(2 * ttl)
	for i := range 20 {
		// A request that waited for the stuck reload would end in the timeout.
		resp, err := app.Test(httptest.NewRequest("GET", "/thong-ke", nil), 5000)
		if err != nil || resp.StatusCode != 200 {
			t.Fatalf("request %d while the database is stuck: %v %v", i, resp, err)
		}
	}
	if n := db.lists.Load() - before; n != 1 {
		t.Fatalf("20 requests past the TTL started %d reloads, want 1", n)
	}
}

// A first load slower than a request may wait goes on in the background:
// the request is told to come back (503), and once the load is done the
// page shows; requests meanwhile do not start loads of their own.
func TestSlowFirstLoadContinuesInTheBackground(t *testing.T) {
	db := &stuckStore{DB: recordstest.New(t), release: make(chan struct{})}
	db.stuck.Store(true)
	app := stuckApp(t, db, time.Minute, 20*time.Millisecond)
	for i := range 5 {
		resp, err := app.Test(httptest.NewRequest("GET", "/thong-ke", nil), 5000)
		if err != nil || resp.StatusCode != 503 {
			t.Fatalf("request %d during the first load: %v %v, want 503", i, resp, err)
		}
	}
	if n := db.lists.Load(); n != 1 {
		t.Fatalf("%d loads started, want 1", n)
	}
	close(db.release)
	deadline := time.Now().Add(5 * time.Second)
	for {
		resp, err := app.Test(httptest.NewRequest("GET", "/thong-ke", nil), 5000)
		if err == nil && resp.StatusCode == 200 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the page after the first load: %v %v", resp, err)
		}
		time.Sleep(10 * time.Millisecond)
	}
}
