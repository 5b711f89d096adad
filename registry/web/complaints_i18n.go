package web

func init() {
	addMessages(map[string]string{
		"cmp_nav": "Phản ánh", "cmp_title": "Phản ánh của người dân", "cmp_show_title": "Phản ánh",
		"cmp_status": "Trạng thái", "cmp_all": "Tất cả", "cmp_mine": "Chỉ phản ánh giao cho tôi",
		"cmp_st_open": "Mới", "cmp_st_assigned": "Đang xử lý", "cmp_st_resolved": "Đã xử lý xong",
		"cmp_received": "Ngày nhận", "cmp_kind": "Loại", "cmp_subject": "Trang được phản ánh", "cmp_message": "Nội dung",
		"cmp_assignee": "Cán bộ xử lý", "cmp_contact": "Liên hệ", "cmp_province": "Tỉnh", "cmp_resolution": "Kết quả xử lý",
		"cmp_kind_counterfeit": "Nghi hàng giả", "cmp_kind_quality": "Chất lượng", "cmp_kind_label": "Nhãn mác",
		"cmp_kind_expired": "Hết hạn", "cmp_kind_other": "Khác",
		"cmp_empty": "Không có phản ánh nào.", "cmp_back": "← Danh sách phản ánh",
		"cmp_assign_title": "Phân công xử lý", "cmp_assign_to": "Giao cho", "cmp_me": "tôi", "cmp_assign_btn": "Phân công",
		"cmp_note": "Ghi chú", "cmp_note_title": "Thêm ghi chú", "cmp_note_btn": "Thêm ghi chú",
		"cmp_resolve_title": "Kết thúc xử lý", "cmp_resolution_label": "Kết quả xử lý (đã kiểm tra gì, xử lý thế nào)",
		"cmp_resolve_btn": "Kết thúc xử lý", "cmp_reopen_title": "Mở lại phản ánh", "cmp_reopen_label": "Lý do mở lại",
		"cmp_reopen_btn": "Mở lại", "cmp_journal": "Nhật ký xử lý",
		"cmp_act_assign": "Phân công", "cmp_act_note": "Ghi chú", "cmp_act_resolve": "Kết thúc xử lý", "cmp_act_reopen": "Mở lại",
		"flash_cmp_assigned": "Đã phân công xử lý phản ánh.", "flash_cmp_noted": "Đã thêm ghi chú.",
		"flash_cmp_resolved": "Đã kết thúc xử lý phản ánh.", "flash_cmp_reopened": "Đã mở lại phản ánh.",
	}, map[string]string{
		"cmp_nav": "Complaints", "cmp_title": "Problem reports from the public", "cmp_show_title": "Problem report",
		"cmp_status": "Status", "cmp_all": "All", "cmp_mine": "Only reports assigned to me",
		"cmp_st_open": "New", "cmp_st_assigned": "Being handled", "cmp_st_resolved": "Resolved",
		"cmp_received": "Received", "cmp_kind": "Kind", "cmp_subject": "Page reported", "cmp_message": "Message",
		"cmp_assignee": "Handled by", "cmp_contact": "Contact", "cmp_province": "Province", "cmp_resolution": "Resolution",
		"cmp_kind_counterfeit": "Suspected counterfeit", "cmp_kind_quality": "Quality", "cmp_kind_label": "Label",
		"cmp_kind_expired": "Expired", "cmp_kind_other": "Other",
		"cmp_empty": "No reports.", "cmp_back": "← Problem reports",
		"cmp_assign_title": "Assign", "cmp_assign_to": "Assign to", "cmp_me": "me", "cmp_assign_btn": "Assign",
		"cmp_note": "Note", "cmp_note_title": "Add a note", "cmp_note_btn": "Add the note",
		"cmp_resolve_title": "Resolve", "cmp_resolution_label": "Resolution (what was found and done)",
		"cmp_resolve_btn": "Resolve", "cmp_reopen_title": "Reopen the report", "cmp_reopen_label": "Why it is reopened",
		"cmp_reopen_btn": "Reopen", "cmp_journal": "Handling journal",
		"cmp_act_assign": "Assigned", "cmp_act_note": "Note", "cmp_act_resolve": "Resolved", "cmp_act_reopen": "Reopened",
		"flash_cmp_assigned": "The report was assigned.", "flash_cmp_noted": "The note was added.",
		"flash_cmp_resolved": "The report was resolved.", "flash_cmp_reopened": "The report was reopened.",
	})
}
