package records

import (
	"context"

	"github.com/tracereg/tracereg/registry"
)

// AuditID is the stored _id of the audit entry with that sequence number.
func AuditID(seq int64) string { return auditID(seq) }

// TamperAudit changes a stored audit entry behind the log's back, through
// the engine, for the external tests of VerifyAudit.
func (d *DB) TamperAudit(ctx context.Context, seq int64, change func(e *registry.AuditEntry)) error {
	raw, err := d.eng.Get(ctx, colAudit, auditID(seq))
	if err != nil {
		return err
	}
	e, err := decodeAudit(raw)
	if err != nil {
		return err
	}
	read, err := decode[auditDoc](raw)
	if err != nil {
		return err
	}
	change(e)
	doc := toAuditDoc(e)
	doc.Version = read.Version + 1
	b, err := marshal(doc)
	if err != nil {
		return err
	}
	return d.eng.Replace(ctx, colAudit, read.Version, b)
}
