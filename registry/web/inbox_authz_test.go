package web_test

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/tracereg/tracereg/registry"
	"github.com/tracereg/tracereg/registry/demodata"
)

// TestInboxComplaintsRecallAuthorization: every page and action of the
// inbox, complaints and recall is refused (403) to enterprises and
// certification bodies, sends anonymous browsers to sign in, and a POST
// without or with a wrong CSRF token is refused; nothing changes.
func TestInboxComplaintsRecallAuthorization(t *testing.T) {
	e := newEnv(t)
	co := e.as(asCoop)
	prod := annProduct(t, e, e.demo.CoopID)
	annID := annIDOf(t, co.postMultipart("/w/announcements", annGood(e, prod.ID), upload{"test_report", "kq.pdf", minimalPDF("authz")}))
	a := annFind(t, e, annID)
	a, err := e.db.TransitionAnnouncement(context.Background(), a.ID, a.Version, registry.SubmitAnnouncement())
	if err != nil {
		t.Fatal(err)
	}
	r := cmpReport(t, e, "Sản phẩm có dấu hiệu làm giả")
	green := rclBatch(t, e, e.demo.GreenBatchID)
	av, rv, bv := strconv.Itoa(a.Version), strconv.Itoa(r.Version), strconv.Itoa(green.Version)

	gets := []string{
		"/w/inbox", "/w/inbox?status=submitted", "/w/inbox/" + a.ID, "/w/inbox/" + a.ID + "/documents/" + a.TestReportIDs[0],
		"/w/complaints", "/w/complaints/" + r.ID,
		"/w/recall", "/w/recall?lot=" + demodata.GreenLot, "/w/recall/" + green.ID,
	}
	posts := []struct {
		path string
		form url.Values
	}{
		{"/w/inbox/" + a.ID + "/missing", url.Values{"version": {av}, "missing": {"Thiếu nhãn sản phẩm"}}},
		{"/w/inbox/" + a.ID + "/receipt", url.Values{"version": {av}, "receipt_date": {"2026-03-10"}}},
		{"/w/inbox/" + a.ID + "/reject", url.Values{"version": {av}, "reject_reason": {"Không đạt yêu cầu"}}},
		{"/w/complaints/" + r.ID + "/assign", url.Values{"version": {rv}, "assignee": {asInspector}}},
		{"/w/complaints/" + r.ID + "/note", url.Values{"version": {rv}, "note": {"Ghi chú"}}},
		{"/w/complaints/" + r.ID + "/resolve", url.Values{"version": {rv}, "resolution": {"Đã xử lý"}}},
		{"/w/complaints/" + r.ID + "/reopen", url.Values{"version": {rv}, "reopen_reason": {"Mở lại"}}},
		{"/w/recall/" + green.ID + "/check", url.Values{"version": {bv}, "reason": {"Nhiễm nấm mốc"}, "on": {"2026-03-10"}}},
		{"/w/recall/" + green.ID + "/confirm", url.Values{"version": {bv}, "reason": {"Nhiễm nấm mốc"}, "on": {"2026-03-10"}}},
	}
	for _, who := range []string{asCoop, asRoaster, asCertifier, asCertifier2} {
		c := e.as(who)
		for _, path := range gets {
			wantStatus(t, who+" GET "+path, c.get(path), http.StatusForbidden)
		}
		for _, p := range posts {
			c.get("/w/")
			wantStatus(t, who+" POST "+p.path, c.post(p.path, p.form), http.StatusForbidden)
		}
	}
	anon := e.anon()
	for _, path := range gets {
		res := anon.get(path)
		if res.status != http.StatusSeeOther || !strings.HasPrefix(res.location, "/login?next=") {
			t.Errorf("anonymous GET %s: %d %s", path, res.status, res.location)
		}
	}
	for _, p := range posts {
		wantStatus(t, "anonymous POST "+p.path, anon.post(p.path, p.form), http.StatusUnauthorized)
	}
	// The inspector without or with a wrong CSRF token.
	c := e.as(asInspector)
	for _, p := range posts {
		c.get("/w/")
		for _, token := range []string{"", "wrong-token"} {
			form := cloneValues(p.form)
			form.Set("_csrf", token)
			wantStatus(t, "CSRF "+token+" "+p.path, c.post(p.path, form), http.StatusForbidden)
		}
	}
	// Records that do not exist.
	for _, path := range []string{"/w/inbox/000000000000000000000000", "/w/complaints/000000000000000000000000",
		"/w/recall/000000000000000000000000", "/w/inbox/not-an-id", "/w/complaints/not-an-id"} {
		wantStatus(t, "missing "+path, c.get(path), http.StatusNotFound)
	}
	// Nothing changed.
	if got := annFind(t, e, a.ID); got.Version != a.Version || got.Status != registry.AnnSubmitted {
		t.Errorf("the dossier changed: %+v", got)
	}
	if got := cmpFind(t, e, r.ID); got.Version != r.Version || got.Status != registry.ReportOpen {
		t.Errorf("the report changed: %+v", got)
	}
	if got := rclBatch(t, e, green.ID); got.Version != green.Version || got.Status == registry.BatchRecalled {
		t.Errorf("the lot changed: %+v", got)
	}
	// The pages answer the inspector and province staff.
	for _, who := range []string{asInspector, asAdmin} {
		c := e.as(who)
		for _, path := range gets {
			if res := c.get(path); res.status != http.StatusOK && res.status != http.StatusSeeOther {
				t.Errorf("%s GET %s: %d", who, path, res.status)
			}
		}
	}
}
