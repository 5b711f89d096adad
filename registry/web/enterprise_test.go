package web_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/tracereg/tracereg/registry"
	"github.com/tracereg/tracereg/registry/demodata"
)

// entCounts is how many records an enterprise has, to check a refused form wrote nothing.
type entCounts struct{ products, facilities, lots, events, documents int }

func entCount(t *testing.T, e *env, id string) entCounts {
	t.Helper()
	ctx := context.Background()
	var n entCounts
	all := registry.Page{Limit: registry.MaxPageLimit}
	prods, _, err := e.db.ListProducts(ctx, registry.ProductFilter{EnterpriseID: id, Page: all})
	if err != nil {
		t.Fatal(err)
	}
	facs, _, err := e.db.ListFacilities(ctx, registry.FacilityFilter{EnterpriseID: id, Page: all})
	if err != nil {
		t.Fatal(err)
	}
	lots, _, err := e.db.ListBatches(ctx, registry.BatchFilter{EnterpriseID: id, Page: all})
	if err != nil {
		t.Fatal(err)
	}
	docs, _, err := e.db.ListDocuments(ctx, registry.DocumentFilter{EnterpriseID: id, Page: all})
	if err != nil {
		t.Fatal(err)
	}
	n.products, n.facilities, n.lots, n.documents = len(prods), len(facs), len(lots), len(docs)
	for _, b := range lots {
		evs, err := e.db.ListBatchEvents(ctx, b.ID)
		if err != nil {
			t.Fatal(err)
		}
		n.events += len(evs)
	}
	return n
}

func entWantUnchanged(t *testing.T, what string, e *env, id string, before entCounts) {
	t.Helper()
	if after := entCount(t, e, id); after != before {
		t.Errorf("%s wrote: %+v → %+v", what, before, after)
	}
}

// entPNG is a small valid PNG image.
func entPNG() []byte {
	img := image.NewRGBA(image.Rect(0, 0, 4, 4))
	img.Set(1, 1, color.RGBA{200, 10, 10, 255})
	var buf bytes.Buffer
	png.Encode(&buf, img)
	return buf.Bytes()
}

var (
	entRecordID    = regexp.MustCompile(`/w/(?:products|facilities|lots)/([0-9a-f]{24})`)
	entStagedToken = regexp.MustCompile(`name="([a-z_]+_staged)" value="([^"]+)"`)
)

// entCreated follows a 303 to a record page and returns the record's ID.
func entCreated(t *testing.T, what string, r response) string {
	t.Helper()
	wantStatus(t, what, r, http.StatusSeeOther)
	m := entRecordID.FindStringSubmatch(r.location)
	if m == nil {
		t.Fatalf("%s: redirected to %q", what, r.location)
	}
	return m[1]
}

func entGreenProduct(t *testing.T, e *env) string {
	t.Helper()
	b, err := e.db.FindBatch(context.Background(), e.demo.GreenBatchID)
	if err != nil {
		t.Fatal(err)
	}
	return b.ProductID
}

func entPlots(t *testing.T, e *env, id string) (plots, sites []*registry.Facility) {
	t.Helper()
	facs, _, err := e.db.ListFacilities(context.Background(), registry.FacilityFilter{EnterpriseID: id, Page: registry.Page{Limit: registry.MaxPageLimit}})
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range facs {
		if f.Kind == registry.FacilityFarmPlot {
			plots = append(plots, f)
		} else {
			sites = append(sites, f)
		}
	}
	return plots, sites
}

func TestEnterprisePagesRender(t *testing.T) {
	e := newEnv(t)
	c := e.as(asCoop)
	for _, path := range []string{"/w/", "/w/products", "/w/products/new", "/w/facilities", "/w/facilities/new", "/w/lots", "/w/lots/new",
		"/w/lots/" + e.demo.GreenBatchID, "/w/documents", "/w/products?q=robusta", "/w/lots?q=GC2025", "/w/facilities?kind=farm_plot",
		"/w/documents?kind=photo", "/w/?lang=en"} {
		wantStatus(t, path, c.get(path), http.StatusOK)
	}
	r := c.get("/w/products?q=robusta")
	wantContains(t, "product search", r.body, "Cà phê nhân Robusta Ea Tiêu")
	r = c.get("/w/products?q=" + url.QueryEscape(demodata.GTIN("893850000001")))
	wantContains(t, "product by GTIN", r.body, "Cà phê nhân Robusta Ea Tiêu")
	r = c.get("/w/products?q=nothing-like-this")
	if strings.Contains(r.body, "Cà phê nhân Robusta") {
		t.Errorf("a search for nothing listed the product")
	}
	r = c.get("/w/lots?q=GC2025")
	wantContains(t, "lot search", r.body, demodata.GreenLot)
	r = c.get("/w/lots?q=RB2026")
	if strings.Contains(r.body, demodata.RoastedLot) {
		t.Errorf("the coop's lot list shows the roaster's lot")
	}
}

// TestEnterpriseHomeShowsWhatNeedsDoing: certificates by 30/60/90 days,
// lots without events, recalls.
func TestEnterpriseHomeShowsWhatNeedsDoing(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	// The 4C certificate expires on 2027-05-31: 20 days before, it is in the 30-day group.
	e.clock.Add(time.Date(2027, 5, 11, 3, 0, 0, 0, time.UTC).Sub(e.clock.Now()))
	c := e.as(asCoop)
	// A lot without events, and a recalled one.
	prod := entGreenProduct(t, e)
	lot := &registry.Batch{EnterpriseID: e.demo.CoopID, ProductID: prod, LotCode: "GC2026-99", Quantity: 10, Unit: "kg", Status: registry.BatchPublished}
	if err := e.db.CreateBatch(ctx, lot); err != nil {
		t.Fatal(err)
	}
	green, _ := e.db.FindBatch(ctx, e.demo.GreenBatchID)
	green.Status = registry.BatchRecalled
	green.Recall = &registry.Recall{Reason: "Aflatoxin vượt ngưỡng", On: "2027-05-01", By: "inspector", At: e.clock.Now()}
	if err := e.db.UpdateBatch(ctx, green); err != nil {
		t.Fatal(err)
	}
	r := c.get("/w/")
	wantStatus(t, "home", r, http.StatusOK)
	body := r.body
	i30, i60 := strings.Index(body, `id="expiring-30"`), strings.Index(body, `id="expiring-60"`)
	if i30 < 0 || i60 < 0 {
		t.Fatalf("no expiring groups: %.2000s", body)
	}
	if g := body[i30:i60]; !strings.Contains(g, "4C-DEMO-2024-0042") || strings.Contains(g, "VG-DEMO-2025-0117") {
		t.Errorf("30-day group: %s", g)
	}
	wantContains(t, "no events", body[strings.Index(body, `id="todo-no-events"`):], "GC2026-99")
	wantContains(t, "recalls", body[strings.Index(body, `id="todo-recalls"`):], demodata.GreenLot, "Aflatoxin vượt ngưỡng")
	wantContains(t, "announcements", body, `href="/w/announcements"`, `id="ann-submitted">0<`)
	// The roaster's roasted lot was made from the recalled green lot: its home says so.
	r = e.as(asRoaster).get("/w/")
	wantContains(t, "roaster home", r.body, `id="ann-submitted">0<`, `id="ann-needs-more">0<`)
	i := strings.Index(r.body, `id="todo-recalls"`)
	wantContains(t, "roaster upstream recall", r.body[i:], `class="ent-upstream-recall"`, demodata.RoastedLot, demodata.GreenLot)
}

// TestEnterpriseListsArePaged: 25 a page, a next link, and a search that
// reads on past the first page.
func TestEnterpriseListsArePaged(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	for i := range 30 {
		name := "Sản phẩm số " + strconv.Itoa(i)
		if i%10 == 0 {
			name = "Hồ tiêu đen " + strconv.Itoa(i)
		}
		if err := e.db.CreateProduct(ctx, &registry.Product{EnterpriseID: e.demo.CoopID, NameVI: name, Category: "farm_produce"}); err != nil {
			t.Fatal(err)
		}
	}
	c := e.as(asCoop)
	r := c.get("/w/products")
	if n := strings.Count(r.body, `<td><a href="/w/products/`); n != 25 {
		t.Errorf("first page lists %d products", n)
	}
	m := regexp.MustCompile(`href="(/w/products\?cursor=[A-Za-z0-9_-]+)" id="next-page"`).FindStringSubmatch(r.body)
	if m == nil {
		t.Fatalf("no next page link")
	}
	r = c.get(strings.ReplaceAll(m[1], "&amp;", "&"))
	if n := strings.Count(r.body, `<td><a href="/w/products/`); n != 6 || strings.Contains(r.body, `id="next-page"`) {
		t.Errorf("second page lists %d products", n)
	}
	r = c.get("/w/products?q=" + url.QueryEscape("hồ tiêu"))
	if n := strings.Count(r.body, `<td><a href="/w/products/`); n != 3 {
		t.Errorf("search lists %d products, want 3", n)
	}
}

func TestEnterpriseProductCreateAndEdit(t *testing.T) {
	e := newEnv(t)
	c := e.as(asCoop)
	before := entCount(t, e, e.demo.CoopID)
	good := url.Values{"name_vi": {"Mật ong hoa cà phê"}, "name_en": {"Coffee blossom honey"}, "category": {"honey"},
		"gtin": {demodata.GTIN("893850000009")}, "unit": {"jar"}, "description": {"Mật ong nguyên chất"},
		"standards": {"TCVN 5267-1:2008"}}

	// Bad input: 422, messages beside the fields, values kept, the photo kept, nothing written.
	bad := cloneValues(good)
	bad.Set("name_vi", "")
	bad.Set("gtin", "8938500000095")
	bad.Set("standards", "not a standard")
	r := c.postMultipart("/w/products", bad, upload{"photo", "mat-ong.png", entPNG()})
	wantStatus(t, "bad product", r, http.StatusUnprocessableEntity)
	wantContains(t, "bad product", r.body, `id="form-errors"`, `id="name_vi" name="name_vi" value="" maxlength="300" required aria-invalid="true"`,
		`id="gtin" name="gtin" value="8938500000095"`, "not a standard", "Coffee blossom honey", `id="photo-staged"`, "mat-ong.png")
	if !strings.Contains(r.body, `<option value="honey" selected>`) {
		t.Errorf("category not kept")
	}
	entWantUnchanged(t, "bad product", e, e.demo.CoopID, before)
	// A photo that is not an image is refused beside its field.
	r = c.postMultipart("/w/products", good, upload{"photo", "doc.pdf", minimalPDF("x")})
	wantStatus(t, "pdf photo", r, http.StatusUnprocessableEntity)
	wantContains(t, "pdf photo", r.body, `name="photo" type="file" accept="image/png,image/jpeg,image/webp" aria-invalid="true"`)
	entWantUnchanged(t, "pdf photo", e, e.demo.CoopID, before)
	// A GTIN another product has: refused, nothing written.
	taken := cloneValues(good)
	taken.Set("gtin", demodata.GTIN("893850000002"))
	r = c.postMultipart("/w/products", taken)
	wantStatus(t, "taken GTIN", r, http.StatusUnprocessableEntity)
	wantContains(t, "taken GTIN", r.body, "sản phẩm khác đã dùng mã GTIN này")
	entWantUnchanged(t, "taken GTIN", e, e.demo.CoopID, before)

	// The upload survives: the staged token alone brings the photo.
	r = c.postMultipart("/w/products", bad, upload{"photo", "mat-ong.png", entPNG()})
	m := entStagedToken.FindStringSubmatch(r.body)
	if m == nil || m[1] != "photo_staged" {
		t.Fatalf("no staged photo token in %.1500s", r.body)
	}
	ok := cloneValues(good)
	ok.Set(m[1], m[2])
	id := entCreated(t, "product", c.postMultipart("/w/products", ok))
	pr, err := e.db.FindProduct(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	if pr.NameVI != "Mật ong hoa cà phê" || pr.GTIN != "0"+demodata.GTIN("893850000009") || pr.PhotoID == "" || len(pr.Standards) != 1 {
		t.Errorf("stored product %+v", pr)
	}
	photo, err := e.db.FindDocument(context.Background(), pr.PhotoID)
	if err != nil || photo.Kind != "photo" || !photo.Public || photo.Blob.MediaType != "image/png" {
		t.Fatalf("photo %+v %v", photo, err)
	}
	r = c.get("/w/products/" + id)
	wantStatus(t, "edit page", r, http.StatusOK)
	wantContains(t, "edit page", r.body, "flash", `src="/w/documents/`+photo.ID+`/file"`, `value="Mật ong hoa cà phê"`)
	f := c.get("/w/documents/" + photo.ID + "/file")
	wantStatus(t, "photo file", f, http.StatusOK)
	if f.header.Get("Content-Type") != "image/png" || !strings.HasPrefix(f.header.Get("Content-Disposition"), "inline") {
		t.Errorf("photo headers %v", f.header)
	}

	// Edit: a wrong GTIN is refused and nothing changes; a good edit is stored.
	edit := cloneValues(good)
	edit.Set("version", strconv.Itoa(pr.Version))
	edit.Set("gtin", "123")
	r = c.postMultipart("/w/products/"+id, edit)
	wantStatus(t, "bad edit", r, http.StatusUnprocessableEntity)
	wantContains(t, "bad edit", r.body, `id="gtin" name="gtin" value="123"`)
	edit.Set("gtin", "")
	edit.Set("name_vi", "Mật ong hoa cà phê Ea Tiêu")
	wantStatus(t, "edit", c.postMultipart("/w/products/"+id, edit), http.StatusSeeOther)
	pr2, _ := e.db.FindProduct(context.Background(), id)
	if pr2.NameVI != "Mật ong hoa cà phê Ea Tiêu" || pr2.GTIN != "" || pr2.PhotoID != pr.PhotoID || pr2.Version != pr.Version+1 {
		t.Errorf("edited product %+v", pr2)
	}
	// The same version again is stale: 409, nothing changes.
	edit.Set("name_vi", "Tên khác")
	r = c.postMultipart("/w/products/"+id, edit)
	wantStatus(t, "stale edit", r, http.StatusConflict)
	if pr3, _ := e.db.FindProduct(context.Background(), id); pr3.NameVI != pr2.NameVI {
		t.Errorf("a stale edit was stored")
	}
}

func TestEnterpriseFacilities(t *testing.T) {
	e := newEnv(t)
	c := e.as(asCoop)
	base := url.Values{"kind": {"farm_plot"}, "name": {"Vườn C"}, "district": {"Cư Kuin"}, "crop": {"coffee"}, "deforestation_free": {"yes"}}
	with := func(kv ...string) url.Values {
		v := cloneValues(base)
		for i := 0; i+1 < len(kv); i += 2 {
			v.Set(kv[i], kv[i+1])
		}
		return v
	}
	// The declaration is the enterprise's to make: the new form chooses neither answer.
	blank := c.get("/w/facilities/new")
	wantStatus(t, "new plot form", blank, http.StatusOK)
	wantContains(t, "new plot form", blank.body, `id="deforestation_free">`, `id="deforestation_free_no">`)
	before := entCount(t, e, e.demo.CoopID)
	square := "108.081000, 12.851000\n108.083160, 12.851000\n108.083160, 12.853110\n108.081000, 12.853110"
	swapped := "12.851000, 108.081000\n12.851000, 108.083160\n12.853110, 108.083160\n12.853110, 108.081000"
	bad := []struct {
		name string
		form url.Values
		want []string
	}{
		{"swapped order", with("geo_mode", "list", "coord_order", "lonlat", "coords", swapped),
			[]string{"kinh độ và vĩ độ có vẻ bị đảo", "vị trí 1, 2, 3, 4"}},
		{"too few decimals", with("geo_mode", "point", "point_lon", "108.14", "point_lat", "12.70", "area_ha", "1"),
			[]string{"tọa độ cần ít nhất 6 chữ số thập phân"}},
		{"point over 4 ha", with("geo_mode", "point", "point_lon", "108.142350", "point_lat", "12.701230", "area_ha", "5.5"),
			[]string{"lớn hơn 4 ha nên phải khai báo bằng đa giác"}},
		{"self-intersecting", with("geo_mode", "list", "coord_order", "lonlat", "coords",
			"108.081000, 12.851000\n108.083160, 12.853110\n108.083160, 12.851000\n108.081000, 12.853110"),
			[]string{"vòng tự cắt chính nó"}},
		{"not numbers", with("geo_mode", "list", "coord_order", "lonlat", "coords", "abc, def"), []string{"không phải là số"}},
		{"cleared after the cut-off", with("geo_mode", "list", "coord_order", "lonlat", "coords", square, "land_cleared_on", "2022-05-01"),
			[]string{"đất được khai phá sau ngày 31/12/2020"}},
		{"no name", with("name", "", "geo_mode", "list", "coord_order", "lonlat", "coords", square), []string{`id="name" name="name" value="" maxlength="200" required aria-invalid="true"`}},
		{"no deforestation answer", with("deforestation_free", "", "geo_mode", "list", "coord_order", "lonlat", "coords", square),
			[]string{"hãy cho biết thửa đất có bị phá rừng sau ngày 31/12/2020 hay không", `id="deforestation" aria-invalid="true"`}},
		{"an answer that is neither", with("deforestation_free", "maybe", "geo_mode", "list", "coord_order", "lonlat", "coords", square),
			[]string{"hãy cho biết thửa đất có bị phá rừng sau ngày 31/12/2020 hay không"}},
	}
	for _, tc := range bad {
		r := c.postMultipart("/w/facilities", tc.form)
		wantStatus(t, tc.name, r, http.StatusUnprocessableEntity)
		wantContains(t, tc.name, r.body, append([]string{`id="form-errors"`, `value="Cư Kuin" selected`}, tc.want...)...)
		// The EUDR messages sit beside the geometry field.
		if !slices.Contains([]string{"no name", "cleared after the cut-off", "point over 4 ha", "no deforestation answer", "an answer that is neither"}, tc.name) {
			i := strings.Index(r.body, `id="geometry-errors"`)
			if i < 0 || !strings.Contains(r.body[i:i+600], tc.want[0]) {
				t.Errorf("%s: message not beside the geometry field", tc.name)
			}
		}
		entWantUnchanged(t, tc.name, e, e.demo.CoopID, before)
	}
	// A rule broken by every position is said once.
	r0 := c.postMultipart("/w/facilities", with("geo_mode", "list", "coord_order", "lonlat", "coords", swapped))
	if n := strings.Count(r0.body, "kinh độ và vĩ độ có vẻ bị đảo"); n != 1 {
		t.Errorf("the swapped-order message shows %d times", n)
	}
	// In English, the same rule speaks English.
	r := c.postMultipart("/w/facilities?lang=en", with("geo_mode", "list", "coord_order", "lonlat", "coords", swapped))
	wantContains(t, "english", r.body, "longitude and latitude look swapped")
	c.get("/w/?lang=vi")

	// A pasted polygon in "lat lon" order: stored lon-first, area computed, outline drawn.
	id := entCreated(t, "polygon", c.postMultipart("/w/facilities", with("geo_mode", "list", "coord_order", "latlon", "coords", swapped)))
	f, err := e.db.FindFacility(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(string(f.Geometry), `{"type":"Polygon","coordinates":[[[108.081000,12.851000]`) || f.AreaHa < 5.4 || f.AreaHa > 5.6 {
		t.Errorf("polygon plot %s %v ha", f.Geometry, f.AreaHa)
	}
	r = c.get("/w/facilities/" + id)
	wantContains(t, "plot page", r.body, `id="plot-outline"`, `<polygon class="ent-plot-ring" points="`, "5,5", " ha", "Đủ thông tin EUDR",
		`id="plot-scale" data-metres="100"`, ">100 m<", `id="plot-geo"`, `href="geo:12.852055,108.082080"`)

	// A point with its declared area.
	id = entCreated(t, "point", c.postMultipart("/w/facilities", with("geo_mode", "point", "point_lon", "108.142350", "point_lat", "12.701230", "area_ha", "1,8")))
	r = c.get("/w/facilities/" + id)
	wantContains(t, "point page", r.body, `<circle class="ent-plot-dot"`, "1,80 ha", `href="geo:12.701230,108.142350"`)
	wantNotContains(t, "point page", r.body, `id="plot-scale"`)

	// A GeoJSON file; a wrong field elsewhere keeps the file.
	fc := []byte(`{"type":"FeatureCollection","features":[{"type":"Feature","properties":{},"geometry":{"type":"Polygon","coordinates":[[[108.081000,12.851000],[108.083160,12.851000],[108.083160,12.853110],[108.081000,12.853110],[108.081000,12.851000]]]}}]}`)
	n0 := entCount(t, e, e.demo.CoopID)
	r = c.postMultipart("/w/facilities", with("geo_mode", "file", "district", "Nowhere"), upload{"geojson_file", "vuon.geojson", fc})
	wantStatus(t, "file with bad district", r, http.StatusUnprocessableEntity)
	wantContains(t, "file with bad district", r.body, `id="geojson-staged"`, "vuon.geojson")
	entWantUnchanged(t, "file with bad district", e, e.demo.CoopID, n0)
	m := entStagedToken.FindStringSubmatch(r.body)
	if m == nil {
		t.Fatal("no staged GeoJSON token")
	}
	id = entCreated(t, "geojson", c.postMultipart("/w/facilities", with("geo_mode", "file", m[1], m[2])))
	f, _ = e.db.FindFacility(context.Background(), id)
	if f.AreaHa < 5.4 || f.AreaHa > 5.6 || !strings.Contains(string(f.Geometry), "108.083160") {
		t.Errorf("GeoJSON plot %s %v", f.Geometry, f.AreaHa)
	}
	// A file that is not GeoJSON.
	r = c.postMultipart("/w/facilities", with("geo_mode", "file"), upload{"geojson_file", "x.geojson", []byte("hello")})
	wantStatus(t, "not geojson", r, http.StatusUnprocessableEntity)
	wantContains(t, "not geojson", r.body, "tệp không phải GeoJSON")

	// A processing site needs no location.
	entCreated(t, "site", c.postMultipart("/w/facilities", url.Values{"kind": {"processing_site"}, "name": {"Kho C"}, "district": {"Cư Kuin"}, "geo_mode": {"point"}}))
	r = c.get("/w/facilities?q=" + url.QueryEscape("Kho C"))
	wantContains(t, "facility search", r.body, "Kho C")

	// A GLN: checked, unique, and the page links to the place's public page.
	site := url.Values{"kind": {"warehouse"}, "name": {"Kho GLN"}, "district": {"Cư Kuin"}, "geo_mode": {"point"}}
	withGLN := func(gln string) url.Values { v := cloneValues(site); v.Set("gln", gln); return v }
	n0 = entCount(t, e, e.demo.CoopID)
	for _, tc := range []struct{ name, gln, want string }{
		{"GLN check digit", e.demo.PlotGLN[:12] + string('0'+(e.demo.PlotGLN[12]-'0'+1)%10), "Số kiểm tra GLN không đúng"},
		{"GLN length", "893850000", "GLN phải có 13 chữ số"},
		{"GLN taken", e.demo.FactoryGLN, "GLN này đã được đăng ký cho một cơ sở khác"},
	} {
		r := c.postMultipart("/w/facilities", withGLN(tc.gln))
		wantStatus(t, tc.name, r, http.StatusUnprocessableEntity)
		wantContains(t, tc.name, r.body, tc.want, `id="gln" name="gln" value="`+tc.gln+`"`)
		entWantUnchanged(t, tc.name, e, e.demo.CoopID, n0)
	}
	gln := demodata.GTIN("893850000177")
	id = entCreated(t, "site with GLN", c.postMultipart("/w/facilities", withGLN(gln)))
	r = c.get("/w/facilities/" + id)
	wantContains(t, "GLN page", r.body, gln, `id="facility-public" href="/d/`+gln+`"`)
}

func TestEnterpriseLotWizard(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	c := e.as(asCoop)
	prod := entGreenProduct(t, e)
	plots, sites := entPlots(t, e, e.demo.CoopID)
	certs, _, _ := e.db.ListCertificates(ctx, registry.CertificateFilter{HolderID: e.demo.CoopID, Page: registry.Page{Limit: 50}})
	good := url.Values{"product_id": {prod}, "lot_code": {"GC2026-02"}, "quantity": {"1500,5"}, "unit": {"kg"},
		"harvested_on": {"2026-02-01"}, "produced_on": {"2026-02-20"}, "facility_id": {sites[0].ID},
		"source_plot_ids": {plots[0].ID, plots[1].ID}, "certificate_ids": {certs[0].ID}, "dds_reference": {"EUDR-26VN0001"}, "publish": {"yes"}}
	var theirs struct{ site, plot, cert string }
	{
		yes := true
		plot := &registry.Facility{EnterpriseID: e.demo.RoasterID, Kind: registry.FacilityFarmPlot, Name: "Rẫy của công ty rang", District: "Lắk",
			Crop: "coffee", Geometry: `{"type":"Point","coordinates":[108.050000,12.680000]}`, AreaHa: 1, DeforestationFree: &yes}
		site := &registry.Facility{EnterpriseID: e.demo.RoasterID, Kind: registry.FacilityProcessing, Name: "Xưởng rang", District: "Lắk"}
		for _, f := range []*registry.Facility{plot, site} {
			if err := e.db.CreateFacility(ctx, f); err != nil {
				t.Fatal(err)
			}
		}
		theirs.site, theirs.plot = site.ID, plot.ID
		cert := &registry.Certificate{Number: "RO-CERT-1", Scheme: "VietGAP", BodyID: certs[0].BodyID, HolderID: e.demo.RoasterID,
			IssuedOn: "2025-05-01", ExpiresOn: "2028-05-01"}
		if err := e.db.CreateCertificate(ctx, cert); err != nil {
			t.Fatal(err)
		}
		theirs.cert = cert.ID
	}
	before := entCount(t, e, e.demo.CoopID)
	roasterProduct := func() string {
		b, _ := e.db.FindBatch(ctx, e.demo.RoastedBatchID)
		return b.ProductID
	}()
	bad := []struct {
		name   string
		change func(url.Values)
		want   []string
	}{
		{"lot code with accents", func(v url.Values) { v.Set("lot_code", "LÔ 1") }, []string{`id="lot_code" name="lot_code" value="LÔ 1"`, "aria-invalid"}},
		{"lot code too long", func(v url.Values) { v.Set("lot_code", strings.Repeat("A", 21)) }, []string{strings.Repeat("A", 21)}},
		{"lot code taken", func(v url.Values) { v.Set("lot_code", demodata.GreenLot) }, []string{"sản phẩm này đã có lô mang mã này"}},
		{"quantity not a number", func(v url.Values) { v.Set("quantity", "nhiều") }, []string{`value="nhiều"`, "phải là một số"}},
		{"expiry before production", func(v url.Values) { v.Set("expires_on", "2026-01-01") }, []string{"phải sau ngày sản xuất"}},
		{"another enterprise's product", func(v url.Values) { v.Set("product_id", roasterProduct) }, []string{"hãy chọn một sản phẩm của doanh nghiệp"}},
		{"another enterprise's input lot", func(v url.Values) { v.Set("input_ids", e.demo.RoastedBatchID) }, []string{"hãy chọn lô của doanh nghiệp"}},
		// The other references of the form, each another tenant's record (the cross-tenant table of issue 11).
		{"another enterprise's site", func(v url.Values) { v.Set("facility_id", theirs.site) }, []string{"thuộc doanh nghiệp khác"}},
		{"another enterprise's plot", func(v url.Values) { v.Add("source_plot_ids", theirs.plot) }, []string{"thuộc doanh nghiệp khác"}},
		{"another enterprise's certificate", func(v url.Values) { v.Add("certificate_ids", theirs.cert) }, []string{"thuộc doanh nghiệp khác"}},
	}
	for _, tc := range bad {
		v := cloneValues(good)
		tc.change(v)
		r := c.post("/w/lots", v)
		wantStatus(t, tc.name, r, http.StatusUnprocessableEntity)
		wantContains(t, tc.name, r.body, append([]string{`id="form-errors"`, `value="EUDR-26VN0001"`,
			`id="plot-` + plots[1].ID + `" checked`, `id="cert-` + certs[0].ID + `" checked`}, tc.want...)...)
		entWantUnchanged(t, tc.name, e, e.demo.CoopID, before)
	}

	// A lot from two plots, with a certificate.
	id := entCreated(t, "lot", c.post("/w/lots", good))
	b, err := e.db.FindBatch(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	if b.Quantity != 1500.5 || b.Status != registry.BatchPublished || len(b.SourcePlotIDs) != 2 || len(b.CertificateIDs) != 1 || b.DDSReference != "EUDR-26VN0001" {
		t.Errorf("stored lot %+v", b)
	}
	r := c.get("/w/lots/" + id)
	wantContains(t, "lot page", r.body, `id="lot-code">GC2026-02<`, plots[0].Name, certs[0].Number,
		`src="/qr/01/`, `href="/qr/l/`+b.ShortCode+`.png"`, `href="/qr/l/`+b.ShortCode+`.svg"`,
		`action="/labels/`+b.ShortCode+`"`, `name="layout"`, `name="n"`, `href="http://registry.test/l/`+b.ShortCode+`"`, `id="no-events"`, `id="no-downstream"`)

	// A roasted lot made from it: a transformation with the input lot; a draft until published.
	roast := url.Values{"product_id": {prod}, "lot_code": {"GC2026-02S"}, "quantity": {"1400"}, "unit": {"kg"}, "produced_on": {"2026-02-25"},
		"input_ids": {id}, "input_qty_" + id: {"1500"}, "transform_step": {"sorting"}}
	out := entCreated(t, "transformed lot", c.post("/w/lots", roast))
	ob, _ := e.db.FindBatch(ctx, out)
	if ob.Status != registry.BatchDraft {
		t.Errorf("lot without publish is %s", ob.Status)
	}
	evs, _ := e.db.ListBatchEvents(ctx, out)
	if len(evs) != 1 || evs[0].Kind != registry.EventTransformation || len(evs[0].Inputs) != 1 || evs[0].Inputs[0].BatchID != id ||
		evs[0].Inputs[0].Quantity != 1500 || evs[0].Outputs[0].BatchID != out || evs[0].BusinessStep != "sorting" {
		t.Fatalf("transformation %+v", evs)
	}
	r = c.get("/w/lots/" + out)
	wantContains(t, "transformed lot page", r.body, `id="lot-genealogy"`, "GC2026-02<", plots[0].Name, `id="lot-publish"`, "là đầu ra")
	// Genealogy downward: the input lot's page names what was made from it.
	r = c.get("/w/lots/" + id)
	wantContains(t, "input lot page", r.body, `id="lot-downstream"`, `href="/w/lots/`+out+`">GC2026-02S<`)
	wantStatus(t, "publish", c.post("/w/lots/"+out+"/publish", url.Values{}), http.StatusSeeOther)
	if ob, _ = e.db.FindBatch(ctx, out); ob.Status != registry.BatchPublished {
		t.Errorf("published lot is %s", ob.Status)
	}
	// Made from an input lot and published at once: public only after its event.
	pub := url.Values{"product_id": {prod}, "lot_code": {"GC2026-02P"}, "quantity": {"100"}, "unit": {"kg"}, "input_ids": {out}, "publish": {"yes"}}
	pid := entCreated(t, "published transformed lot", c.post("/w/lots", pub))
	if pb, _ := e.db.FindBatch(ctx, pid); pb.Status != registry.BatchPublished {
		t.Errorf("published transformed lot is %s", pb.Status)
	}
	if evs, _ := e.db.ListBatchEvents(ctx, pid); len(evs) != 1 || evs[0].Inputs[0].Quantity != 1400 || evs[0].BusinessStep != "transforming" {
		t.Errorf("transformation with the whole input lot: %+v", evs)
	}
	r = c.get("/w/lots/new?plot=" + plots[0].ID)
	wantContains(t, "from plot", r.body, `id="plot-`+plots[0].ID+`" checked`)
}

func TestEnterpriseEvents(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	c := e.as(asCoop)
	_, sites := entPlots(t, e, e.demo.CoopID)
	path := "/w/lots/" + e.demo.GreenBatchID + "/events"
	good := url.Values{"kind": {"object"}, "business_step": {"storing"}, "disposition": {"active"}, "event_time": {"2026-03-09T14:30"},
		"facility_id": {sites[0].ID}, "quantity": {"11000"}, "unit": {"kg"}, "note": {"Nhập kho số 2"}}
	before := entCount(t, e, e.demo.CoopID)
	for name, change := range map[string]func(url.Values){
		"future time":   func(v url.Values) { v.Set("event_time", "2026-04-01T08:00") },
		"no time":       func(v url.Values) { v.Set("event_time", "") },
		"no step":       func(v url.Values) { v.Set("business_step", "") },
		"bad tax code":  func(v url.Values) { v.Set("counterparty_tax_code", "12345") },
		"bad quantity":  func(v url.Values) { v.Set("quantity", "-5") },
		"others' place": func(v url.Values) { _, s := entPlots(t, e, e.demo.RoasterID); v.Set("facility_id", s[0].ID) },
	} {
		v := cloneValues(good)
		change(v)
		r := c.post(path, v)
		wantStatus(t, name, r, http.StatusUnprocessableEntity)
		wantContains(t, name, r.body, `id="form-errors"`, "Nhập kho số 2", `class="field-error"`)
		entWantUnchanged(t, name, e, e.demo.CoopID, before)
	}
	wantStatus(t, "event", c.post(path, good), http.StatusSeeOther)
	evs, _ := e.db.ListBatchEvents(ctx, e.demo.GreenBatchID)
	last := evs[len(evs)-1]
	if last.BusinessStep != "storing" || last.Batches[0].Quantity != 11000 || last.FacilityID != sites[0].ID || last.EventTimeZone != "+07:00" ||
		!last.EventTime.Equal(time.Date(2026, 3, 9, 7, 30, 0, 0, time.UTC)) {
		t.Errorf("stored event %+v", last)
	}
	r := c.get("/w/lots/" + e.demo.GreenBatchID)
	wantContains(t, "lot events", r.body, "Nhập kho số 2", "09/03/2026 14:30", "Lưu kho")
}

func TestEnterpriseDocuments(t *testing.T) {
	e := newEnv(t)
	c := e.as(asCoop)
	before := entCount(t, e, e.demo.CoopID)
	pdf := minimalPDF("phieu ket qua")
	r := c.postMultipart("/w/documents", url.Values{"title": {""}, "kind": {"test_report"}}, upload{"file", "ket-qua.pdf", pdf})
	wantStatus(t, "no title", r, http.StatusUnprocessableEntity)
	wantContains(t, "no title", r.body, `id="doc-title" name="title" value="" maxlength="200" required aria-invalid="true"`, `id="file-staged"`, "ket-qua.pdf",
		`<option value="test_report" selected>`)
	entWantUnchanged(t, "no title", e, e.demo.CoopID, before)
	r2 := c.postMultipart("/w/documents", url.Values{"title": {"Trang web"}, "kind": {"other"}}, upload{"file", "x.html", []byte("<html><script>alert(1)</script></html>")})
	wantStatus(t, "html file", r2, http.StatusUnprocessableEntity)
	wantContains(t, "html file", r2.body, `id="doc-file" name="file" type="file" accept="application/pdf,image/png,image/jpeg,image/webp" aria-invalid="true"`)
	r3 := c.postMultipart("/w/documents", url.Values{"title": {"Không có tệp"}, "kind": {"other"}})
	wantStatus(t, "no file", r3, http.StatusUnprocessableEntity)
	wantContains(t, "no file", r3.body, "hãy chọn tệp")
	entWantUnchanged(t, "refused uploads", e, e.demo.CoopID, before)

	m := entStagedToken.FindStringSubmatch(r.body)
	if m == nil {
		t.Fatal("no staged token")
	}
	wantStatus(t, "upload", c.postMultipart("/w/documents", url.Values{"title": {"Phiếu kết quả thử nghiệm 2026"}, "kind": {"test_report"}, m[1]: {m[2]}}), http.StatusSeeOther)
	docs, _, _ := e.db.ListDocuments(context.Background(), registry.DocumentFilter{EnterpriseID: e.demo.CoopID, Kind: "test_report", Page: registry.Page{Limit: 10}})
	if len(docs) != 1 || docs[0].Title != "Phiếu kết quả thử nghiệm 2026" || docs[0].Blob.MediaType != "application/pdf" {
		t.Fatalf("documents %+v", docs)
	}
	r = c.get("/w/documents?kind=test_report")
	wantContains(t, "list", r.body, "Phiếu kết quả thử nghiệm 2026", `href="/w/documents/`+docs[0].ID+`/file"`)
	f := c.get("/w/documents/" + docs[0].ID + "/file")
	wantStatus(t, "download", f, http.StatusOK)
	if f.body != string(pdf) || f.header.Get("Content-Type") != "application/pdf" ||
		!strings.HasPrefix(f.header.Get("Content-Disposition"), "attachment") || !strings.Contains(f.header.Get("Content-Disposition"), "ket-qua.pdf") {
		t.Errorf("download: %v %q", f.header, f.body)
	}
	// Another enterprise cannot read it; an inspector can.
	wantStatus(t, "roaster download", e.as(asRoaster).get("/w/documents/"+docs[0].ID+"/file"), http.StatusNotFound)
	wantStatus(t, "inspector download", e.as(asInspector).get("/w/documents/"+docs[0].ID+"/file"), http.StatusOK)
	// A public document of another enterprise can be read.
	roasterDocs, _, _ := e.db.ListDocuments(context.Background(), registry.DocumentFilter{EnterpriseID: e.demo.RoasterID, Page: registry.Page{Limit: 10}})
	if len(roasterDocs) == 0 || !roasterDocs[0].Public {
		t.Fatalf("roaster documents %+v", roasterDocs)
	}
	wantStatus(t, "public document", c.get("/w/documents/"+roasterDocs[0].ID+"/file"), http.StatusOK)
}

// TestEnterpriseAuthorization: wrong roles get 403, another enterprise 404,
// nobody the sign-in page; a POST without the form token is refused and
// changes nothing.
func TestEnterpriseAuthorization(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	prod := entGreenProduct(t, e)
	plots, _ := entPlots(t, e, e.demo.CoopID)
	coop := e.as(asCoop)
	docID := func() string {
		wantStatus(t, "upload", coop.postMultipart("/w/documents", url.Values{"title": {"Riêng"}, "kind": {"other"}}, upload{"file", "r.pdf", minimalPDF("private")}), http.StatusSeeOther)
		docs, _, _ := e.db.ListDocuments(ctx, registry.DocumentFilter{EnterpriseID: e.demo.CoopID, Kind: "other", Page: registry.Page{Limit: 10}})
		return docs[0].ID
	}()
	pages := []string{"/w/products", "/w/products/new", "/w/products/" + prod, "/w/facilities", "/w/facilities/new", "/w/facilities/" + plots[0].ID,
		"/w/lots", "/w/lots/new", "/w/lots/" + e.demo.GreenBatchID, "/w/documents"}
	posts := map[string]url.Values{
		"/w/products":         {"name_vi": {"X"}, "category": {"coffee"}},
		"/w/products/" + prod: {"name_vi": {"Đổi tên"}, "category": {"coffee"}, "version": {"1"}},
		"/w/facilities":       {"kind": {"processing_site"}, "name": {"X"}, "district": {"Cư Kuin"}},
		"/w/lots":             {"product_id": {prod}, "lot_code": {"X1"}, "quantity": {"1"}, "unit": {"kg"}, "publish": {"yes"}},
		"/w/lots/" + e.demo.GreenBatchID + "/events":  {"kind": {"object"}, "business_step": {"storing"}, "event_time": {"2026-03-09T10:00"}},
		"/w/lots/" + e.demo.GreenBatchID + "/publish": {},
		"/w/documents": {"title": {"X"}, "kind": {"other"}},
	}
	before := entCount(t, e, e.demo.CoopID)
	for _, user := range []string{asCertifier, asInspector, asAdmin} {
		c := e.as(user)
		for _, p := range pages {
			wantStatus(t, user+" GET "+p, c.get(p), http.StatusForbidden)
		}
		for p, v := range posts {
			wantStatus(t, user+" POST "+p, c.post(p, v), http.StatusForbidden)
		}
	}
	// Another enterprise: every record of the coop is not found.
	roaster := e.as(asRoaster)
	roasterBefore := entCount(t, e, e.demo.RoasterID)
	for _, p := range []string{"/w/products/" + prod, "/w/facilities/" + plots[0].ID, "/w/lots/" + e.demo.GreenBatchID, "/w/documents/" + docID + "/file"} {
		wantStatus(t, "roaster GET "+p, roaster.get(p), http.StatusNotFound)
	}
	for _, p := range []string{"/w/products/" + prod, "/w/lots/" + e.demo.GreenBatchID + "/events", "/w/lots/" + e.demo.GreenBatchID + "/publish"} {
		wantStatus(t, "roaster POST "+p, roaster.post(p, posts[p]), http.StatusNotFound)
	}
	// Nor can it list them or use them in its own records.
	r := roaster.get("/w/products")
	if strings.Contains(r.body, "Cà phê nhân Robusta Ea Tiêu") {
		t.Errorf("the roaster's product list shows the coop's product")
	}
	r = roaster.get("/w/facilities")
	if strings.Contains(r.body, plots[0].Name) {
		t.Errorf("the roaster's facility list shows the coop's plot")
	}
	r = roaster.post("/w/lots", url.Values{"product_id": {prod}, "lot_code": {"R1"}, "quantity": {"1"}, "unit": {"kg"}, "source_plot_ids": {plots[0].ID}})
	wantStatus(t, "roaster lot on coop product", r, http.StatusUnprocessableEntity)
	entWantUnchanged(t, "roaster", e, e.demo.RoasterID, roasterBefore)
	// Nobody: GET goes to the sign-in page, POST is refused.
	anon := e.anon()
	for _, p := range pages {
		res := anon.get(p)
		if res.status != http.StatusSeeOther || !strings.HasPrefix(res.location, "/login") {
			t.Errorf("anonymous GET %s: %d %s", p, res.status, res.location)
		}
	}
	wantStatus(t, "anonymous POST", anon.post("/w/products", posts["/w/products"]), http.StatusUnauthorized)
	// Without or with a wrong form token: 403.
	for p, v := range posts {
		for _, token := range []string{"", "wrong"} {
			v := cloneValues(v)
			v.Set("_csrf", token)
			wantStatus(t, "csrf "+token+" "+p, coop.post(p, v), http.StatusForbidden)
		}
	}
	entWantUnchanged(t, "refused requests", e, e.demo.CoopID, before)
	if pr, _ := e.db.FindProduct(ctx, prod); pr.NameVI == "Đổi tên" {
		t.Errorf("a refused edit was stored")
	}
}

// The lot page offers the EUDR package of the plots the lot traces to, and
// only the lot's readers get it.
func TestEnterpriseLotEUDRDownload(t *testing.T) {
	e := newEnv(t)
	coop := e.as(asCoop)
	page := coop.get("/w/lots/" + e.demo.GreenBatchID)
	wantStatus(t, "green lot page", page, http.StatusOK)
	wantContains(t, "green lot page", page.body, `id="eudr-download"`, `/w/lots/`+e.demo.GreenBatchID+`/eudr.geojson`)
	r := coop.get("/w/lots/" + e.demo.GreenBatchID + "/eudr.geojson")
	wantStatus(t, "EUDR package", r, http.StatusOK)
	if ct := r.header.Get("Content-Type"); ct != "application/geo+json" {
		t.Errorf("Content-Type %q", ct)
	}
	var pkg registry.EUDRPackage
	if err := json.Unmarshal([]byte(r.body), &pkg); err != nil || pkg.Type != "FeatureCollection" || len(pkg.Features) == 0 {
		t.Fatalf("package %v: %.300s", err, r.body)
	}
	for _, f := range pkg.Features {
		if f.Properties.ProducerCountry != "VN" || f.Properties.ProducerName == "" || len(f.Properties.Lots) == 0 {
			t.Errorf("feature properties %+v", f.Properties)
		}
	}
	// Each plot downloads alone too, from its page.
	plotID := pkg.Features[0].Properties.PlotID
	wantContains(t, "plot page", coop.get("/w/facilities/"+plotID).body, `id="plot-geojson"`)
	pr := coop.get("/w/facilities/" + plotID + "/plot.geojson")
	wantStatus(t, "plot GeoJSON", pr, http.StatusOK)
	var one registry.EUDRPackage
	if err := json.Unmarshal([]byte(pr.body), &one); err != nil || len(one.Features) != 1 || one.Features[0].Properties.PlotID != plotID ||
		string(one.Features[0].Geometry) == "" {
		t.Fatalf("plot GeoJSON %v: %.300s", err, pr.body)
	}
	if r := e.as(asRoaster).get("/w/facilities/" + plotID + "/plot.geojson"); r.status == http.StatusOK {
		t.Fatalf("the roaster downloaded the coop's plot")
	}
	if r := coop.get("/w/facilities/nope/plot.geojson"); r.status != http.StatusNotFound {
		t.Fatalf("an unknown plot: %d", r.status)
	}
	// Another enterprise cannot read the coop's lot, nor its package.
	other := e.as(asRoaster).get("/w/lots/" + e.demo.GreenBatchID + "/eudr.geojson")
	if other.status == http.StatusOK {
		t.Fatalf("the roaster read the coop's package: %d", other.status)
	}
}

// A lot whose input was recalled says so at the top of its page instead of
// reading simply "published".
func TestEnterpriseLotShowsARecalledInput(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	roaster := e.as(asRoaster)
	path := "/w/lots/" + e.demo.RoastedBatchID
	before := roaster.get(path)
	wantStatus(t, "roasted lot", before, http.StatusOK)
	if strings.Contains(before.body, `id="lot-input-recalled"`) {
		t.Fatal("a recall warning before any recall")
	}
	green, err := e.db.FindBatch(ctx, e.demo.GreenBatchID)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := registry.RecallBatch(ctx, e.db, green, registry.RecallOrder{Reason: "Nhiễm nấm mốc", On: "2026-03-01"}, "inspector", time.Now()); err != nil {
		t.Fatal(err)
	}
	after := roaster.get(path)
	wantStatus(t, "roasted lot after the recall", after, http.StatusOK)
	wantContains(t, "roasted lot after the recall", after.body, `id="lot-input-recalled"`, "Lô đầu vào đã bị thu hồi", green.LotCode,
		`id="lot-input-recalled-badge"`)
}

// A draft lot is edited freely and deleted after confirmation; a published
// lot is corrected with a reason (shown on its page and the public page),
// keeps its code, and is never deleted; another enterprise's lot is not
// reachable; refused forms write nothing.
func TestEnterpriseLotCorrection(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	c := e.as(asCoop)
	prod := entGreenProduct(t, e)
	draft := &registry.Batch{EnterpriseID: e.demo.CoopID, ProductID: prod, LotCode: "NHAP-01", Quantity: 10, Unit: "kg", Status: registry.BatchDraft}
	if err := e.db.CreateBatch(ctx, draft); err != nil {
		t.Fatal(err)
	}
	form := func(b *registry.Batch) url.Values {
		return url.Values{"lot_code": {b.LotCode}, "quantity": {"12,5"}, "unit": {b.Unit}, "produced_on": {"2026-03-01"},
			"harvested_on": {string(b.HarvestedOn)}, "expires_on": {string(b.ExpiresOn)}, "facility_id": {b.FacilityID},
			"source_plot_ids": b.SourcePlotIDs, "certificate_ids": b.CertificateIDs, "dds_reference": {b.DDSReference},
			"version": {fmt.Sprint(b.Version)}}
	}

	r := c.get("/w/lots/" + draft.ID + "/edit")
	wantStatus(t, "draft edit form", r, http.StatusOK)
	wantContains(t, "draft edit form", r.body, `id="lot-edit-form"`, `name="lot_code" value="NHAP-01"`, `id="lot-delete-form"`)
	wantNotContains(t, "draft edit form", r.body, `id="correction_reason"`)
	v := form(draft)
	v.Set("lot_code", "NHAP-02")
	wantStatus(t, "draft edit", c.post("/w/lots/"+draft.ID+"/edit", v), http.StatusSeeOther)
	got, _ := e.db.FindBatch(ctx, draft.ID)
	if got.LotCode != "NHAP-02" || got.Quantity != 12.5 || got.ProducedOn != "2026-03-01" || len(got.Corrections) != 0 {
		t.Fatalf("edited draft %+v", got)
	}

	// Delete: the box must be ticked, the version current.
	before := entCount(t, e, e.demo.CoopID)
	r = c.post("/w/lots/"+draft.ID+"/delete", url.Values{"version": {fmt.Sprint(got.Version)}})
	wantStatus(t, "delete unconfirmed", r, http.StatusUnprocessableEntity)
	wantContains(t, "delete unconfirmed", r.body, "hãy đánh dấu ô xác nhận để xóa")
	r = c.post("/w/lots/"+draft.ID+"/delete", url.Values{"version": {"1"}, "confirm_delete": {"yes"}})
	wantStatus(t, "delete stale", r, http.StatusConflict)
	entWantUnchanged(t, "refused deletes", e, e.demo.CoopID, before)
	wantStatus(t, "delete", c.post("/w/lots/"+draft.ID+"/delete", url.Values{"version": {fmt.Sprint(got.Version)}, "confirm_delete": {"yes"}}), http.StatusSeeOther)
	if _, err := e.db.FindBatch(ctx, draft.ID); registry.ErrorCode(err) != registry.ENOTFOUND {
		t.Fatalf("deleted draft: %v", err)
	}

	// A published lot: the reason is asked for, the code cannot change.
	green, _ := e.db.FindBatch(ctx, e.demo.GreenBatchID)
	r = c.get("/w/lots/" + green.ID + "/edit")
	wantContains(t, "published edit form", r.body, `id="correction_reason"`, `id="correction-hint"`, "không đổi được")
	wantNotContains(t, "published edit form", r.body, `id="lot-delete-form"`, `name="lot_code"`)
	before = entCount(t, e, e.demo.CoopID)
	for _, tc := range []struct {
		name   string
		change func(url.Values)
		status int
		want   string
	}{
		{"no reason", func(url.Values) {}, http.StatusUnprocessableEntity, "hãy nêu lý do đính chính"},
		{"reason too long", func(v url.Values) { v.Set("correction_reason", strings.Repeat("a", 501)) }, http.StatusUnprocessableEntity, "không quá 500 ký tự"},
		{"quantity not a number", func(v url.Values) { v.Set("quantity", "nhiều"); v.Set("correction_reason", "x") }, http.StatusUnprocessableEntity, "phải là một số"},
		{"stale form", func(v url.Values) { v.Set("version", "0"); v.Set("correction_reason", "x") }, http.StatusConflict, "đã thay đổi"},
	} {
		v := form(green)
		tc.change(v)
		r := c.post("/w/lots/"+green.ID+"/edit", v)
		wantStatus(t, tc.name, r, tc.status)
		wantContains(t, tc.name, r.body, tc.want)
		entWantUnchanged(t, tc.name, e, e.demo.CoopID, before)
	}
	if again, _ := e.db.FindBatch(ctx, green.ID); again.Version != green.Version {
		t.Fatalf("refused corrections wrote the lot: version %d → %d", green.Version, again.Version)
	}
	r = c.post("/w/lots/"+green.ID+"/delete", url.Values{"version": {fmt.Sprint(green.Version)}, "confirm_delete": {"yes"}})
	wantStatus(t, "delete published", r, http.StatusConflict)
	wantContains(t, "delete published", r.body, "Chỉ xóa được lô nháp")

	v = form(green)
	v.Set("lot_code", "DOI-MA") // ignored: a published lot's code stays
	v.Set("correction_reason", "Cân lại tại kho")
	wantStatus(t, "correction", c.post("/w/lots/"+green.ID+"/edit", v), http.StatusSeeOther)
	got, _ = e.db.FindBatch(ctx, green.ID)
	if got.LotCode != green.LotCode || got.Quantity != 12.5 || len(got.Corrections) != 1 || got.Corrections[0].Reason != "Cân lại tại kho" {
		t.Fatalf("corrected lot %+v", got)
	}
	r = c.get("/w/lots/" + green.ID)
	wantContains(t, "lot page", r.body, `id="lot-corrections"`, "số lượng, ngày sản xuất", "Cân lại tại kho")

	// Another enterprise's lot.
	for _, path := range []string{"/w/lots/" + e.demo.RoastedBatchID + "/edit"} {
		if r := c.get(path); r.status != http.StatusNotFound && r.status != http.StatusForbidden {
			t.Errorf("GET %s as the coop: %d", path, r.status)
		}
	}
	roasted, _ := e.db.FindBatch(ctx, e.demo.RoastedBatchID)
	v = form(roasted)
	v.Set("correction_reason", "x")
	if r := c.post("/w/lots/"+roasted.ID+"/edit", v); r.status != http.StatusNotFound && r.status != http.StatusForbidden {
		t.Errorf("POST another's lot: %d", r.status)
	}
	if again, _ := e.db.FindBatch(ctx, roasted.ID); again.Version != roasted.Version {
		t.Errorf("another enterprise's lot was written")
	}
}

// TestEnterpriseFacilityEditAndDelete: a plot is corrected keeping its
// outline or with a new point; a stale or wrong form writes nothing; a plot
// a lot names is not deleted; an unused one is, after confirmation; another
// enterprise's is not reachable.
func TestEnterpriseFacilityEditAndDelete(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	c := e.as(asCoop)
	plots, _ := entPlots(t, e, e.demo.CoopID)
	used := plots[0] // the demo's lots come from it
	r := c.get("/w/facilities/" + used.ID + "/edit")
	wantStatus(t, "edit form", r, http.StatusOK)
	wantContains(t, "edit form", r.body, `id="geo-mode-keep"`, `name="version" value="`, `value="`+used.Name+`"`, `id="facility-delete-form"`)
	form := func(f *registry.Facility) url.Values {
		v := url.Values{"kind": {f.Kind}, "name": {f.Name + " (đã sửa)"}, "district": {f.District}, "crop": {f.Crop}, "geo_mode": {"keep"},
			"deforestation_free": {"yes"}, "version": {fmt.Sprint(f.Version)}, "code": {f.Code}, "gln": {f.GLN}}
		if f.AreaHa > 0 {
			v.Set("area_ha", fmt.Sprint(f.AreaHa))
		}
		return v
	}
	before, _ := e.db.FindFacility(ctx, used.ID)
	for _, tc := range []struct {
		name   string
		change func(url.Values)
		status int
		want   string
	}{
		{"stale", func(v url.Values) { v.Set("version", "0") }, http.StatusConflict, ""},
		{"no name", func(v url.Values) { v.Set("name", "") }, http.StatusUnprocessableEntity, `id="form-errors"`},
		{"bad point", func(v url.Values) { v.Set("geo_mode", "point"); v.Set("point_lon", "200"); v.Set("point_lat", "12") }, http.StatusUnprocessableEntity, `id="form-errors"`},
	} {
		v := form(before)
		tc.change(v)
		res := c.postMultipart("/w/facilities/"+used.ID+"/edit", v)
		wantStatus(t, tc.name, res, tc.status)
		wantContains(t, tc.name, res.body, tc.want)
		if got, _ := e.db.FindFacility(ctx, used.ID); got.Version != before.Version {
			t.Fatalf("%s wrote the plot", tc.name)
		}
	}
	// The plot is public (a published lot comes from it): a reason is asked.
	r = c.postMultipart("/w/facilities/"+used.ID+"/edit", form(before))
	wantStatus(t, "no reason", r, http.StatusUnprocessableEntity)
	wantContains(t, "no reason", r.body, "hãy nêu lý do đính chính địa điểm")
	v := form(before)
	v.Set("correction_reason", "Ghi đúng tên vườn")
	wantStatus(t, "save, keeping the outline", c.postMultipart("/w/facilities/"+used.ID+"/edit", v), http.StatusSeeOther)
	got, _ := e.db.FindFacility(ctx, used.ID)
	if got.Name != before.Name+" (đã sửa)" || got.Geometry != before.Geometry || got.Version != before.Version+1 ||
		len(got.Corrections) != 1 || got.Corrections[0].Reason != "Ghi đúng tên vườn" {
		t.Fatalf("edited plot %+v", got)
	}
	// In use: not deleted; the page says which records refer to it.
	res := c.post("/w/facilities/"+used.ID+"/delete", url.Values{"confirm_delete": {"yes"}, "version": {fmt.Sprint(got.Version)}})
	wantStatus(t, "delete a used plot", res, http.StatusConflict)
	wantContains(t, "delete a used plot", res.body, "đang tham chiếu")
	// A new, unused site is deleted after the box is ticked.
	site := &registry.Facility{EnterpriseID: e.demo.CoopID, Kind: registry.FacilityWarehouse, Name: "Kho tạm", District: used.District}
	if err := e.db.CreateFacility(ctx, site); err != nil {
		t.Fatal(err)
	}
	res = c.post("/w/facilities/"+site.ID+"/delete", url.Values{"version": {fmt.Sprint(site.Version)}})
	wantStatus(t, "unconfirmed", res, http.StatusUnprocessableEntity)
	wantStatus(t, "delete", c.post("/w/facilities/"+site.ID+"/delete", url.Values{"confirm_delete": {"yes"}, "version": {fmt.Sprint(site.Version)}}), http.StatusSeeOther)
	if _, err := e.db.FindFacility(ctx, site.ID); registry.ErrorCode(err) != registry.ENOTFOUND {
		t.Fatalf("deleted site: %v", err)
	}
	// Another enterprise's plot.
	if r := e.as(asRoaster).get("/w/facilities/" + used.ID + "/edit"); r.status != http.StatusNotFound {
		t.Errorf("the roaster edits the coop's plot: %d", r.status)
	}
	if r := e.as(asRoaster).postMultipart("/w/facilities/"+used.ID+"/edit", form(got)); r.status != http.StatusNotFound {
		t.Errorf("the roaster posts to the coop's plot: %d", r.status)
	}
}

// TestEnterpriseEventVoid: an event recorded in error is voided with a
// reason (EPCIS error declaration): it stays on the lot's page, marked; a
// transformation whose output is used later is not voided until the later
// events are; a short reason or another's event is refused.
func TestEnterpriseEventVoid(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	c := e.as(asCoop)
	green, _ := e.db.FindBatch(ctx, e.demo.GreenBatchID)
	evs, _ := e.db.ListBatchEvents(ctx, green.ID)
	var transform, other *registry.TraceEvent
	for _, ev := range evs {
		if ev.Kind == registry.EventTransformation && transform == nil {
			transform = ev
		} else if ev.Kind != registry.EventTransformation && other == nil && ev.EnterpriseID == green.EnterpriseID {
			other = ev
		}
	}
	if other == nil {
		t.Fatalf("no object event on the demo green lot: %+v", evs)
	}
	res := c.post("/w/lots/"+green.ID+"/events/"+other.ID+"/void", url.Values{"void_reason": {"x"}})
	wantStatus(t, "short reason", res, http.StatusUnprocessableEntity)
	wantContains(t, "short reason", res.body, "Không hủy được sự kiện")
	if got, _ := e.db.FindEvent(ctx, other.ID); got.Voided() {
		t.Fatalf("a refused void wrote")
	}
	wantStatus(t, "void", c.post("/w/lots/"+green.ID+"/events/"+other.ID+"/void", url.Values{"void_reason": {"Ghi nhầm ngày sấy"}}), http.StatusSeeOther)
	got, _ := e.db.FindEvent(ctx, other.ID)
	if !got.Voided() || got.ErrorDeclaration.Reason != "Ghi nhầm ngày sấy" || got.ErrorDeclaration.By != asCoop {
		t.Fatalf("voided event %+v", got)
	}
	page := c.get("/w/lots/" + green.ID)
	wantContains(t, "lot page", page.body, `id="ev-`+other.ID+`" class="voided"`, "Ghi nhầm ngày sấy")
	res = c.post("/w/lots/"+green.ID+"/events/"+other.ID+"/void", url.Values{"void_reason": {"Lần nữa"}})
	wantStatus(t, "twice", res, http.StatusUnprocessableEntity)
	// The roaster cannot void the coop's event.
	if r := e.as(asRoaster).post("/w/lots/"+green.ID+"/events/"+other.ID+"/void", url.Values{"void_reason": {"Không phải của tôi"}}); r.status != http.StatusNotFound {
		t.Errorf("another enterprise voids: %d", r.status)
	}
	_ = transform
}

// TestEnterpriseProductCorrection: a product with published lots is
// corrected with a reason (its public pages say so), keeps its GTIN, and a
// correction without a reason writes nothing; a product with no published
// lot changes freely.
func TestEnterpriseProductCorrection(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	c := e.as(asCoop)
	prod := entGreenProduct(t, e)
	p, _ := e.db.FindProduct(ctx, prod)
	page := c.get("/w/products/" + prod)
	wantContains(t, "edit page", page.body, `id="product-correction-hint"`, `id="correction_reason"`)
	form := func(p *registry.Product) url.Values {
		return url.Values{"name_vi": {p.NameVI + " loại 1"}, "name_en": {p.NameEN}, "category": {p.Category}, "gtin": {p.GTIN},
			"description": {p.Description}, "unit": {p.Unit}, "standards": {strings.Join(p.Standards, "\n")}, "version": {fmt.Sprint(p.Version)}}
	}
	r := c.postMultipart("/w/products/"+prod, form(p))
	wantStatus(t, "no reason", r, http.StatusUnprocessableEntity)
	wantContains(t, "no reason", r.body, "hãy nêu lý do đính chính")
	v := form(p)
	v.Set("gtin", "08938500009991")
	v.Set("correction_reason", "Đổi mã")
	r = c.postMultipart("/w/products/"+prod, v)
	wantStatus(t, "new GTIN", r, http.StatusUnprocessableEntity)
	if got, _ := e.db.FindProduct(ctx, prod); got.Version != p.Version {
		t.Fatalf("a refused correction wrote the product")
	}
	v = form(p)
	v.Set("correction_reason", "Ghi rõ loại hàng")
	wantStatus(t, "correction", c.postMultipart("/w/products/"+prod, v), http.StatusSeeOther)
	got, _ := e.db.FindProduct(ctx, prod)
	if got.NameVI != p.NameVI+" loại 1" || len(got.Corrections) != 1 || got.Corrections[0].Fields[0] != "name_vi" || got.Corrections[0].Reason != "Ghi rõ loại hàng" {
		t.Fatalf("corrected product %+v", got)
	}
	wantContains(t, "history", c.get("/w/products/"+prod).body, `id="product-corrections"`, "Ghi rõ loại hàng")
	// A product without published lots: no reason asked.
	fresh := &registry.Product{EnterpriseID: e.demo.CoopID, NameVI: "Sản phẩm mới", Category: "coffee"}
	if err := e.db.CreateProduct(ctx, fresh); err != nil {
		t.Fatal(err)
	}
	wantNotContains(t, "fresh product page", c.get("/w/products/"+fresh.ID).body, `id="correction_reason"`)
	wantStatus(t, "fresh edit", c.postMultipart("/w/products/"+fresh.ID, form(fresh)), http.StatusSeeOther)
	if f, _ := e.db.FindProduct(ctx, fresh.ID); len(f.Corrections) != 0 || f.NameVI != "Sản phẩm mới loại 1" {
		t.Fatalf("fresh product %+v", f)
	}
}

// TestEnterpriseProductDelete: a product lots name is not deleted (the page
// says why); an unused one is, once confirmed.
func TestEnterpriseProductDelete(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	c := e.as(asCoop)
	used, _ := e.db.FindProduct(ctx, entGreenProduct(t, e))
	r := c.post("/w/products/"+used.ID+"/delete", url.Values{"confirm_delete": {"yes"}, "version": {fmt.Sprint(used.Version)}})
	wantStatus(t, "used", r, http.StatusConflict)
	wantContains(t, "used", r.body, "đang tham chiếu")
	fresh := &registry.Product{EnterpriseID: e.demo.CoopID, NameVI: "Sản phẩm thử", Category: "coffee"}
	if err := e.db.CreateProduct(ctx, fresh); err != nil {
		t.Fatal(err)
	}
	wantStatus(t, "unconfirmed", c.post("/w/products/"+fresh.ID+"/delete", url.Values{"version": {"1"}}), http.StatusUnprocessableEntity)
	if r := e.as(asRoaster).post("/w/products/"+fresh.ID+"/delete", url.Values{"confirm_delete": {"yes"}, "version": {"1"}}); r.status != http.StatusNotFound && r.status != http.StatusForbidden {
		t.Errorf("another enterprise deletes: %d", r.status)
	}
	wantStatus(t, "delete", c.post("/w/products/"+fresh.ID+"/delete", url.Values{"confirm_delete": {"yes"}, "version": {"1"}}), http.StatusSeeOther)
	if _, err := e.db.FindProduct(ctx, fresh.ID); registry.ErrorCode(err) != registry.ENOTFOUND {
		t.Fatalf("deleted product: %v", err)
	}
}
