// Package lookup is the public side of tracereg, with no sign-in: the GS1
// Digital Link resolver, the verification pages, QR images and labels, scan
// counting and the "report a problem" form.
//
// Reads go through a small in-process cache of assembled view data (see
// cache.go): a scan does not query the database each time, and a page is
// still served, marked possibly stale, while the database is down.
// Clock-dependent facts (certificate status, days left) are computed from
// the cached records at each request with the injected clock.
package lookup

import (
	"context"
	"crypto/rand"
	"errors"
	"html/template"
	"log/slog"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/fiber/v2/middleware/limiter"

	"github.com/tracereg/tracereg/registry"
	"github.com/tracereg/tracereg/registry/credential"
)

// Config is what the public side needs from the wiring.
type Config struct {
	Store         registry.Store
	Documents     registry.DocumentStore
	Clock         registry.Clock
	Logger        *slog.Logger
	PublicBaseURL string // e.g. https://truyxuat.example.vn, no trailing slash

	// Scans, Serials and Reports default to Store when it implements them
	// (registry/records does). A nil service turns its feature off.
	Scans   registry.ScanService
	Serials registry.SerialService
	Reports registry.ReportService

	// Credentials signs UNTP credentials, status lists and label codes; nil
	// turns them off. CredentialStatus defaults to Store when it implements
	// registry.CredentialStatusService.
	Credentials      *credential.Issuer
	CredentialStatus registry.CredentialStatusService
	// SignLabels puts Credentials' AI 8030 signature on each label of a
	// product with a GTIN (the signature covers the GS1 element string).
	SignLabels bool

	// Authorize decides whether the caller may act for the enterprise (issue
	// serials and print labels). Until sign-in is wired here it refuses
	// everyone with 403.
	Authorize func(c *fiber.Ctx, enterpriseID string) error

	// CacheTTL is how long assembled view data is reused (default 30 s);
	// MaxStale how long it may be served while the database is down (default 24 h).
	CacheTTL time.Duration
	MaxStale time.Duration
	// LoadTimeout bounds assembling one view from the database (default 3 s).
	LoadTimeout time.Duration
	// ScanQueue bounds the scans waiting to be written (default 10,000);
	// ScanFlush is how often they are written (default 2 s).
	ScanQueue int
	ScanFlush time.Duration
	// SuspiciousScans and SuspiciousPlaces: a serial scanned by this many
	// distinct clients (one per address and day), or from this many
	// provinces, gets a warning (defaults 20 and 3). Repeated requests from
	// one address count once a day.
	SuspiciousScans  int64
	SuspiciousPlaces int
	// ScanKey is the secret the client keys of scans are hashed with
	// (registry.ScanClient); replicas share it so a client counts once.
	// Empty: a random key for this process.
	ScanKey []byte
	// PlaceHeader names the request header in which a trusted reverse proxy
	// gives the client's province (ISO 3166-2:VN, e.g. VN-33). It is read
	// only from a trusted proxy; "" (the default) records no places. The
	// client's own query or headers are never believed.
	PlaceHeader string
	// RateLimit is how many public requests one address may make a minute
	// (default 600); negative turns the limit off.
	RateLimit int
	// ReportLimit is how many problem reports one client may send per hour (default 5).
	ReportLimit int
	// ChangePoll is how often the store's public change stamp is read; when
	// it moves (a write on any replica) the cache is emptied. Default 1 s;
	// negative turns it off (the TTL alone then bounds staleness).
	ChangePoll time.Duration
}

// Lookup is the mounted public side: its cache can be invalidated and its
// scan logger flushed and stopped.
type Lookup struct {
	cfg   Config
	log   *slog.Logger
	tmpl  *template.Template
	cache *cache
	scans *scanLogger
	// stopPoll ends the change-stamp poller; pollDone says it ended.
	stopPoll, pollDone chan struct{}
}

// Mount adds the public routes to app.
func Mount(app *fiber.App, cfg Config) error {
	_, err := MountLookup(app, cfg)
	return err
}

// MountLookup adds the public routes to app and returns the Lookup, for
// callers that invalidate cached views or stop the scan logger.
func MountLookup(app *fiber.App, cfg Config) (*Lookup, error) {
	l, err := New(cfg)
	if err != nil {
		return nil, err
	}
	l.routes(app)
	return l, nil
}

// New checks the configuration, parses the templates and starts the scan logger.
func New(cfg Config) (*Lookup, error) {
	if cfg.Store == nil {
		return nil, errors.New("lookup: no store")
	}
	if cfg.Clock == nil {
		cfg.Clock = registry.SystemClock{}
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	cfg.PublicBaseURL = strings.TrimRight(cfg.PublicBaseURL, "/")
	if cfg.Scans == nil {
		cfg.Scans, _ = cfg.Store.(registry.ScanService)
	}
	if cfg.Serials == nil {
		cfg.Serials, _ = cfg.Store.(registry.SerialService)
	}
	if cfg.CredentialStatus == nil {
		cfg.CredentialStatus, _ = cfg.Store.(registry.CredentialStatusService)
	}
	if cfg.Reports == nil {
		cfg.Reports, _ = cfg.Store.(registry.ReportService)
	}
	if cfg.Authorize == nil {
		cfg.Authorize = func(*fiber.Ctx, string) error {
			return registry.Errorf(registry.EFORBIDDEN, "Printing labels needs an enterprise account signed in.",
				"In nhãn cần đăng nhập bằng tài khoản doanh nghiệp.")
		}
	}
	setDefault(&cfg.CacheTTL, 30*time.Second)
	setDefault(&cfg.MaxStale, 24*time.Hour)
	setDefault(&cfg.LoadTimeout, 3*time.Second)
	setDefault(&cfg.ScanFlush, 2*time.Second)
	if cfg.ScanQueue <= 0 {
		cfg.ScanQueue = 10000
	}
	if cfg.SuspiciousScans <= 0 {
		cfg.SuspiciousScans = 20
	}
	if cfg.SuspiciousPlaces <= 0 {
		cfg.SuspiciousPlaces = 3
	}
	if cfg.ReportLimit <= 0 {
		cfg.ReportLimit = 5
	}
	if cfg.RateLimit == 0 {
		cfg.RateLimit = 600
	}
	if len(cfg.ScanKey) == 0 {
		cfg.ScanKey = make([]byte, 32)
		_, _ = rand.Read(cfg.ScanKey) // crypto/rand.Read never fails (Go 1.24)
	}
	tmpl, err := parseTemplates()
	if err != nil {
		return nil, err
	}
	l := &Lookup{cfg: cfg, log: cfg.Logger, tmpl: tmpl}
	l.cache = newCache(cfg.CacheTTL, cfg.MaxStale)
	l.cache.now = cfg.Clock.Now // ages follow the injected clock, so tests move it instead of sleeping
	if cfg.Scans != nil {
		l.scans = newScanLogger(cfg.Scans, cfg.ScanQueue, cfg.ScanFlush, cfg.Logger)
	}
	if stamp, ok := cfg.Store.(registry.ChangeStamp); ok && cfg.ChangePoll >= 0 {
		setDefault(&cfg.ChangePoll, time.Second)
		l.stopPoll, l.pollDone = make(chan struct{}), make(chan struct{})
		// The first reading is taken before any page is cached, so a write
		// right after the start cannot become the baseline unnoticed.
		last := readStamp(stamp, cfg.ChangePoll)
		go l.pollChanges(stamp, cfg.ChangePoll, last)
	}
	return l, nil
}

// pollChanges empties the cache whenever the public change stamp moves, so
// a write on any replica shows on this one's pages within one interval
// without every scan reading the database.
func (l *Lookup) pollChanges(stamp registry.ChangeStamp, every time.Duration, last int64) {
	defer close(l.pollDone)
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-l.stopPoll:
			return
		case <-t.C:
		}
		v := readStamp(stamp, every)
		if v < 0 {
			continue // the database is down: keep serving what is cached
		}
		if last >= 0 && v != last {
			l.cache.invalidateAll()
		}
		last = v
	}
}

// readStamp reads the change stamp once, -1 when the database does not answer.
func readStamp(stamp registry.ChangeStamp, every time.Duration) int64 {
	ctx, cancel := context.WithTimeout(context.Background(), every+time.Second)
	defer cancel()
	v, err := stamp.PublicVersion(ctx)
	if err != nil {
		return -1
	}
	return v
}

func setDefault(d *time.Duration, v time.Duration) {
	if *d <= 0 {
		*d = v
	}
}

// Invalidate drops the cached view of one public key, so the next request
// reads the database again. Keys: "g:{gtin14}", "g:{gtin14}/l:{lot}",
// "p:{shortcode}", "l:{shortcode}", "c:{number}", "d:{gln}". Other replicas catch up
// through the change-stamp poll (see pollChanges), or at worst the TTL.
func (l *Lookup) Invalidate(key string) { l.cache.invalidate(key) }

// InvalidateAll empties the cache.
func (l *Lookup) InvalidateAll() { l.cache.invalidateAll() }

// Close stops the change poller, writes the scans still queued and stops the scan logger.
func (l *Lookup) Close(ctx context.Context) error {
	if l.stopPoll != nil {
		close(l.stopPoll)
		<-l.pollDone
		l.stopPoll = nil
	}
	if l.scans == nil {
		return nil
	}
	return l.scans.close(ctx)
}

// ScanStats reports what the scan logger did: scans queued, written and dropped.
func (l *Lookup) ScanStats() (queued, written, dropped int64) {
	if l.scans == nil {
		return 0, 0, 0
	}
	return l.scans.stats()
}

// SelfTimed are the paths whose every database read goes through the view
// cache, which bounds it with LoadTimeout: they need no request deadline
// (see server.Config.SelfTimed).
var SelfTimed = []string{"/01/", "/414/"}

// publicFamilies are the first path segments of the routes anyone may
// call, rate-limited per address. (Fiber's Use matches a bare prefix, so
// "/l" would also take /labels and /login, and /photo twice.)
var publicFamilies = map[string]bool{"01": true, "414": true, "d": true, ".well-known": true, "v": true, "p": true, "l": true, "photo": true, "c": true, "qr": true, "report": true, "credentials": true, "kiem-tra-ma": true}

func publicRoute(path string) bool {
	first, _, _ := strings.Cut(strings.TrimPrefix(path, "/"), "/")
	return publicFamilies[first]
}

func (l *Lookup) routes(app *fiber.App) {
	if l.cfg.RateLimit > 0 {
		limit := limiter.New(limiter.Config{
			Max:        l.cfg.RateLimit,
			Expiration: time.Minute,
			LimitReached: func(*fiber.Ctx) error {
				return registry.Errorf(registry.ETOOMANY, "Too many requests from your network; wait a minute and try again.",
					"Quá nhiều yêu cầu từ mạng của bạn; vui lòng đợi một phút rồi thử lại.")
			},
		})
		app.Use(func(c *fiber.Ctx) error {
			if publicRoute(c.Path()) {
				return limit(c)
			}
			return c.Next()
		})
	}
	app.Use("/01", cors)
	app.Use("/414", cors)
	app.Use("/.well-known/gs1resolver", cors)
	app.Use("/qr", cors)
	app.Get("/.well-known/gs1resolver", l.description)
	app.Options("/01/*", preflight)
	app.Get("/01/*", l.friendly(l.resolve))
	app.Options("/01", preflight)
	app.Get("/01", l.friendly(l.resolve))
	app.Options("/414/*", preflight)
	app.Get("/414/*", l.friendly(l.resolvePlace))
	app.Get("/d/:gln", l.friendly(l.placePage))
	app.Get("/d/:gln/:ext", l.friendly(l.placePage))

	app.Get("/v/:gtin", l.friendly(l.productPageByGTIN))
	app.Get("/v/:gtin/:lot", l.friendly(l.lotPageByGTIN))
	app.Get("/v/:gtin/:lot/:serial", l.friendly(l.lotPageByGTIN))
	app.Get("/p/:code", l.friendly(l.productPageByCode))
	app.Get("/l/:code", l.friendly(l.lotPageByCode))
	app.Get("/l/:code/epcis", l.lotEPCIS)
	app.Get("/photo/:code", l.photo)

	app.Get("/c", l.certSearch)
	app.Post("/c/check", l.certCheck)
	app.Get("/c/:number", l.certPage)

	app.Get("/qr/*", l.qr)
	app.Get("/labels/:code", l.labels)
	app.Post("/labels/:code", l.labels)

	l.reportRoutes(app)
	l.credentialRoutes(app)
}

// base is the public base URL, or the request's own when none is configured.
func (l *Lookup) base(c *fiber.Ctx) string {
	if l.cfg.PublicBaseURL != "" {
		return l.cfg.PublicBaseURL
	}
	return c.BaseURL()
}

// cors answers every public resolver and QR request with CORS headers. Fiber's
// cors middleware leaves them out when a request has no Origin; the GS1
// resolver standard wants them on every answer.
func cors(c *fiber.Ctx) error {
	h := &c.Response().Header
	h.Set(fiber.HeaderAccessControlAllowOrigin, "*")
	h.Set(fiber.HeaderAccessControlAllowMethods, "GET, HEAD, OPTIONS")
	h.Set(fiber.HeaderAccessControlAllowHeaders, "Accept, Accept-Language, Content-Type, If-None-Match")
	h.Set(fiber.HeaderAccessControlExposeHeaders, "Link, Location, Content-Type, ETag")
	h.Set(fiber.HeaderAccessControlMaxAge, "86400")
	return c.Next()
}

func preflight(c *fiber.Ctx) error {
	c.Set(fiber.HeaderAllow, "GET, HEAD, OPTIONS")
	return c.SendStatus(fiber.StatusNoContent)
}

func notFound(en, vi string) error { return registry.Errorf(registry.ENOTFOUND, en, vi) }

// friendly answers a page handler's "not found" with the public 404 page
// (report the code, search certificates) for people; other errors, and
// JSON clients, go to the app's error handler.
func (l *Lookup) friendly(h fiber.Handler) fiber.Handler {
	return func(c *fiber.Ctx) error {
		err := h(c)
		code := registry.ErrorCode(err)
		if err == nil || code != registry.ENOTFOUND && code != registry.EMALFORMED || wantsJSON(c) ||
			c.Accepts(fiber.MIMETextHTML, mimeLinkset) == mimeLinkset {
			return err
		}
		pub := registry.PublicError(err)
		path := string(c.Request().URI().PathOriginal())
		if len(path) > 300 {
			path = path[:300]
		}
		// A code that is not even well formed (a wrong check digit) is as
		// worth reporting as an unknown one: the same page, saying so.
		status, malformed := fiber.StatusNotFound, code == registry.EMALFORMED
		if malformed {
			status = fiber.StatusBadRequest
		}
		c.Status(status)
		c.Type("html", "utf-8")
		return l.tmpl.ExecuteTemplate(c.Response().BodyWriter(), "notfound", map[string]any{
			"MessageVI": pub.MessageVI, "MessageEN": pub.Message, "Code": path, "Subject": path, "Malformed": malformed, "Status": status,
			"Fields": pub.Fields,
		})
	}
}
