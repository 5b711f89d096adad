package web

import (
	"net/url"
	"strings"

	"github.com/gofiber/fiber/v2"

	"github.com/tracereg/tracereg/registry"
)

// Webhooks from a page: an enterprise subscribes its own system to events
// about its records; province staff and inspectors to one enterprise's
// (by tax code) or every enterprise's. The secret is shown once, on the
// answer to the creation. The subscription's page lists its recent
// deliveries with their outcome and replays one. The same rules
// (registry.Authorize, KindWebhook) and audit entries as /api/v1/webhooks.

const whPath = Prefix + "/webhooks"

type webhooksData struct {
	Hooks []*registry.WebhookSubscription
	// Names are the enterprises' names by ID, for staff's list.
	Names  map[string]string
	Events []string
	Staff  bool
	// NewSecret is the secret just made: shown once, never again.
	NewSecret string
	NewID     string
}

type webhookData struct {
	Hook       *registry.WebhookSubscription
	Enterprise string
	Deliveries []*registry.WebhookDelivery
	MayChange  bool
}

func (w *Web) mountWebhooks(g fiber.Router, who fiber.Handler) {
	g.Get("/webhooks", who, w.whList)
	g.Post("/webhooks", who, w.whCreate)
	g.Get("/webhooks/:id", who, w.whShow)
	g.Post("/webhooks/:id/delete", who, w.whDelete)
	g.Post("/webhooks/:id/test", who, w.whTest)
	g.Post("/webhooks/:id/deliveries/:delivery/replay", who, w.whReplay)
}

func staffRole(me registry.Actor) bool {
	return me.Role == registry.RoleAdmin || me.Role == registry.RoleInspector
}

func (w *Web) whListPage(c *fiber.Ctx, f *Form, status int, secret, newID string) error {
	me := actor(c)
	scope, err := registry.Scope(me, registry.KindWebhook)
	if err != nil {
		return err
	}
	hooks, _, err := w.store.ListWebhooks(ctx(c), scope, registry.Page{Limit: registry.MaxPageLimit})
	if err != nil {
		return err
	}
	names := map[string]string{}
	for _, h := range hooks {
		if h.EnterpriseID == "" || names[h.EnterpriseID] != "" {
			continue
		}
		if e, err := w.store.FindEnterprise(ctx(c), h.EnterpriseID); err == nil {
			names[h.EnterpriseID] = e.NameVI
		}
	}
	p := w.page(c, "webhooks/list", "wh_title")
	p.Form = f
	p.Data = webhooksData{Hooks: hooks, Names: names, Events: registry.WebhookEvents, Staff: staffRole(me), NewSecret: secret, NewID: newID}
	c.Set(fiber.HeaderCacheControl, "no-store")
	return w.render(c, status, p)
}

func (w *Web) whList(c *fiber.Ctx) error { return w.whListPage(c, newForm(c), fiber.StatusOK, "", "") }

func (w *Web) whCreate(c *fiber.Ctx) error {
	me := actor(c)
	f := newForm(c)
	s := &registry.WebhookSubscription{UserID: me.UserID, URL: strings.TrimSpace(f.Value("url")), Events: f.Values["events"],
		Description: strings.TrimSpace(f.Value("description")), Secret: registry.NewWebhookSecret()}
	switch {
	case me.Role == registry.RoleEnterprise:
		s.EnterpriseID = me.EnterpriseID
	case strings.TrimSpace(f.Value("tax_code")) != "":
		e, err := w.store.FindEnterpriseByTaxCode(ctx(c), strings.TrimSpace(f.Value("tax_code")))
		if err != nil {
			if registry.ErrorCode(err) != registry.ENOTFOUND {
				return err
			}
			f.Fail(fieldError("tax_code", "exists", registry.Errorf(registry.ENOTFOUND, "No enterprise has this tax code.",
				"Không có doanh nghiệp nào mang mã số thuế này.")))
			return w.whListPage(c, f, fiber.StatusUnprocessableEntity, "", "")
		}
		s.EnterpriseID = e.ID
	}
	if err := registry.Authorize(me, registry.ActCreate, registry.Resource{Kind: registry.KindWebhook, EnterpriseID: s.EnterpriseID, UserID: me.UserID}); err != nil {
		return err
	}
	if err := w.store.CreateWebhook(ctx(c), s); err != nil {
		if invalid(err) {
			f.Fail(err)
			return w.whListPage(c, f, fiber.StatusUnprocessableEntity, "", "")
		}
		return err
	}
	if err := w.audit(c, "webhook.create", registry.KindWebhook, s.ID, s.EnterpriseID, nil, s); err != nil {
		return err
	}
	// The secret is on this answer only: no redirect, so no other copy.
	blank := &Form{Values: url.Values{}, Errors: map[string][]registry.FieldError{}, Staged: map[string]StagedFile{}}
	return w.whListPage(c, blank, fiber.StatusCreated, s.Secret, s.ID)
}

// whFind returns the subscription of :id if the signed-in person may take action on it.
func (w *Web) whFind(c *fiber.Ctx, action string) (*registry.WebhookSubscription, error) {
	s, err := w.store.FindWebhook(ctx(c), c.Params("id"))
	if err != nil {
		return nil, err
	}
	if err := registry.Authorize(actor(c), action, registry.Resource{Kind: registry.KindWebhook, EnterpriseID: s.EnterpriseID, UserID: s.UserID}); err != nil {
		return nil, err
	}
	return s, nil
}

func (w *Web) whShow(c *fiber.Ctx) error {
	s, err := w.whFind(c, registry.ActRead)
	if err != nil {
		return err
	}
	ds, _, err := w.store.ListWebhookDeliveries(ctx(c), s.ID, registry.Page{Limit: 50})
	if err != nil {
		return err
	}
	d := webhookData{Hook: s, Deliveries: ds,
		MayChange: registry.Authorize(actor(c), registry.ActUpdate, registry.Resource{Kind: registry.KindWebhook, EnterpriseID: s.EnterpriseID, UserID: s.UserID}) == nil}
	if s.EnterpriseID != "" {
		if e, err := w.store.FindEnterprise(ctx(c), s.EnterpriseID); err == nil {
			d.Enterprise = e.NameVI
		}
	}
	p := w.page(c, "webhooks/show", "wh_show_title")
	p.Data = d
	return w.render(c, fiber.StatusOK, p)
}

func (w *Web) whDelete(c *fiber.Ctx) error {
	s, err := w.whFind(c, registry.ActDelete)
	if err != nil {
		return err
	}
	if err := w.store.DeleteWebhook(ctx(c), s.ID); err != nil {
		return err
	}
	if err := w.audit(c, "webhook.delete", registry.KindWebhook, s.ID, s.EnterpriseID, s, nil); err != nil {
		return err
	}
	return w.redirectFlash(c, whPath, "flash_wh_deleted")
}

func (w *Web) whTest(c *fiber.Ctx) error {
	s, err := w.whFind(c, registry.ActUpdate)
	if err != nil {
		return err
	}
	if _, err := w.store.QueueWebhookTest(ctx(c), s.ID); err != nil {
		return err
	}
	return w.redirectFlash(c, whPath+"/"+s.ID, "flash_wh_test")
}

func (w *Web) whReplay(c *fiber.Ctx) error {
	s, err := w.whFind(c, registry.ActUpdate)
	if err != nil {
		return err
	}
	x, err := w.store.FindWebhookDelivery(ctx(c), c.Params("delivery"))
	if err != nil {
		return err
	}
	if x.SubscriptionID != s.ID {
		return registry.Errorf(registry.ENOTFOUND, "Delivery not found.", "Không tìm thấy lần gửi.")
	}
	if _, err := w.store.ReplayWebhookDelivery(ctx(c), x.ID); err != nil {
		return err
	}
	if err := w.audit(c, "webhook.replay", registry.KindWebhook, s.ID, s.EnterpriseID, nil, map[string]string{"delivery_id": x.ID}); err != nil {
		return err
	}
	return w.redirectFlash(c, whPath+"/"+s.ID, "flash_wh_replayed")
}

func init() {
	addMessages(map[string]string{
		"wh_nav": "Thông báo tự động", "wh_title": "Thông báo tự động đến hệ thống của bạn", "wh_show_title": "Địa chỉ nhận thông báo",
		"wh_hint":       "Hệ thống gửi một yêu cầu HTTPS có ký số (HMAC-SHA256, theo chuẩn Standard Webhooks) đến địa chỉ bạn khai báo mỗi khi có sự kiện bạn chọn. Nếu máy nhận không trả lời thành công, hệ thống gửi lại sau 30 giây, 2 phút, 10 phút, 1 giờ, 6 giờ và 24 giờ.",
		"wh_new_secret": "Khóa ký của địa chỉ này:", "wh_new_secret_hint": "Hãy sao chép ngay: hệ thống chỉ hiển thị khóa này một lần. Máy nhận dùng khóa để kiểm tra chữ ký của mỗi lần gửi.",
		"wh_yours": "Các địa chỉ đã đăng ký", "wh_none": "Chưa có địa chỉ nào.", "wh_url": "Địa chỉ nhận (https://…)", "wh_events": "Sự kiện",
		"wh_scope": "Phạm vi", "wh_scope_all": "Mọi doanh nghiệp", "wh_created": "Ngày tạo", "wh_open": "Xem các lần gửi",
		"wh_make": "Đăng ký địa chỉ mới", "wh_url_hint": "Chỉ nhận địa chỉ https, không chứa tên đăng nhập, mật khẩu hay phần #.",
		"wh_description": "Ghi chú", "wh_tax_code": "Mã số thuế của doanh nghiệp", "wh_tax_code_hint": "Để trống để nhận sự kiện của mọi doanh nghiệp.",
		"wh_delete": "Xóa địa chỉ", "wh_delete_hint": "Xóa địa chỉ này cùng mọi lần gửi của nó.", "wh_test": "Gửi thử",
		"wh_deliveries": "Các lần gửi gần đây", "wh_no_deliveries": "Chưa có lần gửi nào.",
		"wh_d_event": "Sự kiện", "wh_d_created": "Thời điểm", "wh_d_status": "Kết quả", "wh_d_tries": "Số lần thử", "wh_d_last": "Lần thử gần nhất",
		"wh_d_next": "Lần thử tiếp theo", "wh_replay": "Gửi lại", "wh_d_code": "Mã trả lời",
		"wh_st_pending": "Đang chờ gửi", "wh_st_delivered": "Đã nhận", "wh_st_failed": "Thất bại",
		"wh_ev_certificate.status_changed": "Chứng nhận đổi trạng thái", "wh_ev_batch.published": "Lô hàng được công bố",
		"wh_ev_batch.recalled": "Lô hàng bị thu hồi", "wh_ev_batch.recall_lifted": "Gỡ bỏ lệnh thu hồi lô hàng",
		"wh_ev_announcement.receipt_issued": "Cấp thông báo tiếp nhận hồ sơ công bố", "wh_ev_webhook.test": "Gửi thử",
		"wh_back":          "← Các địa chỉ nhận thông báo",
		"flash_wh_deleted": "Đã xóa địa chỉ nhận thông báo.", "flash_wh_test": "Đã xếp một lần gửi thử; kết quả hiện trong danh sách sau ít giây.",
		"flash_wh_replayed": "Đã xếp gửi lại, với cùng mã lần gửi.",
	}, map[string]string{
		"wh_nav": "Webhooks", "wh_title": "Webhooks to your systems", "wh_show_title": "Webhook",
		"wh_hint":       "The registry sends a signed HTTPS request (HMAC-SHA256, in the manner of Standard Webhooks) to the address you give whenever an event you chose happens. When the receiver does not answer with success, it tries again after 30 seconds, 2 minutes, 10 minutes, 1 hour, 6 hours and 24 hours.",
		"wh_new_secret": "This webhook's signing secret:", "wh_new_secret_hint": "Copy it now: it is shown only once. The receiver checks each delivery's signature with it.",
		"wh_yours": "Webhooks registered", "wh_none": "No webhook yet.", "wh_url": "Receiving address (https://…)", "wh_events": "Events",
		"wh_scope": "Scope", "wh_scope_all": "Every enterprise", "wh_created": "Created", "wh_open": "See deliveries",
		"wh_make": "Register a webhook", "wh_url_hint": "https addresses only, without user name, password or #fragment.",
		"wh_description": "Note", "wh_tax_code": "Tax code of the enterprise", "wh_tax_code_hint": "Leave empty for the events of every enterprise.",
		"wh_delete": "Delete the webhook", "wh_delete_hint": "Deletes this webhook and all its deliveries.", "wh_test": "Send a test",
		"wh_deliveries": "Recent deliveries", "wh_no_deliveries": "No delivery yet.",
		"wh_d_event": "Event", "wh_d_created": "When", "wh_d_status": "Outcome", "wh_d_tries": "Tries", "wh_d_last": "Last try",
		"wh_d_next": "Next try", "wh_replay": "Send again", "wh_d_code": "Answer",
		"wh_st_pending": "Waiting", "wh_st_delivered": "Delivered", "wh_st_failed": "Failed",
		"wh_ev_certificate.status_changed": "Certificate status changed", "wh_ev_batch.published": "Lot published",
		"wh_ev_batch.recalled": "Lot recalled", "wh_ev_batch.recall_lifted": "Lot recall lifted",
		"wh_ev_announcement.receipt_issued": "Notice of receipt issued", "wh_ev_webhook.test": "Test",
		"wh_back":          "← Webhooks",
		"flash_wh_deleted": "The webhook was deleted.", "flash_wh_test": "A test delivery is queued; its outcome shows here in a few seconds.",
		"flash_wh_replayed": "Queued to be sent again, with the same delivery ID.",
	})
}
