package web_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
)

// TestAnnBrowserDossier fills in a hợp quy dossier on a phone as a person
// would (a product, the regulation, the test report), saves the draft and
// submits it.
func TestAnnBrowserDossier(t *testing.T) {
	b := newBrowser(t, false)
	b.signIn(asCoop)
	report := filepath.Join(t.TempDir(), "phieu-thu-nghiem.pdf")
	if err := os.WriteFile(report, minimalPDF("browser test report"), 0o600); err != nil {
		t.Fatal(err)
	}
	b.run("open the form",
		chromedp.Navigate(b.base+"/w/announcements"),
		chromedp.WaitVisible(chromedp.ID("ann-new")),
		chromedp.Click(chromedp.ID("ann-new")),
		chromedp.WaitVisible(chromedp.ID("ann-form")),
	)
	// First without the test report: the form comes back with the message.
	b.run("fill in",
		chromedp.Click(chromedp.CSS(`input[name=product_ids]`)),
		chromedp.SetValue(chromedp.ID("ann-standard"), "QCĐP 01:2025/ĐL"),
		chromedp.Click(chromedp.ID("ann-save")),
		chromedp.WaitVisible(chromedp.ID("form-errors")),
	)
	if msg := b.text("#ann-basis .field-error"); !strings.Contains(msg, "phiếu kết quả thử nghiệm") {
		t.Fatalf("message beside the test report: %q", msg)
	}
	b.shot("ann-form-error")
	b.run("add the test report and save",
		chromedp.SetUploadFiles(chromedp.ID("ann-test-report"), []string{report}),
		chromedp.Click(chromedp.ID("ann-save")),
		chromedp.WaitVisible(chromedp.ID("ann-submit")),
	)
	if s := b.text("#ann-status"); s != "Bản nháp" {
		t.Fatalf("status after saving: %q", s)
	}
	b.run("submit", chromedp.Click(chromedp.ID("ann-submit")), chromedp.WaitVisible(chromedp.ID("ann-decide-by")))
	if s := b.text("#ann-status"); !strings.Contains(s, "Đã nộp") {
		t.Fatalf("status after submitting: %q", s)
	}
	b.shot("ann-submitted")
}
