package api

import (
	"github.com/gofiber/fiber/v2"

	"github.com/tracereg/tracereg/registry"
)

func (a *API) mountAudit(g fiber.Router) {
	a.add(g, routeDoc{Method: "GET", Summary: "Read the audit log (admin, inspector), oldest first", Tag: "audit",
		Response: listOf[registry.AuditEntry]{}, Query: []string{"limit", "cursor", "user", "kind", "target", "enterprise", "action"}}, "/audit", a.listAudit)
}

func (a *API) listAudit(c *fiber.Ctx) error {
	if err := registry.Authorize(actor(c), registry.ActRead, registry.Resource{Kind: registry.KindAudit}); err != nil {
		return err
	}
	p, err := page(c)
	if err != nil {
		return err
	}
	f := registry.AuditFilter{Page: p}
	for _, q := range []struct {
		name string
		dst  *string
		id   bool
	}{{"user", &f.UserID, true}, {"target", &f.TargetID, false}, {"enterprise", &f.EnterpriseID, true}, {"kind", &f.TargetKind, false}, {"action", &f.Action, false}} {
		var v string
		if q.id {
			v, err = queryID(c, q.name)
		} else {
			v, err = queryText(c, q.name)
		}
		if err != nil {
			return err
		}
		*q.dst = v
	}
	entries, next, err := a.store.ListAudit(c.UserContext(), f)
	if err != nil {
		return err
	}
	return c.JSON(listOf[registry.AuditEntry]{Items: nonNil(entries), NextCursor: next})
}
