package registry

import (
	"context"
	"time"
)

// Districts of Đắk Lắk (after the 2025 merger the province also covers former
// Phú Yên; the list is what the registry accepts for the district field).
var Districts = []string{
	"Buôn Ma Thuột", "Buôn Hồ", "Buôn Đôn", "Cư Kuin", "Cư M'gar", "Ea H'leo", "Ea Kar",
	"Ea Súp", "Krông Ana", "Krông Bông", "Krông Búk", "Krông Năng", "Krông Pắc",
	"Lắk", "M'Đrắk", "Tuy Hòa", "Sông Cầu", "Đông Hòa", "Tây Hòa", "Phú Hòa",
	"Sơn Hòa", "Sông Hinh", "Đồng Xuân", "Tuy An", "Khác",
}

// Sectors an enterprise works in.
var Sectors = []string{"agriculture", "food_processing", "mechanical", "building_materials", "pharmaceutical", "trade_services", "other"}

// EnterpriseSizes follow Vietnam's SME classes.
var EnterpriseSizes = []string{"micro", "small", "medium", "large"}

// EnterpriseKinds distinguish companies from cooperatives and households.
var EnterpriseKinds = []string{"company", "cooperative", "household", "other"}

// Enterprise is a business (doanh nghiệp), cooperative (HTX) or household that
// registers products. The tax code is unique.
type Enterprise struct {
	ID        string    `json:"id" bson:"_id"`
	TaxCode   string    `json:"tax_code" bson:"tax_code"`
	NameVI    string    `json:"name_vi" bson:"name_vi"`
	NameEN    string    `json:"name_en,omitempty" bson:"name_en,omitempty"`
	Kind      string    `json:"kind" bson:"kind"`
	District  string    `json:"district" bson:"district"`
	Address   string    `json:"address,omitempty" bson:"address,omitempty"`
	Sector    string    `json:"sector" bson:"sector"`
	Size      string    `json:"size" bson:"size"`
	Phone     string    `json:"phone,omitempty" bson:"phone,omitempty"`
	Email     string    `json:"email,omitempty" bson:"email,omitempty"`
	CreatedAt time.Time `json:"created_at" bson:"created_at"`
	UpdatedAt time.Time `json:"updated_at" bson:"updated_at"`
	Version   int       `json:"version" bson:"version"`
}

// Validate checks an enterprise before it is written.
func (e *Enterprise) Validate() error {
	var p Problems
	checkTaxCode(&p, "tax_code", e.TaxCode)
	requireText(&p, "name_vi", e.NameVI, 300)
	checkText(&p, "name_en", e.NameEN, 300)
	oneOf(&p, "kind", e.Kind, EnterpriseKinds)
	oneOf(&p, "district", e.District, Districts)
	checkText(&p, "address", e.Address, 500)
	oneOf(&p, "sector", e.Sector, Sectors)
	oneOf(&p, "size", e.Size, EnterpriseSizes)
	checkText(&p, "phone", e.Phone, 30)
	checkText(&p, "email", e.Email, 254)
	return p.Err()
}

// EnterpriseFilter selects enterprises in a list.
type EnterpriseFilter struct {
	TaxCode  string
	District string
	Sector   string
	// Text finds enterprises by the words of their names and tax code
	// (registry.SearchKeys), combined with the other filters.
	Text string
	Page Page
}

// EnterpriseService keeps enterprises.
type EnterpriseService interface {
	// CreateEnterprise validates and stores e, setting its ID, times and
	// version. EINVALID if a field is wrong, ECONFLICT if the tax code is taken.
	CreateEnterprise(ctx context.Context, e *Enterprise) error
	// FindEnterprise returns ENOTFOUND if no enterprise has that ID.
	FindEnterprise(ctx context.Context, id string) (*Enterprise, error)
	// FindEnterpriseByTaxCode returns ENOTFOUND if no enterprise has that tax code.
	FindEnterpriseByTaxCode(ctx context.Context, taxCode string) (*Enterprise, error)
	// ListEnterprises returns one page of enterprises matching f, and the cursor of the next page.
	ListEnterprises(ctx context.Context, f EnterpriseFilter) ([]*Enterprise, string, error)
	// UpdateEnterprise stores e if its Version is still the stored one.
	// EINVALID, ENOTFOUND, ESTALE if it changed meanwhile, ECONFLICT on a taken tax code.
	UpdateEnterprise(ctx context.Context, e *Enterprise) error
}

// Page asks for one page of a list: at most Limit items after Cursor, and
// with UpdatedSince set only records updated at or after it (for clients
// that keep a copy in step).
type Page struct {
	Cursor       string
	Limit        int
	UpdatedSince time.Time
}

// MaxPageLimit caps every list.
const MaxPageLimit = 200

// MaxCursorLen bounds a page cursor as it arrives: cursors are the store's
// own encoding of the last record's index key, which the store checks.
const MaxCursorLen = 1024

// DefaultPageLimit is used when a list is asked for without a limit.
const DefaultPageLimit = 50

// Normalize applies the default and the cap to the page size.
func (p Page) Normalize() Page {
	if p.Limit <= 0 {
		p.Limit = DefaultPageLimit
	}
	if p.Limit > MaxPageLimit {
		p.Limit = MaxPageLimit
	}
	return p
}
