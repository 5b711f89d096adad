package web

import (
	"github.com/gofiber/fiber/v2"

	"github.com/tracereg/tracereg/registry"
)

// The notice of receipt (thông báo tiếp nhận hồ sơ công bố) as the agency
// signs it, after the form of Circular 28/2012/TT-BKHCN: a page that prints
// to A4 without the workspace around it. It exists once the agency has
// received the dossier and given it a number.

type annNoticeData struct {
	A          *registry.ConformityAnnouncement
	Enterprise *registry.Enterprise
	Products   []string
	// Certificate backs a certification basis (its body and number are cited).
	Certificate *registry.Certificate
	Body        string
}

func (w *Web) annNotice(c *fiber.Ctx) error {
	a, err := w.annFind(c, registry.ActRead)
	if err != nil {
		return err
	}
	if a.Status != registry.AnnReceived || a.ReceiptNumber == "" {
		return registry.Errorf(registry.ENOTFOUND, "The agency has not issued a notice of receipt for this dossier.",
			"Cơ quan tiếp nhận chưa cấp thông báo tiếp nhận cho hồ sơ này.")
	}
	d := annNoticeData{A: a}
	if d.Enterprise, err = w.store.FindEnterprise(ctx(c), a.EnterpriseID); err != nil {
		return err
	}
	for _, id := range a.ProductIDs {
		if pr, err := w.store.FindProduct(ctx(c), id); err == nil {
			d.Products = append(d.Products, pr.NameVI)
		}
	}
	if a.CertificateID != "" {
		if cert, err := w.store.FindCertificate(ctx(c), a.CertificateID); err == nil {
			d.Certificate = cert
			if body, err := w.store.FindCertificationBody(ctx(c), cert.BodyID); err == nil {
				d.Body = body.Name
			}
		}
	}
	p := w.page(c, "announcements/notice", "ann_notice_title")
	p.Data = d
	return w.render(c, fiber.StatusOK, p)
}

// NoticeDay writes a date as an official letter does: "ngày 05 tháng 12
// năm 2026" in Vietnamese, "5 December 2026" in English.
func (p *Page) NoticeDay(d registry.Date) string {
	t, err := d.Time()
	if err != nil {
		return string(d)
	}
	if p.Lang == "en" {
		return t.Format("2 January 2006")
	}
	return t.Format("ngày 02 tháng 01 năm 2006")
}
