package mongo

import (
	"context"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/tracereg/tracereg/registry"
)

var _ registry.Sweeper = (*DB)(nil)

// Sweep implements registry.Sweeper with plain range deletes.
func (d *DB) Sweep(ctx context.Context, now time.Time) (registry.SweepResult, error) {
	var res registry.SweepResult
	r, err := d.db.Collection(colRefreshTokens).DeleteMany(ctx, bson.D{{Key: "expires_at", Value: bson.D{{Key: "$lt", Value: now.UTC()}}}})
	if err != nil {
		return res, mapError(err, nil)
	}
	res.RefreshTokens = r.DeletedCount
	r, err = d.db.Collection(colIdempotency).DeleteMany(ctx, bson.D{{Key: "created_at", Value: bson.D{{Key: "$lt", Value: now.Add(-registry.IdempotencyRetention).UTC()}}}})
	if err != nil {
		return res, mapError(err, nil)
	}
	res.IdempotencyRecords = r.DeletedCount
	r, err = d.db.Collection(colSessions).DeleteMany(ctx, bson.D{{Key: "expires_at", Value: bson.D{{Key: "$lt", Value: now.UTC()}}}})
	if err != nil {
		return res, mapError(err, nil)
	}
	res.Sessions = r.DeletedCount
	return res, nil
}
