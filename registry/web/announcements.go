package web

// Conformity announcements (công bố hợp chuẩn / hợp quy) in the enterprise
// workspace: the dossier's form, its documents, submitting it, following
// its status, answering the agency's request for missing items and, after
// the notice of receipt, the CR mark. Province staff and inspectors may read
// every dossier (they decide on them in the inbox).

import (
	"io"
	"slices"
	"strconv"
	"strings"

	"github.com/gofiber/fiber/v2"

	"github.com/tracereg/tracereg/registry"
)

// annFileLimit is the largest file of a dossier.
const annFileLimit = 10 << 20

// annMaxFiles caps the further documents of one form.
const annMaxFiles = 10

// annDefaultAgency is the agency offered when the enterprise names none.
const annDefaultAgency = "Sở Khoa học và Công nghệ tỉnh Đắk Lắk"

// --- list

type annListData struct {
	Items  []*registry.ConformityAnnouncement
	Next   string
	Status string
	Type   string
	Own    bool
	Names  map[string]string // product and enterprise names by ID
	// Statuses are the choices of the status filter.
	Statuses []string
	Q        string
}

// annSearchRead and annSearchShow cap the dossiers a search reads and
// shows: the store has no text search, so the filtered list is read and
// matched here.
const (
	annSearchRead = 2000
	annSearchShow = 100
)

// annSearch finds the dossiers matching f whose standard code, notice
// number, products or enterprise name hold q.
func (w *Web) annSearch(c *fiber.Ctx, f registry.AnnouncementFilter, q string, names map[string]string, lang string) ([]*registry.ConformityAnnouncement, error) {
	q = strings.ToLower(q)
	f.Page = registry.Page{Limit: registry.MaxPageLimit}
	var out []*registry.ConformityAnnouncement
	for read := 0; read < annSearchRead && len(out) < annSearchShow; {
		items, next, err := w.store.ListAnnouncements(ctx(c), f)
		if err != nil {
			return nil, err
		}
		read += len(items)
		for _, a := range items {
			text := []string{a.StandardCode, a.ReceiptNumber, a.Agency}
			for _, id := range a.ProductIDs {
				w.annName(c, names, id, lang)
				text = append(text, names[id])
			}
			if f.EnterpriseID == "" {
				if _, ok := names[a.EnterpriseID]; !ok {
					if e, err := w.store.FindEnterprise(ctx(c), a.EnterpriseID); err == nil {
						names[a.EnterpriseID] = e.NameVI
					}
				}
				text = append(text, names[a.EnterpriseID])
			}
			if strings.Contains(strings.ToLower(strings.Join(text, "\x00")), q) && len(out) < annSearchShow {
				out = append(out, a)
			}
		}
		if next == "" {
			break
		}
		f.Page.Cursor = next
	}
	return out, nil
}

func (w *Web) annList(c *fiber.Ctx) error {
	me := actor(c)
	p := w.page(c, "announcements/list", "ann_list_title")
	pg, err := listPage(c, 25)
	if err != nil {
		return err
	}
	f := registry.AnnouncementFilter{Page: pg}
	if me.Role == registry.RoleEnterprise {
		f.EnterpriseID = me.EnterpriseID
	} else if e := c.Query("enterprise"); registry.ValidID(e) {
		f.EnterpriseID = e
	}
	d := &annListData{Own: me.Role == registry.RoleEnterprise, Names: map[string]string{}, Statuses: annStatuses}
	if s := c.Query("status"); slices.Contains(annStatuses, s) {
		f.Status, d.Status = s, s
	}
	if t := c.Query("type"); t == registry.AnnounceStandard || t == registry.AnnounceRegulation {
		f.Type, d.Type = t, t
	}
	d.Q = strings.TrimSpace(c.Query("q"))
	if d.Q == "" {
		d.Items, d.Next, err = w.store.ListAnnouncements(ctx(c), f)
	} else {
		d.Items, err = w.annSearch(c, f, d.Q, d.Names, p.Lang)
	}
	if err != nil {
		return err
	}
	for _, a := range d.Items {
		for _, id := range a.ProductIDs {
			w.annName(c, d.Names, id, p.Lang)
		}
		if !d.Own {
			if _, ok := d.Names[a.EnterpriseID]; !ok {
				if e, err := w.store.FindEnterprise(ctx(c), a.EnterpriseID); err == nil {
					d.Names[a.EnterpriseID] = e.NameVI
				}
			}
		}
	}
	p.Data = d
	return w.render(c, fiber.StatusOK, p)
}

var annStatuses = []string{registry.AnnDraft, registry.AnnSubmitted, registry.AnnNeedsMore, registry.AnnReceived, registry.AnnRejected, registry.AnnWithdrawn}

// annName adds a product's name to names.
func (w *Web) annName(c *fiber.Ctx, names map[string]string, productID, lang string) {
	if _, ok := names[productID]; ok {
		return
	}
	pr, err := w.store.FindProduct(ctx(c), productID)
	if err != nil {
		names[productID] = productID
		return
	}
	names[productID] = pr.NameVI
	if lang == "en" && pr.NameEN != "" {
		names[productID] = pr.NameEN
	}
}

// --- the new dossier

type annFormData struct {
	Products     []*registry.Product
	Standards    []*registry.Standard
	Certificates []*registry.Certificate
	Docs         []StagedFile // further documents uploaded on an earlier try
	// Editing is the draft being changed; nil for a new dossier.
	Editing *registry.ConformityAnnouncement
}

func (w *Web) annFormData(c *fiber.Ctx, enterpriseID string) (*annFormData, error) {
	d := &annFormData{}
	var err error
	if d.Products, err = annAll(func(pg registry.Page) ([]*registry.Product, string, error) {
		return w.store.ListProducts(ctx(c), registry.ProductFilter{EnterpriseID: enterpriseID, Page: pg})
	}); err != nil {
		return nil, err
	}
	if d.Standards, err = annAll(func(pg registry.Page) ([]*registry.Standard, string, error) {
		return w.store.ListStandards(ctx(c), "", pg)
	}); err != nil {
		return nil, err
	}
	if d.Certificates, err = annAll(func(pg registry.Page) ([]*registry.Certificate, string, error) {
		return w.store.ListCertificates(ctx(c), registry.CertificateFilter{HolderID: enterpriseID, Page: pg})
	}); err != nil {
		return nil, err
	}
	return d, nil
}

// annAll reads up to 1,000 records of a list for a form's choices.
func annAll[T any](list func(registry.Page) ([]*T, string, error)) ([]*T, error) {
	var out []*T
	pg := registry.Page{Limit: registry.MaxPageLimit}
	for range 5 {
		items, next, err := list(pg)
		if err != nil {
			return nil, err
		}
		out = append(out, items...)
		if next == "" {
			break
		}
		pg.Cursor = next
	}
	return out, nil
}

func (w *Web) annNew(c *fiber.Ctx) error {
	me := actor(c)
	if err := registry.Authorize(me, registry.ActCreate, registry.Resource{Kind: registry.KindAnnouncement, EnterpriseID: me.EnterpriseID}); err != nil {
		return err
	}
	p := w.page(c, "announcements/new", "ann_new_title")
	p.Form = newForm(c)
	p.Form.Set("type", registry.AnnounceRegulation)
	p.Form.Set("basis", registry.BasisSelfAssessment)
	p.Form.Set("agency", annDefaultAgency)
	d, err := w.annFormData(c, me.EnterpriseID)
	if err != nil {
		return err
	}
	p.Data = d
	return w.render(c, fiber.StatusOK, p)
}

func (w *Web) annCreate(c *fiber.Ctx) error {
	me := actor(c)
	if err := registry.Authorize(me, registry.ActCreate, registry.Resource{Kind: registry.KindAnnouncement, EnterpriseID: me.EnterpriseID}); err != nil {
		return err
	}
	return w.annSave(c, nil)
}

// annEdit shows a draft in the dossier form.
func (w *Web) annEdit(c *fiber.Ctx) error {
	a, err := w.annFind(c, registry.ActUpdate)
	if err != nil {
		return err
	}
	if a.Status != registry.AnnDraft {
		return w.annFail(c, a, annDraftOnly(), nil)
	}
	p := w.page(c, "announcements/new", "ann_edit_title")
	p.Form = newForm(c)
	f := p.Form
	f.Set("type", a.Type)
	f.Values["product_ids"] = slices.Clone(a.ProductIDs)
	f.Set("standard_code", a.StandardCode)
	f.Set("basis", a.Basis)
	f.Set("certificate_id", a.CertificateID)
	f.Set("agency", a.Agency)
	f.Set("version", strconv.Itoa(a.Version))
	d, err := w.annFormData(c, a.EnterpriseID)
	if err != nil {
		return err
	}
	d.Editing = a
	p.Data = d
	return w.render(c, fiber.StatusOK, p)
}

// annUpdate stores the form over a draft.
func (w *Web) annUpdate(c *fiber.Ctx) error {
	a, err := w.annFind(c, registry.ActUpdate)
	if err != nil {
		return err
	}
	if a.Status != registry.AnnDraft {
		return w.annFail(c, a, annDraftOnly(), nil)
	}
	return w.annSave(c, a)
}

func annDraftOnly() error {
	return fieldError("status", "draft_only", registry.Errorf(registry.EINVALID,
		"only a draft is changed; the agency has the submitted dossier", "chỉ sửa được bản nháp; hồ sơ đã nộp đang ở cơ quan tiếp nhận"))
}

// annSave checks the dossier form and creates the dossier (cur == nil) or
// stores it over the draft cur. Nothing is written unless all of it is right.
func (w *Web) annSave(c *fiber.Ctx, cur *registry.ConformityAnnouncement) error {
	me := actor(c)
	title := "ann_new_title"
	if cur != nil {
		title = "ann_edit_title"
	}
	p := w.page(c, "announcements/new", title)
	p.Form = newForm(c)
	enterpriseID := me.EnterpriseID
	if cur != nil {
		enterpriseID = cur.EnterpriseID
	}
	d, err := w.annFormData(c, enterpriseID)
	if err != nil {
		return err
	}
	d.Editing = cur
	p.Data = d
	f := p.Form
	a := &registry.ConformityAnnouncement{EnterpriseID: enterpriseID, Status: registry.AnnDraft}
	if cur != nil {
		next := *cur
		a = &next
		a.TestReportIDs, a.DocumentIDs = slices.Clone(cur.TestReportIDs), slices.Clone(cur.DocumentIDs)
		a.Version = annVersion(c)
	}
	a.Type, a.ProductIDs, a.Basis = f.Value("type"), f.Values["product_ids"], f.Value("basis")
	a.StandardCode, a.Agency = strings.TrimSpace(f.Value("standard_code")), strings.TrimSpace(f.Value("agency"))
	a.CertificateID = ""
	if a.Basis == registry.BasisCertification {
		a.CertificateID = f.Value("certificate_id")
	}
	var probs registry.Problems
	// The files first, so they are kept whatever else is wrong.
	report, reportErr := w.upload(c, f, "test_report", annFileLimit, registry.DocumentMediaTypes)
	if reportErr != nil && !invalid(reportErr) {
		return reportErr
	}
	probs.Merge("", reportErr)
	docs, err := w.annUploadMany(c, "documents", annFileLimit)
	if err != nil && !invalid(err) {
		return err
	}
	probs.Merge("", err)
	d.Docs = docs
	// What only the form knows: the catalogue, the enterprise's own products
	// and certificates, and the test report of a self-assessment.
	if len(a.ProductIDs) == 0 {
		probs.Add("product_ids", "required", "choose at least one product", "hãy chọn ít nhất một sản phẩm")
	}
	for _, id := range a.ProductIDs {
		if !slices.ContainsFunc(d.Products, func(pr *registry.Product) bool { return pr.ID == id }) {
			probs.Add("product_ids", "exists", "choose among your products", "hãy chọn trong các sản phẩm của doanh nghiệp")
			break
		}
	}
	if a.StandardCode != "" && !slices.ContainsFunc(d.Standards, func(s *registry.Standard) bool { return s.Code == a.StandardCode }) {
		probs.Add("standard_code", "catalogue", "choose a standard or regulation of the catalogue", "hãy chọn tiêu chuẩn hoặc quy chuẩn trong danh mục")
	}
	if a.Basis == registry.BasisCertification && a.CertificateID != "" &&
		!slices.ContainsFunc(d.Certificates, func(x *registry.Certificate) bool { return x.ID == a.CertificateID }) {
		probs.Add("certificate_id", "exists", "choose among your certificates", "hãy chọn trong các giấy chứng nhận của doanh nghiệp")
	}
	if a.Basis == registry.BasisSelfAssessment && report == nil && reportErr == nil && len(a.TestReportIDs) == 0 {
		probs.Add("test_report", "required", "a self-assessment needs the test report (PDF or image)",
			"tự đánh giá cần kèm phiếu kết quả thử nghiệm (PDF hoặc ảnh)")
	}
	probs.Merge("", annDropField(a.Validate(), "product_ids", "test_report_ids", "document_ids"))
	if cur != nil && a.Version != cur.Version {
		f.Fail(registry.Errorf(registry.ESTALE, "The dossier changed since you read it; check it and try again.",
			"Hồ sơ đã thay đổi kể từ khi bạn xem; hãy kiểm tra và thử lại."))
	}
	if err := probs.Err(); err != nil || f.Invalid() {
		if err != nil {
			f.Fail(err)
		}
		return w.render(c, fiber.StatusUnprocessableEntity, p)
	}
	// Everything checked: the document records, then the dossier.
	if report != nil {
		doc, err := w.saveDocument(c, report, "test_report", "", enterpriseID, "")
		if err != nil {
			return err
		}
		a.TestReportIDs = []string{doc.ID}
	}
	for i := range docs {
		doc, err := w.saveDocument(c, &docs[i], "announcement", "", enterpriseID, "")
		if err != nil {
			return err
		}
		if !slices.Contains(a.DocumentIDs, doc.ID) {
			a.DocumentIDs = append(a.DocumentIDs, doc.ID)
		}
	}
	action, flash := "announcement.create", "flash_ann_created"
	if cur == nil {
		err = w.store.CreateAnnouncement(ctx(c), a)
	} else {
		action, flash = "announcement.update", "flash_ann_saved"
		err = w.store.UpdateAnnouncement(ctx(c), a)
	}
	if err != nil {
		if invalid(err) {
			f.Fail(renameFields2(err, map[string]string{"test_report_ids": "test_report", "document_ids": "documents"}))
			return w.render(c, fiber.StatusUnprocessableEntity, p)
		}
		return err
	}
	var before any
	if cur != nil {
		before = cur
	}
	if err := w.audit(c, action, registry.KindAnnouncement, a.ID, a.EnterpriseID, before, a); err != nil {
		return err
	}
	return w.redirectFlash(c, Prefix+"/announcements/"+a.ID, flash)
}

// annDropField removes the problems of fields the form reports otherwise.
func annDropField(err error, fields ...string) error {
	e, ok := err.(*registry.Error)
	if !ok || e.Code != registry.EINVALID {
		return err
	}
	out := *e
	out.Fields = nil
	for _, fe := range e.Fields {
		name, _, _ := strings.Cut(fe.Field, "[")
		if !slices.Contains(fields, name) {
			out.Fields = append(out.Fields, fe)
		}
	}
	if len(out.Fields) == 0 {
		return nil
	}
	return &out
}

// renameFields2 moves the problems of record fields to the form's fields.
func renameFields2(err error, names map[string]string) error {
	e, ok := err.(*registry.Error)
	if !ok || e.Code != registry.EINVALID {
		return err
	}
	out := *e
	out.Fields = nil
	for _, fe := range e.Fields {
		name, _, _ := strings.Cut(fe.Field, "[")
		if to, ok := names[name]; ok {
			fe.Field = to
		}
		out.Fields = append(out.Fields, fe)
	}
	return &out
}

// annUploadMany takes every file of a multi-file field, and the files
// kept from an earlier try (field+"_staged", one token each), at most
// annMaxFiles in all. Each is stored and signed as upload does (putFile, unstage).
func (w *Web) annUploadMany(c *fiber.Ctx, field string, limit int64) ([]StagedFile, error) {
	mf, err := c.MultipartForm()
	if err != nil {
		return nil, nil // a form without files
	}
	var out []StagedFile
	var probs registry.Problems
	for _, token := range mf.Value[field+"_staged"] {
		st, err := w.unstage(c, token)
		if err == errStaleUpload {
			probs.Add(field, "staged", errStaleUpload.Message, errStaleUpload.MessageVI)
			continue
		}
		if err != nil {
			return nil, err
		}
		out = append(out, st)
	}
	for _, fh := range mf.File[field] {
		if fh.Size == 0 {
			continue
		}
		st, err := w.putFile(c, fh, limit, registry.DocumentMediaTypes)
		if code := registry.ErrorCode(err); code == registry.ETOOLARGE || code == registry.EMEDIATYPE {
			e := registry.PublicError(err)
			probs.Add(field, code, fh.Filename+": "+e.Message, fh.Filename+": "+e.MessageVI)
			continue
		}
		if err != nil {
			return nil, err
		}
		out = append(out, st)
	}
	// The same bytes twice are one document.
	out = slices.CompactFunc(slices.Clone(out), func(x, y StagedFile) bool { return x.Blob.SHA256 == y.Blob.SHA256 })
	if len(out) > annMaxFiles {
		probs.Add(field, "max_items", "at most "+strconv.Itoa(annMaxFiles)+" files at once", "tối đa "+strconv.Itoa(annMaxFiles)+" tệp mỗi lần")
		out = out[:annMaxFiles]
	}
	return out, probs.Err()
}

// --- the dossier

type annDoc struct {
	*registry.Document
	Role string // "test_report" or "document"
}

type annShowData struct {
	A           *registry.ConformityAnnouncement
	Enterprise  string
	Products    map[string]string
	Certificate *registry.Certificate
	Docs        []annDoc
	AskBy       registry.Date
	DecideBy    registry.Date
	Own         bool // the enterprise's own dossier: its actions are offered
	CanSubmit   bool
	CanResubmit bool
	CanWithdraw bool
	CanAddDocs  bool
	// Library are the enterprise's documents not in the dossier, to attach
	// without uploading them again.
	Library      []*registry.Document
	CanDelete    bool
	Staged       []StagedFile
	History      []registry.StatusChange // newest first
	MayCarryMark bool
}

// annFind reads the dossier of :id for action, answering ENOTFOUND for
// another enterprise's.
func (w *Web) annFind(c *fiber.Ctx, action string) (*registry.ConformityAnnouncement, error) {
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

func (w *Web) annShowPage(c *fiber.Ctx, a *registry.ConformityAnnouncement) (*Page, *annShowData, error) {
	p := w.page(c, "announcements/show", "ann_show_title")
	me := actor(c)
	d := &annShowData{A: a, Products: map[string]string{}, Own: me.Role == registry.RoleEnterprise && me.EnterpriseID == a.EnterpriseID}
	for _, id := range a.ProductIDs {
		w.annName(c, d.Products, id, p.Lang)
	}
	if e, err := w.store.FindEnterprise(ctx(c), a.EnterpriseID); err == nil {
		d.Enterprise = e.NameVI
	}
	if a.CertificateID != "" {
		if cert, err := w.store.FindCertificate(ctx(c), a.CertificateID); err == nil {
			d.Certificate = cert
		}
	}
	for _, group := range []struct {
		role string
		ids  []string
	}{{"test_report", a.TestReportIDs}, {"document", a.DocumentIDs}} {
		for _, id := range group.ids {
			if doc, err := w.store.FindDocument(ctx(c), id); err == nil {
				d.Docs = append(d.Docs, annDoc{Document: doc, Role: group.role})
			}
		}
	}
	d.AskBy, d.DecideBy = registry.Deadlines(a, w.cfg.Calendar, w.cfg.Inbox)
	d.CanSubmit = d.Own && a.Status == registry.AnnDraft
	d.CanResubmit = d.Own && a.Status == registry.AnnNeedsMore
	// A draft is not offered for withdrawal: the transition allows it, but
	// Validate then wants a submission day a draft never had (see the report).
	d.CanWithdraw = d.Own && slices.Contains([]string{registry.AnnSubmitted, registry.AnnNeedsMore}, a.Status)
	d.CanAddDocs = d.Own && a.Status == registry.AnnDraft
	if d.CanAddDocs {
		lib, _, err := w.store.ListDocuments(ctx(c), registry.DocumentFilter{EnterpriseID: a.EnterpriseID, Page: registry.Page{Limit: registry.MaxPageLimit}})
		if err != nil {
			return nil, nil, err
		}
		for _, doc := range lib {
			if doc.Kind != "photo" && !slices.Contains(a.DocumentIDs, doc.ID) && !slices.Contains(a.TestReportIDs, doc.ID) {
				d.Library = append(d.Library, doc)
			}
		}
	}
	d.CanDelete = d.Own && a.Status == registry.AnnDraft
	d.MayCarryMark = a.MayCarryCRMark()
	d.History = slices.Clone(a.History)
	slices.Reverse(d.History)
	p.Data = d
	p.Form = newForm(c)
	return p, d, nil
}

func (w *Web) annShow(c *fiber.Ctx) error {
	a, err := w.annFind(c, registry.ActRead)
	if err != nil {
		return err
	}
	p, _, err := w.annShowPage(c, a)
	if err != nil {
		return err
	}
	p.Form.Values = map[string][]string{}
	return w.render(c, fiber.StatusOK, p)
}

// annDocument sends a file of the dossier to whoever may read the dossier.
func (w *Web) annDocument(c *fiber.Ctx) error {
	a, err := w.annFind(c, registry.ActRead)
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
	c.Set(fiber.HeaderContentDisposition, `inline; filename="`+annSafeName(doc.FileName)+`"`)
	c.Set("X-Content-Type-Options", "nosniff")
	return c.Send(b)
}

// annSafeName keeps a file name printable inside a quoted header value.
func annSafeName(s string) string {
	var b strings.Builder
	for _, r := range s {
		if r < 0x20 || r > 0x7e || r == '"' || r == '\\' {
			b.WriteByte('_')
		} else {
			b.WriteRune(r)
		}
	}
	if b.Len() == 0 {
		return "document"
	}
	return b.String()
}

// annVersion reads the version the form was shown at.
func annVersion(c *fiber.Ctx) int {
	v, _ := strconv.Atoi(c.FormValue("version"))
	return v
}

// annFail shows the dossier again with the form's problems.
func (w *Web) annFail(c *fiber.Ctx, a *registry.ConformityAnnouncement, err error, staged []StagedFile) error {
	p, d, perr := w.annShowPage(c, a)
	if perr != nil {
		return perr
	}
	d.Staged = staged
	p.Form.Fail(annShownFields(err))
	status := fiber.StatusUnprocessableEntity
	if c := registry.ErrorCode(err); c == registry.ESTALE || c == registry.ECONFLICT {
		status = fiber.StatusConflict
	}
	return w.render(c, status, p)
}

// annShownFields puts the problems of fields the dossier page has no
// place for beside the status, so every message is seen.
func annShownFields(err error) error {
	e, ok := err.(*registry.Error)
	if !ok || e.Code != registry.EINVALID {
		return err
	}
	out := *e
	out.Fields = nil
	for _, fe := range e.Fields {
		switch fe.Field {
		case "documents", "reason", "test_report", "status":
		default:
			fe.Field = "status"
		}
		out.Fields = append(out.Fields, fe)
	}
	return &out
}

var annFlashes = map[string]string{
	registry.TransitionSubmit:   "flash_ann_submitted",
	registry.TransitionResubmit: "flash_ann_resubmitted",
	registry.TransitionWithdraw: "flash_ann_withdrawn",
}

// annTransition is the enterprise's submit and withdraw.
func (w *Web) annTransition(action string) fiber.Handler {
	return func(c *fiber.Ctx) error {
		a, err := w.annFind(c, registry.ActRead)
		if err != nil {
			return err
		}
		t := registry.AnnouncementTransition{Action: action, Reason: strings.TrimSpace(c.FormValue("reason"))}
		if err := registry.Authorize(actor(c), t.PolicyAction(), registry.Resource{Kind: registry.KindAnnouncement, EnterpriseID: a.EnterpriseID}); err != nil {
			return err
		}
		if action == registry.TransitionSubmit && a.Basis == registry.BasisSelfAssessment && len(a.TestReportIDs) == 0 {
			return w.annFail(c, a, fieldError("test_report", "required", registry.Errorf(registry.EINVALID,
				"a self-assessment needs the test report before it is submitted", "tự đánh giá cần kèm phiếu kết quả thử nghiệm trước khi nộp")), nil)
		}
		next, err := w.store.TransitionAnnouncement(ctx(c), a.ID, annVersion(c), t)
		if err != nil {
			if invalid(err) {
				return w.annFail(c, a, err, nil)
			}
			return err
		}
		if err := w.audit(c, "announcement."+action, registry.KindAnnouncement, a.ID, a.EnterpriseID, a, next); err != nil {
			return err
		}
		return w.redirectFlash(c, Prefix+"/announcements/"+a.ID, annFlashes[action])
	}
}

// annAttach stores the uploaded files of the form as documents of the
// dossier (kind "announcement"), and the dossier with them; it returns the
// dossier as stored. Nothing is written when a file is refused.
func (w *Web) annAttach(c *fiber.Ctx, a *registry.ConformityAnnouncement, docs []StagedFile, library ...string) (*registry.ConformityAnnouncement, error) {
	if len(docs) == 0 && len(library) == 0 {
		return a, nil
	}
	next := *a
	next.DocumentIDs = slices.Clone(a.DocumentIDs)
	for _, id := range library {
		if !slices.Contains(next.DocumentIDs, id) {
			next.DocumentIDs = append(next.DocumentIDs, id)
		}
	}
	for i := range docs {
		doc, err := w.saveDocument(c, &docs[i], "announcement", "", a.EnterpriseID, "")
		if err != nil {
			return nil, err
		}
		if !slices.Contains(next.DocumentIDs, doc.ID) {
			next.DocumentIDs = append(next.DocumentIDs, doc.ID)
		}
	}
	next.Version = annVersion(c)
	if err := w.store.UpdateAnnouncement(ctx(c), &next); err != nil {
		return nil, err
	}
	if err := w.audit(c, "announcement.update", registry.KindAnnouncement, a.ID, a.EnterpriseID, a, &next); err != nil {
		return nil, err
	}
	return &next, nil
}

// annAddDocuments adds further documents to a draft.
func (w *Web) annAddDocuments(c *fiber.Ctx) error {
	a, err := w.annFind(c, registry.ActUpdate)
	if err != nil {
		return err
	}
	docs, err := w.annUploadMany(c, "documents", annFileLimit)
	if err != nil {
		if invalid(err) {
			return w.annFail(c, a, err, docs)
		}
		return err
	}
	if a.Status != registry.AnnDraft {
		return w.annFail(c, a, fieldError("documents", "status", registry.Errorf(registry.EINVALID,
			"documents are added to a draft, or with the resubmission the agency asked for", "chỉ bổ sung tài liệu cho bản nháp hoặc khi nộp lại theo yêu cầu")), docs)
	}
	// Documents already in the enterprise's library: its own, by ID.
	var library []string
	if mf, err := c.MultipartForm(); err == nil {
		for _, id := range mf.Value["library_ids"] {
			doc, err := w.store.FindDocument(ctx(c), id)
			if err != nil || doc.EnterpriseID != a.EnterpriseID {
				return w.annFail(c, a, fieldError("library_ids", "exists", registry.Errorf(registry.EINVALID,
					"choose documents of your own library", "hãy chọn tài liệu trong thư viện của doanh nghiệp")), docs)
			}
			library = append(library, doc.ID)
		}
	}
	if len(docs) == 0 && len(library) == 0 {
		return w.annFail(c, a, fieldError("documents", "required", registry.Errorf(registry.EINVALID,
			"choose one or more files, or documents of your library", "hãy chọn một hoặc nhiều tệp, hoặc tài liệu trong thư viện")), nil)
	}
	if a.Version != annVersion(c) {
		return w.annFail(c, a, registry.Errorf(registry.ESTALE, "The dossier changed since you read it; check it and try again.",
			"Hồ sơ đã thay đổi kể từ khi bạn xem; hãy kiểm tra và thử lại."), docs)
	}
	if _, err := w.annAttach(c, a, docs, library...); err != nil {
		if invalid(err) {
			return w.annFail(c, a, err, docs)
		}
		return err
	}
	return w.redirectFlash(c, Prefix+"/announcements/"+a.ID, "flash_ann_documents_added")
}

// annResubmit answers the agency's request: the missing documents and a
// note, then the dossier goes back (the agency's clock restarts).
func (w *Web) annResubmit(c *fiber.Ctx) error {
	a, err := w.annFind(c, registry.ActUpdate)
	if err != nil {
		return err
	}
	docs, err := w.annUploadMany(c, "documents", annFileLimit)
	if err != nil {
		if invalid(err) {
			return w.annFail(c, a, err, docs)
		}
		return err
	}
	t := registry.ResubmitAnnouncement(strings.TrimSpace(c.FormValue("reason")))
	// Check the transition on a copy before writing anything.
	probe := *a
	if err := t.Apply(&probe, actor(c), w.clock.Now()); err != nil {
		return w.annFail(c, a, err, docs)
	}
	if a.Version != annVersion(c) {
		return w.annFail(c, a, registry.Errorf(registry.ESTALE, "The dossier changed since you read it; check it and try again.",
			"Hồ sơ đã thay đổi kể từ khi bạn xem; hãy kiểm tra và thử lại."), docs)
	}
	cur, err := w.annAttach(c, a, docs)
	if err != nil {
		if invalid(err) {
			return w.annFail(c, a, err, docs)
		}
		return err
	}
	next, err := w.store.TransitionAnnouncement(ctx(c), cur.ID, cur.Version, t)
	if err != nil {
		if invalid(err) {
			return w.annFail(c, cur, err, nil)
		}
		return err
	}
	if err := w.audit(c, "announcement.resubmit", registry.KindAnnouncement, a.ID, a.EnterpriseID, cur, next); err != nil {
		return err
	}
	return w.redirectFlash(c, Prefix+"/announcements/"+a.ID, "flash_ann_resubmitted")
}

// annDelete removes a draft the agency never saw (its documents stay with
// the enterprise's documents).
func (w *Web) annDelete(c *fiber.Ctx) error {
	a, err := w.annFind(c, registry.ActDelete)
	if err != nil {
		return err
	}
	if a.Status != registry.AnnDraft {
		return w.annFail(c, a, fieldError("status", "draft_only", registry.Errorf(registry.EINVALID,
			"only a draft is deleted; withdraw a submitted dossier", "chỉ xóa được bản nháp; hồ sơ đã nộp thì rút hồ sơ")), nil)
	}
	if a.Version != annVersion(c) {
		return w.annFail(c, a, registry.Errorf(registry.ESTALE, "The dossier changed since you read it; check it and try again.",
			"Hồ sơ đã thay đổi kể từ khi bạn xem; hãy kiểm tra và thử lại."), nil)
	}
	if err := w.store.DeleteRecord(ctx(c), registry.KindAnnouncement, a.ID); err != nil {
		if invalid(err) {
			return w.annFail(c, a, err, nil)
		}
		return err
	}
	if err := w.audit(c, "announcement.delete", registry.KindAnnouncement, a.ID, a.EnterpriseID, a, nil); err != nil {
		return err
	}
	return w.redirectFlash(c, Prefix+"/announcements", "flash_ann_deleted")
}
