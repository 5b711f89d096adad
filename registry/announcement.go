package registry

import (
	"context"
	"time"
)

// Announcement types: conformity to a standard (voluntary) or to a technical regulation (mandatory where it says so).
const (
	AnnounceStandard   = "hop_chuan"
	AnnounceRegulation = "hop_quy"
)

// Announcement bases.
const (
	BasisSelfAssessment = "self_assessment" // the enterprise's own assessment, with test results
	BasisCertification  = "certification"   // a certificate from a designated body
)

// Announcement states.
const (
	AnnDraft     = "draft"
	AnnSubmitted = "submitted"
	AnnNeedsMore = "needs_more" // the agency asked for missing items
	AnnReceived  = "received"   // notice of receipt issued
	AnnRejected  = "rejected"
	AnnWithdrawn = "withdrawn"
)

// ConformityAnnouncement is a công bố hợp chuẩn / hợp quy dossier and what the agency decided.
type ConformityAnnouncement struct {
	ID           string   `json:"id" bson:"_id"`
	EnterpriseID string   `json:"enterprise_id" bson:"enterprise_id"`
	Type         string   `json:"type" bson:"type"`
	ProductIDs   []string `json:"product_ids" bson:"product_ids"`
	StandardCode string   `json:"standard_code" bson:"standard_code"` // TCVN…, QCVN…, QCĐP…
	Basis        string   `json:"basis" bson:"basis"`
	// CertificateID backs a certification basis; TestReportIDs back a self-assessment.
	CertificateID string         `json:"certificate_id,omitempty" bson:"certificate_id,omitempty"`
	TestReportIDs []string       `json:"test_report_ids,omitempty" bson:"test_report_ids,omitempty"`
	DocumentIDs   []string       `json:"document_ids,omitempty" bson:"document_ids,omitempty"`
	Agency        string         `json:"agency" bson:"agency"` // e.g. "Sở KH&CN Đắk Lắk"
	SubmittedOn   Date           `json:"submitted_on,omitempty" bson:"submitted_on,omitempty"`
	Status        string         `json:"status" bson:"status"`
	ReceiptNumber string         `json:"receipt_number,omitempty" bson:"receipt_number,omitempty"`
	ReceiptDate   Date           `json:"receipt_date,omitempty" bson:"receipt_date,omitempty"`
	MissingItems  string         `json:"missing_items,omitempty" bson:"missing_items,omitempty"`
	History       []StatusChange `json:"history" bson:"history"`
	CreatedAt     time.Time      `json:"created_at" bson:"created_at"`
	UpdatedAt     time.Time      `json:"updated_at" bson:"updated_at"`
	Version       int            `json:"version" bson:"version"`
}

// MayCarryCRMark reports whether the products may carry the CR mark: a
// hợp quy announcement whose notice of receipt was issued.
func (a *ConformityAnnouncement) MayCarryCRMark() bool {
	return a.Type == AnnounceRegulation && a.Status == AnnReceived && a.ReceiptNumber != ""
}

// Validate checks an announcement before it is written.
func (a *ConformityAnnouncement) Validate() error {
	var p Problems
	checkRef(&p, "enterprise_id", a.EnterpriseID, true)
	oneOf(&p, "type", a.Type, []string{AnnounceStandard, AnnounceRegulation})
	if len(a.ProductIDs) == 0 {
		p.Add("product_ids", "required", "at least one product", "cần ít nhất một sản phẩm")
	}
	checkRefs(&p, "product_ids", a.ProductIDs, 100)
	if !ValidStandardCode(a.StandardCode) {
		p.Add("standard_code", "standard_code", "must be a standard or regulation code such as TCVN 4193:2014 or QCVN 01-189:2019/BNNPTNT",
			"phải là số hiệu tiêu chuẩn hoặc quy chuẩn, ví dụ TCVN 4193:2014 hoặc QCVN 01-189:2019/BNNPTNT")
	} else if a.Type == AnnounceRegulation && StandardKind(a.StandardCode) != "QCVN" && StandardKind(a.StandardCode) != "QCDP" {
		p.Add("standard_code", "regulation_required", "a hợp quy announcement refers to a technical regulation (QCVN or QCĐP)",
			"công bố hợp quy phải theo quy chuẩn kỹ thuật (QCVN hoặc QCĐP)")
	} else if a.Type == AnnounceStandard && (StandardKind(a.StandardCode) == "QCVN" || StandardKind(a.StandardCode) == "QCDP") {
		p.Add("standard_code", "standard_required", "a hợp chuẩn announcement refers to a standard, not a regulation",
			"công bố hợp chuẩn phải theo tiêu chuẩn, không theo quy chuẩn")
	}
	oneOf(&p, "basis", a.Basis, []string{BasisSelfAssessment, BasisCertification})
	checkRef(&p, "certificate_id", a.CertificateID, a.Basis == BasisCertification)
	checkRefs(&p, "test_report_ids", a.TestReportIDs, 50)
	checkRefs(&p, "document_ids", a.DocumentIDs, 50)
	requireText(&p, "agency", a.Agency, 200)
	// A draft withdrawn before it was ever submitted has no submission day.
	neverSubmitted := a.Status == AnnDraft || a.Status == AnnWithdrawn && a.SubmittedOn == ""
	checkDate(&p, "submitted_on", a.SubmittedOn, !neverSubmitted)
	oneOf(&p, "status", a.Status, []string{AnnDraft, AnnSubmitted, AnnNeedsMore, AnnReceived, AnnRejected, AnnWithdrawn})
	if a.Status == AnnReceived {
		requireText(&p, "receipt_number", a.ReceiptNumber, 100)
		checkDate(&p, "receipt_date", a.ReceiptDate, true)
	}
	checkText(&p, "missing_items", a.MissingItems, 2000)
	return p.Err()
}

// AnnouncementFilter selects announcements in a list.
type AnnouncementFilter struct {
	EnterpriseID string
	Type         string
	Status       string
	Page         Page
}

// AnnouncementService keeps conformity announcements.
type AnnouncementService interface {
	// CreateAnnouncement validates and stores a. ENOTFOUND if the enterprise
	// does not exist; EINVALID, also (rule "exists") when a product, the
	// certificate or a document is missing or another enterprise's; ECONFLICT
	// if the receipt number is taken.
	CreateAnnouncement(ctx context.Context, a *ConformityAnnouncement) error
	// FindAnnouncement returns ENOTFOUND if no announcement has that ID.
	FindAnnouncement(ctx context.Context, id string) (*ConformityAnnouncement, error)
	// ListAnnouncements returns one page of announcements matching f and the next cursor.
	ListAnnouncements(ctx context.Context, f AnnouncementFilter) ([]*ConformityAnnouncement, string, error)
	// UpdateAnnouncement stores a if its Version is still the stored one. EINVALID, ENOTFOUND, ESTALE, ECONFLICT.
	UpdateAnnouncement(ctx context.Context, a *ConformityAnnouncement) error
}
