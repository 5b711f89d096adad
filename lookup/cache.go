package lookup

import (
	"context"
	"sync"
	"time"

	"github.com/tracereg/tracereg/registry"
)

// cache keeps assembled view data per public key.
//
// Choice: a short TTL (30 s) plus an explicit invalidate hook, instead of a
// version stamp bumped by every write path of the store. Writes reach a scan
// within the TTL on every replica; the process that makes a change (the
// label sheet issuing serials, say) invalidates at once. Not-found answers
// are cached for a shorter time so a flood of guessed codes does not reach
// the database. Loads of one key are shared by concurrent requests. When a
// load fails for any reason but "not found", the last good data is served
// (marked stale) for up to maxStale, and the database is not asked again for
// retryAfter, so a dead database does not slow every page down.
type cache struct {
	ttl, negTTL, maxStale, retryAfter time.Duration
	maxEntries                        int
	now                               func() time.Time

	mu        sync.Mutex
	entries   map[string]*entry
	inflight  map[string]*call
	downUntil time.Time // after a load found the database unavailable: fail fast until then
	downErr   error
}

type entry struct {
	v        any
	err      error // a cached ENOTFOUND
	at       time.Time
	failedAt time.Time // last failed refresh
}

type call struct {
	done chan struct{}
	v    any
	err  error
}

func newCache(ttl, maxStale time.Duration) *cache {
	return &cache{ttl: ttl, negTTL: min(ttl, 10*time.Second), maxStale: maxStale, retryAfter: 5 * time.Second,
		maxEntries: 20000, now: time.Now, entries: map[string]*entry{}, inflight: map[string]*call{}}
}

// get returns the value for key, loading it when missing or expired.
// stale is true when the value is old data served because the load failed.
func (c *cache) get(key string, timeout time.Duration, load func(ctx context.Context) (any, error)) (v any, stale bool, err error) {
	now := c.now()
	c.mu.Lock()
	e := c.entries[key]
	if e != nil {
		age := now.Sub(e.at)
		if e.err != nil && age < c.negTTL || e.err == nil && age < c.ttl {
			c.mu.Unlock()
			return e.v, false, e.err
		}
		if e.v != nil && now.Sub(e.failedAt) < c.retryAfter && age < c.maxStale {
			c.mu.Unlock()
			return e.v, true, nil
		}
	}
	if e == nil && now.Before(c.downUntil) {
		// Nothing to serve and the database just failed to answer: do not
		// make this request wait for another timeout.
		err := c.downErr
		c.mu.Unlock()
		return nil, false, err
	}
	cl := c.inflight[key]
	if cl == nil {
		cl = &call{done: make(chan struct{})}
		c.inflight[key] = cl
		c.mu.Unlock()
		// Not the request's context: the load is shared, and its result is
		// worth keeping even if this client goes away.
		ctx, cancel := context.WithTimeout(context.Background(), timeout)
		cl.v, cl.err = load(ctx)
		cancel()
		c.mu.Lock()
		delete(c.inflight, key)
		c.store(key, cl.v, cl.err, c.now())
		close(cl.done)
	}
	c.mu.Unlock()
	<-cl.done
	if cl.err != nil && registry.ErrorCode(cl.err) != registry.ENOTFOUND {
		c.mu.Lock()
		e := c.entries[key]
		c.mu.Unlock()
		if e != nil && e.v != nil {
			return e.v, true, nil
		}
	}
	return cl.v, false, cl.err
}

// store records a load's outcome; c.mu is held.
func (c *cache) store(key string, v any, err error, now time.Time) {
	switch {
	case err == nil:
		c.downUntil = time.Time{}
		c.makeRoom()
		c.entries[key] = &entry{v: v, at: now}
	case registry.ErrorCode(err) == registry.ENOTFOUND:
		c.makeRoom()
		c.entries[key] = &entry{err: err, at: now}
	default:
		if registry.ErrorCode(err) == registry.EUNAVAILABLE {
			c.downUntil, c.downErr = now.Add(c.retryAfter), err
		}
		if e := c.entries[key]; e != nil && e.v != nil && now.Sub(e.at) < c.maxStale {
			e.failedAt = now
		} else {
			delete(c.entries, key)
		}
	}
}

// makeRoom evicts some entries when the cache is full: expired ones first,
// then arbitrary ones (map order), which is enough to bound memory.
func (c *cache) makeRoom() {
	if len(c.entries) < c.maxEntries {
		return
	}
	now := c.now()
	for k, e := range c.entries {
		if now.Sub(e.at) > c.ttl {
			delete(c.entries, k)
		}
	}
	for k := range c.entries {
		if len(c.entries) < c.maxEntries*9/10 {
			break
		}
		delete(c.entries, k)
	}
}

func (c *cache) invalidate(key string) {
	c.mu.Lock()
	delete(c.entries, key)
	c.mu.Unlock()
}

func (c *cache) invalidateAll() {
	c.mu.Lock()
	c.entries = map[string]*entry{}
	c.mu.Unlock()
}
