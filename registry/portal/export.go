package portal

import (
	"context"
	"encoding/json"
	"io"
	"slices"
	"time"

	"github.com/tracereg/tracereg/registry"
)

// Query selects the lots of one page of an export.
type Query struct {
	// EnterpriseID limits the export to one enterprise's lots ("" for all).
	EnterpriseID string
	// UpdatedSince keeps the lots whose record changed at or after it (zero: all).
	UpdatedSince time.Time
	Cursor       string
	Limit        int // 1 to registry.MaxPageLimit; 0 is registry.DefaultPageLimit
}

// Exporter gathers Records from the store: lots through the batches'
// updated_at indexes (enterprise_id+updated_at, or updated_at), oldest change
// first, and what each one names by key, memoized for the page.
type Exporter struct {
	Store registry.Store
	Base  string // PUBLIC_BASE_URL, no trailing slash
	Clock registry.Clock
}

// since is the start of every export's range when none is asked for: the
// lots are always read in updated_at order, so a client can continue from
// the last updated_at it saw.
var since = time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC)

// maxReads bounds the store pages one export page reads while it skips drafts.
const maxReads = 20

// Page returns up to q.Limit Records and the cursor of the next page ("" after
// the last). Drafts are skipped, so a page may hold fewer records than the
// limit while the cursor is not "": follow it until it is. EINVALID (field
// "cursor") for a cursor this export did not return.
func (x *Exporter) Page(ctx context.Context, q Query) ([]Record, string, error) {
	limit := registry.Page{Limit: q.Limit}.Normalize().Limit
	from := q.UpdatedSince
	if from.IsZero() {
		from = since
	}
	g := x.gatherer()
	out := []Record{}
	cursor := q.Cursor
	for range maxReads {
		batches, next, err := x.Store.ListBatches(ctx, registry.BatchFilter{EnterpriseID: q.EnterpriseID,
			Page: registry.Page{Cursor: cursor, Limit: limit - len(out), UpdatedSince: from}})
		if err != nil {
			return nil, "", err
		}
		for _, b := range batches {
			if !Public(b) {
				continue
			}
			r, err := g.record(ctx, b)
			if err != nil {
				return nil, "", err
			}
			out = append(out, r)
		}
		cursor = next
		if next == "" || len(out) >= limit {
			break
		}
	}
	return out, cursor, nil
}

// WriteNDJSON writes every Record of q (from its cursor on) to w, one a
// line, and returns how many it wrote.
func (x *Exporter) WriteNDJSON(ctx context.Context, w io.Writer, q Query) (int, error) {
	q.Limit = registry.MaxPageLimit
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	n := 0
	for {
		recs, next, err := x.Page(ctx, q)
		if err != nil {
			return n, err
		}
		for i := range recs {
			if err := enc.Encode(&recs[i]); err != nil {
				return n, err
			}
			n++
		}
		if next == "" {
			return n, nil
		}
		q.Cursor = next
	}
}

// gatherer loads what the lots of one page name, each record once.
type gatherer struct {
	x           *Exporter
	now         time.Time
	products    map[string]*registry.Product
	enterprises map[string]*registry.Enterprise
	places      map[string]*registry.Facility
	lots        map[string]*registry.Batch
	certs       map[string]*registry.Certificate
	bodies      map[string]*registry.CertificationBody
	standards   map[string]*registry.Standard
	holderCerts map[string][]*registry.Certificate            // by holder
	received    map[string][]*registry.ConformityAnnouncement // by enterprise, notice of receipt issued
}

func (x *Exporter) gatherer() *gatherer {
	clock := x.Clock
	if clock == nil {
		clock = registry.SystemClock{}
	}
	return &gatherer{x: x, now: clock.Now(), products: map[string]*registry.Product{}, enterprises: map[string]*registry.Enterprise{},
		places: map[string]*registry.Facility{}, lots: map[string]*registry.Batch{}, certs: map[string]*registry.Certificate{},
		bodies: map[string]*registry.CertificationBody{}, standards: map[string]*registry.Standard{},
		holderCerts: map[string][]*registry.Certificate{}, received: map[string][]*registry.ConformityAnnouncement{}}
}

// memo returns m[id], loading it with find once; a missing record is nil.
func memo[T any](ctx context.Context, m map[string]*T, id string, find func(context.Context, string) (*T, error)) (*T, error) {
	if id == "" {
		return nil, nil
	}
	if v, ok := m[id]; ok {
		return v, nil
	}
	v, err := find(ctx, id)
	if registry.ErrorCode(err) == registry.ENOTFOUND {
		v, err = nil, nil
	}
	if err != nil {
		return nil, err
	}
	m[id] = v
	return v, nil
}

func (g *gatherer) record(ctx context.Context, b *registry.Batch) (Record, error) {
	s := g.x.Store
	in := Input{Base: g.x.Base, Now: g.now, Lot: b, Places: map[string]*registry.Facility{}, Lots: map[string]*registry.Batch{},
		Products: map[string]*registry.Product{}, Owners: map[string]*registry.Enterprise{}, Bodies: g.bodies, Standards: map[string]*registry.Standard{}}
	var err error
	if in.Product, err = memo(ctx, g.products, b.ProductID, s.FindProduct); err != nil {
		return Record{}, err
	}
	if in.Enterprise, err = memo(ctx, g.enterprises, b.EnterpriseID, s.FindEnterprise); err != nil {
		return Record{}, err
	}
	if in.Product == nil || in.Enterprise == nil {
		return Record{}, registry.Errorf(registry.EINTERNAL, "lot "+b.ID+" names a product or enterprise that does not exist", "")
	}
	in.Owners[b.EnterpriseID] = in.Enterprise
	place := func(id string) error {
		f, err := memo(ctx, g.places, id, s.FindFacility)
		if f != nil {
			in.Places[id] = f
		}
		return err
	}
	for _, id := range append([]string{b.FacilityID}, b.SourcePlotIDs...) {
		if err := place(id); err != nil {
			return Record{}, err
		}
	}
	if in.Events, err = s.ListBatchEvents(ctx, b.ID); err != nil {
		return Record{}, err
	}
	for _, ev := range in.Events {
		if ev.Voided() {
			continue
		}
		if err := place(ev.FacilityID); err != nil {
			return Record{}, err
		}
		if err := g.owner(ctx, &in, ev.EnterpriseID); err != nil {
			return Record{}, err
		}
		if ev.Kind != registry.EventTransformation {
			continue
		}
		for _, q := range slices.Concat(ev.Inputs, ev.Outputs) {
			if q.BatchID == b.ID {
				continue
			}
			lot, err := memo(ctx, g.lots, q.BatchID, s.FindBatch)
			if err != nil {
				return Record{}, err
			}
			if !Public(lot) {
				continue
			}
			in.Lots[lot.ID] = lot
			p, err := memo(ctx, g.products, lot.ProductID, s.FindProduct)
			if err != nil {
				return Record{}, err
			}
			if p != nil {
				in.Products[p.ID] = p
			}
			if err := g.owner(ctx, &in, lot.EnterpriseID); err != nil {
				return Record{}, err
			}
		}
	}

	// Certificates the lot lists, then the holder's whose scope names the product.
	for _, id := range b.CertificateIDs {
		c, err := memo(ctx, g.certs, id, s.FindCertificate)
		if err != nil {
			return Record{}, err
		}
		if c != nil {
			in.Certificates = append(in.Certificates, c)
		}
	}
	held, ok := g.holderCerts[b.EnterpriseID]
	if !ok {
		if held, err = registry.CollectAll(ctx, func(pg registry.Page) ([]*registry.Certificate, string, error) {
			return s.ListCertificates(ctx, registry.CertificateFilter{HolderID: b.EnterpriseID, Page: pg})
		}); err != nil {
			return Record{}, err
		}
		g.holderCerts[b.EnterpriseID] = held
	}
	for _, c := range held {
		if slices.Contains(c.ScopeProductIDs, in.Product.ID) {
			in.Certificates = append(in.Certificates, c)
		}
	}
	for _, c := range in.Certificates {
		if _, err := memo(ctx, g.bodies, c.BodyID, s.FindCertificationBody); err != nil {
			return Record{}, err
		}
	}

	anns, ok := g.received[b.EnterpriseID]
	if !ok {
		if anns, err = registry.CollectAll(ctx, func(pg registry.Page) ([]*registry.ConformityAnnouncement, string, error) {
			return s.ListAnnouncements(ctx, registry.AnnouncementFilter{EnterpriseID: b.EnterpriseID, Status: registry.AnnReceived, Page: pg})
		}); err != nil {
			return Record{}, err
		}
		g.received[b.EnterpriseID] = anns
	}
	in.Announcements = anns

	codes := slices.Clone(in.Product.Standards)
	for _, a := range anns {
		codes = append(codes, a.StandardCode)
	}
	for _, code := range codes {
		st, err := memo(ctx, g.standards, code, s.FindStandardByCode)
		if err != nil {
			return Record{}, err
		}
		if st != nil {
			in.Standards[code] = st
		}
	}
	r, _ := Build(in)
	return r, nil
}

func (g *gatherer) owner(ctx context.Context, in *Input, id string) error {
	e, err := memo(ctx, g.enterprises, id, g.x.Store.FindEnterprise)
	if e != nil {
		in.Owners[id] = e
	}
	return err
}
