package web

import (
	"strings"

	"github.com/gofiber/fiber/v2"

	"github.com/tracereg/tracereg/registry"
)

// menus are the workspace links of each role, in order. Each workspace
// file adds its links with addNav.
var menus = map[string][]NavItem{}

// addNav adds a menu link for roles.
func addNav(href, label string, roles ...string) {
	for _, r := range roles {
		menus[r] = append(menus[r], NavItem{Href: href, Label: label})
	}
}

// navFor returns the menu of a's role with the current page marked.
func navFor(a registry.Actor, path string) []NavItem {
	if a.Anonymous() {
		return nil
	}
	items := append([]NavItem{{Href: Prefix + "/", Label: "home"}}, menus[a.Role]...)
	out := make([]NavItem, len(items))
	// Only the longest matching link is current: /w/certificates/new marks
	// "issue a certificate", not also "certificates".
	best := -1
	for i, it := range items {
		out[i] = it
		match := path == it.Href || it.Href != Prefix+"/" && strings.HasPrefix(path, it.Href+"/")
		if match && (best < 0 || len(it.Href) > len(items[best].Href)) {
			best = i
		}
	}
	if best >= 0 {
		out[best].Active = true
	}
	return out
}

// home shows the signed-in role's home page.
func (w *Web) home(c *fiber.Ctx) error {
	if h, ok := homes[actor(c).Role]; ok {
		return h(w, c)
	}
	// A role without its own home page gets its menu as a page.
	return w.render(c, fiber.StatusOK, w.page(c, "home", "home"))
}

// homes are the home pages by role; each workspace file adds its own.
var homes = map[string]func(w *Web, c *fiber.Ctx) error{}

// roles admits only actors holding one of roles; others get 403 (a role
// that never uses the page) — tenant checks stay with registry.Authorize.
func roles(allowed ...string) fiber.Handler {
	return func(c *fiber.Ctx) error {
		me := actor(c)
		for _, r := range allowed {
			if me.Role == r {
				return c.Next()
			}
		}
		return registry.Errorf(registry.EFORBIDDEN, "This page is not part of your workspace.", "Trang này không thuộc khu vực làm việc của bạn.")
	}
}
