package web_test

import (
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/tracereg/tracereg/registry"
	"github.com/tracereg/tracereg/registry/demodata"
)

// TestBrowserInspectorIssuesNotice: a dossier submitted by the cooperative
// waits in the inbox; the inspector opens it and issues the notice of
// receipt, whose number is generated in the province's format.
func TestBrowserInspectorIssuesNotice(t *testing.T) {
	b := newBrowser(t, true)
	a := inbSubmitted(t, b.env)
	b.signIn(asInspector)
	b.run("open the inbox",
		chromedp.Navigate(b.base+"/w/inbox"),
		chromedp.WaitVisible(chromedp.ID("inb-row-"+a.ID)),
	)
	b.shot("inspector-inbox")
	b.run("open the dossier",
		chromedp.Click(chromedp.ID("inb-open-"+a.ID)),
		chromedp.WaitVisible(chromedp.ID("inb-receipt-form")),
	)
	if next := b.text("#inb-next-number"); next != "2/2026/TBTN-SKHCN" {
		t.Errorf("number offered %q", next)
	}
	b.shot("inspector-dossier")
	b.run("issue the notice",
		chromedp.Click(chromedp.ID("inb-issue")),
		chromedp.WaitVisible(chromedp.ID("inb-receipt-number")),
	)
	if n := b.text("#inb-receipt-number"); n != "2/2026/TBTN-SKHCN" {
		t.Errorf("notice number %q, want 2/2026/TBTN-SKHCN", n)
	}
	if s := b.text("#inb-status"); s != "Đã cấp thông báo tiếp nhận" {
		t.Errorf("status %q", s)
	}
	b.shot("inspector-notice-issued")
	got := annFind(t, b.env, a.ID)
	if got.Status != registry.AnnReceived || got.ReceiptNumber != "2/2026/TBTN-SKHCN" || got.ReceiptDate != "2026-03-10" {
		t.Errorf("stored: %+v", got)
	}
}

// TestBrowserInspectorRecallsUpstream: the inspector recalls the demo green
// lot, sees the roasted lot made from it on the confirmation page,
// confirms; the roasted lot's public page then shows the recall.
func TestBrowserInspectorRecallsUpstream(t *testing.T) {
	b := newBrowser(t, false)
	roasted := rclBatch(t, b.env, b.demo.RoastedBatchID)
	b.signIn(asInspector)
	b.run("find the green lot",
		chromedp.Navigate(b.base+"/w/recall"),
		chromedp.WaitVisible(chromedp.ID("rcl-lot")),
		chromedp.SendKeys(chromedp.ID("rcl-lot"), demodata.GreenLot),
		chromedp.Submit(chromedp.ID("rcl-find-form")),
		chromedp.WaitVisible(chromedp.ID("rcl-form")),
	)
	b.run("reason and date",
		chromedp.SendKeys(chromedp.ID("rcl-reason"), "Phát hiện nấm mốc trong kho"),
		chromedp.Click(chromedp.ID("rcl-next")),
		chromedp.WaitVisible(chromedp.ID("rcl-confirm-form")),
		chromedp.WaitVisible(chromedp.ID("rcl-down-"+roasted.ID)),
	)
	if row := b.text("#rcl-down-" + roasted.ID); !strings.Contains(row, demodata.RoastedLot) {
		t.Errorf("downstream row %q", row)
	}
	b.shot("inspector-recall-confirm")
	b.run("confirm",
		chromedp.Click(chromedp.ID("rcl-confirm")),
		chromedp.WaitVisible(chromedp.ID("rcl-recalled")),
	)
	b.shot("inspector-recalled")
	b.run("the roasted lot's public page",
		chromedp.Navigate(b.base+"/l/"+roasted.ShortCode),
		chromedp.WaitVisible(chromedp.CSS("section#recall")),
	)
	if warning := b.text("section#recall"); !strings.Contains(warning, demodata.GreenLot) || !strings.Contains(warning, "Phát hiện nấm mốc trong kho") {
		t.Errorf("recall warning %q", warning)
	}
	b.shot("public-lot-upstream-recalled")
	if got := rclBatch(t, b.env, b.demo.GreenBatchID); got.Status != registry.BatchRecalled {
		t.Errorf("green lot %s", got.Status)
	}
}
