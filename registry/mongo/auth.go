package mongo

import (
	"context"
	"errors"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/tracereg/tracereg/registry"
)

// Collections of the API's own records.
const (
	colRefreshTokens = "refresh_tokens"
	colAPIKeys       = "api_keys"
	colLoginFailures = "login_failures"
	colAudit         = "audit"
	colIdempotency   = "idempotency"
)

var _ registry.APIStore = (*DB)(nil)

var errBadRefresh = registry.Errorf(registry.EUNAUTHORIZED, "The refresh token is not valid; please sign in again.",
	"Mã làm mới không hợp lệ; vui lòng đăng nhập lại.")

// CreateRefreshToken implements registry.AuthService.
func (d *DB) CreateRefreshToken(ctx context.Context, t *registry.RefreshToken) error {
	return d.insertOne(ctx, colRefreshTokens, t, nil)
}

// RotateRefreshToken implements registry.AuthService.
func (d *DB) RotateRefreshToken(ctx context.Context, hash string, now time.Time) (*registry.RefreshToken, error) {
	var t registry.RefreshToken
	err := d.db.Collection(colRefreshTokens).FindOne(ctx, bson.D{{Key: "_id", Value: hash}}).Decode(&t)
	if errors.Is(err, mongo.ErrNoDocuments) {
		return nil, errBadRefresh
	}
	if err != nil {
		return nil, mapError(err, nil)
	}
	if t.Revoked || t.Rotated {
		// A rotated token came back: whoever holds the family may be a thief.
		if err := d.revokeFamily(ctx, t.FamilyID); err != nil {
			return nil, err
		}
		return nil, errBadRefresh
	}
	if !now.Before(t.ExpiresAt) {
		return nil, errBadRefresh
	}
	at := now.UTC().Truncate(time.Millisecond)
	unlock := lockRecord(colRefreshTokens, hash)
	res, err := d.db.Collection(colRefreshTokens).UpdateOne(ctx,
		bson.D{{Key: "_id", Value: hash}, {Key: "rotated", Value: false}, {Key: "revoked", Value: false}},
		bson.D{{Key: "$set", Value: bson.D{{Key: "rotated", Value: true}, {Key: "rotated_at", Value: at}}}})
	unlock()
	if err != nil {
		return nil, mapError(err, nil)
	}
	if res.ModifiedCount != 1 {
		// Two refreshes raced with the same token: one of them is a replay.
		if err := d.revokeFamily(ctx, t.FamilyID); err != nil {
			return nil, err
		}
		return nil, errBadRefresh
	}
	t.Rotated, t.RotatedAt = true, &at
	return &t, nil
}

func (d *DB) revokeFamily(ctx context.Context, family string) error {
	_, err := d.db.Collection(colRefreshTokens).UpdateMany(ctx, bson.D{{Key: "family_id", Value: family}},
		bson.D{{Key: "$set", Value: bson.D{{Key: "revoked", Value: true}}}})
	return mapError(err, nil)
}

// RevokeRefreshFamily implements registry.AuthService.
func (d *DB) RevokeRefreshFamily(ctx context.Context, hash string) error {
	var t registry.RefreshToken
	if err := d.db.Collection(colRefreshTokens).FindOne(ctx, bson.D{{Key: "_id", Value: hash}}).Decode(&t); err != nil {
		return mapError(err, nil)
	}
	return d.revokeFamily(ctx, t.FamilyID)
}

// CreateAPIKey implements registry.AuthService.
func (d *DB) CreateAPIKey(ctx context.Context, k *registry.APIKey) error {
	if err := k.Validate(); err != nil {
		return err
	}
	k.ID, k.CreatedAt = newID(), d.now()
	return d.insertOne(ctx, colAPIKeys, k, conflict("This key exists.", "Khóa này đã tồn tại."))
}

// FindAPIKeyByHash implements registry.AuthService.
func (d *DB) FindAPIKeyByHash(ctx context.Context, hash string) (*registry.APIKey, error) {
	return findOne[registry.APIKey](ctx, d, colAPIKeys, bson.D{{Key: "hash", Value: hash}, {Key: "revoked", Value: false}}, "API key", "khóa API")
}

// FindAPIKey implements registry.AuthService.
func (d *DB) FindAPIKey(ctx context.Context, id string) (*registry.APIKey, error) {
	return findByID[registry.APIKey](ctx, d, colAPIKeys, id, "API key", "khóa API")
}

// ListAPIKeys implements registry.AuthService.
func (d *DB) ListAPIKeys(ctx context.Context, userID string) ([]*registry.APIKey, error) {
	return findAll[registry.APIKey](ctx, d, colAPIKeys, addEq(bson.D{}, "user_id", userID), bson.D{{Key: "_id", Value: 1}})
}

// RevokeAPIKey implements registry.AuthService.
func (d *DB) RevokeAPIKey(ctx context.Context, id string) error {
	if !registry.ValidID(id) {
		return notFound("API key", "khóa API")
	}
	res, err := d.db.Collection(colAPIKeys).UpdateOne(ctx, bson.D{{Key: "_id", Value: id}},
		bson.D{{Key: "$set", Value: bson.D{{Key: "revoked", Value: true}}}})
	if err != nil {
		return mapError(err, nil)
	}
	if res.MatchedCount == 0 {
		return notFound("API key", "khóa API")
	}
	return nil
}

// LoginFailures implements registry.AuthService.
func (d *DB) LoginFailures(ctx context.Context, key string) (registry.LoginFailures, error) {
	var f registry.LoginFailures
	err := d.db.Collection(colLoginFailures).FindOne(ctx, bson.D{{Key: "_id", Value: key}}).Decode(&f)
	if errors.Is(err, mongo.ErrNoDocuments) {
		return registry.LoginFailures{Key: key}, nil
	}
	return f, mapError(err, nil)
}

// RecordLoginFailure implements registry.AuthService. The counter is
// incremented in the database ($inc), so replicas and concurrent attempts
// all count.
func (d *DB) RecordLoginFailure(ctx context.Context, key string, now time.Time, forget time.Duration) (registry.LoginFailures, error) {
	now = now.UTC().Truncate(time.Millisecond)
	col := d.db.Collection(colLoginFailures)
	// Forget old failures first.
	if _, err := col.UpdateOne(ctx, bson.D{{Key: "_id", Value: key}, {Key: "last_failure", Value: bson.D{{Key: "$lt", Value: now.Add(-forget)}}}},
		bson.D{{Key: "$set", Value: bson.D{{Key: "count", Value: 0}}}}); err != nil {
		return registry.LoginFailures{}, mapError(err, nil)
	}
	var f registry.LoginFailures
	err := col.FindOneAndUpdate(ctx, bson.D{{Key: "_id", Value: key}},
		bson.D{{Key: "$inc", Value: bson.D{{Key: "count", Value: 1}}}, {Key: "$set", Value: bson.D{{Key: "last_failure", Value: now}}}},
		options.FindOneAndUpdate().SetUpsert(true).SetReturnDocument(options.After)).Decode(&f)
	return f, mapError(err, nil)
}

// ClearLoginFailures implements registry.AuthService.
func (d *DB) ClearLoginFailures(ctx context.Context, key string) error {
	_, err := d.db.Collection(colLoginFailures).DeleteOne(ctx, bson.D{{Key: "_id", Value: key}})
	return mapError(err, nil)
}

// --- idempotency

// BeginIdempotent implements registry.IdempotencyService. The record's _id is
// the key, so of two concurrent requests exactly one reserves it.
func (d *DB) BeginIdempotent(ctx context.Context, rec *registry.IdempotencyRecord) (*registry.IdempotencyRecord, error) {
	rec.CreatedAt = d.now()
	_, err := d.db.Collection(colIdempotency).InsertOne(ctx, rec)
	if err == nil {
		return nil, nil
	}
	if !isDuplicateKey(err) {
		return nil, mapError(err, nil)
	}
	return d.FindIdempotent(ctx, rec.Key)
}

// FindIdempotent implements registry.IdempotencyService.
func (d *DB) FindIdempotent(ctx context.Context, key string) (*registry.IdempotencyRecord, error) {
	return findOne[registry.IdempotencyRecord](ctx, d, colIdempotency, bson.D{{Key: "_id", Value: key}}, "Idempotency key", "khóa chống trùng")
}

// CompleteIdempotent implements registry.IdempotencyService.
func (d *DB) CompleteIdempotent(ctx context.Context, key string, status int, contentType string, body []byte) error {
	_, err := d.db.Collection(colIdempotency).UpdateOne(ctx, bson.D{{Key: "_id", Value: key}},
		bson.D{{Key: "$set", Value: bson.D{{Key: "done", Value: true}, {Key: "status", Value: status},
			{Key: "content_type", Value: contentType}, {Key: "body", Value: body}}}})
	return mapError(err, nil)
}

// AbandonIdempotent implements registry.IdempotencyService.
func (d *DB) AbandonIdempotent(ctx context.Context, key string) error {
	_, err := d.db.Collection(colIdempotency).DeleteOne(ctx, bson.D{{Key: "_id", Value: key}, {Key: "done", Value: false}})
	return mapError(err, nil)
}
