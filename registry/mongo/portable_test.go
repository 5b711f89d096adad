package mongo_test

// The rules we rely on: each query shape the adapter uses, shown on the
// embedded FerretDB (SQLite) through the driver directly. If FerretDB (or a
// MongoDB the tests are pointed at with TRACEREG_TEST_MONGODB_URI) stops
// answering one of them correctly, the test names the rule that broke.
//
// Rules deliberately NOT relied on (see ARCHITECTURE.md, "The portable MongoDB
// subset"): transactions, change streams, $lookup, $facet, $text, partial and
// TTL indexes, arrayFilters, pipeline updates, positional $ updates,
// $elemMatch, two accumulators in one $group (FerretDB answers two $sums
// wrongly without an error), distinct under a deadline.

import (
	"context"
	"errors"
	"slices"
	"testing"

	"go.mongodb.org/mongo-driver/v2/bson"
	drv "go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/tracereg/tracereg/registry"
	"github.com/tracereg/tracereg/registry/mongo"
	"github.com/tracereg/tracereg/registry/mongo/mongotest"
)

func ruleDB(t *testing.T) (*mongo.DB, *drv.Database) {
	t.Helper()
	db := mongotest.New(t)
	return db, db.Database()
}

func insertAll(t *testing.T, col *drv.Collection, docs ...any) {
	t.Helper()
	for _, d := range docs {
		if _, err := col.InsertOne(context.Background(), d); err != nil {
			t.Fatalf("insert %v into %s: %v", d, col.Name(), err)
		}
	}
}

// findIDs runs filter and returns the _id strings found, in _id order.
func findIDs(t *testing.T, col *drv.Collection, filter any) []string {
	t.Helper()
	cur, err := col.Find(context.Background(), filter, options.Find().SetSort(bson.D{{Key: "_id", Value: 1}}))
	if err != nil {
		t.Fatalf("find %v: %v", filter, err)
	}
	var docs []struct {
		ID string `bson:"_id"`
	}
	if err := cur.All(context.Background(), &docs); err != nil {
		t.Fatalf("decode %v: %v", filter, err)
	}
	ids := make([]string, len(docs))
	for i, d := range docs {
		ids[i] = d.ID
	}
	return ids
}

func TestRuleUniqueIndexRejectsDuplicateTaxCode(t *testing.T) {
	t.Parallel()
	_, raw := ruleDB(t)
	col := raw.Collection(mongo.ColEnterprises)
	ctx := context.Background()
	insertAll(t, col, bson.D{{Key: "_id", Value: "e1"}, {Key: "tax_code", Value: "0123456789"}})
	_, err := col.InsertOne(ctx, bson.D{{Key: "_id", Value: "e2"}, {Key: "tax_code", Value: "0123456789"}})
	if !drv.IsDuplicateKeyError(err) {
		t.Fatalf("second insert with the same tax code: err = %v, want a duplicate key error", err)
	}
	// A branch code is another key.
	insertAll(t, col, bson.D{{Key: "_id", Value: "e3"}, {Key: "tax_code", Value: "0123456789-001"}})
	if n, _ := col.CountDocuments(ctx, bson.D{}); n != 2 {
		t.Fatalf("count = %d, want 2", n)
	}
	// An update onto a used key is refused too, and changes nothing. FerretDB
	// reports it as an InternalError naming the SQLite UNIQUE constraint, not
	// as E11000: the adapter's mapError recognises both as ECONFLICT.
	_, err = col.ReplaceOne(ctx, bson.D{{Key: "_id", Value: "e3"}}, bson.D{{Key: "tax_code", Value: "0123456789"}})
	var se drv.ServerError
	if !drv.IsDuplicateKeyError(err) && !(errors.As(err, &se) && se.HasErrorMessage("UNIQUE constraint failed")) {
		t.Fatalf("replace onto a taken tax code: err = %v, want a duplicate key error", err)
	}
	if got := findIDs(t, col, bson.D{{Key: "tax_code", Value: "0123456789-001"}}); !slices.Equal(got, []string{"e3"}) {
		t.Fatalf("after the refused replace, the branch code is held by %v, want [e3]", got)
	}
}

func TestRuleCompoundUniqueIndex(t *testing.T) {
	t.Parallel()
	_, raw := ruleDB(t)
	col := raw.Collection(mongo.ColBatches)
	ctx := context.Background()
	insertAll(t, col,
		bson.D{{Key: "_id", Value: "b1"}, {Key: "product_id", Value: "p1"}, {Key: "lot_code", Value: "L1"}, {Key: "short_code", Value: "S1"}},
		// The same lot code on another product is fine.
		bson.D{{Key: "_id", Value: "b2"}, {Key: "product_id", Value: "p2"}, {Key: "lot_code", Value: "L1"}, {Key: "short_code", Value: "S2"}},
		// Another lot code on the same product is fine.
		bson.D{{Key: "_id", Value: "b3"}, {Key: "product_id", Value: "p1"}, {Key: "lot_code", Value: "L2"}, {Key: "short_code", Value: "S3"}},
	)
	_, err := col.InsertOne(ctx, bson.D{{Key: "_id", Value: "b4"}, {Key: "product_id", Value: "p1"}, {Key: "lot_code", Value: "L1"}, {Key: "short_code", Value: "S4"}})
	if !drv.IsDuplicateKeyError(err) {
		t.Fatalf("same (product_id, lot_code): err = %v, want a duplicate key error", err)
	}
	if n, _ := col.CountDocuments(ctx, bson.D{}); n != 3 {
		t.Fatalf("count = %d, want 3", n)
	}
}

// Unique keys on optional values use a *_key field that falls back to the
// record's own ID, because partial and sparse indexes are outside the subset,
// and a plain unique index treats a missing value differently on each side:
// MongoDB lets only one document lack the field, FerretDB (SQLite) lets many.
// With the fallback the answer is the same on both.
func TestRuleUniqueOptionalKeyFallsBackToID(t *testing.T) {
	t.Parallel()
	_, raw := ruleDB(t)
	col := raw.Collection(mongo.ColProducts)
	ctx := context.Background()
	insertAll(t, col,
		bson.D{{Key: "_id", Value: "p1"}, {Key: "short_code", Value: "A"}, {Key: "gtin_key", Value: "none:p1"}},
		bson.D{{Key: "_id", Value: "p2"}, {Key: "short_code", Value: "B"}, {Key: "gtin_key", Value: "none:p2"}},
		bson.D{{Key: "_id", Value: "p3"}, {Key: "short_code", Value: "C"}, {Key: "gtin_key", Value: "08934567890129"}},
	)
	_, err := col.InsertOne(ctx, bson.D{{Key: "_id", Value: "p4"}, {Key: "short_code", Value: "D"}, {Key: "gtin_key", Value: "08934567890129"}})
	if !drv.IsDuplicateKeyError(err) {
		t.Fatalf("same gtin_key: err = %v, want a duplicate key error", err)
	}
	// Not relied on; logged so a change of behaviour is visible.
	_, err1 := col.InsertOne(ctx, bson.D{{Key: "_id", Value: "m1"}, {Key: "short_code", Value: "E"}})
	_, err2 := col.InsertOne(ctx, bson.D{{Key: "_id", Value: "m2"}, {Key: "short_code", Value: "F"}})
	t.Logf("two documents without gtin_key: %v, %v", err1, err2)
}

func eventDocs() []any {
	q := func(ids ...string) bson.A {
		a := bson.A{}
		for _, id := range ids {
			a = append(a, bson.D{{Key: "batch_id", Value: id}, {Key: "quantity", Value: 1.5}, {Key: "unit", Value: "kg"}})
		}
		return a
	}
	return []any{
		bson.D{{Key: "_id", Value: "ev1"}, {Key: "enterprise_id", Value: "x"}, {Key: "idempotency_key", Value: "k1"}, {Key: "kind", Value: "transformation"}, {Key: "inputs", Value: q("c1", "c2")}, {Key: "outputs", Value: q("g1")}},
		bson.D{{Key: "_id", Value: "ev2"}, {Key: "enterprise_id", Value: "x"}, {Key: "idempotency_key", Value: "k2"}, {Key: "kind", Value: "transformation"}, {Key: "inputs", Value: q("g1")}, {Key: "outputs", Value: q("r1", "r2")}},
		bson.D{{Key: "_id", Value: "ev3"}, {Key: "enterprise_id", Value: "x"}, {Key: "idempotency_key", Value: "k3"}, {Key: "kind", Value: "object"}, {Key: "batches", Value: q("c2")}},
		bson.D{{Key: "_id", Value: "ev4"}, {Key: "enterprise_id", Value: "x"}, {Key: "idempotency_key", Value: "k4"}, {Key: "kind", Value: "object"}, {Key: "batches", Value: q("r2", "zz")}},
	}
}

func TestRuleDottedPathOnArrayOfSubdocuments(t *testing.T) {
	t.Parallel()
	_, raw := ruleDB(t)
	col := raw.Collection(mongo.ColEvents)
	insertAll(t, col, eventDocs()...)
	for _, tc := range []struct {
		name   string
		filter bson.D
		want   []string
	}{
		{"second element matches", bson.D{{Key: "inputs.batch_id", Value: "c2"}}, []string{"ev1"}},
		{"first element matches", bson.D{{Key: "inputs.batch_id", Value: "c1"}}, []string{"ev1"}},
		{"no element matches", bson.D{{Key: "inputs.batch_id", Value: "r1"}}, nil},
		{"$in on the dotted path", bson.D{{Key: "inputs.batch_id", Value: bson.D{{Key: "$in", Value: bson.A{"g1", "nothing"}}}}}, []string{"ev2"}},
		{"$in matching two documents", bson.D{{Key: "outputs.batch_id", Value: bson.D{{Key: "$in", Value: []string{"g1", "r2"}}}}}, []string{"ev1", "ev2"}},
		{"with an equality beside it", bson.D{{Key: "kind", Value: "transformation"}, {Key: "outputs.batch_id", Value: bson.D{{Key: "$in", Value: []string{"r1"}}}}}, []string{"ev2"}},
		{"$in with no match", bson.D{{Key: "outputs.batch_id", Value: bson.D{{Key: "$in", Value: []string{"c1", "zz"}}}}}, nil},
	} {
		if got := findIDs(t, col, tc.filter); !slices.Equal(got, tc.want) {
			t.Errorf("%s: %v found %v, want %v", tc.name, tc.filter, got, tc.want)
		}
	}
}

func TestRuleOrOfDottedPaths(t *testing.T) {
	t.Parallel()
	_, raw := ruleDB(t)
	col := raw.Collection(mongo.ColEvents)
	insertAll(t, col, eventDocs()...)
	or := func(id string) bson.D {
		return bson.D{{Key: "$or", Value: bson.A{
			bson.D{{Key: "batches.batch_id", Value: id}},
			bson.D{{Key: "inputs.batch_id", Value: id}},
			bson.D{{Key: "outputs.batch_id", Value: id}},
		}}}
	}
	for id, want := range map[string][]string{
		"c2": {"ev1", "ev3"}, // an input and an object event
		"g1": {"ev1", "ev2"}, // output of one, input of the next
		"r2": {"ev2", "ev4"},
		"zz": {"ev4"},
		"no": nil,
	} {
		if got := findIDs(t, col, or(id)); !slices.Equal(got, want) {
			t.Errorf("$or for %s found %v, want %v", id, got, want)
		}
	}
}

func TestRuleStringIDCursorPages(t *testing.T) {
	t.Parallel()
	_, raw := ruleDB(t)
	col := raw.Collection("rule_pages")
	ctx := context.Background()
	var want []string
	for range 11 {
		id := bson.NewObjectID().Hex()
		want = append(want, id)
	}
	// Insert out of order: the order comes from the sort, not insertion.
	for _, i := range []int{5, 0, 10, 3, 7, 1, 9, 2, 8, 4, 6} {
		insertAll(t, col, bson.D{{Key: "_id", Value: want[i]}, {Key: "kind", Value: "a"}})
	}
	insertAll(t, col, bson.D{{Key: "_id", Value: "~other"}, {Key: "kind", Value: "b"}})
	slices.Sort(want)

	var got []string
	cursor := ""
	for pages := 0; ; pages++ {
		if pages > 10 {
			t.Fatal("paging does not end")
		}
		filter := bson.D{{Key: "kind", Value: "a"}}
		if cursor != "" {
			filter = append(filter, bson.E{Key: "_id", Value: bson.D{{Key: "$gt", Value: cursor}}})
		}
		cur, err := col.Find(ctx, filter, options.Find().SetSort(bson.D{{Key: "_id", Value: 1}}).SetLimit(4))
		if err != nil {
			t.Fatal(err)
		}
		var docs []struct {
			ID string `bson:"_id"`
		}
		if err := cur.All(ctx, &docs); err != nil {
			t.Fatal(err)
		}
		if len(docs) == 0 {
			break
		}
		for _, d := range docs {
			got = append(got, d.ID)
		}
		cursor = docs[len(docs)-1].ID
	}
	if !slices.Equal(got, want) {
		t.Fatalf("pages gave\n%v\nwant\n%v", got, want)
	}
}

func TestRuleReplaceFilteredByVersion(t *testing.T) {
	t.Parallel()
	_, raw := ruleDB(t)
	col := raw.Collection("rule_versions")
	ctx := context.Background()
	insertAll(t, col, bson.D{{Key: "_id", Value: "r1"}, {Key: "name", Value: "first"}, {Key: "version", Value: 2}})

	res, err := col.ReplaceOne(ctx, bson.D{{Key: "_id", Value: "r1"}, {Key: "version", Value: 1}},
		bson.D{{Key: "_id", Value: "r1"}, {Key: "name", Value: "stale"}, {Key: "version", Value: 2}})
	if err != nil {
		t.Fatal(err)
	}
	if res.MatchedCount != 0 || res.ModifiedCount != 0 {
		t.Fatalf("stale version: matched %d, modified %d, want 0, 0", res.MatchedCount, res.ModifiedCount)
	}
	res, err = col.ReplaceOne(ctx, bson.D{{Key: "_id", Value: "r1"}, {Key: "version", Value: 2}},
		bson.D{{Key: "_id", Value: "r1"}, {Key: "name", Value: "second"}, {Key: "version", Value: 3}})
	if err != nil {
		t.Fatal(err)
	}
	if res.MatchedCount != 1 {
		t.Fatalf("current version: matched %d, want 1", res.MatchedCount)
	}
	var got struct {
		Name    string `bson:"name"`
		Version int    `bson:"version"`
	}
	if err := col.FindOne(ctx, bson.D{{Key: "_id", Value: "r1"}}).Decode(&got); err != nil {
		t.Fatal(err)
	}
	if got.Name != "second" || got.Version != 3 {
		t.Fatalf("stored %+v, want second/3", got)
	}
}

// One accumulator per $group: the rule is that we never put two in one
// stage (two $sums come back wrong on FerretDB without an error); a second
// figure is a second query, or is computed in Go.
func TestRuleGroupWithOneSum(t *testing.T) {
	t.Parallel()
	_, raw := ruleDB(t)
	col := raw.Collection("rule_group")
	ctx := context.Background()
	statuses := []string{"active", "suspended", "active", "withdrawn", "active", "suspended"}
	for i, s := range statuses {
		insertAll(t, col, bson.D{{Key: "_id", Value: i}, {Key: "status", Value: s}, {Key: "stars", Value: i}})
	}
	cur, err := col.Aggregate(ctx, bson.A{
		bson.D{{Key: "$match", Value: bson.D{{Key: "stars", Value: bson.D{{Key: "$gte", Value: 0}}}}}},
		bson.D{{Key: "$group", Value: bson.D{{Key: "_id", Value: "$status"}, {Key: "n", Value: bson.D{{Key: "$sum", Value: 1}}}}}},
	})
	if err != nil {
		t.Fatal(err)
	}
	var rows []struct {
		ID string `bson:"_id"`
		N  int64  `bson:"n"`
	}
	if err := cur.All(ctx, &rows); err != nil {
		t.Fatal(err)
	}
	got := map[string]int64{}
	for _, r := range rows {
		got[r.ID] = r.N
	}
	want := map[string]int64{"active": 3, "suspended": 2, "withdrawn": 1}
	if len(got) != len(want) {
		t.Fatalf("groups %v, want %v", got, want)
	}
	for k, v := range want {
		if got[k] != v {
			t.Fatalf("groups %v, want %v", got, want)
		}
	}
}

func TestRuleInOnID(t *testing.T) {
	t.Parallel()
	_, raw := ruleDB(t)
	col := raw.Collection("rule_in_id")
	ids := []string{bson.NewObjectID().Hex(), bson.NewObjectID().Hex(), bson.NewObjectID().Hex(), bson.NewObjectID().Hex()}
	for _, id := range ids {
		insertAll(t, col, bson.D{{Key: "_id", Value: id}})
	}
	got := findIDs(t, col, bson.D{{Key: "_id", Value: bson.D{{Key: "$in", Value: []string{ids[3], ids[1], "000000000000000000000000"}}}}})
	want := []string{ids[1], ids[3]}
	slices.Sort(want)
	if !slices.Equal(got, want) {
		t.Fatalf("$in on _id found %v, want %v", got, want)
	}
	if got := findIDs(t, col, bson.D{{Key: "_id", Value: bson.D{{Key: "$in", Value: []string{}}}}}); len(got) != 0 {
		t.Fatalf("$in with an empty list found %v, want nothing", got)
	}
}

// A request value reaches the database only through Go string fields, and a
// string is never an operator: `{"$gt": ""}` is stored and matched literally.
func TestRuleStringFieldIsNeverAnOperator(t *testing.T) {
	t.Parallel()
	db, raw := ruleDB(t)
	ctx := context.Background()
	const injection = `{"$gt": ""}`
	other := &registry.Enterprise{TaxCode: "0123456789", NameVI: "Công ty Cà phê Buôn Ma Thuột", Kind: "company", District: "Buôn Ma Thuột", Sector: "agriculture", Size: "small"}
	if err := db.CreateEnterprise(ctx, other); err != nil {
		t.Fatal(err)
	}
	e := &registry.Enterprise{TaxCode: "6000000001", NameVI: injection, Kind: "company", District: "Buôn Ma Thuột", Sector: "agriculture", Size: "small"}
	if err := db.CreateEnterprise(ctx, e); err != nil {
		t.Fatal(err)
	}

	// Stored as the literal text.
	var stored bson.M
	if err := raw.Collection(mongo.ColEnterprises).FindOne(ctx, bson.D{{Key: "_id", Value: e.ID}}).Decode(&stored); err != nil {
		t.Fatal(err)
	}
	if s, ok := stored["name_vi"].(string); !ok || s != injection {
		t.Fatalf("name_vi stored as %#v, want the string %q", stored["name_vi"], injection)
	}

	// Looked up through a string, it is a value that matches nothing.
	_, err := db.FindEnterpriseByTaxCode(ctx, injection)
	if registry.ErrorCode(err) != registry.ENOTFOUND {
		t.Fatalf("FindEnterpriseByTaxCode(%q): err = %v, want ENOTFOUND", injection, err)
	}
	list, _, err := db.ListEnterprises(ctx, registry.EnterpriseFilter{TaxCode: injection, District: injection})
	if err != nil || len(list) != 0 {
		t.Fatalf("ListEnterprises with operator text: %d found, err %v; want none", len(list), err)
	}
	// Matching the literal text finds exactly that record...
	col := raw.Collection(mongo.ColEnterprises)
	if got := findIDs(t, col, bson.D{{Key: "name_vi", Value: injection}}); !slices.Equal(got, []string{e.ID}) {
		t.Fatalf("literal match found %v, want [%s]", got, e.ID)
	}
	// ...while the real operator, which no request can build, matches both.
	if got := findIDs(t, col, bson.D{{Key: "tax_code", Value: bson.D{{Key: "$gt", Value: ""}}}}); len(got) != 2 {
		t.Fatalf("a real $gt operator found %v, want both records", got)
	}
}
