package lookup_test

import (
	"bytes"
	"context"
	"image/png"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"

	"github.com/tracereg/tracereg/lookup"
	"github.com/tracereg/tracereg/registry"
	"github.com/tracereg/tracereg/registry/demodata"
)

// chromium finds the browser. Under `make test` (TRACEREG_REQUIRE_BROWSER=1)
// a missing browser fails the test; under plain `go test` it skips.
func chromium(t *testing.T) string {
	t.Helper()
	for _, name := range []string{"chromium", "chromium-browser"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	msg := "chromium is not installed: run deploy/scripts/install-chromium.sh (make test does) to run the browser test"
	if os.Getenv("TRACEREG_REQUIRE_BROWSER") == "1" {
		t.Fatal(msg)
	}
	t.Skip(msg)
	return ""
}

// headless runs the browser once on url at 360×740 with extra flags and returns stdout.
func headless(t *testing.T, bin, url string, extra ...string) string {
	t.Helper()
	args := append([]string{"--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking",
		"--disable-component-update", "--disable-sync", "--disable-dev-shm-usage", "--hide-scrollbars",
		"--user-data-dir=" + t.TempDir(), "--window-size=360,740", "--accept-lang=vi-VN,vi", "--lang=vi"}, extra...)
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	out, err := exec.CommandContext(ctx, bin, append(args, url)...).Output()
	if err != nil {
		t.Fatalf("chromium %v: %v", extra, err)
	}
	return string(out)
}

// TestBrowserLotPage opens the demo lot's page in headless Chromium on a
// phone-sized window, finds the certificate status and the journey,
// follows the visible language toggle to English, and saves screenshots
// under screenshots/ (git-ignored).
func TestBrowserLotPage(t *testing.T) {
	bin := chromium(t)
	e := newEnv(t, demoNow)
	ln, _ := listen(t, e)
	base := "http://" + ln

	// The QR holds the Digital Link; the browser follows the resolver's redirect.
	dom := headless(t, bin, base+e.lotPath(), "--dump-dom")
	wantContains(t, dom, `<html lang="vi">`, demodata.RoastedLot, "Hành trình", "Thu hoạch", "Rang",
		`data-status="active"`, "Còn hiệu lực", "VG-DEMO-2025-0117")
	m := regexp.MustCompile(`id="lang-toggle" href="([^"]+)"`).FindStringSubmatch(dom)
	if m == nil {
		t.Fatalf("no language toggle in %.500s", dom)
	}
	toggle := strings.ReplaceAll(m[1], "&amp;", "&")
	en := headless(t, bin, base+toggle, "--dump-dom")
	wantContains(t, en, `<html lang="en">`, "Journey", "Harvesting", "Certificates", `data-status="active"`, "Valid")
	wantNotContains(t, en, "Hành trình")

	dir := filepath.Join("..", "screenshots")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	for name, url := range map[string]string{"lookup-lot-vi.png": base + e.lotPage(), "lookup-lot-en.png": base + toggle} {
		file, _ := filepath.Abs(filepath.Join(dir, name))
		os.Remove(file)
		headless(t, bin, url, "--screenshot="+file)
		if strings.HasSuffix(name, "-vi.png") {
			// The whole page too, for people checking the layout.
			full, _ := filepath.Abs(filepath.Join(dir, "lookup-lot-vi-full.png"))
			headless(t, bin, url, "--screenshot="+full, "--window-size=360,3200")
		}
		f, err := os.Open(file)
		if err != nil {
			t.Fatalf("no screenshot: %v", err)
		}
		cfg, err := png.DecodeConfig(f)
		f.Close()
		if err != nil || cfg.Width != 360 {
			t.Errorf("%s: %+v, %v; want 360 px wide", name, cfg, err)
		}
		t.Logf("screenshot: %s", file)
	}
}

// listen serves the env's app on a real 127.0.0.1 port.
func listen(t *testing.T, e *env) (string, *lookup.Lookup) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	app, lk := e.mount(lookup.Config{PublicBaseURL: "http://" + ln.Addr().String()})
	go app.Listener(ln)
	t.Cleanup(func() { app.ShutdownWithTimeout(5 * time.Second) })
	return ln.Addr().String(), lk
}

// TestBrowserVerdictFirstScreen opens lot pages in headless Chromium at
// 360×740 (a small phone) and checks that the whole verdict block is on
// the first screen, without sideways scrolling, for a good lot and for a
// counterfeit-looking serial (whose warnings come first). Screenshots go
// under screenshots/.
func TestBrowserVerdictFirstScreen(t *testing.T) {
	bin := chromium(t)
	e := newEnv(t, demoNow)
	ln, lk := listen(t, e)
	base := "http://" + ln
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(bin), chromedp.Headless, chromedp.NoSandbox, chromedp.DisableGPU, chromedp.NoFirstRun,
		chromedp.NoDefaultBrowserCheck, chromedp.UserDataDir(t.TempDir()), chromedp.WindowSize(360, 740),
		chromedp.Flag("disable-background-networking", true), chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true), chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.Flag("lang", "vi"), chromedp.Flag("accept-lang", "vi-VN,vi"),
	}
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancelTab := chromedp.NewContext(actx)
	t.Cleanup(func() { cancelTab(); cancelAlloc() })
	if err := chromedp.Do(ctx); err != nil {
		t.Fatalf("start chromium: %v", err)
	}
	step := func(what string, steps ...chromedp.Action[chromedp.Void]) {
		t.Helper()
		sctx, cancel := context.WithTimeout(ctx, 15*time.Second)
		defer cancel()
		if err := chromedp.Do(sctx, steps...); err != nil {
			t.Fatalf("%s: %v", what, err)
		}
	}
	eval := func(what, js string) float64 {
		t.Helper()
		sctx, cancel := context.WithTimeout(ctx, 15*time.Second)
		defer cancel()
		v, err := chromedp.Run(sctx, chromedp.Evaluate[float64](js))
		if err != nil {
			t.Fatalf("%s: %v", what, err)
		}
		return v
	}
	dir := filepath.Join("..", "screenshots")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name, path, level string
		lines             int
		before            func()
	}{
		{"lookup-verdict-360x740", e.lotPage(), "ok", 4, nil},
		{"lookup-verdict-unissued-360x740", e.lotPage() + "/5", "bad", 4, nil},
		// The red recall banner comes above everything: the verdict still fits.
		{"lookup-verdict-recalled-360x740", e.lotPage(), "bad", 4, func() {
			green := e.batch(e.demo.GreenBatchID)
			green.Status = registry.BatchRecalled
			green.Recall = &registry.Recall{Reason: "Dư lượng thuốc bảo vệ thực vật vượt ngưỡng cho phép (dữ liệu mẫu)", On: "2026-11-20", By: "inspector", At: time.Now()}
			if err := e.db.UpdateBatch(context.Background(), green); err != nil {
				t.Fatal(err)
			}
			lk.InvalidateAll()
		}},
	} {
		if tc.before != nil {
			tc.before()
		}
		step(tc.name+": open the page and find the verdict block (#verdict)",
			chromedp.EmulateViewport(360, 740), chromedp.Navigate(base+tc.path), chromedp.WaitVisible(chromedp.ID("verdict")))
		if h := eval("viewport height", `window.innerHeight`); h != 740 {
			t.Fatalf("%s: viewport is %v px high, want 740", tc.name, h)
		}
		bottom := eval("bottom of #verdict", `document.getElementById("verdict").getBoundingClientRect().bottom`)
		if bottom > 740 {
			t.Errorf("%s: the verdict ends at %.0f px, below the first 740 px screen", tc.name, bottom)
		}
		if n := eval("lines of #verdict", `document.querySelectorAll("#verdict li").length`); int(n) < tc.lines {
			t.Errorf("%s: %v lines in the verdict, want at least %d", tc.name, n, tc.lines)
		}
		if n := eval("lines of #verdict on screen", `[...document.querySelectorAll("#verdict li")].filter(li => {
			const r = li.getBoundingClientRect(); return r.height > 0 && r.top >= 0 && r.bottom <= innerHeight && r.right <= innerWidth }).length`); int(n) < tc.lines {
			t.Errorf("%s: only %v verdict lines are visible on the first screen", tc.name, n)
		}
		if w := eval("page width", `document.documentElement.scrollWidth`); w > 360 {
			t.Errorf("%s: the page is %v px wide: it scrolls sideways on a 360 px phone", tc.name, w)
		}
		if lv := eval("level", `({ok:1,soon:2,warn:3,bad:4})[document.getElementById("verdict").dataset.level] || 0`); int(lv) != map[string]int{"ok": 1, "bad": 4}[tc.level] {
			t.Errorf("%s: verdict level %v, want %s", tc.name, lv, tc.level)
		}
		sctx, cancel := context.WithTimeout(ctx, 15*time.Second)
		shot, err := chromedp.Run(sctx, chromedp.CaptureScreenshot())
		cancel()
		if err != nil {
			t.Fatalf("%s: screenshot: %v", tc.name, err)
		}
		cfg, err := png.DecodeConfig(bytes.NewReader(shot))
		if err != nil || cfg.Width != 360 || cfg.Height != 740 {
			t.Errorf("%s: screenshot %+v, %v; want 360×740", tc.name, cfg, err)
		}
		file, _ := filepath.Abs(filepath.Join(dir, tc.name+".png"))
		if err := os.WriteFile(file, shot, 0o644); err != nil {
			t.Fatal(err)
		}
		t.Logf("screenshot: %s", file)
	}
}

// TestBrowserCertificatePrints: the public certificate summary prints as the
// certificate alone: no language bar, search form or report link.
func TestBrowserCertificatePrints(t *testing.T) {
	bin := chromium(t)
	e := newEnv(t, demoNow)
	ln, _ := listen(t, e)
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(bin), chromedp.Headless, chromedp.NoSandbox, chromedp.DisableGPU, chromedp.NoFirstRun,
		chromedp.NoDefaultBrowserCheck, chromedp.UserDataDir(t.TempDir()), chromedp.WindowSize(800, 1100),
		chromedp.Flag("disable-background-networking", true), chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true), chromedp.Flag("disable-dev-shm-usage", true),
	}
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancelTab := chromedp.NewContext(actx)
	t.Cleanup(func() { cancelTab(); cancelAlloc() })
	if err := chromedp.Do(ctx); err != nil {
		t.Fatalf("start chromium: %v", err)
	}
	sctx, cancel := context.WithTimeout(ctx, 15*time.Second)
	defer cancel()
	if err := chromedp.Do(sctx, chromedp.Navigate("http://"+ln+"/c/VG-DEMO-2025-0117"), chromedp.WaitVisible(chromedp.CSS("section.cert"))); err != nil {
		t.Fatalf("open the certificate page and find section.cert: %v", err)
	}
	if _, err := chromedp.Call(sctx, emulation.SetEmulatedMedia, emulation.SetEmulatedMediaParams{Media: "print"}); err != nil {
		t.Fatal(err)
	}
	shown, err := chromedp.Run(sctx, chromedp.Evaluate[map[string]bool](`Object.fromEntries(["nav.bar", "form.search", "section.cert"].map(s => {
		const el = document.querySelector(s); return [s, !!el && getComputedStyle(el).display !== "none"];
	}))`))
	if err != nil {
		t.Fatal(err)
	}
	if shown["nav.bar"] || shown["form.search"] || !shown["section.cert"] {
		t.Errorf("printed certificate page shows %v; want only the certificate", shown)
	}
}

// TestBrowserOfflineCodeChecker loads the code checker page, then stops
// the server: with no network left, the page still tells a genuine signed
// code from a forged one and from an unsigned one.
func TestBrowserOfflineCodeChecker(t *testing.T) {
	bin := chromium(t)
	e := newEnv(t, demoNow)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	base := "http://" + ln.Addr().String()
	app, _ := e.mount(lookup.Config{PublicBaseURL: base})
	go app.Listener(ln)
	stopped := false
	t.Cleanup(func() {
		if !stopped {
			app.ShutdownWithTimeout(5 * time.Second)
		}
	})

	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(bin), chromedp.Headless, chromedp.NoSandbox, chromedp.DisableGPU, chromedp.NoFirstRun,
		chromedp.NoDefaultBrowserCheck, chromedp.UserDataDir(t.TempDir()), chromedp.WindowSize(360, 740),
		chromedp.Flag("disable-background-networking", true), chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true), chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.Flag("lang", "vi"), chromedp.Flag("accept-lang", "vi-VN,vi"),
	}
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancelTab := chromedp.NewContext(actx)
	t.Cleanup(func() { cancelTab(); cancelAlloc() })
	step := func(what string, steps ...chromedp.Action[chromedp.Void]) {
		t.Helper()
		sctx, cancel := context.WithTimeout(ctx, 10*time.Second)
		defer cancel()
		if err := chromedp.Do(sctx, steps...); err != nil {
			t.Fatalf("%s: %v", what, err)
		}
	}
	if err := chromedp.Do(ctx); err != nil {
		t.Fatalf("start chromium: %v", err)
	}
	step("open the checker", chromedp.Navigate(base+"/kiem-tra-ma"), chromedp.WaitVisible(chromedp.ID("cc-form")))
	// Stop the server (the browser's idle keep-alive connection makes the
	// graceful wait time out; the listener is closed all the same).
	app.ShutdownWithTimeout(2 * time.Second)
	stopped = true
	if _, err := net.DialTimeout("tcp", ln.Addr().String(), time.Second); err == nil {
		t.Fatal("the server still answers: the check would not be offline")
	}
	// And cut the browser's network, since its keep-alive connection outlives the listener.
	sctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	if _, err := chromedp.Call(sctx, network.Enable, network.EnableParams{}); err != nil {
		t.Fatal(err)
	}
	if _, err := chromedp.Call(sctx, network.EmulateNetworkConditionsByRule, network.EmulateNetworkConditionsByRuleParams{
		MatchedNetworkConditions: []*network.Conditions{{Offline: true, DownloadThroughput: -1, UploadThroughput: -1}}}); err != nil {
		t.Fatal(err)
	}
	reach, err := chromedp.Run(sctx, chromedp.Evaluate[string](`fetch("/kiem-tra-ma", {cache: "no-store"}).then(() => "online", () => "offline")`, chromedp.EvalAwaitPromise))
	cancel()
	if err != nil || reach != "offline" {
		t.Fatalf("the page can still reach the server (%q, %v): the check would not be offline", reach, err)
	}

	gtin := e.roastedGTIN()
	sig := e.issuer.SignCode(gtin, "", demodata.RoastedLot, "K7Q2M9")
	signed := base + "/01/" + gtin + "/10/" + demodata.RoastedLot + "/21/K7Q2M9?8030=" + sig
	for _, tc := range []struct{ name, code, want string }{
		{"genuine", signed, "ok"},
		{"forged serial", strings.Replace(signed, "K7Q2M9", "K7Q2M8", 1), "bad"},
		{"unsigned", base + "/01/" + gtin + "/10/" + demodata.RoastedLot, "unsigned"},
		{"not a link", "hello", "bad"},
	} {
		step(tc.name, chromedp.SetValue(chromedp.ID("cc-code"), tc.code), chromedp.Click(chromedp.ID("cc-check")),
			chromedp.WaitVisible(`#cc-result[data-result="`+tc.want+`"]`))
		sctx, cancel := context.WithTimeout(ctx, 10*time.Second)
		text, err := chromedp.Run(sctx, chromedp.Evaluate[string](`document.getElementById("cc-result").textContent`))
		cancel()
		if err != nil || text == "" {
			t.Fatalf("%s: result text %q, %v", tc.name, text, err)
		}
		if tc.want == "ok" && !strings.Contains(text, "do hệ thống cấp") {
			t.Errorf("%s: %q", tc.name, text)
		}
		// Clear the result so the next case waits for its own.
		step("reset", chromedp.Evaluate[chromedp.Void](`document.getElementById("cc-result").dataset.result = ""`))
	}
}
