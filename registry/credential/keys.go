// Package credential signs what the registry vouches for so that anyone can
// check it without asking the registry: W3C Verifiable Credentials 2.0
// secured as JOSE (application/vc+jwt, EdDSA over Ed25519) for certificates,
// received conformity announcements and lots (UNTP Digital Conformity
// Credentials and Digital Product Passports), Bitstring Status Lists for
// suspension and revocation, the issuer's did:web document, and GS1 AI 8030
// signatures over a label's element string.
//
// Keys rotate: the newest key signs, and every key ever used stays in the
// DID document, so credentials and labels signed before a rotation still
// verify.
package credential

import (
	"bufio"
	"bytes"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// Key is one signing key: its ID in the DID document ("key-1", "key-2", …).
type Key struct {
	ID      string
	Created time.Time
	Private ed25519.PrivateKey
}

// Public is the key's public half.
func (k Key) Public() ed25519.PublicKey { return k.Private.Public().(ed25519.PublicKey) }

// Keyring holds every key, oldest first; the last one signs.
type Keyring struct{ keys []Key }

// KeyFileName is the key file's name in the data directory.
const KeyFileName = "credential-keys"

// Current is the key that signs now.
func (r *Keyring) Current() Key { return r.keys[len(r.keys)-1] }

// Keys are all keys, oldest first.
func (r *Keyring) Keys() []Key { return append([]Key(nil), r.keys...) }

// NewKeyring makes a keyring of the given keys (tests and tools).
func NewKeyring(keys ...Key) (*Keyring, error) {
	if len(keys) == 0 {
		return nil, errors.New("credential: a keyring needs a key")
	}
	return &Keyring{keys: keys}, nil
}

// GenerateKey makes a new key with the given ID.
func GenerateKey(id string, now time.Time) Key {
	_, priv, _ := ed25519.GenerateKey(rand.Reader)
	return Key{ID: id, Created: now.UTC().Truncate(time.Second), Private: priv}
}

// LoadKeyring reads the key file at path, one key a line:
//
//	key-1 2026-12-04T20:00:00Z <base64 Ed25519 seed>
//
// When the file does not exist it is created with one new key (mode 0600).
func LoadKeyring(path string, now time.Time) (*Keyring, error) {
	b, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
			return nil, err
		}
		k := GenerateKey("key-1", now)
		f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
		if errors.Is(err, os.ErrExist) {
			return LoadKeyring(path, now) // another process made it first
		}
		if err != nil {
			return nil, fmt.Errorf("credential: write the key file: %w", err)
		}
		_, werr := f.WriteString(keyLine(k))
		if err := errors.Join(werr, f.Close()); err != nil {
			return nil, fmt.Errorf("credential: write the key file: %w", err)
		}
		return &Keyring{keys: []Key{k}}, nil
	}
	if err != nil {
		return nil, fmt.Errorf("credential: read the key file: %w", err)
	}
	return parseKeys(path, b)
}

// RotateKey appends a new key to the file at path and returns the keyring:
// the new key signs from now on; the old ones keep verifying.
func RotateKey(path string, now time.Time) (*Keyring, error) {
	if _, err := os.Stat(path); errors.Is(err, os.ErrNotExist) {
		return LoadKeyring(path, now) // no file yet: its first key is the new one
	}
	r, err := LoadKeyring(path, now)
	if err != nil {
		return nil, err
	}
	next := 1
	for _, k := range r.keys {
		if n, err := strconv.Atoi(strings.TrimPrefix(k.ID, "key-")); err == nil && n >= next {
			next = n + 1
		}
	}
	k := GenerateKey("key-"+strconv.Itoa(next), now)
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		return nil, fmt.Errorf("credential: rotate: %w", err)
	}
	_, werr := f.WriteString(keyLine(k))
	if err := errors.Join(werr, f.Sync(), f.Close()); err != nil {
		return nil, fmt.Errorf("credential: rotate: %w", err)
	}
	r.keys = append(r.keys, k)
	return r, nil
}

func keyLine(k Key) string {
	return k.ID + " " + k.Created.Format(time.RFC3339) + " " + base64.StdEncoding.EncodeToString(k.Private.Seed()) + "\n"
}

func parseKeys(path string, b []byte) (*Keyring, error) {
	r := &Keyring{}
	seen := map[string]bool{}
	sc := bufio.NewScanner(bytes.NewReader(b))
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		f := strings.Fields(line)
		if len(f) != 3 {
			return nil, fmt.Errorf("credential: %s line %d: want `key-N created base64-seed`", path, n)
		}
		created, err := time.Parse(time.RFC3339, f[1])
		if err != nil {
			return nil, fmt.Errorf("credential: %s line %d: the creation time must be RFC 3339", path, n)
		}
		seed, err := base64.StdEncoding.DecodeString(f[2])
		if err != nil || len(seed) != ed25519.SeedSize {
			return nil, fmt.Errorf("credential: %s line %d: not a base64 Ed25519 seed", path, n)
		}
		if !validKeyID(f[0]) || seen[f[0]] {
			return nil, fmt.Errorf("credential: %s line %d: the key ID must be unique, letters, digits and '-'", path, n)
		}
		seen[f[0]] = true
		r.keys = append(r.keys, Key{ID: f[0], Created: created, Private: ed25519.NewKeyFromSeed(seed)})
	}
	if len(r.keys) == 0 {
		return nil, fmt.Errorf("credential: %s holds no key", path)
	}
	return r, nil
}

func validKeyID(s string) bool {
	if s == "" || len(s) > 40 {
		return false
	}
	for _, r := range s {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-') {
			return false
		}
	}
	return true
}
