package credential

import (
	"encoding/base64"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

var t0 = time.Date(2026, 12, 4, 12, 0, 0, 0, time.UTC)

func newIssuer(t *testing.T, dir string, now time.Time) *Issuer {
	t.Helper()
	keys, err := LoadKeyring(filepath.Join(dir, KeyFileName), now)
	if err != nil {
		t.Fatal(err)
	}
	is, err := NewIssuer("https://truyxuat.example.vn", "Hệ thống truy xuất Đắk Lắk", keys)
	if err != nil {
		t.Fatal(err)
	}
	return is
}

func sample(is *Issuer) map[string]any {
	return map[string]any{"@context": []string{ContextV2}, "type": []string{"VerifiableCredential", "DigitalConformityCredential"},
		"issuer": is.IssuerObject(), "validFrom": "2026-01-01T00:00:00Z", "validUntil": "2027-01-01T00:00:00Z",
		"credentialSubject": map[string]any{"name": "VietGAP"}, "credentialStatus": is.StatusEntries(7)}
}

func TestDIDWeb(t *testing.T) {
	for _, c := range []struct{ base, did, path string }{
		{"https://truyxuat.example.vn", "did:web:truyxuat.example.vn", "/.well-known/did.json"},
		{"https://truyxuat.example.vn/", "did:web:truyxuat.example.vn", "/.well-known/did.json"},
		{"http://localhost:8080", "did:web:localhost%3A8080", "/.well-known/did.json"},
		{"https://Example.VN/tx/daklak", "did:web:example.vn:tx:daklak", "/did.json"},
	} {
		did, path, err := DIDWeb(c.base)
		if err != nil || did != c.did || path != c.path {
			t.Errorf("DIDWeb(%q) = %q %q %v, want %q %q", c.base, did, path, err, c.did, c.path)
		}
	}
	for _, bad := range []string{"", "ftp://x.vn", "not a url", "https://"} {
		if _, _, err := DIDWeb(bad); err == nil {
			t.Errorf("DIDWeb(%q) gave no error", bad)
		}
	}
}

func TestSignVerifyAndTamper(t *testing.T) {
	is := newIssuer(t, t.TempDir(), t0)
	tok, err := is.Sign(sample(is))
	if err != nil {
		t.Fatal(err)
	}
	doc := is.Document()
	v, err := Verify(tok, &doc)
	if err != nil {
		t.Fatal(err)
	}
	if v.KeyID != is.DID+"#key-1" || !v.Is("DigitalConformityCredential") || v.Issuer != is.DID {
		t.Fatalf("verified = %+v", v)
	}
	if err := v.ActiveAt(t0); err != nil {
		t.Errorf("active at %v: %v", t0, err)
	}
	if err := v.ActiveAt(time.Date(2027, 2, 1, 0, 0, 0, 0, time.UTC)); err == nil || !strings.Contains(err.Error(), "expired") {
		t.Errorf("after validUntil: %v", err)
	}

	// A changed payload (same header and signature) fails.
	parts := strings.Split(tok, ".")
	payload, _ := base64.RawURLEncoding.DecodeString(parts[1])
	forged := strings.Replace(string(payload), "VietGAP", "GlobalG", 1)
	parts[1] = base64.RawURLEncoding.EncodeToString([]byte(forged))
	if _, err := Verify(strings.Join(parts, "."), &doc); err == nil {
		t.Error("a changed payload verified")
	}
	// Another registry's DID document does not verify ours.
	other := newIssuer(t, t.TempDir(), t0)
	otherDoc := other.Document()
	if _, err := Verify(tok, &otherDoc); err == nil {
		t.Error("verified against another key")
	}
	// A document naming another DID refuses the kid.
	renamed := doc
	renamed.ID = "did:web:evil.example"
	if _, err := Verify(tok, &renamed); err == nil {
		t.Error("verified against a document of another DID")
	}
	// A credential claiming another issuer fails even when signed by us.
	cred := sample(is)
	cred["issuer"] = "did:web:someone.else"
	tok2, _ := is.Sign(cred)
	if _, err := Verify(tok2, &doc); err == nil || !strings.Contains(err.Error(), "issuer") {
		t.Errorf("foreign issuer: %v", err)
	}
	for _, junk := range []string{"", "abc", "a.b.c"} {
		if _, err := Verify(junk, &doc); err == nil {
			t.Errorf("Verify(%q) passed", junk)
		}
	}
}

func TestRotationKeepsOldCredentialsVerifiable(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, KeyFileName)
	is := newIssuer(t, dir, t0)
	old, _ := is.Sign(sample(is))
	oldCode := is.SignCode("08938500000019", "", "L1", "S1")

	keys, err := RotateKey(path, t0.Add(time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	if len(keys.Keys()) != 2 || keys.Current().ID != "key-2" {
		t.Fatalf("after rotation: %d keys, current %s", len(keys.Keys()), keys.Current().ID)
	}
	again, err := LoadKeyring(path, t0.Add(2*time.Hour))
	if err != nil || again.Current().ID != "key-2" {
		t.Fatalf("reload: %v %v", again, err)
	}
	is2, _ := NewIssuer(is.Base, is.Name, again)
	doc := is2.Document()
	if len(doc.VerificationMethod) != 2 || len(doc.AssertionMethod) != 2 {
		t.Fatalf("document keys: %+v", doc)
	}
	v, err := Verify(old, &doc)
	if err != nil || v.KeyID != is.DID+"#key-1" {
		t.Errorf("old credential after rotation: %v %v", v, err)
	}
	fresh, _ := is2.Sign(sample(is2))
	if v, err := Verify(fresh, &doc); err != nil || v.KeyID != is.DID+"#key-2" {
		t.Errorf("new credential: %v %v", v, err)
	}
	if !VerifyCode(&doc, "08938500000019", "", "L1", "S1", oldCode) {
		t.Error("a label signed before the rotation no longer verifies")
	}
	if info, _ := os.Stat(path); info.Mode().Perm() != 0o600 {
		t.Errorf("key file mode %v", info.Mode().Perm())
	}
}

func TestBadKeyFiles(t *testing.T) {
	for name, body := range map[string]string{
		"empty":     "",
		"fields":    "key-1 2026-01-01T00:00:00Z\n",
		"seed":      "key-1 2026-01-01T00:00:00Z bm90IGEgc2VlZA==\n",
		"time":      "key-1 yesterday " + base64.StdEncoding.EncodeToString(make([]byte, 32)) + "\n",
		"duplicate": "key-1 2026-01-01T00:00:00Z " + base64.StdEncoding.EncodeToString(make([]byte, 32)) + "\nkey-1 2026-01-02T00:00:00Z " + base64.StdEncoding.EncodeToString(make([]byte, 32)) + "\n",
	} {
		path := filepath.Join(t.TempDir(), KeyFileName)
		os.WriteFile(path, []byte(body), 0o600)
		if _, err := LoadKeyring(path, t0); err == nil {
			t.Errorf("%s: loaded", name)
		}
	}
}

func TestBitstringStatusList(t *testing.T) {
	b := NewBitstring(10)
	if b.Len() != MinListBits {
		t.Fatalf("len %d", b.Len())
	}
	b.Set(0)
	b.Set(9)
	b.Set(MinListBits - 1)
	if b[0] != 0x80 || b[1] != 0x40 || b[len(b)-1] != 0x01 {
		t.Fatalf("bit order: first bytes %08b %08b, last %08b (index 0 is the most significant bit)", b[0], b[1], b[len(b)-1])
	}
	enc := b.Encode()
	if !strings.HasPrefix(enc, "u") || strings.ContainsAny(enc, "+/=") {
		t.Fatalf("encodedList %q is not multibase base64url", enc[:10])
	}
	got, err := DecodeBitstring(enc)
	if err != nil {
		t.Fatal(err)
	}
	for i, want := range map[int]bool{0: true, 1: false, 8: false, 9: true, MinListBits - 1: true} {
		if set, _ := got.Get(i); set != want {
			t.Errorf("bit %d = %v", i, set)
		}
	}
	if _, err := got.Get(MinListBits); err == nil {
		t.Error("an index past the end read")
	}
	for _, bad := range []string{"", "z123", "u***", "u" + base64.RawURLEncoding.EncodeToString([]byte("plain"))} {
		if _, err := DecodeBitstring(bad); err == nil {
			t.Errorf("DecodeBitstring(%q) passed", bad)
		}
	}
}

func TestStatusCheck(t *testing.T) {
	is := newIssuer(t, t.TempDir(), t0)
	doc := is.Document()
	tok, _ := is.Sign(sample(is)) // index 7
	v, _ := Verify(tok, &doc)

	revoked, suspended := NewBitstring(0), NewBitstring(0)
	suspended.Set(7)
	lists := map[string]*StatusList{}
	for purpose, bits := range map[string]Bitstring{PurposeRevocation: revoked, PurposeSuspension: suspended} {
		ltok, err := is.Sign(is.StatusListCredential(purpose, bits, t0))
		if err != nil {
			t.Fatal(err)
		}
		l, err := ParseStatusList(ltok, &doc)
		if err != nil {
			t.Fatal(err)
		}
		lists[l.URL] = l
	}
	res, err := CheckStatus(v, lists)
	if err != nil || len(res) != 2 {
		t.Fatalf("status: %v %v", res, err)
	}
	for _, r := range res {
		if r.Index != 7 || r.Set != (r.Purpose == PurposeSuspension) {
			t.Errorf("status %+v", r)
		}
	}
	delete(lists, is.StatusListURL(PurposeRevocation))
	if _, err := CheckStatus(v, lists); err == nil {
		t.Error("a missing list was not an error")
	}
	// A list credential is not accepted as the credential of another purpose.
	if _, err := ParseStatusList(tok, &doc); err == nil {
		t.Error("a conformity credential parsed as a status list")
	}
}

func TestCodeSignature(t *testing.T) {
	is := newIssuer(t, t.TempDir(), t0)
	doc := is.Document()
	sig := is.SignCode("08938500000019", "", "CF-2026/01", "K7Q2")
	if len(sig) != 86 || strings.ContainsAny(sig, "+/=") {
		t.Fatalf("AI 8030 value %q (%d chars): want 86 URI-safe base64 characters (GS1 allows 90)", sig, len(sig))
	}
	if !VerifyCode(&doc, "08938500000019", "", "CF-2026/01", "K7Q2", sig) {
		t.Fatal("a genuine code did not verify")
	}
	for name, c := range map[string][4]string{
		"serial": {"08938500000019", "", "CF-2026/01", "K7Q3"},
		"lot":    {"08938500000019", "", "CF-2026/02", "K7Q2"},
		"gtin":   {"08938500000026", "", "CF-2026/01", "K7Q2"},
		"moved":  {"08938500000019", "", "CF-2026/01K7Q2", ""},
	} {
		if VerifyCode(&doc, c[0], c[1], c[2], c[3], sig) {
			t.Errorf("%s changed: still verified", name)
		}
	}
	if VerifyCode(&doc, "08938500000019", "", "CF-2026/01", "K7Q2", sig[:85]) || VerifyCode(&doc, "08938500000019", "", "CF-2026/01", "K7Q2", "!!") {
		t.Error("a broken signature verified")
	}
	if got := ElementString("08938500000019", "", "L1", "S1"); got != "0108938500000019"+"10L1\x1d"+"21S1" {
		t.Errorf("element string %q", got)
	}
}
