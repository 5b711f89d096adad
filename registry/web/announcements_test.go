package web_test

import (
	"bytes"
	"context"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/tracereg/tracereg/registry"
)

// annProduct returns the first product of an enterprise.
func annProduct(t *testing.T, e *env, enterpriseID string) *registry.Product {
	t.Helper()
	ps, _, err := e.db.ListProducts(context.Background(), registry.ProductFilter{EnterpriseID: enterpriseID, Page: registry.Page{Limit: 10}})
	if err != nil || len(ps) == 0 {
		t.Fatalf("products of %s: %v %d", enterpriseID, err, len(ps))
	}
	return ps[0]
}

// annCount counts the announcements and the documents of an enterprise.
func annCount(t *testing.T, e *env, enterpriseID string) (anns, docs int) {
	t.Helper()
	as, _, err := e.db.ListAnnouncements(context.Background(), registry.AnnouncementFilter{EnterpriseID: enterpriseID, Page: registry.Page{Limit: 200}})
	if err != nil {
		t.Fatal(err)
	}
	ds, _, err := e.db.ListDocuments(context.Background(), registry.DocumentFilter{EnterpriseID: enterpriseID, Page: registry.Page{Limit: 200}})
	if err != nil {
		t.Fatal(err)
	}
	return len(as), len(ds)
}

var annIDPattern = regexp.MustCompile(`^/w/announcements/([0-9a-f]{24})$`)

func annIDOf(t *testing.T, r response) string {
	t.Helper()
	m := annIDPattern.FindStringSubmatch(r.location)
	if r.status != http.StatusSeeOther || m == nil {
		t.Fatalf("create: status %d location %q body %.800s", r.status, r.location, r.body)
	}
	return m[1]
}

func annFind(t *testing.T, e *env, id string) *registry.ConformityAnnouncement {
	t.Helper()
	a, err := e.db.FindAnnouncement(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	return a
}

func annGood(e *env, productID string) url.Values {
	return url.Values{"type": {registry.AnnounceRegulation}, "product_ids": {productID}, "standard_code": {"QCĐP 01:2025/ĐL"},
		"basis": {registry.BasisSelfAssessment}, "agency": {"Sở Khoa học và Công nghệ tỉnh Đắk Lắk"}}
}

// TestAnnDossierFromDraftToReceipt follows a hợp quy dossier from the form to
// the notice of receipt and the CR mark, with a request for missing items
// on the way.
func TestAnnDossierFromDraftToReceipt(t *testing.T) {
	e := newEnv(t)
	c := e.as(asCoop)
	prod := annProduct(t, e, e.demo.CoopID)
	list := c.get("/w/announcements")
	wantStatus(t, "list", list, http.StatusOK)
	wantContains(t, "list", list.body, `id="ann-new"`)
	form := c.get("/w/announcements/new")
	wantStatus(t, "form", form, http.StatusOK)
	wantContains(t, "form", form.body, prod.NameVI, "QCĐP 01:2025/ĐL", `enctype="multipart/form-data"`)

	res := c.postMultipart("/w/announcements", annGood(e, prod.ID),
		upload{"test_report", "ket-qua-thu-nghiem.pdf", minimalPDF("test report")},
		upload{"documents", "ban-cong-bo.pdf", minimalPDF("declaration")},
		upload{"documents", "nhan-san-pham.png", annPNG()})
	id := annIDOf(t, res)
	a := annFind(t, e, id)
	if a.Status != registry.AnnDraft || len(a.TestReportIDs) != 1 || len(a.DocumentIDs) != 2 || a.EnterpriseID != e.demo.CoopID {
		t.Fatalf("draft: %+v", a)
	}
	page := c.get(res.location)
	wantStatus(t, "dossier", page, http.StatusOK)
	wantContains(t, "draft page", page.body, `id="ann-status">Bản nháp`, "Đã lưu bản nháp", "ket-qua-thu-nghiem.pdf", "ban-cong-bo.pdf", `id="ann-submit"`)
	if doc := c.get("/w/announcements/" + id + "/documents/" + a.DocumentIDs[0]); doc.status != 200 || !strings.HasPrefix(doc.body, "%PDF") {
		t.Errorf("document download: %d %.100s", doc.status, doc.body)
	}

	// Submit.
	res = c.post("/w/announcements/"+id+"/submit", url.Values{"version": {strconv.Itoa(a.Version)}})
	wantStatus(t, "submit", res, http.StatusSeeOther)
	a = annFind(t, e, id)
	if a.Status != registry.AnnSubmitted || a.SubmittedOn == "" {
		t.Fatalf("submitted: %+v", a)
	}
	page = c.get(res.location)
	wantContains(t, "submitted page", page.body, `id="ann-status">Đã nộp`, `id="ann-decide-by"`, `id="ann-withdraw"`)

	// The agency asks for missing items.
	a, err := e.db.TransitionAnnouncement(context.Background(), id, a.Version, registry.RequestMissingItems("Thiếu phiếu kiểm nghiệm vi sinh"))
	if err != nil {
		t.Fatal(err)
	}
	page = c.get("/w/announcements/" + id)
	wantContains(t, "needs more", page.body, `id="ann-status">Cần bổ sung`, "Thiếu phiếu kiểm nghiệm vi sinh", `id="ann-resubmit-form"`)

	// The enterprise adds the document and resubmits with a note.
	res = c.postMultipart("/w/announcements/"+id+"/resubmit", url.Values{"version": {strconv.Itoa(a.Version)}, "reason": {"Đã bổ sung phiếu vi sinh"}},
		upload{"documents", "vi-sinh.pdf", minimalPDF("microbiology")})
	wantStatus(t, "resubmit", res, http.StatusSeeOther)
	a = annFind(t, e, id)
	if a.Status != registry.AnnSubmitted || len(a.DocumentIDs) != 3 || a.MissingItems != "" {
		t.Fatalf("resubmitted: %+v", a)
	}
	page = c.get("/w/announcements/" + id)
	wantContains(t, "resubmitted", page.body, "vi-sinh.pdf", "Đã bổ sung phiếu vi sinh", "Đã bổ sung và nộp lại")

	// The agency issues the notice of receipt.
	if _, err := e.db.TransitionAnnouncement(context.Background(), id, a.Version,
		registry.IssueReceipt("77/2026/TBTN-SKHCN", registry.VietnamDate(e.clock.Now()))); err != nil {
		t.Fatal(err)
	}
	page = c.get("/w/announcements/" + id)
	wantContains(t, "received", page.body, `id="ann-status">Đã tiếp nhận`, `id="ann-receipt-number">77/2026/TBTN-SKHCN`, `id="ann-cr-mark"`)
	if strings.Contains(page.body, `id="ann-withdraw"`) || strings.Contains(page.body, `id="ann-submit"`) {
		t.Error("a received dossier still offers submit or withdraw")
	}
	// English too.
	page = c.get("/w/announcements/" + id + "?lang=en")
	wantContains(t, "received, English", page.body, "may carry the CR mark")
	c.get("/w/announcements?lang=vi")
	// The inspector reads it, without the enterprise's actions.
	page = e.as(asInspector).get("/w/announcements/" + id)
	wantStatus(t, "inspector reads", page, http.StatusOK)
	if strings.Contains(page.body, `id="ann-withdraw"`) {
		t.Error("the inspector is offered the enterprise's withdraw")
	}
	// The audit log has the enterprise's steps.
	entries, _, err := e.db.ListAudit(context.Background(), registry.AuditFilter{TargetID: id, Page: registry.Page{Limit: 50}})
	if err != nil {
		t.Fatal(err)
	}
	actions := map[string]bool{}
	for _, en := range entries {
		actions[en.Action] = true
	}
	for _, want := range []string{"announcement.create", "announcement.submit", "announcement.update", "announcement.resubmit"} {
		if !actions[want] {
			t.Errorf("no audit entry %s in %v", want, actions)
		}
	}
}

// TestAnnHopChuanAndWithdraw: a standard announcement on a certificate
// shows no CR mark once received; a draft may be withdrawn with a reason.
func TestAnnHopChuanAndWithdraw(t *testing.T) {
	e := newEnv(t)
	c := e.as(asCoop)
	prod := annProduct(t, e, e.demo.CoopID)
	certs, _, err := e.db.ListCertificates(context.Background(), registry.CertificateFilter{HolderID: e.demo.CoopID, Page: registry.Page{Limit: 10}})
	if err != nil || len(certs) == 0 {
		t.Fatal("no certificate of the coop", err)
	}
	v := annGood(e, prod.ID)
	v.Set("type", registry.AnnounceStandard)
	v.Set("standard_code", "TCVN 4193:2014")
	v.Set("basis", registry.BasisCertification)
	v.Set("certificate_id", certs[0].ID)
	id := annIDOf(t, c.postMultipart("/w/announcements", v))
	a := annFind(t, e, id)
	if a.CertificateID != certs[0].ID || a.Type != registry.AnnounceStandard {
		t.Fatalf("hợp chuẩn: %+v", a)
	}
	wantStatus(t, "submit", c.post("/w/announcements/"+id+"/submit", url.Values{"version": {strconv.Itoa(a.Version)}}), http.StatusSeeOther)
	a = annFind(t, e, id)
	if _, err := e.db.TransitionAnnouncement(context.Background(), id, a.Version, registry.IssueReceipt("78/2026/TBTN-SKHCN", a.SubmittedOn)); err != nil {
		t.Fatal(err)
	}
	page := c.get("/w/announcements/" + id)
	wantContains(t, "received hợp chuẩn", page.body, "78/2026/TBTN-SKHCN", `id="ann-no-cr-mark"`)
	if strings.Contains(page.body, `id="ann-cr-mark"`) {
		t.Error("a hợp chuẩn announcement offers the CR mark")
	}

	// A stale submit (old version) changes nothing and says so.
	id2 := annIDOf(t, c.postMultipart("/w/announcements", v))
	a2 := annFind(t, e, id2)
	res := c.post("/w/announcements/"+id2+"/submit", url.Values{"version": {strconv.Itoa(a2.Version + 5)}})
	wantStatus(t, "stale submit", res, http.StatusConflict)
	if annFind(t, e, id2).Status != registry.AnnDraft {
		t.Error("a stale submit changed the dossier")
	}
	// A draft is not offered for withdrawal; a submitted dossier is, with a reason.
	if page := c.get("/w/announcements/" + id2); strings.Contains(page.body, `id="ann-withdraw"`) {
		t.Error("a draft offers withdrawal")
	}
	res = c.post("/w/announcements/"+id2+"/submit", url.Values{"version": {strconv.Itoa(a2.Version)}})
	wantStatus(t, "submit", res, http.StatusSeeOther)
	a2 = annFind(t, e, id2)
	res = c.post("/w/announcements/"+id2+"/withdraw", url.Values{"version": {strconv.Itoa(a2.Version)}, "reason": {"Lập nhầm hồ sơ"}})
	wantStatus(t, "withdraw", res, http.StatusSeeOther)
	a2 = annFind(t, e, id2)
	if a2.Status != registry.AnnWithdrawn || a2.History[len(a2.History)-1].Reason != "Lập nhầm hồ sơ" {
		t.Fatalf("withdrawn: %+v", a2)
	}
	// A withdrawn dossier cannot be submitted.
	res = c.post("/w/announcements/"+id2+"/submit", url.Values{"version": {strconv.Itoa(a2.Version)}})
	wantStatus(t, "submit a withdrawn dossier", res, http.StatusUnprocessableEntity)
	// Search by the notice number, and by product name.
	list := c.get("/w/announcements?q=78%2F2026")
	wantContains(t, "search by number", list.body, "ann-"+id, `value="78/2026"`)
	if strings.Contains(list.body, "ann-"+id2) {
		t.Error("the search lists a dossier without that number")
	}
	if list = c.get("/w/announcements?q=" + url.QueryEscape(strings.ToLower(prod.NameVI))); !strings.Contains(list.body, "ann-"+id2) {
		t.Error("search by product name misses the dossier")
	}
	// A submitted dossier is not deleted; a draft is.
	res = c.post("/w/announcements/"+id+"/delete", url.Values{"version": {strconv.Itoa(annFind(t, e, id).Version)}})
	wantStatus(t, "delete a received dossier", res, http.StatusUnprocessableEntity)
	wantContains(t, "delete a received dossier", res.body, "chỉ xóa được bản nháp")
	id3 := annIDOf(t, c.postMultipart("/w/announcements", v))
	page = c.get("/w/announcements/" + id3)
	wantContains(t, "draft", page.body, `id="ann-delete"`)
	res = c.post("/w/announcements/"+id3+"/delete", url.Values{"version": {strconv.Itoa(annFind(t, e, id3).Version)}})
	wantStatus(t, "delete a draft", res, http.StatusSeeOther)
	if _, err := e.db.FindAnnouncement(context.Background(), id3); registry.ErrorCode(err) != registry.ENOTFOUND {
		t.Errorf("deleted draft: %v", err)
	}
	// The list filters by status.
	list = c.get("/w/announcements?status=withdrawn")
	wantContains(t, "filtered list", list.body, "ann-"+id2)
	if strings.Contains(list.body, "ann-"+id+`"`) {
		t.Error("the withdrawn filter lists a received dossier")
	}
}

var annStagedPattern = regexp.MustCompile(`name="(test_report_staged|documents_staged)" value="([^"]+)"`)

// TestAnnBadInputKeepsValuesAndUploads: each wrong form answers 422 with the
// message beside its field, keeps what was typed and the uploads, and
// writes nothing; the staged uploads alone then complete the dossier.
func TestAnnBadInputKeepsValuesAndUploads(t *testing.T) {
	e := newEnv(t)
	c := e.as(asCoop)
	prod := annProduct(t, e, e.demo.CoopID)
	anns0, docs0 := annCount(t, e, e.demo.CoopID)
	files := []upload{{"test_report", "report.pdf", minimalPDF("report")}, {"documents", "extra.pdf", minimalPDF("extra")}}
	cases := []struct {
		name   string
		change func(url.Values)
		files  []upload
		want   []string
	}{
		{"missing product", func(v url.Values) { v.Del("product_ids") }, files,
			[]string{"hãy chọn ít nhất một sản phẩm", `id="ann-test-report-staged"`, "report.pdf", "extra.pdf"}},
		{"hợp quy on a TCVN", func(v url.Values) { v.Set("standard_code", "TCVN 4193:2014") }, files,
			[]string{"công bố hợp quy phải theo quy chuẩn kỹ thuật", `<option value="TCVN 4193:2014" selected>`}},
		{"hợp chuẩn on a regulation", func(v url.Values) { v.Set("type", registry.AnnounceStandard) }, files,
			[]string{"công bố hợp chuẩn phải theo tiêu chuẩn"}},
		{"standard not in the catalogue", func(v url.Values) { v.Set("standard_code", "TCVN 9999:2020") }, files,
			[]string{"hãy chọn tiêu chuẩn hoặc quy chuẩn trong danh mục"}},
		{"another enterprise's product", func(v url.Values) { v.Set("product_ids", annProduct(t, e, e.demo.RoasterID).ID) }, files,
			[]string{"hãy chọn trong các sản phẩm của doanh nghiệp"}},
		{"self-assessment without a test report", func(url.Values) {}, []upload{{"documents", "extra.pdf", minimalPDF("extra")}},
			[]string{"tự đánh giá cần kèm phiếu kết quả thử nghiệm", "extra.pdf"}},
		{"certificate basis without a certificate", func(v url.Values) { v.Set("basis", registry.BasisCertification) }, files,
			[]string{`id="ann-certificate" name="certificate_id" aria-invalid="true"`}},
		{"blank agency", func(v url.Values) { v.Set("agency", " ") }, files, []string{`id="ann-agency" name="agency" value=" "`}},
		{"test report of the wrong type", func(url.Values) {}, []upload{{"test_report", "report.html", []byte("<html><script>alert(1)</script></html>")}},
			[]string{`id="ann-test-report" name="test_report" accept="application/pdf,image/png,image/jpeg,image/webp" aria-invalid="true"`}},
		{"a further document too large", func(url.Values) {}, []upload{{"test_report", "report.pdf", minimalPDF("report")},
			{"documents", "huge.pdf", append(minimalPDF("huge"), bytes.Repeat([]byte("x"), 10<<20)...)}},
			[]string{"huge.pdf: tệp lớn hơn giới hạn", `id="ann-test-report-staged"`}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			v := annGood(e, prod.ID)
			tc.change(v)
			res := c.postMultipart("/w/announcements", v, tc.files...)
			wantStatus(t, tc.name, res, http.StatusUnprocessableEntity)
			wantContains(t, tc.name, res.body, append([]string{`id="form-errors"`, `class="field-error"`}, tc.want...)...)
			if v.Get("agency") != " " {
				wantContains(t, tc.name+": agency kept", res.body, `value="Sở Khoa học và Công nghệ tỉnh Đắk Lắk"`)
			}
			if anns, docs := annCount(t, e, e.demo.CoopID); anns != anns0 || docs != docs0 {
				t.Errorf("%s wrote: announcements %d→%d, documents %d→%d", tc.name, anns0, anns, docs0, docs)
			}
		})
	}
	// The uploads survive: sent again with only the staged tokens, the dossier is complete.
	v := annGood(e, prod.ID)
	v.Del("product_ids")
	res := c.postMultipart("/w/announcements", v, files...)
	wantStatus(t, "missing product", res, http.StatusUnprocessableEntity)
	v = annGood(e, prod.ID)
	for _, m := range annStagedPattern.FindAllStringSubmatch(res.body, -1) {
		v.Add(m[1], m[2])
	}
	if len(v["test_report_staged"]) != 1 || len(v["documents_staged"]) != 1 {
		t.Fatalf("staged tokens: %v", v)
	}
	id := annIDOf(t, c.postMultipart("/w/announcements", v))
	a := annFind(t, e, id)
	if len(a.TestReportIDs) != 1 || len(a.DocumentIDs) != 1 {
		t.Fatalf("from staged uploads: %+v", a)
	}
	// A forged staged token is refused beside its field.
	v = annGood(e, prod.ID)
	v.Set("test_report_staged", "eyJzIjoiMCIsIm4iOiJ4In0.forged")
	res = c.postMultipart("/w/announcements", v)
	wantStatus(t, "forged staged token", res, http.StatusUnprocessableEntity)
	wantContains(t, "forged staged token", res.body, "không dùng được tệp đã tải lên trước")

	// Resubmitting with a file of the wrong type: 422, nothing changes.
	a = annFind(t, e, id)
	wantStatus(t, "submit", c.post("/w/announcements/"+id+"/submit", url.Values{"version": {strconv.Itoa(a.Version)}}), http.StatusSeeOther)
	a = annFind(t, e, id)
	a, err := e.db.TransitionAnnouncement(context.Background(), id, a.Version, registry.RequestMissingItems("Thiếu nhãn sản phẩm"))
	if err != nil {
		t.Fatal(err)
	}
	res = c.postMultipart("/w/announcements/"+id+"/resubmit", url.Values{"version": {strconv.Itoa(a.Version)}, "reason": {"ghi chú"}},
		upload{"documents", "label.exe", []byte("MZ\x90\x00 not a document")}, upload{"documents", "label.pdf", minimalPDF("label")})
	wantStatus(t, "resubmit with a wrong file", res, http.StatusUnprocessableEntity)
	wantContains(t, "resubmit with a wrong file", res.body, "label.exe:", "label.pdf", "ghi chú")
	if b := annFind(t, e, id); b.Status != registry.AnnNeedsMore || b.Version != a.Version {
		t.Errorf("a refused resubmission changed the dossier: %+v", b)
	}
}

// TestAnnAuthorization: each page and action for the wrong role (403), for
// another enterprise (404), for nobody (to the sign-in), and without the
// form token (403), changing nothing.
func TestAnnAuthorization(t *testing.T) {
	e := newEnv(t)
	coop := e.as(asCoop)
	prod := annProduct(t, e, e.demo.CoopID)
	id := annIDOf(t, coop.postMultipart("/w/announcements", annGood(e, prod.ID), upload{"test_report", "r.pdf", minimalPDF("r")}))
	a := annFind(t, e, id)
	ver := url.Values{"version": {strconv.Itoa(a.Version)}}
	dossier := "/w/announcements/" + id
	docURL := dossier + "/documents/" + a.TestReportIDs[0]
	type check struct {
		as, method, path string
		want             int
	}
	var checks []check
	for _, who := range []string{asCertifier, asCertifier2} {
		for _, p := range []string{"/w/announcements", "/w/announcements/new", dossier, docURL, dossier + "/edit"} {
			checks = append(checks, check{who, "GET", p, http.StatusForbidden})
		}
		for _, p := range []string{"/w/announcements", dossier + "/submit", dossier + "/withdraw", dossier + "/resubmit", dossier + "/documents", dossier + "/delete", dossier + "/edit"} {
			checks = append(checks, check{who, "POST", p, http.StatusForbidden})
		}
	}
	for _, who := range []string{asInspector, asAdmin} {
		checks = append(checks, check{who, "GET", "/w/announcements", http.StatusOK}, check{who, "GET", dossier, http.StatusOK},
			check{who, "GET", docURL, http.StatusOK}, check{who, "GET", "/w/announcements/new", http.StatusForbidden},
			check{who, "GET", dossier + "/edit", http.StatusForbidden})
		for _, p := range []string{"/w/announcements", dossier + "/submit", dossier + "/withdraw", dossier + "/resubmit", dossier + "/documents", dossier + "/delete", dossier + "/edit"} {
			checks = append(checks, check{who, "POST", p, http.StatusForbidden})
		}
	}
	for _, p := range []string{dossier, docURL, dossier + "/edit"} {
		checks = append(checks, check{asRoaster, "GET", p, http.StatusNotFound})
	}
	for _, p := range []string{dossier + "/submit", dossier + "/withdraw", dossier + "/resubmit", dossier + "/documents", dossier + "/delete", dossier + "/edit"} {
		checks = append(checks, check{asRoaster, "POST", p, http.StatusNotFound})
	}
	checks = append(checks, check{asRoaster, "GET", "/w/announcements/000000000000000000000000", http.StatusNotFound},
		check{asRoaster, "GET", "/w/announcements/not-an-id", http.StatusNotFound})
	clients := map[string]*client{}
	for _, ch := range checks {
		cl := clients[ch.as]
		if cl == nil {
			cl = e.as(ch.as)
			clients[ch.as] = cl
		}
		var res response
		if ch.method == "GET" {
			res = cl.get(ch.path)
		} else {
			res = cl.post(ch.path, ver)
		}
		if res.status != ch.want {
			t.Errorf("%s %s %s: %d, want %d", ch.as, ch.method, ch.path, res.status, ch.want)
		}
	}
	// The roaster's list does not show the coop's dossier.
	if list := clients[asRoaster].get("/w/announcements"); strings.Contains(list.body, id) {
		t.Error("another enterprise's dossier listed")
	}
	// Nobody signed in: to the sign-in page.
	anon := e.anon()
	for _, p := range []string{"/w/announcements", dossier} {
		if res := anon.get(p); res.status != http.StatusSeeOther && res.status != http.StatusFound {
			t.Errorf("anonymous %s: %d", p, res.status)
		}
	}
	// Without or with a wrong form token: 403, nothing changes.
	for _, token := range []string{"", "wrong"} {
		res := coop.post(dossier+"/submit", url.Values{"version": {strconv.Itoa(a.Version)}, "_csrf": {token}})
		wantStatus(t, "submit with token "+token, res, http.StatusForbidden)
		anns0, docs0 := annCount(t, e, e.demo.CoopID)
		res = coop.postMultipart("/w/announcements", url.Values{"_csrf": {token}, "type": {"hop_quy"}, "product_ids": {prod.ID}})
		wantStatus(t, "create with token "+token, res, http.StatusForbidden)
		if anns, docs := annCount(t, e, e.demo.CoopID); anns != anns0 || docs != docs0 {
			t.Error("a request without the form token wrote")
		}
	}
	if b := annFind(t, e, id); b.Status != registry.AnnDraft || b.Version != a.Version {
		t.Errorf("refused requests changed the dossier: %+v", b)
	}
}

// annPNG is a tiny PNG (sniffed as image/png).
func annPNG() []byte {
	return []byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89\x00\x00\x00\rIDATx\x9cc\x00\x01\x00\x00\x05\x00\x01\r\n-\xb4\x00\x00\x00\x00IEND\xaeB`\x82")
}

// TestAnnEditDraft: a draft is changed through the same form, keeping its
// test report; a stale form or a submitted dossier is refused.
func TestAnnEditDraft(t *testing.T) {
	e := newEnv(t)
	c := e.as(asCoop)
	prod := annProduct(t, e, e.demo.CoopID)
	id := annIDOf(t, c.postMultipart("/w/announcements", annGood(e, prod.ID), upload{"test_report", "r.pdf", minimalPDF("r")}))
	a := annFind(t, e, id)
	form := c.get("/w/announcements/" + id + "/edit")
	wantStatus(t, "edit form", form, http.StatusOK)
	wantContains(t, "edit form", form.body, `action="/w/announcements/`+id+`/edit"`, `value="`+prod.ID+`" checked`,
		`<option value="QCĐP 01:2025/ĐL" selected>`, `id="ann-test-report-kept"`, `name="version" value="`+strconv.Itoa(a.Version)+`"`)
	v := annGood(e, prod.ID)
	v.Set("type", registry.AnnounceStandard)
	v.Set("standard_code", "TCVN 4193:2014")
	v.Set("version", strconv.Itoa(a.Version+1))
	res := c.postMultipart("/w/announcements/"+id+"/edit", v)
	wantStatus(t, "stale edit", res, http.StatusUnprocessableEntity)
	wantContains(t, "stale edit", res.body, "Hồ sơ đã thay đổi", `<option value="TCVN 4193:2014" selected>`)
	v.Set("version", strconv.Itoa(a.Version))
	res = c.postMultipart("/w/announcements/"+id+"/edit", v, upload{"documents", "more.pdf", minimalPDF("more")})
	wantStatus(t, "edit", res, http.StatusSeeOther)
	b := annFind(t, e, id)
	if b.Type != registry.AnnounceStandard || b.StandardCode != "TCVN 4193:2014" || len(b.TestReportIDs) != 1 || len(b.DocumentIDs) != 1 || b.Version != a.Version+1 {
		t.Fatalf("edited draft: %+v", b)
	}
	wantContains(t, "edited", c.get(res.location).body, "Đã lưu thay đổi của bản nháp")
	wantStatus(t, "submit", c.post("/w/announcements/"+id+"/submit", url.Values{"version": {strconv.Itoa(b.Version)}}), http.StatusSeeOther)
	v.Set("version", strconv.Itoa(b.Version+1))
	res = c.postMultipart("/w/announcements/"+id+"/edit", v)
	wantStatus(t, "edit a submitted dossier", res, http.StatusUnprocessableEntity)
	wantContains(t, "edit a submitted dossier", res.body, "chỉ sửa được bản nháp")
	wantStatus(t, "another enterprise edits", e.as(asRoaster).get("/w/announcements/"+id+"/edit"), http.StatusNotFound)
}

// TestAnnAttachFromLibrary: a document already in the enterprise's library
// is attached to a draft dossier without uploading it again; another
// enterprise's document is refused and nothing changes.
func TestAnnAttachFromLibrary(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	co := e.as(asCoop)
	prod := annProduct(t, e, e.demo.CoopID)
	res := co.postMultipart("/w/announcements", annGood(e, prod.ID), upload{"test_report", "kq.pdf", minimalPDF("library test report")})
	id := annIDOf(t, res)
	a := annFind(t, e, id)
	// A document of the coop's library, and one of the roaster's.
	blob, err := e.docs.Put(ctx, bytes.NewReader(minimalPDF("ISO certificate scan")), registry.MaxDocumentSize, registry.DocumentMediaTypes)
	if err != nil {
		t.Fatal(err)
	}
	mine := &registry.Document{EnterpriseID: e.demo.CoopID, Title: "Bản sao giấy phép kinh doanh", Kind: "other", Blob: blob}
	theirs := &registry.Document{EnterpriseID: e.demo.RoasterID, Title: "Tài liệu của công ty rang", Kind: "other", Blob: blob}
	for _, d := range []*registry.Document{mine, theirs} {
		if err := e.db.CreateDocument(ctx, d); err != nil {
			t.Fatal(err)
		}
	}
	page := co.get("/w/announcements/" + id)
	wantContains(t, "dossier", page.body, `id="ann-library"`, `id="lib-`+mine.ID+`"`)
	wantNotContains(t, "dossier", page.body, `id="lib-`+theirs.ID+`"`)
	r := co.postMultipart("/w/announcements/"+id+"/documents", url.Values{"version": {strconv.Itoa(a.Version)}, "library_ids": {theirs.ID}})
	wantStatus(t, "another's document", r, http.StatusUnprocessableEntity)
	if got := annFind(t, e, id); got.Version != a.Version {
		t.Fatalf("a refused attachment wrote the dossier")
	}
	r = co.postMultipart("/w/announcements/"+id+"/documents", url.Values{"version": {strconv.Itoa(a.Version)}, "library_ids": {mine.ID}})
	wantStatus(t, "attach", r, http.StatusSeeOther)
	got := annFind(t, e, id)
	if !slices.Contains(got.DocumentIDs, mine.ID) {
		t.Fatalf("library document not attached: %+v", got.DocumentIDs)
	}
	wantContains(t, "dossier after", co.get("/w/announcements/"+id).body, "Bản sao giấy phép kinh doanh")
}
