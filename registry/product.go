package registry

import (
	"context"
	"crypto/rand"
	"slices"
	"time"

	"github.com/tracereg/tracereg/registry/gs1"
)

// ProductCategories are the key products the province's plan names.
var ProductCategories = []string{"coffee", "rubber", "honey", "farm_produce", "fruit", "medicinal_plants", "mechanical", "building_materials", "other"}

// Product is something an enterprise makes or sells. The GTIN is optional:
// many small producers have none, and the product then lives on its short code.
type Product struct {
	ID           string   `json:"id" bson:"_id"`
	EnterpriseID string   `json:"enterprise_id" bson:"enterprise_id"`
	NameVI       string   `json:"name_vi" bson:"name_vi"`
	NameEN       string   `json:"name_en,omitempty" bson:"name_en,omitempty"`
	Category     string   `json:"category" bson:"category"`
	GTIN         string   `json:"gtin,omitempty" bson:"gtin,omitempty"` // GTIN-14 once validated
	Description  string   `json:"description,omitempty" bson:"description,omitempty"`
	Unit         string   `json:"unit,omitempty" bson:"unit,omitempty"`
	Standards    []string `json:"standards,omitempty" bson:"standards,omitempty"` // standard codes applied
	PhotoID      string   `json:"photo_id,omitempty" bson:"photo_id,omitempty"`   // a Document
	// Corrections are changes made once the product had published lots
	// (written by the service only), shown on its public pages.
	Corrections []Correction `json:"corrections,omitempty" bson:"corrections,omitempty"`
	// CorrectionReason is input only: why a product with published lots is corrected.
	CorrectionReason string `json:"correction_reason,omitempty" bson:"-"`
	// ShortCode is the random public code for QR paths of products without a GTIN.
	ShortCode string    `json:"short_code" bson:"short_code"`
	CreatedAt time.Time `json:"created_at" bson:"created_at"`
	UpdatedAt time.Time `json:"updated_at" bson:"updated_at"`
	Version   int       `json:"version" bson:"version"`
}

// Validate checks a product before it is written and normalises its GTIN to 14 digits.
func (pr *Product) Validate() error {
	var p Problems
	checkRef(&p, "enterprise_id", pr.EnterpriseID, true)
	requireText(&p, "name_vi", pr.NameVI, 300)
	checkText(&p, "name_en", pr.NameEN, 300)
	oneOf(&p, "category", pr.Category, ProductCategories)
	if pr.GTIN != "" {
		if g14, err := gs1.GTIN14(pr.GTIN); err != nil {
			en, vi := err.Error(), err.Error()
			if ge, ok := err.(*gs1.Error); ok {
				en, vi = ge.Message, ge.MessageVI
			}
			p.Add("gtin", "gtin", en, vi)
		} else {
			pr.GTIN = g14
		}
	}
	checkText(&p, "description", pr.Description, 4000)
	checkText(&p, "unit", pr.Unit, 30)
	if len(pr.Standards) > 20 {
		p.Add("standards", "max_items", "at most 20 standards", "tối đa 20 tiêu chuẩn")
	}
	for _, s := range pr.Standards {
		if !ValidStandardCode(s) {
			p.Add("standards", "standard_code", "each must be a standard or regulation code such as TCVN 4193:2014 or QCVN 01-189:2019/BNNPTNT",
				"mỗi mục phải là số hiệu tiêu chuẩn hoặc quy chuẩn, ví dụ TCVN 4193:2014 hoặc QCVN 01-189:2019/BNNPTNT")
			break
		}
	}
	checkRef(&p, "photo_id", pr.PhotoID, false)
	return p.Err()
}

// shortCodeAlphabet avoids look-alike characters (0/O, 1/I/L) so codes can be typed.
const shortCodeAlphabet = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"

// NewShortCode returns a random public code of 10 characters (about 49 bits):
// unguessable, and never derived from a database ID.
func NewShortCode() string {
	b := make([]byte, 10)
	rand.Read(b)
	for i := range b {
		b[i] = shortCodeAlphabet[int(b[i])%len(shortCodeAlphabet)]
	}
	return string(b)
}

// ProductFilter selects products in a list.
type ProductFilter struct {
	EnterpriseID string
	Category     string
	GTIN         string
	// Text finds products by the words of their names, GTIN, short code
	// and category; GTIN, when set, is looked up first.
	Text string
	Page Page
}

// ProductService keeps products.
type ProductService interface {
	// CreateProduct validates and stores pr, giving it a short code.
	// EINVALID, ENOTFOUND if the enterprise does not exist, ECONFLICT if the GTIN is taken.
	CreateProduct(ctx context.Context, pr *Product) error
	// FindProduct returns ENOTFOUND if no product has that ID.
	FindProduct(ctx context.Context, id string) (*Product, error)
	// FindProductByGTIN returns ENOTFOUND if no product has that GTIN-14.
	FindProductByGTIN(ctx context.Context, gtin14 string) (*Product, error)
	// FindProductByShortCode returns ENOTFOUND if no product has that code.
	FindProductByShortCode(ctx context.Context, code string) (*Product, error)
	// ListProducts returns one page of products matching f and the next cursor.
	ListProducts(ctx context.Context, f ProductFilter) ([]*Product, string, error)
	// UpdateProduct stores pr if its Version is still the stored one. EINVALID, ENOTFOUND, ESTALE, ECONFLICT.
	UpdateProduct(ctx context.Context, pr *Product) error
}

// CorrectedFields names the public fields of pr that differ from old.
func (pr *Product) CorrectedFields(old *Product) []string {
	var out []string
	add := func(field string, changed bool) {
		if changed {
			out = append(out, field)
		}
	}
	add("gtin", pr.GTIN != old.GTIN)
	add("name_vi", pr.NameVI != old.NameVI)
	add("name_en", pr.NameEN != old.NameEN)
	add("category", pr.Category != old.Category)
	add("description", pr.Description != old.Description)
	add("standards", !slices.Equal(pr.Standards, old.Standards))
	add("photo_id", pr.PhotoID != old.PhotoID)
	return out
}
