package registry

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Webhooks: a subscriber (an enterprise for its own records; province staff
// and inspectors for one enterprise or for all) registers an HTTPS address
// and the events it wants. A write that causes an event queues one delivery
// per matching subscription in the write's own transaction (the outbox), and
// a dispatcher (registry/webhook) sends them later, so a receiver that hangs
// or fails never slows the write. Deliveries are signed in the manner of
// Standard Webhooks (https://www.standardwebhooks.com): headers webhook-id,
// webhook-timestamp and webhook-signature "v1,<base64 HMAC-SHA256>".

// Event types a subscription may ask for.
const (
	EventCertificateStatusChanged = "certificate.status_changed"  // a body suspended, withdrew or reinstated a certificate
	EventBatchPublished           = "batch.published"             // a lot became public (created published, or a draft published)
	EventBatchRecalled            = "batch.recalled"              // a lot was recalled
	EventBatchRecallLifted        = "batch.recall_lifted"         // the agency lifted a lot's recall
	EventReceiptIssued            = "announcement.receipt_issued" // the agency issued the notice of receipt of a dossier
	EventWebhookTest              = "webhook.test"                // sent on request to one subscription only; not subscribable
)

// WebhookEvents are the event types one may subscribe to.
var WebhookEvents = []string{EventCertificateStatusChanged, EventBatchPublished, EventBatchRecalled, EventBatchRecallLifted, EventReceiptIssued}

// WebhookSecretPrefix starts every signing secret, as in Standard Webhooks.
const WebhookSecretPrefix = "whsec_"

// WebhookSubscription is one receiver of events.
type WebhookSubscription struct {
	ID string `json:"id" bson:"_id"`
	// UserID made the subscription.
	UserID string `json:"user_id" bson:"user_id"`
	// EnterpriseID limits the events to one enterprise's records; "" is
	// every enterprise, for province staff and inspectors only.
	EnterpriseID string   `json:"enterprise_id,omitempty" bson:"enterprise_id,omitempty"`
	URL          string   `json:"url" bson:"url"`
	Events       []string `json:"events" bson:"events"`
	Description  string   `json:"description,omitempty" bson:"description,omitempty"`
	// Secret signs the deliveries: shown once, when the subscription is made.
	// It is kept as is (signing needs it), unlike API keys.
	Secret    string    `json:"-" bson:"secret"`
	CreatedAt time.Time `json:"created_at" bson:"created_at"`
	UpdatedAt time.Time `json:"updated_at" bson:"updated_at"`
	Version   int       `json:"version" bson:"version"`
}

// NewWebhookSecret returns a new signing secret: whsec_ and the base64 of 32 random bytes.
func NewWebhookSecret() string {
	b := make([]byte, 32)
	rand.Read(b)
	return WebhookSecretPrefix + base64.StdEncoding.EncodeToString(b)
}

// Validate checks a subscription before it is written. EINVALID naming
// "url" (rules "required", "url", "https", "credentials", "fragment"),
// "events" ("required", "one_of", "duplicate"), "enterprise_id", "description".
func (s *WebhookSubscription) Validate() error {
	var p Problems
	checkWebhookURL(&p, "url", s.URL)
	if len(s.Events) == 0 {
		p.Add("events", "required", "name at least one event: "+strings.Join(WebhookEvents, ", "),
			"cần chọn ít nhất một sự kiện: "+strings.Join(WebhookEvents, ", "))
	}
	seen := map[string]bool{}
	for i, ev := range s.Events {
		field := fmt.Sprintf("events[%d]", i)
		switch {
		case !slices.Contains(WebhookEvents, ev):
			oneOf(&p, field, ev, WebhookEvents)
		case seen[ev]:
			p.Add(field, "duplicate", "is named twice", "bị lặp lại")
		}
		seen[ev] = true
	}
	checkRef(&p, "enterprise_id", s.EnterpriseID, false)
	checkText(&p, "description", s.Description, 200)
	if !ValidID(s.UserID) {
		p.Add("user_id", "id", "must be a record ID", "phải là mã bản ghi")
	}
	if _, err := webhookKey(s.Secret); err != nil {
		p.Add("secret", "required", "is required", "là bắt buộc")
	}
	return p.Err()
}

// checkWebhookURL adds a problem unless s is an absolute https address
// without user name, password or fragment, of at most 2000 characters.
// Where it points is checked when it is dialled (registry/webhook).
func checkWebhookURL(p *Problems, field, s string) {
	if strings.TrimSpace(s) == "" {
		p.Add(field, "required", "is required", "là bắt buộc")
		return
	}
	if len(s) > 2000 {
		p.Add(field, "max_length", "must be at most 2000 characters", "tối đa 2000 ký tự")
		return
	}
	u, err := url.Parse(s)
	switch {
	case err != nil || !u.IsAbs() || u.Host == "" || u.Hostname() == "" || strings.ContainsAny(s, " \t\r\n\\"):
		p.Add(field, "url", "must be an absolute address such as https://example.vn/hooks", "phải là địa chỉ đầy đủ, ví dụ https://example.vn/hooks")
	case u.Scheme != "https":
		p.Add(field, "https", "must start with https://: deliveries are only sent encrypted", "phải bắt đầu bằng https://: hệ thống chỉ gửi qua kết nối mã hóa")
	case u.User != nil:
		p.Add(field, "credentials", "must not hold a user name or password: the signature authenticates deliveries",
			"không được chứa tên đăng nhập hoặc mật khẩu: chữ ký đã xác thực mỗi lần gửi")
	case u.Fragment != "" || strings.Contains(s, "#"):
		p.Add(field, "fragment", "must not have a #fragment", "không được có phần #")
	case u.Port() != "":
		if n, err := strconv.Atoi(u.Port()); err != nil || n < 1 || n > 65535 {
			p.Add(field, "url", "has a port that is not a number from 1 to 65535", "có cổng không phải số từ 1 đến 65535")
		}
	}
}

// webhookKey returns the HMAC key of a secret: the bytes its base64 stands for.
func webhookKey(secret string) ([]byte, error) {
	rest, ok := strings.CutPrefix(secret, WebhookSecretPrefix)
	if !ok {
		return nil, fmt.Errorf("webhook secret lacks %s", WebhookSecretPrefix)
	}
	key, err := base64.StdEncoding.DecodeString(rest)
	if err != nil || len(key) < 24 {
		return nil, fmt.Errorf("webhook secret is not the base64 of 24 or more bytes")
	}
	return key, nil
}

// SignWebhook returns the webhook-signature header of a delivery: "v1,"
// and the base64 of HMAC-SHA256 over id "." timestamp "." body, keyed by
// the secret's bytes.
func SignWebhook(secret, id string, timestamp int64, body []byte) (string, error) {
	key, err := webhookKey(secret)
	if err != nil {
		return "", err
	}
	m := hmac.New(sha256.New, key)
	m.Write([]byte(id + "." + strconv.FormatInt(timestamp, 10) + "."))
	m.Write(body)
	return "v1," + base64.StdEncoding.EncodeToString(m.Sum(nil)), nil
}

// Delivery statuses.
const (
	DeliveryPending   = "pending"   // waiting for its next attempt (or being sent)
	DeliveryDelivered = "delivered" // the receiver answered 2xx
	DeliveryFailed    = "failed"    // every attempt failed; a replay tries again
)

// WebhookBackoff is the wait after each failed attempt: the first attempt
// is at once, then 30 s, 2 min, 10 min, 1 h, 6 h and 24 h after the failures
// before; after the seventh failure the delivery is failed.
var WebhookBackoff = []time.Duration{30 * time.Second, 2 * time.Minute, 10 * time.Minute, time.Hour, 6 * time.Hour, 24 * time.Hour}

// WebhookTimeout bounds one attempt; WebhookLease is how long a claimed
// delivery is left to its sender before another may take it (a replica that
// died mid-send).
const (
	WebhookTimeout = 10 * time.Second
	WebhookLease   = time.Minute
)

// maxDeliveryAttemptsKept bounds the attempt history one delivery keeps.
const maxDeliveryAttemptsKept = 20

// WebhookAttempt is the outcome of one attempt.
type WebhookAttempt struct {
	At         time.Time `json:"at" bson:"at"`
	StatusCode int       `json:"status_code,omitempty" bson:"status_code,omitempty"` // 0: no answer
	Error      string    `json:"error,omitempty" bson:"error,omitempty"`
}

// WebhookDelivery is one event for one subscription. Its ID is the
// webhook-id header, the same on every attempt and replay, so receivers
// can drop repeats.
type WebhookDelivery struct {
	ID             string `json:"id" bson:"_id"`
	SubscriptionID string `json:"subscription_id" bson:"subscription_id"`
	// EnterpriseID is the enterprise the event is about.
	EnterpriseID string `json:"enterprise_id,omitempty" bson:"enterprise_id,omitempty"`
	EventType    string `json:"event_type" bson:"event_type"`
	// Payload is the JSON body sent, the same on every attempt.
	Payload string `json:"payload" bson:"payload"`
	Status  string `json:"status" bson:"status"`
	// Tries counts the attempts since the delivery was queued or replayed:
	// it picks the next wait from WebhookBackoff.
	Tries          int              `json:"tries" bson:"tries"`
	NextAttemptAt  time.Time        `json:"next_attempt_at" bson:"next_attempt_at"`
	LastStatusCode int              `json:"last_status_code,omitempty" bson:"last_status_code,omitempty"`
	LastError      string           `json:"last_error,omitempty" bson:"last_error,omitempty"`
	DeliveredAt    *time.Time       `json:"delivered_at,omitempty" bson:"delivered_at,omitempty"`
	Attempts       []WebhookAttempt `json:"attempts,omitempty" bson:"attempts,omitempty"` // the latest ones, oldest first
	Replays        int              `json:"replays,omitempty" bson:"replays,omitempty"`
	CreatedAt      time.Time        `json:"created_at" bson:"created_at"`
	UpdatedAt      time.Time        `json:"updated_at" bson:"updated_at"`
	Version        int              `json:"version" bson:"version"`
}

// Record applies the outcome of an attempt made at at: 2xx delivers; any
// other answer or none schedules the next try after WebhookBackoff, or
// fails the delivery when the schedule is spent. errText must hold no secret.
func (d *WebhookDelivery) Record(at time.Time, statusCode int, errText string) {
	at = at.UTC()
	if len(errText) > 300 {
		errText = errText[:300]
	}
	d.Attempts = append(d.Attempts, WebhookAttempt{At: at, StatusCode: statusCode, Error: errText})
	if n := len(d.Attempts); n > maxDeliveryAttemptsKept {
		d.Attempts = slices.Clone(d.Attempts[n-maxDeliveryAttemptsKept:])
	}
	d.LastStatusCode, d.LastError = statusCode, errText
	if statusCode >= 200 && statusCode < 300 {
		d.Status, d.DeliveredAt, d.LastError = DeliveryDelivered, &at, ""
		return
	}
	d.Tries++
	if d.Tries > len(WebhookBackoff) {
		d.Status = DeliveryFailed
		return
	}
	d.Status, d.NextAttemptAt = DeliveryPending, at.Add(WebhookBackoff[d.Tries-1])
}

// Replay makes the delivery due again at now with a fresh schedule; its ID
// and payload stay, so the receiver sees the same webhook-id.
func (d *WebhookDelivery) Replay(now time.Time) {
	d.Status, d.Tries, d.NextAttemptAt, d.Replays = DeliveryPending, 0, now.UTC(), d.Replays+1
}

// WebhookPayload is the JSON body of a delivery, Standard Webhooks' shape.
type WebhookPayload struct {
	Type      string    `json:"type"`
	Timestamp time.Time `json:"timestamp"`
	Data      any       `json:"data"`
}

// WebhookService keeps subscriptions and their deliveries.
type WebhookService interface {
	// CreateWebhook validates and stores s, setting its ID. EINVALID.
	CreateWebhook(ctx context.Context, s *WebhookSubscription) error
	// FindWebhook returns ENOTFOUND if no subscription has that ID.
	FindWebhook(ctx context.Context, id string) (*WebhookSubscription, error)
	// ListWebhooks returns one page of the subscriptions of an enterprise
	// (those about it alone), or every subscription when enterpriseID is "".
	ListWebhooks(ctx context.Context, enterpriseID string, page Page) ([]*WebhookSubscription, string, error)
	// DeleteWebhook removes a subscription and its deliveries. ENOTFOUND.
	DeleteWebhook(ctx context.Context, id string) error
	// ListWebhookDeliveries returns one page of a subscription's deliveries, newest first.
	ListWebhookDeliveries(ctx context.Context, subscriptionID string, page Page) ([]*WebhookDelivery, string, error)
	// FindWebhookDelivery returns ENOTFOUND if no delivery has that ID.
	FindWebhookDelivery(ctx context.Context, id string) (*WebhookDelivery, error)
	// ReplayWebhookDelivery makes a delivery due now, keeping its ID. ENOTFOUND, ESTALE.
	ReplayWebhookDelivery(ctx context.Context, id string) (*WebhookDelivery, error)
	// QueueWebhookTest queues a webhook.test delivery to one subscription. ENOTFOUND.
	QueueWebhookTest(ctx context.Context, subscriptionID string) (*WebhookDelivery, error)
}

// WebhookOutbox is the dispatcher's side of the deliveries.
type WebhookOutbox interface {
	// FindWebhook returns ENOTFOUND if no subscription has that ID.
	FindWebhook(ctx context.Context, id string) (*WebhookSubscription, error)
	// DueWebhookDeliveries returns at most limit pending deliveries due at now, the longest waiting first.
	DueWebhookDeliveries(ctx context.Context, now time.Time, limit int) ([]*WebhookDelivery, error)
	// ClaimWebhookDelivery leases d to the caller until until, if nobody
	// changed it since it was read (d.Version); d becomes the stored
	// record. ESTALE when another sender claimed it first.
	ClaimWebhookDelivery(ctx context.Context, d *WebhookDelivery, until time.Time) error
	// SaveWebhookDelivery stores d (an attempt's outcome) if its Version is
	// still the stored one. ENOTFOUND, ESTALE.
	SaveWebhookDelivery(ctx context.Context, d *WebhookDelivery) error
}
