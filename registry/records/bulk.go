package records

import (
	"context"
	"errors"

	"github.com/tracereg/tracereg/registry"
	"github.com/tracereg/tracereg/registry/store"
)

// eventChunk is how many events one transaction writes when a partial
// import is allowed: long enough to be cheap, short enough that other
// writers wait little.
const eventChunk = 500

var errNotWritten = registry.Errorf(registry.ECONFLICT, "Not written: another row of the import failed while writing.",
	"Chưa ghi: một dòng khác của lần nhập bị lỗi khi ghi.")

// errAbort unwinds an all-or-nothing import's transaction.
var errAbort = errors.New("records: import aborted")

// CreateEvents implements registry.MaintenanceService. It reads each lot and
// facility the events name once (not once per event), then writes the
// events in transactions: all of them in one when allOrNothing (rolled back
// whole on SQLite; on MongoDB the events already written are deleted),
// else in chunks. A repeated idempotency key, stored or within the call,
// is answered with the first event.
func (d *DB) CreateEvents(ctx context.Context, events []*registry.TraceEvent, allOrNothing bool) ([]registry.EventResult, error) {
	res := make([]registry.EventResult, len(events))
	now := d.clock.Now()
	for i, e := range events {
		res[i].Err = e.Validate(now)
	}

	// Keys repeated within this call answer with their first event.
	firstOfKey := map[[2]string]int{}
	dupOf := make([]int, len(events))
	for i, e := range events {
		dupOf[i] = -1
		if res[i].Err != nil || e.IdempotencyKey == "" {
			continue
		}
		k := [2]string{e.EnterpriseID, e.IdempotencyKey}
		if j, ok := firstOfKey[k]; ok {
			dupOf[i] = j
			continue
		}
		firstOfKey[k] = i
	}
	var batchIDs, facilityIDs []string
	for i, e := range events {
		if res[i].Err == nil {
			batchIDs = append(batchIDs, e.BatchIDs()...)
			facilityIDs = append(facilityIDs, e.FacilityID)
		}
	}
	batchOwner, err := d.owners(ctx, colBatches, batchIDs)
	if err != nil {
		return nil, err
	}
	facilityOwner, err := d.owners(ctx, colFacilities, facilityIDs)
	if err != nil {
		return nil, err
	}
	failed := false
	chain := d.supplyChain()
	for i, e := range events {
		if res[i].Err == nil && dupOf[i] < 0 {
			res[i].Err = checkEventRefs(e, batchOwner, facilityOwner)
		}
		if res[i].Err == nil && dupOf[i] < 0 && len(e.Inputs) > 0 {
			var p registry.Problems
			if err := chain.checkInputs(ctx, &p, e); err != nil {
				return nil, err
			}
			res[i].Err = p.Err()
		}
		failed = failed || res[i].Err != nil
	}
	if failed && allOrNothing {
		return res, nil
	}

	recordedBy := ""
	if actor, ok := registry.ActorFrom(ctx); ok {
		recordedBy = actor.Username
	}
	var todo []int
	for i := range events {
		if res[i].Err == nil && dupOf[i] < 0 {
			todo = append(todo, i)
		}
	}
	chunk := eventChunk
	if allOrNothing {
		chunk = len(todo)
	}
	var created []string
	writeFailed := false
	for start := 0; start < len(todo); start += chunk {
		part := todo[start:min(start+chunk, len(todo))]
		var mine []string
		err := d.tx(ctx, func(ctx context.Context) error {
			mine = mine[:0]
			for _, i := range part {
				err := d.writeImported(ctx, events[i], recordedBy, &res[i])
				if code := registry.ErrorCode(err); code == registry.EINTERNAL || code == registry.EUNAVAILABLE {
					return err // the database failed, not the row
				}
				if err != nil {
					res[i] = registry.EventResult{Err: err}
					if allOrNothing {
						writeFailed = true
						return errAbort
					}
					continue
				}
				if !res[i].Replayed {
					mine = append(mine, res[i].ID)
				}
			}
			return d.touch(ctx, colEvents)
		})
		if errors.Is(err, errAbort) {
			break
		}
		if err != nil {
			if !d.eng.Atomic() {
				_ = d.DeleteEvents(ctx, append(created, mine...))
			}
			return nil, mapError(err, nil)
		}
		created = append(created, mine...)
	}
	if writeFailed {
		if !d.eng.Atomic() {
			if err := d.DeleteEvents(ctx, created); err != nil {
				return nil, err
			}
		}
		for i := range res {
			if res[i].Err == nil {
				res[i] = registry.EventResult{Err: errNotWritten}
			}
		}
		return res, nil
	}
	for i, j := range dupOf {
		if j >= 0 {
			res[i] = registry.EventResult{ID: res[j].ID, Replayed: true, Err: res[j].Err}
			if res[j].ID != "" {
				*events[i] = *events[j]
			}
		}
	}
	return res, nil
}

// checkEventRefs is CreateEvent's reference rule over owners read in advance;
// inputs are the supply chain's to check.
func checkEventRefs(e *registry.TraceEvent, batchOwner, facilityOwner map[string]string) error {
	var p registry.Problems
	refProblem := func(field string) {
		p.Add(field, "exists", "refers to a record that does not exist or belongs to another enterprise",
			"tham chiếu tới bản ghi không tồn tại hoặc thuộc doanh nghiệp khác")
	}
	if e.FacilityID != "" && facilityOwner[e.FacilityID] != e.EnterpriseID {
		refProblem("facility_id")
	}
	for _, f := range []struct {
		field string
		qs    []registry.Quantity
	}{{"batches", e.Batches}, {"outputs", e.Outputs}} {
		for _, q := range f.qs {
			if batchOwner[q.BatchID] != e.EnterpriseID {
				refProblem(f.field)
				break
			}
		}
	}
	return p.Err()
}

// writeImported writes one checked event of an import, or finds the stored
// event with its idempotency key. A registry error is the row's; any other
// is the database's.
func (d *DB) writeImported(ctx context.Context, e *registry.TraceEvent, recordedBy string, res *registry.EventResult) error {
	if e.IdempotencyKey != "" {
		prev, err := d.findEventByKey(ctx, e.EnterpriseID, e.IdempotencyKey)
		if err == nil {
			*e = *prev
			*res = registry.EventResult{ID: prev.ID, Replayed: true}
			return nil
		}
		if registry.ErrorCode(err) != registry.ENOTFOUND {
			return err
		}
	}
	if e.Kind == registry.EventTransformation {
		if err := d.checkCycle(ctx, e); err != nil {
			return err
		}
	}
	e.ID, e.RecordedAt, e.RecordedBy = newID(), d.now(), recordedBy
	if e.IdempotencyKey == "" {
		e.IdempotencyKey = "id:" + e.ID
	}
	raw, err := marshal(eventDoc{*e, 1})
	if err != nil {
		return err
	}
	if err := d.eng.Insert(ctx, colEvents, raw); err != nil {
		if errors.Is(err, store.ErrDuplicate) {
			return errEventKeyTaken
		}
		return err
	}
	*res = registry.EventResult{ID: e.ID}
	return nil
}

// owners maps each existing ID of col among ids to its enterprise: one get
// per distinct ID.
func (d *DB) owners(ctx context.Context, col string, ids []string) (map[string]string, error) {
	out := map[string]string{}
	seen := map[string]bool{}
	for _, id := range ids {
		if seen[id] || !registry.ValidID(id) {
			continue
		}
		seen[id] = true
		raw, err := d.eng.Get(ctx, col, id)
		if errors.Is(err, store.ErrNotFound) {
			continue
		}
		if err != nil {
			return nil, mapError(err, nil)
		}
		out[id], _ = raw.Lookup("enterprise_id").StringValueOK()
	}
	return out, nil
}

// DeleteEvents implements registry.MaintenanceService.
func (d *DB) DeleteEvents(ctx context.Context, ids []string) error {
	if len(ids) == 0 {
		return nil
	}
	return d.tx(ctx, func(ctx context.Context) error {
		for _, id := range ids {
			if err := d.eng.Delete(ctx, colEvents, id); err != nil && !errors.Is(err, store.ErrNotFound) {
				return mapError(err, nil)
			}
		}
		return d.touch(ctx, colEvents)
	})
}
