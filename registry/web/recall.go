package web

// Recall a lot, for inspectors and province staff: /w/recall finds the lot
// (lot code, short code, or a pasted QR address), /w/recall/:id takes the
// reason and the date, POST /w/recall/:id/check shows every downstream lot
// found through the genealogy for confirmation, and POST
// /w/recall/:id/confirm recalls the lot. The public pages of the lot and of
// every lot made from it show the recall at once (lookup follows the
// genealogy up to a recalled lot; this replica's cache is dropped).

import (
	"net/url"
	"strconv"
	"strings"

	"github.com/gofiber/fiber/v2"

	"github.com/tracereg/tracereg/registry"
	"github.com/tracereg/tracereg/registry/gs1"
)

const rclPath = Prefix + "/recall"

// rclLot is a lot with the names shown beside it.
type rclLot struct {
	B          *registry.Batch
	Product    string
	Enterprise string
	PublicURL  string
}

func (w *Web) rclLotOf(names *inbNames, b *registry.Batch) rclLot {
	return rclLot{B: b, Product: names.product(b.ProductID), Enterprise: names.enterprise(b.EnterpriseID),
		PublicURL: strings.TrimSuffix(w.cfg.PublicBaseURL, "/") + "/l/" + b.ShortCode}
}

// --- find

type rclFindData struct {
	Query      string
	Candidates []rclLot
}

var errRclNoLot = fieldError("lot", "not_found", registry.Errorf(registry.ENOTFOUND,
	"no lot has this lot code, short code or address", "không có lô hàng nào có mã lô, mã ngắn hoặc địa chỉ này"))

// rclFind looks the lot up: one found goes to its recall form, several are
// offered to choose from.
func (w *Web) rclFind(c *fiber.Ctx) error {
	p := w.page(c, "recall/find", "rcl_title")
	p.Form = newForm(c)
	q := strings.TrimSpace(c.Query("lot"))
	p.Form.Set("lot", q)
	d := &rclFindData{Query: q}
	p.Data = d
	if q == "" {
		return w.render(c, fiber.StatusOK, p)
	}
	lots, err := w.rclLookup(c, q)
	if err != nil {
		if invalid(err) || registry.ErrorCode(err) == registry.ENOTFOUND {
			p.Form.Fail(err)
			return w.render(c, fiber.StatusUnprocessableEntity, p)
		}
		return err
	}
	if len(lots) == 0 {
		p.Form.Fail(errRclNoLot)
		return w.render(c, fiber.StatusUnprocessableEntity, p)
	}
	if len(lots) == 1 {
		return c.Redirect(rclPath+"/"+lots[0].ID, fiber.StatusSeeOther)
	}
	names := w.inbNamer(c, p.Lang)
	for _, b := range lots {
		d.Candidates = append(d.Candidates, w.rclLotOf(names, b))
	}
	return w.render(c, fiber.StatusOK, p)
}

// rclLookup finds the lots a text names: a record ID, a pasted /l/ or GS1
// Digital Link address, a short code, or a lot code (of any product).
func (w *Web) rclLookup(c *fiber.Ctx, q string) ([]*registry.Batch, error) {
	one := func(b *registry.Batch, err error) ([]*registry.Batch, error) {
		if registry.ErrorCode(err) == registry.ENOTFOUND {
			return nil, nil
		}
		if err != nil {
			return nil, err
		}
		return []*registry.Batch{b}, nil
	}
	if registry.ValidID(q) {
		return one(w.store.FindBatch(ctx(c), q))
	}
	path, rawQuery := q, ""
	if i := strings.Index(q, "://"); i >= 0 {
		u, err := url.Parse(q)
		if err != nil {
			return nil, errRclNoLot
		}
		path, rawQuery = u.EscapedPath(), u.RawQuery
	}
	switch {
	case strings.HasPrefix(path, "/l/"):
		code, _ := url.PathUnescape(strings.Trim(strings.TrimPrefix(path, "/l/"), "/"))
		return one(w.store.FindBatchByShortCode(ctx(c), code))
	case strings.HasPrefix(path, "/01/"):
		link, err := gs1.ParsePath(path, rawQuery)
		if err != nil || link.Lot == "" {
			return nil, errRclNoLot
		}
		prod, err := w.store.FindProductByGTIN(ctx(c), link.GTIN)
		if registry.ErrorCode(err) == registry.ENOTFOUND {
			return nil, nil
		}
		if err != nil {
			return nil, err
		}
		return one(w.store.FindBatchByLot(ctx(c), prod.ID, link.Lot))
	}
	if b, err := w.store.FindBatchByShortCode(ctx(c), q); err == nil {
		return []*registry.Batch{b}, nil
	} else if registry.ErrorCode(err) != registry.ENOTFOUND {
		return nil, err
	}
	if gs1.ValidateLot(q) != nil {
		return nil, nil
	}
	lots, _, err := w.store.ListBatches(ctx(c), registry.BatchFilter{LotCode: q, Page: registry.Page{Limit: 50}})
	return lots, err
}

// --- the form, the confirmation, the recall

type rclFormData struct {
	Lot        rclLot
	Downstream []rclLot
	Today      registry.Date
	// Confirm: the form was checked; the page asks for confirmation of
	// the recall on the day On.
	Confirm bool
	On      registry.Date
	// Recalled is set once the lot is recalled (by this or an earlier recall).
	Recalled *registry.Recall
	// CanLift: the actor may lift the recall (the agency's decision).
	CanLift bool
}

// rclLoad loads the lot of the route and checks the actor may take action on it.
func (w *Web) rclLoad(c *fiber.Ctx, action string) (*registry.Batch, error) {
	id := c.Params("id")
	if !registry.ValidID(id) {
		return nil, registry.Errorf(registry.ENOTFOUND, "No such lot.", "Không có lô hàng này.")
	}
	b, err := w.store.FindBatch(ctx(c), id)
	if err != nil {
		return nil, err
	}
	res := registry.Resource{Kind: registry.KindBatch, EnterpriseID: b.EnterpriseID}
	if err := registry.Authorize(actor(c), registry.ActRead, res); err != nil {
		return nil, err
	}
	if action != registry.ActRead {
		if err := registry.Authorize(actor(c), action, res); err != nil {
			return nil, err
		}
	}
	return b, nil
}

// rclPage builds the lot's recall page with its downstream lots.
func (w *Web) rclPage(c *fiber.Ctx, b *registry.Batch, f *Form) (*Page, *rclFormData, error) {
	p := w.page(c, "recall/lot", "rcl_lot_title")
	p.Form = f
	names := w.inbNamer(c, p.Lang)
	d := &rclFormData{Lot: w.rclLotOf(names, b), Today: registry.VietnamDate(w.clock.Now())}
	if b.Status == registry.BatchRecalled {
		d.Recalled = b.Recall
		if d.Recalled == nil {
			d.Recalled = &registry.Recall{}
		}
		d.CanLift = registry.Authorize(actor(c), registry.ActDecide, registry.Resource{Kind: registry.KindBatch, EnterpriseID: b.EnterpriseID}) == nil
		if f.Value("lift_on") == "" {
			f.Set("lift_on", string(registry.VietnamDate(w.clock.Now())))
		}
	}
	g, err := w.store.Genealogy(ctx(c), b.ID, registry.Downstream, 0)
	if err != nil {
		return nil, nil, err
	}
	me, _ := registry.ActorFrom(ctx(c))
	g = g.SeenBy(me)
	for _, x := range g.Batches {
		if x.ID != b.ID {
			d.Downstream = append(d.Downstream, w.rclLotOf(names, x))
		}
	}
	if f.Value("on") == "" {
		f.Set("on", string(d.Today))
	}
	p.Data = d
	return p, d, nil
}

func (w *Web) rclForm(c *fiber.Ctx) error {
	b, err := w.rclLoad(c, registry.ActRead)
	if err != nil {
		return err
	}
	p, _, err := w.rclPage(c, b, newForm(c))
	if err != nil {
		return err
	}
	return w.render(c, fiber.StatusOK, p)
}

var errRclStale = registry.Errorf(registry.ESTALE,
	"The lot changed since you opened this page (another recall or an update). It is shown again as it is now: check it and start again.",
	"Lô hàng đã thay đổi kể từ khi bạn mở trang này (đã có người thu hồi hoặc cập nhật). Lô hàng được hiển thị lại theo tình trạng hiện tại: hãy kiểm tra và làm lại.")

// rclOrder reads the form and checks it against the lot read at the form's version.
func rclOrder(c *fiber.Ctx, f *Form, b *registry.Batch) (registry.RecallOrder, error) {
	o := registry.RecallOrder{Reason: strings.TrimSpace(f.Value("reason")), On: registry.Date(strings.TrimSpace(f.Value("on")))}
	if err := o.Check(b); err != nil {
		return o, err
	}
	if v, _ := strconv.Atoi(f.Value("version")); v != b.Version {
		return o, errRclStale
	}
	return o, nil
}

// rclFail shows the lot's form again with the problem.
func (w *Web) rclFail(c *fiber.Ctx, b *registry.Batch, f *Form, err error) error {
	f.Fail(err)
	p, _, perr := w.rclPage(c, b, f)
	if perr != nil {
		return perr
	}
	status := fiber.StatusUnprocessableEntity
	if registry.ErrorCode(err) == registry.ESTALE {
		status = fiber.StatusConflict
	}
	return w.render(c, status, p)
}

// rclCheck checks the form and asks for confirmation, listing every
// downstream lot the recall reaches.
func (w *Web) rclCheck(c *fiber.Ctx) error {
	f := newForm(c)
	b, err := w.rclLoad(c, registry.ActRecall)
	if err != nil {
		return err
	}
	o, err := rclOrder(c, f, b)
	if err != nil {
		return w.rclFail(c, b, f, err)
	}
	p, d, err := w.rclPage(c, b, f)
	if err != nil {
		return err
	}
	p.Title = "rcl_confirm_title"
	d.Confirm, d.On = true, o.On
	return w.render(c, fiber.StatusOK, p)
}

// rclConfirm recalls the lot.
func (w *Web) rclConfirm(c *fiber.Ctx) error {
	f := newForm(c)
	b, err := w.rclLoad(c, registry.ActRecall)
	if err != nil {
		return err
	}
	o, err := rclOrder(c, f, b)
	if err != nil {
		return w.rclFail(c, b, f, err)
	}
	next, err := registry.RecallBatch(ctx(c), w.store, b, o, actor(c).Username, w.clock.Now())
	if err != nil {
		if registry.ErrorCode(err) == registry.ESTALE {
			err = errRclStale
		}
		if invalid(err) {
			cur, ferr := w.store.FindBatch(ctx(c), b.ID)
			if ferr != nil {
				return ferr
			}
			return w.rclFail(c, cur, f, err)
		}
		return err
	}
	if err := w.audit(c, "batch.recall", registry.KindBatch, b.ID, b.EnterpriseID, b, next); err != nil {
		return err
	}
	w.publicChanged()
	return w.redirectFlash(c, rclPath+"/"+b.ID, "flash_rcl_recalled")
}

// rclLift lifts the lot's recall: the agency found it safe after all. The
// recall stays in the lot's history, shown on its public page.
func (w *Web) rclLift(c *fiber.Ctx) error {
	f := newForm(c)
	b, err := w.rclLoad(c, registry.ActDecide)
	if err != nil {
		return err
	}
	if v, _ := strconv.Atoi(f.Value("version")); v != b.Version {
		return w.rclFail(c, b, f, errRclStale)
	}
	o := registry.RecallOrder{Reason: strings.TrimSpace(f.Value("lift_reason")), On: registry.Date(strings.TrimSpace(f.Value("lift_on")))}
	next, err := registry.LiftRecall(ctx(c), w.store, b, o, actor(c).Username, w.clock.Now())
	if err != nil {
		if registry.ErrorCode(err) == registry.ESTALE {
			err = errRclStale
		}
		if invalid(err) {
			return w.rclFail(c, b, f, renameFieldMap(err, map[string]string{"reason": "lift_reason", "on": "lift_on"}))
		}
		return err
	}
	if err := w.audit(c, "batch.recall_lift", registry.KindBatch, b.ID, b.EnterpriseID, b, next); err != nil {
		return err
	}
	w.publicChanged()
	return w.redirectFlash(c, rclPath+"/"+b.ID, "flash_rcl_lifted")
}
