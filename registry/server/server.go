// Package server builds the one Fiber app that serves tracereg: shared
// middleware (request ID, JSON access log, panic recovery, security headers),
// the error handler that turns registry errors into RFC 9457 problems for the
// API and error pages for people, and the health endpoints. The API, the
// workspaces and the public lookup mount their routes on it.
package server

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"html/template"
	"log/slog"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/fiber/v2/middleware/recover"
	"github.com/gofiber/fiber/v2/middleware/requestid"

	"github.com/tracereg/tracereg/assets"
	"github.com/tracereg/tracereg/registry"
)

// Config is what the app needs from the wiring.
type Config struct {
	Store          registry.Store
	Documents      registry.DocumentStore
	Logger         *slog.Logger
	TrustedProxies []string
	// BodyLimit caps every request body; uploads are the largest.
	BodyLimit int
	// RequestTimeout bounds the work of one request: its context ends, so a
	// request its client gave up on stops reading the database (default
	// 30 s). Imports get ImportTimeout (default 15 minutes).
	RequestTimeout, ImportTimeout time.Duration
	// SelfTimed are path prefixes whose handlers bound their own database
	// work (the resolver's cached loads): they get no request deadline, which
	// costs a timer on the busiest path.
	SelfTimed []string
}

// New returns the app with middleware, the error handler and /healthz, /readyz.
func New(cfg Config) (*fiber.App, error) {
	tmpl, err := template.ParseFS(assets.Templates, "templates/error.html")
	if err != nil {
		return nil, err
	}
	if cfg.BodyLimit == 0 {
		cfg.BodyLimit = registry.MaxDocumentSize + 1<<20
	}
	h := &errorHandler{log: cfg.Logger, tmpl: tmpl}
	app := fiber.New(fiber.Config{
		// Request values are copied, so handlers may keep them (Fiber reuses buffers).
		Immutable:               true,
		BodyLimit:               cfg.BodyLimit,
		ReadTimeout:             30 * time.Second,
		WriteTimeout:            60 * time.Second,
		IdleTimeout:             120 * time.Second,
		DisableStartupMessage:   true,
		ErrorHandler:            h.handle,
		EnableTrustedProxyCheck: true,
		TrustedProxies:          cfg.TrustedProxies,
		ProxyHeader:             fiber.HeaderXForwardedFor,
	})
	app.Use(requestid.New(requestid.Config{ContextKey: "requestid"}))
	app.Use(accessLog(cfg.Logger))
	app.Use(recover.New(recover.Config{EnableStackTrace: true, StackTraceHandler: func(c *fiber.Ctx, e any) {
		RequestLogger(c, cfg.Logger).Error("panic", "panic", e)
	}}))
	app.Use(securityHeaders)
	app.Use(deadline(cmp.Or(cfg.RequestTimeout, 30*time.Second), cmp.Or(cfg.ImportTimeout, 15*time.Minute), cfg.SelfTimed))

	app.Get("/healthz", func(c *fiber.Ctx) error {
		return c.JSON(fiber.Map{"status": "ok"})
	})
	app.Get("/readyz", func(c *fiber.Ctx) error {
		ctx, cancel := context.WithTimeout(c.UserContext(), 3*time.Second)
		defer cancel()
		status := fiber.Map{"database": "ok", "documents": "ok"}
		code := fiber.StatusOK
		if err := cfg.Store.Ping(ctx); err != nil {
			status["database"], code = "unavailable", fiber.StatusServiceUnavailable
			RequestLogger(c, cfg.Logger).Warn("readiness: database", "err", err)
		}
		if err := cfg.Documents.Ping(ctx); err != nil {
			status["documents"], code = "unavailable", fiber.StatusServiceUnavailable
			RequestLogger(c, cfg.Logger).Warn("readiness: documents", "err", err)
		}
		return c.Status(code).JSON(status)
	})
	app.Get("/static/*", staticFiles())
	return app, nil
}

// RequestID returns the request's ID.
func RequestID(c *fiber.Ctx) string {
	id, _ := c.Locals("requestid").(string)
	return id
}

// RequestLogger returns the logger with the request ID on every line.
func RequestLogger(c *fiber.Ctx, log *slog.Logger) *slog.Logger {
	return log.With("request_id", RequestID(c))
}

// accessLog writes one JSON line per request. The query string is left out:
// it may carry tokens.
func accessLog(log *slog.Logger) fiber.Handler {
	return func(c *fiber.Ctx) error {
		start := time.Now()
		err := c.Next()
		if err != nil {
			// Let the error handler write the response so the status is known.
			if herr := c.App().ErrorHandler(c, err); herr != nil {
				c.SendStatus(fiber.StatusInternalServerError)
			}
		}
		status := c.Response().StatusCode()
		level := slog.LevelInfo
		if status >= 500 {
			level = slog.LevelError
		}
		log.LogAttrs(c.UserContext(), level, "request",
			slog.String("request_id", RequestID(c)),
			slog.String("method", c.Method()),
			slog.String("path", c.Path()),
			slog.Int("status", status),
			slog.Duration("duration", time.Since(start)),
			slog.String("ip", c.IP()),
		)
		return nil
	}
}

// deadline ends each request's context after timeout, an import's after
// importTimeout (its path ends in ":import", or it is the workspaces'
// import form): the database work a request starts cannot outlive it by
// much, whoever stopped waiting. Store errors from an ended context answer 503.
func deadline(timeout, importTimeout time.Duration, selfTimed []string) fiber.Handler {
	return func(c *fiber.Ctx) error {
		d := timeout
		p := c.Path()
		for _, prefix := range selfTimed {
			if strings.HasPrefix(p, prefix) {
				return c.Next()
			}
		}
		if strings.HasSuffix(p, ":import") || strings.HasPrefix(p, "/w/import") {
			d = importTimeout
		}
		ctx, cancel := context.WithTimeout(c.UserContext(), d)
		defer cancel()
		c.SetUserContext(ctx)
		return c.Next()
	}
}

// ContentSecurityPolicy is every answer's policy unless its handler sets a
// stricter one: nothing from elsewhere, no inline script or style, no
// plugins, no framing. Public pages (the lot page, the resolver's pages,
// statistics, the API reference) get it as the workspaces do.
const ContentSecurityPolicy = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; " +
	"connect-src 'self'; media-src 'self' blob:; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"

// ImageContentSecurityPolicy is for images that are documents a browser
// could open (SVG): nothing may load or run, whatever the file holds.
const ImageContentSecurityPolicy = "default-src 'none'; style-src 'unsafe-inline'; sandbox"

// securityHeaders sets the headers every answer carries, and the default
// Content-Security-Policy on every HTML page whose handler set none. (Other
// answers keep theirs: a PDF opened in the browser must not be refused its viewer.)
func securityHeaders(c *fiber.Ctx) error {
	c.Set("X-Content-Type-Options", "nosniff")
	c.Set("Referrer-Policy", "strict-origin-when-cross-origin")
	c.Set("X-Frame-Options", "DENY")
	if c.Protocol() == "https" { // HSTS only over TLS (here, or at a trusted proxy)
		c.Set("Strict-Transport-Security", "max-age=31536000")
	}
	if err := c.Next(); err != nil {
		// The error page is written here, so it gets the policy too.
		if herr := c.App().ErrorHandler(c, err); herr != nil {
			return herr
		}
	}
	if len(c.Response().Header.Peek("Content-Security-Policy")) == 0 &&
		strings.HasPrefix(string(c.Response().Header.ContentType()), fiber.MIMETextHTML) {
		c.Set("Content-Security-Policy", ContentSecurityPolicy)
	}
	return nil
}

func staticFiles() fiber.Handler {
	return func(c *fiber.Ctx) error {
		name := c.Params("*")
		if name == "" || strings.Contains(name, "..") {
			return registry.Errorf(registry.ENOTFOUND, "Not found.", "Không tìm thấy.")
		}
		b, err := assets.Static.ReadFile("static/" + name)
		if err != nil {
			return registry.Errorf(registry.ENOTFOUND, "Not found.", "Không tìm thấy.")
		}
		c.Type(strings.TrimPrefix(extOf(name), "."))
		c.Set(fiber.HeaderCacheControl, "public, max-age=3600")
		return c.Send(b)
	}
}

func extOf(name string) string {
	if i := strings.LastIndexByte(name, '.'); i >= 0 {
		return name[i:]
	}
	return ""
}

// errorHandler maps any error to a status with StatusOf and
// answers problem+json to API and JSON clients, an error page to browsers.
type errorHandler struct {
	log  *slog.Logger
	tmpl *template.Template
}

// Problem is an RFC 9457 problem document with the registry's extensions.
type Problem struct {
	Type      string                `json:"type"`
	Title     string                `json:"title"`
	Status    int                   `json:"status"`
	Detail    string                `json:"detail"`
	DetailVI  string                `json:"detail_vi"`
	Code      string                `json:"code"`
	Fields    []registry.FieldError `json:"errors,omitempty"`
	Instance  string                `json:"instance,omitempty"`
	RequestID string                `json:"request_id,omitempty"`
}

func (h *errorHandler) handle(c *fiber.Ctx, err error) error {
	var pub *registry.Error
	var fe *fiber.Error
	switch {
	case errors.As(err, &pub):
	case errors.As(err, &fe):
		pub = fromFiberError(fe)
	default:
		pub = registry.PublicError(err)
	}
	status := StatusOf(pub)
	if status >= 500 {
		// Users never see internal text; the log does, with the request ID.
		RequestLogger(c, h.log).Error("request failed", "err", err.Error(), "path", c.Path())
	}
	if wantsJSON(c) {
		c.Status(status)
		c.Set(fiber.HeaderContentType, "application/problem+json")
		return c.JSON(Problem{
			Type: "about:blank", Title: titleEN(status), Status: status,
			Detail: pub.Message, DetailVI: pub.MessageVI, Code: pub.Code, Fields: pub.Fields,
			Instance: c.Path(), RequestID: RequestID(c),
		}, "application/problem+json")
	}
	c.Status(status)
	c.Type("html", "utf-8")
	return h.tmpl.ExecuteTemplate(c.Response().BodyWriter(), "error", map[string]any{
		"Status": status, "TitleVI": titleVI(status), "TitleEN": titleEN(status),
		"MessageVI": pub.MessageVI, "MessageEN": pub.Message, "Fields": pub.Fields, "RequestID": RequestID(c),
	})
}

// wantsJSON: the API always; elsewhere when the client asks for JSON over HTML.
func wantsJSON(c *fiber.Ctx) bool {
	if strings.HasPrefix(c.Path(), "/api/") {
		return true
	}
	return c.Accepts(fiber.MIMETextHTML, fiber.MIMEApplicationJSON, "application/problem+json") != fiber.MIMETextHTML
}

func fromFiberError(fe *fiber.Error) *registry.Error {
	switch fe.Code {
	case fiber.StatusNotFound:
		return registry.Errorf(registry.ENOTFOUND, "There is nothing at this address.", "Không có gì ở địa chỉ này.")
	case fiber.StatusMethodNotAllowed:
		return registry.Errorf(registry.EMALFORMED, "This method is not allowed here.", "Phương thức này không được phép ở đây.")
	case fiber.StatusRequestEntityTooLarge:
		return registry.Errorf(registry.ETOOLARGE, "The request body is too large.", "Nội dung yêu cầu quá lớn.")
	case fiber.StatusUnsupportedMediaType:
		return registry.Errorf(registry.EMEDIATYPE, "This content type is not accepted.", "Kiểu nội dung này không được chấp nhận.")
	case fiber.StatusTooManyRequests:
		return registry.Errorf(registry.ETOOMANY, "Too many requests; wait a moment and try again.", "Quá nhiều yêu cầu; vui lòng đợi rồi thử lại.")
	case fiber.StatusUnauthorized:
		return registry.Errorf(registry.EUNAUTHORIZED, "Please sign in.", "Vui lòng đăng nhập.")
	case fiber.StatusForbidden:
		return registry.Errorf(registry.EFORBIDDEN, "You may not do this.", "Bạn không có quyền thực hiện thao tác này.")
	}
	if fe.Code >= 400 && fe.Code < 500 {
		return registry.Errorf(registry.EMALFORMED, "The request is not valid.", "Yêu cầu không hợp lệ.")
	}
	return registry.PublicError(fe)
}

var titles = map[int][2]string{
	400: {"Bad request", "Yêu cầu không hợp lệ"},
	401: {"Sign-in required", "Cần đăng nhập"},
	403: {"Forbidden", "Không có quyền"},
	404: {"Not found", "Không tìm thấy"},
	409: {"Conflict", "Xung đột dữ liệu"},
	412: {"Changed meanwhile", "Dữ liệu đã thay đổi"},
	413: {"Too large", "Quá lớn"},
	415: {"Unsupported type", "Kiểu không được hỗ trợ"},
	422: {"Invalid data", "Dữ liệu không hợp lệ"},
	428: {"Version required", "Cần phiên bản"},
	429: {"Too many requests", "Quá nhiều yêu cầu"},
	500: {"Internal error", "Lỗi hệ thống"},
	503: {"Temporarily unavailable", "Tạm thời không phục vụ được"},
}

func titleEN(status int) string { return titles[status][0] }
func titleVI(status int) string { return titles[status][1] }

// SendGeoJSON answers v as a GeoJSON file to download, named fileName
// (which the caller keeps to safe characters).
func SendGeoJSON(c *fiber.Ctx, fileName string, v any) error {
	body, err := json.Marshal(v)
	if err != nil {
		return err
	}
	c.Set(fiber.HeaderContentType, "application/geo+json")
	c.Set(fiber.HeaderContentDisposition, `attachment; filename="`+fileName+`"`)
	return c.Send(body)
}
