package web

import (
	"strconv"
	"strings"

	"github.com/gofiber/fiber/v2"

	"github.com/tracereg/tracereg/registry"
)

// Corrections of a lot. A draft changes freely and may be deleted; a
// published lot is corrected with a reason that its public page shows
// (the service keeps the history), and its lot code stays: it is printed
// in its QR codes.

// entLotEditPage is the correction form of b, with the wizard's choices.
func (w *Web) entLotEditPage(c *fiber.Ctx, b *registry.Batch, f *Form) (*Page, error) {
	p, err := w.entLotChoices(c, b.EnterpriseID, f, false) // a lot's product and inputs stay
	if err != nil {
		return nil, err
	}
	d := p.Data.(entLotFormData)
	d.Lot = b
	p.Data = d
	p.Name, p.Title = "enterprise/lot_edit", "ent_lot_edit"
	return p, nil
}

func (w *Web) entLotEdit(c *fiber.Ctx) error {
	if _, err := entID(c); err != nil {
		return err
	}
	b, err := w.entLoadLot(c, registry.ActUpdate)
	if err != nil {
		return err
	}
	f := newForm(c)
	f.Set("lot_code", b.LotCode)
	f.Set("quantity", strconv.FormatFloat(b.Quantity, 'f', -1, 64))
	f.Set("unit", b.Unit)
	f.Set("harvested_on", string(b.HarvestedOn))
	f.Set("produced_on", string(b.ProducedOn))
	f.Set("expires_on", string(b.ExpiresOn))
	f.Set("facility_id", b.FacilityID)
	f.Values["source_plot_ids"] = append([]string(nil), b.SourcePlotIDs...)
	f.Values["certificate_ids"] = append([]string(nil), b.CertificateIDs...)
	f.Set("dds_reference", b.DDSReference)
	f.Set("version", strconv.Itoa(b.Version))
	p, err := w.entLotEditPage(c, b, f)
	if err != nil {
		return err
	}
	return w.render(c, fiber.StatusOK, p)
}

func (w *Web) entLotUpdate(c *fiber.Ctx) error {
	if _, err := entID(c); err != nil {
		return err
	}
	cur, err := w.entLoadLot(c, registry.ActUpdate)
	if err != nil {
		return err
	}
	f := newForm(c)
	next := *cur
	next.Unit = f.Value("unit")
	next.HarvestedOn = registry.Date(f.Value("harvested_on"))
	next.ProducedOn = registry.Date(f.Value("produced_on"))
	next.ExpiresOn = registry.Date(f.Value("expires_on"))
	next.FacilityID = f.Value("facility_id")
	next.SourcePlotIDs = entChecked(f, "source_plot_ids")
	next.CertificateIDs = entChecked(f, "certificate_ids")
	next.DDSReference = strings.TrimSpace(f.Value("dds_reference"))
	next.CorrectionReason = f.Value("correction_reason")
	if cur.Status == registry.BatchDraft {
		next.LotCode = strings.TrimSpace(f.Value("lot_code"))
	}
	next.Version = -1 // a form without its version is stale, never a blind overwrite
	if v, err := strconv.Atoi(f.Value("version")); err == nil {
		next.Version = v
	}
	var p registry.Problems
	if q, ok := entParseQuantity(f.Value("quantity")); ok {
		next.Quantity = q
	} else {
		p.Add("quantity", "number", "must be a number, e.g. 1200 or 1200.5", "phải là một số, ví dụ 1200 hoặc 1200,5")
	}
	err = p.Err()
	if err == nil {
		err = w.store.UpdateBatch(ctx(c), &next)
	}
	if err != nil {
		if !invalid(err) {
			return err
		}
		f.Fail(err)
		pg, perr := w.entLotEditPage(c, cur, f)
		if perr != nil {
			return perr
		}
		return w.render(c, formStatus(err), pg)
	}
	if err := w.audit(c, "batch.update", registry.KindBatch, next.ID, next.EnterpriseID, cur, &next); err != nil {
		return err
	}
	if cur.Status != registry.BatchDraft {
		w.publicChanged()
	}
	return w.redirectFlash(c, Prefix+"/lots/"+next.ID, "flash_ent_lot_saved")
}

// entLotDelete deletes a draft lot, once the person ticked the
// confirmation; a published lot is never deleted (it is recalled).
func (w *Web) entLotDelete(c *fiber.Ctx) error {
	if _, err := entID(c); err != nil {
		return err
	}
	b, err := w.entLoadLot(c, registry.ActDelete)
	if err != nil {
		return err
	}
	f := newForm(c)
	if b.Status != registry.BatchDraft {
		err = registry.Errorf(registry.ECONFLICT,
			"Only a draft lot is deleted; a published lot is corrected, or recalled.", "Chỉ xóa được lô nháp; lô đã công bố thì đính chính hoặc thu hồi.")
	} else {
		err = w.deleteConfirmed(c, f, registry.KindBatch, b.ID, b.Version)
	}
	if err != nil {
		if !invalid(err) {
			return err
		}
		f.Fail(err)
		f.Set("version", strconv.Itoa(b.Version))
		pg, perr := w.entLotEditPage(c, b, f)
		if perr != nil {
			return perr
		}
		return w.render(c, formStatus(err), pg)
	}
	if err := w.audit(c, "batch.delete", registry.KindBatch, b.ID, b.EnterpriseID, b, nil); err != nil {
		return err
	}
	return w.redirectFlash(c, Prefix+"/lots", "flash_ent_lot_deleted")
}
