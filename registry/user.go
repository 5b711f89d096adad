package registry

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"fmt"
	"regexp"
	"runtime"
	"strings"
	"time"

	"golang.org/x/crypto/argon2"
)

// Roles.
const (
	RoleAdmin      = "admin"      // province staff
	RoleInspector  = "inspector"  // reads everything, takes inspection actions
	RoleCertifier  = "certifier"  // bound to one certification body
	RoleEnterprise = "enterprise" // bound to one enterprise
)

// Roles lists every role.
var Roles = []string{RoleAdmin, RoleInspector, RoleCertifier, RoleEnterprise}

// User is a person who signs in.
type User struct {
	ID           string    `json:"id" bson:"_id"`
	Username     string    `json:"username" bson:"username"`
	DisplayName  string    `json:"display_name" bson:"display_name"`
	Role         string    `json:"role" bson:"role"`
	EnterpriseID string    `json:"enterprise_id,omitempty" bson:"enterprise_id,omitempty"`
	BodyID       string    `json:"body_id,omitempty" bson:"body_id,omitempty"`
	PasswordHash string    `json:"-" bson:"password_hash"`
	Disabled     bool      `json:"disabled" bson:"disabled"`
	CreatedAt    time.Time `json:"created_at" bson:"created_at"`
	UpdatedAt    time.Time `json:"updated_at" bson:"updated_at"`
	Version      int       `json:"version" bson:"version"`
}

var usernamePattern = regexp.MustCompile(`^[a-z0-9][a-z0-9._-]{2,63}$`)

// Validate checks a user before it is written.
func (u *User) Validate() error {
	var p Problems
	if !usernamePattern.MatchString(u.Username) {
		p.Add("username", "username", "3 to 64 lowercase letters, digits, dots, dashes or underscores, starting with a letter or digit",
			"3 đến 64 ký tự gồm chữ thường, chữ số, dấu chấm, gạch ngang hoặc gạch dưới, bắt đầu bằng chữ hoặc số")
	}
	requireText(&p, "display_name", u.DisplayName, 200)
	oneOf(&p, "role", u.Role, Roles)
	checkRef(&p, "enterprise_id", u.EnterpriseID, u.Role == RoleEnterprise)
	checkRef(&p, "body_id", u.BodyID, u.Role == RoleCertifier)
	if u.Role != RoleEnterprise && u.EnterpriseID != "" {
		p.Add("enterprise_id", "role_binding", "only enterprise users are bound to an enterprise", "chỉ người dùng doanh nghiệp mới gắn với doanh nghiệp")
	}
	if u.Role != RoleCertifier && u.BodyID != "" {
		p.Add("body_id", "role_binding", "only certifiers are bound to a certification body", "chỉ người dùng tổ chức chứng nhận mới gắn với tổ chức chứng nhận")
	}
	if u.PasswordHash == "" {
		p.Add("password", "required", "is required", "là bắt buộc")
	}
	return p.Err()
}

// CheckPassword returns EINVALID unless pw is 10 to 128 characters long.
func CheckPassword(pw string) error {
	var p Problems
	if n := len([]rune(pw)); n < 10 || n > 128 {
		p.Add("password", "length", "must be 10 to 128 characters", "phải từ 10 đến 128 ký tự")
	}
	return p.Err()
}

// argon2id parameters (RFC 9106's second recommended option, lighter on memory).
const (
	argonTime    = 3
	argonMemory  = 64 * 1024
	argonThreads = 2
	argonKeyLen  = 32
)

// argonSlots bounds how many argon2id computations run at once. Each takes
// 64 MiB, so without a bound a burst of sign-ins takes as much memory as it
// likes; with it, at most len(argonSlots) × 64 MiB, and the rest wait.
var argonSlots = make(chan struct{}, max(2, runtime.GOMAXPROCS(0)))

// acquireArgon takes a slot, waiting at most wait (or until ctx ends).
func acquireArgon(ctx context.Context, wait time.Duration) (release func(), ok bool) {
	t := time.NewTimer(wait)
	defer t.Stop()
	select {
	case argonSlots <- struct{}{}:
		return func() { <-argonSlots }, true
	case <-t.C:
	case <-ctx.Done():
	}
	return nil, false
}

// HashPassword returns an argon2id hash of pw in the PHC string format. It
// waits for a hashing slot as long as it takes (callers are signed-in users
// and admins, not anonymous bursts).
func HashPassword(pw string) (string, error) {
	argonSlots <- struct{}{}
	defer func() { <-argonSlots }()
	salt := make([]byte, 16)
	if _, err := rand.Read(salt); err != nil {
		return "", err
	}
	key := argon2.IDKey([]byte(pw), salt, argonTime, argonMemory, argonThreads, argonKeyLen)
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s", argon2.Version, argonMemory, argonTime, argonThreads,
		base64.RawStdEncoding.EncodeToString(salt), base64.RawStdEncoding.EncodeToString(key)), nil
}

// VerifyPassword reports whether pw matches an argon2id hash made by
// HashPassword, waiting for a hashing slot.
func VerifyPassword(hash, pw string) bool {
	argonSlots <- struct{}{}
	defer func() { <-argonSlots }()
	return verifyPassword(hash, pw)
}

// verifyPassword is VerifyPassword for a caller that holds a slot.
func verifyPassword(hash, pw string) bool {
	parts := strings.Split(hash, "$")
	if len(parts) != 6 || parts[1] != "argon2id" {
		return false
	}
	var m, t uint32
	var threads uint8
	if _, err := fmt.Sscanf(parts[3], "m=%d,t=%d,p=%d", &m, &t, &threads); err != nil {
		return false
	}
	salt, err1 := base64.RawStdEncoding.DecodeString(parts[4])
	want, err2 := base64.RawStdEncoding.DecodeString(parts[5])
	// argon2 panics on zero rounds or a zero-length key: a malformed hash is
	// a mismatch, never a crash (and never "any password matches").
	if err1 != nil || err2 != nil || len(want) < 16 || len(want) > 64 || m > 1<<20 || t < 1 || t > 10 || threads == 0 {
		return false
	}
	got := argon2.IDKey([]byte(pw), salt, t, m, threads, uint32(len(want)))
	return subtle.ConstantTimeCompare(got, want) == 1
}

// NewPassword returns a random password for generated accounts.
func NewPassword() string {
	b := make([]byte, 18)
	rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

// UserService keeps users.
type UserService interface {
	// CreateUser validates and stores u. EINVALID, ECONFLICT if the username is taken.
	CreateUser(ctx context.Context, u *User) error
	// FindUser returns ENOTFOUND if no user has that ID.
	FindUser(ctx context.Context, id string) (*User, error)
	// FindUserByUsername returns ENOTFOUND if no user has that username.
	FindUserByUsername(ctx context.Context, username string) (*User, error)
	// ListUsers returns one page of users and the next cursor.
	ListUsers(ctx context.Context, page Page) ([]*User, string, error)
	// UpdateUser stores u if its Version is still the stored one. EINVALID, ENOTFOUND, ESTALE.
	UpdateUser(ctx context.Context, u *User) error
	// CountUsers returns how many users exist.
	CountUsers(ctx context.Context) (int64, error)
}
