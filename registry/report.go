package registry

import (
	"context"
	"strings"
	"time"
)

// ReportKinds are what a consumer may report about a product.
var ReportKinds = []string{"counterfeit", "quality", "label", "expired", "other"}

// ProblemReport is a consumer's "report a problem" about a scanned code or a
// certificate, kept for inspectors. No login; the contact is optional.
type ProblemReport struct {
	ID        string    `json:"id" bson:"_id"`
	Subject   string    `json:"subject" bson:"subject"` // the public path reported: /01/…, /l/…, /c/…
	Kind      string    `json:"kind" bson:"kind"`
	Message   string    `json:"message" bson:"message"`
	Contact   string    `json:"contact,omitempty" bson:"contact,omitempty"`
	Province  string    `json:"province,omitempty" bson:"province,omitempty"`
	Status    string    `json:"status" bson:"status"` // open, then handled by an inspector
	CreatedAt time.Time `json:"created_at" bson:"created_at"`
}

// Validate checks a report before it is written.
func (r *ProblemReport) Validate() error {
	var p Problems
	if r.Subject == "" || len(r.Subject) > 300 || !strings.HasPrefix(r.Subject, "/") {
		p.Add("subject", "subject", "must be the address of the product or certificate", "phải là địa chỉ của sản phẩm hoặc chứng nhận")
	}
	oneOf(&p, "kind", r.Kind, ReportKinds)
	if n := len([]rune(strings.TrimSpace(r.Message))); n < 5 || n > 2000 {
		p.Add("message", "length", "describe the problem in 5 to 2000 characters", "mô tả vấn đề trong khoảng 5 đến 2000 ký tự")
	}
	checkText(&p, "contact", r.Contact, 200)
	if r.Province != "" && !ValidProvince(r.Province) {
		p.Add("province", "province", "must be a province code such as VN-33", "phải là mã tỉnh, ví dụ VN-33")
	}
	return p.Err()
}

// ReportService keeps problem reports.
type ReportService interface {
	// CreateReport validates and stores r as open. EINVALID.
	CreateReport(ctx context.Context, r *ProblemReport) error
	// ListReports returns one page of reports, oldest first, and the next cursor.
	ListReports(ctx context.Context, page Page) ([]*ProblemReport, string, error)
}
