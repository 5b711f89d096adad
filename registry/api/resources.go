package api

import (
	"context"
	"encoding/json"
	"strconv"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/tracereg/tracereg/registry"
	"github.com/tracereg/tracereg/registry/gs1"
	"github.com/tracereg/tracereg/registry/server"
)

// cloneJSON deep-copies a record through its JSON form.
func cloneJSON[T any](v *T) *T {
	b, _ := json.Marshal(v)
	out := new(T)
	json.Unmarshal(b, out)
	return out
}

// ownEnterprise fills in an enterprise user's own enterprise when left out.
func ownEnterprise(me registry.Actor, id *string) {
	if *id == "" && me.Role == registry.RoleEnterprise {
		*id = me.EnterpriseID
	}
}

// scoped returns the enterprise filter of a list: the caller's scope wins
// over ?enterprise=.
func scoped(c *fiber.Ctx, scope string) (string, error) {
	q, err := queryID(c, "enterprise")
	if err != nil {
		return "", err
	}
	if scope != "" {
		return scope, nil // never another tenant's, whatever ?enterprise= says
	}
	return q, nil
}

func (a *API) mountResources(g fiber.Router) {
	s := a.store
	mountResource(a, g, resource[registry.Enterprise]{
		kind: registry.KindEnterprise, path: "/enterprises", tag: "enterprises",
		target: func(e *registry.Enterprise) registry.Resource {
			return registry.Resource{Kind: registry.KindEnterprise, EnterpriseID: e.ID}
		},
		find: s.FindEnterprise, create: s.CreateEnterprise, update: s.UpdateEnterprise, deletable: true,
		listQuery: []string{"tax_code", "district", "sector", "q"},
		list: func(c *fiber.Ctx, scope string, p registry.Page) ([]*registry.Enterprise, string, error) {
			if scope != "" {
				// An enterprise user sees only itself.
				e, err := s.FindEnterprise(c.UserContext(), scope)
				if err != nil || p.Cursor != "" {
					return nil, "", err
				}
				return []*registry.Enterprise{e}, "", nil
			}
			q, err := queryText(c, "q")
			if err != nil {
				return nil, "", err
			}
			f := registry.EnterpriseFilter{TaxCode: c.Query("tax_code"), District: c.Query("district"), Sector: c.Query("sector"), Text: q, Page: p}
			if f.TaxCode != "" && !registry.ValidTaxCode(f.TaxCode) {
				return nil, "", fieldErr("tax_code", "tax_code", "must be 10 digits, or 10 digits, a dash and 3 digits",
					"phải gồm 10 chữ số, hoặc 10 chữ số, dấu gạch ngang và 3 chữ số")
			}
			return s.ListEnterprises(c.UserContext(), f)
		},
	})
	mountResource(a, g, resource[registry.Facility]{
		kind: registry.KindFacility, path: "/facilities", tag: "facilities",
		target: func(f *registry.Facility) registry.Resource {
			return registry.Resource{Kind: registry.KindFacility, EnterpriseID: f.EnterpriseID}
		},
		find: s.FindFacility, create: s.CreateFacility, update: s.UpdateFacility, deletable: true,
		prepare:   func(me registry.Actor, f *registry.Facility) { ownEnterprise(me, &f.EnterpriseID) },
		listQuery: []string{"enterprise", "kind", "q"},
		list: func(c *fiber.Ctx, scope string, p registry.Page) ([]*registry.Facility, string, error) {
			ent, err := scoped(c, scope)
			if err != nil {
				return nil, "", err
			}
			kind, err := queryText(c, "kind")
			if err != nil {
				return nil, "", err
			}
			q, err := queryText(c, "q")
			if err != nil {
				return nil, "", err
			}
			if q != "" && ent == "" {
				return nil, "", fieldErr("enterprise", "required", "a facility search by name names the enterprise", "tìm cơ sở theo tên cần nêu doanh nghiệp")
			}
			return s.ListFacilities(c.UserContext(), registry.FacilityFilter{EnterpriseID: ent, Kind: kind, Text: q, Page: p})
		},
	})
	mountResource(a, g, resource[registry.Product]{
		kind: registry.KindProduct, path: "/products", tag: "products",
		target: func(pr *registry.Product) registry.Resource {
			return registry.Resource{Kind: registry.KindProduct, EnterpriseID: pr.EnterpriseID}
		},
		find: s.FindProduct, create: s.CreateProduct, update: s.UpdateProduct, deletable: true,
		prepare:   func(me registry.Actor, pr *registry.Product) { ownEnterprise(me, &pr.EnterpriseID) },
		listQuery: []string{"enterprise", "category", "gtin", "q"},
		list: func(c *fiber.Ctx, scope string, p registry.Page) ([]*registry.Product, string, error) {
			ent, err := scoped(c, scope)
			if err != nil {
				return nil, "", err
			}
			q, err := queryText(c, "q")
			if err != nil {
				return nil, "", err
			}
			f := registry.ProductFilter{EnterpriseID: ent, Category: c.Query("category"), Text: q, Page: p}
			if g := c.Query("gtin"); g != "" {
				g14, err := gs1.GTIN14(g)
				if err != nil {
					return nil, "", fieldErr("gtin", "gtin", "must be a GTIN with a correct check digit", "phải là GTIN có số kiểm tra đúng")
				}
				f.GTIN = g14
			}
			return s.ListProducts(c.UserContext(), f)
		},
	})
	mountResource(a, g, resource[registry.Batch]{
		kind: registry.KindBatch, path: "/batches", tag: "batches",
		target: func(b *registry.Batch) registry.Resource {
			return registry.Resource{Kind: registry.KindBatch, EnterpriseID: b.EnterpriseID}
		},
		find: s.FindBatch, update: s.UpdateBatch, deletable: true,
		create: func(ctx context.Context, b *registry.Batch) error {
			b.Recall = nil
			if b.Status == registry.BatchRecalled {
				return fieldErr("status", "recall", "a lot is recalled with POST /api/v1/batches/{id}/recall",
					"lô hàng được thu hồi bằng POST /api/v1/batches/{id}/recall")
			}
			return s.CreateBatch(ctx, b)
		},
		prepare: func(me registry.Actor, b *registry.Batch) { ownEnterprise(me, &b.EnterpriseID) },
		check: func(me registry.Actor, cur, next *registry.Batch) error {
			next.Recall = cur.Recall           // changed only by POST /batches/{id}/recall
			next.PastRecalls = cur.PastRecalls // and …/recall/lift
			if next.Status != cur.Status {
				if next.Status == registry.BatchRecalled || cur.Status == registry.BatchRecalled {
					return fieldErr("status", "recall", "a lot is recalled with POST /api/v1/batches/{id}/recall, and stays recalled",
						"lô hàng được thu hồi bằng POST /api/v1/batches/{id}/recall và giữ trạng thái thu hồi")
				}
				if cur.Status == registry.BatchPublished {
					return fieldErr("status", "published", "a published lot stays published", "lô hàng đã công bố không thể trở lại nháp")
				}
			}
			return nil
		},
		listQuery: []string{"enterprise", "product", "lot", "status"},
		list: func(c *fiber.Ctx, scope string, p registry.Page) ([]*registry.Batch, string, error) {
			ent, err := scoped(c, scope)
			if err != nil {
				return nil, "", err
			}
			product, err := queryID(c, "product")
			if err != nil {
				return nil, "", err
			}
			lot, err := queryText(c, "lot")
			if err != nil {
				return nil, "", err
			}
			return s.ListBatches(c.UserContext(), registry.BatchFilter{EnterpriseID: ent, ProductID: product, LotCode: lot, Status: c.Query("status"), Page: p})
		},
	})
	mountResource(a, g, resource[registry.Certificate]{
		kind: registry.KindCertificate, path: "/certificates", tag: "certificates",
		target: func(x *registry.Certificate) registry.Resource {
			return registry.Resource{Kind: registry.KindCertificate, EnterpriseID: x.HolderID, BodyID: x.BodyID}
		},
		find: s.FindCertificate, create: s.CreateCertificate, update: s.UpdateCertificate, deletable: true,
		check: func(me registry.Actor, cur, next *registry.Certificate) error {
			next.History = cur.History // changed by …/status and …/amend only
			return nil
		},
		prepare: func(me registry.Actor, x *registry.Certificate) {
			if x.BodyID == "" && me.Role == registry.RoleCertifier {
				x.BodyID = me.BodyID
			}
		},
		listQuery: []string{"enterprise", "body", "scheme", "number", "expires_before", "expires_after"},
		list: func(c *fiber.Ctx, scope string, p registry.Page) ([]*registry.Certificate, string, error) {
			ent, err := scoped(c, scope)
			if err != nil {
				return nil, "", err
			}
			body, err := queryID(c, "body")
			if err != nil {
				return nil, "", err
			}
			before, err := queryDate(c, "expires_before")
			if err != nil {
				return nil, "", err
			}
			after, err := queryDate(c, "expires_after")
			if err != nil {
				return nil, "", err
			}
			number, err := queryText(c, "number")
			if err != nil {
				return nil, "", err
			}
			return s.ListCertificates(c.UserContext(), registry.CertificateFilter{HolderID: ent, BodyID: body, Scheme: c.Query("scheme"),
				Number: number, ExpiresBefore: before, ExpiresAfter: after, Page: p})
		},
	})
	mountResource(a, g, resource[registry.ConformityAnnouncement]{
		kind: registry.KindAnnouncement, path: "/announcements", tag: "announcements",
		target: announcementTarget,
		find:   s.FindAnnouncement, update: s.UpdateAnnouncement, deletable: true,
		create: func(ctx context.Context, x *registry.ConformityAnnouncement) error {
			x.History = nil // the service writes the first entry
			if me, _ := registry.ActorFrom(ctx); me.Role == registry.RoleEnterprise &&
				(agencyDecision(x.Status) || x.ReceiptNumber != "" || x.ReceiptDate != "") {
				return registry.Errorf(registry.EFORBIDDEN, "The agency decides on a dossier and writes the notice of receipt.",
					"Cơ quan tiếp nhận quyết định về hồ sơ và ghi thông báo tiếp nhận.")
			}
			return s.CreateAnnouncement(ctx, x)
		},
		prepare: func(me registry.Actor, x *registry.ConformityAnnouncement) {
			ownEnterprise(me, &x.EnterpriseID)
		},
		check: func(me registry.Actor, cur, next *registry.ConformityAnnouncement) error {
			// The status moves by POST …/transitions, which writes the history;
			// the service refuses a status change here.
			next.History = cur.History
			if me.Role == registry.RoleEnterprise && (next.ReceiptNumber != cur.ReceiptNumber || next.ReceiptDate != cur.ReceiptDate) {
				return registry.Errorf(registry.EFORBIDDEN, "Only the agency writes the notice of receipt.", "Chỉ cơ quan tiếp nhận ghi thông báo tiếp nhận.")
			}
			return nil
		},
		listQuery: []string{"enterprise", "type", "status"},
		list: func(c *fiber.Ctx, scope string, p registry.Page) ([]*registry.ConformityAnnouncement, string, error) {
			ent, err := scoped(c, scope)
			if err != nil {
				return nil, "", err
			}
			return s.ListAnnouncements(c.UserContext(), registry.AnnouncementFilter{EnterpriseID: ent, Type: c.Query("type"), Status: c.Query("status"), Page: p})
		},
	})
	mountResource(a, g, resource[registry.Standard]{
		kind: registry.KindStandard, path: "/standards", tag: "standards",
		target: func(*registry.Standard) registry.Resource { return registry.Resource{Kind: registry.KindStandard} },
		find:   s.FindStandard, create: s.CreateStandard, update: s.UpdateStandard, deletable: true,
		listQuery: []string{"kind"},
		list: func(c *fiber.Ctx, _ string, p registry.Page) ([]*registry.Standard, string, error) {
			return s.ListStandards(c.UserContext(), c.Query("kind"), p)
		},
	})
	mountResource(a, g, resource[registry.CertificationBody]{
		kind: registry.KindBody, path: "/certification-bodies", tag: "certification-bodies",
		target: func(b *registry.CertificationBody) registry.Resource {
			return registry.Resource{Kind: registry.KindBody, BodyID: b.ID}
		},
		find: s.FindCertificationBody, create: s.CreateCertificationBody, update: s.UpdateCertificationBody, deletable: true,
		list: func(c *fiber.Ctx, _ string, p registry.Page) ([]*registry.CertificationBody, string, error) {
			return s.ListCertificationBodies(c.UserContext(), p)
		},
	})

	a.add(g, routeDoc{Method: "POST", Summary: "Decide on a certificate: suspend, withdraw or reinstate, with a reason (If-Match)", Tag: "certificates",
		Request: statusRequest{}, Response: registry.Certificate{}, IfMatch: true}, "/certificates/:id/status", a.certificateStatus)
	a.add(g, routeDoc{Method: "POST", Summary: "Move a conformity dossier on: submit, resubmit or withdraw it (the enterprise), ask for missing items, issue the notice of receipt or reject it (the agency) (If-Match)",
		Tag: "announcements", Request: registry.AnnouncementTransition{}, Response: registry.ConformityAnnouncement{}, IfMatch: true},
		"/announcements/:id/transitions", a.announcementTransition)
	a.add(g, routeDoc{Method: "POST", Summary: "Recall a lot (If-Match)", Tag: "batches",
		Request: recallRequest{}, Response: registry.Batch{}, IfMatch: true}, "/batches/:id/recall", a.recallBatch)
	a.add(g, routeDoc{Method: "POST", Summary: "Declare an event recorded in error (EPCIS errorDeclaration): it stays, marked, and links no lots", Tag: "batches",
		Request: errorDeclarationRequest{}, Response: registry.TraceEvent{}}, "/events/:id/error-declaration", a.declareEventError)
	a.add(g, routeDoc{Method: "POST", Summary: "Renew, correct or replace the PDF of a certificate (If-Match): a history entry with the reason", Tag: "certificates",
		Request: registry.CertificateAmendment{}, Response: registry.Certificate{}, IfMatch: true}, "/certificates/:id/amend", a.amendCertificate)
	a.add(g, routeDoc{Method: "POST", Summary: "Lift a lot's recall (If-Match): published again, the recall kept in its history", Tag: "batches",
		Request: recallRequest{}, Response: registry.Batch{}, IfMatch: true}, "/batches/:id/recall/lift", a.liftRecall)
	a.add(g, routeDoc{Method: "POST", Summary: "Record an event of a lot (EPCIS-style; a transformation names inputs and outputs)", Tag: "batches",
		Request: registry.TraceEvent{}, Response: registry.TraceEvent{}, Status: fiber.StatusCreated, Idempotent: true}, "/batches/:id/events", a.createEvent)
	a.add(g, routeDoc{Method: "GET", Summary: "List a lot's events, oldest first", Tag: "batches", Response: listOf[registry.TraceEvent]{}}, "/batches/:id/events", a.listEvents)
	a.add(g, routeDoc{Method: "GET", Summary: "Genealogy of a lot: up to the farm plots or down to every lot made from it", Tag: "batches",
		Response: registry.Genealogy{}, Query: []string{"direction", "depth"}}, "/batches/:id/trace", a.trace)
	a.add(g, routeDoc{Method: "GET", Summary: "EUDR due-diligence package: the GeoJSON of every plot the lot traces to, with producers, periods and DDS references",
		Tag: "batches", Response: registry.EUDRPackage{}}, "/batches/:id/eudr.geojson", a.eudrPackage)
	a.mountEPCIS(g)     // epcis.go
	a.mountProgramme(g) // programme.go
	a.mountUsers(g)
}

func agencyDecision(status string) bool {
	switch status {
	case registry.AnnNeedsMore, registry.AnnReceived, registry.AnnRejected:
		return true
	}
	return false
}

// statusRequest is a decision on a certificate.
type statusRequest struct {
	Status string        `json:"status"` // suspended, withdrawn, or active to reinstate
	Reason string        `json:"reason"`
	On     registry.Date `json:"on"`
}

// recallRequest recalls a lot.
type recallRequest struct {
	Reason string        `json:"reason"`
	On     registry.Date `json:"on"`
}

func announcementTarget(x *registry.ConformityAnnouncement) registry.Resource {
	return registry.Resource{Kind: registry.KindAnnouncement, EnterpriseID: x.EnterpriseID}
}

func batchResource(a *API) resource[registry.Batch] {
	return resource[registry.Batch]{kind: registry.KindBatch, find: a.store.FindBatch,
		target: func(b *registry.Batch) registry.Resource {
			return registry.Resource{Kind: registry.KindBatch, EnterpriseID: b.EnterpriseID}
		}}
}

func (a *API) certificateStatus(c *fiber.Ctx) error {
	id := c.Params("id")
	r := resource[registry.Certificate]{kind: registry.KindCertificate, find: a.store.FindCertificate,
		target: func(x *registry.Certificate) registry.Resource {
			return registry.Resource{Kind: registry.KindCertificate, EnterpriseID: x.HolderID, BodyID: x.BodyID}
		}}
	cur, read, err := loadForChange(c, r, id, registry.ActDecide)
	if err != nil {
		return err
	}
	var req statusRequest
	if err := decodeJSON(c, &req, 16<<10); err != nil {
		return err
	}
	next, err := a.store.ChangeCertificateStatus(c.UserContext(), id, read, registry.StatusChange{Status: req.Status, Reason: req.Reason, On: req.On})
	if err != nil {
		return err
	}
	if err := a.audit(c, "certificate.status."+req.Status, registry.KindCertificate, id, cur.HolderID, cur, next); err != nil {
		return err
	}
	c.Set(fiber.HeaderETag, etag(id, next.Version))
	return c.JSON(next)
}

func (a *API) announcementTransition(c *fiber.Ctx) error {
	id := c.Params("id")
	var t registry.AnnouncementTransition
	if err := decodeJSON(c, &t, 16<<10); err != nil {
		return err
	}
	action := t.PolicyAction()
	if action == "" {
		return fieldErr("action", "one_of", "must be one of submit, resubmit, withdraw, request_missing_items, issue_receipt, reject",
			"phải là một trong submit, resubmit, withdraw, request_missing_items, issue_receipt, reject")
	}
	r := resource[registry.ConformityAnnouncement]{kind: registry.KindAnnouncement, find: a.store.FindAnnouncement, target: announcementTarget}
	cur, read, err := loadForChange(c, r, id, action)
	if err != nil {
		return err
	}
	next, err := a.store.TransitionAnnouncement(c.UserContext(), id, read, t)
	if err != nil {
		return err
	}
	if err := a.audit(c, "announcement."+t.Action, registry.KindAnnouncement, id, cur.EnterpriseID, cur, next); err != nil {
		return err
	}
	c.Set(fiber.HeaderETag, etag(id, next.Version))
	return c.JSON(next)
}

func (a *API) recallBatch(c *fiber.Ctx) error {
	return a.recallStep(c, registry.ActRecall, "batch.recall", registry.RecallBatch)
}

// liftRecall is the agency's (ActDecide), never the enterprise's.
func (a *API) liftRecall(c *fiber.Ctx) error {
	return a.recallStep(c, registry.ActDecide, "batch.recall_lift", registry.LiftRecall)
}

// recallStep recalls a lot or lifts its recall (step), as read at If-Match,
// for an actor allowed action, and audits it.
func (a *API) recallStep(c *fiber.Ctx, action, audit string,
	step func(context.Context, registry.BatchService, *registry.Batch, registry.RecallOrder, string, time.Time) (*registry.Batch, error)) error {
	id := c.Params("id")
	cur, _, err := loadForChange(c, batchResource(a), id, action)
	if err != nil {
		return err
	}
	var req recallRequest
	if err := decodeJSON(c, &req, 16<<10); err != nil {
		return err
	}
	before := cloneJSON(cur)
	next, err := step(c.UserContext(), a.store, cur, registry.RecallOrder{Reason: req.Reason, On: req.On}, actor(c).Username, a.clock.Now())
	if err != nil {
		return err
	}
	if err := a.audit(c, audit, registry.KindBatch, id, next.EnterpriseID, before, next); err != nil {
		return err
	}
	c.Set(fiber.HeaderETag, etag(id, next.Version))
	return c.JSON(next)
}

type errorDeclarationRequest struct {
	Reason string `json:"reason"`
}

func (a *API) declareEventError(c *fiber.Ctx) error {
	me := actor(c)
	if me.Anonymous() {
		return registry.Authorize(me, registry.ActUpdate, registry.Resource{Kind: registry.KindEvent})
	}
	ev, err := a.store.FindEvent(c.UserContext(), c.Params("id"))
	if err != nil {
		return err
	}
	if err := registry.Authorize(me, registry.ActUpdate, registry.Resource{Kind: registry.KindEvent, EnterpriseID: ev.EnterpriseID}); err != nil {
		return err
	}
	var req errorDeclarationRequest
	if err := decodeJSON(c, &req, 4<<10); err != nil {
		return err
	}
	next, err := a.store.DeclareEventError(c.UserContext(), ev.ID, req.Reason)
	if err != nil {
		return err
	}
	if err := a.audit(c, "event.void", registry.KindEvent, ev.ID, ev.EnterpriseID, ev, next); err != nil {
		return err
	}
	return c.JSON(next)
}

func (a *API) amendCertificate(c *fiber.Ctx) error {
	id := c.Params("id")
	res := resource[registry.Certificate]{kind: registry.KindCertificate, find: a.store.FindCertificate,
		target: func(x *registry.Certificate) registry.Resource {
			return registry.Resource{Kind: registry.KindCertificate, EnterpriseID: x.HolderID, BodyID: x.BodyID}
		}}
	cur, _, err := loadForChange(c, res, id, registry.ActUpdate)
	if err != nil {
		return err
	}
	var req registry.CertificateAmendment
	if err := decodeJSON(c, &req, 16<<10); err != nil {
		return err
	}
	if req.DocumentID != "" {
		doc, err := a.store.FindDocument(c.UserContext(), req.DocumentID)
		if err != nil || doc.BodyID != cur.BodyID && doc.EnterpriseID != cur.HolderID {
			return fieldErr("document_id", "exists", "refers to a document that does not exist or is not this certificate's body's or holder's",
				"tham chiếu tới tài liệu không tồn tại hoặc không thuộc tổ chức chứng nhận hay đơn vị được chứng nhận")
		}
	}
	before := cloneJSON(cur)
	next, err := req.Apply(cur, actor(c).Username, a.clock.Now())
	if err != nil {
		return err
	}
	if err := a.store.UpdateCertificate(c.UserContext(), next); err != nil {
		return err
	}
	if err := a.audit(c, "certificate."+req.Action, registry.KindCertificate, id, next.HolderID, before, next); err != nil {
		return err
	}
	c.Set(fiber.HeaderETag, etag(id, next.Version))
	return c.JSON(next)
}

func (a *API) createEvent(c *fiber.Ctx) error {
	b, err := load(c, batchResource(a), c.Params("id"), registry.ActUpdate)
	if err != nil {
		return err
	}
	var e registry.TraceEvent
	if err := decodeJSON(c, &e, MaxJSONBody); err != nil {
		return err
	}
	if e.EnterpriseID == "" {
		e.EnterpriseID = b.EnterpriseID
	}
	if err := registry.Authorize(actor(c), registry.ActCreate, registry.Resource{Kind: registry.KindEvent, EnterpriseID: e.EnterpriseID}); err != nil {
		return err
	}
	if e.Kind != registry.EventTransformation && len(e.Batches) == 0 && len(e.Inputs) == 0 && len(e.Outputs) == 0 {
		e.Batches = []registry.Quantity{{BatchID: b.ID, Quantity: b.Quantity, Unit: b.Unit}}
	}
	names := false
	for _, id := range e.BatchIDs() {
		names = names || id == b.ID
	}
	if !names {
		return fieldErr("batches", "batch", "the event must name this lot", "sự kiện phải nêu lô hàng này")
	}
	e.ID, e.RecordedBy = "", ""
	if err := a.store.CreateEvent(c.UserContext(), &e); err != nil {
		return err
	}
	if err := a.audit(c, "event.create", registry.KindEvent, e.ID, e.EnterpriseID, nil, &e); err != nil {
		return err
	}
	return c.Status(fiber.StatusCreated).JSON(&e)
}

func (a *API) listEvents(c *fiber.Ctx) error {
	b, err := load(c, batchResource(a), c.Params("id"), registry.ActRead)
	if err != nil {
		return err
	}
	events, err := a.store.ListBatchEvents(c.UserContext(), b.ID)
	if err != nil {
		return err
	}
	return c.JSON(listOf[registry.TraceEvent]{Items: nonNil(events)})
}

func (a *API) trace(c *fiber.Ctx) error {
	b, err := load(c, batchResource(a), c.Params("id"), registry.ActRead)
	if err != nil {
		return err
	}
	dir := c.Query("direction", registry.Upstream)
	if dir != registry.Upstream && dir != registry.Downstream {
		return fieldErr("direction", "one_of", "must be up or down", "phải là up hoặc down")
	}
	depth := 0
	if s := c.Query("depth"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 || n > 100 {
			return fieldErr("depth", "range", "must be a whole number from 1 to 100", "phải là số nguyên từ 1 đến 100")
		}
		depth = n
	}
	g, err := a.store.Genealogy(c.UserContext(), b.ID, dir, depth)
	if err != nil {
		return err
	}
	me, _ := registry.ActorFrom(c.UserContext())
	return c.JSON(g.SeenBy(me))
}

// eudrPackage answers a lot's EUDR package (registry.LotEUDRPackage).
func (a *API) eudrPackage(c *fiber.Ctx) error {
	b, err := load(c, batchResource(a), c.Params("id"), registry.ActRead)
	if err != nil {
		return err
	}
	me, _ := registry.ActorFrom(c.UserContext())
	pkg, err := registry.LotEUDRPackage(c.UserContext(), a.store, me, b)
	if err != nil {
		return err
	}
	return server.SendGeoJSON(c, registry.EUDRFileName(b.LotCode), pkg)
}
