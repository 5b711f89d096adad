package web_test

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
)

// TestImpBrowserFixAndRetry uploads a lot file with a wrong row on a phone,
// reads the row's problem, uploads the fixed file and sees the lots created.
func TestImpBrowserFixAndRetry(t *testing.T) {
	b := newBrowser(t, false)
	prod := annProduct(t, b.env, b.demo.CoopID)
	dir := t.TempDir()
	write := func(name, body string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(body), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	head := "idempotency_key,product_id,lot_code,quantity,unit\n"
	bad := write("lo-hang.csv", head+fmt.Sprintf("b1,%s,BR-1,10,kg\nb2,%s,BR-2,abc,kg\n", prod.ID, prod.ID))
	good := write("lo-hang-da-sua.csv", head+fmt.Sprintf("b1,%s,BR-1,10,kg\nb2,%s,BR-2,20,kg\n", prod.ID, prod.ID))
	b.signIn(asCoop)
	b.run("upload a file with a wrong row",
		chromedp.Navigate(b.base+"/w/import"),
		chromedp.WaitVisible(chromedp.ID("imp-form")),
		chromedp.SetUploadFiles(chromedp.ID("imp-file"), []string{bad}),
		chromedp.Click(chromedp.ID("imp-submit")),
		chromedp.WaitVisible(chromedp.ID("imp-rejected")),
	)
	if row := b.text(`tr.imp-failed[data-row="2"]`); !strings.Contains(row, "Số lượng") || !strings.Contains(row, "phải là số") {
		t.Fatalf("row 2's problem: %q", row)
	}
	b.shot("imp-report-rejected")
	b.run("upload the fixed file",
		chromedp.SetUploadFiles(chromedp.ID("imp-file"), []string{good}),
		chromedp.Click(chromedp.ID("imp-submit")),
		chromedp.WaitVisible(chromedp.ID("imp-summary")),
	)
	if s := b.text("#imp-summary"); !strings.Contains(s, "2 tạo mới") {
		t.Fatalf("summary: %q", s)
	}
	b.shot("imp-report-created")
}
