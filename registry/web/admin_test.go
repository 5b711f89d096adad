package web_test

import (
	"context"
	"fmt"
	"html"
	"log/slog"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/tracereg/tracereg/registry"
	"github.com/tracereg/tracereg/registry/demodata"
	"github.com/tracereg/tracereg/registry/server"
	"github.com/tracereg/tracereg/registry/web"
)

// --- helpers of the admin tests

// admCountAll counts what a store list holds.
func admCountAll[T any](t *testing.T, fetch func(registry.Page) ([]*T, string, error)) int {
	t.Helper()
	n, cursor := 0, ""
	for {
		items, next, err := fetch(registry.Page{Cursor: cursor, Limit: registry.MaxPageLimit})
		if err != nil {
			t.Fatal(err)
		}
		n += len(items)
		if next == "" {
			return n
		}
		cursor = next
	}
}

func (e *env) admCountEnterprises(t *testing.T) int {
	return admCountAll(t, func(p registry.Page) ([]*registry.Enterprise, string, error) {
		return e.db.ListEnterprises(t.Context(), registry.EnterpriseFilter{Page: p})
	})
}

func (e *env) admCountUsers(t *testing.T) int {
	return admCountAll(t, func(p registry.Page) ([]*registry.User, string, error) { return e.db.ListUsers(t.Context(), p) })
}

func (e *env) admCountBodies(t *testing.T) int {
	return admCountAll(t, func(p registry.Page) ([]*registry.CertificationBody, string, error) {
		return e.db.ListCertificationBodies(t.Context(), p)
	})
}

func (e *env) admCountStandards(t *testing.T) int {
	return admCountAll(t, func(p registry.Page) ([]*registry.Standard, string, error) {
		return e.db.ListStandards(t.Context(), "", p)
	})
}

func (e *env) admCountAudit(t *testing.T, action string) int {
	return admCountAll(t, func(p registry.Page) ([]*registry.AuditEntry, string, error) {
		return e.db.ListAudit(t.Context(), registry.AuditFilter{Action: action, Page: p})
	})
}

// admFieldBlock returns the HTML of one admin form field (its wrapper div).
func admFieldBlock(t *testing.T, body, field string) string {
	t.Helper()
	start := strings.Index(body, `id="field-`+field+`"`)
	if start < 0 {
		t.Fatalf("no field %q in %.1500s", field, body)
		return ""
	}
	rest := body[start:]
	if end := strings.Index(rest, "</div>"); end >= 0 {
		rest = rest[:end]
	}
	return rest
}

// admWantFieldError checks that field's block is marked invalid and holds msg.
func admWantFieldError(t *testing.T, what, body, field, msg string) {
	t.Helper()
	b := admFieldBlock(t, body, field)
	if !strings.Contains(b, `aria-invalid="true"`) || !strings.Contains(b, `class="field-error"`) || !strings.Contains(b, msg) {
		t.Errorf("%s: field %s lacks its message %q: %s", what, field, msg, b)
	}
}

func admEnterpriseValues(tax, name string) url.Values {
	return url.Values{"tax_code": {tax}, "name_vi": {name}, "kind": {"cooperative"}, "district": {"Krông Pắc"},
		"sector": {"agriculture"}, "size": {"small"}, "address": {"Thôn 3, xã Ea Kly"}}
}

var admPasswordPattern = regexp.MustCompile(`id="new-password">([^<]+)<`)

// signIn tries a username and password on a fresh browser.
func (e *env) admSignIn(user, password string) (*client, response) {
	c := e.anon()
	c.get("/login")
	res := c.post("/login", url.Values{"username": {user}, "password": {password}})
	return c, res
}

// --- tests

func TestAdminHomeShowsCountsAndLinks(t *testing.T) {
	e := newEnv(t)
	c := e.as(asAdmin)
	res := c.get("/w/")
	wantStatus(t, "admin home", res, http.StatusOK)
	wantContains(t, "admin home", res.body, `id="admin-counts"`, `id="n-enterprises">2<`, `id="n-users">6<`,
		`id="n-bodies">2<`, `href="/dashboard/programme"`, `href="/thong-ke"`, `href="/w/admin/enterprises"`,
		`href="/w/admin/users"`, `href="/w/admin/bodies"`, `href="/w/admin/standards"`, "QCĐP: 1", "Cán bộ kiểm tra: 1")
	en := c.get("/w/?lang=en")
	wantContains(t, "admin home in English", en.body, "Province staff administration", "conformity dossiers waiting")
	// Other roles keep their own home.
	if strings.Contains(e.as(asInspector).get("/w/").body, `id="admin-counts"`) {
		t.Error("an inspector sees the admin home")
	}
}

func TestAdminEnterprises(t *testing.T) {
	e := newEnv(t)
	c := e.as(asAdmin)
	wantStatus(t, "new form", c.get("/w/admin/enterprises/new"), http.StatusOK)
	before := e.admCountEnterprises(t)

	bad := admEnterpriseValues("12345", "HTX Cà phê Ea Kly")
	bad.Set("district", "")
	res := c.post("/w/admin/enterprises", bad)
	wantStatus(t, "bad tax code", res, http.StatusUnprocessableEntity)
	admWantFieldError(t, "bad tax code", res.body, "tax_code", "10 chữ số")
	admWantFieldError(t, "no district", res.body, "district", "phải là một trong")
	wantContains(t, "typed values kept", res.body, `value="12345"`, `value="HTX Cà phê Ea Kly"`, `value="Thôn 3, xã Ea Kly"`,
		`<option value="cooperative" selected>`)
	res = c.post("/w/admin/enterprises", admEnterpriseValues(demodata.CoopTaxCode, "Trùng mã số thuế"))
	wantStatus(t, "taken tax code", res, http.StatusUnprocessableEntity)
	admWantFieldError(t, "taken tax code", res.body, "tax_code", "Mã số thuế này đã được đăng ký")
	if n := e.admCountEnterprises(t); n != before {
		t.Fatalf("bad input wrote enterprises: %d → %d", before, n)
	}

	res = c.post("/w/admin/enterprises", admEnterpriseValues("6001700333", "HTX Cà phê Ea Kly"))
	wantStatus(t, "create", res, http.StatusSeeOther)
	ent, err := e.db.FindEnterpriseByTaxCode(t.Context(), "6001700333")
	if err != nil || ent.NameVI != "HTX Cà phê Ea Kly" || ent.District != "Krông Pắc" {
		t.Fatalf("created enterprise %+v, %v", ent, err)
	}
	if res.location != "/w/admin/enterprises/"+ent.ID {
		t.Errorf("redirect to %q", res.location)
	}
	wantContains(t, "flash", c.get(res.location).body, "Đã đăng ký doanh nghiệp")
	if e.admCountAudit(t, "enterprise.create") != 1 {
		t.Error("no audit entry for the new enterprise")
	}

	// Search: by name without diacritics, by tax code, by district.
	list := c.get("/w/admin/enterprises?q=" + url.QueryEscape("ea kly"))
	wantStatus(t, "search by name", list, http.StatusOK)
	wantContains(t, "search by name", list.body, "6001700333")
	if strings.Contains(list.body, demodata.CoopTaxCode) {
		t.Error("name search lists the demo cooperative")
	}
	wantContains(t, "search by tax code", c.get("/w/admin/enterprises?q="+demodata.RoasterTaxCode).body, demodata.RoasterTaxCode)
	byDistrict := c.get("/w/admin/enterprises?district=" + url.QueryEscape("Krông Pắc"))
	wantContains(t, "by district", byDistrict.body, "6001700333")

	// Edit, keeping typed values on a bad input.
	edit := c.get("/w/admin/enterprises/" + ent.ID)
	wantStatus(t, "edit form", edit, http.StatusOK)
	wantContains(t, "edit form", edit.body, `value="6001700333"`, `name="version" value="1"`)
	form := admEnterpriseValues("6001700333", "HTX Cà phê Ea Kly (đổi tên)")
	form.Set("version", "1")
	form.Set("email", "not an email\x00")
	res = c.post("/w/admin/enterprises/"+ent.ID, form)
	wantStatus(t, "bad edit", res, http.StatusUnprocessableEntity)
	form.Set("email", "htx@example.vn")
	res = c.post("/w/admin/enterprises/"+ent.ID, form)
	wantStatus(t, "edit", res, http.StatusSeeOther)
	if got, _ := e.db.FindEnterprise(t.Context(), ent.ID); got.NameVI != "HTX Cà phê Ea Kly (đổi tên)" || got.Email != "htx@example.vn" {
		t.Errorf("after edit: %+v", got)
	}
	// The same old version again is a concurrent change.
	res = c.post("/w/admin/enterprises/"+ent.ID, form)
	wantStatus(t, "stale edit", res, http.StatusConflict)
}

func TestAdminUsersCreateWithBindings(t *testing.T) {
	e := newEnv(t)
	c := e.as(asAdmin)
	wantStatus(t, "new user form", c.get("/w/admin/users/new"), http.StatusOK)
	// An enterprise's and a body's pages list their accounts and open the
	// new-account form with the binding filled in.
	page := c.get("/w/admin/enterprises/" + e.demo.CoopID)
	wantContains(t, "enterprise's accounts", page.body, `id="people"`, ">coop</a>",
		"/w/admin/users/new?role=enterprise&amp;enterprise="+demodata.CoopTaxCode)
	prefilled := c.get("/w/admin/users/new?role=enterprise&enterprise=" + demodata.CoopTaxCode)
	wantContains(t, "prefilled", prefilled.body, `value="`+demodata.CoopTaxCode+`"`, `<option value="enterprise" selected>`)
	wantContains(t, "body's accounts", c.get("/w/admin/bodies/"+e.body.ID).body, ">certifier</a>")
	before := e.admCountUsers(t)
	cases := []struct {
		name  string
		form  url.Values
		field string
		msg   string
	}{
		{"duplicate username", url.Values{"username": {asCoop}, "display_name": {"Ai đó"}, "role": {"inspector"}}, "username", "Tên đăng nhập đã được dùng"},
		{"bad username", url.Values{"username": {"a b"}, "display_name": {"Ai đó"}, "role": {"inspector"}}, "username", "3 đến 64 ký tự"},
		{"enterprise user without enterprise", url.Values{"username": {"htx.moi"}, "display_name": {"HTX mới"}, "role": {"enterprise"}}, "enterprise", "phải gắn với một doanh nghiệp"},
		{"enterprise not registered", url.Values{"username": {"htx.moi"}, "display_name": {"HTX mới"}, "role": {"enterprise"}, "enterprise": {"6009999999"}}, "enterprise", "hãy đăng ký doanh nghiệp trước"},
		{"certifier without body", url.Values{"username": {"cn.moi"}, "display_name": {"CN mới"}, "role": {"certifier"}}, "body_id", "phải gắn với một tổ chức chứng nhận"},
		{"short typed password", url.Values{"username": {"tt.moi"}, "display_name": {"TT mới"}, "role": {"inspector"}, "password": {"short"}}, "password", "10 đến 128"},
		{"no role", url.Values{"username": {"tt.moi"}, "display_name": {"TT mới"}}, "role", "phải là một trong"},
	}
	for _, tc := range cases {
		res := c.post("/w/admin/users", tc.form)
		wantStatus(t, tc.name, res, http.StatusUnprocessableEntity)
		admWantFieldError(t, tc.name, res.body, tc.field, tc.msg)
		wantContains(t, tc.name+": values kept", res.body, `value="`+tc.form.Get("display_name")+`"`)
		if strings.Contains(res.body, "short\"") {
			t.Errorf("%s: the typed password is shown again", tc.name)
		}
	}
	if n := e.admCountUsers(t); n != before {
		t.Fatalf("bad input wrote users: %d → %d", before, n)
	}

	// A generated password, shown once; it signs in.
	res := c.post("/w/admin/users", url.Values{"username": {"htx.eakly"}, "display_name": {"Nguyễn Thị Hoa"}, "role": {"enterprise"},
		"enterprise": {demodata.CoopTaxCode}})
	wantStatus(t, "create enterprise user", res, http.StatusOK)
	m := admPasswordPattern.FindStringSubmatch(res.body)
	if m == nil {
		t.Fatalf("no one-time password in %.1000s", res.body)
	}
	if res.header.Get("Cache-Control") != "no-store" {
		t.Errorf("password page Cache-Control %q", res.header.Get("Cache-Control"))
	}
	u, err := e.db.FindUserByUsername(t.Context(), "htx.eakly")
	if err != nil || u.EnterpriseID != e.demo.CoopID || u.Role != registry.RoleEnterprise {
		t.Fatalf("created user %+v, %v", u, err)
	}
	if _, r := e.admSignIn("htx.eakly", m[1]); r.status != http.StatusSeeOther {
		t.Errorf("the generated password does not sign in: %d", r.status)
	}
	// The password is not on the user's page afterwards.
	if strings.Contains(c.get("/w/admin/users/"+u.ID).body, m[1]) {
		t.Error("the password is shown again")
	}

	// A typed password; a certifier bound to a body.
	res = c.post("/w/admin/users", url.Values{"username": {"cn.taynguyen"}, "display_name": {"Lê Văn Nam"}, "role": {"certifier"},
		"body_id": {e.body.ID}, "password": {"a typed password 1"}})
	wantStatus(t, "create certifier", res, http.StatusOK)
	wantContains(t, "typed password", res.body, `id="typed-password"`)
	if strings.Contains(res.body, "a typed password 1") {
		t.Error("the typed password is shown")
	}
	cert, err := e.db.FindUserByUsername(t.Context(), "cn.taynguyen")
	if err != nil || cert.BodyID != e.body.ID {
		t.Fatalf("certifier %+v, %v", cert, err)
	}
	if _, r := e.admSignIn("cn.taynguyen", "a typed password 1"); r.status != http.StatusSeeOther {
		t.Errorf("the typed password does not sign in: %d", r.status)
	}
	if n := e.admCountAudit(t, "user.create"); n != 2 {
		t.Errorf("%d user.create audit entries, want 2", n)
	}

	// The list: search and filter by role, with the binding shown.
	list := c.get("/w/admin/users?q=" + url.QueryEscape("nguyen thi hoa"))
	wantContains(t, "search users", list.body, "htx.eakly", "6001700111")
	if strings.Contains(list.body, `id="user-cn.taynguyen"`) {
		t.Error("search lists another user")
	}
	wantContains(t, "certifiers", c.get("/w/admin/users?role=certifier").body, `id="user-cn.taynguyen"`, `id="user-certifier2"`)

	// Edit: a role change moves the binding; an enterprise role needs one.
	form := url.Values{"display_name": {"Lê Văn Nam"}, "role": {"enterprise"}, "version": {"1"}}
	res = c.post("/w/admin/users/"+cert.ID, form)
	wantStatus(t, "enterprise role without enterprise", res, http.StatusUnprocessableEntity)
	admWantFieldError(t, "edit", res.body, "enterprise", "phải gắn với một doanh nghiệp")
	form.Set("enterprise", demodata.RoasterTaxCode)
	res = c.post("/w/admin/users/"+cert.ID, form)
	wantStatus(t, "edit role", res, http.StatusSeeOther)
	if got, _ := e.db.FindUser(t.Context(), cert.ID); got.Role != registry.RoleEnterprise || got.EnterpriseID != e.demo.RoasterID || got.BodyID != "" {
		t.Errorf("after edit: %+v", got)
	}
}

func TestAdminDisableSignsTheUserOutAtOnce(t *testing.T) {
	e := newEnv(t)
	coop := e.as(asCoop)
	wantStatus(t, "coop before", coop.get("/w/"), http.StatusOK)
	c := e.as(asAdmin)
	id := e.users[asCoop].ID
	c.get("/w/admin/users/" + id)
	res := c.post("/w/admin/users/"+id+"/disable", url.Values{})
	wantStatus(t, "disable", res, http.StatusSeeOther)
	wantContains(t, "disabled page", c.get(res.location).body, "Đã khóa tài khoản", `id="enable"`)
	wantStatus(t, "coop's open session", coop.get("/w/"), http.StatusSeeOther)
	if _, r := e.admSignIn(asCoop, testPassword); r.status != http.StatusUnauthorized || !strings.Contains(r.body, "đã bị khóa") {
		t.Errorf("a disabled user signs in: %d", r.status)
	}
	if e.admCountAudit(t, "user.disable") != 1 {
		t.Error("no audit entry")
	}
	res = c.post("/w/admin/users/"+id+"/enable", url.Values{})
	wantStatus(t, "enable", res, http.StatusSeeOther)
	if _, r := e.admSignIn(asCoop, testPassword); r.status != http.StatusSeeOther {
		t.Errorf("an enabled user cannot sign in: %d", r.status)
	}
}

func TestAdminResetPassword(t *testing.T) {
	e := newEnv(t)
	roaster := e.as(asRoaster)
	c := e.as(asAdmin)
	id := e.users[asRoaster].ID
	c.get("/w/admin/users/" + id)
	res := c.post("/w/admin/users/"+id+"/password", url.Values{})
	wantStatus(t, "reset", res, http.StatusOK)
	m := admPasswordPattern.FindStringSubmatch(res.body)
	if m == nil {
		t.Fatalf("no new password in %.1000s", res.body)
	}
	wantStatus(t, "old session after reset", roaster.get("/w/"), http.StatusSeeOther)
	if _, r := e.admSignIn(asRoaster, testPassword); r.status != http.StatusUnauthorized {
		t.Errorf("the old password still signs in: %d", r.status)
	}
	if _, r := e.admSignIn(asRoaster, m[1]); r.status != http.StatusSeeOther {
		t.Errorf("the new password does not sign in: %d", r.status)
	}
	// The audit entry names the reset; the password is nowhere in it.
	entries, _, err := e.db.ListAudit(t.Context(), registry.AuditFilter{Action: "user.password_reset"})
	if err != nil || len(entries) != 1 || entries[0].TargetID != id {
		t.Fatalf("audit %+v, %v", entries, err)
	}
}

func TestAdminCannotDisableOrDemoteThemself(t *testing.T) {
	e := newEnv(t)
	c := e.as(asAdmin)
	id := e.users[asAdmin].ID
	page := c.get("/w/admin/users/" + id)
	wantContains(t, "own page", page.body, `id="self-note"`)
	res := c.post("/w/admin/users/"+id+"/disable", url.Values{})
	wantStatus(t, "self-disable", res, http.StatusUnprocessableEntity)
	wantContains(t, "self-disable", res.body, "không thể tự khóa")
	res = c.post("/w/admin/users/"+id, url.Values{"display_name": {"Quản trị"}, "role": {"inspector"}, "version": {"1"}})
	wantStatus(t, "self-demote", res, http.StatusUnprocessableEntity)
	admWantFieldError(t, "self-demote", res.body, "role", "không thể tự bỏ vai trò")
	res = c.post("/w/admin/users/"+id+"/password", url.Values{})
	wantStatus(t, "self-reset", res, http.StatusUnprocessableEntity)
	u, _ := e.db.FindUser(t.Context(), id)
	if u.Disabled || u.Role != registry.RoleAdmin || u.Version != 1 {
		t.Errorf("admin changed: %+v", u)
	}
	wantStatus(t, "still signed in", c.get("/w/"), http.StatusOK)
}

func TestAdminBodies(t *testing.T) {
	e := newEnv(t)
	c := e.as(asAdmin)
	before := e.admCountBodies(t)
	res := c.post("/w/admin/bodies", url.Values{"code": {"QUACERT"}, "name": {""}, "accredited_until": {"31/12/2027"}, "schemes": {"VietGAP", "HACCP"}})
	wantStatus(t, "bad body", res, http.StatusUnprocessableEntity)
	admWantFieldError(t, "no name", res.body, "name", "là bắt buộc")
	admWantFieldError(t, "bad date", res.body, "accredited_until", "YYYY-MM-DD")
	wantContains(t, "values kept", res.body, `value="QUACERT"`, `value="VietGAP" checked`, `value="HACCP" checked`)
	res = c.post("/w/admin/bodies", url.Values{"code": {demodata.BodyCode}, "name": {"Trùng mã"}})
	wantStatus(t, "taken code", res, http.StatusUnprocessableEntity)
	admWantFieldError(t, "taken code", res.body, "code", "Đã có tổ chức chứng nhận mang mã này")
	if n := e.admCountBodies(t); n != before {
		t.Fatalf("bad input wrote bodies: %d → %d", before, n)
	}
	res = c.post("/w/admin/bodies", url.Values{"code": {"QUACERT"}, "name": {"Trung tâm Chứng nhận Phù hợp"}, "accredited_by": {"BoA"},
		"accreditation_number": {"VICAS 001"}, "accredited_until": {"2027-12-31"}, "designated": {"on"}, "schemes": {"VietGAP", "HACCP"}})
	wantStatus(t, "create body", res, http.StatusSeeOther)
	b, err := e.db.FindCertificationBodyByCode(t.Context(), "QUACERT")
	if err != nil || !b.Designated || b.AccreditedUntil != "2027-12-31" || len(b.Schemes) != 2 {
		t.Fatalf("body %+v, %v", b, err)
	}
	list := c.get("/w/admin/bodies?q=vicas")
	wantContains(t, "search bodies", list.body, `id="body-QUACERT"`, "31/12/2027")
	// Accreditation lapses: shown in the list; edit it.
	e.clock.Add(2 * 365 * 24 * time.Hour)
	c = e.as(asAdmin) // the session has long expired
	wantContains(t, "expired accreditation", c.get("/w/admin/bodies").body, "hết hiệu lực")
	edit := c.get("/w/admin/bodies/" + b.ID)
	wantContains(t, "edit form", edit.body, `value="VICAS 001"`, `id="designated" name="designated" value="on" checked`)
	res = c.post("/w/admin/bodies/"+b.ID, url.Values{"code": {"QUACERT"}, "name": {b.Name}, "accredited_by": {"BoA"},
		"accreditation_number": {"VICAS 001"}, "accredited_until": {"2030-12-31"}, "schemes": {"VietGAP"}, "version": {"1"}})
	wantStatus(t, "edit body", res, http.StatusSeeOther)
	if got, _ := e.db.FindCertificationBody(t.Context(), b.ID); got.AccreditedUntil != "2030-12-31" || got.Designated || len(got.Schemes) != 1 {
		t.Errorf("after edit %+v", got)
	}
	if e.admCountAudit(t, "certification_body.update") != 1 {
		t.Error("no audit entry")
	}
}

func TestAdminStandardsKeepTheUploadAcrossAFailedSubmit(t *testing.T) {
	e := newEnv(t)
	c := e.as(asAdmin)
	wantContains(t, "QCĐP tab", c.get("/w/admin/standards?kind=QCDP").body, "QCĐP 01:2025/ĐL")
	if strings.Contains(c.get("/w/admin/standards?kind=QCDP").body, "TCVN 4193") {
		t.Error("the QCĐP tab lists a TCVN")
	}
	c.get("/w/admin/standards/new")
	before := e.admCountStandards(t)
	pdf := minimalPDF("QCĐP 02:2026/ĐL mật ong")
	form := url.Values{"code": {"QCDP-02"}, "title_vi": {"Quy chuẩn kỹ thuật địa phương về mật ong"}, "issuer": {"UBND tỉnh Đắk Lắk"},
		"issued_on": {"2026-01-15"}, "categories": {"honey"}}
	res := c.postMultipart("/w/admin/standards", form, upload{"document", "qcdp-02.pdf", pdf})
	wantStatus(t, "bad code", res, http.StatusUnprocessableEntity)
	admWantFieldError(t, "bad code", res.body, "code", "phải là số hiệu")
	wantContains(t, "kept", res.body, `value="QCDP-02"`, `value="honey" checked`, `name="document_staged"`, "qcdp-02.pdf")
	if n := e.admCountStandards(t); n != before {
		t.Fatal("a bad code wrote a standard")
	}
	staged := regexp.MustCompile(`name="document_staged" value="([^"]+)"`).FindStringSubmatch(res.body)[1]
	// Not a PDF.
	res = c.postMultipart("/w/admin/standards", form, upload{"document", "note.txt", []byte("plain text, not a PDF")})
	wantStatus(t, "not a pdf", res, http.StatusUnprocessableEntity)
	admFieldBlock(t, res.body, "document")
	if !strings.Contains(admFieldBlock(t, res.body, "document"), `class="field-error"`) {
		t.Error("no message beside the document")
	}
	// Send again with the staged upload only.
	form.Set("code", "QCĐP 02:2026/ĐL")
	form.Set("document_staged", staged)
	res = c.postMultipart("/w/admin/standards", form)
	wantStatus(t, "create with the staged upload", res, http.StatusSeeOther)
	s, err := e.db.FindStandardByCode(t.Context(), "QCĐP 02:2026/ĐL")
	if err != nil || s.Kind != "QCDP" || s.DocumentID == "" || len(s.Categories) != 1 {
		t.Fatalf("standard %+v, %v", s, err)
	}
	doc, err := e.db.FindDocument(t.Context(), s.DocumentID)
	if err != nil || doc.Kind != "regulation" || !doc.Public || doc.FileName != "qcdp-02.pdf" {
		t.Fatalf("document %+v, %v", doc, err)
	}
	dl := c.get("/w/admin/standards/" + s.ID + "/document")
	wantStatus(t, "download", dl, http.StatusOK)
	if dl.body != string(pdf) || dl.header.Get("Content-Type") != "application/pdf" {
		t.Errorf("download %q %q", dl.header.Get("Content-Type"), dl.body)
	}
	// Search, then edit without a new file keeps the document.
	wantContains(t, "search", c.get("/w/admin/standards?q=mat+ong").body, "QCĐP 02:2026/ĐL")
	edit := c.get("/w/admin/standards/" + s.ID)
	wantContains(t, "edit", edit.body, `id="current-document"`, `value="2026-01-15"`)
	form.Del("document_staged")
	form.Set("title_vi", "Quy chuẩn về mật ong (sửa)")
	form.Set("version", "1")
	res = c.postMultipart("/w/admin/standards/"+s.ID, form)
	wantStatus(t, "edit", res, http.StatusSeeOther)
	if got, _ := e.db.FindStandard(t.Context(), s.ID); got.TitleVI != "Quy chuẩn về mật ong (sửa)" || got.DocumentID != s.DocumentID {
		t.Errorf("after edit %+v", got)
	}
	// A code the catalogue has is refused beside the code.
	form.Set("code", "TCVN 4193:2014")
	form.Set("version", "2")
	res = c.postMultipart("/w/admin/standards/"+s.ID, form)
	wantStatus(t, "taken code", res, http.StatusUnprocessableEntity)
	admWantFieldError(t, "taken code", res.body, "code", "Danh mục đã có số hiệu này")
}

// admRoutes are every admin page and action.
func admRoutes(e *env) []struct{ method, path string } {
	uid, eid, bid := e.users[asCoop].ID, e.demo.CoopID, e.body.ID
	std, err := e.db.FindStandardByCode(context.Background(), "QCĐP 01:2025/ĐL")
	if err != nil {
		e.t.Fatal(err)
	}
	return []struct{ method, path string }{
		{"GET", "/w/admin/enterprises"}, {"GET", "/w/admin/enterprises/new"}, {"POST", "/w/admin/enterprises"},
		{"GET", "/w/admin/enterprises/" + eid}, {"POST", "/w/admin/enterprises/" + eid},
		{"GET", "/w/admin/users"}, {"GET", "/w/admin/users/new"}, {"POST", "/w/admin/users"},
		{"GET", "/w/admin/users/" + uid}, {"POST", "/w/admin/users/" + uid}, {"POST", "/w/admin/users/" + uid + "/disable"},
		{"POST", "/w/admin/users/" + uid + "/enable"}, {"POST", "/w/admin/users/" + uid + "/password"},
		{"GET", "/w/admin/bodies"}, {"GET", "/w/admin/bodies/new"}, {"POST", "/w/admin/bodies"},
		{"GET", "/w/admin/bodies/" + bid}, {"POST", "/w/admin/bodies/" + bid},
		{"GET", "/w/admin/standards"}, {"GET", "/w/admin/standards/new"}, {"POST", "/w/admin/standards"},
		{"GET", "/w/admin/standards/" + std.ID}, {"POST", "/w/admin/standards/" + std.ID}, {"GET", "/w/admin/standards/" + std.ID + "/document"},
		{"GET", "/w/admin/demo"}, {"POST", "/w/admin/demo"},
	}
}

func TestAdminPagesRefuseOtherRoles(t *testing.T) {
	e := newEnv(t)
	routes := admRoutes(e)
	form := url.Values{"tax_code": {"6001700444"}, "name_vi": {"X"}, "kind": {"company"}, "district": {"Lắk"}, "sector": {"other"},
		"size": {"micro"}, "username": {"intruder"}, "display_name": {"Intruder"}, "role": {"admin"}, "code": {"TCVN 1:2020"},
		"name": {"X"}, "title_vi": {"X"}, "version": {"1"}}
	ents, users, bodies, stds := e.admCountEnterprises(t), e.admCountUsers(t), e.admCountBodies(t), e.admCountStandards(t)
	for _, who := range []string{asInspector, asCertifier, asCertifier2, asCoop, asRoaster} {
		c := e.as(who)
		for _, r := range routes {
			var res response
			if r.method == "GET" {
				res = c.get(r.path)
			} else {
				res = c.post(r.path, form)
			}
			wantStatus(t, who+" "+r.method+" "+r.path, res, http.StatusForbidden)
		}
		if strings.Contains(c.get("/w/").body, "/w/admin/") {
			t.Errorf("%s's menu links to the admin pages", who)
		}
	}
	anon := e.anon()
	for _, r := range routes {
		if r.method == "GET" {
			res := anon.get(r.path)
			wantStatus(t, "anonymous "+r.path, res, http.StatusSeeOther)
			if !strings.HasPrefix(res.location, "/login") {
				t.Errorf("anonymous %s → %q", r.path, res.location)
			}
		} else {
			wantStatus(t, "anonymous POST "+r.path, anon.post(r.path, form), http.StatusUnauthorized)
		}
	}
	if e.admCountEnterprises(t) != ents || e.admCountUsers(t) != users || e.admCountBodies(t) != bodies || e.admCountStandards(t) != stds {
		t.Error("a refused request wrote something")
	}
	if u, _ := e.db.FindUser(t.Context(), e.users[asCoop].ID); u.Disabled || u.Version != 1 {
		t.Errorf("the coop user changed: %+v", u)
	}
	// An unknown record is 404 for an admin.
	c := e.as(asAdmin)
	for _, p := range []string{"/w/admin/enterprises/0123456789abcdef01234567", "/w/admin/users/0123456789abcdef01234567",
		"/w/admin/bodies/0123456789abcdef01234567", "/w/admin/standards/0123456789abcdef01234567", "/w/admin/users/nonsense"} {
		wantStatus(t, "unknown "+p, c.get(p), http.StatusNotFound)
	}
}

func TestAdminFormsNeedTheCSRFToken(t *testing.T) {
	e := newEnv(t)
	c := e.as(asAdmin)
	before, users := e.admCountEnterprises(t), e.admCountUsers(t)
	id := e.users[asCoop].ID
	other := e.as(asAdmin)
	for _, token := range []string{"", "wrong", other.csrf} {
		res := c.post("/w/admin/enterprises", url.Values{"_csrf": {token}, "tax_code": {"6001700555"}, "name_vi": {"X"}, "kind": {"company"},
			"district": {"Lắk"}, "sector": {"other"}, "size": {"micro"}})
		wantStatus(t, "enterprise csrf "+token, res, http.StatusForbidden)
		res = c.post("/w/admin/users", url.Values{"_csrf": {token}, "username": {"x.y.z"}, "display_name": {"X"}, "role": {"inspector"}})
		wantStatus(t, "user csrf "+token, res, http.StatusForbidden)
		wantStatus(t, "disable csrf "+token, c.post("/w/admin/users/"+id+"/disable", url.Values{"_csrf": {token}}), http.StatusForbidden)
		wantStatus(t, "demo csrf "+token, c.post("/w/admin/demo", url.Values{"_csrf": {token}}), http.StatusForbidden)
	}
	if e.admCountEnterprises(t) != before || e.admCountUsers(t) != users {
		t.Error("a forged form wrote something")
	}
	if u, _ := e.db.FindUser(t.Context(), id); u.Disabled {
		t.Error("a forged form disabled a user")
	}
}

func TestAdminDemoReset(t *testing.T) {
	// The test env is wired like production: no ResetDemo.
	e := newEnv(t)
	c := e.as(asAdmin)
	page := c.get("/w/admin/demo")
	wantStatus(t, "demo page", page, http.StatusOK)
	wantContains(t, "demo page", page.body, `id="demo-unavailable"`)
	if strings.Contains(page.body, `id="demo-form"`) {
		t.Error("the reset form shows without a reset")
	}
	wantStatus(t, "reset refused", c.post("/w/admin/demo", url.Values{}), http.StatusForbidden)

	// A second app over the same database, wired with a reset.
	var calls atomic.Int32
	log := slog.New(slog.NewTextHandler(testLog{t}, &slog.HandlerOptions{Level: slog.LevelWarn}))
	app, err := server.New(server.Config{Store: e.db, Documents: e.docs, Logger: log})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := web.New(app, web.Config{Store: e.db, Documents: e.docs, Clock: e.clock, Logger: log,
		ResetDemo: func(ctx context.Context) error {
			calls.Add(1)
			_, err := demodata.Seed(ctx, e.db, e.docs)
			return err
		}}); err != nil {
		t.Fatal(err)
	}
	dev := *e
	dev.app = app
	before := e.admCountEnterprises(t)
	a := dev.as(asAdmin)
	page = a.get("/w/admin/demo")
	wantContains(t, "demo page with a reset", page.body, `id="demo-form"`, `id="demo-reset"`)
	res := a.post("/w/admin/demo", url.Values{})
	wantStatus(t, "reset", res, http.StatusSeeOther)
	wantContains(t, "after reset", a.get(res.location).body, "Đã nạp lại dữ liệu mẫu")
	if calls.Load() != 1 {
		t.Errorf("reset called %d times", calls.Load())
	}
	if e.admCountEnterprises(t) != before {
		t.Error("reloading the demo duplicated records")
	}
	if e.admCountAudit(t, "demo.reset") != 1 {
		t.Error("no audit entry for the reset")
	}
	// Still refused to other roles.
	wantStatus(t, "inspector reset", dev.as(asInspector).post("/w/admin/demo", url.Values{}), http.StatusForbidden)
	if calls.Load() != 1 {
		t.Error("an inspector reset the demo")
	}
}

func TestAdminListsArePaged(t *testing.T) {
	e := newEnv(t)
	for i := range 27 {
		ent := &registry.Enterprise{TaxCode: fmt.Sprintf("60018%05d", i), NameVI: fmt.Sprintf("HTX Thử nghiệm %02d", i), Kind: "cooperative",
			District: "Lắk", Sector: "agriculture", Size: "micro"}
		if err := e.db.CreateEnterprise(t.Context(), ent); err != nil {
			t.Fatal(err)
		}
	}
	c := e.as(asAdmin)
	rows := regexp.MustCompile(`<tr id="ent-`)
	next := regexp.MustCompile(`href="([^"]+)" id="next-page"`)
	for _, path := range []string{"/w/admin/enterprises?q=" + url.QueryEscape("thu nghiem"), "/w/admin/enterprises?district=" + url.QueryEscape("Lắk")} {
		first := c.get(path)
		wantStatus(t, path, first, http.StatusOK)
		if n := len(rows.FindAllString(first.body, -1)); n != 25 {
			t.Fatalf("%s: %d rows on the first page", path, n)
		}
		m := next.FindStringSubmatch(first.body)
		if m == nil {
			t.Fatalf("%s: no next page link", path)
		}
		second := c.get(html.UnescapeString(m[1])) // as a browser reads the link

		wantStatus(t, "second page", second, http.StatusOK)
		if n := len(rows.FindAllString(second.body, -1)); n != 2 {
			t.Errorf("%s: %d rows on the second page", path, n)
		}
		if next.MatchString(second.body) {
			t.Errorf("%s: a next link on the last page", path)
		}
		wantContains(t, "second page", second.body, "HTX Thử nghiệm 26", "Về trang đầu")
	}
	wantStatus(t, "bad cursor", c.get("/w/admin/enterprises?cursor=nonsense"), http.StatusUnprocessableEntity)
}
