package web_test

import (
	"context"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// The browser tests drive headless Chromium (Debian's package, installed by
// deploy/scripts/install-chromium.sh under `make test`) through the main
// journeys on a real server on 127.0.0.1 with the public pages mounted.
// Under `make test` (TRACEREG_REQUIRE_BROWSER=1) a missing browser fails
// them; under plain `go test` they skip. Screenshots go to screenshots/
// at the repository root (git-ignored).

func chromiumPath(t *testing.T) string {
	t.Helper()
	for _, name := range []string{"chromium", "chromium-browser"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	msg := "chromium is not installed: run deploy/scripts/install-chromium.sh (make test does) to run the browser tests"
	if os.Getenv("TRACEREG_REQUIRE_BROWSER") == "1" {
		t.Fatal(msg)
	}
	t.Skip(msg)
	return ""
}

// browserEnv is a served env and a browser tab.
type browserEnv struct {
	*env
	ctx context.Context
	t   *testing.T
}

// newBrowser serves a fresh env on 127.0.0.1 and opens headless Chromium
// with a fresh profile, phone-sized unless wide.
func newBrowser(t *testing.T, wide bool) *browserEnv {
	t.Helper()
	bin := chromiumPath(t)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	e := newEnvOn(t, ln)
	w, h := 390, 844
	if wide {
		w, h = 1280, 900
	}
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(bin), chromedp.Headless, chromedp.NoSandbox, chromedp.DisableGPU, chromedp.NoFirstRun,
		chromedp.NoDefaultBrowserCheck, chromedp.UserDataDir(t.TempDir()), chromedp.WindowSize(w, h),
		chromedp.Flag("disable-background-networking", true), chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true), chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.Flag("lang", "vi"), chromedp.Flag("accept-lang", "vi-VN,vi"),
	}
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancelTab := chromedp.NewContext(actx)
	t.Cleanup(func() { cancelTab(); cancelAlloc() })
	// The first call starts the browser; it must not carry a timeout.
	if err := chromedp.Do(ctx); err != nil {
		t.Fatalf("start chromium: %v", err)
	}
	return &browserEnv{env: e, ctx: ctx, t: t}
}

// stepTimeout bounds one group of browser steps: a missing element fails
// in seconds, naming the step (and a screenshot of the page).
const stepTimeout = 15 * time.Second

// run runs steps, failing the test with what was being done.
func (b *browserEnv) run(what string, steps ...chromedp.Action[chromedp.Void]) {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, stepTimeout)
	defer cancel()
	if err := chromedp.Do(ctx, steps...); err != nil {
		b.shot("failed-" + strings.ReplaceAll(what, " ", "-"))
		b.t.Fatalf("%s: %v", what, err)
	}
}

// get runs one step that returns a value.
func get[T any](b *browserEnv, what string, a chromedp.Action[T]) T {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, stepTimeout)
	defer cancel()
	v, err := chromedp.Run(ctx, a)
	if err != nil {
		b.shot("failed-" + strings.ReplaceAll(what, " ", "-"))
		b.t.Fatalf("%s: %v", what, err)
	}
	return v
}

// waitFor polls js until it is true, across navigations (a page being
// replaced answers with an error, which only means "not yet").
func (b *browserEnv) waitFor(what, js string) {
	b.t.Helper()
	deadline := time.Now().Add(stepTimeout)
	for {
		ctx, cancel := context.WithTimeout(b.ctx, time.Second)
		ok, err := chromedp.Run(ctx, chromedp.Evaluate[bool](js))
		cancel()
		if err == nil && ok {
			return
		}
		if time.Now().After(deadline) {
			b.shot("failed-" + strings.ReplaceAll(what, " ", "-"))
			b.t.Fatalf("%s: not true after %s: %s (last error: %v)", what, stepTimeout, js, err)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// signIn signs in through the form, as a person would.
func (b *browserEnv) signIn(user string) {
	b.t.Helper()
	b.run("sign in as "+user,
		chromedp.Navigate(b.base+"/login"),
		chromedp.WaitVisible(chromedp.ID("username")),
		chromedp.SendKeys(chromedp.ID("username"), user),
		chromedp.SendKeys(chromedp.ID("password"), testPassword),
		chromedp.Submit(chromedp.ID("login-form")),
		chromedp.WaitVisible(chromedp.ID("sign-out")),
	)
}

// text returns the text of the first element matching sel.
func (b *browserEnv) text(sel string) string {
	b.t.Helper()
	return get(b, "read "+sel, chromedp.Text(chromedp.CSS(sel)))
}

// shot saves a full-page screenshot (PNG: quality 100) as screenshots/<name>.png.
func (b *browserEnv) shot(name string) {
	dir := filepath.Join("..", "..", "screenshots")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		b.t.Log(err)
		return
	}
	ctx, cancel := context.WithTimeout(b.ctx, stepTimeout)
	defer cancel()
	png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	if err != nil {
		b.t.Logf("screenshot %s: %v", name, err)
		return
	}
	file, _ := filepath.Abs(filepath.Join(dir, name+".png"))
	if err := os.WriteFile(file, png, 0o644); err != nil {
		b.t.Log(err)
		return
	}
	b.t.Logf("screenshot: %s", file)
}

// TestBrowserSignInAndOut signs in through the form, checks the CSP lets
// the page's own script and style load, switches language and signs out.
func TestBrowserSignInAndOut(t *testing.T) {
	b := newBrowser(t, false)
	b.signIn(asCoop)
	if who := b.text(".who"); !strings.Contains(who, asCoop) {
		t.Errorf("signed-in line %q", who)
	}
	bg := get(b, "styles applied", chromedp.Evaluate[string](`getComputedStyle(document.querySelector('.top')).backgroundColor`))
	if bg != "rgb(11, 93, 59)" {
		t.Errorf("header background %q: web.css not applied (CSP?)", bg)
	}
	b.shot("web-home-vi")
	b.run("english", chromedp.Click(chromedp.ID("lang-toggle")), chromedp.WaitVisible(chromedp.CSS(`html[lang="en"]`)))
	if s := b.text("#sign-out"); s != "Sign out" {
		t.Errorf("sign-out button %q in English", s)
	}
	b.run("sign out", chromedp.Click(chromedp.ID("sign-out")), chromedp.WaitVisible(chromedp.ID("login-form")))
	b.run("after sign-out", chromedp.Navigate(b.base+"/w/"), chromedp.WaitVisible(chromedp.ID("login-form")))
	url := get(b, "location", chromedp.Location())
	if !strings.Contains(url, "/login?next=") {
		t.Errorf("after sign-out /w/ went to %s", url)
	}
}
