package report_test

import (
	"bytes"
	"strings"
	"testing"

	"github.com/tracereg/tracereg/registry"
	"github.com/tracereg/tracereg/registry/report"
	"github.com/tracereg/tracereg/registry/report/reporttest"
)

// The XLSX and CSV hold exactly the figures of ComputeIndicators, and those
// match the independent computation, for a year and for a period.
func TestReportMatchesIndicators(t *testing.T) {
	t.Parallel()
	ds := reporttest.Generate(42, reporttest.Default)
	reporttest.GenerateScans(42, ds, 400)
	for _, p := range []registry.Period{{From: 2025, To: 2025}, {From: 2021, To: 2025}, {From: 2019, To: 2020}} {
		ind := registry.ComputeIndicators(ds.IndicatorInput, p)
		want := reporttest.Expect(ds, p.From, p.To)
		if d := reporttest.Diff(want, reporttest.Flatten(ind)); len(d) > 0 {
			t.Fatalf("%v: ComputeIndicators differs from the independent computation:\n%s", p, strings.Join(d, "\n"))
		}
		if p.From == 2025 && (want["cert/total"] == 0 || want["scan/codes"] == 0) {
			t.Fatalf("the data set is too thin in 2025: %v", want)
		}

		var x bytes.Buffer
		if err := report.XLSX(&x, ind, report.Options{GeneratedAt: reporttest.Created}); err != nil {
			t.Fatal(err)
		}
		sheets, err := reporttest.SheetsFromXLSX(&x)
		if err != nil {
			t.Fatal(err)
		}
		for _, name := range []string{report.SheetReport, report.SheetCertificates, report.SheetAnnouncements, report.SheetLots} {
			if len(sheets[name]) == 0 {
				t.Fatalf("sheet %q missing", name)
			}
		}
		got, err := reporttest.FiguresFromSheets(sheets, ind)
		if err != nil {
			t.Fatal(err)
		}
		if d := reporttest.Diff(reporttest.ReportScope(want), got); len(d) > 0 {
			t.Fatalf("%v: XLSX differs:\n%s", p, strings.Join(d, "\n"))
		}
		// The plan's structure, in order.
		var heads []string
		for _, row := range sheets[report.SheetReport] {
			if len(row) == 1 && strings.Contains("I. II. III. IV. V. ", strings.SplitN(row[0], " ", 2)[0]+" ") {
				heads = append(heads, row[0])
			}
		}
		wantHeads := []string{report.HeadObjectives, report.HeadTasks, report.HeadResults, report.HeadDifficulties, report.HeadProposals}
		if strings.Join(heads, "|") != strings.Join(wantHeads, "|") {
			t.Fatalf("sections %q, want %q", heads, wantHeads)
		}

		var c bytes.Buffer
		if err := report.CSV(&c, ind, report.Options{}); err != nil {
			t.Fatal(err)
		}
		if !bytes.HasPrefix(c.Bytes(), []byte("\uFEFF")) {
			t.Fatal("CSV without BOM")
		}
		csvSheets, err := reporttest.SheetsFromCSV(c.Bytes())
		if err != nil {
			t.Fatal(err)
		}
		got, err = reporttest.FiguresFromSheets(csvSheets, ind)
		if err != nil {
			t.Fatal(err)
		}
		if d := reporttest.Diff(reporttest.ReportScope(want), got); len(d) > 0 {
			t.Fatalf("%v: CSV differs:\n%s", p, strings.Join(d, "\n"))
		}
	}
}

func TestReportTextAndOptions(t *testing.T) {
	t.Parallel()
	ind := registry.ComputeIndicators(registry.IndicatorInput{}, registry.YearPeriod(2025))
	var c bytes.Buffer
	err := report.CSV(&c, ind, report.Options{Difficulties: []string{"=HYPERLINK(\"x\")", "Thiếu kinh phí"}, Proposals: []string{"Bổ sung biên chế"}})
	if err != nil {
		t.Fatal(err)
	}
	s := c.String()
	for _, want := range []string{"ĐẮK LẮK", "Kỳ báo cáo,2025", "Chưa đạt", "mới đạt 0/40", "Thiếu kinh phí", "Bổ sung biên chế", "'=HYPERLINK"} {
		if !strings.Contains(s, want) {
			t.Errorf("CSV lacks %q", want)
		}
	}
	if strings.Contains(s, "(Đơn vị bổ sung)") {
		t.Error("placeholder shown although text was given")
	}
	if n := report.FileName(registry.Period{From: 2021, To: 2025}, "xlsx"); n != "bao-cao-nang-suat-chat-luong-2021-2025.xlsx" {
		t.Fatal(n)
	}
}
