package credential

import (
	"crypto/ed25519"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"strings"
)

// DIDWeb derives the issuer's did:web from the public base URL and says
// where its DID document is served: /.well-known/did.json for a bare host,
// {path}/did.json under a path (the did:web method's rule). A port is
// written %3A in the DID.
func DIDWeb(baseURL string) (did, docPath string, err error) {
	u, err := url.Parse(strings.TrimRight(baseURL, "/"))
	if err != nil || u.Host == "" || (u.Scheme != "https" && u.Scheme != "http") {
		return "", "", fmt.Errorf("credential: %q is not an http(s) base URL", baseURL)
	}
	did = "did:web:" + strings.ReplaceAll(strings.ToLower(u.Host), ":", "%3A")
	path := strings.Trim(u.Path, "/")
	if path == "" {
		return did, "/.well-known/did.json", nil
	}
	for _, seg := range strings.Split(path, "/") {
		did += ":" + url.PathEscape(seg)
	}
	return did, "/did.json", nil
}

// DIDDocument is the part of a DID document a verifier needs.
type DIDDocument struct {
	Context            []string             `json:"@context"`
	ID                 string               `json:"id"`
	VerificationMethod []VerificationMethod `json:"verificationMethod"`
	AssertionMethod    []string             `json:"assertionMethod"`
}

// VerificationMethod is one public key, as a JSON Web Key.
type VerificationMethod struct {
	ID           string `json:"id"`
	Type         string `json:"type"`
	Controller   string `json:"controller"`
	PublicKeyJwk JWK    `json:"publicKeyJwk"`
}

// JWK is an Ed25519 public key (RFC 8037).
type JWK struct {
	Kty string `json:"kty"`
	Crv string `json:"crv"`
	X   string `json:"x"`
}

// Document is the issuer's DID document: every key, old ones included, may
// assert credentials, so rotation never breaks what was signed before.
func (is *Issuer) Document() DIDDocument {
	doc := DIDDocument{Context: []string{"https://www.w3.org/ns/did/v1", "https://w3id.org/security/jwk/v1"}, ID: is.DID}
	for _, k := range is.keys.Keys() {
		id := is.DID + "#" + k.ID
		doc.VerificationMethod = append(doc.VerificationMethod, VerificationMethod{ID: id, Type: "JsonWebKey", Controller: is.DID,
			PublicKeyJwk: JWK{Kty: "OKP", Crv: "Ed25519", X: base64.RawURLEncoding.EncodeToString(k.Public())}})
		doc.AssertionMethod = append(doc.AssertionMethod, id)
	}
	return doc
}

// ParseDIDDocument reads a DID document (as served at did.json).
func ParseDIDDocument(b []byte) (*DIDDocument, error) {
	var doc DIDDocument
	if err := json.Unmarshal(b, &doc); err != nil {
		return nil, fmt.Errorf("not a DID document: %w", err)
	}
	if !strings.HasPrefix(doc.ID, "did:") || len(doc.VerificationMethod) == 0 {
		return nil, errors.New("not a DID document: it needs an id and a verification method")
	}
	return &doc, nil
}

// key returns the Ed25519 key of the method with that ID (the full DID URL
// or just the fragment) if the document lets it assert credentials.
func (doc *DIDDocument) key(id string) (ed25519.PublicKey, error) {
	if strings.HasPrefix(id, "#") {
		id = doc.ID + id
	}
	asserts := false
	for _, a := range doc.AssertionMethod {
		asserts = asserts || a == id || doc.ID+a == id
	}
	for _, vm := range doc.VerificationMethod {
		if vm.ID != id && doc.ID+vm.ID != id {
			continue
		}
		if !asserts {
			return nil, fmt.Errorf("key %s may not assert credentials", id)
		}
		return vm.PublicKeyJwk.ed25519()
	}
	return nil, fmt.Errorf("the DID document %s has no key %s", doc.ID, id)
}

// keys are every assertion key, for signatures that do not name theirs (AI 8030).
func (doc *DIDDocument) keys() []ed25519.PublicKey {
	var out []ed25519.PublicKey
	for _, a := range doc.AssertionMethod {
		if k, err := doc.key(a); err == nil {
			out = append(out, k)
		}
	}
	return out
}

func (j JWK) ed25519() (ed25519.PublicKey, error) {
	if j.Kty != "OKP" || j.Crv != "Ed25519" {
		return nil, fmt.Errorf("key type %s/%s is not Ed25519", j.Kty, j.Crv)
	}
	b, err := base64.RawURLEncoding.DecodeString(j.X)
	if err != nil || len(b) != ed25519.PublicKeySize {
		return nil, errors.New("the key's x is not a base64url Ed25519 public key")
	}
	return ed25519.PublicKey(b), nil
}
