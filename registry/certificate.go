package registry

import (
	"context"
	"time"
)

// Certificate decisions. Expired is not a decision: it follows from the dates
// at the moment of the check (see StatusAt).
const (
	CertActive    = "active"
	CertSuspended = "suspended"
	CertWithdrawn = "withdrawn"
	CertExpired   = "expired"
)

// Schemes met in Đắk Lắk.
var Schemes = []string{"VietGAP", "GlobalGAP", "organic_tcvn_11041", "organic_eu", "organic_usda", "ISO 9001", "ISO 22000",
	"HACCP", "FSSC 22000", "ISO 14001", "ISO 45001", "ISO 50001", "4C", "Rainforest Alliance", "Fairtrade", "OCOP", "other"}

// Certificate is a certification granted by a body to an enterprise, for a scope.
type Certificate struct {
	ID       string `json:"id" bson:"_id"`
	Number   string `json:"number" bson:"number"`
	Scheme   string `json:"scheme" bson:"scheme"`
	Standard string `json:"standard,omitempty" bson:"standard,omitempty"` // e.g. TCVN 11892-1:2017
	BodyID   string `json:"body_id" bson:"body_id"`
	HolderID string `json:"holder_id" bson:"holder_id"` // enterprise
	// Scope: the products and sites covered, and the text printed on the certificate.
	ScopeProductIDs  []string       `json:"scope_product_ids,omitempty" bson:"scope_product_ids,omitempty"`
	ScopeFacilityIDs []string       `json:"scope_facility_ids,omitempty" bson:"scope_facility_ids,omitempty"`
	ScopeText        string         `json:"scope_text,omitempty" bson:"scope_text,omitempty"`
	OCOPStars        int            `json:"ocop_stars,omitempty" bson:"ocop_stars,omitempty"`
	OriginalIssue    Date           `json:"original_issue,omitempty" bson:"original_issue,omitempty"`
	IssuedOn         Date           `json:"issued_on" bson:"issued_on"`
	ExpiresOn        Date           `json:"expires_on" bson:"expires_on"`
	DocumentID       string         `json:"document_id,omitempty" bson:"document_id,omitempty"`
	Status           string         `json:"status" bson:"status"` // the latest decision: active, suspended, withdrawn
	History          []StatusChange `json:"history" bson:"history"`
	CreatedAt        time.Time      `json:"created_at" bson:"created_at"`
	UpdatedAt        time.Time      `json:"updated_at" bson:"updated_at"`
	Version          int            `json:"version" bson:"version"`
}

// StatusChange is one decision on a certificate or announcement: what, why, when, who.
type StatusChange struct {
	Status string    `json:"status" bson:"status"`
	Reason string    `json:"reason,omitempty" bson:"reason,omitempty"`
	On     Date      `json:"on" bson:"on"` // the day the decision takes effect
	At     time.Time `json:"at" bson:"at"` // when it was recorded
	By     string    `json:"by,omitempty" bson:"by,omitempty"`
}

// Validate checks a certificate before it is written.
func (c *Certificate) Validate() error {
	var p Problems
	requireText(&p, "number", c.Number, 100)
	oneOf(&p, "scheme", c.Scheme, Schemes)
	if c.Standard != "" && !ValidStandardCode(c.Standard) {
		checkText(&p, "standard", c.Standard, 100)
	}
	checkRef(&p, "body_id", c.BodyID, true)
	checkRef(&p, "holder_id", c.HolderID, true)
	checkRefs(&p, "scope_product_ids", c.ScopeProductIDs, 200)
	checkRefs(&p, "scope_facility_ids", c.ScopeFacilityIDs, 500)
	checkText(&p, "scope_text", c.ScopeText, 2000)
	if c.Scheme == "OCOP" && (c.OCOPStars < 3 || c.OCOPStars > 5) {
		p.Add("ocop_stars", "range", "an OCOP certificate has 3 to 5 stars", "chứng nhận OCOP có từ 3 đến 5 sao")
	}
	if c.Scheme != "OCOP" && c.OCOPStars != 0 {
		p.Add("ocop_stars", "not_ocop", "only OCOP certificates have stars", "chỉ chứng nhận OCOP mới có số sao")
	}
	orig, okOrig := checkDate(&p, "original_issue", c.OriginalIssue, false)
	issued, okIssued := checkDate(&p, "issued_on", c.IssuedOn, true)
	expires, okExpires := checkDate(&p, "expires_on", c.ExpiresOn, true)
	if okIssued && okExpires && !expires.After(issued) {
		p.Add("expires_on", "date_order", "must be after the issue date", "phải sau ngày cấp")
	}
	if okOrig && okIssued && orig.After(issued) {
		p.Add("original_issue", "date_order", "must not be after the issue date", "không được sau ngày cấp")
	}
	checkRef(&p, "document_id", c.DocumentID, false)
	oneOf(&p, "status", c.Status, []string{CertActive, CertSuspended, CertWithdrawn})
	return p.Err()
}

// CertStatus is a certificate's status at one moment, as shown to people.
type CertStatus struct {
	Status string // active, suspended, withdrawn or expired
	// DaysLeft counts whole days in Vietnam until the certificate expires
	// (0 on its last day); negative once expired.
	DaysLeft int
	Since    Date // when the current decision took effect, for suspended and withdrawn
	Reason   string
}

// StatusAt computes the status at now: a withdrawal or suspension in effect
// wins, then expiry by the dates. A certificate is valid through its expiry day.
func (c *Certificate) StatusAt(now time.Time) CertStatus {
	today := now.In(Vietnam)
	todayDay := time.Date(today.Year(), today.Month(), today.Day(), 0, 0, 0, 0, Vietnam)
	st := CertStatus{Status: CertActive}
	if exp, err := c.ExpiresOn.Time(); err == nil {
		st.DaysLeft = int(exp.Sub(todayDay).Round(time.Hour).Hours() / 24)
	}
	// The latest decision that has taken effect by today.
	for i := len(c.History) - 1; i >= 0; i-- {
		h := c.History[i]
		if on, err := h.On.Time(); err == nil && on.After(todayDay) {
			continue
		}
		if h.Status == CertSuspended || h.Status == CertWithdrawn {
			st.Status, st.Since, st.Reason = h.Status, h.On, h.Reason
			return st
		}
		break
	}
	if st.DaysLeft < 0 {
		st.Status = CertExpired
	}
	return st
}

// CertificateFilter selects certificates in a list.
type CertificateFilter struct {
	HolderID      string
	BodyID        string
	Scheme        string
	Number        string
	ExpiresBefore Date
	ExpiresAfter  Date
	// FacilityID lists the certificates whose scope names the facility; it
	// goes with no other filter.
	FacilityID string
	Page       Page
}

// CertificateService keeps certificates.
type CertificateService interface {
	// CreateCertificate validates and stores c with an "active" first history
	// entry. EINVALID, also (rule "exists") when the body, the holder or a
	// scope record does not exist; ECONFLICT if the body already issued that number.
	CreateCertificate(ctx context.Context, c *Certificate) error
	// FindCertificate returns ENOTFOUND if no certificate has that ID.
	FindCertificate(ctx context.Context, id string) (*Certificate, error)
	// FindCertificatesByNumber returns every certificate with that number
	// (numbers are unique per body, not across bodies). ENOTFOUND if none.
	FindCertificatesByNumber(ctx context.Context, number string) ([]*Certificate, error)
	// ListCertificates returns one page of certificates matching f and the next cursor.
	ListCertificates(ctx context.Context, f CertificateFilter) ([]*Certificate, string, error)
	// ChangeCertificateStatus appends a decision (suspended, withdrawn, or
	// active to reinstate) if version is still the stored one. EINVALID for a
	// change not allowed from the current status, ENOTFOUND, ESTALE.
	ChangeCertificateStatus(ctx context.Context, id string, version int, change StatusChange) (*Certificate, error)
}

// CertificationBody is an organisation that issues certificates (tổ chức chứng nhận).
type CertificationBody struct {
	ID     string `json:"id" bson:"_id"`
	Name   string `json:"name" bson:"name"`
	NameEN string `json:"name_en,omitempty" bson:"name_en,omitempty"`
	Code   string `json:"code" bson:"code"` // short unique code, e.g. "QUACERT"
	// Accreditation: who accredited it (e.g. BoA, VICAS), the number and its validity.
	AccreditedBy        string    `json:"accredited_by,omitempty" bson:"accredited_by,omitempty"`
	AccreditationNumber string    `json:"accreditation_number,omitempty" bson:"accreditation_number,omitempty"`
	AccreditedUntil     Date      `json:"accredited_until,omitempty" bson:"accredited_until,omitempty"`
	Designated          bool      `json:"designated" bson:"designated"` // designated for conformity certification
	Schemes             []string  `json:"schemes,omitempty" bson:"schemes,omitempty"`
	CreatedAt           time.Time `json:"created_at" bson:"created_at"`
	UpdatedAt           time.Time `json:"updated_at" bson:"updated_at"`
	Version             int       `json:"version" bson:"version"`
}

// Validate checks a certification body before it is written.
func (b *CertificationBody) Validate() error {
	var p Problems
	requireText(&p, "name", b.Name, 300)
	checkText(&p, "name_en", b.NameEN, 300)
	requireText(&p, "code", b.Code, 30)
	checkText(&p, "accredited_by", b.AccreditedBy, 100)
	checkText(&p, "accreditation_number", b.AccreditationNumber, 100)
	checkDate(&p, "accredited_until", b.AccreditedUntil, false)
	for _, s := range b.Schemes {
		oneOf(&p, "schemes", s, Schemes)
	}
	return p.Err()
}

// CertificationBodyService keeps certification bodies.
type CertificationBodyService interface {
	// CreateCertificationBody validates and stores b. EINVALID, ECONFLICT if the code is taken.
	CreateCertificationBody(ctx context.Context, b *CertificationBody) error
	// FindCertificationBody returns ENOTFOUND if no body has that ID.
	FindCertificationBody(ctx context.Context, id string) (*CertificationBody, error)
	// FindCertificationBodyByCode returns ENOTFOUND if no body has that code.
	FindCertificationBodyByCode(ctx context.Context, code string) (*CertificationBody, error)
	// ListCertificationBodies returns one page of bodies and the next cursor.
	ListCertificationBodies(ctx context.Context, page Page) ([]*CertificationBody, string, error)
}
