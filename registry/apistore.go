package registry

import (
	"context"
	"time"
)

// APIStore is everything the JSON API needs: the Store, plus sign-in,
// the audit log, idempotency records and the record maintenance the API
// offers (updates and deletes the base services do not have, bulk events).
// registry/records implements it.
type APIStore interface {
	Store
	AuthService
	AuditService
	IdempotencyService
	MaintenanceService
	InboxService
	WebhookService
}

// IdempotencyRecord remembers the first answer to a request carrying an
// Idempotency-Key (or one imported row carrying its key), so a repeat gets it
// again instead of writing twice.
type IdempotencyRecord struct {
	Key string `bson:"_id"` // scope (actor, route) and the client's key
	// RequestSHA256 digests the first request; a repeat with another body is refused.
	RequestSHA256 string    `bson:"request_sha256"`
	Done          bool      `bson:"done"`
	Status        int       `bson:"status"`
	ContentType   string    `bson:"content_type"`
	Body          []byte    `bson:"body"`
	CreatedAt     time.Time `bson:"created_at"`
}

// IdempotencyService keeps idempotency records.
type IdempotencyService interface {
	// BeginIdempotent reserves rec.Key. When the key is already reserved it
	// returns the stored record (done or still in progress) and does not write.
	BeginIdempotent(ctx context.Context, rec *IdempotencyRecord) (existing *IdempotencyRecord, err error)
	// CompleteIdempotent stores the answer of a reserved key.
	CompleteIdempotent(ctx context.Context, key string, status int, contentType string, body []byte) error
	// AbandonIdempotent frees a reservation whose request failed, so a retry runs again.
	AbandonIdempotent(ctx context.Context, key string) error
	// FindIdempotent returns ENOTFOUND if the key is not reserved.
	FindIdempotent(ctx context.Context, key string) (*IdempotencyRecord, error)
}

// EventResult is the outcome of one event of a bulk write.
type EventResult struct {
	ID       string
	Replayed bool  // an event with the same idempotency key existed: nothing written
	Err      error // EINVALID, ENOTFOUND, ... for this event alone
}

// MaintenanceService holds the writes the API offers beyond the base services.
type MaintenanceService interface {
	// InTx runs fn in one transaction where the store has them (SQLite):
	// the writes fn makes with the ctx it is given commit together or not
	// at all. Elsewhere fn runs as it is. Nested calls join the outer one.
	InTx(ctx context.Context, fn func(ctx context.Context) error) error
	// DeleteRecord removes the record of a kind (KindEnterprise, ...) when
	// nothing refers to it. ENOTFOUND, ECONFLICT naming what refers to it;
	// a batch that is not a draft is never deleted (ECONFLICT).
	DeleteRecord(ctx context.Context, kind, id string) error
	// UpdateCertificate stores c's details (not its status or history, which
	// change by decisions) if its Version is still the stored one. EINVALID, ENOTFOUND, ESTALE, ECONFLICT.
	UpdateCertificate(ctx context.Context, c *Certificate) error
	// FindStandard returns ENOTFOUND if no catalogue entry has that ID.
	FindStandard(ctx context.Context, id string) (*Standard, error)
	// UpdateStandard stores s if its Version is still the stored one. EINVALID, ENOTFOUND, ESTALE, ECONFLICT.
	UpdateStandard(ctx context.Context, s *Standard) error
	// UpdateCertificationBody stores b if its Version is still the stored one. EINVALID, ENOTFOUND, ESTALE, ECONFLICT.
	UpdateCertificationBody(ctx context.Context, b *CertificationBody) error
	// UpdateDocument stores d's title, kind and public mark if its Version is still the stored one.
	UpdateDocument(ctx context.Context, d *Document) error
	// CreateEvents validates every event (fields and references) and then
	// writes the valid ones in one bulk write; with allOrNothing it writes
	// nothing when any event fails, and removes what it wrote if a write
	// fails midway. Results are in the order of events.
	CreateEvents(ctx context.Context, events []*TraceEvent, allOrNothing bool) ([]EventResult, error)
	// DeleteEvents removes events by ID: undoing an import that failed midway.
	DeleteEvents(ctx context.Context, ids []string) error
}
