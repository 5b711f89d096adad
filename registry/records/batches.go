package records

import (
	"context"
	"slices"
	"sort"

	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/tracereg/tracereg/registry"
	"github.com/tracereg/tracereg/registry/store"
)

// CreateBatch implements registry.BatchService.
func (d *DB) CreateBatch(ctx context.Context, b *registry.Batch) error {
	b.Corrections, b.CorrectionReason, b.PastRecalls = nil, "", nil // a new lot has no history
	if b.Status == "" {
		b.Status = registry.BatchPublished
	}
	if err := b.Validate(); err != nil {
		return err
	}
	if err := d.checkBatchRefs(ctx, b); err != nil {
		return err
	}
	b.ID, b.CreatedAt, b.UpdatedAt, b.Version = newID(), d.now(), d.now(), 1
	b.ShortCode = registry.NewShortCode()
	return d.tx(ctx, func(ctx context.Context) error {
		if err := d.insert(ctx, colBatches, b, errLotTaken); err != nil {
			return err
		}
		return d.queueBatchChange(ctx, nil, b)
	})
}

func (d *DB) checkBatchRefs(ctx context.Context, b *registry.Batch) error {
	var p registry.Problems
	for _, check := range []struct {
		field, col string
		ids        []string
		extra      func(bson.Raw) bool
	}{
		{"product_id", colProducts, []string{b.ProductID}, nil},
		{"facility_id", colFacilities, []string{b.FacilityID}, nil},
		{"source_plot_ids", colFacilities, b.SourcePlotIDs, fieldIs("kind", registry.FacilityFarmPlot)},
	} {
		if err := d.requireOwned(ctx, &p, check.field, check.col, check.ids, b.EnterpriseID, check.extra); err != nil {
			return err
		}
	}
	// Certificates are the holder's, not "owned" through enterprise_id.
	if err := d.requireOwned(ctx, &p, "certificate_ids", colCertificates, b.CertificateIDs, "", fieldIs("holder_id", b.EnterpriseID)); err != nil {
		return err
	}
	return p.Err()
}

// FindBatch implements registry.BatchService.
func (d *DB) FindBatch(ctx context.Context, id string) (*registry.Batch, error) {
	return getByID[registry.Batch](ctx, d, colBatches, id, "Batch", "lô hàng")
}

// FindBatchByLot implements registry.BatchService.
func (d *DB) FindBatchByLot(ctx context.Context, productID, lotCode string) (*registry.Batch, error) {
	if productID == "" || lotCode == "" {
		return nil, notFound("Batch", "lô hàng")
	}
	return one[registry.Batch](ctx, d, colBatches, where("product_id", productID, "lot_code", lotCode), "Batch", "lô hàng")
}

// FindBatchByShortCode implements registry.BatchService.
func (d *DB) FindBatchByShortCode(ctx context.Context, code string) (*registry.Batch, error) {
	return one[registry.Batch](ctx, d, colBatches, where("short_code", code), "Batch", "lô hàng")
}

// ListBatches implements registry.BatchService.
func (d *DB) ListBatches(ctx context.Context, f registry.BatchFilter) ([]*registry.Batch, string, error) {
	if f.ProductID != "" && f.LotCode != "" {
		return byUniqueKey(ctx, d, colBatches, where("product_id", f.ProductID, "lot_code", f.LotCode), func(b *registry.Batch) bool {
			return matches(f.EnterpriseID, b.EnterpriseID) && matches(f.Status, b.Status)
		})
	}
	if f.LotCodePrefix != "" {
		return d.listByLotPrefix(ctx, f)
	}
	if f.FacilityID != "" || f.SourcePlotID != "" {
		return d.listByPlace(ctx, f)
	}
	return list[registry.Batch](ctx, d, colBatches,
		where("enterprise_id", f.EnterpriseID, "product_id", f.ProductID, "lot_code", f.LotCode, "status", f.Status), f.Page)
}

// listByLotPrefix reads the range of the enterprise's lot codes that
// start with the prefix (the enterprise_id+lot_code index).
func (d *DB) listByLotPrefix(ctx context.Context, f registry.BatchFilter) ([]*registry.Batch, string, error) {
	if f.EnterpriseID == "" || f.ProductID != "" || f.LotCode != "" || f.Status != "" || !f.Page.UpdatedSince.IsZero() {
		return nil, "", fieldError("lot_code_prefix", "combination", "goes with the enterprise only", "chỉ dùng cùng doanh nghiệp")
	}
	page := f.Page.Normalize()
	// U+10FFFF is the last character: every code with the prefix sorts before prefix+it.
	q := store.Query{Collection: colBatches, Where: where("enterprise_id", f.EnterpriseID), After: page.Cursor, Limit: page.Limit,
		Range: &store.Range{Field: "lot_code", Gte: f.LotCodePrefix, Lt: f.LotCodePrefix + "\U0010FFFF"}}
	raws, next, err := d.eng.Find(ctx, q)
	if err != nil {
		return nil, "", mapError(err, nil)
	}
	out := make([]*registry.Batch, 0, len(raws))
	for _, raw := range raws {
		b, err := decode[registry.Batch](raw)
		if err != nil {
			return nil, "", err
		}
		out = append(out, b)
	}
	return out, next, nil
}

// listByPlace lists the lots made at a facility or harvested from a plot,
// newest first (IDs grow with time), through the facility_id or the
// source_plot_ids index.
func (d *DB) listByPlace(ctx context.Context, f registry.BatchFilter) ([]*registry.Batch, string, error) {
	field, id := "facility_id", f.FacilityID
	if f.SourcePlotID != "" {
		field, id = "source_plot_ids", f.SourcePlotID
	}
	if f.FacilityID != "" && f.SourcePlotID != "" || f.EnterpriseID != "" || f.ProductID != "" || f.LotCode != "" ||
		f.Status != "" || !f.Page.UpdatedSince.IsZero() {
		return nil, "", fieldError(field, "combination", "goes with no other filter", "không dùng cùng bộ lọc khác")
	}
	page := f.Page.Normalize()
	raws, next, err := d.eng.Find(ctx, store.Query{Collection: colBatches, Where: where(field, id), OrderBy: store.IDField,
		Desc: true, After: page.Cursor, Limit: page.Limit})
	if err != nil {
		return nil, "", mapError(err, nil)
	}
	out := make([]*registry.Batch, 0, len(raws))
	for _, raw := range raws {
		b, err := decode[registry.Batch](raw)
		if err != nil {
			return nil, "", err
		}
		out = append(out, b)
	}
	return out, next, nil
}

// UpdateBatch implements registry.BatchService.
func (d *DB) UpdateBatch(ctx context.Context, b *registry.Batch) error {
	if err := b.Validate(); err != nil {
		return err
	}
	old, err := d.FindBatch(ctx, b.ID)
	if err != nil {
		return err
	}
	if old.EnterpriseID != b.EnterpriseID || old.ProductID != b.ProductID {
		return fieldError("product_id", "immutable", "a lot stays with its enterprise and product", "lô hàng không thể đổi doanh nghiệp hoặc sản phẩm")
	}
	if err := d.checkBatchRefs(ctx, b); err != nil {
		return err
	}
	if b.Version != old.Version {
		return errStale // said first: the correction is judged against what was read
	}
	if err := d.recordCorrection(ctx, old, b); err != nil {
		return err
	}
	b.ShortCode = old.ShortCode
	return d.tx(ctx, func(ctx context.Context) error {
		if err := d.replaceNext(ctx, colBatches, stamps{&b.Version, &b.CreatedAt, &b.UpdatedAt}, old.CreatedAt,
			func() any { return b }, errLotTaken); err != nil {
			return err
		}
		return d.queueBatchChange(ctx, old, b)
	})
}

// recordCorrection keeps the lot's correction history, which only the
// service writes, and adds an entry when a published (or recalled) lot's
// public fields change: consumers saw the earlier figures. The lot code of
// a published lot is in its printed QR codes, so it never changes.
func (d *DB) recordCorrection(ctx context.Context, old, b *registry.Batch) error {
	reason := b.CorrectionReason
	b.CorrectionReason, b.Corrections = "", old.Corrections
	fields := b.CorrectedFields(old)
	if old.Status == registry.BatchDraft || len(fields) == 0 {
		return nil
	}
	if b.LotCode != old.LotCode {
		return fieldError("lot_code", "immutable", "a published lot keeps its code: it is printed in the lot's QR codes; register a new lot instead",
			"lô hàng đã công bố giữ nguyên mã lô vì mã đã in trong mã QR; hãy đăng ký một lô mới")
	}
	var err error
	b.Corrections, err = d.corrected(ctx, old.Corrections, fields, reason, "a published lot", "lô hàng đã công bố")
	return err
}

// --- events

// eventDoc is an event as stored: events are never changed, so their
// version stays 1.
type eventDoc struct {
	registry.TraceEvent `bson:",inline"`
	Version             int64 `bson:"version"`
}

// CreateEvent implements registry.EventService. The event is one document,
// so it is written whole or not at all; the unique (enterprise, idempotency
// key) index makes a retry return the first event.
func (d *DB) CreateEvent(ctx context.Context, e *registry.TraceEvent) error {
	if err := e.Validate(d.clock.Now()); err != nil {
		return err
	}
	if e.IdempotencyKey != "" {
		prev, err := d.findEventByKey(ctx, e.EnterpriseID, e.IdempotencyKey)
		if err == nil {
			*e = *prev
			return nil
		}
		if registry.ErrorCode(err) != registry.ENOTFOUND {
			return err
		}
	}
	var p registry.Problems
	if err := d.requireOwned(ctx, &p, "facility_id", colFacilities, []string{e.FacilityID}, e.EnterpriseID, nil); err != nil {
		return err
	}
	// Inputs may be bought from another enterprise (one step back), if it
	// shipped them here. Everything else an event names is the recorder's own.
	if err := d.supplyChain().checkInputs(ctx, &p, e); err != nil {
		return err
	}
	for _, f := range []struct {
		field string
		qs    []registry.Quantity
	}{{"batches", e.Batches}, {"outputs", e.Outputs}} {
		if err := d.requireOwned(ctx, &p, f.field, colBatches, quantityIDs(f.qs), e.EnterpriseID, nil); err != nil {
			return err
		}
	}
	if err := p.Err(); err != nil {
		return err
	}
	if e.Kind == registry.EventTransformation {
		if err := d.checkCycle(ctx, e); err != nil {
			return err
		}
	}
	e.ID, e.RecordedAt = newID(), d.now()
	if actor, ok := registry.ActorFrom(ctx); ok {
		e.RecordedBy = actor.Username
	}
	if e.IdempotencyKey == "" {
		e.IdempotencyKey = "id:" + e.ID // keeps the unique index free of missing keys
	}
	err := d.insert(ctx, colEvents, eventDoc{*e, 1}, errEventKeyTaken)
	if registry.ErrorCode(err) == registry.ECONFLICT {
		// A concurrent retry won the race: answer with its event.
		if prev, findErr := d.findEventByKey(ctx, e.EnterpriseID, e.IdempotencyKey); findErr == nil {
			*e = *prev
			return nil
		}
	}
	return err
}

var (
	errEventKeyTaken = conflict("An event with this idempotency key exists.", "Đã có sự kiện mang khóa chống trùng này.")
	errCycle         = fieldError("outputs", "cycle", "an output is already upstream of an input: the genealogy would loop",
		"một lô đầu ra đã nằm ở thượng nguồn của lô đầu vào: phả hệ sẽ bị vòng lặp")
)

func (d *DB) checkCycle(ctx context.Context, e *registry.TraceEvent) error {
	cycle, err := d.wouldCycle(ctx, quantityIDs(e.Inputs), quantityIDs(e.Outputs))
	if err != nil {
		return err
	}
	if cycle {
		return errCycle
	}
	return nil
}

func (d *DB) findEventByKey(ctx context.Context, enterpriseID, key string) (*registry.TraceEvent, error) {
	return one[registry.TraceEvent](ctx, d, colEvents, where("enterprise_id", enterpriseID, "idempotency_key", key), "Event", "sự kiện")
}

func quantityIDs(qs []registry.Quantity) []string {
	ids := make([]string, 0, len(qs))
	for _, q := range qs {
		ids = append(ids, q.BatchID)
	}
	return ids
}

// eventFields are the fields by which an event names a batch, each indexed.
var eventFields = []string{"batches.batch_id", "inputs.batch_id", "outputs.batch_id"}

// ListBatchEvents implements registry.EventService: one indexed read per
// field that can name the batch, merged in event time order.
func (d *DB) ListBatchEvents(ctx context.Context, batchID string) ([]*registry.TraceEvent, error) {
	b, err := d.FindBatch(ctx, batchID)
	if err != nil {
		return nil, err
	}
	seen := map[string]bool{}
	var out []*registry.TraceEvent
	for _, field := range eventFields {
		err := each(ctx, d, store.Query{Collection: colEvents, Where: where(field, batchID)}, func(e *registry.TraceEvent) error {
			if !seen[e.ID] {
				seen[e.ID] = true
				out = append(out, e)
			}
			return nil
		})
		if err != nil {
			return nil, err
		}
	}
	sort.Slice(out, func(i, j int) bool {
		if !out[i].EventTime.Equal(out[j].EventTime) {
			return out[i].EventTime.Before(out[j].EventTime)
		}
		return out[i].ID < out[j].ID
	})
	// Another enterprise's event names this lot only as an input; it belongs
	// here only if the lot was shipped to it.
	return d.supplyChain().history(ctx, b, out)
}

// maxGenealogyDepth bounds every walk of the graph.
const maxGenealogyDepth = 100

// neighbours returns, for a frontier of batches, the transformation links one
// step up (events whose outputs include them) or down (whose inputs do):
// one indexed read per batch of the frontier. With a supply chain, a link
// from another enterprise's lot counts only if the lot was shipped to the
// event's recorder; without one (the cycle check), every link counts.
func (d *DB) neighbours(ctx context.Context, frontier []string, direction string, s *supplyChain) ([]registry.GenealogyLink, error) {
	field := "outputs.batch_id"
	if direction == registry.Downstream {
		field = "inputs.batch_id"
	}
	seen := map[string]bool{}
	var events []*registry.TraceEvent
	for _, id := range frontier {
		err := each(ctx, d, store.Query{Collection: colEvents, Where: where(field, id)}, func(e *registry.TraceEvent) error {
			if e.Kind == registry.EventTransformation && !e.Voided() && !seen[e.ID] {
				seen[e.ID] = true
				events = append(events, e)
			}
			return nil
		})
		if err != nil {
			return nil, err
		}
	}
	sort.Slice(events, func(i, j int) bool { return events[i].ID < events[j].ID })
	var links []registry.GenealogyLink
	for _, ev := range events {
		for _, in := range ev.Inputs {
			if s != nil {
				ok, err := s.mayUse(ctx, in.BatchID, ev.EnterpriseID)
				if err != nil {
					return nil, err
				}
				if !ok {
					continue
				}
			}
			for _, out := range ev.Outputs {
				near := out.BatchID
				if direction == registry.Downstream {
					near = in.BatchID
				}
				if slices.Contains(frontier, near) {
					links = append(links, registry.GenealogyLink{From: in.BatchID, To: out.BatchID, EventID: ev.ID})
				}
			}
		}
	}
	return links, nil
}

// wouldCycle reports whether any input is reachable downstream from an output
// (or is one), which a new transformation from inputs to outputs would close into a loop.
func (d *DB) wouldCycle(ctx context.Context, inputs, outputs []string) (bool, error) {
	seen := map[string]bool{}
	frontier := slices.Clone(outputs)
	for depth := 0; len(frontier) > 0 && depth <= maxGenealogyDepth; depth++ {
		for _, id := range frontier {
			if slices.Contains(inputs, id) {
				return true, nil
			}
			seen[id] = true
		}
		links, err := d.neighbours(ctx, frontier, registry.Downstream, nil)
		if err != nil {
			return false, err
		}
		frontier = frontier[:0:0]
		for _, l := range links {
			if !seen[l.To] && !slices.Contains(frontier, l.To) {
				frontier = append(frontier, l.To)
			}
		}
	}
	return false, nil
}

// getMany returns the records of col with these IDs that exist, in ID
// order: one get each.
func getMany[T any](ctx context.Context, d *DB, col string, ids []string) ([]*T, error) {
	ids = slices.Clone(ids)
	slices.Sort(ids)
	ids = slices.Compact(ids)
	var out []*T
	for _, id := range ids {
		v, err := getByID[T](ctx, d, col, id, "", "")
		if registry.ErrorCode(err) == registry.ENOTFOUND {
			continue
		}
		if err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, nil
}

// Genealogy implements registry.EventService.
func (d *DB) Genealogy(ctx context.Context, batchID, direction string, depth int) (*registry.Genealogy, error) {
	if direction != registry.Upstream && direction != registry.Downstream {
		return nil, fieldError("direction", "one_of", "must be up or down", "phải là up hoặc down")
	}
	if depth <= 0 || depth > maxGenealogyDepth {
		depth = maxGenealogyDepth
	}
	root, err := d.FindBatch(ctx, batchID)
	if err != nil {
		return nil, err
	}
	g := &registry.Genealogy{Root: root.ID, Batches: []*registry.Batch{root}}
	seen := map[string]bool{root.ID: true}
	frontier := []string{root.ID}
	chain := d.supplyChain()
	chain.lots[root.ID] = root // the walk's lots are read once, by the chain
	for level := 0; level < depth && len(frontier) > 0; level++ {
		links, err := d.neighbours(ctx, frontier, direction, chain)
		if err != nil {
			return nil, err
		}
		var next []string
		for _, l := range links {
			g.Links = append(g.Links, l)
			far := l.From
			if direction == registry.Downstream {
				far = l.To
			}
			if !seen[far] {
				seen[far] = true
				next = append(next, far)
			}
		}
		// In ID order; the upstream walk has read them already, checking inputs.
		for _, id := range slices.Sorted(slices.Values(next)) {
			b, err := chain.lot(ctx, id)
			if err != nil {
				return nil, err
			}
			if b != nil {
				g.Batches = append(g.Batches, b)
			}
		}
		frontier = next
	}
	if direction == registry.Upstream {
		var plotIDs []string
		for _, b := range g.Batches {
			plotIDs = append(plotIDs, b.SourcePlotIDs...)
		}
		if len(plotIDs) > 0 {
			plots, err := getMany[registry.Facility](ctx, d, colFacilities, plotIDs)
			if err != nil {
				return nil, err
			}
			g.Plots = plots
		}
	}
	return g, nil
}
