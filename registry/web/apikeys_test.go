package web_test

import (
	"context"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/tracereg/tracereg/registry"
)

// TestAPIKeysPage: a person makes an API key from a page, sees it once,
// and revokes it; a blank name is refused; another's key is not reachable.
func TestAPIKeysPage(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	c := e.as(asCoop)
	r := c.get("/account/api-keys")
	wantStatus(t, "keys page", r, http.StatusOK)
	wantContains(t, "keys page", r.body, `id="no-keys"`, `id="key-form"`)
	if r.header.Get("Cache-Control") != "no-store" {
		t.Errorf("keys page Cache-Control %q", r.header.Get("Cache-Control"))
	}
	res := c.post("/account/api-keys", url.Values{"name": {"  "}})
	wantStatus(t, "blank name", res, http.StatusUnprocessableEntity)
	if keys, _ := e.db.ListAPIKeys(ctx, e.users[asCoop].ID); len(keys) != 0 {
		t.Fatalf("a refused form made %d keys", len(keys))
	}
	res = c.post("/account/api-keys", url.Values{"name": {"Phần mềm kho"}})
	wantStatus(t, "make", res, http.StatusCreated)
	m := regexp.MustCompile(`id="new-key-secret">(trk_[^<]+)<`).FindStringSubmatch(res.body)
	if m == nil {
		t.Fatalf("no secret shown: %.800s", res.body)
	}
	k, err := e.db.FindAPIKeyByHash(ctx, registry.HashSecret(m[1]))
	if err != nil || k.Name != "Phần mềm kho" || k.UserID != e.users[asCoop].ID {
		t.Fatalf("stored key %+v %v", k, err)
	}
	if again := c.get("/account/api-keys"); strings.Contains(again.body, m[1]) || !strings.Contains(again.body, `id="key-`+k.ID+`"`) {
		t.Errorf("the list shows the secret again, or not the key")
	}
	// Another person cannot revoke it.
	if res := e.as(asRoaster).post("/account/api-keys/"+k.ID+"/revoke", url.Values{}); res.status != http.StatusNotFound {
		t.Errorf("another user revoking: %d", res.status)
	}
	wantStatus(t, "revoke", c.post("/account/api-keys/"+k.ID+"/revoke", url.Values{}), http.StatusSeeOther)
	if _, err := e.db.FindAPIKeyByHash(ctx, registry.HashSecret(m[1])); registry.ErrorCode(err) != registry.ENOTFOUND {
		t.Errorf("a revoked key still works: %v", err)
	}
	if res := e.anon().get("/account/api-keys"); res.status != http.StatusSeeOther {
		t.Errorf("anonymous: %d", res.status)
	}
}
