// Package recordstest gives tests a real store: records on a fresh database
// of the engine TRACEREG_TEST_ENGINE names (see storetest.Engine).
// Tests inside package records use newTestDB (testdb_test.go) instead, to
// avoid an import cycle.
package recordstest

import (
	"context"
	"errors"
	"sync/atomic"
	"testing"

	"github.com/tracereg/tracereg/registry"
	"github.com/tracereg/tracereg/registry/records"
	"github.com/tracereg/tracereg/registry/store/storetest"
)

// New returns a store on a fresh database, closed (and dropped) when the test ends.
func New(tb testing.TB) *records.DB {
	return NewWithClock(tb, registry.SystemClock{})
}

// NewWithClock is New with an injected clock.
func NewWithClock(tb testing.TB, clock registry.Clock) *records.DB {
	tb.Helper()
	return records.New(storetest.Engine(tb, records.Schema), clock)
}

// AuditDown is the real store whose audit log refuses entries while Down
// is set: for tests of what a write leaves when its audit entry fails.
type AuditDown struct {
	*records.DB
	Down atomic.Bool
}

// AppendAudit fails while Down is set, else appends as the store does.
func (s *AuditDown) AppendAudit(ctx context.Context, e *registry.AuditEntry) error {
	if s.Down.Load() {
		return errors.New("audit log unavailable")
	}
	return s.DB.AppendAudit(ctx, e)
}
