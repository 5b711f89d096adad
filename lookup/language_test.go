package lookup_test

import (
	"context"
	"strings"
	"testing"

	"github.com/tracereg/tracereg/registry/langcheck"
)

// TestNoEnglishOnVietnamesePages renders every public page in Vietnamese
// and fails on an English word or raw code a reader would meet.
func TestNoEnglishOnVietnamesePages(t *testing.T) {
	e := newEnv(t, demoNow)
	// A certificate whose scheme is a code (organic_eu), in scope of the demo lot.
	certs, _ := e.db.FindCertificatesByNumber(context.Background(), "VG-DEMO-2025-0117")
	c := *certs[0]
	c.Scheme = "organic_eu"
	if err := e.db.UpdateCertificate(context.Background(), &c); err != nil {
		t.Fatal(err)
	}
	pages := []string{
		e.lotPage(), "/v/" + e.roastedGTIN(), "/v/" + e.roastedGTIN() + "/NO-SUCH-LOT", e.lotPage() + "/5",
		"/l/" + e.batch(e.demo.GreenBatchID).ShortCode, "/c", "/c?q=VG-DEMO", "/c/VG-DEMO-2025-0117", "/c/4C-DEMO-2024-0042",
		"/d/" + e.demo.PlotGLN, "/d/" + e.demo.FactoryGLN, "/report?subject=" + e.lotPage(), "/l/NOSUCHCODE", "/v/00000000000000",
		"/01/08938500000028", "/report/PA-2222222222", "/kiem-tra-ma",
	}
	for _, path := range pages {
		r := do(t, e.app, "GET", path, "Accept-Language", "vi")
		if !strings.Contains(r.Body, `lang="vi"`) {
			t.Errorf("%s: %d, not a Vietnamese page: %.200s", path, r.Status, r.Body)
			continue
		}
		if found, around := langcheck.English(r.Body); len(found) > 0 {
			t.Errorf("%s: English or raw codes %q, e.g. …%s…", path, found, around)
		}
	}
}
