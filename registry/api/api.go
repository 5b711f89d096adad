// Package api is the JSON API under /api/v1: sign-in and tokens, the
// registry's resources, bulk import, the audit log and the OpenAPI document.
//
// Conventions (also in the OpenAPI document):
//   - Errors are RFC 9457 problems (rendered by registry/server from the
//     *registry.Error handlers return). A body that is not JSON at all is 400
//     "malformed"; JSON whose values have the wrong type, or that names a field
//     the record does not have, is 422 "invalid" with the field named. A value
//     such as {"$gt": ""} where a string belongs is a wrong type: 422.
//   - Another tenant's record answers 404, never 403, so IDs do not reveal
//     what exists (see registry.Authorize).
//   - GET of one record sends ETag "<id>-v<version>"; PUT and PATCH need it in
//     If-Match (428 without, 412 when stale, and then nothing changes).
//   - POST with Idempotency-Key answers a repeat (same user, route and key)
//     with the first 2xx answer; a failed request is not remembered.
//   - Lists take ?limit= (1 to 200, default 50) and ?cursor= and answer
//     {"items": [...], "next_cursor": "..."}; "" means the last page.
package api

import (
	"cmp"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/fiber/v2/middleware/limiter"

	"github.com/tracereg/tracereg/registry"
	"github.com/tracereg/tracereg/registry/bulk"
	"github.com/tracereg/tracereg/registry/server"
)

// Config is what the API needs from the wiring.
type Config struct {
	Store         registry.Store // must implement registry.APIStore
	Documents     registry.DocumentStore
	Clock         registry.Clock
	Logger        *slog.Logger
	DataDir       string // where a generated signing key is kept
	JWTKey        []byte // Ed25519 seed from configuration; nil: generated into DataDir
	PublicBaseURL string
	// RateLimit is how many requests one caller (a signed-in user, else an
	// address) may make per minute in this process: 0 means 1,200; negative
	// turns the limit off. Sign-in has its own, stricter throttle.
	RateLimit int
	// Imports bounds the imports writing at once; the workspaces share it.
	// Nil: one of MaxConcurrentImports for this API alone.
	Imports *bulk.Gate
}

// API holds the handlers' dependencies.
type API struct {
	store  registry.APIStore
	docs   registry.DocumentStore
	clock  registry.Clock
	log    *slog.Logger
	keys   *signer
	routes []routeDoc
	base   string
	// imports limits the imports writing at once (see importSlot).
	imports *bulk.Gate
	// atomic runs a write request in one transaction where the store has
	// them (SQLite): the write, its audit entry, its idempotency record, the
	// webhook deliveries it queues and the public change stamp commit
	// together, or, when anything fails or the answer is not a 2xx, none of
	// them does. So an audit that fails after a write no longer leaves a
	// record the client was told failed, which a retry would make twice. (On
	// MongoDB the steps stay in their documented order: see README.)
	atomic fiber.Handler
}

// MaxConcurrentImports is how many imports one process writes at once.
const MaxConcurrentImports = 4

// Prefix is where the API lives.
const Prefix = "/api/v1"

// Mount adds the /api/v1 routes and the /api/docs page to app.
func Mount(app *fiber.App, cfg Config) error {
	_, err := New(app, cfg)
	return err
}

// New mounts the API and returns it (tests use it to mint tokens).
func New(app *fiber.App, cfg Config) (*API, error) {
	store, ok := cfg.Store.(registry.APIStore)
	if !ok {
		return nil, fmt.Errorf("api: the store (%T) does not implement registry.APIStore", cfg.Store)
	}
	if cfg.Clock == nil {
		cfg.Clock = registry.SystemClock{}
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	keys, err := loadSigner(cfg.JWTKey, cfg.DataDir)
	if err != nil {
		return nil, err
	}
	a := &API{store: store, docs: cfg.Documents, clock: cfg.Clock, log: cfg.Logger, keys: keys, base: cfg.PublicBaseURL,
		imports: cfg.Imports}
	if a.imports == nil {
		a.imports = bulk.NewGate(MaxConcurrentImports)
	}
	a.atomic = server.Transaction(store.InTx, func(status int) bool { return status >= 200 && status <= 299 })
	g := app.Group(Prefix, a.identify)
	if cfg.RateLimit >= 0 {
		g.Use(rateLimit(cmp.Or(cfg.RateLimit, 1200)))
	}
	a.mountAuth(g)
	a.mountResources(g)
	a.mountDocuments(g)
	a.mountImports(g)
	a.mountAudit(g)
	a.mountPortal(g) // portal.go
	a.mountWebhooks(g)
	if err := a.mountOpenAPI(app, g); err != nil {
		return nil, err
	}
	return a, nil
}

// routeDoc describes one route for the OpenAPI document.
type routeDoc struct {
	Method, Path string // Path in OpenAPI form: /api/v1/batches/{id}
	Summary      string
	Tag          string
	Public       bool   // no sign-in needed
	Request      any    // a value of the JSON body's type, or nil
	RequestType  string // media type of the body when not JSON
	Response     any    // a value of the success body's type, or nil
	AltType      string // another media type the success answer comes in, on Accept
	AltResponse  any    // a value of its type (for NDJSON: of one line)
	Status       int    // success status
	IfMatch      bool
	Idempotent   bool // takes Idempotency-Key
	Query        []string
}

// add registers a route on g and records it for the OpenAPI document. path
// is relative to /api/v1 in Fiber form (":id", and "\\:import" for a literal colon).
func (a *API) add(g fiber.Router, d routeDoc, path string, handlers ...fiber.Handler) {
	d.Path = Prefix + openAPIPath(path)
	if d.Status == 0 {
		d.Status = fiber.StatusOK
	}
	if d.Idempotent {
		handlers = append([]fiber.Handler{a.idempotency}, handlers...)
	}
	if atomicRoute(d.Method, path) {
		handlers = append([]fiber.Handler{a.atomic}, handlers...)
	}
	a.routes = append(a.routes, d)
	g.Add(d.Method, path, handlers...)
}

// openAPIPath turns "/batches/:id/events" into "/batches/{id}/events" and "\\:import" into ":import".
func openAPIPath(p string) string {
	p = strings.ReplaceAll(p, `\:`, "\x00")
	parts := strings.Split(p, "/")
	for i, s := range parts {
		if strings.HasPrefix(s, ":") {
			parts[i] = "{" + strings.TrimPrefix(s, ":") + "}"
		}
	}
	return strings.ReplaceAll(strings.Join(parts, "/"), "\x00", ":")
}

// actor returns who is calling (the zero Actor when nobody signed in).
func actor(c *fiber.Ctx) registry.Actor {
	a, _ := registry.ActorFrom(c.UserContext())
	return a
}

// rateLimit answers 429 (with Retry-After) past max requests a minute from
// one caller: the signed-in user, or the address for anonymous calls.
func rateLimit(max int) fiber.Handler {
	return limiter.New(limiter.Config{
		Max:        max,
		Expiration: time.Minute,
		KeyGenerator: func(c *fiber.Ctx) string {
			if me := actor(c); !me.Anonymous() {
				return "u:" + me.UserID
			}
			return "ip:" + c.IP()
		},
		LimitReached: func(c *fiber.Ctx) error {
			return registry.Errorf(registry.ETOOMANY, "Too many requests; wait a minute and try again.",
				"Quá nhiều yêu cầu; vui lòng đợi một phút rồi thử lại.")
		},
	})
}
