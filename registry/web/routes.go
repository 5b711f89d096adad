package web

import (
	"github.com/gofiber/fiber/v2"

	"github.com/tracereg/tracereg/registry"
)

// mountWorkspaces registers every workspace route, read top to bottom, each
// with the roles that may call it (the handlers authorize the record too).
// The menus are in nav.go; the home page of each role is homes below.
func (w *Web) mountWorkspaces(g fiber.Router) {
	// enterprise
	{
		ent := roles(registry.RoleEnterprise)
		w.mountEntProducts(g, ent)
		w.mountEntFacilities(g, ent)
		w.mountEntLots(g, ent)
		w.mountEntDocuments(g, ent)
	}
	// import
	{
		ent := roles(registry.RoleEnterprise)
		g.Get("/import", ent, w.impPage)
		g.Get("/import/template/:kind", ent, w.impTemplate)
		g.Post("/import", ent, w.impUpload)
	}
	// announcements
	{
		read := roles(registry.RoleEnterprise, registry.RoleAdmin, registry.RoleInspector)
		write := roles(registry.RoleEnterprise)
		g.Get("/announcements", read, w.annList)
		g.Get("/announcements/new", write, w.annNew)
		g.Post("/announcements", write, w.annCreate)
		g.Get("/announcements/:id", read, w.annShow)
		g.Get("/announcements/:id/notice", read, w.annNotice)
		g.Get("/announcements/:id/edit", write, w.annEdit)
		g.Post("/announcements/:id/edit", write, w.annUpdate)
		g.Get("/announcements/:id/documents/:doc", read, w.annDocument)
		g.Post("/announcements/:id/documents", write, w.annAddDocuments)
		g.Post("/announcements/:id/submit", write, w.annTransition(registry.TransitionSubmit))
		g.Post("/announcements/:id/resubmit", write, w.annResubmit)
		g.Post("/announcements/:id/withdraw", write, w.annTransition(registry.TransitionWithdraw))
		g.Post("/announcements/:id/delete", write, w.annDelete)
	}
	// certifier
	{
		readers := roles(registry.RoleCertifier, registry.RoleInspector, registry.RoleAdmin)
		certifier := roles(registry.RoleCertifier)
		g.Get("/certificates", readers, w.crtList)
		g.Get("/certificates/new", certifier, w.crtIssueForm)
		g.Post("/certificates/new", certifier, w.crtIssue)
		g.Get("/certificates/:id", readers, w.crtShow)
		g.Get("/certificates/:id/document", readers, w.crtDocument)
		g.Post("/certificates/:id/status", certifier, w.crtDecide)
		g.Post("/certificates/:id/amend", certifier, w.crtAmend)
	}
	// inspector
	{
		staff := roles(registry.RoleInspector, registry.RoleAdmin)
		g.Get("/search", staff, w.insSearch)
		g.Get("/expiring", staff, w.insExpiring)
	}
	// inbox
	{
		staff := roles(registry.RoleInspector, registry.RoleAdmin)
		g.Get("/inbox", staff, w.inbList)
		g.Get("/inbox/:id", staff, w.inbShow)
		g.Get("/inbox/:id/documents/:doc", staff, w.inbDocument)
		g.Post("/inbox/:id/missing", staff, w.inbMissing)
		g.Post("/inbox/:id/receipt", staff, w.inbReceipt)
		g.Post("/inbox/:id/reject", staff, w.inbReject)
	}
	// complaints
	{
		staff := roles(registry.RoleInspector, registry.RoleAdmin)
		g.Get("/complaints", staff, w.cmpList)
		g.Get("/complaints/:id", staff, w.cmpShow)
		g.Post("/complaints/:id/assign", staff, w.cmpStep(registry.ReportActionAssign))
		g.Post("/complaints/:id/note", staff, w.cmpStep(registry.ReportActionNote))
		g.Post("/complaints/:id/resolve", staff, w.cmpStep(registry.ReportActionResolve))
		g.Post("/complaints/:id/reopen", staff, w.cmpStep(registry.ReportActionReopen))
		g.Post("/complaints/:id/reply", staff, w.cmpStep(registry.ReportActionReply))
		g.Get("/complaints/:id/photo", staff, w.cmpPhoto)
	}
	// recall
	{
		staff := roles(registry.RoleInspector, registry.RoleAdmin)
		g.Get("/recall", staff, w.rclFind)
		g.Get("/recall/:id", staff, w.rclForm)
		g.Post("/recall/:id/check", staff, w.rclCheck)
		g.Post("/recall/:id/confirm", staff, w.rclConfirm)
		g.Post("/recall/:id/lift", staff, w.rclLift)
	}
	// programme
	{
		s := g.Group("/programme", roles(registry.RoleAdmin, registry.RoleInspector))
		s.Get("", w.prgIndex)
		s.Get("/report.xlsx", w.prgReport("xlsx"))
		s.Get("/report.csv", w.prgReport("csv"))
		s.Get("/notes", w.prgNotes)
		s.Post("/notes", w.prgNotesSave)
		w.mountPrgRecords(s)
		b := g.Group("/benchmark", roles(registry.RoleEnterprise))
		w.mountPrgBenchmark(b)
	}
	// webhooks (the handlers authorize each subscription: KindWebhook)
	w.mountWebhooks(g, roles(registry.RoleEnterprise, registry.RoleInspector, registry.RoleAdmin))
	// admin
	{
		a := g.Group("/admin", roles(registry.RoleAdmin))
		a.Get("/", func(c *fiber.Ctx) error { return c.Redirect(Prefix+"/", fiber.StatusSeeOther) })
		w.mountAdminEnterprises(a)
		w.mountAdminUsers(a)
		w.mountAdminBodies(a)
		w.mountAdminStandards(a)
		w.mountAdminDemo(a)
	}
}

// homes are the home page (/w/) of each role.
var homes = map[string]func(w *Web, c *fiber.Ctx) error{
	registry.RoleAdmin:      (*Web).admHome,
	registry.RoleCertifier:  (*Web).crtHome,
	registry.RoleEnterprise: (*Web).entHome,
	registry.RoleInspector:  (*Web).insHome,
}
