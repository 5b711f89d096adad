package web_test

import (
	"bytes"
	"context"
	"image"
	"image/color"
	"image/png"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/tracereg/tracereg/registry/demodata"
)

// TestBrowserInspectorSearchAndScan: the inspector searches by a pasted
// Digital Link; where the browser has no BarcodeDetector (headless Chromium
// on Linux) the photo button stays hidden, and where it has one (given here
// by a stand-in that "reads" a fixed code) a photo fills the search box and
// sends the search.
func TestBrowserInspectorSearchAndScan(t *testing.T) {
	b := newBrowser(t, false)
	roasted, err := b.db.FindBatch(context.Background(), b.demo.RoastedBatchID)
	if err != nil {
		t.Fatal(err)
	}
	link := b.base + "/01/" + b.demo.RoastedGTIN + "/10/" + demodata.RoastedLot
	b.signIn(asInspector)
	b.run("search by a pasted QR address",
		chromedp.WaitVisible(chromedp.ID("search-form")),
		chromedp.SendKeys(chromedp.ID("q"), link),
		chromedp.Submit(chromedp.ID("search-form")),
		chromedp.WaitVisible(chromedp.ID("found-lots")),
	)
	if lots := b.text("#found-lots"); !strings.Contains(lots, demodata.RoastedLot) {
		t.Errorf("lots found: %q", lots)
	}
	b.shot("inspector-search-digital-link")
	hidden := get(b, "scan box without the API", chromedp.Evaluate[bool](`document.getElementById("scan").hidden`))
	if !hidden {
		t.Error("the photo button shows although the browser has no BarcodeDetector")
	}

	// A stand-in BarcodeDetector, then the page's own script again.
	photo := filepath.Join(t.TempDir(), "qr.png")
	img := image.NewRGBA(image.Rect(0, 0, 8, 8))
	img.Set(1, 1, color.Black)
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(photo, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	b.run("open the search page", chromedp.Navigate(b.base+"/w/search"), chromedp.WaitVisible(chromedp.ID("search-form")))
	stub := `window.BarcodeDetector = class {
		static getSupportedFormats() { return Promise.resolve(["qr_code"]); }
		detect() { return Promise.resolve([{rawValue: ` + "`" + b.base + "/l/" + roasted.ShortCode + "`" + `}]); }
	};
	var s = document.createElement("script"); s.src = "/static/web/inspector.js"; document.head.appendChild(s); "ok"`
	if got := get(b, "stand-in detector", chromedp.Evaluate[string](stub)); got != "ok" {
		t.Fatalf("stub: %q", got)
	}
	b.run("photograph the QR",
		chromedp.WaitVisible(chromedp.ID("scan")),
		chromedp.SetUploadFiles(chromedp.ID("scan-photo"), []string{photo}),
		chromedp.WaitVisible(chromedp.ID("found-lots")),
	)
	if q := get(b, "search box", chromedp.Evaluate[string](`document.getElementById("q").value`)); q != b.base+"/l/"+roasted.ShortCode {
		t.Errorf("search box after the photo: %q", q)
	}
	b.shot("inspector-scan-result")
}
