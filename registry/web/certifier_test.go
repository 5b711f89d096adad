package web_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/tracereg/tracereg/registry"
	"github.com/tracereg/tracereg/registry/demodata"
)

const demoVietGAP = "VG-DEMO-2025-0117"

// demoCert returns the demo certificate with that number.
func demoCert(t *testing.T, e *env, number string) *registry.Certificate {
	t.Helper()
	certs, err := e.db.FindCertificatesByNumber(context.Background(), number)
	if err != nil || len(certs) != 1 {
		t.Fatalf("certificate %s: %v %d", number, err, len(certs))
	}
	return certs[0]
}

// countCerts counts every certificate and document record.
func countRecords(t *testing.T, e *env) (certs, docs int) {
	t.Helper()
	ctx := context.Background()
	page := registry.Page{Limit: registry.MaxPageLimit}
	cs, _, err := e.db.ListCertificates(ctx, registry.CertificateFilter{Page: page})
	if err != nil {
		t.Fatal(err)
	}
	ds, _, err := e.db.ListDocuments(ctx, registry.DocumentFilter{Page: page})
	if err != nil {
		t.Fatal(err)
	}
	return len(cs), len(ds)
}

// fieldErrorIn returns the text of the element with that id (up to its closing div).
func fieldErrorIn(body, id string) string {
	m := regexp.MustCompile(`(?s)id="` + regexp.QuoteMeta(id) + `">(.*?)</div>`).FindStringSubmatch(body)
	if m == nil {
		return ""
	}
	return m[1]
}

func TestCertifierHomeAndList(t *testing.T) {
	e := newEnv(t)
	c := e.as(asCertifier)
	home := c.get("/w/")
	wantStatus(t, "home", home, http.StatusOK)
	wantContains(t, "home", home.body, `data-count="active">2<`, `data-count="total">2<`, "Tổ chức Chứng nhận Tây Nguyên", `href="/w/certificates/new"`)

	list := c.get("/w/certificates")
	wantStatus(t, "list", list, http.StatusOK)
	wantContains(t, "list", list.body, demoVietGAP, "4C-DEMO-2024-0042", demodata.CoopTaxCode)

	byNumber := c.get("/w/certificates?q=" + demoVietGAP)
	wantContains(t, "by number", byNumber.body, demoVietGAP)
	if strings.Contains(byNumber.body, "4C-DEMO-2024-0042") {
		t.Error("search by number lists another certificate")
	}
	byTax := c.get("/w/certificates?q=" + demodata.CoopTaxCode)
	wantContains(t, "by tax code", byTax.body, demoVietGAP, "4C-DEMO-2024-0042")
	unknown := c.get("/w/certificates?q=6009999999")
	wantContains(t, "unknown tax code", unknown.body, `id="no-holder"`)
	byScheme := c.get("/w/certificates?scheme=4C")
	wantContains(t, "by scheme", byScheme.body, "4C-DEMO-2024-0042")
	if strings.Contains(byScheme.body, demoVietGAP) {
		t.Error("scheme filter lists a VietGAP certificate")
	}

	// Another body sees none of them in its own list.
	other := e.as(asCertifier2).get("/w/certificates")
	wantStatus(t, "other body's list", other, http.StatusOK)
	wantContains(t, "other body's list", other.body, `id="none-found"`)
}

// issueForm is a complete, valid issue form for the demo cooperative.
func issueForm(t *testing.T, e *env) url.Values {
	t.Helper()
	ctx := context.Background()
	products, _, err := e.db.ListProducts(ctx, registry.ProductFilter{EnterpriseID: e.demo.CoopID})
	if err != nil || len(products) == 0 {
		t.Fatalf("coop products: %v", err)
	}
	sites, _, err := e.db.ListFacilities(ctx, registry.FacilityFilter{EnterpriseID: e.demo.CoopID})
	if err != nil || len(sites) == 0 {
		t.Fatalf("coop sites: %v", err)
	}
	return url.Values{"tax_code": {demodata.CoopTaxCode}, "number": {"VG-NEW-2026-0001"}, "scheme": {"VietGAP"},
		"standard": {"TCVN 11892-1:2017"}, "scope_product_ids": {products[0].ID}, "scope_facility_ids": {sites[0].ID, sites[1].ID},
		"scope_text": {"Trồng trọt cà phê"}, "original_issue": {"2026-03-01"}, "issued_on": {"2026-03-05"}, "expires_on": {"2029-03-04"}}
}

func TestCertifierIssuesACertificate(t *testing.T) {
	e := newEnv(t)
	c := e.as(asCertifier)
	step1 := c.get("/w/certificates/new?tax_code=" + demodata.CoopTaxCode)
	wantStatus(t, "find holder", step1, http.StatusOK)
	wantContains(t, "find holder", step1.body, "Hợp tác xã Cà phê Bền vững Ea Tiêu", `name="scope_product_ids"`, `name="scope_facility_ids"`,
		"Vườn cà phê Ea Tiêu A", `id="issue-form"`, `enctype="multipart/form-data"`)

	form := issueForm(t, e)
	pdf := minimalPDF("certificate VG-NEW-2026-0001")
	res := c.postMultipart("/w/certificates/new", form, upload{"document", "vg-new.pdf", pdf})
	wantStatus(t, "issue", res, http.StatusSeeOther)
	cert := demoCert(t, e, "VG-NEW-2026-0001")
	if cert.BodyID != e.body.ID || cert.HolderID != e.demo.CoopID || cert.DocumentID == "" || len(cert.ScopeFacilityIDs) != 2 ||
		cert.Status != registry.CertActive || cert.ExpiresOn != "2029-03-04" {
		t.Fatalf("stored certificate %+v", cert)
	}
	if res.location != "/w/certificates/"+cert.ID {
		t.Errorf("redirect to %s", res.location)
	}
	sum := sha256.Sum256(pdf)
	page := c.get(res.location)
	wantStatus(t, "certificate page", page, http.StatusOK)
	wantContains(t, "certificate page", page.body, "Đã cấp chứng nhận.", "VG-NEW-2026-0001", hex.EncodeToString(sum[:]),
		`data-status="active"`, "Vườn cà phê Ea Tiêu A", `id="suspend-form"`, `id="withdraw-form"`, "/w/certificates/"+cert.ID+"/document")
	doc := c.get("/w/certificates/" + cert.ID + "/document")
	wantStatus(t, "document", doc, http.StatusOK)
	if doc.body != string(pdf) || doc.header.Get("Content-Type") != "application/pdf" {
		t.Errorf("document %q %.40q", doc.header.Get("Content-Type"), doc.body)
	}
	// The holder's inspector and the province see the file; another body does not.
	wantStatus(t, "inspector reads the document", e.as(asInspector).get("/w/certificates/"+cert.ID+"/document"), http.StatusOK)
	wantStatus(t, "another body reads the document", e.as(asCertifier2).get("/w/certificates/"+cert.ID+"/document"), http.StatusNotFound)
	entries, _, err := e.db.ListAudit(context.Background(), registry.AuditFilter{TargetKind: registry.KindCertificate, TargetID: cert.ID})
	if err != nil || len(entries) != 1 || entries[0].Action != "certificate.create" || entries[0].Username != asCertifier {
		t.Errorf("audit %v %+v", err, entries)
	}
}

func TestCertifierIssueRefusesBadInput(t *testing.T) {
	// One env for every case: a case writes only after its refusal is checked, under its own number.
	e := newEnv(t)
	c := e.as(asCertifier)
	pdf := minimalPDF("certificate")
	png := []byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x02\x00\x00\x00\x90wS\xde")
	for i, tc := range []struct {
		name    string
		change  func(url.Values)
		file    *upload
		errID   string // the element beside the field
		message string
		kept    bool // the PDF is offered again
	}{
		{"unknown tax code", func(v url.Values) { v.Set("tax_code", "6009999999") }, &upload{"document", "c.pdf", pdf},
			"tax_code-err", "Không có doanh nghiệp nào mang mã số thuế này", true},
		{"malformed tax code", func(v url.Values) { v.Set("tax_code", "12ab") }, &upload{"document", "c.pdf", pdf},
			"tax_code-err", "10 chữ số", true},
		{"expiry before issue", func(v url.Values) { v.Set("expires_on", "2026-01-01") }, &upload{"document", "c.pdf", pdf},
			"expires_on-err", "phải sau ngày cấp", true},
		{"missing PDF", func(url.Values) {}, nil, "document-err", "hãy đính kèm giấy chứng nhận", false},
		{"wrong file type", func(url.Values) {}, &upload{"document", "c.pdf", png}, "document-err", "", false},
		{"text file", func(url.Values) {}, &upload{"document", "c.pdf", []byte("just some text, not a PDF at all")}, "document-err", "", false},
	} {
		i := i
		t.Run(tc.name, func(t *testing.T) {
			number := fmt.Sprintf("VG-NEW-2026-%04d", i)
			c.get("/w/certificates/new?tax_code=" + demodata.CoopTaxCode)
			certsBefore, docsBefore := countRecords(t, e)
			form := issueForm(t, e)
			form.Set("number", number)
			tc.change(form)
			var files []upload
			if tc.file != nil {
				files = append(files, *tc.file)
			}
			res := c.postMultipart("/w/certificates/new", form, files...)
			wantStatus(t, tc.name, res, http.StatusUnprocessableEntity)
			beside := fieldErrorIn(res.body, tc.errID)
			if !strings.Contains(beside, "field-error") || !strings.Contains(beside, tc.message) {
				t.Errorf("beside %s: %q", tc.errID, beside)
			}
			wantContains(t, tc.name, res.body, `id="form-errors"`, `value="`+number+`"`, "Trồng trọt cà phê")
			if tc.kept {
				wantContains(t, tc.name, res.body, `name="document_staged"`, `id="document-staged"`)
			} else if strings.Contains(res.body, `name="document_staged"`) {
				t.Error("a refused file is offered again")
			}
			if certsAfter, docsAfter := countRecords(t, e); certsAfter != certsBefore || docsAfter != docsBefore {
				t.Errorf("written: certificates %d→%d, documents %d→%d", certsBefore, certsAfter, docsBefore, docsAfter)
			}
			if !tc.kept {
				return
			}
			// Fixing the field and sending only the staged token issues it.
			staged := regexp.MustCompile(`name="document_staged" value="([^"]+)"`).FindStringSubmatch(res.body)
			fixed := issueForm(t, e)
			fixed.Set("number", number)
			fixed.Set("document_staged", staged[1])
			ok := c.postMultipart("/w/certificates/new", fixed)
			wantStatus(t, "resubmitted", ok, http.StatusSeeOther)
			c.get(ok.location)
			cert := demoCert(t, e, number)
			doc, err := e.db.FindDocument(context.Background(), cert.DocumentID)
			sum := sha256.Sum256(pdf)
			if err != nil || doc.Blob.SHA256 != hex.EncodeToString(sum[:]) || doc.BodyID != e.body.ID {
				t.Errorf("document %v %+v", err, doc)
			}
		})
	}
}

func TestCertifierIssueRefusesATakenNumber(t *testing.T) {
	e := newEnv(t)
	c := e.as(asCertifier)
	c.get("/w/certificates/new?tax_code=" + demodata.CoopTaxCode)
	form := issueForm(t, e)
	form.Set("number", demoVietGAP)
	certs, docs := countRecords(t, e)
	res := c.postMultipart("/w/certificates/new", form, upload{"document", "c.pdf", minimalPDF("dup")})
	wantStatus(t, "taken number", res, http.StatusUnprocessableEntity)
	wantContains(t, "taken number", res.body, "đã cấp một chứng nhận mang số này")
	if c2, d2 := countRecords(t, e); c2 != certs || d2 != docs {
		t.Errorf("written: %d→%d certificates, %d→%d documents", certs, c2, docs, d2)
	}
}

func TestCertifierUnknownTaxCodeOnFirstStep(t *testing.T) {
	e := newEnv(t)
	c := e.as(asCertifier)
	res := c.get("/w/certificates/new?tax_code=6009999999")
	wantStatus(t, "unknown tax code", res, http.StatusUnprocessableEntity)
	wantContains(t, "unknown tax code", res.body, `id="holder-form"`, `value="6009999999"`, `aria-invalid="true"`, "Không có doanh nghiệp nào mang mã số thuế này")
}

// decide posts a decision on the certificate.
func decide(c *client, cert *registry.Certificate, status, reason, on string, version int) response {
	return c.post("/w/certificates/"+cert.ID+"/status", url.Values{"status": {status}, "reason": {reason}, "on": {on},
		"version": {strconv.Itoa(version)}})
}

func TestCertifierSuspendsAndReinstates(t *testing.T) {
	e := newEnv(t)
	cert := demoCert(t, e, demoVietGAP)
	c := e.as(asCertifier)
	page := c.get("/w/certificates/" + cert.ID)
	wantStatus(t, "page", page, http.StatusOK)
	wantContains(t, "page", page.body, `id="suspend-form"`, `id="withdraw-form"`, `value="2026-03-10"`)
	res := decide(c, cert, registry.CertSuspended, "Vi phạm quy trình sử dụng thuốc BVTV", "2026-03-10", cert.Version)
	wantStatus(t, "suspend", res, http.StatusSeeOther)
	after := demoCert(t, e, demoVietGAP)
	if st := after.StatusAt(e.clock.Now()); st.Status != registry.CertSuspended || st.Reason != "Vi phạm quy trình sử dụng thuốc BVTV" {
		t.Fatalf("status after suspension %+v", st)
	}
	page = c.get(res.location)
	wantContains(t, "suspended page", page.body, "Đã đình chỉ chứng nhận", `data-status="suspended"`, "Bị đình chỉ",
		"Vi phạm quy trình sử dụng thuốc BVTV", asCertifier, `id="reinstate-form"`)
	if strings.Contains(page.body, `id="suspend-form"`) {
		t.Error("a suspended certificate offers suspension")
	}
	res = decide(c, after, registry.CertActive, "Đã khắc phục", "2026-03-10", after.Version)
	wantStatus(t, "reinstate", res, http.StatusSeeOther)
	if st := demoCert(t, e, demoVietGAP).StatusAt(e.clock.Now()); st.Status != registry.CertActive {
		t.Errorf("after reinstatement %+v", st)
	}
	entries, _, _ := e.db.ListAudit(context.Background(), registry.AuditFilter{TargetKind: registry.KindCertificate, TargetID: cert.ID})
	var actions []string
	for _, x := range entries {
		actions = append(actions, x.Action)
	}
	if strings.Join(actions, ",") != "certificate.status.suspended,certificate.status.active" {
		t.Errorf("audit %v", actions)
	}
	// The inspector's certificate page shows the history and the audit entries.
	ins := e.as(asInspector).get("/w/certificates/" + cert.ID)
	wantStatus(t, "inspector page", ins, http.StatusOK)
	wantContains(t, "inspector page", ins.body, `id="cert-audit"`, "<td>Đình chỉ</td>", "<td>Khôi phục hiệu lực</td>",
		"Đã khắc phục", demodata.CoopTaxCode, "Cư Kuin", "Vườn cà phê Ea Tiêu A")
	if strings.Contains(ins.body, `id="cert-decide"`) {
		t.Error("an inspector is offered the decision forms")
	}
	en := c.get("/w/certificates/" + cert.ID + "?lang=en")
	wantContains(t, "in English", en.body, `<html lang="en">`, "Status history", "Suspended", "Issued", "Effective on")
}

func TestCertifierDecisionRefusals(t *testing.T) {
	e := newEnv(t)
	cert := demoCert(t, e, demoVietGAP)
	c := e.as(asCertifier)
	c.get("/w/certificates/" + cert.ID)
	unchanged := func(what string) {
		t.Helper()
		if now := demoCert(t, e, demoVietGAP); now.Version != cert.Version || now.Status != registry.CertActive {
			t.Errorf("%s changed the certificate: %s v%d", what, now.Status, now.Version)
		}
	}

	res := decide(c, cert, registry.CertSuspended, "", "2026-03-10", cert.Version)
	wantStatus(t, "no reason", res, http.StatusUnprocessableEntity)
	wantContains(t, "no reason", res.body, "cần nêu lý do", `id="suspend-form"`, `aria-invalid="true"`)
	unchanged("a suspension without a reason")

	res = decide(c, cert, registry.CertSuspended, "Lý do đủ dài", "10/03/2026", cert.Version)
	wantStatus(t, "bad date", res, http.StatusUnprocessableEntity)
	wantContains(t, "bad date", res.body, "Lý do đủ dài", "hãy chọn ngày quyết định có hiệu lực")
	unchanged("a bad date")

	res = decide(c, cert, "expired", "Lý do đủ dài", "2026-03-10", cert.Version)
	wantStatus(t, "unknown decision", res, http.StatusUnprocessableEntity)
	unchanged("an unknown decision")

	// Someone else changed it since the page was read.
	moved, err := e.db.ChangeCertificateStatus(registry.WithActor(context.Background(), registry.Actor{UserID: "x", Username: "other"}),
		cert.ID, cert.Version, registry.StatusChange{Status: registry.CertSuspended, Reason: "Quyết định khác", On: "2026-03-10"})
	if err != nil {
		t.Fatal(err)
	}
	res = decide(c, cert, registry.CertWithdrawn, "Thu hồi vì vi phạm", "2026-03-10", cert.Version)
	wantStatus(t, "stale", res, http.StatusConflict)
	wantContains(t, "stale", res.body, "Chứng nhận vừa được người khác thay đổi", `data-status="suspended"`, "Quyết định khác",
		`name="version" value="`+strconv.Itoa(moved.Version)+`"`)
	if now := demoCert(t, e, demoVietGAP); now.Version != moved.Version || now.Status != registry.CertSuspended {
		t.Errorf("a stale decision was written: %s v%d", now.Status, now.Version)
	}
}

func TestCertifierAuthorization(t *testing.T) {
	e := newEnv(t)
	cert := demoCert(t, e, demoVietGAP)
	other := e.as(asCertifier2)
	page := other.get("/w/certificates/" + cert.ID)
	wantStatus(t, "another body reads", page, http.StatusOK)
	wantContains(t, "another body reads", page.body, `id="other-body"`, demoVietGAP)
	for _, id := range []string{`id="cert-decide"`, `id="suspend-form"`, `id="cert-audit"`} {
		if strings.Contains(page.body, id) {
			t.Errorf("another body's certifier sees %s", id)
		}
	}
	wantStatus(t, "another body suspends", decide(other, cert, registry.CertSuspended, "Không phải của tôi", "2026-03-10", cert.Version), http.StatusForbidden)

	valid := url.Values{"tax_code": {demodata.CoopTaxCode}, "number": {"X-1"}, "scheme": {"VietGAP"}, "issued_on": {"2026-03-01"}, "expires_on": {"2027-03-01"}}
	for _, tc := range []struct {
		user, method, path string
		status             int
	}{
		{asCoop, "GET", "/w/certificates", http.StatusForbidden},
		{asCoop, "GET", "/w/certificates/" + cert.ID, http.StatusForbidden},
		{asCoop, "GET", "/w/certificates/" + cert.ID + "/document", http.StatusForbidden},
		{asCoop, "GET", "/w/certificates/new", http.StatusForbidden},
		{asCoop, "POST", "/w/certificates/new", http.StatusForbidden},
		{asCoop, "POST", "/w/certificates/" + cert.ID + "/status", http.StatusForbidden},
		{asRoaster, "POST", "/w/certificates/new", http.StatusForbidden},
		{asInspector, "GET", "/w/certificates/new", http.StatusForbidden},
		{asInspector, "POST", "/w/certificates/new", http.StatusForbidden},
		{asInspector, "POST", "/w/certificates/" + cert.ID + "/status", http.StatusForbidden},
		{asAdmin, "POST", "/w/certificates/new", http.StatusForbidden},
		{asAdmin, "POST", "/w/certificates/" + cert.ID + "/status", http.StatusForbidden},
		{asInspector, "GET", "/w/certificates/" + cert.ID, http.StatusOK},
		{asAdmin, "GET", "/w/certificates", http.StatusOK},
		{asCertifier, "GET", "/w/certificates/000000000000000000000000", http.StatusNotFound},
		{"", "GET", "/w/certificates/" + cert.ID, http.StatusSeeOther},
		{"", "GET", "/w/certificates/new", http.StatusSeeOther},
		{"", "POST", "/w/certificates/" + cert.ID + "/status", http.StatusUnauthorized},
	} {
		c := e.anon()
		if tc.user != "" {
			c = e.as(tc.user)
		}
		var res response
		if tc.method == "GET" {
			res = c.get(tc.path)
		} else {
			form := cloneValues(valid)
			form.Set("status", registry.CertSuspended)
			form.Set("reason", "Lý do đủ dài")
			form.Set("on", "2026-03-10")
			form.Set("version", strconv.Itoa(cert.Version))
			res = c.post(tc.path, form)
		}
		if res.status != tc.status {
			t.Errorf("%s %s %s: %d, want %d", tc.user, tc.method, tc.path, res.status, tc.status)
		}
	}
	if c, _ := countRecords(t, e); c != 2 {
		t.Errorf("%d certificates after refused writes", c)
	}
	if now := demoCert(t, e, demoVietGAP); now.Version != cert.Version {
		t.Errorf("refused decisions changed the certificate: v%d", now.Version)
	}
}

func TestCertifierFormsNeedCSRF(t *testing.T) {
	e := newEnv(t)
	cert := demoCert(t, e, demoVietGAP)
	c := e.as(asCertifier)
	c.get("/w/certificates/" + cert.ID)
	for _, token := range []string{"", "forged-token"} {
		form := url.Values{"status": {registry.CertSuspended}, "reason": {"Lý do đủ dài"}, "on": {"2026-03-10"},
			"version": {strconv.Itoa(cert.Version)}, "_csrf": {token}}
		wantStatus(t, "decision with _csrf "+token, c.post("/w/certificates/"+cert.ID+"/status", form), http.StatusForbidden)
		issue := issueForm(t, e)
		issue.Set("_csrf", token)
		wantStatus(t, "issue with _csrf "+token, c.postMultipart("/w/certificates/new", issue, upload{"document", "c.pdf", minimalPDF("x")}), http.StatusForbidden)
	}
	if now := demoCert(t, e, demoVietGAP); now.Version != cert.Version {
		t.Errorf("a forged decision changed the certificate: v%d", now.Version)
	}
	if n, _ := countRecords(t, e); n != 2 {
		t.Errorf("%d certificates after forged issues", n)
	}
}

func TestCertifierListPagesAndHomeShowsExpiring(t *testing.T) {
	e := newEnv(t)
	ctx := registry.WithActor(context.Background(), registry.Actor{UserID: "seed", Username: "seed"})
	// 26 more certificates of the body; today is 2026-03-10.
	for i := 0; i < 26; i++ {
		expires := "2030-01-01"
		switch i {
		case 0, 1:
			expires = "2026-03-20" // 10 days
		case 2:
			expires = "2026-04-24" // 45 days
		case 3:
			expires = "2026-06-08" // 90 days
		case 4:
			expires = "2026-06-09" // 91 days: not yet
		}
		c := &registry.Certificate{Number: fmt.Sprintf("P-%02d", i), Scheme: "ISO 9001", BodyID: e.body.ID, HolderID: e.demo.RoasterID,
			IssuedOn: "2024-01-01", ExpiresOn: registry.Date(expires)}
		if err := e.db.CreateCertificate(ctx, c); err != nil {
			t.Fatal(err)
		}
	}
	c := e.as(asCertifier)
	home := c.get("/w/")
	wantContains(t, "home", home.body, `data-count="total">28<`, `data-window="0">2<`, `data-window="1">1<`, `data-window="2">1<`, "P-00", "P-03")
	if strings.Contains(home.body, "P-04") {
		t.Error("a certificate expiring in 91 days is listed as expiring")
	}
	first := c.get("/w/certificates")
	rows := strings.Count(first.body, `<td><a href="/w/certificates/`)
	m := regexp.MustCompile(`id="next-page" href="([^"]+)"`).FindStringSubmatch(first.body)
	if rows != 25 || m == nil {
		t.Fatalf("first page: %d rows, next %v", rows, m)
	}
	second := c.get(strings.ReplaceAll(m[1], "&amp;", "&"))
	wantStatus(t, "second page", second, http.StatusOK)
	if n := strings.Count(second.body, `<td><a href="/w/certificates/`); n != 3 || strings.Contains(second.body, `id="next-page"`) {
		t.Errorf("second page: %d rows", n)
	}
	wantStatus(t, "bad cursor", c.get("/w/certificates?cursor=nonsense"), http.StatusUnprocessableEntity)
}

// TestCertifierAmends: a certificate is renewed, corrected and given a new
// PDF by its body, each with a reason in its history; wrong forms write
// nothing; another body cannot.
func TestCertifierAmends(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	certs, _ := e.db.FindCertificatesByNumber(ctx, "VG-DEMO-2025-0117")
	cert := certs[0]
	c := e.as(asCertifier)
	page := c.get("/w/certificates/" + cert.ID)
	wantContains(t, "cert page", page.body, `id="amend-form"`)
	v := func(kv ...string) url.Values {
		out := url.Values{"version": {strconv.Itoa(cert.Version)}}
		for i := 0; i+1 < len(kv); i += 2 {
			out.Set(kv[i], kv[i+1])
		}
		return out
	}
	for _, tc := range []struct {
		name string
		form url.Values
		want string
	}{
		{"no reason", v("action", "renew", "renew_issued_on", "2028-03-01", "renew_expires_on", "2031-02-28"), "cần nêu lý do"},
		{"earlier expiry", v("action", "renew", "renew_issued_on", "2025-03-01", "renew_expires_on", "2026-01-01", "amend_reason", "Giám sát"), "gia hạn phải kết thúc sau"},
		{"replace without a file", v("action", "replace_document", "amend_reason", "Bản quét rõ hơn"), "hãy đính kèm tệp PDF mới"},
		{"correct nothing", v("action", "correct", "amend_reason", "Không đổi", "correct_standard", cert.Standard, "correct_scope_text", cert.ScopeText), "không thay đổi nội dung nào"},
	} {
		r := c.postMultipart("/w/certificates/"+cert.ID+"/amend", tc.form)
		wantStatus(t, tc.name, r, http.StatusUnprocessableEntity)
		wantContains(t, tc.name, r.body, tc.want)
		if got, _ := e.db.FindCertificate(ctx, cert.ID); got.Version != cert.Version {
			t.Fatalf("%s wrote the certificate", tc.name)
		}
	}
	r := c.postMultipart("/w/certificates/"+cert.ID+"/amend", v("action", "renew", "renew_issued_on", "2028-03-01", "renew_expires_on", "2031-02-28",
		"amend_reason", "Đánh giá tái chứng nhận đạt"), upload{"amend_document", "moi.pdf", minimalPDF("renewed")})
	wantStatus(t, "renew", r, http.StatusSeeOther)
	got, _ := e.db.FindCertificate(ctx, cert.ID)
	last := got.History[len(got.History)-1]
	if got.ExpiresOn != "2031-02-28" || got.IssuedOn != "2028-03-01" || got.OriginalIssue == "" || got.DocumentID == cert.DocumentID ||
		last.Action != registry.CertRenew || last.Reason != "Đánh giá tái chứng nhận đạt" || last.By != asCertifier {
		t.Fatalf("renewed %+v, last history %+v", got, last)
	}
	if st := got.StatusAt(e.clock.Now()); st.Status != registry.CertActive {
		t.Errorf("a renewal changed the status: %+v", st)
	}
	cert = got
	r = c.postMultipart("/w/certificates/"+cert.ID+"/amend", v("action", "correct", "amend_reason", "Sai chính tả phạm vi",
		"correct_standard", cert.Standard, "correct_scope_text", "Cà phê nhân Robusta"))
	wantStatus(t, "correct", r, http.StatusSeeOther)
	if got, _ = e.db.FindCertificate(ctx, cert.ID); got.ScopeText != "Cà phê nhân Robusta" || got.History[len(got.History)-1].Action != registry.CertCorrect {
		t.Fatalf("corrected %+v", got)
	}
	page = c.get("/w/certificates/" + cert.ID)
	wantContains(t, "history", page.body, "Gia hạn (ngày cấp và ngày hết hạn mới)", "Sai chính tả phạm vi")
	// Another body's certifier.
	if r := e.as("certifier2").postMultipart("/w/certificates/"+cert.ID+"/amend", v("action", "correct", "amend_reason", "x")); r.status != http.StatusForbidden && r.status != http.StatusNotFound {
		t.Errorf("another body amends: %d", r.status)
	}
}

// The same PDF sent by the enterprise (as its own document) and then by the
// certification body (as the certificate) makes two records, each under
// its own party's title: the certificate never shows the enterprise's.
func TestReusedPDFKeepsEachPartysTitle(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	pdf := minimalPDF("the same file")
	coop := e.as(asCoop)
	r := coop.postMultipart("/w/documents", url.Values{"title": {"Bản chụp giấy chứng nhận của hợp tác xã"}, "kind": {"other"}}, upload{"file", "gcn.pdf", pdf})
	if r.status != http.StatusSeeOther && r.status != http.StatusOK && r.status != http.StatusCreated {
		t.Fatalf("enterprise upload: %d %.300s", r.status, r.body)
	}
	docs, _, _ := e.db.ListDocuments(ctx, registry.DocumentFilter{EnterpriseID: e.demo.CoopID, Page: registry.Page{Limit: 100}})
	var mine *registry.Document
	for _, d := range docs {
		if d.Title == "Bản chụp giấy chứng nhận của hợp tác xã" {
			mine = d
		}
	}
	if mine == nil {
		t.Fatalf("the enterprise's document is not stored")
	}
	coopEnt, _ := e.db.FindEnterprise(ctx, e.demo.CoopID)
	form := url.Values{"tax_code": {coopEnt.TaxCode}, "number": {"VG-REUSE-1"}, "scheme": {"VietGAP"}, "issued_on": {"2026-01-05"}, "expires_on": {"2029-01-04"}}
	r = e.as(asCertifier).postMultipart("/w/certificates/new", form, upload{"document", "gcn.pdf", pdf})
	if r.status != http.StatusSeeOther {
		t.Fatalf("issue: %d %.600s", r.status, r.body)
	}
	certs, _ := e.db.FindCertificatesByNumber(ctx, "VG-REUSE-1")
	if len(certs) != 1 {
		t.Fatalf("certificate not issued")
	}
	doc, _ := e.db.FindDocument(ctx, certs[0].DocumentID)
	if doc.ID == mine.ID || doc.BodyID == "" || !strings.Contains(doc.Title, "VG-REUSE-1") || doc.Blob.SHA256 != mine.Blob.SHA256 {
		t.Fatalf("the certificate's document %+v (the enterprise's is %s)", doc, mine.ID)
	}
	if again, _ := e.db.FindDocument(ctx, mine.ID); again.Title != mine.Title || again.BodyID != "" {
		t.Errorf("the enterprise's record changed: %+v", again)
	}
}
