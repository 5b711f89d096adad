package api

import (
	"crypto/ed25519"
	"crypto/rand"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/tracereg/tracereg/registry"
)

func (e *env) signIn(username, password string) response {
	return e.do(request{method: "POST", path: "/api/v1/auth/token", body: map[string]string{"username": username, "password": password}})
}

func TestSignInRefreshLogout(t *testing.T) {
	e := newEnv(t)
	u := e.users[asEnt1]
	r := e.signIn(u.Username, e.password)
	if r.status != 200 {
		t.Fatalf("sign in: %d %s", r.status, r.body)
	}
	var tok tokenResponse
	r.decode(t, &tok)
	if tok.ExpiresIn != 900 || tok.RefreshToken == "" || tok.AccessToken == "" {
		t.Fatalf("tokens: %+v", tok)
	}
	// The access token works.
	e.tokens["fresh"] = tok.AccessToken
	if r := e.do(request{method: "GET", path: "/api/v1/enterprises/" + e.e1.ID, as: "fresh"}); r.status != 200 {
		t.Fatalf("with the new token: %d %s", r.status, r.body)
	}
	// Rotation: the new refresh token works once, the old one never again.
	r = e.do(request{method: "POST", path: "/api/v1/auth/refresh", body: map[string]string{"refresh_token": tok.RefreshToken}})
	if r.status != 200 {
		t.Fatalf("refresh: %d %s", r.status, r.body)
	}
	var tok2 tokenResponse
	r.decode(t, &tok2)
	if tok2.RefreshToken == tok.RefreshToken {
		t.Fatal("refresh token not rotated")
	}
	// Reusing the rotated token is theft: 401 and the whole family is revoked.
	if r := e.do(request{method: "POST", path: "/api/v1/auth/refresh", body: map[string]string{"refresh_token": tok.RefreshToken}}); r.status != 401 {
		t.Fatalf("reuse of a rotated token: %d", r.status)
	}
	if r := e.do(request{method: "POST", path: "/api/v1/auth/refresh", body: map[string]string{"refresh_token": tok2.RefreshToken}}); r.status != 401 {
		t.Fatalf("the family should be revoked after reuse: %d", r.status)
	}
	// Logout revokes.
	r = e.signIn(u.Username, e.password)
	var tok3 tokenResponse
	r.decode(t, &tok3)
	if r := e.do(request{method: "POST", path: "/api/v1/auth/logout", body: map[string]string{"refresh_token": tok3.RefreshToken}}); r.status != 204 {
		t.Fatalf("logout: %d", r.status)
	}
	if r := e.do(request{method: "POST", path: "/api/v1/auth/refresh", body: map[string]string{"refresh_token": tok3.RefreshToken}}); r.status != 401 {
		t.Fatalf("refresh after logout: %d", r.status)
	}
}

func TestSignInThrottle(t *testing.T) {
	e := newEnv(t)
	u := e.users[asEnt1]
	for i := 0; i < registry.AccountThrottle.Free; i++ {
		if r := e.signIn(u.Username, "wrong password!"); r.status != 401 {
			t.Fatalf("failure %d: %d", i+1, r.status)
		}
	}
	// The free failures spent, the account waits; even the right password is refused until then.
	r := e.signIn(u.Username, e.password)
	if r.status != 429 || r.header.Get("Retry-After") == "" {
		t.Fatalf("slowed: %d %v", r.status, r.header)
	}
	if p := r.problem(t); p.Code != registry.ETOOMANY || p.DetailVI == "" {
		t.Fatalf("problem: %+v", p)
	}
	e.clock.Add(2 * time.Second)
	if r := e.signIn(u.Username, e.password); r.status != 200 {
		t.Fatalf("after the wait: %d %s", r.status, r.body)
	}
	// Success forgets the account's failures; now fail up to the lock.
	for i := 0; i < registry.AccountThrottle.Lock; i++ {
		e.clock.Add(registry.AccountThrottle.MaxWait)
		if r := e.signIn(u.Username, "wrong password!"); r.status != 401 {
			t.Fatalf("failure %d: %d", i+1, r.status)
		}
	}
	e.clock.Add(registry.AccountThrottle.MaxWait)
	if r := e.signIn(u.Username, e.password); r.status != 429 {
		t.Fatalf("locked: %d", r.status)
	}
	e.clock.Add(registry.AccountThrottle.LockFor)
	if r := e.signIn(u.Username, e.password); r.status != 200 {
		t.Fatalf("after the lock: %d %s", r.status, r.body)
	}
}

func TestThrottleWait(t *testing.T) {
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	th := registry.AccountThrottle
	for _, tc := range []struct {
		count int
		ago   time.Duration
		want  time.Duration
	}{
		{0, 0, 0},
		{th.Free - 1, 0, 0},
		{th.Free, 0, time.Second},
		{th.Free + 1, 0, 2 * time.Second},
		{th.Free + 1, time.Second, time.Second},
		{th.Free + 1, 3 * time.Second, 0},
		{th.Lock - 1, 0, min(time.Second<<(th.Lock-th.Free-1), th.MaxWait)},
		{th.Lock, 0, th.LockFor},
		{th.Lock + 5, th.LockFor - time.Minute, time.Minute},
		{th.Lock, th.Forget, 0},
	} {
		got := th.Wait(registry.LoginFailures{Count: tc.count, LastFailure: now.Add(-tc.ago)}, now)
		if got != tc.want {
			t.Errorf("count %d, %v ago: wait %v, want %v", tc.count, tc.ago, got, tc.want)
		}
	}
}

func TestAccessTokenChecks(t *testing.T) {
	e := newEnv(t)
	u := e.users[asAdmin]
	claims := func(mod func(*accessClaims)) accessClaims {
		now := e.clock.Now()
		c := accessClaims{Role: u.Role, RegisteredClaims: jwt.RegisteredClaims{Issuer: Issuer, Subject: u.ID,
			IssuedAt: jwt.NewNumericDate(now), ExpiresAt: jwt.NewNumericDate(now.Add(time.Minute))}}
		mod(&c)
		return c
	}
	sign := func(method jwt.SigningMethod, key any, kid string, c accessClaims) string {
		tok := jwt.NewWithClaims(method, c)
		tok.Header["kid"] = kid
		s, err := tok.SignedString(key)
		must(t, err)
		return s
	}
	_, otherKey, _ := ed25519.GenerateKey(rand.Reader)
	for name, tok := range map[string]string{
		"none":        sign(jwt.SigningMethodNone, jwt.UnsafeAllowNoneSignatureType, e.api.keys.kid, claims(func(*accessClaims) {})),
		"hs256":       sign(jwt.SigningMethodHS256, []byte(e.api.keys.pub), e.api.keys.kid, claims(func(*accessClaims) {})),
		"other key":   sign(jwt.SigningMethodEdDSA, otherKey, e.api.keys.kid, claims(func(*accessClaims) {})),
		"unknown kid": sign(jwt.SigningMethodEdDSA, e.api.keys.priv, "nope", claims(func(*accessClaims) {})),
		"issuer":      sign(jwt.SigningMethodEdDSA, e.api.keys.priv, e.api.keys.kid, claims(func(c *accessClaims) { c.Issuer = "someone" })),
		"no expiry":   sign(jwt.SigningMethodEdDSA, e.api.keys.priv, e.api.keys.kid, claims(func(c *accessClaims) { c.ExpiresAt = nil })),
		"expired": sign(jwt.SigningMethodEdDSA, e.api.keys.priv, e.api.keys.kid, claims(func(c *accessClaims) {
			c.ExpiresAt = jwt.NewNumericDate(e.clock.Now().Add(-time.Second))
		})),
		"garbage": "abc.def.ghi",
	} {
		e.tokens["bad"] = tok
		if r := e.do(request{method: "GET", path: "/api/v1/enterprises", as: "bad"}); r.status != 401 {
			t.Errorf("%s: %d, want 401", name, r.status)
		}
	}
	e.tokens["good"] = sign(jwt.SigningMethodEdDSA, e.api.keys.priv, e.api.keys.kid, claims(func(*accessClaims) {}))
	if r := e.do(request{method: "GET", path: "/api/v1/enterprises", as: "good"}); r.status != 200 {
		t.Fatalf("a well-made token: %d %s", r.status, r.body)
	}
	// Tokens expire after 15 minutes by the injected clock.
	e.clock.Add(registry.AccessTokenTTL + time.Second)
	if r := e.do(request{method: "GET", path: "/api/v1/enterprises", as: asAdmin}); r.status != 401 {
		t.Fatalf("after 15 minutes: %d", r.status)
	}
}

func TestDisabledUserAndAPIKeys(t *testing.T) {
	e := newEnv(t)
	r := e.do(request{method: "POST", path: "/api/v1/api-keys", as: asEnt1, body: map[string]string{"name": "ERP"}})
	if r.status != 201 {
		t.Fatalf("create key: %d %s", r.status, r.body)
	}
	var k apiKeyCreated
	r.decode(t, &k)
	if !strings.HasPrefix(k.Key, "trk_") {
		t.Fatalf("key %q", k.Key)
	}
	stored, err := e.db.FindAPIKey(e.ctx(), k.ID)
	must(t, err)
	if stored.Hash != registry.HashSecret(k.Key) || strings.Contains(string(r.body), stored.Hash) {
		t.Fatal("the key must be stored as its SHA-256 and never shown")
	}
	// Both headers work, with the owner's role and binding.
	e.tokens["key"] = k.Key
	if r := e.do(request{method: "GET", path: "/api/v1/enterprises/" + e.e1.ID, as: "key"}); r.status != 200 {
		t.Fatalf("bearer key: %d %s", r.status, r.body)
	}
	if r := e.do(request{method: "GET", path: "/api/v1/enterprises/" + e.e2.ID, as: "key"}); r.status != 404 {
		t.Fatalf("key of enterprise 1 reading enterprise 2: %d", r.status)
	}
	if r := e.do(request{method: "GET", path: "/api/v1/enterprises/" + e.e1.ID, header: map[string]string{"X-API-Key": k.Key}}); r.status != 200 {
		t.Fatalf("X-API-Key: %d", r.status)
	}
	if r := e.do(request{method: "GET", path: "/api/v1/enterprises/" + e.e1.ID, header: map[string]string{"X-API-Key": k.Key + "x"}}); r.status != 401 {
		t.Fatalf("wrong key: %d", r.status)
	}
	// Listing shows it without the secret.
	r = e.do(request{method: "GET", path: "/api/v1/api-keys", as: asEnt1})
	if r.status != 200 || strings.Contains(string(r.body), k.Key) || !strings.Contains(string(r.body), k.ID) {
		t.Fatalf("list keys: %d %s", r.status, r.body)
	}
	// Another user cannot revoke it (and does not learn it exists).
	if r := e.do(request{method: "DELETE", path: "/api/v1/api-keys/" + k.ID, as: asEnt2}); r.status != 404 {
		t.Fatalf("revoke someone else's key: %d", r.status)
	}

	// Disable the user: the access token and the key stop working at once.
	u := e.users[asEnt1]
	u.Disabled = true
	must(t, e.db.UpdateUser(e.ctx(), u))
	if r := e.do(request{method: "GET", path: "/api/v1/enterprises/" + e.e1.ID, as: asEnt1}); r.status != 401 {
		t.Fatalf("token of a disabled user: %d", r.status)
	}
	if r := e.do(request{method: "GET", path: "/api/v1/enterprises/" + e.e1.ID, as: "key"}); r.status != 401 {
		t.Fatalf("key of a disabled user: %d", r.status)
	}
	if r := e.signIn(u.Username, e.password); r.status != 401 {
		t.Fatalf("sign in of a disabled user: %d", r.status)
	}
	u.Disabled = false
	must(t, e.db.UpdateUser(e.ctx(), u))
	if r := e.do(request{method: "DELETE", path: "/api/v1/api-keys/" + k.ID, as: asEnt1}); r.status != 204 {
		t.Fatalf("revoke: %d %s", r.status, r.body)
	}
	if r := e.do(request{method: "GET", path: "/api/v1/enterprises/" + e.e1.ID, as: "key"}); r.status != 401 {
		t.Fatalf("revoked key: %d", r.status)
	}
}

func TestSigningKeyFile(t *testing.T) {
	dir := t.TempDir()
	s1, err := loadSigner(nil, dir)
	must(t, err)
	info, err := os.Stat(filepath.Join(dir, KeyFileName))
	must(t, err)
	if info.Mode().Perm() != 0o600 {
		t.Fatalf("key file mode %v", info.Mode().Perm())
	}
	s2, err := loadSigner(nil, dir)
	must(t, err)
	if s1.kid != s2.kid || !s1.pub.Equal(s2.pub) {
		t.Fatal("the generated key must be reused")
	}
	seed := make([]byte, ed25519.SeedSize)
	s3, err := loadSigner(seed, dir)
	must(t, err)
	if s3.kid == s1.kid {
		t.Fatal("a configured seed wins over the file")
	}
	if _, err := loadSigner([]byte("short"), ""); err == nil {
		t.Fatal("a short seed must be refused")
	}
}
