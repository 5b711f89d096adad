package web

// The inspector workspace's search and certificate pages: a home with one
// search box and what needs attention, /w/search for any key an inspector
// meets (certificate or receipt number, tax code, lot code, GTIN, a pasted
// QR address), and /w/expiring (certificates expiring within 30/60/90 days
// by scheme and by district). Province staff (admin) may use them too.
// The announcement inbox, complaints and recalls are other files.

import (
	"errors"
	"net/url"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/gofiber/fiber/v2"

	"github.com/tracereg/tracereg/registry"
	"github.com/tracereg/tracereg/registry/gs1"
)

func init() {
	addMessages(map[string]string{
		"ins_nav_search": "Tra cứu", "ins_nav_expiring": "Chứng nhận sắp hết hạn", "ins_nav_certificates": "Chứng nhận",
		"ins_nav_programme": "Chương trình năng suất chất lượng",
		"ins_home_title":    "Cán bộ kiểm tra", "ins_search_title": "Tra cứu",
		"ins_search_label": "Số chứng nhận, số thông báo tiếp nhận, mã số thuế, mã lô, GTIN hoặc địa chỉ trong mã QR",
		"ins_search_hint":  "Dán nguyên địa chỉ đọc được từ mã QR (dạng https://…/01/<GTIN>/10/<mã lô>) cũng được.",
		"ins_scan":         "Chụp ảnh mã QR", "ins_scan_hint": "Trình duyệt đọc mã QR trong ảnh và điền vào ô tìm kiếm.",
		"ins_scan_failed": "Không đọc được mã QR trong ảnh này; hãy chụp lại gần và rõ hơn.",
		"ins_inbox":       "Hồ sơ công bố đang chờ", "ins_overdue": "Quá hạn xử lý", "ins_open_dossiers": "Đang chờ xử lý",
		"ins_complaints": "Phản ánh chưa xử lý", "ins_expiring_30": "Chứng nhận hết hạn trong 30 ngày",
		"ins_go_inbox": "Mở hộp hồ sơ công bố", "ins_go_complaints": "Xem phản ánh", "ins_go_recall": "Thu hồi lô hàng",
		"ins_go_expiring": "Xem chứng nhận sắp hết hạn", "ins_go_programme": "Bảng theo dõi chương trình",
		"ins_results_for": "Kết quả tra cứu cho “%s”", "ins_nothing": "Không tìm thấy gì khớp với nội dung này.",
		"ins_certificates": "Chứng nhận", "ins_announcements": "Hồ sơ công bố", "ins_enterprises": "Doanh nghiệp",
		"ins_products": "Sản phẩm", "ins_lots": "Lô hàng", "ins_receipt": "Số thông báo tiếp nhận",
		"ins_ann_type": "Loại công bố", "ins_ann_regulation": "Hợp quy", "ins_ann_standard": "Hợp chuẩn",
		"ins_ann_status": "Trạng thái hồ sơ", "ins_standard": "Tiêu chuẩn/quy chuẩn", "ins_receipt_date": "Ngày tiếp nhận",
		"ins_lot_code": "Mã lô", "ins_quantity": "Số lượng", "ins_produced": "Ngày sản xuất", "ins_public": "Trang công khai",
		"ins_cert_list": "Chứng nhận của doanh nghiệp", "ins_recalled": "Đã thu hồi", "ins_gtin": "GTIN",
		"ins_expiring_title": "Chứng nhận sắp hết hạn", "ins_by_scheme": "Theo chương trình chứng nhận",
		"ins_by_district": "Theo huyện/thành phố (nơi đơn vị được chứng nhận đặt trụ sở)",
		"ins_within":      "Trong %d ngày", "ins_group": "Nhóm", "ins_show_within": "Danh sách hết hạn trong",
		"ins_days": "%d ngày", "ins_no_expiring": "Không có chứng nhận nào hết hạn trong khoảng này.",
		"ins_as_of": "Tính đến ngày %s", "ins_open_dossier": "Mở hồ sơ",
		"ins_ann_st_draft": "Bản nháp", "ins_ann_st_submitted": "Đã nộp", "ins_ann_st_needs_more": "Cần bổ sung",
		"ins_ann_st_received": "Đã tiếp nhận", "ins_ann_st_rejected": "Bị từ chối", "ins_ann_st_withdrawn": "Đã rút",
	}, map[string]string{
		"ins_nav_search": "Search", "ins_nav_expiring": "Expiring certificates", "ins_nav_certificates": "Certificates",
		"ins_nav_programme": "Productivity and quality programme",
		"ins_home_title":    "Inspector", "ins_search_title": "Search",
		"ins_search_label": "Certificate number, notice of receipt number, tax code, lot code, GTIN or the address in a QR code",
		"ins_search_hint":  "You may paste the whole address read from a QR code (https://…/01/<GTIN>/10/<lot>).",
		"ins_scan":         "Photograph a QR code", "ins_scan_hint": "The browser reads the QR code in the photo and fills in the search box.",
		"ins_scan_failed": "No QR code could be read in this photo; take it again, closer and sharper.",
		"ins_inbox":       "Announcement dossiers waiting", "ins_overdue": "Overdue", "ins_open_dossiers": "Waiting",
		"ins_complaints": "Open complaints", "ins_expiring_30": "Certificates expiring within 30 days",
		"ins_go_inbox": "Open the announcement inbox", "ins_go_complaints": "See complaints", "ins_go_recall": "Recall a lot",
		"ins_go_expiring": "See expiring certificates", "ins_go_programme": "Programme dashboard",
		"ins_results_for": "Results for “%s”", "ins_nothing": "Nothing matches this.",
		"ins_certificates": "Certificates", "ins_announcements": "Conformity announcements", "ins_enterprises": "Enterprises",
		"ins_products": "Products", "ins_lots": "Lots", "ins_receipt": "Notice of receipt number",
		"ins_ann_type": "Announcement type", "ins_ann_regulation": "Conformity to a regulation (hợp quy)", "ins_ann_standard": "Conformity to a standard (hợp chuẩn)",
		"ins_ann_status": "Dossier status", "ins_standard": "Standard/regulation", "ins_receipt_date": "Received on",
		"ins_lot_code": "Lot code", "ins_quantity": "Quantity", "ins_produced": "Produced on", "ins_public": "Public page",
		"ins_cert_list": "The enterprise's certificates", "ins_recalled": "Recalled", "ins_gtin": "GTIN",
		"ins_expiring_title": "Expiring certificates", "ins_by_scheme": "By scheme",
		"ins_by_district": "By district (where the holder is registered)",
		"ins_within":      "Within %d days", "ins_group": "Group", "ins_show_within": "List of those expiring within",
		"ins_days": "%d days", "ins_no_expiring": "No certificate expires in this period.",
		"ins_as_of": "As of %s", "ins_open_dossier": "Open the dossier",
		"ins_ann_st_draft": "Draft", "ins_ann_st_submitted": "Submitted", "ins_ann_st_needs_more": "Needs more documents",
		"ins_ann_st_received": "Received", "ins_ann_st_rejected": "Rejected", "ins_ann_st_withdrawn": "Withdrawn",
	})
}

// --- home

type insHomeData struct {
	Overdue, Open, Complaints, Expiring30 int
	InboxErr                              bool
}

// insHome: one search box and what needs attention.
func (w *Web) insHome(c *fiber.Ctx) error {
	p := w.page(c, "inspector/home", "ins_home_title")
	p.Form = newForm(c)
	d := &insHomeData{}
	entries, err := w.store.ListInbox(ctx(c), registry.InboxFilter{Calendar: w.cfg.Calendar, Rules: w.cfg.Inbox})
	if err != nil {
		return err
	}
	for _, e := range entries {
		d.Open++
		if e.Overdue {
			d.Overdue++
		}
	}
	page := registry.Page{Limit: registry.MaxPageLimit}
	for {
		reports, next, err := w.store.ListReports(ctx(c), page)
		if err != nil {
			return err
		}
		for _, r := range reports {
			if r.Status != registry.ReportResolved { // open or assigned: not yet handled
				d.Complaints++
			}
		}
		if next == "" {
			break
		}
		page.Cursor = next
	}
	rows, err := w.insExpiringRows(c, 30)
	if err != nil {
		return err
	}
	d.Expiring30 = len(rows)
	p.Data = d
	return w.render(c, fiber.StatusOK, p)
}

// --- search

// insKeys is what a search text may be.
type insKeys struct {
	Text string // the text as typed (trimmed)
	// From a pasted address:
	Link      *gs1.DigitalLink
	LotCode   string // a /l/ short code
	ProdCode  string // a /p/ short code
	CertNum   string // a /c/ number
	IsAddress bool
}

// insParse reads a search text: a QR address (GS1 Digital Link, /l/, /p/,
// /c/, /v/ paths, with or without the host) or a plain key. An address that
// is not valid says why (a GS1 error).
func insParse(q string) (insKeys, error) {
	k := insKeys{Text: q}
	lower := strings.ToLower(q)
	if !strings.HasPrefix(lower, "http://") && !strings.HasPrefix(lower, "https://") && !strings.HasPrefix(q, "/") {
		return k, nil
	}
	k.IsAddress = true
	u, err := url.Parse(q)
	if err != nil {
		return k, registry.Errorf(registry.EINVALID, "This address cannot be read.", "Không đọc được địa chỉ này.")
	}
	raw := u.EscapedPath()
	seg := strings.Split(strings.Trim(raw, "/"), "/")
	unesc := func(s string) string {
		if v, err := url.PathUnescape(s); err == nil {
			return v
		}
		return s
	}
	if i := strings.Index(raw, "/01/"); i >= 0 {
		dl, err := gs1.ParsePath(raw[i:], u.RawQuery)
		if err != nil {
			var ge *gs1.Error
			if errors.As(err, &ge) {
				return k, registry.Errorf(registry.EINVALID, ge.Message, ge.MessageVI)
			}
			return k, registry.Errorf(registry.EINVALID, "This GS1 Digital Link is not valid.", "Liên kết GS1 Digital Link này không hợp lệ.")
		}
		k.Link = &dl
		return k, nil
	}
	if len(seg) >= 2 {
		switch seg[0] {
		case "l":
			k.LotCode = unesc(seg[1])
			return k, nil
		case "p":
			k.ProdCode = unesc(seg[1])
			return k, nil
		case "c":
			k.CertNum = unesc(seg[1])
			return k, nil
		case "v":
			g, err := gs1.GTIN14(seg[1])
			if err != nil {
				return k, registry.Errorf(registry.EINVALID, "The GTIN in this address is not valid.", "GTIN trong địa chỉ này không hợp lệ.")
			}
			dl := gs1.DigitalLink{GTIN: g}
			if len(seg) >= 3 {
				dl.Lot = unesc(seg[2])
			}
			k.Link = &dl
			return k, nil
		}
	}
	return k, registry.Errorf(registry.EINVALID, "This address is not a product, lot or certificate page of the registry.",
		"Địa chỉ này không phải trang sản phẩm, lô hàng hay chứng nhận của hệ thống.")
}

type insAnn struct {
	Ann        *registry.ConformityAnnouncement
	Enterprise *registry.Enterprise
}

type insProduct struct {
	Product    *registry.Product
	Enterprise *registry.Enterprise
}

type insLot struct {
	Lot        *registry.Batch
	Product    *registry.Product
	Enterprise *registry.Enterprise
}

type insResults struct {
	Query         string
	Certificates  []crtRow
	Announcements []insAnn
	Enterprises   []*registry.Enterprise
	Products      []insProduct
	Lots          []insLot
	Notes         []*registry.Error // why a key could not be read (a wrong check digit, a bad address)
	Searched      bool
}

// Empty reports whether nothing was found.
func (r *insResults) Empty() bool {
	return len(r.Certificates)+len(r.Announcements)+len(r.Enterprises)+len(r.Products)+len(r.Lots) == 0
}

// insFinder collects matches without duplicates.
type insFinder struct {
	w    *Web
	c    *fiber.Ctx
	ents *crtEnterprises
	res  *insResults
	seen map[string]bool
}

// insFound reports whether err is a hit (nil), a miss (ENOTFOUND) or a failure.
func insFound(err error) (bool, error) {
	if err == nil {
		return true, nil
	}
	if registry.ErrorCode(err) == registry.ENOTFOUND {
		return false, nil
	}
	return false, err
}

func (f *insFinder) once(kind, id string) bool {
	if f.seen[kind+id] {
		return false
	}
	f.seen[kind+id] = true
	return true
}

func (f *insFinder) certs(number string) error {
	certs, err := f.w.store.FindCertificatesByNumber(ctx(f.c), number)
	if ok, err := insFound(err); !ok {
		return err
	}
	var fresh []*registry.Certificate
	for _, c := range certs {
		if f.once("c", c.ID) {
			fresh = append(fresh, c)
		}
	}
	rows, err := f.ents.rows(fresh)
	f.res.Certificates = append(f.res.Certificates, rows...)
	return err
}

func (f *insFinder) enterprise(taxCode string) error {
	e, err := f.w.store.FindEnterpriseByTaxCode(ctx(f.c), taxCode)
	if ok, err := insFound(err); !ok {
		return err
	}
	if f.once("e", e.ID) {
		f.res.Enterprises = append(f.res.Enterprises, e)
	}
	return nil
}

func (f *insFinder) product(p *registry.Product) error {
	if !f.once("p", p.ID) {
		return nil
	}
	e, err := f.ents.get(p.EnterpriseID)
	if err != nil {
		return err
	}
	f.res.Products = append(f.res.Products, insProduct{Product: p, Enterprise: e})
	return nil
}

func (f *insFinder) lot(b *registry.Batch) error {
	if !f.once("l", b.ID) {
		return nil
	}
	pr, err := f.w.store.FindProduct(ctx(f.c), b.ProductID)
	if ok, err := insFound(err); !ok {
		if err != nil {
			return err
		}
		pr = &registry.Product{ID: b.ProductID, NameVI: "?"}
	}
	e, err := f.ents.get(b.EnterpriseID)
	if err != nil {
		return err
	}
	f.res.Lots = append(f.res.Lots, insLot{Lot: b, Product: pr, Enterprise: e})
	return nil
}

func (f *insFinder) gtin(g14, lot string) error {
	p, err := f.w.store.FindProductByGTIN(ctx(f.c), g14)
	if ok, err := insFound(err); !ok {
		return err
	}
	if lot != "" {
		b, err := f.w.store.FindBatchByLot(ctx(f.c), p.ID, lot)
		if ok, err := insFound(err); ok {
			if err := f.lot(b); err != nil {
				return err
			}
		} else if err != nil {
			return err
		}
	}
	return f.product(p)
}

func (f *insFinder) lotCode(code string) error {
	if gs1.ValidateLot(code) != nil {
		return nil
	}
	lots, _, err := f.w.store.ListBatches(ctx(f.c), registry.BatchFilter{LotCode: code, Page: registry.Page{Limit: 50}})
	if err != nil {
		return err
	}
	for _, b := range lots {
		if err := f.lot(b); err != nil {
			return err
		}
	}
	return nil
}

func (f *insFinder) shortCodes(code string) error {
	b, err := f.w.store.FindBatchByShortCode(ctx(f.c), code)
	if ok, err := insFound(err); ok {
		if err := f.lot(b); err != nil {
			return err
		}
	} else if err != nil {
		return err
	}
	p, err := f.w.store.FindProductByShortCode(ctx(f.c), code)
	if ok, err := insFound(err); ok {
		return f.product(p)
	} else if err != nil {
		return err
	}
	return nil
}

func (f *insFinder) receipt(number string) error {
	rs, ok := f.w.store.(registry.RecordSearch)
	if !ok {
		return registry.Errorf(registry.EINTERNAL, "The store cannot look announcements up by receipt number.", "Kho dữ liệu không tra được hồ sơ công bố theo số thông báo.")
	}
	anns, err := rs.FindAnnouncementsByReceipt(ctx(f.c), number)
	if ok, err := insFound(err); !ok {
		return err
	}
	for _, a := range anns {
		if !f.once("a", a.ID) {
			continue
		}
		e, err := f.ents.get(a.EnterpriseID)
		if err != nil {
			return err
		}
		f.res.Announcements = append(f.res.Announcements, insAnn{Ann: a, Enterprise: e})
	}
	return nil
}

// insDigits reports whether s is all digits.
func insDigits(s string) bool {
	for _, r := range s {
		if r < '0' || r > '9' {
			return false
		}
	}
	return s != ""
}

// run looks the keys up in every place they may be.
func (f *insFinder) run(k insKeys) error {
	switch {
	case k.Link != nil:
		return f.gtin(k.Link.GTIN, k.Link.Lot)
	case k.LotCode != "":
		return f.shortCodes(k.LotCode)
	case k.ProdCode != "":
		return f.shortCodes(k.ProdCode)
	case k.CertNum != "":
		return f.certs(k.CertNum)
	}
	q := k.Text
	// Numbers are printed in capitals; a number typed in small letters is found too.
	for _, n := range slices.Compact([]string{q, strings.ToUpper(q)}) {
		if err := f.certs(n); err != nil {
			return err
		}
		if err := f.receipt(n); err != nil {
			return err
		}
	}
	if registry.ValidTaxCode(q) {
		if err := f.enterprise(q); err != nil {
			return err
		}
	}
	if insDigits(q) && len(q) >= 8 && len(q) <= 14 {
		if g, err := gs1.GTIN14(q); err == nil {
			if err := f.gtin(g, ""); err != nil {
				return err
			}
		} else if len(q) != 10 { // a 10-digit key is a tax code, not a GTIN
			var ge *gs1.Error
			if errors.As(err, &ge) {
				f.res.Notes = append(f.res.Notes, registry.Errorf(registry.EINVALID, ge.Message, ge.MessageVI))
			}
		}
	}
	if err := f.lotCode(q); err != nil {
		return err
	}
	if len(q) >= 6 && len(q) <= 32 && !strings.ContainsAny(q, " /") {
		if err := f.shortCodes(q); err != nil {
			return err
		}
	}
	return f.names(q)
}

// insNameHits is how many enterprises and products a name search shows.
const insNameHits = 25

// names finds enterprises and products by the words of their names,
// through the store's search index.
func (f *insFinder) names(q string) error {
	if len(registry.SearchQuery(q)) == 0 {
		return nil
	}
	ents, _, err := f.w.store.ListEnterprises(ctx(f.c), registry.EnterpriseFilter{Text: q, Page: registry.Page{Limit: insNameHits}})
	if err != nil {
		return err
	}
	for _, e := range ents {
		if f.once("e", e.ID) {
			f.res.Enterprises = append(f.res.Enterprises, e)
		}
	}
	prods, _, err := f.w.store.ListProducts(ctx(f.c), registry.ProductFilter{Text: q, Page: registry.Page{Limit: insNameHits}})
	if err != nil {
		return err
	}
	for _, p := range prods {
		if err := f.product(p); err != nil {
			return err
		}
	}
	return nil
}

// insSearch answers /w/search?q=: every kind of record the text may name.
func (w *Web) insSearch(c *fiber.Ctx) error {
	p := w.page(c, "inspector/search", "ins_search_title")
	p.Form = newForm(c)
	q := strings.TrimSpace(c.Query("q"))
	if len([]rune(q)) > 500 {
		q = string([]rune(q)[:500])
	}
	p.Form.Set("q", q)
	res := &insResults{Query: q}
	p.Data = res
	if q == "" {
		return w.render(c, fiber.StatusOK, p)
	}
	res.Searched = true
	keys, err := insParse(q)
	if err != nil {
		res.Notes = append(res.Notes, registry.PublicError(err))
		return w.render(c, fiber.StatusOK, p)
	}
	f := &insFinder{w: w, c: c, ents: w.crtEnterprises(c), res: res, seen: map[string]bool{}}
	if err := f.run(keys); err != nil {
		return err
	}
	return w.render(c, fiber.StatusOK, p)
}

// --- expiring certificates

// insExpiringRows returns the certificates still in force that expire
// within days of today (Vietnam), soonest first.
func (w *Web) insExpiringRows(c *fiber.Ctx, days int) ([]crtRow, error) {
	now := w.clock.Now()
	today := registry.VietnamDate(now)
	t, _ := today.Time()
	last := registry.Date(t.AddDate(0, 0, days).Format("2006-01-02"))
	// expires_on is compared as text: after yesterday, before the day after the last.
	after := registry.Date(t.AddDate(0, 0, -1).Format("2006-01-02"))
	before := registry.Date(t.AddDate(0, 0, days+1).Format("2006-01-02"))
	certs, err := w.crtAll(c, registry.CertificateFilter{ExpiresAfter: after, ExpiresBefore: before})
	if err != nil {
		return nil, err
	}
	rows, err := w.crtEnterprises(c).rows(certs)
	if err != nil {
		return nil, err
	}
	out := rows[:0]
	for _, r := range rows {
		if crtInForce(r.Status) && r.Cert.ExpiresOn >= today && r.Cert.ExpiresOn <= last {
			out = append(out, r)
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Cert.ExpiresOn < out[j].Cert.ExpiresOn })
	return out, nil
}

// insGroup is one scheme or district with its counts per window and its certificates.
type insGroup struct {
	Key    string
	Counts [3]int // within 30, 60, 90 days (cumulative)
	Rows   []crtRow
}

type insExpiringData struct {
	Within     int
	Windows    []int
	Today      registry.Date
	ByScheme   []*insGroup
	ByDistrict []*insGroup
	Rows       []crtRow
	Totals     [3]int
}

// insWindows are the windows shown, in days.
var insWindows = []int{30, 60, 90}

// insGroupBy groups rows (all within 90 days) by key, counting each
// window; a group lists the rows within `within` days. Groups are sorted
// by name.
func insGroupBy(rows []crtRow, within int, key func(crtRow) string) []*insGroup {
	byKey := map[string]*insGroup{}
	var out []*insGroup
	for _, r := range rows {
		k := key(r)
		g := byKey[k]
		if g == nil {
			g = &insGroup{Key: k}
			byKey[k] = g
			out = append(out, g)
		}
		for i, days := range insWindows {
			if r.Status.DaysLeft <= days {
				g.Counts[i]++
			}
		}
		if r.Status.DaysLeft <= within {
			g.Rows = append(g.Rows, r)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Key < out[j].Key })
	return out
}

// insExpiring shows /w/expiring?within=30|60|90.
func (w *Web) insExpiring(c *fiber.Ctx) error {
	p := w.page(c, "inspector/expiring", "ins_expiring_title")
	within := 90
	if s := c.Query("within"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || (n != 30 && n != 60 && n != 90) {
			return fieldError("within", "one_of", registry.Errorf(registry.EINVALID, "must be 30, 60 or 90 days", "phải là 30, 60 hoặc 90 ngày"))
		}
		within = n
	}
	rows, err := w.insExpiringRows(c, 90)
	if err != nil {
		return err
	}
	d := &insExpiringData{Within: within, Windows: insWindows, Today: registry.VietnamDate(w.clock.Now())}
	d.ByScheme = insGroupBy(rows, within, func(r crtRow) string { return r.Cert.Scheme })
	d.ByDistrict = insGroupBy(rows, within, func(r crtRow) string {
		if r.Holder.District == "" {
			return "?"
		}
		return r.Holder.District
	})
	for _, r := range rows {
		for i, days := range insWindows {
			if r.Status.DaysLeft <= days {
				d.Totals[i]++
			}
		}
		if r.Status.DaysLeft <= within {
			d.Rows = append(d.Rows, r)
		}
	}
	p.Data = d
	return w.render(c, fiber.StatusOK, p)
}
