package api

import (
	"context"
	"crypto/x509"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/tracereg/tracereg/registry"
	"github.com/tracereg/tracereg/registry/webhook"
)

func fieldOf(t *testing.T, r response, field, rule string) {
	t.Helper()
	if r.status != 422 {
		t.Fatalf("status %d, want 422 (%s)", r.status, short(r.body))
	}
	for _, f := range r.problem(t).Fields {
		if f.Field == field && f.Rule == rule && f.Message != "" && f.MessageVI != "" {
			return
		}
	}
	t.Fatalf("no problem %s/%s in %s", field, rule, r.body)
}

func TestWebhookSubscriptionsThroughTheAPI(t *testing.T) {
	e := newEnv(t)
	r := e.do(request{method: "POST", path: "/api/v1/webhooks", as: asEnt1,
		body: webhookRequest{URL: "https://erp.htx.example.vn/hooks", Events: []string{registry.EventBatchRecalled, registry.EventCertificateStatusChanged}}})
	if r.status != 201 {
		t.Fatalf("create: %d %s", r.status, r.body)
	}
	var made webhookCreated
	r.decode(t, &made)
	if !strings.HasPrefix(made.Secret, registry.WebhookSecretPrefix) || made.EnterpriseID != e.e1.ID || made.UserID != e.users[asEnt1].ID ||
		r.header.Get("Cache-Control") != "no-store" {
		t.Fatalf("created: %+v (%s)", made, r.header.Get("Cache-Control"))
	}
	path := "/api/v1/webhooks/" + made.ID
	// The secret is never shown again.
	for _, p := range []string{path, "/api/v1/webhooks"} {
		if r := e.do(request{method: "GET", path: p, as: asEnt1}); r.status != 200 || strings.Contains(string(r.body), made.Secret) || strings.Contains(string(r.body), "whsec_") {
			t.Fatalf("GET %s: %d %s", p, r.status, r.body)
		}
	}
	var own listOf[registry.WebhookSubscription]
	e.do(request{method: "GET", path: "/api/v1/webhooks", as: asEnt1}).decode(t, &own)
	if len(own.Items) != 1 || own.Items[0].ID != made.ID {
		t.Fatalf("ent1's list: %+v", own.Items)
	}
	// Another enterprise sees nothing of it, and cannot touch it.
	var theirs listOf[registry.WebhookSubscription]
	e.do(request{method: "GET", path: "/api/v1/webhooks?enterprise=" + e.e1.ID, as: asEnt2}).decode(t, &theirs)
	if len(theirs.Items) != 0 {
		t.Fatalf("ent2's list shows %+v", theirs.Items)
	}
	x, err := e.db.QueueWebhookTest(e.ctx(), made.ID)
	must(t, err)
	for _, req := range []request{
		{method: "GET", path: path}, {method: "GET", path: path + "/deliveries"}, {method: "DELETE", path: path},
		{method: "POST", path: path + "/deliveries/" + x.ID + "/replay"}, {method: "POST", path: path + "/test"},
	} {
		req.as = asEnt2
		if r := e.do(req); r.status != 404 {
			t.Errorf("%s %s as ent2: %d, want 404", req.method, req.path, r.status)
		}
	}
	// Nor may an enterprise subscribe to another's records, or to all.
	if r := e.do(request{method: "POST", path: "/api/v1/webhooks", as: asEnt2,
		body: webhookRequest{URL: "https://x.example.vn/h", Events: []string{registry.EventBatchRecalled}, EnterpriseID: e.e1.ID}}); r.status != 403 {
		t.Fatalf("ent2 subscribing to ent1: %d", r.status)
	}
	// A delivery of another subscription is not found under this one.
	other := &registry.WebhookSubscription{UserID: e.users[asEnt2].ID, EnterpriseID: e.e2.ID, URL: "https://x.example.vn/h",
		Events: []string{registry.EventBatchRecalled}, Secret: registry.NewWebhookSecret()}
	must(t, e.db.CreateWebhook(e.ctx(), other))
	otherX, err := e.db.QueueWebhookTest(e.ctx(), other.ID)
	must(t, err)
	if r := e.do(request{method: "POST", path: path + "/deliveries/" + otherX.ID + "/replay", as: asEnt1}); r.status != 404 {
		t.Fatalf("replaying ent2's delivery under ent1's subscription: %d", r.status)
	}
	// Staff subscribe to every enterprise by leaving enterprise_id out.
	var all webhookCreated
	e.do(request{method: "POST", path: "/api/v1/webhooks", as: asInspector,
		body: webhookRequest{URL: "https://thanhtra.example.vn/h", Events: []string{registry.EventBatchRecalled}}}).decode(t, &all)
	if all.ID == "" || all.EnterpriseID != "" {
		t.Fatalf("inspector's subscription: %+v", all)
	}
	if r := e.do(request{method: "GET", path: "/api/v1/webhooks/" + all.ID, as: asEnt1}); r.status != 404 {
		t.Fatalf("an all-enterprise subscription seen by ent1: %d", r.status)
	}
	var staff listOf[registry.WebhookSubscription]
	e.do(request{method: "GET", path: "/api/v1/webhooks", as: asAdmin}).decode(t, &staff)
	if len(staff.Items) != 3 {
		t.Fatalf("admin's list: %d", len(staff.Items))
	}

	if r := e.do(request{method: "DELETE", path: path, as: asEnt1}); r.status != 204 {
		t.Fatalf("delete: %d", r.status)
	}
	if r := e.do(request{method: "GET", path: path, as: asEnt1}); r.status != 404 {
		t.Fatalf("after delete: %d", r.status)
	}
}

func TestWebhookBadInput(t *testing.T) {
	e := newEnv(t)
	post := func(body any) response {
		return e.do(request{method: "POST", path: "/api/v1/webhooks", as: asEnt1, body: body})
	}
	ev := []string{registry.EventBatchRecalled}
	fieldOf(t, post(webhookRequest{URL: "http://erp.example.vn/h", Events: ev}), "url", "https")
	fieldOf(t, post(webhookRequest{URL: "https://u:p@erp.example.vn/h", Events: ev}), "url", "credentials")
	fieldOf(t, post(webhookRequest{URL: "https://erp.example.vn/h#top", Events: ev}), "url", "fragment")
	fieldOf(t, post(webhookRequest{URL: "erp.example.vn/h", Events: ev}), "url", "url")
	fieldOf(t, post(webhookRequest{URL: "", Events: ev}), "url", "required")
	fieldOf(t, post(webhookRequest{URL: "https://erp.example.vn/h"}), "events", "required")
	fieldOf(t, post(webhookRequest{URL: "https://erp.example.vn/h", Events: []string{"lot.eaten"}}), "events[0]", "one_of")
	fieldOf(t, post(`{"url":{"$gt":""},"events":["batch.recalled"]}`), "url", "type")
	if r := post(`{"url":"https://erp.example.vn/h","events":["batch.recalled"],"secret":"whsec_mine"}`); r.status != 422 {
		t.Fatalf("a caller's own secret: %d %s", r.status, r.body)
	}
	if r := post(`{"url":`); r.status != 400 {
		t.Fatalf("malformed: %d", r.status)
	}
	if r := e.do(request{method: "GET", path: "/api/v1/webhooks/not-an-id", as: asEnt1}); r.status != 404 {
		t.Fatalf("bad id: %d", r.status)
	}
	if r := e.do(request{method: "GET", path: "/api/v1/webhooks?enterprise=nope", as: asAdmin}); r.status != 422 {
		t.Fatalf("bad enterprise filter: %d", r.status)
	}
	var list listOf[registry.WebhookSubscription]
	e.do(request{method: "GET", path: "/api/v1/webhooks", as: asEnt1}).decode(t, &list)
	if len(list.Items) != 0 {
		t.Fatalf("bad input stored %d subscriptions", len(list.Items))
	}
}

// TestWebhookEndToEnd: a recall made through the API reaches the
// enterprise's receiver (a real HTTPS server on 127.0.0.1), the outcome is
// listed, and a replay sends it again with the same webhook-id.
func TestWebhookEndToEnd(t *testing.T) {
	e := newEnv(t)
	var mu sync.Mutex
	var ids []string
	rx := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		mu.Lock()
		ids = append(ids, r.Header.Get("webhook-id"))
		mu.Unlock()
		w.WriteHeader(http.StatusAccepted)
	}))
	t.Cleanup(rx.Close)
	got := func() []string { mu.Lock(); defer mu.Unlock(); return append([]string(nil), ids...) }
	roots := x509.NewCertPool()
	roots.AddCert(rx.Certificate())
	d := webhook.New(webhook.Config{Outbox: e.db, Clock: e.clock, AllowPrivate: true, RootCAs: roots})
	t.Cleanup(d.Stop)
	run := func() { d.RunOnce(context.Background()); d.Wait() }

	var mine, theirs webhookCreated
	e.do(request{method: "POST", path: "/api/v1/webhooks", as: asEnt1,
		body: webhookRequest{URL: rx.URL + "/ent1", Events: []string{registry.EventBatchRecalled}}}).decode(t, &mine)
	e.do(request{method: "POST", path: "/api/v1/webhooks", as: asEnt2,
		body: webhookRequest{URL: rx.URL + "/ent2", Events: []string{registry.EventBatchRecalled}}}).decode(t, &theirs)
	b := e.batch1
	if r := e.do(request{method: "POST", path: "/api/v1/batches/" + b.ID + "/recall", as: asInspector,
		body: recallRequest{Reason: "Nhiễm nấm mốc", On: "2026-03-01"}, header: map[string]string{"If-Match": etag(b.ID, b.Version)}}); r.status != 200 {
		t.Fatalf("recall: %d %s", r.status, r.body)
	}
	run()
	var ds listOf[registry.WebhookDelivery]
	e.do(request{method: "GET", path: "/api/v1/webhooks/" + mine.ID + "/deliveries", as: asEnt1}).decode(t, &ds)
	if len(ds.Items) != 1 || ds.Items[0].Status != registry.DeliveryDelivered || ds.Items[0].LastStatusCode != 202 ||
		ds.Items[0].EventType != registry.EventBatchRecalled || !strings.Contains(ds.Items[0].Payload, b.ID) {
		t.Fatalf("deliveries: %+v", ds.Items)
	}
	if ids := got(); len(ids) != 1 || ids[0] != ds.Items[0].ID {
		t.Fatalf("received %v", ids)
	}
	var none listOf[registry.WebhookDelivery]
	e.do(request{method: "GET", path: "/api/v1/webhooks/" + theirs.ID + "/deliveries", as: asEnt2}).decode(t, &none)
	if len(none.Items) != 0 {
		t.Fatalf("ent2 was sent ent1's recall: %+v", none.Items)
	}

	r := e.do(request{method: "POST", path: "/api/v1/webhooks/" + mine.ID + "/deliveries/" + ds.Items[0].ID + "/replay", as: asEnt1})
	if r.status != 202 {
		t.Fatalf("replay: %d %s", r.status, r.body)
	}
	run()
	if ids := got(); len(ids) != 2 || ids[1] != ds.Items[0].ID {
		t.Fatalf("after the replay received %v", ids)
	}
	if r := e.do(request{method: "POST", path: "/api/v1/webhooks/" + mine.ID + "/test", as: asEnt1}); r.status != 202 {
		t.Fatalf("test: %d", r.status)
	}
	run()
	if ids := got(); len(ids) != 3 || ids[2] == ids[1] {
		t.Fatalf("after the test received %v", ids)
	}
}
