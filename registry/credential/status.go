package credential

import (
	"bytes"
	"compress/gzip"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"strconv"
	"time"
)

// Status purposes: a revoked credential never comes back (a withdrawn
// certificate or announcement); a suspended one may (a suspended
// certificate, a recalled lot).
const (
	PurposeRevocation = "revocation"
	PurposeSuspension = "suspension"
)

// Purposes are the lists the registry publishes.
var Purposes = []string{PurposeRevocation, PurposeSuspension}

// MinListBits is the Bitstring Status List's minimum length (16 KiB), which
// hides which entries are in use.
const MinListBits = 131072

// maxListBits bounds a decoded list (16 M entries), so a hostile list
// cannot exhaust memory.
const maxListBits = 1 << 24

// Bitstring is a status list: bit 0 is the first byte's most significant bit.
type Bitstring []byte

// NewBitstring has room for n entries, at least MinListBits.
func NewBitstring(n int) Bitstring {
	n = max(n, MinListBits)
	return make(Bitstring, (n+7)/8)
}

// Len is the number of entries.
func (b Bitstring) Len() int { return len(b) * 8 }

// Set turns entry i on; out of range is ignored.
func (b Bitstring) Set(i int) {
	if i >= 0 && i < b.Len() {
		b[i/8] |= 0x80 >> (i % 8)
	}
}

// Get reports entry i.
func (b Bitstring) Get(i int) (bool, error) {
	if i < 0 || i >= b.Len() {
		return false, fmt.Errorf("status index %d is outside the list of %d", i, b.Len())
	}
	return b[i/8]&(0x80>>(i%8)) != 0, nil
}

// Encode is the list's encodedList: multibase base64url ('u', no padding)
// of its GZIP compression.
func (b Bitstring) Encode() string {
	var buf bytes.Buffer
	zw, _ := gzip.NewWriterLevel(&buf, gzip.BestCompression)
	zw.Write(b)
	zw.Close()
	return "u" + base64.RawURLEncoding.EncodeToString(buf.Bytes())
}

// DecodeBitstring reads an encodedList.
func DecodeBitstring(s string) (Bitstring, error) {
	if len(s) < 2 || s[0] != 'u' {
		return nil, errors.New("encodedList must be multibase base64url (starting with u)")
	}
	z, err := base64.RawURLEncoding.DecodeString(s[1:])
	if err != nil {
		return nil, errors.New("encodedList is not base64url")
	}
	zr, err := gzip.NewReader(bytes.NewReader(z))
	if err != nil {
		return nil, errors.New("encodedList is not GZIP")
	}
	b, err := io.ReadAll(io.LimitReader(zr, maxListBits/8+1))
	if err != nil {
		return nil, errors.New("encodedList is not GZIP")
	}
	if len(b)*8 > maxListBits {
		return nil, errors.New("encodedList is too long")
	}
	if len(b)*8 < MinListBits {
		return nil, fmt.Errorf("encodedList has %d entries, fewer than the minimum %d", len(b)*8, MinListBits)
	}
	return Bitstring(b), nil
}

// StatusListURL is where a purpose's list is served.
func (is *Issuer) StatusListURL(purpose string) string {
	return is.Base + "/credentials/status/" + purpose
}

// StatusEntries are a credential's credentialStatus: its place in both lists.
func (is *Issuer) StatusEntries(index int) []map[string]any {
	out := make([]map[string]any, 0, len(Purposes))
	for _, p := range Purposes {
		u := is.StatusListURL(p)
		out = append(out, map[string]any{"id": u + "#" + strconv.Itoa(index), "type": "BitstringStatusListEntry",
			"statusPurpose": p, "statusListIndex": strconv.Itoa(index), "statusListCredential": u})
	}
	return out
}

// StatusListCredential is the list credential of one purpose, valid for a
// day (verifiers fetch it again after that).
func (is *Issuer) StatusListCredential(purpose string, bits Bitstring, now time.Time) map[string]any {
	u := is.StatusListURL(purpose)
	return map[string]any{
		"@context":   []string{ContextV2},
		"id":         u,
		"type":       []string{"VerifiableCredential", "BitstringStatusListCredential"},
		"issuer":     is.IssuerObject(),
		"validFrom":  now.UTC().Truncate(time.Second).Format(time.RFC3339),
		"validUntil": now.UTC().Truncate(time.Second).Add(24 * time.Hour).Format(time.RFC3339),
		"credentialSubject": map[string]any{"id": u + "#list", "type": "BitstringStatusList",
			"statusPurpose": purpose, "encodedList": bits.Encode()},
	}
}

// StatusList is a verified list credential.
type StatusList struct {
	URL     string
	Purpose string
	Bits    Bitstring
	Signed  *Verified
}

// ParseStatusList verifies a list credential (vc+jwt) against doc.
func ParseStatusList(token string, doc *DIDDocument) (*StatusList, error) {
	v, err := Verify(token, doc)
	if err != nil {
		return nil, err
	}
	if !v.Is("BitstringStatusListCredential") {
		return nil, errors.New("not a BitstringStatusListCredential")
	}
	sub, _ := v.Credential["credentialSubject"].(map[string]any)
	enc, _ := sub["encodedList"].(string)
	purpose, _ := sub["statusPurpose"].(string)
	bits, err := DecodeBitstring(enc)
	if err != nil {
		return nil, err
	}
	id, _ := v.Credential["id"].(string)
	return &StatusList{URL: id, Purpose: purpose, Bits: bits, Signed: v}, nil
}

// StatusResult is one of a credential's statuses.
type StatusResult struct {
	Purpose string
	Index   int
	Set     bool // revoked or suspended
}

// CheckStatus reads the credential's status entries in the given lists
// (keyed by their URL). A list it names but that is missing is an error:
// a verifier cannot say the credential is in force without it.
func CheckStatus(v *Verified, lists map[string]*StatusList) ([]StatusResult, error) {
	var entries []any
	switch s := v.Credential["credentialStatus"].(type) {
	case nil:
		return nil, nil
	case []any:
		entries = s
	case map[string]any:
		entries = []any{s}
	default:
		return nil, errors.New("credentialStatus is neither an object nor a list")
	}
	var out []StatusResult
	for _, e := range entries {
		m, _ := e.(map[string]any)
		if m["type"] != "BitstringStatusListEntry" {
			continue
		}
		u, _ := m["statusListCredential"].(string)
		purpose, _ := m["statusPurpose"].(string)
		idx, err := strconv.Atoi(fmt.Sprint(m["statusListIndex"]))
		if err != nil || idx < 0 {
			return nil, errors.New("statusListIndex is not a number")
		}
		l := lists[u]
		if l == nil {
			return nil, fmt.Errorf("the status list %s is needed", u)
		}
		if l.Purpose != purpose {
			return nil, fmt.Errorf("the list %s is for %s, not %s", u, l.Purpose, purpose)
		}
		set, err := l.Bits.Get(idx)
		if err != nil {
			return nil, err
		}
		out = append(out, StatusResult{Purpose: purpose, Index: idx, Set: set})
	}
	return out, nil
}

// StatusListURLs are the lists a credential names.
func StatusListURLs(v *Verified) []string {
	var out []string
	add := func(e any) {
		if m, ok := e.(map[string]any); ok {
			if u, ok := m["statusListCredential"].(string); ok {
				out = append(out, u)
			}
		}
	}
	switch s := v.Credential["credentialStatus"].(type) {
	case []any:
		for _, e := range s {
			add(e)
		}
	default:
		add(s)
	}
	return out
}
