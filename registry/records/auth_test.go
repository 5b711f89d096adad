package records_test

import (
	"context"
	"fmt"
	"sort"
	"sync"
	"testing"
	"time"

	"github.com/tracereg/tracereg/registry"
	"github.com/tracereg/tracereg/registry/records/recordstest"
)

// TestLoginFailuresCountConcurrently: 20 concurrent attempts under a
// throttle that never waits count exactly 20, each seeing its own count;
// failures older than the forget window are forgotten; clearing forgets.
func TestLoginFailuresCountConcurrently(t *testing.T) {
	db, ctx := recordstest.New(t), context.Background()
	now := time.Date(2026, 6, 15, 3, 0, 0, 0, time.UTC)
	never := registry.LoginThrottle{Free: 1000, Lock: 1000, Forget: time.Hour}
	const n = 20
	counts := make([]int, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			f, wait, err := db.ReserveLoginAttempt(ctx, "user:ana", now, never)
			if err != nil || wait != 0 {
				t.Error(wait, err)
			}
			counts[i] = f.Count
		}()
	}
	wg.Wait()
	sort.Ints(counts)
	for i, c := range counts {
		if c != i+1 {
			t.Fatalf("counts seen %v, want 1..%d each once", counts, n)
		}
	}
	f, err := db.LoginFailures(ctx, "user:ana")
	if err != nil || f.Count != n || !f.LastFailure.Equal(now) || f.Key != "user:ana" {
		t.Fatalf("stored %+v %v, want %d failures", f, err, n)
	}
	// Within the window the count goes on; after it, it starts again.
	if f, _, err := db.ReserveLoginAttempt(ctx, "user:ana", now.Add(59*time.Minute), never); err != nil || f.Count != n+1 {
		t.Fatalf("within the window: %+v %v", f, err)
	}
	if f, _, err := db.ReserveLoginAttempt(ctx, "user:ana", now.Add(3*time.Hour), never); err != nil || f.Count != 1 {
		t.Fatalf("after the window: %+v %v", f, err)
	}
	if err := db.RefundLoginAttempt(ctx, "user:ana"); err != nil {
		t.Fatal(err)
	}
	if f, err := db.LoginFailures(ctx, "user:ana"); err != nil || f.Count != 0 {
		t.Fatalf("refunded: %+v %v", f, err)
	}
	if err := db.RefundLoginAttempt(ctx, "user:nobody"); err != nil {
		t.Fatalf("refunding nothing: %v", err)
	}
	if err := db.ClearLoginFailures(ctx, "user:ana"); err != nil {
		t.Fatal(err)
	}
	if f, err := db.LoginFailures(ctx, "user:ana"); err != nil || f.Count != 0 || f.Key != "user:ana" {
		t.Fatalf("cleared: %+v %v", f, err)
	}
	if err := db.ClearLoginFailures(ctx, "user:nobody"); err != nil {
		t.Fatalf("clearing nothing: %v", err)
	}
}

// TestLoginReservationIsAtomic: of a burst of concurrent attempts, exactly
// the throttle's free allowance is let through; the rest are told to wait
// and counted nowhere.
func TestLoginReservationIsAtomic(t *testing.T) {
	db, ctx := recordstest.New(t), context.Background()
	now := time.Date(2026, 6, 15, 3, 0, 0, 0, time.UTC)
	th := registry.AccountThrottle
	const n = 12
	var wg sync.WaitGroup
	var mu sync.Mutex
	allowed, refused := 0, 0
	for range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, wait, err := db.ReserveLoginAttempt(ctx, "user-ip:ana|10.0.0.1", now, th)
			mu.Lock()
			defer mu.Unlock()
			switch {
			case err != nil:
				t.Error(err)
			case wait > 0:
				refused++
			default:
				allowed++
			}
		}()
	}
	wg.Wait()
	if allowed != th.Free || refused != n-th.Free {
		t.Fatalf("%d attempts allowed, %d refused; want %d and %d", allowed, refused, th.Free, n-th.Free)
	}
	if f, err := db.LoginFailures(ctx, "user-ip:ana|10.0.0.1"); err != nil || f.Count != th.Free {
		t.Fatalf("counted %+v %v, want %d", f, err, th.Free)
	}
}

// TestRefreshTokenRotation: a token rotates once; a replay revokes its family.
func TestRefreshTokenRotation(t *testing.T) {
	db, ctx := recordstest.New(t), context.Background()
	now := time.Date(2026, 6, 15, 3, 0, 0, 0, time.UTC)
	for i := range 3 {
		tok := &registry.RefreshToken{Hash: fmt.Sprintf("h%d", i), FamilyID: "fam", UserID: "u", CreatedAt: now, ExpiresAt: now.Add(time.Hour)}
		if err := db.CreateRefreshToken(ctx, tok); err != nil {
			t.Fatal(err)
		}
	}
	if err := db.CreateRefreshToken(ctx, &registry.RefreshToken{Hash: "other", FamilyID: "fam2", UserID: "u", ExpiresAt: now.Add(time.Hour)}); err != nil {
		t.Fatal(err)
	}
	got, err := db.RotateRefreshToken(ctx, "h0", now)
	if err != nil || !got.Rotated || got.RotatedAt == nil || got.FamilyID != "fam" {
		t.Fatalf("rotate: %+v %v", got, err)
	}
	if _, err := db.RotateRefreshToken(ctx, "h0", now); registry.ErrorCode(err) != registry.EUNAUTHORIZED {
		t.Fatalf("replay: %v", err)
	}
	// The replay revoked the whole family, not the other one.
	if _, err := db.RotateRefreshToken(ctx, "h1", now); registry.ErrorCode(err) != registry.EUNAUTHORIZED {
		t.Fatalf("sibling after replay: %v", err)
	}
	if _, err := db.RotateRefreshToken(ctx, "other", now); err != nil {
		t.Fatalf("another family: %v", err)
	}
	if _, err := db.RotateRefreshToken(ctx, "missing", now); registry.ErrorCode(err) != registry.EUNAUTHORIZED {
		t.Fatalf("unknown: %v", err)
	}
	if err := db.CreateRefreshToken(ctx, &registry.RefreshToken{Hash: "old", FamilyID: "f3", ExpiresAt: now}); err != nil {
		t.Fatal(err)
	}
	if _, err := db.RotateRefreshToken(ctx, "old", now); registry.ErrorCode(err) != registry.EUNAUTHORIZED {
		t.Fatalf("expired: %v", err)
	}
	if err := db.RevokeRefreshFamily(ctx, "missing"); registry.ErrorCode(err) != registry.ENOTFOUND {
		t.Fatalf("revoke unknown: %v", err)
	}
	// Concurrent rotations of one token: exactly one wins.
	if err := db.CreateRefreshToken(ctx, &registry.RefreshToken{Hash: "race", FamilyID: "f4", ExpiresAt: now.Add(time.Hour)}); err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	var mu sync.Mutex
	wins := 0
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if _, err := db.RotateRefreshToken(ctx, "race", now); err == nil {
				mu.Lock()
				wins++
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	if wins != 1 {
		t.Fatalf("%d concurrent rotations won, want 1", wins)
	}
}

func TestAPIKeysSessionsIdempotency(t *testing.T) {
	db, ctx := recordstest.New(t), context.Background()
	uid := "aaaaaaaaaaaaaaaaaaaaaaaa"
	var keys []*registry.APIKey
	for i := range 3 {
		k := &registry.APIKey{UserID: uid, Name: fmt.Sprintf("k%d", i), Hash: fmt.Sprintf("%064d", i)}
		if err := db.CreateAPIKey(ctx, k); err != nil {
			t.Fatal(err)
		}
		keys = append(keys, k)
	}
	if err := db.CreateAPIKey(ctx, &registry.APIKey{UserID: uid, Name: "dup", Hash: fmt.Sprintf("%064d", 0)}); registry.ErrorCode(err) != registry.ECONFLICT {
		t.Fatalf("duplicate hash: %v", err)
	}
	if got, err := db.FindAPIKeyByHash(ctx, fmt.Sprintf("%064d", 1)); err != nil || got.ID != keys[1].ID {
		t.Fatalf("by hash: %+v %v", got, err)
	}
	if err := db.RevokeAPIKey(ctx, keys[1].ID); err != nil {
		t.Fatal(err)
	}
	if _, err := db.FindAPIKeyByHash(ctx, fmt.Sprintf("%064d", 1)); registry.ErrorCode(err) != registry.ENOTFOUND {
		t.Fatalf("revoked by hash: %v", err)
	}
	if got, err := db.FindAPIKey(ctx, keys[1].ID); err != nil || !got.Revoked {
		t.Fatalf("revoked: %+v %v", got, err)
	}
	if err := db.RevokeAPIKey(ctx, "bbbbbbbbbbbbbbbbbbbbbbbb"); registry.ErrorCode(err) != registry.ENOTFOUND {
		t.Fatalf("revoke missing: %v", err)
	}
	list, err := db.ListAPIKeys(ctx, uid)
	if err != nil || len(list) != 3 || list[0].ID != keys[0].ID || list[2].ID != keys[2].ID {
		t.Fatalf("list: %v %v", list, err)
	}
	if everyone, err := db.ListAPIKeys(ctx, ""); err != nil || len(everyone) != 3 {
		t.Fatalf("list everyone's: %d %v", len(everyone), err)
	}

	now := time.Date(2026, 6, 15, 3, 0, 0, 0, time.UTC)
	for i, user := range []string{"u1", "u1", "u2"} {
		if err := db.CreateSession(ctx, &registry.WebSession{Hash: fmt.Sprintf("s%d", i), UserID: user, ExpiresAt: now.Add(time.Hour), LastSeen: now}); err != nil {
			t.Fatal(err)
		}
	}
	if err := db.TouchSession(ctx, "s0", now.Add(time.Minute)); err != nil {
		t.Fatal(err)
	}
	if s, err := db.FindSession(ctx, "s0"); err != nil || !s.LastSeen.Equal(now.Add(time.Minute)) || s.UserID != "u1" {
		t.Fatalf("touched: %+v %v", s, err)
	}
	if err := db.TouchSession(ctx, "gone", now); err != nil {
		t.Fatalf("touch missing: %v", err)
	}
	if err := db.DeleteUserSessions(ctx, "u1"); err != nil {
		t.Fatal(err)
	}
	for hash, live := range map[string]bool{"s0": false, "s1": false, "s2": true} {
		_, err := db.FindSession(ctx, hash)
		if live != (err == nil) || (!live && registry.ErrorCode(err) != registry.ENOTFOUND) {
			t.Errorf("session %s after deleting u1's: %v", hash, err)
		}
	}
	if err := db.DeleteSession(ctx, "s2"); err != nil {
		t.Fatal(err)
	}
	if err := db.DeleteSession(ctx, "s2"); err != nil {
		t.Fatalf("delete twice: %v", err)
	}

	rec := &registry.IdempotencyRecord{Key: "k", RequestSHA256: "abc"}
	if existing, err := db.BeginIdempotent(ctx, rec); err != nil || existing != nil {
		t.Fatalf("begin: %+v %v", existing, err)
	}
	if existing, err := db.BeginIdempotent(ctx, &registry.IdempotencyRecord{Key: "k"}); err != nil || existing == nil || existing.Done || existing.RequestSHA256 != "abc" {
		t.Fatalf("begin again: %+v %v", existing, err)
	}
	if err := db.CompleteIdempotent(ctx, "k", 201, "application/json", []byte("{}")); err != nil {
		t.Fatal(err)
	}
	if err := db.AbandonIdempotent(ctx, "k"); err != nil {
		t.Fatal(err)
	}
	if got, err := db.FindIdempotent(ctx, "k"); err != nil || !got.Done || got.Status != 201 || string(got.Body) != "{}" {
		t.Fatalf("completed (and not abandoned): %+v %v", got, err)
	}
	if _, err := db.BeginIdempotent(ctx, &registry.IdempotencyRecord{Key: "k2"}); err != nil {
		t.Fatal(err)
	}
	if err := db.AbandonIdempotent(ctx, "k2"); err != nil {
		t.Fatal(err)
	}
	if _, err := db.FindIdempotent(ctx, "k2"); registry.ErrorCode(err) != registry.ENOTFOUND {
		t.Fatalf("abandoned: %v", err)
	}
}
