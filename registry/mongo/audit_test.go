package mongo_test

import (
	"context"
	"errors"
	"sync"
	"testing"

	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/tracereg/tracereg/registry"
	"github.com/tracereg/tracereg/registry/mongo"
	"github.com/tracereg/tracereg/registry/mongo/mongotest"
)

func appendEntries(t *testing.T, db *mongo.DB, n int) {
	t.Helper()
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			e := &registry.AuditEntry{UserID: "u", Username: "ana", Role: registry.RoleAdmin, Action: "batch.create",
				TargetKind: registry.KindBatch, TargetID: string(rune('a' + i%26)), AfterSHA256: registry.DigestJSON(i)}
			if err := db.AppendAudit(context.Background(), e); err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
}

// TestAuditChain: concurrent appends make one unbroken chain, and any change
// made behind the log's back is found at the entry it touched.
func TestAuditChain(t *testing.T) {
	ctx := context.Background()
	for _, tamper := range []struct {
		name   string
		change func(t *testing.T, db *mongo.DB)
		broken int64
	}{
		{"content changed", func(t *testing.T, db *mongo.DB) {
			if _, err := db.Database().Collection("audit").UpdateOne(ctx, bson.D{{Key: "_id", Value: int64(7)}},
				bson.D{{Key: "$set", Value: bson.D{{Key: "username", Value: "mallory"}}}}); err != nil {
				t.Fatal(err)
			}
		}, 7},
		{"entry removed", func(t *testing.T, db *mongo.DB) {
			if _, err := db.Database().Collection("audit").DeleteOne(ctx, bson.D{{Key: "_id", Value: int64(4)}}); err != nil {
				t.Fatal(err)
			}
		}, 4},
		{"entry rehashed but not its successor", func(t *testing.T, db *mongo.DB) {
			var e registry.AuditEntry
			auditMust(t, db.Database().Collection("audit").FindOne(ctx, bson.D{{Key: "_id", Value: int64(9)}}).Decode(&e))
			e.Action = "batch.delete"
			e.Hash = e.ComputeHash()
			if _, err := db.Database().Collection("audit").ReplaceOne(ctx, bson.D{{Key: "_id", Value: int64(9)}}, e); err != nil {
				t.Fatal(err)
			}
		}, 10},
	} {
		t.Run(tamper.name, func(t *testing.T) {
			db := mongotest.New(t)
			appendEntries(t, db, 15)
			n, err := db.VerifyAudit(ctx)
			if err != nil || n != 15 {
				t.Fatalf("intact chain: %d %v", n, err)
			}
			tamper.change(t, db)
			_, err = db.VerifyAudit(ctx)
			var brk *registry.AuditBreak
			if !errors.As(err, &brk) || brk.Seq != tamper.broken {
				t.Fatalf("got %v, want a break at %d", err, tamper.broken)
			}
		})
	}
}

func auditMust(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}
