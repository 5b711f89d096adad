package records

import (
	"context"
	"strings"

	"github.com/tracereg/tracereg/registry"
	"github.com/tracereg/tracereg/registry/store"
)

// FindEvent implements registry.EventService.
func (d *DB) FindEvent(ctx context.Context, id string) (*registry.TraceEvent, error) {
	return getByID[registry.TraceEvent](ctx, d, colEvents, id, "Event", "sự kiện")
}

// DeclareEventError implements registry.EventService: the event's document
// gets the declaration, its version checked, in one transaction with the
// checks on SQLite.
func (d *DB) DeclareEventError(ctx context.Context, id, reason string) (*registry.TraceEvent, error) {
	reason = strings.TrimSpace(reason)
	var out *registry.TraceEvent
	err := d.tx(ctx, func(ctx context.Context) error {
		if !registry.ValidID(id) {
			return notFound("Event", "sự kiện")
		}
		raw, err := d.eng.Get(ctx, colEvents, id)
		if err != nil {
			return mapError(err, nil)
		}
		_, version, err := store.DocID(raw)
		if err != nil {
			return err
		}
		e, err := decode[registry.TraceEvent](raw)
		if err != nil {
			return err
		}
		var p registry.Problems
		if n := len([]rune(reason)); n < 3 || n > 500 {
			p.Add("reason", "required", "give a reason of 3 to 500 characters", "cần nêu lý do từ 3 đến 500 ký tự")
		}
		if e.Voided() {
			p.Add("error_declaration", "declared", "the event is already declared an error", "sự kiện đã được hủy trước đó")
		}
		if e.Kind == registry.EventTransformation {
			// A lot it made that later events use would lose its origin.
			for _, q := range e.Outputs {
				later, err := d.ListBatchEvents(ctx, q.BatchID)
				if err != nil {
					return err
				}
				for _, x := range later {
					if x.ID != e.ID && !x.Voided() {
						p.Add("outputs", "in_use", "a lot it made has later events: declare those errors first",
							"lô hàng do sự kiện này tạo ra đã có sự kiện sau: hãy hủy các sự kiện đó trước")
						break
					}
				}
			}
		}
		if err := p.Err(); err != nil {
			return err
		}
		decl := &registry.ErrorDeclaration{DeclaredAt: d.now(), Reason: reason}
		if actor, ok := registry.ActorFrom(ctx); ok {
			decl.By = actor.Username
		}
		e.ErrorDeclaration = decl
		if err := d.replace(ctx, colEvents, int(version), eventDoc{*e, version + 1}, nil); err != nil {
			return err
		}
		out = e
		return nil
	})
	return out, err
}
