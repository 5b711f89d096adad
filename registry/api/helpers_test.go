package api

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/tracereg/tracereg/registry"
	"github.com/tracereg/tracereg/registry/disk"
	"github.com/tracereg/tracereg/registry/records"
	"github.com/tracereg/tracereg/registry/records/recordstest"
	"github.com/tracereg/tracereg/registry/server"
)

// testClock is a clock tests move by hand.
type testClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *testClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *testClock) Add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// env is a real app on a fresh database, with users of every role and a
// set of records of two enterprises.
type env struct {
	t     testing.TB
	app   *fiber.App
	api   *API
	db    *records.DB
	clock *testClock

	e1, e2 *registry.Enterprise
	body   *registry.CertificationBody
	body2  *registry.CertificationBody
	fac1   *registry.Facility
	prod1  *registry.Product
	batch1 *registry.Batch
	cert1  *registry.Certificate
	ann1   *registry.ConformityAnnouncement
	std1   *registry.Standard
	doc1   *registry.Document

	// The programme's records (of enterprise 1 where they belong to one).
	support1  *registry.SupportRecord
	expert1   *registry.Expert
	course1   *registry.TrainingCourse
	bench1    *registry.BenchmarkEntry
	practice1 *registry.GoodPractice

	tokens   map[string]string // role name → access token
	users    map[string]*registry.User
	password string
}

// Actor names of the tests.
const (
	asAdmin     = "admin"
	asInspector = "inspector"
	asCertifier = "certifier"
	asEnt1      = "enterprise"
	asEnt2      = "other-enterprise"
	asAnon      = "anonymous"
)

var actorNames = []string{asAdmin, asInspector, asCertifier, asEnt1, asEnt2, asAnon}

var seq atomic.Int64

func uniq() int64 { return seq.Add(1) }

// newEnv is a fresh database and API with the rate limit off, so the matrix
// and the benchmarks measure what they mean to (TestRateLimit turns it on).
func newEnv(t testing.TB) *env {
	t.Helper()
	return newEnvWith(t, -1)
}

func newEnvWith(t testing.TB, rateLimit int) *env {
	t.Helper()
	return newEnvOn(t, rateLimit, nil)
}

// newEnvOn is newEnv with the API on wrap(db) instead of db itself (tests
// that make one step of the real store fail).
func newEnvOn(t testing.TB, rateLimit int, wrap func(*records.DB) registry.Store) *env {
	t.Helper()
	clock := &testClock{t: time.Date(2026, 3, 1, 8, 0, 0, 0, time.UTC)}
	db := recordstest.NewWithClock(t, clock)
	docs, err := disk.New(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	var logOut io.Writer = io.Discard
	if os.Getenv("TRACEREG_TEST_LOG") != "" {
		logOut = os.Stderr
	}
	logger := slog.New(slog.NewTextHandler(logOut, nil))
	app, err := server.New(server.Config{Store: db, Documents: docs, Logger: logger, TrustedProxies: []string{"0.0.0.0"}})
	if err != nil {
		t.Fatal(err)
	}
	var store registry.Store = db
	if wrap != nil {
		store = wrap(db)
	}
	cfg := Config{Store: store, Documents: docs, Clock: clock, Logger: logger, DataDir: t.TempDir(), RateLimit: rateLimit}
	a, err := New(app, cfg)
	if err != nil {
		t.Fatal(err)
	}
	e := &env{t: t, app: app, api: a, db: db, clock: clock, tokens: map[string]string{}, users: map[string]*registry.User{}}
	e.seed()
	return e
}

func must(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func (e *env) ctx() context.Context {
	return registry.WithActor(context.Background(), registry.Actor{UserID: "000000000000000000000000", Username: "seed", Role: registry.RoleAdmin})
}

func newEnterprise(n int64) *registry.Enterprise {
	return &registry.Enterprise{TaxCode: fmt.Sprintf("%010d", 6000000000+n), NameVI: fmt.Sprintf("Doanh nghiệp %d", n), Kind: "company",
		District: "Buôn Ma Thuột", Sector: "agriculture", Size: "small"}
}

func (e *env) seed() {
	t, ctx, s := e.t, e.ctx(), e.db
	e.e1, e.e2 = newEnterprise(uniq()), newEnterprise(uniq())
	must(t, s.CreateEnterprise(ctx, e.e1))
	must(t, s.CreateEnterprise(ctx, e.e2))
	e.body = &registry.CertificationBody{Name: "Tổ chức A", Code: fmt.Sprintf("CB-%d", uniq())}
	e.body2 = &registry.CertificationBody{Name: "Tổ chức B", Code: fmt.Sprintf("CB-%d", uniq())}
	must(t, s.CreateCertificationBody(ctx, e.body))
	must(t, s.CreateCertificationBody(ctx, e.body2))
	e.fac1 = &registry.Facility{EnterpriseID: e.e1.ID, Kind: registry.FacilityProcessing, Name: "Xưởng", District: "Cư Kuin"}
	must(t, s.CreateFacility(ctx, e.fac1))
	e.prod1 = &registry.Product{EnterpriseID: e.e1.ID, NameVI: "Cà phê nhân", Category: "coffee", Unit: "kg"}
	must(t, s.CreateProduct(ctx, e.prod1))
	e.batch1 = e.newBatch(e.e1.ID, e.prod1.ID, registry.BatchPublished)
	e.cert1 = e.newCert(e.body.ID, e.e1.ID)
	e.ann1 = &registry.ConformityAnnouncement{EnterpriseID: e.e1.ID, Type: registry.AnnounceStandard, ProductIDs: []string{e.prod1.ID},
		StandardCode: "TCVN 4193:2014", Basis: registry.BasisSelfAssessment, Agency: "Sở KH&CN Đắk Lắk", Status: registry.AnnDraft}
	must(t, s.CreateAnnouncement(ctx, e.ann1))
	e.std1 = &registry.Standard{Code: fmt.Sprintf("TCVN %d:2014", uniq()), TitleVI: "Cà phê nhân"}
	must(t, s.CreateStandard(ctx, e.std1))
	e.doc1 = e.newDocument(e.e1.ID, false)
	e.seedProgramme()

	e.password = "correct horse battery"
	hash, err := registry.HashPassword(e.password)
	must(t, err)
	for name, u := range map[string]*registry.User{
		asAdmin:     {Role: registry.RoleAdmin},
		asInspector: {Role: registry.RoleInspector},
		asCertifier: {Role: registry.RoleCertifier, BodyID: e.body.ID},
		asEnt1:      {Role: registry.RoleEnterprise, EnterpriseID: e.e1.ID},
		asEnt2:      {Role: registry.RoleEnterprise, EnterpriseID: e.e2.ID},
	} {
		u.Username = fmt.Sprintf("%s-%d", strings.ReplaceAll(name, "-", ""), uniq())
		u.DisplayName, u.PasswordHash = name, hash
		must(t, s.CreateUser(ctx, u))
		e.users[name] = u
		tok, err := e.api.issueAccess(u)
		must(t, err)
		e.tokens[name] = tok
	}
}

func (e *env) newBatch(enterpriseID, productID, status string) *registry.Batch {
	b := &registry.Batch{EnterpriseID: enterpriseID, ProductID: productID, LotCode: fmt.Sprintf("L%d", uniq()), Quantity: 100, Unit: "kg",
		ProducedOn: "2026-01-10", Status: status}
	must(e.t, e.db.CreateBatch(e.ctx(), b))
	return b
}

// pdfBytes is a tiny file that sniffs as a PDF.
var pdfBytes = []byte("%PDF-1.4\n1 0 obj << >> endobj\ntrailer << >>\n%%EOF\n")

func (e *env) newDocument(enterpriseID string, public bool) *registry.Document {
	blob, err := e.api.docs.Put(context.Background(), bytes.NewReader(pdfBytes), registry.MaxDocumentSize, registry.DocumentMediaTypes)
	must(e.t, err)
	d := &registry.Document{EnterpriseID: enterpriseID, Title: "Giấy chứng nhận", FileName: "c.pdf", Kind: "certificate", Public: public, Blob: blob}
	must(e.t, e.db.CreateDocument(e.ctx(), d))
	return d
}

func (e *env) newCert(bodyID, holderID string) *registry.Certificate {
	c := &registry.Certificate{Number: fmt.Sprintf("VG-%d", uniq()), Scheme: "VietGAP", BodyID: bodyID, HolderID: holderID,
		IssuedOn: "2025-01-01", ExpiresOn: "2028-01-01"}
	must(e.t, e.db.CreateCertificate(e.ctx(), c))
	return c
}

// response is what a request got.
type response struct {
	status int
	header http.Header
	body   []byte
}

func (r response) decode(t testing.TB, v any) {
	t.Helper()
	if err := json.Unmarshal(r.body, v); err != nil {
		t.Fatalf("decode %s: %v", r.body, err)
	}
}

func (r response) problem(t testing.TB) server.Problem {
	t.Helper()
	var p server.Problem
	r.decode(t, &p)
	return p
}

// request is one call: JSON bodies are marshalled unless already bytes.
type request struct {
	method, path string
	as           string // actor name; "" or asAnon for none
	body         any
	contentType  string
	header       map[string]string
}

func (e *env) do(r request) response {
	e.t.Helper()
	var body io.Reader
	ct := r.contentType
	switch b := r.body.(type) {
	case nil:
	case []byte:
		body = bytes.NewReader(b)
	case string:
		body = strings.NewReader(b)
	default:
		j, err := json.Marshal(b)
		must(e.t, err)
		body = bytes.NewReader(j)
	}
	if body != nil && ct == "" {
		ct = "application/json"
	}
	req := httptest.NewRequest(r.method, r.path, body)
	if ct != "" {
		req.Header.Set("Content-Type", ct)
	}
	if tok := e.tokens[r.as]; tok != "" {
		req.Header.Set("Authorization", "Bearer "+tok)
	}
	for k, v := range r.header {
		req.Header.Set(k, v)
	}
	res, err := e.app.Test(req, -1)
	must(e.t, err)
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	must(e.t, err)
	return response{status: res.StatusCode, header: res.Header, body: b}
}

// etagOf reads the record at path as admin and returns its ETag and JSON.
func (e *env) etagOf(path string) (string, map[string]any) {
	e.t.Helper()
	r := e.do(request{method: "GET", path: path, as: asAdmin})
	if r.status != 200 {
		e.t.Fatalf("GET %s: %d %s", path, r.status, r.body)
	}
	var m map[string]any
	r.decode(e.t, &m)
	return r.header.Get("ETag"), m
}

// snapshot counts every kind of record, to show a refused request changed nothing.
func (e *env) snapshot() map[string]int {
	e.t.Helper()
	ctx := context.Background()
	p := registry.Page{Limit: registry.MaxPageLimit}
	out := map[string]int{}
	ents, _, err := e.db.ListEnterprises(ctx, registry.EnterpriseFilter{Page: p})
	must(e.t, err)
	out["enterprises"] = len(ents)
	facs, _, err := e.db.ListFacilities(ctx, registry.FacilityFilter{Page: p})
	must(e.t, err)
	out["facilities"] = len(facs)
	prods, _, err := e.db.ListProducts(ctx, registry.ProductFilter{Page: p})
	must(e.t, err)
	out["products"] = len(prods)
	batches, _, err := e.db.ListBatches(ctx, registry.BatchFilter{Page: p})
	must(e.t, err)
	out["batches"] = len(batches)
	certs, _, err := e.db.ListCertificates(ctx, registry.CertificateFilter{Page: p})
	must(e.t, err)
	out["certificates"] = len(certs)
	anns, _, err := e.db.ListAnnouncements(ctx, registry.AnnouncementFilter{Page: p})
	must(e.t, err)
	out["announcements"] = len(anns)
	stds, _, err := e.db.ListStandards(ctx, "", p)
	must(e.t, err)
	out["standards"] = len(stds)
	bodies, _, err := e.db.ListCertificationBodies(ctx, p)
	must(e.t, err)
	out["bodies"] = len(bodies)
	users, _, err := e.db.ListUsers(ctx, p)
	must(e.t, err)
	out["users"] = len(users)
	audit, _, err := e.db.ListAudit(ctx, registry.AuditFilter{Page: p})
	must(e.t, err)
	out["audit"] = len(audit)
	events, err := e.db.ListBatchEvents(ctx, e.batch1.ID)
	must(e.t, err)
	out["events(batch1)"] = len(events)
	e.snapshotProgramme(out) // programme_test.go
	// Versions too: a refused update must not have bumped anything.
	for _, x := range ents {
		out["v:"+x.ID] = x.Version
	}
	for _, x := range batches {
		out["v:"+x.ID] = x.Version
	}
	for _, x := range prods {
		out["v:"+x.ID] = x.Version
	}
	for _, x := range facs {
		out["v:"+x.ID] = x.Version
	}
	return out
}

func sameSnapshot(t testing.TB, before, after map[string]int) {
	t.Helper()
	for k, v := range before {
		if after[k] != v {
			t.Errorf("database changed: %s was %d, now %d", k, v, after[k])
		}
	}
	for k, v := range after {
		if _, ok := before[k]; !ok {
			t.Errorf("database changed: %s appeared (%d)", k, v)
		}
	}
}

// short is the start of a body, for failure messages.
func short(b []byte) string {
	s := strings.TrimSpace(string(b))
	if len(s) > 300 {
		s = s[:300] + "…"
	}
	return s
}
