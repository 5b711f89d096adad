// Package epcis writes the registry's trace events as a GS1 EPCIS 2.0
// JSON-LD document (EPCIS 2.0 and CBV 2.0, GS1 2022).
//
// Choices, where the standard leaves them to us:
//   - A lot is a class: its epcClass is the lot's GS1 Digital Link on the
//     registry (PUBLIC_BASE_URL/01/{GTIN}/10/{lot}), or its public page
//     (/l/{short code}) when its product has no GTIN.
//   - A place with a GLN is its Digital Link /414/{GLN}; other places are
//     urn:tracereg:facility:{id}.
//   - Business steps and dispositions outside CBV 2.0 (harvesting, roasting,
//     sold, ...) are urn:tracereg:bizstep:{name} and urn:tracereg:disp:{name}.
//   - Units are UN/ECE Recommendation 20 codes (kg KGM, bag XBG, ...).
//   - An event's ID is PUBLIC_BASE_URL/e/{id}: one record, one URI.
//   - Quantities of lots outside the document (not published, or not part
//     of this lot's history) are left out; an event left with none is too.
package epcis

import (
	"encoding/json"
	"slices"
	"time"

	"github.com/tracereg/tracereg/registry"
	"github.com/tracereg/tracereg/registry/gs1"
)

// Context is the EPCIS 2.0 JSON-LD context every document names.
const Context = "https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld"

// MediaType is the document's media type.
const MediaType = "application/ld+json"

// cbvSteps and cbvDispositions are the registry's values that are CBV 2.0 terms.
var (
	cbvSteps        = []string{"commissioning", "packing", "storing", "shipping", "receiving", "inspecting", "destroying", "other"}
	cbvDispositions = []string{"active", "in_progress", "in_transit", "conformant", "non_conformant", "recalled", "destroyed"}
)

// units maps the registry's units to UN/ECE Recommendation 20 codes.
var units = map[string]string{"kg": "KGM", "t": "TNE", "g": "GRM", "l": "LTR", "ml": "MLT",
	"bag": "XBG", "box": "XBX", "carton": "XCT", "piece": "H87", "bottle": "XBO", "jar": "XJR", "pallet": "XPX"}

// Input is what a document is made of.
type Input struct {
	Base     string // PUBLIC_BASE_URL, no trailing slash
	Created  time.Time
	Events   []*registry.TraceEvent
	Batches  map[string]*registry.Batch    // the lots the document may name, by ID
	Products map[string]*registry.Product  // their products, by ID
	Places   map[string]*registry.Facility // event facilities, by ID
}

// Document is an EPCIS 2.0 document.
type Document struct {
	Context       []string `json:"@context"`
	Type          string   `json:"type"`
	SchemaVersion string   `json:"schemaVersion"`
	CreationDate  string   `json:"creationDate"`
	Body          struct {
		EventList []Event `json:"eventList"`
	} `json:"epcisBody"`
}

// Event is one EPCIS event; which fields are set depends on its type.
type Event struct {
	Type                string     `json:"type"`
	EventID             string     `json:"eventID"`
	EventTime           string     `json:"eventTime"`
	RecordTime          string     `json:"recordTime,omitempty"`
	EventTimeZoneOffset string     `json:"eventTimeZoneOffset"`
	Action              string     `json:"action,omitempty"`
	QuantityList        []Quantity `json:"quantityList,omitempty"`
	ChildQuantityList   []Quantity `json:"childQuantityList,omitempty"`
	InputQuantityList   []Quantity `json:"inputQuantityList,omitempty"`
	OutputQuantityList  []Quantity `json:"outputQuantityList,omitempty"`
	BizStep             string     `json:"bizStep,omitempty"`
	Disposition         string     `json:"disposition,omitempty"`
	BizLocation         *Location  `json:"bizLocation,omitempty"`
	BizTransactionList  []BizTx    `json:"bizTransactionList,omitempty"`
	// ErrorDeclaration marks an event recorded in error.
	ErrorDeclaration *ErrorDeclaration `json:"errorDeclaration,omitempty"`
}

// ErrorDeclaration is EPCIS 2.0's: when, and the CBV reason.
type ErrorDeclaration struct {
	DeclarationTime string `json:"declarationTime"`
	Reason          string `json:"reason,omitempty"`
}

// Quantity is an amount of a class.
type Quantity struct {
	EPCClass string  `json:"epcClass"`
	Quantity float64 `json:"quantity"`
	UOM      string  `json:"uom,omitempty"`
}

// Location is a read point or business location.
type Location struct {
	ID string `json:"id"`
}

// BizTx is a business transaction reference.
type BizTx struct {
	Type           string `json:"type,omitempty"`
	BizTransaction string `json:"bizTransaction"`
}

// New builds the document of the input's events, oldest first.
func New(in Input) *Document {
	d := &Document{Context: []string{Context}, Type: "EPCISDocument", SchemaVersion: "2.0",
		CreationDate: in.Created.UTC().Format(time.RFC3339)}
	d.Body.EventList = []Event{}
	events := slices.Clone(in.Events)
	slices.SortStableFunc(events, func(a, b *registry.TraceEvent) int { return a.EventTime.Compare(b.EventTime) })
	for _, ev := range events {
		if e, ok := in.event(ev); ok {
			d.Body.EventList = append(d.Body.EventList, e)
		}
	}
	return d
}

// JSON is the document's text.
func (d *Document) JSON() ([]byte, error) { return json.Marshal(d) }

func (in Input) event(ev *registry.TraceEvent) (Event, bool) {
	e := Event{EventID: in.Base + "/e/" + ev.ID, EventTime: ev.EventTime.UTC().Format(time.RFC3339Nano),
		EventTimeZoneOffset: ev.EventTimeZone, BizStep: term(ev.BusinessStep, cbvSteps, "urn:tracereg:bizstep:"),
		Disposition: term(ev.Disposition, cbvDispositions, "urn:tracereg:disp:")}
	if !ev.RecordedAt.IsZero() {
		e.RecordTime = ev.RecordedAt.UTC().Format(time.RFC3339Nano)
	}
	if d := ev.ErrorDeclaration; d != nil {
		e.ErrorDeclaration = &ErrorDeclaration{DeclarationTime: d.DeclaredAt.UTC().Format(time.RFC3339Nano), Reason: "incorrect_data"}
	}
	if f := in.Places[ev.FacilityID]; f != nil {
		e.BizLocation = &Location{ID: in.placeURI(f)}
	}
	action := "OBSERVE"
	if ev.BusinessStep == "commissioning" || ev.BusinessStep == "harvesting" {
		action = "ADD" // the lot comes into being
	}
	switch ev.Kind {
	case registry.EventTransformation:
		e.Type = "TransformationEvent"
		e.InputQuantityList, e.OutputQuantityList = in.quantities(ev.Inputs), in.quantities(ev.Outputs)
		// EPCIS wants both sides: without a known input (one declared an
		// error no longer links its lots) it is left out.
		return e, len(e.InputQuantityList) > 0 && len(e.OutputQuantityList) > 0
	case registry.EventAggregation:
		e.Type, e.Action, e.ChildQuantityList = "AggregationEvent", action, in.quantities(ev.Batches)
		return e, len(e.ChildQuantityList) > 0
	case registry.EventTransaction:
		// The registry keeps the counterparty, not a document number: the
		// transaction is named by the event itself.
		e.Type, e.Action, e.QuantityList = "TransactionEvent", "OBSERVE", in.quantities(ev.Batches)
		e.BizTransactionList = []BizTx{{BizTransaction: "urn:tracereg:tx:" + ev.ID}}
		return e, len(e.QuantityList) > 0
	default: // object; an association of lots is observed as an object event
		e.Type, e.Action, e.QuantityList = "ObjectEvent", action, in.quantities(ev.Batches)
		return e, len(e.QuantityList) > 0
	}
}

// term is a CBV term as it is, anything else under the registry's prefix.
func term(v string, cbv []string, prefix string) string {
	if v == "" || slices.Contains(cbv, v) {
		return v
	}
	return prefix + v
}

func (in Input) quantities(qs []registry.Quantity) []Quantity {
	var out []Quantity
	for _, q := range qs {
		b := in.Batches[q.BatchID]
		if b == nil {
			continue
		}
		out = append(out, Quantity{EPCClass: in.ClassURI(b), Quantity: q.Quantity, UOM: units[q.Unit]})
	}
	return out
}

// ClassURI is the lot's class identifier.
func (in Input) ClassURI(b *registry.Batch) string {
	if p := in.Products[b.ProductID]; p != nil && p.GTIN != "" {
		return in.Base + gs1.DigitalLink{GTIN: p.GTIN, Lot: b.LotCode}.Path()
	}
	return in.Base + "/l/" + b.ShortCode
}

func (in Input) placeURI(f *registry.Facility) string {
	if f.GLN != "" {
		return in.Base + "/414/" + f.GLN
	}
	return "urn:tracereg:facility:" + f.ID
}

// QueryDocument is the answer of an EPCIS query: its events in an
// EPCISQueryDocument.
type QueryDocument struct {
	Context       []string `json:"@context"`
	Type          string   `json:"type"`
	SchemaVersion string   `json:"schemaVersion"`
	CreationDate  string   `json:"creationDate"`
	Body          struct {
		QueryResults struct {
			QueryName   string `json:"queryName"`
			ResultsBody struct {
				EventList []Event `json:"eventList"`
			} `json:"resultsBody"`
		} `json:"queryResults"`
	} `json:"epcisBody"`
}

// Query puts a document's events in an answer to the SimpleEventQuery.
func (d *Document) Query() *QueryDocument {
	q := &QueryDocument{Context: d.Context, Type: "EPCISQueryDocument", SchemaVersion: d.SchemaVersion, CreationDate: d.CreationDate}
	q.Body.QueryResults.QueryName = "SimpleEventQuery"
	q.Body.QueryResults.ResultsBody.EventList = d.Body.EventList
	return q
}
