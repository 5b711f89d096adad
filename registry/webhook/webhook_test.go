package webhook_test

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tracereg/tracereg/registry"
	"github.com/tracereg/tracereg/registry/demodata"
	"github.com/tracereg/tracereg/registry/disk"
	"github.com/tracereg/tracereg/registry/records"
	"github.com/tracereg/tracereg/registry/records/recordstest"
	"github.com/tracereg/tracereg/registry/webhook"
)

// clock is a clock the tests move by hand.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) Add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// received is one request a receiver got.
type received struct {
	path, id, timestamp, signature, contentType string
	body                                        []byte
}

// receiver is a real HTTPS server on 127.0.0.1 that records what it gets
// and answers with what answer says (200 when nil).
type receiver struct {
	srv    *httptest.Server
	mu     sync.Mutex
	got    []received
	answer func(n int, r *http.Request) int
}

func newReceiver(t *testing.T) *receiver {
	rc := &receiver{}
	rc.srv = httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		rc.mu.Lock()
		rc.got = append(rc.got, received{r.URL.Path, r.Header.Get("webhook-id"), r.Header.Get("webhook-timestamp"),
			r.Header.Get("webhook-signature"), r.Header.Get("Content-Type"), body})
		n, answer := len(rc.got), rc.answer
		rc.mu.Unlock()
		code := http.StatusOK
		if answer != nil {
			code = answer(n, r)
		}
		if code == http.StatusFound {
			w.Header().Set("Location", "https://example.com/elsewhere")
		}
		w.WriteHeader(code)
	}))
	t.Cleanup(rc.srv.Close)
	return rc
}

func (rc *receiver) roots() *x509.CertPool {
	p := x509.NewCertPool()
	p.AddCert(rc.srv.Certificate())
	return p
}

func (rc *receiver) requests() []received {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	return append([]received(nil), rc.got...)
}

// waitFor polls until cond holds, failing the test after 10 seconds.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// verify is the receiver's side of Standard Webhooks, written from the
// specification: HMAC-SHA256 keyed by the base64-decoded part of the secret
// after whsec_, over "id.timestamp.body", base64, in a space-separated list
// of "v1,<signature>"; the timestamp within five minutes of now.
func verify(secret string, r received, now time.Time) bool {
	key, err := base64.StdEncoding.DecodeString(strings.TrimPrefix(secret, "whsec_"))
	if err != nil {
		return false
	}
	ts, err := strconv.ParseInt(r.timestamp, 10, 64)
	if err != nil || now.Sub(time.Unix(ts, 0)).Abs() > 5*time.Minute {
		return false
	}
	mac := hmac.New(sha256.New, key)
	mac.Write([]byte(r.id + "." + r.timestamp + "." + string(r.body)))
	want := mac.Sum(nil)
	for _, s := range strings.Fields(r.signature) {
		version, sig, ok := strings.Cut(s, ",")
		got, err := base64.StdEncoding.DecodeString(sig)
		if ok && version == "v1" && err == nil && hmac.Equal(got, want) {
			return true
		}
	}
	return false
}

type fixture struct {
	db    *records.DB
	clock *clock
	demo  demodata.Result
	ctx   context.Context // an inspector's
}

func newFixture(t *testing.T) *fixture {
	c := &clock{t: time.Now().UTC().Truncate(time.Second)}
	db := recordstest.NewWithClock(t, c)
	docs, err := disk.New(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	demo, err := demodata.Seed(context.Background(), db, docs)
	if err != nil {
		t.Fatal(err)
	}
	ctx := registry.WithActor(context.Background(), registry.Actor{UserID: "0123456789abcdef01234567", Username: "thanhtra", Role: registry.RoleInspector})
	return &fixture{db: db, clock: c, demo: demo, ctx: ctx}
}

func (f *fixture) subscribe(t *testing.T, enterpriseID, url string, events ...string) *registry.WebhookSubscription {
	t.Helper()
	s := &registry.WebhookSubscription{UserID: "0123456789abcdef01234567", EnterpriseID: enterpriseID, URL: url, Events: events,
		Secret: registry.NewWebhookSecret()}
	if err := f.db.CreateWebhook(context.Background(), s); err != nil {
		t.Fatal(err)
	}
	return s
}

// recallGreen recalls the demo's green coffee lot (the cooperative's).
func (f *fixture) recallGreen(t *testing.T) *registry.Batch {
	t.Helper()
	b, err := f.db.FindBatch(f.ctx, f.demo.GreenBatchID)
	if err != nil {
		t.Fatal(err)
	}
	b, err = registry.RecallBatch(f.ctx, f.db, b, registry.RecallOrder{Reason: "Nấm mốc vượt ngưỡng", On: "2026-06-15"}, "thanhtra", f.clock.Now())
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func (f *fixture) dispatcher(t *testing.T, cfg webhook.Config) *webhook.Dispatcher {
	cfg.Outbox, cfg.Clock = f.db, f.clock
	d := webhook.New(cfg)
	t.Cleanup(d.Stop)
	return d
}

func (f *fixture) delivery(t *testing.T, s *registry.WebhookSubscription) *registry.WebhookDelivery {
	t.Helper()
	ds, _, err := f.db.ListWebhookDeliveries(context.Background(), s.ID, registry.Page{})
	if err != nil || len(ds) != 1 {
		t.Fatalf("deliveries of %s: %v %d", s.ID, err, len(ds))
	}
	return ds[0]
}

// TestDeliverySignedToItsSubscriberOnly: a recall of the cooperative's demo
// lot reaches the cooperative's receiver, signed so that the Standard
// Webhooks rule verifies it with the secret; the roaster's receiver, which
// asked for the same events about its own records, gets nothing.
func TestDeliverySignedToItsSubscriberOnly(t *testing.T) {
	f := newFixture(t)
	coopRx, roasterRx := newReceiver(t), newReceiver(t)
	pool := coopRx.roots()
	pool.AddCert(roasterRx.srv.Certificate())
	coop := f.subscribe(t, f.demo.CoopID, coopRx.srv.URL+"/coop", registry.WebhookEvents...)
	roaster := f.subscribe(t, f.demo.RoasterID, roasterRx.srv.URL+"/roaster", registry.WebhookEvents...)
	d := f.dispatcher(t, webhook.Config{AllowPrivate: true, RootCAs: pool, Interval: 10 * time.Millisecond})
	d.Start()

	lot := f.recallGreen(t)
	waitFor(t, "the delivery", func() bool { return len(coopRx.requests()) > 0 })
	waitFor(t, "the outcome recorded", func() bool { return f.delivery(t, coop).Status == registry.DeliveryDelivered })
	r := coopRx.requests()[0]
	x := f.delivery(t, coop)
	if !verify(coop.Secret, r, f.clock.Now()) {
		t.Fatalf("signature %q does not verify for id %q timestamp %q", r.signature, r.id, r.timestamp)
	}
	if verify(roaster.Secret, r, f.clock.Now()) {
		t.Fatal("another secret verifies the signature")
	}
	tampered := r
	tampered.body = []byte(strings.Replace(string(r.body), "recalled", "published", 1))
	if verify(coop.Secret, tampered, f.clock.Now()) {
		t.Fatal("a changed body verifies")
	}
	if r.id != x.ID || r.path != "/coop" || r.contentType != "application/json" || string(r.body) != x.Payload {
		t.Fatalf("request %+v for delivery %+v", r, x)
	}
	var body struct {
		Type string `json:"type"`
		Data struct {
			BatchID string `json:"batch_id"`
			Status  string `json:"status"`
		} `json:"data"`
	}
	if err := json.Unmarshal(r.body, &body); err != nil || body.Type != registry.EventBatchRecalled || body.Data.BatchID != lot.ID ||
		body.Data.Status != registry.BatchRecalled {
		t.Fatalf("body %s: %v", r.body, err)
	}
	if x.Tries != 0 || len(x.Attempts) != 1 || x.Attempts[0].StatusCode != 200 || x.DeliveredAt == nil {
		t.Fatalf("delivered: %+v", x)
	}
	d.Stop()
	if n := len(roasterRx.requests()); n != 0 {
		t.Fatalf("the roaster's receiver got %d of the cooperative's events", n)
	}
	if ds, _, _ := f.db.ListWebhookDeliveries(context.Background(), roaster.ID, registry.Page{}); len(ds) != 0 {
		t.Fatalf("deliveries queued for the roaster: %v", ds)
	}
}

// TestRetryAfterFailureThenReplay: a 500 schedules the next try after the
// first back-off, not before; it then succeeds with the same webhook-id; a
// replay sends it again with that id.
func TestRetryAfterFailureThenReplay(t *testing.T) {
	f := newFixture(t)
	rx := newReceiver(t)
	rx.answer = func(n int, _ *http.Request) int {
		if n == 1 {
			return http.StatusInternalServerError
		}
		return http.StatusNoContent
	}
	s := f.subscribe(t, f.demo.CoopID, rx.srv.URL+"/in", registry.EventBatchRecalled)
	d := f.dispatcher(t, webhook.Config{AllowPrivate: true, RootCAs: rx.roots()})
	ctx := context.Background()
	f.recallGreen(t)

	d.RunOnce(ctx)
	d.Wait()
	x := f.delivery(t, s)
	if len(rx.requests()) != 1 || x.Status != registry.DeliveryPending || x.Tries != 1 || x.LastStatusCode != 500 ||
		!x.NextAttemptAt.Equal(f.clock.Now().Add(registry.WebhookBackoff[0])) || x.LastError == "" {
		t.Fatalf("after a 500: %d requests, %+v", len(rx.requests()), x)
	}
	d.RunOnce(ctx) // not due yet
	d.Wait()
	if n := len(rx.requests()); n != 1 {
		t.Fatalf("retried before its time: %d requests", n)
	}
	f.clock.Add(registry.WebhookBackoff[0])
	d.RunOnce(ctx)
	d.Wait()
	x = f.delivery(t, s)
	got := rx.requests()
	if len(got) != 2 || x.Status != registry.DeliveryDelivered || len(x.Attempts) != 2 || x.Attempts[0].StatusCode != 500 || x.Attempts[1].StatusCode != 204 {
		t.Fatalf("after the retry: %d requests, %+v", len(got), x)
	}
	if got[0].id != x.ID || got[1].id != x.ID || !verify(s.Secret, got[1], f.clock.Now()) {
		t.Fatalf("ids %q %q, want %q both, signed", got[0].id, got[1].id, x.ID)
	}

	if _, err := f.db.ReplayWebhookDelivery(ctx, x.ID); err != nil {
		t.Fatal(err)
	}
	f.clock.Add(time.Minute)
	d.RunOnce(ctx)
	d.Wait()
	got = rx.requests()
	if len(got) != 3 || got[2].id != x.ID || string(got[2].body) != string(got[0].body) || got[2].timestamp == got[0].timestamp ||
		!verify(s.Secret, got[2], f.clock.Now()) {
		t.Fatalf("replay: %d requests, last %+v", len(got), got[len(got)-1])
	}
	if x = f.delivery(t, s); x.Status != registry.DeliveryDelivered || x.Replays != 1 || len(x.Attempts) != 3 {
		t.Fatalf("after the replay: %+v", x)
	}
}

// TestHangingReceiverNeverSlowsAWrite: while a receiver holds a delivery
// without answering, more writes that queue deliveries to it return.
func TestHangingReceiverNeverSlowsAWrite(t *testing.T) {
	f := newFixture(t)
	entered, release := make(chan struct{}, 10), make(chan struct{})
	rx := newReceiver(t)
	rx.answer = func(int, *http.Request) int {
		entered <- struct{}{}
		<-release
		return http.StatusOK
	}
	var once sync.Once
	unblock := func() { once.Do(func() { close(release) }) }
	s := f.subscribe(t, f.demo.CoopID, rx.srv.URL+"/slow", registry.WebhookEvents...)
	d := f.dispatcher(t, webhook.Config{AllowPrivate: true, RootCAs: rx.roots(), Interval: 10 * time.Millisecond})
	t.Cleanup(unblock) // runs before d.Stop (cleanups run last first)
	d.Start()

	lot := f.recallGreen(t)
	<-entered // the receiver now holds the first delivery
	// The lift and a certificate decision are written and return while it still does.
	if _, err := registry.LiftRecall(f.ctx, f.db, lot, registry.RecallOrder{Reason: "Kiểm nghiệm lại đạt", On: "2026-06-16"}, "thanhtra", f.clock.Now()); err != nil {
		t.Fatal(err)
	}
	certs, _, err := f.db.ListCertificates(f.ctx, registry.CertificateFilter{HolderID: f.demo.CoopID})
	if err != nil || len(certs) == 0 {
		t.Fatal(err, len(certs))
	}
	if _, err := f.db.ChangeCertificateStatus(f.ctx, certs[0].ID, certs[0].Version,
		registry.StatusChange{Status: registry.CertSuspended, Reason: "Vi phạm quy trình", On: "2026-06-15"}); err != nil {
		t.Fatal(err)
	}
	select {
	case <-release:
		t.Fatal("the receiver was released before the writes returned")
	default:
	}
	ds, _, err := f.db.ListWebhookDeliveries(context.Background(), s.ID, registry.Page{})
	if err != nil || len(ds) != 3 {
		t.Fatalf("queued while the receiver hangs: %v %d", err, len(ds))
	}
	unblock()
	waitFor(t, "every delivery", func() bool {
		ds, _, _ := f.db.ListWebhookDeliveries(context.Background(), s.ID, registry.Page{})
		for _, x := range ds {
			if x.Status != registry.DeliveryDelivered {
				return false
			}
		}
		return len(ds) == 3
	})
}

// TestPrivateAddressesRefused: without AllowPrivate nothing is sent to a
// loopback address, given as an IP or as a name that resolves to one.
func TestPrivateAddressesRefused(t *testing.T) {
	f := newFixture(t)
	rx := newReceiver(t)
	port := rx.srv.URL[strings.LastIndex(rx.srv.URL, ":")+1:]
	byIP := f.subscribe(t, f.demo.CoopID, rx.srv.URL+"/ip", registry.EventBatchRecalled)
	byName := f.subscribe(t, f.demo.CoopID, "https://localhost:"+port+"/name", registry.EventBatchRecalled)
	d := f.dispatcher(t, webhook.Config{RootCAs: rx.roots()})
	f.recallGreen(t)
	d.RunOnce(context.Background())
	d.Wait()
	if n := len(rx.requests()); n != 0 {
		t.Fatalf("%d requests reached a loopback receiver", n)
	}
	for _, s := range []*registry.WebhookSubscription{byIP, byName} {
		x := f.delivery(t, s)
		if x.Status != registry.DeliveryPending || x.Tries != 1 || x.LastStatusCode != 0 || !strings.Contains(x.LastError, "address refused") {
			t.Errorf("%s: %+v", s.URL, x)
		}
	}
	for _, c := range []struct {
		addr   string
		public bool
	}{
		{"127.0.0.1", false}, {"10.1.2.3", false}, {"172.16.0.1", false}, {"192.168.1.1", false}, {"169.254.169.254", false},
		{"0.0.0.0", false}, {"100.64.0.1", false}, {"::1", false}, {"fe80::1", false}, {"fd00::1", false}, {"::ffff:127.0.0.1", false},
		{"::", false}, {"224.0.0.1", false}, {"64:ff9b::a00:1", false},
		{"203.113.131.1", true}, {"8.8.8.8", true}, {"2001:4860:4860::8888", true},
	} {
		if got := webhook.PublicAddr(netip.MustParseAddr(c.addr)); got != c.public {
			t.Errorf("PublicAddr(%s) = %v", c.addr, got)
		}
	}
}

// TestRedirectNotFollowed: a 302 is an unsuccessful answer, and the
// address it names is never called.
func TestRedirectNotFollowed(t *testing.T) {
	f := newFixture(t)
	rx := newReceiver(t)
	rx.answer = func(int, *http.Request) int { return http.StatusFound }
	s := f.subscribe(t, f.demo.CoopID, rx.srv.URL+"/moved", registry.EventBatchRecalled)
	d := f.dispatcher(t, webhook.Config{AllowPrivate: true, RootCAs: rx.roots()})
	f.recallGreen(t)
	d.RunOnce(context.Background())
	d.Wait()
	x := f.delivery(t, s)
	if len(rx.requests()) != 1 || x.Status != registry.DeliveryPending || x.LastStatusCode != http.StatusFound || x.Tries != 1 {
		t.Fatalf("after a redirect: %d requests, %+v", len(rx.requests()), x)
	}
}
