package bulk

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"sort"
	"time"

	"github.com/tracereg/tracereg/registry"
)

// Row statuses in a report.
const (
	RowCreated    = "created"
	RowDuplicate  = "duplicate"   // the row's key was imported before: nothing written
	RowFailed     = "failed"      // see its errors
	RowNotWritten = "not_written" // a good row of an all-or-nothing import that failed
	rowValid      = "valid"
)

// Report answers an import.
type Report struct {
	Mode       string      `json:"mode"`
	Total      int         `json:"total"`
	Created    int         `json:"created"`
	Duplicates int         `json:"duplicates"`
	Failed     int         `json:"failed"`
	Rows       []RowResult `json:"rows"`
}

// RowResult is the outcome of one row.
type RowResult struct {
	Row    int                   `json:"row"` // 1 for the first data row
	Status string                `json:"status"`
	ID     string                `json:"id,omitempty"`
	Errors []registry.FieldError `json:"errors,omitempty"`
}

// count fills the totals from the rows.
func (r *Report) count() {
	r.Created, r.Duplicates, r.Failed = 0, 0, 0
	for _, row := range r.Rows {
		switch row.Status {
		case RowCreated:
			r.Created++
		case RowDuplicate:
			r.Duplicates++
		case RowFailed:
			r.Failed++
		}
	}
	r.Total = len(r.Rows)
}

// Rejected reports whether the import wrote nothing because a row failed in
// all-or-nothing mode.
func (r *Report) Rejected() bool { return r.Failed > 0 && r.Mode == ModeAllOrNothing }

// Err is the problem of a rejected all-or-nothing import (EINVALID listing
// every failing row's fields as rows[N].field); nil otherwise.
func (r *Report) Err() error {
	if !r.Rejected() {
		return nil
	}
	var p registry.Problems
	for _, row := range r.Rows {
		for _, f := range row.Errors {
			p.Add(fmt.Sprintf("rows[%d].%s", row.Row, f.Field), f.Rule, f.Message, f.MessageVI)
		}
	}
	if p.Empty() {
		p.Add("rows", "not_written", "the import was not written", "tệp nhập chưa được ghi")
	}
	err := p.Err().(*registry.Error)
	err.Message, err.MessageVI = fmt.Sprintf("%d of %d rows failed; nothing was written.", r.Failed, r.Total),
		fmt.Sprintf("%d trên %d dòng bị lỗi; không có gì được ghi.", r.Failed, r.Total)
	return err
}

// Store is what an import reads and writes.
type Store interface {
	registry.EnterpriseService
	registry.FacilityService
	registry.CertificateService
	registry.AnnouncementService
	registry.ProductService
	registry.BatchService
	registry.IdempotencyService
	registry.MaintenanceService
}

// Importer writes imports.
type Importer struct {
	Store Store
	Clock registry.Clock
	Log   *slog.Logger
	// PendingTimeout is how long a row key may stay reserved by an import
	// that never finished before another import takes it over.
	PendingTimeout time.Duration
	// Audit appends one audit entry for a write (by the actor of the import).
	Audit func(ctx context.Context, action, kind, id, enterpriseID string, after any) error
}

func (im *Importer) log() *slog.Logger {
	if im.Log == nil {
		return slog.Default()
	}
	return im.Log
}

func (im *Importer) now() time.Time {
	if im.Clock == nil {
		return time.Now()
	}
	return im.Clock.Now()
}

func problemsOf(err error) []registry.FieldError {
	e := registry.PublicError(err)
	if len(e.Fields) > 0 {
		return e.Fields
	}
	return []registry.FieldError{{Field: "", Rule: e.Code, Message: e.Message, MessageVI: e.MessageVI}}
}

// batchRow is one row of a batch import.
type batchRow struct {
	IdempotencyKey string        `json:"idempotency_key"`
	EnterpriseID   string        `json:"enterprise_id"`
	ProductID      string        `json:"product_id"`
	LotCode        string        `json:"lot_code"`
	Quantity       float64       `json:"quantity"`
	Unit           string        `json:"unit"`
	ProducedOn     registry.Date `json:"produced_on"`
	HarvestedOn    registry.Date `json:"harvested_on"`
	ExpiresOn      registry.Date `json:"expires_on"`
	FacilityID     string        `json:"facility_id"`
	SourcePlotIDs  []string      `json:"source_plot_ids"`
	CertificateIDs []string      `json:"certificate_ids"`
	DDSReference   string        `json:"dds_reference"`
	Status         string        `json:"status"`
	// What people type instead of IDs (see refs).
	EnterpriseTaxCode  string   `json:"enterprise_tax_code"`
	Product            string   `json:"product"`
	Facility           string   `json:"facility"`
	SourcePlots        []string `json:"source_plots"`
	CertificateNumbers []string `json:"certificate_numbers"`
}

// eventRow is one row of an event import: an event and its idempotency key.
type eventRow struct {
	IdempotencyKey      string              `json:"idempotency_key"`
	EnterpriseID        string              `json:"enterprise_id"`
	Kind                string              `json:"kind"`
	EventTime           time.Time           `json:"event_time"`
	EventTimeZone       string              `json:"event_time_zone"`
	BusinessStep        string              `json:"business_step"`
	Disposition         string              `json:"disposition"`
	FacilityID          string              `json:"facility_id"`
	Batches             []registry.Quantity `json:"batches"`
	Inputs              []registry.Quantity `json:"inputs"`
	Outputs             []registry.Quantity `json:"outputs"`
	CounterpartyTaxCode string              `json:"counterparty_tax_code"`
	Note                string              `json:"note"`
	// What people type instead of IDs (see refs); lots may be written by
	// code in batches, inputs and outputs.
	EnterpriseTaxCode string `json:"enterprise_tax_code"`
	Facility          string `json:"facility"`
}

// ownEnterprise fills a row's blank enterprise with the enterprise user's own.
func ownEnterprise(me registry.Actor, id *string) {
	if *id == "" && me.Role == registry.RoleEnterprise {
		*id = me.EnterpriseID
	}
}

// --- batches

// Batches checks every row of in as a lot and writes them by in.Mode, done
// by me. A row whose key was imported before is a duplicate and writes
// nothing. The error is for the import as a whole (the database failing);
// row problems are in the report, and Report.Err tells a rejected
// all-or-nothing import.
func (im *Importer) Batches(ctx context.Context, me registry.Actor, in *Input) (*Report, error) {
	rep := &Report{Mode: in.Mode, Rows: make([]RowResult, len(in.rows))}
	defer rep.count()
	batches := make([]*registry.Batch, len(in.rows))
	keys := make([]string, len(in.rows))
	lots := map[string]int{}
	names := NewRefs(im.Store)
	// Validate every row first.
	for i, raw := range in.rows {
		rep.Rows[i] = RowResult{Row: i + 1, Status: RowFailed}
		err := in.errs[i]
		var row batchRow
		if err == nil {
			err = decodeRow(raw, &row)
		}
		if err == nil {
			b := &registry.Batch{EnterpriseID: row.EnterpriseID, ProductID: row.ProductID, LotCode: row.LotCode, Quantity: row.Quantity, Unit: row.Unit,
				ProducedOn: row.ProducedOn, HarvestedOn: row.HarvestedOn, ExpiresOn: row.ExpiresOn, FacilityID: row.FacilityID,
				SourcePlotIDs: row.SourcePlotIDs, CertificateIDs: row.CertificateIDs, DDSReference: row.DDSReference, Status: row.Status}
			if err = names.batch(ctx, me, &row, b); hard(err) {
				return nil, err
			}
			if b.Status == "" {
				b.Status = registry.BatchPublished
			}
			if err == nil {
				err = im.checkBatchRow(ctx, me, b, row.IdempotencyKey, lots, i)
			}
			batches[i] = b
			keys[i] = row.IdempotencyKey
		}
		if err != nil {
			rep.Rows[i].Errors = problemsOf(err)
			continue
		}
		rep.Rows[i].Status = rowValid
	}
	failed := false
	for _, r := range rep.Rows {
		failed = failed || r.Status == RowFailed
	}
	if failed && in.Mode == ModeAllOrNothing {
		for i := range rep.Rows {
			if rep.Rows[i].Status == rowValid {
				rep.Rows[i].Status = RowNotWritten
			}
		}
		return rep, nil
	}
	// Write. All-or-nothing writes drafts first and publishes them once every
	// row is in, so a failure midway can be undone (drafts may be deleted).
	// Rows are written in the order of their keys: all-or-nothing imports
	// hold their keys until they finish, and taking keys in one global order
	// means two imports never wait for each other in a circle.
	var order []int
	for i := range batches {
		if rep.Rows[i].Status == rowValid {
			order = append(order, i)
		}
	}
	sort.SliceStable(order, func(x, y int) bool { return keys[order[x]] < keys[order[y]] })
	allOrNothing := in.Mode == ModeAllOrNothing
	var written []int
	err := im.inChunks(ctx, order, func(ctx context.Context, i int, wait bool) (bool, error) {
		b := batches[i]
		final := b.Status
		if allOrNothing {
			b.Status = registry.BatchDraft
		}
		id, dup, err := im.writeBatchRow(ctx, b, keys[i], !allOrNothing, wait)
		b.Status = final
		switch {
		case errors.Is(err, errKeyBusy) || dbFailed(err):
			return false, err
		case err != nil:
			rep.Rows[i].Status, rep.Rows[i].Errors = RowFailed, problemsOf(err)
			failed = true
		case dup:
			rep.Rows[i].Status, rep.Rows[i].ID = RowDuplicate, id
		default:
			rep.Rows[i].Status, rep.Rows[i].ID = RowCreated, id
			written = append(written, i)
			if !allOrNothing {
				// In the lot's own transaction: no lot without its entry.
				if err := im.audit(ctx, b); err != nil {
					return false, err
				}
			}
		}
		return failed && allOrNothing, nil
	})
	if allOrNothing && (failed || err != nil) {
		im.undo(ctx, batches, keys, written)
		if err != nil {
			return nil, err
		}
		for i := range rep.Rows {
			if rep.Rows[i].Status != RowFailed {
				rep.Rows[i].Status, rep.Rows[i].ID = RowNotWritten, ""
			}
		}
		return rep, nil
	}
	if err != nil {
		return nil, err
	}
	if allOrNothing {
		err := im.inChunks(ctx, written, func(ctx context.Context, i int, _ bool) (bool, error) {
			b := batches[i]
			if b.Status != registry.BatchDraft {
				stored, err := im.Store.FindBatch(ctx, b.ID)
				if err == nil {
					stored.Status = b.Status
					err = im.Store.UpdateBatch(ctx, stored)
				}
				if err != nil {
					return false, err
				}
				*b = *stored
			}
			if keys[i] != "" {
				if err := im.Store.CompleteIdempotent(ctx, rowKey(b.EnterpriseID, keys[i]), 201, "text/plain", []byte(b.ID)); err != nil {
					return false, err
				}
			}
			return false, im.audit(ctx, b)
		})
		if err != nil {
			return nil, err
		}
	}
	return rep, nil
}

// Rows are written in transactions of at most chunkRows rows and about
// chunkTime: few commits, and no writer waits long behind an import.
const (
	chunkRows = 500
	chunkTime = 50 * time.Millisecond
)

// errKeyBusy answers a row whose key another running import holds: the row
// is written again alone, outside any transaction, where it may wait.
var errKeyBusy = errors.New("bulk: the row key is held by another import")

// dbFailed reports whether err is the database's (or the request's
// context's) rather than the row's.
func dbFailed(err error) bool {
	code := registry.ErrorCode(err)
	return code == registry.EINTERNAL || code == registry.EUNAVAILABLE
}

// inChunks calls write for each of rows, in order, in bounded transactions
// (where the store has them). write answers stop to end the import,
// errKeyBusy to have its row written alone, outside a transaction, with
// wait set, before the rows after it; any other error ends the import, its
// transaction rolled back. A cancelled context stops it between chunks.
func (im *Importer) inChunks(ctx context.Context, rows []int, write func(ctx context.Context, i int, wait bool) (stop bool, err error)) error {
	for len(rows) > 0 {
		if err := ctx.Err(); err != nil {
			return err
		}
		n, stop, busy := 0, false, false
		err := im.Store.InTx(ctx, func(ctx context.Context) error {
			n, stop, busy = 0, false, false
			began := time.Now()
			for n < len(rows) && n < chunkRows && time.Since(began) < chunkTime {
				s, err := write(ctx, rows[n], false)
				if errors.Is(err, errKeyBusy) {
					busy = true
					return nil
				}
				if err != nil {
					return err
				}
				n++
				if s {
					stop = true
					return nil
				}
			}
			return nil
		})
		if err != nil || stop {
			return err
		}
		rows = rows[n:]
		if busy {
			if s, err := write(ctx, rows[0], true); err != nil || s {
				return err
			}
			rows = rows[1:]
		}
	}
	return nil
}

// audit records the import of lot b, when the importer audits.
func (im *Importer) audit(ctx context.Context, b *registry.Batch) error {
	if im.Audit == nil {
		return nil
	}
	return im.Audit(ctx, "batch.import", registry.KindBatch, b.ID, b.EnterpriseID, b)
}

// undo deletes the drafts an all-or-nothing import wrote and frees their
// keys; it goes on when the request is cancelled.
func (im *Importer) undo(ctx context.Context, batches []*registry.Batch, keys []string, written []int) {
	ctx = context.WithoutCancel(ctx)
	for _, i := range written {
		err := im.Store.DeleteRecord(ctx, registry.KindBatch, batches[i].ID)
		if err != nil && registry.ErrorCode(err) != registry.ENOTFOUND { // a draft of a rolled-back chunk is not there
			im.log().Error("import: undo a draft lot", "batch", batches[i].ID, "err", err)
		}
		if keys[i] != "" {
			im.abandonKey(ctx, rowKey(batches[i].EnterpriseID, keys[i]))
		}
	}
}

// checkBatchRow validates one row: fields, the caller's right, the product
// (which must be the enterprise's) and that the lot is new (in the database
// and in the import), unless the row's key was imported before.
func (im *Importer) checkBatchRow(ctx context.Context, me registry.Actor, b *registry.Batch, key string, lots map[string]int, row int) error {
	if err := registry.Authorize(me, registry.ActCreate, registry.Resource{Kind: registry.KindBatch, EnterpriseID: b.EnterpriseID}); err != nil {
		if registry.ErrorCode(err) == registry.ENOTFOUND {
			return fieldErr("enterprise_id", "exists", "refers to an enterprise you cannot write to", "tham chiếu tới doanh nghiệp bạn không được ghi")
		}
		return err
	}
	if len(key) > 100 {
		return fieldErr("idempotency_key", "max_length", "must be at most 100 characters", "tối đa 100 ký tự")
	}
	if b.Status == registry.BatchRecalled {
		return fieldErr("status", "recall", "a lot is recalled with POST /api/v1/batches/{id}/recall", "lô hàng được thu hồi bằng POST /api/v1/batches/{id}/recall")
	}
	if err := b.Validate(); err != nil {
		return err
	}
	if key != "" {
		if rec, err := im.Store.FindIdempotent(ctx, rowKey(b.EnterpriseID, key)); err == nil && rec.Done {
			return nil // a repeat: answered with the first lot
		}
	}
	pr, err := im.Store.FindProduct(ctx, b.ProductID)
	if err != nil || pr.EnterpriseID != b.EnterpriseID {
		return fieldErr("product_id", "exists", "refers to a product that does not exist or belongs to another enterprise",
			"tham chiếu tới sản phẩm không tồn tại hoặc thuộc doanh nghiệp khác")
	}
	lk := b.ProductID + "\x00" + b.LotCode
	if j, ok := lots[lk]; ok {
		return fieldErr("lot_code", "duplicate", fmt.Sprintf("row %d already has this lot", j+1), fmt.Sprintf("dòng %d đã có lô này", j+1))
	}
	lots[lk] = row
	if _, err := im.Store.FindBatchByLot(ctx, b.ProductID, b.LotCode); err == nil && key == "" {
		return fieldErr("lot_code", "taken", "this product already has a lot with this code", "sản phẩm đã có lô mang mã này")
	}
	return nil
}

// rowKey is the idempotency record of an imported lot row: the same for
// the API and the workspaces, so a row imported through either is not
// imported twice.
func rowKey(enterpriseID, key string) string {
	sum := sha256.Sum256([]byte("import-row\x00batch\x00" + enterpriseID + "\x00" + key))
	return hex.EncodeToString(sum[:])
}

// abandonKey frees a row key reserved by an import that was undone (in
// ctx's transaction, if any).
func (im *Importer) abandonKey(ctx context.Context, key string) {
	if err := im.Store.AbandonIdempotent(ctx, key); err != nil {
		im.log().Warn("import: free a row key", "err", err)
	}
}

func (im *Importer) stalePending(rec *registry.IdempotencyRecord) bool {
	return im.PendingTimeout > 0 && !rec.Done && im.now().Sub(rec.CreatedAt) > im.PendingTimeout
}

// writeBatchRow creates one lot. A row key makes it happen once: the key is
// reserved first, a concurrent import with the same key waits for the first
// to finish (or, unless wait, answers errKeyBusy) and answers with its lot.
// complete stores the answer at once; otherwise the caller completes (or
// abandons) the reservation.
func (im *Importer) writeBatchRow(ctx context.Context, b *registry.Batch, key string, complete, wait bool) (id string, dup bool, err error) {
	if key == "" {
		return b.ID, false, im.Store.CreateBatch(ctx, b)
	}
	rk := rowKey(b.EnterpriseID, key)
	deadline := time.Now().Add(2 * time.Minute)
	for {
		prev, err := im.Store.BeginIdempotent(ctx, &registry.IdempotencyRecord{Key: rk})
		if err != nil {
			return "", false, err
		}
		if prev == nil {
			break // reserved: ours to write
		}
		if prev.Done {
			return string(prev.Body), true, nil
		}
		// Wait, reading rather than writing, until the other import finishes or gives up.
		for !prev.Done {
			if im.stalePending(prev) {
				im.abandonKey(ctx, rk) // left behind by a process that died mid-import
				break
			}
			if !wait {
				return "", false, errKeyBusy
			}
			if time.Now().After(deadline) {
				return "", false, registry.Errorf(registry.ECONFLICT, "Another import with this row key is still running.", "Một lần nhập khác có cùng khóa dòng đang chạy.")
			}
			select {
			case <-ctx.Done():
				return "", false, ctx.Err()
			case <-time.After(50 * time.Millisecond):
			}
			prev, err = im.Store.FindIdempotent(ctx, rk)
			if registry.ErrorCode(err) == registry.ENOTFOUND {
				break // abandoned: try to reserve it again
			}
			if err != nil {
				return "", false, err
			}
		}
		if prev != nil && prev.Done {
			return string(prev.Body), true, nil
		}
	}
	if err := im.Store.CreateBatch(ctx, b); err != nil {
		im.abandonKey(ctx, rk)
		return "", false, err
	}
	if complete {
		if err := im.Store.CompleteIdempotent(ctx, rk, 201, "text/plain", []byte(b.ID)); err != nil {
			return "", false, err
		}
	}
	return b.ID, false, nil
}

// --- events

// Events checks every row of in as a trace event and writes them by
// in.Mode, done by me; a row whose key was imported before is a duplicate.
// As Batches, the error is for the import as a whole.
func (im *Importer) Events(ctx context.Context, me registry.Actor, in *Input) (*Report, error) {
	rep := &Report{Mode: in.Mode, Rows: make([]RowResult, len(in.rows))}
	defer rep.count()
	var events []*registry.TraceEvent
	var rowOf []int
	names := NewRefs(im.Store)
	for i, raw := range in.rows {
		rep.Rows[i] = RowResult{Row: i + 1, Status: RowFailed}
		err := in.errs[i]
		var row eventRow
		if err == nil {
			err = decodeRow(raw, &row)
		}
		if err == nil {
			if row.EventTimeZone == "" && !row.EventTime.IsZero() {
				row.EventTimeZone = zoneOf(row.EventTime) // the time's own offset, as written
			}
			if err = names.event(ctx, me, &row); hard(err) {
				return nil, err
			}
		}
		if err == nil {
			err = registry.Authorize(me, registry.ActCreate, registry.Resource{Kind: registry.KindEvent, EnterpriseID: row.EnterpriseID})
			if registry.ErrorCode(err) == registry.ENOTFOUND {
				err = fieldErr("enterprise_id", "exists", "refers to an enterprise you cannot write to", "tham chiếu tới doanh nghiệp bạn không được ghi")
			}
			if err == nil && len(row.IdempotencyKey) > 100 {
				err = fieldErr("idempotency_key", "max_length", "must be at most 100 characters", "tối đa 100 ký tự")
			}
		}
		if err != nil {
			rep.Rows[i].Errors = problemsOf(err)
			continue
		}
		events = append(events, &registry.TraceEvent{EnterpriseID: row.EnterpriseID, Kind: row.Kind, EventTime: row.EventTime,
			EventTimeZone: row.EventTimeZone, BusinessStep: row.BusinessStep, Disposition: row.Disposition, FacilityID: row.FacilityID,
			Batches: row.Batches, Inputs: row.Inputs, Outputs: row.Outputs, CounterpartyTaxCode: row.CounterpartyTaxCode, Note: row.Note,
			IdempotencyKey: row.IdempotencyKey})
		rowOf = append(rowOf, i)
	}
	decodeFailed := len(events) < len(in.rows)
	if decodeFailed && in.Mode == ModeAllOrNothing {
		for _, i := range rowOf {
			rep.Rows[i].Status = RowNotWritten
		}
		return rep, nil
	}
	results, err := im.Store.CreateEvents(ctx, events, in.Mode == ModeAllOrNothing)
	if err != nil {
		return nil, err
	}
	anyFailed := decodeFailed
	for _, r := range results {
		anyFailed = anyFailed || r.Err != nil
	}
	for n, r := range results {
		i := rowOf[n]
		switch {
		case r.Err != nil:
			rep.Rows[i].Errors = problemsOf(r.Err)
		case r.Replayed:
			rep.Rows[i].Status, rep.Rows[i].ID = RowDuplicate, r.ID
		case anyFailed && in.Mode == ModeAllOrNothing:
			rep.Rows[i].Status = RowNotWritten
		default:
			rep.Rows[i].Status, rep.Rows[i].ID = RowCreated, r.ID
		}
	}
	if !(anyFailed && in.Mode == ModeAllOrNothing) && im.Audit != nil {
		// One audit entry per import: it digests every event written.
		var created []*registry.TraceEvent
		for n, r := range results {
			if r.Err == nil && !r.Replayed {
				created = append(created, events[n])
			}
		}
		if len(created) > 0 {
			if err := im.Audit(ctx, "event.import", registry.KindEvent, fmt.Sprintf("%s+%d", created[0].ID, len(created)-1), me.EnterpriseID, created); err != nil {
				return nil, err
			}
		}
	}
	return rep, nil
}

// zoneOf is t's UTC offset as EPCIS writes it: +07:00.
func zoneOf(t time.Time) string {
	_, off := t.Zone()
	sign := '+'
	if off < 0 {
		sign, off = '-', -off
	}
	return fmt.Sprintf("%c%02d:%02d", sign, off/3600, off%3600/60)
}
