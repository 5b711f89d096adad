package registry_test

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"math"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/paulmach/orb"

	"github.com/tracereg/tracereg/registry"
)

// fieldRules returns "field/rule" for every failing field of an EINVALID error.
func fieldRules(t *testing.T, err error) []string {
	t.Helper()
	if err == nil {
		return nil
	}
	if code := registry.ErrorCode(err); code != registry.EINVALID {
		t.Fatalf("err = %v (code %q), want EINVALID", err, code)
	}
	var out []string
	for _, f := range registry.PublicError(err).Fields {
		out = append(out, f.Field+"/"+f.Rule)
	}
	return out
}

func wantRule(t *testing.T, err error, fieldRule string) {
	t.Helper()
	got := fieldRules(t, err)
	for _, fr := range got {
		if fr == fieldRule {
			return
		}
	}
	t.Fatalf("err = %v: fields %v, want %s", err, got, fieldRule)
}

func wantValid(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatalf("err = %v, want valid", err)
	}
}

func validEnterprise() *registry.Enterprise {
	return &registry.Enterprise{TaxCode: "6000123456", NameVI: "HTX Nông nghiệp Ea Tu", Kind: "cooperative",
		District: "Buôn Ma Thuột", Sector: "agriculture", Size: "micro"}
}

func TestTaxCode(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		code string
		ok   bool
	}{
		{"0123456789", true},
		{"0123456789-001", true},
		{"012345678", false},
		{"0123456789-01", false},
		{"01234567890", false},
		{"0123456789-0012", false},
		{"0123456789001", false},
		{"012345678a", false},
		{" 0123456789", false},
		{"0123456789\n", false},
		{"０１２３４５６７８９", false},
		{"", false},
	} {
		if got := registry.ValidTaxCode(tc.code); got != tc.ok {
			t.Errorf("ValidTaxCode(%q) = %v, want %v", tc.code, got, tc.ok)
		}
		e := validEnterprise()
		e.TaxCode = tc.code
		err := e.Validate()
		if tc.ok {
			wantValid(t, err)
		} else {
			wantRule(t, err, "tax_code/tax_code")
		}
	}
}

func TestTextRules(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name    string
		edit    func(*registry.Enterprise)
		wantErr string // "" for valid
	}{
		{"300 Vietnamese letters", func(e *registry.Enterprise) { e.NameVI = strings.Repeat("ạ", 300) }, ""},
		{"301 letters", func(e *registry.Enterprise) { e.NameVI = strings.Repeat("ạ", 301) }, "name_vi/max_length"},
		{"blank name", func(e *registry.Enterprise) { e.NameVI = "  \t " }, "name_vi/required"},
		{"NUL", func(e *registry.Enterprise) { e.NameVI = "Cà phê\x00" }, "name_vi/control_characters"},
		{"escape", func(e *registry.Enterprise) { e.NameVI = "Cà \x1b[31mphê" }, "name_vi/control_characters"},
		{"DEL", func(e *registry.Enterprise) { e.Address = "Số 1\x7f" }, "address/control_characters"},
		{"line breaks and tabs in an address", func(e *registry.Enterprise) { e.Address = "Số 12 Lê Duẩn\r\nP. Tân Lợi\tBMT" }, ""},
		{"invalid UTF-8", func(e *registry.Enterprise) { e.NameEN = "Coffee \xff" }, "name_en/utf8"},
		{"phone too long", func(e *registry.Enterprise) { e.Phone = strings.Repeat("0", 31) }, "phone/max_length"},
		{"unknown district", func(e *registry.Enterprise) { e.District = "Hà Nội" }, "district/one_of"},
		{"operator text is just text", func(e *registry.Enterprise) { e.NameVI = `{"$gt": ""}` }, ""},
	} {
		e := validEnterprise()
		tc.edit(e)
		err := e.Validate()
		if tc.wantErr == "" {
			if err != nil {
				t.Errorf("%s: %v, want valid", tc.name, err)
			}
			continue
		}
		found := false
		for _, fr := range fieldRules(t, err) {
			found = found || fr == tc.wantErr
		}
		if !found {
			t.Errorf("%s: err %v, want %s", tc.name, err, tc.wantErr)
		}
	}
}

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
		area += a * (1 - e2) / math.Pow(w, 1.5) * a / math.Sqrt(w) * math.Cos(phi) * (lat2 - lat1) * rad / steps
	}
	return area * (lon2 - lon1) * rad / 10000
}

// A square of about 5 ha near Buôn Ma Thuột, counter-clockwise.
const (
	squareRings = `[[[108.050000,12.680000],[108.052060,12.680000],[108.052060,12.682020],[108.050000,12.682020],[108.050000,12.680000]]]`
	square5ha   = `{"type":"Polygon","coordinates":` + squareRings + `}`
)

func TestParsePlotGeometry(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name, geojson string
		want          string // field/rule, "" for valid
	}{
		{"point with 6 decimals", `{"type":"Point","coordinates":[108.050000,12.680000]}`, ""},
		{"point with 5 decimals", `{"type":"Point","coordinates":[108.05000,12.68000]}`, "coordinates/eudr_precision"},
		{"latitude with 5 decimals", `{"type":"Point","coordinates":[108.050000,12.68000]}`, "coordinates/eudr_precision"},
		{"exponent notation", `{"type":"Point","coordinates":[1.08050000e2,12.680000]}`, "coordinates/eudr_precision"},
		{"swapped lon/lat", `{"type":"Point","coordinates":[12.680000,108.050000]}`, "coordinates/lon_lat_order"},
		{"outside WGS84", `{"type":"Point","coordinates":[190.000000,12.680000]}`, "coordinates/wgs84_range"},
		{"with altitude", `{"type":"Point","coordinates":[108.050000,12.680000,500.000000]}`, "coordinates/position"},
		{"text coordinates", `{"type":"Point","coordinates":["108.050000","12.680000"]}`, "coordinates/geojson"},
		{"not an object", `nope`, "/geojson"},
		{"a line", `{"type":"LineString","coordinates":[[108.050000,12.680000],[108.060000,12.690000]]}`, "type/one_of"},
		{"valid polygon", square5ha, ""},
		{"open ring", `{"type":"Polygon","coordinates":[[[108.050000,12.680000],[108.052060,12.680000],[108.052060,12.682020],[108.050000,12.682020]]]}`, "coordinates[0]/eudr_closed"},
		{"3-position ring", `{"type":"Polygon","coordinates":[[[108.050000,12.680000],[108.052060,12.680000],[108.050000,12.680000]]]}`, "coordinates[0]/eudr_min_positions"},
		{"bow-tie", `{"type":"Polygon","coordinates":[[[108.050000,12.680000],[108.052000,12.682000],[108.052000,12.680000],[108.050000,12.682000],[108.050000,12.680000]]]}`, "coordinates[0]/eudr_self_intersection"},
		{"ring touching itself", `{"type":"Polygon","coordinates":[[[108.050000,12.680000],[108.054000,12.680000],[108.052000,12.682000],[108.054000,12.684000],[108.050000,12.684000],[108.052000,12.682000],[108.050000,12.680000]]]}`, "coordinates[0]/eudr_self_intersection"},
		{"ring with 5 decimals", `{"type":"Polygon","coordinates":[[[108.05000,12.680000],[108.052060,12.680000],[108.052060,12.682020],[108.05000,12.680000]]]}`, "coordinates[0][0]/eudr_precision"},
		{"polygon without rings", `{"type":"Polygon","coordinates":[]}`, "coordinates/polygon"},
		{"multipolygon, second ring open", `{"type":"MultiPolygon","coordinates":[` + squareRings + `,[[[108.060000,12.690000],[108.061000,12.690000],[108.061000,12.691000],[108.060000,12.691000]]]]}`, "coordinates[1][0]/eudr_closed"},
	} {
		g, err := registry.ParsePlotGeometry(tc.geojson)
		if tc.want == "" {
			if err != nil || g == nil {
				t.Errorf("%s: %v, want valid", tc.name, err)
			}
			continue
		}
		if err == nil {
			t.Errorf("%s: valid, want %s", tc.name, tc.want)
			continue
		}
		found := false
		for _, fr := range fieldRules(t, err) {
			found = found || fr == tc.want
		}
		if !found {
			t.Errorf("%s: fields %v, want %s", tc.name, fieldRules(t, err), tc.want)
		}
	}
}

func TestParsePlotGeometryArea(t *testing.T) {
	t.Parallel()
	g, err := registry.ParsePlotGeometry(square5ha)
	wantValid(t, err)
	poly, ok := g.(orb.Polygon)
	if !ok || len(poly) != 1 || len(poly[0]) != 5 || poly[0][1] != (orb.Point{108.05206, 12.68}) {
		t.Fatalf("parsed %#v, want one ring of 5 [lon, lat] points", g)
	}

	yes := true
	f := &registry.Facility{EnterpriseID: strings.Repeat("a", 24), Kind: registry.FacilityFarmPlot, Name: "Rẫy 5 ha", District: "Buôn Ma Thuột",
		Geometry: square5ha, AreaHa: 2, DeforestationFree: &yes}
	wantValid(t, f.Validate())
	want := ellipsoidAreaHa(108.05, 12.68, 108.05206, 12.68202)
	if math.Abs(f.AreaHa-want)/want > 0.01 {
		t.Fatalf("AreaHa = %v, want the geodesic area %v within 1%% (the declared 2 ha is replaced)", f.AreaHa, want)
	}
	if f.AreaHa < 4.9 || f.AreaHa > 5.1 {
		t.Fatalf("AreaHa = %v, want about 5", f.AreaHa)
	}
	// Clockwise gives the same area.
	cw := &registry.Facility{EnterpriseID: f.EnterpriseID, Kind: registry.FacilityFarmPlot, Name: "Rẫy", District: "Buôn Ma Thuột",
		Geometry: `{"type":"Polygon","coordinates":[[[108.050000,12.680000],[108.050000,12.682020],[108.052060,12.682020],[108.052060,12.680000],[108.050000,12.680000]]]}`}
	wantValid(t, cw.Validate())
	if cw.AreaHa != f.AreaHa {
		t.Fatalf("clockwise ring: %v ha, counter-clockwise: %v ha", cw.AreaHa, f.AreaHa)
	}
}

func TestFacilityEUDR(t *testing.T) {
	t.Parallel()
	point := `{"type":"Point","coordinates":[108.050000,12.680000]}`
	plot := func(edit func(*registry.Facility)) *registry.Facility {
		f := &registry.Facility{EnterpriseID: strings.Repeat("b", 24), Kind: registry.FacilityFarmPlot, Name: "Rẫy", District: "Krông Pắc",
			Geometry: registry.GeoJSON(point), AreaHa: 1.2}
		edit(f)
		return f
	}
	yes, no := true, false
	for _, tc := range []struct {
		name string
		f    *registry.Facility
		want string
	}{
		{"point plot of 1.2 ha", plot(func(f *registry.Facility) {}), ""},
		{"point plot of exactly 4 ha", plot(func(f *registry.Facility) { f.AreaHa = 4 }), ""},
		{"point plot of 4.5 ha", plot(func(f *registry.Facility) { f.AreaHa = 4.5 }), "geometry/eudr_polygon_required"},
		{"point plot without area", plot(func(f *registry.Facility) { f.AreaHa = 0 }), "area_ha/required"},
		{"farm plot without geometry", plot(func(f *registry.Facility) { f.Geometry = "" }), "geometry/required"},
		{"geometry errors under geometry.", plot(func(f *registry.Facility) { f.Geometry = `{"type":"Point","coordinates":[108.05,12.68]}` }), "geometry.coordinates/eudr_precision"},
		{"unparseable geometry", plot(func(f *registry.Facility) { f.Geometry = `{"type":` }), "geometry/geojson"},
		{"cleared after the cut-off, declared free", plot(func(f *registry.Facility) { f.DeforestationFree, f.LandClearedOn = &yes, "2021-03-01" }), "deforestation_free/eudr_cutoff"},
		{"cleared the day after the cut-off", plot(func(f *registry.Facility) { f.DeforestationFree, f.LandClearedOn = &yes, "2021-01-01" }), "deforestation_free/eudr_cutoff"},
		{"cleared on the cut-off day", plot(func(f *registry.Facility) { f.DeforestationFree, f.LandClearedOn = &yes, "2020-12-31" }), ""},
		{"cleared after the cut-off, not declared free", plot(func(f *registry.Facility) { f.DeforestationFree, f.LandClearedOn = &no, "2021-03-01" }), ""},
		{"bad clearing date", plot(func(f *registry.Facility) { f.LandClearedOn = "01/03/2021" }), "land_cleared_on/date"},
		{"negative area", plot(func(f *registry.Facility) { f.AreaHa = -1 }), "area_ha/range"},
		{"warehouse without geometry", plot(func(f *registry.Facility) { f.Kind, f.Geometry = registry.FacilityWarehouse, "" }), ""},
		{"warehouse with a bad geometry", plot(func(f *registry.Facility) {
			f.Kind, f.Geometry = registry.FacilityWarehouse, `{"type":"Point","coordinates":[12.680000,108.050000]}`
		}), "geometry.coordinates/lon_lat_order"},
	} {
		err := tc.f.Validate()
		if tc.want == "" {
			if err != nil {
				t.Errorf("%s: %v, want valid", tc.name, err)
			}
			continue
		}
		if err == nil {
			t.Errorf("%s: valid, want %s", tc.name, tc.want)
			continue
		}
		found := false
		for _, fr := range fieldRules(t, err) {
			found = found || fr == tc.want
		}
		if !found {
			t.Errorf("%s: fields %v, want %s", tc.name, fieldRules(t, err), tc.want)
		}
	}
	ready := plot(func(f *registry.Facility) { f.DeforestationFree = &yes })
	notDeclared := plot(func(f *registry.Facility) {})
	if !ready.EUDRReady() || notDeclared.EUDRReady() {
		t.Fatal("EUDRReady: want true only with a deforestation-free declaration")
	}
}

func TestCertificateStatusAt(t *testing.T) {
	t.Parallel()
	// 23:59 on 27 November 2026 in Vietnam; one minute later it is the 28th.
	lastMinute := time.Date(2026, 11, 27, 16, 59, 0, 0, time.UTC)
	midnight := time.Date(2026, 11, 27, 17, 0, 0, 0, time.UTC)
	cert := func(expires registry.Date, history ...registry.StatusChange) *registry.Certificate {
		h := append([]registry.StatusChange{{Status: registry.CertActive, On: "2024-01-10"}}, history...)
		return &registry.Certificate{IssuedOn: "2024-01-10", ExpiresOn: expires, History: h}
	}
	suspend := func(on registry.Date) registry.StatusChange {
		return registry.StatusChange{Status: registry.CertSuspended, Reason: "vi phạm quy trình", On: on}
	}
	for _, tc := range []struct {
		name     string
		c        *registry.Certificate
		now      time.Time
		status   string
		daysLeft int
		since    registry.Date
	}{
		{"expires today", cert("2026-11-27"), lastMinute, registry.CertActive, 0, ""},
		{"expired yesterday", cert("2026-11-26"), lastMinute, registry.CertExpired, -1, ""},
		{"expires tomorrow", cert("2026-11-28"), lastMinute, registry.CertActive, 1, ""},
		{"expires today, seen after midnight", cert("2026-11-27"), midnight, registry.CertExpired, -1, ""},
		{"expires tomorrow, seen after midnight", cert("2026-11-28"), midnight, registry.CertActive, 0, ""},
		{"a year left", cert("2027-11-27"), lastMinute, registry.CertActive, 365, ""},
		{"suspended today", cert("2027-01-01", suspend("2026-11-27")), lastMinute, registry.CertSuspended, 35, "2026-11-27"},
		{"suspension from tomorrow", cert("2027-01-01", suspend("2026-11-28")), lastMinute, registry.CertActive, 35, ""},
		{"suspension from tomorrow, after midnight", cert("2027-01-01", suspend("2026-11-28")), midnight, registry.CertSuspended, 34, "2026-11-28"},
		{"suspended then reinstated", cert("2027-01-01", suspend("2026-10-01"),
			registry.StatusChange{Status: registry.CertActive, Reason: "đã khắc phục", On: "2026-11-01"}), lastMinute, registry.CertActive, 35, ""},
		{"reinstatement dated in the future", cert("2027-01-01", suspend("2026-10-01"),
			registry.StatusChange{Status: registry.CertActive, Reason: "sẽ khắc phục", On: "2026-12-01"}), lastMinute, registry.CertSuspended, 35, "2026-10-01"},
		{"withdrawn wins over expiry", cert("2026-11-01",
			registry.StatusChange{Status: registry.CertWithdrawn, Reason: "thu hồi", On: "2026-10-15"}), lastMinute, registry.CertWithdrawn, -26, "2026-10-15"},
	} {
		got := tc.c.StatusAt(tc.now)
		if got.Status != tc.status || got.DaysLeft != tc.daysLeft || got.Since != tc.since {
			t.Errorf("%s: %+v, want status %s, %d days left, since %q", tc.name, got, tc.status, tc.daysLeft, tc.since)
		}
		if got.Status == registry.CertSuspended && got.Reason != "vi phạm quy trình" {
			t.Errorf("%s: reason %q", tc.name, got.Reason)
		}
	}
}

func TestPasswords(t *testing.T) {
	t.Parallel()
	const pw = "Cà phê Buôn Ma Thuột 2026"
	hash, err := registry.HashPassword(pw)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(hash, "$argon2id$v=19$m=65536,t=3,p=2$") || strings.Contains(hash, pw) {
		t.Fatalf("hash %q: want the argon2id PHC string", hash)
	}
	if !registry.VerifyPassword(hash, pw) {
		t.Fatal("the right password does not verify")
	}
	if registry.VerifyPassword(hash, pw+" ") || registry.VerifyPassword(hash, "ca phe buon ma thuot 2026") || registry.VerifyPassword(hash, "") {
		t.Fatal("a wrong password verifies")
	}
	again, _ := registry.HashPassword(pw)
	if again == hash {
		t.Fatal("two hashes of one password are equal: the salt is not random")
	}

	parts := strings.Split(hash, "$")
	flip := func(s string) string {
		b := []byte(s)
		if b[3] == 'A' {
			b[3] = 'B'
		} else {
			b[3] = 'A'
		}
		return string(b)
	}
	for name, bad := range map[string]string{
		"tampered key":   strings.Join(append(parts[:5:5], flip(parts[5])), "$"),
		"tampered salt":  strings.Join(append(parts[:4:4], flip(parts[4]), parts[5]), "$"),
		"fewer rounds":   strings.Replace(hash, "t=3", "t=2", 1),
		"zero rounds":    strings.Replace(hash, "t=3", "t=0", 1),
		"no threads":     strings.Replace(hash, "p=2", "p=0", 1),
		"empty key":      strings.Join(append(parts[:5:5], ""), "$"),
		"short key":      strings.Join(append(parts[:5:5], parts[5][:4]), "$"),
		"argon2i":        strings.Replace(hash, "argon2id", "argon2i", 1),
		"bcrypt":         "$2a$10$N9qo8uLOickgx2ZMRZoMyeIjZAgcfl7p92ldGxad68LJZdL17lhWy",
		"empty":          "",
		"huge memory":    strings.Replace(hash, "m=65536", "m=4194304", 1),
		"not base64 key": strings.Join(append(parts[:5:5], "!!!!"), "$"),
	} {
		func() {
			defer func() {
				if r := recover(); r != nil {
					t.Errorf("%s: VerifyPassword panicked: %v", name, r)
				}
			}()
			if registry.VerifyPassword(bad, pw) {
				t.Errorf("%s: %q verifies", name, bad)
			}
		}()
	}

	wantRule(t, registry.CheckPassword("short"), "password/length")
	wantValid(t, registry.CheckPassword("mười ký tự!"))
	wantRule(t, registry.CheckPassword(strings.Repeat("x", 129)), "password/length")
}

func TestSpool(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	left := func() int {
		entries, err := os.ReadDir(dir)
		if err != nil {
			t.Fatal(err)
		}
		return len(entries)
	}
	pdf := []byte("%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\n%%EOF\n")

	s, err := registry.Spool(bytes.NewReader(pdf), int64(len(pdf)), registry.DocumentMediaTypes, dir)
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(pdf)
	if s.Blob != (registry.Blob{SHA256: hex.EncodeToString(sum[:]), Size: int64(len(pdf)), MediaType: "application/pdf"}) {
		t.Fatalf("blob %+v", s.Blob)
	}
	got := make([]byte, len(pdf)+1)
	n, _ := s.File.Read(got)
	if !bytes.Equal(got[:n], pdf) {
		t.Fatal("the spooled file does not start with the upload")
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if left() != 0 {
		t.Fatal("Close left the temporary file")
	}

	_, err = registry.Spool(bytes.NewReader(pdf), int64(len(pdf))-1, nil, dir)
	if registry.ErrorCode(err) != registry.ETOOLARGE {
		t.Fatalf("one byte over the limit: %v, want ETOOLARGE", err)
	}
	_, err = registry.Spool(strings.NewReader("<html><script>alert(1)</script></html>"), 1<<20, registry.DocumentMediaTypes, dir)
	if registry.ErrorCode(err) != registry.EMEDIATYPE {
		t.Fatalf("HTML: %v, want EMEDIATYPE", err)
	}
	_, err = registry.Spool(strings.NewReader(""), 1<<20, nil, dir)
	wantRule(t, err, "file/required")
	if left() != 0 {
		t.Fatalf("%d files left behind after failed spools", left())
	}
	if s, err := registry.Spool(strings.NewReader("plain text"), 100, nil, dir); err != nil || s.Blob.MediaType != "text/plain" {
		t.Fatalf("nil allows any type: %v", err)
	} else {
		s.Close()
	}
}

func TestProblemsListEveryField(t *testing.T) {
	t.Parallel()
	err := (&registry.Enterprise{TaxCode: "123", Email: "a\x00b"}).Validate()
	e := registry.PublicError(err)
	if e.Code != registry.EINVALID || e.Message == "" || e.MessageVI == "" {
		t.Fatalf("error %+v", e)
	}
	want := []string{"tax_code/tax_code", "name_vi/required", "kind/one_of", "district/one_of", "sector/one_of", "size/one_of", "email/control_characters"}
	got := fieldRules(t, err)
	if strings.Join(got, " ") != strings.Join(want, " ") {
		t.Fatalf("fields %v, want %v", got, want)
	}
	for _, f := range e.Fields {
		if f.Message == "" || f.MessageVI == "" || f.Message == f.MessageVI {
			t.Errorf("field %s: message %q / %q, want both languages", f.Field, f.Message, f.MessageVI)
		}
		if !strings.Contains(err.Error(), f.Field+": ") {
			t.Errorf("Error() %q does not name %s", err.Error(), f.Field)
		}
	}

	// Other records list theirs at once too.
	for name, tc := range map[string]struct {
		err  error
		want []string
	}{
		"batch": {(&registry.Batch{EnterpriseID: "x", LotCode: "LÔ 1", Quantity: -1, Unit: "bao", ProducedOn: "2026-05-01", ExpiresOn: "2026-04-01",
			SourcePlotIDs: []string{strings.Repeat("a", 24), strings.Repeat("a", 24)}, Status: "gone"}).Validate(),
			[]string{"enterprise_id/id", "product_id/required", "lot_code/lot", "quantity/range", "unit/one_of", "expires_on/date_order", "source_plot_ids/duplicate", "status/one_of"}},
		"transformation": {(&registry.TraceEvent{EnterpriseID: strings.Repeat("a", 24), Kind: registry.EventTransformation, EventTime: time.Now().Add(72 * time.Hour),
			EventTimeZone: "ICT", BusinessStep: "roasting", Batches: []registry.Quantity{{BatchID: strings.Repeat("c", 24), Quantity: 1}},
			Inputs: []registry.Quantity{{BatchID: strings.Repeat("d", 24), Quantity: 1}}}).Validate(time.Now()),
			[]string{"event_time/future", "event_time_zone/time_zone", "outputs/required", "batches/transformation"}},
		"user": {(&registry.User{Username: "Ab", Role: registry.RoleInspector, EnterpriseID: strings.Repeat("a", 24)}).Validate(),
			[]string{"username/username", "display_name/required", "enterprise_id/role_binding", "password/required"}},
		"certificate": {(&registry.Certificate{Number: "1", Scheme: "VietGAP", BodyID: strings.Repeat("a", 24), HolderID: strings.Repeat("b", 24),
			OCOPStars: 4, IssuedOn: "2026-01-01", ExpiresOn: "2026-01-01", Status: registry.CertActive}).Validate(),
			[]string{"ocop_stars/not_ocop", "expires_on/date_order"}},
		"announcement": {(&registry.ConformityAnnouncement{EnterpriseID: strings.Repeat("a", 24), Type: registry.AnnounceStandard, ProductIDs: []string{strings.Repeat("b", 24)},
			StandardCode: "QCVN 01-189:2019/BNNPTNT", Basis: registry.BasisCertification, Agency: "Sở KH&CN", Status: registry.AnnReceived}).Validate(),
			[]string{"standard_code/standard_required", "certificate_id/required", "submitted_on/required", "receipt_number/required", "receipt_date/required"}},
	} {
		if got := fieldRules(t, tc.err); strings.Join(got, " ") != strings.Join(tc.want, " ") {
			t.Errorf("%s: fields %v, want %v", name, got, tc.want)
		}
	}
}
