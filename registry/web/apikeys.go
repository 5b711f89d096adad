package web

import (
	"github.com/gofiber/fiber/v2"

	"github.com/tracereg/tracereg/registry"
)

// API keys from a page: a person makes a key for a program that works as
// them (an enterprise's ERP, a certification body's system), sees the
// secret once, and revokes it. The same rules as POST/DELETE
// /api/v1/api-keys, and the same audit entries.

type apiKeysData struct {
	Keys []*registry.APIKey
	// NewKey is the secret just made: shown once, never stored.
	NewKey string
}

func (w *Web) apiKeysPage(c *fiber.Ctx, f *Form, status int, newKey string) error {
	me := actor(c)
	if err := registry.Authorize(me, registry.ActRead, registry.Resource{Kind: registry.KindAPIKey, UserID: me.UserID}); err != nil {
		return err
	}
	keys, err := w.store.ListAPIKeys(ctx(c), me.UserID)
	if err != nil {
		return err
	}
	p := w.page(c, "apikeys", "keys_title")
	p.Form, p.Data = f, apiKeysData{Keys: keys, NewKey: newKey}
	c.Set(fiber.HeaderCacheControl, "no-store")
	return w.render(c, status, p)
}

func (w *Web) apiKeys(c *fiber.Ctx) error { return w.apiKeysPage(c, newForm(c), fiber.StatusOK, "") }

func (w *Web) apiKeyCreate(c *fiber.Ctx) error {
	me := actor(c)
	if err := registry.Authorize(me, registry.ActCreate, registry.Resource{Kind: registry.KindAPIKey, UserID: me.UserID}); err != nil {
		return err
	}
	f := newForm(c)
	secret := registry.NewSecret(registry.APIKeyPrefix)
	k := &registry.APIKey{UserID: me.UserID, Name: f.Value("name"), Hash: registry.HashSecret(secret), Hint: secret[:8]}
	if err := w.store.CreateAPIKey(ctx(c), k); err != nil {
		if invalid(err) {
			f.Fail(err)
			return w.apiKeysPage(c, f, fiber.StatusUnprocessableEntity, "")
		}
		return err
	}
	if err := w.audit(c, "api_key.create", registry.KindAPIKey, k.ID, "", nil, k); err != nil {
		return err
	}
	// The secret is on this answer only: no redirect, so no other copy.
	return w.apiKeysPage(c, newForm(c), fiber.StatusCreated, secret)
}

func (w *Web) apiKeyRevoke(c *fiber.Ctx) error {
	me := actor(c)
	id := c.Params("id")
	if !registry.ValidID(id) {
		return registry.Errorf(registry.ENOTFOUND, "No such key.", "Không có khóa này.")
	}
	k, err := w.store.FindAPIKey(ctx(c), id)
	if err != nil {
		return err
	}
	// Only one's own keys from this page (admin revokes others' by the API).
	if k.UserID != me.UserID {
		return registry.Errorf(registry.ENOTFOUND, "No such key.", "Không có khóa này.")
	}
	if err := registry.Authorize(me, registry.ActDelete, registry.Resource{Kind: registry.KindAPIKey, UserID: k.UserID}); err != nil {
		return err
	}
	if !k.Revoked {
		if err := w.store.RevokeAPIKey(ctx(c), k.ID); err != nil {
			return err
		}
		if err := w.audit(c, "api_key.revoke", registry.KindAPIKey, k.ID, "", k, nil); err != nil {
			return err
		}
	}
	return w.redirectFlash(c, "/account/api-keys", "flash_key_revoked")
}
