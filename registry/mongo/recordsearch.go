package mongo

import (
	"context"
	"strings"

	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/tracereg/tracereg/registry"
)

var _ registry.RecordSearch = (*DB)(nil)

// FindAnnouncementsByReceipt implements registry.RecordSearch. It looks the
// number up by the unique receipt key (the receipt number once issued).
func (d *DB) FindAnnouncementsByReceipt(ctx context.Context, number string) ([]*registry.ConformityAnnouncement, error) {
	number = strings.TrimSpace(number)
	if number == "" || strings.HasPrefix(number, "none:") {
		return nil, notFound("Announcement", "hồ sơ công bố")
	}
	out, err := findAll[registry.ConformityAnnouncement](ctx, d, colAnnouncements,
		bson.D{{Key: "receipt_key", Value: number}}, bson.D{{Key: "_id", Value: 1}})
	if err != nil {
		return nil, err
	}
	if len(out) == 0 {
		return nil, notFound("Announcement", "hồ sơ công bố")
	}
	return out, nil
}
