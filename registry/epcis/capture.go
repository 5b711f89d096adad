package epcis

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/tracereg/tracereg/registry"
	"github.com/tracereg/tracereg/registry/gs1"
)

// MaxEvents bounds the events of one captured document.
const MaxEvents = 10000

// Lookups are what capture needs from the store to turn identifiers into records.
type Lookups interface {
	FindProductByGTIN(ctx context.Context, gtin14 string) (*registry.Product, error)
	FindBatchByLot(ctx context.Context, productID, lotCode string) (*registry.Batch, error)
	FindBatchByShortCode(ctx context.Context, code string) (*registry.Batch, error)
	FindFacilityByGLN(ctx context.Context, gln string) (*registry.Facility, error)
	FindFacility(ctx context.Context, id string) (*registry.Facility, error)
}

// capturedDoc is the part of an EPCIS document capture reads.
type capturedDoc struct {
	Type string `json:"type"`
	Body *struct {
		EventList []json.RawMessage `json:"eventList"`
	} `json:"epcisBody"`
}

type capturedEvent struct {
	Type                string      `json:"type"`
	EventID             string      `json:"eventID"`
	EventTime           string      `json:"eventTime"`
	EventTimeZoneOffset string      `json:"eventTimeZoneOffset"`
	Action              string      `json:"action"`
	EPCList             []string    `json:"epcList"`
	ChildEPCs           []string    `json:"childEPCs"`
	InputEPCList        []string    `json:"inputEPCList"`
	OutputEPCList       []string    `json:"outputEPCList"`
	QuantityList        []capturedQ `json:"quantityList"`
	ChildQuantityList   []capturedQ `json:"childQuantityList"`
	InputQuantityList   []capturedQ `json:"inputQuantityList"`
	OutputQuantityList  []capturedQ `json:"outputQuantityList"`
	BizStep             string      `json:"bizStep"`
	Disposition         string      `json:"disposition"`
	BizLocation         *Location   `json:"bizLocation"`
	ReadPoint           *Location   `json:"readPoint"`
}

type capturedQ struct {
	EPCClass string   `json:"epcClass"`
	Quantity *float64 `json:"quantity"`
	UOM      string   `json:"uom"`
}

// Capture reads an EPCIS 2.0 document's events as the enterprise's trace
// events, resolving lot classes and places through lk. Every problem is
// named by its JSON pointer in the document (/epcisBody/eventList/3/bizStep)
// and its rule; nothing is returned unless every event reads. An eventID is
// the event's idempotency key, so capturing a document twice records it once;
// an eventID this registry wrote (base/e/{id}) may name a stored event:
// own is true for it, with ID set, for the caller to look up and not record
// again.
func Capture(ctx context.Context, lk Lookups, base, enterpriseID string, doc []byte) (events []*registry.TraceEvent, own []bool, err error) {
	var p registry.Problems
	var d capturedDoc
	dec := json.NewDecoder(bytes.NewReader(doc))
	dec.UseNumber()
	if err := dec.Decode(&d); err != nil {
		return nil, nil, registry.Errorf(registry.EMALFORMED, "The body is not a JSON EPCIS document: "+err.Error(),
			"Nội dung không phải tài liệu EPCIS dạng JSON: "+err.Error())
	}
	switch {
	case d.Type != "EPCISDocument":
		p.Add("/type", "epcis_document", `must be "EPCISDocument"`, `phải là "EPCISDocument"`)
	case d.Body == nil:
		p.Add("/epcisBody", "required", "is required", "là bắt buộc")
	case len(d.Body.EventList) == 0:
		p.Add("/epcisBody/eventList", "required", "must hold at least one event", "cần ít nhất một sự kiện")
	case len(d.Body.EventList) > MaxEvents:
		p.Add("/epcisBody/eventList", "max_items", fmt.Sprintf("at most %d events a document", MaxEvents),
			fmt.Sprintf("tối đa %d sự kiện mỗi tài liệu", MaxEvents))
	}
	if !p.Empty() {
		return nil, nil, p.Err()
	}
	r := &capture{ctx: ctx, lk: lk, base: base, enterpriseID: enterpriseID, classes: map[string]*registry.Batch{}, places: map[string]*registry.Facility{}}
	for i, raw := range d.Body.EventList {
		ptr := fmt.Sprintf("/epcisBody/eventList/%d", i)
		var ce capturedEvent
		if err := json.Unmarshal(raw, &ce); err != nil {
			p.Add(ptr, "type", "is not an EPCIS event object: "+err.Error(), "không phải đối tượng sự kiện EPCIS: "+err.Error())
			continue
		}
		var ep registry.Problems
		r.p = &ep
		ev, mine, err := r.event(ptr, &ce)
		if err != nil {
			return nil, nil, err // the database, not the document
		}
		p.Merge("", ep.Err())
		if ep.Empty() {
			ev.EnterpriseID = enterpriseID
			events = append(events, ev)
			own = append(own, mine)
		}
	}
	if err := p.Err(); err != nil {
		return nil, nil, err
	}
	return events, own, nil
}

type capture struct {
	ctx          context.Context
	enterpriseID string
	lk           Lookups
	base         string
	p            *registry.Problems
	classes      map[string]*registry.Batch
	places       map[string]*registry.Facility
}

var kinds = map[string]string{"ObjectEvent": registry.EventObject, "AggregationEvent": registry.EventAggregation,
	"TransformationEvent": registry.EventTransformation, "TransactionEvent": registry.EventTransaction}

func (r *capture) event(ptr string, ce *capturedEvent) (*registry.TraceEvent, bool, error) {
	ev := &registry.TraceEvent{Kind: kinds[ce.Type], EventTimeZone: ce.EventTimeZoneOffset}
	if ev.Kind == "" {
		r.p.Add(ptr+"/type", "one_of", "must be ObjectEvent, AggregationEvent, TransformationEvent or TransactionEvent",
			"phải là ObjectEvent, AggregationEvent, TransformationEvent hoặc TransactionEvent")
	}
	t, err := time.Parse(time.RFC3339Nano, ce.EventTime)
	if err != nil {
		r.p.Add(ptr+"/eventTime", "date_time", "must be a date and time such as 2026-01-10T08:00:00+07:00",
			"phải là ngày giờ, ví dụ 2026-01-10T08:00:00+07:00")
	}
	ev.EventTime = t
	if _, err := time.Parse("-07:00", ce.EventTimeZoneOffset); err != nil {
		r.p.Add(ptr+"/eventTimeZoneOffset", "time_zone", "must be an offset such as +07:00", "phải là độ lệch múi giờ, ví dụ +07:00")
	}
	if ev.Kind != registry.EventTransformation && ce.Type != "" && !slices.Contains([]string{"ADD", "OBSERVE", "DELETE"}, ce.Action) {
		r.p.Add(ptr+"/action", "one_of", "must be ADD, OBSERVE or DELETE", "phải là ADD, OBSERVE hoặc DELETE")
	}
	ev.BusinessStep = r.vocab(ptr+"/bizStep", ce.BizStep, "bizstep", registry.BusinessSteps, true)
	ev.Disposition = r.vocab(ptr+"/disposition", ce.Disposition, "disp", registry.Dispositions, false)
	for _, l := range []struct {
		field string
		ids   []string
	}{{"epcList", ce.EPCList}, {"childEPCs", ce.ChildEPCs}, {"inputEPCList", ce.InputEPCList}, {"outputEPCList", ce.OutputEPCList}} {
		if len(l.ids) > 0 {
			r.p.Add(ptr+"/"+l.field, "instance_level", "the registry keeps lots, not single items: give quantities of lot classes (quantityList)",
				"hệ thống quản lý theo lô, không theo từng sản phẩm: hãy ghi số lượng theo lô (quantityList)")
		}
	}
	var err2 error
	switch ev.Kind {
	case registry.EventTransformation:
		if ev.Inputs, err2 = r.quantities(ptr+"/inputQuantityList", ce.InputQuantityList); err2 == nil {
			ev.Outputs, err2 = r.quantities(ptr+"/outputQuantityList", ce.OutputQuantityList)
		}
	case registry.EventAggregation:
		ev.Batches, err2 = r.quantities(ptr+"/childQuantityList", ce.ChildQuantityList)
	default:
		ev.Batches, err2 = r.quantities(ptr+"/quantityList", ce.QuantityList)
	}
	if err2 != nil {
		return nil, false, err2
	}
	loc := ce.BizLocation
	field := "/bizLocation/id"
	if loc == nil {
		loc, field = ce.ReadPoint, "/readPoint/id"
	}
	if loc != nil {
		f, err := r.place(ptr+field, loc.ID)
		if err != nil {
			return nil, false, err
		}
		if f != nil {
			ev.FacilityID = f.ID
		}
	}
	own := false
	switch id := ce.EventID; {
	case strings.HasPrefix(id, r.base+"/e/") && registry.ValidID(strings.TrimPrefix(id, r.base+"/e/")):
		// Written by this registry: the stored event, if the caller finds it.
		own, ev.ID, ev.IdempotencyKey = true, strings.TrimPrefix(id, r.base+"/e/"), id
	case len(id) > 100:
		sum := sha256.Sum256([]byte(id))
		ev.IdempotencyKey = "epcis:" + hex.EncodeToString(sum[:])
	case id != "":
		ev.IdempotencyKey = id
	}
	return ev, own, nil
}

// vocab reads a CBV term in any of its forms (bare, the ref.gs1.org URI,
// the urn:epcglobal:cbv URN) or one of the registry's own URNs, and checks
// that the registry knows it.
func (r *capture) vocab(field, v, kind string, known []string, required bool) string {
	if v == "" {
		if required {
			r.p.Add(field, "required", "is required", "là bắt buộc")
		}
		return ""
	}
	name := Term(v, kind)
	if !slices.Contains(known, name) {
		r.p.Add(field, "one_of", "is not a "+kind+" the registry keeps: one of "+strings.Join(known, ", "),
			"không thuộc danh mục của hệ thống: một trong "+strings.Join(known, ", "))
		return ""
	}
	return name
}

func (r *capture) quantities(field string, qs []capturedQ) ([]registry.Quantity, error) {
	var out []registry.Quantity
	for i, q := range qs {
		ptr := fmt.Sprintf("%s/%d", field, i)
		b, err := r.class(ptr+"/epcClass", q.EPCClass)
		if err != nil {
			return nil, err
		}
		if q.Quantity == nil || *q.Quantity <= 0 {
			r.p.Add(ptr+"/quantity", "positive", "must be a quantity above 0", "phải là số lượng lớn hơn 0")
			continue
		}
		unit := ""
		if q.UOM == "" {
			unit = "" // counted in the lot's own unit
		} else {
			for k, code := range units {
				if code == q.UOM {
					unit = k
				}
			}
			if unit == "" {
				r.p.Add(ptr+"/uom", "one_of", "is not a unit the registry keeps (KGM, TNE, GRM, LTR, MLT, XBG, XBX, XCT, H87, XBO, XJR, XPX)",
					"không phải đơn vị hệ thống quản lý (KGM, TNE, GRM, LTR, MLT, XBG, XBX, XCT, H87, XBO, XJR, XPX)")
				continue
			}
		}
		if b == nil {
			continue
		}
		if unit == "" {
			unit = b.Unit
		}
		out = append(out, registry.Quantity{BatchID: b.ID, Quantity: *q.Quantity, Unit: unit})
	}
	if len(qs) == 0 {
		r.p.Add(field, "required", "must name at least one lot class and quantity", "cần ít nhất một lô và số lượng")
	}
	return out, nil
}

// class finds the lot a class identifier names: a GS1 Digital Link of GTIN
// and lot on any host (/01/{gtin}/10/{lot}), an LGTIN URN, or a lot page
// of this registry (/l/{short code}).
func (r *capture) class(field, uri string) (*registry.Batch, error) {
	if b, ok := r.classes[uri]; ok {
		if b == nil {
			r.unknownClass(field)
		}
		return b, nil
	}
	if gtin, _, short := parseClass(uri, r.base); gtin == "" && short == "" {
		r.p.Add(field, "epc_class", "must be a lot's GS1 Digital Link (…/01/{GTIN}/10/{lot}), an LGTIN URN or a lot page of this registry",
			"phải là GS1 Digital Link của lô (…/01/{GTIN}/10/{lô}), URN LGTIN hoặc trang lô của hệ thống này")
		return nil, nil
	}
	b, err := FindClass(r.ctx, r.lk, r.base, uri)
	if err != nil {
		return nil, err
	}
	if b != nil && b.Status == registry.BatchDraft && b.EnterpriseID != r.enterpriseID {
		b = nil // another's draft is not public: it answers as unknown
	}
	r.classes[uri] = b
	if b == nil {
		r.unknownClass(field)
	}
	return b, nil
}

func (r *capture) unknownClass(field string) {
	r.p.Add(field, "exists", "names no lot registered here", "không ứng với lô hàng nào đã đăng ký")
}

// parseClass splits a class identifier: GTIN-14 and lot, or a short code.
func parseClass(uri, base string) (gtin, lot, short string) {
	if rest, ok := strings.CutPrefix(uri, "urn:epc:class:lgtin:"); ok {
		parts := strings.SplitN(rest, ".", 3)
		if len(parts) != 3 || len(parts[0])+len(parts[1]) != 13 || parts[1] == "" {
			return "", "", ""
		}
		body := parts[1][:1] + parts[0] + parts[1][1:]
		c, err := gs1.CheckDigit(body)
		if err != nil {
			return "", "", ""
		}
		l, err := url.PathUnescape(parts[2])
		if err != nil {
			return "", "", ""
		}
		return body + string(c), l, ""
	}
	u, err := url.Parse(uri)
	if err != nil || u.Scheme != "https" && u.Scheme != "http" {
		return "", "", ""
	}
	if code, ok := strings.CutPrefix(uri, base+"/l/"); ok && !strings.Contains(code, "/") {
		return "", "", code
	}
	// A Digital Link may sit under a path prefix on its host: find /01/.
	path := u.EscapedPath()
	i := strings.Index(path, "/01/")
	if i < 0 {
		return "", "", ""
	}
	dl, err := gs1.ParsePath(path[i:], "")
	if err != nil || dl.Lot == "" || dl.Serial != "" {
		return "", "", ""
	}
	return dl.GTIN, dl.Lot, ""
}

// place finds the facility a location identifier names: a GLN Digital Link
// (…/414/{GLN}), an SGLN URN, or urn:tracereg:facility:{id}.
func (r *capture) place(field, uri string) (*registry.Facility, error) {
	if f, ok := r.places[uri]; ok {
		if f == nil {
			r.p.Add(field, "exists", "names no place registered here", "không ứng với địa điểm nào đã đăng ký")
		}
		return f, nil
	}
	if gln, id := parsePlace(uri); gln == "" && id == "" {
		r.p.Add(field, "location", "must be a place's GLN Digital Link (…/414/{GLN}), an SGLN URN or urn:tracereg:facility:{id}",
			"phải là GS1 Digital Link GLN của địa điểm (…/414/{GLN}), URN SGLN hoặc urn:tracereg:facility:{id}")
		return nil, nil
	}
	f, err := FindPlace(r.ctx, r.lk, uri)
	if err != nil {
		return nil, err
	}
	r.places[uri] = f
	if f == nil {
		r.p.Add(field, "exists", "names no place registered here", "không ứng với địa điểm nào đã đăng ký")
	}
	return f, nil
}

func parsePlace(uri string) (gln, id string) {
	if rest, ok := strings.CutPrefix(uri, "urn:tracereg:facility:"); ok {
		if registry.ValidID(rest) {
			return "", rest
		}
		return "", ""
	}
	if rest, ok := strings.CutPrefix(uri, "urn:epc:id:sgln:"); ok {
		parts := strings.SplitN(rest, ".", 3)
		if len(parts) != 3 || len(parts[0])+len(parts[1]) != 12 {
			return "", ""
		}
		c, err := gs1.CheckDigit(parts[0] + parts[1])
		if err != nil {
			return "", ""
		}
		return parts[0] + parts[1] + string(c), ""
	}
	u, err := url.Parse(uri)
	if err != nil || u.Scheme != "https" && u.Scheme != "http" {
		return "", ""
	}
	path := u.EscapedPath()
	i := strings.Index(path, "/414/")
	if i < 0 {
		return "", ""
	}
	pl, err := gs1.ParsePlacePath(path[i:], "")
	if err != nil {
		return "", ""
	}
	return pl.GLN, ""
}

// FindClass is the lot a class identifier names, nil when none (drafts
// included: a query's caller is checked for the lot it finds).
func FindClass(ctx context.Context, lk Lookups, base, uri string) (*registry.Batch, error) {
	var b *registry.Batch
	var err error
	switch gtin, lot, short := parseClass(uri, base); {
	case gtin != "":
		var p *registry.Product
		if p, err = lk.FindProductByGTIN(ctx, gtin); err == nil {
			b, err = lk.FindBatchByLot(ctx, p.ID, lot)
		}
	case short != "":
		b, err = lk.FindBatchByShortCode(ctx, short)
	default:
		return nil, nil
	}
	if registry.ErrorCode(err) == registry.ENOTFOUND {
		return nil, nil
	}
	return b, err
}

// FindPlace is the facility a location identifier names, nil when none.
func FindPlace(ctx context.Context, lk Lookups, uri string) (*registry.Facility, error) {
	var f *registry.Facility
	var err error
	switch gln, id := parsePlace(uri); {
	case gln != "":
		f, err = lk.FindFacilityByGLN(ctx, gln)
	case id != "":
		f, err = lk.FindFacility(ctx, id)
	default:
		return nil, nil
	}
	if registry.ErrorCode(err) == registry.ENOTFOUND {
		return nil, nil
	}
	return f, err
}

// Kind is the registry's event kind of an EPCIS event type.
func Kind(eventType string) (string, bool) {
	k, ok := kinds[eventType]
	return k, ok
}

// Term is the registry's name of a CBV term (bizstep or disp) in any of
// its forms; unknown terms come back as given, and match nothing.
func Term(v, kind string) string {
	cbvURI := map[string]string{"bizstep": "https://ref.gs1.org/cbv/BizStep-", "disp": "https://ref.gs1.org/cbv/Disp-"}[kind]
	for _, prefix := range []string{cbvURI, "urn:epcglobal:cbv:" + kind + ":", "urn:tracereg:" + kind + ":"} {
		if s, ok := strings.CutPrefix(v, prefix); ok {
			return s
		}
	}
	return v
}
