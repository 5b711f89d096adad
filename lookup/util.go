package lookup

import (
	"encoding/json"
	"net/url"

	"github.com/gofiber/fiber/v2"
)

// jsonString quotes s as a JSON string (HTML-safe escaping included).
func jsonString(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}

// urlParam returns a route parameter percent-decoded (Fiber keeps the raw path).
func urlParam(c *fiber.Ctx, name string) (string, error) {
	return url.PathUnescape(c.Params(name))
}
