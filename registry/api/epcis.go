package api

import (
	"context"
	"fmt"
	"mime"
	"slices"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/tracereg/tracereg/registry"
	"github.com/tracereg/tracereg/registry/epcis"
)

// EPCIS 2.0 capture and query (registry/epcis maps the events both ways).

// MaxEPCISClasses bounds the lot classes one query names.
const MaxEPCISClasses = 20

// captureResult is the answer of a capture.
type captureResult struct {
	Captured int            `json:"captured"`
	Replayed int            `json:"replayed"` // already recorded: same eventID, or this registry's own
	Events   []capturedItem `json:"events"`
}

type capturedItem struct {
	EventID  string `json:"event_id"` // the registry's ID of the event
	Replayed bool   `json:"replayed"`
}

func (a *API) mountEPCIS(g fiber.Router) {
	a.add(g, routeDoc{Method: "POST", Summary: "EPCIS 2.0 capture: record the events of an EPCISDocument (JSON or JSON-LD) for your enterprise, all or none; lots are classes (GS1 Digital Link of GTIN and lot, LGTIN URN or /l/{code}), places GLN Digital Links, SGLN URNs or urn:tracereg:facility:{id}",
		Tag: "epcis", Request: epcis.Document{}, Response: captureResult{}, Status: fiber.StatusCreated, Query: []string{"enterprise"}}, "/epcis/capture", a.epcisCapture)
	a.add(g, routeDoc{Method: "GET", Summary: "EPCIS 2.0 query (SimpleEventQuery): the events of the lots named by MATCH_anyEPCClass, filtered by eventType, GE_eventTime, LT_eventTime, EQ_bizStep, EQ_disposition, EQ_bizLocation",
		Tag: "epcis", Response: epcis.QueryDocument{},
		Query: []string{"MATCH_anyEPCClass", "eventType", "GE_eventTime", "LT_eventTime", "EQ_bizStep", "EQ_disposition", "EQ_bizLocation"}}, "/epcis/events", a.epcisEvents)
	a.add(g, routeDoc{Method: "GET", Summary: "A lot's events as an EPCIS 2.0 document, drafts included, for those who may read the lot",
		Tag: "epcis", Response: epcis.Document{}}, "/batches/:id/epcis", a.lotEPCIS)
}

func (a *API) publicBase(c *fiber.Ctx) string {
	if a.base != "" {
		return strings.TrimRight(a.base, "/")
	}
	return c.BaseURL()
}

func (a *API) epcisCapture(c *fiber.Ctx) error {
	me := actor(c)
	enterpriseID := me.EnterpriseID
	if enterpriseID == "" {
		enterpriseID = c.Query("enterprise")
		if enterpriseID == "" {
			if err := registry.Authorize(me, registry.ActCreate, registry.Resource{Kind: registry.KindEvent}); err != nil {
				return err
			}
			return fieldErr("enterprise", "required", "name the enterprise whose events these are (?enterprise={id})",
				"hãy nêu doanh nghiệp sở hữu các sự kiện (?enterprise={id})")
		}
	}
	if err := registry.Authorize(me, registry.ActCreate, registry.Resource{Kind: registry.KindEvent, EnterpriseID: enterpriseID}); err != nil {
		return err
	}
	if mt, _, _ := mime.ParseMediaType(c.Get(fiber.HeaderContentType)); mt != fiber.MIMEApplicationJSON && mt != epcis.MediaType {
		return registry.Errorf(registry.EMEDIATYPE, "Send the EPCIS document as application/json or application/ld+json.",
			"Hãy gửi tài liệu EPCIS dạng application/json hoặc application/ld+json.")
	}
	if len(c.Body()) > MaxImportBody {
		return registry.Errorf(registry.ETOOLARGE, fmt.Sprintf("An EPCIS document may be at most %d MiB.", MaxImportBody>>20),
			fmt.Sprintf("Tài liệu EPCIS tối đa %d MiB.", MaxImportBody>>20))
	}
	if _, err := a.store.FindEnterprise(c.UserContext(), enterpriseID); err != nil {
		return err
	}
	release, err := a.importSlot(c)
	if err != nil {
		return err
	}
	defer release()
	ctx := c.UserContext()
	events, own, err := epcis.Capture(ctx, a.store, a.publicBase(c), enterpriseID, c.Body())
	if err != nil {
		return err
	}
	// An eventID of this registry names a stored event of this enterprise,
	// or it is recorded as new (its eventID then its idempotency key).
	res := captureResult{Events: make([]capturedItem, len(events))}
	var todo []*registry.TraceEvent
	var at []int
	for i, ev := range events {
		if own[i] {
			stored, err := a.storedEvent(c, ev)
			if err != nil {
				return err
			}
			if stored {
				res.Events[i] = capturedItem{EventID: ev.ID, Replayed: true}
				res.Replayed++
				continue
			}
			ev.ID = ""
		}
		todo = append(todo, ev)
		at = append(at, i)
	}
	var p registry.Problems
	var created []*registry.TraceEvent
	err = a.store.InTx(ctx, func(ctx context.Context) error {
		results, err := a.store.CreateEvents(ctx, todo, true)
		if err != nil {
			return err
		}
		for n, r := range results {
			i := at[n]
			if r.Err != nil {
				p.Merge(fmt.Sprintf("/epcisBody/eventList/%d/", i), r.Err)
				continue
			}
			res.Events[i] = capturedItem{EventID: r.ID, Replayed: r.Replayed}
			if r.Replayed {
				res.Replayed++
			} else {
				res.Captured++
				created = append(created, todo[n])
			}
		}
		if !p.Empty() || len(created) == 0 {
			return nil
		}
		return a.store.AppendAudit(ctx, registry.NewAuditEntry(me, "event.capture", registry.KindEvent,
			fmt.Sprintf("%s+%d", created[0].ID, len(created)-1), enterpriseID, nil, created))
	})
	if err != nil {
		return err
	}
	if err := p.Err(); err != nil {
		return err
	}
	return c.Status(fiber.StatusCreated).JSON(res)
}

// storedEvent reports whether ev (its ID from this registry's eventID) is a
// stored event of its enterprise, found among the events of a lot it names.
func (a *API) storedEvent(c *fiber.Ctx, ev *registry.TraceEvent) (bool, error) {
	ids := ev.BatchIDs()
	if len(ids) == 0 {
		return false, nil
	}
	stored, err := a.store.ListBatchEvents(c.UserContext(), ids[0])
	if err != nil {
		return false, err
	}
	return slices.ContainsFunc(stored, func(s *registry.TraceEvent) bool {
		return s.ID == ev.ID && s.EnterpriseID == ev.EnterpriseID
	}), nil
}

func (a *API) epcisEvents(c *fiber.Ctx) error {
	me := actor(c)
	if me.Anonymous() {
		return registry.Authorize(me, registry.ActRead, registry.Resource{Kind: registry.KindEvent})
	}
	ctx := c.UserContext()
	base := a.publicBase(c)
	classes := splitList(c.Query("MATCH_anyEPCClass"))
	switch {
	case len(classes) == 0:
		return fieldErr("MATCH_anyEPCClass", "required", "name the lot classes whose events you want (comma-separated)",
			"hãy nêu các lô cần xem sự kiện (cách nhau bằng dấu phẩy)")
	case len(classes) > MaxEPCISClasses:
		return fieldErr("MATCH_anyEPCClass", "max_items", fmt.Sprintf("at most %d classes a query", MaxEPCISClasses),
			fmt.Sprintf("tối đa %d lô mỗi truy vấn", MaxEPCISClasses))
	}
	f, err := a.epcisFilter(c)
	if err != nil {
		return err
	}
	var lots []*registry.Batch
	for i, class := range classes {
		b, err := epcis.FindClass(ctx, a.store, base, class)
		if err != nil {
			return err
		}
		if b == nil || !a.mayRead(me, b) {
			// Unknown and not yours answer alike: nothing about the lot is told.
			return fieldErr(fmt.Sprintf("MATCH_anyEPCClass[%d]", i), "exists", "names no lot you can read", "không ứng với lô hàng bạn được xem")
		}
		lots = append(lots, b)
	}
	in, err := a.epcisInput(c, me, lots, f.keep)
	if err != nil {
		return err
	}
	c.Set(fiber.HeaderContentType, epcis.MediaType)
	return c.JSON(epcis.New(in).Query(), epcis.MediaType)
}

// epcisInput gathers the events of lots the caller may read (those keep
// accepts) with the lots, products and places they name: the lots the
// caller may read, or public ones.
func (a *API) epcisInput(c *fiber.Ctx, me registry.Actor, lots []*registry.Batch, keep func(*registry.TraceEvent) bool) (epcis.Input, error) {
	ctx := c.UserContext()
	in := epcis.Input{Base: a.publicBase(c), Created: a.clock.Now(), Batches: map[string]*registry.Batch{},
		Products: map[string]*registry.Product{}, Places: map[string]*registry.Facility{}}
	seen := map[string]bool{}
	for _, b := range lots {
		evs, err := a.store.ListBatchEvents(ctx, b.ID)
		if err != nil {
			return in, err
		}
		for _, ev := range evs {
			if !seen[ev.ID] && keep(ev) {
				seen[ev.ID] = true
				in.Events = append(in.Events, ev)
			}
		}
	}
	// The lots and places the events name: those the caller may read, or public.
	for _, ev := range in.Events {
		for _, id := range ev.BatchIDs() {
			if _, done := in.Batches[id]; done {
				continue
			}
			b, err := a.store.FindBatch(ctx, id)
			if registry.ErrorCode(err) == registry.ENOTFOUND {
				in.Batches[id] = nil
				continue
			}
			if err != nil {
				return in, err
			}
			if !a.mayRead(me, b) && b.Status == registry.BatchDraft {
				in.Batches[id] = nil
				continue
			}
			in.Batches[id] = b
			if in.Products[b.ProductID] == nil {
				p, err := a.store.FindProduct(ctx, b.ProductID)
				if err != nil {
					return in, err
				}
				in.Products[p.ID] = p
			}
		}
		if ev.FacilityID != "" && in.Places[ev.FacilityID] == nil {
			fac, err := a.store.FindFacility(ctx, ev.FacilityID)
			if err != nil && registry.ErrorCode(err) != registry.ENOTFOUND {
				return in, err
			}
			if fac != nil {
				in.Places[fac.ID] = fac.PublicView()
			}
		}
	}
	for id, b := range in.Batches {
		if b == nil {
			delete(in.Batches, id)
		}
	}
	return in, nil
}

// lotEPCIS answers GET /api/v1/batches/{id}/epcis: the lot's events, drafts
// included, for those who may read the lot, as an EPCIS 2.0 document
// (the public /l/{code}/epcis has only published lots).
func (a *API) lotEPCIS(c *fiber.Ctx) error {
	me := actor(c)
	b, err := load(c, batchResource(a), c.Params("id"), registry.ActRead)
	if err != nil {
		return err
	}
	in, err := a.epcisInput(c, me, []*registry.Batch{b}, func(*registry.TraceEvent) bool { return true })
	if err != nil {
		return err
	}
	doc, err := epcis.New(in).JSON()
	if err != nil {
		return err
	}
	c.Set(fiber.HeaderContentType, epcis.MediaType)
	c.Set(fiber.HeaderCacheControl, "private, no-store")
	return c.Send(doc)
}

func (a *API) mayRead(me registry.Actor, b *registry.Batch) bool {
	return registry.Authorize(me, registry.ActRead, registry.Resource{Kind: registry.KindBatch, EnterpriseID: b.EnterpriseID}) == nil
}

// epcisFilter is a query's conditions beyond the classes.
type epcisFilter struct {
	types, steps, dispositions []string
	from, until                time.Time
	place                      string // facility ID
}

func (a *API) epcisFilter(c *fiber.Ctx) (*epcisFilter, error) {
	var p registry.Problems
	f := &epcisFilter{}
	for _, t := range splitList(c.Query("eventType")) {
		k, ok := epcis.Kind(t)
		if !ok {
			p.Add("eventType", "one_of", "must be ObjectEvent, AggregationEvent, TransformationEvent or TransactionEvent",
				"phải là ObjectEvent, AggregationEvent, TransformationEvent hoặc TransactionEvent")
			break
		}
		f.types = append(f.types, k)
	}
	for _, s := range splitList(c.Query("EQ_bizStep")) {
		f.steps = append(f.steps, epcis.Term(s, "bizstep"))
	}
	for _, s := range splitList(c.Query("EQ_disposition")) {
		f.dispositions = append(f.dispositions, epcis.Term(s, "disp"))
	}
	for _, q := range []struct {
		name string
		t    *time.Time
	}{{"GE_eventTime", &f.from}, {"LT_eventTime", &f.until}} {
		if v := c.Query(q.name); v != "" {
			t, err := time.Parse(time.RFC3339Nano, v)
			if err != nil {
				p.Add(q.name, "date_time", "must be a date and time such as 2026-01-10T08:00:00+07:00",
					"phải là ngày giờ, ví dụ 2026-01-10T08:00:00+07:00")
			}
			*q.t = t
		}
	}
	if v := c.Query("EQ_bizLocation"); v != "" {
		fac, err := epcis.FindPlace(c.UserContext(), a.store, v)
		if err != nil {
			return nil, err
		}
		if fac == nil {
			p.Add("EQ_bizLocation", "exists", "names no place registered here", "không ứng với địa điểm nào đã đăng ký")
		} else {
			f.place = fac.ID
		}
	}
	return f, p.Err()
}

func (f *epcisFilter) keep(ev *registry.TraceEvent) bool {
	return (len(f.types) == 0 || slices.Contains(f.types, ev.Kind)) &&
		(len(f.steps) == 0 || slices.Contains(f.steps, ev.BusinessStep)) &&
		(len(f.dispositions) == 0 || slices.Contains(f.dispositions, ev.Disposition)) &&
		(f.from.IsZero() || !ev.EventTime.Before(f.from)) &&
		(f.until.IsZero() || ev.EventTime.Before(f.until)) &&
		(f.place == "" || ev.FacilityID == f.place)
}

// splitList splits a comma-separated query value, dropping empty items.
func splitList(s string) []string {
	var out []string
	for _, v := range strings.Split(s, ",") {
		if v = strings.TrimSpace(v); v != "" {
			out = append(out, v)
		}
	}
	return out
}
