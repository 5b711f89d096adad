package registry

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"time"
)

// WebSessionTTL is how long a browser sign-in lasts at most; WebSessionIdle
// ends it earlier when the browser has not been used for that long.
const (
	WebSessionTTL  = 12 * time.Hour
	WebSessionIdle = 2 * time.Hour
)

// WebSession is a signed-in browser. The cookie holds a random secret; only
// its SHA-256 is stored, so a copy of the database cannot sign anyone in.
// CSRF is the synchronizer token every form of this session must send back.
type WebSession struct {
	Hash      string    `bson:"_id"`
	UserID    string    `bson:"user_id"`
	CSRF      string    `bson:"csrf"`
	CreatedAt time.Time `bson:"created_at"`
	ExpiresAt time.Time `bson:"expires_at"`
	LastSeen  time.Time `bson:"last_seen"`
}

// Live reports whether the session may still be used at now.
func (s *WebSession) Live(now time.Time) bool {
	return now.Before(s.ExpiresAt) && now.Sub(s.LastSeen) < WebSessionIdle
}

// SessionService keeps browser sessions in the database, so every replica
// knows them and signing out (or a password change) ends them everywhere.
type SessionService interface {
	// CreateSession stores s.
	CreateSession(ctx context.Context, s *WebSession) error
	// FindSession returns the session with that hash. ENOTFOUND.
	FindSession(ctx context.Context, hash string) (*WebSession, error)
	// TouchSession records that the session was used at now.
	TouchSession(ctx context.Context, hash string, now time.Time) error
	// DeleteSession ends one session (no error if it is gone already).
	DeleteSession(ctx context.Context, hash string) error
	// DeleteUserSessions ends every session of a user.
	DeleteUserSessions(ctx context.Context, userID string) error
}

// SignInStore is what SignIn needs.
type SignInStore interface {
	FindUserByUsername(ctx context.Context, username string) (*User, error)
	ReserveLoginAttempt(ctx context.Context, key string, now time.Time, t LoginThrottle) (LoginFailures, time.Duration, error)
	RefundLoginAttempt(ctx context.Context, key string) error
	ClearLoginFailures(ctx context.Context, key string) error
}

// Sign-in errors shared by the API and the workspaces.
var (
	ErrBadLogin = Errorf(EUNAUTHORIZED, "Wrong username or password.", "Sai tên đăng nhập hoặc mật khẩu.")
	ErrDisabled = Errorf(EUNAUTHORIZED, "This account is disabled.", "Tài khoản này đã bị khóa.")
	// ErrSignInBusy: every password-hashing slot stayed taken.
	ErrSignInBusy = Errorf(ETOOMANY, "The server is checking many sign-ins; try again in a few seconds.",
		"Máy chủ đang kiểm tra nhiều lượt đăng nhập; hãy thử lại sau vài giây.")
)

// signInSlotWait is how long a sign-in waits for a password-hashing slot
// before it is refused with ErrSignInBusy.
const signInSlotWait = 2 * time.Second

// SignIn checks a username and password from a client address. Each attempt
// is reserved, atomically and before the password is hashed, against three
// throttles: the account from this address (AccountThrottle), the address
// (AddressThrottle) and the account from everywhere (SharedAccountThrottle).
// It returns the user, or ETOOMANY with the wait (callers send Retry-After),
// ErrBadLogin (same answer and cost for an unknown username) or ErrDisabled.
func SignIn(ctx context.Context, s SignInStore, username, password, ip string, now time.Time) (*User, time.Duration, error) {
	name := strings.ToLower(username)
	pairKey, ipKey, userKey := "user-ip:"+name+"|"+ip, "ip:"+ip, "user:"+name
	fake := dummyHash() // made before taking a slot: it takes one itself
	release, ok := acquireArgon(ctx, signInSlotWait)
	if !ok {
		return nil, time.Second, ErrSignInBusy
	}
	defer release()
	for _, k := range []struct {
		key string
		t   LoginThrottle
	}{{pairKey, AccountThrottle}, {ipKey, AddressThrottle}, {userKey, SharedAccountThrottle}} {
		_, wait, err := s.ReserveLoginAttempt(ctx, k.key, now, k.t)
		if err != nil {
			return nil, 0, err
		}
		if wait > 0 {
			secs := int((wait + time.Second - 1) / time.Second)
			return nil, wait, Errorf(ETOOMANY,
				fmt.Sprintf("Too many failed sign-ins; try again in %d seconds.", secs),
				fmt.Sprintf("Đăng nhập sai quá nhiều lần; thử lại sau %d giây.", secs))
		}
	}
	u, err := s.FindUserByUsername(ctx, username)
	if err != nil && ErrorCode(err) != ENOTFOUND {
		return nil, 0, err
	}
	hash := fake
	if u != nil {
		hash = u.PasswordHash
	}
	if !verifyPassword(hash, password) || u == nil {
		return nil, 0, ErrBadLogin // the reservations stay counted as failures
	}
	// Success forgets the account's failures and takes back the address's
	// reservation, so an office behind one address is not slowed by its own
	// sign-ins, nor can a guesser reset the address by signing in himself.
	for _, key := range []string{pairKey, userKey} {
		if err := s.ClearLoginFailures(ctx, key); err != nil {
			return nil, 0, err
		}
	}
	if err := s.RefundLoginAttempt(ctx, ipKey); err != nil {
		return nil, 0, err
	}
	if u.Disabled {
		return nil, 0, ErrDisabled
	}
	return u, 0, nil
}

// dummyHash makes a sign-in with an unknown username cost as much as one
// with a wrong password, so timing does not tell which usernames exist.
// It is made on first use, not at start-up (argon2id takes 64 MiB).
var dummyHash = sync.OnceValue(func() string {
	h, _ := HashPassword("not a real password, only for timing")
	return h
})

// ActorOf returns the actor a signed-in user acts as.
func ActorOf(u *User) Actor {
	return Actor{UserID: u.ID, Username: u.Username, Role: u.Role, EnterpriseID: u.EnterpriseID, BodyID: u.BodyID}
}

// WebStore is everything the workspaces need: the API's store, problem
// reports (complaints) and browser sessions. registry/records implements it.
type WebStore interface {
	APIStore
	ReportService
	SessionService
}
