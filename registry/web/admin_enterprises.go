package web

import (
	"net/url"
	"slices"

	"github.com/gofiber/fiber/v2"

	"github.com/tracereg/tracereg/registry"
)

// Enterprises: registered by province staff before their users.

func (w *Web) mountAdminEnterprises(a fiber.Router) {
	a.Get("/enterprises", w.admEnterprises)
	a.Get("/enterprises/new", w.admEnterpriseNew)
	a.Post("/enterprises", w.admEnterpriseCreate)
	a.Get("/enterprises/:id", w.admEnterpriseEdit)
	a.Post("/enterprises/:id", w.admEnterpriseUpdate)
}

func (w *Web) admEnterprises(c *fiber.Ctx) error {
	if err := admAllowed(c, registry.ActRead, registry.KindEnterprise); err != nil {
		return err
	}
	page, err := listPage(c, admPageSize)
	if err != nil {
		return err
	}
	p := w.page(c, "admin/enterprises", "adm_ent_title")
	d := &admList[registry.Enterprise]{Q: c.Query("q"), Filter: c.Query("district")}
	d.Options = p.admOptions("", registry.Districts, false)
	f := registry.EnterpriseFilter{}
	if d.Filter != "" && slices.Contains(registry.Districts, d.Filter) {
		f.District = d.Filter
	}
	var keep func(*registry.Enterprise) bool
	switch {
	case registry.ValidTaxCode(d.Q):
		f.TaxCode = d.Q
	case d.Q != "":
		f.Text = d.Q // the store's search index
	}
	d.Items, d.Next, err = admSearch(func(pg registry.Page) ([]*registry.Enterprise, string, error) {
		f.Page = pg
		return w.store.ListEnterprises(ctx(c), f)
	}, page, admPageSize, keep)
	if err != nil {
		return err
	}
	p.Data = d
	return w.render(c, fiber.StatusOK, p)
}

// admEnterpriseForm is the create or edit form of an enterprise.
func (w *Web) admEnterpriseForm(p *Page, e *registry.Enterprise) *admForm {
	f := &admForm{ID: "enterprise-form", Heading: "adm_ent_new", Action: admPrefix + "/enterprises", Submit: "adm_create",
		Back: admPrefix + "/enterprises"}
	if e != nil {
		f.ID, f.Heading, f.Action, f.Submit, f.Sub, f.Version = "enterprise-form", "adm_ent_edit", admPrefix+"/enterprises/"+e.ID, "save", e.NameVI, e.Version
	}
	f.Fields = []admField{
		{Name: "tax_code", Label: "adm_f_tax_code", Kind: "text", Required: true, Max: 14, Hint: "adm_hint_tax_code"},
		{Name: "name_vi", Label: "adm_f_name_vi", Kind: "text", Required: true, Max: 300},
		{Name: "name_en", Label: "adm_f_name_en", Kind: "text", Max: 300},
		{Name: "kind", Label: "adm_f_ent_kind", Kind: "select", Required: true, Options: p.admOptions("adm_ekind_", registry.EnterpriseKinds, true)},
		{Name: "district", Label: "adm_f_district", Kind: "select", Required: true, Options: p.admOptions("", registry.Districts, true)},
		{Name: "address", Label: "adm_f_address", Kind: "text", Max: 500},
		{Name: "sector", Label: "adm_f_sector", Kind: "select", Required: true, Options: p.admOptions("adm_sector_", registry.Sectors, true)},
		{Name: "size", Label: "adm_f_size", Kind: "select", Required: true, Options: p.admOptions("adm_size_", registry.EnterpriseSizes, true)},
		{Name: "phone", Label: "adm_f_phone", Kind: "tel", Max: 30},
		{Name: "email", Label: "adm_f_email", Kind: "email", Max: 254},
	}
	return f
}

func admEnterpriseValues(f *Form, e *registry.Enterprise) {
	for k, v := range map[string]string{"tax_code": e.TaxCode, "name_vi": e.NameVI, "name_en": e.NameEN, "kind": e.Kind,
		"district": e.District, "address": e.Address, "sector": e.Sector, "size": e.Size, "phone": e.Phone, "email": e.Email} {
		f.Set(k, v)
	}
}

// admEnterpriseFrom copies the typed fields onto e.
func admEnterpriseFrom(c *fiber.Ctx, e *registry.Enterprise) {
	e.TaxCode, e.NameVI, e.NameEN = admValue(c, "tax_code"), admValue(c, "name_vi"), admValue(c, "name_en")
	e.Kind, e.District, e.Address = admValue(c, "kind"), admValue(c, "district"), admValue(c, "address")
	e.Sector, e.Size, e.Phone, e.Email = admValue(c, "sector"), admValue(c, "size"), admValue(c, "phone"), admValue(c, "email")
}

func (w *Web) admEnterpriseNew(c *fiber.Ctx) error {
	if err := admAllowed(c, registry.ActCreate, registry.KindEnterprise); err != nil {
		return err
	}
	p := w.page(c, "admin/form", "adm_ent_new")
	p.Form = newForm(c)
	return w.admRender(c, fiber.StatusOK, p, w.admEnterpriseForm(p, nil))
}

func (w *Web) admEnterpriseCreate(c *fiber.Ctx) error {
	if err := admAllowed(c, registry.ActCreate, registry.KindEnterprise); err != nil {
		return err
	}
	p := w.page(c, "admin/form", "adm_ent_new")
	p.Form = newForm(c)
	e := &registry.Enterprise{}
	admEnterpriseFrom(c, e)
	err := w.store.CreateEnterprise(ctx(c), e)
	if err != nil {
		err = admConflictOn(err, "tax_code")
		if invalid(err) {
			p.Form.Fail(err)
			return w.admRender(c, admFailStatus(err), p, w.admEnterpriseForm(p, nil))
		}
		return err
	}
	if err := w.audit(c, "enterprise.create", registry.KindEnterprise, e.ID, e.ID, nil, e); err != nil {
		return err
	}
	w.publicChanged()
	return w.redirectFlash(c, admPrefix+"/enterprises/"+e.ID, "flash_adm_ent_created")
}

func (w *Web) admFindEnterprise(c *fiber.Ctx, action string) (*registry.Enterprise, error) {
	e, err := w.store.FindEnterprise(ctx(c), admRecordID(c))
	if err != nil {
		return nil, err
	}
	if err := registry.Authorize(actor(c), action, registry.Resource{Kind: registry.KindEnterprise, EnterpriseID: e.ID}); err != nil {
		return nil, err
	}
	return e, nil
}

func (w *Web) admEnterpriseEdit(c *fiber.Ctx) error {
	e, err := w.admFindEnterprise(c, registry.ActUpdate)
	if err != nil {
		return err
	}
	p := w.page(c, "admin/form", "adm_ent_edit")
	p.Form = newForm(c)
	admEnterpriseValues(p.Form, e)
	f := w.admEnterpriseForm(p, e)
	if f.People, err = w.admPeopleOf(c, e.ID, "", admPrefix+"/users/new?role=enterprise&enterprise="+url.QueryEscape(e.TaxCode)); err != nil {
		return err
	}
	return w.admRender(c, fiber.StatusOK, p, f)
}

func (w *Web) admEnterpriseUpdate(c *fiber.Ctx) error {
	cur, err := w.admFindEnterprise(c, registry.ActUpdate)
	if err != nil {
		return err
	}
	p := w.page(c, "admin/form", "adm_ent_edit")
	p.Form = newForm(c)
	next := *cur
	admEnterpriseFrom(c, &next)
	next.Version = admVersion(c)
	if err := w.store.UpdateEnterprise(ctx(c), &next); err != nil {
		err = admConflictOn(err, "tax_code")
		if invalid(err) {
			p.Form.Fail(err)
			f := w.admEnterpriseForm(p, cur)
			f.Version = admKeepVersion(c, err, cur.Version)
			return w.admRender(c, admFailStatus(err), p, f)
		}
		return err
	}
	if err := w.audit(c, "enterprise.update", registry.KindEnterprise, next.ID, next.ID, cur, &next); err != nil {
		return err
	}
	w.publicChanged()
	return w.redirectFlash(c, admPrefix+"/enterprises", "flash_adm_ent_saved")
}
