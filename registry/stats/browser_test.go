package stats_test

import (
	"context"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/tracereg/tracereg/registry"
	"github.com/tracereg/tracereg/registry/records/recordstest"
	"github.com/tracereg/tracereg/registry/report/reporttest"
)

// TestBrowserStatisticsOnAPhone opens /thong-ke at 360×740 in headless
// Chromium: the page never scrolls sideways; a wide table scrolls inside
// its own box. Under `make test` a missing browser fails the test.
func TestBrowserStatisticsOnAPhone(t *testing.T) {
	bin := ""
	for _, name := range []string{"chromium", "chromium-browser"} {
		if p, err := exec.LookPath(name); err == nil {
			bin = p
			break
		}
	}
	if bin == "" {
		if os.Getenv("TRACEREG_REQUIRE_BROWSER") == "1" {
			t.Fatal("chromium is not installed: run deploy/scripts/install-chromium.sh (make test does)")
		}
		t.Skip("chromium is not installed")
	}
	db := recordstest.NewWithClock(t, registry.FixedClock(testNow))
	if err := reporttest.Insert(context.Background(), db, reporttest.Generate(20260615, reporttest.Small)); err != nil {
		t.Fatal(err)
	}
	app := newApp(t, db, authorizeFromHeader)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go app.Listener(ln)
	t.Cleanup(func() { app.ShutdownWithTimeout(5 * time.Second) })

	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(bin), chromedp.Headless, chromedp.NoSandbox, chromedp.DisableGPU, chromedp.NoFirstRun,
		chromedp.NoDefaultBrowserCheck, chromedp.UserDataDir(t.TempDir()), chromedp.WindowSize(360, 740),
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
	if err := chromedp.Do(sctx, chromedp.EmulateViewport(360, 740), chromedp.Navigate("http://"+ln.Addr().String()+"/thong-ke?year=2025"),
		chromedp.WaitVisible(chromedp.CSS("table"))); err != nil {
		t.Fatalf("open /thong-ke and find a table: %v", err)
	}
	width, err := chromedp.Run(sctx, chromedp.Evaluate[float64](`document.documentElement.scrollWidth`))
	if err != nil {
		t.Fatal(err)
	}
	if width > 360 {
		t.Errorf("/thong-ke is %v px wide on a 360 px phone: it scrolls sideways", width)
	}
	// Every table is inside the screen, or inside a box that scrolls.
	loose, err := chromedp.Run(sctx, chromedp.Evaluate[int](`[...document.querySelectorAll("table")].filter(tb => {
		const box = tb.closest(".table-box");
		return tb.getBoundingClientRect().right > innerWidth && !(box && getComputedStyle(box).overflowX === "auto" && box.getBoundingClientRect().right <= innerWidth);
	}).length`))
	if err != nil {
		t.Fatal(err)
	}
	if loose > 0 {
		t.Errorf("%d tables run off a 360 px screen outside a scrolling box", loose)
	}
	if shot, err := chromedp.Run(sctx, chromedp.FullScreenshot(100)); err == nil {
		dir := filepath.Join("..", "..", "screenshots")
		if os.MkdirAll(dir, 0o755) == nil {
			os.WriteFile(filepath.Join(dir, "statistics-360.png"), shot, 0o644)
		}
	}
}
