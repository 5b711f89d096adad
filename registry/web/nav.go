package web

import (
	"strings"

	"github.com/gofiber/fiber/v2"

	"github.com/tracereg/tracereg/registry"
)

// NavItem is one link of the workspace menu.
type NavItem struct {
	Href, Label string // Label is a message key
	Active      bool
}

// NavGroup is one entry of the menu bar: a link on its own (no Label), or
// a labelled group that opens to its links. Groups keep a role's bar short
// enough to fit at 1366 px and on a phone.
type NavGroup struct {
	Label  string // message key; "" for a single link
	Items  []NavItem
	Active bool // holds the current page
}

func link(href, label string) NavGroup { return NavGroup{Items: []NavItem{{Href: href, Label: label}}} }

func group(label string, items ...NavItem) NavGroup { return NavGroup{Label: label, Items: items} }

func item(href, label string) NavItem { return NavItem{Href: href, Label: label} }

// menus are each role's workspace menu, read top to bottom: the one place
// a menu link is added.
var menus = map[string][]NavGroup{
	registry.RoleEnterprise: {
		link(Prefix+"/", "home"),
		link(Prefix+"/products", "ent_nav_products"),
		link(Prefix+"/facilities", "ent_nav_facilities"),
		link(Prefix+"/lots", "ent_nav_lots"),
		link(Prefix+"/announcements", "ann_menu"),
		group("nav_more", item(Prefix+"/documents", "ent_nav_documents"), item(Prefix+"/import", "imp_menu"), item(prgBenchPrefix, "prg_nav_bench"),
			item(whPath, "wh_nav")),
	},
	registry.RoleCertifier: {
		link(Prefix+"/", "home"),
		link(crtPath, "crt_nav_list"),
		link(crtPath+"/new", "crt_nav_issue"),
	},
	registry.RoleInspector: {
		link(Prefix+"/", "home"),
		link(Prefix+"/search", "ins_nav_search"),
		group("nav_dossiers", item(inbPath, "inb_nav"), item(Prefix+"/announcements", "ann_menu"), item(cmpPath, "cmp_nav")),
		group("nav_certificates", item(crtPath, "ins_nav_certificates"), item(Prefix+"/expiring", "ins_nav_expiring"), item(whPath, "wh_nav")),
		link(rclPath, "rcl_nav"),
		group("nav_programme", item("/dashboard/programme", "nav_prg_dashboard"), item(prgPrefix, "nav_prg_records")),
	},
	registry.RoleAdmin: {
		link(Prefix+"/", "home"),
		link(Prefix+"/search", "ins_nav_search"),
		group("nav_dossiers", item(inbPath, "inb_nav"), item(Prefix+"/announcements", "ann_menu"), item(cmpPath, "cmp_nav")),
		link(Prefix+"/expiring", "ins_nav_expiring"),
		link(rclPath, "rcl_nav"),
		group("nav_registers", item(admPrefix+"/enterprises", "adm_nav_enterprises"), item(admPrefix+"/users", "adm_nav_users"),
			item(admPrefix+"/bodies", "adm_nav_bodies"), item(admPrefix+"/standards", "adm_nav_standards"), item(admPrefix+"/demo", "adm_nav_demo"),
			item(whPath, "wh_nav")),
		group("nav_programme", item("/dashboard/programme", "nav_prg_dashboard"), item(prgPrefix, "nav_prg_records")),
	},
}

// navFor returns the menu of a's role with the current page marked: only
// the longest matching link, so /w/certificates/new marks "issue a
// certificate", not also "certificates".
func navFor(a registry.Actor, path string) []NavGroup {
	if a.Anonymous() {
		return nil
	}
	out := make([]NavGroup, len(menus[a.Role]))
	bestG, bestI, bestLen := -1, -1, 0
	for g, grp := range menus[a.Role] {
		out[g] = NavGroup{Label: grp.Label, Items: append([]NavItem(nil), grp.Items...)}
		for i, it := range grp.Items {
			match := path == it.Href || it.Href != Prefix+"/" && strings.HasPrefix(path, it.Href+"/")
			if match && len(it.Href) > bestLen {
				bestG, bestI, bestLen = g, i, len(it.Href)
			}
		}
	}
	if bestG >= 0 {
		out[bestG].Active = true
		out[bestG].Items[bestI].Active = true
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
