package registry

import (
	"context"
	"testing"
	"time"
)

// noStore fails the test if SignIn reaches the store: a sign-in refused for
// want of a hashing slot must cost nothing.
type noStore struct{ t *testing.T }

func (s noStore) FindUserByUsername(context.Context, string) (*User, error) {
	s.t.Error("store reached")
	return nil, nil
}
func (s noStore) ReserveLoginAttempt(context.Context, string, time.Time, LoginThrottle) (LoginFailures, time.Duration, error) {
	s.t.Error("store reached")
	return LoginFailures{}, 0, nil
}
func (s noStore) RefundLoginAttempt(context.Context, string) error {
	s.t.Error("store reached")
	return nil
}
func (s noStore) ClearLoginFailures(context.Context, string) error {
	s.t.Error("store reached")
	return nil
}

// TestSignInHashingIsBounded: with every hashing slot taken, a sign-in is
// refused with ETOOMANY and a wait (the callers' Retry-After), not queued
// without end and not given another 64 MiB.
func TestSignInHashingIsBounded(t *testing.T) {
	dummyHash() // as SignIn does, before the slots are taken
	for range cap(argonSlots) {
		argonSlots <- struct{}{}
	}
	defer func() {
		for range cap(argonSlots) {
			<-argonSlots
		}
	}()
	ctx, cancel := context.WithCancel(context.Background())
	cancel() // no need to sit out signInSlotWait: an ended request gives up at once
	u, wait, err := SignIn(ctx, noStore{t}, "ana", "whatever password", "10.0.0.1", time.Now())
	if u != nil || ErrorCode(err) != ETOOMANY || wait <= 0 {
		t.Fatalf("SignIn with no slot free: %v, wait %v, %v; want ETOOMANY with a wait", u, wait, err)
	}
}
