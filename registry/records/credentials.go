package records

import (
	"context"
	"errors"
	"time"

	"github.com/tracereg/tracereg/registry"
	"github.com/tracereg/tracereg/registry/store"
)

var _ registry.CredentialStatusService = (*DB)(nil)

// counterCredentialStatus hands out status list positions.
const counterCredentialStatus = "credential_status"

// credentialStatusDoc is one credential's position: _id is kind ":" record ID.
type credentialStatusDoc struct {
	ID      string    `bson:"_id"`
	Index   int       `bson:"index"`
	At      time.Time `bson:"at"`
	Version int       `bson:"version"`
}

// CredentialStatusIndex implements registry.CredentialStatusService. Two
// first requests at once may both take a number; the one stored wins and the
// other number stays unused, which a status list allows.
func (d *DB) CredentialStatusIndex(ctx context.Context, kind, id string) (int, error) {
	switch kind {
	case registry.CredentialCertificate, registry.CredentialAnnouncement, registry.CredentialLot:
	default:
		return 0, fieldError("kind", "one_of", "is not a kind of credential", "không phải loại chứng chỉ số")
	}
	if id == "" {
		return 0, fieldError("id", "required", "is required", "là bắt buộc")
	}
	key := kind + ":" + id
	if doc, err := get[credentialStatusDoc](ctx, d, colCredentialStatus, key, "Credential", "chứng chỉ số"); err == nil {
		return doc.Index, nil
	} else if registry.ErrorCode(err) != registry.ENOTFOUND {
		return 0, err
	}
	n, err := d.eng.Add(ctx, counterCredentialStatus, 1)
	if err != nil {
		return 0, mapError(err, nil)
	}
	doc := credentialStatusDoc{ID: key, Index: int(n - 1), At: d.now(), Version: 1}
	raw, err := marshal(doc)
	if err != nil {
		return 0, err
	}
	if err := d.eng.Insert(ctx, colCredentialStatus, raw); errors.Is(err, store.ErrDuplicate) {
		won, err := get[credentialStatusDoc](ctx, d, colCredentialStatus, key, "Credential", "chứng chỉ số")
		if err != nil {
			return 0, err
		}
		return won.Index, nil
	} else if err != nil {
		return 0, mapError(err, nil)
	}
	return doc.Index, nil
}

// CredentialStatuses implements registry.CredentialStatusService. It reads
// only the records that are not in force (by their status index) and the
// positions of those that ever had a credential.
func (d *DB) CredentialStatuses(ctx context.Context, now time.Time) (registry.CredentialStatusBits, error) {
	var out registry.CredentialStatusBits
	size, err := d.eng.Counter(ctx, counterCredentialStatus)
	if err != nil {
		return out, mapError(err, nil)
	}
	out.Size = int(size)
	position := func(kind, id string) (int, bool, error) {
		doc, err := get[credentialStatusDoc](ctx, d, colCredentialStatus, kind+":"+id, "Credential", "chứng chỉ số")
		if registry.ErrorCode(err) == registry.ENOTFOUND {
			return 0, false, nil
		}
		if err != nil {
			return 0, false, err
		}
		return doc.Index, true, nil
	}
	for _, status := range []string{registry.CertSuspended, registry.CertWithdrawn} {
		err := each(ctx, d, store.Query{Collection: colCertificates, Where: where("status", status)}, func(c *registry.Certificate) error {
			i, ok, err := position(registry.CredentialCertificate, c.ID)
			if err != nil || !ok {
				return err
			}
			// A decision dated later is not in force yet.
			switch c.StatusAt(now).Status {
			case registry.CertWithdrawn:
				out.Revoked = append(out.Revoked, i)
			case registry.CertSuspended:
				out.Suspended = append(out.Suspended, i)
			}
			return nil
		})
		if err != nil {
			return out, err
		}
	}
	err = each(ctx, d, store.Query{Collection: colAnnouncements, Where: where("status", registry.AnnWithdrawn)}, func(a *registry.ConformityAnnouncement) error {
		i, ok, err := position(registry.CredentialAnnouncement, a.ID)
		if ok {
			out.Revoked = append(out.Revoked, i)
		}
		return err
	})
	if err != nil {
		return out, err
	}
	err = each(ctx, d, store.Query{Collection: colBatches, Where: where("status", registry.BatchRecalled)}, func(b *registry.Batch) error {
		i, ok, err := position(registry.CredentialLot, b.ID)
		if ok {
			out.Suspended = append(out.Suspended, i)
		}
		return err
	})
	return out, err
}
