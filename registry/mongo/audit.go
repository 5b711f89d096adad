package mongo

import (
	"context"
	"errors"
	"strconv"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/tracereg/tracereg/registry"
)

// auditHead remembers the last entry, so an append need not look for it:
// FerretDB sorts in memory, and "the entry with the highest seq" would read
// the whole log on every write.
type auditHead struct {
	ID   string `bson:"_id"`
	Seq  int64  `bson:"seq"`
	Hash string `bson:"hash"`
}

const colAuditHead = "audit_head"

// AppendAudit implements registry.AuditService. Without transactions the
// chain stays whole because the sequence number is the entry's _id: of two
// writers that take the same place, one insert fails on the duplicate _id,
// and that writer reads the entry that took it and tries the next place.
// The head is a hint kept after each append; a stale head (a crash between
// the insert and the head update, another replica ahead) costs only a walk
// forward, one lookup by _id per entry.
func (d *DB) AppendAudit(ctx context.Context, e *registry.AuditEntry) error {
	col := d.db.Collection(colAudit)
	e.At = d.now()
	head := auditHead{Hash: registry.AuditGenesis}
	err := d.db.Collection(colAuditHead).FindOne(ctx, bson.D{{Key: "_id", Value: "head"}}).Decode(&head)
	if err != nil && !errors.Is(err, mongo.ErrNoDocuments) {
		return mapError(err, nil)
	}
	seq, prev := head.Seq, head.Hash
	for attempt := 0; ; attempt++ {
		e.Seq, e.PrevHash = seq+1, prev
		e.Hash = e.ComputeHash()
		_, err := col.InsertOne(ctx, e)
		if err == nil {
			break
		}
		if !isDuplicateKey(err) || attempt >= 100000 {
			return mapError(err, nil)
		}
		var taken registry.AuditEntry
		if err := col.FindOne(ctx, bson.D{{Key: "_id", Value: seq + 1}}).Decode(&taken); err != nil {
			return mapError(err, nil)
		}
		seq, prev = taken.Seq, taken.Hash
	}
	unlock := lockRecord(colAuditHead, "head")
	defer unlock()
	_, err = d.db.Collection(colAuditHead).UpdateOne(ctx,
		bson.D{{Key: "_id", Value: "head"}, {Key: "seq", Value: bson.D{{Key: "$lt", Value: e.Seq}}}},
		bson.D{{Key: "$set", Value: bson.D{{Key: "seq", Value: e.Seq}, {Key: "hash", Value: e.Hash}}}},
		options.UpdateOne().SetUpsert(true))
	if err != nil && !isDuplicateKey(err) {
		return mapError(err, nil) // the entry is in; only the hint is behind
	}
	return nil
}

// ListAudit implements registry.AuditService.
func (d *DB) ListAudit(ctx context.Context, f registry.AuditFilter) ([]*registry.AuditEntry, string, error) {
	page := f.Page.Normalize()
	filter := addEq(addEq(addEq(addEq(addEq(bson.D{}, "user_id", f.UserID), "target_kind", f.TargetKind), "target_id", f.TargetID),
		"enterprise_id", f.EnterpriseID), "action", f.Action)
	if page.Cursor != "" {
		after, err := strconv.ParseInt(page.Cursor, 10, 64)
		if err != nil || after < 0 {
			return nil, "", fieldError("cursor", "cursor", "is not a cursor this list returned", "không phải con trỏ do danh sách này trả về")
		}
		filter = append(filter, bson.E{Key: "_id", Value: bson.D{{Key: "$gt", Value: after}}})
	}
	cur, err := d.db.Collection(colAudit).Find(ctx, filter, options.Find().SetSort(bson.D{{Key: "_id", Value: 1}}).SetLimit(int64(page.Limit+1)))
	if err != nil {
		return nil, "", mapError(err, nil)
	}
	var out []*registry.AuditEntry
	if err := cur.All(ctx, &out); err != nil {
		return nil, "", mapError(err, nil)
	}
	next := ""
	if len(out) > page.Limit {
		out = out[:page.Limit]
		next = strconv.FormatInt(out[len(out)-1].Seq, 10)
	}
	return out, next, nil
}

// VerifyAudit implements registry.AuditService.
func (d *DB) VerifyAudit(ctx context.Context) (int64, error) {
	cur, err := d.db.Collection(colAudit).Find(ctx, bson.D{}, options.Find().SetSort(bson.D{{Key: "_id", Value: 1}}))
	if err != nil {
		return 0, mapError(err, nil)
	}
	defer cur.Close(ctx)
	check := registry.NewChainChecker()
	for cur.Next(ctx) {
		var e registry.AuditEntry
		if err := cur.Decode(&e); err != nil {
			return check.Checked, &registry.AuditBreak{Seq: check.Checked + 1, Reason: "the entry cannot be read: " + err.Error()}
		}
		if err := check.Check(&e); err != nil {
			return check.Checked, err
		}
	}
	return check.Checked, mapError(cur.Err(), nil)
}
