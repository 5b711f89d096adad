package mongo

import (
	"context"
	"fmt"
	"strings"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/tracereg/tracereg/registry"
)

// colCounters holds one document per sequence: {_id, seq}.
const colCounters = "counters"

var _ registry.InboxService = (*DB)(nil)

// TransitionAnnouncement implements registry.InboxService.
func (d *DB) TransitionAnnouncement(ctx context.Context, id string, version int, t registry.AnnouncementTransition) (*registry.ConformityAnnouncement, error) {
	a, err := d.FindAnnouncement(ctx, id)
	if err != nil {
		return nil, err
	}
	// A stale reader is told to reload before being told its decision no
	// longer fits: the status it decided on may be gone.
	if a.Version != version {
		return nil, registry.Errorf(registry.ESTALE, "The record changed since you read it; reload and try again.",
			"Bản ghi đã thay đổi kể từ khi bạn đọc; hãy tải lại và thử lại.")
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
	if err := d.replaceVersioned(ctx, colAnnouncements, id, version, newAnnouncementDoc(a), errReceiptTaken); err != nil {
		return nil, err
	}
	return a, nil
}

// NextReceiptSequence implements registry.InboxService. One counter document
// per agency and year, bumped by $inc in a single FindOneAndUpdate with
// upsert: atomic on MongoDB; FerretDB (SQLite) reads then writes, so the
// per-record lock serialises it within the process that owns the embedded
// database. Two first upserts racing on MongoDB can fail with a duplicate
// _id; the document then exists and the retry increments it.
func (d *DB) NextReceiptSequence(ctx context.Context, agency string, year int) (int, error) {
	agency = strings.TrimSpace(agency)
	var p registry.Problems
	if agency == "" || len([]rune(agency)) > 200 {
		p.Add("agency", "required", "name the agency in at most 200 characters", "cần tên cơ quan, tối đa 200 ký tự")
	}
	if year < 1900 || year > 2200 {
		p.Add("year", "range", "must be between 1900 and 2200", "phải nằm trong khoảng 1900 đến 2200")
	}
	if err := p.Err(); err != nil {
		return 0, err
	}
	id := fmt.Sprintf("receipt:%d:%s", year, agency)
	filter := bson.D{{Key: "_id", Value: id}}
	update := bson.D{
		{Key: "$inc", Value: bson.D{{Key: "seq", Value: 1}}},
		{Key: "$setOnInsert", Value: bson.D{{Key: "kind", Value: "receipt"}, {Key: "agency", Value: agency}, {Key: "year", Value: year}}},
	}
	opts := options.FindOneAndUpdate().SetUpsert(true).SetReturnDocument(options.After)
	for attempt := 0; ; attempt++ {
		var counter struct {
			Seq int `bson:"seq"`
		}
		unlock := lockRecord(colCounters, id)
		err := d.db.Collection(colCounters).FindOneAndUpdate(ctx, filter, update, opts).Decode(&counter)
		unlock()
		switch {
		case err == nil:
			return counter.Seq, nil
		case isDuplicateKey(err) && attempt < 3:
			continue
		}
		return 0, mapError(err, nil)
	}
}

// ListInbox implements registry.InboxService. The deadlines depend on the
// calendar, so the order is computed here rather than by the database; an
// inbox holds only the dossiers still waiting, so it is read whole.
func (d *DB) ListInbox(ctx context.Context, f registry.InboxFilter) ([]registry.InboxEntry, error) {
	if err := f.Validate(); err != nil {
		return nil, err
	}
	filter := addEq(addEq(addEq(bson.D{}, "agency", f.Agency), "enterprise_id", f.EnterpriseID), "type", f.Type)
	if f.Status != "" {
		filter = append(filter, bson.E{Key: "status", Value: f.Status})
	} else {
		filter = append(filter, bson.E{Key: "status", Value: bson.D{{Key: "$in", Value: bson.A{registry.AnnSubmitted, registry.AnnNeedsMore}}}})
	}
	found, err := findAll[registry.ConformityAnnouncement](ctx, d, colAnnouncements, filter, bson.D{{Key: "_id", Value: 1}})
	if err != nil {
		return nil, err
	}
	now := d.now()
	entries := make([]registry.InboxEntry, 0, len(found))
	for _, a := range found {
		entries = append(entries, registry.NewInboxEntry(a, f.Calendar, f.Rules, now))
	}
	registry.SortInbox(entries)
	return entries, nil
}
