// Package web is the signed-in side for people at work: enterprises,
// certification bodies, inspectors and province staff. Pages are rendered on
// the server from embedded templates, every form works without JavaScript,
// and every action goes through the same registry services, policy
// (registry.Authorize) and audit log as the JSON API.
//
// Sign-in (/login) creates a server-side session (registry.WebSession); the
// cookie holds only its random secret. Every POST carries the session's CSRF
// token. Handlers return errors; a form whose input fails validation is shown
// again with each message beside its field and what was typed kept.
package web

import (
	"context"
	"fmt"
	"html/template"
	"log/slog"

	"github.com/gofiber/fiber/v2"

	"github.com/tracereg/tracereg/registry"
	"github.com/tracereg/tracereg/registry/bulk"
	"github.com/tracereg/tracereg/registry/server"
)

// Config is what the workspaces need from the wiring.
type Config struct {
	Store     registry.WebStore
	Documents registry.DocumentStore
	Clock     registry.Clock
	Logger    *slog.Logger
	// PublicBaseURL is where the public pages live (for QR links).
	PublicBaseURL string
	// Calendar and Inbox set the announcement deadlines (working days,
	// public holidays, receipt number format); zero values are the defaults.
	Calendar registry.WorkCalendar
	Inbox    registry.InboxRules
	// ResetDemo, when set, lets province staff reload the demo data. The
	// wiring leaves it nil in production.
	ResetDemo func(ctx context.Context) error
	// OnPublicChange is called after a write the public pages show (a
	// recall, a suspension), so this replica's cache drops at once.
	OnPublicChange func()
	// Imports bounds the imports writing at once, shared with the API;
	// nil: a gate of two for the workspaces alone.
	Imports *bulk.Gate
}

// Web is the mounted workspace side.
type Web struct {
	cfg     Config
	store   registry.WebStore
	clock   registry.Clock
	log     *slog.Logger
	pages   map[string]*template.Template
	imports *bulk.Gate
}

// Prefix is where the workspaces live.
const Prefix = "/w"

// New mounts /login, /logout, /account and the workspaces under /w.
func New(app *fiber.App, cfg Config) (*Web, error) {
	if cfg.Store == nil || cfg.Documents == nil {
		return nil, fmt.Errorf("web: a store and a document store are needed")
	}
	if cfg.Clock == nil {
		cfg.Clock = registry.SystemClock{}
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	// The zero Calendar and Inbox are the built-in defaults.
	if err := cfg.Inbox.Validate(); err != nil {
		return nil, fmt.Errorf("web: inbox rules: %w", err)
	}
	w := &Web{cfg: cfg, store: cfg.Store, clock: cfg.Clock, log: cfg.Logger, imports: cfg.Imports}
	if w.imports == nil {
		w.imports = bulk.NewGate(2)
	}
	pages, err := parsePages()
	if err != nil {
		return nil, err
	}
	w.pages = pages

	app.Get("/login", pageHeaders, w.Identify, w.loginForm)
	app.Post("/login", pageHeaders, w.Identify, w.login)
	app.Post("/logout", pageHeaders, w.Identify, w.requireSignIn, w.checkCSRF, w.logout)
	atomic := w.atomic()
	acc := app.Group("/account", pageHeaders, w.Identify, w.requireSignIn, w.checkCSRF, atomic)
	acc.Get("/password", w.passwordForm)
	acc.Post("/password", w.changePassword)
	acc.Get("/api-keys", w.apiKeys)
	acc.Post("/api-keys", w.apiKeyCreate)
	acc.Post("/api-keys/:id/revoke", w.apiKeyRevoke)

	g := app.Group(Prefix, pageHeaders, w.Identify, w.requireSignIn, w.checkCSRF, atomic)
	g.Get("/", w.home)
	w.mountWorkspaces(g)
	return w, nil
}

// atomic runs a workspace form's request in one transaction where the store
// has them (SQLite): its writes, their audit entries, the webhook deliveries
// they queue and the public change stamp commit together, and a page that
// answers 4xx or 5xx (or an error) keeps none of them. So an audit that
// fails after a write no longer leaves a record the person was told was not
// saved. Imports are left out: they commit in bounded chunks of their own.
func (w *Web) atomic() fiber.Handler {
	tx := server.Transaction(w.store.InTx, func(status int) bool { return status < 400 })
	return func(c *fiber.Ctx) error {
		if c.Method() != fiber.MethodPost || c.Path() == Prefix+"/import" {
			return c.Next()
		}
		return tx(c)
	}
}

// ctx returns the request's context (carrying the actor).
func ctx(c *fiber.Ctx) context.Context { return c.UserContext() }

// actor returns who is signed in (zero when nobody).
func actor(c *fiber.Ctx) registry.Actor {
	a, _ := registry.ActorFrom(c.UserContext())
	return a
}

// audit appends one entry for a write by the signed-in actor.
func (w *Web) audit(c *fiber.Ctx, action, kind, id, enterpriseID string, before, after any) error {
	return w.store.AppendAudit(c.UserContext(), registry.NewAuditEntry(actor(c), action, kind, id, enterpriseID, before, after))
}

// pageHeaders sets the workspace headers first, so error pages carry them too.
func pageHeaders(c *fiber.Ctx) error {
	setPageHeaders(c)
	return c.Next()
}

// publicChanged tells this replica's public cache that something it shows moved.
func (w *Web) publicChanged() {
	if w.cfg.OnPublicChange != nil {
		w.cfg.OnPublicChange()
	}
}
