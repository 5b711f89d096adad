package bulk_test

import (
	"context"
	"testing"
	"time"

	"github.com/tracereg/tracereg/registry/bulk"
)

// TestGate: one import per enterprise at once, a few in all; a release lets
// the next in; a turn or a slot not freed in time answers an error.
func TestGate(t *testing.T) {
	g, ctx := bulk.NewGate(2), context.Background()
	releaseA, err := g.Enter(ctx, "enterprise:a", time.Second)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := g.Enter(ctx, "enterprise:a", 10*time.Millisecond); err != bulk.ErrTenantImporting {
		t.Fatalf("a second import of the same enterprise: %v, want ErrTenantImporting", err)
	}
	second := make(chan error, 1)
	go func() { // queues for a's turn
		release, err := g.Enter(ctx, "enterprise:a", 5*time.Second)
		if err == nil {
			release()
		}
		second <- err
	}()
	releaseB, err := g.Enter(ctx, "enterprise:b", time.Second)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := g.Enter(ctx, "enterprise:c", 10*time.Millisecond); err != bulk.ErrGateFull {
		t.Fatalf("a third import with two slots: %v, want ErrGateFull", err)
	}
	// Refused, c holds nothing: it may queue again, and gets in once a slot frees.
	done := make(chan error, 1)
	go func() {
		release, err := g.Enter(ctx, "enterprise:c", 5*time.Second)
		if err == nil {
			release()
		}
		done <- err
	}()
	releaseA()
	for range 2 {
		select {
		case err := <-done:
			if err != nil {
				t.Fatalf("c after a's release: %v", err)
			}
		case err := <-second:
			if err != nil {
				t.Fatalf("a's second import after its first: %v", err)
			}
		}
	}
	releaseB()
	cancelled, cancel := context.WithCancel(ctx)
	cancel()
	r1, _ := g.Enter(ctx, "enterprise:x", time.Second)
	r2, _ := g.Enter(ctx, "enterprise:y", time.Second)
	if _, err := g.Enter(cancelled, "enterprise:z", time.Minute); err == nil {
		t.Fatal("an ended request still waited for a slot")
	}
	r1()
	r2()
	if release, err := g.Enter(ctx, "enterprise:z", time.Second); err != nil {
		t.Fatalf("z after its cancelled wait: %v", err)
	} else {
		release()
	}
}
