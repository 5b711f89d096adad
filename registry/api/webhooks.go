package api

import (
	"strings"

	"github.com/gofiber/fiber/v2"

	"github.com/tracereg/tracereg/registry"
)

// Webhooks: subscriptions (an enterprise for its own records; province
// staff and inspectors for one enterprise or, with no enterprise_id, for
// all), their deliveries, replays and a test delivery. Who may do what is
// registry.Authorize (KindWebhook); the secret is in the creation's answer
// only.

// webhookRequest creates a subscription.
type webhookRequest struct {
	URL          string   `json:"url"`
	Events       []string `json:"events"`
	EnterpriseID string   `json:"enterprise_id,omitempty"`
	Description  string   `json:"description,omitempty"`
}

// webhookCreated shows the signing secret, once.
type webhookCreated struct {
	registry.WebhookSubscription
	Secret string `json:"secret"`
}

func (a *API) mountWebhooks(g fiber.Router) {
	a.add(g, routeDoc{Method: "GET", Summary: "List webhook subscriptions (an enterprise: its own; staff and inspectors: all, or ?enterprise=)", Tag: "webhooks",
		Response: listOf[registry.WebhookSubscription]{}, Query: []string{"enterprise", "limit", "cursor"}}, "/webhooks", a.listWebhooks)
	a.add(g, routeDoc{Method: "POST", Summary: "Subscribe an HTTPS address to events (" + joinEvents() + "); the answer shows the signing secret once",
		Tag: "webhooks", Request: webhookRequest{}, Response: webhookCreated{}, Status: fiber.StatusCreated, Idempotent: true}, "/webhooks", a.createWebhook)
	a.add(g, routeDoc{Method: "GET", Summary: "One webhook subscription", Tag: "webhooks", Response: registry.WebhookSubscription{}}, "/webhooks/:id", a.getWebhook)
	a.add(g, routeDoc{Method: "DELETE", Summary: "Delete a webhook subscription and its deliveries", Tag: "webhooks", Status: fiber.StatusNoContent},
		"/webhooks/:id", a.deleteWebhook)
	a.add(g, routeDoc{Method: "GET", Summary: "A subscription's deliveries, newest first, with each attempt's outcome", Tag: "webhooks",
		Response: listOf[registry.WebhookDelivery]{}, Query: []string{"limit", "cursor"}}, "/webhooks/:id/deliveries", a.listDeliveries)
	a.add(g, routeDoc{Method: "POST", Summary: "Send a delivery again now, with the same webhook-id and body", Tag: "webhooks",
		Response: registry.WebhookDelivery{}, Status: fiber.StatusAccepted}, "/webhooks/:id/deliveries/:delivery/replay", a.replayDelivery)
	a.add(g, routeDoc{Method: "POST", Summary: "Queue a webhook.test delivery to this subscription", Tag: "webhooks",
		Response: registry.WebhookDelivery{}, Status: fiber.StatusAccepted}, "/webhooks/:id/test", a.testWebhook)
}

func joinEvents() string { return strings.Join(registry.WebhookEvents, ", ") }

func webhookTarget(s *registry.WebhookSubscription) registry.Resource {
	return registry.Resource{Kind: registry.KindWebhook, EnterpriseID: s.EnterpriseID, UserID: s.UserID}
}

// findWebhook returns the subscription of :id if the caller may take action on it.
func (a *API) findWebhook(c *fiber.Ctx, action string) (*registry.WebhookSubscription, error) {
	me := actor(c)
	if me.Anonymous() {
		return nil, registry.Authorize(me, action, registry.Resource{Kind: registry.KindWebhook})
	}
	s, err := a.store.FindWebhook(c.UserContext(), c.Params("id"))
	if err != nil {
		return nil, err
	}
	if err := registry.Authorize(me, action, webhookTarget(s)); err != nil {
		return nil, err
	}
	return s, nil
}

func (a *API) listWebhooks(c *fiber.Ctx) error {
	scope, err := registry.Scope(actor(c), registry.KindWebhook)
	if err != nil {
		return err
	}
	ent, err := scoped(c, scope)
	if err != nil {
		return err
	}
	p, err := page(c)
	if err != nil {
		return err
	}
	items, next, err := a.store.ListWebhooks(c.UserContext(), ent, p)
	if err != nil {
		return err
	}
	return c.JSON(listOf[registry.WebhookSubscription]{Items: nonNil(items), NextCursor: next})
}

func (a *API) createWebhook(c *fiber.Ctx) error {
	me := actor(c)
	if err := registry.Authorize(me, registry.ActCreate, registry.Resource{Kind: registry.KindWebhook, EnterpriseID: me.EnterpriseID, UserID: me.UserID}); err != nil {
		return err
	}
	var req webhookRequest
	if err := decodeJSON(c, &req, 8<<10); err != nil {
		return err
	}
	s := &registry.WebhookSubscription{UserID: me.UserID, EnterpriseID: req.EnterpriseID, URL: req.URL, Events: req.Events,
		Description: req.Description, Secret: registry.NewWebhookSecret()}
	ownEnterprise(me, &s.EnterpriseID)
	if err := registry.Authorize(me, registry.ActCreate, webhookTarget(s)); err != nil {
		return err
	}
	if err := a.store.CreateWebhook(c.UserContext(), s); err != nil {
		return err
	}
	if err := a.audit(c, "webhook.create", registry.KindWebhook, s.ID, s.EnterpriseID, nil, s); err != nil {
		return err
	}
	c.Set(fiber.HeaderCacheControl, "no-store")
	return c.Status(fiber.StatusCreated).JSON(webhookCreated{WebhookSubscription: *s, Secret: s.Secret})
}

func (a *API) getWebhook(c *fiber.Ctx) error {
	s, err := a.findWebhook(c, registry.ActRead)
	if err != nil {
		return err
	}
	return c.JSON(s)
}

func (a *API) deleteWebhook(c *fiber.Ctx) error {
	s, err := a.findWebhook(c, registry.ActDelete)
	if err != nil {
		return err
	}
	if err := a.store.DeleteWebhook(c.UserContext(), s.ID); err != nil {
		return err
	}
	if err := a.audit(c, "webhook.delete", registry.KindWebhook, s.ID, s.EnterpriseID, s, nil); err != nil {
		return err
	}
	return c.SendStatus(fiber.StatusNoContent)
}

func (a *API) listDeliveries(c *fiber.Ctx) error {
	s, err := a.findWebhook(c, registry.ActRead)
	if err != nil {
		return err
	}
	p, err := page(c)
	if err != nil {
		return err
	}
	items, next, err := a.store.ListWebhookDeliveries(c.UserContext(), s.ID, p)
	if err != nil {
		return err
	}
	return c.JSON(listOf[registry.WebhookDelivery]{Items: nonNil(items), NextCursor: next})
}

func (a *API) replayDelivery(c *fiber.Ctx) error {
	s, err := a.findWebhook(c, registry.ActUpdate)
	if err != nil {
		return err
	}
	x, err := a.store.FindWebhookDelivery(c.UserContext(), c.Params("delivery"))
	if err != nil {
		return err
	}
	if x.SubscriptionID != s.ID {
		return registry.Errorf(registry.ENOTFOUND, "Delivery not found.", "Không tìm thấy lần gửi.")
	}
	x, err = a.store.ReplayWebhookDelivery(c.UserContext(), x.ID)
	if err != nil {
		return err
	}
	if err := a.audit(c, "webhook.replay", registry.KindWebhook, s.ID, s.EnterpriseID, nil, map[string]string{"delivery_id": x.ID}); err != nil {
		return err
	}
	return c.Status(fiber.StatusAccepted).JSON(x)
}

func (a *API) testWebhook(c *fiber.Ctx) error {
	s, err := a.findWebhook(c, registry.ActUpdate)
	if err != nil {
		return err
	}
	x, err := a.store.QueueWebhookTest(c.UserContext(), s.ID)
	if err != nil {
		return err
	}
	return c.Status(fiber.StatusAccepted).JSON(x)
}
