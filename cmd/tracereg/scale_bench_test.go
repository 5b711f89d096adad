package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/tracereg/tracereg/registry"
	"github.com/tracereg/tracereg/registry/demodata"
)

// BenchmarkScale grows one served registry (the binary's own `serve`, on the
// embedded SQLite store) to each size in TRACEREG_BENCH_LOTS (`make
// bench-scale` runs 10000,100000), entirely through the API's
// bulk import, and at each size measures what people wait for. Each step of
// 1,000 lots prints its import rate, so a store that slows with its size
// shows as a falling rate. Request figures are over distinct lots, so the
// public pages are cold (not in the lookup's cache).
//
// Per enterprise: 2 farm plots, 1 product, 100 lots; each lot has a harvest
// event, and every tenth lot is made from the two before it (a transformation).
func BenchmarkScale(b *testing.B) {
	if os.Getenv("TRACEREG_BENCH_LOTS") == "" {
		b.Skip("a province-sized store takes minutes to grow: run `make bench-scale` (or set TRACEREG_BENCH_LOTS=10000)")
	}
	var sizes []int
	for _, s := range strings.Split(os.Getenv("TRACEREG_BENCH_LOTS"), ",") {
		n, err := strconv.Atoi(strings.TrimSpace(s))
		if err != nil || n < 1000 || n%1000 != 0 {
			b.Fatalf("TRACEREG_BENCH_LOTS: %q is not a multiple of 1000", s)
		}
		sizes = append(sizes, n)
	}
	slices.Sort(sizes)

	dir, err := os.MkdirTemp("", "trscale")
	if err != nil {
		b.Fatal(err)
	}
	defer os.RemoveAll(dir)
	data := filepath.Join(dir, "data")
	port := strconv.Itoa(freePortB(b))
	// One load generator on one address measures the server, not its rate limits.
	getenv := env("TRACEREG_DATA", data, "PORT", port, "TRACEREG_ADMIN_PASSWORD", "scale-admin-password", "LOG_LEVEL", "error",
		"TRACEREG_API_RATE_LIMIT", "-1", "TRACEREG_PUBLIC_RATE_LIMIT", "-1")
	g := &grower{b: b, base: "http://127.0.0.1:" + port, http: &http.Client{Timeout: 10 * time.Minute}}
	g.start(getenv)
	defer func() { g.stop() }() // the server of the last restart: g.stop changes with each start
	g.waitReady()
	g.token = g.apiToken("admin", "scale-admin-password")
	var body struct {
		ID string `json:"id"`
	}
	g.post("/api/v1/certification-bodies", map[string]any{"name": "Tổ chức chứng nhận thử tải", "code": "CB-SCALE"}, &body)
	g.bodyID = body.ID

	for _, n := range sizes {
		g.growTo(n)
		size := fmt.Sprintf("lots=%d", n)
		g.report(size, data)
		g.requests(size)
		g.restart(size, getenv)
	}
}

// start serves the registry in this process (the binary's own run).
func (g *grower) start(getenv func(string) string) {
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- run(ctx, []string{"serve"}, getenv, io.Discard, io.Discard) }()
	g.stop = func() { cancel(); <-done }
}

// restart stops the server and times a start until /readyz answers.
func (g *grower) restart(size string, getenv func(string) string) {
	g.stop()
	t0 := time.Now()
	g.start(getenv)
	g.waitReady()
	d := time.Since(t0)
	msg := fmt.Sprintf("scale %s: restart to /readyz in %s", size, d.Round(time.Millisecond))
	fmt.Fprintln(os.Stderr, msg)
	g.b.Log(msg)
	// Sessions live in the store: the workspace clients stay signed in.
}

type lotRef struct{ id, gtin, lot, enterprise string }

type grower struct {
	b           *testing.B
	base, token string
	http        *http.Client
	ents        int
	captured    int      // EPCIS events captured so far: their IDs are unique
	lots        []lotRef // every lot
	made        []lotRef // the lots made by a transformation
	entIDs      []string
	admin, coop *http.Client // workspace sessions
	imported    time.Duration
	importedN   int
	// The bulk import requests alone (POST batches:import and events:import),
	// without the single records each step makes around them.
	lotImport, eventImport time.Duration
	eventsN                int
	bodyID                 string
	certs                  []string  // certificate numbers
	sinceMark              time.Time // before the last 1,000 lots were imported
	stop                   func()
}

func freePortB(b *testing.B) int {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

func newJar() http.CookieJar {
	j, _ := cookiejar.New(nil)
	return j
}

func (g *grower) waitReady() {
	deadline := time.Now().Add(60 * time.Second)
	for time.Now().Before(deadline) {
		if res, err := http.Get(g.base + "/readyz"); err == nil {
			res.Body.Close()
			if res.StatusCode == 200 {
				return
			}
		}
		time.Sleep(100 * time.Millisecond)
	}
	g.b.Fatal("server not ready after 60 s")
}

// call sends one API request and decodes a 2xx answer into out.
func (g *grower) call(method, path, ctype string, body []byte, out any) {
	req, _ := http.NewRequest(method, g.base+path, bytes.NewReader(body))
	req.Header.Set("Content-Type", ctype)
	if g.token != "" {
		req.Header.Set("Authorization", "Bearer "+g.token)
	}
	res, err := g.http.Do(req)
	if err != nil {
		g.b.Fatalf("%s %s: %v", method, path, err)
	}
	defer res.Body.Close()
	raw, _ := io.ReadAll(res.Body)
	if res.StatusCode/100 != 2 {
		g.b.Fatalf("%s %s: %d %.500s", method, path, res.StatusCode, raw)
	}
	if out != nil {
		if err := json.Unmarshal(raw, out); err != nil {
			g.b.Fatalf("%s %s: %v", method, path, err)
		}
	}
}

func (g *grower) post(path string, in, out any) {
	body, _ := json.Marshal(in)
	g.call("POST", path, "application/json", body, out)
}

func (g *grower) apiToken(user, pw string) string {
	var tok struct {
		AccessToken string `json:"access_token"`
	}
	g.post("/api/v1/auth/token", map[string]string{"username": user, "password": pw}, &tok)
	return tok.AccessToken
}

// growTo adds enterprises of 100 lots until the store holds n lots.
func (g *grower) growTo(n int) {
	for len(g.lots) < n {
		if len(g.lots) == n-1000 {
			g.sinceMark = time.Now().UTC()
		}
		start := time.Now()
		events := 0
		for range 10 {
			events += g.addEnterprise()
		}
		d := time.Since(start)
		g.imported += d
		g.importedN += 1000
		g.b.Logf("import step to %d lots: 1000 lots and %d events in %s (%.0f lots/s, %.0f events/s, with their enterprises, plots and products)",
			len(g.lots), events, d.Round(time.Millisecond), 1000/d.Seconds(), float64(events)/d.Seconds())
		fmt.Fprintf(os.Stderr, "scale: %d lots, last step %.0f lots/s %.0f events/s\n", len(g.lots), 1000/d.Seconds(), float64(events)/d.Seconds())
	}
}

func (g *grower) addEnterprise() (events int) {
	i := g.ents
	g.ents++
	var ent registry.Enterprise
	g.post("/api/v1/enterprises", map[string]any{"tax_code": fmt.Sprintf("61%08d", i), "name_vi": fmt.Sprintf("Hợp tác xã Cà phê Thử tải %d", i),
		"kind": "cooperative", "district": "Cư Kuin", "sector": "agriculture", "size": "small"}, &ent)
	var plots []string
	for p := range 2 {
		var f registry.Facility
		g.post("/api/v1/facilities", map[string]any{"enterprise_id": ent.ID, "kind": registry.FacilityFarmPlot, "name": fmt.Sprintf("Vườn %d-%d", i, p),
			"code": fmt.Sprintf("V%d-%d", i, p), "district": "Cư Kuin", "crop": "coffee", "area_ha": 1.5, "deforestation_free": true,
			"geometry": json.RawMessage(fmt.Sprintf(`{"type":"Point","coordinates":[108.%06d,12.%06d]}`, (i*7+p)%1000000, (i*3+p)%1000000))}, &f)
		plots = append(plots, f.ID)
	}
	gtin := demodata.GTIN(fmt.Sprintf("8938%08d", i))
	var product registry.Product
	g.post("/api/v1/products", map[string]any{"enterprise_id": ent.ID, "name_vi": fmt.Sprintf("Cà phê nhân Robusta %d", i), "category": "coffee",
		"gtin": gtin, "unit": "kg"}, &product)
	g.entIDs = append(g.entIDs, ent.ID)
	// Five certificates an enterprise: 50,000 at a million lots.
	for c := range 5 {
		number := fmt.Sprintf("VG-TT-%d-%d", i, c)
		g.post("/api/v1/certificates", map[string]any{"number": number, "scheme": "VietGAP", "body_id": g.bodyID, "holder_id": ent.ID,
			"issued_on": "2025-01-01", "expires_on": "2028-01-01", "scope_product_ids": []string{product.ID}}, nil)
		g.certs = append(g.certs, number)
	}

	var rows bytes.Buffer
	for l := range 100 {
		json.NewEncoder(&rows).Encode(map[string]any{"idempotency_key": fmt.Sprintf("lot-%d-%d", i, l), "enterprise_id": ent.ID,
			"product_id": product.ID, "lot_code": fmt.Sprintf("L%d-%03d", i, l), "quantity": 1000, "unit": "kg",
			"harvested_on": "2026-10-01", "produced_on": "2026-10-15", "source_plot_ids": plots, "status": registry.BatchPublished})
	}
	var rep struct {
		Created int `json:"created"`
		Rows    []struct {
			ID string `json:"id"`
		} `json:"rows"`
	}
	t0 := time.Now()
	g.call("POST", "/api/v1/batches:import", "application/x-ndjson", rows.Bytes(), &rep)
	g.lotImport += time.Since(t0)
	if rep.Created != 100 {
		g.b.Fatalf("lot import created %d of 100", rep.Created)
	}
	g14 := "0" + gtin
	var refs []lotRef
	for l, r := range rep.Rows {
		refs = append(refs, lotRef{id: r.ID, gtin: g14, lot: fmt.Sprintf("L%d-%03d", i, l), enterprise: ent.ID})
	}
	rows.Reset()
	q := func(id string) []map[string]any {
		return []map[string]any{{"batch_id": id, "quantity": 1000, "unit": "kg"}}
	}
	for l, r := range refs {
		json.NewEncoder(&rows).Encode(map[string]any{"idempotency_key": fmt.Sprintf("harvest-%d-%d", i, l), "enterprise_id": ent.ID,
			"kind": registry.EventObject, "event_time": "2026-10-01T07:00:00+07:00", "event_time_zone": "+07:00",
			"business_step": "harvesting", "disposition": "in_progress", "facility_id": plots[l%2], "batches": q(r.id)})
		if l%10 == 9 {
			json.NewEncoder(&rows).Encode(map[string]any{"idempotency_key": fmt.Sprintf("make-%d-%d", i, l), "enterprise_id": ent.ID,
				"kind": registry.EventTransformation, "event_time": "2026-10-15T07:00:00+07:00", "event_time_zone": "+07:00",
				"business_step": "hulling", "disposition": "active", "inputs": append(q(refs[l-1].id), q(refs[l-2].id)...), "outputs": q(r.id)})
			g.made = append(g.made, r)
		}
	}
	var evRep struct {
		Created int `json:"created"`
		Total   int `json:"total"`
	}
	t0 = time.Now()
	g.call("POST", "/api/v1/events:import", "application/x-ndjson", rows.Bytes(), &evRep)
	g.eventImport += time.Since(t0)
	g.eventsN += evRep.Created
	if evRep.Created != evRep.Total {
		g.b.Fatalf("event import created %d of %d", evRep.Created, evRep.Total)
	}
	g.lots = append(g.lots, refs...)
	return evRep.Created
}

var csrfFieldB = regexp.MustCompile(`name="_csrf" value="([^"]+)"`)

// session signs in to the workspaces as a browser does.
func (g *grower) session(user, pw string) *http.Client {
	c := &http.Client{Jar: newJar(), CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }, Timeout: time.Minute}
	res, err := c.Get(g.base + "/login")
	if err != nil {
		g.b.Fatal(err)
	}
	page, _ := io.ReadAll(res.Body)
	res.Body.Close()
	m := csrfFieldB.FindSubmatch(page)
	if m == nil {
		g.b.Fatalf("no CSRF field on /login")
	}
	res, err = c.PostForm(g.base+"/login", url.Values{"username": {user}, "password": {pw}, "_csrf": {string(m[1])}})
	if err != nil {
		g.b.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusSeeOther {
		g.b.Fatalf("sign in as %s: %d", user, res.StatusCode)
	}
	return c
}

// report prints the store's size on disk and the process's memory.
func (g *grower) report(size, data string) {
	var bytesOnDisk int64
	for _, f := range []string{"tracereg.db", "tracereg.db-wal"} {
		if st, err := os.Stat(filepath.Join(data, f)); err == nil {
			bytesOnDisk += st.Size()
		}
	}
	status, _ := os.ReadFile("/proc/self/status")
	rss := regexp.MustCompile(`VmRSS:\s+(\d+) kB`).FindSubmatch(status)
	hwm := regexp.MustCompile(`VmHWM:\s+(\d+) kB`).FindSubmatch(status)
	msg := fmt.Sprintf("scale %s: database %.1f MiB on disk; average import %.0f lots/s over %d lots (each step with its enterprises, plots, products, certificates and events); "+
		"bulk requests alone: %.0f lots/s, %.0f events/s over %d events", size,
		float64(bytesOnDisk)/(1<<20), float64(g.importedN)/g.imported.Seconds(), g.importedN,
		float64(g.importedN)/g.lotImport.Seconds(), float64(g.eventsN)/g.eventImport.Seconds(), g.eventsN)
	if rss != nil && hwm != nil {
		msg += fmt.Sprintf("; process RSS %s kB (peak %s kB, server and load generator together)", rss[1], hwm[1])
	}
	fmt.Fprintln(os.Stderr, msg)
	g.b.Log(msg)
}

// requests measures each kind of request at this size.
func (g *grower) requests(size string) {
	if g.admin == nil {
		g.admin = g.session("admin", "scale-admin-password")
		g.post("/api/v1/users", map[string]any{"username": "scale-coop", "display_name": "Thử tải", "role": registry.RoleEnterprise,
			"enterprise_id": g.entIDs[0], "password": "scale-coop-password"}, nil)
		g.coop = g.session("scale-coop", "scale-coop-password")
	}
	rng := rand.New(rand.NewPCG(1, uint64(len(g.lots))))
	deep := g.deepCursor(min(len(g.lots)/2, 20000))
	anyLot := func() lotRef { return g.lots[rng.IntN(len(g.lots))] }
	bearer := http.Header{"Authorization": {"Bearer " + g.token}}
	cases := []struct {
		name   string
		client *http.Client
		header http.Header
		path   func() string
		status int
	}{
		{"public-lot-page-cold", nil, nil, func() string { l := anyLot(); return "/v/" + l.gtin + "/" + l.lot }, 200},
		{"resolver-cold", nil, nil, func() string { l := anyLot(); return "/01/" + l.gtin + "/10/" + l.lot }, 307},
		{"api-lots-of-enterprise", nil, bearer, func() string { return "/api/v1/batches?limit=50&enterprise_id=" + anyLot().enterprise }, 200},
		{"api-lot", nil, bearer, func() string { return "/api/v1/batches/" + anyLot().id }, 200},
		{"api-trace-up", nil, bearer, func() string { return "/api/v1/batches/" + g.made[rng.IntN(len(g.made))].id + "/trace?direction=up" }, 200},
		{"api-trace-down", nil, bearer, func() string { return "/api/v1/batches/" + anyLot().id + "/trace?direction=down" }, 200},
		{"workspace-enterprise-home", g.coop, nil, func() string { return "/w/" }, 200},
		{"workspace-enterprise-lots", g.coop, nil, func() string { return "/w/lots" }, 200},
		{"workspace-inspector-search-lot", g.admin, nil, func() string { return "/w/search?q=" + url.QueryEscape(anyLot().lot) }, 200},
		{"workspace-inspector-search-name", g.admin, nil, func() string {
			return "/w/search?q=" + url.QueryEscape(fmt.Sprintf("thử tải %d", rng.IntN(g.ents)))
		}, 200},
		{"public-certificate-page-cold", nil, nil, func() string { return "/c/" + g.certs[rng.IntN(len(g.certs))] }, 200},
		{"api-lots-deep-cursor", nil, bearer, func() string { return "/api/v1/batches?limit=50&cursor=" + url.QueryEscape(deep) }, 200},
		{"api-lots-updated-since", nil, bearer, func() string {
			return "/api/v1/batches?limit=50&updated_since=" + url.QueryEscape(g.sinceMark.Format(time.RFC3339))
		}, 200},
		// Exports of one lot (issue 14's target: under 50 ms at 1M lots).
		{"api-lot-epcis-export", nil, bearer, func() string { return "/api/v1/batches/" + g.made[rng.IntN(len(g.made))].id + "/epcis" }, 200},
		{"api-lot-eudr-geojson", nil, bearer, func() string { return "/api/v1/batches/" + g.made[rng.IntN(len(g.made))].id + "/eudr.geojson" }, 200},
		{"api-national-portal-page", nil, bearer, func() string {
			return "/api/v1/exports/national-portal?limit=50&enterprise=" + anyLot().enterprise
		}, 200},
		{"programme-dashboard", g.admin, nil, func() string { return "/dashboard/programme" }, 200},
		{"public-statistics", nil, nil, func() string { return "/thong-ke" }, 200},
	}
	plain := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }, Timeout: time.Minute}
	for _, c := range cases {
		g.b.Run(size+"/"+c.name, func(b *testing.B) {
			client := c.client
			if client == nil {
				client = plain
			}
			lat := make([]time.Duration, 0, b.N)
			for b.Loop() {
				req, _ := http.NewRequest("GET", g.base+c.path(), nil)
				for k, v := range c.header {
					req.Header[k] = v
				}
				t0 := time.Now()
				res, err := client.Do(req)
				if err != nil {
					b.Fatal(err)
				}
				io.Copy(io.Discard, res.Body)
				res.Body.Close()
				lat = append(lat, time.Since(t0))
				if res.StatusCode != c.status {
					b.Fatalf("GET %s: %d, want %d", req.URL.Path, res.StatusCode, c.status)
				}
			}
			reportLatency(b, lat)
		})
	}
	// EPCIS capture, 100 ObjectEvents a document, of one enterprise's lots.
	g.b.Run(size+"/epcis-capture-100-events", func(b *testing.B) {
		var spent time.Duration
		events := 0
		for b.Loop() {
			ent := rng.IntN(g.ents)
			var list []string
			for _, l := range g.lots[ent*100 : (ent+1)*100] {
				list = append(list, fmt.Sprintf(`{"type":"ObjectEvent","eventID":"urn:uuid:%08x-0000-4000-8000-%012x","eventTime":"2026-11-20T07:00:00+07:00",`+
					`"eventTimeZoneOffset":"+07:00","action":"OBSERVE","bizStep":"https://ref.gs1.org/cbv/BizStep-inspecting",`+
					`"quantityList":[{"epcClass":"%s/01/%s/10/%s","quantity":1,"uom":"KGM"}]}`, len(g.lots), g.captured, g.base, l.gtin, l.lot))
				g.captured++ // event IDs never repeat, across sizes and runs
			}
			body := []byte(`{"@context":["https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld"],"type":"EPCISDocument","schemaVersion":"2.0",` +
				`"creationDate":"2026-11-20T00:00:00Z","epcisBody":{"eventList":[` + strings.Join(list, ",") + `]}}`)
			req, _ := http.NewRequest("POST", g.base+"/api/v1/epcis/capture?enterprise="+g.entIDs[ent], bytes.NewReader(body))
			req.Header.Set("Content-Type", "application/ld+json")
			req.Header.Set("Authorization", "Bearer "+g.token)
			t0 := time.Now()
			res, err := plain.Do(req)
			if err != nil {
				b.Fatal(err)
			}
			msg, _ := io.ReadAll(res.Body)
			res.Body.Close()
			spent += time.Since(t0)
			if res.StatusCode != http.StatusCreated {
				b.Fatalf("capture: %d %s", res.StatusCode, msg)
			}
			events += len(list)
		}
		b.ReportMetric(float64(events)/spent.Seconds(), "events/s")
	})
	g.b.Run(size+"/api-create-lot", func(b *testing.B) {
		lat := make([]time.Duration, 0, b.N)
		i := 0
		for b.Loop() {
			l := anyLot()
			body, _ := json.Marshal(map[string]any{"enterprise_id": l.enterprise, "product_id": g.productOf(l), "lot_code": fmt.Sprintf("N%d-%d", len(g.lots), i),
				"quantity": 10, "unit": "kg", "produced_on": "2026-11-01", "status": registry.BatchPublished})
			i++
			t0 := time.Now()
			g.call("POST", "/api/v1/batches", "application/json", body, nil)
			lat = append(lat, time.Since(t0))
		}
		reportLatency(b, lat)
	})
}

// deepCursor follows the API's list of every lot for depth lots and
// returns the cursor there.
func (g *grower) deepCursor(depth int) string {
	cursor := ""
	for read := 0; read < depth; read += 200 {
		var page struct {
			Items []json.RawMessage `json:"items"`
			Next  string            `json:"next_cursor"`
		}
		g.call("GET", "/api/v1/batches?limit=200&cursor="+url.QueryEscape(cursor), "application/json", nil, &page)
		if page.Next == "" {
			break
		}
		cursor = page.Next
	}
	return cursor
}

// productOf finds a lot's product through the API once per enterprise.
func (g *grower) productOf(l lotRef) string {
	var b registry.Batch
	g.call("GET", "/api/v1/batches/"+l.id, "application/json", nil, &b)
	return b.ProductID
}

func reportLatency(b *testing.B, lat []time.Duration) {
	if len(lat) == 0 {
		return
	}
	slices.Sort(lat)
	at := func(p float64) float64 { return float64(lat[int(p*float64(len(lat)-1))].Microseconds()) / 1000 }
	b.ReportMetric(at(0.5), "p50-ms")
	b.ReportMetric(at(0.99), "p99-ms")
	b.ReportMetric(0, "ns/op")
}
