package records_test

import (
	"context"
	"errors"
	"sync"
	"testing"

	"github.com/tracereg/tracereg/registry"
	"github.com/tracereg/tracereg/registry/records"
	"github.com/tracereg/tracereg/registry/records/recordstest"
)

func appendEntries(t *testing.T, db *records.DB, n int) {
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
// made behind the log's back (through the engine) is found at the entry it touched.
func TestAuditChain(t *testing.T) {
	ctx := context.Background()
	for _, tamper := range []struct {
		name   string
		change func(t *testing.T, db *records.DB)
		broken int64
	}{
		{"content changed", func(t *testing.T, db *records.DB) {
			auditMust(t, db.TamperAudit(ctx, 7, func(e *registry.AuditEntry) { e.Username = "mallory" }))
		}, 7},
		{"entry removed", func(t *testing.T, db *records.DB) {
			auditMust(t, db.Engine().Delete(ctx, "audit", records.AuditID(4)))
		}, 4},
		{"entry rehashed but not its successor", func(t *testing.T, db *records.DB) {
			auditMust(t, db.TamperAudit(ctx, 9, func(e *registry.AuditEntry) {
				e.Action = "batch.delete"
				e.Hash = e.ComputeHash()
			}))
		}, 10},
	} {
		t.Run(tamper.name, func(t *testing.T) {
			db := recordstest.New(t)
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

// TestAuditListAndLongChain: the log lists in sequence order, page by page,
// filtered or not, and a chain longer than an engine page verifies.
func TestAuditListAndLongChain(t *testing.T) {
	ctx := context.Background()
	db := recordstest.New(t)
	const n = 1100 // more than store.MaxLimit
	for i := range n {
		e := &registry.AuditEntry{UserID: "u", Username: "ana", Role: registry.RoleAdmin, Action: "batch.create",
			TargetKind: registry.KindBatch, TargetID: string(rune('a' + i%2))}
		if i%2 == 1 {
			e.Action = "batch.update"
		}
		auditMust(t, db.AppendAudit(ctx, e))
		if e.Seq != int64(i+1) {
			t.Fatalf("entry %d got seq %d", i, e.Seq)
		}
	}
	if got, err := db.VerifyAudit(ctx); err != nil || got != n {
		t.Fatalf("verify: %d %v", got, err)
	}
	for _, f := range []registry.AuditFilter{{}, {Action: "batch.update"}, {TargetKind: registry.KindBatch, TargetID: "a"}, {TargetKind: registry.KindBatch}} {
		all, err := registry.CollectAll(ctx, func(p registry.Page) ([]*registry.AuditEntry, string, error) {
			p.Limit = 150
			f.Page = p
			return db.ListAudit(ctx, f)
		})
		if err != nil {
			t.Fatalf("%+v: %v", f, err)
		}
		want := n
		if f.Action != "" || f.TargetID != "" {
			want = n / 2
		}
		if len(all) != want {
			t.Fatalf("%+v: %d entries, want %d", f, len(all), want)
		}
		for i := 1; i < len(all); i++ {
			if all[i].Seq <= all[i-1].Seq {
				t.Fatalf("%+v: seq %d after %d", f, all[i].Seq, all[i-1].Seq)
			}
		}
		if all[0].Hash == "" || all[0].At.IsZero() {
			t.Fatalf("%+v: decoded %+v", f, all[0])
		}
	}
	_, _, err := db.ListAudit(ctx, registry.AuditFilter{Page: registry.Page{Cursor: "nope"}})
	wantField(t, err, "cursor", "cursor")
}

func auditMust(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}
