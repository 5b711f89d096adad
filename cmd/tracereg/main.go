// Command tracereg is the traceability and conformity registry: one binary
// that serves the API, the workspaces and the public lookup, and manages its
// data (migrate, user, seed). It is the only place that picks the storage
// adapters and wires them.
package main

import (
	"context"
	"crypto/tls"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"os/signal"
	"path/filepath"
	"strconv"
	"syscall"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/tracereg/tracereg/lookup"
	"github.com/tracereg/tracereg/registry"
	"github.com/tracereg/tracereg/registry/api"
	"github.com/tracereg/tracereg/registry/bulk"
	"github.com/tracereg/tracereg/registry/credential"
	"github.com/tracereg/tracereg/registry/demodata"
	"github.com/tracereg/tracereg/registry/disk"
	"github.com/tracereg/tracereg/registry/minio"
	"github.com/tracereg/tracereg/registry/records"
	"github.com/tracereg/tracereg/registry/server"
	"github.com/tracereg/tracereg/registry/stats"
	"github.com/tracereg/tracereg/registry/web"
	"github.com/tracereg/tracereg/registry/webhook"
)

// version is set by the build (-ldflags "-X main.version=...").
var version = "dev"

const usage = `tracereg — traceability and conformity registry

Usage:
  tracereg serve [--demo]      serve the registry (--demo: load the demo data set first)
  tracereg migrate             create the tables and indexes (safe to repeat); moves a data
                               directory of the earlier embedded FerretDB into the SQLite store
  tracereg export DIR          write every record as NDJSON (one file per collection) and every
                               document's bytes into DIR, from whichever engine is configured
  tracereg import DIR          read an export into the configured engine, which must be empty
  tracereg backup FILE         a consistent copy of the embedded SQLite database, while it serves
  tracereg export-portal FILE [--enterprise TAXCODE] [--since DATE]
                               the national portal export (Circular 02/2024/TT-BKHCN) as NDJSON,
                               one published or recalled lot a line (FILE - for standard output)
  tracereg user add USERNAME --role ROLE [--name NAME] [--enterprise TAXCODE] [--body CODE]
                               add a user; the password is read from TRACEREG_USER_PASSWORD or generated and printed
  tracereg user passwd USERNAME  set a new password (TRACEREG_USER_PASSWORD or generated and printed)
  tracereg user list           list users
  tracereg seed --demo         load the demo data set (loading it twice changes nothing)
  tracereg audit verify        walk the audit log's hash chain and name the first broken link
  tracereg verify [--did FILE|URL] [--status FILE|URL]... [--at TIME] [--offline] FILE|URL|-
                               check a signed credential (signature, validity, status lists) or a
                               label's Digital Link with its AI 8030 signature, offline given the files
  tracereg credential-key rotate
                               add a new key that signs credentials and labels; older keys keep verifying
  tracereg version             print the version

Configuration comes from environment variables; see README.md.
`

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Getenv, os.Stdout, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "tracereg:", err)
		os.Exit(1)
	}
}

// run dispatches a subcommand; separated from main so tests can call it.
func run(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return errors.New("no command given")
	}
	cmd, args := args[0], args[1:]
	switch cmd {
	case "version":
		fmt.Fprintln(stdout, "tracereg", version)
		return nil
	case "help", "-h", "--help":
		fmt.Fprint(stdout, usage)
		return nil
	case "verify":
		return verifyCommand(ctx, args, stdout) // needs no configuration: it runs anywhere
	case "serve", "migrate", "user", "seed", "audit", "export", "import", "backup", "credential-key", "export-portal":
	default:
		fmt.Fprint(stderr, usage)
		return fmt.Errorf("unknown command %q", cmd)
	}

	cfg, err := LoadConfig(getenv)
	if err != nil {
		return err
	}
	logger := newLogger(cfg.LogLevel, stderr)
	switch cmd {
	case "serve":
		fs := flag.NewFlagSet("serve", flag.ContinueOnError)
		demo := fs.Bool("demo", false, "load the demo data set before serving")
		if err := fs.Parse(args); err != nil {
			return err
		}
		return serve(ctx, cfg, logger, *demo, stdout)
	case "migrate":
		if cfg.MongoURI == "" {
			lock, err := lockDataDir(cfg.DataDir, 0)
			if err != nil {
				return err
			}
			err = migrateLegacy(ctx, cfg, func(format string, args ...any) { fmt.Fprintf(stdout, format+"\n", args...) })
			lock.Close()
			if err != nil {
				return err
			}
		}
		m, err := NewMain(ctx, cfg, logger, false)
		if err != nil {
			return err
		}
		defer m.Close()
		fmt.Fprintln(stdout, "tables and indexes are in place")
		return nil
	case "export", "import", "backup":
		if len(args) != 1 || args[0] == "" {
			return fmt.Errorf("%s: say where: tracereg %s %s", cmd, cmd, map[string]string{"export": "DIR", "import": "DIR", "backup": "FILE"}[cmd])
		}
		m, err := NewMain(ctx, cfg, logger, false)
		if err != nil {
			return err
		}
		defer m.Close()
		switch cmd {
		case "export":
			return m.export(ctx, args[0], stdout)
		case "import":
			return m.importDir(ctx, args[0], stdout)
		}
		return m.backup(ctx, args[0], stdout)
	case "export-portal":
		m, err := NewMain(ctx, cfg, logger, false)
		if err != nil {
			return err
		}
		defer m.Close()
		return m.exportPortal(ctx, args, stdout)
	case "seed":
		fs := flag.NewFlagSet("seed", flag.ContinueOnError)
		demo := fs.Bool("demo", false, "load the demo data set")
		if err := fs.Parse(args); err != nil {
			return err
		}
		if !*demo {
			return errors.New("seed: say which data set: --demo")
		}
		m, err := NewMain(ctx, cfg, logger, false)
		if err != nil {
			return err
		}
		defer m.Close()
		return m.seedDemo(ctx, stdout)
	case "audit":
		if len(args) != 1 || args[0] != "verify" {
			return errors.New("audit: say verify")
		}
		m, err := NewMain(ctx, cfg, logger, false)
		if err != nil {
			return err
		}
		defer m.Close()
		return auditVerify(ctx, m.Store, stdout)
	case "credential-key":
		return rotateCredentialKey(cfg, args, stdout)
	case "user":
		m, err := NewMain(ctx, cfg, logger, false)
		if err != nil {
			return err
		}
		defer m.Close()
		return m.userCommand(ctx, args, getenv, stdout)
	}
	return nil
}

func newLogger(level string, w io.Writer) *slog.Logger {
	var l slog.Level
	l.UnmarshalText([]byte(level))
	return slog.New(slog.NewJSONHandler(w, &slog.HandlerOptions{Level: l}))
}

// Main holds the wired program: configuration, stores and (for serve) the app.
type Main struct {
	Config    Config
	Logger    *slog.Logger
	Store     *records.DB
	Documents registry.DocumentStore
	lock      *serverLock // the data directory, held by a server
	lookup    *lookup.Lookup
}

// NewMain opens the stores the configuration names: MongoDB at MONGODB_URI or
// the embedded SQLite file, MinIO/S3 at S3_ENDPOINT or the data directory.
// asServer says this process serves, and so holds the data directory.
func NewMain(ctx context.Context, cfg Config, logger *slog.Logger, asServer bool) (*Main, error) {
	m := &Main{Config: cfg, Logger: logger}
	ok := false
	defer func() {
		if !ok {
			m.Close()
		}
	}()
	if err := os.MkdirAll(cfg.DataDir, 0o700); err != nil {
		return nil, fmt.Errorf("TRACEREG_DATA: cannot create %s: %w", cfg.DataDir, err)
	}
	if asServer && cfg.MongoURI == "" {
		lock, err := lockDataDir(cfg.DataDir, 10*time.Second)
		if err != nil {
			return nil, err
		}
		m.lock = lock
	}
	eng, err := openEngine(ctx, cfg)
	if err != nil {
		return nil, err
	}
	m.Store = newRecords(eng)
	if asServer {
		// Records kept before name search get their search keys, once.
		if err := m.Store.UpgradeSearch(ctx); err != nil {
			return nil, fmt.Errorf("add search keys: %w", err)
		}
	}
	if cfg.S3Endpoint != "" {
		s, err := minio.New(ctx, minio.Config{Endpoint: cfg.S3Endpoint, Bucket: cfg.S3Bucket, AccessKey: cfg.S3AccessKey,
			SecretKey: cfg.S3SecretKey, UseTLS: cfg.S3UseTLS, Region: cfg.S3Region})
		if err != nil {
			return nil, fmt.Errorf("S3_ENDPOINT: %w", err)
		}
		m.Documents = s
	} else {
		s, err := disk.New(filepath.Join(cfg.DataDir, "documents"))
		if err != nil {
			return nil, fmt.Errorf("TRACEREG_DATA: %w", err)
		}
		m.Documents = s
	}
	ok = true
	return m, nil
}

// Close closes the stores and lets go of the data directory.
func (m *Main) Close() error {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	var errs []error
	if m.lookup != nil {
		errs = append(errs, m.lookup.Close(ctx)) // writes the scans still queued
	}
	if m.Store != nil {
		errs = append(errs, m.Store.Close(ctx))
	}
	if m.lock != nil {
		errs = append(errs, m.lock.Close())
	}
	return errors.Join(errs...)
}

// serve runs the HTTP server until ctx ends, then shuts down gracefully:
// stop accepting, finish in-flight requests, close the stores.
func serve(ctx context.Context, cfg Config, logger *slog.Logger, demo bool, stdout io.Writer) error {
	if demo && cfg.Env == "production" {
		return errors.New("--demo: demo data is refused when TRACEREG_ENV=production")
	}
	m, err := NewMain(ctx, cfg, logger, true)
	if err != nil {
		return err
	}
	defer m.Close()
	if err := m.ensureAdmin(ctx, stdout); err != nil {
		return err
	}
	if demo {
		if err := m.seedDemo(ctx, stdout); err != nil {
			return err
		}
	}
	app, err := m.NewApp()
	if err != nil {
		return err
	}
	addr := net.JoinHostPort(cfg.Host, strconv.Itoa(cfg.Port))
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return fmt.Errorf("PORT/HOST: cannot listen on %s: %w", addr, err)
	}
	scheme := "http://"
	if cfg.TLSCert != nil {
		scheme = "https://"
		ln = tls.NewListener(ln, &tls.Config{MinVersion: tls.VersionTLS12, Certificates: []tls.Certificate{*cfg.TLSCert},
			NextProtos: []string{"http/1.1"}})
	}
	logger.Info("serving", "addr", scheme+ln.Addr().String(), "version", version, "public_base_url", cfg.PublicBaseURL,
		"database", map[bool]string{true: "embedded", false: "mongodb"}[cfg.MongoURI == ""],
		"documents", map[bool]string{true: "disk", false: "s3"}[cfg.S3Endpoint == ""])
	errc := make(chan error, 1)
	go func() { errc <- app.Listener(ln) }()
	go sweep(ctx, m.Store, logger, time.Hour)
	hooks := m.NewDispatcher()
	hooks.Start()
	defer hooks.Stop() // before the stores close: waits for deliveries in flight
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	logger.Info("shutting down")
	if err := app.ShutdownWithTimeout(30 * time.Second); err != nil {
		logger.Error("shutdown", "err", err)
	}
	return nil
}

// NewDispatcher returns the sender of the webhook deliveries the records
// queue; serve starts it and stops it before the stores close.
func (m *Main) NewDispatcher() *webhook.Dispatcher {
	return webhook.New(webhook.Config{Outbox: m.Store, Logger: m.Logger, AllowPrivate: m.Config.WebhookAllowPrivate,
		Workers: m.Config.WebhookWorkers, UserAgent: "tracereg/" + version + " webhooks"})
}

// NewApp builds the one Fiber app on the opened stores and mounts every route
// group. Close stops the public side's background scan writer.
func (m *Main) NewApp() (*fiber.App, error) {
	app, err := server.New(server.Config{
		Store:          m.Store,
		Documents:      m.Documents,
		Logger:         m.Logger,
		TrustedProxies: m.Config.TrustedProxies,
		SelfTimed:      lookup.SelfTimed,
	})
	if err != nil {
		return nil, err
	}
	clock := registry.SystemClock{}
	imports := bulk.NewGate(api.MaxConcurrentImports) // the API's and the workspaces' imports together
	a, err := api.New(app, api.Config{Store: m.Store, Documents: m.Documents, Clock: clock, Logger: m.Logger,
		DataDir: m.Config.DataDir, JWTKey: m.Config.JWTKey, PublicBaseURL: m.Config.PublicBaseURL, Imports: imports,
		RateLimit: m.Config.APIRate})
	if err != nil {
		return nil, err
	}
	w, err := web.New(app, web.Config{Store: m.Store, Documents: m.Documents, Clock: clock, Logger: m.Logger,
		PublicBaseURL: m.Config.PublicBaseURL, Calendar: m.Config.Calendar, Inbox: m.Config.Inbox,
		ResetDemo: m.resetDemo(), Imports: imports, OnPublicChange: func() {
			if m.lookup != nil {
				m.lookup.InvalidateAll()
			}
		}})
	if err != nil {
		return nil, err
	}
	// Pages outside /api/v1 that need a signed-in caller take a browser
	// session or an API credential.
	for _, prefix := range []string{"/labels", "/dashboard"} {
		app.Use(prefix, w.Identify, w.CheckSessionCSRF, func(c *fiber.Ctx) error {
			if me, _ := registry.ActorFrom(c.UserContext()); !me.Anonymous() {
				return c.Next()
			}
			return a.Identify(c)
		})
	}
	if err := stats.Mount(app, stats.Config{Store: m.Store, Clock: clock, Logger: m.Logger, Authorize: stats.AuthorizeActor, Phases: m.Config.Phases}); err != nil {
		return nil, err
	}
	issuer, err := m.issuer()
	if err != nil {
		return nil, err
	}
	m.lookup, err = lookup.MountLookup(app, lookup.Config{Store: m.Store, Documents: m.Documents, Clock: clock, Logger: m.Logger,
		PublicBaseURL: m.Config.PublicBaseURL, Authorize: authorizeLabels, Credentials: issuer, SignLabels: m.Config.SignLabels,
		ScanKey: a.DerivedSecret("scan clients"), PlaceHeader: m.Config.PlaceHeader, RateLimit: m.Config.PublicRate})
	if err != nil {
		return nil, err
	}
	return app, nil
}

// IssuerName is who signs credentials, as verifiers see it.
const IssuerName = "tracereg – Hệ thống truy xuất nguồn gốc, chứng nhận và công bố hợp chuẩn, hợp quy tỉnh Đắk Lắk"

// issuer loads (or makes, on a first start) the credential keys.
func (m *Main) issuer() (*credential.Issuer, error) {
	keys, err := credential.LoadKeyring(m.Config.CredentialKeys, time.Now())
	if err != nil {
		return nil, err
	}
	return credential.NewIssuer(m.Config.PublicBaseURL, IssuerName, keys)
}

// resetDemo reloads the demo data set for province staff, outside production only.
func (m *Main) resetDemo() func(ctx context.Context) error {
	if m.Config.Env == "production" {
		return nil
	}
	return func(ctx context.Context) error {
		_, err := demodata.Seed(ctx, m.Store, m.Documents)
		return err
	}
}

// authorizeLabels admits the lot's own enterprise and admins to issue serials
// and print labels; another enterprise's lot is "not found", as in the API.
func authorizeLabels(c *fiber.Ctx, enterpriseID string) error {
	actor, _ := registry.ActorFrom(c.UserContext())
	return registry.Authorize(actor, registry.ActUpdate, registry.Resource{Kind: registry.KindBatch, EnterpriseID: enterpriseID})
}

// sweep deletes expired refresh tokens and old idempotency records every
// interval until ctx ends (TTL indexes are outside the portable subset).
func sweep(ctx context.Context, s registry.Sweeper, logger *slog.Logger, every time.Duration) {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		res, err := s.Sweep(ctx, time.Now())
		switch {
		case err != nil && ctx.Err() == nil:
			logger.Warn("sweep", "err", err)
		case res.RefreshTokens+res.IdempotencyRecords+res.WebhookDeliveries > 0:
			logger.Info("sweep", "refresh_tokens", res.RefreshTokens, "idempotency_records", res.IdempotencyRecords,
				"webhook_deliveries", res.WebhookDeliveries)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}
