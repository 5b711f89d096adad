package api

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/tracereg/tracereg/registry"
	"github.com/tracereg/tracereg/registry/demodata"
	"github.com/tracereg/tracereg/registry/gs1"
	"github.com/tracereg/tracereg/registry/portal"
)

const portalPath = "/api/v1/exports/national-portal"

// Actor names for the demo's two enterprises.
const (
	asDemoCoop    = "demo-coop"
	asDemoRoaster = "demo-roaster"
)

// portalDemo loads the demo data set into e, adds users for its two
// enterprises, a draft lot of the cooperative's product and an event of the
// green lot declared an error: what the export must leave out.
func portalDemo(t *testing.T, e *env) (demodata.Result, *registry.Batch) {
	t.Helper()
	res, err := demodata.Seed(e.ctx(), e.db, e.api.docs)
	must(t, err)
	for name, id := range map[string]string{asDemoCoop: res.CoopID, asDemoRoaster: res.RoasterID} {
		u := &registry.User{Username: fmt.Sprintf("%s-%d", name, uniq()), DisplayName: name, Role: registry.RoleEnterprise, EnterpriseID: id,
			PasswordHash: e.users[asEnt1].PasswordHash}
		must(t, e.db.CreateUser(e.ctx(), u))
		tok, err := e.api.issueAccess(u)
		must(t, err)
		e.tokens[name] = tok
	}
	green, err := e.db.FindBatch(e.ctx(), res.GreenBatchID)
	must(t, err)
	draft := e.newBatch(res.CoopID, green.ProductID, registry.BatchDraft)
	wrong := &registry.TraceEvent{EnterpriseID: res.CoopID, Kind: registry.EventObject, EventTime: time.Date(2026, 2, 1, 1, 0, 0, 0, time.UTC),
		EventTimeZone: "+07:00", BusinessStep: "storing", Batches: []registry.Quantity{{BatchID: green.ID, Quantity: 1, Unit: "kg"}},
		Note: "GHI NHẦM: kho sai"}
	must(t, e.db.CreateEvent(e.ctx(), wrong))
	_, err = e.db.DeclareEventError(e.ctx(), wrong.ID, "ghi nhầm kho")
	must(t, err)
	return res, draft
}

func portalGet(t *testing.T, e *env, as, query string) portalPage {
	t.Helper()
	r := e.do(request{method: "GET", path: portalPath + query, as: as})
	if r.status != 200 {
		t.Fatalf("GET %s as %s: %d %s", query, as, r.status, short(r.body))
	}
	var p portalPage
	r.decode(t, &p)
	if p.Format != portal.Format {
		t.Fatalf("format %q", p.Format)
	}
	return p
}

func byLot(recs []portal.Record, code string) *portal.Record {
	for i := range recs {
		if recs[i].Lot.LotCode == code {
			return &recs[i]
		}
	}
	return nil
}

func stageOf(r *portal.Record, step string) *portal.Stage {
	for i := range r.Stages {
		if r.Stages[i].BusinessStep == step {
			return &r.Stages[i]
		}
	}
	return nil
}

// The demo's green coffee lot and roasted lot, as the portal gets them.
func TestPortalExportOfTheDemo(t *testing.T) {
	e := newEnv(t)
	res, draft := portalDemo(t, e)
	greenGTIN, _ := gs1.GTIN14(demodata.GTIN("893850000001"))

	p := portalGet(t, e, asAdmin, "?enterprise="+demodata.CoopTaxCode)
	if len(p.Items) != 1 || p.NextCursor != "" {
		t.Fatalf("the cooperative has one public lot (its draft %s is left out), got %d, next %q", draft.LotCode, len(p.Items), p.NextCursor)
	}
	g := byLot(p.Items, demodata.GreenLot)
	if g == nil {
		t.Fatalf("no record of %s", demodata.GreenLot)
	}
	if g.Product.GTIN != greenGTIN || g.Product.NameVI != "Cà phê nhân Robusta Ea Tiêu" || g.Product.Category != "coffee" ||
		!strings.HasSuffix(g.Product.DigitalLink, "/01/"+greenGTIN) {
		t.Errorf("product: %+v", g.Product)
	}
	if g.Unit.TaxCode != demodata.CoopTaxCode || !strings.HasPrefix(g.Unit.NameVI, "Hợp tác xã Cà phê Bền vững Ea Tiêu") ||
		g.Unit.Address != "Thôn 3, xã Ea Tiêu, Đắk Lắk" || g.Unit.District != "Cư Kuin" || g.Unit.Province != "Đắk Lắk" {
		t.Errorf("unit: %+v", g.Unit)
	}
	l := g.Lot
	if l.Status != registry.BatchPublished || l.Recalled || l.Quantity != 12000 || l.UnitCode != "kg" || l.UnitVI != "kg" ||
		l.HarvestedOn != "2025-11-20" || l.ProducedOn != "2025-12-15" || l.DDSRef != "EUDR-DEMO-25VN000117" ||
		!strings.HasSuffix(l.DigitalLink, "/01/"+greenGTIN+"/10/"+demodata.GreenLot) || !strings.Contains(l.PageURL, "/l/") {
		t.Errorf("lot: %+v", l)
	}
	if l.Place == nil || l.Place.Name != "Xưởng sơ chế HTX Ea Tiêu" || len(l.SourcePlots) != 2 || l.SourcePlots[0].GLN != res.PlotGLN ||
		!strings.HasSuffix(l.SourcePlots[0].DigitalLink, "/414/"+res.PlotGLN) || !bytes.Contains([]byte(l.SourcePlots[0].Geometry), []byte(`"Polygon"`)) {
		t.Errorf("lot places: %+v %+v", l.Place, l.SourcePlots)
	}

	// The stages: place and time of each, the voided one left out.
	var steps []string
	for _, s := range g.Stages {
		steps = append(steps, s.BusinessStep)
		if strings.Contains(s.Note, "GHI NHẦM") || s.BusinessStep == "storing" {
			t.Errorf("an event declared an error is exported: %+v", s)
		}
	}
	if !slices.Equal(steps, []string{"harvesting", "hulling", "shipping", "roasting"}) {
		t.Fatalf("stages %v", steps)
	}
	h := stageOf(g, "harvesting")
	if h.Time != "2025-11-20T07:30:00+07:00" || h.Place == nil || h.Place.Name != "Vườn cà phê Ea Tiêu A (5,5 ha)" || h.Place.GLN != res.PlotGLN ||
		h.RecordedBy != demodata.CoopTaxCode || h.Role != "lot" || h.Quantity != 15000 {
		t.Errorf("harvesting: %+v %+v", h, h.Place)
	}
	if s := stageOf(g, "shipping"); s.Time != "2026-01-05T09:00:00+07:00" || s.Counterparty != demodata.RoasterTaxCode || s.Place.Name != "Xưởng sơ chế HTX Ea Tiêu" {
		t.Errorf("shipping: %+v", s)
	}
	// One step forward: the roaster's roasting consumed it, at the roaster's
	// factory, shown as its public page shows it (no address).
	r := stageOf(g, "roasting")
	if r.Role != "input" || r.RecordedBy != demodata.RoasterTaxCode || r.Place == nil || r.Place.GLN != res.FactoryGLN || r.Place.Address != "" ||
		len(r.Outputs) != 1 || r.Outputs[0].LotCode != demodata.RoastedLot || r.Outputs[0].GTIN != res.RoastedGTIN ||
		r.Outputs[0].TaxCode != demodata.RoasterTaxCode {
		t.Errorf("roasting: %+v %+v", r, r.Place)
	}

	var certs []string
	for _, c := range g.Certificates {
		certs = append(certs, c.Scheme+" "+c.Number+" "+c.Status)
		if c.Body != "Tổ chức Chứng nhận Tây Nguyên (dữ liệu mẫu)" || c.BodyCode != demodata.BodyCode || !strings.HasSuffix(c.VerifyURL, "/c/"+c.Number) {
			t.Errorf("certificate body: %+v", c)
		}
	}
	slices.Sort(certs)
	if !slices.Equal(certs, []string{"4C 4C-DEMO-2024-0042 active", "VietGAP VG-DEMO-2025-0117 active"}) {
		t.Errorf("certificates %v", certs)
	}
	if len(g.Standards) != 1 || g.Standards[0].Code != "TCVN 4193:2014" || g.Standards[0].Kind != "TCVN" || g.Standards[0].NameVI != "Cà phê nhân — Yêu cầu kỹ thuật" {
		t.Errorf("standards %+v", g.Standards)
	}
	if len(g.Announcements) != 0 {
		t.Errorf("the cooperative announced nothing: %+v", g.Announcements)
	}

	// The roasted lot: one step back, and the hợp quy announcement with its receipt.
	p = portalGet(t, e, asAdmin, "?enterprise="+res.RoasterID)
	rb := byLot(p.Items, demodata.RoastedLot)
	if len(p.Items) != 1 || rb == nil {
		t.Fatalf("roaster's lots: %+v", p.Items)
	}
	if rb.Product.GTIN != res.RoastedGTIN || rb.Lot.UnitCode != "bag" || rb.Lot.UnitVI != "bao" || rb.Lot.ExpiresOn != "2027-01-10" {
		t.Errorf("roasted lot: %+v %+v", rb.Product, rb.Lot)
	}
	if len(rb.Stages) != 1 || rb.Stages[0].Role != "output" || rb.Stages[0].Time != "2026-01-10T10:00:00+07:00" ||
		len(rb.Stages[0].Inputs) != 1 || rb.Stages[0].Inputs[0].LotCode != demodata.GreenLot || rb.Stages[0].Inputs[0].TaxCode != demodata.CoopTaxCode ||
		rb.Stages[0].Place.Address != "Đường Lê Duẩn, Buôn Ma Thuột" {
		t.Errorf("roasted stages: %+v", rb.Stages)
	}
	if len(rb.Announcements) != 1 || rb.Announcements[0].Type != registry.AnnounceRegulation || rb.Announcements[0].TypeVI != "công bố hợp quy" ||
		rb.Announcements[0].ReceiptNumber != demodata.ReceiptNumber || rb.Announcements[0].ReceiptDate != "2026-01-21" ||
		rb.Announcements[0].StandardCode != "QCĐP 01:2025/ĐL" || !rb.Announcements[0].CRMark {
		t.Errorf("announcements: %+v", rb.Announcements)
	}
	var codes []string
	for _, s := range rb.Standards {
		codes = append(codes, s.Kind+" "+s.Code)
	}
	if !slices.Equal(codes, []string{"TCVN TCVN 5251:2015", "QCDP QCĐP 01:2025/ĐL"}) {
		t.Errorf("roasted standards %v", codes)
	}
	if len(rb.Certificates) != 0 {
		t.Errorf("the roaster holds no certificate: %+v", rb.Certificates)
	}

	// A recalled lot is exported, marked.
	tag, _ := e.etagOf("/api/v1/batches/" + res.RoastedBatchID)
	if rr := e.do(request{method: "POST", path: "/api/v1/batches/" + res.RoastedBatchID + "/recall", as: asInspector,
		body: recallRequest{Reason: "Nghi nhiễm nấm mốc", On: "2026-03-01"}, header: map[string]string{"If-Match": tag}}); rr.status != 200 {
		t.Fatalf("recall: %d %s", rr.status, short(rr.body))
	}
	p = portalGet(t, e, asAdmin, "?enterprise="+demodata.RoasterTaxCode)
	if len(p.Items) != 1 || !p.Items[0].Lot.Recalled || p.Items[0].Lot.Status != registry.BatchRecalled || p.Items[0].Lot.Recall == nil ||
		p.Items[0].Lot.Recall.Reason != "Nghi nhiễm nấm mốc" {
		t.Errorf("recalled lot: %+v", p.Items)
	}
}

// Each enterprise gets its own lots only; naming another's is answered as
// naming none.
func TestPortalExportTenants(t *testing.T) {
	e := newEnv(t)
	res, _ := portalDemo(t, e)
	for as, tax := range map[string]string{asDemoCoop: demodata.CoopTaxCode, asDemoRoaster: demodata.RoasterTaxCode, asEnt1: e.e1.TaxCode} {
		p := portalGet(t, e, as, "?limit=200")
		if len(p.Items) == 0 {
			t.Errorf("%s exports nothing", as)
		}
		for _, r := range p.Items {
			if r.Unit.TaxCode != tax {
				t.Errorf("%s got a lot of %s: %s", as, r.Unit.TaxCode, r.Lot.LotCode)
			}
		}
		// Its own, by tax code or ID, is allowed.
		if p := portalGet(t, e, as, "?enterprise="+tax); len(p.Items) == 0 {
			t.Errorf("%s: ?enterprise= its own tax code gives nothing", as)
		}
	}
	if p := portalGet(t, e, asEnt2, ""); len(p.Items) != 0 {
		t.Errorf("enterprise 2 has no lots, got %d", len(p.Items))
	}
	other := e.do(request{method: "GET", path: portalPath + "?enterprise=" + demodata.CoopTaxCode, as: asDemoRoaster})
	byID := e.do(request{method: "GET", path: portalPath + "?enterprise=" + res.CoopID, as: asEnt2})
	unknown := e.do(request{method: "GET", path: portalPath + "?enterprise=6999999999", as: asDemoRoaster})
	for name, r := range map[string]response{"another's tax code": other, "another's ID": byID, "unknown": unknown} {
		if r.status != 422 {
			t.Fatalf("%s: %d %s", name, r.status, short(r.body))
		}
		pr := r.problem(t)
		if len(pr.Fields) != 1 || pr.Fields[0].Field != "enterprise" || pr.Fields[0].Rule != "exists" || pr.Fields[0].MessageVI == "" {
			t.Errorf("%s: %+v", name, pr)
		}
		if strings.Contains(string(r.body), "Ea Tiêu") {
			t.Errorf("%s reveals the enterprise: %s", name, r.body)
		}
	}
	if r := e.do(request{method: "GET", path: portalPath, as: asCertifier}); r.status != 403 {
		t.Errorf("certifier: %d", r.status)
	}
	if r := e.do(request{method: "GET", path: portalPath}); r.status != 401 {
		t.Errorf("anonymous: %d", r.status)
	}
}

// Pages of one lot, followed to the end, give every public lot once; so
// does NDJSON; drafts never appear.
func TestPortalExportPaging(t *testing.T) {
	e := newEnv(t)
	_, draft := portalDemo(t, e)
	for range 3 {
		e.newBatch(e.e1.ID, e.prod1.ID, registry.BatchPublished)
		e.newBatch(e.e1.ID, e.prod1.ID, registry.BatchDraft) // drafts between public lots
	}
	// What the store holds: every published lot, by lot code.
	all, _, err := e.db.ListBatches(e.ctx(), registry.BatchFilter{Page: registry.Page{Limit: registry.MaxPageLimit}})
	must(t, err)
	var want []string
	for _, b := range all {
		if b.Status != registry.BatchDraft {
			want = append(want, b.LotCode)
		}
	}
	slices.Sort(want)
	if len(want) < 6 {
		t.Fatalf("setup: %d public lots", len(want))
	}

	var got []string
	cursor, pages := "", 0
	for {
		q := "?limit=1"
		if cursor != "" {
			q += "&cursor=" + url.QueryEscape(cursor)
		}
		p := portalGet(t, e, asInspector, q)
		if len(p.Items) > 1 {
			t.Fatalf("limit=1 gave %d", len(p.Items))
		}
		for _, r := range p.Items {
			got = append(got, r.Lot.LotCode)
		}
		pages++
		if p.NextCursor == "" || pages > 50 {
			break
		}
		cursor = p.NextCursor
	}
	slices.Sort(got)
	if !slices.Equal(got, want) {
		t.Errorf("pages of one gave %v, want %v", got, want)
	}
	if slices.Contains(got, draft.LotCode) {
		t.Errorf("draft %s exported", draft.LotCode)
	}

	// NDJSON: one record per line, the cursor in a header and a Link.
	var lines []string
	cursor = ""
	for range 50 {
		path := portalPath + "?limit=2"
		if cursor != "" {
			path += "&cursor=" + url.QueryEscape(cursor)
		}
		r := e.do(request{method: "GET", path: path, as: asAdmin, header: map[string]string{"Accept": "application/x-ndjson"}})
		if r.status != 200 || !strings.HasPrefix(r.header.Get("Content-Type"), "application/x-ndjson") {
			t.Fatalf("NDJSON: %d %s %s", r.status, r.header.Get("Content-Type"), short(r.body))
		}
		sc := bufio.NewScanner(bytes.NewReader(r.body))
		sc.Buffer(nil, 1<<20)
		for sc.Scan() {
			var rec portal.Record
			if err := json.Unmarshal(sc.Bytes(), &rec); err != nil || rec.Format != portal.Format {
				t.Fatalf("line %q: %v", sc.Text(), err)
			}
			lines = append(lines, rec.Lot.LotCode)
		}
		cursor = r.header.Get("X-Next-Cursor")
		if cursor == "" {
			break
		}
		if link := r.header.Get("Link"); !strings.Contains(link, "cursor="+url.QueryEscape(cursor)) || !strings.Contains(link, `rel="next"`) ||
			!strings.Contains(link, "limit=2") {
			t.Errorf("Link %q", link)
		}
	}
	slices.Sort(lines)
	if !slices.Equal(lines, want) {
		t.Errorf("NDJSON gave %v, want %v", lines, want)
	}
}

// updated_since keeps the lots changed since; the changed lot comes last.
func TestPortalExportUpdatedSince(t *testing.T) {
	e := newEnv(t)
	portalDemo(t, e)
	since := e.clock.Now().Add(time.Minute) // tokens live 15 minutes
	if p := portalGet(t, e, asAdmin, "?updated_since="+url.QueryEscape(since.Format(time.RFC3339))); len(p.Items) != 0 {
		t.Fatalf("nothing changed since %s, got %d", since, len(p.Items))
	}
	e.clock.Add(5 * time.Minute)
	fresh := e.newBatch(e.e1.ID, e.prod1.ID, registry.BatchPublished)
	p := portalGet(t, e, asAdmin, "?updated_since="+url.QueryEscape(since.In(registry.Vietnam).Format(time.RFC3339)))
	if len(p.Items) != 1 || p.Items[0].Lot.LotCode != fresh.LotCode || p.Items[0].Lot.UpdatedAt != e.clock.Now().UTC().Format(time.RFC3339) {
		t.Fatalf("since %s: %+v", since, p.Items)
	}
	p = portalGet(t, e, asAdmin, "?limit=200")
	if n := len(p.Items); n < 3 || p.Items[n-1].Lot.LotCode != fresh.LotCode {
		t.Errorf("the latest change is not last: %d items", n)
	}
}

// Bad parameters: 422 naming the parameter and its rule, in both languages.
func TestPortalExportBadInput(t *testing.T) {
	e := newEnv(t)
	for _, c := range []struct{ query, field, rule string }{
		{"?updated_since=yesterday", "updated_since", "datetime"},
		{"?updated_since=2026-03-01", "updated_since", "datetime"},
		{"?limit=0", "limit", "range"},
		{"?limit=abc", "limit", "range"},
		{"?cursor=not-a-cursor", "cursor", "cursor"},
		{"?cursor=" + strings.Repeat("x", registry.MaxCursorLen+1), "cursor", "cursor"},
		{"?enterprise=Ea%20Ti%C3%AAu", "enterprise", "enterprise"},
		{"?enterprise=12345", "enterprise", "enterprise"},
		{"?enterprise=6999999999", "enterprise", "exists"},
		{"?enterprise=" + strings.Repeat("a", 24), "enterprise", "exists"},
	} {
		r := e.do(request{method: "GET", path: portalPath + c.query, as: asAdmin})
		if r.status != 422 {
			t.Errorf("%s: %d %s", c.query, r.status, short(r.body))
			continue
		}
		p := r.problem(t)
		if len(p.Fields) == 0 || p.Fields[0].Field != c.field || p.Fields[0].Rule != c.rule || p.Fields[0].Message == "" || p.Fields[0].MessageVI == "" {
			t.Errorf("%s: %+v", c.query, p)
		}
	}
	// A cursor of the whole export, in another enterprise's hands, still
	// gives that enterprise nothing but its own (here: none).
	for range 2 {
		e.newBatch(e.e1.ID, e.prod1.ID, registry.BatchPublished)
	}
	p := portalGet(t, e, asAdmin, "?limit=1")
	if p.NextCursor == "" {
		t.Fatal("no second page")
	}
	r := e.do(request{method: "GET", path: portalPath + "?limit=1&cursor=" + url.QueryEscape(p.NextCursor), as: asEnt2})
	if r.status == 200 {
		var got portalPage
		r.decode(t, &got)
		if len(got.Items) != 0 {
			t.Errorf("enterprise 2 with another's cursor got %+v", got.Items)
		}
	} else if r.status != 422 || r.problem(t).Fields[0].Field != "cursor" {
		t.Errorf("a cursor of another query: %d %s", r.status, short(r.body))
	}
}

// The route is in the OpenAPI document with both media types.
func TestPortalExportInOpenAPI(t *testing.T) {
	e := newEnv(t)
	r := e.do(request{method: "GET", path: "/api/v1/openapi.json"})
	var doc struct {
		Paths map[string]map[string]struct {
			Summary    string `json:"summary"`
			Parameters []struct {
				Name string `json:"name"`
			} `json:"parameters"`
			Responses map[string]struct {
				Content map[string]struct {
					Schema map[string]any `json:"schema"`
				} `json:"content"`
			} `json:"responses"`
		} `json:"paths"`
		Components struct {
			Schemas map[string]struct {
				Properties map[string]any `json:"properties"`
			} `json:"schemas"`
		} `json:"components"`
	}
	r.decode(t, &doc)
	op, ok := doc.Paths[portalPath]["get"]
	if !ok {
		t.Fatalf("%s is not in the OpenAPI document", portalPath)
	}
	var params []string
	for _, p := range op.Parameters {
		params = append(params, p.Name)
	}
	if !slices.Equal(params, []string{"enterprise", "updated_since", "limit", "cursor"}) || !strings.Contains(op.Summary, portal.Format) {
		t.Errorf("parameters %v, summary %q", params, op.Summary)
	}
	content := op.Responses["200"].Content
	if content["application/json"].Schema["$ref"] != "#/components/schemas/PortalPage" || content["application/x-ndjson"].Schema["$ref"] != "#/components/schemas/Record" {
		t.Errorf("responses %+v", content)
	}
	for name, fields := range map[string][]string{"Record": {"format", "product", "unit", "lot", "stages", "standards", "certificates", "announcements"},
		"Stage": {"time", "place", "business_step"}, "Place": {"gln", "geometry"}, "AnnouncementInfo": {"receipt_number"}} {
		for _, f := range fields {
			if _, ok := doc.Components.Schemas[name].Properties[f]; !ok {
				t.Errorf("schema %s has no %s", name, f)
			}
		}
	}
}
