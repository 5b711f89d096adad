package mongo_test

import (
	"testing"

	"github.com/tracereg/tracereg/registry/store"
	"github.com/tracereg/tracereg/registry/store/storetest"
)

// TestContract runs the engine contract on MongoDB's protocol (the embedded
// FerretDB, or TRACEREG_TEST_MONGODB_URI).
func TestContract(t *testing.T) {
	storetest.Run(t, func(t *testing.T, s store.Schema) store.Engine { return storetest.MongoEngine(t, s) })
}
