package records

import (
	"context"
	"errors"
	"fmt"

	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/tracereg/tracereg/registry"
	"github.com/tracereg/tracereg/registry/store"
)

var _ registry.AuditService = (*DB)(nil)

// auditDoc is an audit entry as stored: the _id is the sequence number
// zero-padded to 20 digits, so _id order is sequence order, and the number
// itself is kept as seq.
type auditDoc struct {
	ID                  string           `bson:"_id"`
	registry.AuditEntry `bson:",inline"` // its _id key is shadowed by ID
	Seq                 int64            `bson:"seq"`
	Version             int64            `bson:"version"`
}

func auditID(seq int64) string { return fmt.Sprintf("%020d", seq) }

func toAuditDoc(e *registry.AuditEntry) auditDoc {
	return auditDoc{ID: auditID(e.Seq), AuditEntry: *e, Seq: e.Seq, Version: 1}
}

func decodeAudit(raw bson.Raw) (*registry.AuditEntry, error) {
	doc, err := decode[auditDoc](raw)
	if err != nil {
		return nil, err
	}
	e := doc.AuditEntry
	e.Seq = doc.Seq
	return &e, nil
}

// auditHead remembers the last entry, so an append need not look for it.
type auditHead struct {
	ID      string `bson:"_id"`
	Seq     int64  `bson:"seq"`
	Hash    string `bson:"hash"`
	Version int64  `bson:"version"`
}

const auditHeadID = "head"

// AppendAudit implements registry.AuditService. On SQLite the append and the
// head move in one transaction. Without transactions (MongoDB) the chain
// stays whole because the sequence number is the entry's _id: of two
// writers that take the same place, one insert fails on the duplicate _id,
// and that writer reads the entry that took it and tries the next place.
// The head is then a hint; a stale head (a crash between the insert and the
// head update, another replica ahead) costs only a walk forward, one
// lookup by _id per entry.
func (d *DB) AppendAudit(ctx context.Context, e *registry.AuditEntry) error {
	return d.tx(ctx, func(ctx context.Context) error {
		e.At = d.now()
		st := txStateOf(ctx)
		var head auditHead
		if st != nil && st.head != nil {
			head = *st.head // this transaction's own appends
		} else {
			head = auditHead{Hash: registry.AuditGenesis}
			raw, err := d.eng.Get(ctx, colAuditHead, auditHeadID)
			switch {
			case errors.Is(err, store.ErrNotFound):
			case err != nil:
				return mapError(err, nil)
			default:
				if err := bson.Unmarshal(raw, &head); err != nil {
					return err
				}
			}
		}
		seq, prev := head.Seq, head.Hash
		for attempt := 0; ; attempt++ {
			e.Seq, e.PrevHash = seq+1, prev
			e.Hash = e.ComputeHash()
			doc, err := marshal(toAuditDoc(e))
			if err != nil {
				return err
			}
			err = d.eng.Insert(ctx, colAudit, doc)
			if err == nil {
				break
			}
			if !errors.Is(err, store.ErrDuplicate) || attempt >= 100000 {
				return mapError(err, nil)
			}
			traw, err := d.eng.Get(ctx, colAudit, auditID(seq+1))
			if err != nil {
				return mapError(err, nil)
			}
			taken, err := decodeAudit(traw)
			if err != nil {
				return err
			}
			seq, prev = taken.Seq, taken.Hash
		}
		moved := &auditHead{Seq: e.Seq, Hash: e.Hash}
		if st != nil {
			// Written once, when the transaction ends (txState).
			st.head = moved
			return nil
		}
		return d.moveAuditHead(ctx, moved)
	})
}

// moveAuditHead stores to as the head, forward only: another writer may be
// further on.
func (d *DB) moveAuditHead(ctx context.Context, to *auditHead) error {
	return d.rewrite(ctx, colAuditHead, auditHeadID, func(raw bson.Raw, next int64) (any, error) {
		h := auditHead{ID: auditHeadID}
		if raw != nil {
			if err := bson.Unmarshal(raw, &h); err != nil {
				return nil, err
			}
			if h.Seq >= to.Seq {
				return nil, nil
			}
		}
		h.Seq, h.Hash, h.Version = to.Seq, to.Hash, next
		return h, nil
	})
}

// ListAudit implements registry.AuditService: one page in sequence order.
// Each filter alone, and kind with target, is covered by an index that
// keeps _id (sequence) order; other combinations are refused as the
// engine cannot answer them without a scan.
func (d *DB) ListAudit(ctx context.Context, f registry.AuditFilter) ([]*registry.AuditEntry, string, error) {
	page := f.Page.Normalize()
	q := store.Query{Collection: colAudit, After: page.Cursor, Limit: page.Limit,
		Where: where("user_id", f.UserID, "target_kind", f.TargetKind, "target_id", f.TargetID,
			"enterprise_id", f.EnterpriseID, "action", f.Action)}
	raws, next, err := d.eng.Find(ctx, q)
	if err != nil {
		return nil, "", mapError(err, nil)
	}
	out := make([]*registry.AuditEntry, 0, len(raws))
	for _, raw := range raws {
		e, err := decodeAudit(raw)
		if err != nil {
			return nil, "", err
		}
		out = append(out, e)
	}
	return out, next, nil
}

// VerifyAudit implements registry.AuditService: the whole log in sequence
// (_id) order, one page at a time.
func (d *DB) VerifyAudit(ctx context.Context) (int64, error) {
	check := registry.NewChainChecker()
	q := store.Query{Collection: colAudit, Limit: store.MaxLimit}
	for {
		raws, next, err := d.eng.Find(ctx, q)
		if err != nil {
			return check.Checked, mapError(err, nil)
		}
		for _, raw := range raws {
			e, err := decodeAudit(raw)
			if err != nil {
				return check.Checked, &registry.AuditBreak{Seq: check.Checked + 1, Reason: "the entry cannot be read: " + err.Error()}
			}
			if err := check.Check(e); err != nil {
				return check.Checked, err
			}
		}
		if next == "" {
			return check.Checked, nil
		}
		q.After = next
	}
}
