package web

// The enterprise workspace: what needs doing (home), products, facilities
// (farm plots with their EUDR geolocation), lots and their events, QR and
// labels, and documents. Every page is for RoleEnterprise and shows only the
// signed-in user's own enterprise: each record is checked with
// registry.Authorize, so another enterprise's record answers 404. The
// conformity announcements (/w/announcements) and the bulk import
// (/w/import) live in their own files.

import (
	"strings"

	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/fiber/v2/utils"

	"github.com/tracereg/tracereg/registry"
)

// entID is the signed-in enterprise; an enterprise account without one may not use the workspace.
func entID(c *fiber.Ctx) (string, error) {
	me := actor(c)
	if me.Role != registry.RoleEnterprise || me.EnterpriseID == "" {
		return "", registry.Errorf(registry.EFORBIDDEN, "This page is not part of your workspace.", "Trang này không thuộc khu vực làm việc của bạn.")
	}
	return me.EnterpriseID, nil
}

// param copies a route parameter (Fiber reuses its buffers).
func entParam(c *fiber.Ctx, name string) string { return utils.CopyString(c.Params(name)) }

// entNotFound is the answer for a record that is not there or not the actor's.
func entNotFound() error {
	return registry.Errorf(registry.ENOTFOUND, "Not found.", "Không tìm thấy.")
}

// entAuthorize checks the actor may take action on a record of kind owned by enterpriseID.
func entAuthorize(c *fiber.Ctx, action, kind, enterpriseID string) error {
	return registry.Authorize(actor(c), action, registry.Resource{Kind: kind, EnterpriseID: enterpriseID})
}

// entScanLimit bounds how many records a home-page summary reads.
const entScanLimit = 2000

// scanAll reads pages of a list until done or entScanLimit records.
func entScanAll[T any](list func(p registry.Page) ([]*T, string, error)) ([]*T, error) {
	var out []*T
	p := registry.Page{Limit: registry.MaxPageLimit}
	for {
		items, next, err := list(p)
		if err != nil {
			return nil, err
		}
		out = append(out, items...)
		if next == "" || len(out) >= entScanLimit {
			return out, nil
		}
		p.Cursor = next
	}
}

// checked returns the values of a repeated form field, without blanks.
func entChecked(f *Form, field string) []string {
	var out []string
	for _, v := range f.Values[field] {
		if v = strings.TrimSpace(v); v != "" {
			out = append(out, v)
		}
	}
	return out
}
