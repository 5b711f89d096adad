package records

import (
	"context"
	"errors"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/tracereg/tracereg/registry"
	"github.com/tracereg/tracereg/registry/store"
)

var _ registry.APIStore = (*DB)(nil)

var errBadRefresh = registry.Errorf(registry.EUNAUTHORIZED, "The refresh token is not valid; please sign in again.",
	"Mã làm mới không hợp lệ; vui lòng đăng nhập lại.")

// Storage forms of the API's own records, which have no version of their
// own: the engine needs one on every document.
type (
	refreshDoc struct {
		registry.RefreshToken `bson:",inline"`
		Version               int64 `bson:"version"`
	}
	apiKeyDoc struct {
		registry.APIKey `bson:",inline"`
		Version         int64 `bson:"version"`
	}
	loginFailuresDoc struct {
		registry.LoginFailures `bson:",inline"`
		Version                int64 `bson:"version"`
	}
	idempotencyDoc struct {
		registry.IdempotencyRecord `bson:",inline"`
		Version                    int64 `bson:"version"`
	}
)

// maxRewrites bounds the retries of one read-modify-write under contention.
const maxRewrites = 1000

var errBusy = registry.Errorf(registry.EUNAVAILABLE, "The database is busy; try again.", "Cơ sở dữ liệu đang bận; hãy thử lại.")

// rewrite is an atomic read-modify-write of one document: build gets the
// stored document (nil when there is none) and the version to store, and
// returns the document to store (nil: leave it as it is). It is inserted
// when there was none, else it replaces the version read; a concurrent
// writer (ErrDuplicate on the insert, ErrStale on the replace) makes it
// read again and rebuild. On SQLite each attempt is one transaction.
func (d *DB) rewrite(ctx context.Context, col, id string, build func(raw bson.Raw, next int64) (any, error)) error {
	lostInsert := false
	for range maxRewrites {
		retry := false
		err := d.tx(ctx, func(ctx context.Context) error {
			raw, err := d.eng.Get(ctx, col, id)
			var read int64
			switch {
			case errors.Is(err, store.ErrNotFound):
				raw = nil
			case err != nil:
				return mapError(err, nil)
			default:
				if _, read, err = store.DocID(raw); err != nil {
					return err
				}
			}
			if raw == nil && lostInsert {
				// The insert lost to a unique key other than _id: no retry helps.
				return conflict("A record with this key exists.", "Đã có bản ghi mang khóa này.")
			}
			doc, err := build(raw, read+1)
			if err != nil || doc == nil {
				return err
			}
			b, err := marshal(doc)
			if err != nil {
				return err
			}
			if raw == nil {
				err = d.eng.Insert(ctx, col, b)
				if errors.Is(err, store.ErrDuplicate) {
					lostInsert, retry = true, true
					return nil
				}
			} else {
				err = d.eng.Replace(ctx, col, read, b)
				if errors.Is(err, store.ErrStale) || errors.Is(err, store.ErrNotFound) {
					lostInsert, retry = false, true
					return nil
				}
			}
			if err != nil {
				return mapError(err, nil)
			}
			return d.touch(ctx, col)
		})
		if err != nil || !retry {
			return err
		}
	}
	return errBusy
}

// CreateRefreshToken implements registry.AuthService.
func (d *DB) CreateRefreshToken(ctx context.Context, t *registry.RefreshToken) error {
	return d.insert(ctx, colRefreshTokens, refreshDoc{*t, 1}, nil)
}

func (d *DB) refreshToken(ctx context.Context, hash string) (*refreshDoc, error) {
	if hash == "" {
		return nil, errNotFound
	}
	raw, err := d.eng.Get(ctx, colRefreshTokens, hash)
	if err != nil {
		return nil, mapError(err, nil)
	}
	return decode[refreshDoc](raw)
}

// RotateRefreshToken implements registry.AuthService.
func (d *DB) RotateRefreshToken(ctx context.Context, hash string, now time.Time) (*registry.RefreshToken, error) {
	doc, err := d.refreshToken(ctx, hash)
	if registry.ErrorCode(err) == registry.ENOTFOUND {
		return nil, errBadRefresh
	}
	if err != nil {
		return nil, err
	}
	t := doc.RefreshToken
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
	next := *doc
	next.Rotated, next.RotatedAt, next.Version = true, &at, doc.Version+1
	raw, err := marshal(next)
	if err != nil {
		return nil, err
	}
	err = d.eng.Replace(ctx, colRefreshTokens, doc.Version, raw)
	if errors.Is(err, store.ErrStale) || errors.Is(err, store.ErrNotFound) {
		// Two refreshes raced with the same token: one of them is a replay.
		if err := d.revokeFamily(ctx, t.FamilyID); err != nil {
			return nil, err
		}
		return nil, errBadRefresh
	}
	if err != nil {
		return nil, mapError(err, nil)
	}
	t.Rotated, t.RotatedAt = true, &at
	return &t, nil
}

// revokeFamily marks every token of the family revoked, page by page (the
// index key, family_id, does not change, so the cursor stays good), in one
// transaction where the engine has them.
func (d *DB) revokeFamily(ctx context.Context, family string) error {
	return d.tx(ctx, func(ctx context.Context) error {
		return d.revokeTokens(ctx, store.Eq("family_id", family))
	})
}

// revokeTokens marks revoked every refresh token the indexed equality
// selects (revoking does not change the index key, so the cursor stays good).
func (d *DB) revokeTokens(ctx context.Context, by store.Cond) error {
	q := store.Query{Collection: colRefreshTokens, Where: []store.Cond{by}}
	return each(ctx, d, q, func(t *refreshDoc) error {
		if t.Revoked {
			return nil
		}
		return d.rewrite(ctx, colRefreshTokens, t.Hash, func(raw bson.Raw, next int64) (any, error) {
			if raw == nil {
				return nil, nil // swept meanwhile
			}
			cur, err := decode[refreshDoc](raw)
			if err != nil || cur.Revoked {
				return nil, err
			}
			cur.Revoked, cur.Version = true, next
			return cur, nil
		})
	})
}

// revokeCredentials ends every session of a user and revokes every refresh
// token and API key (indexed by user_id; revoking does not change it, so the
// cursors stay good).
func (d *DB) revokeCredentials(ctx context.Context, userID string) error {
	if err := d.DeleteUserSessions(ctx, userID); err != nil {
		return err
	}
	if err := d.revokeTokens(ctx, store.Eq("user_id", userID)); err != nil {
		return err
	}
	keys := store.Query{Collection: colAPIKeys, Where: []store.Cond{store.Eq("user_id", userID)}}
	return each(ctx, d, keys, func(k *apiKeyDoc) error {
		if k.Revoked {
			return nil
		}
		return d.RevokeAPIKey(ctx, k.ID)
	})
}

// RevokeRefreshFamily implements registry.AuthService.
func (d *DB) RevokeRefreshFamily(ctx context.Context, hash string) error {
	t, err := d.refreshToken(ctx, hash)
	if err != nil {
		return err
	}
	return d.revokeFamily(ctx, t.FamilyID)
}

// CreateAPIKey implements registry.AuthService.
func (d *DB) CreateAPIKey(ctx context.Context, k *registry.APIKey) error {
	if err := k.Validate(); err != nil {
		return err
	}
	k.ID, k.CreatedAt = newID(), d.now()
	return d.insert(ctx, colAPIKeys, apiKeyDoc{*k, 1}, conflict("This key exists.", "Khóa này đã tồn tại."))
}

// FindAPIKeyByHash implements registry.AuthService.
func (d *DB) FindAPIKeyByHash(ctx context.Context, hash string) (*registry.APIKey, error) {
	k, err := one[registry.APIKey](ctx, d, colAPIKeys, []store.Cond{store.Eq("hash", hash)}, "API key", "khóa API")
	if err != nil {
		return nil, err
	}
	if k.Revoked {
		return nil, notFound("API key", "khóa API")
	}
	return k, nil
}

// FindAPIKey implements registry.AuthService.
func (d *DB) FindAPIKey(ctx context.Context, id string) (*registry.APIKey, error) {
	return getByID[registry.APIKey](ctx, d, colAPIKeys, id, "API key", "khóa API")
}

// ListAPIKeys implements registry.AuthService: in _id (creation) order.
func (d *DB) ListAPIKeys(ctx context.Context, userID string) ([]*registry.APIKey, error) {
	return all[registry.APIKey](ctx, d, store.Query{Collection: colAPIKeys, Where: where("user_id", userID)})
}

// RevokeAPIKey implements registry.AuthService.
func (d *DB) RevokeAPIKey(ctx context.Context, id string) error {
	if !registry.ValidID(id) {
		return notFound("API key", "khóa API")
	}
	return d.rewrite(ctx, colAPIKeys, id, func(raw bson.Raw, next int64) (any, error) {
		if raw == nil {
			return nil, notFound("API key", "khóa API")
		}
		k, err := decode[apiKeyDoc](raw)
		if err != nil || k.Revoked {
			return nil, err
		}
		k.Revoked, k.Version = true, next
		return k, nil
	})
}

// LoginFailures implements registry.AuthService.
func (d *DB) LoginFailures(ctx context.Context, key string) (registry.LoginFailures, error) {
	if key == "" {
		return registry.LoginFailures{Key: key}, nil
	}
	raw, err := d.eng.Get(ctx, colLoginFailures, key)
	if errors.Is(err, store.ErrNotFound) {
		return registry.LoginFailures{Key: key}, nil
	}
	if err != nil {
		return registry.LoginFailures{}, mapError(err, nil)
	}
	f, err := decode[registry.LoginFailures](raw)
	if err != nil {
		return registry.LoginFailures{}, err
	}
	return *f, nil
}

// RecordLoginFailure implements registry.AuthService. The count is a
// version-checked read-modify-write (rewrite), so replicas and concurrent
// ReserveLoginAttempt implements registry.AuthService: the check and the
// count are one versioned rewrite, so concurrent attempts are counted one
// after another and each is checked against the count before it.
func (d *DB) ReserveLoginAttempt(ctx context.Context, key string, now time.Time, t registry.LoginThrottle) (registry.LoginFailures, time.Duration, error) {
	now = now.UTC().Truncate(time.Millisecond)
	var out registry.LoginFailures
	var wait time.Duration
	err := d.rewrite(ctx, colLoginFailures, key, func(raw bson.Raw, next int64) (any, error) {
		f := &loginFailuresDoc{LoginFailures: registry.LoginFailures{Key: key}}
		if raw != nil {
			var err error
			if f, err = decode[loginFailuresDoc](raw); err != nil {
				return nil, err
			}
			if f.LastFailure.Before(now.Add(-t.Forget)) {
				f.Count = 0
			}
		}
		if wait = t.Wait(f.LoginFailures, now); wait > 0 {
			out = f.LoginFailures
			return nil, nil // refused: nothing counted
		}
		f.Count++
		f.LastFailure, f.Version = now, next
		out = f.LoginFailures
		return f, nil
	})
	if err != nil {
		return registry.LoginFailures{}, 0, err
	}
	return out, wait, nil
}

// RefundLoginAttempt implements registry.AuthService.
func (d *DB) RefundLoginAttempt(ctx context.Context, key string) error {
	return d.rewrite(ctx, colLoginFailures, key, func(raw bson.Raw, next int64) (any, error) {
		if raw == nil {
			return nil, nil
		}
		f, err := decode[loginFailuresDoc](raw)
		if err != nil || f.Count == 0 {
			return nil, err
		}
		f.Count, f.Version = f.Count-1, next
		return f, nil
	})
}

// ClearLoginFailures implements registry.AuthService.
func (d *DB) ClearLoginFailures(ctx context.Context, key string) error {
	if key == "" {
		return nil
	}
	if err := d.eng.Delete(ctx, colLoginFailures, key); err != nil && !errors.Is(err, store.ErrNotFound) {
		return mapError(err, nil)
	}
	return nil
}

// --- idempotency

// BeginIdempotent implements registry.IdempotencyService. The record's _id is
// the key, so of two concurrent requests exactly one reserves it.
func (d *DB) BeginIdempotent(ctx context.Context, rec *registry.IdempotencyRecord) (*registry.IdempotencyRecord, error) {
	rec.CreatedAt = d.now()
	if st := txStateOf(ctx); st != nil {
		// One writer, so a key not stored now cannot be taken before this
		// transaction commits: reserve it in the transaction and write it
		// once, when it is completed or the transaction ends.
		if prev, ok := st.reserved[rec.Key]; ok {
			return prev, nil
		}
		prev, err := d.FindIdempotent(ctx, rec.Key)
		if err == nil {
			return prev, nil
		}
		if registry.ErrorCode(err) != registry.ENOTFOUND {
			return nil, err
		}
		if st.reserved == nil {
			st.reserved = map[string]*registry.IdempotencyRecord{}
		}
		pending := *rec
		st.reserved[rec.Key] = &pending
		return nil, nil
	}
	raw, err := marshal(idempotencyDoc{*rec, 1})
	if err != nil {
		return nil, err
	}
	err = d.eng.Insert(ctx, colIdempotency, raw)
	if err == nil {
		return nil, nil
	}
	if !errors.Is(err, store.ErrDuplicate) {
		return nil, mapError(err, nil)
	}
	return d.FindIdempotent(ctx, rec.Key)
}

// FindIdempotent implements registry.IdempotencyService.
func (d *DB) FindIdempotent(ctx context.Context, key string) (*registry.IdempotencyRecord, error) {
	if st := txStateOf(ctx); st != nil {
		if r, ok := st.reserved[key]; ok {
			cp := *r
			return &cp, nil
		}
	}
	return get[registry.IdempotencyRecord](ctx, d, colIdempotency, key, "Idempotency key", "khóa chống trùng")
}

// CompleteIdempotent implements registry.IdempotencyService. A record swept
// meanwhile is left gone, as before.
func (d *DB) CompleteIdempotent(ctx context.Context, key string, status int, contentType string, body []byte) error {
	if key == "" {
		return nil
	}
	if st := txStateOf(ctx); st != nil {
		if r, ok := st.reserved[key]; ok {
			delete(st.reserved, key)
			r.Done, r.Status, r.ContentType, r.Body = true, status, contentType, body
			raw, err := marshal(idempotencyDoc{*r, 1})
			if err != nil {
				return err
			}
			return mapError(d.eng.Insert(ctx, colIdempotency, raw), nil)
		}
	}
	return d.rewrite(ctx, colIdempotency, key, func(raw bson.Raw, next int64) (any, error) {
		if raw == nil {
			return nil, nil
		}
		r, err := decode[idempotencyDoc](raw)
		if err != nil {
			return nil, err
		}
		r.Done, r.Status, r.ContentType, r.Body, r.Version = true, status, contentType, body, next
		return r, nil
	})
}

// AbandonIdempotent implements registry.IdempotencyService: a record not yet
// done is deleted. Only the request that reserved the key completes or
// abandons it, so the read and the delete do not race with a completion;
// on SQLite they are one transaction anyway.
func (d *DB) AbandonIdempotent(ctx context.Context, key string) error {
	if key == "" {
		return nil
	}
	if st := txStateOf(ctx); st != nil {
		if _, ok := st.reserved[key]; ok {
			delete(st.reserved, key) // never written
			return nil
		}
	}
	return d.tx(ctx, func(ctx context.Context) error {
		raw, err := d.eng.Get(ctx, colIdempotency, key)
		if errors.Is(err, store.ErrNotFound) {
			return nil
		}
		if err != nil {
			return mapError(err, nil)
		}
		r, err := decode[registry.IdempotencyRecord](raw)
		if err != nil {
			return err
		}
		if r.Done {
			return nil
		}
		if err := d.eng.Delete(ctx, colIdempotency, key); err != nil && !errors.Is(err, store.ErrNotFound) {
			return mapError(err, nil)
		}
		return nil
	})
}
