package lookup

import (
	"context"
	"slices"
	"sort"
	"sync"

	"github.com/tracereg/tracereg/registry"
	"github.com/tracereg/tracereg/registry/gs1"
)

// view is what a verification page shows, assembled from the store. It is
// cached and shared between requests, so nothing may modify it after load;
// everything that depends on the clock is computed from it per request.
type view struct {
	Product    *registry.Product
	Enterprise *registry.Enterprise
	Photo      *registry.Document // nil when none, or the document store did not answer
	// Batch is nil for a product page. Upstream are the batches it was made
	// from, transitively (nearest first).
	Batch     *registry.Batch
	Upstream  []*registry.Batch
	Products  map[string]*registry.Product    // of Batch and Upstream, by ID
	Owners    map[string]*registry.Enterprise // of those products and events, by ID
	Plots     []*registry.Facility
	Places    map[string]*registry.Facility // event facilities, by ID
	Events    []*registry.TraceEvent        // of Batch and Upstream, oldest first
	Certs     []certRef
	Ann       []*registry.ConformityAnnouncement
	Serials   int64 // serials issued for Batch
	DocsError bool  // the document store did not answer while loading

	// plotViews are the plots projected for drawing, per language (done once at load).
	plotViews map[string][]plotVM
	// html memoizes rendered pages; see renderMemo.
	html renderMemo
	// linkList memoizes the resolver's links for linkBase (no serial).
	linkMu   sync.Mutex
	linkBase string
	linkList []link
}

// certRef is a certificate shown on a page, with its issuer and the lot it came with.
type certRef struct {
	Cert *registry.Certificate
	Body *registry.CertificationBody
	Lot  string // lot code of the batch that lists it; "" for a product-level certificate
}

// Keys of the cache.
func keyGTIN(gtin string) string          { return "g:" + gtin }
func keyGTINLot(gtin, lot string) string  { return "g:" + gtin + "/l:" + lot }
func keyProductCode(code string) string   { return "p:" + code }
func keyLotCode(code string) string       { return "l:" + code }
func keyCert(number string) string        { return "c:" + number }
func keyCertHolder(taxCode string) string { return "t:" + taxCode }

// maxUpstream bounds the genealogy walked for one page.
const maxUpstream = 20

// viewFor returns the view of a product (lot == "") or of one of its lots,
// from the cache or the store.
func (l *Lookup) viewForGTIN(gtin, lot string) (*view, bool, error) {
	key := keyGTIN(gtin)
	if lot != "" {
		key = keyGTINLot(gtin, lot)
	}
	return l.cachedView(key, func(ctx context.Context) (*view, error) {
		p, err := l.cfg.Store.FindProductByGTIN(ctx, gtin)
		if err != nil {
			return nil, unknown(err)
		}
		var b *registry.Batch
		if lot != "" {
			if b, err = l.cfg.Store.FindBatchByLot(ctx, p.ID, lot); err != nil {
				return nil, unknown(err)
			}
		}
		return l.assemble(ctx, p, b)
	})
}

func (l *Lookup) viewForProductCode(code string) (*view, bool, error) {
	return l.cachedView(keyProductCode(code), func(ctx context.Context) (*view, error) {
		p, err := l.cfg.Store.FindProductByShortCode(ctx, code)
		if err != nil {
			return nil, unknown(err)
		}
		return l.assemble(ctx, p, nil)
	})
}

func (l *Lookup) viewForLotCode(code string) (*view, bool, error) {
	return l.cachedView(keyLotCode(code), func(ctx context.Context) (*view, error) {
		b, err := l.cfg.Store.FindBatchByShortCode(ctx, code)
		if err != nil {
			return nil, unknown(err)
		}
		p, err := l.cfg.Store.FindProduct(ctx, b.ProductID)
		if err != nil {
			return nil, err
		}
		return l.assemble(ctx, p, b)
	})
}

func (l *Lookup) cachedView(key string, load func(ctx context.Context) (*view, error)) (*view, bool, error) {
	v, stale, err := l.cache.get(key, l.cfg.LoadTimeout, func(ctx context.Context) (any, error) {
		v, err := load(ctx)
		if err != nil {
			return nil, err
		}
		return v, nil
	})
	if err != nil {
		return nil, false, err
	}
	return v.(*view), stale, nil
}

// unknown turns a store's "not found" into the page a consumer sees for an
// unknown code.
func unknown(err error) error {
	if registry.ErrorCode(err) == registry.ENOTFOUND {
		return notFound("This code is not registered: the product or lot is unknown to the registry. If it is on a package, please report it.",
			"Mã này chưa được đăng ký: hệ thống không có sản phẩm hoặc lô hàng này. Nếu mã in trên bao bì, xin hãy báo cho cơ quan quản lý.")
	}
	return err
}

// assemble reads everything a page shows. Draft batches are not public.
func (l *Lookup) assemble(ctx context.Context, p *registry.Product, b *registry.Batch) (*view, error) {
	s := l.cfg.Store
	if b != nil && b.Status == registry.BatchDraft {
		return nil, unknown(registry.Errorf(registry.ENOTFOUND, "draft", "draft"))
	}
	v := &view{Product: p, Batch: b, Products: map[string]*registry.Product{p.ID: p},
		Owners: map[string]*registry.Enterprise{}, Places: map[string]*registry.Facility{}}
	var err error
	if v.Enterprise, err = l.owner(ctx, v, p.EnterpriseID); err != nil {
		return nil, err
	}
	if p.PhotoID != "" {
		if doc, err := s.FindDocument(ctx, p.PhotoID); err == nil && doc.Public {
			if _, err := l.docs().Stat(ctx, doc.Blob.SHA256); err == nil {
				v.Photo = doc
			} else {
				v.DocsError = true
			}
		}
	}

	var batches []*registry.Batch
	if b != nil {
		g, err := s.Genealogy(ctx, b.ID, registry.Upstream, maxUpstream)
		if err != nil {
			return nil, err
		}
		g = g.SeenBy(registry.Actor{}) // the public's view
		v.Plots = g.Plots
		v.plotViews = map[string][]plotVM{}
		for lg := range messages {
			for _, f := range g.Plots {
				v.plotViews[lg] = append(v.plotViews[lg], plotView(f, lg))
			}
		}
		for _, x := range g.Batches {
			if x.ID != b.ID {
				v.Upstream = append(v.Upstream, x)
			}
		}
		batches = append([]*registry.Batch{b}, v.Upstream...)
		for _, x := range v.Upstream {
			if _, ok := v.Products[x.ProductID]; !ok {
				xp, err := s.FindProduct(ctx, x.ProductID)
				if err != nil {
					return nil, err
				}
				v.Products[xp.ID] = xp
			}
			if _, err := l.owner(ctx, v, x.EnterpriseID); err != nil {
				return nil, err
			}
		}
		seen := map[string]bool{}
		for _, x := range batches {
			evs, err := s.ListBatchEvents(ctx, x.ID)
			if err != nil {
				return nil, err
			}
			for _, e := range evs {
				if !seen[e.ID] {
					seen[e.ID] = true
					v.Events = append(v.Events, e)
				}
			}
		}
		sort.SliceStable(v.Events, func(i, j int) bool { return v.Events[i].EventTime.Before(v.Events[j].EventTime) })
		for _, e := range v.Events {
			if e.FacilityID != "" && v.Places[e.FacilityID] == nil {
				f, err := s.FindFacility(ctx, e.FacilityID)
				if err != nil && registry.ErrorCode(err) != registry.ENOTFOUND {
					return nil, err
				}
				if f != nil {
					v.Places[f.ID] = f
				}
			}
			if _, err := l.owner(ctx, v, e.EnterpriseID); err != nil {
				return nil, err
			}
		}
		if l.cfg.Serials != nil {
			if v.Serials, err = l.cfg.Serials.SerialsIssued(ctx, b.ID); err != nil {
				return nil, err
			}
		}
	}

	// Certificates: those listed by the lot and the lots upstream, then those
	// whose scope names the product.
	bodies := map[string]*registry.CertificationBody{}
	seenCert := map[string]bool{}
	addCert := func(c *registry.Certificate, lot string) error {
		if seenCert[c.ID] {
			return nil
		}
		seenCert[c.ID] = true
		body := bodies[c.BodyID]
		if body == nil {
			var err error
			if body, err = s.FindCertificationBody(ctx, c.BodyID); err != nil {
				return err
			}
			bodies[c.BodyID] = body
		}
		v.Certs = append(v.Certs, certRef{Cert: c, Body: body, Lot: lot})
		return nil
	}
	for _, x := range batches {
		for _, id := range x.CertificateIDs {
			c, err := s.FindCertificate(ctx, id)
			if registry.ErrorCode(err) == registry.ENOTFOUND {
				continue
			}
			if err != nil {
				return nil, err
			}
			if err := addCert(c, x.LotCode); err != nil {
				return nil, err
			}
		}
	}
	certs, err := listAll(func(pg registry.Page) ([]*registry.Certificate, string, error) {
		return s.ListCertificates(ctx, registry.CertificateFilter{HolderID: p.EnterpriseID, Page: pg})
	})
	if err != nil {
		return nil, err
	}
	for _, c := range certs {
		if slices.Contains(c.ScopeProductIDs, p.ID) {
			if err := addCert(c, ""); err != nil {
				return nil, err
			}
		}
	}

	anns, err := listAll(func(pg registry.Page) ([]*registry.ConformityAnnouncement, string, error) {
		return s.ListAnnouncements(ctx, registry.AnnouncementFilter{EnterpriseID: p.EnterpriseID, Page: pg})
	})
	if err != nil {
		return nil, err
	}
	for _, a := range anns {
		if a.Status != registry.AnnDraft && slices.Contains(a.ProductIDs, p.ID) {
			v.Ann = append(v.Ann, a)
		}
	}
	return v, nil
}

// listAll reads every page of a list, up to a bound.
func listAll[T any](page func(registry.Page) ([]*T, string, error)) ([]*T, error) {
	var all []*T
	pg := registry.Page{Limit: registry.MaxPageLimit}
	for range 10 {
		items, next, err := page(pg)
		if err != nil {
			return nil, err
		}
		all = append(all, items...)
		if next == "" {
			break
		}
		pg.Cursor = next
	}
	return all, nil
}

func (l *Lookup) owner(ctx context.Context, v *view, id string) (*registry.Enterprise, error) {
	if e := v.Owners[id]; e != nil {
		return e, nil
	}
	e, err := l.cfg.Store.FindEnterprise(ctx, id)
	if err != nil {
		return nil, err
	}
	v.Owners[id] = e
	return e, nil
}

func (l *Lookup) docs() registry.DocumentStore {
	if l.cfg.Documents == nil {
		return noDocuments{}
	}
	return l.cfg.Documents
}

// recalled returns the recalled batch nearest to the lot (itself first), or nil.
func (v *view) recalled() *registry.Batch {
	if v.Batch == nil {
		return nil
	}
	for _, b := range append([]*registry.Batch{v.Batch}, v.Upstream...) {
		if b.Status == registry.BatchRecalled || b.Recall != nil {
			return b
		}
	}
	return nil
}

// link returns the Digital Link of the view's product or lot (no serial), or
// the zero link for a product without GTIN.
func (v *view) link() gs1.DigitalLink {
	if v.Product.GTIN == "" {
		return gs1.DigitalLink{}
	}
	d := gs1.DigitalLink{GTIN: v.Product.GTIN}
	if v.Batch != nil {
		d.Lot = v.Batch.LotCode
	}
	return d
}
