package sqlite_test

import (
	"testing"

	"github.com/tracereg/tracereg/registry/store"
	"github.com/tracereg/tracereg/registry/store/storetest"
)

func TestContract(t *testing.T) {
	storetest.Run(t, func(t *testing.T, s store.Schema) store.Engine { return storetest.SQLiteEngine(t, s) })
}
