package registry

import (
	"context"
	"strings"
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
	// Action is set on an amendment of a certificate (CertRenew,
	// CertCorrect, CertReplaceDocument), which decides no status.
	Action string `json:"action,omitempty" bson:"action,omitempty"`
}

// Certificate amendments: what its body may change on a certificate after
// issuing it. Each is a history entry, shown on the public page: a
// certificate is never silently rewritten.
const (
	CertRenew           = "renew"            // a new validity: issued on, expires on
	CertCorrect         = "correct"          // the standard or scope text, written wrong
	CertReplaceDocument = "replace_document" // another PDF of the same certificate
)

// CertificateAmendment is one amendment, with why.
type CertificateAmendment struct {
	Action    string `json:"action"`
	Reason    string `json:"reason"`
	IssuedOn  Date   `json:"issued_on,omitempty"`  // renew
	ExpiresOn Date   `json:"expires_on,omitempty"` // renew
	Standard  string `json:"standard,omitempty"`   // correct
	ScopeText string `json:"scope_text,omitempty"` // correct
	// DocumentID is the new PDF's document (replace_document; optional on renew).
	DocumentID string `json:"document_id,omitempty"`
}

// Apply returns c amended, with the history entry, done by by at at; c is
// left as it was. EINVALID naming the field: "action", "reason" (3 to 500
// characters), "expires_on" (after the current expiry, and after issued_on),
// "document_id" (required to replace the document), "status" (a withdrawn
// certificate is not amended).
func (a CertificateAmendment) Apply(c *Certificate, by string, at time.Time) (*Certificate, error) {
	var p Problems
	oneOf(&p, "action", a.Action, []string{CertRenew, CertCorrect, CertReplaceDocument})
	reason := strings.TrimSpace(a.Reason)
	if n := len([]rune(reason)); n < 3 || n > 500 {
		p.Add("reason", "required", "give a reason of 3 to 500 characters", "cần nêu lý do từ 3 đến 500 ký tự")
	}
	if c.StatusAt(at).Status == CertWithdrawn {
		p.Add("status", "withdrawn", "a withdrawn certificate is not amended: issue a new one", "chứng nhận đã thu hồi không được sửa đổi: hãy cấp chứng nhận mới")
	}
	next := *c
	next.History = append([]StatusChange(nil), c.History...)
	switch a.Action {
	case CertRenew:
		issued, errI := a.IssuedOn.Time()
		expires, errE := a.ExpiresOn.Time()
		old, errO := c.ExpiresOn.Time()
		switch {
		case errI != nil:
			p.Add("issued_on", "date", "must be a date written YYYY-MM-DD", "phải là ngày dạng YYYY-MM-DD")
		case errE != nil:
			p.Add("expires_on", "date", "must be a date written YYYY-MM-DD", "phải là ngày dạng YYYY-MM-DD")
		case !expires.After(issued):
			p.Add("expires_on", "date_order", "must be after the issue date", "phải sau ngày cấp")
		case errO == nil && !expires.After(old):
			p.Add("expires_on", "renewal", "a renewal ends after the current expiry", "gia hạn phải kết thúc sau ngày hết hạn hiện tại")
		}
		if next.OriginalIssue == "" {
			next.OriginalIssue = c.IssuedOn
		}
		next.IssuedOn, next.ExpiresOn = a.IssuedOn, a.ExpiresOn
		if a.DocumentID != "" {
			next.DocumentID = a.DocumentID
		}
	case CertCorrect:
		next.Standard, next.ScopeText = strings.TrimSpace(a.Standard), strings.TrimSpace(a.ScopeText)
		if next.Standard == c.Standard && next.ScopeText == c.ScopeText {
			p.Add("reason", "unchanged", "the correction changes nothing", "đính chính không thay đổi nội dung nào")
		}
	case CertReplaceDocument:
		if !ValidID(a.DocumentID) {
			p.Add("document_id", "required", "attach the new PDF", "hãy đính kèm tệp PDF mới")
		}
		next.DocumentID = a.DocumentID
	}
	if err := p.Err(); err != nil {
		return nil, err
	}
	st := c.StatusAt(at)
	status := st.Status
	if status == CertExpired {
		status = CertActive // a renewal brings an expired certificate back; the dates say so
	}
	next.History = append(next.History, StatusChange{Status: status, Reason: reason, On: VietnamDate(at), At: at.UTC(), By: by, Action: a.Action})
	if err := next.Validate(); err != nil {
		return nil, err
	}
	return &next, nil
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
		if on, err := h.On.Time(); err == nil && on.After(todayDay) || h.Action != "" {
			continue // not yet in force, or an amendment (which decides no status)
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
