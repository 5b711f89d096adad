package records

import (
	"context"
	"time"

	"github.com/tracereg/tracereg/registry"
	"github.com/tracereg/tracereg/registry/store"
)

var _ registry.Sweeper = (*DB)(nil)

// Sweep implements registry.Sweeper with range deletes on indexed times.
func (d *DB) Sweep(ctx context.Context, now time.Time) (registry.SweepResult, error) {
	var res registry.SweepResult
	expired := func(col, field string, before time.Time) store.Query {
		return store.Query{Collection: col, Range: &store.Range{Field: field, Lt: before.UTC()}}
	}
	var err error
	if res.RefreshTokens, err = d.deleteAll(ctx, expired(colRefreshTokens, "expires_at", now)); err != nil {
		return res, err
	}
	if res.IdempotencyRecords, err = d.deleteAll(ctx, expired(colIdempotency, "created_at", now.Add(-registry.IdempotencyRetention))); err != nil {
		return res, err
	}
	if res.Sessions, err = d.deleteAll(ctx, expired(colSessions, "expires_at", now)); err != nil {
		return res, err
	}
	// A client key holds its day, so it cannot come back after it.
	if res.ScanClients, err = d.deleteAll(ctx, expired(colScanClients, "at", now.Add(-48*time.Hour))); err != nil {
		return res, err
	}
	for _, status := range []string{registry.DeliveryDelivered, registry.DeliveryFailed} {
		q := expired(colDeliveries, "next_attempt_at", now.Add(-registry.WebhookRetention))
		q.Where = where("status", status)
		n, err := d.deleteAll(ctx, q)
		if err != nil {
			return res, err
		}
		res.WebhookDeliveries += n
	}
	return res, nil
}
