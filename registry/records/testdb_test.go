package records

import (
	"testing"

	"github.com/tracereg/tracereg/registry"
	"github.com/tracereg/tracereg/registry/store/storetest"
)

// newTestDB returns records on a fresh database of the engine
// TRACEREG_TEST_ENGINE names (sqlite by default; mongo runs on FerretDB).
func newTestDB(tb testing.TB) *DB { return newTestDBWithClock(tb, registry.SystemClock{}) }

// newTestDBWithClock is newTestDB with an injected clock.
func newTestDBWithClock(tb testing.TB, clock registry.Clock) *DB {
	tb.Helper()
	return New(storetest.Engine(tb, Schema), clock)
}
