package web_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/tracereg/tracereg/registry"
)

// The notice of receipt is a printable page of the received dossier, for
// the enterprise and the agency only; the enterprise's home says what the
// agency answered.
func TestNoticeOfReceipt(t *testing.T) {
	e := newEnv(t)
	received, asked := inbSubmitted(t, e), inbSubmitted(t, e)
	home := e.as(asCoop).get("/w/")
	wantContains(t, "home before", home.body, `id="no-decisions"`)

	staff := e.as(asInspector)
	staff.get("/w/inbox/" + received.ID)
	wantStatus(t, "issue", staff.post("/w/inbox/"+received.ID+"/receipt", url.Values{"version": inbVersionOf(received), "receipt_date": {"2026-03-10"}}), http.StatusSeeOther)
	staff.get("/w/inbox/" + asked.ID)
	wantStatus(t, "ask", staff.post("/w/inbox/"+asked.ID+"/missing", url.Values{"version": inbVersionOf(asked), "missing": {"Thiếu nhãn sản phẩm"}}), http.StatusSeeOther)
	got := annFind(t, e, received.ID)
	if got.Status != registry.AnnReceived || got.ReceiptNumber == "" {
		t.Fatalf("issued dossier %+v", got)
	}
	number := got.ReceiptNumber

	coop := e.as(asCoop)
	home = coop.get("/w/")
	wantContains(t, "home after", home.body, `id="ann-decisions"`, `data-status="received"`, number, `href="/w/announcements/`+received.ID+`/notice"`,
		`data-status="needs_more"`, "yêu cầu bổ sung hồ sơ", "Thiếu nhãn sản phẩm")

	prod := annProduct(t, e, e.demo.CoopID)
	ent, _ := e.db.FindEnterprise(t.Context(), e.demo.CoopID)
	for _, who := range []string{asCoop, asInspector, asAdmin} {
		r := e.as(who).get("/w/announcements/" + received.ID + "/notice")
		wantStatus(t, who+" notice", r, http.StatusOK)
		wantContains(t, who+" notice", r.body, `id="notice-number">`+number+`<`, "THÔNG BÁO TIẾP NHẬN", "HỒ SƠ CÔNG BỐ HỢP QUY",
			`id="notice-enterprise">`+ent.NameVI+`<`, "<li>"+prod.NameVI+"</li>", `id="notice-standard">QCĐP 01:2025/ĐL<`,
			"ngày 10 tháng 03 năm 2026", "dựa trên kết quả tự đánh giá", "không có giá trị chứng nhận", `data-print`)
	}
	if r := e.as(asRoaster).get("/w/announcements/" + received.ID + "/notice"); r.status != http.StatusNotFound {
		t.Errorf("another enterprise reads the notice: %d", r.status)
	}
	if r := e.as(asCertifier).get("/w/announcements/" + received.ID + "/notice"); r.status != http.StatusForbidden && r.status != http.StatusNotFound {
		t.Errorf("a certifier reads the notice: %d", r.status)
	}
	if r := e.anon().get("/w/announcements/" + received.ID + "/notice"); r.status != http.StatusSeeOther {
		t.Errorf("anonymous: %d, want the sign-in redirect", r.status)
	}
	r := coop.get("/w/announcements/" + asked.ID + "/notice")
	wantStatus(t, "no notice yet", r, http.StatusNotFound)
	wantContains(t, "no notice yet", r.body, "chưa cấp thông báo tiếp nhận")
	if !strings.Contains(coop.get("/w/announcements/"+received.ID).body, `id="notice-link"`) ||
		strings.Contains(coop.get("/w/announcements/"+asked.ID).body, `id="notice-link"`) {
		t.Errorf("the dossier page links the notice only once it is issued")
	}
}
