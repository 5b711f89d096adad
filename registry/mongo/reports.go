package mongo

import (
	"context"
	"strings"

	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/tracereg/tracereg/registry"
)

// CreateReport implements registry.ReportService.
func (d *DB) CreateReport(ctx context.Context, r *registry.ProblemReport) error {
	r.Message = strings.TrimSpace(r.Message)
	if err := r.Validate(); err != nil {
		return err
	}
	r.ID, r.Status, r.CreatedAt = newID(), "open", d.now()
	return d.insertOne(ctx, colReports, r, nil)
}

// ListReports implements registry.ReportService.
func (d *DB) ListReports(ctx context.Context, page registry.Page) ([]*registry.ProblemReport, string, error) {
	return list(ctx, d, colReports, bson.D{}, page, func(x *registry.ProblemReport) string { return x.ID })
}
