package main

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/tracereg/tracereg/registry/credential"
)

func httpGet(t *testing.T, u string) string {
	t.Helper()
	res, err := http.Get(u)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	if res.StatusCode != 200 {
		t.Fatalf("GET %s: %d %s", u, res.StatusCode, b)
	}
	return string(b)
}

func verifyRun(args ...string) (string, error) {
	var out bytes.Buffer
	err := run(context.Background(), append([]string{"verify"}, args...), func(string) string { return "" }, &out, io.Discard)
	return out.String(), err
}

// TestVerifyCredentialsOnlineOfflineAndAcrossRotation downloads a demo
// certificate's credential from a served registry and checks it the way an
// outside verifier would: resolving the did:web, then offline from saved
// files, then after a key rotation and restart.
func TestVerifyCredentialsOnlineOfflineAndAcrossRotation(t *testing.T) {
	data := shortTempDir(t) + "/data"
	port := strconv.Itoa(freePort(t))
	getenv := env("TRACEREG_DATA", data, "PORT", port, "TRACEREG_ADMIN_PASSWORD", "correct-horse-battery")
	s := startServer(t, getenv, "--demo")
	base := "http://localhost:" + port
	credURL := s.url + "/c/VG-DEMO-2025-0117/credential"
	tok := httpGet(t, credURL)

	out, err := verifyRun(credURL)
	if err != nil || !strings.Contains(out, "result: VALID") || !strings.Contains(out, "did:web:localhost%3A"+port+"#key-1") {
		t.Fatalf("online verify: %v\n%s", err, out)
	}

	// Offline: the credential, the DID document and both lists as files.
	dir := t.TempDir()
	save := func(name, body string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(body), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	credFile := save("cred.jwt", tok)
	didFile := save("did.json", httpGet(t, s.url+"/.well-known/did.json"))
	revFile := save("rev.jwt", httpGet(t, s.url+"/credentials/status/revocation"))
	susFile := save("sus.jwt", httpGet(t, s.url+"/credentials/status/suspension"))
	out, err = verifyRun("--offline", "--did", didFile, "--status", revFile, "--status", susFile, credFile)
	if err != nil || !strings.Contains(out, "revoked: no") || !strings.Contains(out, "suspended: no") {
		t.Fatalf("offline verify: %v\n%s", err, out)
	}
	// Offline without the lists is refused rather than guessed.
	if out, err := verifyRun("--offline", "--did", didFile, credFile); err == nil {
		t.Fatalf("offline with no status lists passed:\n%s", out)
	}
	// After its expiry the same credential is genuine but not in force.
	if out, err := verifyRun("--offline", "--did", didFile, "--status", revFile, "--status", susFile, "--at", "2030-01-01T00:00:00Z", credFile); err == nil ||
		!strings.Contains(out, "NOT IN FORCE") || !strings.Contains(err.Error(), "expired") {
		t.Fatalf("after expiry: %v\n%s", err, out)
	}
	// A changed byte breaks it.
	forged := save("forged.jwt", tok[:len(tok)-3]+map[bool]string{true: "AAA", false: "BBB"}[!strings.HasSuffix(tok, "AAA")])
	if out, err := verifyRun("--offline", "--did", didFile, "--status", revFile, "--status", susFile, forged); err == nil {
		t.Fatalf("a forged credential verified:\n%s", out)
	}

	// A label code: genuine and forged, with the DID document only.
	keys, err := credential.LoadKeyring(filepath.Join(data, credential.KeyFileName), time.Now())
	if err != nil {
		t.Fatal(err)
	}
	is, _ := credential.NewIssuer(base, IssuerName, keys)
	sig := is.SignCode("08938500000010", "", "RB2026-01", "K7Q2M9")
	code := base + "/01/08938500000010/10/RB2026-01/21/K7Q2M9?8030=" + sig
	if out, err := verifyRun("--offline", "--did", didFile, code); err != nil || !strings.Contains(out, "GENUINE") {
		t.Fatalf("genuine code: %v\n%s", err, out)
	}
	if out, err := verifyRun("--offline", "--did", didFile, strings.Replace(code, "K7Q2M9", "K7Q2M8", 1)); err == nil || !strings.Contains(out, "NOT GENUINE") {
		t.Fatalf("forged code: %v\n%s", err, out)
	}
	if _, err := verifyRun("--offline", "--did", didFile, base+"/01/08938500000010/10/RB2026-01"); err == nil || !strings.Contains(err.Error(), "8030") {
		t.Fatalf("unsigned code: %v", err)
	}
	s.stop(t)

	// Rotation: a new key signs after the restart; the old credential still verifies.
	var rot bytes.Buffer
	if err := run(context.Background(), []string{"credential-key", "rotate"}, getenv, &rot, io.Discard); err != nil || !strings.Contains(rot.String(), "key-2 now signs") {
		t.Fatalf("rotate: %v %s", err, rot.String())
	}
	s = startServer(t, getenv)
	defer s.stop(t)
	if out, err := verifyRun(credFile); err != nil || !strings.Contains(out, "#key-1") || !strings.Contains(out, "VALID") {
		t.Fatalf("old credential after rotation: %v\n%s", err, out)
	}
	if out, err := verifyRun(credURL); err != nil || !strings.Contains(out, "#key-2") {
		t.Fatalf("new credential after rotation: %v\n%s", err, out)
	}
	// Bad usage names what is missing.
	for _, args := range [][]string{{}, {"--at", "yesterday", credFile}, {"--offline", credURL}, {filepath.Join(dir, "missing.jwt")}} {
		if _, err := verifyRun(args...); err == nil {
			t.Errorf("verify %v passed", args)
		}
	}
}
