package stats_test

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"github.com/tracereg/tracereg/registry"
	"github.com/tracereg/tracereg/registry/records/recordstest"
	"github.com/tracereg/tracereg/registry/report"
	"github.com/tracereg/tracereg/registry/report/reporttest"
)

// The difficulties and proposals written for a year are sections IV and V
// of that year's report (XLSX and CSV, one row per line), prefixed by the
// year in a period's report, and shown on the dashboard.
func TestAnnualNotesInReportAndDashboard(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := recordstest.NewWithClock(t, registry.FixedClock(testNow))
	n := &registry.AnnualNotes{Year: 2025, Difficulties: "Kinh phí hạn chế.\n\n  Doanh nghiệp nhỏ chưa quan tâm.  ", Proposals: "=Bố trí thêm kinh phí."}
	if err := registry.WriteAnnualNotes(ctx, db, registry.Actor{UserID: "u", Username: "so.khcn", Role: registry.RoleAdmin}, n); err != nil {
		t.Fatal(err)
	}
	app := newApp(t, db, authorizeFromHeader)
	rowsOf := func(sheets map[string][][]string, head string) []string {
		var out []string
		in := false
		for _, row := range sheets[report.SheetReport] {
			if len(row) > 0 && strings.HasPrefix(row[0], "IV. ") || len(row) > 0 && strings.HasPrefix(row[0], "V. ") {
				in = row[0] == head
				continue
			}
			if in && len(row) >= 2 && row[1] != "" {
				out = append(out, strings.TrimPrefix(row[1], "'"))
			}
		}
		return out
	}
	for _, tc := range []struct {
		query, prefix string
	}{{"year=2025", ""}, {"period=2024-2025", "Năm 2025: "}} {
		for _, format := range []string{"xlsx", "csv"} {
			resp, body := get(t, app, "/api/v1/reports/annual?"+tc.query+"&format="+format, "X-Test-Role", registry.RoleInspector)
			if resp.StatusCode != 200 {
				t.Fatalf("%s %s: %d", tc.query, format, resp.StatusCode)
			}
			var sheets map[string][][]string
			var err error
			if format == "xlsx" {
				sheets, err = reporttest.SheetsFromXLSX(bytes.NewReader(body))
			} else {
				sheets, err = reporttest.SheetsFromCSV(body)
			}
			if err != nil {
				t.Fatal(err)
			}
			diff := rowsOf(sheets, report.HeadDifficulties)
			// The unmet targets come first, then the notes' lines.
			if len(diff) < 2 || diff[len(diff)-2] != tc.prefix+"Kinh phí hạn chế." || diff[len(diff)-1] != tc.prefix+"Doanh nghiệp nhỏ chưa quan tâm." {
				t.Errorf("%s %s: difficulties %q", tc.query, format, diff)
			}
			if prop := rowsOf(sheets, report.HeadProposals); len(prop) != 1 || prop[0] != tc.prefix+"=Bố trí thêm kinh phí." {
				t.Errorf("%s %s: proposals %q", tc.query, format, prop)
			}
		}
	}
	// Another year's report keeps the placeholder.
	_, body := get(t, app, "/api/v1/reports/annual?year=2024&format=csv", "X-Test-Role", registry.RoleAdmin)
	if bytes.Contains(body, []byte("Kinh phí hạn chế")) || !bytes.Contains(body, []byte("(Đơn vị bổ sung)")) {
		t.Errorf("2024 report: %s", body)
	}
	resp, body := get(t, app, "/dashboard/programme?year=2025", "X-Test-Role", registry.RoleInspector)
	if resp.StatusCode != 200 || !bytes.Contains(body, []byte("Doanh nghiệp nhỏ chưa quan tâm.")) || !bytes.Contains(body, []byte(`id="notes"`)) {
		t.Errorf("dashboard: %d, notes missing", resp.StatusCode)
	}
	if _, body = get(t, app, "/thong-ke?year=2025"); bytes.Contains(body, []byte("Kinh phí hạn chế")) {
		t.Error("the public page shows the notes")
	}
}
