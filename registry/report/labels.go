package report

import (
	"strings"

	"github.com/tracereg/tracereg/registry"
)

// labels name the registry's keys (kinds of support, schemes, categories,
// statuses…) for people, Vietnamese first. The statistics pages use them too.
var labels = map[string]map[string]string{
	"vi": {
		// Kinds of support (the plan, I.2.a and II.3).
		"quality_management_system":  "Xây dựng, áp dụng hệ thống quản lý chất lượng",
		"improvement_tools":          "Áp dụng công cụ cải tiến năng suất chất lượng",
		"gap_organic":                "Thực hành nông nghiệp tốt (G.A.P), sản xuất hữu cơ",
		"certification_announcement": "Đánh giá chứng nhận, công bố hợp chuẩn, hợp quy",
		"traceability":               "Truy xuất nguồn gốc sản phẩm, hàng hoá",
		"smart_production":           "Sản xuất thông minh, dịch vụ thông minh",
		"digital_transformation":     "Chuyển đổi số",
		"green_productivity":         "Năng suất xanh",
		"national_quality_award":     "Giải thưởng chất lượng quốc gia",
		// Funding sources (III.1).
		"provincial_budget": "Ngân sách cấp tỉnh", "central_budget": "Ngân sách trung ương",
		"domestic_grant": "Vốn tài trợ trong nước", "foreign_grant": "Vốn tài trợ nước ngoài",
		"enterprise": "Vốn doanh nghiệp", "other": "Khác",
		// Participant roles (II.4.b).
		"leader": "Cán bộ lãnh đạo", "manager": "Cán bộ quản lý", "worker": "Người lao động", "expert": "Chuyên gia",
		// Product categories.
		"coffee": "Cà phê", "rubber": "Cao su", "honey": "Mật ong", "farm_produce": "Nông sản", "fruit": "Trái cây",
		"medicinal_plants": "Cây dược liệu", "mechanical": "Cơ khí", "building_materials": "Vật liệu xây dựng",
		registry.CategoryNone: "Chưa xác định",
		// Sectors.
		"agriculture": "Nông nghiệp", "food_processing": "Chế biến thực phẩm", "pharmaceutical": "Dược phẩm",
		"trade_services": "Thương mại, dịch vụ",
		// Announcements.
		registry.AnnounceStandard: "Công bố hợp chuẩn", registry.AnnounceRegulation: "Công bố hợp quy",
		registry.AnnDraft: "Đang soạn", registry.AnnSubmitted: "Đã nộp", registry.AnnNeedsMore: "Yêu cầu bổ sung",
		registry.AnnReceived: "Đã tiếp nhận", registry.AnnRejected: "Không tiếp nhận", registry.AnnWithdrawn: "Đã rút",
		// Schemes whose names are words.
		"organic_tcvn_11041": "Hữu cơ TCVN 11041", "organic_eu": "Hữu cơ EU", "organic_usda": "Hữu cơ USDA",
		// Benchmark metrics and scopes.
		registry.MetricLabourProductivity: "Năng suất lao động (đồng/người)", registry.MetricRevenue: "Doanh thu (đồng)",
		registry.MetricValueAdded: "Giá trị gia tăng (đồng)", registry.MetricEnergyPerUnit: "Năng lượng trên đơn vị sản phẩm",
		registry.MetricDefectRate: "Tỉ lệ lỗi, trả lại", registry.ScopeSector: "Ngành", registry.ScopeCategory: "Nhóm sản phẩm",
	},
	"en": {
		"quality_management_system":  "Quality management systems",
		"improvement_tools":          "Productivity and quality improvement tools",
		"gap_organic":                "Good agricultural practice (G.A.P.), organic",
		"certification_announcement": "Certification and conformity announcements",
		"traceability":               "Product traceability",
		"smart_production":           "Smart production and services",
		"digital_transformation":     "Digital transformation",
		"green_productivity":         "Green productivity",
		"national_quality_award":     "National Quality Award",
		"provincial_budget":          "Provincial budget", "central_budget": "Central budget",
		"domestic_grant": "Domestic grants", "foreign_grant": "Foreign grants",
		"enterprise": "Enterprises' own funds", "other": "Other",
		"leader": "Leaders", "manager": "Managers", "worker": "Workers", "expert": "Experts",
		"coffee": "Coffee", "rubber": "Rubber", "honey": "Honey", "farm_produce": "Farm produce", "fruit": "Fruit",
		"medicinal_plants": "Medicinal plants", "mechanical": "Mechanical goods", "building_materials": "Building materials",
		registry.CategoryNone: "Unspecified",
		"agriculture":         "Agriculture", "food_processing": "Food processing", "pharmaceutical": "Pharmaceuticals",
		"trade_services":          "Trade and services",
		registry.AnnounceStandard: "Conformity to a standard", registry.AnnounceRegulation: "Conformity to a regulation",
		registry.AnnDraft: "Draft", registry.AnnSubmitted: "Submitted", registry.AnnNeedsMore: "More needed",
		registry.AnnReceived: "Received", registry.AnnRejected: "Rejected", registry.AnnWithdrawn: "Withdrawn",
		"organic_tcvn_11041": "Organic TCVN 11041", "organic_eu": "Organic EU", "organic_usda": "Organic USDA",
		registry.MetricLabourProductivity: "Labour productivity (VND per employee)", registry.MetricRevenue: "Revenue (VND)",
		registry.MetricValueAdded: "Value added (VND)", registry.MetricEnergyPerUnit: "Energy per unit of output",
		registry.MetricDefectRate: "Defect or return rate", registry.ScopeSector: "Sector", registry.ScopeCategory: "Product category",
	},
}

// Label names a key for people in lang ("vi" or "en"); keys without a label
// (schemes such as "ISO 9001", districts) are shown as they are.
func Label(lang, key string) string {
	if l, ok := labels[lang][key]; ok {
		return l
	}
	if l, ok := labels["vi"][key]; ok && lang != "en" {
		return l
	}
	if key == "other" {
		return "Khác"
	}
	return strings.TrimSpace(key)
}
