package records

import (
	"context"

	"github.com/tracereg/tracereg/registry/store"
)

// Collection names.
const (
	colEnterprises      = "enterprises"
	colFacilities       = "facilities"
	colProducts         = "products"
	colBatches          = "batches"
	colEvents           = "events"
	colCertificates     = "certificates"
	colBodies           = "certification_bodies"
	colAnnouncements    = "announcements"
	colStandards        = "standards"
	colUsers            = "users"
	colDocuments        = "documents"
	colReports          = "problem_reports"
	colSessions         = "web_sessions"
	colRefreshTokens    = "refresh_tokens"
	colAPIKeys          = "api_keys"
	colLoginFailures    = "login_failures"
	colAudit            = "audit"
	colAuditHead        = "audit_head"
	colIdempotency      = "idempotency"
	colScans            = "scans"
	colScanMonths       = "scan_months"
	colScanClients      = "scan_clients"
	colSerials          = "serials"
	colSupport          = "support_records"
	colExperts          = "experts"
	colCourses          = "training_courses"
	colBenchmarks       = "benchmark_entries"
	colGoodPractices    = "good_practices"
	colAnnualNotes      = "annual_notes"
	colCredentialStatus = "credential_status"
	colWebhooks         = "webhooks"
	colDeliveries       = "webhook_deliveries"
)

func ix(fields ...string) store.Index     { return store.Index{Fields: fields} }
func unique(fields ...string) store.Index { return store.Index{Fields: fields, Unique: true} }

// Schema declares every collection and every index: the only place they are.
// A query no index here covers is an error (store.ErrNotCovered), and
// TestEveryQueryIsCovered (coverage_test.go) runs every method of DB through
// an engine that records each query's index, to prove there is none and
// that every non-unique index here answers some query.
// Unique keys on optional values use a *_key field that falls back to the
// record's own ID.
var Schema = store.Schema{
	{Name: colEnterprises, Indexes: []store.Index{unique("tax_code"), ix("search"), ix("district", "sector"), ix("sector"), ix("updated_at")}},
	{Name: colFacilities, Indexes: []store.Index{ix("enterprise_id", "kind"), ix("enterprise_id", "search"), ix("kind"), ix("gln"), ix("enterprise_id", "updated_at"), ix("updated_at")}},
	{Name: colProducts, Indexes: []store.Index{ix("enterprise_id", "category"), ix("search"), ix("enterprise_id", "search"), unique("gtin_key"), unique("short_code"), ix("category"),
		ix("standards"), ix("photo_id"), ix("enterprise_id", "updated_at"), ix("updated_at")}},
	{Name: colBatches, Indexes: []store.Index{unique("product_id", "lot_code"), unique("short_code"), ix("enterprise_id", "status"),
		ix("enterprise_id", "product_id", "status"), ix("enterprise_id", "lot_code"), ix("lot_code"), ix("product_id", "status"), ix("status"),
		ix("facility_id"), ix("source_plot_ids"), ix("enterprise_id", "updated_at"), ix("updated_at")}},
	{Name: colEvents, Indexes: []store.Index{unique("enterprise_id", "idempotency_key"), ix("batches.batch_id"), ix("inputs.batch_id"),
		ix("outputs.batch_id"), ix("facility_id")}},
	{Name: colCertificates, Indexes: []store.Index{unique("body_id", "number"), ix("body_id", "expires_on"), ix("body_id", "holder_id", "scheme"), ix("body_id", "scheme"), ix("holder_id", "status"),
		ix("holder_id", "expires_on"), ix("holder_id", "scheme"), ix("holder_id", "number"), ix("scheme", "expires_on"), ix("number"), ix("expires_on"),
		ix("scope_product_ids"), ix("scope_facility_ids"), ix("document_id"),
		ix("body_id", "updated_at"), ix("holder_id", "updated_at"), ix("updated_at"), ix("status")}},
	{Name: colBodies, Indexes: []store.Index{unique("code"), ix("updated_at")}},
	{Name: colAnnouncements, Indexes: []store.Index{ix("enterprise_id", "status"), ix("enterprise_id", "type", "status"), unique("receipt_key"),
		ix("status"), ix("type", "status"), ix("product_ids"), ix("standard_code"), ix("document_ids"), ix("test_report_ids"),
		ix("enterprise_id", "updated_at"), ix("updated_at")}},
	{Name: colStandards, Indexes: []store.Index{unique("code"), ix("kind"), ix("document_id"), ix("updated_at")}},
	{Name: colUsers, Indexes: []store.Index{unique("username"), ix("enterprise_id"), ix("body_id"), ix("updated_at")}},
	{Name: colDocuments, Indexes: []store.Index{ix("enterprise_id", "kind"), ix("enterprise_id", "blob.sha256"), ix("body_id", "kind"), ix("kind"),
		ix("enterprise_id", "updated_at"), ix("updated_at")}},
	{Name: colReports, Indexes: []store.Index{ix("status"), ix("assignee"), ix("assignee", "status"), ix("reference")}},
	{Name: colSessions, Indexes: []store.Index{ix("user_id"), ix("expires_at")}},
	{Name: colRefreshTokens, Indexes: []store.Index{ix("family_id"), ix("user_id"), ix("expires_at")}},
	{Name: colAPIKeys, Indexes: []store.Index{unique("hash"), ix("user_id")}},
	{Name: colLoginFailures},
	{Name: colAudit, Indexes: []store.Index{ix("user_id"), ix("target_kind", "target_id"), ix("target_kind"), ix("target_id"), ix("enterprise_id"), ix("enterprise_id", "action"), ix("action")}},
	{Name: colAuditHead},
	{Name: colIdempotency, Indexes: []store.Index{ix("created_at")}},
	{Name: colScans},
	{Name: colScanMonths},
	// One document per code and client key (an address on one day), to count
	// each client once; swept after two days.
	{Name: colScanClients, Indexes: []store.Index{ix("at")}},
	// A label's random serial: _id is the batch, a space, the serial.
	{Name: colSerials, Indexes: []store.Index{ix("batch_id", "position")}},
	{Name: colSupport, Indexes: []store.Index{ix("enterprise_id", "kind", "year"), ix("enterprise_id", "year"), ix("year", "kind"), ix("kind"),
		ix("batch_id"), ix("announcement_id"), ix("enterprise_id", "updated_at"), ix("updated_at")}},
	{Name: colExperts, Indexes: []store.Index{ix("updated_at")}},
	{Name: colCourses, Indexes: []store.Index{ix("participants.enterprise_id"), ix("updated_at")}},
	{Name: colBenchmarks, Indexes: []store.Index{unique("enterprise_id", "year"), ix("year"), ix("enterprise_id", "updated_at"), ix("updated_at")}},
	{Name: colGoodPractices, Indexes: []store.Index{ix("sector"), ix("tools"), ix("sector", "tools"), ix("enterprise_id"), ix("document_ids"), ix("updated_at")}},
	{Name: colAnnualNotes},
	// A signed credential's place in the status lists: _id is kind ":" record ID.
	{Name: colCredentialStatus},
	// enterprise_key is the subscription's enterprise or "*" for all: an
	// event finds its subscriptions by two equality reads (webhooks.go).
	{Name: colWebhooks, Indexes: []store.Index{ix("events", "enterprise_key"), ix("enterprise_key")}},
	// The dispatcher's due pending deliveries; a subscription's, newest first.
	{Name: colDeliveries, Indexes: []store.Index{ix("status", "next_attempt_at"), ix("subscription_id")}},
}

// publicCollections are the records the public pages show: a write to one
// moves the public change stamp, so every replica's page cache empties.
var publicCollections = map[string]bool{
	colEnterprises: true, colFacilities: true, colProducts: true, colBatches: true, colEvents: true,
	colCertificates: true, colBodies: true, colAnnouncements: true, colStandards: true, colDocuments: true,
}

// counterPublic is the public change stamp's counter.
const counterPublic = "public"

// touch moves the public change stamp after a write to col, in the write's
// transaction where the engine has them.
func (d *DB) touch(ctx context.Context, col string) error {
	if !publicCollections[col] {
		return nil
	}
	if st := txStateOf(ctx); st != nil {
		// Once per transaction: its writes all commit at once.
		if st.touched {
			return nil
		}
		st.touched = true
	}
	_, err := d.eng.Add(ctx, counterPublic, 1)
	return mapError(err, nil)
}

// PublicVersion implements registry.ChangeStamp.
func (d *DB) PublicVersion(ctx context.Context) (int64, error) {
	v, err := d.eng.Counter(ctx, counterPublic)
	return v, mapError(err, nil)
}
