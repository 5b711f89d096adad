// Package webhook sends the webhook deliveries the records queue (the
// outbox, registry.WebhookOutbox): it claims due deliveries, POSTs each
// signed in the manner of Standard Webhooks, and records the outcome with
// the back-off of registry.WebhookBackoff. It runs beside the server, never
// in a request, so a receiver that hangs or fails never slows a write.
//
// Addresses: by default a delivery is never sent to a loopback, private,
// link-local, multicast or unspecified address. The check is made on the
// address actually dialled (net.Dialer.Control), after DNS, so a name that
// resolves to 127.0.0.1 (or is rebound to it between checks) is refused too.
// AllowPrivate turns that off, for tests and closed networks.
package webhook

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/tracereg/tracereg/registry"
)

// Config is what a Dispatcher needs.
type Config struct {
	Outbox registry.WebhookOutbox
	Clock  registry.Clock
	Logger *slog.Logger
	// Interval is how often due deliveries are looked for; 0 means 2 s.
	Interval time.Duration
	// Workers bounds the deliveries in flight at once; 0 means 4.
	Workers int
	// AllowPrivate lets deliveries reach loopback, private and link-local
	// addresses (TRACEREG_WEBHOOK_ALLOW_PRIVATE).
	AllowPrivate bool
	// RootCAs replaces the system's roots for receivers' certificates (tests).
	RootCAs *x509.CertPool
	// UserAgent is sent with every delivery.
	UserAgent string
}

// Dispatcher sends due deliveries until stopped.
type Dispatcher struct {
	cfg    Config
	client *http.Client
	slots  chan struct{}
	wake   chan struct{}
	stop   context.CancelFunc
	done   chan struct{}
	wg     sync.WaitGroup
}

// New returns a dispatcher; Start runs it.
func New(cfg Config) *Dispatcher {
	if cfg.Clock == nil {
		cfg.Clock = registry.SystemClock{}
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.Interval <= 0 {
		cfg.Interval = 2 * time.Second
	}
	if cfg.Workers <= 0 {
		cfg.Workers = 4
	}
	if cfg.UserAgent == "" {
		cfg.UserAgent = "tracereg-webhooks"
	}
	return &Dispatcher{cfg: cfg, client: NewClient(cfg.AllowPrivate, cfg.RootCAs), slots: make(chan struct{}, cfg.Workers),
		wake: make(chan struct{}, 1)}
}

// ErrAddressRefused is the dial error for an address deliveries may not reach.
var ErrAddressRefused = errors.New("address refused: loopback, private, link-local or unspecified")

// NewClient returns the HTTP client of deliveries: no proxy (a proxy would
// dial for us, unchecked), no redirects followed, WebhookTimeout per
// attempt, and unless allowPrivate the address check at dial time.
func NewClient(allowPrivate bool, roots *x509.CertPool) *http.Client {
	dialer := &net.Dialer{Timeout: 5 * time.Second, KeepAlive: 30 * time.Second}
	if !allowPrivate {
		dialer.Control = refusePrivate
	}
	tr := &http.Transport{
		Proxy:                 nil,
		DialContext:           dialer.DialContext,
		TLSClientConfig:       &tls.Config{MinVersion: tls.VersionTLS12, RootCAs: roots},
		TLSHandshakeTimeout:   5 * time.Second,
		ResponseHeaderTimeout: registry.WebhookTimeout,
		MaxIdleConnsPerHost:   2,
		IdleConnTimeout:       30 * time.Second,
		ForceAttemptHTTP2:     true,
	}
	return &http.Client{Transport: tr, Timeout: registry.WebhookTimeout,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
}

// refusePrivate is a net.Dialer.Control: it sees the resolved address.
func refusePrivate(network, address string, _ syscall.RawConn) error {
	ap, err := netip.ParseAddrPort(address)
	if err != nil {
		return ErrAddressRefused
	}
	if !PublicAddr(ap.Addr()) {
		return ErrAddressRefused
	}
	return nil
}

// PublicAddr reports whether deliveries may reach a: not loopback, private
// (RFC 1918, fc00::/7), link-local, multicast, unspecified, CGNAT
// (100.64.0.0/10) or another special-purpose range.
func PublicAddr(a netip.Addr) bool {
	a = a.Unmap()
	if !a.IsValid() || a.IsLoopback() || a.IsPrivate() || a.IsLinkLocalUnicast() || a.IsLinkLocalMulticast() ||
		a.IsInterfaceLocalMulticast() || a.IsMulticast() || a.IsUnspecified() {
		return false
	}
	for _, p := range special {
		if p.Contains(a) {
			return false
		}
	}
	return true
}

var special = []netip.Prefix{
	netip.MustParsePrefix("0.0.0.0/8"),
	netip.MustParsePrefix("100.64.0.0/10"),
	netip.MustParsePrefix("192.0.0.0/24"),
	netip.MustParsePrefix("198.18.0.0/15"),
	netip.MustParsePrefix("240.0.0.0/4"),
	netip.MustParsePrefix("64:ff9b::/96"), // NAT64 can reach private IPv4
	netip.MustParsePrefix("2001:db8::/32"),
}

// Start runs the dispatcher in the background until Stop.
func (d *Dispatcher) Start() {
	ctx, cancel := context.WithCancel(context.Background())
	d.stop, d.done = cancel, make(chan struct{})
	go func() {
		defer close(d.done)
		d.run(ctx)
	}()
}

// Stop ends the loop and waits for deliveries in flight (each bounded by
// WebhookTimeout); a delivery cut short is retried after its lease.
func (d *Dispatcher) Stop() {
	if d.stop == nil {
		return
	}
	d.stop()
	<-d.done
	d.wg.Wait()
}

// Wait waits for the deliveries in flight (tests drive RunOnce and Wait).
func (d *Dispatcher) Wait() { d.wg.Wait() }

// Wake makes the dispatcher look for due deliveries now (after a write in
// this process; other replicas find them at their next interval).
func (d *Dispatcher) Wake() {
	select {
	case d.wake <- struct{}{}:
	default:
	}
}

func (d *Dispatcher) run(ctx context.Context) {
	t := time.NewTicker(d.cfg.Interval)
	defer t.Stop()
	for {
		d.RunOnce(ctx)
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		case <-d.wake:
		}
	}
}

// RunOnce claims the deliveries due now, as many as there are free
// workers, and starts sending them; it does not wait for them.
func (d *Dispatcher) RunOnce(ctx context.Context) {
	free := cap(d.slots) - len(d.slots)
	if free <= 0 || ctx.Err() != nil {
		return
	}
	now := d.cfg.Clock.Now()
	due, err := d.cfg.Outbox.DueWebhookDeliveries(ctx, now, free)
	if err != nil {
		if ctx.Err() == nil {
			d.cfg.Logger.Warn("webhooks: due deliveries", "err", err)
		}
		return
	}
	for _, x := range due {
		if err := d.cfg.Outbox.ClaimWebhookDelivery(ctx, x, now.Add(registry.WebhookLease)); err != nil {
			if registry.ErrorCode(err) != registry.ESTALE && ctx.Err() == nil {
				d.cfg.Logger.Warn("webhooks: claim", "delivery", x.ID, "err", err)
			}
			continue // another replica has it
		}
		select {
		case d.slots <- struct{}{}:
		case <-ctx.Done():
			return // the lease runs out and someone sends it later
		}
		d.wg.Add(1)
		go func() {
			defer func() { <-d.slots; d.wg.Done() }()
			d.deliver(x)
		}()
	}
}

// deliver makes one attempt and records it. It runs on its own context:
// stopping the dispatcher lets the attempt finish within WebhookTimeout.
func (d *Dispatcher) deliver(x *registry.WebhookDelivery) {
	ctx, cancel := context.WithTimeout(context.Background(), registry.WebhookTimeout+5*time.Second)
	defer cancel()
	sub, err := d.cfg.Outbox.FindWebhook(ctx, x.SubscriptionID)
	if err != nil {
		if registry.ErrorCode(err) != registry.ENOTFOUND {
			d.cfg.Logger.Warn("webhooks: subscription", "delivery", x.ID, "err", err)
			return // the lease runs out and it is tried again
		}
		x.Status, x.LastError = registry.DeliveryFailed, "subscription deleted"
		d.save(ctx, x)
		return
	}
	code, errText := d.Send(ctx, sub, x)
	x.Record(d.cfg.Clock.Now(), code, errText)
	d.save(ctx, x)
}

func (d *Dispatcher) save(ctx context.Context, x *registry.WebhookDelivery) {
	if err := d.cfg.Outbox.SaveWebhookDelivery(ctx, x); err != nil {
		// ESTALE: replayed while it was being sent; the replay stands.
		if registry.ErrorCode(err) != registry.ESTALE {
			d.cfg.Logger.Warn("webhooks: record attempt", "delivery", x.ID, "err", err)
		}
	}
}

// Send POSTs one delivery and returns the status code (0: no answer) and
// a short error text, never holding the secret.
func (d *Dispatcher) Send(ctx context.Context, sub *registry.WebhookSubscription, x *registry.WebhookDelivery) (int, string) {
	ts := d.cfg.Clock.Now().Unix()
	body := []byte(x.Payload)
	sig, err := registry.SignWebhook(sub.Secret, x.ID, ts, body)
	if err != nil {
		return 0, "the subscription's secret is unusable"
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, sub.URL, strings.NewReader(x.Payload))
	if err != nil {
		return 0, "bad address"
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", d.cfg.UserAgent)
	req.Header.Set("webhook-id", x.ID)
	req.Header.Set("webhook-timestamp", strconv.FormatInt(ts, 10))
	req.Header.Set("webhook-signature", sig)
	resp, err := d.client.Do(req)
	if err != nil {
		return 0, describe(err)
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	if resp.StatusCode >= 200 && resp.StatusCode < 300 {
		return resp.StatusCode, ""
	}
	if resp.StatusCode >= 300 && resp.StatusCode < 400 {
		return resp.StatusCode, "redirects are not followed"
	}
	return resp.StatusCode, fmt.Sprintf("answered %d", resp.StatusCode)
}

// describe shortens a transport error for the delivery record.
func describe(err error) string {
	var ne net.Error
	switch {
	case errors.Is(err, ErrAddressRefused):
		return ErrAddressRefused.Error()
	case errors.Is(err, context.DeadlineExceeded), errors.As(err, &ne) && ne.Timeout():
		return "timed out"
	}
	var ue interface{ Unwrap() error }
	if errors.As(err, &ue) {
		if inner := ue.Unwrap(); inner != nil {
			err = inner
		}
	}
	s := err.Error()
	if len(s) > 200 {
		s = s[:200]
	}
	return s
}
