package web

// The agency's announcement inbox, for inspectors (the province agency's
// staff) and province staff: /w/inbox lists the dossiers waiting with their
// working-day deadlines, /w/inbox/:id shows one dossier with its documents
// and history and the agency's three decisions: ask for missing items,
// issue the notice of receipt (numbered in the province's format), reject.

import (
	"io"
	"slices"
	"strconv"
	"strings"

	"github.com/gofiber/fiber/v2"

	"github.com/tracereg/tracereg/registry"
)

const inbPath = Prefix + "/inbox"

// inbPageSize is the number of dossiers on one page of the inbox.
const inbPageSize = 25

// --- list

type inbRow struct {
	registry.InboxEntry
	Enterprise string
	Products   []string
}

type inbListData struct {
	Rows       []inbRow
	Today      registry.Date
	Status     string
	Type       string
	Q          string
	Next       string
	Total      int
	Overdue    int
	Statuses   []string
	Types      []string
	FilterErr  bool
	RulesAsk   int
	RulesIssue int
}

// inbNames caches enterprise and product names for one request.
type inbNames struct {
	w           *Web
	c           *fiber.Ctx
	lang        string
	enterprises map[string]string
	products    map[string]string
}

func (w *Web) inbNamer(c *fiber.Ctx, lang string) *inbNames {
	return &inbNames{w: w, c: c, lang: lang, enterprises: map[string]string{}, products: map[string]string{}}
}

func (n *inbNames) enterprise(id string) string {
	if s, ok := n.enterprises[id]; ok {
		return s
	}
	s := id
	if e, err := n.w.store.FindEnterprise(ctx(n.c), id); err == nil {
		s = e.NameVI
		if n.lang == "en" && e.NameEN != "" {
			s = e.NameEN
		}
	}
	n.enterprises[id] = s
	return s
}

func (n *inbNames) product(id string) string {
	if s, ok := n.products[id]; ok {
		return s
	}
	s := id
	if p, err := n.w.store.FindProduct(ctx(n.c), id); err == nil {
		s = p.NameVI
		if n.lang == "en" && p.NameEN != "" {
			s = p.NameEN
		}
	}
	n.products[id] = s
	return s
}

func (n *inbNames) productList(ids []string) []string {
	out := make([]string, 0, len(ids))
	for _, id := range ids {
		out = append(out, n.product(id))
	}
	return out
}

// inbList: the dossiers waiting, soonest deadline first, filtered by
// status, type and a text (enterprise, product, standard), paged.
func (w *Web) inbList(c *fiber.Ctx) error {
	p := w.page(c, "inbox/list", "inb_title")
	p.Form = newForm(c)
	rules := w.cfg.Inbox
	d := &inbListData{Today: registry.VietnamDate(w.clock.Now()), Status: c.Query("status"), Type: c.Query("type"),
		Q: strings.TrimSpace(c.Query("q")), Statuses: []string{registry.AnnSubmitted, registry.AnnNeedsMore},
		Types: []string{registry.AnnounceRegulation, registry.AnnounceStandard}}
	d.RulesAsk, d.RulesIssue = rulesDays(rules)
	for _, k := range []string{"status", "type", "q"} {
		p.Form.Set(k, c.Query(k))
	}
	p.Data = d
	page, err := listPage(c, inbPageSize)
	if err != nil {
		p.Form.Fail(err)
		return w.render(c, fiber.StatusUnprocessableEntity, p)
	}
	entries, err := w.store.ListInbox(ctx(c), registry.InboxFilter{Status: d.Status, Type: d.Type, Calendar: w.cfg.Calendar, Rules: rules})
	if registry.ErrorCode(err) == registry.EINVALID {
		d.FilterErr = true
		p.Form.Fail(err)
		return w.render(c, fiber.StatusUnprocessableEntity, p)
	}
	if err != nil {
		return err
	}
	names := w.inbNamer(c, p.Lang)
	q := strings.ToLower(d.Q)
	var rows []inbRow
	for _, e := range entries {
		r := inbRow{InboxEntry: e, Enterprise: names.enterprise(e.Announcement.EnterpriseID), Products: names.productList(e.Announcement.ProductIDs)}
		if q != "" && !strings.Contains(strings.ToLower(strings.Join(append([]string{r.Enterprise, e.Announcement.StandardCode}, r.Products...), "\n")), q) {
			continue
		}
		rows = append(rows, r)
		if e.Overdue {
			d.Overdue++
		}
	}
	d.Total = len(rows)
	// The inbox is ordered by deadline, not by ID: the cursor is the last
	// dossier shown.
	if page.Cursor != "" {
		i := slices.IndexFunc(rows, func(r inbRow) bool { return r.Announcement.ID == page.Cursor })
		rows = rows[i+1:] // not found (decided meanwhile): i = -1, from the start
	}
	if len(rows) > page.Limit {
		rows = rows[:page.Limit]
		d.Next = rows[len(rows)-1].Announcement.ID
	}
	d.Rows = rows
	return w.render(c, fiber.StatusOK, p)
}

func rulesDays(r registry.InboxRules) (ask, issue int) {
	ask, issue = r.MissingItemsDays, r.ReceiptDays
	if ask == 0 {
		ask = registry.DefaultMissingItemsDays
	}
	if issue == 0 {
		issue = registry.DefaultReceiptDays
	}
	return ask, issue
}

// --- one dossier

type inbDoc struct {
	ID, Title, FileName, Kind, MediaType, SHA256 string
	Size                                         int64
}

type inbShowData struct {
	A          *registry.ConformityAnnouncement
	Entry      registry.InboxEntry
	Enterprise string
	TaxCode    string
	Products   []string
	Docs       []inbDoc
	Cert       *registry.Certificate
	Today      registry.Date
	// NextNumber is the number the notice of receipt would get if issued
	// now on the form's date ("" when it cannot be told).
	NextNumber string
	CanAsk     bool // submitted: ask for missing items, issue the notice
	CanReject  bool // submitted or needs_more
	RulesAsk   int
	RulesIssue int
}

// inbFind loads the dossier of the route and checks the actor may take action on it.
func (w *Web) inbFind(c *fiber.Ctx, action string) (*registry.ConformityAnnouncement, error) {
	id := c.Params("id")
	if !registry.ValidID(id) {
		return nil, registry.Errorf(registry.ENOTFOUND, "No such dossier.", "Không có hồ sơ này.")
	}
	a, err := w.store.FindAnnouncement(ctx(c), id)
	if err != nil {
		return nil, err
	}
	if err := registry.Authorize(actor(c), action, registry.Resource{Kind: registry.KindAnnouncement, EnterpriseID: a.EnterpriseID}); err != nil {
		return nil, err
	}
	return a, nil
}

func (w *Web) inbShow(c *fiber.Ctx) error {
	a, err := w.inbFind(c, registry.ActRead)
	if err != nil {
		return err
	}
	p, err := w.inbShowPage(c, a, newForm(c))
	if err != nil {
		return err
	}
	return w.render(c, fiber.StatusOK, p)
}

// inbShowPage builds the dossier page with form f (its values kept).
func (w *Web) inbShowPage(c *fiber.Ctx, a *registry.ConformityAnnouncement, f *Form) (*Page, error) {
	p := w.page(c, "inbox/show", "inb_show_title")
	p.Form = f
	now := w.clock.Now()
	d := &inbShowData{A: a, Entry: registry.NewInboxEntry(a, w.cfg.Calendar, w.cfg.Inbox, now), Today: registry.VietnamDate(now),
		CanAsk: a.Status == registry.AnnSubmitted, CanReject: a.Status == registry.AnnSubmitted || a.Status == registry.AnnNeedsMore}
	d.RulesAsk, d.RulesIssue = rulesDays(w.cfg.Inbox)
	names := w.inbNamer(c, p.Lang)
	d.Enterprise = names.enterprise(a.EnterpriseID)
	if e, err := w.store.FindEnterprise(ctx(c), a.EnterpriseID); err == nil {
		d.TaxCode = e.TaxCode
	}
	d.Products = names.productList(a.ProductIDs)
	if a.CertificateID != "" {
		if cert, err := w.store.FindCertificate(ctx(c), a.CertificateID); err == nil {
			d.Cert = cert
		}
	}
	for _, id := range append(append([]string{}, a.TestReportIDs...), a.DocumentIDs...) {
		doc, err := w.store.FindDocument(ctx(c), id)
		if registry.ErrorCode(err) == registry.ENOTFOUND {
			continue
		}
		if err != nil {
			return nil, err
		}
		d.Docs = append(d.Docs, inbDoc{ID: doc.ID, Title: doc.Title, FileName: doc.FileName, Kind: doc.Kind,
			MediaType: doc.Blob.MediaType, SHA256: doc.Blob.SHA256, Size: doc.Blob.Size})
	}
	if f.Value("receipt_date") == "" {
		f.Set("receipt_date", string(d.Today))
	}
	if d.CanAsk {
		d.NextNumber = w.inbPreviewNumber(c, a, registry.Date(f.Value("receipt_date")))
	}
	p.Data = d
	return p, nil
}

// inbPreviewNumber is the number the next notice would get on day on,
// without taking it; "" when the store cannot tell or the day is not valid.
func (w *Web) inbPreviewNumber(c *fiber.Ctx, a *registry.ConformityAnnouncement, on registry.Date) string {
	peek, ok := w.store.(registry.ReceiptPeeker)
	t, err := on.Time()
	if !ok || err != nil {
		return ""
	}
	seq, err := peek.PeekReceiptSequence(ctx(c), a.Agency, t.Year())
	if err != nil {
		return ""
	}
	n, err := w.cfg.Inbox.ReceiptNumber(seq, on)
	if err != nil {
		return ""
	}
	return n
}

// inbDocument sends one document of the dossier.
func (w *Web) inbDocument(c *fiber.Ctx) error {
	a, err := w.inbFind(c, registry.ActRead)
	if err != nil {
		return err
	}
	docID := c.Params("doc")
	if !slices.Contains(a.TestReportIDs, docID) && !slices.Contains(a.DocumentIDs, docID) {
		return registry.Errorf(registry.ENOTFOUND, "This dossier has no such document.", "Hồ sơ không có tài liệu này.")
	}
	doc, err := w.store.FindDocument(ctx(c), docID)
	if err != nil {
		return err
	}
	if err := registry.Authorize(actor(c), registry.ActRead, registry.Resource{Kind: registry.KindDocument,
		EnterpriseID: doc.EnterpriseID, BodyID: doc.BodyID, Public: doc.Public}); err != nil {
		return err
	}
	r, blob, err := w.cfg.Documents.Open(ctx(c), doc.Blob.SHA256)
	if err != nil {
		return err
	}
	defer r.Close()
	b, err := io.ReadAll(io.LimitReader(r, registry.MaxDocumentSize+1))
	if err != nil {
		return err
	}
	c.Set(fiber.HeaderContentType, blob.MediaType)
	c.Set(fiber.HeaderContentDisposition, `attachment; filename="`+inbSafeName(doc.FileName)+`"`)
	c.Set(fiber.HeaderCacheControl, "private, no-store")
	c.Set("X-Content-Type-Options", "nosniff")
	return c.Send(b)
}

// inbSafeName keeps a file name printable inside a quoted header value.
func inbSafeName(s string) string {
	var b strings.Builder
	for _, r := range s {
		if r < 0x20 || r > 0x7e || r == '"' || r == '\\' {
			r = '_'
		}
		b.WriteRune(r)
	}
	if b.Len() == 0 {
		return "document"
	}
	return b.String()
}

// --- decisions

// inbVersion reads the version the dossier was shown at.
func inbVersion(c *fiber.Ctx) int {
	v, _ := strconv.Atoi(c.FormValue("version"))
	return v
}

var errInbStale = registry.Errorf(registry.ESTALE,
	"The dossier changed since you opened it (someone else decided on it or the enterprise changed it). It is shown again as it is now: check it and decide again.",
	"Hồ sơ đã thay đổi kể từ khi bạn mở (người khác đã xử lý hoặc doanh nghiệp đã sửa). Hồ sơ được hiển thị lại theo tình trạng hiện tại: hãy kiểm tra và xử lý lại.")

// inbFail shows the dossier again (as stored now) with the form's problems.
func (w *Web) inbFail(c *fiber.Ctx, id string, f *Form, err error) error {
	if registry.ErrorCode(err) == registry.ESTALE {
		err = errInbStale
	}
	a, ferr := w.store.FindAnnouncement(ctx(c), id)
	if ferr != nil {
		return ferr
	}
	f.Fail(err)
	p, perr := w.inbShowPage(c, a, f)
	if perr != nil {
		return perr
	}
	status := fiber.StatusUnprocessableEntity
	if code := registry.ErrorCode(err); code == registry.ESTALE || code == registry.ECONFLICT {
		status = fiber.StatusConflict
	}
	return w.render(c, status, p)
}

// inbDecide applies the agency's decision t to the dossier read at the
// form's version, audits it and redirects with flash. formField names the
// form field that carries t's reason.
func (w *Web) inbDecide(c *fiber.Ctx, a *registry.ConformityAnnouncement, f *Form, t registry.AnnouncementTransition, reasonField, flash string) error {
	if err := registry.Authorize(actor(c), t.PolicyAction(), registry.Resource{Kind: registry.KindAnnouncement, EnterpriseID: a.EnterpriseID}); err != nil {
		return err
	}
	next, err := w.store.TransitionAnnouncement(ctx(c), a.ID, inbVersion(c), t)
	if err != nil {
		if invalid(err) {
			return w.inbFail(c, a.ID, f, inbRenameReason(err, reasonField))
		}
		return err
	}
	return w.inbDone(c, a, next, t.Action, flash)
}

// inbDone audits a decision taken and redirects with flash.
func (w *Web) inbDone(c *fiber.Ctx, a, next *registry.ConformityAnnouncement, action, flash string) error {
	if err := w.audit(c, "announcement."+action, registry.KindAnnouncement, a.ID, a.EnterpriseID, a, next); err != nil {
		return err
	}
	if action == registry.TransitionIssueReceipt {
		w.publicChanged() // the CR mark and the notice show on the product's public page
	}
	return w.redirectFlash(c, inbPath+"/"+a.ID, flash)
}

// inbRenameReason moves the transition's "reason" problems to the form's field.
func inbRenameReason(err error, field string) error {
	e, ok := err.(*registry.Error)
	if !ok || e.Code != registry.EINVALID || field == "reason" {
		return err
	}
	out := *e
	out.Fields = nil
	for _, fe := range e.Fields {
		if fe.Field == "reason" {
			fe.Field = field
		}
		out.Fields = append(out.Fields, fe)
	}
	return &out
}

// inbMissing asks the enterprise for what is missing.
func (w *Web) inbMissing(c *fiber.Ctx) error {
	f := newForm(c)
	a, err := w.inbFind(c, registry.ActDecide)
	if err != nil {
		return err
	}
	return w.inbDecide(c, a, f, registry.RequestMissingItems(f.Value("missing")), "missing", "flash_inb_missing")
}

// inbReject refuses the dossier with a reason.
func (w *Web) inbReject(c *fiber.Ctx) error {
	f := newForm(c)
	a, err := w.inbFind(c, registry.ActDecide)
	if err != nil {
		return err
	}
	return w.inbDecide(c, a, f, registry.RejectAnnouncement(f.Value("reject_reason")), "reject_reason", "flash_inb_rejected")
}

// inbReceipt issues the notice of receipt: its number is the next of the
// agency's sequence for the year of the receipt date, in the province's
// format. The form is checked before a number is taken, so a wrong date or
// a stale page burns no number.
func (w *Web) inbReceipt(c *fiber.Ctx) error {
	f := newForm(c)
	a, err := w.inbFind(c, registry.ActDecide)
	if err != nil {
		return err
	}
	if inbVersion(c) != a.Version {
		return w.inbFail(c, a.ID, f, errInbStale)
	}
	on := registry.Date(strings.TrimSpace(f.Value("receipt_date")))
	// A dry run on a copy with a stand-in number checks the status and the date.
	trial := *a
	if err := registry.IssueReceipt("-", on).Apply(&trial, actor(c), w.clock.Now()); err != nil {
		return w.inbFail(c, a.ID, f, err)
	}
	if err := registry.Authorize(actor(c), registry.IssueReceipt("", on).PolicyAction(),
		registry.Resource{Kind: registry.KindAnnouncement, EnterpriseID: a.EnterpriseID}); err != nil {
		return err
	}
	day, _ := on.Time()
	// A number already used (typed by hand into an older record, say) is
	// skipped: the next one of the sequence is taken.
	for attempt := 0; ; attempt++ {
		seq, err := w.store.NextReceiptSequence(ctx(c), a.Agency, day.Year())
		if err != nil {
			return err
		}
		number, err := w.cfg.Inbox.ReceiptNumber(seq, on)
		if err != nil {
			return err
		}
		next, err := w.store.TransitionAnnouncement(ctx(c), a.ID, a.Version, registry.IssueReceipt(number, on))
		if registry.ErrorCode(err) == registry.ECONFLICT && attempt < inbNumberAttempts {
			continue
		}
		if err != nil {
			if invalid(err) {
				return w.inbFail(c, a.ID, f, err)
			}
			return err
		}
		return w.inbDone(c, a, next, registry.TransitionIssueReceipt, "flash_inb_receipt")
	}
}

// inbNumberAttempts bounds the numbers skipped because they are taken.
const inbNumberAttempts = 5
