package mongo

import (
	"context"
	"errors"
	"strings"
	"sync"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/tracereg/tracereg/registry"
)

// CreateEvents implements registry.MaintenanceService. It reads each lot and
// facility the events name once (not once per event), and writes the events
// that are not transformations with one unordered InsertMany; a repeated
// idempotency key shows up as that event's duplicate-key error and is
// answered with the stored event (no query of every key first: FerretDB
// does not push $in down, so that would read the whole collection).
// Transformations are written one by one after a cycle check, so a loop made
// by two rows of the same import is caught too.
func (d *DB) CreateEvents(ctx context.Context, events []*registry.TraceEvent, allOrNothing bool) ([]registry.EventResult, error) {
	defer d.touch(ctx, colEvents) // one stamp for the whole import
	res := make([]registry.EventResult, len(events))
	now := d.clock.Now()
	for i, e := range events {
		res[i].Err = e.Validate(now)
	}

	// Replays: keys already stored, and keys repeated within this call.
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
	// References, in two queries.
	var batchIDs, facilityIDs []string
	for i, e := range events {
		if res[i].Err == nil {
			batchIDs = append(batchIDs, e.BatchIDs()...)
			if e.FacilityID != "" {
				facilityIDs = append(facilityIDs, e.FacilityID)
			}
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
	for i, e := range events {
		if res[i].Err != nil {
			failed = true
			continue
		}
		if dupOf[i] >= 0 {
			continue
		}
		var p registry.Problems
		refProblem := func(field string) {
			p.Add(field, "exists", "refers to a record that does not exist or belongs to another enterprise",
				"tham chiếu tới bản ghi không tồn tại hoặc thuộc doanh nghiệp khác")
		}
		if e.FacilityID != "" && facilityOwner[e.FacilityID] != e.EnterpriseID {
			refProblem("facility_id")
		}
		for _, q := range e.Inputs {
			if _, ok := batchOwner[q.BatchID]; !ok {
				refProblem("inputs")
				break
			}
		}
		for field, qs := range map[string][]registry.Quantity{"batches": e.Batches, "outputs": e.Outputs} {
			for _, q := range qs {
				if batchOwner[q.BatchID] != e.EnterpriseID {
					refProblem(field)
					break
				}
			}
		}
		if res[i].Err = p.Err(); res[i].Err != nil {
			failed = true
		}
	}
	if failed && allOrNothing {
		return res, nil
	}

	// Write.
	recordedBy := ""
	if actor, ok := registry.ActorFrom(ctx); ok {
		recordedBy = actor.Username
	}
	var plain []any
	var plainIdx []int
	var created []string
	for i, e := range events {
		if res[i].Err != nil || res[i].Replayed || dupOf[i] >= 0 {
			continue
		}
		e.ID, e.RecordedAt, e.RecordedBy = newID(), d.now(), recordedBy
		if e.IdempotencyKey == "" {
			e.IdempotencyKey = "id:" + e.ID
		}
		res[i].ID = e.ID
		if e.Kind != registry.EventTransformation {
			plain = append(plain, e)
			plainIdx = append(plainIdx, i)
		}
	}
	writeFailed := false
	if len(plain) > 0 {
		_, err := d.db.Collection(colEvents).InsertMany(ctx, plain, options.InsertMany().SetOrdered(false))
		for attempt := 1; attempt <= 5 && busy(err); attempt++ {
			// The embedded database has one writer; under a burst it gives up
			// waiting for the lock. Events already in come back as duplicates
			// of their own keys below, so trying again is safe.
			select {
			case <-ctx.Done():
				return nil, ctx.Err()
			case <-time.After(time.Duration(attempt*attempt) * 100 * time.Millisecond):
			}
			_, err = d.db.Collection(colEvents).InsertMany(ctx, plain, options.InsertMany().SetOrdered(false))
		}
		if busy(err) {
			return nil, unavailable(err)
		}
		bad := map[int]error{}
		if err != nil {
			var bwe mongo.BulkWriteException
			if !errors.As(err, &bwe) || len(bwe.WriteErrors) == 0 {
				return nil, mapError(err, nil)
			}
			for _, we := range bwe.WriteErrors {
				if we.Code == 11000 || we.Code == 11001 || strings.Contains(we.Message, "UNIQUE constraint failed") {
					bad[we.Index] = errEventKeyTaken
				} else {
					bad[we.Index] = mapError(we, nil)
				}
			}
		}
		for n, i := range plainIdx {
			e := events[i]
			werr, ok := bad[n]
			if !ok {
				created = append(created, e.ID)
				continue
			}
			if registry.ErrorCode(werr) == registry.ECONFLICT {
				if prev, err := d.findEventByKey(ctx, e.EnterpriseID, e.IdempotencyKey); err == nil {
					if prev.ID == e.ID {
						created = append(created, e.ID) // ours, written by an attempt that was retried
						continue
					}
					*e = *prev
					res[i] = registry.EventResult{ID: prev.ID, Replayed: true}
					continue
				}
			}
			res[i] = registry.EventResult{Err: werr}
			writeFailed = true
		}
	}
	for i, e := range events {
		if res[i].Err != nil || res[i].Replayed || dupOf[i] >= 0 || e.Kind != registry.EventTransformation {
			continue
		}
		if writeFailed && allOrNothing {
			res[i] = registry.EventResult{Err: errNotWritten}
			continue
		}
		cycle, err := d.wouldCycle(ctx, quantityIDs(e.Inputs), quantityIDs(e.Outputs))
		if err != nil {
			return nil, err
		}
		if cycle {
			res[i] = registry.EventResult{Err: fieldError("outputs", "cycle", "an output is already upstream of an input: the genealogy would loop",
				"một lô đầu ra đã nằm ở thượng nguồn của lô đầu vào: phả hệ sẽ bị vòng lặp")}
			writeFailed = true
			continue
		}
		err = d.insertOne(ctx, colEvents, e, errEventKeyTaken)
		if registry.ErrorCode(err) == registry.ECONFLICT {
			if prev, ferr := d.findEventByKey(ctx, e.EnterpriseID, e.IdempotencyKey); ferr == nil {
				*e = *prev
				res[i] = registry.EventResult{ID: prev.ID, Replayed: true}
				continue
			}
		}
		if err != nil {
			res[i] = registry.EventResult{Err: err}
			writeFailed = true
			continue
		}
		created = append(created, e.ID)
	}
	if writeFailed && allOrNothing {
		if err := d.DeleteEvents(ctx, created); err != nil {
			return nil, err
		}
		for i := range res {
			if res[i].Err == nil && !res[i].Replayed {
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

// busy reports the embedded database giving up on its write lock
// (SQLITE_BUSY after its busy timeout): retryable, not a failure of the data.
func busy(err error) bool {
	return err != nil && strings.Contains(err.Error(), "SQLITE_BUSY")
}

var errNotWritten = registry.Errorf(registry.ECONFLICT, "Not written: another row of the import failed while writing.",
	"Chưa ghi: một dòng khác của lần nhập bị lỗi khi ghi.")

func (d *DB) findEventByKey(ctx context.Context, enterpriseID, key string) (*registry.TraceEvent, error) {
	return findOne[registry.TraceEvent](ctx, d, colEvents, bson.D{{Key: "enterprise_id", Value: enterpriseID}, {Key: "idempotency_key", Value: key}}, "Event", "sự kiện")
}

// owners maps each existing ID of col among ids to its enterprise.
func (d *DB) owners(ctx context.Context, col string, ids []string) (map[string]string, error) {
	out := map[string]string{}
	if len(ids) == 0 {
		return out, nil
	}
	seen := map[string]bool{}
	var uniq []string
	for _, id := range ids {
		if !seen[id] && registry.ValidID(id) {
			seen[id] = true
			uniq = append(uniq, id)
		}
	}
	type owned struct {
		ID           string `bson:"_id"`
		EnterpriseID string `bson:"enterprise_id"`
	}
	// One lookup by _id per distinct ID: an _id equality is answered from the
	// primary key on FerretDB too, where $in would read the whole collection.
	// A few at a time, so the round trips overlap.
	proj := options.FindOne().SetProjection(bson.D{{Key: "enterprise_id", Value: 1}})
	var mu sync.Mutex
	var firstErr error
	var wg sync.WaitGroup
	sem := make(chan struct{}, 8)
	for _, id := range uniq {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer func() { <-sem; wg.Done() }()
			var r owned
			err := d.db.Collection(col).FindOne(ctx, bson.D{{Key: "_id", Value: id}}, proj).Decode(&r)
			mu.Lock()
			defer mu.Unlock()
			switch {
			case errors.Is(err, mongo.ErrNoDocuments):
			case err != nil:
				if firstErr == nil {
					firstErr = mapError(err, nil)
				}
			default:
				out[r.ID] = r.EnterpriseID
			}
		}()
	}
	wg.Wait()
	if firstErr != nil {
		return nil, firstErr
	}
	return out, nil
}

// DeleteEvents implements registry.MaintenanceService.
func (d *DB) DeleteEvents(ctx context.Context, ids []string) error {
	if len(ids) == 0 {
		return nil
	}
	_, err := d.db.Collection(colEvents).DeleteMany(ctx, bson.D{{Key: "_id", Value: bson.D{{Key: "$in", Value: ids}}}})
	d.touch(ctx, colEvents)
	return mapError(err, nil)
}
