package storetest

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/tracereg/tracereg/registry/store"
)

// ContractSchema is the schema the contract suite runs on.
var ContractSchema = store.Schema{
	{Name: "things", Indexes: []store.Index{
		{Fields: []string{"code"}, Unique: true},
		{Fields: []string{"owner", "n"}},
		{Fields: []string{"owner", "at"}},
		{Fields: []string{"tags.name"}},
		{Fields: []string{"kind"}},
		{Fields: []string{"at"}},
	}},
	{Name: "others"},
}

// Thing is the contract suite's document.
type Thing struct {
	ID      string    `bson:"_id"`
	Version int64     `bson:"version"`
	Code    string    `bson:"code"`
	Owner   string    `bson:"owner"`
	N       int       `bson:"n"`
	At      time.Time `bson:"at"`
	Kind    string    `bson:"kind,omitempty"`
	Tags    []Tag     `bson:"tags"`
}

// Tag is an element of an array of subdocuments.
type Tag struct {
	Name string `bson:"name"`
}

func raw(tb testing.TB, v any) bson.Raw {
	tb.Helper()
	b, err := bson.Marshal(v)
	if err != nil {
		tb.Fatal(err)
	}
	return b
}

func thing(id string, n int) *Thing {
	return &Thing{ID: id, Version: 1, Code: "c-" + id, Owner: "o1", N: n,
		At: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC).Add(time.Duration(n) * time.Hour), Tags: []Tag{{"t" + id}, {"all"}}}
}

func ids(tb testing.TB, raws []bson.Raw) []string {
	tb.Helper()
	var out []string
	for _, r := range raws {
		id, _, err := store.DocID(r)
		if err != nil {
			tb.Fatal(err)
		}
		out = append(out, id)
	}
	return out
}

// Run runs the contract every engine passes. open returns a fresh engine
// opened with the given schema.
func Run(t *testing.T, open func(t *testing.T, s store.Schema) store.Engine) {
	ctx := context.Background()
	fresh := func(t *testing.T) store.Engine {
		t.Helper()
		e := open(t, ContractSchema)
		for i := 1; i <= 9; i++ {
			if err := e.Insert(ctx, "things", raw(t, thing(fmt.Sprintf("id%d", i), i%5))); err != nil {
				t.Fatal(err)
			}
		}
		return e
	}

	t.Run("InsertGetDuplicates", func(t *testing.T) {
		e := fresh(t)
		got, err := e.Get(ctx, "things", "id3")
		if err != nil {
			t.Fatal(err)
		}
		var th Thing
		if err := bson.Unmarshal(got, &th); err != nil || th.Code != "c-id3" || !th.At.Equal(thing("id3", 3).At) {
			t.Fatalf("got %+v, %v", th, err)
		}
		if _, err := e.Get(ctx, "things", "nope"); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("missing: %v", err)
		}
		if err := e.Insert(ctx, "things", raw(t, &Thing{ID: "id3", Version: 1, Code: "fresh"})); !errors.Is(err, store.ErrDuplicate) {
			t.Fatalf("same _id: %v", err)
		}
		var de *store.DuplicateError
		if err := e.Insert(ctx, "things", raw(t, &Thing{ID: "new", Version: 1, Code: "c-id4"})); !errors.As(err, &de) {
			t.Fatalf("taken unique code: %v", err)
		}
		if _, err := e.Get(ctx, "things", "new"); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("a refused insert left a document: %v", err)
		}
		for _, bad := range []any{bson.D{{Key: "_id", Value: "x"}}, bson.D{{Key: "_id", Value: 7}, {Key: "version", Value: 1}},
			bson.D{{Key: "_id", Value: "x"}, {Key: "version", Value: 0}}, bson.D{{Key: "version", Value: 1}}} {
			if err := e.Insert(ctx, "things", raw(t, bad)); !errors.Is(err, store.ErrBadDoc) {
				t.Fatalf("%v: %v", bad, err)
			}
		}
		if err := e.Insert(ctx, "undeclared", raw(t, thing("z", 1))); !errors.Is(err, store.ErrNotCovered) {
			t.Fatalf("undeclared collection: %v", err)
		}
	})

	t.Run("ReplaceByVersion", func(t *testing.T) {
		e := fresh(t)
		th := thing("id2", 2)
		th.Version, th.Code, th.Tags = 2, "renamed", []Tag{{"fresh"}}
		if err := e.Replace(ctx, "things", 1, raw(t, th)); err != nil {
			t.Fatal(err)
		}
		if err := e.Replace(ctx, "things", 1, raw(t, th)); !errors.Is(err, store.ErrStale) {
			t.Fatalf("stale version: %v", err)
		}
		ghost := thing("ghost", 1)
		if err := e.Replace(ctx, "things", 1, raw(t, ghost)); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("missing: %v", err)
		}
		// Index entries follow the new values: the old code and tag are free.
		if got, _, _ := e.Find(ctx, store.Query{Collection: "things", Where: []store.Cond{store.Eq("code", "c-id2")}}); len(got) != 0 {
			t.Fatalf("old code still found: %v", ids(t, got))
		}
		if got, _, _ := e.Find(ctx, store.Query{Collection: "things", Where: []store.Cond{store.Eq("code", "renamed")}}); !slices.Equal(ids(t, got), []string{"id2"}) {
			t.Fatalf("new code: %v", ids(t, got))
		}
		if got, _, _ := e.Find(ctx, store.Query{Collection: "things", Where: []store.Cond{store.Eq("tags.name", "tid2")}}); len(got) != 0 {
			t.Fatalf("old tag still found: %v", ids(t, got))
		}
		// A replace onto a taken unique key is refused and changes nothing.
		th.Version, th.Code = 3, "c-id5"
		if err := e.Replace(ctx, "things", 2, raw(t, th)); !errors.Is(err, store.ErrDuplicate) {
			t.Fatalf("taken code: %v", err)
		}
		got, _ := e.Get(ctx, "things", "id2")
		var back Thing
		bson.Unmarshal(got, &back)
		if back.Code != "renamed" || back.Version != 2 {
			t.Fatalf("refused replace changed the document: %+v", back)
		}
	})

	t.Run("Delete", func(t *testing.T) {
		e := fresh(t)
		if err := e.Delete(ctx, "things", "id4"); err != nil {
			t.Fatal(err)
		}
		if err := e.Delete(ctx, "things", "id4"); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("twice: %v", err)
		}
		if got, _, _ := e.Find(ctx, store.Query{Collection: "things", Where: []store.Cond{store.Eq("code", "c-id4")}}); len(got) != 0 {
			t.Fatal("deleted document still indexed")
		}
		if err := e.Insert(ctx, "things", raw(t, thing("id4", 4))); err != nil {
			t.Fatalf("its unique key is free again: %v", err)
		}
	})

	t.Run("FindEqualityRangeOrder", func(t *testing.T) {
		e := fresh(t)
		find := func(q store.Query) []string {
			t.Helper()
			q.Collection = "things"
			got, _, err := e.Find(ctx, q)
			if err != nil {
				t.Fatalf("%+v: %v", q, err)
			}
			return ids(t, got)
		}
		o1 := []store.Cond{store.Eq("owner", "o1")}
		// n = i%5: id1..id9 → 1,2,3,4,0,1,2,3,4
		if got := find(store.Query{Where: []store.Cond{store.Eq("owner", "o1"), store.Eq("n", 3)}}); !slices.Equal(got, []string{"id3", "id8"}) {
			t.Fatalf("owner+n: %v", got)
		}
		if got := find(store.Query{Where: o1, Range: &store.Range{Field: "n", Gte: 3}}); !slices.Equal(got, []string{"id3", "id8", "id4", "id9"}) {
			t.Fatalf("n >= 3: %v", got)
		}
		if got := find(store.Query{Where: o1, Range: &store.Range{Field: "n", Gt: 1, Lte: 3}}); !slices.Equal(got, []string{"id2", "id7", "id3", "id8"}) {
			t.Fatalf("1 < n <= 3: %v", got)
		}
		if got := find(store.Query{Where: o1, Range: &store.Range{Field: "n", Lt: 1}}); !slices.Equal(got, []string{"id5"}) {
			t.Fatalf("n < 1: %v", got)
		}
		if got := find(store.Query{Where: o1, OrderBy: "n", Desc: true, Limit: 3}); !slices.Equal(got, []string{"id9", "id4", "id8"}) {
			t.Fatalf("by n desc: %v", got)
		}
		at := thing("x", 3).At
		if got := find(store.Query{Where: o1, Range: &store.Range{Field: "at", Gte: at}}); len(got) != 4 {
			t.Fatalf("at >= %v: %v", at, got)
		}
		// A range with no equality before it: the whole index is the prefix.
		if got := find(store.Query{Range: &store.Range{Field: "at", Lt: at}}); !slices.Equal(got, []string{"id5", "id1", "id6", "id2", "id7"}) {
			t.Fatalf("at < %v with no equality: %v", at, got)
		}
		if got := find(store.Query{OrderBy: "at", Desc: true, Limit: 2}); !slices.Equal(got, []string{"id9", "id4"}) {
			t.Fatalf("by at desc with no equality: %v", got)
		}
		if got := find(store.Query{Where: []store.Cond{store.Eq("tags.name", "all")}}); len(got) != 9 {
			t.Fatalf("multikey: %v", got)
		}
		if got := find(store.Query{Where: []store.Cond{store.Eq("tags.name", "tid6")}}); !slices.Equal(got, []string{"id6"}) {
			t.Fatalf("multikey one: %v", got)
		}
		// _id ends every index: a range on it after equality on all of an index's fields.
		if got := find(store.Query{Where: []store.Cond{store.Eq("tags.name", "all")}, Range: &store.Range{Field: store.IDField, Gte: "id4"}, Limit: 2}); !slices.Equal(got, []string{"id4", "id5"}) {
			t.Fatalf("multikey from id4: %v", got)
		}
		if got := find(store.Query{Where: []store.Cond{store.Eq("tags.name", "all")}, Range: &store.Range{Field: store.IDField, Gt: "id8"}}); !slices.Equal(got, []string{"id9"}) {
			t.Fatalf("multikey after id8: %v", got)
		}
		if got := find(store.Query{}); len(got) != 9 || got[0] != "id1" {
			t.Fatalf("primary key order: %v", got)
		}
		if got := find(store.Query{Where: []store.Cond{store.Eq(store.IDField, "id7")}}); !slices.Equal(got, []string{"id7"}) {
			t.Fatalf("by _id: %v", got)
		}
		// A missing field is a null key; a string is never an operator.
		if got := find(store.Query{Where: []store.Cond{store.Eq("kind", nil)}}); len(got) != 9 {
			t.Fatalf("missing kind: %v", got)
		}
		if got := find(store.Query{Where: []store.Cond{store.Eq("code", `{"$gt": ""}`)}}); len(got) != 0 {
			t.Fatalf("operator-looking string: %v", got)
		}
		n, err := e.Count(ctx, store.Query{Collection: "things", Where: o1, Range: &store.Range{Field: "n", Gte: 3}})
		if err != nil || n != 4 {
			t.Fatalf("count: %d %v", n, err)
		}
	})

	t.Run("NotCovered", func(t *testing.T) {
		e := fresh(t)
		for _, q := range []store.Query{
			{Collection: "things", Where: []store.Cond{store.Eq("n", 1)}},                                                              // not a leading field
			{Collection: "things", Where: []store.Cond{store.Eq("owner", "o1")}, OrderBy: "code"},                                      // code is not next
			{Collection: "things", Range: &store.Range{Field: "n", Gt: 1}},                                                             // range with no index on it first
			{Collection: "things", Where: []store.Cond{store.Eq("owner", "o1")}, Range: &store.Range{Field: store.IDField, Gt: "id1"}}, // _id is not next after owner
			{Collection: "things", Where: []store.Cond{store.Eq("owner", "o1"), store.Eq("owner", "o2")}},                              // twice
			{Collection: "nowhere"},
		} {
			if _, _, err := e.Find(ctx, q); !errors.Is(err, store.ErrNotCovered) {
				t.Errorf("%+v: %v", q, err)
			}
			if _, err := e.Count(ctx, q); !errors.Is(err, store.ErrNotCovered) {
				t.Errorf("count %+v: %v", q, err)
			}
		}
	})

	t.Run("CursorPages", func(t *testing.T) {
		e := fresh(t)
		for _, q := range []store.Query{
			{Collection: "things"},
			{Collection: "things", Desc: true},
			{Collection: "things", Where: []store.Cond{store.Eq("owner", "o1")}, OrderBy: "n"},
			{Collection: "things", Where: []store.Cond{store.Eq("owner", "o1")}, Range: &store.Range{Field: "at", Gte: time.Time{}}, Desc: true},
			{Collection: "things", Where: []store.Cond{store.Eq("tags.name", "all")}},
		} {
			whole, _, err := e.Find(ctx, q)
			if err != nil {
				t.Fatal(err)
			}
			var paged []string
			q.Limit = 2
			pages := 0
			for {
				got, next, err := e.Find(ctx, q)
				if err != nil {
					t.Fatalf("%+v: %v", q, err)
				}
				paged = append(paged, ids(t, got)...)
				pages++
				if next == "" {
					break
				}
				q.After = next
			}
			if !slices.Equal(paged, ids(t, whole)) || pages != 5 {
				t.Fatalf("%+v: pages %d gave %v, whole %v", q, pages, paged, ids(t, whole))
			}
		}
		// A cursor of another query, or none at all, is refused.
		_, next, _ := e.Find(ctx, store.Query{Collection: "things", Where: []store.Cond{store.Eq("owner", "o1")}, OrderBy: "n", Limit: 2})
		for _, bad := range []string{"%%%", "AAAA", next} {
			q := store.Query{Collection: "things", After: bad}
			if _, _, err := e.Find(ctx, q); !errors.Is(err, store.ErrBadCursor) {
				t.Errorf("cursor %q: %v", bad, err)
			}
		}
	})

	t.Run("Counters", func(t *testing.T) {
		e := fresh(t)
		if v, err := e.Counter(ctx, "never"); err != nil || v != 0 {
			t.Fatalf("unknown counter: %d %v", v, err)
		}
		var wg sync.WaitGroup
		seen := make(chan int64, 40)
		for range 40 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				v, err := e.Add(ctx, "c", 1)
				if err != nil {
					t.Error(err)
				}
				seen <- v
			}()
		}
		wg.Wait()
		close(seen)
		var got []int64
		for v := range seen {
			got = append(got, v)
		}
		slices.Sort(got)
		for i, v := range got {
			if v != int64(i+1) {
				t.Fatalf("concurrent adds gave %v", got)
			}
		}
		if v, _ := e.Counter(ctx, "c"); v != 40 {
			t.Fatalf("counter %d", v)
		}
		for _, name := range []string{"b", "a", "d"} {
			e.Add(ctx, name, 2)
		}
		var names []string
		for after := ""; ; {
			page, err := e.Counters(ctx, after, 2)
			if err != nil {
				t.Fatal(err)
			}
			if len(page) == 0 {
				break
			}
			for _, c := range page {
				names = append(names, fmt.Sprintf("%s=%d", c.Name, c.Value))
			}
			after = page[len(page)-1].Name
		}
		if !slices.Equal(names, []string{"a=2", "b=2", "c=40", "d=2"}) {
			t.Fatalf("counters: %v", names)
		}
	})

	t.Run("ConcurrentReplaceOneWins", func(t *testing.T) {
		e := fresh(t)
		var wg sync.WaitGroup
		var mu sync.Mutex
		wins, stale := 0, 0
		for i := range 8 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				th := thing("id1", 1)
				th.Version, th.Code = 2, fmt.Sprintf("w%d", i)
				err := e.Replace(ctx, "things", 1, raw(t, th))
				mu.Lock()
				defer mu.Unlock()
				switch {
				case err == nil:
					wins++
				case errors.Is(err, store.ErrStale):
					stale++
				default:
					t.Error(err)
				}
			}()
		}
		wg.Wait()
		if wins != 1 || stale != 7 {
			t.Fatalf("%d wins, %d stale", wins, stale)
		}
	})

	t.Run("Transactions", func(t *testing.T) {
		e := fresh(t)
		boom := errors.New("boom")
		err := e.Tx(ctx, func(ctx context.Context) error {
			if err := e.Insert(ctx, "things", raw(t, thing("tx1", 1))); err != nil {
				return err
			}
			if _, err := e.Add(ctx, "tx", 1); err != nil {
				return err
			}
			// Nested calls join; reads inside see the writes.
			if err := e.Tx(ctx, func(ctx context.Context) error { return e.Insert(ctx, "others", raw(t, thing("tx2", 1))) }); err != nil {
				return err
			}
			if _, err := e.Get(ctx, "things", "tx1"); err != nil {
				return fmt.Errorf("read inside: %w", err)
			}
			return boom
		})
		if !errors.Is(err, boom) {
			t.Fatal(err)
		}
		_, getErr := e.Get(ctx, "things", "tx1")
		v, _ := e.Counter(ctx, "tx")
		if e.Atomic() {
			if !errors.Is(getErr, store.ErrNotFound) || v != 0 {
				t.Fatalf("rolled back transaction left: doc %v, counter %d", getErr, v)
			}
		} else if getErr != nil || v != 1 {
			t.Fatalf("without transactions each write stands: %v, %d", getErr, v)
		}
		if err := e.Tx(ctx, func(ctx context.Context) error { return e.Insert(ctx, "things", raw(t, thing("tx3", 1))) }); err != nil {
			t.Fatal(err)
		}
		if _, err := e.Get(ctx, "things", "tx3"); err != nil {
			t.Fatalf("committed: %v", err)
		}
	})
}
