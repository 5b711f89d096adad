package web

import (
	"github.com/gofiber/fiber/v2"

	"github.com/tracereg/tracereg/registry"
)

// Certification bodies and their accreditation.

func (w *Web) mountAdminBodies(a fiber.Router) {
	a.Get("/bodies", w.admBodies)
	a.Get("/bodies/new", w.admBodyNew)
	a.Post("/bodies", w.admBodyCreate)
	a.Get("/bodies/:id", w.admBodyEdit)
	a.Post("/bodies/:id", w.admBodyUpdate)
}

// admBodyRow is a body in the list, with its accreditation's state today.
type admBodyRow struct {
	*registry.CertificationBody
	AccreditationExpired bool
}

func (w *Web) admBodies(c *fiber.Ctx) error {
	if err := admAllowed(c, registry.ActRead, registry.KindBody); err != nil {
		return err
	}
	page, err := listPage(c, admPageSize)
	if err != nil {
		return err
	}
	p := w.page(c, "admin/bodies", "adm_body_title")
	q := c.Query("q")
	var keep func(*registry.CertificationBody) bool
	if q != "" {
		keep = func(b *registry.CertificationBody) bool {
			return admMatches(q, b.Code, b.Name, b.NameEN, b.AccreditedBy, b.AccreditationNumber)
		}
	}
	items, next, err := admSearch(func(pg registry.Page) ([]*registry.CertificationBody, string, error) {
		return w.store.ListCertificationBodies(ctx(c), pg)
	}, page, admPageSize, keep)
	if err != nil {
		return err
	}
	today := registry.Date(w.clock.Now().In(registry.Vietnam).Format("2006-01-02"))
	rows := make([]admBodyRow, len(items))
	for i, b := range items {
		rows[i] = admBodyRow{CertificationBody: b, AccreditationExpired: b.AccreditedUntil != "" && b.AccreditedUntil < today}
	}
	p.Data = struct {
		Rows []admBodyRow
		Next string
		Q    string
	}{rows, next, q}
	return w.render(c, fiber.StatusOK, p)
}

func (w *Web) admBodyForm(p *Page, b *registry.CertificationBody) *admForm {
	f := &admForm{ID: "body-form", Heading: "adm_body_new", Action: admPrefix + "/bodies", Submit: "adm_create", Back: admPrefix + "/bodies"}
	if b != nil {
		f.Heading, f.Action, f.Submit, f.Sub, f.Version = "adm_body_edit", admPrefix+"/bodies/"+b.ID, "save", b.Name, b.Version
	}
	f.Fields = []admField{
		{Name: "code", Label: "adm_f_body_code", Kind: "text", Required: true, Max: 30, Hint: "adm_hint_body_code"},
		{Name: "name", Label: "adm_f_name_vi", Kind: "text", Required: true, Max: 300},
		{Name: "name_en", Label: "adm_f_name_en", Kind: "text", Max: 300},
		{Name: "accredited_by", Label: "adm_f_accredited_by", Kind: "text", Max: 100, Hint: "adm_hint_accredited_by"},
		{Name: "accreditation_number", Label: "adm_f_accreditation_number", Kind: "text", Max: 100},
		{Name: "accredited_until", Label: "adm_f_accredited_until", Kind: "date"},
		{Name: "designated", Label: "adm_f_designated", Kind: "checkbox"},
		{Name: "schemes", Label: "adm_f_schemes", Kind: "checks", Options: p.admOptions("", registry.Schemes, false)},
	}
	return f
}

func admBodyValues(f *Form, b *registry.CertificationBody) {
	for k, v := range map[string]string{"code": b.Code, "name": b.Name, "name_en": b.NameEN, "accredited_by": b.AccreditedBy,
		"accreditation_number": b.AccreditationNumber, "accredited_until": string(b.AccreditedUntil)} {
		f.Set(k, v)
	}
	if b.Designated {
		f.Set("designated", "on")
	}
	f.Values["schemes"] = append([]string(nil), b.Schemes...)
}

func admBodyFrom(c *fiber.Ctx, f *Form, b *registry.CertificationBody) {
	b.Code, b.Name, b.NameEN = admValue(c, "code"), admValue(c, "name"), admValue(c, "name_en")
	b.AccreditedBy, b.AccreditationNumber = admValue(c, "accredited_by"), admValue(c, "accreditation_number")
	b.AccreditedUntil = registry.Date(admValue(c, "accredited_until"))
	b.Designated = admChecked(c, "designated")
	b.Schemes = admFormList(f, "schemes")
}

func (w *Web) admBodyNew(c *fiber.Ctx) error {
	if err := admAllowed(c, registry.ActCreate, registry.KindBody); err != nil {
		return err
	}
	p := w.page(c, "admin/form", "adm_body_new")
	p.Form = newForm(c)
	return w.admRender(c, fiber.StatusOK, p, w.admBodyForm(p, nil))
}

func (w *Web) admBodyCreate(c *fiber.Ctx) error {
	if err := admAllowed(c, registry.ActCreate, registry.KindBody); err != nil {
		return err
	}
	p := w.page(c, "admin/form", "adm_body_new")
	p.Form = newForm(c)
	b := &registry.CertificationBody{}
	admBodyFrom(c, p.Form, b)
	if err := w.store.CreateCertificationBody(ctx(c), b); err != nil {
		err = admConflictOn(err, "code")
		if invalid(err) {
			p.Form.Fail(err)
			return w.admRender(c, admFailStatus(err), p, w.admBodyForm(p, nil))
		}
		return err
	}
	if err := w.audit(c, "certification_body.create", registry.KindBody, b.ID, "", nil, b); err != nil {
		return err
	}
	w.publicChanged()
	return w.redirectFlash(c, admPrefix+"/bodies", "flash_adm_body_created")
}

func (w *Web) admFindBody(c *fiber.Ctx) (*registry.CertificationBody, error) {
	b, err := w.store.FindCertificationBody(ctx(c), admRecordID(c))
	if err != nil {
		return nil, err
	}
	if err := registry.Authorize(actor(c), registry.ActUpdate, registry.Resource{Kind: registry.KindBody, BodyID: b.ID}); err != nil {
		return nil, err
	}
	return b, nil
}

func (w *Web) admBodyEdit(c *fiber.Ctx) error {
	b, err := w.admFindBody(c)
	if err != nil {
		return err
	}
	p := w.page(c, "admin/form", "adm_body_edit")
	p.Form = newForm(c)
	admBodyValues(p.Form, b)
	f := w.admBodyForm(p, b)
	if f.People, err = w.admPeopleOf(c, "", b.ID, admPrefix+"/users/new?role=certifier&body_id="+b.ID); err != nil {
		return err
	}
	return w.admRender(c, fiber.StatusOK, p, f)
}

func (w *Web) admBodyUpdate(c *fiber.Ctx) error {
	cur, err := w.admFindBody(c)
	if err != nil {
		return err
	}
	p := w.page(c, "admin/form", "adm_body_edit")
	p.Form = newForm(c)
	next := *cur
	admBodyFrom(c, p.Form, &next)
	next.Version = admVersion(c)
	if err := w.store.UpdateCertificationBody(ctx(c), &next); err != nil {
		err = admConflictOn(err, "code")
		if invalid(err) {
			p.Form.Fail(err)
			f := w.admBodyForm(p, cur)
			f.Version = admKeepVersion(c, err, cur.Version)
			return w.admRender(c, admFailStatus(err), p, f)
		}
		return err
	}
	if err := w.audit(c, "certification_body.update", registry.KindBody, next.ID, "", cur, &next); err != nil {
		return err
	}
	w.publicChanged()
	return w.redirectFlash(c, admPrefix+"/bodies", "flash_adm_body_saved")
}
