package credential

import (
	"crypto/ed25519"
	"encoding/base64"
	"strings"
)

// AI 8030 (digital signature, DigSig) on a label. GS1 gives it up to 90
// characters of the URI-safe base64 set; an Ed25519 signature in unpadded
// base64url is 86. It signs the label's element string: the AIs of the
// Digital Link path in GS1 order, 01 (GTIN-14), 22, 10, 21, each variable
// length value that is not last followed by the GS separator (FNC1), as a
// scanner reads them. 8030 itself is not part of what it signs.
//
// The signature carries no key ID (it would not fit); a checker tries every
// assertion key of the DID document, so a rotation never breaks old labels.

// AISignature is the signature's AI, the Digital Link query key.
const AISignature = "8030"

// ElementString is what a label's signature covers.
func ElementString(gtin14, variant, lot, serial string) string {
	var b strings.Builder
	b.WriteString("01" + gtin14)
	vars := []struct{ ai, v string }{{"22", variant}, {"10", lot}, {"21", serial}}
	last := -1
	for i, q := range vars {
		if q.v != "" {
			last = i
		}
	}
	for i, q := range vars {
		if q.v == "" {
			continue
		}
		b.WriteString(q.ai + q.v)
		if i != last {
			b.WriteByte(0x1d)
		}
	}
	return b.String()
}

// SignCode is the AI 8030 value for a label.
func (is *Issuer) SignCode(gtin14, variant, lot, serial string) string {
	return base64.RawURLEncoding.EncodeToString(is.sign([]byte(ElementString(gtin14, variant, lot, serial))))
}

// VerifyCode says whether sig is a signature of the registry's over the
// label's element string, by any key of doc.
func VerifyCode(doc *DIDDocument, gtin14, variant, lot, serial, sig string) bool {
	raw, err := base64.RawURLEncoding.DecodeString(sig)
	if err != nil || len(raw) != ed25519.SignatureSize {
		return false
	}
	msg := []byte(ElementString(gtin14, variant, lot, serial))
	for _, k := range doc.keys() {
		if ed25519.Verify(k, msg, raw) {
			return true
		}
	}
	return false
}
