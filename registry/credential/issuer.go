package credential

import (
	"crypto/ed25519"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

// MediaType is a JOSE-secured credential (VC-JOSE-COSE): a compact JWS whose
// payload is the credential itself.
const MediaType = "application/vc+jwt"

// ContextV2 is the Verifiable Credentials 2.0 base context.
const ContextV2 = "https://www.w3.org/ns/credentials/v2"

// Issuer signs for the registry.
type Issuer struct {
	DID     string // did:web of the public base URL
	DocPath string // where the DID document is served
	Name    string // shown as the issuer's name
	Base    string // public base URL, no trailing slash
	keys    *Keyring
}

// NewIssuer makes the issuer of base's did:web, signing with keys.
func NewIssuer(base, name string, keys *Keyring) (*Issuer, error) {
	if keys == nil || len(keys.keys) == 0 {
		return nil, errors.New("credential: the issuer needs a key")
	}
	did, path, err := DIDWeb(base)
	if err != nil {
		return nil, err
	}
	return &Issuer{DID: did, DocPath: path, Name: name, Base: strings.TrimRight(base, "/"), keys: keys}, nil
}

// IssuerObject is the credential's issuer property.
func (is *Issuer) IssuerObject() map[string]any {
	return map[string]any{"type": []string{"CredentialIssuer"}, "id": is.DID, "name": is.Name}
}

// Sign secures a credential as application/vc+jwt with the current key.
func (is *Issuer) Sign(vc map[string]any) (string, error) {
	k := is.keys.Current()
	tok := jwt.NewWithClaims(jwt.SigningMethodEdDSA, jwt.MapClaims(vc))
	tok.Header["typ"] = "vc+jwt"
	tok.Header["cty"] = "vc"
	tok.Header["kid"] = is.DID + "#" + k.ID
	return tok.SignedString(k.Private)
}

// Verified is a credential whose signature checked out.
type Verified struct {
	Credential map[string]any
	KeyID      string // the DID URL of the key that signed it
	Issuer     string
	Types      []string
	ValidFrom  time.Time // zero when absent
	ValidUntil time.Time // zero when absent
}

// Verify checks a vc+jwt against the issuer's DID document: EdDSA only, a
// key the document lets assert, the issuer being the document's DID, and the
// credential being a VC 2.0 one. It does not judge dates or status; see
// Verified.ActiveAt and CheckStatus.
func Verify(token string, doc *DIDDocument) (*Verified, error) {
	var kid string
	claims := jwt.MapClaims{}
	_, err := jwt.ParseWithClaims(strings.TrimSpace(token), claims, func(t *jwt.Token) (any, error) {
		if typ, _ := t.Header["typ"].(string); typ != "vc+jwt" {
			return nil, errors.New("the token's typ is not vc+jwt")
		}
		kid, _ = t.Header["kid"].(string)
		if kid == "" {
			return nil, errors.New("the token names no key (kid)")
		}
		if !strings.HasPrefix(kid, doc.ID+"#") {
			return nil, fmt.Errorf("the key %s is not %s's", kid, doc.ID)
		}
		return doc.key(kid)
	}, jwt.WithValidMethods([]string{jwt.SigningMethodEdDSA.Alg()}))
	if err != nil {
		return nil, fmt.Errorf("the signature does not verify: %w", err)
	}
	v := &Verified{Credential: claims, KeyID: kid}
	if ctx, _ := claims["@context"].([]any); len(ctx) == 0 || ctx[0] != ContextV2 {
		return nil, errors.New("not a Verifiable Credential 2.0: the first @context must be " + ContextV2)
	}
	switch iss := claims["issuer"].(type) {
	case string:
		v.Issuer = iss
	case map[string]any:
		v.Issuer, _ = iss["id"].(string)
	}
	if v.Issuer != doc.ID {
		return nil, fmt.Errorf("the credential's issuer %q is not the DID document's %s", v.Issuer, doc.ID)
	}
	types, _ := claims["type"].([]any)
	for _, t := range types {
		if s, ok := t.(string); ok {
			v.Types = append(v.Types, s)
		}
	}
	if !v.Is("VerifiableCredential") {
		return nil, errors.New("the credential's type lacks VerifiableCredential")
	}
	for field, dst := range map[string]*time.Time{"validFrom": &v.ValidFrom, "validUntil": &v.ValidUntil} {
		if s, ok := claims[field].(string); ok {
			t, err := time.Parse(time.RFC3339, s)
			if err != nil {
				return nil, fmt.Errorf("%s is not an RFC 3339 time", field)
			}
			*dst = t
		}
	}
	return v, nil
}

// Is reports whether the credential has the type.
func (v *Verified) Is(typ string) bool {
	for _, t := range v.Types {
		if t == typ {
			return true
		}
	}
	return false
}

// ActiveAt says whether now is within validFrom and validUntil.
func (v *Verified) ActiveAt(now time.Time) error {
	if !v.ValidFrom.IsZero() && now.Before(v.ValidFrom) {
		return fmt.Errorf("not valid before %s", v.ValidFrom.Format(time.RFC3339))
	}
	if !v.ValidUntil.IsZero() && now.After(v.ValidUntil) {
		return fmt.Errorf("expired on %s", v.ValidUntil.Format(time.RFC3339))
	}
	return nil
}

// Marshal renders a credential or DID document for serving.
func Marshal(v any) ([]byte, error) { return json.MarshalIndent(v, "", "  ") }

// sign signs msg with the current key (AI 8030).
func (is *Issuer) sign(msg []byte) []byte { return ed25519.Sign(is.keys.Current().Private, msg) }
