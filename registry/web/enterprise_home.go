package web

import (
	"sort"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/tracereg/tracereg/registry"
)

// entCertRow is a certificate with its status now.
type entCertRow struct {
	Cert   *registry.Certificate
	Status registry.CertStatus
}

// entExpiring is one group of the home page: certificates expiring within Days.
type entExpiring struct {
	Days  int
	Certs []entCertRow
}

// entHomeData is what needs doing.
type entHomeData struct {
	Enterprise *registry.Enterprise
	Expiring   []entExpiring
	Submitted  int
	NeedsMore  int
	// Decisions are the agency's answers of the last entDecisionDays days,
	// newest first: items asked for, notice issued, dossier rejected.
	Decisions []entDecision
	// NoEvents are lots with no event yet (of the first entEventCheckLimit lots).
	NoEvents []*registry.Batch
	Recalled []*registry.Batch
	// UpstreamRecalled are lots not recalled themselves made from a lot that is.
	UpstreamRecalled []entUpRecall
	Products         map[string]*registry.Product
}

// entDecision is one answer of the receiving agency to a dossier.
type entDecision struct {
	A      *registry.ConformityAnnouncement
	Change registry.StatusChange
}

// entDecisionDays is how long an agency's answer stays on the home page.
const entDecisionDays = 30

// entUpRecall is a lot and the recalled lot upstream of it.
type entUpRecall struct {
	Lot      *registry.Batch
	Upstream *registry.Batch
}

// entEventCheckLimit bounds the lots whose events the home page reads.
const entEventCheckLimit = 200

func (w *Web) entHome(c *fiber.Ctx) error {
	id, err := entID(c)
	if err != nil {
		return err
	}
	x := ctx(c)
	d := entHomeData{Products: map[string]*registry.Product{}}
	if d.Enterprise, err = w.store.FindEnterprise(x, id); err != nil {
		return err
	}
	certs, err := entScanAll(func(p registry.Page) ([]*registry.Certificate, string, error) {
		return w.store.ListCertificates(x, registry.CertificateFilter{HolderID: id, Page: p})
	})
	if err != nil {
		return err
	}
	d.Expiring = []entExpiring{{Days: 30}, {Days: 60}, {Days: 90}}
	now := w.clock.Now()
	for _, cert := range certs {
		st := cert.StatusAt(now)
		if st.Status != registry.CertActive || st.DaysLeft < 0 {
			continue
		}
		for i := range d.Expiring {
			if st.DaysLeft <= d.Expiring[i].Days {
				d.Expiring[i].Certs = append(d.Expiring[i].Certs, entCertRow{Cert: cert, Status: st})
				break
			}
		}
	}
	anns, err := entScanAll(func(p registry.Page) ([]*registry.ConformityAnnouncement, string, error) {
		return w.store.ListAnnouncements(x, registry.AnnouncementFilter{EnterpriseID: id, Page: p})
	})
	if err != nil {
		return err
	}
	for _, a := range anns {
		switch a.Status {
		case registry.AnnSubmitted:
			d.Submitted++
		case registry.AnnNeedsMore:
			d.NeedsMore++
		}
		if n := len(a.History); n > 0 {
			last := a.History[n-1]
			decided := last.Status == registry.AnnNeedsMore || last.Status == registry.AnnReceived || last.Status == registry.AnnRejected
			if decided && last.Status == a.Status && now.Sub(last.At) <= entDecisionDays*24*time.Hour {
				d.Decisions = append(d.Decisions, entDecision{A: a, Change: last})
			}
		}
	}
	sort.SliceStable(d.Decisions, func(i, j int) bool { return d.Decisions[i].Change.At.After(d.Decisions[j].Change.At) })
	lots, err := entScanAll(func(p registry.Page) ([]*registry.Batch, string, error) {
		return w.store.ListBatches(x, registry.BatchFilter{EnterpriseID: id, Page: p})
	})
	if err != nil {
		return err
	}
	for i, b := range lots {
		if b.Status == registry.BatchRecalled {
			d.Recalled = append(d.Recalled, b)
		}
		if i < entEventCheckLimit {
			events, err := w.store.ListBatchEvents(x, b.ID)
			if err != nil {
				return err
			}
			if len(events) == 0 {
				d.NoEvents = append(d.NoEvents, b)
			}
			if b.Status != registry.BatchRecalled && entMadeByTransformation(b.ID, events) {
				if up, err := w.entRecalledUpstream(c, b.ID); err != nil {
					return err
				} else if up != nil {
					d.UpstreamRecalled = append(d.UpstreamRecalled, entUpRecall{Lot: b, Upstream: up})
				}
			}
		}
	}
	shown := append(append([]*registry.Batch{}, d.NoEvents...), d.Recalled...)
	for _, u := range d.UpstreamRecalled {
		shown = append(shown, u.Lot)
	}
	for _, b := range shown {
		if _, ok := d.Products[b.ProductID]; !ok {
			if pr, err := w.store.FindProduct(x, b.ProductID); err == nil {
				d.Products[b.ProductID] = pr
			}
		}
	}
	p := w.page(c, "enterprise/home", "ent_home_title")
	p.Data = d
	return w.render(c, fiber.StatusOK, p)
}

// entMadeByTransformation reports whether one of events produced lot id from inputs.
func entMadeByTransformation(id string, events []*registry.TraceEvent) bool {
	for _, e := range events {
		if e.Kind != registry.EventTransformation {
			continue
		}
		for _, q := range e.Outputs {
			if q.BatchID == id {
				return true
			}
		}
	}
	return false
}

// entRecalledUpstream returns a recalled lot upstream of lot id, if any. Only
// lots made by a transformation have an upstream, so the home page walks
// the genealogy of those alone.
func (w *Web) entRecalledUpstream(c *fiber.Ctx, id string) (*registry.Batch, error) {
	g, err := w.store.Genealogy(ctx(c), id, registry.Upstream, 10)
	if err != nil {
		return nil, err
	}
	for _, b := range g.Batches {
		if b.ID != id && b.Status == registry.BatchRecalled {
			return b, nil
		}
	}
	return nil, nil
}
