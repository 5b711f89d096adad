package stats

import (
	"strconv"
	"strings"

	"github.com/tracereg/tracereg/registry/report"
)

// messages are the texts of the statistics pages, Vietnamese first.
var messages = map[string]map[string]string{
	"vi": {
		"lang": "vi", "other_lang": "English", "other_code": "en",
		"public_title":    "Thống kê năng suất, chất lượng và truy xuất nguồn gốc",
		"dashboard_title": "Bảng điều hành Chương trình năng suất chất lượng",
		"bench_title":     "Vị trí của doanh nghiệp trong chuẩn đối sánh",
		"plan":            "Kế hoạch 6648/KH-UBND thực hiện Chương trình quốc gia hỗ trợ doanh nghiệp nâng cao năng suất và chất lượng sản phẩm, hàng hoá tỉnh Đắk Lắk",
		"period":          "Kỳ", "year": "Năm", "period_hint": "hoặc giai đoạn, ví dụ 2021-2025", "show": "Xem",
		"as_of": "Số liệu tại thời điểm", "aggregates_only": "Trang chỉ công bố số liệu tổng hợp, không có thông tin riêng của doanh nghiệp.",
		"download": "Tải báo cáo năm", "download_xlsx": "Báo cáo (XLSX)", "download_csv": "Báo cáo (CSV)",
		"targets": "Kết quả so với chỉ tiêu giai đoạn %d–%d", "at_least": "từ %d",
		"targets_orientation": "Kế hoạch chỉ nêu định hướng cho giai đoạn %d–%d; các mức này do Sở cấu hình (mặc định bằng mức tối thiểu của giai đoạn trước).", "target": "Chỉ tiêu", "goal": "Mục tiêu",
		"in_period": "Trong kỳ", "cumulative": "Lũy kế từ %d", "verdict": "Đánh giá", "met": "Đạt", "not_met": "Chưa đạt",
		"targets_note": "Đánh giá theo số lũy kế từ năm %d so với mức tối thiểu; vùng tô nhạt là khoảng mục tiêu.",
		"support":      "Hỗ trợ doanh nghiệp", "kind": "Nội dung hỗ trợ", "times": "Số lượt",
		"support_times": "Lượt doanh nghiệp được hỗ trợ", "support_enterprises": "Doanh nghiệp được hỗ trợ (không trùng)",
		"support_outcome": "Lượt hỗ trợ có kết quả ghi nhận", "funding": "Kinh phí theo nguồn", "source": "Nguồn kinh phí",
		"amount": "Số tiền (đồng)", "total_funding": "Tổng kinh phí (đồng)",
		"training": "Đào tạo nguồn nhân lực", "experts_trained": "Chuyên gia được đào tạo", "experts_certified": "Chuyên gia được chứng nhận",
		"courses": "Khoá tập huấn", "participants": "Lượt học viên", "trained_enterprises": "Doanh nghiệp có người tham gia",
		"role": "Đối tượng", "count": "Số lượng",
		"certs": "Chứng nhận được cấp", "by_scheme": "Theo chương trình chứng nhận", "by_category": "Theo nhóm sản phẩm",
		"by_district": "Theo địa bàn", "scheme": "Chương trình", "category": "Nhóm sản phẩm", "district": "Địa bàn",
		"certs_total": "Tổng số chứng nhận", "certs_cells": "Chứng nhận theo chương trình × nhóm sản phẩm × địa bàn",
		"certs_note": "Chứng nhận có phạm vi gồm nhiều nhóm sản phẩm được tính ở mỗi nhóm.",
		"anns":       "Công bố hợp chuẩn, hợp quy", "ann_type": "Loại công bố", "by_status": "Theo tình trạng hồ sơ", "total": "Tổng",
		"lots": "Lô hàng truy xuất được nguồn gốc", "by_month": "Theo tháng", "month": "Tháng", "lots_total": "Tổng số lô hàng",
		"lots_cells":        "Lô hàng theo tháng × nhóm sản phẩm",
		"scans_note":        "Lượt quét được đếm theo tháng quét (giờ Việt Nam) cho từng mã truy xuất.",
		"scans_none":        "Chưa có bộ đếm lượt quét.",
		"scanned_codes":     "Mã được quét trong kỳ",
		"scan_count":        "Lượt quét trong kỳ",
		"scans_by_category": "Lượt quét theo nhóm sản phẩm",
		"scans_by_month":    "Lượt quét theo tháng",
		"notes_title":       "Khó khăn, vướng mắc và kiến nghị",
		"notes_none":        "Sở KH&CN chưa ghi khó khăn, kiến nghị cho kỳ này (nhập tại /w/programme/notes).",
		"difficulties":      "Khó khăn, vướng mắc",
		"proposals":         "Kiến nghị",
		"scans_cells":       "Lượt quét theo tháng × nhóm sản phẩm",
		"bench":             "Chuẩn đối sánh năng suất", "scope": "Nhóm so sánh", "n": "Số doanh nghiệp",
		"q1": "Tứ phân vị dưới", "median": "Trung vị", "q3": "Tứ phân vị trên", "metric": "Chỉ số",
		"suppressed": "Dưới 5 doanh nghiệp — không công bố",
		"bench_note": "Chỉ công bố nhóm có từ 5 doanh nghiệp trở lên; không công bố số liệu riêng, giá trị nhỏ nhất hay lớn nhất.",
		"bench_none": "Chưa có nhóm đủ 5 doanh nghiệp để công bố.",
		"your_value": "Số liệu của doanh nghiệp", "percentile": "Bách phân vị", "quartile": "Nhóm tứ phân vị",
		"lower_better": "(càng thấp càng tốt)", "no_entries": "Doanh nghiệp chưa nhập số liệu đối sánh.",
		"footer": "Hệ thống truy xuất nguồn gốc và chứng nhận chất lượng tỉnh Đắk Lắk",
	},
	"en": {
		"lang": "en", "other_lang": "Tiếng Việt", "other_code": "vi",
		"public_title":    "Productivity, quality and traceability statistics",
		"dashboard_title": "Productivity and quality programme dashboard",
		"bench_title":     "Where the enterprise stands among its peers",
		"plan":            "Plan 6648/KH-UBND implementing the national programme helping enterprises raise productivity and product quality, Đắk Lắk province",
		"period":          "Period", "year": "Year", "period_hint": "or a span, e.g. 2021-2025", "show": "Show",
		"as_of": "Figures as of", "aggregates_only": "This page publishes aggregate figures only, never an enterprise's own data.",
		"download": "Download the annual report", "download_xlsx": "Report (XLSX)", "download_csv": "Report (CSV)",
		"targets": "Results against the %d–%d targets", "at_least": "at least %d",
		"targets_orientation": "The plan sets only an orientation for %d–%d; these figures are configured by the Department (by default the previous phase's minimums).", "target": "Target", "goal": "Goal",
		"in_period": "In the period", "cumulative": "Since %d", "verdict": "Assessment", "met": "Met", "not_met": "Not yet met",
		"targets_note": "Judged on the total since %d against the minimum; the light band is the target range.",
		"support":      "Support to enterprises", "kind": "Kind of support", "times": "Enterprise-times",
		"support_times": "Enterprise-times of support", "support_enterprises": "Enterprises supported (distinct)",
		"support_outcome": "Support with a recorded outcome", "funding": "Funding by source", "source": "Source",
		"amount": "Amount (VND)", "total_funding": "Total funding (VND)",
		"training": "Human resources", "experts_trained": "Experts trained", "experts_certified": "Experts certified",
		"courses": "Training courses", "participants": "Participants", "trained_enterprises": "Enterprises that sent participants",
		"role": "Audience", "count": "Number",
		"certs": "Certificates issued", "by_scheme": "By scheme", "by_category": "By product category",
		"by_district": "By district", "scheme": "Scheme", "category": "Product category", "district": "District",
		"certs_total": "Certificates in all", "certs_cells": "Certificates by scheme × product category × district",
		"certs_note": "A certificate whose scope spans several product categories counts under each.",
		"anns":       "Conformity announcements", "ann_type": "Type", "by_status": "By dossier status", "total": "Total",
		"lots": "Traceable lots", "by_month": "By month", "month": "Month", "lots_total": "Lots in all",
		"lots_cells":        "Lots by month × product category",
		"scans_note":        "Scans are counted per code by the month they happened in (Vietnam time).",
		"scans_none":        "No scan counters are available.",
		"scanned_codes":     "Codes scanned in the period",
		"scan_count":        "Scans in the period",
		"scans_by_category": "Scans by product category",
		"scans_by_month":    "Scans by month",
		"notes_title":       "Difficulties and proposals",
		"notes_none":        "No difficulties or proposals have been written for this period yet (enter them at /w/programme/notes).",
		"difficulties":      "Difficulties",
		"proposals":         "Proposals",
		"scans_cells":       "Scans by month × product category",
		"bench":             "Productivity benchmarks", "scope": "Peer group", "n": "Enterprises",
		"q1": "Lower quartile", "median": "Median", "q3": "Upper quartile", "metric": "Indicator",
		"suppressed": "Fewer than 5 enterprises — not published",
		"bench_note": "Only groups of at least 5 enterprises are published; no single enterprise's figure, minimum or maximum is shown.",
		"bench_none": "No group has the 5 enterprises needed to publish benchmarks yet.",
		"your_value": "Your figure", "percentile": "Percentile", "quartile": "Quartile",
		"lower_better": "(lower is better)", "no_entries": "The enterprise has not entered benchmarking figures yet.",
		"footer": "Traceability and quality certification registry of Đắk Lắk province",
	},
}

func label(lang, key string) string { return report.Label(lang, key) }

// formatInt writes n with thousands separators: 1.234.567 in Vietnamese, 1,234,567 in English.
func formatInt(lang string, n int64) string {
	sep := "."
	if lang == "en" {
		sep = ","
	}
	s := strconv.FormatInt(n, 10)
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	var b strings.Builder
	for i, r := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteString(sep)
		}
		b.WriteRune(r)
	}
	if neg {
		return "-" + b.String()
	}
	return b.String()
}

// formatFloat writes x with two decimals and the language's separators.
func formatFloat(lang string, x float64) string {
	s := strconv.FormatFloat(x, 'f', 2, 64)
	whole, frac, _ := strings.Cut(s, ".")
	n, _ := strconv.ParseInt(whole, 10, 64)
	w := formatInt(lang, n)
	if strings.HasPrefix(whole, "-") && n == 0 {
		w = "-0"
	}
	dec := ","
	if lang == "en" {
		dec = "."
	}
	return w + dec + frac
}
