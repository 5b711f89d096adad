package records

import (
	"context"
	"strings"

	"github.com/tracereg/tracereg/registry"
)

// CreateReport implements registry.ReportService.
func (d *DB) CreateReport(ctx context.Context, r *registry.ProblemReport) error {
	r.Message = strings.TrimSpace(r.Message)
	r.Status, r.Assignee, r.Notes, r.Resolution, r.ResolvedBy, r.ResolvedAt = registry.ReportOpen, "", nil, "", "", nil
	r.Reply, r.RepliedAt = "", nil
	if err := r.Validate(); err != nil {
		return err
	}
	// A reference no other report has (50 random bits: a second try is
	// already unlikely; the index makes each check one read).
	for try := 0; ; try++ {
		r.Reference = registry.NewReportReference()
		if _, err := d.FindReportByReference(ctx, r.Reference); registry.ErrorCode(err) == registry.ENOTFOUND {
			break
		} else if err != nil {
			return err
		}
		if try == 5 {
			return registry.Errorf(registry.EUNAVAILABLE, "No free reference; please try again.", "Không tạo được số tham chiếu; vui lòng thử lại.")
		}
	}
	now := d.now()
	r.ID, r.CreatedAt, r.UpdatedAt, r.Version = newID(), now, now, 1
	return d.insert(ctx, colReports, r, nil)
}

// FindReportByReference implements registry.ReportService.
func (d *DB) FindReportByReference(ctx context.Context, reference string) (*registry.ProblemReport, error) {
	if !registry.ValidReportReference(reference) {
		return nil, notFound("Report", "phản ánh")
	}
	r, err := one[registry.ProblemReport](ctx, d, colReports, where("reference", reference), "Report", "phản ánh")
	if err != nil {
		return nil, err
	}
	if r.Status == "" {
		r.Status = registry.ReportOpen
	}
	return r, nil
}

// ListReports implements registry.ReportService.
func (d *DB) ListReports(ctx context.Context, page registry.Page) ([]*registry.ProblemReport, string, error) {
	return list[registry.ProblemReport](ctx, d, colReports, nil, page)
}

// FilterReports implements registry.ReportService.
func (d *DB) FilterReports(ctx context.Context, f registry.ReportFilter) ([]*registry.ProblemReport, string, error) {
	if err := f.Validate(); err != nil {
		return nil, "", err
	}
	return list[registry.ProblemReport](ctx, d, colReports, where("assignee", f.Assignee, "status", f.Status), f.Page)
}

// FindReport implements registry.ReportService.
func (d *DB) FindReport(ctx context.Context, id string) (*registry.ProblemReport, error) {
	r, err := getByID[registry.ProblemReport](ctx, d, colReports, id, "Report not found.", "Không tìm thấy phản ánh.")
	if err != nil {
		return nil, err
	}
	if r.Status == "" {
		r.Status = registry.ReportOpen
	}
	return r, nil
}

// UpdateReport implements registry.ReportService: the whole document is
// replaced if the version read is still the stored one; what the public
// sent is kept as stored.
func (d *DB) UpdateReport(ctx context.Context, r *registry.ProblemReport) error {
	old, err := d.FindReport(ctx, r.ID)
	if err != nil {
		return err
	}
	r.Subject, r.Kind, r.Message, r.Contact, r.Province = old.Subject, old.Kind, old.Message, old.Contact, old.Province
	r.Reference, r.PlaceOfPurchase, r.Photo = old.Reference, old.PlaceOfPurchase, old.Photo
	if err := r.Validate(); err != nil {
		return err
	}
	return d.replaceNext(ctx, colReports, stamps{&r.Version, &r.CreatedAt, &r.UpdatedAt}, old.CreatedAt,
		func() any { return r }, nil)
}
