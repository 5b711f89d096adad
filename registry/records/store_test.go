package records_test

import (
	"context"
	"errors"
	"fmt"
	"math"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/tracereg/tracereg/registry"
	"github.com/tracereg/tracereg/registry/records"
	"github.com/tracereg/tracereg/registry/records/recordstest"
	"github.com/tracereg/tracereg/registry/store"
)

// testNow is the fixed clock of these tests: 10:00 in Vietnam on 15 June 2026.
var testNow = time.Date(2026, 6, 15, 3, 0, 0, 0, time.UTC)

func newStore(t *testing.T) *records.DB {
	t.Helper()
	return recordstest.NewWithClock(t, registry.FixedClock(testNow))
}

func wantCode(t *testing.T, err error, code string) {
	t.Helper()
	if got := registry.ErrorCode(err); got != code {
		t.Fatalf("err = %v (code %q), want code %q", err, got, code)
	}
}

// wantField checks that err is EINVALID and names field with rule.
func wantField(t *testing.T, err error, field, rule string) {
	t.Helper()
	wantCode(t, err, registry.EINVALID)
	e := registry.PublicError(err)
	for _, f := range e.Fields {
		if f.Field == field && f.Rule == rule {
			return
		}
	}
	t.Fatalf("err = %v, fields %+v; want field %q rule %q", err, e.Fields, field, rule)
}

func count(t *testing.T, db *records.DB, col string) int64 {
	t.Helper()
	n, err := db.Engine().Count(context.Background(), store.Query{Collection: col})
	if err != nil {
		t.Fatalf("count %s: %v", col, err)
	}
	return n
}

// unchanged runs a write that must fail and checks that the collection holds
// as many documents after it as before. It returns the write's error.
func unchanged(t *testing.T, db *records.DB, col string, write func() error) error {
	t.Helper()
	before := count(t, db, col)
	err := write()
	if err == nil {
		t.Fatalf("write into %s succeeded, want an error", col)
	}
	if after := count(t, db, col); after != before {
		t.Fatalf("failed write changed %s: %d documents before, %d after (err %v)", col, before, after, err)
	}
	return err
}

var taxSeq atomic.Int64

func nextTaxCode() string { return fmt.Sprintf("60%08d", taxSeq.Add(1)) }

func enterpriseData(taxCode string) *registry.Enterprise {
	return &registry.Enterprise{TaxCode: taxCode, NameVI: "HTX Cà phê Ea Tu " + taxCode, Kind: "cooperative",
		District: "Buôn Ma Thuột", Sector: "agriculture", Size: "small"}
}

func mustEnterprise(t *testing.T, db *records.DB) *registry.Enterprise {
	t.Helper()
	e := enterpriseData(nextTaxCode())
	if err := db.CreateEnterprise(context.Background(), e); err != nil {
		t.Fatalf("create enterprise: %v", err)
	}
	return e
}

func pointPlot(enterpriseID string) *registry.Facility {
	yes := true
	return &registry.Facility{EnterpriseID: enterpriseID, Kind: registry.FacilityFarmPlot, Name: "Rẫy cà phê", District: "Cư M'gar",
		Crop: "coffee", Geometry: `{"type":"Point","coordinates":[108.050000,12.680000]}`, AreaHa: 1.5, DeforestationFree: &yes}
}

func mustPlot(t *testing.T, db *records.DB, enterpriseID string) *registry.Facility {
	t.Helper()
	f := pointPlot(enterpriseID)
	if err := db.CreateFacility(context.Background(), f); err != nil {
		t.Fatalf("create plot: %v", err)
	}
	return f
}

// gtin completes digits with the GS1 check digit.
func gtin(digits string) string {
	sum := 0
	for i := range len(digits) {
		d := int(digits[len(digits)-1-i] - '0')
		if i%2 == 0 {
			d *= 3
		}
		sum += d
	}
	return digits + string(rune('0'+(10-sum%10)%10))
}

func mustProduct(t *testing.T, db *records.DB, enterpriseID, gtinCode string) *registry.Product {
	t.Helper()
	p := &registry.Product{EnterpriseID: enterpriseID, NameVI: "Cà phê nhân Robusta", Category: "coffee", GTIN: gtinCode}
	if err := db.CreateProduct(context.Background(), p); err != nil {
		t.Fatalf("create product: %v", err)
	}
	return p
}

func mustBatch(t *testing.T, db *records.DB, enterpriseID, productID, lot string, plots ...string) *registry.Batch {
	t.Helper()
	b := &registry.Batch{EnterpriseID: enterpriseID, ProductID: productID, LotCode: lot, Quantity: 1200, Unit: "kg", SourcePlotIDs: plots}
	if err := db.CreateBatch(context.Background(), b); err != nil {
		t.Fatalf("create batch %s: %v", lot, err)
	}
	return b
}

func transformation(enterpriseID, key string, inputs, outputs []string) *registry.TraceEvent {
	q := func(ids []string) []registry.Quantity {
		var qs []registry.Quantity
		for _, id := range ids {
			qs = append(qs, registry.Quantity{BatchID: id, Quantity: 100, Unit: "kg"})
		}
		return qs
	}
	return &registry.TraceEvent{EnterpriseID: enterpriseID, Kind: registry.EventTransformation,
		EventTime: testNow.Add(-48 * time.Hour), EventTimeZone: "+07:00", BusinessStep: "transforming",
		Inputs: q(inputs), Outputs: q(outputs), IdempotencyKey: key}
}

func objectEvent(enterpriseID, key string, at time.Time, batchIDs ...string) *registry.TraceEvent {
	e := &registry.TraceEvent{EnterpriseID: enterpriseID, Kind: registry.EventObject, EventTime: at, EventTimeZone: "+07:00",
		BusinessStep: "harvesting", IdempotencyKey: key}
	for _, id := range batchIDs {
		e.Batches = append(e.Batches, registry.Quantity{BatchID: id, Quantity: 10, Unit: "kg"})
	}
	return e
}

func ids[T any](items []*T, id func(*T) string) []string {
	out := make([]string, 0, len(items))
	for _, it := range items {
		out = append(out, id(it))
	}
	slices.Sort(out)
	return out
}

func sorted(s ...string) []string {
	s = slices.Clone(s)
	slices.Sort(s)
	return s
}

// --- enterprises

func TestEnterpriseCreateFind(t *testing.T) {
	t.Parallel()
	db, ctx := newStore(t), context.Background()
	e := enterpriseData("0123456789")
	if err := db.CreateEnterprise(ctx, e); err != nil {
		t.Fatal(err)
	}
	if !registry.ValidID(e.ID) || e.Version != 1 || !e.CreatedAt.Equal(testNow) || !e.UpdatedAt.Equal(testNow) {
		t.Fatalf("created %+v: want an ID, version 1 and times from the clock", e)
	}
	got, err := db.FindEnterprise(ctx, e.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.TaxCode != e.TaxCode || got.NameVI != e.NameVI || got.District != e.District || got.Version != 1 || !got.CreatedAt.Equal(testNow) {
		t.Fatalf("found %+v, want %+v", got, e)
	}
	byTax, err := db.FindEnterpriseByTaxCode(ctx, "0123456789")
	if err != nil || byTax.ID != e.ID {
		t.Fatalf("FindEnterpriseByTaxCode = %v, %v; want %s", byTax, err, e.ID)
	}
	// A branch has its own tax code.
	branch := enterpriseData("0123456789-001")
	if err := db.CreateEnterprise(ctx, branch); err != nil {
		t.Fatal(err)
	}

	for _, id := range []string{bson.NewObjectID().Hex(), "not-an-id", "", `{"$ne": null}`} {
		_, err := db.FindEnterprise(ctx, id)
		wantCode(t, err, registry.ENOTFOUND)
	}
	_, err = db.FindEnterpriseByTaxCode(ctx, "0123456788")
	wantCode(t, err, registry.ENOTFOUND)

	err = unchanged(t, db, records.ColEnterprises, func() error { return db.CreateEnterprise(ctx, enterpriseData("0123456789")) })
	wantCode(t, err, registry.ECONFLICT)
	bad := enterpriseData("012345678")
	bad.NameVI = ""
	err = unchanged(t, db, records.ColEnterprises, func() error { return db.CreateEnterprise(ctx, bad) })
	wantField(t, err, "tax_code", "tax_code")
	wantField(t, err, "name_vi", "required")
}

func TestEnterpriseUpdate(t *testing.T) {
	t.Parallel()
	db, ctx := newStore(t), context.Background()
	e := mustEnterprise(t, db)
	other := mustEnterprise(t, db)

	read := *e
	e.NameVI = "Công ty TNHH Cà phê Đắk Lắk"
	if err := db.UpdateEnterprise(ctx, e); err != nil {
		t.Fatal(err)
	}
	if e.Version != 2 {
		t.Fatalf("version after update = %d, want 2", e.Version)
	}
	got, err := db.FindEnterprise(ctx, e.ID)
	if err != nil || got.NameVI != e.NameVI || got.Version != 2 || !got.CreatedAt.Equal(read.CreatedAt) {
		t.Fatalf("after update found %+v, %v", got, err)
	}

	// Someone still holding version 1 is told the record changed, and nothing is written.
	stale := read
	stale.NameVI = "Tên cũ ghi đè"
	err = db.UpdateEnterprise(ctx, &stale)
	wantCode(t, err, registry.ESTALE)
	if stale.Version != 1 {
		t.Fatalf("stale update left version %d in the caller's record, want 1", stale.Version)
	}
	got, _ = db.FindEnterprise(ctx, e.ID)
	if got.NameVI != e.NameVI || got.Version != 2 {
		t.Fatalf("stale update changed the record: %+v", got)
	}

	// Taking another enterprise's tax code is a conflict, and changes nothing.
	taken := *got
	taken.TaxCode = other.TaxCode
	err = db.UpdateEnterprise(ctx, &taken)
	wantCode(t, err, registry.ECONFLICT)
	if got, _ := db.FindEnterprise(ctx, e.ID); got.TaxCode != e.TaxCode || got.Version != 2 {
		t.Fatalf("conflicting update changed the record: %+v", got)
	}

	missing := *got
	missing.ID = bson.NewObjectID().Hex()
	wantCode(t, db.UpdateEnterprise(ctx, &missing), registry.ENOTFOUND)
	invalid := *got
	invalid.Size = "huge"
	wantField(t, db.UpdateEnterprise(ctx, &invalid), "size", "one_of")
}

func TestEnterprisePagination(t *testing.T) {
	t.Parallel()
	db, ctx := newStore(t), context.Background()
	var created []string
	for range 7 {
		created = append(created, mustEnterprise(t, db).ID)
	}
	var seen []string
	cursor := ""
	var sizes []int
	for range 5 {
		page, next, err := db.ListEnterprises(ctx, registry.EnterpriseFilter{Page: registry.Page{Cursor: cursor, Limit: 3}})
		if err != nil {
			t.Fatal(err)
		}
		sizes = append(sizes, len(page))
		for _, e := range page {
			seen = append(seen, e.ID)
		}
		if next == "" {
			break
		}
		if next == cursor {
			t.Fatalf("cursor %q did not move", next)
		}
		cursor = next
	}
	if !slices.Equal(sizes, []int{3, 3, 1}) {
		t.Fatalf("page sizes %v, want [3 3 1]", sizes)
	}
	if !slices.Equal(seen, created) {
		t.Fatalf("pages gave %v, want every enterprise once in creation order %v", seen, created)
	}
	// A page of exactly the remaining items has no next cursor.
	_, after4, err := db.ListEnterprises(ctx, registry.EnterpriseFilter{Page: registry.Page{Limit: 4}})
	if err != nil || after4 == "" {
		t.Fatalf("first four: next %q, err %v", after4, err)
	}
	page, next, err := db.ListEnterprises(ctx, registry.EnterpriseFilter{Page: registry.Page{Cursor: after4, Limit: 3}})
	if err != nil || len(page) != 3 || next != "" {
		t.Fatalf("last full page: %d items, next %q, err %v; want 3, \"\"", len(page), next, err)
	}

	for _, bad := range []string{"xyz", `{"$gt": ""}`, strings.ToUpper(created[0])} {
		_, _, err := db.ListEnterprises(ctx, registry.EnterpriseFilter{Page: registry.Page{Cursor: bad}})
		wantField(t, err, "cursor", "cursor")
	}
}

func TestEnterpriseListFilters(t *testing.T) {
	t.Parallel()
	db, ctx := newStore(t), context.Background()
	a := enterpriseData(nextTaxCode())
	b := enterpriseData(nextTaxCode())
	b.District, b.Sector = "Krông Pắc", "food_processing"
	c := enterpriseData(nextTaxCode())
	c.District = "Krông Pắc"
	for _, e := range []*registry.Enterprise{a, b, c} {
		if err := db.CreateEnterprise(ctx, e); err != nil {
			t.Fatal(err)
		}
	}
	id := func(e *registry.Enterprise) string { return e.ID }
	for _, tc := range []struct {
		f    registry.EnterpriseFilter
		want []string
	}{
		{registry.EnterpriseFilter{}, sorted(a.ID, b.ID, c.ID)},
		{registry.EnterpriseFilter{District: "Krông Pắc"}, sorted(b.ID, c.ID)},
		{registry.EnterpriseFilter{District: "Krông Pắc", Sector: "agriculture"}, sorted(c.ID)},
		{registry.EnterpriseFilter{TaxCode: a.TaxCode}, sorted(a.ID)},
		{registry.EnterpriseFilter{Sector: "mechanical"}, []string{}},
	} {
		got, _, err := db.ListEnterprises(ctx, tc.f)
		if err != nil {
			t.Fatal(err)
		}
		if g := ids(got, id); !slices.Equal(g, tc.want) {
			t.Errorf("filter %+v: got %v, want %v", tc.f, g, tc.want)
		}
	}
}

// --- facilities

// ellipsoidAreaHa is the area on the WGS84 ellipsoid of a small
// longitude/latitude rectangle, in hectares.
func ellipsoidAreaHa(lon1, lat1, lon2, lat2 float64) float64 {
	const a, e2 = 6378137.0, 0.00669437999014
	rad := math.Pi / 180
	area := 0.0
	const steps = 1000
	for i := range steps {
		phi := (lat1 + (lat2-lat1)*(float64(i)+0.5)/steps) * rad
		w := 1 - e2*math.Sin(phi)*math.Sin(phi)
		m := a * (1 - e2) / math.Pow(w, 1.5)
		n := a / math.Sqrt(w)
		area += m * n * math.Cos(phi) * (lat2 - lat1) * rad / steps
	}
	return area * (lon2 - lon1) * rad / 10000
}

func TestFacilityPolygonPlotGetsArea(t *testing.T) {
	t.Parallel()
	db, ctx := newStore(t), context.Background()
	e := mustEnterprise(t, db)
	// About 5 ha near Buôn Ma Thuột.
	geometry := `{"type":"Polygon","coordinates":[[[108.050000,12.680000],[108.052060,12.680000],[108.052060,12.682020],[108.050000,12.682020],[108.050000,12.680000]]]}`
	yes := true
	f := &registry.Facility{EnterpriseID: e.ID, Kind: registry.FacilityFarmPlot, Name: "Rẫy Ea Tu 5 ha", District: "Buôn Ma Thuột",
		Crop: "coffee", Geometry: registry.GeoJSON(geometry), AreaHa: 1, DeforestationFree: &yes, LandClearedOn: "2015-04-01"}
	if err := db.CreateFacility(ctx, f); err != nil {
		t.Fatal(err)
	}
	want := ellipsoidAreaHa(108.05, 12.68, 108.05206, 12.68202)
	if math.Abs(f.AreaHa-want)/want > 0.01 {
		t.Fatalf("AreaHa = %v, want %v within 1%%", f.AreaHa, want)
	}
	got, err := db.FindFacility(ctx, f.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.AreaHa != f.AreaHa || string(got.Geometry) != geometry || got.DeforestationFree == nil || !*got.DeforestationFree || !got.EUDRReady() {
		t.Fatalf("stored %+v, want area %v and the geometry text unchanged", got, f.AreaHa)
	}
}

func TestFacilityCreateRejects(t *testing.T) {
	t.Parallel()
	db, ctx := newStore(t), context.Background()
	e := mustEnterprise(t, db)
	mustPlot(t, db, e.ID)

	big := pointPlot(e.ID)
	big.AreaHa = 4.5
	err := unchanged(t, db, records.ColFacilities, func() error { return db.CreateFacility(ctx, big) })
	wantField(t, err, "geometry", "eudr_polygon_required")

	coarse := pointPlot(e.ID)
	coarse.Geometry = `{"type":"Point","coordinates":[108.05,12.68]}`
	err = unchanged(t, db, records.ColFacilities, func() error { return db.CreateFacility(ctx, coarse) })
	wantField(t, err, "geometry.coordinates", "eudr_precision")

	orphan := pointPlot(bson.NewObjectID().Hex())
	err = unchanged(t, db, records.ColFacilities, func() error { return db.CreateFacility(ctx, orphan) })
	wantCode(t, err, registry.ENOTFOUND)
}

func TestFacilityUpdateAndList(t *testing.T) {
	t.Parallel()
	db, ctx := newStore(t), context.Background()
	e := mustEnterprise(t, db)
	other := mustEnterprise(t, db)
	plot := mustPlot(t, db, e.ID)
	site := &registry.Facility{EnterpriseID: e.ID, Kind: registry.FacilityProcessing, Name: "Xưởng sơ chế", District: "Buôn Ma Thuột"}
	if err := db.CreateFacility(ctx, site); err != nil {
		t.Fatal(err)
	}
	mustPlot(t, db, other.ID)

	got, _, err := db.ListFacilities(ctx, registry.FacilityFilter{EnterpriseID: e.ID})
	if err != nil || !slices.Equal(ids(got, func(f *registry.Facility) string { return f.ID }), sorted(plot.ID, site.ID)) {
		t.Fatalf("ListFacilities(enterprise) = %d items, %v", len(got), err)
	}
	got, _, err = db.ListFacilities(ctx, registry.FacilityFilter{EnterpriseID: e.ID, Kind: registry.FacilityProcessing})
	if err != nil || len(got) != 1 || got[0].ID != site.ID {
		t.Fatalf("ListFacilities(enterprise, processing) = %v, %v", got, err)
	}

	read := *plot
	plot.Name = "Rẫy đồi thông"
	if err := db.UpdateFacility(ctx, plot); err != nil || plot.Version != 2 {
		t.Fatalf("update: %v, version %d", err, plot.Version)
	}
	wantCode(t, db.UpdateFacility(ctx, &read), registry.ESTALE)
	if f, _ := db.FindFacility(ctx, plot.ID); f.Name != "Rẫy đồi thông" || f.Version != 2 {
		t.Fatalf("after a stale update: %+v", f)
	}
	moved := *plot
	moved.EnterpriseID = other.ID
	wantField(t, db.UpdateFacility(ctx, &moved), "enterprise_id", "immutable")
	missing := *plot
	missing.ID = bson.NewObjectID().Hex()
	wantCode(t, db.UpdateFacility(ctx, &missing), registry.ENOTFOUND)
}

// --- products

func TestProductGTIN(t *testing.T) {
	t.Parallel()
	db, ctx := newStore(t), context.Background()
	e := mustEnterprise(t, db)
	g13 := gtin("893456789012")
	p := mustProduct(t, db, e.ID, g13)
	if p.GTIN != "0"+g13 {
		t.Fatalf("GTIN stored as %q, want %q", p.GTIN, "0"+g13)
	}
	found, err := db.FindProductByGTIN(ctx, "0"+g13)
	if err != nil || found.ID != p.ID {
		t.Fatalf("FindProductByGTIN = %v, %v", found, err)
	}
	list, _, err := db.ListProducts(ctx, registry.ProductFilter{GTIN: "0" + g13})
	if err != nil || len(list) != 1 || list[0].ID != p.ID {
		t.Fatalf("ListProducts(GTIN) = %v, %v", list, err)
	}

	// The same GTIN written as 14 digits, even by another enterprise, is taken.
	other := mustEnterprise(t, db)
	dup := &registry.Product{EnterpriseID: other.ID, NameVI: "Cà phê khác", Category: "coffee", GTIN: "0" + g13}
	err = unchanged(t, db, records.ColProducts, func() error { return db.CreateProduct(ctx, dup) })
	wantCode(t, err, registry.ECONFLICT)

	badCheck := &registry.Product{EnterpriseID: e.ID, NameVI: "Sai số kiểm tra", Category: "coffee", GTIN: g13[:12] + string(rune('0'+(g13[12]-'0'+1)%10))}
	err = unchanged(t, db, records.ColProducts, func() error { return db.CreateProduct(ctx, badCheck) })
	wantField(t, err, "gtin", "gtin")

	// Two products without a GTIN are fine; each gets its own short code.
	a := mustProduct(t, db, e.ID, "")
	b := mustProduct(t, db, e.ID, "")
	for _, x := range []*registry.Product{p, a, b} {
		if len(x.ShortCode) != 10 || strings.Trim(x.ShortCode, "23456789ABCDEFGHJKMNPQRSTUVWXYZ") != "" {
			t.Fatalf("short code %q: want 10 characters of the unambiguous alphabet", x.ShortCode)
		}
	}
	if a.ShortCode == b.ShortCode || a.ShortCode == p.ShortCode {
		t.Fatal("two products share a short code")
	}
	byCode, err := db.FindProductByShortCode(ctx, b.ShortCode)
	if err != nil || byCode.ID != b.ID || byCode.GTIN != "" {
		t.Fatalf("FindProductByShortCode = %+v, %v", byCode, err)
	}
	_, err = db.FindProductByShortCode(ctx, "2222222222")
	wantCode(t, err, registry.ENOTFOUND)

	// Giving a GTIN-less product a taken GTIN on update is a conflict.
	read := *a
	a.GTIN = g13
	wantCode(t, db.UpdateProduct(ctx, a), registry.ECONFLICT)
	if got, _ := db.FindProduct(ctx, a.ID); got.GTIN != "" || got.Version != 1 {
		t.Fatalf("conflicting update changed the product: %+v", got)
	}
	// An update keeps the short code whatever the caller sends.
	upd := read
	upd.GTIN, upd.ShortCode, upd.NameVI = gtin("893456789099"), "HIJACKED22", "Cà phê bột"
	if err := db.UpdateProduct(ctx, &upd); err != nil {
		t.Fatal(err)
	}
	got, _ := db.FindProduct(ctx, a.ID)
	if got.ShortCode != read.ShortCode || got.GTIN != "0"+gtin("893456789099") || got.Version != 2 {
		t.Fatalf("after update: %+v", got)
	}
	wantCode(t, db.UpdateProduct(ctx, &read), registry.ESTALE)
	orphan := &registry.Product{EnterpriseID: bson.NewObjectID().Hex(), NameVI: "Mồ côi", Category: "coffee"}
	err = unchanged(t, db, records.ColProducts, func() error { return db.CreateProduct(ctx, orphan) })
	wantCode(t, err, registry.ENOTFOUND)
	missing := *got
	missing.ID = bson.NewObjectID().Hex()
	wantCode(t, db.UpdateProduct(ctx, &missing), registry.ENOTFOUND)
}

func TestProductListFilters(t *testing.T) {
	t.Parallel()
	db, ctx := newStore(t), context.Background()
	e := mustEnterprise(t, db)
	other := mustEnterprise(t, db)
	coffee := mustProduct(t, db, e.ID, "")
	honey := &registry.Product{EnterpriseID: e.ID, NameVI: "Mật ong hoa cà phê", Category: "honey"}
	if err := db.CreateProduct(ctx, honey); err != nil {
		t.Fatal(err)
	}
	mustProduct(t, db, other.ID, "")
	id := func(p *registry.Product) string { return p.ID }
	got, _, err := db.ListProducts(ctx, registry.ProductFilter{EnterpriseID: e.ID})
	if err != nil || !slices.Equal(ids(got, id), sorted(coffee.ID, honey.ID)) {
		t.Fatalf("by enterprise: %v, %v", ids(got, id), err)
	}
	got, _, err = db.ListProducts(ctx, registry.ProductFilter{Category: "honey"})
	if err != nil || !slices.Equal(ids(got, id), []string{honey.ID}) {
		t.Fatalf("by category: %v, %v", ids(got, id), err)
	}
}

// --- batches

func TestBatches(t *testing.T) {
	t.Parallel()
	db, ctx := newStore(t), context.Background()
	e := mustEnterprise(t, db)
	other := mustEnterprise(t, db)
	plot := mustPlot(t, db, e.ID)
	otherPlot := mustPlot(t, db, other.ID)
	p1 := mustProduct(t, db, e.ID, "")
	p2 := mustProduct(t, db, e.ID, "")

	b := mustBatch(t, db, e.ID, p1.ID, "EA-2026-01", plot.ID)
	if b.Status != registry.BatchPublished || b.Version != 1 || len(b.ShortCode) != 10 {
		t.Fatalf("created %+v", b)
	}
	if got, err := db.FindBatchByLot(ctx, p1.ID, "EA-2026-01"); err != nil || got.ID != b.ID {
		t.Fatalf("FindBatchByLot = %v, %v", got, err)
	}
	if got, err := db.FindBatchByShortCode(ctx, b.ShortCode); err != nil || got.ID != b.ID {
		t.Fatalf("FindBatchByShortCode = %v, %v", got, err)
	}
	_, err := db.FindBatchByLot(ctx, p2.ID, "EA-2026-01")
	wantCode(t, err, registry.ENOTFOUND)

	dup := &registry.Batch{EnterpriseID: e.ID, ProductID: p1.ID, LotCode: "EA-2026-01", Quantity: 5, Unit: "kg"}
	err = unchanged(t, db, records.ColBatches, func() error { return db.CreateBatch(ctx, dup) })
	wantCode(t, err, registry.ECONFLICT)
	// The same lot code on another product is another lot.
	b2 := mustBatch(t, db, e.ID, p2.ID, "EA-2026-01")

	foreign := &registry.Batch{EnterpriseID: e.ID, ProductID: p1.ID, LotCode: "EA-2026-02", Quantity: 5, Unit: "kg", SourcePlotIDs: []string{plot.ID, otherPlot.ID}}
	err = unchanged(t, db, records.ColBatches, func() error { return db.CreateBatch(ctx, foreign) })
	wantField(t, err, "source_plot_ids", "exists")

	site := &registry.Facility{EnterpriseID: e.ID, Kind: registry.FacilityWarehouse, Name: "Kho", District: "Buôn Ma Thuột"}
	if err := db.CreateFacility(ctx, site); err != nil {
		t.Fatal(err)
	}
	notPlot := &registry.Batch{EnterpriseID: e.ID, ProductID: p1.ID, LotCode: "EA-2026-03", Quantity: 5, Unit: "kg", SourcePlotIDs: []string{site.ID}}
	err = unchanged(t, db, records.ColBatches, func() error { return db.CreateBatch(ctx, notPlot) })
	wantField(t, err, "source_plot_ids", "exists")

	otherProduct := mustProduct(t, db, other.ID, "")
	stolen := &registry.Batch{EnterpriseID: e.ID, ProductID: otherProduct.ID, LotCode: "EA-2026-04", Quantity: 5, Unit: "kg"}
	err = unchanged(t, db, records.ColBatches, func() error { return db.CreateBatch(ctx, stolen) })
	wantField(t, err, "product_id", "exists")

	badLot := &registry.Batch{EnterpriseID: e.ID, ProductID: p1.ID, LotCode: "LÔ 1", Quantity: 0, Unit: "sack"}
	err = unchanged(t, db, records.ColBatches, func() error { return db.CreateBatch(ctx, badLot) })
	wantField(t, err, "lot_code", "lot")
	wantField(t, err, "quantity", "range")
	wantField(t, err, "unit", "one_of")

	// Update: stale, missing, moved, renamed onto a taken lot.
	read := *b
	b.Quantity = 1100
	b.CorrectionReason = "Cân lại"
	if err := db.UpdateBatch(ctx, b); err != nil || b.Version != 2 {
		t.Fatalf("update: %v, version %d", err, b.Version)
	}
	wantCode(t, db.UpdateBatch(ctx, &read), registry.ESTALE)
	if got, _ := db.FindBatch(ctx, b.ID); got.Quantity != 1100 || got.ShortCode != read.ShortCode {
		t.Fatalf("after a stale update: %+v", got)
	}
	moved := *b
	moved.ProductID = p2.ID
	wantField(t, db.UpdateBatch(ctx, &moved), "product_id", "immutable")
	missing := *b
	missing.ID = bson.NewObjectID().Hex()
	wantCode(t, db.UpdateBatch(ctx, &missing), registry.ENOTFOUND)
	mustBatch(t, db, e.ID, p1.ID, "EA-2026-05")
	draft := &registry.Batch{EnterpriseID: e.ID, ProductID: p1.ID, LotCode: "EA-2026-06", Quantity: 5, Unit: "kg", Status: registry.BatchDraft}
	if err := db.CreateBatch(ctx, draft); err != nil {
		t.Fatal(err)
	}
	renamed := *draft
	renamed.LotCode = "EA-2026-05"
	wantCode(t, db.UpdateBatch(ctx, &renamed), registry.ECONFLICT)

	id := func(x *registry.Batch) string { return x.ID }
	got, _, err := db.ListBatches(ctx, registry.BatchFilter{LotCode: "EA-2026-01"})
	if err != nil || !slices.Equal(ids(got, id), sorted(b.ID, b2.ID)) {
		t.Fatalf("ListBatches(lot) = %v, %v", ids(got, id), err)
	}
	got, _, err = db.ListBatches(ctx, registry.BatchFilter{ProductID: p1.ID, LotCode: "EA-2026-01"})
	if err != nil || !slices.Equal(ids(got, id), []string{b.ID}) {
		t.Fatalf("ListBatches(product, lot) = %v, %v", ids(got, id), err)
	}
	got, _, err = db.ListBatches(ctx, registry.BatchFilter{EnterpriseID: other.ID})
	if err != nil || len(got) != 0 {
		t.Fatalf("ListBatches(other enterprise) = %v, %v", ids(got, id), err)
	}
}

// A published lot's corrections are kept, in order, by the service: each
// names the fields it changed and why; a draft changes freely; the lot code
// of a published lot never changes; nothing is written when refused.
func TestBatchCorrections(t *testing.T) {
	t.Parallel()
	db, ctx := newStore(t), context.Background()
	e := mustEnterprise(t, db)
	p := mustProduct(t, db, e.ID, "")
	draft := &registry.Batch{EnterpriseID: e.ID, ProductID: p.ID, LotCode: "D1", Quantity: 5, Unit: "kg", Status: registry.BatchDraft,
		Corrections: []registry.Correction{{Fields: []string{"quantity"}, Reason: "forged"}}}
	if err := db.CreateBatch(ctx, draft); err != nil {
		t.Fatal(err)
	}
	if len(draft.Corrections) != 0 {
		t.Fatalf("a new lot came with a history: %+v", draft.Corrections)
	}
	draft.LotCode, draft.Quantity = "D2", 6
	if err := db.UpdateBatch(ctx, draft); err != nil || len(draft.Corrections) != 0 {
		t.Fatalf("a draft changes without a correction: %v %+v", err, draft.Corrections)
	}

	b := mustBatch(t, db, e.ID, p.ID, "P1")
	ctx = registry.WithActor(ctx, registry.Actor{Username: "coop", Role: registry.RoleEnterprise, EnterpriseID: e.ID})
	for _, tc := range []struct {
		name  string
		edit  func(x *registry.Batch)
		field string
		rule  string
	}{
		{"no reason", func(x *registry.Batch) { x.Quantity = 1 }, "correction_reason", "required"},
		{"blank reason", func(x *registry.Batch) { x.Quantity, x.CorrectionReason = 1, "   " }, "correction_reason", "required"},
		{"long reason", func(x *registry.Batch) {
			x.Quantity, x.CorrectionReason = 1, strings.Repeat("ă", registry.MaxCorrectionReason+1)
		}, "correction_reason", "max_length"},
		{"lot code", func(x *registry.Batch) { x.LotCode, x.CorrectionReason = "P2", "typo" }, "lot_code", "immutable"},
	} {
		x := *b
		tc.edit(&x)
		err := unchanged(t, db, records.ColBatches, func() error { return db.UpdateBatch(ctx, &x) })
		wantField(t, err, tc.field, tc.rule)
	}

	x := *b
	x.Quantity, x.ProducedOn, x.CorrectionReason = 1150, "2026-05-02", "  Cân lại tại kho  "
	x.Corrections = nil // a client cannot drop the history
	if err := db.UpdateBatch(ctx, &x); err != nil {
		t.Fatal(err)
	}
	y := x
	y.DDSReference, y.CorrectionReason = "VN-DDS-1", "Bổ sung mã DDS"
	y.Corrections = []registry.Correction{{Reason: "rewritten"}}
	if err := db.UpdateBatch(ctx, &y); err != nil {
		t.Fatal(err)
	}
	// An update that changes nothing public adds nothing.
	z := y
	if err := db.UpdateBatch(ctx, &z); err != nil {
		t.Fatal(err)
	}
	got, err := db.FindBatch(ctx, b.ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(got.Corrections) != 2 || got.CorrectionReason != "" {
		t.Fatalf("corrections %+v", got.Corrections)
	}
	c0, c1 := got.Corrections[0], got.Corrections[1]
	if !slices.Equal(c0.Fields, []string{"quantity", "produced_on"}) || c0.Reason != "Cân lại tại kho" || c0.By != "coop" || !c0.At.Equal(testNow) ||
		!slices.Equal(c1.Fields, []string{"dds_reference"}) || c1.Reason != "Bổ sung mã DDS" {
		t.Fatalf("corrections %+v", got.Corrections)
	}
	if pv := got.PublicView(); len(pv.Corrections) != 2 || pv.Corrections[0].By != "" {
		t.Fatalf("public view of the corrections %+v: who corrected is not public", pv.Corrections)
	}
}

// --- events and genealogy

func TestEventIdempotency(t *testing.T) {
	t.Parallel()
	db, ctx := newStore(t), context.Background()
	e := mustEnterprise(t, db)
	p := mustProduct(t, db, e.ID, "")
	b := mustBatch(t, db, e.ID, p.ID, "L1")

	first := objectEvent(e.ID, "harvest-2026-06-13", testNow.Add(-48*time.Hour), b.ID)
	first.Note = "first"
	if err := db.CreateEvent(ctx, first); err != nil {
		t.Fatal(err)
	}
	if !registry.ValidID(first.ID) || !first.RecordedAt.Equal(testNow) {
		t.Fatalf("created %+v", first)
	}
	retry := objectEvent(e.ID, "harvest-2026-06-13", testNow.Add(-47*time.Hour), b.ID)
	retry.Note = "retry"
	if err := db.CreateEvent(ctx, retry); err != nil {
		t.Fatal(err)
	}
	if retry.ID != first.ID || retry.Note != "first" {
		t.Fatalf("retry answered %s (%q), want the first event %s", retry.ID, retry.Note, first.ID)
	}
	if n := count(t, db, records.ColEvents); n != 1 {
		t.Fatalf("%d events stored, want 1", n)
	}
	// Events without a key are all kept.
	for range 2 {
		if err := db.CreateEvent(ctx, objectEvent(e.ID, "", testNow.Add(-time.Hour), b.ID)); err != nil {
			t.Fatal(err)
		}
	}
	// Another enterprise may use the same key.
	other := mustEnterprise(t, db)
	op := mustProduct(t, db, other.ID, "")
	ob := mustBatch(t, db, other.ID, op.ID, "L1")
	theirs := objectEvent(other.ID, "harvest-2026-06-13", testNow.Add(-48*time.Hour), ob.ID)
	if err := db.CreateEvent(ctx, theirs); err != nil || theirs.ID == first.ID {
		t.Fatalf("other enterprise, same key: %v, id %s", err, theirs.ID)
	}
	if n := count(t, db, records.ColEvents); n != 4 {
		t.Fatalf("%d events stored, want 4", n)
	}

	events, err := db.ListBatchEvents(ctx, b.ID)
	if err != nil || len(events) != 3 || events[0].ID != first.ID {
		t.Fatalf("ListBatchEvents = %d events, %v; want 3, the harvest first", len(events), err)
	}
	for i := 1; i < len(events); i++ {
		if events[i].EventTime.Before(events[i-1].EventTime) {
			t.Fatal("events are not oldest first")
		}
	}

	future := objectEvent(e.ID, "", testNow.Add(48*time.Hour), b.ID)
	err = unchanged(t, db, records.ColEvents, func() error { return db.CreateEvent(ctx, future) })
	wantField(t, err, "event_time", "future")
	foreign := objectEvent(e.ID, "", testNow.Add(-time.Hour), ob.ID)
	err = unchanged(t, db, records.ColEvents, func() error { return db.CreateEvent(ctx, foreign) })
	wantField(t, err, "batches", "exists")
}

func TestEventTransformationsAndCycles(t *testing.T) {
	t.Parallel()
	db, ctx := newStore(t), context.Background()
	e := mustEnterprise(t, db)
	p := mustProduct(t, db, e.ID, "")
	a := mustBatch(t, db, e.ID, p.ID, "A")
	b := mustBatch(t, db, e.ID, p.ID, "B")
	c := mustBatch(t, db, e.ID, p.ID, "C")

	ab := transformation(e.ID, "ab", []string{a.ID}, []string{b.ID})
	if err := db.CreateEvent(ctx, ab); err != nil {
		t.Fatal(err)
	}
	for _, batch := range []string{a.ID, b.ID} {
		evs, err := db.ListBatchEvents(ctx, batch)
		if err != nil || len(evs) != 1 || evs[0].ID != ab.ID {
			t.Fatalf("ListBatchEvents(%s) = %v, %v; want the transformation", batch, evs, err)
		}
	}

	ba := transformation(e.ID, "ba", []string{b.ID}, []string{a.ID})
	err := unchanged(t, db, records.ColEvents, func() error { return db.CreateEvent(ctx, ba) })
	wantField(t, err, "outputs", "cycle")

	if err := db.CreateEvent(ctx, transformation(e.ID, "bc", []string{b.ID}, []string{c.ID})); err != nil {
		t.Fatal(err)
	}
	ca := transformation(e.ID, "ca", []string{c.ID}, []string{a.ID})
	err = unchanged(t, db, records.ColEvents, func() error { return db.CreateEvent(ctx, ca) })
	wantField(t, err, "outputs", "cycle")
	self := transformation(e.ID, "aa", []string{a.ID}, []string{a.ID})
	err = unchanged(t, db, records.ColEvents, func() error { return db.CreateEvent(ctx, self) })
	wantField(t, err, "outputs", "cycle")
	// A diamond is not a cycle: a also feeds c directly.
	if err := db.CreateEvent(ctx, transformation(e.ID, "ac", []string{a.ID}, []string{c.ID})); err != nil {
		t.Fatalf("a → c alongside a → b → c: %v", err)
	}

	// Outputs are the recorder's own; inputs may be bought from another enterprise.
	other := mustEnterprise(t, db)
	op := mustProduct(t, db, other.ID, "")
	theirs := mustBatch(t, db, other.ID, op.ID, "X")
	into := transformation(e.ID, "into-theirs", []string{c.ID}, []string{theirs.ID})
	err = unchanged(t, db, records.ColEvents, func() error { return db.CreateEvent(ctx, into) })
	wantField(t, err, "outputs", "exists")
	mine := mustBatch(t, db, e.ID, p.ID, "D")
	// Another enterprise's lot is an input only once its owner shipped it here;
	// before that the answer is the one for a lot that does not exist.
	fromTheirs := transformation(e.ID, "from-theirs", []string{theirs.ID}, []string{mine.ID})
	err = unchanged(t, db, records.ColEvents, func() error { return db.CreateEvent(ctx, fromTheirs) })
	wantField(t, err, "inputs", "exists")
	unshipped := registry.PublicError(err)
	mustShip(t, db, other.ID, theirs.ID, e.TaxCode)
	fromTheirs = transformation(e.ID, "from-theirs", []string{theirs.ID}, []string{mine.ID})
	if err := db.CreateEvent(ctx, fromTheirs); err != nil {
		t.Fatalf("input shipped by another enterprise: %v", err)
	}
	missing := transformation(e.ID, "missing", []string{bson.NewObjectID().Hex()}, []string{mine.ID})
	err = unchanged(t, db, records.ColEvents, func() error { return db.CreateEvent(ctx, missing) })
	wantField(t, err, "inputs", "exists")
	if got := registry.PublicError(err); got.Message != unshipped.Message || got.Fields[0] != unshipped.Fields[0] {
		t.Fatalf("a missing input answers %+v, an unshipped one %+v: the difference tells one from the other", got, unshipped)
	}
}

// mustShip records owner shipping lot to the enterprise with taxCode.
func mustShip(t *testing.T, db *records.DB, owner, lot, taxCode string) {
	t.Helper()
	ship := &registry.TraceEvent{EnterpriseID: owner, Kind: registry.EventTransaction, EventTime: testNow.Add(-72 * time.Hour),
		EventTimeZone: "+07:00", BusinessStep: "shipping", Batches: []registry.Quantity{{BatchID: lot, Quantity: 100, Unit: "kg"}},
		CounterpartyTaxCode: taxCode}
	if err := db.CreateEvent(context.Background(), ship); err != nil {
		t.Fatalf("ship %s: %v", lot, err)
	}
}

func TestGenealogy(t *testing.T) {
	t.Parallel()
	db, ctx := newStore(t), context.Background()
	coop := mustEnterprise(t, db)
	roaster := mustEnterprise(t, db)
	plot1, plot2 := mustPlot(t, db, coop.ID), mustPlot(t, db, coop.ID)
	mustPlot(t, db, coop.ID) // a plot no lot came from
	cherry := mustProduct(t, db, coop.ID, "")
	green := mustProduct(t, db, coop.ID, "")
	roasted := mustProduct(t, db, roaster.ID, "")
	c1 := mustBatch(t, db, coop.ID, cherry.ID, "CH-01", plot1.ID)
	c2 := mustBatch(t, db, coop.ID, cherry.ID, "CH-02", plot2.ID)
	c3 := mustBatch(t, db, coop.ID, cherry.ID, "CH-03", plot2.ID) // sold elsewhere
	g := mustBatch(t, db, coop.ID, green.ID, "GR-01")
	r := mustBatch(t, db, roaster.ID, roasted.ID, "RO-01")

	hulling := transformation(coop.ID, "hull", []string{c1.ID, c2.ID}, []string{g.ID})
	if err := db.CreateEvent(ctx, hulling); err != nil {
		t.Fatal(err)
	}
	mustShip(t, db, coop.ID, g.ID, roaster.TaxCode)
	roasting := transformation(roaster.ID, "roast", []string{g.ID}, []string{r.ID})
	if err := db.CreateEvent(ctx, roasting); err != nil {
		t.Fatal(err)
	}

	batchID := func(b *registry.Batch) string { return b.ID }
	up, err := db.Genealogy(ctx, r.ID, registry.Upstream, 0)
	if err != nil {
		t.Fatal(err)
	}
	if up.Root != r.ID || !slices.Equal(ids(up.Batches, batchID), sorted(r.ID, g.ID, c1.ID, c2.ID)) {
		t.Fatalf("up from the roasted lot: %v, want roasted, green and both cherry lots", ids(up.Batches, batchID))
	}
	if got := ids(up.Plots, func(f *registry.Facility) string { return f.ID }); !slices.Equal(got, sorted(plot1.ID, plot2.ID)) {
		t.Fatalf("up reached plots %v, want %v", got, sorted(plot1.ID, plot2.ID))
	}
	wantLinks := []registry.GenealogyLink{{From: g.ID, To: r.ID, EventID: roasting.ID}, {From: c1.ID, To: g.ID, EventID: hulling.ID}, {From: c2.ID, To: g.ID, EventID: hulling.ID}}
	for _, l := range wantLinks {
		if !slices.Contains(up.Links, l) {
			t.Fatalf("up links %+v lack %+v", up.Links, l)
		}
	}
	if len(up.Links) != len(wantLinks) {
		t.Fatalf("up links %+v, want %d", up.Links, len(wantLinks))
	}

	shallow, err := db.Genealogy(ctx, r.ID, registry.Upstream, 1)
	if err != nil || !slices.Equal(ids(shallow.Batches, batchID), sorted(r.ID, g.ID)) || len(shallow.Plots) != 0 {
		t.Fatalf("up one level: %v, plots %d, %v", ids(shallow.Batches, batchID), len(shallow.Plots), err)
	}

	down, err := db.Genealogy(ctx, c1.ID, registry.Downstream, 0)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(ids(down.Batches, batchID), sorted(c1.ID, g.ID, r.ID)) || len(down.Plots) != 0 {
		t.Fatalf("down from a cherry lot: %v, want it, the green and the roasted lot (not its sibling)", ids(down.Batches, batchID))
	}
	if len(down.Links) != 2 {
		t.Fatalf("down links %+v, want 2", down.Links)
	}
	alone, err := db.Genealogy(ctx, c3.ID, registry.Downstream, 0)
	if err != nil || len(alone.Batches) != 1 || len(alone.Links) != 0 {
		t.Fatalf("down from an unused lot: %+v, %v", alone, err)
	}

	_, err = db.Genealogy(ctx, r.ID, "sideways", 0)
	wantField(t, err, "direction", "one_of")
	_, err = db.Genealogy(ctx, bson.NewObjectID().Hex(), registry.Upstream, 0)
	wantCode(t, err, registry.ENOTFOUND)
}

// TestSupplyChainBoundaries: another tenant's lot is reached only through a
// shipment of it, and then only as its public page shows it.
func TestSupplyChainBoundaries(t *testing.T) {
	t.Parallel()
	db, ctx := newStore(t), context.Background()
	victim, attacker, bystander := mustEnterprise(t, db), mustEnterprise(t, db), mustEnterprise(t, db)
	plot := pointPlot(victim.ID)
	plot.Address = "Thôn 3, xã Ea Tul"
	if err := db.CreateFacility(ctx, plot); err != nil {
		t.Fatal(err)
	}
	vp := mustProduct(t, db, victim.ID, "")
	published := mustBatch(t, db, victim.ID, vp.ID, "V-PUB", plot.ID)
	draft := &registry.Batch{EnterpriseID: victim.ID, ProductID: vp.ID, LotCode: "V-DRAFT", Quantity: 5, Unit: "kg", Status: registry.BatchDraft}
	if err := db.CreateBatch(ctx, draft); err != nil {
		t.Fatal(err)
	}
	ap := mustProduct(t, db, attacker.ID, "")
	own := mustBatch(t, db, attacker.ID, ap.ID, "A-1")

	// Neither lot was shipped to the attacker: both answer like a missing ID,
	// through the API's call and through an import.
	for _, in := range []*registry.Batch{published, draft} {
		ev := transformation(attacker.ID, "steal-"+in.LotCode, []string{in.ID}, []string{own.ID})
		err := unchanged(t, db, records.ColEvents, func() error { return db.CreateEvent(ctx, ev) })
		wantField(t, err, "inputs", "exists")
		res, err := db.CreateEvents(ctx, []*registry.TraceEvent{transformation(attacker.ID, "imp-"+in.LotCode, []string{in.ID}, []string{own.ID})}, false)
		if err != nil || len(res) != 1 {
			t.Fatalf("import: %v %v", res, err)
		}
		wantField(t, res[0].Err, "inputs", "exists")
	}
	// Shipped to someone else is not shipped here; a draft stays out even shipped.
	mustShip(t, db, victim.ID, published.ID, bystander.TaxCode)
	mustShip(t, db, victim.ID, draft.ID, attacker.TaxCode)
	for _, in := range []*registry.Batch{published, draft} {
		ev := transformation(attacker.ID, "again-"+in.LotCode, []string{in.ID}, []string{own.ID})
		wantField(t, unchanged(t, db, records.ColEvents, func() error { return db.CreateEvent(ctx, ev) }), "inputs", "exists")
	}
	history, err := db.ListBatchEvents(ctx, published.ID)
	if err != nil || len(history) != 1 || history[0].EnterpriseID != victim.ID {
		t.Fatalf("the published lot's history holds %d events (%v), want only its owner's shipment", len(history), err)
	}

	// Once shipped to the attacker, it may be an input, and the trace shows it
	// as the public does: no stamps, no address, no draft.
	mustShip(t, db, victim.ID, published.ID, attacker.TaxCode)
	roast := transformation(attacker.ID, "roast", []string{published.ID}, []string{own.ID})
	if err := db.CreateEvent(ctx, roast); err != nil {
		t.Fatalf("a shipped lot as an input: %v", err)
	}
	history, err = db.ListBatchEvents(ctx, published.ID)
	if err != nil || len(history) != 3 {
		t.Fatalf("history after the receiver's transformation: %d events, %v; want two shipments and the transformation", len(history), err)
	}
	g, err := db.Genealogy(ctx, own.ID, registry.Upstream, 0)
	if err != nil {
		t.Fatal(err)
	}
	seen := g.SeenBy(registry.Actor{Role: registry.RoleEnterprise, EnterpriseID: attacker.ID})
	if len(seen.Batches) != 2 || len(seen.Plots) != 1 || len(seen.Links) != 1 {
		t.Fatalf("trace as the receiver: %d lots, %d plots, %d links; want 2, 1, 1", len(seen.Batches), len(seen.Plots), len(seen.Links))
	}
	for _, b := range seen.Batches {
		switch b.ID {
		case own.ID:
			if b.Version == 0 || b.CreatedAt.IsZero() {
				t.Fatalf("the receiver's own lot lost its fields: %+v", b)
			}
		case published.ID:
			if b.Version != 0 || !b.CreatedAt.IsZero() || b.LotCode != "V-PUB" {
				t.Fatalf("another tenant's lot is shown whole: %+v", b)
			}
		default:
			t.Fatalf("unexpected lot %s in the trace", b.ID)
		}
	}
	if f := seen.Plots[0]; f.Address != "" || f.Geometry == "" || !f.CreatedAt.IsZero() {
		t.Fatalf("another tenant's plot as seen by the receiver: %+v", f)
	}
	if whole := g.SeenBy(registry.Actor{Role: registry.RoleInspector}); whole.Plots[0].Address != plot.Address {
		t.Fatalf("an inspector sees the plot without its address")
	}
}

// --- certificates and bodies

func mustBody(t *testing.T, db *records.DB, code string) *registry.CertificationBody {
	t.Helper()
	b := &registry.CertificationBody{Name: "Trung tâm Chứng nhận Phù hợp " + code, Code: code, Designated: true, Schemes: []string{"VietGAP"}}
	if err := db.CreateCertificationBody(context.Background(), b); err != nil {
		t.Fatalf("create body: %v", err)
	}
	return b
}

func certData(number, bodyID, holderID string) *registry.Certificate {
	return &registry.Certificate{Number: number, Scheme: "VietGAP", BodyID: bodyID, HolderID: holderID,
		IssuedOn: "2025-01-10", ExpiresOn: "2028-01-09"}
}

func TestCertificationBodies(t *testing.T) {
	t.Parallel()
	db, ctx := newStore(t), context.Background()
	b := mustBody(t, db, "QUACERT")
	got, err := db.FindCertificationBodyByCode(ctx, "QUACERT")
	if err != nil || got.ID != b.ID {
		t.Fatalf("FindCertificationBodyByCode = %v, %v", got, err)
	}
	if got, err := db.FindCertificationBody(ctx, b.ID); err != nil || got.Code != "QUACERT" {
		t.Fatalf("FindCertificationBody = %v, %v", got, err)
	}
	err = unchanged(t, db, records.ColBodies, func() error {
		return db.CreateCertificationBody(ctx, &registry.CertificationBody{Name: "Khác", Code: "QUACERT"})
	})
	wantCode(t, err, registry.ECONFLICT)
	err = unchanged(t, db, records.ColBodies, func() error {
		return db.CreateCertificationBody(ctx, &registry.CertificationBody{Name: "Khác", Code: "X", Schemes: []string{"Made up"}})
	})
	wantField(t, err, "schemes", "one_of")
	v := mustBody(t, db, "VINACERT")
	list, next, err := db.ListCertificationBodies(ctx, registry.Page{Limit: 1})
	if err != nil || len(list) != 1 || list[0].ID != b.ID || next == "" {
		t.Fatalf("ListCertificationBodies = %d, %q, %v", len(list), next, err)
	}
	list, next, err = db.ListCertificationBodies(ctx, registry.Page{Limit: 1, Cursor: next})
	if err != nil || len(list) != 1 || list[0].ID != v.ID || next != "" {
		t.Fatalf("ListCertificationBodies, second page = %d, %q, %v; want VINACERT and no cursor", len(list), next, err)
	}
}

func TestCertificateStatusChanges(t *testing.T) {
	t.Parallel()
	db := newStore(t)
	ctx := registry.WithActor(context.Background(), registry.Actor{Username: "quacert.hoa", Role: registry.RoleCertifier})
	e := mustEnterprise(t, db)
	body := mustBody(t, db, "QUACERT")
	c := certData("VietGAP-TT-12-01-2025", body.ID, e.ID)
	c.Status = registry.CertWithdrawn // ignored: a new certificate is active
	if err := db.CreateCertificate(ctx, c); err != nil {
		t.Fatal(err)
	}
	if c.Status != registry.CertActive || len(c.History) != 1 || c.History[0].Status != registry.CertActive || c.History[0].On != "2025-01-10" || c.History[0].By != "quacert.hoa" {
		t.Fatalf("created %+v", c)
	}

	version := c.Version
	step := func(status string, wantHistory int) {
		t.Helper()
		got, err := db.ChangeCertificateStatus(ctx, c.ID, version, registry.StatusChange{Status: status, Reason: "quyết định " + status, On: "2026-06-15"})
		if err != nil {
			t.Fatalf("→ %s: %v", status, err)
		}
		stored, err := db.FindCertificate(ctx, c.ID)
		if err != nil {
			t.Fatal(err)
		}
		if got.Status != status || stored.Status != status || len(stored.History) != wantHistory || stored.Version != version+1 || got.Version != version+1 {
			t.Fatalf("→ %s: returned %s v%d, stored %s v%d with %d history entries; want v%d, %d entries",
				status, got.Status, got.Version, stored.Status, stored.Version, len(stored.History), version+1, wantHistory)
		}
		last := stored.History[len(stored.History)-1]
		if last.Status != status || last.By != "quacert.hoa" || !last.At.Equal(testNow) {
			t.Fatalf("→ %s: last history entry %+v", status, last)
		}
		version++
	}
	step(registry.CertSuspended, 2)

	// A stale version is refused and changes nothing.
	_, err := db.ChangeCertificateStatus(ctx, c.ID, version-1, registry.StatusChange{Status: registry.CertActive, Reason: "khắc phục xong", On: "2026-06-15"})
	wantCode(t, err, registry.ESTALE)
	if stored, _ := db.FindCertificate(ctx, c.ID); stored.Status != registry.CertSuspended || len(stored.History) != 2 || stored.Version != version {
		t.Fatalf("after a stale change: %+v", stored)
	}

	step(registry.CertActive, 3)
	step(registry.CertWithdrawn, 4)

	_, err = db.ChangeCertificateStatus(ctx, c.ID, version, registry.StatusChange{Status: registry.CertActive, Reason: "cấp lại", On: "2026-06-15"})
	wantField(t, err, "status", "transition")
	_, err = db.ChangeCertificateStatus(ctx, c.ID, version, registry.StatusChange{Status: registry.CertSuspended, Reason: "x", On: "15/06/2026"})
	wantField(t, err, "reason", "required")
	wantField(t, err, "on", "date")
	if stored, _ := db.FindCertificate(ctx, c.ID); stored.Status != registry.CertWithdrawn || len(stored.History) != 4 {
		t.Fatalf("after refused changes: %+v", stored)
	}
	_, err = db.ChangeCertificateStatus(ctx, bson.NewObjectID().Hex(), 1, registry.StatusChange{Status: registry.CertSuspended, Reason: "không có", On: "2026-06-15"})
	wantCode(t, err, registry.ENOTFOUND)
}

func TestCertificateNumbers(t *testing.T) {
	t.Parallel()
	db, ctx := newStore(t), context.Background()
	e := mustEnterprise(t, db)
	b1, b2 := mustBody(t, db, "B1"), mustBody(t, db, "B2")
	c1 := certData("VG-001", b1.ID, e.ID)
	if err := db.CreateCertificate(ctx, c1); err != nil {
		t.Fatal(err)
	}
	err := unchanged(t, db, records.ColCertificates, func() error { return db.CreateCertificate(ctx, certData("VG-001", b1.ID, e.ID)) })
	wantCode(t, err, registry.ECONFLICT)
	c2 := certData("VG-001", b2.ID, e.ID)
	c2.ExpiresOn = "2026-12-31"
	if err := db.CreateCertificate(ctx, c2); err != nil {
		t.Fatalf("same number from another body: %v", err)
	}
	found, err := db.FindCertificatesByNumber(ctx, "VG-001")
	if err != nil || len(found) != 2 {
		t.Fatalf("FindCertificatesByNumber = %d, %v; want 2", len(found), err)
	}
	_, err = db.FindCertificatesByNumber(ctx, "VG-404")
	wantCode(t, err, registry.ENOTFOUND)

	noHolder := certData("VG-002", b1.ID, bson.NewObjectID().Hex())
	err = unchanged(t, db, records.ColCertificates, func() error { return db.CreateCertificate(ctx, noHolder) })
	wantField(t, err, "holder_id", "exists")
	backwards := certData("VG-003", b1.ID, e.ID)
	backwards.ExpiresOn = "2024-01-01"
	err = unchanged(t, db, records.ColCertificates, func() error { return db.CreateCertificate(ctx, backwards) })
	wantField(t, err, "expires_on", "date_order")

	id := func(c *registry.Certificate) string { return c.ID }
	for _, tc := range []struct {
		f    registry.CertificateFilter
		want []string
	}{
		{registry.CertificateFilter{ExpiresBefore: "2027-01-01"}, []string{c2.ID}},
		{registry.CertificateFilter{ExpiresAfter: "2027-01-01"}, []string{c1.ID}},
		{registry.CertificateFilter{BodyID: b2.ID}, []string{c2.ID}},
		{registry.CertificateFilter{HolderID: e.ID, Number: "VG-001"}, sorted(c1.ID, c2.ID)},
		{registry.CertificateFilter{Scheme: "HACCP"}, []string{}},
	} {
		got, _, err := db.ListCertificates(ctx, tc.f)
		if err != nil {
			t.Fatal(err)
		}
		if g := ids(got, id); !slices.Equal(g, tc.want) {
			t.Errorf("filter %+v: got %v, want %v", tc.f, g, tc.want)
		}
	}
}

// --- announcements

func announcementData(enterpriseID, productID string) *registry.ConformityAnnouncement {
	return &registry.ConformityAnnouncement{EnterpriseID: enterpriseID, Type: registry.AnnounceRegulation, ProductIDs: []string{productID},
		StandardCode: "QCVN 01-189:2019/BNNPTNT", Basis: registry.BasisSelfAssessment, Agency: "Sở KH&CN Đắk Lắk", Status: registry.AnnDraft}
}

func received(a *registry.ConformityAnnouncement, number string) *registry.ConformityAnnouncement {
	a.Status, a.SubmittedOn, a.ReceiptNumber, a.ReceiptDate = registry.AnnReceived, "2026-06-01", number, "2026-06-08"
	return a
}

func TestAnnouncements(t *testing.T) {
	t.Parallel()
	db, ctx := newStore(t), context.Background()
	e := mustEnterprise(t, db)
	p := mustProduct(t, db, e.ID, "")

	d1, d2 := announcementData(e.ID, p.ID), announcementData(e.ID, p.ID)
	for _, a := range []*registry.ConformityAnnouncement{d1, d2} {
		if err := db.CreateAnnouncement(ctx, a); err != nil {
			t.Fatalf("draft without receipt number: %v", err)
		}
	}
	if len(d1.History) != 1 || d1.History[0].Status != registry.AnnDraft || d1.History[0].On != "2026-06-15" {
		t.Fatalf("first history entry %+v", d1.History)
	}

	tcvn := announcementData(e.ID, p.ID)
	tcvn.StandardCode = "TCVN 4193:2014"
	err := unchanged(t, db, records.ColAnnouncements, func() error { return db.CreateAnnouncement(ctx, tcvn) })
	wantField(t, err, "standard_code", "regulation_required")

	noNumber := received(announcementData(e.ID, p.ID), "")
	err = unchanged(t, db, records.ColAnnouncements, func() error { return db.CreateAnnouncement(ctx, noNumber) })
	wantField(t, err, "receipt_number", "required")

	r1 := received(announcementData(e.ID, p.ID), "125/TB-SKHCN")
	if err := db.CreateAnnouncement(ctx, r1); err != nil {
		t.Fatal(err)
	}
	if got, err := db.FindAnnouncement(ctx, r1.ID); err != nil || !got.MayCarryCRMark() {
		t.Fatalf("received hợp quy: %+v, %v; want it may carry the CR mark", got, err)
	}
	err = unchanged(t, db, records.ColAnnouncements, func() error {
		return db.CreateAnnouncement(ctx, received(announcementData(e.ID, p.ID), "125/TB-SKHCN"))
	})
	wantCode(t, err, registry.ECONFLICT)

	other := mustEnterprise(t, db)
	theirs := mustProduct(t, db, other.ID, "")
	err = unchanged(t, db, records.ColAnnouncements, func() error { return db.CreateAnnouncement(ctx, announcementData(e.ID, theirs.ID)) })
	wantField(t, err, "product_ids", "exists")

	// Update: a draft's content changes freely, its status only by a
	// transition; stale and missing.
	read := *d1
	jumped := *d1
	received(&jumped, "126/TB-SKHCN")
	wantField(t, db.UpdateAnnouncement(ctx, &jumped), "status", "transition")
	if got, _ := db.FindAnnouncement(ctx, d1.ID); got.Status != registry.AnnDraft || got.Version != 1 {
		t.Fatalf("an update that jumped the status changed the announcement: %+v", got)
	}
	d1.Agency = "Sở Khoa học và Công nghệ tỉnh Đắk Lắk"
	if err := db.UpdateAnnouncement(ctx, d1); err != nil || d1.Version != 2 || len(d1.History) != 1 {
		t.Fatalf("update of a draft: %v, version %d, history %+v", err, d1.Version, d1.History)
	}
	wantCode(t, db.UpdateAnnouncement(ctx, &read), registry.ESTALE)
	missing := *d1
	missing.ID = bson.NewObjectID().Hex()
	wantCode(t, db.UpdateAnnouncement(ctx, &missing), registry.ENOTFOUND)

	// Submitted, it changes only by the inbox; asked for missing items, the
	// enterprise supplements it, each change in its history; received, it is frozen.
	agency := registry.Actor{Username: "tiepnhan", Role: registry.RoleInspector}
	actx := registry.WithActor(ctx, agency)
	step := func(a *registry.ConformityAnnouncement, tr registry.AnnouncementTransition) *registry.ConformityAnnouncement {
		t.Helper()
		next, err := db.TransitionAnnouncement(actx, a.ID, a.Version, tr)
		if err != nil {
			t.Fatalf("%s: %v", tr.Action, err)
		}
		return next
	}
	d1 = step(d1, registry.SubmitAnnouncement())
	edit := *d1
	edit.StandardCode = "QCVN 01-190:2020/BNNPTNT"
	wantCode(t, db.UpdateAnnouncement(ctx, &edit), registry.ECONFLICT)
	d1 = step(d1, registry.RequestMissingItems("Thiếu kết quả thử nghiệm"))
	supplement := *d1
	supplement.Agency = "Sở KH&CN tỉnh Đắk Lắk"
	if err := db.UpdateAnnouncement(actx, &supplement); err != nil {
		t.Fatalf("supplementing a dossier asked for missing items: %v", err)
	}
	last := supplement.History[len(supplement.History)-1]
	if len(supplement.History) != len(d1.History)+1 || last.Status != registry.AnnNeedsMore || last.Reason != "changed: agency" || last.By != "tiepnhan" {
		t.Fatalf("the supplement left no history entry: %+v", supplement.History)
	}
	d1 = &supplement
	agencyText := *d1
	agencyText.MissingItems = "Không thiếu gì"
	wantCode(t, db.UpdateAnnouncement(ctx, &agencyText), registry.ECONFLICT)
	d1 = step(d1, registry.ResubmitAnnouncement(""))
	// A number taken by another dossier conflicts.
	_, err = db.TransitionAnnouncement(actx, d1.ID, d1.Version, registry.IssueReceipt("125/TB-SKHCN", registry.VietnamDate(testNow)))
	wantCode(t, err, registry.ECONFLICT)
	d1 = step(d1, registry.IssueReceipt("126/TB-SKHCN", registry.VietnamDate(testNow)))
	for _, change := range []func(a *registry.ConformityAnnouncement){
		func(a *registry.ConformityAnnouncement) { a.StandardCode = "QCVN 01-190:2020/BNNPTNT" },
		func(a *registry.ConformityAnnouncement) {
			a.ProductIDs = append(a.ProductIDs, mustProduct(t, db, e.ID, "").ID)
		},
		func(a *registry.ConformityAnnouncement) { a.SubmittedOn = "2026-01-01" },
		func(a *registry.ConformityAnnouncement) { a.ReceiptNumber = "999/TB-SKHCN" },
	} {
		frozen := *d1
		frozen.ProductIDs = slices.Clone(d1.ProductIDs)
		change(&frozen)
		wantCode(t, db.UpdateAnnouncement(actx, &frozen), registry.ECONFLICT)
	}
	if got, _ := db.FindAnnouncement(ctx, d1.ID); got.Version != d1.Version || got.StandardCode != "QCVN 01-189:2019/BNNPTNT" {
		t.Fatalf("a received dossier changed: %+v", got)
	}
	// Neither it nor an issued certificate can be deleted.
	wantCode(t, db.DeleteRecord(ctx, registry.KindAnnouncement, d1.ID), registry.ECONFLICT)

	id := func(a *registry.ConformityAnnouncement) string { return a.ID }
	got, _, err := db.ListAnnouncements(ctx, registry.AnnouncementFilter{EnterpriseID: e.ID, Status: registry.AnnReceived})
	if err != nil || !slices.Equal(ids(got, id), sorted(d1.ID, r1.ID)) {
		t.Fatalf("ListAnnouncements(received) = %v, %v", ids(got, id), err)
	}
	got, _, err = db.ListAnnouncements(ctx, registry.AnnouncementFilter{Type: registry.AnnounceStandard})
	if err != nil || len(got) != 0 {
		t.Fatalf("ListAnnouncements(hợp chuẩn) = %v, %v", ids(got, id), err)
	}
}

// --- users, standards, documents

func TestUsers(t *testing.T) {
	t.Parallel()
	db, ctx := newStore(t), context.Background()
	e := mustEnterprise(t, db)
	u := &registry.User{Username: "htx.eatu", DisplayName: "Nguyễn Thị Hoa", Role: registry.RoleEnterprise, EnterpriseID: e.ID, PasswordHash: "$argon2id$placeholder"}
	if err := db.CreateUser(ctx, u); err != nil {
		t.Fatal(err)
	}
	got, err := db.FindUserByUsername(ctx, "htx.eatu")
	if err != nil || got.ID != u.ID || got.PasswordHash != u.PasswordHash {
		t.Fatalf("FindUserByUsername = %+v, %v", got, err)
	}
	if got, err := db.FindUser(ctx, u.ID); err != nil || got.Username != "htx.eatu" {
		t.Fatalf("FindUser = %+v, %v", got, err)
	}
	_, err = db.FindUserByUsername(ctx, "HTX.EATU")
	wantCode(t, err, registry.ENOTFOUND)

	dup := &registry.User{Username: "htx.eatu", DisplayName: "Khác", Role: registry.RoleInspector, PasswordHash: "x"}
	err = unchanged(t, db, records.ColUsers, func() error { return db.CreateUser(ctx, dup) })
	wantCode(t, err, registry.ECONFLICT)
	unbound := &registry.User{Username: "dn.moi", DisplayName: "Doanh nghiệp mới", Role: registry.RoleEnterprise, PasswordHash: "x"}
	err = unchanged(t, db, records.ColUsers, func() error { return db.CreateUser(ctx, unbound) })
	wantField(t, err, "enterprise_id", "required")
	ghost := &registry.User{Username: "dn.ma", DisplayName: "Doanh nghiệp ma", Role: registry.RoleEnterprise, EnterpriseID: bson.NewObjectID().Hex(), PasswordHash: "x"}
	err = unchanged(t, db, records.ColUsers, func() error { return db.CreateUser(ctx, ghost) })
	wantField(t, err, "enterprise_id", "exists")

	inspector := &registry.User{Username: "thanhtra.an", DisplayName: "Trần Văn An", Role: registry.RoleInspector, PasswordHash: "x"}
	if err := db.CreateUser(ctx, inspector); err != nil {
		t.Fatal(err)
	}
	if n, err := db.CountUsers(ctx); err != nil || n != 2 {
		t.Fatalf("CountUsers = %d, %v; want 2", n, err)
	}
	list, next, err := db.ListUsers(ctx, registry.Page{Limit: 1})
	if err != nil || len(list) != 1 || list[0].ID != u.ID || next == "" {
		t.Fatalf("ListUsers page 1 = %d, %q, %v", len(list), next, err)
	}
	list, next, err = db.ListUsers(ctx, registry.Page{Cursor: next, Limit: 1})
	if err != nil || len(list) != 1 || list[0].ID != inspector.ID || next != "" {
		t.Fatalf("ListUsers page 2 = %d, %q, %v", len(list), next, err)
	}

	read := *inspector
	inspector.Disabled = true
	if err := db.UpdateUser(ctx, inspector); err != nil || inspector.Version != 2 {
		t.Fatalf("update: %v, version %d", err, inspector.Version)
	}
	wantCode(t, db.UpdateUser(ctx, &read), registry.ESTALE)
	if got, _ := db.FindUser(ctx, inspector.ID); !got.Disabled || got.Version != 2 {
		t.Fatalf("after a stale update: %+v", got)
	}
	renamed := *inspector
	renamed.Username = "htx.eatu"
	wantCode(t, db.UpdateUser(ctx, &renamed), registry.ECONFLICT)
	missing := *inspector
	missing.ID = bson.NewObjectID().Hex()
	wantCode(t, db.UpdateUser(ctx, &missing), registry.ENOTFOUND)
}

func TestStandards(t *testing.T) {
	t.Parallel()
	db, ctx := newStore(t), context.Background()
	qc := &registry.Standard{Code: "QCĐP 01:2024/ĐL", TitleVI: "Quy chuẩn kỹ thuật địa phương về cà phê"}
	tc := &registry.Standard{Code: "TCVN 4193:2014", TitleVI: "Cà phê nhân"}
	for _, s := range []*registry.Standard{qc, tc} {
		if err := db.CreateStandard(ctx, s); err != nil {
			t.Fatal(err)
		}
	}
	if qc.Kind != "QCDP" || tc.Kind != "TCVN" {
		t.Fatalf("kinds %q, %q", qc.Kind, tc.Kind)
	}
	got, err := db.FindStandardByCode(ctx, "QCĐP 01:2024/ĐL")
	if err != nil || got.ID != qc.ID {
		t.Fatalf("FindStandardByCode = %v, %v", got, err)
	}
	err = unchanged(t, db, records.ColStandards, func() error {
		return db.CreateStandard(ctx, &registry.Standard{Code: "TCVN 4193:2014", TitleVI: "Trùng"})
	})
	wantCode(t, err, registry.ECONFLICT)
	err = unchanged(t, db, records.ColStandards, func() error {
		return db.CreateStandard(ctx, &registry.Standard{Code: "TCVN4193", TitleVI: "Sai"})
	})
	wantField(t, err, "code", "standard_code")
	list, _, err := db.ListStandards(ctx, "TCVN", registry.Page{})
	if err != nil || len(list) != 1 || list[0].ID != tc.ID {
		t.Fatalf("ListStandards(TCVN) = %d, %v", len(list), err)
	}
}

func TestDocumentsAndPing(t *testing.T) {
	t.Parallel()
	db, ctx := newStore(t), context.Background()
	e := mustEnterprise(t, db)
	d := &registry.Document{EnterpriseID: e.ID, Title: "Giấy chứng nhận VietGAP", FileName: "vietgap.pdf", Kind: "certificate",
		Blob: registry.Blob{SHA256: strings.Repeat("ab", 32), Size: 1234, MediaType: "application/pdf"}}
	if err := db.CreateDocument(ctx, d); err != nil {
		t.Fatal(err)
	}
	got, err := db.FindDocument(ctx, d.ID)
	if err != nil || got.Blob != d.Blob || got.Title != d.Title {
		t.Fatalf("FindDocument = %+v, %v", got, err)
	}
	_, err = db.FindDocument(ctx, bson.NewObjectID().Hex())
	wantCode(t, err, registry.ENOTFOUND)
	err = unchanged(t, db, records.ColDocuments, func() error {
		return db.CreateDocument(ctx, &registry.Document{Title: "Mồ côi", Kind: "other", Blob: registry.Blob{SHA256: "ABC"}})
	})
	wantField(t, err, "blob.sha256", "format")
	wantField(t, err, "enterprise_id", "required")

	// A product's photo must be the enterprise's own document.
	other := mustEnterprise(t, db)
	p := &registry.Product{EnterpriseID: other.ID, NameVI: "Ảnh mượn", Category: "coffee", PhotoID: d.ID}
	err = unchanged(t, db, records.ColProducts, func() error { return db.CreateProduct(ctx, p) })
	wantField(t, err, "photo_id", "exists")

	if err := db.Ping(ctx); err != nil {
		t.Fatalf("Ping: %v", err)
	}
}

func TestFacilityGLN(t *testing.T) {
	t.Parallel()
	db, ctx := newStore(t), context.Background()
	e, other := mustEnterprise(t, db), mustEnterprise(t, db)
	g := gtin("893850000001")
	site := &registry.Facility{EnterpriseID: e.ID, Kind: registry.FacilityProcessing, Name: "Xưởng rang", District: "Buôn Ma Thuột", GLN: g}
	if err := db.CreateFacility(ctx, site); err != nil {
		t.Fatal(err)
	}
	if got, err := db.FindFacilityByGLN(ctx, g); err != nil || got.ID != site.ID {
		t.Fatalf("FindFacilityByGLN = %v, %v", got, err)
	}
	wantCode(t, func() error { _, err := db.FindFacilityByGLN(ctx, gtin("893850000002")); return err }(), registry.ENOTFOUND)
	wantCode(t, func() error { _, err := db.FindFacilityByGLN(ctx, ""); return err }(), registry.ENOTFOUND)

	// Another enterprise cannot take the GLN, at creation or by an update.
	taken := pointPlot(other.ID)
	taken.GLN = g
	err := unchanged(t, db, records.ColFacilities, func() error { return db.CreateFacility(ctx, taken) })
	wantGLNTaken(t, err)
	plot := mustPlot(t, db, other.ID)
	before := *plot
	plot.GLN = g
	err = unchanged(t, db, records.ColFacilities, func() error { return db.UpdateFacility(ctx, plot) })
	wantGLNTaken(t, err)
	if f, _ := db.FindFacility(ctx, plot.ID); f.GLN != "" || f.Version != before.Version {
		t.Fatalf("after a refused GLN: %+v", f)
	}
	// The holder keeps it across its own updates; a bad GLN names the rule.
	site.Name = "Xưởng rang xay"
	err = unchanged(t, db, records.ColFacilities, func() error { return db.UpdateFacility(ctx, site) })
	wantField(t, err, "correction_reason", "required") // a place with a GLN has a public page
	site.CorrectionReason = "Đổi tên xưởng"
	if err := db.UpdateFacility(ctx, site); err != nil {
		t.Fatalf("update keeping its GLN: %v", err)
	}
	if f, _ := db.FindFacility(ctx, site.ID); len(f.Corrections) != 1 || f.Corrections[0].Fields[0] != "name" || f.Corrections[0].Reason != "Đổi tên xưởng" {
		t.Fatalf("the place's correction: %+v", f.Corrections)
	}
	bad := pointPlot(e.ID)
	bad.GLN = g[:12] + string('0'+(g[12]-'0'+1)%10)
	err = unchanged(t, db, records.ColFacilities, func() error { return db.CreateFacility(ctx, bad) })
	wantField(t, err, "gln", "check_digit")
	// Found by GLN in the enterprise's search.
	if got, _, err := db.ListFacilities(ctx, registry.FacilityFilter{EnterpriseID: e.ID, Text: g}); err != nil || len(got) != 1 || got[0].ID != site.ID {
		t.Fatalf("search by GLN = %v, %v", got, err)
	}
}

// wantGLNTaken: a conflict that names the gln field.
func wantGLNTaken(t *testing.T, err error) {
	t.Helper()
	wantCode(t, err, registry.ECONFLICT)
	var re *registry.Error
	if !errors.As(err, &re) || len(re.Fields) != 1 || re.Fields[0].Field != "gln" || re.Fields[0].Rule != "unique" {
		t.Fatalf("err = %v, want a conflict on field gln", err)
	}
}

func TestListsByPlace(t *testing.T) {
	t.Parallel()
	db, ctx := newStore(t), context.Background()
	e := mustEnterprise(t, db)
	plot, elsewhere := mustPlot(t, db, e.ID), mustPlot(t, db, e.ID)
	site := &registry.Facility{EnterpriseID: e.ID, Kind: registry.FacilityProcessing, Name: "Xưởng", District: "Buôn Ma Thuột"}
	if err := db.CreateFacility(ctx, site); err != nil {
		t.Fatal(err)
	}
	p := mustProduct(t, db, e.ID, "")
	first := mustBatch(t, db, e.ID, p.ID, "L1", plot.ID)
	mustBatch(t, db, e.ID, p.ID, "L2", elsewhere.ID)
	second := mustBatch(t, db, e.ID, p.ID, "L3", plot.ID, elsewhere.ID)
	made := &registry.Batch{EnterpriseID: e.ID, ProductID: p.ID, LotCode: "L4", Quantity: 5, Unit: "kg", FacilityID: site.ID}
	if err := db.CreateBatch(ctx, made); err != nil {
		t.Fatal(err)
	}
	got, next, err := db.ListBatches(ctx, registry.BatchFilter{SourcePlotID: plot.ID, Page: registry.Page{Limit: 1}})
	if err != nil || len(got) != 1 || got[0].ID != second.ID || next == "" {
		t.Fatalf("lots of the plot, page 1 = %v, %q, %v; want the newest", got, next, err)
	}
	got, next, err = db.ListBatches(ctx, registry.BatchFilter{SourcePlotID: plot.ID, Page: registry.Page{Limit: 1, Cursor: next}})
	if err != nil || len(got) != 1 || got[0].ID != first.ID || next != "" {
		t.Fatalf("lots of the plot, page 2 = %v, %q, %v", got, next, err)
	}
	got, _, err = db.ListBatches(ctx, registry.BatchFilter{FacilityID: site.ID})
	if err != nil || len(got) != 1 || got[0].ID != made.ID {
		t.Fatalf("lots made at the site = %v, %v", got, err)
	}
	_, _, err = db.ListBatches(ctx, registry.BatchFilter{FacilityID: site.ID, EnterpriseID: e.ID})
	wantField(t, err, "facility_id", "combination")

	body := mustBody(t, db, "VNCERT-"+e.TaxCode)
	c := certData("VG-"+e.TaxCode, body.ID, e.ID)
	c.ScopeFacilityIDs = []string{plot.ID}
	if err := db.CreateCertificate(ctx, c); err != nil {
		t.Fatal(err)
	}
	certs, _, err := db.ListCertificates(ctx, registry.CertificateFilter{FacilityID: plot.ID})
	if err != nil || len(certs) != 1 || certs[0].ID != c.ID {
		t.Fatalf("certificates of the plot = %v, %v", certs, err)
	}
	if certs, _, err := db.ListCertificates(ctx, registry.CertificateFilter{FacilityID: site.ID}); err != nil || len(certs) != 0 {
		t.Fatalf("certificates of the site = %v, %v", certs, err)
	}
	_, _, err = db.ListCertificates(ctx, registry.CertificateFilter{FacilityID: plot.ID, HolderID: e.ID})
	wantField(t, err, "facility_id", "combination")
}

// An event declared an error stays, marked, and links no lots; a
// transformation whose output has later events is refused until those are
// declared errors too.
func TestDeclareEventError(t *testing.T) {
	t.Parallel()
	db, ctx := newStore(t), context.Background()
	e := mustEnterprise(t, db)
	p := mustProduct(t, db, e.ID, "")
	in, out := mustBatch(t, db, e.ID, p.ID, "IN"), mustBatch(t, db, e.ID, p.ID, "OUT")
	tr := transformation(e.ID, "t1", []string{in.ID}, []string{out.ID})
	if err := db.CreateEvent(ctx, tr); err != nil {
		t.Fatal(err)
	}
	ship := objectEvent(e.ID, "s1", testNow.Add(-time.Hour), out.ID)
	if err := db.CreateEvent(ctx, ship); err != nil {
		t.Fatal(err)
	}
	err := unchanged(t, db, records.ColEvents, func() error { _, err := db.DeclareEventError(ctx, tr.ID, "Ghi nhầm đầu vào"); return err })
	wantField(t, err, "outputs", "in_use")
	err = unchanged(t, db, records.ColEvents, func() error { _, err := db.DeclareEventError(ctx, ship.ID, "x"); return err })
	wantField(t, err, "reason", "required")
	ctx = registry.WithActor(ctx, registry.Actor{Username: "coop", Role: registry.RoleEnterprise, EnterpriseID: e.ID})
	if _, err := db.DeclareEventError(ctx, ship.ID, "Ghi nhầm lô"); err != nil {
		t.Fatal(err)
	}
	_, err = db.DeclareEventError(ctx, ship.ID, "Lần nữa")
	wantField(t, err, "error_declaration", "declared")
	g, _ := db.Genealogy(ctx, out.ID, registry.Upstream, 0)
	if len(g.Links) != 1 {
		t.Fatalf("before voiding the transformation: links %+v", g.Links)
	}
	v, err := db.DeclareEventError(ctx, tr.ID, "Ghi nhầm đầu vào")
	if err != nil || !v.Voided() || v.ErrorDeclaration.By != "coop" || !v.ErrorDeclaration.DeclaredAt.Equal(testNow) {
		t.Fatalf("voided %+v %v", v, err)
	}
	g, _ = db.Genealogy(ctx, out.ID, registry.Upstream, 0)
	if len(g.Links) != 0 || len(g.Batches) != 1 {
		t.Fatalf("a voided transformation still links lots: %+v", g)
	}
	evs, _ := db.ListBatchEvents(ctx, out.ID)
	if len(evs) != 2 || !evs[0].Voided() || !evs[1].Voided() {
		t.Fatalf("voided events are kept and marked: %+v", evs)
	}
	_, err = db.DeclareEventError(ctx, bson.NewObjectID().Hex(), "Không có")
	wantCode(t, err, registry.ENOTFOUND)
}
