package registry

import (
	"context"
	"time"
)

// IdempotencyRetention is how long the answer to an Idempotency-Key is kept:
// a client retrying later than this gets a fresh request.
const IdempotencyRetention = 24 * time.Hour

// SweepResult counts what one sweep deleted.
type SweepResult struct {
	RefreshTokens      int64
	IdempotencyRecords int64
	Sessions           int64
	ScanClients        int64
	WebhookDeliveries  int64
}

// WebhookRetention is how long a delivered or failed webhook delivery is
// kept (to be seen and replayed) after its last attempt.
const WebhookRetention = 30 * 24 * time.Hour

// Sweeper deletes records that have outlived their use. It stands in for
// TTL indexes, which are outside the portable MongoDB subset.
type Sweeper interface {
	// Sweep deletes refresh tokens and browser sessions expired before now, idempotency records
	// older than IdempotencyRetention scan client keys older than two days and webhook deliveries done
	// (delivered or failed) longer than WebhookRetention ago. Safe to run on several replicas at once.
	Sweep(ctx context.Context, now time.Time) (SweepResult, error)
}
