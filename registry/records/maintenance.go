package records

import (
	"context"
	"errors"
	"strings"

	"github.com/tracereg/tracereg/registry"
	"github.com/tracereg/tracereg/registry/store"
)

// referrer is a place that may hold a record's ID (or code).
type referrer struct {
	col, field   string
	what, whatVI string
}

// referrers lists, per kind, where references to a record live. A record is
// deleted only when none of them holds it.
var referrers = map[string][]referrer{
	registry.KindEnterprise: {
		{colFacilities, "enterprise_id", "facilities", "cơ sở"},
		{colProducts, "enterprise_id", "products", "sản phẩm"},
		{colBatches, "enterprise_id", "batches", "lô hàng"},
		{colEvents, "enterprise_id", "events", "sự kiện"},
		{colCertificates, "holder_id", "certificates", "chứng nhận"},
		{colAnnouncements, "enterprise_id", "announcements", "hồ sơ công bố"},
		{colUsers, "enterprise_id", "users", "người dùng"},
		{colDocuments, "enterprise_id", "documents", "tài liệu"},
		{colSupport, "enterprise_id", "support records", "bản ghi hỗ trợ"},
		{colBenchmarks, "enterprise_id", "benchmarking entries", "số liệu đối sánh"},
		{colCourses, "participants.enterprise_id", "training courses (participants)", "khoá tập huấn (học viên)"},
		{colGoodPractices, "enterprise_id", "good practices", "thực hành tốt"},
	},
	registry.KindFacility: {
		{colBatches, "facility_id", "batches", "lô hàng"},
		{colBatches, "source_plot_ids", "batches (source plots)", "lô hàng (thửa nguồn)"},
		{colEvents, "facility_id", "events", "sự kiện"},
		{colCertificates, "scope_facility_ids", "certificates (scope)", "chứng nhận (phạm vi)"},
	},
	registry.KindProduct: {
		{colBatches, "product_id", "batches", "lô hàng"},
		{colCertificates, "scope_product_ids", "certificates (scope)", "chứng nhận (phạm vi)"},
		{colAnnouncements, "product_ids", "announcements", "hồ sơ công bố"},
	},
	registry.KindBatch: {
		{colEvents, "batches.batch_id", "events", "sự kiện"},
		{colEvents, "inputs.batch_id", "events (inputs)", "sự kiện (đầu vào)"},
		{colEvents, "outputs.batch_id", "events (outputs)", "sự kiện (đầu ra)"},
		{colSupport, "batch_id", "support records", "bản ghi hỗ trợ"},
	},
	// A certificate is never deleted (errCertNeverDeleted), so it needs no referrers.
	registry.KindAnnouncement: {
		{colSupport, "announcement_id", "support records", "bản ghi hỗ trợ"},
	},
	registry.KindStandard: {
		{colProducts, "standards", "products", "sản phẩm"},
		{colAnnouncements, "standard_code", "announcements", "hồ sơ công bố"},
	},
	registry.KindBody: {
		{colCertificates, "body_id", "certificates", "chứng nhận"},
		{colUsers, "body_id", "users", "người dùng"},
		{colDocuments, "body_id", "documents", "tài liệu"},
	},
	registry.KindDocument: {
		{colProducts, "photo_id", "products", "sản phẩm"},
		{colCertificates, "document_id", "certificates", "chứng nhận"},
		{colStandards, "document_id", "standards", "tiêu chuẩn"},
		{colAnnouncements, "document_ids", "announcements", "hồ sơ công bố"},
		{colAnnouncements, "test_report_ids", "announcements (test reports)", "hồ sơ công bố (phiếu kết quả thử nghiệm)"},
		{colGoodPractices, "document_ids", "good practices", "thực hành tốt"},
	},
	// The programme's records: nothing refers to them.
	registry.KindSupport:      {},
	registry.KindExpert:       {},
	registry.KindCourse:       {},
	registry.KindBenchmark:    {},
	registry.KindGoodPractice: {},
}

var colByKind = map[string]string{
	registry.KindEnterprise: colEnterprises, registry.KindFacility: colFacilities, registry.KindProduct: colProducts,
	registry.KindBatch: colBatches, registry.KindCertificate: colCertificates, registry.KindAnnouncement: colAnnouncements,
	registry.KindStandard: colStandards, registry.KindBody: colBodies, registry.KindDocument: colDocuments,
	registry.KindSupport: colSupport, registry.KindExpert: colExperts, registry.KindCourse: colCourses,
	registry.KindBenchmark: colBenchmarks, registry.KindGoodPractice: colGoodPractices,
}

// DeleteRecord implements registry.MaintenanceService. Every referrer
// field is indexed, so each check is one indexed read of at most one
// entry; on SQLite the checks and the delete are one transaction, so no
// reference can slip in between.
func (d *DB) DeleteRecord(ctx context.Context, kind, id string) error {
	col, ok := colByKind[kind]
	if !ok {
		return registry.Errorf(registry.EINVALID, "This kind of record cannot be deleted.", "Không thể xóa loại bản ghi này.")
	}
	if !registry.ValidID(id) {
		return notFound("Record", "bản ghi")
	}
	return d.tx(ctx, func(ctx context.Context) error {
		raw, err := d.eng.Get(ctx, col, id)
		if errors.Is(err, store.ErrNotFound) {
			return notFound("Record", "bản ghi")
		}
		if err != nil {
			return mapError(err, nil)
		}
		if kind == registry.KindBatch && !fieldIs("status", registry.BatchDraft)(raw) {
			return conflict("A published batch is never deleted: recall it, or correct it with a new event.",
				"Lô hàng đã công bố không bao giờ bị xóa: hãy thu hồi, hoặc điều chỉnh bằng một sự kiện mới.")
		}
		// An issued certificate and a dossier the agency has seen are records
		// others relied on: they end by a decision, which keeps their history.
		if kind == registry.KindCertificate {
			return errCertNeverDeleted
		}
		if kind == registry.KindAnnouncement && !fieldIs("status", registry.AnnDraft)(raw) {
			return errDossierNotDraft
		}
		key := id
		if kind == registry.KindStandard {
			key, _ = raw.Lookup("code").StringValueOK()
		}
		var found, foundVI []string
		for _, r := range referrers[kind] {
			raws, _, err := d.eng.Find(ctx, store.Query{Collection: r.col, Where: where(r.field, key), Limit: 1})
			if err != nil {
				return mapError(err, nil)
			}
			if len(raws) > 0 {
				found = append(found, r.what)
				foundVI = append(foundVI, r.whatVI)
			}
		}
		if len(found) > 0 {
			return conflict("Cannot delete: these records refer to it: "+strings.Join(found, ", ")+".",
				"Không thể xóa: các bản ghi sau đang tham chiếu tới nó: "+strings.Join(foundVI, ", ")+".")
		}
		return d.remove(ctx, col, id)
	})
}

var (
	errCertNeverDeleted = conflict("An issued certificate is never deleted: withdraw it, with a reason, and its history stays.",
		"Chứng nhận đã cấp không bao giờ bị xóa: hãy thu hồi kèm lý do, lịch sử của chứng nhận được giữ lại.")
	errDossierNotDraft = conflict("Only a draft dossier is deleted: withdraw a submitted one.",
		"Chỉ xóa được hồ sơ nháp; hồ sơ đã nộp thì rút hồ sơ.")
)

// UpdateCertificate implements registry.MaintenanceService.
func (d *DB) UpdateCertificate(ctx context.Context, c *registry.Certificate) error {
	old, err := d.FindCertificate(ctx, c.ID)
	if err != nil {
		return err
	}
	// The history is the service's: kept as stored, unless the update adds
	// one amendment entry (registry.CertificateAmendment.Apply) to it.
	if !amendsHistory(old.History, c.History) {
		c.History = old.History
	}
	c.Status = old.Status
	if err := c.Validate(); err != nil {
		return err
	}
	if old.BodyID != c.BodyID {
		return fieldError("body_id", "immutable", "a certificate stays with the body that issued it", "chứng nhận không thể chuyển sang tổ chức khác")
	}
	if err := d.checkCertificateRefs(ctx, c); err != nil {
		return err
	}
	return d.replaceNext(ctx, colCertificates, stamps{&c.Version, &c.CreatedAt, &c.UpdatedAt}, old.CreatedAt,
		func() any { return c }, errCertTaken)
}

// amendsHistory reports whether next is old and one amendment entry more.
func amendsHistory(old, next []registry.StatusChange) bool {
	if len(next) != len(old)+1 || next[len(old)].Action == "" {
		return false
	}
	for i := range old {
		a, b := old[i], next[i]
		if a.Status != b.Status || a.Reason != b.Reason || a.On != b.On || !a.At.Equal(b.At) || a.By != b.By || a.Action != b.Action {
			return false
		}
	}
	return true
}

// FindStandard implements registry.MaintenanceService.
func (d *DB) FindStandard(ctx context.Context, id string) (*registry.Standard, error) {
	return getByID[registry.Standard](ctx, d, colStandards, id, "Standard", "tiêu chuẩn")
}

// UpdateStandard implements registry.MaintenanceService.
func (d *DB) UpdateStandard(ctx context.Context, s *registry.Standard) error {
	if err := s.Validate(); err != nil {
		return err
	}
	old, err := d.FindStandard(ctx, s.ID)
	if err != nil {
		return err
	}
	return d.replaceNext(ctx, colStandards, stamps{&s.Version, &s.CreatedAt, &s.UpdatedAt}, old.CreatedAt,
		func() any { return s }, errStdTaken)
}

// UpdateCertificationBody implements registry.MaintenanceService.
func (d *DB) UpdateCertificationBody(ctx context.Context, b *registry.CertificationBody) error {
	if err := b.Validate(); err != nil {
		return err
	}
	old, err := d.FindCertificationBody(ctx, b.ID)
	if err != nil {
		return err
	}
	return d.replaceNext(ctx, colBodies, stamps{&b.Version, &b.CreatedAt, &b.UpdatedAt}, old.CreatedAt,
		func() any { return b }, errBodyTaken)
}

// UpdateDocument implements registry.MaintenanceService.
func (d *DB) UpdateDocument(ctx context.Context, doc *registry.Document) error {
	old, err := d.FindDocument(ctx, doc.ID)
	if err != nil {
		return err
	}
	// Only the description and the public mark change; the bytes and owner stay.
	doc.EnterpriseID, doc.BodyID, doc.Blob, doc.CreatedBy, doc.CreatedAt = old.EnterpriseID, old.BodyID, old.Blob, old.CreatedBy, old.CreatedAt
	if err := doc.Validate(); err != nil {
		return err
	}
	return d.replaceNext(ctx, colDocuments, stamps{&doc.Version, &doc.CreatedAt, &doc.UpdatedAt}, doc.CreatedAt,
		func() any { return doc }, nil)
}
