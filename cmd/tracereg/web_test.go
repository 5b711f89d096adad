package main

import (
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/tracereg/tracereg/registry/demodata"
	"github.com/tracereg/tracereg/registry/server"
)

var csrfField = regexp.MustCompile(`name="_csrf" value="([^"]+)"`)

// browserClient is an HTTP client with cookies that does not follow redirects.
func browserClient(t *testing.T) *http.Client {
	jar, err := cookiejar.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	return &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
}

func fetch(t *testing.T, c *http.Client, method, u string, form url.Values) (int, string) {
	t.Helper()
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req, _ := http.NewRequest(method, u, body)
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	res, err := c.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, u, err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res.StatusCode, string(b)
}

// The served binary wires the workspaces: the demo accounts sign in through
// /login, the session reaches the workspace and the programme dashboard (no
// API token in a browser), and a session-borne label print needs the CSRF token.
func TestServedWorkspacesSignIn(t *testing.T) {
	data := shortTempDir(t) + "/data"
	port := strconv.Itoa(freePort(t))
	getenv := env("TRACEREG_DATA", data, "PORT", port, "TRACEREG_ADMIN_PASSWORD", "correct-horse-battery")
	s := startServer(t, getenv, "--demo")
	defer s.stop(t)
	m := regexp.MustCompile(`demo accounts (\S+), .* password: (\S+) `).FindStringSubmatch(s.out.String())
	if m == nil || !strings.Contains(s.out.String(), "demo-thanhtra") {
		t.Fatalf("no demo accounts reported:\n%s", s.out.String())
	}
	demoPassword := m[2]

	signIn := func(user, pw string) *http.Client {
		c := browserClient(t)
		status, page := fetch(t, c, "GET", s.url+"/login", nil)
		token := csrfField.FindStringSubmatch(page)
		if status != 200 || token == nil {
			t.Fatalf("login page: %d %.300s", status, page)
		}
		status, page = fetch(t, c, "POST", s.url+"/login", url.Values{"username": {user}, "password": {pw}, "_csrf": {token[1]}})
		if status != http.StatusSeeOther {
			t.Fatalf("sign in as %s: %d %.300s", user, status, page)
		}
		return c
	}
	admin := signIn("admin", "correct-horse-battery")
	if status, page := fetch(t, admin, "GET", s.url+"/w/", nil); status != 200 || !strings.Contains(page, "admin") {
		t.Fatalf("admin home: %d %.300s", status, page)
	}
	if status, page := fetch(t, admin, "GET", s.url+"/dashboard/programme", nil); status != 200 {
		t.Fatalf("programme dashboard with a browser session: %d %.300s", status, page)
	}
	if status, _ := fetch(t, browserClient(t), "GET", s.url+"/dashboard/programme", nil); status != http.StatusUnauthorized {
		t.Fatalf("programme dashboard without a session: %d", status)
	}
	coop := signIn("demo-htx", demoPassword)
	if status, _ := fetch(t, coop, "GET", s.url+"/dashboard/benchmark", nil); status != 200 {
		t.Fatalf("benchmark page for the demo cooperative: %d", status)
	}
	if status, _ := fetch(t, coop, "GET", s.url+"/dashboard/programme", nil); status != http.StatusForbidden {
		t.Fatalf("programme dashboard for an enterprise: %d", status)
	}
	// Printing labels with the session but without the form's token is refused.
	if status, _ := fetch(t, coop, "POST", s.url+"/labels/AAAAAAAA", url.Values{"n": {"1"}}); status != http.StatusForbidden {
		t.Fatalf("label print without CSRF: %d", status)
	}
}

// Every page family of the served binary carries the strict
// Content-Security-Policy (public pages as the workspaces do), and an SVG QR
// image one under which nothing in it can load or run.
func TestEveryPageFamilySendsAPolicy(t *testing.T) {
	data := shortTempDir(t) + "/data"
	port := strconv.Itoa(freePort(t))
	s := startServer(t, env("TRACEREG_DATA", data, "PORT", port, "TRACEREG_ADMIN_PASSWORD", "correct-horse-battery"), "--demo")
	defer s.stop(t)
	gtin := demodata.GTIN("893850000002")
	c := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	for _, path := range []string{"/v/" + gtin, "/v/" + gtin + "/" + demodata.RoastedLot, "/01/" + gtin + "/10/" + demodata.RoastedLot,
		"/c", "/report", "/thong-ke", "/api/docs", "/login", "/labels/AAAAAAAA", "/l/ZZZZZZZZ", "/no-such-page"} {
		res, err := c.Get(s.url + path)
		if err != nil {
			t.Fatalf("GET %s: %v", path, err)
		}
		res.Body.Close()
		ct, csp := res.Header.Get("Content-Type"), res.Header.Get("Content-Security-Policy")
		if strings.HasPrefix(ct, "text/html") && csp != server.ContentSecurityPolicy {
			t.Errorf("GET %s (%d, %s): Content-Security-Policy %q", path, res.StatusCode, ct, csp)
		}
		if !strings.HasPrefix(ct, "text/html") && res.StatusCode == 200 {
			t.Errorf("GET %s answered %s, not a page: the test lost its page", path, ct)
		}
	}
	res, err := c.Get(s.url + "/qr/01/" + gtin + ".svg")
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != 200 || res.Header.Get("Content-Type") != "image/svg+xml" || res.Header.Get("Content-Security-Policy") != server.ImageContentSecurityPolicy {
		t.Fatalf("SVG QR: %d %s, policy %q", res.StatusCode, res.Header.Get("Content-Type"), res.Header.Get("Content-Security-Policy"))
	}
}
