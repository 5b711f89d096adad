package web_test

import (
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/tracereg/tracereg/registry"
	"github.com/tracereg/tracereg/registry/web"
)

func TestSignInSetsASafeSessionCookie(t *testing.T) {
	e := newEnv(t)
	c := e.anon()
	form := c.get("/login")
	wantStatus(t, "login page", form, http.StatusOK)
	wantContains(t, "login page", form.body, `<html lang="vi">`, "Đăng nhập", `name="_csrf"`)
	if csp := form.header.Get("Content-Security-Policy"); !strings.Contains(csp, "script-src 'self'") || !strings.Contains(csp, "frame-ancestors 'none'") || strings.Contains(csp, "unsafe-inline") {
		t.Errorf("CSP %q", csp)
	}
	if form.header.Get("X-Content-Type-Options") != "nosniff" || form.header.Get("Referrer-Policy") == "" {
		t.Errorf("security headers: %v", form.header)
	}
	res := c.post("/login", url.Values{"username": {asCoop}, "password": {testPassword}, "next": {"/w/"}})
	wantStatus(t, "sign in", res, http.StatusSeeOther)
	if res.location != "/w/" {
		t.Errorf("redirect to %q", res.location)
	}
	var cookie string
	for _, h := range res.header.Values("Set-Cookie") {
		if strings.HasPrefix(h, "tr_session=") {
			cookie = h
		}
	}
	for _, attr := range []string{"HttpOnly", "SameSite=Lax", "path=/"} {
		if !strings.Contains(cookie, attr) {
			t.Errorf("session cookie %q lacks %s", cookie, attr)
		}
	}
	if strings.Contains(cookie, "secure") {
		t.Errorf("plain-HTTP session cookie marked Secure: %q", cookie)
	}
	home := c.get("/w/")
	wantStatus(t, "home", home, http.StatusOK)
	wantContains(t, "home", home.body, asCoop, "Đăng xuất")
}

func TestSecureCookieBehindTLS(t *testing.T) {
	e := newEnv(t)
	c := e.anon()
	c.get("/login")
	form := url.Values{"username": {asCoop}, "password": {testPassword}, "_csrf": {c.csrf}}
	req := newFormRequest("/login", form)
	req.Header.Set("X-Forwarded-Proto", "https")
	res := c.do(req)
	wantStatus(t, "sign in", res, http.StatusSeeOther)
	if h := strings.Join(res.header.Values("Set-Cookie"), "\n"); !strings.Contains(h, "tr_session=") || !strings.Contains(strings.ToLower(h), "secure") {
		t.Errorf("cookies over TLS: %s", h)
	}
}

func TestWrongPasswordKeepsUsernameAndSaysWhy(t *testing.T) {
	e := newEnv(t)
	c := e.anon()
	c.get("/login")
	res := c.post("/login", url.Values{"username": {asCoop}, "password": {"wrong password!"}})
	wantStatus(t, "wrong password", res, http.StatusUnauthorized)
	wantContains(t, "wrong password", res.body, "Sai tên đăng nhập hoặc mật khẩu", `value="coop"`)
	if _, ok := c.cookies["tr_session"]; ok {
		t.Error("a session cookie after a failed sign-in")
	}
}

func TestSignInNeedsTheLoginFormToken(t *testing.T) {
	e := newEnv(t)
	c := e.anon()
	c.get("/login")
	res := c.post("/login", url.Values{"username": {asCoop}, "password": {testPassword}, "_csrf": {"forged"}})
	wantStatus(t, "forged login token", res, http.StatusForbidden)
	if _, ok := c.cookies["tr_session"]; ok {
		t.Error("signed in without the form's token")
	}
}

func TestErrorPagesCarryTheWorkspaceHeaders(t *testing.T) {
	e := newEnv(t)
	c := e.as(asCoop)
	res := c.post("/logout", url.Values{"_csrf": {"wrong"}})
	wantStatus(t, "forged token", res, http.StatusForbidden)
	if csp := res.header.Get("Content-Security-Policy"); !strings.Contains(csp, "frame-ancestors 'none'") {
		t.Errorf("error page CSP %q", csp)
	}
	if cc := res.header.Get("Cache-Control"); cc != "no-store" {
		t.Errorf("error page Cache-Control %q", cc)
	}
}

func TestPagesNeedSignIn(t *testing.T) {
	e := newEnv(t)
	res := e.anon().get("/w/")
	wantStatus(t, "anonymous home", res, http.StatusSeeOther)
	if !strings.HasPrefix(res.location, "/login?next=") {
		t.Errorf("redirect %q", res.location)
	}
	res = e.anon().post("/logout", url.Values{})
	wantStatus(t, "anonymous POST", res, http.StatusUnauthorized)
}

func TestOpenRedirectRefused(t *testing.T) {
	e := newEnv(t)
	// Browsers drop TAB, CR and LF from a URL, so "/\t/evil.example" is "//evil.example".
	for _, next := range []string{"//evil.example/x", "https://evil.example/", "/\\evil.example", "/\t/evil.example",
		"/\r\n/evil.example", "/\n/evil.example", "/\x00/evil.example", "/\u00a0/evil.example", "/\u200b/evil.example",
		"javascript:alert(1)", "/\t\t/evil.example"} {
		c := e.anon()
		c.get("/login")
		res := c.post("/login", url.Values{"username": {asCoop}, "password": {testPassword}, "next": {next}})
		wantStatus(t, "sign in", res, http.StatusSeeOther)
		if res.location != web.Prefix+"/" {
			t.Errorf("next=%q redirected to %q", next, res.location)
		}
	}
	// The URL form of the report: the query's %09 arrives as a TAB.
	c := e.anon()
	res := c.get("/login?next=/%09/evil.example")
	wantStatus(t, "sign-in form", res, http.StatusOK)
	if m := regexp.MustCompile(`name="next" value="([^"]*)"`).FindStringSubmatch(res.body); m == nil || m[1] != web.Prefix+"/" {
		t.Errorf("the sign-in form carries next on as %q, want %q", m, web.Prefix+"/")
	}
	// A path of this site is kept.
	c = e.anon()
	c.get("/login")
	res = c.post("/login", url.Values{"username": {asCoop}, "password": {testPassword}, "next": {web.Prefix + "/lots?page=2"}})
	if res.location != web.Prefix+"/lots?page=2" {
		t.Errorf("a same-site next redirected to %q", res.location)
	}
}

func TestCSRFRequiredOnEveryPost(t *testing.T) {
	e := newEnv(t)
	c := e.as(asCoop)
	for _, token := range []string{"", "wrong-token"} {
		res := c.post("/logout", url.Values{"_csrf": {token}})
		wantStatus(t, "logout with csrf "+token, res, http.StatusForbidden)
	}
	// Still signed in.
	wantStatus(t, "home", c.get("/w/"), http.StatusOK)
	// Another session's token does not work either.
	other := e.as(asRoaster)
	res := c.post("/logout", url.Values{"_csrf": {other.csrf}})
	wantStatus(t, "logout with another session's token", res, http.StatusForbidden)
	res = c.post("/logout", url.Values{})
	wantStatus(t, "logout", res, http.StatusSeeOther)
	wantStatus(t, "home after logout", c.get("/w/"), http.StatusSeeOther)
}

func TestSignOutEndsTheSessionOnTheServer(t *testing.T) {
	e := newEnv(t)
	c := e.as(asCoop)
	stolen := c.cookies["tr_session"]
	c.post("/logout", url.Values{})
	thief := e.anon()
	thief.cookies["tr_session"] = stolen
	wantStatus(t, "stolen cookie after sign-out", thief.get("/w/"), http.StatusSeeOther)
}

func TestSessionExpiresWhenIdle(t *testing.T) {
	e := newEnv(t)
	c := e.as(asCoop)
	e.clock.Add(registry.WebSessionIdle - time.Minute)
	wantStatus(t, "before idle timeout", c.get("/w/"), http.StatusOK)
	e.clock.Add(registry.WebSessionIdle + time.Minute)
	wantStatus(t, "after idle timeout", c.get("/w/"), http.StatusSeeOther)
}

func TestDisabledUserIsSignedOut(t *testing.T) {
	e := newEnv(t)
	c := e.as(asCoop)
	u, err := e.db.FindUser(t.Context(), e.users[asCoop].ID)
	if err != nil {
		t.Fatal(err)
	}
	u.Disabled = true
	if err := e.db.UpdateUser(t.Context(), u); err != nil {
		t.Fatal(err)
	}
	wantStatus(t, "disabled user", c.get("/w/"), http.StatusSeeOther)
}

func TestPasswordChange(t *testing.T) {
	e := newEnv(t)
	c := e.as(asCoop)
	other := e.as(asCoop) // a second browser of the same user
	c.get("/account/password")
	res := c.post("/account/password", url.Values{"current": {"not it at all"}, "new": {"a new password 1"}, "confirm": {"a new password 1"}})
	wantStatus(t, "wrong current password", res, http.StatusUnprocessableEntity)
	wantContains(t, "wrong current password", res.body, "Mật khẩu hiện tại không đúng")
	res = c.post("/account/password", url.Values{"current": {testPassword}, "new": {"short"}, "confirm": {"short"}})
	wantStatus(t, "short password", res, http.StatusUnprocessableEntity)
	wantContains(t, "short password", res.body, `id="new"`, `aria-invalid="true"`)
	res = c.post("/account/password", url.Values{"current": {testPassword}, "new": {"a new password 1"}, "confirm": {"a new password 2"}})
	wantStatus(t, "mismatch", res, http.StatusUnprocessableEntity)
	res = c.post("/account/password", url.Values{"current": {testPassword}, "new": {"a new password 1"}, "confirm": {"a new password 1"}})
	wantStatus(t, "change", res, http.StatusSeeOther)
	wantContains(t, "after change", c.get("/w/").body, "Đã đổi mật khẩu")
	wantStatus(t, "other browser after change", other.get("/w/"), http.StatusSeeOther)
	// The new password signs in; the old one does not.
	n := e.anon()
	n.get("/login")
	wantStatus(t, "old password", n.post("/login", url.Values{"username": {asCoop}, "password": {testPassword}}), http.StatusUnauthorized)
	wantStatus(t, "new password", n.post("/login", url.Values{"username": {asCoop}, "password": {"a new password 1"}}), http.StatusSeeOther)
}

func TestLanguageToggle(t *testing.T) {
	e := newEnv(t)
	c := e.as(asCoop)
	en := c.get("/w/?lang=en")
	wantContains(t, "english", en.body, `<html lang="en">`, "Sign out")
	// Remembered.
	wantContains(t, "english again", c.get("/w/").body, `<html lang="en">`)
	wantContains(t, "back to vietnamese", c.get("/w/?lang=vi").body, `<html lang="vi">`, "Đăng xuất")
}
