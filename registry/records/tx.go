package records

import (
	"context"
	"sort"

	"github.com/tracereg/tracereg/registry"
)

// txState is what one transaction of an atomic engine defers to its end:
// an import writes hundreds of records in one transaction, and moving the
// audit head and the public change stamp once, not once per record, saves
// four statements a record. Nothing of it is seen before the commit, so
// the order inside the transaction does not matter to anyone else.
type txState struct {
	head    *auditHead // the audit chain's last entry as this transaction appended it; nil: none appended
	touched bool       // the public change stamp moved in this transaction
	// reserved are the idempotency keys this transaction reserved and has
	// not written yet: a key completed in the same transaction is written
	// once, done; one still pending at the end is written pending.
	reserved map[string]*registry.IdempotencyRecord
}

type txStateKey struct{}

func txStateOf(ctx context.Context) *txState {
	st, _ := ctx.Value(txStateKey{}).(*txState)
	return st
}

// tx runs fn in one transaction (store.Engine.Tx); on an atomic engine the
// outermost call also carries the transaction's state and writes what it
// deferred before the commit. Calls inside fn join.
func (d *DB) tx(ctx context.Context, fn func(ctx context.Context) error) error {
	if !d.eng.Atomic() || txStateOf(ctx) != nil {
		return d.eng.Tx(ctx, fn)
	}
	return d.eng.Tx(ctx, func(ctx context.Context) error {
		st := &txState{}
		ctx = context.WithValue(ctx, txStateKey{}, st)
		if err := fn(ctx); err != nil {
			return err
		}
		if err := d.writeReserved(ctx, st); err != nil {
			return err
		}
		if st.head != nil {
			return d.moveAuditHead(ctx, st.head)
		}
		return nil
	})
}

// writeReserved stores the keys the transaction reserved and did not
// complete, as pending reservations, in key order.
func (d *DB) writeReserved(ctx context.Context, st *txState) error {
	keys := make([]string, 0, len(st.reserved))
	for k := range st.reserved {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		raw, err := marshal(idempotencyDoc{*st.reserved[k], 1})
		if err != nil {
			return err
		}
		if err := d.eng.Insert(ctx, colIdempotency, raw); err != nil {
			return mapError(err, nil)
		}
	}
	st.reserved = nil
	return nil
}
