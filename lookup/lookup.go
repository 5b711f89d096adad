// Package lookup is the public side of tracereg, with no sign-in: the GS1
// Digital Link resolver, the verification pages, QR images and labels, scan
// counting and the "report a problem" form.
package lookup

import (
	"log/slog"

	"github.com/gofiber/fiber/v2"

	"github.com/tracereg/tracereg/registry"
)

// Config is what the public side needs from the wiring.
type Config struct {
	Store         registry.Store
	Documents     registry.DocumentStore
	Clock         registry.Clock
	Logger        *slog.Logger
	PublicBaseURL string // e.g. https://truyxuat.example.vn, no trailing slash
}

// Mount adds the public routes to app.
func Mount(app *fiber.App, cfg Config) error {
	return nil
}
