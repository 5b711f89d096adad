package records

import (
	"context"
	"fmt"

	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/tracereg/tracereg/registry/store"
)

// Legacy is a move of the records of the earlier layout (the embedded
// FerretDB's, before this store layer) into an engine: most collections
// carry over with a version added where they had none; the audit log's
// numeric _id becomes its zero-padded string; counters kept as documents
// (the public change stamp, receipt and serial sequences) become engine
// counters.
type Legacy struct {
	eng      store.Engine
	batch    []pendingDoc
	Records  int64
	Counters int64
	Skipped  map[string]int64 // collections the current layout no longer has
}

type pendingDoc struct {
	coll string
	doc  bson.Raw
}

// NewLegacy starts a move into eng, which should be empty.
func NewLegacy(eng store.Engine) *Legacy { return &Legacy{eng: eng, Skipped: map[string]int64{}} }

// legacyCounters maps the old counter collections to the engine counter
// a document becomes: its name and value.
var legacyCounters = map[string]func(d bson.D) (string, int64, bool){
	"changes": func(d bson.D) (string, int64, bool) { // {_id: "public", v: n}
		return counterPublic, intField(d, "v"), stringField(d, "_id") == "public"
	},
	"serial_counters": func(d bson.D) (string, int64, bool) { // {_id: batch, issued: n}
		return serialCounter(stringField(d, "_id")), intField(d, "issued"), stringField(d, "_id") != ""
	},
	"counters": func(d bson.D) (string, int64, bool) { // {_id: "receipt:YEAR:AGENCY", seq: n}
		return stringField(d, "_id"), intField(d, "seq"), stringField(d, "_id") != ""
	},
}

// Add converts one old document and queues it; Flush writes the queue.
func (l *Legacy) Add(ctx context.Context, coll string, raw bson.Raw) error {
	var d bson.D
	if err := bson.Unmarshal(raw, &d); err != nil {
		return err
	}
	if conv, ok := legacyCounters[coll]; ok {
		name, v, ok := conv(d)
		if !ok {
			return fmt.Errorf("a counter document without a name: %v", d)
		}
		if _, err := l.eng.Add(ctx, name, v); err != nil {
			return err
		}
		l.Counters++
		return nil
	}
	if l.eng.Schema().Collection(coll) == nil {
		l.Skipped[coll]++
		return nil
	}
	if coll == colAudit {
		seq := intField(d, "_id")
		d = setField(d, "_id", auditID(seq))
		d = setField(d, "seq", seq)
	}
	if _, ok := lookupField(d, "version"); !ok {
		d = append(d, bson.E{Key: "version", Value: int64(1)})
	}
	out, err := bson.Marshal(d)
	if err != nil {
		return err
	}
	l.batch = append(l.batch, pendingDoc{coll, out})
	if len(l.batch) >= 1000 {
		return l.Flush(ctx)
	}
	return nil
}

// Flush writes the queued documents in one transaction.
func (l *Legacy) Flush(ctx context.Context) error {
	err := l.eng.Tx(ctx, func(ctx context.Context) error {
		for _, p := range l.batch {
			if err := l.eng.Insert(ctx, p.coll, p.doc); err != nil {
				id, _ := bson.Raw(p.doc).Lookup("_id").StringValueOK()
				return fmt.Errorf("%s %s: %w", p.coll, id, err)
			}
		}
		return nil
	})
	if err == nil {
		l.Records += int64(len(l.batch))
	}
	l.batch = l.batch[:0]
	return err
}

func lookupField(d bson.D, key string) (any, bool) {
	for _, e := range d {
		if e.Key == key {
			return e.Value, true
		}
	}
	return nil, false
}

func stringField(d bson.D, key string) string {
	v, _ := lookupField(d, key)
	s, _ := v.(string)
	return s
}

func intField(d bson.D, key string) int64 {
	v, _ := lookupField(d, key)
	switch x := v.(type) {
	case int32:
		return int64(x)
	case int64:
		return x
	case float64:
		return int64(x)
	}
	return 0
}

func setField(d bson.D, key string, v any) bson.D {
	for i := range d {
		if d[i].Key == key {
			d[i].Value = v
			return d
		}
	}
	return append(d, bson.E{Key: key, Value: v})
}
