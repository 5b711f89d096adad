package registry

import (
	"context"
	"crypto/rand"
	"fmt"
	"slices"
	"strings"
	"time"
)

// ReportKinds are what a consumer may report about a product.
var ReportKinds = []string{"counterfeit", "quality", "label", "expired", "other"}

// Problem report states: open when the public sends it, assigned once an
// inspector takes it, resolved with a resolution text (and reopened, back to
// assigned or open, if the problem was not solved after all).
const (
	ReportOpen     = "open"
	ReportAssigned = "assigned"
	ReportResolved = "resolved"
)

// ReportStatuses are the states of a problem report, in workflow order.
var ReportStatuses = []string{ReportOpen, ReportAssigned, ReportResolved}

const (
	maxReportNotes    = 200
	maxReportNoteText = 2000
)

// ProblemReport is a consumer's "report a problem" about a scanned code or a
// certificate, kept for inspectors. No login; the contact is optional.
type ProblemReport struct {
	ID string `json:"id" bson:"_id"`
	// Reference is what the citizen keeps to follow the report up
	// (/report/{reference}): random, so one cannot guess another's.
	Reference string `json:"reference,omitempty" bson:"reference,omitempty"`
	Subject   string `json:"subject" bson:"subject"` // the public path reported: /01/…, /l/…, /c/…
	Kind      string `json:"kind" bson:"kind"`
	Message   string `json:"message" bson:"message"`
	Contact   string `json:"contact,omitempty" bson:"contact,omitempty"`
	Province  string `json:"province,omitempty" bson:"province,omitempty"`
	// PlaceOfPurchase is where the citizen bought the product (optional).
	PlaceOfPurchase string `json:"place_of_purchase,omitempty" bson:"place_of_purchase,omitempty"`
	// Photo is a picture the citizen attached (optional), in the document store.
	Photo  *Blob  `json:"photo,omitempty" bson:"photo,omitempty"`
	Status string `json:"status" bson:"status"` // ReportOpen, ReportAssigned, ReportResolved
	// Reply is the agency's answer to the citizen, shown on the status page.
	Reply     string     `json:"reply,omitempty" bson:"reply,omitempty"`
	RepliedAt *time.Time `json:"replied_at,omitempty" bson:"replied_at,omitempty"`
	// Assignee is the username of the inspector handling it.
	Assignee string `json:"assignee,omitempty" bson:"assignee,omitempty"`
	// Notes are the handling's journal, oldest first: notes typed by
	// inspectors and the steps of the workflow (assigned, resolved, reopened).
	Notes      []ReportNote `json:"notes,omitempty" bson:"notes,omitempty"`
	Resolution string       `json:"resolution,omitempty" bson:"resolution,omitempty"`
	ResolvedBy string       `json:"resolved_by,omitempty" bson:"resolved_by,omitempty"`
	ResolvedAt *time.Time   `json:"resolved_at,omitempty" bson:"resolved_at,omitempty"`
	CreatedAt  time.Time    `json:"created_at" bson:"created_at"`
	UpdatedAt  time.Time    `json:"updated_at" bson:"updated_at"`
	Version    int          `json:"version" bson:"version"`
}

// ReportNote is one entry of a report's journal.
type ReportNote struct {
	// Action is what the entry records: "note", or the step taken
	// (ReportActionAssign, ReportActionResolve, ReportActionReopen).
	Action string    `json:"action" bson:"action"`
	Text   string    `json:"text,omitempty" bson:"text,omitempty"`
	By     string    `json:"by" bson:"by"`
	At     time.Time `json:"at" bson:"at"`
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
	checkText(&p, "place_of_purchase", r.PlaceOfPurchase, 200)
	if r.Province != "" && !ValidProvince(r.Province) {
		p.Add("province", "province", "must be a province code such as VN-33", "phải là mã tỉnh, ví dụ VN-33")
	}
	if r.Status != "" {
		oneOf(&p, "status", r.Status, ReportStatuses)
	}
	checkText(&p, "assignee", r.Assignee, 64)
	if r.Status == ReportAssigned && r.Assignee == "" {
		p.Add("assignee", "required", "an assigned report names its inspector", "phản ánh đã phân công phải có cán bộ xử lý")
	}
	if r.Status == ReportResolved {
		requireText(&p, "resolution", r.Resolution, maxReportNoteText)
	} else {
		checkText(&p, "resolution", r.Resolution, maxReportNoteText)
	}
	if len(r.Notes) > maxReportNotes {
		p.Add("notes", "max_items", fmt.Sprintf("at most %d notes", maxReportNotes), fmt.Sprintf("tối đa %d ghi chú", maxReportNotes))
	}
	for i, n := range r.Notes {
		checkText(&p, fmt.Sprintf("notes[%d].text", i), n.Text, maxReportNoteText)
	}
	return p.Err()
}

// Report actions: the steps of handling a problem report.
const (
	ReportActionAssign  = "assign"  // open or assigned → assigned, to Assignee
	ReportActionNote    = "note"    // any status: a note in the journal
	ReportActionResolve = "resolve" // open or assigned → resolved, with the resolution
	ReportActionReopen  = "reopen"  // resolved → assigned (or open without an assignee), with why
	ReportActionReply   = "reply"   // any status: the answer the citizen reads on the status page
)

// A report's photo: at most MaxReportPhoto bytes of one of ReportPhotoTypes.
const MaxReportPhoto = 5 << 20

// ReportPhotoTypes are the images a report's photo may be.
var ReportPhotoTypes = []string{"image/png", "image/jpeg", "image/webp"}

// referenceAlphabet has no letters people confuse (0/O, 1/I/L).
const referenceAlphabet = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"

// NewReportReference is a report's reference: "PA-" and 10 random
// characters (about 50 bits), such as PA-7KQ2M9XH4T.
func NewReportReference() string {
	b := make([]byte, 10)
	rand.Read(b)
	for i := range b {
		b[i] = referenceAlphabet[int(b[i])%len(referenceAlphabet)]
	}
	return "PA-" + string(b)
}

// ValidReportReference reports whether s is written like a reference.
func ValidReportReference(s string) bool {
	if len(s) != 13 || !strings.HasPrefix(s, "PA-") {
		return false
	}
	for _, r := range s[3:] {
		if !strings.ContainsRune(referenceAlphabet, r) {
			return false
		}
	}
	return true
}

// ReportAction is one step of handling a problem report.
type ReportAction struct {
	Action string `json:"action"`
	// Assignee is the inspector's username (assign).
	Assignee string `json:"assignee,omitempty"`
	// Text is the note (note), the resolution (resolve) or why it is
	// reopened (reopen); optional for assign.
	Text string `json:"text,omitempty"`
}

// Apply changes r by the action, done by actor at the moment at, and adds
// the journal entry. EINVALID, leaving r unchanged: "action" for an unknown
// action; "status" (rule "transition") when the step may not follow r's
// status; "assignee" and "text" for their values. Who may be assigned is
// the caller's to check (an inspector's username).
func (x ReportAction) Apply(r *ProblemReport, actor Actor, at time.Time) error {
	var p Problems
	status := r.Status
	if status == "" {
		status = ReportOpen
	}
	text := strings.TrimSpace(x.Text)
	var from []string
	next := status
	switch x.Action {
	case ReportActionAssign:
		from, next = []string{ReportOpen, ReportAssigned}, ReportAssigned
		requireText(&p, "assignee", strings.TrimSpace(x.Assignee), 64)
		checkText(&p, "text", text, maxReportNoteText)
	case ReportActionNote, ReportActionReply:
		from = ReportStatuses
		requireNote(&p, text)
	case ReportActionResolve:
		from, next = []string{ReportOpen, ReportAssigned}, ReportResolved
		requireNote(&p, text)
	case ReportActionReopen:
		from, next = []string{ReportResolved}, ReportOpen
		if r.Assignee != "" {
			next = ReportAssigned
		}
		requireNote(&p, text)
	default:
		oneOf(&p, "action", x.Action, []string{ReportActionAssign, ReportActionNote, ReportActionResolve, ReportActionReopen, ReportActionReply})
		return p.Err()
	}
	if !slices.Contains(from, status) {
		p.Add("status", "transition", fmt.Sprintf("cannot %s a report that is %s", x.Action, status),
			fmt.Sprintf("không thể %s phản ánh đang ở trạng thái %s", reportActionVI[x.Action], reportStatusVI[status]))
	}
	if len(r.Notes) >= maxReportNotes {
		p.Add("text", "max_items", fmt.Sprintf("the report already has %d notes", maxReportNotes),
			fmt.Sprintf("phản ánh đã có %d ghi chú", maxReportNotes))
	}
	if err := p.Err(); err != nil {
		return err
	}
	switch x.Action {
	case ReportActionAssign:
		r.Assignee = strings.TrimSpace(x.Assignee)
	case ReportActionResolve:
		t := at
		r.Resolution, r.ResolvedBy, r.ResolvedAt = text, actor.Username, &t
	case ReportActionReopen:
		r.Resolution, r.ResolvedBy, r.ResolvedAt = "", "", nil
	case ReportActionReply:
		t := at
		r.Reply, r.RepliedAt = text, &t
	}
	r.Status = next
	note := ReportNote{Action: x.Action, Text: text, By: actor.Username, At: at}
	if x.Action == ReportActionAssign {
		note.Text = strings.TrimSpace(strings.Join([]string{"→ " + r.Assignee, text}, "\n"))
	}
	r.Notes = append(slices.Clip(r.Notes), note)
	return nil
}

func requireNote(p *Problems, text string) {
	if n := len([]rune(text)); n < 3 {
		p.Add("text", "required", "write at least 3 characters", "cần viết ít nhất 3 ký tự")
		return
	}
	checkText(p, "text", text, maxReportNoteText)
}

var (
	reportStatusVI = map[string]string{ReportOpen: "mới", ReportAssigned: "đã phân công", ReportResolved: "đã xử lý xong"}
	reportActionVI = map[string]string{ReportActionAssign: "phân công", ReportActionNote: "ghi chú cho",
		ReportActionResolve: "kết thúc xử lý", ReportActionReopen: "mở lại", ReportActionReply: "trả lời"}
)

// ReportFilter selects problem reports in a list.
type ReportFilter struct {
	Status   string // one of ReportStatuses; "" for all
	Assignee string // an inspector's username; "" for anyone
	Page     Page
}

// Validate checks the filter. EINVALID.
func (f ReportFilter) Validate() error {
	var p Problems
	if f.Status != "" {
		oneOf(&p, "status", f.Status, ReportStatuses)
	}
	checkText(&p, "assignee", f.Assignee, 64)
	return p.Err()
}

// ReportService keeps problem reports.
type ReportService interface {
	// CreateReport validates and stores r as open. EINVALID.
	CreateReport(ctx context.Context, r *ProblemReport) error
	// ListReports returns one page of reports, oldest first, and the next cursor.
	ListReports(ctx context.Context, page Page) ([]*ProblemReport, string, error)
	// FilterReports returns one page of the reports matching f, oldest
	// first, and the next cursor. EINVALID for a bad filter.
	FilterReports(ctx context.Context, f ReportFilter) ([]*ProblemReport, string, error)
	// FindReport returns ENOTFOUND if no report has that ID.
	FindReport(ctx context.Context, id string) (*ProblemReport, error)
	// FindReportByReference returns ENOTFOUND if no report has that reference.
	FindReportByReference(ctx context.Context, reference string) (*ProblemReport, error)
	// UpdateReport stores r if its Version is still the stored one (the
	// subject, kind, message, contact and province stay as the public sent
	// them). EINVALID, ENOTFOUND, ESTALE.
	UpdateReport(ctx context.Context, r *ProblemReport) error
}
