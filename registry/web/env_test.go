package web_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"mime/multipart"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/tracereg/tracereg/lookup"
	"github.com/tracereg/tracereg/registry"
	"github.com/tracereg/tracereg/registry/demodata"
	"github.com/tracereg/tracereg/registry/disk"
	"github.com/tracereg/tracereg/registry/records"
	"github.com/tracereg/tracereg/registry/records/recordstest"
	"github.com/tracereg/tracereg/registry/server"
	"github.com/tracereg/tracereg/registry/web"
)

// testClock is a clock tests move by hand.
type testClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *testClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *testClock) Add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// demoNow is the tests' "now": the demo certificates are valid then.
var demoNow = time.Date(2026, 3, 10, 3, 0, 0, 0, time.UTC)

// Users of the tests (all with testPassword).
const (
	asAdmin      = "admin"
	asInspector  = "inspector"
	asCertifier  = "certifier"  // the demo certification body
	asCertifier2 = "certifier2" // another body
	asCoop       = "coop"       // the demo cooperative
	asRoaster    = "roaster"    // the demo roaster
	testPassword = "correct horse battery"
)

// env is the workspaces on a fresh database loaded with the demo data, with
// a user of every role.
type env struct {
	t      testing.TB
	app    *fiber.App
	web    *web.Web
	lookup *lookup.Lookup
	base   string // where the app is served (browser tests) or a placeholder
	db     *records.DB
	docs   registry.DocumentStore
	clock  *testClock
	demo   demodata.Result
	body   *registry.CertificationBody
	body2  *registry.CertificationBody
	users  map[string]*registry.User
}

func newEnv(t testing.TB) *env { return newEnvOn(t, nil) }

// newEnvOn builds the env; with a listener it also mounts the public pages
// (lookup) and serves everything on it, for the browser tests.
func newEnvOn(t testing.TB, ln net.Listener) *env {
	t.Helper()
	clock := &testClock{t: demoNow}
	db := recordstest.NewWithClock(t, clock)
	docs, err := disk.New(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	demo, err := demodata.Seed(ctx, db, docs)
	if err != nil {
		t.Fatalf("seed demo: %v", err)
	}
	log := slog.New(slog.NewTextHandler(testLog{t}, &slog.HandlerOptions{Level: slog.LevelWarn}))
	// app.Test connects from 0.0.0.0: trusting it lets a test say "this came over TLS" with X-Forwarded-Proto.
	app, err := server.New(server.Config{Store: db, Documents: docs, Logger: log, TrustedProxies: []string{"0.0.0.0"}})
	if err != nil {
		t.Fatal(err)
	}
	base := "http://registry.test"
	if ln != nil {
		base = "http://" + ln.Addr().String()
	}
	e := &env{t: t, app: app, db: db, docs: docs, clock: clock, demo: demo, users: map[string]*registry.User{}, base: base}
	e.web, err = web.New(app, web.Config{Store: db, Documents: docs, Clock: clock, Logger: log, PublicBaseURL: base,
		OnPublicChange: func() {
			if e.lookup != nil {
				e.lookup.InvalidateAll()
			}
		}})
	if err != nil {
		t.Fatal(err)
	}
	if ln != nil {
		app.Use("/labels", e.web.Identify, e.web.CheckSessionCSRF) // labels are printed from the workspace, signed in
		e.lookup, err = lookup.MountLookup(app, lookup.Config{Store: db, Documents: docs, Clock: clock, Logger: log, PublicBaseURL: base,
			Authorize: func(c *fiber.Ctx, enterpriseID string) error {
				me, _ := registry.ActorFrom(c.UserContext())
				return registry.Authorize(me, registry.ActUpdate, registry.Resource{Kind: registry.KindBatch, EnterpriseID: enterpriseID})
			}})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { e.lookup.Close(context.Background()) })
		go app.Listener(ln)
		t.Cleanup(func() { app.ShutdownWithTimeout(5 * time.Second) })
	}
	e.body, err = db.FindCertificationBodyByCode(ctx, demodata.BodyCode)
	if err != nil {
		t.Fatal(err)
	}
	e.body2 = &registry.CertificationBody{Code: "OTHER-CB", Name: "Tổ chức chứng nhận khác (thử nghiệm)"}
	if err := db.CreateCertificationBody(ctx, e.body2); err != nil {
		t.Fatalf("body2: %v", err)
	}
	hash, err := registry.HashPassword(testPassword)
	if err != nil {
		t.Fatal(err)
	}
	for name, u := range map[string]registry.User{
		asAdmin:      {Role: registry.RoleAdmin},
		asInspector:  {Role: registry.RoleInspector},
		asCertifier:  {Role: registry.RoleCertifier, BodyID: e.body.ID},
		asCertifier2: {Role: registry.RoleCertifier, BodyID: e.body2.ID},
		asCoop:       {Role: registry.RoleEnterprise, EnterpriseID: demo.CoopID},
		asRoaster:    {Role: registry.RoleEnterprise, EnterpriseID: demo.RoasterID},
	} {
		u.Username, u.DisplayName, u.PasswordHash = name, "Test "+name, hash
		if err := db.CreateUser(ctx, &u); err != nil {
			t.Fatalf("user %s: %v", name, err)
		}
		e.users[name] = &u
	}
	return e
}

// client is a browser without JavaScript: it keeps cookies and reads the
// CSRF token from the last page it was given.
type client struct {
	e       *env
	cookies map[string]string
	csrf    string
}

func (e *env) anon() *client { return &client{e: e, cookies: map[string]string{}} }

// as signs in as user through the sign-in form.
func (e *env) as(user string) *client {
	e.t.Helper()
	c := e.anon()
	c.get("/login")
	res := c.post("/login", url.Values{"username": {user}, "password": {testPassword}})
	if res.status != http.StatusSeeOther {
		e.t.Fatalf("sign in as %s: %d %s", user, res.status, res.body)
	}
	c.get(web.Prefix + "/")
	return c
}

// response is one answer.
type response struct {
	status   int
	body     string
	header   http.Header
	location string
}

var csrfPattern = regexp.MustCompile(`name="_csrf" value="([^"]*)"`)

func (c *client) do(req *http.Request) response {
	c.e.t.Helper()
	for k, v := range c.cookies {
		req.AddCookie(&http.Cookie{Name: k, Value: v})
	}
	res, err := c.e.app.Test(req, -1)
	if err != nil {
		c.e.t.Fatalf("%s %s: %v", req.Method, req.URL, err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	for _, ck := range res.Cookies() {
		if ck.Value == "" || ck.MaxAge < 0 || !ck.Expires.IsZero() && ck.Expires.Before(time.Now()) {
			delete(c.cookies, ck.Name)
		} else {
			c.cookies[ck.Name] = ck.Value
		}
	}
	out := response{status: res.StatusCode, body: string(b), header: res.Header, location: res.Header.Get("Location")}
	if m := csrfPattern.FindStringSubmatch(out.body); m != nil {
		c.csrf = m[1]
	}
	return out
}

func (c *client) get(path string) response {
	c.e.t.Helper()
	return c.do(httptest.NewRequest(http.MethodGet, path, nil))
}

// post sends a form with the client's CSRF token (unless the form sets _csrf).
func (c *client) post(path string, form url.Values) response {
	c.e.t.Helper()
	if _, ok := form["_csrf"]; !ok {
		form = cloneValues(form)
		form.Set("_csrf", c.csrf)
	}
	req := httptest.NewRequest(http.MethodPost, path, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return c.do(req)
}

// upload is one file part of a multipart form.
type upload struct {
	field, name string
	content     []byte
}

// postMultipart sends a multipart form with files and the CSRF token.
func (c *client) postMultipart(path string, form url.Values, files ...upload) response {
	c.e.t.Helper()
	var buf strings.Builder
	mw := multipart.NewWriter(&buf)
	if _, ok := form["_csrf"]; !ok {
		mw.WriteField("_csrf", c.csrf)
	}
	for k, vs := range form {
		for _, v := range vs {
			mw.WriteField(k, v)
		}
	}
	for _, f := range files {
		fw, _ := mw.CreateFormFile(f.field, f.name)
		fw.Write(f.content)
	}
	mw.Close()
	req := httptest.NewRequest(http.MethodPost, path, strings.NewReader(buf.String()))
	req.Header.Set("Content-Type", mw.FormDataContentType())
	return c.do(req)
}

func cloneValues(v url.Values) url.Values {
	out := url.Values{}
	for k, vs := range v {
		out[k] = append([]string(nil), vs...)
	}
	return out
}

// wantStatus fails unless r has status.
func wantStatus(t testing.TB, what string, r response, status int) {
	t.Helper()
	if r.status != status {
		t.Fatalf("%s: status %d, want %d; body: %.600s", what, r.status, status, r.body)
	}
}

// wantContains fails unless body holds every part.
func wantContains(t testing.TB, what, body string, parts ...string) {
	t.Helper()
	for _, p := range parts {
		if !strings.Contains(body, p) {
			t.Errorf("%s: no %q in %.800s", what, p, body)
		}
	}
}

// minimalPDF is a small valid-looking PDF (sniffed as application/pdf).
func minimalPDF(text string) []byte {
	return []byte(fmt.Sprintf("%%PDF-1.4\n1 0 obj<<>>endobj\n%% %s\ntrailer<<>>\n%%%%EOF\n", text))
}

func newFormRequest(path string, form url.Values) *http.Request {
	req := httptest.NewRequest(http.MethodPost, path, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return req
}

// testLog sends the app's warnings and errors to the test's log.
type testLog struct{ t testing.TB }

func (l testLog) Write(p []byte) (int, error) {
	l.t.Log(strings.TrimSpace(string(p)))
	return len(p), nil
}

// wantNotContains fails if body holds any part.
func wantNotContains(t testing.TB, what, body string, parts ...string) {
	t.Helper()
	for _, p := range parts {
		if strings.Contains(body, p) {
			t.Errorf("%s: %q should not be in %.800s", what, p, body)
		}
	}
}
