package lookup_test

import (
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

	"github.com/gofiber/fiber/v2"

	"github.com/tracereg/tracereg/lookup"
	"github.com/tracereg/tracereg/registry"
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
	ln, app := listen(t, e)
	_ = app
	base := "http://" + ln

	// The QR holds the Digital Link; the browser follows the resolver's redirect.
	dom := headless(t, bin, base+e.lotPath(), "--dump-dom")
	wantContains(t, dom, `<html lang="vi">`, registry.DemoRoastedLot, "Hành trình", "Thu hoạch", "Rang",
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
func listen(t *testing.T, e *env) (string, *fiber.App) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	app, _ := e.mount(lookup.Config{PublicBaseURL: "http://" + ln.Addr().String()})
	go app.Listener(ln)
	t.Cleanup(func() { app.ShutdownWithTimeout(5 * time.Second) })
	return ln.Addr().String(), app
}
