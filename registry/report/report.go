// Package report writes the programme's annual report for the Ministry of
// Science and Technology (due before 30 November each year, plan 6648/KH-UBND
// IV.1.đ) as XLSX and CSV. Headings are Vietnamese and follow the plan:
// I. Mục tiêu, II. Nhiệm vụ, III. Kết quả so với chỉ tiêu, IV. Khó khăn,
// vướng mắc, V. Kiến nghị; detail sheets hold the cross-tabulations.
// Every figure comes from one registry.Indicators value, the same the
// dashboard shows.
package report

import (
	"encoding/csv"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/xuri/excelize/v2"

	"github.com/tracereg/tracereg/registry"
)

// Sheet names.
const (
	SheetReport        = "Báo cáo"
	SheetCertificates  = "Chứng nhận"
	SheetAnnouncements = "Công bố"
	SheetLots          = "Lô truy xuất"
	SheetScans         = "Lượt quét"
)

// Section headings, in the plan's order.
const (
	HeadObjectives   = "I. MỤC TIÊU"
	HeadTasks        = "II. NHIỆM VỤ ĐÃ TRIỂN KHAI"
	HeadResults      = "III. KẾT QUẢ SO VỚI CHỈ TIÊU"
	HeadDifficulties = "IV. KHÓ KHĂN, VƯỚNG MẮC"
	HeadProposals    = "V. KIẾN NGHỊ"
)

// Options adds what only people know: the difficulties met and the
// proposals. Without them the report states what the figures show and
// leaves lines for the department to fill in.
type Options struct {
	Province     string    // default "Đắk Lắk"
	GeneratedAt  time.Time // shown in Vietnam time
	Difficulties []string
	Proposals    []string
}

// Sheet is one table of the report: rows of cells (string, int, int64, float64 or nil).
type Sheet struct {
	Name string
	Rows [][]any
}

// Build lays the report out; XLSX and CSV both write what it returns.
func Build(ind registry.Indicators, opt Options) []Sheet {
	if opt.Province == "" {
		opt.Province = "Đắk Lắk"
	}
	sheets := []Sheet{mainSheet(ind, opt), certSheet(ind), annSheet(ind), lotSheet(ind)}
	if ind.ScansCounted {
		sheets = append(sheets, scanSheet(ind))
	}
	return sheets
}

func vi(key string) string { return Label("vi", key) }

// TargetRange is how a target reads: "1–2".
func TargetRange(t registry.PlanTarget) string {
	if t.Max == 0 {
		return fmt.Sprintf("từ %d", t.Min)
	}
	return fmt.Sprintf("%d–%d", t.Min, t.Max)
}

// Verdict is "Đạt" when the target's minimum is reached from the phase's first year to the end of the period.
func Verdict(t registry.PlanTarget) string {
	if t.Met {
		return "Đạt"
	}
	return "Chưa đạt"
}

func mainSheet(ind registry.Indicators, opt Options) Sheet {
	var r [][]any
	add := func(cells ...any) { r = append(r, cells) }
	p := ind.Period
	add("BÁO CÁO KẾT QUẢ THỰC HIỆN KẾ HOẠCH SỐ 6648/KH-UBND NGÀY 21/7/2021 CỦA UBND TỈNH " + upperVI(opt.Province))
	add("Chương trình quốc gia hỗ trợ doanh nghiệp nâng cao năng suất và chất lượng sản phẩm, hàng hoá (Quyết định 1322/QĐ-TTg)")
	add("Kỳ báo cáo", p.String())
	if !opt.GeneratedAt.IsZero() {
		add("Ngày lập", opt.GeneratedAt.In(registry.Vietnam).Format("02/01/2006"))
	}
	add()

	add(HeadObjectives)
	add("STT", fmt.Sprintf("Chỉ tiêu giai đoạn %d–%d", ind.Phase.From, ind.Phase.To), "Mục tiêu tối thiểu", "Mục tiêu tối đa")
	for i, t := range ind.Targets {
		var most any = t.Max
		if t.Max == 0 {
			most = "(không giới hạn)"
		}
		add(i+1, t.NameVI, t.Min, most)
	}
	if ind.Phase.Orientation {
		add("", fmt.Sprintf("Kế hoạch chỉ nêu định hướng cho giai đoạn %d–%d; các mức trên do Sở cấu hình (mặc định bằng mức tối thiểu của giai đoạn trước).",
			ind.Phase.From, ind.Phase.To))
	}
	add()

	add(HeadTasks)
	add("1. Hỗ trợ doanh nghiệp (mục II.3 của Kế hoạch)")
	add("STT", "Nội dung hỗ trợ", "Số lượt doanh nghiệp")
	for i, k := range ind.Support.ByKind {
		add(i+1, vi(k.Key), k.Count)
	}
	add("", "Tổng số lượt doanh nghiệp được hỗ trợ", ind.Support.Times)
	add("", "Số doanh nghiệp được hỗ trợ (không trùng lặp)", ind.Support.Enterprises)
	add("", "Số lượt hỗ trợ có kết quả ghi nhận (chứng nhận, công bố, lô hàng truy xuất)", ind.Support.WithOutcome)
	add("2. Kinh phí thực hiện (mục III của Kế hoạch)")
	add("STT", "Nguồn kinh phí", "Số tiền (đồng)")
	for i, a := range ind.Support.BySource {
		add(i+1, vi(a.Key), a.VND)
	}
	add("", "Tổng kinh phí", ind.Support.TotalVND)
	add("3. Đào tạo nguồn nhân lực (mục II.4 của Kế hoạch)")
	add("STT", "Nội dung", "Số lượng")
	add(1, "Chuyên gia năng suất chất lượng được đào tạo", ind.Training.ExpertsTrained)
	add(2, "Chuyên gia năng suất chất lượng được chứng nhận", ind.Training.ExpertsCertified)
	add(3, "Khoá tập huấn, bồi dưỡng đã tổ chức", ind.Training.Courses)
	add(4, "Lượt học viên tham gia", ind.Training.Participants)
	for _, t := range ind.Training.ByRole {
		add("", "– "+vi(t.Key), t.Count)
	}
	add(5, "Số doanh nghiệp có người tham gia", ind.Training.Enterprises)
	add("4. Tiêu chuẩn hoá và đánh giá sự phù hợp (mục II.5 của Kế hoạch)")
	add("STT", "Nội dung", "Số lượng")
	add(1, "Quy chuẩn kỹ thuật địa phương được ban hành", targetReached(ind, "qcdp"))
	add(2, "Chứng nhận được cấp cho doanh nghiệp trong tỉnh", ind.Certificates.Total)
	for _, s := range ind.Certificates.ByScheme {
		if s.Count > 0 {
			add("", "– "+vi(s.Key), s.Count)
		}
	}
	add(3, "Hồ sơ công bố hợp chuẩn", rowTotal(ind.Announcements, registry.AnnounceStandard))
	add(4, "Hồ sơ công bố hợp quy", rowTotal(ind.Announcements, registry.AnnounceRegulation))
	add(5, "Hồ sơ công bố đã được cấp thông báo tiếp nhận", ind.Announcements.ColTotals[colIndex(ind.Announcements, registry.AnnReceived)])
	add("5. Truy xuất nguồn gốc sản phẩm, hàng hoá (mục II.3.c của Kế hoạch)")
	add("STT", "Nhóm sản phẩm", "Số lô hàng truy xuất được")
	n := 0
	for j, c := range ind.Lots.Cols {
		if ind.Lots.ColTotals[j] > 0 {
			n++
			add(n, vi(c), ind.Lots.ColTotals[j])
		}
	}
	add("", "Tổng số lô hàng", ind.Lots.Total)
	if ind.ScansCounted {
		add("", "Số mã sản phẩm được người tiêu dùng quét trong kỳ", ind.ScannedCodes)
		add("", "Tổng lượt quét trong kỳ (chi tiết theo tháng và nhóm sản phẩm: trang \""+SheetScans+"\")", ind.ScanCount)
	}
	add()

	add(HeadResults)
	head := []any{"STT", "Chỉ tiêu", fmt.Sprintf("Mục tiêu %d–%d", ind.Phase.From, ind.Phase.To)}
	for _, y := range p.Years() {
		head = append(head, fmt.Sprintf("Năm %d", y))
	}
	head = append(head, "Trong kỳ báo cáo", fmt.Sprintf("Lũy kế từ năm %d", ind.Phase.From), "Đánh giá")
	add(head...)
	for i, t := range ind.Targets {
		row := []any{i + 1, t.NameVI, TargetRange(t)}
		for _, y := range t.ByYear {
			row = append(row, y.Count)
		}
		row = append(row, t.Reached, t.Cumulative, Verdict(t))
		add(row...)
	}
	add()

	add(HeadDifficulties)
	n = 0
	for _, t := range ind.Targets {
		if !t.Met {
			n++
			add(n, fmt.Sprintf("Chỉ tiêu \"%s\" mới đạt %d/%d (lũy kế từ năm %d).", t.NameVI, t.Cumulative, t.Min, ind.Phase.From))
		}
	}
	for _, d := range opt.Difficulties {
		n++
		add(n, d)
	}
	if len(opt.Difficulties) == 0 {
		add(n+1, "(Đơn vị bổ sung)")
	}
	add()

	add(HeadProposals)
	n = 0
	for _, d := range opt.Proposals {
		n++
		add(n, d)
	}
	if len(opt.Proposals) == 0 {
		add(n+1, "(Đơn vị bổ sung)")
	}
	return Sheet{Name: SheetReport, Rows: r}
}

func targetReached(ind registry.Indicators, key string) int {
	for _, t := range ind.Targets {
		if t.Key == key {
			return t.Reached
		}
	}
	return 0
}

func rowTotal(t *registry.CrossTab, row string) int {
	for i, r := range t.Rows {
		if r == row {
			return t.RowTotals[i]
		}
	}
	return 0
}

func colIndex(t *registry.CrossTab, col string) int {
	for j, c := range t.Cols {
		if c == col {
			return j
		}
	}
	return 0
}

func certSheet(ind registry.Indicators) Sheet {
	r := [][]any{
		{"Chứng nhận được cấp trong kỳ " + ind.Period.String() + " theo chương trình, nhóm sản phẩm và địa bàn"},
		{"Chương trình chứng nhận", "Nhóm sản phẩm", "Địa bàn", "Số chứng nhận"},
	}
	for _, c := range ind.Certificates.Cells {
		r = append(r, []any{vi(c.Scheme), vi(c.Category), c.District, c.Count})
	}
	r = append(r, []any{"Tổng số chứng nhận", "", "", ind.Certificates.Total})
	r = append(r, []any{"Ghi chú: chứng nhận có phạm vi gồm nhiều nhóm sản phẩm được tính ở mỗi nhóm."})
	return Sheet{Name: SheetCertificates, Rows: r}
}

func crossTabRows(t *registry.CrossTab, corner string, rowLabel func(string) string) [][]any {
	head := []any{corner}
	for _, c := range t.Cols {
		head = append(head, vi(c))
	}
	head = append(head, "Tổng")
	rows := [][]any{head}
	for i, rk := range t.Rows {
		row := []any{rowLabel(rk)}
		for j := range t.Cols {
			row = append(row, t.Counts[i][j])
		}
		rows = append(rows, append(row, t.RowTotals[i]))
	}
	total := []any{"Tổng"}
	for j := range t.Cols {
		total = append(total, t.ColTotals[j])
	}
	return append(rows, append(total, t.Total))
}

func annSheet(ind registry.Indicators) Sheet {
	r := [][]any{{"Hồ sơ công bố hợp chuẩn, hợp quy trong kỳ " + ind.Period.String() + " theo loại và tình trạng"}}
	return Sheet{Name: SheetAnnouncements, Rows: append(r, crossTabRows(ind.Announcements, "Loại công bố", vi)...)}
}

func lotSheet(ind registry.Indicators) Sheet {
	r := [][]any{{"Lô hàng truy xuất được nguồn gốc trong kỳ " + ind.Period.String() + " theo tháng và nhóm sản phẩm"}}
	month := func(m string) string { return m[5:] + "/" + m[:4] }
	return Sheet{Name: SheetLots, Rows: append(r, crossTabRows(ind.Lots, "Tháng", month)...)}
}

func scanSheet(ind registry.Indicators) Sheet {
	r := [][]any{{"Lượt quét mã truy xuất trong kỳ " + ind.Period.String() + " theo tháng và nhóm sản phẩm"}}
	month := func(m string) string { return m[5:] + "/" + m[:4] }
	return Sheet{Name: SheetScans, Rows: append(r, crossTabRows(ind.ScansByMonth, "Tháng", month)...)}
}

func upperVI(s string) string { return strings.ToUpper(s) }

// XLSX writes the report as an Excel workbook.
func XLSX(w io.Writer, ind registry.Indicators, opt Options) error {
	f := excelize.NewFile()
	defer f.Close()
	bold, err := f.NewStyle(&excelize.Style{Font: &excelize.Font{Bold: true}})
	if err != nil {
		return err
	}
	money, err := f.NewStyle(&excelize.Style{NumFmt: 3}) // #,##0
	if err != nil {
		return err
	}
	for i, sh := range Build(ind, opt) {
		if i == 0 {
			if err := f.SetSheetName("Sheet1", sh.Name); err != nil {
				return err
			}
		} else if _, err := f.NewSheet(sh.Name); err != nil {
			return err
		}
		width := 0
		for ri, row := range sh.Rows {
			if len(row) == 0 {
				continue
			}
			width = max(width, len(row))
			cell, _ := excelize.CoordinatesToCellName(1, ri+1)
			r := row
			if err := f.SetSheetRow(sh.Name, cell, &r); err != nil {
				return err
			}
			if isHeading(row) {
				if err := f.SetCellStyle(sh.Name, cell, cell, bold); err != nil {
					return err
				}
			}
			for ci, v := range row {
				if _, ok := v.(int64); ok {
					c, _ := excelize.CoordinatesToCellName(ci+1, ri+1)
					if err := f.SetCellStyle(sh.Name, c, c, money); err != nil {
						return err
					}
				}
			}
		}
		last, _ := excelize.ColumnNumberToName(max(width, 2))
		if err := f.SetColWidth(sh.Name, "A", "A", 14); err != nil {
			return err
		}
		if err := f.SetColWidth(sh.Name, "B", last, 18); err != nil {
			return err
		}
		if sh.Name == SheetReport {
			if err := f.SetColWidth(sh.Name, "A", "A", 6); err != nil {
				return err
			}
			if err := f.SetColWidth(sh.Name, "B", "B", 70); err != nil {
				return err
			}
		}
	}
	f.SetActiveSheet(0)
	_, err = f.WriteTo(w)
	return err
}

// isHeading: a lone text cell (a title or a section) is shown bold.
func isHeading(row []any) bool {
	if len(row) != 1 {
		return false
	}
	_, ok := row[0].(string)
	return ok
}

// CSV writes the report as comma-separated UTF-8 text with a byte order
// mark (so spreadsheet programs read the Vietnamese right); sheets follow
// each other, each opened by a "# name" line and closed by a blank line.
func CSV(w io.Writer, ind registry.Indicators, opt Options) error {
	if _, err := io.WriteString(w, "\uFEFF"); err != nil {
		return err
	}
	cw := csv.NewWriter(w)
	for _, sh := range Build(ind, opt) {
		if err := cw.Write([]string{"# " + sh.Name}); err != nil {
			return err
		}
		for _, row := range sh.Rows {
			rec := make([]string, len(row))
			for i, v := range row {
				rec[i] = cellText(v)
			}
			if err := cw.Write(rec); err != nil {
				return err
			}
		}
		if err := cw.Write(nil); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
}

func cellText(v any) string {
	switch x := v.(type) {
	case nil:
		return ""
	case string:
		// A cell starting like a formula is kept as text (CSV injection).
		if x != "" && strings.ContainsRune("=+-@\t\r", rune(x[0])) {
			return "'" + x
		}
		return x
	case float64:
		return fmt.Sprintf("%.2f", x)
	}
	return fmt.Sprint(v)
}

// FileName is the download's name: bao-cao-nang-suat-chat-luong-2025.xlsx.
func FileName(p registry.Period, ext string) string {
	if p.From == p.To {
		return fmt.Sprintf("bao-cao-nang-suat-chat-luong-%d.%s", p.From, ext)
	}
	return fmt.Sprintf("bao-cao-nang-suat-chat-luong-%d-%d.%s", p.From, p.To, ext)
}
