package web

import (
	"github.com/gofiber/fiber/v2"

	"github.com/tracereg/tracereg/registry"
)

// The demo data reset: outside production only (the wiring leaves
// Config.ResetDemo nil in production, and then the page says so and the
// action is refused).

func (w *Web) mountAdminDemo(a fiber.Router) {
	a.Get("/demo", w.admDemo)
	a.Post("/demo", w.admDemoReset)
}

var errAdmNoDemo = registry.Errorf(registry.EFORBIDDEN, "Reloading the demo data is not available on this server (production).",
	"Máy chủ này (môi trường chính thức) không cho phép nạp lại dữ liệu mẫu.")

func (w *Web) admDemo(c *fiber.Ctx) error {
	if err := admAllowed(c, registry.ActCreate, registry.KindEnterprise); err != nil {
		return err
	}
	p := w.page(c, "admin/demo", "adm_demo_title")
	p.Data = struct{ Available bool }{w.cfg.ResetDemo != nil}
	return w.render(c, fiber.StatusOK, p)
}

func (w *Web) admDemoReset(c *fiber.Ctx) error {
	if err := admAllowed(c, registry.ActCreate, registry.KindEnterprise); err != nil {
		return err
	}
	if w.cfg.ResetDemo == nil {
		return errAdmNoDemo
	}
	if err := w.cfg.ResetDemo(ctx(c)); err != nil {
		return err
	}
	if err := w.audit(c, "demo.reset", "demo", "demo", "", nil, nil); err != nil {
		return err
	}
	w.publicChanged()
	return w.redirectFlash(c, admPrefix+"/demo", "flash_adm_demo_done")
}
