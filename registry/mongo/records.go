package mongo

import (
	"context"

	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/tracereg/tracereg/registry"
)

func conflict(en, vi string) *registry.Error { return registry.Errorf(registry.ECONFLICT, en, vi) }

var (
	errTaxCodeTaken = conflict("An enterprise with this tax code is already registered.", "Mã số thuế này đã được đăng ký.")
	errGTINTaken    = conflict("A product with this GTIN is already registered.", "GTIN này đã được đăng ký cho một sản phẩm khác.")
	errLotTaken     = conflict("This product already has a lot with this code.", "Sản phẩm đã có lô mang mã này.")
	errCertTaken    = conflict("This body already issued a certificate with this number.", "Tổ chức này đã cấp chứng nhận mang số này.")
	errBodyTaken    = conflict("A certification body with this code exists.", "Đã có tổ chức chứng nhận mang mã này.")
	errStdTaken     = conflict("The catalogue already has this code.", "Danh mục đã có số hiệu này.")
	errUserTaken    = conflict("This username is taken.", "Tên đăng nhập đã được dùng.")
	errReceiptTaken = conflict("This receipt number is already used.", "Số thông báo tiếp nhận này đã được dùng.")
)

// --- enterprises

// CreateEnterprise implements registry.EnterpriseService.
func (d *DB) CreateEnterprise(ctx context.Context, e *registry.Enterprise) error {
	if err := e.Validate(); err != nil {
		return err
	}
	e.ID, e.CreatedAt, e.UpdatedAt, e.Version = newID(), d.now(), d.now(), 1
	return d.insertOne(ctx, colEnterprises, e, errTaxCodeTaken)
}

// FindEnterprise implements registry.EnterpriseService.
func (d *DB) FindEnterprise(ctx context.Context, id string) (*registry.Enterprise, error) {
	return findByID[registry.Enterprise](ctx, d, colEnterprises, id, "Enterprise", "doanh nghiệp")
}

// FindEnterpriseByTaxCode implements registry.EnterpriseService.
func (d *DB) FindEnterpriseByTaxCode(ctx context.Context, taxCode string) (*registry.Enterprise, error) {
	return findOne[registry.Enterprise](ctx, d, colEnterprises, bson.D{{Key: "tax_code", Value: taxCode}}, "Enterprise", "doanh nghiệp")
}

// ListEnterprises implements registry.EnterpriseService.
func (d *DB) ListEnterprises(ctx context.Context, f registry.EnterpriseFilter) ([]*registry.Enterprise, string, error) {
	filter := bson.D{}
	filter = addEq(filter, "tax_code", f.TaxCode)
	filter = addEq(filter, "district", f.District)
	filter = addEq(filter, "sector", f.Sector)
	return list(ctx, d, colEnterprises, filter, f.Page, func(e *registry.Enterprise) string { return e.ID })
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
	return d.replaceNext(ctx, colEnterprises, e.ID, stamps{&e.Version, &e.CreatedAt, &e.UpdatedAt}, old.CreatedAt,
		func() any { return e }, errTaxCodeTaken)
}

// addEq adds field == value to a filter when value is set. Values are always
// plain strings here, never operators from a request.
func addEq(filter bson.D, field, value string) bson.D {
	if value == "" {
		return filter
	}
	return append(filter, bson.E{Key: field, Value: value})
}

// --- facilities

// CreateFacility implements registry.FacilityService.
func (d *DB) CreateFacility(ctx context.Context, f *registry.Facility) error {
	if err := f.Validate(); err != nil {
		return err
	}
	if ok, err := d.exists(ctx, colEnterprises, f.EnterpriseID); err != nil {
		return err
	} else if !ok {
		return notFound("Enterprise", "doanh nghiệp")
	}
	f.ID, f.CreatedAt, f.UpdatedAt, f.Version = newID(), d.now(), d.now(), 1
	return d.insertOne(ctx, colFacilities, f, nil)
}

// FindFacility implements registry.FacilityService.
func (d *DB) FindFacility(ctx context.Context, id string) (*registry.Facility, error) {
	return findByID[registry.Facility](ctx, d, colFacilities, id, "Facility", "cơ sở")
}

// ListFacilities implements registry.FacilityService.
func (d *DB) ListFacilities(ctx context.Context, f registry.FacilityFilter) ([]*registry.Facility, string, error) {
	filter := addEq(addEq(bson.D{}, "enterprise_id", f.EnterpriseID), "kind", f.Kind)
	return list(ctx, d, colFacilities, filter, f.Page, func(x *registry.Facility) string { return x.ID })
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
	return d.replaceNext(ctx, colFacilities, f.ID, stamps{&f.Version, &f.CreatedAt, &f.UpdatedAt}, old.CreatedAt,
		func() any { return f }, nil)
}

func fieldError(field, rule, en, vi string) error {
	var p registry.Problems
	p.Add(field, rule, en, vi)
	return p.Err()
}

// --- products

// productDoc adds the storage-only unique key for the optional GTIN.
type productDoc struct {
	registry.Product `bson:",inline"`
	GTINKey          string `bson:"gtin_key"`
}

func newProductDoc(p *registry.Product) *productDoc {
	key := p.GTIN
	if key == "" {
		key = "none:" + p.ID
	}
	return &productDoc{Product: *p, GTINKey: key}
}

// CreateProduct implements registry.ProductService.
func (d *DB) CreateProduct(ctx context.Context, pr *registry.Product) error {
	if err := pr.Validate(); err != nil {
		return err
	}
	if ok, err := d.exists(ctx, colEnterprises, pr.EnterpriseID); err != nil {
		return err
	} else if !ok {
		return notFound("Enterprise", "doanh nghiệp")
	}
	if pr.PhotoID != "" {
		var p registry.Problems
		if err := d.requireOwned(ctx, &p, "photo_id", colDocuments, []string{pr.PhotoID}, pr.EnterpriseID); err != nil {
			return err
		}
		if err := p.Err(); err != nil {
			return err
		}
	}
	pr.ID, pr.CreatedAt, pr.UpdatedAt, pr.Version = newID(), d.now(), d.now(), 1
	pr.ShortCode = registry.NewShortCode()
	return d.insertOne(ctx, colProducts, newProductDoc(pr), errGTINTaken)
}

// FindProduct implements registry.ProductService.
func (d *DB) FindProduct(ctx context.Context, id string) (*registry.Product, error) {
	return findByID[registry.Product](ctx, d, colProducts, id, "Product", "sản phẩm")
}

// FindProductByGTIN implements registry.ProductService.
func (d *DB) FindProductByGTIN(ctx context.Context, gtin14 string) (*registry.Product, error) {
	return findOne[registry.Product](ctx, d, colProducts, bson.D{{Key: "gtin", Value: gtin14}}, "Product", "sản phẩm")
}

// FindProductByShortCode implements registry.ProductService.
func (d *DB) FindProductByShortCode(ctx context.Context, code string) (*registry.Product, error) {
	return findOne[registry.Product](ctx, d, colProducts, bson.D{{Key: "short_code", Value: code}}, "Product", "sản phẩm")
}

// ListProducts implements registry.ProductService.
func (d *DB) ListProducts(ctx context.Context, f registry.ProductFilter) ([]*registry.Product, string, error) {
	filter := addEq(addEq(addEq(bson.D{}, "enterprise_id", f.EnterpriseID), "category", f.Category), "gtin", f.GTIN)
	return list(ctx, d, colProducts, filter, f.Page, func(x *registry.Product) string { return x.ID })
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
	pr.ShortCode = old.ShortCode
	return d.replaceNext(ctx, colProducts, pr.ID, stamps{&pr.Version, &pr.CreatedAt, &pr.UpdatedAt}, old.CreatedAt,
		func() any { return newProductDoc(pr) }, errGTINTaken)
}

// --- certification bodies

// CreateCertificationBody implements registry.CertificationBodyService.
func (d *DB) CreateCertificationBody(ctx context.Context, b *registry.CertificationBody) error {
	if err := b.Validate(); err != nil {
		return err
	}
	b.ID, b.CreatedAt, b.UpdatedAt, b.Version = newID(), d.now(), d.now(), 1
	return d.insertOne(ctx, colBodies, b, errBodyTaken)
}

// FindCertificationBody implements registry.CertificationBodyService.
func (d *DB) FindCertificationBody(ctx context.Context, id string) (*registry.CertificationBody, error) {
	return findByID[registry.CertificationBody](ctx, d, colBodies, id, "Certification body", "tổ chức chứng nhận")
}

// FindCertificationBodyByCode implements registry.CertificationBodyService.
func (d *DB) FindCertificationBodyByCode(ctx context.Context, code string) (*registry.CertificationBody, error) {
	return findOne[registry.CertificationBody](ctx, d, colBodies, bson.D{{Key: "code", Value: code}}, "Certification body", "tổ chức chứng nhận")
}

// ListCertificationBodies implements registry.CertificationBodyService.
func (d *DB) ListCertificationBodies(ctx context.Context, page registry.Page) ([]*registry.CertificationBody, string, error) {
	return list(ctx, d, colBodies, bson.D{}, page, func(x *registry.CertificationBody) string { return x.ID })
}

// --- standards

// CreateStandard implements registry.StandardService.
func (d *DB) CreateStandard(ctx context.Context, s *registry.Standard) error {
	if err := s.Validate(); err != nil {
		return err
	}
	s.ID, s.CreatedAt, s.UpdatedAt, s.Version = newID(), d.now(), d.now(), 1
	return d.insertOne(ctx, colStandards, s, errStdTaken)
}

// FindStandardByCode implements registry.StandardService.
func (d *DB) FindStandardByCode(ctx context.Context, code string) (*registry.Standard, error) {
	return findOne[registry.Standard](ctx, d, colStandards, bson.D{{Key: "code", Value: code}}, "Standard", "tiêu chuẩn")
}

// ListStandards implements registry.StandardService.
func (d *DB) ListStandards(ctx context.Context, kind string, page registry.Page) ([]*registry.Standard, string, error) {
	return list(ctx, d, colStandards, addEq(bson.D{}, "kind", kind), page, func(x *registry.Standard) string { return x.ID })
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
	return d.insertOne(ctx, colUsers, u, errUserTaken)
}

func (d *DB) checkUserBinding(ctx context.Context, u *registry.User) error {
	var p registry.Problems
	if err := d.requireOwned(ctx, &p, "enterprise_id", colEnterprises, []string{u.EnterpriseID}, ""); err != nil {
		return err
	}
	if err := d.requireOwned(ctx, &p, "body_id", colBodies, []string{u.BodyID}, ""); err != nil {
		return err
	}
	return p.Err()
}

// FindUser implements registry.UserService.
func (d *DB) FindUser(ctx context.Context, id string) (*registry.User, error) {
	return findByID[registry.User](ctx, d, colUsers, id, "User", "người dùng")
}

// FindUserByUsername implements registry.UserService.
func (d *DB) FindUserByUsername(ctx context.Context, username string) (*registry.User, error) {
	return findOne[registry.User](ctx, d, colUsers, bson.D{{Key: "username", Value: username}}, "User", "người dùng")
}

// ListUsers implements registry.UserService.
func (d *DB) ListUsers(ctx context.Context, page registry.Page) ([]*registry.User, string, error) {
	return list(ctx, d, colUsers, bson.D{}, page, func(x *registry.User) string { return x.ID })
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
	return d.replaceNext(ctx, colUsers, u.ID, stamps{&u.Version, &u.CreatedAt, &u.UpdatedAt}, old.CreatedAt,
		func() any { return u }, errUserTaken)
}

// CountUsers implements registry.UserService.
func (d *DB) CountUsers(ctx context.Context) (int64, error) {
	n, err := d.db.Collection(colUsers).CountDocuments(ctx, bson.D{})
	return n, mapError(err, nil)
}

// --- documents

// CreateDocument implements registry.DocumentRecordService.
func (d *DB) CreateDocument(ctx context.Context, doc *registry.Document) error {
	if err := doc.Validate(); err != nil {
		return err
	}
	doc.ID, doc.CreatedAt, doc.UpdatedAt, doc.Version = newID(), d.now(), d.now(), 1
	return d.insertOne(ctx, colDocuments, doc, nil)
}

// FindDocument implements registry.DocumentRecordService.
func (d *DB) FindDocument(ctx context.Context, id string) (*registry.Document, error) {
	return findByID[registry.Document](ctx, d, colDocuments, id, "Document", "tài liệu")
}

// FindEnterpriseDocument implements registry.DocumentRecordService.
func (d *DB) FindEnterpriseDocument(ctx context.Context, enterpriseID, sha string) (*registry.Document, error) {
	return findOne[registry.Document](ctx, d, colDocuments, bson.D{{Key: "enterprise_id", Value: enterpriseID}, {Key: "blob.sha256", Value: sha}}, "Document", "tài liệu")
}

// ListDocuments implements registry.DocumentRecordService.
func (d *DB) ListDocuments(ctx context.Context, f registry.DocumentFilter) ([]*registry.Document, string, error) {
	filter := addEq(addEq(addEq(bson.D{}, "enterprise_id", f.EnterpriseID), "body_id", f.BodyID), "kind", f.Kind)
	return list(ctx, d, colDocuments, filter, f.Page, func(x *registry.Document) string { return x.ID })
}
