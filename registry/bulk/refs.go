package bulk

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/tracereg/tracereg/registry"
	"github.com/tracereg/tracereg/registry/gs1"
)

// refs resolves what people type in an import, instead of record IDs:
// a tax code, a product's GTIN, short code or name, a plot's or site's code
// or name, a certificate number, a lot code. Each is looked up within the
// row's enterprise only (through indexes), and an unknown or ambiguous one
// is a row error saying which. One import looks each value up once.
type Refs struct {
	store Store
	memo  map[string]refAnswer
}

type refAnswer struct {
	id  string
	err error
}

// NewRefs is a resolver over s; it remembers what it found, so use one per
// request or import.
func NewRefs(s Store) *Refs { return &Refs{store: s, memo: map[string]refAnswer{}} }

// maxNamePages bounds the pages of a name search read to find exact matches.
const maxNamePages = 5

func (r *Refs) once(key string, find func() (string, error)) (string, error) {
	if a, ok := r.memo[key]; ok {
		return a.id, a.err
	}
	id, err := find()
	r.memo[key] = refAnswer{id, err}
	return id, err
}

// sameText compares what was typed with a stored name or code: case and
// Vietnamese marks aside.
func sameText(typed, stored string) bool {
	return stored != "" && registry.FoldText(strings.TrimSpace(stored)) == registry.FoldText(strings.TrimSpace(typed))
}

// enterprise resolves a tax code; an enterprise user may name only its own.
func (r *Refs) enterprise(ctx context.Context, me registry.Actor, field, taxCode string) (string, error) {
	id, err := r.once("e\x00"+taxCode, func() (string, error) {
		if !registry.ValidTaxCode(taxCode) {
			return "", fieldErr(field, "tax_code", "must be 10 digits, or 10 digits, a dash and 3 digits", "phải gồm 10 chữ số, hoặc 10 chữ số, dấu gạch ngang và 3 chữ số")
		}
		e, err := r.store.FindEnterpriseByTaxCode(ctx, taxCode)
		if registry.ErrorCode(err) == registry.ENOTFOUND {
			return "", fieldErr(field, "exists", "no enterprise has this tax code", "không có doanh nghiệp nào mang mã số thuế này")
		}
		if err != nil {
			return "", err
		}
		return e.ID, nil
	})
	if err == nil && me.Role == registry.RoleEnterprise && id != me.EnterpriseID {
		return "", fieldErr(field, "exists", "is not your enterprise's tax code", "không phải mã số thuế của doanh nghiệp bạn")
	}
	return id, err
}

// product resolves a GTIN, a product's short code or its name (Vietnamese
// or English) among the enterprise's products.
func (r *Refs) product(ctx context.Context, enterpriseID, field, text string) (string, error) {
	return r.once("p\x00"+enterpriseID+"\x00"+text, func() (string, error) {
		notFound := fieldErr(field, "exists", fmt.Sprintf("none of your products has the GTIN, code or name %q", text),
			fmt.Sprintf("không có sản phẩm nào của doanh nghiệp mang GTIN, mã hoặc tên %q", text))
		if registry.ValidID(text) { // a system's export: the ID itself
			p, err := r.store.FindProduct(ctx, text)
			if err == nil && p.EnterpriseID == enterpriseID {
				return p.ID, nil
			}
			if hard(err) {
				return "", err
			}
			return "", notFound
		}
		if g, err := gs1.GTIN14(text); err == nil {
			p, err := r.store.FindProductByGTIN(ctx, g)
			if registry.ErrorCode(err) == registry.ENOTFOUND || err == nil && p.EnterpriseID != enterpriseID {
				return "", notFound
			}
			if err != nil {
				return "", err
			}
			return p.ID, nil
		}
		if p, err := r.store.FindProductByShortCode(ctx, text); err == nil && p.EnterpriseID == enterpriseID {
			return p.ID, nil
		} else if hard(err) {
			return "", err
		}
		var matches []string
		page := registry.Page{Limit: registry.MaxPageLimit}
		for range maxNamePages {
			ps, next, err := r.store.ListProducts(ctx, registry.ProductFilter{EnterpriseID: enterpriseID, Text: text, Page: page})
			if err != nil {
				if registry.ErrorCode(err) == registry.EINVALID {
					return "", notFound // a text the search refuses names nothing
				}
				return "", err
			}
			for _, p := range ps {
				if sameText(text, p.NameVI) || sameText(text, p.NameEN) {
					matches = append(matches, p.ID)
				}
			}
			if next == "" {
				break
			}
			page.Cursor = next
		}
		switch len(matches) {
		case 0:
			return "", notFound
		case 1:
			return matches[0], nil
		}
		return "", fieldErr(field, "ambiguous", fmt.Sprintf("%d of your products are named %q: give the GTIN or the product code", len(matches), text),
			fmt.Sprintf("có %d sản phẩm của doanh nghiệp mang tên %q: hãy ghi GTIN hoặc mã sản phẩm", len(matches), text))
	})
}

// facility resolves a facility's code or name among the enterprise's
// facilities; plot limits it to farm plots.
func (r *Refs) facility(ctx context.Context, enterpriseID, field, text string, plot bool) (string, error) {
	return r.once(fmt.Sprintf("f\x00%s\x00%t\x00%s", enterpriseID, plot, text), func() (string, error) {
		what, whatVI := "place", "địa điểm"
		f := registry.FacilityFilter{EnterpriseID: enterpriseID, Text: text, Page: registry.Page{Limit: registry.MaxPageLimit}}
		if plot {
			what, whatVI = "farm plot", "thửa đất"
		}
		var matches []string
		if registry.ValidID(text) {
			x, err := r.store.FindFacility(ctx, text)
			if hard(err) {
				return "", err
			}
			if err == nil && x.EnterpriseID == enterpriseID && (!plot || x.Kind == registry.FacilityFarmPlot) {
				return x.ID, nil
			}
			f.Page.Limit = 0 // an ID names no facility by its code or name
		}
		for n := 0; n < maxNamePages && f.Page.Limit > 0; n++ {
			fs, next, err := r.store.ListFacilities(ctx, f)
			if err != nil {
				if registry.ErrorCode(err) == registry.EINVALID {
					break
				}
				return "", err
			}
			for _, x := range fs {
				if (!plot || x.Kind == registry.FacilityFarmPlot) && (sameText(text, x.Code) || sameText(text, x.Name)) {
					matches = append(matches, x.ID)
				}
			}
			if next == "" {
				break
			}
			f.Page.Cursor = next
		}
		switch len(matches) {
		case 0:
			return "", fieldErr(field, "exists", fmt.Sprintf("none of your %ss has the code or name %q", what, text),
				fmt.Sprintf("không có %s nào của doanh nghiệp mang mã hoặc tên %q", whatVI, text))
		case 1:
			return matches[0], nil
		}
		return "", fieldErr(field, "ambiguous", fmt.Sprintf("%d of your %ss are named %q: give its code", len(matches), what, text),
			fmt.Sprintf("có %d %s của doanh nghiệp mang tên %q: hãy ghi mã", len(matches), whatVI, text))
	})
}

// Certificate resolves a certificate number (or ID) held by the enterprise.
func (r *Refs) Certificate(ctx context.Context, enterpriseID, field, number string) (string, error) {
	return r.once("c\x00"+enterpriseID+"\x00"+number, func() (string, error) {
		if registry.ValidID(number) {
			c, err := r.store.FindCertificate(ctx, number)
			if hard(err) {
				return "", err
			}
			if err == nil && c.HolderID == enterpriseID {
				return c.ID, nil
			}
		}
		certs, err := r.store.FindCertificatesByNumber(ctx, number)
		if hard(err) {
			return "", err
		}
		var matches []string
		for _, c := range certs {
			if c.HolderID == enterpriseID {
				matches = append(matches, c.ID)
			}
		}
		switch len(matches) {
		case 0:
			return "", fieldErr(field, "exists", fmt.Sprintf("your enterprise holds no certificate numbered %q", number),
				fmt.Sprintf("doanh nghiệp không có chứng nhận số %q", number))
		case 1:
			return matches[0], nil
		}
		return "", fieldErr(field, "ambiguous", fmt.Sprintf("two bodies issued you a certificate numbered %q: give its ID", number),
			fmt.Sprintf("có nhiều tổ chức cấp cho doanh nghiệp chứng nhận số %q: hãy ghi mã bản ghi", number))
	})
}

// Lot resolves a lot written as its code (among the enterprise's lots) or
// as GTIN/lot (any enterprise's: an input bought from a supplier).
func (r *Refs) Lot(ctx context.Context, enterpriseID, field, text string) (string, error) {
	return r.once("l\x00"+enterpriseID+"\x00"+text, func() (string, error) {
		if registry.ValidID(text) {
			b, err := r.store.FindBatch(ctx, text)
			if hard(err) {
				return "", err
			}
			if err == nil && b.EnterpriseID == enterpriseID {
				return b.ID, nil
			}
			return "", fieldErr(field, "exists", "refers to a lot that does not exist or belongs to another enterprise",
				"tham chiếu tới lô hàng không tồn tại hoặc thuộc doanh nghiệp khác")
		}
		if g, lot, ok := strings.Cut(text, "/"); ok {
			g14, err := gs1.GTIN14(strings.TrimSpace(g))
			if err != nil {
				return "", fieldErr(field, "gtin", fmt.Sprintf("%q: write GTIN/lot with a GTIN whose check digit is right", text),
					fmt.Sprintf("%q: hãy viết GTIN/mã lô với GTIN có số kiểm tra đúng", text))
			}
			p, err := r.store.FindProductByGTIN(ctx, g14)
			if err == nil {
				var b *registry.Batch
				if b, err = r.store.FindBatchByLot(ctx, p.ID, strings.TrimSpace(lot)); err == nil {
					return b.ID, nil
				}
			}
			if registry.ErrorCode(err) != registry.ENOTFOUND {
				return "", err
			}
			return "", fieldErr(field, "exists", fmt.Sprintf("no lot %q is registered", text), fmt.Sprintf("không có lô %q", text))
		}
		bs, _, err := r.store.ListBatches(ctx, registry.BatchFilter{EnterpriseID: enterpriseID, LotCode: text, Page: registry.Page{Limit: 2}})
		if err != nil {
			return "", err
		}
		switch len(bs) {
		case 0:
			return "", fieldErr(field, "exists", fmt.Sprintf("none of your lots has the code %q", text), fmt.Sprintf("không có lô nào của doanh nghiệp mang mã %q", text))
		case 1:
			return bs[0].ID, nil
		}
		return "", fieldErr(field, "ambiguous", fmt.Sprintf("several of your products have a lot %q: write GTIN/lot", text),
			fmt.Sprintf("nhiều sản phẩm của doanh nghiệp có lô %q: hãy viết GTIN/mã lô", text))
	})
}

// hard is a failure of the store, which ends the import; a problem of the
// row (EINVALID) or a record not there (ENOTFOUND) is not.
func hard(err error) bool {
	code := registry.ErrorCode(err)
	return err != nil && code != registry.EINVALID && code != registry.ENOTFOUND
}

// batch fills the lot's IDs from the codes of its row. A store failure is
// returned as is; the row's problems as one EINVALID.
func (r *Refs) batch(ctx context.Context, me registry.Actor, row *batchRow, b *registry.Batch) error {
	var p registry.Problems
	if row.EnterpriseTaxCode != "" {
		id, err := r.enterprise(ctx, me, "enterprise_tax_code", row.EnterpriseTaxCode)
		if hard(err) {
			return err
		}
		pick(&p, &b.EnterpriseID, "enterprise_id", "enterprise_tax_code", id, err)
	}
	ownEnterprise(me, &b.EnterpriseID)
	if b.EnterpriseID == "" || !p.Empty() {
		return p.Err() // the rest is looked up within the enterprise
	}
	if row.Product != "" {
		id, err := r.product(ctx, b.EnterpriseID, "product", row.Product)
		if hard(err) {
			return err
		}
		pick(&p, &b.ProductID, "product_id", "product", id, err)
	}
	if row.Facility != "" {
		id, err := r.facility(ctx, b.EnterpriseID, "facility", row.Facility, false)
		if hard(err) {
			return err
		}
		pick(&p, &b.FacilityID, "facility_id", "facility", id, err)
	}
	for _, plot := range row.SourcePlots {
		id, err := r.facility(ctx, b.EnterpriseID, "source_plots", plot, true)
		if hard(err) {
			return err
		}
		if err != nil {
			p.Merge("", err)
		} else if !slices.Contains(b.SourcePlotIDs, id) {
			b.SourcePlotIDs = append(b.SourcePlotIDs, id)
		}
	}
	for _, number := range row.CertificateNumbers {
		id, err := r.Certificate(ctx, b.EnterpriseID, "certificate_numbers", number)
		if hard(err) {
			return err
		}
		if err != nil {
			p.Merge("", err)
		} else if !slices.Contains(b.CertificateIDs, id) {
			b.CertificateIDs = append(b.CertificateIDs, id)
		}
	}
	return p.Err()
}

// event fills the event's IDs from the codes of its row: the enterprise by
// tax code, the place by code or name, and lots written by code (or
// GTIN/lot) where an ID would go.
func (r *Refs) event(ctx context.Context, me registry.Actor, row *eventRow) error {
	var p registry.Problems
	if row.EnterpriseTaxCode != "" {
		id, err := r.enterprise(ctx, me, "enterprise_tax_code", row.EnterpriseTaxCode)
		if hard(err) {
			return err
		}
		pick(&p, &row.EnterpriseID, "enterprise_id", "enterprise_tax_code", id, err)
	}
	ownEnterprise(me, &row.EnterpriseID)
	if row.EnterpriseID == "" || !p.Empty() {
		return p.Err()
	}
	if row.Facility != "" {
		id, err := r.facility(ctx, row.EnterpriseID, "facility", row.Facility, false)
		if hard(err) {
			return err
		}
		pick(&p, &row.FacilityID, "facility_id", "facility", id, err)
	}
	for _, list := range []struct {
		field string
		qs    []registry.Quantity
	}{{"batches", row.Batches}, {"inputs", row.Inputs}, {"outputs", row.Outputs}} {
		for i := range list.qs {
			q := &list.qs[i]
			if q.BatchID == "" || registry.ValidID(q.BatchID) {
				continue
			}
			id, err := r.Lot(ctx, row.EnterpriseID, list.field, q.BatchID)
			if hard(err) {
				return err
			}
			if err != nil {
				p.Merge("", err)
				continue
			}
			q.BatchID = id
		}
	}
	return p.Err()
}

// pick sets *id from a resolved reference, refusing an ID that says otherwise.
func pick(p *registry.Problems, id *string, idField, field, resolved string, err error) {
	switch {
	case err != nil:
		p.Merge("", err)
	case *id != "" && *id != resolved:
		p.Add(field, "combination", "names another record than "+idField, "chỉ tới bản ghi khác với "+idField)
	default:
		*id = resolved
	}
}

// Announcement resolves the number of a notice of receipt (or a dossier's
// ID) of the enterprise's.
func (r *Refs) Announcement(ctx context.Context, enterpriseID, field, text string) (string, error) {
	return r.once("a\x00"+enterpriseID+"\x00"+text, func() (string, error) {
		if registry.ValidID(text) {
			a, err := r.store.FindAnnouncement(ctx, text)
			if hard(err) {
				return "", err
			}
			if err == nil && a.EnterpriseID == enterpriseID {
				return a.ID, nil
			}
		}
		var anns []*registry.ConformityAnnouncement
		if rs, ok := r.store.(registry.RecordSearch); ok {
			var err error
			if anns, err = rs.FindAnnouncementsByReceipt(ctx, text); hard(err) {
				return "", err
			}
		}
		for _, a := range anns {
			if a.EnterpriseID == enterpriseID {
				return a.ID, nil
			}
		}
		return "", fieldErr(field, "exists", fmt.Sprintf("the enterprise has no dossier with the notice of receipt %q", text),
			fmt.Sprintf("doanh nghiệp không có hồ sơ nào với thông báo tiếp nhận số %q", text))
	})
}
