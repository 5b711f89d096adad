package registry

import (
	"context"
	"math"
	"slices"
	"time"

	"github.com/tracereg/tracereg/registry/gs1"
)

// Batch (lot) states. A published batch is never deleted: it is recalled, or
// corrected by a new event.
const (
	BatchDraft     = "draft"
	BatchPublished = "published"
	BatchRecalled  = "recalled"
)

// Units accepted for quantities.
var Units = []string{"kg", "t", "g", "l", "ml", "bag", "box", "carton", "piece", "bottle", "jar", "pallet"}

// unitNames are the units as people read them: Vietnamese, English
// singular, English plural.
var unitNames = map[string][3]string{
	"kg": {"kg", "kg", "kg"}, "t": {"tấn", "t", "t"}, "g": {"g", "g", "g"}, "l": {"lít", "l", "l"}, "ml": {"ml", "ml", "ml"},
	"bag": {"bao", "bag", "bags"}, "box": {"hộp", "box", "boxes"}, "carton": {"thùng", "carton", "cartons"}, "piece": {"cái", "piece", "pieces"},
	"bottle": {"chai", "bottle", "bottles"}, "jar": {"hũ", "jar", "jars"}, "pallet": {"kiện pallet", "pallet", "pallets"},
}

// UnitName is how a page in lang ("vi" or "en") writes qty of unit.
func UnitName(unit, lang string, qty float64) string {
	n, ok := unitNames[unit]
	switch {
	case !ok:
		return unit
	case lang != "en":
		return n[0]
	case qty == 1:
		return n[1]
	}
	return n[2]
}

// Batch is a lot (lô hàng) of one product: GS1 AI 10.
type Batch struct {
	ID           string  `json:"id" bson:"_id"`
	EnterpriseID string  `json:"enterprise_id" bson:"enterprise_id"`
	ProductID    string  `json:"product_id" bson:"product_id"`
	LotCode      string  `json:"lot_code" bson:"lot_code"`
	Quantity     float64 `json:"quantity" bson:"quantity"`
	Unit         string  `json:"unit" bson:"unit"`
	ProducedOn   Date    `json:"produced_on,omitempty" bson:"produced_on,omitempty"`
	HarvestedOn  Date    `json:"harvested_on,omitempty" bson:"harvested_on,omitempty"`
	ExpiresOn    Date    `json:"expires_on,omitempty" bson:"expires_on,omitempty"`
	// FacilityID is where the lot was made or harvested.
	FacilityID string `json:"facility_id,omitempty" bson:"facility_id,omitempty"`
	// SourcePlotIDs are farm plots the lot was harvested from directly.
	SourcePlotIDs  []string `json:"source_plot_ids,omitempty" bson:"source_plot_ids,omitempty"`
	CertificateIDs []string `json:"certificate_ids,omitempty" bson:"certificate_ids,omitempty"`
	// DDSReference is the EUDR due diligence statement number; it travels downstream.
	DDSReference string  `json:"dds_reference,omitempty" bson:"dds_reference,omitempty"`
	Status       string  `json:"status" bson:"status"`
	Recall       *Recall `json:"recall,omitempty" bson:"recall,omitempty"`
	// PastRecalls are recalls that were lifted, oldest first: written by
	// LiftRecall only.
	PastRecalls []Recall `json:"past_recalls,omitempty" bson:"past_recalls,omitempty"`
	// Corrections are the changes made after the lot was published, oldest
	// first. Written by the service only: consumers saw the earlier
	// figures, so the public page says what changed, when and why.
	Corrections []Correction `json:"corrections,omitempty" bson:"corrections,omitempty"`
	// CorrectionReason is input only: why this update corrects a published
	// lot. Required then; never stored on its own.
	CorrectionReason string    `json:"correction_reason,omitempty" bson:"-"`
	ShortCode        string    `json:"short_code" bson:"short_code"`
	CreatedAt        time.Time `json:"created_at" bson:"created_at"`
	UpdatedAt        time.Time `json:"updated_at" bson:"updated_at"`
	Version          int       `json:"version" bson:"version"`
}

// Correction is one change to a published lot.
type Correction struct {
	At     time.Time `json:"at" bson:"at"`
	By     string    `json:"by,omitempty" bson:"by,omitempty"`
	Fields []string  `json:"fields" bson:"fields"`
	Reason string    `json:"reason" bson:"reason"`
}

// MaxCorrections bounds a lot's correction history (and its document).
const MaxCorrections = 100

// MaxCorrectionReason bounds the text of one correction's reason.
const MaxCorrectionReason = 500

// CorrectedFields names the public fields of b that differ from old, in
// a fixed order: what a correction of a published lot changed.
func (b *Batch) CorrectedFields(old *Batch) []string {
	var out []string
	add := func(field string, changed bool) {
		if changed {
			out = append(out, field)
		}
	}
	add("lot_code", b.LotCode != old.LotCode)
	add("quantity", b.Quantity != old.Quantity || b.Unit != old.Unit)
	add("harvested_on", b.HarvestedOn != old.HarvestedOn)
	add("produced_on", b.ProducedOn != old.ProducedOn)
	add("expires_on", b.ExpiresOn != old.ExpiresOn)
	add("facility_id", b.FacilityID != old.FacilityID)
	add("source_plot_ids", !slices.Equal(b.SourcePlotIDs, old.SourcePlotIDs))
	add("certificate_ids", !slices.Equal(b.CertificateIDs, old.CertificateIDs))
	add("dds_reference", b.DDSReference != old.DDSReference)
	return out
}

// Recall records why and when a lot was recalled, and by whom.
type Recall struct {
	Reason   string    `json:"reason" bson:"reason"`
	On       Date      `json:"on" bson:"on"`
	By       string    `json:"by" bson:"by"`
	At       time.Time `json:"at" bson:"at"`
	Upstream string    `json:"upstream,omitempty" bson:"upstream,omitempty"` // the lot whose recall this follows
	// Lifted is set on a past recall: why and when it ended.
	Lifted *RecallLift `json:"lifted,omitempty" bson:"lifted,omitempty"`
}

// RecallLift ends a recall.
type RecallLift struct {
	Reason string    `json:"reason" bson:"reason"`
	On     Date      `json:"on" bson:"on"`
	By     string    `json:"by,omitempty" bson:"by,omitempty"`
	At     time.Time `json:"at" bson:"at"`
}

// Validate checks a batch before it is written.
func (b *Batch) Validate() error {
	var p Problems
	checkRef(&p, "enterprise_id", b.EnterpriseID, true)
	checkRef(&p, "product_id", b.ProductID, true)
	if err := gs1.ValidateLot(b.LotCode); err != nil {
		en, vi := err.Error(), err.Error()
		if ge, ok := err.(*gs1.Error); ok {
			en, vi = ge.Message, ge.MessageVI
		}
		p.Add("lot_code", "lot", en, vi)
	}
	if math.IsNaN(b.Quantity) || math.IsInf(b.Quantity, 0) || b.Quantity <= 0 || b.Quantity > 1e9 {
		p.Add("quantity", "range", "must be more than 0 and at most 1,000,000,000", "phải lớn hơn 0 và không quá 1.000.000.000")
	}
	oneOf(&p, "unit", b.Unit, Units)
	produced, okProduced := checkDate(&p, "produced_on", b.ProducedOn, false)
	harvested, okHarvested := checkDate(&p, "harvested_on", b.HarvestedOn, false)
	expires, okExpires := checkDate(&p, "expires_on", b.ExpiresOn, false)
	if okProduced && okExpires && !expires.After(produced) {
		p.Add("expires_on", "date_order", "must be after the production date", "phải sau ngày sản xuất")
	}
	if okHarvested && okProduced && produced.Before(harvested) {
		p.Add("produced_on", "date_order", "must not be before the harvest date", "không được trước ngày thu hoạch")
	}
	checkRef(&p, "facility_id", b.FacilityID, false)
	checkRefs(&p, "source_plot_ids", b.SourcePlotIDs, 200)
	checkRefs(&p, "certificate_ids", b.CertificateIDs, 50)
	checkText(&p, "dds_reference", b.DDSReference, 100)
	oneOf(&p, "status", b.Status, []string{BatchDraft, BatchPublished, BatchRecalled})
	return p.Err()
}

// checkRefs checks a list of record IDs: well formed, no duplicates, at most max.
func checkRefs(p *Problems, field string, ids []string, max int) {
	if len(ids) > max {
		p.Add(field, "max_items", "too many items", "quá nhiều mục")
		return
	}
	seen := make(map[string]bool, len(ids))
	for _, id := range ids {
		if !ValidID(id) {
			p.Add(field, "id", "each must be a record ID (24 hex digits)", "mỗi mục phải là mã bản ghi (24 chữ số thập lục phân)")
			return
		}
		if seen[id] {
			p.Add(field, "duplicate", "lists the same record twice", "có một bản ghi bị lặp lại")
			return
		}
		seen[id] = true
	}
}

// BatchFilter selects batches in a list.
type BatchFilter struct {
	EnterpriseID string
	ProductID    string
	LotCode      string
	// LotCodePrefix lists the enterprise's lots whose code starts with it,
	// in code order; it needs EnterpriseID and goes with no other filter.
	LotCodePrefix string
	// FacilityID lists the lots made at the facility, SourcePlotID those
	// harvested from the plot: newest first, each with no other filter.
	FacilityID   string
	SourcePlotID string
	Status       string
	Page         Page
}

// BatchService keeps batches.
type BatchService interface {
	// CreateBatch validates and stores b, giving it a short code. EINVALID,
	// also (rule "exists") when the product, a plot or a certificate does not
	// exist or is another enterprise's; ECONFLICT if the product already has
	// that lot code.
	CreateBatch(ctx context.Context, b *Batch) error
	// FindBatch returns ENOTFOUND if no batch has that ID.
	FindBatch(ctx context.Context, id string) (*Batch, error)
	// FindBatchByLot returns ENOTFOUND if the product has no batch with that lot code.
	FindBatchByLot(ctx context.Context, productID, lotCode string) (*Batch, error)
	// FindBatchByShortCode returns ENOTFOUND if no batch has that code.
	FindBatchByShortCode(ctx context.Context, code string) (*Batch, error)
	// ListBatches returns one page of batches matching f and the next cursor.
	ListBatches(ctx context.Context, f BatchFilter) ([]*Batch, string, error)
	// UpdateBatch stores b if its Version is still the stored one. EINVALID, ENOTFOUND, ESTALE.
	UpdateBatch(ctx context.Context, b *Batch) error
}

// PublicView is a copy of the lot holding only what its public page shows:
// no stamps, no version, no draft state beyond its status.
func (b *Batch) PublicView() *Batch {
	return &Batch{ID: b.ID, EnterpriseID: b.EnterpriseID, ProductID: b.ProductID, LotCode: b.LotCode,
		Quantity: b.Quantity, Unit: b.Unit, ProducedOn: b.ProducedOn, HarvestedOn: b.HarvestedOn, ExpiresOn: b.ExpiresOn,
		FacilityID: b.FacilityID, SourcePlotIDs: b.SourcePlotIDs, CertificateIDs: b.CertificateIDs,
		DDSReference: b.DDSReference, Status: b.Status, Recall: publicRecall(b.Recall), PastRecalls: publicPastRecalls(b.PastRecalls),
		Corrections: publicCorrections(b.Corrections),
		ShortCode:   b.ShortCode}
}

// publicCorrections leaves out who made each correction.
func publicCorrections(cs []Correction) []Correction {
	if len(cs) == 0 {
		return nil
	}
	out := make([]Correction, len(cs))
	for i, c := range cs {
		out[i] = Correction{At: c.At, Fields: c.Fields, Reason: c.Reason}
	}
	return out
}

// publicRecall leaves out who recorded the recall (or its lifting).
func publicRecall(r *Recall) *Recall {
	if r == nil {
		return nil
	}
	out := &Recall{Reason: r.Reason, On: r.On, At: r.At, Upstream: r.Upstream}
	if l := r.Lifted; l != nil {
		out.Lifted = &RecallLift{Reason: l.Reason, On: l.On, At: l.At}
	}
	return out
}

func publicPastRecalls(rs []Recall) []Recall {
	var out []Recall
	for i := range rs {
		out = append(out, *publicRecall(&rs[i]))
	}
	return out
}
