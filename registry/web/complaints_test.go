package web_test

import (
	"bytes"
	"context"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/tracereg/tracereg/registry"
)

// cmpReport stores a report as the public form does.
func cmpReport(t *testing.T, e *env, message string) *registry.ProblemReport {
	t.Helper()
	b, err := e.db.FindBatch(context.Background(), e.demo.RoastedBatchID)
	if err != nil {
		t.Fatal(err)
	}
	r := &registry.ProblemReport{Subject: "/l/" + b.ShortCode, Kind: "quality", Message: message, Contact: "0912 345 678"}
	if err := e.db.CreateReport(context.Background(), r); err != nil {
		t.Fatal(err)
	}
	return r
}

func cmpFind(t *testing.T, e *env, id string) *registry.ProblemReport {
	t.Helper()
	r, err := e.db.FindReport(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func cmpV(r *registry.ProblemReport) []string { return []string{strconv.Itoa(r.Version)} }

// TestComplaintsLifecycle: a report is listed as new, assigned to me,
// noted, resolved, reopened and assigned to another inspector; each step is
// in the journal and the audit log.
func TestComplaintsLifecycle(t *testing.T) {
	e := newEnv(t)
	r := cmpReport(t, e, "Cà phê có mùi lạ, bao bì bị rách")
	other := cmpReport(t, e, "Tem QR không quét được")
	// Another inspector to assign to.
	hash, _ := registry.HashPassword(testPassword)
	if err := e.db.CreateUser(context.Background(), &registry.User{Username: "inspector2", DisplayName: "Thanh tra 2",
		Role: registry.RoleInspector, PasswordHash: hash}); err != nil {
		t.Fatal(err)
	}
	c := e.as(asInspector)
	list := c.get("/w/complaints")
	wantStatus(t, "list", list, http.StatusOK)
	wantContains(t, "list", list.body, `id="cmp-row-`+r.ID+`"`, `id="cmp-status-`+r.ID+`">Mới`, "Cà phê có mùi lạ")

	page := c.get("/w/complaints/" + r.ID)
	wantStatus(t, "detail", page, http.StatusOK)
	wantContains(t, "detail", page.body, `id="cmp-subject"`, `href="http://registry.test`+r.Subject+`"`, "0912 345 678",
		`<option value="inspector2">`, `<option value="inspector" selected>inspector (tôi)`)

	res := c.post("/w/complaints/"+r.ID+"/assign", url.Values{"version": cmpV(r), "assignee": {asInspector}})
	wantStatus(t, "assign to me", res, http.StatusSeeOther)
	r = cmpFind(t, e, r.ID)
	if r.Status != registry.ReportAssigned || r.Assignee != asInspector {
		t.Fatalf("assigned: %+v", r)
	}
	page = c.get(res.location)
	wantContains(t, "assigned", page.body, `id="flash"`, `id="cmp-status">Đang xử lý`, `id="cmp-assignee">inspector`)

	res = c.post("/w/complaints/"+r.ID+"/note", url.Values{"version": cmpV(r), "note": {"Đã liên hệ người phản ánh"}})
	wantStatus(t, "note", res, http.StatusSeeOther)
	r = cmpFind(t, e, r.ID)
	c.get(res.location)
	res = c.post("/w/complaints/"+r.ID+"/resolve", url.Values{"version": cmpV(r), "resolution": {"Lô hàng đạt yêu cầu; bao bì hỏng do vận chuyển"}})
	wantStatus(t, "resolve", res, http.StatusSeeOther)
	r = cmpFind(t, e, r.ID)
	if r.Status != registry.ReportResolved || r.Resolution != "Lô hàng đạt yêu cầu; bao bì hỏng do vận chuyển" || r.ResolvedBy != asInspector || r.ResolvedAt == nil {
		t.Fatalf("resolved: %+v", r)
	}
	page = c.get(res.location)
	wantContains(t, "resolved", page.body, `id="cmp-status">Đã xử lý xong`, `id="cmp-resolution">Lô hàng đạt yêu cầu`,
		`id="cmp-reopen-form"`, "Đã liên hệ người phản ánh")
	if strings.Contains(page.body, `id="cmp-resolve-form"`) {
		t.Error("a resolved report offers to resolve it again")
	}
	// Filter by status, and "mine".
	list = c.get("/w/complaints?status=resolved")
	wantContains(t, "resolved list", list.body, r.ID)
	if strings.Contains(list.body, other.ID) {
		t.Error("the resolved list shows an open report")
	}
	list = c.get("/w/complaints?status=open")
	wantContains(t, "open list", list.body, other.ID)
	if strings.Contains(list.body, `id="cmp-row-`+r.ID) {
		t.Error("the open list shows a resolved report")
	}
	list = c.get("/w/complaints?status=bogus")
	wantStatus(t, "bad status filter", list, http.StatusUnprocessableEntity)

	// Reopen and hand over to another inspector.
	c.get("/w/complaints/" + r.ID)
	res = c.post("/w/complaints/"+r.ID+"/reopen", url.Values{"version": cmpV(r), "reopen_reason": {"Người dân phản ánh lại"}})
	wantStatus(t, "reopen", res, http.StatusSeeOther)
	r = cmpFind(t, e, r.ID)
	if r.Status != registry.ReportAssigned || r.Resolution != "" || r.ResolvedAt != nil {
		t.Fatalf("reopened: %+v", r)
	}
	c.get(res.location)
	res = c.post("/w/complaints/"+r.ID+"/assign", url.Values{"version": cmpV(r), "assignee": {"inspector2"}, "assign_note": {"Chuyển địa bàn"}})
	wantStatus(t, "assign to another", res, http.StatusSeeOther)
	r = cmpFind(t, e, r.ID)
	if r.Assignee != "inspector2" || len(r.Notes) != 5 {
		t.Fatalf("reassigned: %+v", r)
	}
	en := c.get("/w/complaints/" + r.ID + "?lang=en")
	wantContains(t, "english", en.body, `id="cmp-status">Being handled`, "Handling journal", "Reopened")
	c.get("/w/complaints/" + r.ID + "?lang=vi")
	mine := c.get("/w/complaints?mine=1")
	if strings.Contains(mine.body, `id="cmp-row-`+r.ID) {
		t.Error("my list shows a report assigned to another inspector")
	}
	if n := inbAuditCount(t, e, "report.assign"); n != 2 {
		t.Errorf("%d audit entries for assignments, want 2", n)
	}
	for _, a := range []string{"report.note", "report.resolve", "report.reopen"} {
		if n := inbAuditCount(t, e, a); n != 1 {
			t.Errorf("%d audit entries %s, want 1", n, a)
		}
	}
}

// TestComplaintsBadInput: each step's bad input answers 422 beside its
// field and changes nothing; a stale page answers 409.
func TestComplaintsBadInput(t *testing.T) {
	e := newEnv(t)
	r := cmpReport(t, e, "Nghi hàng giả, nhãn in mờ")
	c := e.as(asInspector)
	for _, tc := range []struct {
		name, path string
		form       url.Values
		field      string
	}{
		{"empty note", "/note", url.Values{"note": {" "}}, "note"},
		{"empty resolution", "/resolve", url.Values{"resolution": {""}}, "resolution"},
		{"assign to a non-inspector", "/assign", url.Values{"assignee": {asCoop}}, "assignee"},
		{"assign to nobody", "/assign", url.Values{"assignee": {"nobody-here"}}, "assignee"},
		{"reopen an open report", "/reopen", url.Values{"reopen_reason": {"Mở lại"}}, "status"},
	} {
		c.get("/w/complaints/" + r.ID)
		tc.form.Set("version", strconv.Itoa(r.Version))
		res := c.post("/w/complaints/"+r.ID+tc.path, tc.form)
		wantStatus(t, tc.name, res, http.StatusUnprocessableEntity)
		wantContains(t, tc.name, res.body, `class="field-error"`, `id="form-errors"`)
		if tc.field != "status" {
			wantContains(t, tc.name, res.body, `name="`+tc.field+`"`)
			i := strings.Index(res.body, `name="`+tc.field+`"`)
			if j := strings.Index(res.body[i:], "</form>"); !strings.Contains(res.body[i:i+j], `class="field-error"`) {
				t.Errorf("%s: the message is not beside the field", tc.name)
			}
		}
		if got := cmpFind(t, e, r.ID); got.Version != r.Version || len(got.Notes) != 0 || got.Status != registry.ReportOpen {
			t.Fatalf("%s changed the report: %+v", tc.name, got)
		}
	}
	// What was typed is kept.
	res := c.post("/w/complaints/"+r.ID+"/assign", url.Values{"version": cmpV(r), "assignee": {asCoop}, "assign_note": {"ghi chú giữ lại"}})
	wantContains(t, "kept", res.body, `value="ghi chú giữ lại"`)
	// Stale.
	other := e.as(asAdmin)
	other.get("/w/complaints/" + r.ID)
	wantStatus(t, "first", other.post("/w/complaints/"+r.ID+"/note", url.Values{"version": cmpV(r), "note": {"Ghi chú đầu tiên"}}), http.StatusSeeOther)
	res = c.post("/w/complaints/"+r.ID+"/resolve", url.Values{"version": cmpV(r), "resolution": {"Đã xử lý"}})
	wantStatus(t, "stale", res, http.StatusConflict)
	wantContains(t, "stale", res.body, "Phản ánh đã thay đổi kể từ khi bạn mở", "Ghi chú đầu tiên", `>Đã xử lý</textarea>`)
	if got := cmpFind(t, e, r.ID); got.Status != registry.ReportOpen || len(got.Notes) != 1 {
		t.Fatalf("after the stale step: %+v", got)
	}
}

// TestComplaintsShowTheProductAndReply: the inspector sees the product and
// lot reported (not just a path), where it was bought and the photo, and
// replies to the citizen; an empty reply is refused beside its field.
func TestComplaintsShowTheProductAndReply(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	b, _ := e.db.FindBatch(ctx, e.demo.RoastedBatchID)
	p, _ := e.db.FindProduct(ctx, b.ProductID)
	blob, err := e.docs.Put(ctx, bytes.NewReader(entPNG()), registry.MaxReportPhoto, registry.ReportPhotoTypes)
	if err != nil {
		t.Fatal(err)
	}
	r := &registry.ProblemReport{Subject: "/01/" + p.GTIN + "/10/" + b.LotCode, Kind: "counterfeit", Message: "Tem khác thường",
		PlaceOfPurchase: "Chợ Buôn Ma Thuột", Photo: &blob}
	if err := e.db.CreateReport(ctx, r); err != nil {
		t.Fatal(err)
	}
	c := e.as(asInspector)
	list := c.get("/w/complaints")
	wantContains(t, "list", list.body, p.NameVI+" · lô "+b.LotCode, r.Reference)
	page := c.get("/w/complaints/" + r.ID)
	wantContains(t, "report", page.body, `id="cmp-about">`+p.NameVI+" · lô "+b.LotCode, `id="cmp-place">Chợ Buôn Ma Thuột`,
		`id="cmp-photo"`, `id="cmp-reply-form"`, "/report/"+r.Reference)
	photo := c.get("/w/complaints/" + r.ID + "/photo")
	wantStatus(t, "photo", photo, http.StatusOK)
	if photo.header.Get("Content-Type") != "image/png" || photo.header.Get("X-Content-Type-Options") != "nosniff" {
		t.Errorf("photo headers %v", photo.header)
	}
	if res := e.as(asCoop).get("/w/complaints/" + r.ID + "/photo"); res.status != http.StatusForbidden {
		t.Errorf("an enterprise reads a citizen's photo: %d", res.status)
	}
	res := c.post("/w/complaints/"+r.ID+"/reply", url.Values{"version": cmpV(r), "reply": {" "}})
	wantStatus(t, "empty reply", res, http.StatusUnprocessableEntity)
	if got := cmpFind(t, e, r.ID); got.Reply != "" || got.Version != r.Version {
		t.Fatalf("an empty reply wrote %+v", got)
	}
	res = c.post("/w/complaints/"+r.ID+"/reply", url.Values{"version": cmpV(r), "reply": {"Đã kiểm tra; sản phẩm chính hãng."}})
	wantStatus(t, "reply", res, http.StatusSeeOther)
	got := cmpFind(t, e, r.ID)
	if got.Reply != "Đã kiểm tra; sản phẩm chính hãng." || got.RepliedAt == nil || got.Status != registry.ReportOpen ||
		got.Reference != r.Reference || got.Photo == nil || got.PlaceOfPurchase != "Chợ Buôn Ma Thuột" {
		t.Fatalf("after the reply %+v", got)
	}
}
