package lookup_test

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/tracereg/tracereg/lookup"
	"github.com/tracereg/tracereg/registry"
	"github.com/tracereg/tracereg/registry/credential"
	"github.com/tracereg/tracereg/registry/demodata"
	"github.com/tracereg/tracereg/registry/disk"
	"github.com/tracereg/tracereg/registry/records"
	"github.com/tracereg/tracereg/registry/records/recordstest"
	"github.com/tracereg/tracereg/registry/server"
)

const testBase = "https://truyxuat.test"

// demoNow is a day when every demo certificate is valid (Vietnam time).
var demoNow = time.Date(2026, 11, 27, 9, 0, 0, 0, registry.Vietnam)

type env struct {
	t    testing.TB
	db   *records.DB
	docs registry.DocumentStore
	demo demodata.Result
	app  *fiber.App
	lk   *lookup.Lookup
	// issuer signs credentials and label codes (one per env, so every app shares its keys).
	issuer *credential.Issuer
}

// newEnv is a fresh database with the demo loaded and the public side mounted at now.
func newEnv(t testing.TB, now time.Time) *env {
	t.Helper()
	db := recordstest.New(t)
	docs, err := disk.New(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	res, err := demodata.Seed(context.Background(), db, docs)
	if err != nil {
		t.Fatalf("seed demo: %v", err)
	}
	e := &env{t: t, db: db, docs: docs, demo: res}
	e.app, e.lk = e.mount(lookup.Config{Clock: registry.FixedClock(now)})
	return e
}

// mount builds the one app with the public side on the env's stores; cfg
// fields left zero get the env's.
func (e *env) mount(cfg lookup.Config) (*fiber.App, *lookup.Lookup) {
	e.t.Helper()
	log := slog.New(slog.DiscardHandler)
	// The test client is a trusted proxy, so tests give client addresses in X-Forwarded-For.
	app, err := server.New(server.Config{Store: e.db, Documents: e.docs, Logger: log, TrustedProxies: []string{"0.0.0.0"}, SelfTimed: lookup.SelfTimed})
	if err != nil {
		e.t.Fatal(err)
	}
	if cfg.Store == nil {
		cfg.Store = e.db
	}
	if cfg.Documents == nil {
		cfg.Documents = e.docs
	}
	if cfg.Clock == nil {
		cfg.Clock = registry.FixedClock(demoNow)
	}
	cfg.Logger = log
	if cfg.RateLimit == 0 {
		cfg.RateLimit = -1 // tests that measure the limit set one
	}
	if cfg.PublicBaseURL == "" {
		cfg.PublicBaseURL = testBase
	}
	if cfg.Credentials == nil {
		if e.issuer == nil {
			keys, err := credential.LoadKeyring(filepath.Join(e.t.TempDir(), credential.KeyFileName), demoNow)
			if err != nil {
				e.t.Fatal(err)
			}
			if e.issuer, err = credential.NewIssuer(cfg.PublicBaseURL, "tracereg (test)", keys); err != nil {
				e.t.Fatal(err)
			}
		}
		cfg.Credentials = e.issuer
	}
	lk, err := lookup.MountLookup(app, cfg)
	if err != nil {
		e.t.Fatal(err)
	}
	e.t.Cleanup(func() { lk.Close(context.Background()) })
	return app, lk
}

// at mounts another app on the same database with the clock at now.
func (e *env) at(now time.Time) *fiber.App {
	app, _ := e.mount(lookup.Config{Clock: registry.FixedClock(now)})
	return app
}

type resp struct {
	Status int
	Header http.Header
	Body   string
}

func do(t *testing.T, app *fiber.App, method, target string, header ...string) resp {
	t.Helper()
	req := httptest.NewRequest(method, target, nil)
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	return send(t, app, req)
}

func send(t *testing.T, app *fiber.App, req *http.Request) resp {
	t.Helper()
	res, err := app.Test(req, 30000)
	if err != nil {
		t.Fatalf("%s %s: %v", req.Method, req.URL, err)
	}
	b, _ := io.ReadAll(res.Body)
	res.Body.Close()
	return resp{Status: res.StatusCode, Header: res.Header, Body: string(b)}
}

func (r resp) json(t *testing.T, v any) {
	t.Helper()
	if err := json.Unmarshal([]byte(r.Body), v); err != nil {
		t.Fatalf("not JSON (%v): %.300s", err, r.Body)
	}
}

func wantStatus(t *testing.T, r resp, status int) {
	t.Helper()
	if r.Status != status {
		t.Fatalf("status %d, want %d; body: %.400s", r.Status, status, r.Body)
	}
}

func wantContains(t *testing.T, s string, subs ...string) {
	t.Helper()
	for _, sub := range subs {
		if !strings.Contains(s, sub) {
			t.Errorf("missing %q in %.600s", sub, s)
		}
	}
}

func wantNotContains(t *testing.T, s string, subs ...string) {
	t.Helper()
	for _, sub := range subs {
		if strings.Contains(s, sub) {
			t.Errorf("unexpected %q in %.600s", sub, s)
		}
	}
}

// Demo keys.
func (e *env) roastedGTIN() string { return e.demo.RoastedGTIN }
func (e *env) greenGTIN() string {
	p, err := e.db.FindProduct(context.Background(), e.batch(e.demo.GreenBatchID).ProductID)
	if err != nil {
		e.t.Fatal(err)
	}
	return p.GTIN
}
func (e *env) batch(id string) *registry.Batch {
	b, err := e.db.FindBatch(context.Background(), id)
	if err != nil {
		e.t.Fatal(err)
	}
	return b
}
func (e *env) lotPath() string { return "/01/" + e.roastedGTIN() + "/10/" + demodata.RoastedLot }
