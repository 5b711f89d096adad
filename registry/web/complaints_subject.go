package web

import (
	"slices"
	"strings"

	"github.com/gofiber/fiber/v2"

	"github.com/tracereg/tracereg/registry"
	"github.com/tracereg/tracereg/registry/gs1"
)

// cmpAbout names what a report is about, as the inspector knows it: the
// product and lot behind the public path the citizen reported, or the
// certificate; "" when the path names nothing registered.
func (w *Web) cmpAbout(c *fiber.Ctx, subject string) string {
	path, _, _ := strings.Cut(subject, "?")
	parts := strings.Split(strings.Trim(path, "/"), "/")
	product := func(p *registry.Product, err error, lot string) string {
		if err != nil {
			return ""
		}
		if lot != "" {
			return p.NameVI + " · " + tr(lang(c), "cmp_lot") + " " + lot
		}
		return p.NameVI
	}
	switch {
	case len(parts) >= 2 && parts[0] == "01":
		dl, err := gs1.ParsePath(path, "")
		if err != nil {
			return ""
		}
		p, err := w.store.FindProductByGTIN(ctx(c), dl.GTIN)
		return product(p, err, dl.Lot)
	case len(parts) >= 2 && parts[0] == "v":
		g, err := gs1.GTIN14(parts[1])
		if err != nil {
			return ""
		}
		p, err := w.store.FindProductByGTIN(ctx(c), g)
		lot := ""
		if len(parts) >= 3 {
			lot = parts[2]
		}
		return product(p, err, lot)
	case len(parts) == 2 && parts[0] == "l":
		b, err := w.store.FindBatchByShortCode(ctx(c), parts[1])
		if err != nil {
			return ""
		}
		p, err := w.store.FindProduct(ctx(c), b.ProductID)
		return product(p, err, b.LotCode)
	case len(parts) == 2 && parts[0] == "p":
		p, err := w.store.FindProductByShortCode(ctx(c), parts[1])
		return product(p, err, "")
	case len(parts) == 2 && parts[0] == "c":
		return tr(lang(c), "cmp_certificate") + " " + parts[1]
	}
	return ""
}

// cmpPhoto sends a report's photo to staff.
func (w *Web) cmpPhoto(c *fiber.Ctx) error {
	r, err := w.cmpFind(c, registry.ActRead)
	if err != nil {
		return err
	}
	if r.Photo == nil {
		return registry.Errorf(registry.ENOTFOUND, "The report has no photo.", "Phản ánh không có ảnh.")
	}
	rc, blob, err := w.cfg.Documents.Open(ctx(c), r.Photo.SHA256)
	if err != nil {
		return err
	}
	mediaType := blob.MediaType
	if !slices.Contains(registry.ReportPhotoTypes, mediaType) {
		mediaType = "application/octet-stream"
	}
	c.Set(fiber.HeaderContentType, mediaType)
	c.Set(fiber.HeaderCacheControl, "private, no-store")
	c.Set("X-Content-Type-Options", "nosniff")
	size := int(blob.Size)
	if size <= 0 {
		size = -1
	}
	return c.SendStream(rc, size)
}
