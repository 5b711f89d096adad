package registry

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"strings"
	"time"
)

// Token lifetimes.
const (
	AccessTokenTTL  = 15 * time.Minute
	RefreshTokenTTL = 14 * 24 * time.Hour
	// RefreshFamilyLifetime bounds a family however often it is refreshed:
	// after it, the user signs in again, so a stolen token does not live for ever.
	RefreshFamilyLifetime = 30 * 24 * time.Hour
)

// APIKeyPrefix starts every API key, so leaked keys are easy to recognise.
const APIKeyPrefix = "trk_"

// NewSecret returns an opaque random secret (32 bytes, base64url) with a prefix.
func NewSecret(prefix string) string {
	b := make([]byte, 32)
	rand.Read(b)
	return prefix + base64.RawURLEncoding.EncodeToString(b)
}

// HashSecret returns the hex SHA-256 of a refresh token or API key: what is
// stored, so a copy of the database does not hold usable secrets. The
// secrets are 256-bit random, so a fast hash is enough.
func HashSecret(secret string) string {
	sum := sha256.Sum256([]byte(secret))
	return hex.EncodeToString(sum[:])
}

// NextRefreshExpiry is when a token of a family started at started, issued
// at now, expires: RefreshTokenTTL later, but never past the family's lifetime.
func NextRefreshExpiry(started, now time.Time) time.Time {
	exp := now.Add(RefreshTokenTTL)
	if end := started.Add(RefreshFamilyLifetime); !started.IsZero() && end.Before(exp) {
		return end
	}
	return exp
}

// RefreshToken is the stored half of a refresh token. Rotation replaces it by
// a new one of the same family; presenting a rotated token again means it
// was stolen, and the whole family is revoked.
type RefreshToken struct {
	Hash      string    `bson:"_id"`
	FamilyID  string    `bson:"family_id"`
	UserID    string    `bson:"user_id"`
	CreatedAt time.Time `bson:"created_at"`
	ExpiresAt time.Time `bson:"expires_at"`
	// FamilyStartedAt is when the family's first token was issued, at sign-in.
	FamilyStartedAt time.Time  `bson:"family_started_at,omitempty"`
	Rotated         bool       `bson:"rotated"`
	RotatedAt       *time.Time `bson:"rotated_at,omitempty"`
	Revoked         bool       `bson:"revoked"`
}

// APIKey is a machine credential of one user: it acts with the user's role
// and binding, and stops working when the user is disabled.
type APIKey struct {
	ID        string    `json:"id" bson:"_id"`
	UserID    string    `json:"user_id" bson:"user_id"`
	Name      string    `json:"name" bson:"name"`
	Hash      string    `json:"-" bson:"hash"`
	Hint      string    `json:"hint" bson:"hint"` // the first characters, to tell keys apart
	CreatedAt time.Time `json:"created_at" bson:"created_at"`
	Revoked   bool      `json:"revoked" bson:"revoked"`
}

// Validate checks an API key before it is written.
func (k *APIKey) Validate() error {
	var p Problems
	requireText(&p, "name", k.Name, 100)
	if !ValidID(k.UserID) {
		p.Add("user_id", "id", "must be a record ID", "phải là mã bản ghi")
	}
	if len(k.Hash) != 64 {
		p.Add("hash", "required", "is required", "là bắt buộc")
	}
	return p.Err()
}

// LoginThrottle decides how long sign-ins must wait after failures: the
// first Free failures are free, then each one doubles the wait, and from
// Lock failures on the key is locked for LockFor.
type LoginThrottle struct {
	Free    int           // failures allowed without waiting
	Lock    int           // failures that lock
	LockFor time.Duration // how long a lock lasts
	MaxWait time.Duration // the longest wait before locking
	Forget  time.Duration // failures older than this are forgotten
}

// AccountThrottle applies to one username from one client address;
// AddressThrottle to one client address, which many people may share behind
// a NAT, so it allows more; SharedAccountThrottle to one username from
// everywhere. So guessing one password is slowed from any one address
// within a few tries, while locking someone else out takes hundreds of
// failures from many addresses, not a burst from one.
var (
	AccountThrottle       = LoginThrottle{Free: 3, Lock: 10, LockFor: 15 * time.Minute, MaxWait: 5 * time.Minute, Forget: time.Hour}
	AddressThrottle       = LoginThrottle{Free: 10, Lock: 50, LockFor: 15 * time.Minute, MaxWait: time.Minute, Forget: time.Hour}
	SharedAccountThrottle = LoginThrottle{Free: 20, Lock: 200, LockFor: 15 * time.Minute, MaxWait: time.Minute, Forget: time.Hour}
)

// LoginFailures is the shared counter of one throttle key.
type LoginFailures struct {
	Key         string    `bson:"_id"`
	Count       int       `bson:"count"`
	LastFailure time.Time `bson:"last_failure"`
}

// Wait returns how long from now the next sign-in attempt must wait (0: go ahead).
func (t LoginThrottle) Wait(f LoginFailures, now time.Time) time.Duration {
	if f.Count < t.Free || now.Sub(f.LastFailure) >= t.Forget {
		return 0
	}
	var wait time.Duration
	if f.Count >= t.Lock {
		wait = t.LockFor
	} else {
		wait = time.Second << min(f.Count-t.Free, 20)
		wait = min(wait, t.MaxWait)
	}
	if left := f.LastFailure.Add(wait).Sub(now); left > 0 {
		return left
	}
	return 0
}

// AuthService keeps what sign-in needs besides users: refresh tokens, API
// keys and the failed sign-in counters, in the database so replicas share them.
type AuthService interface {
	// CreateRefreshToken stores t.
	CreateRefreshToken(ctx context.Context, t *RefreshToken) error
	// RotateRefreshToken marks the token with that hash rotated and returns
	// it, if it is current (not rotated, not revoked, not expired at now).
	// A token already rotated or revoked revokes its whole family and
	// returns EUNAUTHORIZED; an unknown or expired token EUNAUTHORIZED.
	RotateRefreshToken(ctx context.Context, hash string, now time.Time) (*RefreshToken, error)
	// RevokeRefreshFamily revokes every token of the family of the token
	// with that hash. ENOTFOUND if no token has it.
	RevokeRefreshFamily(ctx context.Context, hash string) error
	// CreateAPIKey validates and stores k, setting its ID.
	CreateAPIKey(ctx context.Context, k *APIKey) error
	// FindAPIKeyByHash returns the unrevoked key with that hash. ENOTFOUND.
	FindAPIKeyByHash(ctx context.Context, hash string) (*APIKey, error)
	// FindAPIKey returns ENOTFOUND if no key has that ID.
	FindAPIKey(ctx context.Context, id string) (*APIKey, error)
	// ListAPIKeys returns a user's keys ("" for everyone's), newest last.
	ListAPIKeys(ctx context.Context, userID string) ([]*APIKey, error)
	// RevokeAPIKey revokes a key. ENOTFOUND.
	RevokeAPIKey(ctx context.Context, id string) error
	// LoginFailures returns the counter of a throttle key (zero if none).
	LoginFailures(ctx context.Context, key string) (LoginFailures, error)
	// ReserveLoginAttempt checks and counts a sign-in attempt in one atomic
	// step: if t makes the key wait at now, it returns the wait and counts
	// nothing; otherwise it counts the attempt as a failure at now (starting
	// again from one after t.Forget) and returns the new counter. So of many
	// concurrent attempts, only as many as t allows go on to the password.
	ReserveLoginAttempt(ctx context.Context, key string, now time.Time, t LoginThrottle) (LoginFailures, time.Duration, error)
	// RefundLoginAttempt takes back one reserved attempt that succeeded.
	RefundLoginAttempt(ctx context.Context, key string) error
	// ClearLoginFailures forgets the key's failures.
	ClearLoginFailures(ctx context.Context, key string) error
}

// BearerAPIKey reports whether a bearer credential is an API key rather than a JWT.
func BearerAPIKey(s string) bool { return strings.HasPrefix(s, APIKeyPrefix) }
