package mongo

import (
	"context"
	"errors"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"

	"github.com/tracereg/tracereg/registry"
)

const colSessions = "web_sessions"

var _ registry.WebStore = (*DB)(nil)

var errNoSession = registry.Errorf(registry.ENOTFOUND, "The session has ended; please sign in again.",
	"Phiên làm việc đã kết thúc; vui lòng đăng nhập lại.")

// CreateSession implements registry.SessionService.
func (d *DB) CreateSession(ctx context.Context, s *registry.WebSession) error {
	return d.insertOne(ctx, colSessions, s, nil)
}

// FindSession implements registry.SessionService.
func (d *DB) FindSession(ctx context.Context, hash string) (*registry.WebSession, error) {
	var s registry.WebSession
	err := d.db.Collection(colSessions).FindOne(ctx, bson.D{{Key: "_id", Value: hash}}).Decode(&s)
	if errors.Is(err, mongo.ErrNoDocuments) {
		return nil, errNoSession
	}
	if err != nil {
		return nil, mapError(err, nil)
	}
	return &s, nil
}

// TouchSession implements registry.SessionService.
func (d *DB) TouchSession(ctx context.Context, hash string, now time.Time) error {
	_, err := d.db.Collection(colSessions).UpdateOne(ctx, bson.D{{Key: "_id", Value: hash}},
		bson.D{{Key: "$set", Value: bson.D{{Key: "last_seen", Value: now.UTC().Truncate(time.Millisecond)}}}})
	return mapError(err, nil)
}

// DeleteSession implements registry.SessionService.
func (d *DB) DeleteSession(ctx context.Context, hash string) error {
	_, err := d.db.Collection(colSessions).DeleteOne(ctx, bson.D{{Key: "_id", Value: hash}})
	return mapError(err, nil)
}

// DeleteUserSessions implements registry.SessionService.
func (d *DB) DeleteUserSessions(ctx context.Context, userID string) error {
	_, err := d.db.Collection(colSessions).DeleteMany(ctx, bson.D{{Key: "user_id", Value: userID}})
	return mapError(err, nil)
}
