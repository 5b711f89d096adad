package server_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/tracereg/tracereg/registry"
	"github.com/tracereg/tracereg/registry/disk"
	"github.com/tracereg/tracereg/registry/records/recordstest"
	"github.com/tracereg/tracereg/registry/server"
)

type logBuffer struct{ bytes.Buffer }

func newApp(t *testing.T) (*fiber.App, *logBuffer, string) {
	t.Helper()
	docsDir := t.TempDir()
	docs, err := disk.New(docsDir)
	if err != nil {
		t.Fatal(err)
	}
	logs := &logBuffer{}
	app, err := server.New(server.Config{Store: recordstest.New(t), Documents: docs, Logger: slog.New(slog.NewJSONHandler(logs, nil))})
	if err != nil {
		t.Fatal(err)
	}
	app.Get("/api/v1/boom", func(c *fiber.Ctx) error { return errors.New("secret database detail") })
	app.Get("/api/v1/invalid", func(c *fiber.Ctx) error {
		var p registry.Problems
		p.Add("tax_code", "tax_code", "must be 10 digits", "phải gồm 10 chữ số")
		return p.Err()
	})
	app.Get("/page/missing", func(c *fiber.Ctx) error {
		return registry.Errorf(registry.ENOTFOUND, "No such lot.", "Không có lô này.")
	})
	app.Get("/panic", func(c *fiber.Ctx) error { panic("kaboom") })
	return app, logs, docsDir
}

func do(t *testing.T, app *fiber.App, method, path string, header ...string) (*http.Response, string) {
	t.Helper()
	req := httptest.NewRequest(method, path, nil)
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	resp, err := app.Test(req, -1)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	return resp, string(body)
}

func TestErrorsBecomeProblemsForTheAPI(t *testing.T) {
	app, logs, _ := newApp(t)

	resp, body := do(t, app, "GET", "/api/v1/invalid")
	if resp.StatusCode != 422 || resp.Header.Get("Content-Type") != "application/problem+json" {
		t.Fatalf("invalid: %d %s", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	var p server.Problem
	if err := json.Unmarshal([]byte(body), &p); err != nil {
		t.Fatal(err)
	}
	if p.Code != registry.EINVALID || p.Status != 422 || len(p.Fields) != 1 || p.Fields[0].Field != "tax_code" || p.Fields[0].MessageVI == "" || p.DetailVI == "" {
		t.Fatalf("problem: %+v", p)
	}
	if p.RequestID == "" || p.RequestID != resp.Header.Get("X-Request-Id") {
		t.Fatalf("request id %q vs header %q", p.RequestID, resp.Header.Get("X-Request-Id"))
	}

	resp, body = do(t, app, "GET", "/api/v1/boom")
	if resp.StatusCode != 500 || strings.Contains(body, "secret database detail") {
		t.Fatalf("internal error leaked or wrong status: %d %s", resp.StatusCode, body)
	}
	id := resp.Header.Get("X-Request-Id")
	if !strings.Contains(logs.String(), "secret database detail") || !strings.Contains(logs.String(), id) {
		t.Fatalf("the log must hold the internal text with the request ID:\n%s", logs.String())
	}

	resp, _ = do(t, app, "GET", "/api/v1/nowhere")
	if resp.StatusCode != 404 || resp.Header.Get("Content-Type") != "application/problem+json" {
		t.Fatalf("unknown API route: %d %s", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
}

func TestErrorsBecomePagesForBrowsers(t *testing.T) {
	app, _, _ := newApp(t)
	resp, body := do(t, app, "GET", "/page/missing", "Accept", "text/html,application/xhtml+xml")
	if resp.StatusCode != 404 || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/html") {
		t.Fatalf("page error: %d %s", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	for _, want := range []string{"Không có lô này.", "No such lot.", "Không tìm thấy", "Not found"} {
		if !strings.Contains(body, want) {
			t.Errorf("error page lacks %q", want)
		}
	}
	// The same path asked for JSON answers a problem.
	resp, _ = do(t, app, "GET", "/page/missing", "Accept", "application/json")
	if resp.StatusCode != 404 || resp.Header.Get("Content-Type") != "application/problem+json" {
		t.Fatalf("JSON client: %d %s", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	// A panic is a 500 page, and the server lives on.
	resp, body = do(t, app, "GET", "/panic", "Accept", "text/html")
	if resp.StatusCode != 500 || strings.Contains(body, "kaboom") {
		t.Fatalf("panic: %d %s", resp.StatusCode, body)
	}
	resp, _ = do(t, app, "GET", "/healthz")
	if resp.StatusCode != 200 {
		t.Fatalf("healthz after a panic: %d", resp.StatusCode)
	}
	if resp.Header.Get("X-Content-Type-Options") != "nosniff" {
		t.Error("security headers missing")
	}
}

func TestReadyzNamesWhatFails(t *testing.T) {
	app, _, docsDir := newApp(t)
	resp, body := do(t, app, "GET", "/readyz")
	if resp.StatusCode != 200 || !strings.Contains(body, `"database":"ok"`) || !strings.Contains(body, `"documents":"ok"`) {
		t.Fatalf("readyz: %d %s", resp.StatusCode, body)
	}
	if err := os.RemoveAll(docsDir); err != nil {
		t.Fatal(err)
	}
	resp, body = do(t, app, "GET", "/readyz")
	if resp.StatusCode != 503 || !strings.Contains(body, `"documents":"unavailable"`) || !strings.Contains(body, `"database":"ok"`) {
		t.Fatalf("readyz with the document store gone: %d %s", resp.StatusCode, body)
	}
}

func TestReadyzWhenTheDatabaseIsGone(t *testing.T) {
	docs, err := disk.New(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	db := recordstest.New(t)
	app, err := server.New(server.Config{Store: db, Documents: docs, Logger: slog.New(slog.NewJSONHandler(io.Discard, nil))})
	if err != nil {
		t.Fatal(err)
	}
	db.Close(context.Background())
	resp, body := do(t, app, "GET", "/readyz")
	if resp.StatusCode != 503 || !strings.Contains(body, `"database":"unavailable"`) {
		t.Fatalf("readyz with the database closed: %d %s", resp.StatusCode, body)
	}
}

func TestStaticFiles(t *testing.T) {
	app, _, _ := newApp(t)
	resp, body := do(t, app, "GET", "/static/base.css")
	if resp.StatusCode != 200 || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/css") || !strings.Contains(body, "font-family") {
		t.Fatalf("static css: %d %s", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	for _, p := range []string{"/static/nope.css", "/static/../assets.go", "/static/"} {
		if resp, _ := do(t, app, "GET", p); resp.StatusCode != 404 {
			t.Errorf("%s: %d, want 404", p, resp.StatusCode)
		}
	}
}

// Every request's context ends after the request timeout (an import's after
// the import timeout), so database work started by a request the client gave
// up on stops; a store call that ran past it answers 503, not 500.
func TestRequestsHaveADeadline(t *testing.T) {
	docs, err := disk.New(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	db := recordstest.New(t)
	app, err := server.New(server.Config{Store: db, Documents: docs, Logger: slog.New(slog.DiscardHandler),
		RequestTimeout: 50 * time.Millisecond, ImportTimeout: time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	left := func(c *fiber.Ctx) error {
		d, ok := c.UserContext().Deadline()
		if !ok {
			return c.SendString("none")
		}
		return c.SendString(time.Until(d).Round(time.Minute).String())
	}
	app.Get("/api/v1/things", left)
	app.Post(`/api/v1/batches\:import`, left)
	app.Get("/api/v1/slow", func(c *fiber.Ctx) error {
		<-c.UserContext().Done() // a long scan, cut when the request's time is up
		_, err := db.FindBatch(c.UserContext(), "0123456789abcdef01234567")
		return err
	})
	if _, body := do(t, app, "GET", "/api/v1/things"); body != "0s" {
		t.Errorf("a request's deadline is %q away, want within the 50 ms timeout", body)
	}
	if _, body := do(t, app, "POST", "/api/v1/batches:import"); body != "1h0m0s" {
		t.Errorf("an import's deadline is %q away, want the hour of ImportTimeout", body)
	}
	if resp, body := do(t, app, "GET", "/api/v1/slow"); resp.StatusCode != http.StatusServiceUnavailable {
		t.Errorf("a store call past the deadline: %d %s, want 503", resp.StatusCode, body)
	}
}
