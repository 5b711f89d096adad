package records

import (
	"context"

	"github.com/tracereg/tracereg/registry"
	"github.com/tracereg/tracereg/registry/store"
)

// supplyChain decides which enterprises may name a lot they do not own: those
// its owner shipped it to. An owner ships a lot by recording an event on it
// (not a transformation, not a receipt) whose counterparty is the receiver's
// tax code. It caches what it reads, for one call.
type supplyChain struct {
	d         *DB
	taxCodes  map[string]string          // enterprise ID → tax code
	lots      map[string]*registry.Batch // nil: the lot does not exist
	receivers map[string]map[string]bool // lot ID → tax codes it was shipped to
}

func (d *DB) supplyChain() *supplyChain {
	return &supplyChain{d: d, taxCodes: map[string]string{}, lots: map[string]*registry.Batch{}, receivers: map[string]map[string]bool{}}
}

// isShipment reports whether e, recorded by the lot's owner, hands the lot to
// its counterparty.
func isShipment(e *registry.TraceEvent, owner string) bool {
	if e.EnterpriseID != owner || e.CounterpartyTaxCode == "" || e.Kind == registry.EventTransformation {
		return false
	}
	return e.BusinessStep == "shipping" || e.Kind == registry.EventTransaction && e.BusinessStep != "receiving"
}

func (s *supplyChain) lot(ctx context.Context, id string) (*registry.Batch, error) {
	if b, ok := s.lots[id]; ok {
		return b, nil
	}
	b, err := s.d.FindBatch(ctx, id)
	if registry.ErrorCode(err) == registry.ENOTFOUND {
		b, err = nil, nil
	}
	if err != nil {
		return nil, err
	}
	s.lots[id] = b
	return b, nil
}

func (s *supplyChain) taxCode(ctx context.Context, enterpriseID string) (string, error) {
	if tc, ok := s.taxCodes[enterpriseID]; ok {
		return tc, nil
	}
	e, err := s.d.FindEnterprise(ctx, enterpriseID)
	if registry.ErrorCode(err) == registry.ENOTFOUND {
		err = nil
		e = &registry.Enterprise{}
	}
	if err != nil {
		return "", err
	}
	s.taxCodes[enterpriseID] = e.TaxCode
	return e.TaxCode, nil
}

// shippedTo returns the tax codes lot b was shipped to: one indexed read of
// the events that name it.
func (s *supplyChain) shippedTo(ctx context.Context, b *registry.Batch) (map[string]bool, error) {
	if r, ok := s.receivers[b.ID]; ok {
		return r, nil
	}
	r := map[string]bool{}
	err := each(ctx, s.d, store.Query{Collection: colEvents, Where: where("batches.batch_id", b.ID)}, func(e *registry.TraceEvent) error {
		if isShipment(e, b.EnterpriseID) {
			r[e.CounterpartyTaxCode] = true
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	s.receivers[b.ID] = r
	return r, nil
}

// mayUse reports whether enterprise may name lot id as an input: it owns the
// lot, or the lot is not a draft and its owner shipped it to enterprise. A
// lot that does not exist answers false, the same as one not shipped, so the
// answer tells nothing about other tenants' records.
func (s *supplyChain) mayUse(ctx context.Context, id, enterprise string) (bool, error) {
	b, err := s.lot(ctx, id)
	if err != nil || b == nil {
		return false, err
	}
	if b.EnterpriseID == enterprise {
		return true, nil
	}
	if b.Status == registry.BatchDraft {
		return false, nil
	}
	return s.received(ctx, b, enterprise)
}

// received reports whether b's owner shipped it to enterprise.
func (s *supplyChain) received(ctx context.Context, b *registry.Batch, enterprise string) (bool, error) {
	tc, err := s.taxCode(ctx, enterprise)
	if err != nil || tc == "" {
		return false, err
	}
	to, err := s.shippedTo(ctx, b)
	if err != nil {
		return false, err
	}
	return to[tc], nil
}

// checkInputs adds an "inputs" problem unless e's recorder may use every input.
func (s *supplyChain) checkInputs(ctx context.Context, p *registry.Problems, e *registry.TraceEvent) error {
	for _, q := range e.Inputs {
		ok, err := s.mayUse(ctx, q.BatchID, e.EnterpriseID)
		if err != nil {
			return err
		}
		if !ok {
			p.Add("inputs", "exists", "refers to a record that does not exist or belongs to another enterprise",
				"tham chiếu tới bản ghi không tồn tại hoặc thuộc doanh nghiệp khác")
			return nil
		}
	}
	return nil
}

// history keeps the events of lot b that belong in its history: those its
// owner recorded, and those of enterprises it was shipped to.
func (s *supplyChain) history(ctx context.Context, b *registry.Batch, events []*registry.TraceEvent) ([]*registry.TraceEvent, error) {
	s.lots[b.ID] = b
	to := map[string]bool{}
	for _, e := range events {
		if isShipment(e, b.EnterpriseID) {
			to[e.CounterpartyTaxCode] = true
		}
	}
	s.receivers[b.ID] = to
	kept := events[:0:0]
	for _, e := range events {
		ok := e.EnterpriseID == b.EnterpriseID
		if !ok {
			tc, err := s.taxCode(ctx, e.EnterpriseID)
			if err != nil {
				return nil, err
			}
			ok = tc != "" && to[tc]
		}
		if ok {
			kept = append(kept, e)
		}
	}
	return kept, nil
}
