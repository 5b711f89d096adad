package records

import (
	"context"
	"fmt"
	"slices"
	"testing"

	"github.com/tracereg/tracereg/registry"
	"github.com/tracereg/tracereg/registry/store"
)

func searchEnterprise(t *testing.T, d *DB, taxCode, name, district string) *registry.Enterprise {
	t.Helper()
	e := &registry.Enterprise{TaxCode: taxCode, NameVI: name, Kind: registry.EnterpriseKinds[0], District: district,
		Sector: registry.Sectors[0], Size: registry.EnterpriseSizes[0]}
	if err := d.CreateEnterprise(context.Background(), e); err != nil {
		t.Fatalf("create enterprise %s: %v", name, err)
	}
	return e
}

func productNames(ps []*registry.Product) []string {
	var out []string
	for _, p := range ps {
		out = append(out, p.NameVI)
	}
	return out
}

func TestSearchByNameUsesTheIndex(t *testing.T) {
	ctx := context.Background()
	d := newTestDB(t)
	a := searchEnterprise(t, d, "6000000001", "Công ty Cà phê Buôn Ma Thuột", registry.Districts[0])
	b := searchEnterprise(t, d, "6000000002", "HTX Mật ong Krông Bông", registry.Districts[1])
	for _, name := range []string{"Cà phê nhân Robusta", "Cà phê rang xay", "Hạt tiêu đen"} {
		if err := d.CreateProduct(ctx, &registry.Product{EnterpriseID: a.ID, NameVI: name, Category: "coffee"}); err != nil {
			t.Fatal(err)
		}
	}
	if err := d.CreateProduct(ctx, &registry.Product{EnterpriseID: b.ID, NameVI: "Mật ong hoa cà phê", Category: "honey"}); err != nil {
		t.Fatal(err)
	}

	cases := []struct {
		f    registry.ProductFilter
		want []string
	}{
		{registry.ProductFilter{Text: "cà phê"}, []string{"Cà phê nhân Robusta", "Cà phê rang xay", "Mật ong hoa cà phê"}},
		{registry.ProductFilter{Text: "CA PHE"}, []string{"Cà phê nhân Robusta", "Cà phê rang xay", "Mật ong hoa cà phê"}},
		{registry.ProductFilter{Text: "robu"}, []string{"Cà phê nhân Robusta"}},                                          // a prefix
		{registry.ProductFilter{Text: "phê rang"}, []string{"Cà phê rang xay"}},                                          // every word
		{registry.ProductFilter{Text: "cà phê", EnterpriseID: b.ID}, []string{"Mật ong hoa cà phê"}},                     // one enterprise's
		{registry.ProductFilter{Text: "cà phê", Category: "coffee"}, []string{"Cà phê nhân Robusta", "Cà phê rang xay"}}, // with a filter
		{registry.ProductFilter{Text: "phở"}, nil},
		{registry.ProductFilter{Text: "ro"}, nil}, // two letters match only a whole word
		{registry.ProductFilter{Text: "  ,.; "}, nil},
	}
	for _, tc := range cases {
		got, _, err := d.ListProducts(ctx, tc.f)
		if err != nil || !slices.Equal(productNames(got), tc.want) {
			t.Errorf("ListProducts(%+v) = %v, %v; want %v", tc.f, productNames(got), err, tc.want)
		}
	}

	ents, _, err := d.ListEnterprises(ctx, registry.EnterpriseFilter{Text: "buon ma thuot"})
	if err != nil || len(ents) != 1 || ents[0].ID != a.ID {
		t.Fatalf("enterprises by name = %v, %v", ents, err)
	}
	ents, _, err = d.ListEnterprises(ctx, registry.EnterpriseFilter{Text: "mật ong", District: registry.Districts[0]})
	if err != nil || len(ents) != 0 {
		t.Fatalf("enterprises by name in another district = %v, %v", ents, err)
	}

	// A renamed record is found by its new name only.
	a.NameVI = "Công ty Nông sản Ea Tu"
	if err := d.UpdateEnterprise(ctx, a); err != nil {
		t.Fatal(err)
	}
	if ents, _, _ := d.ListEnterprises(ctx, registry.EnterpriseFilter{Text: "buôn ma thuột"}); len(ents) != 0 {
		t.Fatalf("found by its old name: %v", ents)
	}
	if ents, _, _ := d.ListEnterprises(ctx, registry.EnterpriseFilter{Text: "nong san"}); len(ents) != 1 {
		t.Fatalf("not found by its new name: %v", ents)
	}

	// Facilities are searched within one enterprise.
	plot := &registry.Facility{EnterpriseID: a.ID, Kind: registry.FacilityProcessing, Name: "Xưởng sơ chế Hòa Thuận", District: registry.Districts[0]}
	if err := d.CreateFacility(ctx, plot); err != nil {
		t.Fatal(err)
	}
	fs, _, err := d.ListFacilities(ctx, registry.FacilityFilter{EnterpriseID: a.ID, Text: "hoa thuan"})
	if err != nil || len(fs) != 1 {
		t.Fatalf("facilities by name = %v, %v", fs, err)
	}
	if fs, _, _ := d.ListFacilities(ctx, registry.FacilityFilter{EnterpriseID: b.ID, Text: "hoa thuan"}); len(fs) != 0 {
		t.Fatalf("another enterprise's facility found: %v", fs)
	}
	_, _, err = d.ListFacilities(ctx, registry.FacilityFilter{Text: "hoa thuan"})
	if registry.ErrorCode(err) != registry.EINVALID {
		t.Fatalf("a facility search without an enterprise = %v, want EINVALID", err)
	}
}

func TestSearchPagesWithCursors(t *testing.T) {
	ctx := context.Background()
	d := newTestDB(t)
	e := searchEnterprise(t, d, "6000000003", "Công ty Sầu riêng", registry.Districts[0])
	var want []string
	for i := range 7 {
		name := fmt.Sprintf("Sầu riêng Ri6 loại %d", i)
		if i%2 == 1 {
			name = fmt.Sprintf("Sầu riêng Monthong loại %d", i)
		}
		if err := d.CreateProduct(ctx, &registry.Product{EnterpriseID: e.ID, NameVI: name, Category: "fruit"}); err != nil {
			t.Fatal(err)
		}
		if i%2 == 1 {
			want = append(want, name)
		}
	}
	// "sau monthong": the lead word is monthong; pages of 2 go through all three.
	var got []string
	cursor := ""
	for range 10 {
		page, next, err := d.ListProducts(ctx, registry.ProductFilter{EnterpriseID: e.ID, Text: "sầu monthong", Page: registry.Page{Cursor: cursor, Limit: 2}})
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, productNames(page)...)
		if next == "" {
			break
		}
		cursor = next
	}
	if !slices.Equal(got, want) {
		t.Fatalf("paged search = %v, want %v", got, want)
	}
	if _, _, err := d.ListProducts(ctx, registry.ProductFilter{Text: "sau", Page: registry.Page{Cursor: "not-a-cursor"}}); registry.ErrorCode(err) != registry.EINVALID {
		t.Fatalf("a bad cursor = %v, want EINVALID", err)
	}
}

// Records stored before search keys existed get them once, at start.
func TestUpgradeSearchKeysOldRecords(t *testing.T) {
	ctx := context.Background()
	d := newTestDB(t)
	old := &registry.Enterprise{ID: newID(), TaxCode: "6000000004", NameVI: "Hợp tác xã Ca cao Đắk Lắk", Kind: registry.EnterpriseKinds[0],
		District: registry.Districts[0], Sector: registry.Sectors[0], Size: registry.EnterpriseSizes[0], Version: 3}
	raw, err := marshal(old) // the old layout: no search field
	if err != nil {
		t.Fatal(err)
	}
	if err := d.eng.Insert(ctx, colEnterprises, raw); err != nil {
		t.Fatal(err)
	}
	if ents, _, _ := d.ListEnterprises(ctx, registry.EnterpriseFilter{Text: "ca cao"}); len(ents) != 0 {
		t.Fatalf("an old record found before the upgrade: %v", ents)
	}
	if err := d.UpgradeSearch(ctx); err != nil {
		t.Fatal(err)
	}
	ents, _, err := d.ListEnterprises(ctx, registry.EnterpriseFilter{Text: "dak lak"})
	if err != nil || len(ents) != 1 || ents[0].Version != 3 {
		t.Fatalf("after the upgrade = %v, %v (the version must stay 3)", ents, err)
	}
	if v, _ := d.eng.Counter(ctx, counterSearchKeys); v != searchKeysVersion {
		t.Fatalf("search keys version = %d", v)
	}
	// A second start changes nothing and reads nothing.
	raw2, _ := d.eng.Get(ctx, colEnterprises, old.ID)
	if err := d.UpgradeSearch(ctx); err != nil {
		t.Fatal(err)
	}
	raw3, _ := d.eng.Get(ctx, colEnterprises, old.ID)
	if string(raw2) != string(raw3) {
		t.Fatal("the second upgrade rewrote the record")
	}
	if _, _, err := d.eng.Find(ctx, store.Query{Collection: colProducts, Where: where("search", "x", "category", "y")}); err == nil {
		t.Fatal("an uncovered search query was answered")
	}
}

func TestSearchKeys(t *testing.T) {
	got := registry.SearchKeys("Cà phê Đắk Lắk", "ĐẮK")
	for _, k := range []string{"ca", "phe", "dak", "lak"} {
		if !slices.Contains(got, k) {
			t.Errorf("keys %v lack %q", got, k)
		}
	}
	long := registry.SearchKeys("Robusta")
	if !slices.Equal(long, []string{"rob", "robu", "robus", "robust", "robusta"}) {
		t.Errorf("prefix keys = %v", long)
	}
	// Decomposed marks (as some keyboards type them) fold the same.
	if got := registry.SearchWords("Ca\u0300 phe\u0302"); !slices.Equal(got, []string{"ca", "phe"}) {
		t.Errorf("decomposed = %v", got)
	}
}

func TestListBatchesByLotCodePrefix(t *testing.T) {
	ctx := context.Background()
	d := newTestDB(t)
	e := searchEnterprise(t, d, "6000000005", "Công ty Cao su", registry.Districts[0])
	other := searchEnterprise(t, d, "6000000006", "Công ty Cao su khác", registry.Districts[0])
	var prods []*registry.Product
	for _, ent := range []*registry.Enterprise{e, other} {
		p := &registry.Product{EnterpriseID: ent.ID, NameVI: "Mủ cao su", Category: "rubber"}
		if err := d.CreateProduct(ctx, p); err != nil {
			t.Fatal(err)
		}
		prods = append(prods, p)
	}
	for i, lot := range []string{"CS2026-02", "CS2025-01", "CS2026-01", "X2026-01"} {
		if err := d.CreateBatch(ctx, &registry.Batch{EnterpriseID: e.ID, ProductID: prods[0].ID, LotCode: lot, Quantity: float64(i + 1), Unit: "kg"}); err != nil {
			t.Fatal(err)
		}
	}
	if err := d.CreateBatch(ctx, &registry.Batch{EnterpriseID: other.ID, ProductID: prods[1].ID, LotCode: "CS2026-09", Quantity: 1, Unit: "kg"}); err != nil {
		t.Fatal(err)
	}
	var got []string
	cursor := ""
	for range 5 {
		lots, next, err := d.ListBatches(ctx, registry.BatchFilter{EnterpriseID: e.ID, LotCodePrefix: "CS2026", Page: registry.Page{Cursor: cursor, Limit: 1}})
		if err != nil {
			t.Fatal(err)
		}
		for _, b := range lots {
			got = append(got, b.LotCode)
		}
		if next == "" {
			break
		}
		cursor = next
	}
	if !slices.Equal(got, []string{"CS2026-01", "CS2026-02"}) {
		t.Fatalf("lots by prefix = %v", got)
	}
	if _, _, err := d.ListBatches(ctx, registry.BatchFilter{LotCodePrefix: "CS"}); registry.ErrorCode(err) != registry.EINVALID {
		t.Fatalf("a prefix without the enterprise = %v, want EINVALID", err)
	}
}

// Several words are intersected through the index: every page of every
// query holds exactly the records that have all the words, in _id order.
func TestSearchSeveralWordsMatchesEveryRecordThatHasThemAll(t *testing.T) {
	ctx := context.Background()
	d := newTestDB(t)
	e := searchEnterprise(t, d, "6000000007", "Công ty Nông sản", registry.Districts[0])
	vocab := []string{"cà phê", "robusta", "arabica", "rang", "xay", "hạt", "nhân", "mộc"}
	var all []*registry.Product
	for i := range 60 {
		// Word j is in product i when bit j of a spread of i is set; "cà phê" in most.
		name := fmt.Sprintf("SP%d", i)
		for j, w := range vocab {
			if (i*7+j*13)%(j+2) != 0 || (j == 0 && i%5 != 0) {
				name += " " + w
			}
		}
		p := &registry.Product{EnterpriseID: e.ID, NameVI: name, Category: "coffee"}
		if err := d.CreateProduct(ctx, p); err != nil {
			t.Fatal(err)
		}
		all = append(all, p)
	}
	for _, q := range []string{"cà phê robusta", "robusta arabica rang", "phê xay mộc", "hạt nhân", "arabica mộc nhân xay", "sp1 rang"} {
		var want []string
		for _, p := range all {
			if holdsAll(productSearchKeys(p), registry.SearchQuery(q)) {
				want = append(want, p.NameVI)
			}
		}
		if len(want) == 0 || len(want) == len(all) {
			t.Fatalf("%q matches %d of %d products: the data does not test an intersection", q, len(want), len(all))
		}
		var got []string
		cursor := ""
		for range 40 {
			page, next, err := d.ListProducts(ctx, registry.ProductFilter{EnterpriseID: e.ID, Text: q, Page: registry.Page{Cursor: cursor, Limit: 4}})
			if err != nil {
				t.Fatalf("%q: %v", q, err)
			}
			got = append(got, productNames(page)...)
			if next == "" {
				break
			}
			cursor = next
		}
		if !slices.Equal(got, want) {
			t.Errorf("%q: got %d %v\nwant %d %v", q, len(got), got, len(want), want)
		}
	}
}

// holdsAll reports whether keys hold every word.
func holdsAll(keys, words []string) bool {
	for _, w := range words {
		if !slices.Contains(keys, w) {
			return false
		}
	}
	return true
}
