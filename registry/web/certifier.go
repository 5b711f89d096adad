package web

// The certification body workspace: a certifier, bound to one body, issues
// certificates to enterprises found by tax code and decides on them
// (suspend, withdraw, reinstate) with a reason and a date. Only its own
// body's certificates may be changed (registry.Authorize); certificates are
// public registry facts, so every certifier, inspector and province staff
// member may read any of them. The certificate page is shared with the
// inspector workspace, which also sees the certificate's audit entries.

import (
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/gofiber/fiber/v2"

	"github.com/tracereg/tracereg/registry"
)

const crtPath = Prefix + "/certificates"

func init() {
	addMessages(map[string]string{
		"crt_nav_list": "Chứng nhận đã cấp", "crt_nav_issue": "Cấp chứng nhận",
		"crt_home_title": "Tổ chức chứng nhận", "crt_by_status": "Chứng nhận theo trạng thái",
		"crt_expiring": "Sắp hết hạn", "crt_within_30": "Trong 30 ngày", "crt_within_60": "Từ 31 đến 60 ngày",
		"crt_within_90": "Từ 61 đến 90 ngày", "crt_total": "Tổng số",
		"crt_st_active": "Còn hiệu lực", "crt_st_suspended": "Bị đình chỉ", "crt_st_withdrawn": "Bị thu hồi", "crt_st_expired": "Hết hạn",
		"crt_list_title": "Chứng nhận", "crt_search_label": "Số chứng nhận hoặc mã số thuế của đơn vị được chứng nhận",
		"crt_number": "Số chứng nhận", "crt_scheme": "Chương trình chứng nhận", "crt_standard": "Tiêu chuẩn",
		"crt_holder": "Đơn vị được chứng nhận", "crt_body": "Tổ chức chứng nhận", "crt_tax_code": "Mã số thuế",
		"crt_district": "Huyện/thành phố", "crt_issued_on": "Ngày cấp", "crt_original_issue": "Ngày cấp lần đầu",
		"crt_expires_on": "Ngày hết hạn", "crt_status": "Trạng thái", "crt_days_left": "Còn %d ngày",
		"crt_no_holder":   "Không có doanh nghiệp nào mang mã số thuế này.",
		"crt_issue_title": "Cấp chứng nhận", "crt_find_holder": "Tìm doanh nghiệp",
		"crt_step_holder": "1. Doanh nghiệp được chứng nhận", "crt_step_details": "2. Nội dung chứng nhận",
		"crt_tax_hint": "10 chữ số, chi nhánh thêm dấu - và 3 chữ số.", "crt_change_holder": "Chọn doanh nghiệp khác",
		"crt_scope": "Phạm vi chứng nhận", "crt_scope_products": "Sản phẩm", "crt_scope_sites": "Địa điểm (vườn, cơ sở)",
		"crt_scope_text": "Mô tả phạm vi (như in trên giấy chứng nhận)", "crt_no_products": "Doanh nghiệp chưa đăng ký sản phẩm nào.",
		"crt_no_sites": "Doanh nghiệp chưa đăng ký địa điểm nào.", "crt_ocop_stars": "Số sao OCOP",
		"crt_ocop_hint": "Chỉ với chương trình OCOP: 3 đến 5 sao.", "crt_document": "Giấy chứng nhận (tệp PDF)",
		"crt_document_hint": "Tệp PDF, tối đa 20 MB.", "crt_issue_btn": "Cấp chứng nhận",
		"crt_history": "Lịch sử trạng thái", "crt_on": "Ngày hiệu lực", "crt_reason": "Lý do", "crt_by": "Người thực hiện",
		"crt_recorded": "Thời điểm ghi nhận", "crt_documents": "Tài liệu", "crt_sha256": "SHA-256", "crt_download": "Tải về",
		"crt_no_document": "Chưa có tệp giấy chứng nhận.", "crt_decide": "Quyết định về chứng nhận",
		"crt_suspend": "Đình chỉ", "crt_withdraw": "Thu hồi", "crt_reinstate": "Khôi phục hiệu lực",
		"crt_suspend_btn": "Đình chỉ chứng nhận", "crt_withdraw_btn": "Thu hồi chứng nhận", "crt_reinstate_btn": "Khôi phục hiệu lực",
		"crt_withdraw_warn": "Thu hồi là quyết định cuối cùng: chứng nhận không thể khôi phục sau đó.",
		"crt_no_decision":   "Chứng nhận đã bị thu hồi; không còn quyết định nào có thể thực hiện.",
		"crt_other_body":    "Chứng nhận này do tổ chức khác cấp; bạn chỉ có thể xem.",
		"crt_audit":         "Nhật ký thao tác", "crt_audit_action": "Thao tác", "crt_audit_at": "Thời điểm", "crt_audit_user": "Người dùng",
		"crt_audit_role": "Vai trò", "crt_audit_hash": "Mã băm", "crt_since": "từ ngày %s", "crt_reason_issued": "Cấp mới",
		"crt_public": "Trang tra cứu công khai của chứng nhận", "crt_all_schemes": "Mọi chương trình",
		"crt_none_found":                "Không tìm thấy chứng nhận nào.",
		"flash_crt_issued":              "Đã cấp chứng nhận.",
		"flash_crt_suspended":           "Đã đình chỉ chứng nhận. Trang tra cứu công khai hiển thị trạng thái mới ngay.",
		"flash_crt_withdrawn":           "Đã thu hồi chứng nhận. Trang tra cứu công khai hiển thị trạng thái mới ngay.",
		"flash_crt_active":              "Đã khôi phục hiệu lực chứng nhận.",
		"crt_scheme_organic_tcvn_11041": "Hữu cơ (TCVN 11041)", "crt_scheme_organic_eu": "Hữu cơ EU", "crt_scheme_organic_usda": "Hữu cơ USDA",
		"crt_scheme_other":         "Khác",
		"audit_certificate_create": "Cấp chứng nhận", "audit_certificate_update": "Sửa chứng nhận", "audit_certificate_status_suspended": "Đình chỉ",
		"audit_certificate_status_withdrawn": "Thu hồi", "audit_certificate_status_active": "Khôi phục hiệu lực", "audit_certificate_renew": "Gia hạn",
		"audit_certificate_correct": "Đính chính", "audit_certificate_replace_document": "Thay tệp chứng nhận",
		"crt_amend_title": "Gia hạn, đính chính hoặc thay tệp chứng nhận", "crt_amend_hint": "Mỗi thay đổi được ghi vào lịch sử của chứng nhận, kèm lý do, và hiển thị trên trang tra cứu công khai.",
		"crt_amend_what": "Thay đổi", "crt_amend_renew": "Gia hạn (ngày cấp và ngày hết hạn mới)", "crt_amend_correct": "Đính chính tiêu chuẩn hoặc phạm vi",
		"crt_amend_replace_document": "Thay tệp PDF chứng nhận", "crt_amend_document": "Tệp PDF mới", "crt_amend_document_label": "Tệp PDF (bắt buộc khi thay tệp; không bắt buộc khi gia hạn)",
		"crt_amend_reason": "Lý do", "crt_amend_btn": "Ghi thay đổi",
		"flash_crt_renew": "Đã gia hạn chứng nhận.", "flash_crt_correct": "Đã đính chính chứng nhận.", "flash_crt_replace_document": "Đã thay tệp chứng nhận.",
	}, map[string]string{
		"crt_nav_list": "Certificates issued", "crt_nav_issue": "Issue a certificate",
		"crt_home_title": "Certification body", "crt_by_status": "Certificates by status",
		"crt_expiring": "Expiring soon", "crt_within_30": "Within 30 days", "crt_within_60": "In 31 to 60 days",
		"crt_within_90": "In 61 to 90 days", "crt_total": "Total",
		"crt_st_active": "Valid", "crt_st_suspended": "Suspended", "crt_st_withdrawn": "Withdrawn", "crt_st_expired": "Expired",
		"crt_list_title": "Certificates", "crt_search_label": "Certificate number or the holder's tax code",
		"crt_number": "Certificate number", "crt_scheme": "Scheme", "crt_standard": "Standard",
		"crt_holder": "Holder", "crt_body": "Certification body", "crt_tax_code": "Tax code",
		"crt_district": "District", "crt_issued_on": "Issued on", "crt_original_issue": "Originally issued on",
		"crt_expires_on": "Expires on", "crt_status": "Status", "crt_days_left": "%d days left",
		"crt_no_holder":   "No enterprise has this tax code.",
		"crt_issue_title": "Issue a certificate", "crt_find_holder": "Find the enterprise",
		"crt_step_holder": "1. The certified enterprise", "crt_step_details": "2. The certificate",
		"crt_tax_hint": "10 digits; a branch adds - and 3 digits.", "crt_change_holder": "Choose another enterprise",
		"crt_scope": "Scope", "crt_scope_products": "Products", "crt_scope_sites": "Sites (plots, facilities)",
		"crt_scope_text": "Scope as printed on the certificate", "crt_no_products": "The enterprise has registered no products.",
		"crt_no_sites": "The enterprise has registered no sites.", "crt_ocop_stars": "OCOP stars",
		"crt_ocop_hint": "OCOP only: 3 to 5 stars.", "crt_document": "Certificate (PDF file)",
		"crt_document_hint": "A PDF file of at most 20 MB.", "crt_issue_btn": "Issue the certificate",
		"crt_history": "Status history", "crt_on": "Effective on", "crt_reason": "Reason", "crt_by": "By",
		"crt_recorded": "Recorded at", "crt_documents": "Documents", "crt_sha256": "SHA-256", "crt_download": "Download",
		"crt_no_document": "No certificate file yet.", "crt_decide": "Decide on the certificate",
		"crt_suspend": "Suspend", "crt_withdraw": "Withdraw", "crt_reinstate": "Reinstate",
		"crt_suspend_btn": "Suspend the certificate", "crt_withdraw_btn": "Withdraw the certificate", "crt_reinstate_btn": "Reinstate",
		"crt_withdraw_warn": "Withdrawal is final: the certificate cannot be reinstated afterwards.",
		"crt_no_decision":   "The certificate has been withdrawn; no further decision is possible.",
		"crt_other_body":    "Another body issued this certificate; you may only view it.",
		"crt_audit":         "Audit entries", "crt_audit_action": "Action", "crt_audit_at": "At", "crt_audit_user": "User",
		"crt_audit_role": "Role", "crt_audit_hash": "Hash", "crt_since": "since %s", "crt_reason_issued": "Issued",
		"crt_public": "Public page of the certificate", "crt_all_schemes": "All schemes",
		"crt_none_found":                "No certificates found.",
		"flash_crt_issued":              "Certificate issued.",
		"flash_crt_suspended":           "Certificate suspended. The public pages show the new status at once.",
		"flash_crt_withdrawn":           "Certificate withdrawn. The public pages show the new status at once.",
		"flash_crt_active":              "Certificate reinstated.",
		"crt_scheme_organic_tcvn_11041": "Organic (TCVN 11041)", "crt_scheme_organic_eu": "Organic (EU)", "crt_scheme_organic_usda": "Organic (USDA)",
		"crt_scheme_other":         "Other",
		"audit_certificate_create": "Issued", "audit_certificate_update": "Edited", "audit_certificate_status_suspended": "Suspended",
		"audit_certificate_status_withdrawn": "Withdrawn", "audit_certificate_status_active": "Reinstated", "audit_certificate_renew": "Renewed",
		"audit_certificate_correct": "Corrected", "audit_certificate_replace_document": "File replaced",
		"crt_amend_title": "Renew, correct or replace the certificate's file", "crt_amend_hint": "Each change goes into the certificate's history with its reason, shown on the public lookup page.",
		"crt_amend_what": "Change", "crt_amend_renew": "Renew (new issue and expiry dates)", "crt_amend_correct": "Correct the standard or scope",
		"crt_amend_replace_document": "Replace the certificate PDF", "crt_amend_document": "New PDF", "crt_amend_document_label": "PDF file (required to replace; optional to renew)",
		"crt_amend_reason": "Reason", "crt_amend_btn": "Record the change",
		"flash_crt_renew": "Certificate renewed.", "flash_crt_correct": "Certificate corrected.", "flash_crt_replace_document": "Certificate file replaced.",
	})
}

// CrtScheme is a scheme's name as people know it.
func (p *Page) CrtScheme(s string) string {
	if k := "crt_scheme_" + s; catalogue["vi"][k] != "" {
		return p.T(k)
	}
	return s
}

// AuditAction is an audit entry's action as a person reads it; an action
// without a text shows as recorded.
func (p *Page) AuditAction(action string) string {
	if k := "audit_" + strings.ReplaceAll(action, ".", "_"); catalogue["vi"][k] != "" {
		return p.T(k)
	}
	return action
}

// CrtStatus is the text of a certificate status.
func (p *Page) CrtStatus(s string) string { return p.T("crt_st_" + s) }

// crtRow is a certificate in a list, with its holder and its status now.
type crtRow struct {
	Cert   *registry.Certificate
	Holder *registry.Enterprise
	Status registry.CertStatus
}

// crtEnterprises looks enterprises up once per request.
type crtEnterprises struct {
	w     *Web
	c     *fiber.Ctx
	known map[string]*registry.Enterprise
}

func (w *Web) crtEnterprises(c *fiber.Ctx) *crtEnterprises {
	return &crtEnterprises{w: w, c: c, known: map[string]*registry.Enterprise{}}
}

// get returns the enterprise (a placeholder when it is gone).
func (e *crtEnterprises) get(id string) (*registry.Enterprise, error) {
	if x, ok := e.known[id]; ok {
		return x, nil
	}
	x, err := e.w.store.FindEnterprise(ctx(e.c), id)
	if registry.ErrorCode(err) == registry.ENOTFOUND {
		x, err = &registry.Enterprise{ID: id, NameVI: "?"}, nil
	}
	if err != nil {
		return nil, err
	}
	e.known[id] = x
	return x, nil
}

// rows turns certificates into list rows.
func (e *crtEnterprises) rows(certs []*registry.Certificate) ([]crtRow, error) {
	now := e.w.clock.Now()
	out := make([]crtRow, 0, len(certs))
	for _, cert := range certs {
		h, err := e.get(cert.HolderID)
		if err != nil {
			return nil, err
		}
		out = append(out, crtRow{Cert: cert, Holder: h, Status: cert.StatusAt(now)})
	}
	return out, nil
}

// crtAll returns every certificate matching f, page by page (a body's
// certificates, or those expiring in a window: hundreds, not millions).
func (w *Web) crtAll(c *fiber.Ctx, f registry.CertificateFilter) ([]*registry.Certificate, error) {
	var out []*registry.Certificate
	f.Page = registry.Page{Limit: registry.MaxPageLimit}
	for {
		certs, next, err := w.store.ListCertificates(ctx(c), f)
		if err != nil {
			return nil, err
		}
		out = append(out, certs...)
		if next == "" {
			return out, nil
		}
		f.Page.Cursor = next
	}
}

// crtWindows buckets days left into the 30/60/90-day windows: 0 for 0–30,
// 1 for 31–60, 2 for 61–90, -1 outside.
func crtWindow(daysLeft int) int {
	switch {
	case daysLeft < 0 || daysLeft > 90:
		return -1
	case daysLeft <= 30:
		return 0
	case daysLeft <= 60:
		return 1
	}
	return 2
}

// crtInForce reports whether a certificate's status now may still expire
// (withdrawn and expired ones are out of the reckoning).
func crtInForce(st registry.CertStatus) bool {
	return st.Status == registry.CertActive || st.Status == registry.CertSuspended
}

type crtHomeData struct {
	Body     *registry.CertificationBody
	Counts   map[string]int
	Statuses []string
	Total    int
	Expiring [3][]crtRow
}

// crtHome is the certifier's home: its body's certificates by status and
// those expiring in 30/60/90 days.
func (w *Web) crtHome(c *fiber.Ctx) error {
	me := actor(c)
	p := w.page(c, "certifier/home", "crt_home_title")
	d := &crtHomeData{Counts: map[string]int{},
		Statuses: []string{registry.CertActive, registry.CertSuspended, registry.CertWithdrawn, registry.CertExpired}}
	body, err := w.store.FindCertificationBody(ctx(c), me.BodyID)
	if err != nil {
		return err
	}
	d.Body = body
	certs, err := w.crtAll(c, registry.CertificateFilter{BodyID: me.BodyID})
	if err != nil {
		return err
	}
	rows, err := w.crtEnterprises(c).rows(certs)
	if err != nil {
		return err
	}
	for _, r := range rows {
		d.Counts[r.Status.Status]++
		d.Total++
		if i := crtWindow(r.Status.DaysLeft); i >= 0 && crtInForce(r.Status) {
			d.Expiring[i] = append(d.Expiring[i], r)
		}
	}
	for i := range d.Expiring {
		sort.SliceStable(d.Expiring[i], func(a, b int) bool { return d.Expiring[i][a].Status.DaysLeft < d.Expiring[i][b].Status.DaysLeft })
	}
	p.Data = d
	return w.render(c, fiber.StatusOK, p)
}

type crtListData struct {
	Rows    []crtRow
	Next    string
	Schemes []string
	NoMatch bool // the tax code searched for is nobody's
}

// crtList lists certificates: a certifier its own body's, inspectors and
// province staff every body's; searched by number or holder tax code.
func (w *Web) crtList(c *fiber.Ctx) error {
	me := actor(c)
	p := w.page(c, "certifier/list", "crt_list_title")
	p.Form = newForm(c)
	d := &crtListData{Schemes: registry.Schemes}
	p.Data = d
	page, err := listPage(c, 25)
	if err != nil {
		return err
	}
	f := registry.CertificateFilter{Page: page}
	if me.Role == registry.RoleCertifier {
		f.BodyID = me.BodyID
	}
	if s := c.Query("scheme"); s != "" {
		if !slices.Contains(registry.Schemes, s) {
			return fieldError("scheme", "one_of", registry.Errorf(registry.EINVALID, "is not a known scheme", "không phải chương trình chứng nhận đã biết"))
		}
		f.Scheme = s
	}
	q := strings.TrimSpace(c.Query("q"))
	p.Form.Set("q", q)
	p.Form.Set("scheme", f.Scheme)
	switch {
	case q == "":
	case registry.ValidTaxCode(q):
		holder, err := w.store.FindEnterpriseByTaxCode(ctx(c), q)
		if registry.ErrorCode(err) == registry.ENOTFOUND {
			d.NoMatch = true
			return w.render(c, fiber.StatusOK, p)
		}
		if err != nil {
			return err
		}
		f.HolderID = holder.ID
	default:
		if len(q) > 100 {
			q = q[:100]
		}
		f.Number = q
	}
	certs, next, err := w.store.ListCertificates(ctx(c), f)
	if err != nil {
		return err
	}
	if d.Rows, err = w.crtEnterprises(c).rows(certs); err != nil {
		return err
	}
	d.Next = next
	return w.render(c, fiber.StatusOK, p)
}

// --- issuing

type crtIssueData struct {
	Holder     *registry.Enterprise
	Products   []*registry.Product
	Facilities []*registry.Facility
	Schemes    []string
	Standards  []*registry.Standard
	// Posted: the form was sent; it stays on screen (with what was typed
	// and the staged PDF) even when the tax code is nobody's.
	Posted bool
}

var errCrtNoHolder = registry.Errorf(registry.EINVALID, "No enterprise has this tax code.", "Không có doanh nghiệp nào mang mã số thuế này.")

// crtHolder finds the enterprise of a typed tax code; an EINVALID on the
// tax_code field when it is malformed or nobody's.
func (w *Web) crtHolder(c *fiber.Ctx, taxCode string) (*registry.Enterprise, error) {
	switch {
	case taxCode == "":
		return nil, fieldError("tax_code", "required", registry.Errorf(registry.EINVALID, "is required", "là bắt buộc"))
	case !registry.ValidTaxCode(taxCode):
		return nil, fieldError("tax_code", "tax_code", registry.Errorf(registry.EINVALID,
			"must be 10 digits, or 10 digits, a dash and 3 digits for a branch", "phải gồm 10 chữ số, hoặc 10 chữ số, dấu - và 3 chữ số với chi nhánh"))
	}
	e, err := w.store.FindEnterpriseByTaxCode(ctx(c), taxCode)
	if registry.ErrorCode(err) == registry.ENOTFOUND {
		return nil, fieldError("tax_code", "exists", errCrtNoHolder)
	}
	return e, err
}

// crtIssuePage prepares the issue page, with the holder's products and sites.
func (w *Web) crtIssuePage(c *fiber.Ctx, holder *registry.Enterprise) (*Page, *crtIssueData, error) {
	p := w.page(c, "certifier/issue", "crt_issue_title")
	d := &crtIssueData{Holder: holder, Schemes: registry.Schemes}
	p.Data = d
	stds, _, err := w.store.ListStandards(ctx(c), "", registry.Page{Limit: registry.MaxPageLimit})
	if err != nil {
		return nil, nil, err
	}
	d.Standards = stds
	if holder == nil {
		return p, d, nil
	}
	if d.Products, _, err = w.store.ListProducts(ctx(c), registry.ProductFilter{EnterpriseID: holder.ID, Page: registry.Page{Limit: registry.MaxPageLimit}}); err != nil {
		return nil, nil, err
	}
	if d.Facilities, _, err = w.store.ListFacilities(ctx(c), registry.FacilityFilter{EnterpriseID: holder.ID, Page: registry.Page{Limit: registry.MaxPageLimit}}); err != nil {
		return nil, nil, err
	}
	return p, d, nil
}

// crtIssueForm is the first step (find the enterprise by tax code) and,
// once found, the whole form.
func (w *Web) crtIssueForm(c *fiber.Ctx) error {
	form := newForm(c)
	taxCode := strings.TrimSpace(c.Query("tax_code"))
	var holder *registry.Enterprise
	var lookupErr error
	if taxCode != "" {
		holder, lookupErr = w.crtHolder(c, taxCode)
		if lookupErr != nil && !invalid(lookupErr) {
			return lookupErr
		}
	}
	p, _, err := w.crtIssuePage(c, holder)
	if err != nil {
		return err
	}
	p.Form = form
	form.Set("tax_code", taxCode)
	form.Set("issued_on", string(registry.VietnamDate(w.clock.Now())))
	if body, err := w.store.FindCertificationBody(ctx(c), actor(c).BodyID); err == nil && len(body.Schemes) > 0 {
		form.Set("scheme", body.Schemes[0])
	}
	if lookupErr != nil {
		form.Fail(lookupErr)
		return w.render(c, fiber.StatusUnprocessableEntity, p)
	}
	return w.render(c, fiber.StatusOK, p)
}

// crtPDF is what a certificate file may be.
var crtPDF = []string{"application/pdf"}

// crtIssue checks every field (and keeps the PDF on the form) before
// writing anything, then stores the document and the certificate.
func (w *Web) crtIssue(c *fiber.Ctx) error {
	me := actor(c)
	form := newForm(c)
	var prob registry.Problems
	st, err := w.upload(c, form, "document", registry.MaxDocumentSize, crtPDF)
	switch {
	case err != nil && invalid(err):
		prob.Merge("", err)
	case err != nil:
		return err
	case st == nil:
		prob.Add("document", "required", "attach the certificate as a PDF file", "hãy đính kèm giấy chứng nhận dạng tệp PDF")
	}
	holder, err := w.crtHolder(c, strings.TrimSpace(form.Value("tax_code")))
	if err != nil && !invalid(err) {
		return err
	}
	prob.Merge("", err)
	cert := &registry.Certificate{
		Number: strings.TrimSpace(form.Value("number")), Scheme: form.Value("scheme"), Standard: strings.TrimSpace(form.Value("standard")),
		BodyID: me.BodyID, ScopeProductIDs: form.Values["scope_product_ids"], ScopeFacilityIDs: form.Values["scope_facility_ids"],
		ScopeText: strings.TrimSpace(form.Value("scope_text")), OriginalIssue: registry.Date(form.Value("original_issue")),
		IssuedOn: registry.Date(form.Value("issued_on")), ExpiresOn: registry.Date(form.Value("expires_on")), Status: registry.CertActive,
	}
	if s := strings.TrimSpace(form.Value("ocop_stars")); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil {
			prob.Add("ocop_stars", "number", "must be a whole number", "phải là số nguyên")
		}
		cert.OCOPStars = n
	}
	if holder != nil {
		cert.HolderID = holder.ID
	}
	if err := cert.Validate(); err != nil {
		for _, fe := range crtFields(err) {
			if fe.Field == "holder_id" {
				continue // said beside the tax code
			}
			prob.Add(fe.Field, fe.Rule, fe.Message, fe.MessageVI)
		}
	}
	if cert.Number != "" {
		same, err := w.store.FindCertificatesByNumber(ctx(c), cert.Number)
		if err != nil && registry.ErrorCode(err) != registry.ENOTFOUND {
			return err
		}
		for _, x := range same {
			if x.BodyID == me.BodyID {
				prob.Add("number", "taken", "your body has already issued a certificate with this number",
					"tổ chức của bạn đã cấp một chứng nhận mang số này")
				break
			}
		}
	}
	fail := func(status int, err error) error {
		p, d, perr := w.crtIssuePage(c, holder)
		if perr != nil {
			return perr
		}
		d.Posted = true
		p.Form = form
		form.Fail(err)
		return w.render(c, status, p)
	}
	if err := prob.Err(); err != nil {
		return fail(fiber.StatusUnprocessableEntity, err)
	}
	if err := registry.Authorize(me, registry.ActCreate, registry.Resource{Kind: registry.KindCertificate, EnterpriseID: holder.ID, BodyID: me.BodyID}); err != nil {
		return err
	}
	doc, err := w.saveDocument(c, st, "certificate", "Giấy chứng nhận "+cert.Number, holder.ID, me.BodyID)
	if err != nil {
		return err
	}
	cert.DocumentID = doc.ID
	if err := w.store.CreateCertificate(ctx(c), cert); err != nil {
		if registry.ErrorCode(err) == registry.ECONFLICT {
			return fail(fiber.StatusConflict, fieldError("number", "taken", registry.PublicError(err)))
		}
		if invalid(err) {
			return fail(fiber.StatusUnprocessableEntity, err)
		}
		return err
	}
	if err := w.audit(c, "certificate.create", registry.KindCertificate, cert.ID, cert.HolderID, nil, cert); err != nil {
		return err
	}
	w.publicChanged()
	return w.redirectFlash(c, crtPath+"/"+cert.ID, "flash_crt_issued")
}

// crtFields returns the field problems of an EINVALID.
func crtFields(err error) []registry.FieldError {
	if e := registry.PublicError(err); e.Code == registry.EINVALID {
		return e.Fields
	}
	return nil
}

// --- the certificate page

type crtView struct {
	Cert       *registry.Certificate
	Status     registry.CertStatus
	Holder     *registry.Enterprise
	Body       *registry.CertificationBody
	Products   []*registry.Product
	Facilities []*registry.Facility
	Document   *registry.Document
	// CanDecide: the signed-in certifier's body issued it; Decisions are
	// the decisions possible from its current status.
	CanDecide bool
	OtherBody bool
	Decisions []string
	ShowAudit bool
	Audit     []*registry.AuditEntry
	Today     registry.Date
}

// crtNext says which decision may follow the latest one (the store checks it too).
var crtNext = map[string][]string{
	registry.CertActive:    {registry.CertSuspended, registry.CertWithdrawn},
	registry.CertSuspended: {registry.CertActive, registry.CertWithdrawn},
}

func crtResource(cert *registry.Certificate) registry.Resource {
	return registry.Resource{Kind: registry.KindCertificate, EnterpriseID: cert.HolderID, BodyID: cert.BodyID}
}

// crtLoad finds a certificate the actor may read.
func (w *Web) crtLoad(c *fiber.Ctx) (*registry.Certificate, error) {
	cert, err := w.store.FindCertificate(ctx(c), c.Params("id"))
	if err != nil {
		return nil, err
	}
	if err := registry.Authorize(actor(c), registry.ActRead, crtResource(cert)); err != nil {
		return nil, err
	}
	return cert, nil
}

// crtViewOf gathers what the certificate page shows.
func (w *Web) crtViewOf(c *fiber.Ctx, cert *registry.Certificate) (*crtView, error) {
	me := actor(c)
	v := &crtView{Cert: cert, Status: cert.StatusAt(w.clock.Now()), Today: registry.VietnamDate(w.clock.Now())}
	var err error
	if v.Holder, err = w.crtEnterprises(c).get(cert.HolderID); err != nil {
		return nil, err
	}
	if v.Body, err = w.store.FindCertificationBody(ctx(c), cert.BodyID); err != nil && registry.ErrorCode(err) != registry.ENOTFOUND {
		return nil, err
	}
	for _, id := range cert.ScopeProductIDs {
		x, err := w.store.FindProduct(ctx(c), id)
		if registry.ErrorCode(err) == registry.ENOTFOUND {
			continue
		}
		if err != nil {
			return nil, err
		}
		v.Products = append(v.Products, x)
	}
	for _, id := range cert.ScopeFacilityIDs {
		x, err := w.store.FindFacility(ctx(c), id)
		if registry.ErrorCode(err) == registry.ENOTFOUND {
			continue
		}
		if err != nil {
			return nil, err
		}
		v.Facilities = append(v.Facilities, x)
	}
	if cert.DocumentID != "" {
		d, err := w.store.FindDocument(ctx(c), cert.DocumentID)
		if err != nil && registry.ErrorCode(err) != registry.ENOTFOUND {
			return nil, err
		}
		v.Document = d
	}
	if me.Role == registry.RoleCertifier {
		v.CanDecide = registry.Authorize(me, registry.ActDecide, crtResource(cert)) == nil
		v.OtherBody = !v.CanDecide
		if v.CanDecide {
			v.Decisions = crtNext[cert.Status]
		}
	}
	if registry.Authorize(me, registry.ActRead, registry.Resource{Kind: registry.KindAudit}) == nil {
		v.ShowAudit = true
		entries, _, err := w.store.ListAudit(ctx(c), registry.AuditFilter{TargetKind: registry.KindCertificate, TargetID: cert.ID,
			Page: registry.Page{Limit: registry.MaxPageLimit}})
		if err != nil {
			return nil, err
		}
		v.Audit = entries
	}
	return v, nil
}

func (w *Web) crtShow(c *fiber.Ctx) error {
	cert, err := w.crtLoad(c)
	if err != nil {
		return err
	}
	p := w.page(c, "certifier/cert", "crt_list_title")
	p.Form = newForm(c)
	if p.Data, err = w.crtViewOf(c, cert); err != nil {
		return err
	}
	return w.render(c, fiber.StatusOK, p)
}

// crtDecide suspends, withdraws or reinstates a certificate of the
// certifier's own body, with a reason and the day it takes effect.
func (w *Web) crtDecide(c *fiber.Ctx) error {
	cert, err := w.crtLoad(c)
	if err != nil {
		return err
	}
	me := actor(c)
	if err := registry.Authorize(me, registry.ActDecide, crtResource(cert)); err != nil {
		return err
	}
	form := newForm(c)
	status := form.Value("status")
	var prob registry.Problems
	if !slices.Contains([]string{registry.CertSuspended, registry.CertWithdrawn, registry.CertActive}, status) {
		prob.Add("status", "one_of", "choose suspend, withdraw or reinstate", "hãy chọn đình chỉ, thu hồi hoặc khôi phục")
	}
	reason := strings.TrimSpace(form.Value("reason"))
	if n := len([]rune(reason)); n < 3 || n > 1000 {
		prob.Add("reason", "required", "give a reason of 3 to 1000 characters", "cần nêu lý do từ 3 đến 1000 ký tự")
	}
	on := registry.Date(strings.TrimSpace(form.Value("on")))
	if _, err := on.Time(); err != nil {
		prob.Add("on", "date", "choose the day the decision takes effect", "hãy chọn ngày quyết định có hiệu lực")
	}
	version, verr := strconv.Atoi(form.Value("version"))
	show := func(status int, cert *registry.Certificate, err error) error {
		p := w.page(c, "certifier/cert", "crt_list_title")
		p.Form = form
		form.Fail(err)
		v, verr := w.crtViewOf(c, cert)
		if verr != nil {
			return verr
		}
		p.Data = v
		return w.render(c, status, p)
	}
	if err := prob.Err(); err != nil {
		return show(fiber.StatusUnprocessableEntity, cert, err)
	}
	if verr != nil || version != cert.Version {
		return show(fiber.StatusConflict, cert, crtStale)
	}
	next, err := w.store.ChangeCertificateStatus(ctx(c), cert.ID, version, registry.StatusChange{Status: status, Reason: reason, On: on})
	switch {
	case registry.ErrorCode(err) == registry.ESTALE:
		fresh, ferr := w.store.FindCertificate(ctx(c), cert.ID)
		if ferr != nil {
			return ferr
		}
		return show(fiber.StatusConflict, fresh, crtStale)
	case err != nil && invalid(err):
		return show(fiber.StatusUnprocessableEntity, cert, err)
	case err != nil:
		return err
	}
	if err := w.audit(c, "certificate.status."+status, registry.KindCertificate, cert.ID, cert.HolderID, cert, next); err != nil {
		return err
	}
	w.publicChanged()
	return w.redirectFlash(c, crtPath+"/"+cert.ID, "flash_crt_"+status)
}

var crtStale = registry.Errorf(registry.ESTALE,
	"Someone else has just changed this certificate. The page below shows its latest status; check it and send again if still needed.",
	"Chứng nhận vừa được người khác thay đổi. Trang dưới đây đã cập nhật trạng thái mới nhất; hãy kiểm tra rồi gửi lại nếu vẫn cần.")

// crtDocument sends the certificate's file to those who may read it: the
// document's owners (Authorize) and the body that issued the certificate.
func (w *Web) crtDocument(c *fiber.Ctx) error {
	cert, err := w.crtLoad(c)
	if err != nil {
		return err
	}
	if cert.DocumentID == "" {
		return registry.Errorf(registry.ENOTFOUND, "This certificate has no file.", "Chứng nhận này chưa có tệp.")
	}
	doc, err := w.store.FindDocument(ctx(c), cert.DocumentID)
	if err != nil {
		return err
	}
	me := actor(c)
	if err := registry.Authorize(me, registry.ActRead, registry.Resource{Kind: registry.KindDocument, EnterpriseID: doc.EnterpriseID,
		BodyID: doc.BodyID, Public: doc.Public}); err != nil && registry.Authorize(me, registry.ActDecide, crtResource(cert)) != nil {
		return err
	}
	r, blob, err := w.cfg.Documents.Open(ctx(c), doc.Blob.SHA256)
	if err != nil {
		return err
	}
	name := doc.FileName
	if name == "" {
		name = "certificate.pdf"
	}
	c.Set(fiber.HeaderContentType, blob.MediaType)
	c.Set(fiber.HeaderContentDisposition, `attachment; filename="`+crtSafeName(name)+`"`)
	c.Set(fiber.HeaderCacheControl, "private, no-store")
	return c.SendStream(r, int(blob.Size))
}

// crtSafeName keeps a file name fit for a quoted header value.
func crtSafeName(s string) string {
	var b strings.Builder
	for _, r := range s {
		if r < 0x20 || r > 0x7e || r == '"' || r == '\\' {
			r = '_'
		}
		b.WriteRune(r)
	}
	return b.String()
}
