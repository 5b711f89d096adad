package lookup_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/tracereg/tracereg/registry"
	"github.com/tracereg/tracereg/registry/demodata"
)

type verdictJSON struct {
	Verdict *struct {
		Level string
		Title string
		Lines []struct{ Kind, Level, Text string }
	}
}

// verdictAt is the verdict of path on app, by kind of line.
func verdictAt(t *testing.T, app *fiber.App, path string) (level string, lines map[string]string, texts map[string]string) {
	t.Helper()
	var p verdictJSON
	r := do(t, app, "GET", path, "Accept", "application/json")
	wantStatus(t, r, 200)
	r.json(t, &p)
	if p.Verdict == nil {
		t.Fatalf("%s: no verdict in %.300s", path, r.Body)
	}
	lines, texts = map[string]string{}, map[string]string{}
	for _, l := range p.Verdict.Lines {
		lines[l.Kind], texts[l.Kind] = l.Level, l.Text
	}
	return p.Verdict.Level, lines, texts
}

func wantLines(t *testing.T, what string, got, want map[string]string) {
	t.Helper()
	if len(got) != len(want) {
		t.Errorf("%s: lines %v, want %v", what, got, want)
	}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("%s: line %s is %q, want %q (all: %v)", what, k, got[k], v, got)
		}
	}
}

func TestVerdict(t *testing.T) {
	e := newEnv(t, demoNow)
	ctx := context.Background()

	level, lines, texts := verdictAt(t, e.app, e.lotPage())
	if level != "ok" {
		t.Errorf("demo lot verdict %s %v, want ok", level, texts)
	}
	wantLines(t, "demo lot", lines, map[string]string{"registered": "ok", "certificates": "ok", "cr_mark": "ok", "recall": "ok"})
	if !strings.Contains(texts["certificates"], "2 còn hiệu lực") || !strings.Contains(texts["registered"], "đã được đăng ký") {
		t.Errorf("demo lot texts %v", texts)
	}

	// The HTML shows it before the evidence, with the same facts.
	r := do(t, e.app, "GET", e.lotPage())
	body := r.Body
	iv, ie := strings.Index(body, `id="verdict"`), strings.Index(body, `id="enterprise"`)
	if iv < 0 || ie < 0 || iv > ie {
		t.Fatalf("verdict at %d, enterprise at %d: the verdict must come first", iv, ie)
	}
	wantContains(t, body, `data-level="ok"`, "Đã xác minh trên hệ thống truy xuất nguồn gốc", "Lô hàng không bị thu hồi",
		`data-kind="cr_mark"`, "Tình trạng tại ngày")
	en := do(t, e.app, "GET", e.lotPage()+"?lang=en")
	wantContains(t, en.Body, "Verified in the traceability registry", "Certificates: 2 valid", "This lot is not recalled")

	// A certificate close to its end: the block says so, not just "valid".
	level, lines, texts = verdictAt(t, e.at(vn(2027, 5, 1, 9)), e.lotPage())
	if level != "soon" || lines["certificates"] != "soon" || !strings.Contains(texts["certificates"], "sắp hết hạn") {
		t.Errorf("a month before expiry: %s %v %v", level, lines, texts)
	}
	// Past every certificate's end: none valid is a warning in red.
	level, lines, _ = verdictAt(t, e.at(vn(2031, 1, 1, 9)), e.lotPage())
	if level != "bad" || lines["certificates"] != "bad" {
		t.Errorf("after expiry: %s %v", level, lines)
	}

	// An unknown lot of a known product: registered product, unregistered lot, no recall line.
	level, lines, texts = verdictAt(t, e.app, "/v/"+e.roastedGTIN()+"/NO-SUCH-LOT")
	if level != "warn" || !strings.Contains(texts["registered"], "NO-SUCH-LOT") {
		t.Errorf("unknown lot: %s %v", level, texts)
	}
	if _, ok := lines["recall"]; ok {
		t.Errorf("unknown lot has a recall line: %v", lines)
	}
	// A serial that was never issued: the worst verdict.
	level, lines, _ = verdictAt(t, e.app, e.lotPage()+"/5")
	if level != "bad" || lines["registered"] != "bad" {
		t.Errorf("unissued serial: %s %v", level, lines)
	}

	// A suspended certificate turns it to "check before you buy".
	certs, err := e.db.FindCertificatesByNumber(ctx, "VG-DEMO-2025-0117")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.db.ChangeCertificateStatus(ctx, certs[0].ID, certs[0].Version, registry.StatusChange{Status: registry.CertSuspended, Reason: "Vi phạm quy trình (demo)", On: "2026-01-01"}); err != nil {
		t.Fatal(err)
	}
	e.lk.InvalidateAll()
	level, lines, texts = verdictAt(t, e.app, e.lotPage())
	if level != "warn" || lines["certificates"] != "warn" || !strings.Contains(texts["certificates"], "1 bị đình chỉ") ||
		!strings.Contains(texts["certificates"], "1 còn hiệu lực") {
		t.Errorf("suspended: %s %v %v", level, lines, texts)
	}

	// An input recalled two levels up: red, whatever the certificates say.
	packLot(t, e)
	green := e.batch(e.demo.GreenBatchID)
	green.Status = registry.BatchRecalled
	green.Recall = &registry.Recall{Reason: "Dư lượng vượt ngưỡng (demo)", On: "2026-11-20", By: "inspector", At: time.Now()}
	if err := e.db.UpdateBatch(ctx, green); err != nil {
		t.Fatal(err)
	}
	e.lk.InvalidateAll()
	level, lines, texts = verdictAt(t, e.app, "/v/"+e.roastedGTIN()+"/PK2026-01")
	if level != "bad" || lines["recall"] != "bad" || !strings.Contains(texts["recall"], demodata.GreenLot) {
		t.Errorf("recalled input: %s %v %v", level, lines, texts)
	}
	r = do(t, e.app, "GET", "/v/"+e.roastedGTIN()+"/PK2026-01")
	wantContains(t, r.Body, `class="verdict bad"`, "Cảnh báo")
	if ir, ig := strings.Index(r.Body, `data-kind="recall"`), strings.Index(r.Body, `data-kind="registered"`); ir < 0 || ir > ig {
		t.Errorf("the recall line (at %d) must come before the others (registered at %d)", ir, ig)
	}
}
