package registry

import "context"

// RecordSearch finds records by the keys an inspector types or scans that
// the base services do not look up. registry/records implements it; the
// workspaces type-assert their store to it.
type RecordSearch interface {
	// FindAnnouncementsByReceipt returns the announcements whose notice of
	// receipt has that number (numbers are unique). ENOTFOUND if none.
	FindAnnouncementsByReceipt(ctx context.Context, number string) ([]*ConformityAnnouncement, error)
}
