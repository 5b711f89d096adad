package reporttest

import (
	"bytes"
	"encoding/csv"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/xuri/excelize/v2"

	"github.com/tracereg/tracereg/registry"
	"github.com/tracereg/tracereg/registry/report"
)

// SheetsFromXLSX reads every sheet's cells as text.
func SheetsFromXLSX(r io.Reader) (map[string][][]string, error) {
	f, err := excelize.OpenReader(r)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	out := map[string][][]string{}
	for _, name := range f.GetSheetList() {
		rows, err := f.GetRows(name, excelize.Options{RawCellValue: true})
		if err != nil {
			return nil, err
		}
		out[name] = rows
	}
	return out, nil
}

// SheetsFromCSV splits the CSV download into its sheets.
func SheetsFromCSV(b []byte) (map[string][][]string, error) {
	b = bytes.TrimPrefix(b, []byte("\uFEFF"))
	cr := csv.NewReader(bytes.NewReader(b))
	cr.FieldsPerRecord = -1
	recs, err := cr.ReadAll()
	if err != nil {
		return nil, err
	}
	out := map[string][][]string{}
	cur := ""
	for _, rec := range recs {
		if len(rec) == 1 && strings.HasPrefix(rec[0], "# ") {
			cur = rec[0][2:]
			continue
		}
		out[cur] = append(out[cur], rec)
	}
	return out, nil
}

// reverse maps people's labels back to keys.
func reverse(keys ...[]string) map[string]string {
	m := map[string]string{}
	for _, list := range keys {
		for _, k := range list {
			m[report.Label("vi", k)] = k
		}
	}
	return m
}

func num(s string) (int64, error) {
	s = strings.ReplaceAll(strings.TrimSpace(s), ",", "")
	return strconv.ParseInt(s, 10, 64)
}

func cell(row []string, i int) string {
	if i < len(row) {
		return row[i]
	}
	return ""
}

// FiguresFromSheets reads the report back into named figures, as Flatten
// names them. It covers what the report shows: targets, support, funding,
// training, certificates by scheme and scheme × category × district,
// announcements, lots. Marginal totals by category and district (on the
// dashboard only) are not in the report.
func FiguresFromSheets(sheets map[string][][]string, ind registry.Indicators) (Figures, error) {
	f := Figures{}
	var errs []string
	put := func(key, v string) {
		n, err := num(v)
		if err != nil {
			errs = append(errs, fmt.Sprintf("%s: %q is not a number", key, v))
			return
		}
		if n != 0 {
			f[key] += n
		}
	}
	targetKey := map[string]string{}
	for _, t := range ind.Targets {
		targetKey[t.NameVI] = t.Key
	}
	kinds := reverse(registry.SupportKinds)
	sources := reverse(registry.FundingSources)
	roles := reverse(registry.ParticipantRoles)
	schemes := reverse(registry.Schemes)
	categories := reverse(registry.ProductCategories, []string{registry.CategoryNone})
	section, sub := "", ""
	years := ind.Period.Years()
	for _, row := range sheets[report.SheetReport] {
		a, b := cell(row, 0), cell(row, 1)
		switch {
		case strings.HasPrefix(a, "I. ") || strings.HasPrefix(a, "II. ") || strings.HasPrefix(a, "III. ") ||
			strings.HasPrefix(a, "IV. ") || strings.HasPrefix(a, "V. "):
			section, sub = a, ""
			continue
		case len(row) == 1 && len(a) > 2 && a[1] == '.':
			sub = a[:1]
			continue
		case a == "STT" || len(row) < 3:
			continue
		}
		v := cell(row, 2)
		switch section {
		case report.HeadResults:
			k := targetKey[b]
			for i, y := range years {
				put(fmt.Sprintf("target/%s/%d", k, y), cell(row, 3+i))
			}
			put("target/"+k+"/reached", cell(row, 3+len(years)))
			put("target/"+k+"/cumulative", cell(row, 4+len(years)))
			if cell(row, 5+len(years)) == "Đạt" {
				f["target/"+k+"/met"] = 1
			}
		case report.HeadTasks:
			label := strings.TrimPrefix(b, "– ")
			switch {
			case sub == "1" && kinds[b] != "":
				put("support/kind/"+kinds[b], v)
			case sub == "1" && strings.HasPrefix(b, "Tổng số lượt"):
				put("support/times", v)
			case sub == "1" && strings.HasPrefix(b, "Số doanh nghiệp"):
				put("support/enterprises", v)
			case sub == "1" && strings.HasPrefix(b, "Số lượt hỗ trợ có kết quả"):
				put("support/with_outcome", v)
			case sub == "2" && sources[b] != "":
				put("support/source/"+sources[b], v)
			case sub == "2" && b == "Tổng kinh phí":
				put("support/total_vnd", v)
			case sub == "3" && roles[label] != "" && label != b:
				put("training/role/"+roles[label], v)
			case sub == "3" && strings.HasSuffix(b, "được đào tạo"):
				put("training/experts_trained", v)
			case sub == "3" && strings.HasSuffix(b, "được chứng nhận"):
				put("training/experts_certified", v)
			case sub == "3" && strings.HasPrefix(b, "Khoá tập huấn"):
				put("training/courses", v)
			case sub == "3" && strings.HasPrefix(b, "Lượt học viên"):
				put("training/participants", v)
			case sub == "3" && strings.HasPrefix(b, "Số doanh nghiệp"):
				put("training/enterprises", v)
			case sub == "4" && schemes[label] != "" && label != b:
				put("cert/scheme/"+schemes[label], v)
			case sub == "5" && strings.HasPrefix(b, "Số mã sản phẩm được người tiêu dùng quét"):
				put("scan/codes", v)
			case sub == "5" && strings.HasPrefix(b, "Tổng lượt quét"):
				put("scan/scans", v)
			}
		}
	}
	certRows := sheets[report.SheetCertificates]
	for _, row := range certRows {
		if len(row) == 4 && schemes[row[0]] != "" && categories[row[1]] != "" {
			put("cert/"+schemes[row[0]]+"/"+categories[row[1]]+"/"+row[2], row[3])
		}
		if len(row) >= 4 && row[0] == "Tổng số chứng nhận" {
			put("cert/total", row[3])
		}
	}
	readCross := func(sheet, prefix, totalKey string, rowKey func(string) string, colKeys map[string]string) {
		rows := sheets[sheet]
		if len(rows) < 2 {
			errs = append(errs, sheet+": no table")
			return
		}
		head := rows[1]
		for _, row := range rows[2:] {
			if cell(row, 0) == "Tổng" {
				if totalKey != "" {
					put(totalKey, cell(row, len(head)-1))
				}
				continue
			}
			rk := rowKey(cell(row, 0))
			for j := 1; j < len(head)-1; j++ {
				put(prefix+"/"+rk+"/"+colKeys[head[j]], cell(row, j))
			}
		}
	}
	annTypes := reverse([]string{registry.AnnounceStandard, registry.AnnounceRegulation})
	statuses := reverse([]string{registry.AnnDraft, registry.AnnSubmitted, registry.AnnNeedsMore, registry.AnnReceived, registry.AnnRejected, registry.AnnWithdrawn})
	readCross(report.SheetAnnouncements, "ann", "ann/total", func(s string) string { return annTypes[s] }, statuses)
	month := func(s string) string {
		if len(s) == 7 { // MM/YYYY
			return s[3:] + "-" + s[:2]
		}
		return s
	}
	readCross(report.SheetLots, "lots", "lots/total", month, categories)
	if ind.ScansCounted {
		// The grand total is scan/scans, read off the main sheet.
		readCross(report.SheetScans, "scan/month", "", month, categories)
	}
	if len(errs) > 0 {
		return f, fmt.Errorf("report cells: %s", strings.Join(errs, "; "))
	}
	return f, nil
}

// ReportScope keeps the figures the report shows (FiguresFromSheets' coverage).
func ReportScope(f Figures) Figures {
	out := Figures{}
	for k, v := range f {
		if strings.HasPrefix(k, "cert/category/") || strings.HasPrefix(k, "cert/district/") ||
			strings.HasPrefix(k, "scan/total/") {
			continue
		}
		out[k] = v
	}
	return out
}
