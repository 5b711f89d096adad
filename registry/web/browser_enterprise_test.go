package web_test

import (
	"context"
	"strings"
	"testing"

	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"

	"github.com/tracereg/tracereg/registry"
)

// TestBrowserEnterpriseJourney: the cooperative signs in, registers a farm
// plot as a point, creates a lot from it, prints its labels, and the public
// page of the lot shows the lot code.
func TestBrowserEnterpriseJourney(t *testing.T) {
	b := newBrowser(t, false)
	green, err := b.db.FindBatch(context.Background(), b.demo.GreenBatchID)
	if err != nil {
		t.Fatal(err)
	}
	b.signIn(asCoop)
	b.run("home", chromedp.Navigate(b.base+"/w/"), chromedp.WaitVisible(chromedp.ID("todo-certs")))
	b.shot("enterprise-home")

	// A pasted list in the wrong order: the EUDR message shows beside the
	// location, and what was typed stays.
	b.run("paste swapped coordinates",
		chromedp.Navigate(b.base+"/w/facilities/new"),
		chromedp.WaitVisible(chromedp.ID("facility-form")),
		chromedp.SendKeys(chromedp.ID("name"), "Vuon thu nghiem C"),
		chromedp.SetValue(chromedp.ID("district"), "Cư Kuin"),
		chromedp.Click(chromedp.ID("geo-mode-list")),
		chromedp.WaitVisible(chromedp.ID("coords")),
		chromedp.SetValue(chromedp.ID("coords"), "12.702500, 108.143800\n12.702500, 108.145000\n12.704000, 108.145000"),
		chromedp.Submit(chromedp.ID("facility-form")),
		chromedp.WaitVisible(chromedp.ID("form-errors")),
	)
	if msg := b.text("#geometry-errors"); !strings.Contains(msg, "kinh độ và vĩ độ có vẻ bị đảo") {
		t.Errorf("geometry message %q", msg)
	}
	if hidden := get(b, "point part hidden", chromedp.Evaluate[bool](`document.querySelector('.ent-geo-part[data-mode=point]').hidden`)); !hidden {
		t.Errorf("the point part shows while the list was chosen")
	}
	b.shot("enterprise-plot-error")

	b.run("register a plot",
		chromedp.Click(chromedp.ID("geo-mode-point")),
		chromedp.WaitVisible(chromedp.ID("point_lat")),
		chromedp.SendKeys(chromedp.ID("point_lat"), "12.702500"),
		chromedp.SendKeys(chromedp.ID("point_lon"), "108.143800"),
		chromedp.SendKeys(chromedp.ID("area_ha"), "1.2"),
		chromedp.Click(chromedp.ID("deforestation_free")),
		chromedp.Submit(chromedp.ID("facility-form")),
		chromedp.WaitVisible(chromedp.ID("plot-outline")),
	)
	if area := b.text("#facility-area"); !strings.Contains(area, "1,20 ha") {
		t.Errorf("plot area shown %q", area)
	}

	b.run("create a lot from the plot",
		chromedp.Click(chromedp.ID("lot-from-plot")),
		chromedp.WaitVisible(chromedp.ID("lot-form")),
		chromedp.SetValue(chromedp.ID("product_id"), green.ProductID),
		chromedp.SendKeys(chromedp.ID("lot_code"), "GC2026-07"),
		chromedp.SendKeys(chromedp.ID("quantity"), "800"),
		chromedp.SetValue(chromedp.ID("unit"), "kg"),
		chromedp.Submit(chromedp.ID("lot-form")),
		chromedp.WaitVisible(chromedp.ID("lot-code")),
	)
	if code := b.text("#lot-code"); code != "GC2026-07" {
		t.Fatalf("lot page shows lot code %q", code)
	}
	if st := b.text("#lot-status"); !strings.Contains(st, "công khai") {
		t.Errorf("lot status %q, want published", st)
	}
	if plots := b.text("#lot-details"); !strings.Contains(plots, "Vuon thu nghiem C") {
		t.Errorf("lot details do not name the plot: %q", plots)
	}
	b.run("QR preview", chromedp.WaitVisible(chromedp.ID("qr-preview")))
	loaded := get(b, "QR image loaded", chromedp.Evaluate[bool](`document.getElementById('qr-preview').complete && document.getElementById('qr-preview').naturalWidth > 0`))
	if !loaded {
		t.Errorf("the QR preview did not load")
	}
	b.shot("enterprise-lot")
	public := get(b, "public link", chromedp.Evaluate[string](`document.getElementById('public-link').getAttribute('href')`))

	lotURL := get(b, "lot page address", chromedp.Location())
	b.run("print labels",
		chromedp.SetValue(chromedp.ID("labels-n"), "4"),
		chromedp.Submit(chromedp.ID("labels-form")),
		chromedp.WaitVisible(chromedp.CSS(".sheet .label")),
	)
	if n := get(b, "labels", chromedp.Evaluate[int](`document.querySelectorAll('.sheet .label').length`)); n != 4 {
		t.Errorf("label sheet has %d labels, want 4", n)
	}
	if sheet := b.text(".sheet"); !strings.Contains(sheet, "GC2026-07") {
		t.Errorf("label sheet does not show the lot code: %.300q", sheet)
	}
	// The QR is at least 25 mm on the printed page (CSS mm: 96 px per inch),
	// beside the product's name; printing hides the screen's header.
	media := func(m string) {
		t.Helper()
		if _, err := chromedp.Call(b.ctx, emulation.SetEmulatedMedia, emulation.SetEmulatedMediaParams{Media: m}); err != nil {
			t.Fatalf("emulate media %q: %v", m, err)
		}
	}
	media("print")
	if mm := get(b, "QR size", chromedp.Evaluate[float64](`document.querySelector('.sheet .label svg').getBoundingClientRect().width * 25.4 / 96`)); mm < 25 {
		t.Errorf("the printed QR is %.1f mm wide, want at least 25 mm", mm)
	}
	if vis := get(b, "sheet header when printed", chromedp.Evaluate[bool](`getComputedStyle(document.getElementById('labels-screen')).display !== 'none'`)); vis {
		t.Errorf("the sheet's screen header prints")
	}
	if name := b.text(".sheet .label .name"); name == "" {
		t.Errorf("a label without the product name")
	}
	media("")
	b.run("reprint link", chromedp.WaitVisible(chromedp.ID("labels-reprint")), chromedp.WaitVisible(chromedp.ID("labels-print")))
	b.shot("enterprise-labels")
	first := get(b, "serials printed", chromedp.Evaluate[[]string](`[...document.querySelectorAll('.sheet .serial span')].map(s => s.textContent)`))
	// Back on the lot page, a reprint of the same labels.
	b.run("reprint from the lot page",
		chromedp.Navigate(lotURL), chromedp.WaitVisible(chromedp.ID("reprint-form")),
		chromedp.Submit(chromedp.ID("reprint-form")), chromedp.WaitVisible(chromedp.CSS(".sheet .label")))
	again := get(b, "serials reprinted", chromedp.Evaluate[[]string](`[...document.querySelectorAll('.sheet .serial span')].map(s => s.textContent)`))
	if strings.Join(again, ",") != strings.Join(first, ",") || len(first) != 4 {
		t.Errorf("reprint %v, want the serials first printed %v", again, first)
	}

	if !strings.HasPrefix(public, b.base+"/l/") {
		t.Fatalf("public link %q is not /l/<code> on %s", public, b.base)
	}
	b.run("public page", chromedp.Navigate(public), chromedp.WaitVisible(chromedp.CSS("main")))
	if body := b.text("main"); !strings.Contains(body, "GC2026-07") {
		t.Errorf("public page does not show the lot code: %.500q", body)
	}
	lot, err := b.db.FindBatchByLot(context.Background(), green.ProductID, "GC2026-07")
	if err != nil || lot.Status != registry.BatchPublished || len(lot.SourcePlotIDs) != 1 {
		t.Errorf("stored lot %+v, %v", lot, err)
	}
}
