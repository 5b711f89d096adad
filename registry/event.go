package registry

import (
	"context"
	"math"
	"time"
)

// Event kinds, after GS1 EPCIS 2.0.
const (
	EventObject         = "object"
	EventAggregation    = "aggregation"
	EventTransformation = "transformation"
	EventTransaction    = "transaction"
	EventAssociation    = "association"
)

// EventKinds lists the accepted values of TraceEvent.Kind.
var EventKinds = []string{EventObject, EventAggregation, EventTransformation, EventTransaction, EventAssociation}

// BusinessSteps are the "why" of an event (EPCIS CBV business steps, the ones met here).
var BusinessSteps = []string{"commissioning", "harvesting", "drying", "hulling", "sorting", "fermenting", "roasting",
	"grinding", "packing", "storing", "shipping", "receiving", "inspecting", "testing", "transforming", "destroying", "other"}

// Dispositions are the state of the goods after an event (EPCIS CBV, the ones met here).
var Dispositions = []string{"active", "in_progress", "in_transit", "conformant", "non_conformant", "recalled", "destroyed", "sold"}

// Quantity is an amount of one batch.
type Quantity struct {
	BatchID  string  `json:"batch_id" bson:"batch_id"`
	Quantity float64 `json:"quantity" bson:"quantity"`
	Unit     string  `json:"unit" bson:"unit"`
}

// TraceEvent is one thing that happened to batches: what (batches and
// quantities), when (time with its zone), where (facility), why (business step
// and disposition). A transformation consumes inputs and produces outputs.
type TraceEvent struct {
	ID           string    `json:"id" bson:"_id"`
	EnterpriseID string    `json:"enterprise_id" bson:"enterprise_id"`
	Kind         string    `json:"kind" bson:"kind"`
	EventTime    time.Time `json:"event_time" bson:"event_time"`
	// EventTimeZone is the offset where it happened, e.g. "+07:00".
	EventTimeZone string     `json:"event_time_zone" bson:"event_time_zone"`
	BusinessStep  string     `json:"business_step" bson:"business_step"`
	Disposition   string     `json:"disposition,omitempty" bson:"disposition,omitempty"`
	FacilityID    string     `json:"facility_id,omitempty" bson:"facility_id,omitempty"`
	Batches       []Quantity `json:"batches,omitempty" bson:"batches,omitempty"` // object, aggregation, transaction, association
	Inputs        []Quantity `json:"inputs,omitempty" bson:"inputs,omitempty"`   // transformation
	Outputs       []Quantity `json:"outputs,omitempty" bson:"outputs,omitempty"` // transformation
	// Counterparty is the enterprise goods came from or went to (one step back, one step forward).
	CounterpartyTaxCode string    `json:"counterparty_tax_code,omitempty" bson:"counterparty_tax_code,omitempty"`
	Note                string    `json:"note,omitempty" bson:"note,omitempty"`
	IdempotencyKey      string    `json:"idempotency_key,omitempty" bson:"idempotency_key,omitempty"`
	RecordedAt          time.Time `json:"recorded_at" bson:"recorded_at"`
	RecordedBy          string    `json:"recorded_by,omitempty" bson:"recorded_by,omitempty"`
	// ErrorDeclaration is set when the event was recorded in error (EPCIS
	// 2.0's errorDeclaration): it stays, marked, and no longer links lots.
	ErrorDeclaration *ErrorDeclaration `json:"error_declaration,omitempty" bson:"error_declaration,omitempty"`
}

// ErrorDeclaration voids an event: an event is never changed or deleted,
// so a wrong one is declared an error, with why (and then recorded again,
// right).
type ErrorDeclaration struct {
	DeclaredAt time.Time `json:"declaration_time" bson:"declared_at"`
	Reason     string    `json:"reason" bson:"reason"`
	By         string    `json:"by,omitempty" bson:"by,omitempty"`
}

// Voided reports whether the event was declared an error.
func (e *TraceEvent) Voided() bool { return e.ErrorDeclaration != nil }

// Validate checks an event before it is written: its shape by kind, times,
// quantities, and that no batch is both input and output.
func (e *TraceEvent) Validate(now time.Time) error {
	var p Problems
	checkRef(&p, "enterprise_id", e.EnterpriseID, true)
	oneOf(&p, "kind", e.Kind, EventKinds)
	if e.EventTime.IsZero() {
		p.Add("event_time", "required", "is required", "là bắt buộc")
	} else if e.EventTime.After(now.Add(24 * time.Hour)) {
		p.Add("event_time", "future", "must not be in the future", "không được ở tương lai")
	} else if e.EventTime.Year() < 2000 {
		p.Add("event_time", "date_range", "must be after the year 2000", "phải sau năm 2000")
	}
	if _, err := time.Parse("-07:00", e.EventTimeZone); err != nil {
		p.Add("event_time_zone", "time_zone", "must be an offset such as +07:00", "phải là độ lệch múi giờ, ví dụ +07:00")
	}
	oneOf(&p, "business_step", e.BusinessStep, BusinessSteps)
	if e.Disposition != "" {
		oneOf(&p, "disposition", e.Disposition, Dispositions)
	}
	checkRef(&p, "facility_id", e.FacilityID, false)
	if e.CounterpartyTaxCode != "" {
		checkTaxCode(&p, "counterparty_tax_code", e.CounterpartyTaxCode)
	}
	checkText(&p, "note", e.Note, 2000)
	checkText(&p, "idempotency_key", e.IdempotencyKey, 100)

	if e.Kind == EventTransformation {
		if len(e.Inputs) == 0 {
			p.Add("inputs", "required", "a transformation consumes at least one input batch", "sự kiện chế biến cần ít nhất một lô đầu vào")
		}
		if len(e.Outputs) == 0 {
			p.Add("outputs", "required", "a transformation produces at least one output batch", "sự kiện chế biến cần ít nhất một lô đầu ra")
		}
		if len(e.Batches) > 0 {
			p.Add("batches", "transformation", "a transformation lists inputs and outputs, not batches", "sự kiện chế biến ghi đầu vào và đầu ra, không ghi danh sách lô")
		}
	} else {
		if len(e.Batches) == 0 {
			p.Add("batches", "required", "at least one batch", "cần ít nhất một lô")
		}
		if len(e.Inputs) > 0 || len(e.Outputs) > 0 {
			p.Add("inputs", "not_transformation", "only a transformation has inputs and outputs", "chỉ sự kiện chế biến mới có đầu vào và đầu ra")
		}
	}
	checkQuantities(&p, "batches", e.Batches)
	checkQuantities(&p, "inputs", e.Inputs)
	checkQuantities(&p, "outputs", e.Outputs)
	for _, in := range e.Inputs {
		for _, out := range e.Outputs {
			if in.BatchID == out.BatchID {
				p.Add("outputs", "cycle", "a batch cannot be both input and output", "một lô không thể vừa là đầu vào vừa là đầu ra")
			}
		}
	}
	return p.Err()
}

func checkQuantities(p *Problems, field string, qs []Quantity) {
	if len(qs) > 500 {
		p.Add(field, "max_items", "at most 500 batches", "tối đa 500 lô")
		return
	}
	seen := map[string]bool{}
	for _, q := range qs {
		if !ValidID(q.BatchID) {
			p.Add(field, "id", "each batch_id must be a record ID (24 hex digits)", "mỗi batch_id phải là mã bản ghi (24 chữ số thập lục phân)")
			return
		}
		if seen[q.BatchID] {
			p.Add(field, "duplicate", "lists the same batch twice", "có một lô bị lặp lại")
			return
		}
		seen[q.BatchID] = true
		if math.IsNaN(q.Quantity) || math.IsInf(q.Quantity, 0) || q.Quantity < 0 || q.Quantity > 1e9 {
			p.Add(field, "range", "quantities must be between 0 and 1,000,000,000", "số lượng phải từ 0 đến 1.000.000.000")
			return
		}
		if q.Unit != "" {
			oneOf(p, field+".unit", q.Unit, Units)
		}
	}
}

// BatchIDs returns every batch the event names.
func (e *TraceEvent) BatchIDs() []string {
	var ids []string
	for _, list := range [][]Quantity{e.Batches, e.Inputs, e.Outputs} {
		for _, q := range list {
			ids = append(ids, q.BatchID)
		}
	}
	return ids
}

// EventService keeps trace events.
type EventService interface {
	// CreateEvent validates and stores e. EINVALID, including a transformation
	// that would make a cycle in the genealogy (rule "cycle") and a batch or
	// facility that does not exist or belongs to another enterprise (rule
	// "exists"; inputs need only exist). A repeat with the same enterprise and
	// idempotency key returns the first event unchanged.
	CreateEvent(ctx context.Context, e *TraceEvent) error
	// ListBatchEvents returns a batch's events, oldest first.
	ListBatchEvents(ctx context.Context, batchID string) ([]*TraceEvent, error)
	// Genealogy walks transformations from a batch: up to its sources
	// (toward the farm plots) or down to every batch made from it. Events
	// declared errors link nothing.
	Genealogy(ctx context.Context, batchID string, direction string, depth int) (*Genealogy, error)
	// FindEvent returns ENOTFOUND if no event has that ID.
	FindEvent(ctx context.Context, id string) (*TraceEvent, error)
	// DeclareEventError marks the event recorded in error, by the actor in
	// ctx, and returns it. EINVALID: "reason" (3 to 500 characters),
	// "error_declaration" (rule "declared") when it already is; a
	// transformation is refused (rule "outputs") while a lot it made is
	// used by a later event. ENOTFOUND.
	DeclareEventError(ctx context.Context, id, reason string) (*TraceEvent, error)
}

// Genealogy directions.
const (
	Upstream   = "up"
	Downstream = "down"
)

// Genealogy is the graph of batches linked by transformations around a root batch.
type Genealogy struct {
	Root    string          `json:"root"`
	Batches []*Batch        `json:"batches"`
	Links   []GenealogyLink `json:"links"`
	// Plots are the farm plots reached going up.
	Plots []*Facility `json:"plots,omitempty"`
}

// GenealogyLink says that event made To from From.
type GenealogyLink struct {
	From    string `json:"from"`
	To      string `json:"to"`
	EventID string `json:"event_id"`
}

// SeenBy returns the genealogy as a viewer may see it. Admins and inspectors
// see everything. Anyone else sees the enterprise's own lots and plots whole
// (the viewer's EnterpriseID; "" for the public), other enterprises' lots and
// plots only as their public page shows them, and no one else's drafts, nor
// anything reached only through one.
func (g *Genealogy) SeenBy(a Actor) *Genealogy {
	if a.Role == RoleAdmin || a.Role == RoleInspector {
		return g
	}
	mine := func(enterpriseID string) bool { return a.EnterpriseID != "" && enterpriseID == a.EnterpriseID }
	visible := map[string]*Batch{}
	for _, b := range g.Batches {
		if mine(b.EnterpriseID) || b.Status != BatchDraft || b.ID == g.Root {
			visible[b.ID] = b
		}
	}
	// Keep what the root still reaches through links between visible lots.
	reached := map[string]bool{g.Root: true}
	var links []GenealogyLink
	for grew := true; grew; {
		grew = false
		for _, l := range g.Links {
			if visible[l.From] == nil || visible[l.To] == nil || reached[l.From] == reached[l.To] {
				continue
			}
			reached[l.From], reached[l.To] = true, true
			grew = true
		}
	}
	for _, l := range g.Links {
		if reached[l.From] && reached[l.To] {
			links = append(links, l)
		}
	}
	out := &Genealogy{Root: g.Root, Links: links}
	plots := map[string]bool{}
	for _, b := range g.Batches {
		if !reached[b.ID] || visible[b.ID] == nil {
			continue
		}
		if !mine(b.EnterpriseID) {
			b = b.PublicView()
		}
		out.Batches = append(out.Batches, b)
		for _, id := range b.SourcePlotIDs {
			plots[id] = true
		}
	}
	for _, f := range g.Plots {
		switch {
		case !plots[f.ID]:
		case mine(f.EnterpriseID):
			out.Plots = append(out.Plots, f)
		default:
			out.Plots = append(out.Plots, f.PublicView())
		}
	}
	return out
}
