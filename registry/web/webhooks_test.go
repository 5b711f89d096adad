package web_test

import (
	"context"
	"html"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/tracereg/tracereg/registry"
	"github.com/tracereg/tracereg/registry/langcheck"
)

// TestWebhooksPage: the cooperative subscribes its system from a page,
// sees the secret once, sees the deliveries a recall of its demo lot
// queued, replays one and deletes the subscription; a bad address comes
// back beside its field; the roaster cannot reach any of it; certifiers
// have no such page; an inspector subscribes by tax code or to all.
func TestWebhooksPage(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	coop := e.as(asCoop)
	r := coop.get("/w/webhooks")
	wantStatus(t, "webhooks page", r, http.StatusOK)
	wantContains(t, "webhooks page", r.body, `id="no-webhooks"`, `id="webhook-form"`, `value="batch.recalled"`)

	bad := coop.post("/w/webhooks", url.Values{"url": {"http://erp.htx.example.vn/in"}, "events": {registry.EventBatchRecalled}})
	wantStatus(t, "http address", bad, http.StatusUnprocessableEntity)
	wantContains(t, "http address", bad.body, `id="form-errors"`, `value="http://erp.htx.example.vn/in"`, "https://", `aria-invalid="true"`)
	if !strings.Contains(bad.body, `value="batch.recalled" checked`) {
		t.Errorf("the chosen event is not kept")
	}
	noEvent := coop.post("/w/webhooks", url.Values{"url": {"https://erp.htx.example.vn/in"}})
	wantStatus(t, "no event", noEvent, http.StatusUnprocessableEntity)
	if hooks, _, _ := e.db.ListWebhooks(ctx, e.demo.CoopID, registry.Page{}); len(hooks) != 0 {
		t.Fatalf("refused forms stored %d subscriptions", len(hooks))
	}

	made := coop.post("/w/webhooks", url.Values{"url": {"https://erp.htx.example.vn/in"}, "description": {"Phần mềm kho"},
		"events": {registry.EventBatchRecalled, registry.EventCertificateStatusChanged}})
	wantStatus(t, "make", made, http.StatusCreated)
	m := regexp.MustCompile(`id="new-secret-value">(whsec_[^<]+)<`).FindStringSubmatch(made.body)
	if m == nil {
		t.Fatalf("no secret shown: %.800s", made.body)
	}
	if made.header.Get("Cache-Control") != "no-store" {
		t.Errorf("Cache-Control %q", made.header.Get("Cache-Control"))
	}
	secret := html.UnescapeString(m[1]) // base64's + is written &#43;
	hooks, _, err := e.db.ListWebhooks(ctx, e.demo.CoopID, registry.Page{})
	if err != nil || len(hooks) != 1 || hooks[0].Secret != secret || hooks[0].URL != "https://erp.htx.example.vn/in" || len(hooks[0].Events) != 2 {
		t.Fatalf("stored %v %+v", err, hooks)
	}
	h := hooks[0]
	list := coop.get("/w/webhooks")
	if strings.Contains(list.body, "whsec_") || !strings.Contains(list.body, `id="webhook-`+h.ID+`"`) {
		t.Fatalf("the list shows the secret again, or not the subscription")
	}

	// A recall of the cooperative's lot queues a delivery the page shows.
	green, err := e.db.FindBatch(ctx, e.demo.GreenBatchID)
	if err != nil {
		t.Fatal(err)
	}
	inspector := registry.WithActor(ctx, registry.Actor{UserID: e.users[asInspector].ID, Username: asInspector, Role: registry.RoleInspector})
	if _, err := registry.RecallBatch(inspector, e.db, green, registry.RecallOrder{Reason: "Nấm mốc vượt ngưỡng", On: "2026-03-10"}, asInspector, demoNow); err != nil {
		t.Fatal(err)
	}
	ds, _, err := e.db.ListWebhookDeliveries(ctx, h.ID, registry.Page{})
	if err != nil || len(ds) != 1 {
		t.Fatalf("deliveries: %v %d", err, len(ds))
	}
	show := coop.get("/w/webhooks/" + h.ID)
	wantStatus(t, "webhook page", show, http.StatusOK)
	wantContains(t, "webhook page", show.body, `id="delivery-`+ds[0].ID+`"`, "Lô hàng bị thu hồi", "Đang chờ gửi", `id="replay-`+ds[0].ID+`"`)
	for _, page := range []response{list, show} {
		if found, around := langcheck.English(page.body); len(found) > 0 {
			t.Errorf("English on a Vietnamese page: %q …%s…", found, around)
		}
	}

	// The roaster reaches none of it.
	roaster := e.as(asRoaster)
	roaster.get("/w/webhooks")
	for _, req := range []struct{ method, path string }{
		{"GET", "/w/webhooks/" + h.ID}, {"POST", "/w/webhooks/" + h.ID + "/delete"}, {"POST", "/w/webhooks/" + h.ID + "/test"},
		{"POST", "/w/webhooks/" + h.ID + "/deliveries/" + ds[0].ID + "/replay"},
	} {
		var res response
		if req.method == "GET" {
			res = roaster.get(req.path)
		} else {
			res = roaster.post(req.path, url.Values{})
		}
		if res.status != http.StatusNotFound {
			t.Errorf("roaster %s %s: %d, want 404", req.method, req.path, res.status)
		}
	}
	if r := roaster.get("/w/webhooks"); strings.Contains(r.body, h.ID) {
		t.Errorf("the roaster's list shows the cooperative's subscription")
	}
	if r := e.as(asCertifier).get("/w/webhooks"); r.status != http.StatusForbidden {
		t.Errorf("certifier: %d, want 403", r.status)
	}

	// Replay and test from the page.
	coop.get("/w/webhooks/" + h.ID)
	wantStatus(t, "replay", coop.post("/w/webhooks/"+h.ID+"/deliveries/"+ds[0].ID+"/replay", url.Values{}), http.StatusSeeOther)
	if x, err := e.db.FindWebhookDelivery(ctx, ds[0].ID); err != nil || x.Replays != 1 || x.Status != registry.DeliveryPending {
		t.Fatalf("replayed: %v %+v", err, x)
	}
	wantStatus(t, "test", coop.post("/w/webhooks/"+h.ID+"/test", url.Values{}), http.StatusSeeOther)
	if ds, _, _ := e.db.ListWebhookDeliveries(ctx, h.ID, registry.Page{}); len(ds) != 2 || ds[0].EventType != registry.EventWebhookTest {
		t.Fatalf("after a test: %+v", ds)
	}
	wantStatus(t, "delete", coop.post("/w/webhooks/"+h.ID+"/delete", url.Values{}), http.StatusSeeOther)
	if _, err := e.db.FindWebhook(ctx, h.ID); registry.ErrorCode(err) != registry.ENOTFOUND {
		t.Fatalf("after delete: %v", err)
	}

	// An inspector: by tax code, unknown tax code, or every enterprise.
	ins := e.as(asInspector)
	ins.get("/w/webhooks")
	ent, err := e.db.FindEnterprise(ctx, e.demo.RoasterID)
	if err != nil {
		t.Fatal(err)
	}
	unknown := ins.post("/w/webhooks", url.Values{"url": {"https://thanhtra.example.vn/in"}, "events": {registry.EventBatchRecalled}, "tax_code": {"0000000000"}})
	wantStatus(t, "unknown tax code", unknown, http.StatusUnprocessableEntity)
	wantStatus(t, "by tax code", ins.post("/w/webhooks", url.Values{"url": {"https://thanhtra.example.vn/in"},
		"events": {registry.EventBatchRecalled}, "tax_code": {ent.TaxCode}}), http.StatusCreated)
	wantStatus(t, "all", ins.post("/w/webhooks", url.Values{"url": {"https://thanhtra.example.vn/all"},
		"events": {registry.EventBatchRecalled}}), http.StatusCreated)
	own, _, _ := e.db.ListWebhooks(ctx, e.demo.RoasterID, registry.Page{})
	all, _, _ := e.db.ListWebhooks(ctx, "", registry.Page{})
	if len(own) != 1 || len(all) != 2 {
		t.Fatalf("inspector's subscriptions: roaster %d, all %d", len(own), len(all))
	}
	insList := ins.get("/w/webhooks")
	wantContains(t, "inspector's list", insList.body, "Mọi doanh nghiệp", ent.NameVI)
	if found, around := langcheck.English(insList.body); len(found) > 0 {
		t.Errorf("English on the inspector's page: %q …%s…", found, around)
	}
}
