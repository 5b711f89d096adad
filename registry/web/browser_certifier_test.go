package web_test

import (
	"context"
	"strconv"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
)

// TestBrowserCertifierSuspends: the certifier signs in, finds the demo
// VietGAP certificate, suspends it with a reason, and the public
// certificate page and the demo roasted lot's page (made from the
// certified green coffee) show it suspended at once.
func TestBrowserCertifierSuspends(t *testing.T) {
	b := newBrowser(t, false)
	roasted, err := b.db.FindBatch(context.Background(), b.demo.RoastedBatchID)
	if err != nil {
		t.Fatal(err)
	}
	const reason = "Vi phạm quy trình sử dụng thuốc bảo vệ thực vật"

	b.signIn(asCertifier)
	b.shot("certifier-home")
	b.run("find the certificate",
		chromedp.Navigate(b.base+"/w/certificates"),
		chromedp.WaitVisible(chromedp.ID("cert-search")),
		chromedp.SendKeys(chromedp.ID("q"), demoVietGAP),
		chromedp.Submit(chromedp.ID("cert-search")),
	)
	// The unfiltered list is on screen before the answer: wait for the answer's first link.
	b.waitFor("the search answer lists "+demoVietGAP+" first",
		`location.search.includes("q=") && document.querySelector("#cert-list a")?.textContent === `+strconv.Quote(demoVietGAP))
	b.run("open the certificate",
		chromedp.Click(chromedp.CSS("#cert-list a")),
		chromedp.WaitVisible(chromedp.ID("suspend-form")),
	)
	if n := b.text("#cert-number"); n != demoVietGAP {
		t.Fatalf("opened certificate %q", n)
	}
	if s := b.text("#cert-status"); s != "Còn hiệu lực" {
		t.Errorf("status before %q", s)
	}
	b.shot("certifier-certificate")
	b.run("suspend",
		chromedp.SendKeys(chromedp.ID("reason-suspended"), reason),
		chromedp.Click(chromedp.ID("suspend-btn")),
		chromedp.WaitVisible(chromedp.ID("flash")),
	)
	if s := b.text("#cert-status"); s != "Bị đình chỉ" {
		t.Errorf("status after %q", s)
	}
	if h := b.text("#cert-history"); !strings.Contains(h, reason) || !strings.Contains(h, asCertifier) {
		t.Errorf("history %q", h)
	}
	b.shot("certifier-suspended")

	b.run("public certificate page",
		chromedp.Navigate(b.base+"/c/"+demoVietGAP),
		chromedp.WaitVisible(chromedp.CSS(`[data-status="suspended"]`)),
	)
	if body := b.text("body"); !strings.Contains(body, "Bị đình chỉ") || !strings.Contains(body, reason) {
		t.Errorf("public certificate page: %.600s", body)
	}
	b.shot("public-certificate-suspended")

	b.run("public lot page",
		chromedp.Navigate(b.base+"/l/"+roasted.ShortCode),
		chromedp.WaitVisible(chromedp.CSS(`[data-status="suspended"]`)),
	)
	if body := b.text("body"); !strings.Contains(body, "Bị đình chỉ") || !strings.Contains(body, demoVietGAP) {
		t.Errorf("public lot page: %.600s", body)
	}
	b.shot("public-lot-certificate-suspended")
}
