package lookup

import (
	"github.com/gofiber/fiber/v2"

	"github.com/tracereg/tracereg/registry"
	"github.com/tracereg/tracereg/registry/epcis"
)

// lotEPCIS answers /l/{code}/epcis: the published events of a lot and of
// the lots it was made from, the journey its page shows, as an EPCIS 2.0
// JSON-LD document. It is the lot's gs1:epcis link.
func (l *Lookup) lotEPCIS(c *fiber.Ctx) error {
	code := c.Params("code")
	if !validShortCode(code) {
		return notFound("There is no lot with this code.", "Không có lô hàng mang mã này.")
	}
	v, stale, err := l.viewForLotCode(code)
	if err != nil {
		return err
	}
	return l.sendEPCIS(c, v, stale)
}

func (l *Lookup) sendEPCIS(c *fiber.Ctx, v *view, stale bool) error {
	batches := map[string]*registry.Batch{v.Batch.ID: v.Batch}
	for _, b := range v.Upstream {
		batches[b.ID] = b
	}
	doc := epcis.New(epcis.Input{Base: l.base(c), Created: l.cfg.Clock.Now(), Events: v.Events,
		Batches: batches, Products: v.Products, Places: v.Places})
	b, err := doc.JSON()
	if err != nil {
		return err
	}
	if stale {
		c.Set("Warning", `110 - "Response is Stale"`)
	}
	c.Set(fiber.HeaderContentType, epcis.MediaType)
	c.Set(fiber.HeaderCacheControl, "no-cache")
	c.Set(fiber.HeaderContentDisposition, `inline; filename="epcis-`+v.Batch.ShortCode+`.jsonld"`)
	return c.Send(b)
}
