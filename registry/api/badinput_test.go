package api

import (
	"bytes"
	"encoding/json"
	"mime/multipart"
	"strings"
	"testing"
)

// merge returns base with changes applied (a nil value deletes the key).
func merge(base map[string]any, changes map[string]any) map[string]any {
	out := map[string]any{}
	for k, v := range base {
		out[k] = v
	}
	for k, v := range changes {
		if v == nil {
			delete(out, k)
		} else {
			out[k] = v
		}
	}
	return out
}

func rawJSON(v any) []byte {
	b, _ := json.Marshal(v)
	return b
}

// TestBadInput sends wrong requests to every resource: each gets its 4xx,
// names the failing field where there is one, and leaves the database as it was.
func TestBadInput(t *testing.T) {
	e := newEnv(t)
	long := strings.Repeat("ạ", 301)
	injection := map[string]any{"$gt": ""}
	ent := map[string]any{"tax_code": "6001234567", "name_vi": "Công ty A", "kind": "company", "district": "Lắk", "sector": "agriculture", "size": "small"}
	fac := map[string]any{"enterprise_id": e.e1.ID, "kind": "farm_plot", "name": "Vườn", "district": "Lắk", "area_ha": 1.5,
		"geometry": map[string]any{"type": "Point", "coordinates": []any{json.Number("108.142350"), json.Number("12.701230")}}}
	prod := map[string]any{"enterprise_id": e.e1.ID, "name_vi": "Cà phê", "category": "coffee"}
	batch := map[string]any{"enterprise_id": e.e1.ID, "product_id": e.prod1.ID, "lot_code": "OK1", "quantity": 10, "unit": "kg"}
	cert := map[string]any{"number": "X-1", "scheme": "VietGAP", "body_id": e.body.ID, "holder_id": e.e1.ID, "issued_on": "2025-01-01", "expires_on": "2027-01-01"}
	ann := map[string]any{"enterprise_id": e.e1.ID, "type": "hop_chuan", "product_ids": []string{e.prod1.ID}, "standard_code": "TCVN 4193:2014",
		"basis": "self_assessment", "agency": "Sở KH&CN", "status": "draft"}
	event := map[string]any{"kind": "object", "event_time": "2026-02-01T08:00:00+07:00", "event_time_zone": "+07:00", "business_step": "storing"}
	user := map[string]any{"username": "new-user", "display_name": "A", "role": "inspector", "password": "long enough password"}

	type tc struct {
		name, path string
		body       any
		ct         string
		status     int
		field      string
		as         string
	}
	eventsPath := "/api/v1/batches/" + e.batch1.ID + "/events"
	cases := []tc{
		// Decoding, the same for every JSON route (shown on enterprises).
		{"malformed JSON", "/api/v1/enterprises", `{"tax_code":`, "", 400, "", ""},
		{"array, not object", "/api/v1/enterprises", `[1,2]`, "", 400, "", ""},
		{"two objects", "/api/v1/enterprises", string(rawJSON(ent)) + `{}`, "", 400, "", ""},
		{"empty body", "/api/v1/enterprises", ``, "application/json", 400, "", ""},
		{"not JSON media type", "/api/v1/enterprises", string(rawJSON(ent)), "text/plain", 415, "", ""},
		{"oversize JSON", "/api/v1/enterprises", rawJSON(merge(ent, map[string]any{"address": strings.Repeat("x", MaxJSONBody)})), "", 413, "", ""},
		{"wrong type", "/api/v1/enterprises", merge(ent, map[string]any{"tax_code": 6001234567}), "", 422, "tax_code", ""},
		{"unknown field", "/api/v1/enterprises", merge(ent, map[string]any{"owner": "me"}), "", 422, "owner", ""},
		{"operator injection", "/api/v1/enterprises", merge(ent, map[string]any{"tax_code": injection}), "", 422, "tax_code", ""},
		{"too long", "/api/v1/enterprises", merge(ent, map[string]any{"name_vi": long}), "", 422, "name_vi", ""},
		{"invalid tax code", "/api/v1/enterprises", merge(ent, map[string]any{"tax_code": "60012345"}), "", 422, "tax_code", ""},
		{"control characters", "/api/v1/enterprises", merge(ent, map[string]any{"name_vi": "A\x00B"}), "", 422, "name_vi", ""},
		{"missing field", "/api/v1/enterprises", merge(ent, map[string]any{"kind": nil}), "", 422, "kind", ""},
		// Facilities: GeoJSON and EUDR rules.
		{"geometry not an object", "/api/v1/facilities", merge(fac, map[string]any{"geometry": "POINT(1 2)"}), "", 422, "geometry", ""},
		{"polygon not closed", "/api/v1/facilities", merge(fac, map[string]any{"geometry": json.RawMessage(
			`{"type":"Polygon","coordinates":[[[108.081000,12.851000],[108.083160,12.851000],[108.083160,12.853110],[108.081000,12.853110]]]}`)}), "", 422, "geometry.coordinates[0]", ""},
		{"lat/lon swapped", "/api/v1/facilities", merge(fac, map[string]any{"geometry": json.RawMessage(`{"type":"Point","coordinates":[12.701230,108.142350]}`)}), "", 422, "geometry.coordinates", ""},
		{"too few decimals", "/api/v1/facilities", merge(fac, map[string]any{"geometry": json.RawMessage(`{"type":"Point","coordinates":[108.14,12.70]}`)}), "", 422, "geometry.coordinates", ""},
		{"GLN check digit", "/api/v1/facilities", merge(fac, map[string]any{"gln": "8938500001018"}), "", 422, "gln", ""},
		{"GLN with a letter", "/api/v1/facilities", merge(fac, map[string]any{"gln": "89385000010A7"}), "", 422, "gln", ""},
		{"GLN not a string", "/api/v1/facilities", merge(fac, map[string]any{"gln": 8938500001017}), "", 422, "gln", ""},
		{"injection in a reference", "/api/v1/facilities", merge(fac, map[string]any{"enterprise_id": injection}), "", 422, "enterprise_id", ""},
		{"other tenant in the body", "/api/v1/facilities", merge(fac, map[string]any{"enterprise_id": e.e2.ID}), "", 403, "", asEnt1},
		// Products.
		{"bad GTIN check digit", "/api/v1/products", merge(prod, map[string]any{"gtin": "8938500000013"}), "", 422, "gtin", ""},
		{"standards wrong type", "/api/v1/products", merge(prod, map[string]any{"standards": "TCVN 4193:2014"}), "", 422, "standards", ""},
		// Batches.
		{"dates out of order", "/api/v1/batches", merge(batch, map[string]any{"produced_on": "2026-02-01", "expires_on": "2026-01-01"}), "", 422, "expires_on", ""},
		{"quantity as text", "/api/v1/batches", merge(batch, map[string]any{"quantity": "ten"}), "", 422, "quantity", ""},
		{"lot code too long", "/api/v1/batches", merge(batch, map[string]any{"lot_code": strings.Repeat("A", 21)}), "", 422, "lot_code", ""},
		{"not a date", "/api/v1/batches", merge(batch, map[string]any{"produced_on": "01/02/2026"}), "", 422, "produced_on", ""},
		// Certificates.
		{"expiry before issue", "/api/v1/certificates", merge(cert, map[string]any{"expires_on": "2024-01-01"}), "", 422, "expires_on", ""},
		{"unknown scheme", "/api/v1/certificates", merge(cert, map[string]any{"scheme": "Best"}), "", 422, "scheme", ""},
		// Announcements.
		{"hop quy against a standard", "/api/v1/announcements", merge(ann, map[string]any{"type": "hop_quy"}), "", 422, "standard_code", ""},
		{"enterprise writes its own notice of receipt", "/api/v1/announcements", merge(ann, map[string]any{"status": "received",
			"receipt_number": "01/2026/TBTN", "receipt_date": "2026-02-01", "submitted_on": "2026-01-20"}), "", 403, "", asEnt1},
		{"created recalled", "/api/v1/batches", merge(batch, map[string]any{"status": "recalled"}), "", 422, "status", ""},
		// Events.
		{"event time not RFC 3339", eventsPath, merge(event, map[string]any{"event_time": "yesterday"}), "", 422, "body", ""},
		{"injection in a batch id", eventsPath, merge(event, map[string]any{"batches": []any{map[string]any{"batch_id": map[string]any{"$ne": nil}}}}), "", 422, "batches.batch_id", ""},
		{"future event", eventsPath, merge(event, map[string]any{"event_time": "2030-01-01T00:00:00Z"}), "", 422, "event_time", ""},
		// Users.
		{"short password", "/api/v1/users", merge(user, map[string]any{"password": "short"}), "", 422, "password", ""},
		{"unknown role", "/api/v1/users", merge(user, map[string]any{"role": "root"}), "", 422, "role", ""},
		// Standards and certification bodies.
		{"not a standard code", "/api/v1/standards", map[string]any{"code": "Tiêu chuẩn 1", "title_vi": "A"}, "", 422, "code", ""},
		{"title wrong type", "/api/v1/standards", map[string]any{"code": "TCVN 1:2020", "title_vi": []string{"A"}}, "", 422, "title_vi", ""},
		{"body code too long", "/api/v1/certification-bodies", map[string]any{"name": "A", "code": strings.Repeat("C", 31)}, "", 422, "code", ""},
		{"body injection", "/api/v1/certification-bodies", map[string]any{"name": "A", "code": injection}, "", 422, "code", ""},
		// Status decisions.
		{"status without If-Match", "/api/v1/certificates/" + e.cert1.ID + "/status", map[string]any{"status": "suspended", "reason": "x"}, "", 428, "", ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			before := e.snapshot()
			var body any = c.body
			if s, ok := c.body.(string); ok {
				body = []byte(s)
			}
			as := c.as
			if as == "" {
				as = asAdmin
			}
			r := e.do(request{method: "POST", path: c.path, as: as, body: body, contentType: c.ct})
			if r.status != c.status {
				t.Fatalf("status %d, want %d: %s", r.status, c.status, short(r.body))
			}
			p := r.problem(t)
			if ct := r.header.Get("Content-Type"); !strings.HasPrefix(ct, "application/problem+json") {
				t.Errorf("content type %q", ct)
			}
			if p.Detail == "" || p.DetailVI == "" || p.Code == "" {
				t.Errorf("problem lacks its messages: %+v", p)
			}
			if c.field != "" {
				found := false
				for _, f := range p.Fields {
					found = found || f.Field == c.field
				}
				if !found {
					t.Errorf("no error for field %q: %+v", c.field, p.Fields)
				}
			}
			sameSnapshot(t, before, e.snapshot())
		})
	}

	// Query strings are values, never operators.
	for _, q := range []struct{ path, field string }{
		{"/api/v1/batches?limit=abc", "limit"},
		{"/api/v1/batches?limit=0", "limit"},
		{`/api/v1/batches?cursor={"$gt":""}`, "cursor"},
		{"/api/v1/batches?product[$ne]=x", ""},
		{"/api/v1/products?enterprise=xyz", "enterprise"},
		{"/api/v1/products?gtin=123", "gtin"},
		{"/api/v1/certificates?expires_before=tomorrow", "expires_before"},
		{"/api/v1/batches/" + e.batch1.ID + "/trace?direction=sideways", "direction"},
		{"/api/v1/batches/" + e.batch1.ID + "/trace?depth=1000", "depth"},
	} {
		r := e.do(request{method: "GET", path: strings.ReplaceAll(strings.ReplaceAll(q.path, `"`, "%22"), "$", "%24"), as: asAdmin})
		if q.field == "" {
			// An unknown parameter is ignored, not used as a filter.
			if r.status != 200 {
				t.Errorf("%s: %d %s", q.path, r.status, short(r.body))
			}
			continue
		}
		if r.status != 422 {
			t.Errorf("%s: %d, want 422: %s", q.path, r.status, short(r.body))
			continue
		}
		if p := r.problem(t); len(p.Fields) == 0 || p.Fields[0].Field != q.field {
			t.Errorf("%s: fields %+v, want %s", q.path, p.Fields, q.field)
		}
	}
}

// TestBadUploads: type sniffed from the bytes, size capped, form checked.
func TestBadUploads(t *testing.T) {
	e := newEnv(t)
	upload := func(name string, content []byte, fields map[string]string) response {
		var buf bytes.Buffer
		w := multipart.NewWriter(&buf)
		for k, v := range fields {
			w.WriteField(k, v)
		}
		if content != nil {
			f, _ := w.CreateFormFile("file", name)
			f.Write(content)
		}
		w.Close()
		return e.do(request{method: "POST", path: "/api/v1/documents", as: asEnt1, body: buf.Bytes(), contentType: w.FormDataContentType()})
	}
	png := []byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89")
	for _, c := range []struct {
		name    string
		file    string
		content []byte
		fields  map[string]string
		status  int
	}{
		{"text file named .pdf", "x.pdf", []byte("just some text, not a PDF"), map[string]string{"title": "A"}, 415},
		{"HTML", "x.png", []byte("<html><script>alert(1)</script></html>"), map[string]string{"title": "A"}, 415},
		{"oversize", "big.pdf", append(append([]byte{}, pdfBytes...), make([]byte, 20<<20)...), map[string]string{"title": "A"}, 413},
		{"no file", "", nil, map[string]string{"title": "A"}, 422},
		{"empty file", "e.pdf", []byte{}, map[string]string{"title": "A"}, 422},
		{"no title", "x.pdf", pdfBytes, map[string]string{}, 422},
		{"unknown field", "x.pdf", pdfBytes, map[string]string{"title": "A", "owner": "x"}, 422},
		{"public not a boolean", "x.pdf", pdfBytes, map[string]string{"title": "A", "public": "yes please"}, 422},
		{"another tenant", "x.pdf", pdfBytes, map[string]string{"title": "A", "enterprise_id": e.e2.ID}, 403},
	} {
		t.Run(c.name, func(t *testing.T) {
			before := e.snapshot()
			var content []byte
			if c.file != "" {
				content = c.content
			}
			r := upload(c.file, content, c.fields)
			if r.status != c.status {
				t.Fatalf("status %d, want %d: %s", r.status, c.status, short(r.body))
			}
			sameSnapshot(t, before, e.snapshot())
		})
	}
	if r := e.do(request{method: "POST", path: "/api/v1/documents", as: asEnt1, body: `{"title":"A"}`}); r.status != 415 {
		t.Errorf("JSON instead of multipart: %d", r.status)
	}
	// A good PNG is stored; its SHA-256 comes back and the download streams it, to its owner only.
	r := upload("p.png", png, map[string]string{"title": "Ảnh", "kind": "photo"})
	if r.status != 201 {
		t.Fatalf("upload: %d %s", r.status, r.body)
	}
	var doc struct {
		ID   string `json:"id"`
		Blob struct {
			SHA256 string `json:"sha256"`
		} `json:"blob"`
	}
	r.decode(t, &doc)
	if len(doc.Blob.SHA256) != 64 {
		t.Fatalf("sha256 %q", doc.Blob.SHA256)
	}
	got := e.do(request{method: "GET", path: "/api/v1/documents/" + doc.ID + "/content", as: asEnt1})
	if got.status != 200 || !bytes.Equal(got.body, png) || got.header.Get("Content-Type") != "image/png" {
		t.Fatalf("download: %d %q %q", got.status, got.header.Get("Content-Type"), got.body)
	}
	if r := e.do(request{method: "GET", path: "/api/v1/documents/" + doc.ID + "/content"}); r.status != 401 {
		t.Fatalf("anonymous download of a private document: %d", r.status)
	}
	// Marked public, anyone may download it.
	tag, _ := e.etagOf("/api/v1/documents/" + doc.ID)
	if r := e.do(request{method: "PATCH", path: "/api/v1/documents/" + doc.ID, as: asEnt1, body: map[string]any{"public": true},
		header: map[string]string{"If-Match": tag}}); r.status != 200 {
		t.Fatalf("mark public: %d %s", r.status, r.body)
	}
	if r := e.do(request{method: "GET", path: "/api/v1/documents/" + doc.ID + "/content"}); r.status != 200 || !bytes.Equal(r.body, png) {
		t.Fatalf("anonymous download of a public document: %d", r.status)
	}
}

// A GLN belongs to one facility: another enterprise's claim is a 409 that
// names the field, and nothing is written.
func TestFacilityGLNConflict(t *testing.T) {
	e := newEnv(t)
	point := map[string]any{"type": "Point", "coordinates": []any{json.Number("108.142350"), json.Number("12.701230")}}
	mine := map[string]any{"enterprise_id": e.e1.ID, "kind": "farm_plot", "name": "Vườn", "district": "Lắk", "area_ha": 1.5,
		"geometry": point, "deforestation_free": true, "gln": "8938500001017"}
	r := e.do(request{method: "POST", path: "/api/v1/facilities", as: asEnt1, body: mine})
	if r.status != 201 || !strings.Contains(string(r.body), `"gln":"8938500001017"`) {
		t.Fatalf("create with a GLN: %d %s", r.status, short(r.body))
	}
	theirs := merge(mine, map[string]any{"enterprise_id": e.e2.ID})
	before := e.snapshot()
	r = e.do(request{method: "POST", path: "/api/v1/facilities", as: asEnt2, body: theirs})
	if r.status != 409 {
		t.Fatalf("another enterprise's claim: %d %s", r.status, short(r.body))
	}
	if p := r.problem(t); len(p.Fields) != 1 || p.Fields[0].Field != "gln" || p.DetailVI == "" {
		t.Errorf("problem %+v, want the gln field named", p)
	}
	sameSnapshot(t, before, e.snapshot())
}
