package web

import (
	"mime"

	"github.com/gofiber/fiber/v2"

	"github.com/tracereg/tracereg/registry"
)

// The standards catalogue: national standards (TCVN), national technical
// regulations (QCVN) and the province's own (QCĐP), each with its document.

func (w *Web) mountAdminStandards(a fiber.Router) {
	a.Get("/standards", w.admStandards)
	a.Get("/standards/new", w.admStandardNew)
	a.Post("/standards", w.admStandardCreate)
	a.Get("/standards/:id", w.admStandardEdit)
	a.Post("/standards/:id", w.admStandardUpdate)
	a.Get("/standards/:id/document", w.admStandardDocument)
}

// admStandardTypes are the PDF a catalogue entry's document must be.
var admStandardTypes = []string{"application/pdf"}

func (w *Web) admStandards(c *fiber.Ctx) error {
	if err := admAllowed(c, registry.ActRead, registry.KindStandard); err != nil {
		return err
	}
	page, err := listPage(c, admPageSize)
	if err != nil {
		return err
	}
	p := w.page(c, "admin/standards", "adm_std_title")
	d := &admList[registry.Standard]{Q: c.Query("q"), Filter: c.Query("kind")}
	for _, k := range registry.StandardKinds {
		d.Options = append(d.Options, admOption{Value: k, Label: admKindLabel(k)})
	}
	kind := ""
	for _, k := range registry.StandardKinds {
		if k == d.Filter {
			kind = k
		}
	}
	var keep func(*registry.Standard) bool
	if d.Q != "" {
		keep = func(s *registry.Standard) bool { return admMatches(d.Q, s.Code, s.TitleVI, s.TitleEN, s.Issuer) }
	}
	d.Items, d.Next, err = admSearch(func(pg registry.Page) ([]*registry.Standard, string, error) {
		return w.store.ListStandards(ctx(c), kind, pg)
	}, page, admPageSize, keep)
	if err != nil {
		return err
	}
	p.Data = d
	return w.render(c, fiber.StatusOK, p)
}

func (w *Web) admStandardForm(p *Page, s *registry.Standard) *admForm {
	f := &admForm{ID: "standard-form", Heading: "adm_std_new", Action: admPrefix + "/standards", Submit: "adm_create",
		Back: admPrefix + "/standards", Multipart: true}
	if s != nil {
		f.Heading, f.Action, f.Submit, f.Sub, f.Version = "adm_std_edit", admPrefix+"/standards/"+s.ID, "save", s.Code, s.Version
		if s.DocumentID != "" {
			f.Doc = &admStandardDoc{Href: admPrefix + "/standards/" + s.ID + "/document"}
		}
	}
	f.Fields = []admField{
		{Name: "code", Label: "adm_f_std_code", Kind: "text", Required: true, Max: 100, Hint: "adm_hint_std_code"},
		{Name: "title_vi", Label: "adm_f_title_vi", Kind: "text", Required: true, Max: 500},
		{Name: "title_en", Label: "adm_f_title_en", Kind: "text", Max: 500},
		{Name: "issuer", Label: "adm_f_issuer", Kind: "text", Max: 200},
		{Name: "issued_on", Label: "adm_f_issued_on", Kind: "date"},
		{Name: "categories", Label: "adm_f_categories", Kind: "checks", Options: p.admOptions("adm_cat_", registry.ProductCategories, false)},
		{Name: "document", Label: "adm_f_document", Kind: "file", Accept: "application/pdf", Hint: "adm_hint_document"},
	}
	return f
}

// admStandardDoc links the entry's current document on its edit page.
type admStandardDoc struct{ Href string }

func admStandardValues(f *Form, s *registry.Standard) {
	for k, v := range map[string]string{"code": s.Code, "title_vi": s.TitleVI, "title_en": s.TitleEN, "issuer": s.Issuer,
		"issued_on": string(s.IssuedOn)} {
		f.Set(k, v)
	}
	f.Values["categories"] = append([]string(nil), s.Categories...)
}

func admStandardFrom(c *fiber.Ctx, f *Form, s *registry.Standard) {
	s.Code, s.TitleVI, s.TitleEN, s.Issuer = admValue(c, "code"), admValue(c, "title_vi"), admValue(c, "title_en"), admValue(c, "issuer")
	s.IssuedOn = registry.Date(admValue(c, "issued_on"))
	s.Categories = admFormList(f, "categories")
}

func (w *Web) admStandardNew(c *fiber.Ctx) error {
	if err := admAllowed(c, registry.ActCreate, registry.KindStandard); err != nil {
		return err
	}
	p := w.page(c, "admin/form", "adm_std_new")
	p.Form = newForm(c)
	return w.admRender(c, fiber.StatusOK, p, w.admStandardForm(p, nil))
}

// admStandardChecks validates s and its upload, and that its code is free
// (so no document is recorded for an entry that cannot be written).
func (w *Web) admStandardChecks(c *fiber.Ctx, p *Page, s *registry.Standard) (*StagedFile, error) {
	st, upErr := w.upload(c, p.Form, "document", registry.MaxDocumentSize, admStandardTypes)
	if upErr != nil && !invalid(upErr) {
		return nil, upErr
	}
	var taken error
	if registry.ValidStandardCode(s.Code) {
		other, err := w.store.FindStandardByCode(ctx(c), s.Code)
		switch {
		case err == nil && other.ID != s.ID:
			taken = fieldError("code", "taken", registry.Errorf(registry.ECONFLICT, "The catalogue already has this code.", "Danh mục đã có số hiệu này."))
		case err != nil && registry.ErrorCode(err) != registry.ENOTFOUND:
			return nil, err
		}
	}
	if upErr != nil {
		// Too large or not a PDF: a field problem of the upload, shown with the others.
		upErr = admAsField(upErr, "document")
	}
	return st, admMerge(s.Validate(), upErr, taken)
}

// admAsField turns an upload's ETOOLARGE or EMEDIATYPE into a field problem.
func admAsField(err error, field string) error {
	if registry.ErrorCode(err) == registry.EINVALID {
		return err
	}
	return fieldError(field, registry.ErrorCode(err), registry.PublicError(err))
}

// admSaveRegulation records the uploaded document of a catalogue entry: a
// public regulation that belongs to the catalogue, not to an owner.
func (w *Web) admSaveRegulation(c *fiber.Ctx, st *StagedFile, s *registry.Standard) (*registry.Document, error) {
	return w.storeDocument(c, st, registry.Document{Title: s.Code + " " + s.TitleVI, Kind: "regulation", Public: true})
}

func (w *Web) admStandardCreate(c *fiber.Ctx) error {
	if err := admAllowed(c, registry.ActCreate, registry.KindStandard); err != nil {
		return err
	}
	p := w.page(c, "admin/form", "adm_std_new")
	p.Form = newForm(c)
	s := &registry.Standard{}
	admStandardFrom(c, p.Form, s)
	fail := func(err error) error {
		err = admConflictOn(err, "code")
		if !invalid(err) {
			return err
		}
		p.Form.Fail(err)
		return w.admRender(c, admFailStatus(err), p, w.admStandardForm(p, nil))
	}
	st, err := w.admStandardChecks(c, p, s)
	if err != nil {
		return fail(err)
	}
	if st != nil {
		d, err := w.admSaveRegulation(c, st, s)
		if err != nil {
			return fail(err)
		}
		s.DocumentID = d.ID
	}
	if err := w.store.CreateStandard(ctx(c), s); err != nil {
		return fail(err)
	}
	if err := w.audit(c, "standard.create", registry.KindStandard, s.ID, "", nil, s); err != nil {
		return err
	}
	w.publicChanged()
	return w.redirectFlash(c, admPrefix+"/standards", "flash_adm_std_created")
}

func (w *Web) admFindStandard(c *fiber.Ctx, action string) (*registry.Standard, error) {
	s, err := w.store.FindStandard(ctx(c), admRecordID(c))
	if err != nil {
		return nil, err
	}
	if err := registry.Authorize(actor(c), action, registry.Resource{Kind: registry.KindStandard}); err != nil {
		return nil, err
	}
	return s, nil
}

func (w *Web) admStandardEdit(c *fiber.Ctx) error {
	s, err := w.admFindStandard(c, registry.ActUpdate)
	if err != nil {
		return err
	}
	p := w.page(c, "admin/form", "adm_std_edit")
	p.Form = newForm(c)
	admStandardValues(p.Form, s)
	return w.admRender(c, fiber.StatusOK, p, w.admStandardForm(p, s))
}

func (w *Web) admStandardUpdate(c *fiber.Ctx) error {
	cur, err := w.admFindStandard(c, registry.ActUpdate)
	if err != nil {
		return err
	}
	p := w.page(c, "admin/form", "adm_std_edit")
	p.Form = newForm(c)
	next := *cur
	admStandardFrom(c, p.Form, &next)
	next.Version = admVersion(c)
	fail := func(err error) error {
		err = admConflictOn(err, "code")
		if !invalid(err) {
			return err
		}
		p.Form.Fail(err)
		f := w.admStandardForm(p, cur)
		f.Version = admKeepVersion(c, err, cur.Version)
		return w.admRender(c, admFailStatus(err), p, f)
	}
	st, err := w.admStandardChecks(c, p, &next)
	if err != nil {
		return fail(err)
	}
	if st != nil {
		d, err := w.admSaveRegulation(c, st, &next)
		if err != nil {
			return fail(err)
		}
		next.DocumentID = d.ID
	}
	if err := w.store.UpdateStandard(ctx(c), &next); err != nil {
		return fail(err)
	}
	if err := w.audit(c, "standard.update", registry.KindStandard, next.ID, "", cur, &next); err != nil {
		return err
	}
	w.publicChanged()
	return w.redirectFlash(c, admPrefix+"/standards", "flash_adm_std_saved")
}

// admStandardDocument sends a catalogue entry's document.
func (w *Web) admStandardDocument(c *fiber.Ctx) error {
	s, err := w.admFindStandard(c, registry.ActRead)
	if err != nil {
		return err
	}
	if s.DocumentID == "" {
		return registry.Errorf(registry.ENOTFOUND, "This entry has no document.", "Mục này chưa có tài liệu.")
	}
	d, err := w.store.FindDocument(ctx(c), s.DocumentID)
	if err != nil {
		return err
	}
	if err := registry.Authorize(actor(c), registry.ActRead, registry.Resource{Kind: registry.KindDocument,
		EnterpriseID: d.EnterpriseID, BodyID: d.BodyID, Public: d.Public}); err != nil {
		return err
	}
	r, blob, err := w.cfg.Documents.Open(ctx(c), d.Blob.SHA256)
	if err != nil {
		return err
	}
	c.Set(fiber.HeaderContentType, blob.MediaType)
	c.Set(fiber.HeaderContentDisposition, mime.FormatMediaType("inline", map[string]string{"filename": d.FileName}))
	return c.SendStream(r, int(blob.Size))
}
