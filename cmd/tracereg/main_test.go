package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/FerretDB/FerretDB/ferretdb"

	"github.com/tracereg/tracereg/registry"
	"github.com/tracereg/tracereg/registry/demodata"
	"github.com/tracereg/tracereg/registry/minio"
)

// env builds a getenv from pairs.
func env(pairs ...string) func(string) string {
	m := map[string]string{}
	for i := 0; i+1 < len(pairs); i += 2 {
		m[pairs[i]] = pairs[i+1]
	}
	return func(k string) string { return m[k] }
}

func TestLoadConfigRejectsBadValuesNamingTheVariable(t *testing.T) {
	cases := []struct{ name, value, wantVar string }{
		{"PORT", "abc", "PORT"},
		{"PORT", "70000", "PORT"},
		{"HOST", "not a host", "HOST"},
		{"TRACEREG_ENV", "staging", "TRACEREG_ENV"},
		{"TRACEREG_ADMIN_PASSWORD", "short", "TRACEREG_ADMIN_PASSWORD"},
		{"PUBLIC_BASE_URL", "ftp://x", "PUBLIC_BASE_URL"},
		{"PUBLIC_BASE_URL", "https://", "PUBLIC_BASE_URL"},
		{"LOG_LEVEL", "loud", "LOG_LEVEL"},
		{"MONGODB_URI", "postgres://x", "MONGODB_URI"},
		{"MONGODB_DATABASE", "a b", "MONGODB_DATABASE"},
		{"S3_USE_TLS", "maybe", "S3_USE_TLS"},
		{"TRACEREG_TRUSTED_PROXIES", "10.0.0.1,banana", "TRACEREG_TRUSTED_PROXIES"},
		{"TRACEREG_JWT_KEY", "c2hvcnQ=", "TRACEREG_JWT_KEY"},
		{"TRACEREG_HOLIDAYS_FILE", "/nonexistent/holidays.txt", "TRACEREG_HOLIDAYS_FILE"},
		{"TRACEREG_ASK_DAYS", "0", "TRACEREG_ASK_DAYS"},
		{"TRACEREG_ASK_DAYS", "three", "TRACEREG_ASK_DAYS"},
		{"TRACEREG_RECEIPT_DAYS", "61", "TRACEREG_RECEIPT_DAYS"},
		{"TRACEREG_RECEIPT_FORMAT", "TBTN-{year}", "TRACEREG_RECEIPT_FORMAT"},
		{"TRACEREG_TARGETS_2026_2030", "experts=50-20", "TRACEREG_TARGETS_2026_2030"},
		{"TRACEREG_TARGETS_2026_2030", "visitors=3", "TRACEREG_TARGETS_2026_2030"},
		{"TRACEREG_TLS_CERT_FILE", "/nonexistent/cert.pem", "TRACEREG_TLS_KEY_FILE"},
		{"TRACEREG_TLS_KEY_FILE", "/nonexistent/key.pem", "TRACEREG_TLS_CERT_FILE"},
		{"TRACEREG_PLACE_HEADER", "X Geo", "TRACEREG_PLACE_HEADER"},
		{"TRACEREG_PUBLIC_RATE_LIMIT", "0", "TRACEREG_PUBLIC_RATE_LIMIT"},
		{"TRACEREG_PUBLIC_RATE_LIMIT", "many", "TRACEREG_PUBLIC_RATE_LIMIT"},
		{"TRACEREG_API_RATE_LIMIT", "-5", "TRACEREG_API_RATE_LIMIT"},
		{"TRACEREG_WEBHOOK_ALLOW_PRIVATE", "sometimes", "TRACEREG_WEBHOOK_ALLOW_PRIVATE"},
		{"TRACEREG_WEBHOOK_WORKERS", "0", "TRACEREG_WEBHOOK_WORKERS"},
		{"TRACEREG_WEBHOOK_WORKERS", "65", "TRACEREG_WEBHOOK_WORKERS"},
	}
	for _, c := range cases {
		t.Run(c.name+"="+c.value, func(t *testing.T) {
			_, err := LoadConfig(env(c.name, c.value))
			if err == nil || !strings.Contains(err.Error(), c.wantVar) {
				t.Fatalf("LoadConfig(%s=%q) = %v, want an error naming %s", c.name, c.value, err, c.wantVar)
			}
		})
	}
	// A certificate and key that cannot be loaded name the certificate variable.
	dir := t.TempDir()
	os.WriteFile(dir+"/cert.pem", []byte("not a certificate"), 0o600)
	os.WriteFile(dir+"/key.pem", []byte("not a key"), 0o600)
	if _, err := LoadConfig(env("TRACEREG_TLS_CERT_FILE", dir+"/cert.pem", "TRACEREG_TLS_KEY_FILE", dir+"/key.pem")); err == nil ||
		!strings.Contains(err.Error(), "TRACEREG_TLS_CERT_FILE") {
		t.Errorf("unloadable TLS files: %v", err)
	}
	// S3 settings depend on each other.
	for _, pairs := range [][]string{
		{"S3_ENDPOINT", "127.0.0.1:9000", "S3_SECRET_KEY", "s"},
		{"S3_ENDPOINT", "127.0.0.1:9000", "S3_ACCESS_KEY", "a"},
		{"S3_ENDPOINT", "http://127.0.0.1:9000", "S3_ACCESS_KEY", "a", "S3_SECRET_KEY", "s"},
		{"S3_ENDPOINT", "127.0.0.1:9000", "S3_ACCESS_KEY", "a", "S3_SECRET_KEY", "s", "S3_BUCKET", "Bad_Bucket"},
	} {
		if _, err := LoadConfig(env(pairs...)); err == nil || !strings.Contains(err.Error(), "S3_") {
			t.Errorf("LoadConfig(%v) = %v, want an S3_ error", pairs, err)
		}
	}
}

func TestLoadConfigDefaults(t *testing.T) {
	c, err := LoadConfig(env())
	if err != nil {
		t.Fatal(err)
	}
	if c.Port != 8080 || c.Host != "127.0.0.1" || c.Env != "development" || c.MongoURI != "" || c.S3Endpoint != "" ||
		c.MongoDatabase != "tracereg" || c.PublicBaseURL != "http://localhost:8080" || !strings.HasSuffix(c.DataDir, "/data") ||
		c.WebhookAllowPrivate || c.WebhookWorkers != 4 {
		t.Fatalf("defaults: %+v", c)
	}
	if c, err := LoadConfig(env("TRACEREG_WEBHOOK_ALLOW_PRIVATE", "true", "TRACEREG_WEBHOOK_WORKERS", "8")); err != nil ||
		!c.WebhookAllowPrivate || c.WebhookWorkers != 8 {
		t.Fatalf("webhook settings: %v %+v", err, c)
	}
}

func TestReadmeDocumentsEveryVariable(t *testing.T) {
	readme, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	for _, v := range envVars {
		if !bytes.Contains(readme, []byte("`"+v.Name+"`")) {
			t.Errorf("README.md does not document %s", v.Name)
		}
	}
}

func freePort(t *testing.T) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// syncBuffer is a bytes.Buffer safe for the server goroutine and the test.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}
func (s *syncBuffer) String() string { s.mu.Lock(); defer s.mu.Unlock(); return s.b.String() }

// runningServer is a `tracereg serve` running in this process.
type runningServer struct {
	url    string
	cancel context.CancelFunc
	done   chan error
	out    *syncBuffer
}

func startServer(t *testing.T, getenv func(string) string, args ...string) *runningServer {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	s := &runningServer{url: "http://127.0.0.1:" + getenv("PORT"), cancel: cancel, done: make(chan error, 1), out: &syncBuffer{}}
	go func() { s.done <- run(ctx, append([]string{"serve"}, args...), getenv, s.out, io.Discard) }()
	deadline := time.Now().Add(60 * time.Second)
	for {
		resp, err := http.Get(s.url + "/readyz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return s
			}
		}
		select {
		case err := <-s.done:
			t.Fatalf("server stopped before it was ready: %v\n%s", err, s.out.String())
		default:
		}
		if time.Now().After(deadline) {
			cancel()
			t.Fatalf("server not ready after 60 s\n%s", s.out.String())
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// stop shuts the server down gracefully and waits for it.
func (s *runningServer) stop(t *testing.T) {
	t.Helper()
	s.cancel()
	select {
	case err := <-s.done:
		if err != nil {
			t.Fatalf("serve returned %v", err)
		}
	case <-time.After(60 * time.Second):
		t.Fatal("server did not stop within 60 s")
	}
}

// openStores opens the configured stores the way a subcommand does.
func openStores(t *testing.T, getenv func(string) string) *Main {
	t.Helper()
	cfg, err := LoadConfig(getenv)
	if err != nil {
		t.Fatal(err)
	}
	m, err := NewMain(context.Background(), cfg, slog.New(slog.NewTextHandler(io.Discard, nil)), false)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { m.Close() })
	return m
}

// checkDemo asserts the demo records exist and returns the test report's blob address.
func checkDemo(t *testing.T, m *Main) string {
	t.Helper()
	ctx := context.Background()
	coop, err := m.Store.FindEnterpriseByTaxCode(ctx, demodata.CoopTaxCode)
	if err != nil {
		t.Fatalf("demo cooperative: %v", err)
	}
	plots, _, err := m.Store.ListFacilities(ctx, registry.FacilityFilter{EnterpriseID: coop.ID, Kind: registry.FacilityFarmPlot})
	if err != nil || len(plots) != 2 {
		t.Fatalf("demo plots: %d, %v", len(plots), err)
	}
	roaster, err := m.Store.FindEnterpriseByTaxCode(ctx, demodata.RoasterTaxCode)
	if err != nil {
		t.Fatal(err)
	}
	batches, _, err := m.Store.ListBatches(ctx, registry.BatchFilter{EnterpriseID: roaster.ID, LotCode: demodata.RoastedLot})
	if err != nil || len(batches) != 1 {
		t.Fatalf("demo roasted lot: %d, %v", len(batches), err)
	}
	g, err := m.Store.Genealogy(ctx, batches[0].ID, registry.Upstream, 10)
	if err != nil || len(g.Plots) != 2 || len(g.Batches) != 2 {
		t.Fatalf("demo genealogy up from the roasted lot: %+v, %v", g, err)
	}
	anns, _, err := m.Store.ListAnnouncements(ctx, registry.AnnouncementFilter{EnterpriseID: roaster.ID})
	// A store seeded by an earlier version keeps the number it had.
	if err != nil || len(anns) != 1 || anns[0].ReceiptNumber != demodata.ReceiptNumber && anns[0].ReceiptNumber != demodata.LegacyReceiptNumber ||
		!anns[0].MayCarryCRMark() {
		t.Fatalf("demo announcement: %+v, %v", anns, err)
	}
	certs, _, err := m.Store.ListCertificates(ctx, registry.CertificateFilter{HolderID: coop.ID})
	if err != nil || len(certs) != 2 {
		t.Fatalf("demo certificates: %d, %v", len(certs), err)
	}
	doc, err := m.Store.FindDocument(ctx, anns[0].TestReportIDs[0])
	if err != nil {
		t.Fatal(err)
	}
	return doc.Blob.SHA256
}

func countAll(t *testing.T, m *Main) int {
	t.Helper()
	ctx := context.Background()
	n := 0
	ents, _, _ := m.Store.ListEnterprises(ctx, registry.EnterpriseFilter{})
	n += len(ents)
	facs, _, _ := m.Store.ListFacilities(ctx, registry.FacilityFilter{})
	n += len(facs)
	prods, _, _ := m.Store.ListProducts(ctx, registry.ProductFilter{})
	n += len(prods)
	bats, _, _ := m.Store.ListBatches(ctx, registry.BatchFilter{})
	n += len(bats)
	certs, _, _ := m.Store.ListCertificates(ctx, registry.CertificateFilter{})
	n += len(certs)
	anns, _, _ := m.Store.ListAnnouncements(ctx, registry.AnnouncementFilter{})
	n += len(anns)
	for _, b := range bats {
		evs, _ := m.Store.ListBatchEvents(ctx, b.ID)
		n += len(evs)
	}
	return n
}

// The embedded default end to end: serve with the demo, subcommands while the
// server runs (through its socket), graceful stop, and a restart that keeps
// every record and document.
func TestServeEmbeddedKeepsRecordsAcrossRestarts(t *testing.T) {
	data := filepath.Join(shortTempDir(t), "data")
	port := strconv.Itoa(freePort(t))
	getenv := env("TRACEREG_DATA", data, "PORT", port, "TRACEREG_ADMIN_PASSWORD", "correct-horse-battery")

	s := startServer(t, getenv, "--demo")
	if !strings.Contains(s.out.String(), "password from TRACEREG_ADMIN_PASSWORD") {
		t.Errorf("first start did not report the admin account:\n%s", s.out.String())
	}
	if strings.Contains(s.out.String(), "correct-horse-battery") {
		t.Error("the admin password was printed")
	}

	// Subcommands reach the running server's database through its socket.
	var out bytes.Buffer
	if err := run(context.Background(), []string{"user", "list"}, getenv, &out, io.Discard); err != nil {
		t.Fatalf("user list while serving: %v", err)
	}
	if !strings.Contains(out.String(), "admin") {
		t.Fatalf("user list: %q", out.String())
	}
	out.Reset()
	if err := run(context.Background(), []string{"seed", "--demo"}, getenv, &out, io.Discard); err != nil {
		t.Fatalf("seed while serving: %v", err)
	}
	if !strings.Contains(out.String(), "nothing changed") {
		t.Fatalf("second demo load changed something: %q", out.String())
	}
	// A second server on the same data directory is refused clearly.
	getenv2 := env("TRACEREG_DATA", data, "PORT", strconv.Itoa(freePort(t)))
	err := run(context.Background(), []string{"serve"}, getenv2, io.Discard, io.Discard)
	if err == nil || !strings.Contains(err.Error(), "another tracereg process") {
		t.Fatalf("second server on the same data dir: %v", err)
	}
	s.stop(t)

	m := openStores(t, getenv)
	sha := checkDemo(t, m)
	before := countAll(t, m)
	if _, err := m.Documents.Stat(context.Background(), sha); err != nil {
		t.Fatalf("demo document after stop: %v", err)
	}
	m.Close()

	s = startServer(t, getenv)
	if strings.Contains(s.out.String(), "Created the admin account") {
		t.Error("the admin account was created again on restart")
	}
	s.stop(t)
	m = openStores(t, getenv)
	checkDemo(t, m)
	if after := countAll(t, m); after != before || before < 15 {
		t.Fatalf("records before restart %d, after %d", before, after)
	}
	rc, blob, err := m.Documents.Open(context.Background(), sha)
	if err != nil {
		t.Fatal(err)
	}
	defer rc.Close()
	if b, _ := io.ReadAll(rc); !bytes.HasPrefix(b, []byte("%PDF-")) || blob.MediaType != "application/pdf" {
		t.Fatalf("document after restart: %q %+v", b[:min(len(b), 8)], blob)
	}
}

func TestGeneratedAdminPasswordIsPrintedOnce(t *testing.T) {
	data := filepath.Join(shortTempDir(t), "data")
	getenv := env("TRACEREG_DATA", data, "PORT", strconv.Itoa(freePort(t)))
	s := startServer(t, getenv)
	s.stop(t)
	out := s.out.String()
	i := strings.Index(out, "password: ")
	if i < 0 {
		t.Fatalf("no generated password printed:\n%s", out)
	}
	pw := strings.Fields(out[i+len("password: "):])[0]
	m := openStores(t, getenv)
	u, err := m.Store.FindUserByUsername(context.Background(), "admin")
	if err != nil || u.Role != registry.RoleAdmin || !registry.VerifyPassword(u.PasswordHash, pw) {
		t.Fatalf("admin %+v, %v: printed password does not verify", u, err)
	}
}

func TestDemoIsRefusedInProduction(t *testing.T) {
	data := filepath.Join(shortTempDir(t), "data")
	getenv := env("TRACEREG_DATA", data, "TRACEREG_ENV", "production")
	if err := run(context.Background(), []string{"seed", "--demo"}, getenv, io.Discard, io.Discard); err == nil || !strings.Contains(err.Error(), "production") {
		t.Fatalf("seed --demo in production: %v", err)
	}
	if err := run(context.Background(), []string{"serve", "--demo"}, getenv, io.Discard, io.Discard); err == nil || !strings.Contains(err.Error(), "production") {
		t.Fatalf("serve --demo in production: %v", err)
	}
}

func TestUnknownCommandAndVersion(t *testing.T) {
	var out bytes.Buffer
	if err := run(context.Background(), []string{"version"}, env(), &out, io.Discard); err != nil || !strings.HasPrefix(out.String(), "tracereg ") {
		t.Fatalf("version: %q %v", out.String(), err)
	}
	if err := run(context.Background(), []string{"frobnicate"}, env(), io.Discard, io.Discard); err == nil {
		t.Fatal("unknown command accepted")
	}
	if err := run(context.Background(), []string{"serve"}, env("PORT", "-1"), io.Discard, io.Discard); err == nil || !strings.Contains(err.Error(), "PORT") {
		t.Fatalf("bad PORT: %v", err)
	}
}

// MONGODB_URI pointing at another MongoDB-protocol server (FerretDB on a
// loopback TCP port, started here) works the same as the embedded default.
func TestServeOnExternalMongoURI(t *testing.T) {
	dir := shortTempDir(t)
	os.MkdirAll(filepath.Join(dir, "ext"), 0o700)
	f, err := ferretdb.New(&ferretdb.Config{
		Listener:  ferretdb.ListenerConfig{TCP: "127.0.0.1:0"},
		Handler:   "sqlite",
		SQLiteURL: "file:" + filepath.Join(dir, "ext") + "/",
		Logger:    slog.New(slog.NewTextHandler(io.Discard, nil)),
	})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { f.Run(ctx); close(done) }()
	t.Cleanup(func() { cancel(); <-done })
	uri := f.MongoDBURI()

	getenv := env("TRACEREG_DATA", filepath.Join(dir, "data"), "PORT", strconv.Itoa(freePort(t)), "MONGODB_URI", uri, "MONGODB_DATABASE", "tracereg_ext")
	s := startServer(t, getenv, "--demo")
	s.stop(t)
	if _, err := os.Stat(filepath.Join(dir, "data", "db")); !os.IsNotExist(err) {
		t.Errorf("the embedded database was created although MONGODB_URI is set (%v)", err)
	}
	m := openStores(t, getenv)
	checkDemo(t, m)

	// And a MONGODB_URI that does not answer stops the start with its name.
	bad := env("TRACEREG_DATA", filepath.Join(dir, "data"), "PORT", strconv.Itoa(freePort(t)),
		"MONGODB_URI", fmt.Sprintf("mongodb://127.0.0.1:%d/?serverSelectionTimeoutMS=500&connectTimeoutMS=500", freePort(t)))
	if err := run(context.Background(), []string{"migrate"}, bad, io.Discard, io.Discard); err == nil || !strings.Contains(err.Error(), "MONGODB_URI") {
		t.Fatalf("unreachable MONGODB_URI: %v", err)
	}
}

// With S3_* set, documents go to MinIO (started by `make test`).
func TestServeWithMinIO(t *testing.T) {
	endpoint := os.Getenv("TRACEREG_TEST_S3_ENDPOINT")
	if endpoint == "" {
		t.Skip("MinIO tests skipped: run `make test` (it builds and starts MinIO), or set TRACEREG_TEST_S3_ENDPOINT, TRACEREG_TEST_S3_ACCESS_KEY, TRACEREG_TEST_S3_SECRET_KEY")
	}
	access, secret := os.Getenv("TRACEREG_TEST_S3_ACCESS_KEY"), os.Getenv("TRACEREG_TEST_S3_SECRET_KEY")
	bucket := fmt.Sprintf("tracereg-cmd-%d", time.Now().UnixNano())
	data := filepath.Join(shortTempDir(t), "data")
	getenv := env("TRACEREG_DATA", data, "PORT", strconv.Itoa(freePort(t)),
		"S3_ENDPOINT", endpoint, "S3_ACCESS_KEY", access, "S3_SECRET_KEY", secret, "S3_BUCKET", bucket)
	s := startServer(t, getenv, "--demo")
	s.stop(t)
	m := openStores(t, getenv)
	sha := checkDemo(t, m)
	if _, ok := m.Documents.(*minio.Store); !ok {
		t.Fatalf("documents are in %T, want the MinIO store", m.Documents)
	}
	if _, err := m.Documents.Stat(context.Background(), sha); err != nil {
		t.Fatalf("demo document in MinIO: %v", err)
	}
	if _, err := os.Stat(filepath.Join(data, "documents")); !os.IsNotExist(err) {
		t.Errorf("documents were written to disk although S3_ENDPOINT is set (%v)", err)
	}
	// A wrong secret stops the start with the variable's name.
	bad := env("TRACEREG_DATA", data, "S3_ENDPOINT", endpoint, "S3_ACCESS_KEY", access, "S3_SECRET_KEY", "wrong-secret", "S3_BUCKET", bucket)
	if err := run(context.Background(), []string{"migrate"}, bad, io.Discard, io.Discard); err == nil || !strings.Contains(err.Error(), "S3_ENDPOINT") {
		t.Fatalf("wrong S3 secret: %v", err)
	}
}

// shortTempDir keeps Unix socket paths under their ~100-byte limit.
func shortTempDir(t *testing.T) string {
	t.Helper()
	dir, err := os.MkdirTemp("", "tr")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	return dir
}
