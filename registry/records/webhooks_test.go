package records_test

import (
	"context"
	"encoding/json"
	"slices"
	"testing"
	"time"

	"github.com/tracereg/tracereg/registry"
	"github.com/tracereg/tracereg/registry/demodata"
	"github.com/tracereg/tracereg/registry/disk"
	"github.com/tracereg/tracereg/registry/records"
)

func seedDemo(t *testing.T, db *records.DB) demodata.Result {
	t.Helper()
	docs, err := disk.New(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	res, err := demodata.Seed(context.Background(), db, docs)
	if err != nil {
		t.Fatal(err)
	}
	return res
}

func mustWebhook(t *testing.T, db *records.DB, enterpriseID string, events ...string) *registry.WebhookSubscription {
	t.Helper()
	s := &registry.WebhookSubscription{UserID: "0123456789abcdef01234567", EnterpriseID: enterpriseID, URL: "https://hooks.example.vn/in",
		Events: events, Secret: registry.NewWebhookSecret()}
	if err := db.CreateWebhook(context.Background(), s); err != nil {
		t.Fatal(err)
	}
	return s
}

// deliveries returns the event types queued for a subscription, oldest first.
func deliveries(t *testing.T, db *records.DB, s *registry.WebhookSubscription) []*registry.WebhookDelivery {
	t.Helper()
	ds, _, err := db.ListWebhookDeliveries(context.Background(), s.ID, registry.Page{Limit: 200})
	if err != nil {
		t.Fatal(err)
	}
	slices.Reverse(ds)
	return ds
}

func eventTypes(ds []*registry.WebhookDelivery) []string {
	var out []string
	for _, d := range ds {
		out = append(out, d.EventType)
	}
	return out
}

// TestWebhookOutboxOnDemoData: each kind of write queues a delivery for
// the subscriptions that asked for it, about the enterprise's records only
// (or every enterprise's), in the write itself.
func TestWebhookOutboxOnDemoData(t *testing.T) {
	db := newStore(t)
	demo := seedDemo(t, db)
	ctx := context.Background()
	inspector := registry.WithActor(ctx, registry.Actor{UserID: "0123456789abcdef01234567", Username: "thanhtra", Role: registry.RoleInspector})

	coop := mustWebhook(t, db, demo.CoopID, registry.WebhookEvents...)
	roaster := mustWebhook(t, db, demo.RoasterID, registry.WebhookEvents...)
	recalls := mustWebhook(t, db, "", registry.EventBatchRecalled)

	green, err := db.FindBatch(ctx, demo.GreenBatchID)
	if err != nil {
		t.Fatal(err)
	}
	recalled, err := registry.RecallBatch(inspector, db, green, registry.RecallOrder{Reason: "Nấm mốc vượt ngưỡng", On: "2026-06-15"}, "thanhtra", testNow)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := registry.LiftRecall(inspector, db, recalled, registry.RecallOrder{Reason: "Kiểm nghiệm lại đạt", On: "2026-06-16"}, "thanhtra", testNow); err != nil {
		t.Fatal(err)
	}
	certs, _, err := db.ListCertificates(ctx, registry.CertificateFilter{HolderID: demo.CoopID})
	if err != nil || len(certs) == 0 {
		t.Fatalf("demo certificates of the cooperative: %v %d", err, len(certs))
	}
	if _, err := db.ChangeCertificateStatus(inspector, certs[0].ID, certs[0].Version,
		registry.StatusChange{Status: registry.CertSuspended, Reason: "Vi phạm quy trình", On: "2026-06-15"}); err != nil {
		t.Fatal(err)
	}
	ann := announcementData(demo.CoopID, green.ProductID)
	if err := db.CreateAnnouncement(ctx, ann); err != nil {
		t.Fatal(err)
	}
	a, err := db.TransitionAnnouncement(ctx, ann.ID, ann.Version, registry.SubmitAnnouncement())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.TransitionAnnouncement(inspector, a.ID, a.Version, registry.IssueReceipt("77/2026/TBTN-SKHCN", "2026-06-15")); err != nil {
		t.Fatal(err)
	}
	roasted, err := db.FindBatch(ctx, demo.RoastedBatchID)
	if err != nil {
		t.Fatal(err)
	}
	lot := &registry.Batch{EnterpriseID: demo.RoasterID, ProductID: roasted.ProductID, LotCode: "RANG-WH-1", Quantity: 10, Unit: "kg", Status: registry.BatchDraft}
	if err := db.CreateBatch(ctx, lot); err != nil {
		t.Fatal(err)
	}
	lot.Status = registry.BatchPublished
	if err := db.UpdateBatch(ctx, lot); err != nil {
		t.Fatal(err)
	}

	got := eventTypes(deliveries(t, db, coop))
	want := []string{registry.EventBatchRecalled, registry.EventBatchRecallLifted, registry.EventCertificateStatusChanged, registry.EventReceiptIssued}
	if !slices.Equal(got, want) {
		t.Errorf("cooperative's subscription: %v, want %v", got, want)
	}
	if got := eventTypes(deliveries(t, db, roaster)); !slices.Equal(got, []string{registry.EventBatchPublished}) {
		t.Errorf("roaster's subscription: %v, want only its own lot published (a draft queues nothing)", got)
	}
	if got := eventTypes(deliveries(t, db, recalls)); !slices.Equal(got, []string{registry.EventBatchRecalled}) {
		t.Errorf("every enterprise's recalls: %v", got)
	}

	// The payload is Standard Webhooks' shape, about the record.
	d := deliveries(t, db, coop)[0]
	var body struct {
		Type string `json:"type"`
		Data struct {
			BatchID      string `json:"batch_id"`
			EnterpriseID string `json:"enterprise_id"`
			LotCode      string `json:"lot_code"`
			Status       string `json:"status"`
			Reason       string `json:"reason"`
		} `json:"data"`
	}
	if err := json.Unmarshal([]byte(d.Payload), &body); err != nil {
		t.Fatal(err)
	}
	if body.Type != registry.EventBatchRecalled || body.Data.BatchID != green.ID || body.Data.EnterpriseID != demo.CoopID ||
		body.Data.Status != registry.BatchRecalled || body.Data.Reason != "Nấm mốc vượt ngưỡng" || body.Data.LotCode != green.LotCode {
		t.Errorf("payload %s", d.Payload)
	}
	if d.Status != registry.DeliveryPending || !d.NextAttemptAt.Equal(testNow) || d.Tries != 0 {
		t.Errorf("a new delivery: %+v", d)
	}

	// The subscriptions of an enterprise are listed for it alone.
	list, _, err := db.ListWebhooks(ctx, demo.CoopID, registry.Page{})
	if err != nil || len(list) != 1 || list[0].ID != coop.ID {
		t.Errorf("cooperative's subscriptions: %v %v", err, list)
	}
	all, _, err := db.ListWebhooks(ctx, "", registry.Page{})
	if err != nil || len(all) != 3 {
		t.Errorf("every subscription: %v %d", err, len(all))
	}

	// A write that fails queues nothing: the outbox is in its transaction.
	stale := *lot
	stale.Version = 1
	stale.Status = registry.BatchRecalled
	wantCode(t, db.UpdateBatch(ctx, &stale), registry.ESTALE)
	if got := eventTypes(deliveries(t, db, roaster)); len(got) != 1 {
		t.Errorf("after a failed write: %v", got)
	}

	// Deleting a subscription deletes its deliveries.
	if err := db.DeleteWebhook(ctx, coop.ID); err != nil {
		t.Fatal(err)
	}
	wantCode(t, func() error { _, err := db.FindWebhook(ctx, coop.ID); return err }(), registry.ENOTFOUND)
	wantCode(t, func() error { _, err := db.FindWebhookDelivery(ctx, d.ID); return err }(), registry.ENOTFOUND)
}

func TestWebhookRejectsBadInput(t *testing.T) {
	db := newStore(t)
	ctx := context.Background()
	good := func() *registry.WebhookSubscription {
		return &registry.WebhookSubscription{UserID: "0123456789abcdef01234567", URL: "https://hooks.example.vn/in",
			Events: []string{registry.EventBatchRecalled}, Secret: registry.NewWebhookSecret()}
	}
	for _, c := range []struct {
		name        string
		edit        func(s *registry.WebhookSubscription)
		field, rule string
	}{
		{"no url", func(s *registry.WebhookSubscription) { s.URL = "" }, "url", "required"},
		{"http", func(s *registry.WebhookSubscription) { s.URL = "http://hooks.example.vn/in" }, "url", "https"},
		{"relative", func(s *registry.WebhookSubscription) { s.URL = "/hooks" }, "url", "url"},
		{"javascript", func(s *registry.WebhookSubscription) { s.URL = "javascript:alert(1)" }, "url", "url"},
		{"credentials", func(s *registry.WebhookSubscription) { s.URL = "https://user:pw@hooks.example.vn/in" }, "url", "credentials"},
		{"fragment", func(s *registry.WebhookSubscription) { s.URL = "https://hooks.example.vn/in#x" }, "url", "fragment"},
		{"bad port", func(s *registry.WebhookSubscription) { s.URL = "https://hooks.example.vn:99999/in" }, "url", "url"},
		{"no events", func(s *registry.WebhookSubscription) { s.Events = nil }, "events", "required"},
		{"unknown event", func(s *registry.WebhookSubscription) { s.Events = []string{"batch.deleted"} }, "events[0]", "one_of"},
		{"test event", func(s *registry.WebhookSubscription) { s.Events = []string{registry.EventWebhookTest} }, "events[0]", "one_of"},
		{"operator", func(s *registry.WebhookSubscription) { s.Events = []string{`{"$gt":""}`} }, "events[0]", "one_of"},
		{"twice", func(s *registry.WebhookSubscription) {
			s.Events = []string{registry.EventBatchRecalled, registry.EventBatchRecalled}
		}, "events[1]", "duplicate"},
		{"bad enterprise", func(s *registry.WebhookSubscription) { s.EnterpriseID = "nope" }, "enterprise_id", "id"},
		{"no such enterprise", func(s *registry.WebhookSubscription) { s.EnterpriseID = "0123456789abcdef01234567" }, "enterprise_id", "exists"},
	} {
		s := good()
		c.edit(s)
		err := db.CreateWebhook(ctx, s)
		t.Run(c.name, func(t *testing.T) { wantField(t, err, c.field, c.rule) })
	}
	if err := db.CreateWebhook(ctx, good()); err != nil {
		t.Fatal(err)
	}
}

// TestWebhookClaimAndRetry: a due delivery is claimed by one sender only;
// failures follow the back-off until the delivery fails; a replay keeps
// its ID and starts again; old finished deliveries are swept.
func TestWebhookClaimAndRetry(t *testing.T) {
	db := newStore(t)
	ctx := context.Background()
	e := mustEnterprise(t, db)
	s := mustWebhook(t, db, e.ID, registry.EventBatchPublished)
	x, err := db.QueueWebhookTest(ctx, s.ID)
	if err != nil {
		t.Fatal(err)
	}
	due, err := db.DueWebhookDeliveries(ctx, testNow, 10)
	if err != nil || len(due) != 1 || due[0].ID != x.ID {
		t.Fatalf("due: %v %v", err, due)
	}
	twin := *due[0]
	if err := db.ClaimWebhookDelivery(ctx, due[0], testNow.Add(registry.WebhookLease)); err != nil {
		t.Fatal(err)
	}
	wantCode(t, db.ClaimWebhookDelivery(ctx, &twin, testNow.Add(registry.WebhookLease)), registry.ESTALE)
	if due, _ := db.DueWebhookDeliveries(ctx, testNow, 10); len(due) != 0 {
		t.Fatalf("a claimed delivery is not due: %v", due)
	}

	// Every failure waits longer, then the delivery fails.
	claimed, at := due0(t, db, x.ID), testNow
	for i, wait := range registry.WebhookBackoff {
		claimed.Record(at, 500, "answered 500")
		if err := db.SaveWebhookDelivery(ctx, claimed); err != nil {
			t.Fatal(err)
		}
		if claimed.Status != registry.DeliveryPending || !claimed.NextAttemptAt.Equal(at.Add(wait)) {
			t.Fatalf("failure %d: %s next %v, want after %v", i+1, claimed.Status, claimed.NextAttemptAt, wait)
		}
		at = claimed.NextAttemptAt
	}
	claimed.Record(at, 0, "timed out")
	if err := db.SaveWebhookDelivery(ctx, claimed); err != nil {
		t.Fatal(err)
	}
	stored := due0(t, db, x.ID)
	if stored.Status != registry.DeliveryFailed || len(stored.Attempts) != len(registry.WebhookBackoff)+1 || stored.LastError != "timed out" {
		t.Fatalf("after the schedule: %+v", stored)
	}
	if due, _ := db.DueWebhookDeliveries(ctx, at.Add(365*24*time.Hour), 10); len(due) != 0 {
		t.Fatalf("a failed delivery is never due: %v", due)
	}

	replayed, err := db.ReplayWebhookDelivery(ctx, x.ID)
	if err != nil {
		t.Fatal(err)
	}
	if replayed.ID != x.ID || replayed.Status != registry.DeliveryPending || replayed.Tries != 0 || replayed.Payload != x.Payload {
		t.Fatalf("replayed: %+v", replayed)
	}
	if due, _ := db.DueWebhookDeliveries(ctx, testNow, 10); len(due) != 1 || due[0].ID != x.ID {
		t.Fatalf("a replay is due at once: %v", due)
	}
	replayed.Record(testNow, 204, "")
	if err := db.SaveWebhookDelivery(ctx, replayed); err != nil {
		t.Fatal(err)
	}
	// Finished deliveries are kept WebhookRetention after their last attempt.
	if res, err := db.Sweep(ctx, testNow.Add(registry.WebhookRetention-time.Hour)); err != nil || res.WebhookDeliveries != 0 {
		t.Fatalf("early sweep: %v %+v", err, res)
	}
	if res, err := db.Sweep(ctx, testNow.Add(registry.WebhookRetention+time.Hour)); err != nil || res.WebhookDeliveries != 1 {
		t.Fatalf("sweep: %v %+v", err, res)
	}
	wantCode(t, func() error { _, err := db.FindWebhookDelivery(ctx, x.ID); return err }(), registry.ENOTFOUND)
}

func due0(t *testing.T, db *records.DB, id string) *registry.WebhookDelivery {
	t.Helper()
	x, err := db.FindWebhookDelivery(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	return x
}
