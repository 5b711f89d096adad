package records

import (
	"context"

	"github.com/tracereg/tracereg/registry"
	"github.com/tracereg/tracereg/registry/store"
)

var (
	errTaxCodeAdminOnly = fieldError("tax_code", "admin_only", "only the province's administrators change a tax code",
		"chỉ quản trị viên của tỉnh mới được đổi mã số thuế")
	errTaxCodeTaken = conflict("An enterprise with this tax code is already registered.", "Mã số thuế này đã được đăng ký.")
	errGTINTaken    = conflict("A product with this GTIN is already registered.", "GTIN này đã được đăng ký cho một sản phẩm khác.")
	errLotTaken     = conflict("This product already has a lot with this code.", "Sản phẩm đã có lô mang mã này.")
	errCertTaken    = conflict("This body already issued a certificate with this number.", "Tổ chức này đã cấp chứng nhận mang số này.")
	errBodyTaken    = conflict("A certification body with this code exists.", "Đã có tổ chức chứng nhận mang mã này.")
	errStdTaken     = conflict("The catalogue already has this code.", "Danh mục đã có số hiệu này.")
	errUserTaken    = conflict("This username is taken.", "Tên đăng nhập đã được dùng.")
	errReceiptTaken = conflict("This receipt number is already used.", "Số thông báo tiếp nhận này đã được dùng.")
)

// byUniqueKey answers a list whose filter includes a unique key: the one
// record with that key (an indexed get), kept if it also passes the other
// filters. A unique key selects at most one record, so nothing is scanned.
func byUniqueKey[T any](ctx context.Context, d *DB, col string, key []store.Cond, rest func(*T) bool) ([]*T, string, error) {
	v, err := one[T](ctx, d, col, key, "", "")
	if registry.ErrorCode(err) == registry.ENOTFOUND {
		return []*T{}, "", nil
	}
	if err != nil {
		return nil, "", err
	}
	if !rest(v) {
		return []*T{}, "", nil
	}
	return []*T{v}, "", nil
}

// matches reports whether value passes a filter that may be unset ("").
func matches(filter, value string) bool { return filter == "" || filter == value }

// --- enterprises

// CreateEnterprise implements registry.EnterpriseService.
func (d *DB) CreateEnterprise(ctx context.Context, e *registry.Enterprise) error {
	if err := e.Validate(); err != nil {
		return err
	}
	e.ID, e.CreatedAt, e.UpdatedAt, e.Version = newID(), d.now(), d.now(), 1
	return d.insert(ctx, colEnterprises, newEnterpriseDoc(e), errTaxCodeTaken)
}

// FindEnterprise implements registry.EnterpriseService.
func (d *DB) FindEnterprise(ctx context.Context, id string) (*registry.Enterprise, error) {
	return getByID[registry.Enterprise](ctx, d, colEnterprises, id, "Enterprise", "doanh nghiệp")
}

// FindEnterpriseByTaxCode implements registry.EnterpriseService.
func (d *DB) FindEnterpriseByTaxCode(ctx context.Context, taxCode string) (*registry.Enterprise, error) {
	return one[registry.Enterprise](ctx, d, colEnterprises, where("tax_code", taxCode), "Enterprise", "doanh nghiệp")
}

// ListEnterprises implements registry.EnterpriseService.
func (d *DB) ListEnterprises(ctx context.Context, f registry.EnterpriseFilter) ([]*registry.Enterprise, string, error) {
	if f.TaxCode != "" {
		return byUniqueKey(ctx, d, colEnterprises, where("tax_code", f.TaxCode), func(e *registry.Enterprise) bool {
			return matches(f.District, e.District) && matches(f.Sector, e.Sector)
		})
	}
	if f.Text != "" {
		return search(ctx, d, colEnterprises, nil, f.Text, f.Page, func(e *registry.Enterprise) bool {
			return matches(f.District, e.District) && matches(f.Sector, e.Sector)
		})
	}
	return list[registry.Enterprise](ctx, d, colEnterprises, where("district", f.District, "sector", f.Sector), f.Page)
}

// UpdateEnterprise implements registry.EnterpriseService.
func (d *DB) UpdateEnterprise(ctx context.Context, e *registry.Enterprise) error {
	if err := e.Validate(); err != nil {
		return err
	}
	old, err := d.FindEnterprise(ctx, e.ID)
	if err != nil {
		return err
	}
	// The tax code is the enterprise's identity in the registry (and what
	// shipments name): an enterprise changing its own could take over a
	// company not yet registered. Only province staff change it.
	if actor, ok := registry.ActorFrom(ctx); ok && actor.Role != registry.RoleAdmin && e.TaxCode != old.TaxCode {
		return errTaxCodeAdminOnly
	}
	return d.replaceNext(ctx, colEnterprises, stamps{&e.Version, &e.CreatedAt, &e.UpdatedAt}, old.CreatedAt,
		func() any { return newEnterpriseDoc(e) }, errTaxCodeTaken)
}

// --- facilities

// CreateFacility implements registry.FacilityService.
func (d *DB) CreateFacility(ctx context.Context, f *registry.Facility) error {
	f.Corrections, f.CorrectionReason = nil, "" // a new place has no history
	if err := f.Validate(); err != nil {
		return err
	}
	if ok, err := d.exists(ctx, colEnterprises, f.EnterpriseID, nil); err != nil {
		return err
	} else if !ok {
		return notFound("Enterprise", "doanh nghiệp")
	}
	f.ID, f.CreatedAt, f.UpdatedAt, f.Version = newID(), d.now(), d.now(), 1
	return d.tx(ctx, func(ctx context.Context) error {
		if err := d.checkGLNFree(ctx, f); err != nil {
			return err
		}
		return d.insert(ctx, colFacilities, newFacilityDoc(f), nil)
	})
}

var errGLNTaken = &registry.Error{Code: registry.ECONFLICT,
	Message: "Another facility already has this GLN.", MessageVI: "GLN này đã được đăng ký cho một cơ sở khác.",
	Fields: []registry.FieldError{{Field: "gln", Rule: "unique", Message: "is already another facility's GLN",
		MessageVI: "đã là GLN của một cơ sở khác"}}}

// checkGLNFree refuses a GLN another facility has. It runs in the write's
// transaction: on the embedded engine (one writer) nothing can come between
// the check and the write. On MongoDB two facilities written at the same
// instant could both pass; the place page then shows the older one.
func (d *DB) checkGLNFree(ctx context.Context, f *registry.Facility) error {
	if f.GLN == "" {
		return nil
	}
	raws, _, err := d.eng.Find(ctx, store.Query{Collection: colFacilities, Where: where("gln", f.GLN), Limit: 2})
	if err != nil {
		return mapError(err, nil)
	}
	for _, raw := range raws {
		if id, _, _ := store.DocID(raw); id != f.ID {
			return errGLNTaken
		}
	}
	return nil
}

// FindFacilityByGLN implements registry.FacilityService: the oldest
// facility with the GLN (there is one, see checkGLNFree).
func (d *DB) FindFacilityByGLN(ctx context.Context, gln string) (*registry.Facility, error) {
	if gln == "" {
		return nil, notFound("Facility", "cơ sở")
	}
	return one[registry.Facility](ctx, d, colFacilities, where("gln", gln), "Facility", "cơ sở")
}

// FindFacility implements registry.FacilityService.
func (d *DB) FindFacility(ctx context.Context, id string) (*registry.Facility, error) {
	return getByID[registry.Facility](ctx, d, colFacilities, id, "Facility", "cơ sở")
}

// ListFacilities implements registry.FacilityService.
func (d *DB) ListFacilities(ctx context.Context, f registry.FacilityFilter) ([]*registry.Facility, string, error) {
	if f.Text != "" {
		if f.EnterpriseID == "" {
			return nil, "", fieldError("enterprise_id", "required", "a facility search names the enterprise", "tìm cơ sở cần nêu doanh nghiệp")
		}
		return search(ctx, d, colFacilities, where("enterprise_id", f.EnterpriseID), f.Text, f.Page,
			func(x *registry.Facility) bool { return matches(f.Kind, x.Kind) })
	}
	return list[registry.Facility](ctx, d, colFacilities, where("enterprise_id", f.EnterpriseID, "kind", f.Kind), f.Page)
}

// UpdateFacility implements registry.FacilityService.
func (d *DB) UpdateFacility(ctx context.Context, f *registry.Facility) error {
	if err := f.Validate(); err != nil {
		return err
	}
	old, err := d.FindFacility(ctx, f.ID)
	if err != nil {
		return err
	}
	if old.EnterpriseID != f.EnterpriseID {
		return fieldError("enterprise_id", "immutable", "cannot move to another enterprise", "không thể chuyển sang doanh nghiệp khác")
	}
	if f.Version != old.Version {
		return errStale
	}
	if err := d.recordFacilityCorrection(ctx, old, f); err != nil {
		return err
	}
	return d.tx(ctx, func(ctx context.Context) error {
		if err := d.checkGLNFree(ctx, f); err != nil {
			return err
		}
		return d.replaceNext(ctx, colFacilities, stamps{&f.Version, &f.CreatedAt, &f.UpdatedAt}, old.CreatedAt,
			func() any { return newFacilityDoc(f) }, nil)
	})
}

// recordFacilityCorrection keeps the place's correction history (the
// service's only) and, once the place is public (a GLN page, or a
// published lot made or grown there), adds an entry for a change of what
// its pages show, which needs a reason.
func (d *DB) recordFacilityCorrection(ctx context.Context, old, f *registry.Facility) error {
	reason := f.CorrectionReason
	f.CorrectionReason, f.Corrections = "", old.Corrections
	fields := f.CorrectedFields(old)
	if len(fields) == 0 {
		return nil
	}
	public := old.GLN != ""
	for _, field := range []string{"facility_id", "source_plot_ids"} {
		if public {
			break
		}
		// The newest lots first; a page of them is enough to find a public one.
		raws, _, err := d.eng.Find(ctx, store.Query{Collection: colBatches, Where: where(field, old.ID), OrderBy: store.IDField, Desc: true, Limit: 50})
		if err != nil {
			return mapError(err, nil)
		}
		for _, raw := range raws {
			if st, _ := raw.Lookup("status").StringValueOK(); st != registry.BatchDraft {
				public = true
			}
		}
	}
	if !public {
		return nil
	}
	var err error
	f.Corrections, err = d.corrected(ctx, old.Corrections, fields, reason, "a public place", "địa điểm đã công khai")
	return err
}

// --- products

// productDoc adds the storage-only unique key for the optional GTIN.
type productDoc struct {
	registry.Product `bson:",inline"`
	GTINKey          string   `bson:"gtin_key"`
	Search           []string `bson:"search"`
}

func newProductDoc(p *registry.Product) *productDoc {
	key := p.GTIN
	if key == "" {
		key = "none:" + p.ID
	}
	return &productDoc{Product: *p, GTINKey: key, Search: productSearchKeys(p)}
}

// CreateProduct implements registry.ProductService.
func (d *DB) CreateProduct(ctx context.Context, pr *registry.Product) error {
	pr.Corrections, pr.CorrectionReason = nil, "" // a new product has no history
	if err := pr.Validate(); err != nil {
		return err
	}
	if ok, err := d.exists(ctx, colEnterprises, pr.EnterpriseID, nil); err != nil {
		return err
	} else if !ok {
		return notFound("Enterprise", "doanh nghiệp")
	}
	if err := d.checkProductRefs(ctx, pr); err != nil {
		return err
	}
	pr.ID, pr.CreatedAt, pr.UpdatedAt, pr.Version = newID(), d.now(), d.now(), 1
	pr.ShortCode = registry.NewShortCode()
	return d.insert(ctx, colProducts, newProductDoc(pr), errGTINTaken)
}

func (d *DB) checkProductRefs(ctx context.Context, pr *registry.Product) error {
	var p registry.Problems
	if err := d.requireOwned(ctx, &p, "photo_id", colDocuments, []string{pr.PhotoID}, pr.EnterpriseID, nil); err != nil {
		return err
	}
	return p.Err()
}

// FindProduct implements registry.ProductService.
func (d *DB) FindProduct(ctx context.Context, id string) (*registry.Product, error) {
	return getByID[registry.Product](ctx, d, colProducts, id, "Product", "sản phẩm")
}

// FindProductByGTIN implements registry.ProductService.
func (d *DB) FindProductByGTIN(ctx context.Context, gtin14 string) (*registry.Product, error) {
	return one[registry.Product](ctx, d, colProducts, where("gtin_key", gtin14), "Product", "sản phẩm")
}

// FindProductByShortCode implements registry.ProductService.
func (d *DB) FindProductByShortCode(ctx context.Context, code string) (*registry.Product, error) {
	return one[registry.Product](ctx, d, colProducts, where("short_code", code), "Product", "sản phẩm")
}

// ListProducts implements registry.ProductService.
func (d *DB) ListProducts(ctx context.Context, f registry.ProductFilter) ([]*registry.Product, string, error) {
	if f.GTIN != "" {
		return byUniqueKey(ctx, d, colProducts, where("gtin_key", f.GTIN), func(p *registry.Product) bool {
			return matches(f.EnterpriseID, p.EnterpriseID) && matches(f.Category, p.Category)
		})
	}
	if f.Text != "" {
		return search(ctx, d, colProducts, where("enterprise_id", f.EnterpriseID), f.Text, f.Page,
			func(p *registry.Product) bool { return matches(f.Category, p.Category) })
	}
	return list[registry.Product](ctx, d, colProducts, where("enterprise_id", f.EnterpriseID, "category", f.Category), f.Page)
}

// UpdateProduct implements registry.ProductService.
func (d *DB) UpdateProduct(ctx context.Context, pr *registry.Product) error {
	if err := pr.Validate(); err != nil {
		return err
	}
	old, err := d.FindProduct(ctx, pr.ID)
	if err != nil {
		return err
	}
	if old.EnterpriseID != pr.EnterpriseID {
		return fieldError("enterprise_id", "immutable", "cannot move to another enterprise", "không thể chuyển sang doanh nghiệp khác")
	}
	if err := d.checkProductRefs(ctx, pr); err != nil {
		return err
	}
	if pr.Version != old.Version {
		return errStale
	}
	if err := d.recordProductCorrection(ctx, old, pr); err != nil {
		return err
	}
	pr.ShortCode = old.ShortCode
	return d.replaceNext(ctx, colProducts, stamps{&pr.Version, &pr.CreatedAt, &pr.UpdatedAt}, old.CreatedAt,
		func() any { return newProductDoc(pr) }, errGTINTaken)
}

// recordProductCorrection keeps the product's correction history (the
// service's only) and, once the product has a published lot, adds an
// entry for a change of its public fields: consumers saw the earlier ones.
// Its GTIN is then printed in QR codes, so it never changes.
func (d *DB) recordProductCorrection(ctx context.Context, old, pr *registry.Product) error {
	reason := pr.CorrectionReason
	pr.CorrectionReason, pr.Corrections = "", old.Corrections
	fields := pr.CorrectedFields(old)
	if len(fields) == 0 {
		return nil
	}
	var published bool
	for _, st := range []string{registry.BatchPublished, registry.BatchRecalled} {
		raws, _, err := d.eng.Find(ctx, store.Query{Collection: colBatches, Where: where("product_id", old.ID, "status", st), Limit: 1})
		if err != nil {
			return mapError(err, nil)
		}
		published = published || len(raws) > 0
	}
	if !published {
		return nil
	}
	if pr.GTIN != old.GTIN {
		return fieldError("gtin", "immutable", "a product with published lots keeps its GTIN: it is printed in their QR codes; register a new product",
			"sản phẩm đã có lô công bố giữ nguyên GTIN vì mã đã in trong mã QR; hãy đăng ký sản phẩm mới")
	}
	var err error
	pr.Corrections, err = d.corrected(ctx, old.Corrections, fields, reason, "a product with published lots", "sản phẩm đã có lô công bố")
	return err
}

// --- certification bodies

// CreateCertificationBody implements registry.CertificationBodyService.
func (d *DB) CreateCertificationBody(ctx context.Context, b *registry.CertificationBody) error {
	if err := b.Validate(); err != nil {
		return err
	}
	b.ID, b.CreatedAt, b.UpdatedAt, b.Version = newID(), d.now(), d.now(), 1
	return d.insert(ctx, colBodies, b, errBodyTaken)
}

// FindCertificationBody implements registry.CertificationBodyService.
func (d *DB) FindCertificationBody(ctx context.Context, id string) (*registry.CertificationBody, error) {
	return getByID[registry.CertificationBody](ctx, d, colBodies, id, "Certification body", "tổ chức chứng nhận")
}

// FindCertificationBodyByCode implements registry.CertificationBodyService.
func (d *DB) FindCertificationBodyByCode(ctx context.Context, code string) (*registry.CertificationBody, error) {
	return one[registry.CertificationBody](ctx, d, colBodies, where("code", code), "Certification body", "tổ chức chứng nhận")
}

// ListCertificationBodies implements registry.CertificationBodyService.
func (d *DB) ListCertificationBodies(ctx context.Context, page registry.Page) ([]*registry.CertificationBody, string, error) {
	return list[registry.CertificationBody](ctx, d, colBodies, nil, page)
}

// --- standards

// CreateStandard implements registry.StandardService.
func (d *DB) CreateStandard(ctx context.Context, s *registry.Standard) error {
	if err := s.Validate(); err != nil {
		return err
	}
	s.ID, s.CreatedAt, s.UpdatedAt, s.Version = newID(), d.now(), d.now(), 1
	return d.insert(ctx, colStandards, s, errStdTaken)
}

// FindStandardByCode implements registry.StandardService.
func (d *DB) FindStandardByCode(ctx context.Context, code string) (*registry.Standard, error) {
	return one[registry.Standard](ctx, d, colStandards, where("code", code), "Standard", "tiêu chuẩn")
}

// ListStandards implements registry.StandardService.
func (d *DB) ListStandards(ctx context.Context, kind string, page registry.Page) ([]*registry.Standard, string, error) {
	return list[registry.Standard](ctx, d, colStandards, where("kind", kind), page)
}

// --- users

// CreateUser implements registry.UserService.
func (d *DB) CreateUser(ctx context.Context, u *registry.User) error {
	if err := u.Validate(); err != nil {
		return err
	}
	if err := d.checkUserBinding(ctx, u); err != nil {
		return err
	}
	u.ID, u.CreatedAt, u.UpdatedAt, u.Version = newID(), d.now(), d.now(), 1
	return d.insert(ctx, colUsers, u, errUserTaken)
}

func (d *DB) checkUserBinding(ctx context.Context, u *registry.User) error {
	var p registry.Problems
	if err := d.requireOwned(ctx, &p, "enterprise_id", colEnterprises, []string{u.EnterpriseID}, "", nil); err != nil {
		return err
	}
	if err := d.requireOwned(ctx, &p, "body_id", colBodies, []string{u.BodyID}, "", nil); err != nil {
		return err
	}
	return p.Err()
}

// FindUser implements registry.UserService.
func (d *DB) FindUser(ctx context.Context, id string) (*registry.User, error) {
	return getByID[registry.User](ctx, d, colUsers, id, "User", "người dùng")
}

// FindUserByUsername implements registry.UserService.
func (d *DB) FindUserByUsername(ctx context.Context, username string) (*registry.User, error) {
	return one[registry.User](ctx, d, colUsers, where("username", username), "User", "người dùng")
}

// ListUsers implements registry.UserService.
func (d *DB) ListUsers(ctx context.Context, page registry.Page) ([]*registry.User, string, error) {
	return list[registry.User](ctx, d, colUsers, nil, page)
}

// UpdateUser implements registry.UserService.
func (d *DB) UpdateUser(ctx context.Context, u *registry.User) error {
	if err := u.Validate(); err != nil {
		return err
	}
	if err := d.checkUserBinding(ctx, u); err != nil {
		return err
	}
	old, err := d.FindUser(ctx, u.ID)
	if err != nil {
		return err
	}
	if old.PasswordHash == u.PasswordHash {
		return d.replaceNext(ctx, colUsers, stamps{&u.Version, &u.CreatedAt, &u.UpdatedAt}, old.CreatedAt,
			func() any { return u }, errUserTaken)
	}
	// A new password ends everything the old one opened: sessions, refresh
	// families and API keys, in the same transaction as the change.
	return d.tx(ctx, func(ctx context.Context) error {
		if err := d.replaceNext(ctx, colUsers, stamps{&u.Version, &u.CreatedAt, &u.UpdatedAt}, old.CreatedAt,
			func() any { return u }, errUserTaken); err != nil {
			return err
		}
		return d.revokeCredentials(ctx, u.ID)
	})
}

// CountUsers implements registry.UserService.
func (d *DB) CountUsers(ctx context.Context) (int64, error) {
	n, err := d.eng.Count(ctx, store.Query{Collection: colUsers})
	return n, mapError(err, nil)
}

// --- documents

// CreateDocument implements registry.DocumentRecordService.
func (d *DB) CreateDocument(ctx context.Context, doc *registry.Document) error {
	if err := doc.Validate(); err != nil {
		return err
	}
	doc.ID, doc.CreatedAt, doc.UpdatedAt, doc.Version = newID(), d.now(), d.now(), 1
	return d.insert(ctx, colDocuments, doc, nil)
}

// FindDocument implements registry.DocumentRecordService.
func (d *DB) FindDocument(ctx context.Context, id string) (*registry.Document, error) {
	return getByID[registry.Document](ctx, d, colDocuments, id, "Document", "tài liệu")
}

// FindEnterpriseDocument implements registry.DocumentRecordService.
func (d *DB) FindEnterpriseDocument(ctx context.Context, enterpriseID, sha string) (*registry.Document, error) {
	if enterpriseID == "" || sha == "" {
		return nil, notFound("Document", "tài liệu")
	}
	return one[registry.Document](ctx, d, colDocuments, where("enterprise_id", enterpriseID, "blob.sha256", sha), "Document", "tài liệu")
}

// ListDocuments implements registry.DocumentRecordService.
func (d *DB) ListDocuments(ctx context.Context, f registry.DocumentFilter) ([]*registry.Document, string, error) {
	return list[registry.Document](ctx, d, colDocuments, where("enterprise_id", f.EnterpriseID, "body_id", f.BodyID, "kind", f.Kind), f.Page)
}
