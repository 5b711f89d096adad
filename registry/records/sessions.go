package records

import (
	"context"
	"errors"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/tracereg/tracereg/registry"
	"github.com/tracereg/tracereg/registry/store"
)

var _ registry.WebStore = (*DB)(nil)

var errNoSession = registry.Errorf(registry.ENOTFOUND, "The session has ended; please sign in again.",
	"Phiên làm việc đã kết thúc; vui lòng đăng nhập lại.")

// sessionDoc is a web session as stored, with the version the engine needs.
type sessionDoc struct {
	registry.WebSession `bson:",inline"`
	Version             int64 `bson:"version"`
}

// CreateSession implements registry.SessionService.
func (d *DB) CreateSession(ctx context.Context, s *registry.WebSession) error {
	return d.insert(ctx, colSessions, sessionDoc{*s, 1}, nil)
}

// FindSession implements registry.SessionService.
func (d *DB) FindSession(ctx context.Context, hash string) (*registry.WebSession, error) {
	if hash == "" {
		return nil, errNoSession
	}
	raw, err := d.eng.Get(ctx, colSessions, hash)
	if errors.Is(err, store.ErrNotFound) {
		return nil, errNoSession
	}
	if err != nil {
		return nil, mapError(err, nil)
	}
	return decode[registry.WebSession](raw)
}

// TouchSession implements registry.SessionService; a session gone meanwhile
// is not an error.
func (d *DB) TouchSession(ctx context.Context, hash string, now time.Time) error {
	if hash == "" {
		return nil
	}
	seen := now.UTC().Truncate(time.Millisecond)
	return d.rewrite(ctx, colSessions, hash, func(raw bson.Raw, next int64) (any, error) {
		if raw == nil {
			return nil, nil
		}
		s, err := decode[sessionDoc](raw)
		if err != nil {
			return nil, err
		}
		s.LastSeen, s.Version = seen, next
		return s, nil
	})
}

// DeleteSession implements registry.SessionService; deleting a session that
// is gone is not an error.
func (d *DB) DeleteSession(ctx context.Context, hash string) error {
	if hash == "" {
		return nil
	}
	if err := d.eng.Delete(ctx, colSessions, hash); err != nil && !errors.Is(err, store.ErrNotFound) {
		return mapError(err, nil)
	}
	return nil
}

// DeleteUserSessions implements registry.SessionService.
func (d *DB) DeleteUserSessions(ctx context.Context, userID string) error {
	_, err := d.deleteAll(ctx, store.Query{Collection: colSessions, Where: []store.Cond{store.Eq("user_id", userID)}})
	return err
}

// deleteAll deletes every document q selects, a page at a time: each page
// is read afresh from the start (the previous one is gone), and on SQLite
// deleted in one transaction. It returns how many it deleted; one deleted
// meanwhile by someone else is not counted.
func (d *DB) deleteAll(ctx context.Context, q store.Query) (int64, error) {
	q.Limit, q.After = store.MaxLimit, ""
	var n int64
	for {
		more := false
		err := d.tx(ctx, func(ctx context.Context) error {
			raws, next, err := d.eng.Find(ctx, q)
			if err != nil {
				return mapError(err, nil)
			}
			for _, raw := range raws {
				id, _, err := store.DocID(raw)
				if err != nil {
					return err
				}
				err = d.eng.Delete(ctx, q.Collection, id)
				if errors.Is(err, store.ErrNotFound) {
					continue
				}
				if err != nil {
					return mapError(err, nil)
				}
				n++
			}
			more = next != ""
			return nil
		})
		if err != nil || !more {
			return n, err
		}
	}
}
