package lookup_test

import (
	"encoding/json"
	"html"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/gofiber/fiber/v2"

	"github.com/tracereg/tracereg/lookup"
	"github.com/tracereg/tracereg/registry/credential"
)

// verdictOf reads the verdict block of a lot page's JSON.
func verdictOf(t *testing.T, app *fiber.App, target string) (sig string, lines map[string]string, level string) {
	t.Helper()
	r := do(t, app, "GET", target, "Accept", "application/json")
	wantStatus(t, r, 200)
	var p struct {
		CodeSignature string `json:"code_signature"`
		Verdict       struct {
			Level string `json:"level"`
			Lines []struct{ Kind, Level, Text string }
		} `json:"verdict"`
	}
	if err := json.Unmarshal([]byte(r.Body), &p); err != nil {
		t.Fatal(err)
	}
	lines = map[string]string{}
	for _, l := range p.Verdict.Lines {
		lines[l.Kind] = l.Level
	}
	return p.CodeSignature, lines, p.Verdict.Level
}

func TestSignedLabelsVerifyOnThePageAndOffline(t *testing.T) {
	e := newEnv(t, demoNow)
	roasted := e.batch(e.demo.RoastedBatchID)
	app, _ := e.mount(lookup.Config{Authorize: func(*fiber.Ctx, string) error { return nil }, SignLabels: true})
	r := do(t, app, "POST", "/labels/"+roasted.ShortCode+"?n=2")
	wantStatus(t, r, 200)
	uris := regexp.MustCompile(`data-uri="([^"]+)"`).FindAllStringSubmatch(r.Body, -1)
	if len(uris) != 2 {
		t.Fatalf("%d labels with a URI", len(uris))
	}
	raw := html.UnescapeString(uris[0][1])
	u, err := url.Parse(raw)
	if err != nil {
		t.Fatal(err)
	}
	sig := u.Query().Get(credential.AISignature)
	if len(sig) != 86 || !strings.HasPrefix(raw, testBase+"/01/"+e.roastedGTIN()+"/10/") {
		t.Fatalf("label URI %q: want a Digital Link with an 8030 signature", raw)
	}
	serial := strings.TrimPrefix(u.Path[strings.LastIndex(u.Path, "/21/"):], "/21/")

	// The resolver passes the signature on to the page, which checks it.
	res := do(t, app, "GET", strings.TrimPrefix(raw, testBase))
	wantStatus(t, res, 307)
	loc := res.Header.Get("Location")
	if !strings.Contains(loc, credential.AISignature+"="+sig) {
		t.Fatalf("the resolver dropped the signature: %s", loc)
	}
	got, lines, _ := verdictOf(t, app, strings.TrimPrefix(loc, testBase))
	if got != "valid" || lines["signature"] != "ok" {
		t.Fatalf("genuine code: signature %q, verdict %v", got, lines)
	}
	// The same signature on another serial is a forgery: the verdict says so first.
	forged := e.lotPage() + "/FAKE" + serial[:4] + "?8030=" + sig
	got, lines, level := verdictOf(t, app, forged)
	if got != "invalid" || lines["signature"] != "bad" || level != "bad" {
		t.Fatalf("forged code: signature %q, verdict %v (level %s)", got, lines, level)
	}
	page := do(t, app, "GET", forged).Body
	wantContains(t, page, "không do hệ thống cấp")
	// Unsigned codes keep working, with no signature line.
	if got, lines, _ := verdictOf(t, app, e.lotPage()+"/"+serial); got != "" || lines["signature"] != "" {
		t.Errorf("unsigned code: %q %v", got, lines)
	}

	// Offline: the DID document alone tells the genuine code from the forged one.
	doc, err := credential.ParseDIDDocument([]byte(do(t, app, "GET", "/.well-known/did.json").Body))
	if err != nil {
		t.Fatal(err)
	}
	lot := roasted.LotCode
	if !credential.VerifyCode(doc, e.roastedGTIN(), "", lot, serial, sig) || credential.VerifyCode(doc, e.roastedGTIN(), "", lot, "FAKE"+serial[:4], sig) {
		t.Error("the offline check does not tell genuine from forged")
	}
	// Without SignLabels the labels are plain Digital Links, as before.
	plain, _ := e.mount(lookup.Config{Authorize: func(*fiber.Ctx, string) error { return nil }})
	if b := do(t, plain, "POST", "/labels/"+roasted.ShortCode+"?n=1").Body; strings.Contains(b, "8030=") {
		t.Error("an unsigned sheet carries signatures")
	}
}
