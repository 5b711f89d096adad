package mongo_test

import (
	"context"
	"net"
	"strings"
	"testing"

	"github.com/tracereg/tracereg/registry/mongo"
	"github.com/tracereg/tracereg/registry/store"
	"github.com/tracereg/tracereg/registry/store/storetest"
)

// TestContract runs the engine contract on MongoDB's protocol (the embedded
// FerretDB, or TRACEREG_TEST_MONGODB_URI).
func TestContract(t *testing.T) {
	storetest.Run(t, func(t *testing.T, s store.Schema) store.Engine { return storetest.MongoEngine(t, s) })
}

// A server that does not answer is named without its credentials, and as
// unavailable (a 503 upstream).
func TestUnreachableServerHidesCredentials(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	uri := "mongodb://registry:s3cret-pass@" + addr + "/?serverSelectionTimeoutMS=300&connectTimeoutMS=300"
	_, err = mongo.OpenEngine(context.Background(), mongo.EngineConfig{URI: uri, Database: "x"}, storetest.ContractSchema)
	if err == nil {
		t.Fatal("an unreachable server opened")
	}
	if strings.Contains(err.Error(), "s3cret-pass") {
		t.Errorf("the error shows the password: %v", err)
	}
	if !strings.Contains(err.Error(), addr) {
		t.Errorf("the error does not name the server: %v", err)
	}
}
