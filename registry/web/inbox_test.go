package web_test

import (
	"context"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/tracereg/tracereg/registry"
)

// inbSetClock moves the test clock to 10:00 in Vietnam on day.
func inbSetClock(t *testing.T, e *env, day string) {
	t.Helper()
	d, err := time.ParseInLocation(time.DateOnly, day, registry.Vietnam)
	if err != nil {
		t.Fatal(err)
	}
	e.clock.Add(d.Add(10 * time.Hour).Sub(e.clock.Now()))
}

// inbSubmitted creates a hợp quy dossier for the coop's product and submits
// it today (the test clock's day).
func inbSubmitted(t *testing.T, e *env) *registry.ConformityAnnouncement {
	t.Helper()
	ctx := context.Background()
	prod := annProduct(t, e, e.demo.CoopID)
	a := &registry.ConformityAnnouncement{EnterpriseID: e.demo.CoopID, Type: registry.AnnounceRegulation, ProductIDs: []string{prod.ID},
		StandardCode: "QCĐP 01:2025/ĐL", Basis: registry.BasisSelfAssessment, Agency: "Sở Khoa học và Công nghệ tỉnh Đắk Lắk", Status: registry.AnnDraft}
	if err := e.db.CreateAnnouncement(ctx, a); err != nil {
		t.Fatalf("create announcement: %v", err)
	}
	a, err := e.db.TransitionAnnouncement(ctx, a.ID, a.Version, registry.SubmitAnnouncement())
	if err != nil {
		t.Fatalf("submit: %v", err)
	}
	return a
}

func inbVersionOf(a *registry.ConformityAnnouncement) []string {
	return []string{strconv.Itoa(a.Version)}
}

// inbRow returns the inbox table row of a dossier.
func inbRowOf(t *testing.T, body, id string) string {
	t.Helper()
	i := strings.Index(body, `id="inb-row-`+id+`"`)
	if i < 0 {
		t.Fatalf("no inbox row for %s in %.1500s", id, body)
	}
	j := strings.Index(body[i:], "</tr>")
	return body[i : i+j]
}

// TestInboxDeadlinesAroundWeekendsAndTet lists dossiers received around a
// weekend and Tết 2026 and checks each deadline column, the working days
// left and the overdue highlight as the days pass.
func TestInboxDeadlinesAroundWeekendsAndTet(t *testing.T) {
	e := newEnv(t)
	type dossier struct {
		submitted, askBy, decideBy string
		a                          *registry.ConformityAnnouncement
	}
	// Tết 2026: off Saturday 14/2 to Sunday 22/2 (registry/workdays_test.go).
	cases := []*dossier{
		{submitted: "2026-02-12", askBy: "2026-02-24", decideBy: "2026-02-26"}, // Thursday before Tết
		{submitted: "2026-02-13", askBy: "2026-02-25", decideBy: "2026-02-27"}, // the day before Tết
		{submitted: "2026-02-17", askBy: "2026-02-25", decideBy: "2026-02-27"}, // received during Tết (counted from the next working day)
		{submitted: "2026-03-06", askBy: "2026-03-11", decideBy: "2026-03-13"}, // a Friday: the weekend is skipped
		{submitted: "2026-03-09", askBy: "2026-03-12", decideBy: "2026-03-16"}, // a Monday
	}
	for _, d := range cases {
		inbSetClock(t, e, d.submitted)
		d.a = inbSubmitted(t, e)
	}
	for _, step := range []struct {
		today   string
		left    []int
		overdue []bool
	}{
		{"2026-02-26", []int{0, 1, 1, 0, 0}, []bool{false, false, false, false, false}},
		{"2026-02-27", []int{-1, 0, 0, 0, 0}, []bool{true, false, false, false, false}},
		{"2026-03-10", []int{-8, -7, -7, 3, 4}, []bool{true, true, true, false, false}},
	} {
		inbSetClock(t, e, step.today)
		c := e.as(asInspector)
		res := c.get("/w/inbox")
		wantStatus(t, "inbox "+step.today, res, http.StatusOK)
		for i, d := range cases {
			if d.submitted > step.today {
				continue
			}
			row := inbRowOf(t, res.body, d.a.ID)
			want := []string{`data-start="` + d.submitted + `"`, `data-ask-by="` + d.askBy + `"`, `data-decide-by="` + d.decideBy + `"`}
			if d.submitted <= step.today && (i < 3 || step.today >= "2026-03-09") {
				want = append(want, `data-days-left="`+strconv.Itoa(step.left[i])+`"`)
			}
			wantContains(t, step.today+" row "+d.submitted, row, want...)
			overdue := strings.Contains(row, `class="overdue"`) && strings.Contains(row, `badge overdue`)
			if overdue != step.overdue[i] {
				t.Errorf("%s: dossier of %s overdue shown %v, want %v: %s", step.today, d.submitted, overdue, step.overdue[i], row)
			}
		}
	}
	// Shown as dd/mm/yyyy; the overdue ones stand out.
	c := e.as(asInspector)
	res := c.get("/w/inbox")
	wantContains(t, "inbox", res.body, "26/02/2026", "27/02/2026", `id="inb-overdue-`+cases[0].a.ID+`"`)
	// The search: by enterprise name, case aside; a text nobody matches lists nothing.
	res = c.get("/w/inbox?q=" + url.QueryEscape("hợp tác xã"))
	wantContains(t, "search", res.body, `id="inb-row-`+cases[0].a.ID+`"`)
	res = c.get("/w/inbox?q=khong-co-ai")
	wantContains(t, "search nothing", res.body, `id="inb-empty"`)
	// The filter: needs_more only is empty, and a bad status is refused beside the field.
	res = c.get("/w/inbox?status=needs_more")
	wantStatus(t, "needs_more", res, http.StatusOK)
	wantContains(t, "needs_more", res.body, `id="inb-empty"`)
	res = c.get("/w/inbox?status=bogus")
	wantStatus(t, "bad status", res, http.StatusUnprocessableEntity)
	wantContains(t, "bad status", res.body, `class="field-error"`)
	res = c.get("/w/inbox?type=hop_chuan")
	if strings.Contains(res.body, cases[0].a.ID) {
		t.Error("the hợp chuẩn filter lists a hợp quy dossier")
	}
	// The dossier page shows the same deadlines.
	res = c.get("/w/inbox/" + cases[1].a.ID)
	wantStatus(t, "dossier", res, http.StatusOK)
	wantContains(t, "dossier", res.body, `id="inb-ask-by">25/02/2026`, `id="inb-decide-by">27/02/2026`, `id="inb-overdue"`)
}

var inbNumberPattern = regexp.MustCompile(`id="inb-receipt-number">([^<]+)<`)

// TestInboxIssueReceipt issues two notices: each gets the next number in the
// province's format, shown before and after; the dossier leaves the inbox.
func TestInboxIssueReceipt(t *testing.T) {
	e := newEnv(t)
	a1, a2 := inbSubmitted(t, e), inbSubmitted(t, e)
	c := e.as(asInspector)
	page := c.get("/w/inbox/" + a1.ID)
	wantStatus(t, "dossier", page, http.StatusOK)
	wantContains(t, "dossier", page.body, `id="inb-receipt-form"`, `id="inb-missing-form"`, `id="inb-reject-form"`,
		`value="2026-03-10"`, `id="inb-next-number">2/2026/TBTN-SKHCN`)
	var numbers []string
	for _, a := range []*registry.ConformityAnnouncement{a1, a2} {
		c.get("/w/inbox/" + a.ID)
		res := c.post("/w/inbox/"+a.ID+"/receipt", url.Values{"version": inbVersionOf(a), "receipt_date": {"2026-03-10"}})
		wantStatus(t, "issue", res, http.StatusSeeOther)
		page := c.get(res.location)
		wantContains(t, "issued", page.body, `id="flash"`, `id="inb-status">Đã cấp thông báo tiếp nhận`, `id="inb-receipt-date">10/03/2026`)
		m := inbNumberPattern.FindStringSubmatch(page.body)
		if m == nil {
			t.Fatalf("no number shown: %.1500s", page.body)
		}
		got := annFind(t, e, a.ID)
		if got.Status != registry.AnnReceived || got.ReceiptNumber != m[1] || got.ReceiptDate != "2026-03-10" {
			t.Fatalf("stored: %+v", got)
		}
		numbers = append(numbers, m[1])
	}
	// The demo's notice is number 1 of 2026.
	if numbers[0] != "2/2026/TBTN-SKHCN" || numbers[1] != "3/2026/TBTN-SKHCN" {
		t.Errorf("numbers %q, want 2/2026/TBTN-SKHCN then 3/2026/TBTN-SKHCN", numbers)
	}
	list := c.get("/w/inbox")
	if strings.Contains(list.body, a1.ID) {
		t.Error("a received dossier is still in the inbox")
	}
	en := c.get("/w/inbox/" + a1.ID + "?lang=en")
	wantContains(t, "english", en.body, `id="inb-status">Notice of receipt issued`, "History of the dossier")
	if n := inbAuditCount(t, e, "announcement.issue_receipt"); n != 2 {
		t.Errorf("%d audit entries for the notices, want 2", n)
	}
}

func inbAuditCount(t *testing.T, e *env, action string) int {
	t.Helper()
	entries, _, err := e.db.ListAudit(context.Background(), registry.AuditFilter{Action: action, Page: registry.Page{Limit: 100}})
	if err != nil {
		t.Fatal(err)
	}
	return len(entries)
}

// TestInboxMissingItemsAndReject asks for missing items, then rejects.
func TestInboxMissingItemsAndReject(t *testing.T) {
	e := newEnv(t)
	a := inbSubmitted(t, e)
	c := e.as(asAdmin) // province staff may do the same
	c.get("/w/inbox/" + a.ID)
	res := c.post("/w/inbox/"+a.ID+"/missing", url.Values{"version": inbVersionOf(a), "missing": {"Thiếu phiếu kết quả thử nghiệm vi sinh"}})
	wantStatus(t, "missing", res, http.StatusSeeOther)
	got := annFind(t, e, a.ID)
	if got.Status != registry.AnnNeedsMore || got.MissingItems != "Thiếu phiếu kết quả thử nghiệm vi sinh" {
		t.Fatalf("after the request: %+v", got)
	}
	page := c.get(res.location)
	wantContains(t, "needs more", page.body, `id="inb-missing-items">Thiếu phiếu kết quả thử nghiệm vi sinh`, `id="inb-reject-form"`)
	if strings.Contains(page.body, `id="inb-receipt-form"`) {
		t.Error("a dossier waiting for missing items offers the notice of receipt")
	}
	c = e.as(asInspector)
	c.get("/w/inbox/" + a.ID)
	res = c.post("/w/inbox/"+a.ID+"/reject", url.Values{"version": inbVersionOf(got), "reject_reason": {"Doanh nghiệp không bổ sung đúng hạn"}})
	wantStatus(t, "reject", res, http.StatusSeeOther)
	got = annFind(t, e, a.ID)
	if got.Status != registry.AnnRejected || got.History[len(got.History)-1].Reason != "Doanh nghiệp không bổ sung đúng hạn" ||
		got.History[len(got.History)-1].By != asInspector {
		t.Fatalf("after rejecting: %+v", got)
	}
	page = c.get(res.location)
	wantContains(t, "rejected", page.body, `id="inb-status">Bị từ chối`, "Doanh nghiệp không bổ sung đúng hạn")
	if n := inbAuditCount(t, e, "announcement.reject"); n != 1 {
		t.Errorf("%d audit entries for the rejection", n)
	}
}

// TestInboxBadInput: every decision with bad input answers 422 with the
// message beside its field, keeps what was typed and changes nothing; a
// stale page answers 409 with a clear message.
func TestInboxBadInput(t *testing.T) {
	e := newEnv(t)
	a := inbSubmitted(t, e)
	c := e.as(asInspector)
	for _, tc := range []struct {
		name, path string
		form       url.Values
		field      string
		kept       string
	}{
		{"empty missing items", "/missing", url.Values{"missing": {"  "}}, "inb-missing", ""},
		{"short missing items", "/missing", url.Values{"missing": {"ab"}}, "inb-missing", ">ab</textarea>"},
		{"empty reason", "/reject", url.Values{"reject_reason": {""}}, "inb-reject-reason", ""},
		{"receipt date in a bad format", "/receipt", url.Values{"receipt_date": {"10/03/2026"}}, "inb-receipt-date-input", `value="10/03/2026"`},
		{"receipt date in the future", "/receipt", url.Values{"receipt_date": {"2026-03-11"}}, "inb-receipt-date-input", `value="2026-03-11"`},
		{"receipt date before the submission", "/receipt", url.Values{"receipt_date": {"2026-03-01"}}, "inb-receipt-date-input", `value="2026-03-01"`},
	} {
		c.get("/w/inbox/" + a.ID)
		tc.form.Set("version", strconv.Itoa(a.Version))
		res := c.post("/w/inbox/"+a.ID+tc.path, tc.form)
		wantStatus(t, tc.name, res, http.StatusUnprocessableEntity)
		// The message sits right after the field.
		i := strings.Index(res.body, `id="`+tc.field+`"`)
		if i < 0 {
			t.Fatalf("%s: no field %s", tc.name, tc.field)
		}
		after := res.body[i:]
		if !strings.Contains(after[:strings.Index(after, "</form>")], `class="field-error"`) ||
			!strings.Contains(after[:strings.Index(after, ">")+1], `aria-invalid="true"`) && !strings.Contains(after[:200], `aria-invalid="true"`) {
			t.Errorf("%s: no message beside the field: %.600s", tc.name, after)
		}
		if tc.kept != "" {
			wantContains(t, tc.name, res.body, tc.kept)
		}
		if got := annFind(t, e, a.ID); got.Status != registry.AnnSubmitted || got.Version != a.Version {
			t.Fatalf("%s changed the dossier: %+v", tc.name, got)
		}
	}
	// No number was taken by the refused notices: the next one is still 2 (the demo's is 1).
	page := c.get("/w/inbox/" + a.ID)
	wantContains(t, "preview", page.body, `id="inb-next-number">2/2026/TBTN-SKHCN`)

	// Stale: the enterprise withdrew... no: someone asked for missing items meanwhile.
	c.get("/w/inbox/" + a.ID)
	other := e.as(asAdmin)
	other.get("/w/inbox/" + a.ID)
	res := other.post("/w/inbox/"+a.ID+"/missing", url.Values{"version": inbVersionOf(a), "missing": {"Thiếu nhãn sản phẩm"}})
	wantStatus(t, "first decision", res, http.StatusSeeOther)
	for _, tc := range []struct {
		path string
		form url.Values
	}{
		{"/reject", url.Values{"reject_reason": {"Không đạt yêu cầu"}}},
		{"/receipt", url.Values{"receipt_date": {"2026-03-10"}}},
		{"/missing", url.Values{"missing": {"Thiếu bản sao giấy phép"}}},
	} {
		tc.form.Set("version", strconv.Itoa(a.Version))
		res := c.post("/w/inbox/"+a.ID+tc.path, tc.form)
		wantStatus(t, "stale "+tc.path, res, http.StatusConflict)
		wantContains(t, "stale "+tc.path, res.body, "Hồ sơ đã thay đổi kể từ khi bạn mở", `id="inb-status">Chờ doanh nghiệp bổ sung`)
	}
	if got := annFind(t, e, a.ID); got.Status != registry.AnnNeedsMore || got.MissingItems != "Thiếu nhãn sản phẩm" {
		t.Fatalf("after stale decisions: %+v", got)
	}
}

// TestInboxDocumentDownload: the dossier's documents download for staff;
// a document not in the dossier is not found.
func TestInboxDocumentDownload(t *testing.T) {
	e := newEnv(t)
	co := e.as(asCoop)
	prod := annProduct(t, e, e.demo.CoopID)
	res := co.postMultipart("/w/announcements", annGood(e, prod.ID), upload{"test_report", "kq.pdf", minimalPDF("inbox test report")})
	id := annIDOf(t, res)
	a := annFind(t, e, id)
	if _, err := e.db.TransitionAnnouncement(context.Background(), id, a.Version, registry.SubmitAnnouncement()); err != nil {
		t.Fatal(err)
	}
	c := e.as(asInspector)
	page := c.get("/w/inbox/" + id)
	wantContains(t, "dossier", page.body, "kq.pdf", "SHA-256")
	doc := c.get("/w/inbox/" + id + "/documents/" + a.TestReportIDs[0])
	wantStatus(t, "download", doc, http.StatusOK)
	if !strings.HasPrefix(doc.body, "%PDF") || doc.header.Get("Content-Type") != "application/pdf" {
		t.Errorf("download: %q %.40s", doc.header.Get("Content-Type"), doc.body)
	}
	wantStatus(t, "another document", c.get("/w/inbox/"+id+"/documents/"+e.demo.CoopID), http.StatusNotFound)
	wantStatus(t, "no such dossier", c.get("/w/inbox/000000000000000000000000"), http.StatusNotFound)
	wantStatus(t, "coop downloads through the inbox", co.get("/w/inbox/"+id+"/documents/"+a.TestReportIDs[0]), http.StatusForbidden)
}

// TestInboxReceiptSkipsATakenNumber: a number of the sequence already used
// by another dossier is skipped, not refused.
func TestInboxReceiptSkipsATakenNumber(t *testing.T) {
	e := newEnv(t)
	first, a := inbSubmitted(t, e), inbSubmitted(t, e)
	if _, err := e.db.TransitionAnnouncement(context.Background(), first.ID, first.Version,
		registry.IssueReceipt("2/2026/TBTN-SKHCN", "2026-03-10")); err != nil {
		t.Fatal(err)
	}
	c := e.as(asInspector)
	c.get("/w/inbox/" + a.ID)
	res := c.post("/w/inbox/"+a.ID+"/receipt", url.Values{"version": inbVersionOf(a), "receipt_date": {"2026-03-10"}})
	wantStatus(t, "issue", res, http.StatusSeeOther)
	if got := annFind(t, e, a.ID); got.ReceiptNumber != "3/2026/TBTN-SKHCN" {
		t.Errorf("number %q, want 3/2026/TBTN-SKHCN (2 was taken by hand, 1 by the demo)", got.ReceiptNumber)
	}
}
