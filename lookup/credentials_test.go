package lookup_test

import (
	"context"
	"net/url"
	"strings"
	"testing"

	"github.com/tracereg/tracereg/registry"
	"github.com/tracereg/tracereg/registry/credential"
	"github.com/tracereg/tracereg/registry/demodata"
)

const demoVietGAP = "VG-DEMO-2025-0117"

// verifier fetches what an outside verifier needs: the DID document and the
// two status lists, over the public routes.
type verifier struct {
	doc   *credential.DIDDocument
	lists map[string]*credential.StatusList
}

func (e *env) verifier(t *testing.T) *verifier {
	t.Helper()
	r := do(t, e.app, "GET", "/.well-known/did.json")
	wantStatus(t, r, 200)
	if ct := r.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/did+json") {
		t.Errorf("DID document Content-Type %q", ct)
	}
	if r.Header.Get("Access-Control-Allow-Origin") != "*" {
		t.Error("the DID document is not readable from other origins")
	}
	doc, err := credential.ParseDIDDocument([]byte(r.Body))
	if err != nil {
		t.Fatal(err)
	}
	if doc.ID != "did:web:truyxuat.test" {
		t.Fatalf("DID %q, want did:web of the public base URL", doc.ID)
	}
	v := &verifier{doc: doc, lists: map[string]*credential.StatusList{}}
	for _, p := range credential.Purposes {
		r := do(t, e.app, "GET", "/credentials/status/"+p)
		wantStatus(t, r, 200)
		l, err := credential.ParseStatusList(r.Body, doc)
		if err != nil {
			t.Fatalf("status list %s: %v", p, err)
		}
		if l.Purpose != p || l.URL != testBase+"/credentials/status/"+p {
			t.Fatalf("list %+v", l)
		}
		v.lists[l.URL] = l
	}
	return v
}

// check verifies a downloaded credential and reads its two statuses.
func (v *verifier) check(t *testing.T, tok string) (*credential.Verified, map[string]bool) {
	t.Helper()
	got, err := credential.Verify(tok, v.doc)
	if err != nil {
		t.Fatalf("verify: %v", err)
	}
	res, err := credential.CheckStatus(got, v.lists)
	if err != nil || len(res) != 2 {
		t.Fatalf("status: %v %v", res, err)
	}
	set := map[string]bool{}
	for _, r := range res {
		set[r.Purpose] = r.Set
	}
	return got, set
}

func download(t *testing.T, e *env, path string) string {
	t.Helper()
	r := do(t, e.app, "GET", path)
	wantStatus(t, r, 200)
	if ct := r.Header.Get("Content-Type"); ct != credential.MediaType {
		t.Fatalf("Content-Type %q", ct)
	}
	if !strings.HasPrefix(r.Header.Get("Content-Disposition"), "attachment;") {
		t.Errorf("not a download: %q", r.Header.Get("Content-Disposition"))
	}
	return r.Body
}

func TestCertificateCredentialFollowsSuspensionAndWithdrawal(t *testing.T) {
	e := newEnv(t, demoNow)
	tok := download(t, e, "/c/"+demoVietGAP+"/credential")
	v := e.verifier(t)
	got, status := v.check(t, tok)
	if !got.Is("DigitalConformityCredential") || status["revocation"] || status["suspension"] {
		t.Fatalf("types %v, status %v", got.Types, status)
	}
	if err := got.ActiveAt(demoNow); err != nil {
		t.Errorf("a valid certificate's credential: %v", err)
	}
	sub := got.Credential["credentialSubject"].(map[string]any)
	party := sub["issuedToParty"].(map[string]any)
	if party["registeredId"] != demodata.CoopTaxCode || sub["attestationType"] != "certification" || sub["assessmentLevel"] != "Accredited" || sub["assessorLevel"] != "3rdParty" {
		t.Errorf("subject %v", sub)
	}
	as := sub["assessment"].([]any)[0].(map[string]any)
	if as["referenceStandard"].(map[string]any)["name"] != "TCVN 11892-1:2017" || as["conformance"] != true {
		t.Errorf("assessment %v", as)
	}
	if got.Credential["validUntil"] != "2028-01-09T16:59:59Z" && !strings.HasSuffix(got.Credential["validUntil"].(string), "16:59:59Z") {
		t.Errorf("validUntil %v: the end of the expiry day in Vietnam", got.Credential["validUntil"])
	}
	// The same body code picks the same certificate; another body has none.
	wantStatus(t, do(t, e.app, "GET", "/c/"+demoVietGAP+"/credential?body="+demodata.BodyCode), 200)
	wantStatus(t, do(t, e.app, "GET", "/c/"+demoVietGAP+"/credential?body=OTHER"), 404)

	// The agency suspends it: the credential already downloaded shows it
	// through the list, without asking about this credential.
	ctx := context.Background()
	certs, _ := e.db.FindCertificatesByNumber(ctx, demoVietGAP)
	c := certs[0]
	if _, err := e.db.ChangeCertificateStatus(ctx, c.ID, c.Version, registry.StatusChange{Status: registry.CertSuspended, Reason: "kiểm tra đột xuất", On: "2026-11-27"}); err != nil {
		t.Fatal(err)
	}
	e.lk.InvalidateAll()
	if _, status = e.verifier(t).check(t, tok); !status["suspension"] || status["revocation"] {
		t.Fatalf("after the suspension: %v", status)
	}
	c, _ = e.db.FindCertificate(ctx, c.ID)
	if _, err := e.db.ChangeCertificateStatus(ctx, c.ID, c.Version, registry.StatusChange{Status: registry.CertWithdrawn, Reason: "vi phạm", On: "2026-11-27"}); err != nil {
		t.Fatal(err)
	}
	e.lk.InvalidateAll()
	if _, status = e.verifier(t).check(t, tok); !status["revocation"] {
		t.Fatalf("after the withdrawal: %v", status)
	}
	// A credential downloaded now says so itself too, and keeps its position.
	again, _ := e.verifier(t).check(t, download(t, e, "/c/"+demoVietGAP+"/credential"))
	as = again.Credential["credentialSubject"].(map[string]any)["assessment"].([]any)[0].(map[string]any)
	if as["conformance"] != false {
		t.Error("a withdrawn certificate's credential claims conformance")
	}
	if again.Credential["credentialStatus"].([]any)[0].(map[string]any)["statusListIndex"] != got.Credential["credentialStatus"].([]any)[0].(map[string]any)["statusListIndex"] {
		t.Error("the certificate's status position moved")
	}
}

func TestLotPassportAndAnnouncementCredential(t *testing.T) {
	e := newEnv(t, demoNow)
	roasted := e.batch(e.demo.RoastedBatchID)
	// The lot and certificate pages offer the downloads.
	wantContains(t, do(t, e.app, "GET", e.lotPage()).Body, `href="/l/`+roasted.ShortCode+`/credential" id="lot-credential"`, `href="/kiem-tra-ma"`)
	wantContains(t, do(t, e.app, "GET", "/c/"+demoVietGAP).Body, `href="/c/`+demoVietGAP+`/credential?body=`+demodata.BodyCode+`" class="credential"`)
	tok := download(t, e, "/l/"+roasted.ShortCode+"/credential")
	v := e.verifier(t)
	got, status := v.check(t, tok)
	if !got.Is("DigitalProductPassport") || status["suspension"] {
		t.Fatalf("types %v status %v", got.Types, status)
	}
	sub := got.Credential["credentialSubject"].(map[string]any)
	product := sub["product"].(map[string]any)
	if product["id"] != testBase+"/01/"+e.roastedGTIN()+"/10/"+demodata.RoastedLot || product["batchNumber"] != demodata.RoastedLot ||
		product["producedByParty"].(map[string]any)["registeredId"] != demodata.RoasterTaxCode {
		t.Errorf("product %v", product)
	}
	trace, _ := sub["traceabilityInformation"].([]any)
	if len(trace) == 0 {
		t.Fatal("the passport carries no traceability events")
	}
	links := 0
	for _, step := range trace {
		for _, ev := range step.(map[string]any)["traceabilityEvent"].([]any) {
			links++
			if !strings.HasPrefix(ev.(map[string]any)["linkURL"].(string), testBase+"/l/"+roasted.ShortCode+"/epcis#") {
				t.Errorf("event link %v", ev)
			}
		}
	}
	evs, _ := e.db.ListBatchEvents(context.Background(), roasted.ID)
	if links < len(evs) {
		t.Errorf("%d event links for the lot's own %d events", links, len(evs))
	}
	claims, _ := sub["conformityClaim"].([]any)
	var hasCert, hasAnn bool
	for _, c := range claims {
		link := c.(map[string]any)["conformityEvidence"].(map[string]any)["linkURL"].(string)
		hasCert = hasCert || strings.Contains(link, "/c/")
		hasAnn = hasAnn || strings.Contains(link, "receipt=")
	}
	if !hasAnn {
		t.Errorf("the hợp quy announcement is not claimed: %v", claims)
	}
	if !hasCert {
		// The roasted lot's page shows the green lot's VietGAP and 4C: so does its passport.
		t.Errorf("no certificate is claimed: %v", claims)
	}

	// The announcement's own credential, at the link the passport gives.
	ann := download(t, e, "/credentials/announcement?receipt="+url.QueryEscape(demodata.ReceiptNumber))
	a, st := v.check(t, ann)
	as := a.Credential["credentialSubject"].(map[string]any)["assessment"].([]any)[0].(map[string]any)
	asub := a.Credential["credentialSubject"].(map[string]any)
	if kind := asub["attestationType"]; kind != "certification" && kind != "declaration" { // UNTP's values
		t.Errorf("attestationType %v", kind)
	}
	if !a.Is("DigitalConformityCredential") || st["revocation"] || as["referenceRegulation"] == nil {
		t.Fatalf("announcement credential %v %v", a.Credential, st)
	}

	// A recall shows on the passport already handed out.
	if _, err := registry.RecallBatch(context.Background(), e.db, roasted, registry.RecallOrder{Reason: "nấm mốc", On: "2026-11-27"}, "thanh tra", demoNow); err != nil {
		t.Fatal(err)
	}
	e.lk.InvalidateAll()
	if _, status = e.verifier(t).check(t, tok); !status["suspension"] {
		t.Fatalf("a recalled lot's passport: %v", status)
	}
}

func TestCredentialBadRequests(t *testing.T) {
	e := newEnv(t, demoNow)
	green := e.batch(e.demo.GreenBatchID)
	for path, want := range map[string]int{
		"/credentials/status/expiry":                                    404,
		"/credentials/status/":                                          404,
		"/c/NO-SUCH-NUMBER/credential":                                  404,
		"/l/zzzzzzzz/credential":                                        404,
		"/l/" + strings.Repeat("x", 300) + "/credential":                404,
		"/credentials/announcement":                                     422,
		"/credentials/announcement?receipt=99/2026/TBTN-XX":             404,
		"/credentials/announcement?receipt=" + strings.Repeat("1", 101): 422,
		"/l/" + green.ShortCode + "/credential":                         200,
	} {
		r := do(t, e.app, "GET", path)
		if r.Status != want {
			t.Errorf("GET %s = %d, want %d: %.200s", path, r.Status, want, r.Body)
		}
		if want == 422 && !strings.Contains(r.Body, "receipt") {
			t.Errorf("GET %s: the error names no field: %s", path, r.Body)
		}
	}
	// A draft lot has no public page, so no passport.
	ctx := context.Background()
	p, _ := e.db.FindProduct(ctx, green.ProductID)
	draft := &registry.Batch{EnterpriseID: green.EnterpriseID, ProductID: p.ID, LotCode: "DRAFT-VC", Quantity: 5, Unit: "kg", Status: registry.BatchDraft}
	if err := e.db.CreateBatch(ctx, draft); err != nil {
		t.Fatal(err)
	}
	wantStatus(t, do(t, e.app, "GET", "/l/"+draft.ShortCode+"/credential"), 404)
}
