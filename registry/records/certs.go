package records

import (
	"context"
	"slices"
	"strings"

	"github.com/tracereg/tracereg/registry"
	"github.com/tracereg/tracereg/registry/store"
)

// CreateCertificate implements registry.CertificateService.
func (d *DB) CreateCertificate(ctx context.Context, c *registry.Certificate) error {
	c.Status = registry.CertActive
	if err := c.Validate(); err != nil {
		return err
	}
	if err := d.checkCertificateRefs(ctx, c); err != nil {
		return err
	}
	now := d.now()
	actor, _ := registry.ActorFrom(ctx)
	c.ID, c.CreatedAt, c.UpdatedAt, c.Version = newID(), now, now, 1
	c.History = []registry.StatusChange{{Status: registry.CertActive, Reason: "issued", On: c.IssuedOn, At: now, By: actor.Username}}
	return d.insert(ctx, colCertificates, c, errCertTaken)
}

// checkCertificateRefs checks that the body and holder exist and that the
// scope names only the holder's products and sites.
func (d *DB) checkCertificateRefs(ctx context.Context, c *registry.Certificate) error {
	var p registry.Problems
	for _, check := range []struct {
		field, col string
		ids        []string
		owner      string
	}{
		{"body_id", colBodies, []string{c.BodyID}, ""},
		{"holder_id", colEnterprises, []string{c.HolderID}, ""},
		{"scope_product_ids", colProducts, c.ScopeProductIDs, c.HolderID},
		{"scope_facility_ids", colFacilities, c.ScopeFacilityIDs, c.HolderID},
	} {
		if err := d.requireOwned(ctx, &p, check.field, check.col, check.ids, check.owner, nil); err != nil {
			return err
		}
	}
	return p.Err()
}

// FindCertificate implements registry.CertificateService.
func (d *DB) FindCertificate(ctx context.Context, id string) (*registry.Certificate, error) {
	return getByID[registry.Certificate](ctx, d, colCertificates, id, "Certificate", "chứng nhận")
}

// FindCertificatesByNumber implements registry.CertificateService.
func (d *DB) FindCertificatesByNumber(ctx context.Context, number string) ([]*registry.Certificate, error) {
	if number == "" {
		return nil, notFound("Certificate", "chứng nhận")
	}
	certs, err := all[registry.Certificate](ctx, d, store.Query{Collection: colCertificates, Where: where("number", number)})
	if err != nil {
		return nil, err
	}
	if len(certs) == 0 {
		return nil, notFound("Certificate", "chứng nhận")
	}
	return certs, nil
}

// ListCertificates implements registry.CertificateService. A date range
// is read in expiry order; without one, in creation order.
func (d *DB) ListCertificates(ctx context.Context, f registry.CertificateFilter) ([]*registry.Certificate, string, error) {
	if f.FacilityID != "" {
		if f.HolderID != "" || f.BodyID != "" || f.Scheme != "" || f.Number != "" || f.ExpiresBefore != "" || f.ExpiresAfter != "" {
			return nil, "", fieldError("facility_id", "combination", "goes with no other filter", "không dùng cùng bộ lọc khác")
		}
		return list[registry.Certificate](ctx, d, colCertificates, where("scope_facility_ids", f.FacilityID), f.Page)
	}
	conds := where("holder_id", f.HolderID, "body_id", f.BodyID, "scheme", f.Scheme, "number", f.Number)
	if f.BodyID != "" && f.Number != "" {
		return byUniqueKey(ctx, d, colCertificates, where("body_id", f.BodyID, "number", f.Number), func(c *registry.Certificate) bool {
			return matches(f.HolderID, c.HolderID) && matches(f.Scheme, c.Scheme) &&
				(f.ExpiresBefore == "" || c.ExpiresOn < f.ExpiresBefore) && (f.ExpiresAfter == "" || c.ExpiresOn > f.ExpiresAfter)
		})
	}
	if f.ExpiresBefore == "" && f.ExpiresAfter == "" {
		return list[registry.Certificate](ctx, d, colCertificates, conds, f.Page)
	}
	page := f.Page.Normalize()
	rng := &store.Range{Field: "expires_on"}
	if f.ExpiresBefore != "" {
		rng.Lt = string(f.ExpiresBefore)
	}
	if f.ExpiresAfter != "" {
		rng.Gt = string(f.ExpiresAfter)
	}
	raws, next, err := d.eng.Find(ctx, store.Query{Collection: colCertificates, Where: conds, Range: rng, After: page.Cursor, Limit: page.Limit})
	if err != nil {
		return nil, "", mapError(err, nil)
	}
	out := make([]*registry.Certificate, 0, len(raws))
	for _, raw := range raws {
		c, err := decode[registry.Certificate](raw)
		if err != nil {
			return nil, "", err
		}
		out = append(out, c)
	}
	return out, next, nil
}

// allowedCertChanges says which decision may follow which.
var allowedCertChanges = map[string][]string{
	registry.CertActive:    {registry.CertSuspended, registry.CertWithdrawn},
	registry.CertSuspended: {registry.CertActive, registry.CertWithdrawn},
	registry.CertWithdrawn: {},
}

// ChangeCertificateStatus implements registry.CertificateService.
func (d *DB) ChangeCertificateStatus(ctx context.Context, id string, version int, ch registry.StatusChange) (*registry.Certificate, error) {
	c, err := d.FindCertificate(ctx, id)
	if err != nil {
		return nil, err
	}
	var p registry.Problems
	ok := false
	for _, next := range allowedCertChanges[c.Status] {
		ok = ok || next == ch.Status
	}
	if !ok {
		p.Add("status", "transition", "cannot change a "+c.Status+" certificate to "+ch.Status,
			"không thể chuyển chứng nhận từ trạng thái "+c.Status+" sang "+ch.Status)
	}
	if len([]rune(ch.Reason)) < 3 || len([]rune(ch.Reason)) > 1000 {
		p.Add("reason", "required", "give a reason of 3 to 1000 characters", "cần nêu lý do từ 3 đến 1000 ký tự")
	}
	if _, err := ch.On.Time(); err != nil {
		p.Add("on", "date", "must be a date written YYYY-MM-DD", "phải là ngày dạng YYYY-MM-DD")
	}
	if err := p.Err(); err != nil {
		return nil, err
	}
	actor, _ := registry.ActorFrom(ctx)
	ch.At, ch.By = d.now(), actor.Username
	was := c.Status
	c.Status = ch.Status
	c.History = append(c.History, ch)
	c.UpdatedAt, c.Version = ch.At, version+1
	err = d.tx(ctx, func(ctx context.Context) error {
		if err := d.replace(ctx, colCertificates, version, c, errCertTaken); err != nil {
			return err
		}
		return d.queueWebhooks(ctx, registry.EventCertificateStatusChanged, c.HolderID, certificateEventData{CertificateID: c.ID,
			Number: c.Number, Scheme: c.Scheme, EnterpriseID: c.HolderID, BodyID: c.BodyID, Status: c.Status, PreviousStatus: was,
			Reason: ch.Reason, On: ch.On})
	})
	if err != nil {
		return nil, err
	}
	return c, nil
}

// --- announcements

type announcementDoc struct {
	registry.ConformityAnnouncement `bson:",inline"`
	ReceiptKey                      string `bson:"receipt_key"`
}

func newAnnouncementDoc(a *registry.ConformityAnnouncement) *announcementDoc {
	key := a.ReceiptNumber
	if key == "" {
		key = "none:" + a.ID
	}
	return &announcementDoc{ConformityAnnouncement: *a, ReceiptKey: key}
}

func (d *DB) checkAnnouncementRefs(ctx context.Context, a *registry.ConformityAnnouncement) error {
	var p registry.Problems
	if ok, err := d.exists(ctx, colEnterprises, a.EnterpriseID, nil); err != nil {
		return err
	} else if !ok {
		return notFound("Enterprise", "doanh nghiệp")
	}
	if err := d.requireOwned(ctx, &p, "product_ids", colProducts, a.ProductIDs, a.EnterpriseID, nil); err != nil {
		return err
	}
	if err := d.requireOwned(ctx, &p, "certificate_id", colCertificates, []string{a.CertificateID}, "", fieldIs("holder_id", a.EnterpriseID)); err != nil {
		return err
	}
	if err := d.requireOwned(ctx, &p, "test_report_ids", colDocuments, a.TestReportIDs, a.EnterpriseID, nil); err != nil {
		return err
	}
	if err := d.requireOwned(ctx, &p, "document_ids", colDocuments, a.DocumentIDs, a.EnterpriseID, nil); err != nil {
		return err
	}
	return p.Err()
}

// CreateAnnouncement implements registry.AnnouncementService.
func (d *DB) CreateAnnouncement(ctx context.Context, a *registry.ConformityAnnouncement) error {
	if err := a.Validate(); err != nil {
		return err
	}
	if err := d.checkAnnouncementRefs(ctx, a); err != nil {
		return err
	}
	now := d.now()
	actor, _ := registry.ActorFrom(ctx)
	a.ID, a.CreatedAt, a.UpdatedAt, a.Version = newID(), now, now, 1
	if len(a.History) == 0 {
		a.History = []registry.StatusChange{{Status: a.Status, On: registry.Date(now.In(registry.Vietnam).Format("2006-01-02")), At: now, By: actor.Username}}
	}
	return d.insert(ctx, colAnnouncements, newAnnouncementDoc(a), errReceiptTaken)
}

// FindAnnouncement implements registry.AnnouncementService.
func (d *DB) FindAnnouncement(ctx context.Context, id string) (*registry.ConformityAnnouncement, error) {
	return getByID[registry.ConformityAnnouncement](ctx, d, colAnnouncements, id, "Announcement", "hồ sơ công bố")
}

// ListAnnouncements implements registry.AnnouncementService.
func (d *DB) ListAnnouncements(ctx context.Context, f registry.AnnouncementFilter) ([]*registry.ConformityAnnouncement, string, error) {
	return list[registry.ConformityAnnouncement](ctx, d, colAnnouncements, where("enterprise_id", f.EnterpriseID, "type", f.Type, "status", f.Status), f.Page)
}

// UpdateAnnouncement implements registry.AnnouncementService.
func (d *DB) UpdateAnnouncement(ctx context.Context, a *registry.ConformityAnnouncement) error {
	if err := a.Validate(); err != nil {
		return err
	}
	old, err := d.FindAnnouncement(ctx, a.ID)
	if err != nil {
		return err
	}
	if old.EnterpriseID != a.EnterpriseID {
		return fieldError("enterprise_id", "immutable", "cannot move to another enterprise", "không thể chuyển sang doanh nghiệp khác")
	}
	// The status moves only by the inbox's transitions (TransitionAnnouncement),
	// which check who decides and write the history.
	if a.Status != old.Status {
		return errStatusByTransition
	}
	// A dossier the agency has seen is its record: frozen, except while it
	// waits for missing items, when the enterprise supplements it and each
	// change is written in its history.
	a.History = old.History
	switch old.Status {
	case registry.AnnDraft:
	case registry.AnnNeedsMore:
		changed := announcementChanges(old, a)
		if len(changed) == 0 {
			break
		}
		for _, f := range changed {
			if slices.Contains(agencyFields, f) {
				return errDossierFrozen
			}
		}
		actor, _ := registry.ActorFrom(ctx)
		now := d.now()
		a.History = append(slices.Clip(old.History), registry.StatusChange{Status: old.Status,
			Reason: "changed: " + strings.Join(changed, ", "), On: registry.VietnamDate(now), At: now, By: actor.Username})
	default:
		if len(announcementChanges(old, a)) > 0 {
			return errDossierFrozen
		}
	}
	if err := d.checkAnnouncementRefs(ctx, a); err != nil {
		return err
	}
	return d.replaceNext(ctx, colAnnouncements, stamps{&a.Version, &a.CreatedAt, &a.UpdatedAt}, old.CreatedAt,
		func() any { return newAnnouncementDoc(a) }, errReceiptTaken)
}

var (
	errStatusByTransition = fieldError("status", "transition",
		"changes only by a transition of the dossier (submit, withdraw, or the agency's decisions)",
		"chỉ thay đổi qua các bước xử lý hồ sơ (nộp, rút, hoặc quyết định của cơ quan tiếp nhận)")
	errDossierFrozen = conflict("A submitted dossier changes only through the agency's steps, and a received, rejected or withdrawn one does not change.",
		"Hồ sơ đã nộp chỉ thay đổi qua các bước xử lý của cơ quan tiếp nhận; hồ sơ đã tiếp nhận, bị từ chối hoặc đã rút thì không thay đổi.")
)

// agencyFields are the ones the inbox's steps write, never an edit.
var agencyFields = []string{"submitted_on", "receipt_number", "receipt_date", "missing_items"}

// announcementChanges names the fields in which next differs from old,
// leaving out the stamps and the history.
func announcementChanges(old, next *registry.ConformityAnnouncement) []string {
	var out []string
	for _, f := range []struct {
		name string
		same bool
	}{
		{"type", old.Type == next.Type},
		{"product_ids", slices.Equal(old.ProductIDs, next.ProductIDs)},
		{"standard_code", old.StandardCode == next.StandardCode},
		{"basis", old.Basis == next.Basis},
		{"certificate_id", old.CertificateID == next.CertificateID},
		{"test_report_ids", slices.Equal(old.TestReportIDs, next.TestReportIDs)},
		{"document_ids", slices.Equal(old.DocumentIDs, next.DocumentIDs)},
		{"agency", old.Agency == next.Agency},
		{"submitted_on", old.SubmittedOn == next.SubmittedOn},
		{"receipt_number", old.ReceiptNumber == next.ReceiptNumber},
		{"receipt_date", old.ReceiptDate == next.ReceiptDate},
		{"missing_items", old.MissingItems == next.MissingItems},
	} {
		if !f.same {
			out = append(out, f.name)
		}
	}
	return out
}
