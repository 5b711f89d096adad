package lookup

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/tracereg/tracereg/registry"
)

func TestCache(t *testing.T) {
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	c := newCache(30*time.Second, time.Hour)
	c.now = func() time.Time { return now }
	var loads atomic.Int64
	var fail error
	load := func(context.Context) (any, error) {
		loads.Add(1)
		if fail != nil {
			return nil, fail
		}
		return "v", nil
	}
	get := func() (any, bool, error) { return c.get("k", time.Second, load) }

	if v, stale, err := get(); v != "v" || stale || err != nil || loads.Load() != 1 {
		t.Fatalf("first get: %v %v %v, %d loads", v, stale, err, loads.Load())
	}
	now = now.Add(29 * time.Second)
	get()
	if loads.Load() != 1 {
		t.Fatal("reloaded within the TTL")
	}
	now = now.Add(2 * time.Second)
	get()
	if loads.Load() != 2 {
		t.Fatal("not reloaded after the TTL")
	}
	// The database goes down: stale data, and no new load for retryAfter.
	fail = registry.Errorf(registry.EUNAVAILABLE, "down", "down")
	now = now.Add(31 * time.Second)
	if v, stale, err := get(); v != "v" || !stale || err != nil {
		t.Fatalf("down: %v %v %v", v, stale, err)
	}
	n := loads.Load()
	now = now.Add(time.Second)
	if _, stale, _ := get(); !stale || loads.Load() != n {
		t.Fatalf("retried at once: %d loads", loads.Load()-n)
	}
	// An uncached key fails fast while the database is down.
	if _, _, err := c.get("other", time.Second, load); registry.ErrorCode(err) != registry.EUNAVAILABLE || loads.Load() != n {
		t.Fatalf("uncached while down: %v, %d loads", err, loads.Load()-n)
	}
	// Too old to serve.
	now = now.Add(2 * time.Hour)
	if _, _, err := get(); registry.ErrorCode(err) != registry.EUNAVAILABLE {
		t.Fatalf("past maxStale: %v", err)
	}
	// Back up; not found is cached for the shorter TTL, other errors are not cached.
	now = now.Add(time.Minute)
	fail = registry.Errorf(registry.ENOTFOUND, "no", "không")
	c.get("nf", time.Second, load)
	n = loads.Load()
	if _, _, err := c.get("nf", time.Second, load); registry.ErrorCode(err) != registry.ENOTFOUND || loads.Load() != n {
		t.Fatal("not found not cached")
	}
	now = now.Add(11 * time.Second)
	c.get("nf", time.Second, load)
	if loads.Load() != n+1 {
		t.Fatal("not found cached past its TTL")
	}
	fail = errors.New("boom")
	c.get("e", time.Second, load)
	c.get("e", time.Second, load)
	if loads.Load() != n+3 {
		t.Fatal("an internal error was cached")
	}
	// Invalidate drops one key.
	fail = nil
	c.get("i", time.Second, load)
	c.invalidate("i")
	n = loads.Load()
	c.get("i", time.Second, load)
	if loads.Load() != n+1 {
		t.Fatal("invalidate did not drop the key")
	}
}

func TestCacheSharesConcurrentLoads(t *testing.T) {
	c := newCache(time.Minute, time.Hour)
	var loads atomic.Int64
	release := make(chan struct{})
	var wg sync.WaitGroup
	for range 20 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			v, _, err := c.get("k", time.Second, func(context.Context) (any, error) {
				loads.Add(1)
				<-release
				return 1, nil
			})
			if v != 1 || err != nil {
				t.Errorf("%v %v", v, err)
			}
		}()
	}
	time.Sleep(50 * time.Millisecond)
	close(release)
	wg.Wait()
	if loads.Load() != 1 {
		t.Fatalf("%d loads for 20 concurrent requests", loads.Load())
	}
}
