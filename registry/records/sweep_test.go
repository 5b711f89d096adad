package records_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/tracereg/tracereg/registry"
	"github.com/tracereg/tracereg/registry/records/recordstest"
)

type stepClock struct{ t time.Time }

func (c *stepClock) Now() time.Time { return c.t }

func TestSweepDeletesOnlyWhatOutlivedItsUse(t *testing.T) {
	t.Parallel()
	clock := &stepClock{t: time.Date(2026, 11, 1, 8, 0, 0, 0, time.UTC)}
	db := recordstest.NewWithClock(t, clock)
	ctx := context.Background()
	now := clock.t

	for i, exp := range []time.Duration{-2 * time.Hour, -time.Minute, time.Minute, 30 * 24 * time.Hour} {
		tok := &registry.RefreshToken{Hash: fmt.Sprintf("%064d", i), FamilyID: "f", UserID: "u", CreatedAt: now.Add(-time.Hour), ExpiresAt: now.Add(exp)}
		if err := db.CreateRefreshToken(ctx, tok); err != nil {
			t.Fatal(err)
		}
	}
	// Idempotency records stamped by the store's clock: two old, one fresh.
	for i, age := range []time.Duration{48 * time.Hour, 25 * time.Hour, time.Hour} {
		clock.t = now.Add(-age)
		if _, err := db.BeginIdempotent(ctx, &registry.IdempotencyRecord{Key: fmt.Sprintf("k%d", i)}); err != nil {
			t.Fatal(err)
		}
	}
	clock.t = now
	// Sessions: one expired, one live.
	for i, exp := range []time.Duration{-time.Second, time.Hour} {
		s := &registry.WebSession{Hash: fmt.Sprintf("s%d", i), UserID: "u", CreatedAt: now.Add(-time.Hour), ExpiresAt: now.Add(exp), LastSeen: now}
		if err := db.CreateSession(ctx, s); err != nil {
			t.Fatal(err)
		}
	}

	res, err := db.Sweep(ctx, now)
	if err != nil {
		t.Fatal(err)
	}
	if res.RefreshTokens != 2 || res.IdempotencyRecords != 2 || res.Sessions != 1 {
		t.Fatalf("swept %+v, want 2 refresh tokens, 2 idempotency records and 1 session", res)
	}
	if _, err := db.FindSession(ctx, "s1"); err != nil {
		t.Fatalf("the live session was swept: %v", err)
	}
	if _, err := db.FindIdempotent(ctx, "k2"); err != nil {
		t.Fatalf("the fresh idempotency record was swept: %v", err)
	}
	if _, err := db.FindIdempotent(ctx, "k0"); registry.ErrorCode(err) != registry.ENOTFOUND {
		t.Fatalf("the old idempotency record survived: %v", err)
	}
	// A live token still rotates after the sweep.
	if _, err := db.RotateRefreshToken(ctx, fmt.Sprintf("%064d", 3), now); err != nil {
		t.Fatalf("a live refresh token stopped working: %v", err)
	}
	again, err := db.Sweep(ctx, now)
	if err != nil || again != (registry.SweepResult{}) {
		t.Fatalf("a second sweep deleted %+v, %v", again, err)
	}
}
