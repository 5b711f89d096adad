package web

import "fmt"

// catalogue holds the workspaces' texts, Vietnamese first. Each workspace
// file adds its own with addMessages; a key defined twice stops the start.
var catalogue = map[string]map[string]string{"vi": {}, "en": {}}

// addMessages adds texts; vi and en must have the same keys.
func addMessages(vi, en map[string]string) {
	for k := range vi {
		if _, ok := en[k]; !ok {
			panic(fmt.Sprintf("web: message %q has no English text", k))
		}
	}
	for k := range en {
		if _, ok := vi[k]; !ok {
			panic(fmt.Sprintf("web: message %q has no Vietnamese text", k))
		}
	}
	for lang, m := range map[string]map[string]string{"vi": vi, "en": en} {
		for k, v := range m {
			if _, dup := catalogue[lang][k]; dup {
				panic(fmt.Sprintf("web: message %q defined twice", k))
			}
			catalogue[lang][k] = v
		}
	}
}

func tr(lang, key string) string {
	if s, ok := catalogue[lang][key]; ok {
		return s
	}
	return "?" + key + "?"
}

func init() {
	addMessages(map[string]string{
		"lang": "vi", "other_lang": "English",
		"app_name":  "Hệ thống truy xuất nguồn gốc và chứng nhận Đắk Lắk",
		"skip":      "Bỏ qua đến nội dung chính",
		"signed_in": "Đang đăng nhập", "sign_out": "Đăng xuất", "password_link": "Đổi mật khẩu",
		"login_title": "Đăng nhập", "username": "Tên đăng nhập", "password": "Mật khẩu", "login_btn": "Đăng nhập",
		"login_hint":     "Dành cho doanh nghiệp, tổ chức chứng nhận, cán bộ kiểm tra và Sở KH&CN. Người tiêu dùng tra cứu sản phẩm không cần đăng nhập.",
		"password_title": "Đổi mật khẩu", "current_password": "Mật khẩu hiện tại", "new_password": "Mật khẩu mới",
		"confirm_password": "Nhập lại mật khẩu mới", "password_rule": "Từ 10 đến 128 ký tự.", "save": "Lưu",
		"flash_password_changed": "Đã đổi mật khẩu. Các phiên đăng nhập khác đã được đăng xuất.",
		"form_invalid":           "Vui lòng sửa các mục được đánh dấu bên dưới. Những gì bạn đã nhập vẫn được giữ nguyên.",
		"home":                   "Trang chính", "search": "Tìm", "search_placeholder": "Tìm kiếm", "next_page": "Trang sau",
		"first_page": "Về trang đầu", "none": "Chưa có dữ liệu.", "actions": "Thao tác", "back": "Quay lại",
		"cancel":     "Hủy",
		"keys_title": "Khóa API", "keys_link": "Khóa API", "keys_hint": "Khóa API cho phép một chương trình (phần mềm quản lý, hệ thống của tổ chức chứng nhận) làm việc với hệ thống thay bạn, với đúng quyền của tài khoản này. Hãy giữ bí mật; thu hồi khi không dùng nữa.",
		"keys_new": "Khóa mới của bạn:", "keys_new_hint": "Hãy sao chép ngay: hệ thống chỉ hiển thị khóa này một lần và không lưu lại.",
		"keys_yours": "Khóa của bạn", "keys_name": "Tên khóa", "keys_hint_col": "Bắt đầu bằng", "keys_created": "Ngày tạo", "keys_state": "Tình trạng",
		"keys_revoked": "Đã thu hồi", "keys_active": "Đang dùng", "keys_revoke": "Thu hồi", "keys_none": "Bạn chưa có khóa nào.",
		"keys_make": "Tạo khóa mới", "keys_name_hint": "Ví dụ: Phần mềm kho của công ty.", "flash_key_revoked": "Đã thu hồi khóa; chương trình dùng khóa này không truy cập được nữa.",
		"nav_more": "Thêm", "nav_dossiers": "Hồ sơ và phản ánh", "nav_certificates": "Chứng nhận", "nav_registers": "Danh mục",
		"nav_programme": "Chương trình NSCL", "nav_prg_dashboard": "Bảng theo dõi chỉ tiêu", "nav_prg_records": "Hồ sơ chương trình", "required": "bắt buộc", "optional": "không bắt buộc", "yes": "Có", "no": "Không",
		"role_admin": "Sở KH&CN", "role_inspector": "Cán bộ kiểm tra", "role_certifier": "Tổ chức chứng nhận", "role_enterprise": "Doanh nghiệp",
		"staged_file": "Đã tải lên trước đó (giữ nguyên nếu không chọn tệp khác)",
		"public_page": "Trang tra cứu công khai",
	}, map[string]string{
		"lang": "en", "other_lang": "Tiếng Việt",
		"app_name":  "Đắk Lắk traceability and certification registry",
		"skip":      "Skip to main content",
		"signed_in": "Signed in as", "sign_out": "Sign out", "password_link": "Change password",
		"login_title": "Sign in", "username": "Username", "password": "Password", "login_btn": "Sign in",
		"login_hint":     "For enterprises, certification bodies, inspectors and the Department of Science and Technology. Consumers checking a product need no account.",
		"password_title": "Change password", "current_password": "Current password", "new_password": "New password",
		"confirm_password": "New password again", "password_rule": "10 to 128 characters.", "save": "Save",
		"flash_password_changed": "Password changed. Your other sessions have been signed out.",
		"form_invalid":           "Please correct the marked fields below. What you typed has been kept.",
		"home":                   "Home", "search": "Search", "search_placeholder": "Search", "next_page": "Next page",
		"first_page": "First page", "none": "Nothing yet.", "actions": "Actions", "back": "Back",
		"cancel":     "Cancel",
		"keys_title": "API keys", "keys_link": "API keys", "keys_hint": "An API key lets a program (your management software, a certification body's system) work with the registry for you, with this account's rights. Keep it secret; revoke it when no longer used.",
		"keys_new": "Your new key:", "keys_new_hint": "Copy it now: it is shown only once and never stored.",
		"keys_yours": "Your keys", "keys_name": "Name", "keys_hint_col": "Starts with", "keys_created": "Created", "keys_state": "State",
		"keys_revoked": "Revoked", "keys_active": "In use", "keys_revoke": "Revoke", "keys_none": "You have no key yet.",
		"keys_make": "Make a key", "keys_name_hint": "For example: the company's warehouse software.", "flash_key_revoked": "Key revoked; a program using it can no longer reach the registry.",
		"nav_more": "More", "nav_dossiers": "Dossiers and complaints", "nav_certificates": "Certificates", "nav_registers": "Registers",
		"nav_programme": "Q&P programme", "nav_prg_dashboard": "Targets dashboard", "nav_prg_records": "Programme records", "required": "required", "optional": "optional", "yes": "Yes", "no": "No",
		"role_admin": "Province staff", "role_inspector": "Inspector", "role_certifier": "Certification body", "role_enterprise": "Enterprise",
		"staged_file": "Uploaded earlier (kept unless you choose another file)",
		"public_page": "Public verification page",
	})
}
