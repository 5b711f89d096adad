package web

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/tracereg/tracereg/registry"
	"github.com/tracereg/tracereg/registry/gs1"
	"github.com/tracereg/tracereg/registry/server"
)

func (w *Web) mountEntLots(g fiber.Router, ent fiber.Handler) {
	g.Get("/lots", ent, w.entLots)
	g.Get("/lots/new", ent, w.entLotNew)
	g.Post("/lots", ent, w.entLotCreate)
	g.Get("/lots/:id", ent, w.entLot)
	g.Get("/lots/:id/eudr.geojson", ent, w.entLotEUDR)
	g.Post("/lots/:id/events", ent, w.entEventCreate)
	g.Post("/lots/:id/events/:ev/void", ent, w.entEventVoid)
	g.Post("/lots/:id/publish", ent, w.entLotPublish)
	g.Get("/lots/:id/edit", ent, w.entLotEdit)
	g.Post("/lots/:id/edit", ent, w.entLotUpdate)
	g.Post("/lots/:id/delete", ent, w.entLotDelete)
}

// entEventKinds are the events added on a lot's page; a transformation is
// recorded by the lot wizard, which knows its inputs and output.
var entEventKinds = []string{registry.EventObject, registry.EventTransaction, registry.EventAggregation, registry.EventAssociation}

// entProductMap returns the enterprise's products by ID, and in list order.
func (w *Web) entProductMap(c *fiber.Ctx, id string) (map[string]*registry.Product, []*registry.Product, error) {
	list, err := entScanAll(func(p registry.Page) ([]*registry.Product, string, error) {
		return w.store.ListProducts(ctx(c), registry.ProductFilter{EnterpriseID: id, Page: p})
	})
	if err != nil {
		return nil, nil, err
	}
	m := make(map[string]*registry.Product, len(list))
	for _, pr := range list {
		m[pr.ID] = pr
	}
	return m, list, nil
}

type entLotsData struct {
	Items    []*registry.Batch
	Next     string
	Products map[string]*registry.Product
	Statuses []string
}

func (w *Web) entLots(c *fiber.Ctx) error {
	id, err := entID(c)
	if err != nil {
		return err
	}
	q := strings.TrimSpace(c.Query("q"))
	p := w.page(c, "enterprise/lots", "ent_lots_title")
	p.Form = newForm(c)
	p.Form.Set("q", q)
	d := entLotsData{Statuses: []string{registry.BatchDraft, registry.BatchPublished, registry.BatchRecalled}}
	filter := registry.BatchFilter{EnterpriseID: id}
	if st := c.Query("status"); slices.Contains(d.Statuses, st) {
		filter.Status = st
		p.Form.Set("status", st)
	}
	if d.Products, _, err = w.entProductMap(c, id); err != nil {
		return err
	}
	if filter.Page, err = listPage(c, entLotsShown); err != nil {
		return err
	}
	if q != "" {
		d.Items, d.Next, err = w.entLotSearch(c, filter, q)
	} else {
		d.Items, d.Next, err = w.store.ListBatches(ctx(c), filter)
	}
	if err != nil {
		return err
	}
	p.Data = d
	return w.render(c, fiber.StatusOK, p)
}

// entLotsShown is how many lots one page of the list shows.
const entLotsShown = 25

// entLotSearch finds the enterprise's lots that q names, each through an
// index: lot codes starting with q and its short code (on the first page), then the lots of
// the products whose names, GTIN or short code hold q's words. One product
// found pages on through its lots; several show their first lots.
func (w *Web) entLotSearch(c *fiber.Ctx, f registry.BatchFilter, q string) ([]*registry.Batch, string, error) {
	var out []*registry.Batch
	seen := map[string]bool{}
	add := func(b *registry.Batch) {
		if !seen[b.ID] && b.EnterpriseID == f.EnterpriseID && (f.Status == "" || b.Status == f.Status) && len(out) < entLotsShown {
			seen[b.ID] = true
			out = append(out, b)
		}
	}
	if f.Page.Cursor == "" {
		// Lot codes starting with q, as typed and in capitals.
		for _, prefix := range slices.Compact([]string{q, strings.ToUpper(q)}) {
			if gs1.ValidateLot(prefix) != nil {
				continue
			}
			lots, _, err := w.store.ListBatches(ctx(c), registry.BatchFilter{EnterpriseID: f.EnterpriseID, LotCodePrefix: prefix, Page: registry.Page{Limit: entLotsShown}})
			if err != nil {
				return nil, "", err
			}
			for _, b := range lots {
				add(b)
			}
		}
		if b, err := w.store.FindBatchByShortCode(ctx(c), q); err == nil {
			add(b)
		} else if registry.ErrorCode(err) != registry.ENOTFOUND {
			return nil, "", err
		}
	}
	prods, _, err := w.store.ListProducts(ctx(c), registry.ProductFilter{EnterpriseID: f.EnterpriseID, Text: q, Page: registry.Page{Limit: 20}})
	if err != nil {
		return nil, "", err
	}
	next := ""
	for _, pr := range prods {
		if len(out) >= entLotsShown {
			break
		}
		pf := f
		pf.ProductID = pr.ID
		pf.Page.Limit = entLotsShown - len(out)
		if len(prods) > 1 {
			pf.Page.Cursor = ""
		}
		lots, after, err := w.store.ListBatches(ctx(c), pf)
		if err != nil {
			return nil, "", err
		}
		for _, b := range lots {
			add(b)
		}
		if len(prods) == 1 {
			next = after
		}
	}
	return out, next, nil
}

// entLotFormData is what the lot wizard offers to choose from.
type entLotFormData struct {
	Lot      *registry.Batch // the lot corrected, on the edit form
	Products []*registry.Product
	Plots    []*registry.Facility
	Sites    []*registry.Facility
	Lots     []*registry.Batch
	Certs    []entCertRow
	Units    []string
	Steps    []string
	Names    map[string]*registry.Product
}

func (w *Web) entLotPage(c *fiber.Ctx, id string, f *Form) (*Page, error) {
	return w.entLotChoices(c, id, f, true)
}

// entLotChoices fills the lot form's choices: plots, sites, certificates,
// and for a new lot also the products and the lots it may be made from.
func (w *Web) entLotChoices(c *fiber.Ctx, id string, f *Form, newLot bool) (*Page, error) {
	x := ctx(c)
	d := entLotFormData{Units: registry.Units, Steps: registry.BusinessSteps}
	var err error
	if newLot {
		if d.Names, d.Products, err = w.entProductMap(c, id); err != nil {
			return nil, err
		}
	}
	facilities, err := entScanAll(func(p registry.Page) ([]*registry.Facility, string, error) {
		return w.store.ListFacilities(x, registry.FacilityFilter{EnterpriseID: id, Page: p})
	})
	if err != nil {
		return nil, err
	}
	for _, fac := range facilities {
		if fac.Kind == registry.FacilityFarmPlot {
			d.Plots = append(d.Plots, fac)
		} else {
			d.Sites = append(d.Sites, fac)
		}
	}
	if newLot {
		if d.Lots, err = entScanAll(func(p registry.Page) ([]*registry.Batch, string, error) {
			return w.store.ListBatches(x, registry.BatchFilter{EnterpriseID: id, Page: p})
		}); err != nil {
			return nil, err
		}
	}
	certs, err := entScanAll(func(p registry.Page) ([]*registry.Certificate, string, error) {
		return w.store.ListCertificates(x, registry.CertificateFilter{HolderID: id, Page: p})
	})
	if err != nil {
		return nil, err
	}
	now := w.clock.Now()
	for _, cert := range certs {
		d.Certs = append(d.Certs, entCertRow{Cert: cert, Status: cert.StatusAt(now)})
	}
	p := w.page(c, "enterprise/lot_form", "ent_lot_new")
	p.Form, p.Data = f, d
	return p, nil
}

func (w *Web) entLotNew(c *fiber.Ctx) error {
	id, err := entID(c)
	if err != nil {
		return err
	}
	f := newForm(c)
	f.Set("publish", "yes")
	f.Set("transform_step", "transforming")
	if plot := c.Query("plot"); registry.ValidID(plot) {
		f.Set("source_plot_ids", strings.Clone(plot))
	}
	if in := c.Query("input"); registry.ValidID(in) {
		f.Set("input_ids", strings.Clone(in))
	}
	p, err := w.entLotPage(c, id, f)
	if err != nil {
		return err
	}
	return w.render(c, fiber.StatusOK, p)
}

// entParseQuantity reads a quantity as people type it: "1200", "1200.5",
// "1200,5" (a decimal comma when there is no dot).
func entParseQuantity(s string) (float64, bool) {
	s = strings.TrimSpace(s)
	if strings.Contains(s, ",") && !strings.Contains(s, ".") {
		s = strings.ReplaceAll(s, ",", ".")
	}
	v, err := strconv.ParseFloat(s, 64)
	return v, err == nil && s != ""
}

// entPlaceholderID stands for the new lot while its transformation is
// checked, before the lot has an ID.
const entPlaceholderID = "ffffffffffffffffffffffff"

func (w *Web) entLotCreate(c *fiber.Ctx) error {
	id, err := entID(c)
	if err != nil {
		return err
	}
	x := ctx(c)
	f := newForm(c)
	publish := f.Value("publish") == "yes"
	b := &registry.Batch{EnterpriseID: id, ProductID: f.Value("product_id"), LotCode: strings.TrimSpace(f.Value("lot_code")),
		Unit: f.Value("unit"), ProducedOn: registry.Date(f.Value("produced_on")), HarvestedOn: registry.Date(f.Value("harvested_on")),
		ExpiresOn: registry.Date(f.Value("expires_on")), FacilityID: f.Value("facility_id"),
		SourcePlotIDs: entChecked(f, "source_plot_ids"), CertificateIDs: entChecked(f, "certificate_ids"),
		DDSReference: strings.TrimSpace(f.Value("dds_reference")), Status: registry.BatchDraft}
	if publish {
		b.Status = registry.BatchPublished
	}
	var p registry.Problems
	if q, ok := entParseQuantity(f.Value("quantity")); ok {
		b.Quantity = q
	} else {
		p.Add("quantity", "number", "must be a number, e.g. 1200 or 1200.5", "phải là một số, ví dụ 1200 hoặc 1200,5")
		b.Quantity = 1 // checked above; keeps Validate from saying it twice
	}
	p.Merge("", b.Validate())
	// The product must be the enterprise's own.
	if registry.ValidID(b.ProductID) {
		if pr, err := w.store.FindProduct(x, b.ProductID); err != nil || entAuthorize(c, registry.ActUpdate, registry.KindProduct, pr.EnterpriseID) != nil {
			p.Add("product_id", "exists", "choose one of your products", "hãy chọn một sản phẩm của doanh nghiệp")
		} else if _, err := w.store.FindBatchByLot(x, b.ProductID, b.LotCode); err == nil {
			p.Add("lot_code", "taken", "this product already has a lot with this code", "sản phẩm này đã có lô mang mã này")
		}
	}
	// Input lots: a transformation consumes them and produces the new lot.
	var event *registry.TraceEvent
	if inputs := entChecked(f, "input_ids"); len(inputs) > 0 {
		if f.Value("transform_step") == "" {
			f.Set("transform_step", "transforming")
		}
		event = &registry.TraceEvent{EnterpriseID: id, Kind: registry.EventTransformation, EventTimeZone: "+07:00",
			BusinessStep: f.Value("transform_step"), Disposition: "active", FacilityID: b.FacilityID,
			Outputs: []registry.Quantity{{BatchID: entPlaceholderID, Quantity: b.Quantity, Unit: b.Unit}}}
		event.EventTime = entEventTimeOf(b, w.clock.Now())
		for _, in := range inputs {
			qty, bad := w.entInput(c, f, in)
			if bad != "" {
				p.Add("input_ids", "exists", "choose lots of your own that are not recalled: "+bad, "hãy chọn lô của doanh nghiệp và chưa bị thu hồi: "+bad)
				continue
			}
			if qty.Quantity < 0 {
				p.Add("input_ids", "number", "the quantity used of an input lot must be a number", "số lượng dùng của lô đầu vào phải là một số")
				continue
			}
			event.Inputs = append(event.Inputs, qty)
		}
		if len(event.Inputs) == len(inputs) {
			if err := event.Validate(w.clock.Now()); err != nil {
				var ep registry.Problems
				ep.Merge("", err)
				p.Merge("", renameFieldMap(ep.Err(), map[string]string{"inputs": "input_ids", "outputs": "input_ids",
					"event_time": "produced_on", "business_step": "transform_step", "facility_id": "facility_id"}))
			}
		}
	}
	err = p.Err()
	if err == nil {
		if err = entAuthorize(c, registry.ActCreate, registry.KindBatch, id); err != nil {
			return err
		}
		err = w.entWriteLot(c, b, event, publish)
	}
	if err != nil {
		if invalid(err) {
			f.Fail(err)
			pg, perr := w.entLotPage(c, id, f)
			if perr != nil {
				return perr
			}
			return w.render(c, fiber.StatusUnprocessableEntity, pg)
		}
		return err
	}
	if publish {
		w.publicChanged()
	}
	return w.redirectFlash(c, Prefix+"/lots/"+b.ID, "flash_ent_lot_created")
}

// entInput reads one input lot and the quantity used of it (blank: all of
// it). bad names the lot when it cannot be used.
func (w *Web) entInput(c *fiber.Ctx, f *Form, id string) (registry.Quantity, string) {
	if !registry.ValidID(id) {
		return registry.Quantity{}, id
	}
	in, err := w.store.FindBatch(ctx(c), id)
	if err != nil || entAuthorize(c, registry.ActUpdate, registry.KindBatch, in.EnterpriseID) != nil {
		return registry.Quantity{}, id
	}
	if in.Status == registry.BatchRecalled {
		return registry.Quantity{}, in.LotCode
	}
	q := registry.Quantity{BatchID: in.ID, Quantity: in.Quantity, Unit: in.Unit}
	if s := strings.TrimSpace(f.Value("input_qty_" + id)); s != "" {
		v, ok := entParseQuantity(s)
		if !ok {
			v = -1
		}
		q.Quantity = v
	}
	return q, ""
}

// entEventTimeOf is when a lot's making happened: noon of its production
// (or harvest) day in Vietnam, or now when neither is given.
func entEventTimeOf(b *registry.Batch, now time.Time) time.Time {
	for _, d := range []registry.Date{b.ProducedOn, b.HarvestedOn} {
		if t, err := d.Time(); d != "" && err == nil {
			return t.Add(12 * time.Hour).UTC()
		}
	}
	return now.UTC()
}

// entWriteLot writes a new lot and the transformation that made it. The lot
// is written as a draft first and published only after its event, so a
// failure midway leaves nothing on the public pages.
func (w *Web) entWriteLot(c *fiber.Ctx, b *registry.Batch, e *registry.TraceEvent, publish bool) error {
	x := ctx(c)
	if e == nil {
		if err := w.store.CreateBatch(x, b); err != nil {
			return err
		}
		return w.audit(c, "batch.create", registry.KindBatch, b.ID, b.EnterpriseID, nil, b)
	}
	b.Status = registry.BatchDraft
	if err := w.store.CreateBatch(x, b); err != nil {
		return err
	}
	if err := w.audit(c, "batch.create", registry.KindBatch, b.ID, b.EnterpriseID, nil, b); err != nil {
		return err
	}
	e.Outputs[0].BatchID = b.ID
	e.RecordedBy = actor(c).Username
	if err := w.store.CreateEvent(x, e); err != nil {
		return err
	}
	if err := w.audit(c, "event.create", registry.KindEvent, e.ID, e.EnterpriseID, nil, e); err != nil {
		return err
	}
	if !publish {
		return nil
	}
	before := *b
	b.Status = registry.BatchPublished
	if err := w.store.UpdateBatch(x, b); err != nil {
		return err
	}
	return w.audit(c, "batch.publish", registry.KindBatch, b.ID, b.EnterpriseID, &before, b)
}

// entLoadLot finds a lot the actor may take action on; 404 otherwise.
func (w *Web) entLoadLot(c *fiber.Ctx, action string) (*registry.Batch, error) {
	id := entParam(c, "id")
	if !registry.ValidID(id) {
		return nil, entNotFound()
	}
	b, err := w.store.FindBatch(ctx(c), id)
	if err != nil {
		return nil, err
	}
	if err := entAuthorize(c, action, registry.KindBatch, b.EnterpriseID); err != nil {
		return nil, err
	}
	return b, nil
}

// entEventRow is one event as the lot page lists it.
type entEventRow struct {
	Event    *registry.TraceEvent
	Role     string // batches, input, output: how this lot takes part
	Quantity registry.Quantity
	Place    string
	Others   []string // lot codes of the other lots of a transformation
}

// entLotData is what the lot page shows.
type entLotData struct {
	Lot      *registry.Batch
	Product  *registry.Product
	Site     *registry.Facility
	Plots    []*registry.Facility
	Certs    []entCertRow
	Events   []entEventRow
	Upstream []*registry.Batch
	// InputRecalled are the upstream lots that were recalled while this
	// one is not: it is still published, but not simply "on the market".
	InputRecalled []*registry.Batch
	UpPlots       []*registry.Facility
	// Downstream are the lots made from this one, at any depth (another
	// enterprise's only once published).
	Downstream []*registry.Batch
	Sites      []*registry.Facility
	Kinds      []string
	Steps      []string
	Disps      []string
	Units      []string
	PublicURL  string // /l/<code> on the public base
	GS1URL     string // the GS1 Digital Link, for a product with a GTIN
	QRPath     string // path of the QR image without extension
	GS1QRPath  string
	LabelsPath string
	// LabelsIssued is how many labels (serials) were printed so far.
	LabelsIssued int64
}

func (w *Web) entLotView(c *fiber.Ctx, b *registry.Batch, f *Form, status int) error {
	x := ctx(c)
	d := entLotData{Lot: b, Kinds: entEventKinds, Steps: registry.BusinessSteps, Disps: registry.Dispositions, Units: registry.Units}
	var err error
	if d.Product, err = w.store.FindProduct(x, b.ProductID); err != nil {
		return err
	}
	facilities, err := entScanAll(func(p registry.Page) ([]*registry.Facility, string, error) {
		return w.store.ListFacilities(x, registry.FacilityFilter{EnterpriseID: b.EnterpriseID, Page: p})
	})
	if err != nil {
		return err
	}
	names := map[string]string{}
	for _, fac := range facilities {
		names[fac.ID] = fac.Name
		if fac.ID == b.FacilityID {
			d.Site = fac
		}
		if slices.Contains(b.SourcePlotIDs, fac.ID) {
			d.Plots = append(d.Plots, fac)
		}
		d.Sites = append(d.Sites, fac)
	}
	now := w.clock.Now()
	for _, cid := range b.CertificateIDs {
		if cert, err := w.store.FindCertificate(x, cid); err == nil {
			d.Certs = append(d.Certs, entCertRow{Cert: cert, Status: cert.StatusAt(now)})
		}
	}
	events, err := w.store.ListBatchEvents(x, b.ID)
	if err != nil {
		return err
	}
	lotCodes := map[string]string{b.ID: b.LotCode}
	if g, err := w.store.Genealogy(x, b.ID, registry.Upstream, 10); err == nil {
		me, _ := registry.ActorFrom(x)
		g = g.SeenBy(me)
		for _, ub := range g.Batches {
			lotCodes[ub.ID] = ub.LotCode
			if ub.ID != b.ID {
				d.Upstream = append(d.Upstream, ub)
				if ub.Status == registry.BatchRecalled && b.Status != registry.BatchRecalled {
					d.InputRecalled = append(d.InputRecalled, ub)
				}
			}
		}
		d.UpPlots = g.Plots
	}
	if g, err := w.store.Genealogy(x, b.ID, registry.Downstream, 10); err == nil {
		me, _ := registry.ActorFrom(x)
		for _, db := range g.SeenBy(me).Batches {
			if db.ID != b.ID {
				d.Downstream = append(d.Downstream, db)
			}
		}
	}
	for _, e := range events {
		row := entEventRow{Event: e, Place: names[e.FacilityID]}
		for _, l := range []struct {
			role string
			qs   []registry.Quantity
		}{{"batches", e.Batches}, {"input", e.Inputs}, {"output", e.Outputs}} {
			for _, q := range l.qs {
				if q.BatchID == b.ID {
					row.Role, row.Quantity = l.role, q
				} else if code, ok := lotCodes[q.BatchID]; ok {
					row.Others = append(row.Others, code)
				}
			}
		}
		d.Events = append(d.Events, row)
	}
	base := strings.TrimSuffix(w.cfg.PublicBaseURL, "/")
	d.PublicURL = base + "/l/" + b.ShortCode
	d.QRPath = "/qr/l/" + b.ShortCode
	d.LabelsPath = "/labels/" + b.ShortCode
	if ss, ok := w.store.(registry.SerialService); ok {
		if d.LabelsIssued, err = ss.SerialsIssued(x, b.ID); err != nil {
			return err
		}
	}
	if d.Product.GTIN != "" {
		if err := gs1.ValidateLot(b.LotCode); err == nil {
			path := gs1.DigitalLink{GTIN: d.Product.GTIN, Lot: b.LotCode}.Path()
			d.GS1URL = base + path
			d.GS1QRPath = "/qr" + path
		}
	}
	p := w.page(c, "enterprise/lot", "ent_lot_title")
	if f == nil {
		f = newForm(c)
		f.Set("kind", registry.EventObject)
		f.Set("event_time", now.In(registry.Vietnam).Format("2006-01-02T15:04"))
		f.Set("unit", b.Unit)
		f.Set("n", "10")
		f.Set("layout", "a4")
	}
	if d.LabelsIssued > 0 {
		f.Set("reprint_from", "1")
		f.Set("reprint_n", strconv.FormatInt(min(d.LabelsIssued, registry.MaxSerialsPerSheet), 10))
	}
	p.Form, p.Data = f, d
	return w.render(c, status, p)
}

func (w *Web) entLot(c *fiber.Ctx) error {
	if _, err := entID(c); err != nil {
		return err
	}
	b, err := w.entLoadLot(c, registry.ActRead)
	if err != nil {
		return err
	}
	return w.entLotView(c, b, nil, fiber.StatusOK)
}

// entLotEUDR downloads the lot's EUDR due-diligence package.
func (w *Web) entLotEUDR(c *fiber.Ctx) error {
	if _, err := entID(c); err != nil {
		return err
	}
	b, err := w.entLoadLot(c, registry.ActRead)
	if err != nil {
		return err
	}
	pkg, err := registry.LotEUDRPackage(ctx(c), w.store, actor(c), b)
	if err != nil {
		return err
	}
	return server.SendGeoJSON(c, registry.EUDRFileName(b.LotCode), pkg)
}

// entEventCreate adds an event (not a transformation) on one lot.
func (w *Web) entEventCreate(c *fiber.Ctx) error {
	if _, err := entID(c); err != nil {
		return err
	}
	b, err := w.entLoadLot(c, registry.ActUpdate)
	if err != nil {
		return err
	}
	f := newForm(c)
	f.Set("n", "10")
	f.Set("layout", "a4")
	e := &registry.TraceEvent{EnterpriseID: b.EnterpriseID, Kind: f.Value("kind"), BusinessStep: f.Value("business_step"),
		Disposition: f.Value("disposition"), FacilityID: f.Value("facility_id"),
		CounterpartyTaxCode: strings.TrimSpace(f.Value("counterparty_tax_code")), Note: strings.TrimSpace(f.Value("note")),
		RecordedBy: actor(c).Username}
	var p registry.Problems
	if !slices.Contains(entEventKinds, e.Kind) {
		p.Add("kind", "one_of", "choose what happened", "hãy chọn loại sự kiện")
		e.Kind = registry.EventObject
	}
	if t, terr := time.ParseInLocation("2006-01-02T15:04", strings.TrimSpace(f.Value("event_time")), registry.Vietnam); terr == nil {
		e.EventTime = t.UTC()
		e.EventTimeZone = "+07:00"
	} else {
		p.Add("event_time", "date", "give the date and time, e.g. 2026-03-10 08:30", "hãy nhập ngày và giờ, ví dụ 10/03/2026 08:30")
		e.EventTime, e.EventTimeZone = w.clock.Now(), "+07:00"
	}
	q := registry.Quantity{BatchID: b.ID, Quantity: b.Quantity, Unit: f.Value("unit")}
	if s := strings.TrimSpace(f.Value("quantity")); s != "" {
		if v, ok := entParseQuantity(s); ok {
			q.Quantity = v
		} else {
			p.Add("quantity", "number", "must be a number", "phải là một số")
		}
	}
	if q.Unit == "" {
		q.Unit = b.Unit
	}
	e.Batches = []registry.Quantity{q}
	if e.FacilityID != "" {
		if fac, ferr := w.store.FindFacility(ctx(c), e.FacilityID); ferr != nil || fac.EnterpriseID != b.EnterpriseID {
			p.Add("facility_id", "exists", "choose one of your places", "hãy chọn một địa điểm của doanh nghiệp")
		}
	}
	if verr := e.Validate(w.clock.Now()); verr != nil {
		var ep registry.Problems
		ep.Merge("", verr)
		p.Merge("", renameFieldMap(ep.Err(), map[string]string{"batches": "quantity"}))
	}
	err = p.Err()
	if err == nil {
		if err = entAuthorize(c, registry.ActCreate, registry.KindEvent, b.EnterpriseID); err != nil {
			return err
		}
		err = w.store.CreateEvent(ctx(c), e)
	}
	if err != nil {
		if invalid(err) {
			f.Fail(err)
			return w.entLotView(c, b, f, fiber.StatusUnprocessableEntity)
		}
		return err
	}
	if err := w.audit(c, "event.create", registry.KindEvent, e.ID, e.EnterpriseID, nil, e); err != nil {
		return err
	}
	if b.Status != registry.BatchDraft {
		w.publicChanged()
	}
	return w.redirectFlash(c, Prefix+"/lots/"+b.ID+"#events", "flash_ent_event_added")
}

// entEventVoid declares an event of the lot recorded in error (EPCIS's
// errorDeclaration): it stays on the lot's pages, marked, and links no lots.
func (w *Web) entEventVoid(c *fiber.Ctx) error {
	if _, err := entID(c); err != nil {
		return err
	}
	b, err := w.entLoadLot(c, registry.ActUpdate)
	if err != nil {
		return err
	}
	evID := entParam(c, "ev")
	ev, err := w.store.FindEvent(ctx(c), evID)
	if err != nil {
		return err
	}
	// Only an event of this lot, recorded by the lot's own enterprise.
	if err := entAuthorize(c, registry.ActUpdate, registry.KindEvent, ev.EnterpriseID); err != nil || !eventNames(ev, b.ID) {
		return entNotFound()
	}
	f := newForm(c)
	next, err := w.store.DeclareEventError(ctx(c), ev.ID, f.Value("void_reason"))
	if err != nil {
		if invalid(err) {
			// The form sits in one row of the events: said at the top of the page.
			pub := registry.PublicError(err)
			en, vi := []string{}, []string{}
			for _, fe := range pub.Fields {
				en, vi = append(en, fe.Message), append(vi, fe.MessageVI)
			}
			f.Fail(&registry.Error{Code: registry.EINVALID, Message: "The event cannot be voided: " + strings.Join(en, "; ") + ".",
				MessageVI: "Không hủy được sự kiện: " + strings.Join(vi, "; ") + "."})
			return w.entLotView(c, b, f, fiber.StatusUnprocessableEntity)
		}
		return err
	}
	if err := w.audit(c, "event.void", registry.KindEvent, ev.ID, ev.EnterpriseID, ev, next); err != nil {
		return err
	}
	if b.Status != registry.BatchDraft {
		w.publicChanged()
	}
	return w.redirectFlash(c, Prefix+"/lots/"+b.ID+"#events", "flash_ent_event_voided")
}

// eventNames reports whether ev names the lot.
func eventNames(ev *registry.TraceEvent, batchID string) bool {
	for _, q := range append(append(append([]registry.Quantity{}, ev.Batches...), ev.Inputs...), ev.Outputs...) {
		if q.BatchID == batchID {
			return true
		}
	}
	return false
}

// entLotPublish makes a draft lot public.
func (w *Web) entLotPublish(c *fiber.Ctx) error {
	if _, err := entID(c); err != nil {
		return err
	}
	b, err := w.entLoadLot(c, registry.ActUpdate)
	if err != nil {
		return err
	}
	if b.Status == registry.BatchDraft {
		before := *b
		b.Status = registry.BatchPublished
		if err := w.store.UpdateBatch(ctx(c), b); err != nil {
			return err
		}
		if err := w.audit(c, "batch.publish", registry.KindBatch, b.ID, b.EnterpriseID, &before, b); err != nil {
			return err
		}
		w.publicChanged()
	}
	return w.redirectFlash(c, Prefix+"/lots/"+b.ID, "flash_ent_lot_published")
}

// EntQuantity shows a quantity with its unit.
func (p *Page) EntQuantity(q float64, unit string) string {
	s := strconv.FormatFloat(q, 'f', -1, 64)
	if p.Lang == "vi" {
		s = strings.ReplaceAll(s, ".", ",")
	}
	return fmt.Sprintf("%s %s", s, registry.UnitName(unit, p.Lang, q))
}

// UnitName is a unit as the page's reader writes it ("bao", "bags").
func (p *Page) UnitName(unit string) string { return registry.UnitName(unit, p.Lang, 2) }
