package records

import (
	"context"
	"encoding/json"
	"errors"
	"time"

	"github.com/tracereg/tracereg/registry"
	"github.com/tracereg/tracereg/registry/store"
)

var (
	_ registry.WebhookService = (*DB)(nil)
	_ registry.WebhookOutbox  = (*DB)(nil)
)

// webhookDoc is a subscription as stored: enterprise_key is its enterprise,
// or allEnterprises, so that the subscriptions an event matches are two
// equality reads of the (events, enterprise_key) index.
type webhookDoc struct {
	registry.WebhookSubscription `bson:",inline"`
	EnterpriseKey                string `bson:"enterprise_key"`
}

const allEnterprises = "*"

func newWebhookDoc(s *registry.WebhookSubscription) *webhookDoc {
	key := s.EnterpriseID
	if key == "" {
		key = allEnterprises
	}
	return &webhookDoc{WebhookSubscription: *s, EnterpriseKey: key}
}

// CreateWebhook implements registry.WebhookService.
func (d *DB) CreateWebhook(ctx context.Context, s *registry.WebhookSubscription) error {
	if err := s.Validate(); err != nil {
		return err
	}
	var p registry.Problems
	if s.EnterpriseID != "" {
		if ok, err := d.exists(ctx, colEnterprises, s.EnterpriseID, nil); err != nil {
			return err
		} else if !ok {
			p.Add("enterprise_id", "exists", "refers to an enterprise that does not exist", "tham chiếu tới doanh nghiệp không tồn tại")
		}
	}
	if err := p.Err(); err != nil {
		return err
	}
	s.ID, s.CreatedAt, s.UpdatedAt, s.Version = newID(), d.now(), d.now(), 1
	return d.insert(ctx, colWebhooks, newWebhookDoc(s), nil)
}

// FindWebhook implements registry.WebhookService.
func (d *DB) FindWebhook(ctx context.Context, id string) (*registry.WebhookSubscription, error) {
	return getByID[registry.WebhookSubscription](ctx, d, colWebhooks, id, "Webhook", "webhook")
}

// ListWebhooks implements registry.WebhookService.
func (d *DB) ListWebhooks(ctx context.Context, enterpriseID string, page registry.Page) ([]*registry.WebhookSubscription, string, error) {
	page.UpdatedSince = time.Time{}
	return list[registry.WebhookSubscription](ctx, d, colWebhooks, where("enterprise_key", enterpriseID), page)
}

// DeleteWebhook implements registry.WebhookService: the subscription and
// every delivery of it go together.
func (d *DB) DeleteWebhook(ctx context.Context, id string) error {
	if _, err := d.FindWebhook(ctx, id); err != nil {
		return err
	}
	return d.tx(ctx, func(ctx context.Context) error {
		var ids []string
		q := store.Query{Collection: colDeliveries, Where: where("subscription_id", id)}
		if err := each(ctx, d, q, func(x *registry.WebhookDelivery) error { ids = append(ids, x.ID); return nil }); err != nil {
			return err
		}
		for _, x := range ids {
			if err := d.eng.Delete(ctx, colDeliveries, x); err != nil && !errors.Is(err, store.ErrNotFound) {
				return mapError(err, nil)
			}
		}
		return d.remove(ctx, colWebhooks, id)
	})
}

// ListWebhookDeliveries implements registry.WebhookService.
func (d *DB) ListWebhookDeliveries(ctx context.Context, subscriptionID string, page registry.Page) ([]*registry.WebhookDelivery, string, error) {
	if !registry.ValidID(subscriptionID) {
		return nil, "", nil
	}
	page = page.Normalize()
	raws, next, err := d.eng.Find(ctx, store.Query{Collection: colDeliveries, Where: where("subscription_id", subscriptionID),
		OrderBy: store.IDField, Desc: true, After: page.Cursor, Limit: page.Limit})
	if err != nil {
		return nil, "", mapError(err, nil)
	}
	out := make([]*registry.WebhookDelivery, 0, len(raws))
	for _, raw := range raws {
		x, err := decode[registry.WebhookDelivery](raw)
		if err != nil {
			return nil, "", err
		}
		out = append(out, x)
	}
	return out, next, nil
}

// FindWebhookDelivery implements registry.WebhookService.
func (d *DB) FindWebhookDelivery(ctx context.Context, id string) (*registry.WebhookDelivery, error) {
	return getByID[registry.WebhookDelivery](ctx, d, colDeliveries, id, "Delivery", "lần gửi")
}

// ReplayWebhookDelivery implements registry.WebhookService.
func (d *DB) ReplayWebhookDelivery(ctx context.Context, id string) (*registry.WebhookDelivery, error) {
	x, err := d.FindWebhookDelivery(ctx, id)
	if err != nil {
		return nil, err
	}
	x.Replay(d.now())
	if err := d.saveDelivery(ctx, x); err != nil {
		return nil, err
	}
	return x, nil
}

// QueueWebhookTest implements registry.WebhookService.
func (d *DB) QueueWebhookTest(ctx context.Context, subscriptionID string) (*registry.WebhookDelivery, error) {
	s, err := d.FindWebhook(ctx, subscriptionID)
	if err != nil {
		return nil, err
	}
	return d.queueDelivery(ctx, s, registry.EventWebhookTest, s.EnterpriseID, map[string]string{"subscription_id": s.ID})
}

// DueWebhookDeliveries implements registry.WebhookOutbox.
func (d *DB) DueWebhookDeliveries(ctx context.Context, now time.Time, limit int) ([]*registry.WebhookDelivery, error) {
	raws, _, err := d.eng.Find(ctx, store.Query{Collection: colDeliveries, Where: where("status", registry.DeliveryPending),
		Range: &store.Range{Field: "next_attempt_at", Lte: now.UTC()}, Limit: limit})
	if err != nil {
		return nil, mapError(err, nil)
	}
	out := make([]*registry.WebhookDelivery, 0, len(raws))
	for _, raw := range raws {
		x, err := decode[registry.WebhookDelivery](raw)
		if err != nil {
			return nil, err
		}
		out = append(out, x)
	}
	return out, nil
}

// ClaimWebhookDelivery implements registry.WebhookOutbox: a conditional
// replace on the version read, so of two replicas that read the same due
// delivery only one sends it.
func (d *DB) ClaimWebhookDelivery(ctx context.Context, x *registry.WebhookDelivery, until time.Time) error {
	x.NextAttemptAt = until.UTC().Truncate(time.Millisecond)
	return d.saveDelivery(ctx, x)
}

// SaveWebhookDelivery implements registry.WebhookOutbox.
func (d *DB) SaveWebhookDelivery(ctx context.Context, x *registry.WebhookDelivery) error {
	return d.saveDelivery(ctx, x)
}

func (d *DB) saveDelivery(ctx context.Context, x *registry.WebhookDelivery) error {
	read := x.Version
	x.UpdatedAt, x.Version = d.now(), read+1
	if err := d.replace(ctx, colDeliveries, read, x, nil); err != nil {
		x.Version = read
		return err
	}
	return nil
}

// queueWebhooks queues a delivery of an event about an enterprise's record
// to every subscription that asked for it (the enterprise's own and those
// about all enterprises), in the transaction of the write that caused it:
// the outbox. Nothing is sent here, so no receiver can slow the write.
func (d *DB) queueWebhooks(ctx context.Context, eventType, enterpriseID string, data any) error {
	for _, key := range []string{enterpriseID, allEnterprises} {
		if key == "" {
			continue
		}
		var subs []*registry.WebhookSubscription
		q := store.Query{Collection: colWebhooks, Where: where("events", eventType, "enterprise_key", key)}
		if err := each(ctx, d, q, func(s *registry.WebhookSubscription) error { subs = append(subs, s); return nil }); err != nil {
			return err
		}
		for _, s := range subs {
			if _, err := d.queueDelivery(ctx, s, eventType, enterpriseID, data); err != nil {
				return err
			}
		}
	}
	return nil
}

func (d *DB) queueDelivery(ctx context.Context, s *registry.WebhookSubscription, eventType, enterpriseID string, data any) (*registry.WebhookDelivery, error) {
	now := d.now()
	body, err := json.Marshal(registry.WebhookPayload{Type: eventType, Timestamp: now, Data: data})
	if err != nil {
		return nil, err
	}
	x := &registry.WebhookDelivery{ID: newID(), SubscriptionID: s.ID, EnterpriseID: enterpriseID, EventType: eventType, Payload: string(body),
		Status: registry.DeliveryPending, NextAttemptAt: now, CreatedAt: now, UpdatedAt: now, Version: 1}
	if err := d.insert(ctx, colDeliveries, x, nil); err != nil {
		return nil, err
	}
	return x, nil
}

// The data of each event: what a receiver needs to act, and the record's
// ID to read the rest through the API.
type (
	batchEventData struct {
		BatchID      string        `json:"batch_id"`
		EnterpriseID string        `json:"enterprise_id"`
		ProductID    string        `json:"product_id"`
		LotCode      string        `json:"lot_code"`
		ShortCode    string        `json:"short_code"`
		Status       string        `json:"status"`
		Reason       string        `json:"reason,omitempty"`
		On           registry.Date `json:"on,omitempty"`
	}
	certificateEventData struct {
		CertificateID  string        `json:"certificate_id"`
		Number         string        `json:"number"`
		Scheme         string        `json:"scheme"`
		EnterpriseID   string        `json:"enterprise_id"`
		BodyID         string        `json:"body_id"`
		Status         string        `json:"status"`
		PreviousStatus string        `json:"previous_status"`
		Reason         string        `json:"reason"`
		On             registry.Date `json:"on"`
	}
	receiptEventData struct {
		AnnouncementID string        `json:"announcement_id"`
		EnterpriseID   string        `json:"enterprise_id"`
		Type           string        `json:"type"`
		ReceiptNumber  string        `json:"receipt_number"`
		ReceiptDate    registry.Date `json:"receipt_date,omitempty"`
		ProductIDs     []string      `json:"product_ids,omitempty"`
	}
)

// queueBatchChange queues the events of a lot going from old (nil: new) to b.
func (d *DB) queueBatchChange(ctx context.Context, old, b *registry.Batch) error {
	was := ""
	if old != nil {
		was = old.Status
	}
	if was == b.Status {
		return nil
	}
	data := batchEventData{BatchID: b.ID, EnterpriseID: b.EnterpriseID, ProductID: b.ProductID, LotCode: b.LotCode, ShortCode: b.ShortCode, Status: b.Status}
	var event string
	switch {
	case b.Status == registry.BatchRecalled:
		event = registry.EventBatchRecalled
		if b.Recall != nil {
			data.Reason, data.On = b.Recall.Reason, b.Recall.On
		}
	case b.Status == registry.BatchPublished && was == registry.BatchRecalled:
		event = registry.EventBatchRecallLifted
		if n := len(b.PastRecalls); n > 0 && b.PastRecalls[n-1].Lifted != nil {
			data.Reason, data.On = b.PastRecalls[n-1].Lifted.Reason, b.PastRecalls[n-1].Lifted.On
		}
	case b.Status == registry.BatchPublished:
		event = registry.EventBatchPublished
	default:
		return nil
	}
	return d.queueWebhooks(ctx, event, b.EnterpriseID, data)
}
