package api

import (
	"crypto/ed25519"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/golang-jwt/jwt/v5"

	"github.com/tracereg/tracereg/registry"
)

// Issuer is the iss claim of every access token.
const Issuer = "tracereg"

// KeyFileName is the generated signing key's file in the data directory.
const KeyFileName = "jwt-ed25519.key"

// signer holds the Ed25519 key that signs access tokens and its key ID.
type signer struct {
	priv ed25519.PrivateKey
	pub  ed25519.PublicKey
	kid  string
}

// DerivedSecret returns a 32-byte secret for purpose, derived from the token
// signing key: as secret as it, shared by every replica that shares it, and
// never stored in the database.
func (a *API) DerivedSecret(purpose string) []byte {
	mac := hmac.New(sha256.New, a.keys.priv.Seed())
	mac.Write([]byte("tracereg derived secret: " + purpose))
	return mac.Sum(nil)
}

func newSigner(seed []byte) *signer {
	priv := ed25519.NewKeyFromSeed(seed)
	pub := priv.Public().(ed25519.PublicKey)
	sum := sha256.Sum256(pub)
	return &signer{priv: priv, pub: pub, kid: base64.RawURLEncoding.EncodeToString(sum[:8])}
}

// loadSigner uses the configured seed, else the one in dataDir, generating it
// on first start (0600, created exclusively so two replicas starting at once
// on one directory end up with the same key).
func loadSigner(seed []byte, dataDir string) (*signer, error) {
	if len(seed) > 0 {
		if len(seed) != ed25519.SeedSize {
			return nil, fmt.Errorf("api: the JWT key must be a %d-byte Ed25519 seed", ed25519.SeedSize)
		}
		return newSigner(seed), nil
	}
	if dataDir == "" {
		seed = make([]byte, ed25519.SeedSize)
		rand.Read(seed)
		return newSigner(seed), nil
	}
	path := filepath.Join(dataDir, KeyFileName)
	if b, err := os.ReadFile(path); err == nil {
		return parseKeyFile(path, b)
	} else if !errors.Is(err, os.ErrNotExist) {
		return nil, fmt.Errorf("api: read the signing key: %w", err)
	}
	seed = make([]byte, ed25519.SeedSize)
	rand.Read(seed)
	if err := os.MkdirAll(dataDir, 0o700); err != nil {
		return nil, err
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if errors.Is(err, os.ErrExist) {
		b, err := os.ReadFile(path)
		if err != nil {
			return nil, err
		}
		return parseKeyFile(path, b)
	}
	if err != nil {
		return nil, fmt.Errorf("api: write the signing key: %w", err)
	}
	_, werr := f.WriteString(base64.StdEncoding.EncodeToString(seed) + "\n")
	if err := errors.Join(werr, f.Close()); err != nil {
		return nil, fmt.Errorf("api: write the signing key: %w", err)
	}
	return newSigner(seed), nil
}

func parseKeyFile(path string, b []byte) (*signer, error) {
	seed, err := base64.StdEncoding.DecodeString(strings.TrimSpace(string(b)))
	if err != nil || len(seed) != ed25519.SeedSize {
		return nil, fmt.Errorf("api: %s does not hold a base64 Ed25519 seed", path)
	}
	return newSigner(seed), nil
}

// accessClaims are the access token's claims: the user and, for the
// record, the role it had when signed in (each request reloads the user).
type accessClaims struct {
	Role string `json:"role"`
	jwt.RegisteredClaims
}

// issueAccess signs a 15-minute access token for u.
func (a *API) issueAccess(u *registry.User) (string, error) {
	now := a.clock.Now()
	jti := make([]byte, 12)
	rand.Read(jti)
	tok := jwt.NewWithClaims(jwt.SigningMethodEdDSA, accessClaims{
		Role: u.Role,
		RegisteredClaims: jwt.RegisteredClaims{
			Issuer:    Issuer,
			Subject:   u.ID,
			IssuedAt:  jwt.NewNumericDate(now),
			NotBefore: jwt.NewNumericDate(now),
			ExpiresAt: jwt.NewNumericDate(now.Add(registry.AccessTokenTTL)),
			ID:        base64.RawURLEncoding.EncodeToString(jti),
		},
	})
	tok.Header["kid"] = a.keys.kid
	return tok.SignedString(a.keys.priv)
}

var errBadToken = registry.Errorf(registry.EUNAUTHORIZED, "The access token is not valid or has expired; sign in again.",
	"Mã truy cập không hợp lệ hoặc đã hết hạn; vui lòng đăng nhập lại.")

// verifyAccess checks signature (EdDSA only), kid, issuer and expiry, and returns the user ID.
func (a *API) verifyAccess(s string) (string, error) {
	var claims accessClaims
	_, err := jwt.ParseWithClaims(s, &claims, func(t *jwt.Token) (any, error) {
		if kid, _ := t.Header["kid"].(string); kid != a.keys.kid {
			return nil, errors.New("unknown key id")
		}
		return a.keys.pub, nil
	}, jwt.WithValidMethods([]string{jwt.SigningMethodEdDSA.Alg()}), jwt.WithIssuer(Issuer),
		jwt.WithExpirationRequired(), jwt.WithIssuedAt(), jwt.WithTimeFunc(a.clock.Now))
	if err != nil || !registry.ValidID(claims.Subject) {
		return "", errBadToken
	}
	return claims.Subject, nil
}

// identify finds who is calling from a bearer token or API key. No
// credentials: the request goes on anonymously (the policy then answers 401
// where sign-in is needed); wrong credentials: 401 at once.
func (a *API) identify(c *fiber.Ctx) error {
	var cred string
	if h := c.Get(fiber.HeaderAuthorization); h != "" {
		scheme, rest, ok := strings.Cut(h, " ")
		if !ok || !strings.EqualFold(scheme, "Bearer") || strings.TrimSpace(rest) == "" {
			return registry.Errorf(registry.EUNAUTHORIZED, "Use Authorization: Bearer <token>.", "Hãy dùng Authorization: Bearer <mã>.")
		}
		cred = strings.TrimSpace(rest)
	} else if k := c.Get("X-API-Key"); k != "" {
		cred = strings.TrimSpace(k)
		if !registry.BearerAPIKey(cred) {
			return errBadKey
		}
	}
	if cred == "" {
		return c.Next()
	}
	var userID string
	if registry.BearerAPIKey(cred) {
		k, err := a.store.FindAPIKeyByHash(c.UserContext(), registry.HashSecret(cred))
		if registry.ErrorCode(err) == registry.ENOTFOUND {
			return errBadKey
		}
		if err != nil {
			return err
		}
		userID = k.UserID
	} else {
		id, err := a.verifyAccess(cred)
		if err != nil {
			return err
		}
		userID = id
	}
	u, err := a.store.FindUser(c.UserContext(), userID)
	if registry.ErrorCode(err) == registry.ENOTFOUND {
		return errBadToken
	}
	if err != nil {
		return err
	}
	if u.Disabled {
		return errDisabled
	}
	c.SetUserContext(registry.WithActor(c.UserContext(), actorOf(u)))
	return c.Next()
}

var (
	errBadKey   = registry.Errorf(registry.EUNAUTHORIZED, "The API key is not valid.", "Khóa API không hợp lệ.")
	errDisabled = registry.ErrDisabled
)

func actorOf(u *registry.User) registry.Actor { return registry.ActorOf(u) }

// tokenRequest signs in.
type tokenRequest struct {
	Username string `json:"username"`
	Password string `json:"password"`
}

// refreshRequest carries a refresh token (refresh, logout).
type refreshRequest struct {
	RefreshToken string `json:"refresh_token"`
}

// tokenResponse is what a sign-in or refresh returns.
type tokenResponse struct {
	AccessToken  string `json:"access_token"`
	TokenType    string `json:"token_type"`
	ExpiresIn    int    `json:"expires_in"`
	RefreshToken string `json:"refresh_token"`
}

// apiKeyRequest creates an API key.
type apiKeyRequest struct {
	Name string `json:"name"`
}

// apiKeyCreated shows the key, once.
type apiKeyCreated struct {
	registry.APIKey
	Key string `json:"key"`
}

func (a *API) mountAuth(g fiber.Router) {
	a.add(g, routeDoc{Method: "POST", Summary: "Sign in with username and password: a 15-minute access token and a refresh token", Tag: "auth",
		Public: true, Request: tokenRequest{}, Response: tokenResponse{}}, "/auth/token", a.signIn)
	a.add(g, routeDoc{Method: "POST", Summary: "Exchange a refresh token for new tokens (the old one stops working; reusing it revokes the family)", Tag: "auth",
		Public: true, Request: refreshRequest{}, Response: tokenResponse{}}, "/auth/refresh", a.refresh)
	a.add(g, routeDoc{Method: "POST", Summary: "Sign out: revoke the refresh token and its family", Tag: "auth",
		Public: true, Request: refreshRequest{}, Status: fiber.StatusNoContent}, "/auth/logout", a.logout)
	a.add(g, routeDoc{Method: "POST", Summary: "Create an API key (shown once) acting as you", Tag: "auth",
		Request: apiKeyRequest{}, Response: apiKeyCreated{}, Status: fiber.StatusCreated, Idempotent: true}, "/api-keys", a.createAPIKey)
	a.add(g, routeDoc{Method: "GET", Summary: "List your API keys (admin: everyone's)", Tag: "auth", Response: listOf[registry.APIKey]{}}, "/api-keys", a.listAPIKeys)
	a.add(g, routeDoc{Method: "DELETE", Summary: "Revoke an API key", Tag: "auth", Status: fiber.StatusNoContent}, "/api-keys/:id", a.revokeAPIKey)
}

func (a *API) signIn(c *fiber.Ctx) error {
	var req tokenRequest
	if err := decodeJSON(c, &req, 4<<10); err != nil {
		return err
	}
	u, wait, err := registry.SignIn(c.UserContext(), a.store, req.Username, req.Password, c.IP(), a.clock.Now())
	if wait > 0 {
		c.Set(fiber.HeaderRetryAfter, strconv.Itoa(int((wait+time.Second-1)/time.Second)))
	}
	if err != nil {
		return err
	}
	return a.sendTokens(c, u, nil)
}

// sendTokens answers with a new access token and a refresh token of the
// family of prev (nil starts a new family).
func (a *API) sendTokens(c *fiber.Ctx, u *registry.User, prev *registry.RefreshToken) error {
	access, err := a.issueAccess(u)
	if err != nil {
		return err
	}
	refresh := registry.NewSecret("trr_")
	now := a.clock.Now().UTC().Truncate(time.Millisecond)
	family, started := registry.NewSecret(""), now
	if prev != nil {
		family, started = prev.FamilyID, prev.FamilyStartedAt
		if started.IsZero() { // a family from before lifetimes were kept
			started = prev.CreatedAt
		}
	}
	if err := a.store.CreateRefreshToken(c.UserContext(), &registry.RefreshToken{Hash: registry.HashSecret(refresh), FamilyID: family,
		UserID: u.ID, CreatedAt: now, ExpiresAt: registry.NextRefreshExpiry(started, now), FamilyStartedAt: started}); err != nil {
		return err
	}
	c.Set(fiber.HeaderCacheControl, "no-store")
	return c.JSON(tokenResponse{AccessToken: access, TokenType: "Bearer", ExpiresIn: int(registry.AccessTokenTTL / time.Second), RefreshToken: refresh})
}

func (a *API) refresh(c *fiber.Ctx) error {
	var req refreshRequest
	if err := decodeJSON(c, &req, 4<<10); err != nil {
		return err
	}
	if req.RefreshToken == "" {
		return fieldErr("refresh_token", "required", "is required", "là bắt buộc")
	}
	t, err := a.store.RotateRefreshToken(c.UserContext(), registry.HashSecret(req.RefreshToken), a.clock.Now())
	if err != nil {
		return err
	}
	u, err := a.store.FindUser(c.UserContext(), t.UserID)
	if err != nil {
		if registry.ErrorCode(err) == registry.ENOTFOUND {
			return errBadToken
		}
		return err
	}
	if u.Disabled {
		return errDisabled
	}
	return a.sendTokens(c, u, t)
}

func (a *API) logout(c *fiber.Ctx) error {
	var req refreshRequest
	if err := decodeJSON(c, &req, 4<<10); err != nil {
		return err
	}
	if req.RefreshToken == "" {
		return fieldErr("refresh_token", "required", "is required", "là bắt buộc")
	}
	err := a.store.RevokeRefreshFamily(c.UserContext(), registry.HashSecret(req.RefreshToken))
	if err != nil && registry.ErrorCode(err) != registry.ENOTFOUND {
		return err
	}
	return c.SendStatus(fiber.StatusNoContent)
}

func (a *API) createAPIKey(c *fiber.Ctx) error {
	me := actor(c)
	if err := registry.Authorize(me, registry.ActCreate, registry.Resource{Kind: registry.KindAPIKey, UserID: me.UserID}); err != nil {
		return err
	}
	var req apiKeyRequest
	if err := decodeJSON(c, &req, 4<<10); err != nil {
		return err
	}
	secret := registry.NewSecret(registry.APIKeyPrefix)
	k := &registry.APIKey{UserID: me.UserID, Name: req.Name, Hash: registry.HashSecret(secret), Hint: secret[:8]}
	if err := a.store.CreateAPIKey(c.UserContext(), k); err != nil {
		return err
	}
	if err := a.audit(c, "api_key.create", registry.KindAPIKey, k.ID, "", nil, k); err != nil {
		return err
	}
	c.Set(fiber.HeaderCacheControl, "no-store")
	return c.Status(fiber.StatusCreated).JSON(apiKeyCreated{APIKey: *k, Key: secret})
}

func (a *API) listAPIKeys(c *fiber.Ctx) error {
	me := actor(c)
	if err := registry.Authorize(me, registry.ActRead, registry.Resource{Kind: registry.KindAPIKey, UserID: me.UserID}); err != nil {
		return err
	}
	owner := me.UserID
	if me.Role == registry.RoleAdmin {
		owner = ""
	}
	keys, err := a.store.ListAPIKeys(c.UserContext(), owner)
	if err != nil {
		return err
	}
	return c.JSON(listOf[registry.APIKey]{Items: nonNil(keys)})
}

func (a *API) revokeAPIKey(c *fiber.Ctx) error {
	me := actor(c)
	if me.Anonymous() {
		return registry.Authorize(me, registry.ActDelete, registry.Resource{Kind: registry.KindAPIKey})
	}
	k, err := a.store.FindAPIKey(c.UserContext(), c.Params("id"))
	if err != nil {
		return err
	}
	if err := registry.Authorize(me, registry.ActDelete, registry.Resource{Kind: registry.KindAPIKey, UserID: k.UserID}); err != nil {
		return err
	}
	if err := a.store.RevokeAPIKey(c.UserContext(), k.ID); err != nil {
		return err
	}
	if err := a.audit(c, "api_key.revoke", registry.KindAPIKey, k.ID, "", k, nil); err != nil {
		return err
	}
	return c.SendStatus(fiber.StatusNoContent)
}

// Identify is the identification middleware for routes outside /api/v1
// (label sheets, dashboards): it puts the caller's Actor in the request's
// context when a bearer token or API key is given.
func (a *API) Identify(c *fiber.Ctx) error { return a.identify(c) }
