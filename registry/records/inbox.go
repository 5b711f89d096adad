package records

import (
	"context"
	"fmt"
	"strings"

	"github.com/tracereg/tracereg/registry"
	"github.com/tracereg/tracereg/registry/store"
)

var (
	_ registry.InboxService  = (*DB)(nil)
	_ registry.ReceiptPeeker = (*DB)(nil)
)

// TransitionAnnouncement implements registry.InboxService.
func (d *DB) TransitionAnnouncement(ctx context.Context, id string, version int, t registry.AnnouncementTransition) (*registry.ConformityAnnouncement, error) {
	a, err := d.FindAnnouncement(ctx, id)
	if err != nil {
		return nil, err
	}
	// A stale reader is told to reload before being told its decision no
	// longer fits: the status it decided on may be gone.
	if a.Version != version {
		return nil, errStale
	}
	actor, _ := registry.ActorFrom(ctx)
	now := d.now()
	if err := t.Apply(a, actor, now); err != nil {
		return nil, err
	}
	if err := a.Validate(); err != nil {
		return nil, err
	}
	a.UpdatedAt, a.Version = now, version+1
	err = d.tx(ctx, func(ctx context.Context) error {
		if err := d.replace(ctx, colAnnouncements, version, newAnnouncementDoc(a), errReceiptTaken); err != nil {
			return err
		}
		if t.Action != registry.TransitionIssueReceipt || a.Status != registry.AnnReceived {
			return nil
		}
		return d.queueWebhooks(ctx, registry.EventReceiptIssued, a.EnterpriseID, receiptEventData{AnnouncementID: a.ID,
			EnterpriseID: a.EnterpriseID, Type: a.Type, ReceiptNumber: a.ReceiptNumber, ReceiptDate: a.ReceiptDate, ProductIDs: a.ProductIDs})
	})
	if err != nil {
		return nil, err
	}
	return a, nil
}

// receiptCounter names the counter of one agency's receipt numbers in a
// year (the same name the FerretDB-era counters document had, so migrated
// sequences continue).
func receiptCounter(agency string, year int) (string, error) {
	agency = strings.TrimSpace(agency)
	var p registry.Problems
	if agency == "" || len([]rune(agency)) > 200 {
		p.Add("agency", "required", "name the agency in at most 200 characters", "cần tên cơ quan, tối đa 200 ký tự")
	}
	if year < 1900 || year > 2200 {
		p.Add("year", "range", "must be between 1900 and 2200", "phải nằm trong khoảng 1900 đến 2200")
	}
	if err := p.Err(); err != nil {
		return "", err
	}
	return fmt.Sprintf("receipt:%d:%s", year, agency), nil
}

// NextReceiptSequence implements registry.InboxService with an atomic counter.
func (d *DB) NextReceiptSequence(ctx context.Context, agency string, year int) (int, error) {
	name, err := receiptCounter(agency, year)
	if err != nil {
		return 0, err
	}
	n, err := d.eng.Add(ctx, name, 1)
	return int(n), mapError(err, nil)
}

// PeekReceiptSequence implements registry.ReceiptPeeker: the number
// NextReceiptSequence would give, without taking it.
func (d *DB) PeekReceiptSequence(ctx context.Context, agency string, year int) (int, error) {
	name, err := receiptCounter(agency, year)
	if err != nil {
		return 0, err
	}
	n, err := d.eng.Counter(ctx, name)
	if err != nil {
		return 0, mapError(err, nil)
	}
	return int(n) + 1, nil
}

// waitingStatuses are the statuses of dossiers in an inbox.
var waitingStatuses = []string{registry.AnnSubmitted, registry.AnnNeedsMore}

// ListInbox implements registry.InboxService. The deadlines depend on the
// calendar, so the order is computed here rather than by the database; an
// inbox holds only the dossiers still waiting, read by status (indexed)
// and narrowed by agency, enterprise and type.
func (d *DB) ListInbox(ctx context.Context, f registry.InboxFilter) ([]registry.InboxEntry, error) {
	if err := f.Validate(); err != nil {
		return nil, err
	}
	statuses := waitingStatuses
	if f.Status != "" {
		statuses = []string{f.Status}
	}
	now := d.now()
	var entries []registry.InboxEntry
	for _, status := range statuses {
		q := store.Query{Collection: colAnnouncements, Where: where("enterprise_id", f.EnterpriseID, "status", status)}
		err := each(ctx, d, q, func(a *registry.ConformityAnnouncement) error {
			if matches(f.Agency, a.Agency) && matches(f.Type, a.Type) {
				entries = append(entries, registry.NewInboxEntry(a, f.Calendar, f.Rules, now))
			}
			return nil
		})
		if err != nil {
			return nil, err
		}
	}
	if entries == nil {
		entries = []registry.InboxEntry{}
	}
	registry.SortInbox(entries)
	return entries, nil
}
