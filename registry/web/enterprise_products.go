package web

import (
	"strconv"
	"strings"

	"github.com/gofiber/fiber/v2"

	"github.com/tracereg/tracereg/registry"
	"github.com/tracereg/tracereg/registry/gs1"
)

// entMaxPhotoSize limits a product photo.
const entMaxPhotoSize = 5 << 20

// entPhotoMediaTypes are the images a product photo may be.
var entPhotoMediaTypes = []string{"image/png", "image/jpeg", "image/webp"}

func (w *Web) mountEntProducts(g fiber.Router, ent fiber.Handler) {
	g.Get("/products", ent, w.entProducts)
	g.Get("/products/new", ent, w.entProductNew)
	g.Post("/products", ent, w.entProductCreate)
	g.Get("/products/:id", ent, w.entProductEdit)
	g.Post("/products/:id", ent, w.entProductUpdate)
	g.Post("/products/:id/delete", ent, w.entProductDelete)
}

// ProductName is a product's name in the page's language, from a map by ID.
func (p *Page) EntProductName(m map[string]*registry.Product, id string) string {
	pr, ok := m[id]
	if !ok {
		return ""
	}
	if p.Lang == "en" && pr.NameEN != "" {
		return pr.NameEN
	}
	return pr.NameVI
}

type entProductsData struct {
	Items []*registry.Product
	Next  string
}

func (w *Web) entProducts(c *fiber.Ctx) error {
	id, err := entID(c)
	if err != nil {
		return err
	}
	q := strings.TrimSpace(c.Query("q"))
	p := w.page(c, "enterprise/products", "ent_products_title")
	p.Form = newForm(c)
	p.Form.Set("q", q)
	var d entProductsData
	filter := registry.ProductFilter{EnterpriseID: id}
	if g14, gerr := gs1.GTIN14(q); q != "" && gerr == nil {
		filter.GTIN, q = g14, ""
	}
	// Names are found through the store's search index.
	filter.Text = q
	if filter.Page, err = listPage(c, 25); err != nil {
		return err
	}
	if d.Items, d.Next, err = w.store.ListProducts(ctx(c), filter); err != nil {
		return err
	}
	p.Data = d
	return w.render(c, fiber.StatusOK, p)
}

// entProductData is what the product form shows.
type entProductData struct {
	Product *registry.Product // nil when new
	// Published: the product has published lots, so a change of what its
	// public pages show is a correction, with a reason.
	Published  bool
	Photo      *registry.Document
	Categories []string
	Units      []string
}

func (w *Web) entProductPage(c *fiber.Ctx, pr *registry.Product, f *Form) *Page {
	title := "ent_product_new"
	if pr != nil {
		title = "ent_product_edit"
	}
	p := w.page(c, "enterprise/product_form", title)
	d := entProductData{Product: pr, Categories: registry.ProductCategories, Units: registry.Units}
	if pr != nil {
		d.Published = w.entLotsPublished(c, pr.ID)
	}
	if pr != nil && pr.PhotoID != "" {
		if doc, err := w.store.FindDocument(ctx(c), pr.PhotoID); err == nil {
			d.Photo = doc
		}
	}
	p.Data, p.Form = d, f
	return p
}

func (w *Web) entProductNew(c *fiber.Ctx) error {
	if _, err := entID(c); err != nil {
		return err
	}
	return w.render(c, fiber.StatusOK, w.entProductPage(c, nil, newForm(c)))
}

// entLoadProduct finds a product the actor may take action on; 404 otherwise.
func (w *Web) entLoadProduct(c *fiber.Ctx, action string) (*registry.Product, error) {
	id := entParam(c, "id")
	if !registry.ValidID(id) {
		return nil, entNotFound()
	}
	pr, err := w.store.FindProduct(ctx(c), id)
	if err != nil {
		return nil, err
	}
	if err := entAuthorize(c, action, registry.KindProduct, pr.EnterpriseID); err != nil {
		return nil, err
	}
	return pr, nil
}

func (w *Web) entProductEdit(c *fiber.Ctx) error {
	if _, err := entID(c); err != nil {
		return err
	}
	pr, err := w.entLoadProduct(c, registry.ActRead)
	if err != nil {
		return err
	}
	return w.render(c, fiber.StatusOK, w.entProductPage(c, pr, entProductForm(c, pr)))
}

// entProductForm is the edit form filled from pr.
func entProductForm(c *fiber.Ctx, pr *registry.Product) *Form {
	f := newForm(c)
	f.Set("name_vi", pr.NameVI)
	f.Set("name_en", pr.NameEN)
	f.Set("category", pr.Category)
	f.Set("gtin", pr.GTIN)
	f.Set("description", pr.Description)
	f.Set("unit", pr.Unit)
	f.Set("standards", strings.Join(pr.Standards, "\n"))
	f.Set("version", strconv.Itoa(pr.Version))
	return f
}

// splitList splits a textarea of one item a line (or separated by ";").
func entSplitList(s string) []string {
	var out []string
	for _, line := range strings.FieldsFunc(s, func(r rune) bool { return r == '\n' || r == '\r' || r == ';' }) {
		if line = strings.TrimSpace(line); line != "" {
			out = append(out, line)
		}
	}
	return out
}

// fillProduct copies the form into pr.
func entFillProduct(pr *registry.Product, f *Form) {
	pr.NameVI = strings.TrimSpace(f.Value("name_vi"))
	pr.NameEN = strings.TrimSpace(f.Value("name_en"))
	pr.Category = f.Value("category")
	pr.GTIN = strings.TrimSpace(f.Value("gtin"))
	pr.Description = strings.TrimSpace(f.Value("description"))
	pr.Unit = f.Value("unit")
	pr.Standards = entSplitList(f.Value("standards"))
	pr.CorrectionReason = f.Value("correction_reason")
}

func (w *Web) entProductCreate(c *fiber.Ctx) error {
	id, err := entID(c)
	if err != nil {
		return err
	}
	f := newForm(c)
	pr := &registry.Product{EnterpriseID: id}
	entFillProduct(pr, f)
	if err := w.entSaveProduct(c, f, pr, nil); err != nil {
		if invalid(err) {
			f.Fail(err)
			return w.render(c, fiber.StatusUnprocessableEntity, w.entProductPage(c, nil, f))
		}
		return err
	}
	return w.redirectFlash(c, Prefix+"/products/"+pr.ID, "flash_ent_product_created")
}

func (w *Web) entProductUpdate(c *fiber.Ctx) error {
	if _, err := entID(c); err != nil {
		return err
	}
	cur, err := w.entLoadProduct(c, registry.ActUpdate)
	if err != nil {
		return err
	}
	f := newForm(c)
	next := *cur
	entFillProduct(&next, f)
	if v, err := strconv.Atoi(f.Value("version")); err == nil {
		next.Version = v
	}
	if err := w.entSaveProduct(c, f, &next, cur); err != nil {
		if invalid(err) {
			f.Fail(err)
			status := fiber.StatusUnprocessableEntity
			if registry.ErrorCode(err) == registry.ESTALE {
				status = fiber.StatusConflict
			}
			return w.render(c, status, w.entProductPage(c, cur, f))
		}
		return err
	}
	return w.redirectFlash(c, Prefix+"/products/"+cur.ID, "flash_ent_product_saved")
}

// entSaveProduct validates pr, then stores the photo (if any) and pr.
// Nothing is written when the form is wrong; the photo stays staged on it.
func (w *Web) entSaveProduct(c *fiber.Ctx, f *Form, pr, before *registry.Product) error {
	st, upErr := w.upload(c, f, "photo", entMaxPhotoSize, entPhotoMediaTypes)
	if upErr != nil && !invalid(upErr) {
		return upErr
	}
	var p registry.Problems
	if err := pr.Validate(); err != nil {
		p.Merge("", err)
	}
	if upErr != nil {
		p.Merge("", upErr)
	}
	// A correction without its reason is said before a new photo is
	// stored (the photo stays staged on the form).
	if before != nil && strings.TrimSpace(pr.CorrectionReason) == "" && (st != nil || len(pr.CorrectedFields(before)) > 0) &&
		w.entLotsPublished(c, before.ID) {
		p.Add("correction_reason", "required", "say why a product with published lots is corrected: its public pages show the correction",
			"hãy nêu lý do đính chính sản phẩm đã có lô công bố: trang công khai sẽ hiển thị việc đính chính")
	}
	if err := p.Err(); err != nil {
		return err
	}
	// A GTIN taken by another product: said before anything is written.
	if pr.GTIN != "" {
		if other, err := w.store.FindProductByGTIN(ctx(c), pr.GTIN); err == nil && other.ID != pr.ID {
			return fieldError("gtin", "taken", registry.Errorf(registry.ECONFLICT,
				"another product already has this GTIN", "sản phẩm khác đã dùng mã GTIN này"))
		}
	}
	if st != nil {
		doc, err := w.entSavePhoto(c, st, pr)
		if err != nil {
			return err
		}
		pr.PhotoID = doc.ID
	}
	if err := entAuthorize(c, registry.ActCreate, registry.KindProduct, pr.EnterpriseID); before == nil && err != nil {
		return err
	}
	if before == nil {
		if err := w.store.CreateProduct(ctx(c), pr); err != nil {
			return err
		}
		return w.audit(c, "product.create", registry.KindProduct, pr.ID, pr.EnterpriseID, nil, pr)
	}
	if err := w.store.UpdateProduct(ctx(c), pr); err != nil {
		return err
	}
	w.publicChanged()
	return w.audit(c, "product.update", registry.KindProduct, pr.ID, pr.EnterpriseID, before, pr)
}

// entSavePhoto records a product photo as a public document of the
// enterprise (the public product page shows it), reusing the record of the
// same bytes.
func (w *Web) entSavePhoto(c *fiber.Ctx, st *StagedFile, pr *registry.Product) (*registry.Document, error) {
	return w.storeDocument(c, st, registry.Document{Title: "Ảnh sản phẩm: " + pr.NameVI, Kind: "photo", Public: true, EnterpriseID: pr.EnterpriseID})
}

// entLotsPublished reports whether the product has a published (or
// recalled) lot: its public pages exist.
func (w *Web) entLotsPublished(c *fiber.Ctx, productID string) bool {
	for _, st := range []string{registry.BatchPublished, registry.BatchRecalled} {
		if lots, _, err := w.store.ListBatches(ctx(c), registry.BatchFilter{ProductID: productID, Status: st, Page: registry.Page{Limit: 1}}); err == nil && len(lots) > 0 {
			return true
		}
	}
	return false
}

// entProductDelete deletes a product nothing refers to (no lot, no
// certificate or dossier names it), once confirmed; the page says what does.
func (w *Web) entProductDelete(c *fiber.Ctx) error {
	if _, err := entID(c); err != nil {
		return err
	}
	pr, err := w.entLoadProduct(c, registry.ActDelete)
	if err != nil {
		return err
	}
	if err := w.deleteConfirmed(c, newForm(c), registry.KindProduct, pr.ID, pr.Version); err != nil {
		if !invalid(err) {
			return err
		}
		f := entProductForm(c, pr)
		f.Fail(err)
		return w.render(c, formStatus(err), w.entProductPage(c, pr, f))
	}
	if err := w.audit(c, "product.delete", registry.KindProduct, pr.ID, pr.EnterpriseID, pr, nil); err != nil {
		return err
	}
	return w.redirectFlash(c, Prefix+"/products", "flash_ent_product_deleted")
}
