package records

import (
	"context"
	"strings"

	"github.com/tracereg/tracereg/registry"
	"github.com/tracereg/tracereg/registry/store"
)

var _ registry.RecordSearch = (*DB)(nil)

// FindAnnouncementsByReceipt implements registry.RecordSearch. It looks the
// number up by the unique receipt key (the receipt number once issued).
func (d *DB) FindAnnouncementsByReceipt(ctx context.Context, number string) ([]*registry.ConformityAnnouncement, error) {
	number = strings.TrimSpace(number)
	if number == "" || strings.HasPrefix(number, "none:") {
		return nil, notFound("Announcement", "hồ sơ công bố")
	}
	out, err := all[registry.ConformityAnnouncement](ctx, d, store.Query{Collection: colAnnouncements, Where: where("receipt_key", number)})
	if err != nil {
		return nil, err
	}
	if len(out) == 0 {
		return nil, notFound("Announcement", "hồ sơ công bố")
	}
	return out, nil
}
