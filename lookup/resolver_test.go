package lookup_test

import (
	"context"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/tracereg/tracereg/registry"
	"github.com/tracereg/tracereg/registry/demodata"
)

// TestResolverConformance checks each SHALL of the GS1-Conformant Resolver
// standard 1.2 that the registry implements.
func TestResolverConformance(t *testing.T) {
	e := newEnv(t, demoNow)
	g := e.roastedGTIN()
	lot := e.lotPath()
	page := testBase + "/v/" + g + "/" + demodata.RoastedLot
	linkset := `<` + testBase + lot + `?linkType=linkset>; rel="linkset"; type="application/linkset+json"`
	plot, factory := "/414/"+e.demo.PlotGLN, "/414/"+e.demo.FactoryGLN
	plotPage := testBase + "/d/" + e.demo.PlotGLN

	cases := []struct {
		name     string
		method   string
		target   string
		header   []string
		status   int
		location string // exact Location, when set
		body     string // a substring of the body
	}{
		{"GET lot redirects to the default link", "GET", lot, nil, 307, page, ""},
		{"HEAD answers like GET without a body", "HEAD", lot, nil, 307, page, ""},
		{"trailing slash tolerated", "GET", lot + "/", nil, 307, page, ""},
		{"GTIN only redirects to the product page", "GET", "/01/" + g, nil, 307, testBase + "/v/" + g, ""},
		{"GTIN-13 accepted and normalised", "GET", "/01/" + strings.TrimPrefix(g, "0"), nil, 307, testBase + "/v/" + g, ""},
		{"query string passed on", "GET", lot + "?17=270110&utm=x", nil, 307, page + "?17=270110&utm=x", ""},
		{"linkType pip", "GET", lot + "?linkType=gs1:pip", nil, 307, testBase + "/v/" + g, ""},
		{"linkType traceability, query passed on without linkType", "GET", lot + "?linkType=gs1%3Atraceability&a=1", nil, 307, page + "?a=1#journey", ""},
		{"linkType recallStatus", "GET", lot + "?linkType=gs1:recallStatus", nil, 307, page + "#recall", ""},
		{"linkType verificationService", "GET", lot + "?linkType=gs1:verificationService", nil, 307, page, ""},
		{"a link type the key has none of is 404", "GET", "/01/" + g + "?linkType=gs1:traceability", nil, 404, "", ""},
		{"an unknown link type is 404", "GET", lot + "?linkType=gs1:nutritionalInfo", nil, 404, "", ""},
		{"link type as a full URI", "GET", lot + "?linkType=https://gs1.org/voc/pip", nil, 307, testBase + "/v/" + g, ""},
		{"defaultLinkMulti is the default, negotiated", "GET", lot + "?linkType=gs1:defaultLinkMulti", []string{"Accept-Language", "en"}, 307, page + "?lang=en", ""},
		{"Accept-Language picks the English default", "GET", lot, []string{"Accept-Language", "en-GB,en;q=0.9,vi;q=0.5"}, 307, page + "?lang=en", ""},
		{"Accept-Language weights: Vietnamese wins", "GET", lot, []string{"Accept-Language", "en;q=0.4,vi"}, 307, page, ""},
		{"Accept-Language picks the English pip", "GET", lot + "?linkType=gs1:pip", []string{"Accept-Language", "en"}, 307, testBase + "/v/" + g + "?lang=en", ""},
		{"Accept-Language picks the English traceability", "GET", lot + "?linkType=gs1:traceability", []string{"Accept-Language", "en"}, 307, page + "?lang=en#journey", ""},
		{"a language neither offered gets Vietnamese", "GET", lot, []string{"Accept-Language", "fr"}, 307, page, ""},
		{"two equally good certificates: 300", "GET", lot + "?linkType=gs1:certificationInfo", nil, 300, "", "/c/VG-DEMO-2025-0117"},
		{"300 as a linkset when asked", "GET", lot + "?linkType=gs1:certificationInfo", []string{"Accept", "application/linkset+json"}, 300, "", `voc/certificationInfo"`},
		{"linkset by query", "GET", lot + "?linkType=linkset", nil, 200, "", `"linkset"`},
		{"linkset by all", "GET", lot + "?linkType=all", nil, 200, "", `"linkset"`},
		{"linkset by Accept", "GET", lot, []string{"Accept", "application/linkset+json"}, 200, "", `"anchor"`},
		{"OPTIONS", "OPTIONS", lot, nil, 204, "", ""},
		{"bad check digit", "GET", "/01/" + g[:13] + string('0'+(g[13]-'0'+1)%10), nil, 400, "", "check digit"},
		{"qualifiers out of order", "GET", "/01/" + g + "/21/1/10/" + demodata.RoastedLot, nil, 400, "", "22, 10, 21"},
		{"lot with a character outside set 82", "GET", "/01/" + g + "/10/AB%20C", nil, 400, "", "AI 10"},
		{"lot too long", "GET", "/01/" + g + "/10/" + strings.Repeat("A", 21), nil, 400, "", "AI 10"},
		{"GTIN with letters", "GET", "/01/0893850000002X", nil, 400, "", "AI 01"},
		{"AI without value", "GET", "/01/" + g + "/10", nil, 400, "", "no value"},
		{"unknown AI in the path", "GET", "/01/" + g + "/99/x", nil, 400, "", "key qualifier"},
		{"bad data attribute", "GET", lot + "?17=261340", nil, 400, "", "AI 17"},
		{"unknown GTIN", "GET", "/01/" + unknownGTIN(), nil, 404, "", "chưa được đăng ký"},
		{"unknown lot walks up to the GTIN", "GET", "/01/" + g + "/10/NOPE1", nil, 307, testBase + "/v/" + g + "/NOPE1", ""},
		{"unknown lot's pip is the product's", "GET", "/01/" + g + "/10/NOPE1?linkType=gs1:pip", nil, 307, testBase + "/v/" + g, ""},
		{"unknown lot with markup walks up", "GET", "/01/" + g + "/10/%3Cb%3Ex", nil, 307, testBase + "/v/" + g + "/%3Cb%3Ex", ""},
		{"serial never issued walks up to the lot", "GET", lot + "/21/1", nil, 307, page + "/1", ""},
		{"unknown lot and serial walk up", "GET", "/01/" + g + "/10/NOPE1/21/7", nil, 307, testBase + "/v/" + g + "/NOPE1/7", ""},
		{"serial without lot", "GET", "/01/" + g + "/21/1", nil, 404, "", "lot"},
		{"no GTIN", "GET", "/01", nil, 400, "", "AI 01"},
		// Places: GLN Digital Links, with the same rules.
		{"GLN redirects to the place page", "GET", plot, nil, 307, plotPage, ""},
		{"HEAD on a GLN", "HEAD", plot, nil, 307, plotPage, ""},
		{"GLN trailing slash, query passed on", "GET", plot + "/?utm=x", nil, 307, plotPage + "?utm=x", ""},
		{"GLN extension walks up to the place", "GET", plot + "/254/KHO-2", nil, 307, plotPage + "/KHO-2", ""},
		{"GLN locationInfo", "GET", plot + "?linkType=gs1:locationInfo", nil, 307, plotPage, ""},
		{"GLN in English", "GET", plot, []string{"Accept-Language", "en"}, 307, plotPage + "?lang=en", ""},
		{"GLN traceability lists its lots", "GET", plot + "?linkType=gs1:traceability", nil, 307, plotPage + "#lots", ""},
		{"GLN with two certificates: 300", "GET", plot + "?linkType=gs1:certificationInfo", nil, 300, "", "/c/4C-DEMO-2024-0042"},
		{"GLN without certificates: 404 for the type", "GET", factory + "?linkType=gs1:certificationInfo", nil, 404, "", ""},
		{"GLN pip is not a place's link: 404", "GET", plot + "?linkType=gs1:pip", nil, 404, "", ""},
		{"GLN linkset", "GET", plot + "?linkType=linkset", nil, 200, "", `"anchor":"` + testBase + plot + `"`},
		{"GLN linkset by Accept", "GET", plot, []string{"Accept", "application/linkset+json"}, 200, "", `voc/locationInfo"`},
		{"GLN OPTIONS", "OPTIONS", plot, nil, 204, "", ""},
		{"unknown GLN", "GET", "/414/" + demodata.GTIN("893850000199"), nil, 404, "", "GLN"},
		{"GLN bad check digit", "GET", plot[:len(plot)-1] + string('0'+(plot[len(plot)-1]-'0'+1)%10), nil, 400, "", "check digit"},
		{"GLN too short", "GET", "/414/893850000", nil, 400, "", "AI 414"},
		{"GLN followed by a lot", "GET", plot + "/10/LOT1", nil, 400, "", "key qualifier"},
		{"GLN extension outside set 82", "GET", plot + "/254/A%20B", nil, 400, "", "AI 254"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := do(t, e.app, tc.method, tc.target, tc.header...)
			wantStatus(t, r, tc.status)
			if got := r.Header.Get("Access-Control-Allow-Origin"); got != "*" {
				t.Errorf("Access-Control-Allow-Origin %q, want *", got)
			}
			if !strings.Contains(r.Header.Get("Access-Control-Expose-Headers"), "Link") {
				t.Errorf("Access-Control-Expose-Headers %q does not expose Link", r.Header.Get("Access-Control-Expose-Headers"))
			}
			if tc.location != "" && r.Header.Get("Location") != tc.location {
				t.Errorf("Location %q, want %q", r.Header.Get("Location"), tc.location)
			}
			if tc.status == 200 && strings.Contains(tc.target, "linkType=linkset") || tc.status == 300 && len(tc.header) > 0 {
				if !strings.Contains(r.Header.Get("Link"), `rel="http://www.w3.org/ns/json-ld#context"`) {
					t.Errorf("a linkset without the JSON-LD context Link: %q", r.Header.Get("Link"))
				}
			}
			if tc.status == 307 || tc.status == 200 {
				if link := r.Header.Get("Link"); !strings.Contains(link, `rel="linkset"`) || !strings.Contains(link, "linkType=linkset") {
					t.Errorf("Link header %q does not point at the linkset", link)
				}
			}
			if tc.target == lot && tc.status == 307 && r.Header.Get("Link") != linkset {
				t.Errorf("Link %q, want %q", r.Header.Get("Link"), linkset)
			}
			if tc.method == "HEAD" && r.Body != "" {
				t.Errorf("HEAD has a body: %.100s", r.Body)
			}
			if tc.method == "OPTIONS" {
				for _, m := range []string{"GET", "HEAD", "OPTIONS"} {
					if !strings.Contains(r.Header.Get("Access-Control-Allow-Methods"), m) || !strings.Contains(r.Header.Get("Allow"), m) {
						t.Errorf("OPTIONS does not allow %s: %v", m, r.Header)
					}
				}
			}
			if tc.status >= 400 {
				if !strings.HasPrefix(r.Header.Get("Content-Type"), "text/html") {
					t.Errorf("error answer is %q, want an HTML page", r.Header.Get("Content-Type"))
				}
				if tc.status == 404 && tc.method == "GET" && (!strings.Contains(r.Body, `id="unknown-code"`) || !strings.Contains(r.Body, "Report this code")) {
					t.Errorf("404 is not the friendly page: %.300s", r.Body)
				}
				if tc.status == 400 && !strings.Contains(r.Body, "GS1 Digital Link") {
					t.Errorf("400 page does not say what is wrong: %.300s", r.Body)
				}
			}
			if tc.body != "" && !strings.Contains(r.Body, tc.body) {
				t.Errorf("body lacks %q: %.500s", tc.body, r.Body)
			}
		})
	}
}

func unknownGTIN() string { return demodata.GTIN("893850000099") }

func TestResolverErrorIsJSONWhenAsked(t *testing.T) {
	e := newEnv(t, demoNow)
	r := do(t, e.app, "GET", "/01/12345", "Accept", "application/json")
	wantStatus(t, r, 400)
	var p struct {
		Status int
		Code   string
		Errors []registry.FieldError
	}
	r.json(t, &p)
	if p.Status != 400 || p.Code != registry.EMALFORMED || len(p.Errors) != 1 || p.Errors[0].Field != "AI 01" {
		t.Fatalf("problem %+v", p)
	}
}

type linksetDoc struct {
	Linkset []map[string]any `json:"linkset"`
}

type target struct {
	Href     string   `json:"href"`
	Title    string   `json:"title"`
	Type     string   `json:"type"`
	Hreflang []string `json:"hreflang"`
}

func targets(t *testing.T, ctx map[string]any, rel string) []target {
	t.Helper()
	raw, ok := ctx["https://gs1.org/voc/"+rel]
	if !ok {
		return nil
	}
	list := raw.([]any)
	out := make([]target, 0, len(list))
	for _, x := range list {
		m := x.(map[string]any)
		tg := target{Href: m["href"].(string), Title: m["title"].(string), Type: m["type"].(string)}
		for _, h := range m["hreflang"].([]any) {
			tg.Hreflang = append(tg.Hreflang, h.(string))
		}
		out = append(out, tg)
	}
	return out
}

func TestLinksetShape(t *testing.T) {
	e := newEnv(t, demoNow)
	g := e.roastedGTIN()
	r := do(t, e.app, "GET", e.lotPath()+"/?linkType=linkset")
	wantStatus(t, r, 200)
	if ct := r.Header.Get("Content-Type"); ct != "application/linkset+json" {
		t.Fatalf("Content-Type %q", ct)
	}
	var doc linksetDoc
	r.json(t, &doc)
	if len(doc.Linkset) != 1 {
		t.Fatalf("want one context object, got %d", len(doc.Linkset))
	}
	ctx := doc.Linkset[0]
	if ctx["anchor"] != testBase+e.lotPath() {
		t.Errorf("anchor %v, want the uncompressed URI %s", ctx["anchor"], testBase+e.lotPath())
	}
	// Exactly one default link; its language variants under defaultLinkMulti.
	if d := targets(t, ctx, "defaultLink"); len(d) != 1 || d[0].Href != testBase+"/v/"+g+"/"+demodata.RoastedLot {
		t.Errorf("defaultLink %+v, want exactly one, the Vietnamese page", d)
	}
	for _, rel := range []string{"pip", "verificationService", "traceability", "recallStatus", "defaultLinkMulti"} {
		ts := targets(t, ctx, rel)
		if len(ts) != 2 {
			t.Errorf("%s: %d targets, want one per language", rel, len(ts))
			continue
		}
		for i, lang := range []string{"vi", "en"} {
			if ts[i].Title == "" || ts[i].Type != "text/html" || len(ts[i].Hreflang) != 1 || ts[i].Hreflang[0] != lang {
				t.Errorf("%s target %d: %+v", rel, i, ts[i])
			}
			if _, err := url.Parse(ts[i].Href); err != nil || !strings.HasPrefix(ts[i].Href, testBase+"/") {
				t.Errorf("%s href %q is not absolute", rel, ts[i].Href)
			}
		}
		if ts[0].Title == ts[1].Title {
			t.Errorf("%s: titles are not translated: %q", rel, ts[0].Title)
		}
	}
	// The product-level link appears for a lot request.
	if pip := targets(t, ctx, "pip"); len(pip) == 0 || pip[0].Href != testBase+"/v/"+g {
		t.Errorf("pip %+v, want the GTIN-level page", pip)
	}
	// Certificates of the upstream green lot (VietGAP, 4C) are certification info of this lot.
	certs := targets(t, ctx, "certificationInfo")
	var hrefs []string
	for _, c := range certs {
		hrefs = append(hrefs, c.Href)
	}
	wantContains(t, strings.Join(hrefs, " "), testBase+"/c/VG-DEMO-2025-0117", testBase+"/c/4C-DEMO-2024-0042")

	// At GTIN level there is no traceability link (it belongs to lots).
	var gdoc linksetDoc
	do(t, e.app, "GET", "/01/"+g+"?linkType=all").json(t, &gdoc)
	if ts := targets(t, gdoc.Linkset[0], "traceability"); ts != nil {
		t.Errorf("GTIN-level linkset has traceability links: %+v", ts)
	}
	if gdoc.Linkset[0]["anchor"] != testBase+"/01/"+g {
		t.Errorf("GTIN anchor %v", gdoc.Linkset[0]["anchor"])
	}
}

func TestResolverSerials(t *testing.T) {
	e := newEnv(t, demoNow)
	first, codes, err := e.db.IssueSerials(context.Background(), e.demo.RoastedBatchID, 3)
	if err != nil || first != 1 || len(codes) != 3 {
		t.Fatalf("IssueSerials = %d %v, %v", first, codes, err)
	}
	e.lk.InvalidateAll()
	page := testBase + "/v/" + e.roastedGTIN() + "/" + demodata.RoastedLot
	// Every well-formed serial resolves to its lot's page (walk-up); the page
	// says when the serial was never issued.
	for serial, issued := range map[string]bool{codes[0]: true, codes[2]: true, "1": false, "3": false, "4": false,
		"ABCDEFGHJKMN": false, strings.ToLower(codes[1]): false, "0": false, "01": false, "-1": false, "1%2F2": false} {
		r := do(t, e.app, "GET", e.lotPath()+"/21/"+serial)
		if r.Status != 307 || r.Header.Get("Location") != page+"/"+serial {
			t.Errorf("serial %q: status %d, Location %q", serial, r.Status, r.Header.Get("Location"))
			continue
		}
		h := do(t, e.app, "GET", "/v/"+e.roastedGTIN()+"/"+demodata.RoastedLot+"/"+serial)
		if warned := strings.Contains(h.Body, `id="never-issued"`); h.Status != 200 || warned == issued {
			t.Errorf("serial %q page: status %d, never-issued warning %v", serial, h.Status, warned)
		}
	}
	wantStatus(t, do(t, e.app, "GET", e.lotPath()+"/21/A%20B"), 400)
	// Codes are random: no two alike, none shaped like a position.
	seen := map[string]bool{}
	for _, c := range codes {
		if seen[c] || registry.SerialPosition(c) != 0 || len(c) != 12 {
			t.Errorf("serial code %q", c)
		}
		seen[c] = true
	}
	// Positions are never issued twice.
	next, more, err := e.db.IssueSerials(context.Background(), e.demo.RoastedBatchID, 2)
	if err != nil || next != 4 || len(more) != 2 {
		t.Fatalf("second IssueSerials = %d %v, %v; want 4", next, more, err)
	}
	if again, err := e.db.Serials(context.Background(), e.demo.RoastedBatchID, 2, 4); err != nil || !slices.Equal(again, append(codes[1:], more...)) {
		t.Fatalf("reprint of positions 2–5: %v, %v; want %v", again, err, append(codes[1:], more...))
	}
	for _, n := range []int{0, -1, registry.MaxSerialsPerSheet + 1} {
		if _, _, err := e.db.IssueSerials(context.Background(), e.demo.RoastedBatchID, n); registry.ErrorCode(err) != registry.EINVALID {
			t.Errorf("IssueSerials(%d) = %v, want EINVALID", n, err)
		}
	}
	if _, _, err := e.db.IssueSerials(context.Background(), "0123456789abcdef01234567", 1); registry.ErrorCode(err) != registry.ENOTFOUND {
		t.Errorf("IssueSerials on a missing batch = %v", err)
	}
}

func TestWellKnownDescription(t *testing.T) {
	e := newEnv(t, demoNow)
	r := do(t, e.app, "GET", "/.well-known/gs1resolver")
	wantStatus(t, r, 200)
	var d map[string]any
	r.json(t, &d)
	if d["resolverRoot"] != testBase || r.Header.Get("Access-Control-Allow-Origin") != "*" {
		t.Fatalf("description %v", d)
	}
	keys, _ := d["supportedPrimaryKeys"].([]any)
	if len(keys) != 2 || keys[0] != "01" || keys[1] != "414" {
		t.Errorf("supportedPrimaryKeys %v", d["supportedPrimaryKeys"])
	}
	// The rules of the description file's schema this file must keep: the
	// contact is an object with a formatted name and an address.
	contact, ok := d["contact"].(map[string]any)
	if !ok || contact["fn"] == "" || contact["fn"] == nil {
		t.Fatalf("contact %v: want an object with fn", d["contact"])
	}
	if addr, ok := contact["hasAddress"].(map[string]any); !ok || addr["country-name"] == nil {
		t.Errorf("contact.hasAddress %v: want an address object", contact["hasAddress"])
	}
	for _, k := range []string{"name", "resolverRoot", "supportedPrimaryKeys", "supportedLinkType", "linkTypeDefaultCanBeLinkset"} {
		if d[k] == nil {
			t.Errorf("description lacks %s", k)
		}
	}
}

func TestResolverRejectsOtherMethods(t *testing.T) {
	e := newEnv(t, demoNow)
	for _, m := range []string{http.MethodPost, http.MethodPut, http.MethodDelete} {
		r := do(t, e.app, m, e.lotPath())
		if r.Status < 400 || r.Status >= 500 {
			t.Errorf("%s: status %d, want 4xx", m, r.Status)
		}
	}
}
