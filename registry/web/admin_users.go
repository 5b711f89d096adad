package web

import (
	"errors"
	"slices"
	"strings"

	"github.com/gofiber/fiber/v2"

	"github.com/tracereg/tracereg/registry"
)

// Users and roles. An enterprise user is bound to an enterprise found by its
// tax code, a certifier to a certification body. A new or reset password is
// shown once, on the answer to the POST, and never logged or audited (the
// audit digests the user record, whose password hash is not in its JSON).

func (w *Web) mountAdminUsers(a fiber.Router) {
	a.Get("/users", w.admUsers)
	a.Get("/users/new", w.admUserNew)
	a.Post("/users", w.admUserCreate)
	a.Get("/users/:id", w.admUserEdit)
	a.Post("/users/:id", w.admUserUpdate)
	a.Post("/users/:id/disable", w.admUserDisable)
	a.Post("/users/:id/enable", w.admUserEnable)
	a.Post("/users/:id/password", w.admUserReset)
}

var (
	errAdmSelfDisable = registry.Errorf(registry.EINVALID, "You cannot disable your own account; ask another province staff member.",
		"Bạn không thể tự khóa tài khoản của mình; hãy nhờ một cán bộ Sở khác.")
	errAdmSelfReset = registry.Errorf(registry.EINVALID, "Change your own password on the “Change password” page.",
		"Hãy đổi mật khẩu của chính bạn ở trang “Đổi mật khẩu”.")
	errAdmSelfDemote = registry.Errorf(registry.EINVALID, "you cannot remove your own province staff role; ask another province staff member",
		"bạn không thể tự bỏ vai trò cán bộ Sở của mình; hãy nhờ một cán bộ Sở khác")
)

func (w *Web) admUsers(c *fiber.Ctx) error {
	if err := admAllowed(c, registry.ActRead, registry.KindUser); err != nil {
		return err
	}
	page, err := listPage(c, admPageSize)
	if err != nil {
		return err
	}
	p := w.page(c, "admin/users", "adm_user_title")
	d := &admList[registry.User]{Q: strings.TrimSpace(c.Query("q")), Filter: c.Query("role"), Names: map[string]string{}}
	d.Options = p.admOptions("role_", registry.Roles, false)
	var keep func(*registry.User) bool
	if d.Q != "" || d.Filter != "" {
		keep = func(u *registry.User) bool {
			return (d.Filter == "" || u.Role == d.Filter) && admMatches(d.Q, u.Username, u.DisplayName)
		}
	}
	d.Items, d.Next, err = admSearch(func(pg registry.Page) ([]*registry.User, string, error) {
		return w.store.ListUsers(ctx(c), pg)
	}, page, admPageSize, keep)
	if err != nil {
		return err
	}
	for _, u := range d.Items {
		if err := w.admBindingName(c, u, d.Names); err != nil {
			return err
		}
	}
	p.Data = d
	return w.render(c, fiber.StatusOK, p)
}

// admBindingName puts the name of what u is bound to into names, by its ID.
func (w *Web) admBindingName(c *fiber.Ctx, u *registry.User, names map[string]string) error {
	switch {
	case u.EnterpriseID != "" && names[u.EnterpriseID] == "":
		e, err := w.store.FindEnterprise(ctx(c), u.EnterpriseID)
		if err == nil {
			names[u.EnterpriseID] = e.NameVI + " (" + e.TaxCode + ")"
		} else if registry.ErrorCode(err) != registry.ENOTFOUND {
			return err
		}
	case u.BodyID != "" && names[u.BodyID] == "":
		b, err := w.store.FindCertificationBody(ctx(c), u.BodyID)
		if err == nil {
			names[u.BodyID] = b.Name + " (" + b.Code + ")"
		} else if registry.ErrorCode(err) != registry.ENOTFOUND {
			return err
		}
	}
	return nil
}

// admUserActions is what the user page shows below its form.
type admUserActions struct {
	User    *registry.User
	Self    bool
	Binding string
}

// admUserForm is the create or edit form of a user.
func (w *Web) admUserForm(c *fiber.Ctx, p *Page, u *registry.User) (*admForm, error) {
	bodies := []admOption{{Value: "", Label: "—"}}
	if err := admScanAll(func(pg registry.Page) ([]*registry.CertificationBody, string, error) {
		return w.store.ListCertificationBodies(ctx(c), pg)
	}, func(b *registry.CertificationBody) {
		bodies = append(bodies, admOption{Value: b.ID, Label: b.Code + " — " + b.Name})
	}); err != nil {
		return nil, err
	}
	f := &admForm{ID: "user-form", Heading: "adm_user_new", Action: admPrefix + "/users", Submit: "adm_create", Back: admPrefix + "/users"}
	var fields []admField
	if u == nil {
		fields = append(fields, admField{Name: "username", Label: "adm_f_username", Kind: "text", Required: true, Max: 64, Hint: "adm_hint_username"})
	} else {
		f.Heading, f.Action, f.Submit, f.Sub, f.Version = "adm_user_edit", admPrefix+"/users/"+u.ID, "save", u.Username, u.Version
	}
	fields = append(fields,
		admField{Name: "display_name", Label: "adm_f_display_name", Kind: "text", Required: true, Max: 200},
		admField{Name: "role", Label: "adm_f_role", Kind: "select", Required: true, Options: p.admOptions("role_", registry.Roles, u == nil)},
		admField{Name: "enterprise", Label: "adm_f_enterprise", Kind: "text", Max: 14, Hint: "adm_hint_enterprise", Cond: true},
		admField{Name: "body_id", Label: "adm_f_body", Kind: "select", Options: bodies, Hint: "adm_hint_body", Cond: true},
	)
	if u == nil {
		fields = append(fields, admField{Name: "password", Label: "adm_f_password", Kind: "password", Max: 128, Hint: "adm_hint_password"})
	}
	f.Fields = fields
	if u != nil {
		act := &admUserActions{User: u, Self: u.ID == actor(c).UserID}
		names := map[string]string{}
		if err := w.admBindingName(c, u, names); err != nil {
			return nil, err
		}
		act.Binding = names[u.EnterpriseID+u.BodyID]
		f.User = act
	}
	return f, nil
}

// admBind binds u to what its role needs, from the form: an enterprise by
// tax code, a certification body by ID. Bindings other roles do not use are
// dropped. EINVALID names the form's field.
func (w *Web) admBind(c *fiber.Ctx, u *registry.User) error {
	u.EnterpriseID, u.BodyID = "", ""
	var p registry.Problems
	switch u.Role {
	case registry.RoleEnterprise:
		tax := admValue(c, "enterprise")
		switch {
		case tax == "":
			p.Add("enterprise", "required", "an enterprise user must be bound to an enterprise: give its tax code",
				"người dùng doanh nghiệp phải gắn với một doanh nghiệp: hãy nhập mã số thuế")
		case !registry.ValidTaxCode(tax):
			p.Add("enterprise", "tax_code", "must be 10 digits, or 10 digits, a dash and 3 digits for a branch",
				"phải gồm 10 chữ số, hoặc 10 chữ số, dấu gạch ngang và 3 chữ số đối với chi nhánh")
		default:
			e, err := w.store.FindEnterpriseByTaxCode(ctx(c), tax)
			if registry.ErrorCode(err) == registry.ENOTFOUND {
				p.Add("enterprise", "exists", "no enterprise has this tax code; register the enterprise first",
					"không có doanh nghiệp nào mang mã số thuế này; hãy đăng ký doanh nghiệp trước")
			} else if err != nil {
				return err
			} else {
				u.EnterpriseID = e.ID
			}
		}
	case registry.RoleCertifier:
		id := admValue(c, "body_id")
		if id == "" {
			p.Add("body_id", "required", "a certifier must be bound to a certification body", "người dùng tổ chức chứng nhận phải gắn với một tổ chức chứng nhận")
			break
		}
		b, err := w.store.FindCertificationBody(ctx(c), id)
		if registry.ErrorCode(err) == registry.ENOTFOUND {
			p.Add("body_id", "exists", "no such certification body", "không có tổ chức chứng nhận này")
		} else if err != nil {
			return err
		} else {
			u.BodyID = b.ID
		}
	}
	return p.Err()
}

// admUserProblems validates u, leaving the binding to admBind (whose
// messages name the form's fields).
func admUserProblems(u *registry.User) error {
	err := u.Validate()
	var e *registry.Error
	if !errors.As(err, &e) {
		return err
	}
	out := *e
	out.Fields = slices.DeleteFunc(slices.Clone(e.Fields), func(fe registry.FieldError) bool {
		return fe.Field == "enterprise_id" || fe.Field == "body_id"
	})
	if len(out.Fields) == 0 {
		return nil
	}
	return &out
}

func (w *Web) admUserNew(c *fiber.Ctx) error {
	if err := admAllowed(c, registry.ActCreate, registry.KindUser); err != nil {
		return err
	}
	p := w.page(c, "admin/form", "adm_user_new")
	p.Form = newForm(c)
	// Opened from an enterprise's or a body's page: the binding is filled in.
	for _, k := range []string{"role", "enterprise", "body_id"} {
		if v := c.Query(k); v != "" {
			p.Form.Set(k, strings.Clone(v))
		}
	}
	f, err := w.admUserForm(c, p, nil)
	if err != nil {
		return err
	}
	return w.admRender(c, fiber.StatusOK, p, f)
}

// admPassword is the one-time page with a new password.
type admPassword struct {
	User      *registry.User
	Password  string // "" when the admin typed it
	Reset     bool
	Generated bool
}

func (w *Web) admUserCreate(c *fiber.Ctx) error {
	if err := admAllowed(c, registry.ActCreate, registry.KindUser); err != nil {
		return err
	}
	p := w.page(c, "admin/form", "adm_user_new")
	p.Form = newForm(c)
	u := &registry.User{Username: strings.ToLower(admValue(c, "username")), DisplayName: admValue(c, "display_name"), Role: admValue(c, "role")}
	p.Form.Set("username", u.Username)
	p.Form.Values.Del("password") // never shown again
	fail := func(err error) error {
		err = admConflictOn(err, "username")
		if !invalid(err) {
			return err
		}
		p.Form.Fail(err)
		f, ferr := w.admUserForm(c, p, nil)
		if ferr != nil {
			return ferr
		}
		return w.admRender(c, admFailStatus(err), p, f)
	}
	bindErr := w.admBind(c, u)
	pw := c.FormValue("password")
	generated := pw == ""
	var pwErr error
	if generated {
		pw = registry.NewPassword()
	} else {
		pwErr = registry.CheckPassword(pw)
	}
	var takenErr error
	if _, err := w.store.FindUserByUsername(ctx(c), u.Username); err == nil {
		takenErr = fieldError("username", "taken", registry.Errorf(registry.ECONFLICT, "This username is taken.", "Tên đăng nhập đã được dùng."))
	} else if registry.ErrorCode(err) != registry.ENOTFOUND {
		return err
	}
	u.PasswordHash = "-" // hashed below, once everything else is right
	if err := admMerge(admUserProblems(u), bindErr, pwErr, takenErr); err != nil {
		return fail(err)
	}
	h, err := registry.HashPassword(pw)
	if err != nil {
		return err
	}
	u.PasswordHash = h
	if err := w.store.CreateUser(ctx(c), u); err != nil {
		return fail(err)
	}
	if err := w.audit(c, "user.create", registry.KindUser, u.ID, u.EnterpriseID, nil, u); err != nil {
		return err
	}
	d := &admPassword{User: u, Generated: generated}
	if generated {
		d.Password = pw
	}
	return w.admShowPassword(c, "adm_user_created_title", d)
}

// admShowPassword answers a POST with the one-time password page (never cached).
func (w *Web) admShowPassword(c *fiber.Ctx, title string, d *admPassword) error {
	p := w.page(c, "admin/password", title)
	p.Data = d
	return w.render(c, fiber.StatusOK, p)
}

func (w *Web) admFindUser(c *fiber.Ctx, action string) (*registry.User, error) {
	if err := admAllowed(c, action, registry.KindUser); err != nil {
		return nil, err
	}
	u, err := w.store.FindUser(ctx(c), admRecordID(c))
	if err != nil {
		return nil, err
	}
	if err := registry.Authorize(actor(c), action, registry.Resource{Kind: registry.KindUser, EnterpriseID: u.EnterpriseID, BodyID: u.BodyID, UserID: u.ID}); err != nil {
		return nil, err
	}
	return u, nil
}

// admUserValues fills the edit form from u.
func (w *Web) admUserValues(c *fiber.Ctx, f *Form, u *registry.User) error {
	f.Set("display_name", u.DisplayName)
	f.Set("role", u.Role)
	f.Set("body_id", u.BodyID)
	if u.EnterpriseID != "" {
		e, err := w.store.FindEnterprise(ctx(c), u.EnterpriseID)
		if err != nil && registry.ErrorCode(err) != registry.ENOTFOUND {
			return err
		}
		if e != nil {
			f.Set("enterprise", e.TaxCode)
		}
	}
	return nil
}

// admUserPage shows a user's page: the edit form with its actions. typed
// keeps what the edit form sent (a failed update); otherwise the form shows
// the record.
func (w *Web) admUserPage(c *fiber.Ctx, status int, u *registry.User, failure error, typed bool) error {
	p := w.page(c, "admin/form", "adm_user_edit")
	p.Form = newForm(c)
	if !typed {
		p.Form.Values = map[string][]string{}
		if err := w.admUserValues(c, p.Form, u); err != nil {
			return err
		}
	}
	if failure != nil {
		p.Form.Fail(failure)
	}
	f, err := w.admUserForm(c, p, u)
	if err != nil {
		return err
	}
	if failure != nil && typed {
		f.Version = admKeepVersion(c, failure, u.Version)
	}
	return w.admRender(c, status, p, f)
}

func (w *Web) admUserEdit(c *fiber.Ctx) error {
	u, err := w.admFindUser(c, registry.ActUpdate)
	if err != nil {
		return err
	}
	return w.admUserPage(c, fiber.StatusOK, u, nil, false)
}

func (w *Web) admUserUpdate(c *fiber.Ctx) error {
	cur, err := w.admFindUser(c, registry.ActUpdate)
	if err != nil {
		return err
	}
	next := *cur
	next.DisplayName, next.Role = admValue(c, "display_name"), admValue(c, "role")
	next.Version = admVersion(c)
	var selfErr error
	if cur.ID == actor(c).UserID && next.Role != registry.RoleAdmin {
		selfErr = fieldError("role", "self", errAdmSelfDemote)
	}
	bindErr := w.admBind(c, &next)
	if err := admMerge(admUserProblems(&next), bindErr, selfErr); err != nil {
		if !invalid(err) {
			return err
		}
		return w.admUserPage(c, admFailStatus(err), cur, err, true)
	}
	if err := w.store.UpdateUser(ctx(c), &next); err != nil {
		if invalid(err) {
			return w.admUserPage(c, admFailStatus(err), cur, err, true)
		}
		return err
	}
	if err := w.audit(c, "user.update", registry.KindUser, next.ID, next.EnterpriseID, cur, &next); err != nil {
		return err
	}
	return w.redirectFlash(c, admPrefix+"/users/"+next.ID, "flash_adm_user_saved")
}

// admSetDisabled disables or enables a user. Disabling ends their sessions
// now (Identify also reloads the user on every request).
func (w *Web) admSetDisabled(c *fiber.Ctx, disabled bool) error {
	cur, err := w.admFindUser(c, registry.ActUpdate)
	if err != nil {
		return err
	}
	if disabled && cur.ID == actor(c).UserID {
		return w.admUserPage(c, fiber.StatusUnprocessableEntity, cur, errAdmSelfDisable, false)
	}
	next := *cur
	next.Disabled = disabled
	if err := w.store.UpdateUser(ctx(c), &next); err != nil {
		if invalid(err) {
			return w.admUserPage(c, admFailStatus(err), cur, err, false)
		}
		return err
	}
	action, flash := "user.enable", "flash_adm_user_enabled"
	if disabled {
		if err := w.store.DeleteUserSessions(ctx(c), next.ID); err != nil {
			return err
		}
		action, flash = "user.disable", "flash_adm_user_disabled"
	}
	if err := w.audit(c, action, registry.KindUser, next.ID, next.EnterpriseID, cur, &next); err != nil {
		return err
	}
	return w.redirectFlash(c, admPrefix+"/users/"+next.ID, flash)
}

func (w *Web) admUserDisable(c *fiber.Ctx) error { return w.admSetDisabled(c, true) }
func (w *Web) admUserEnable(c *fiber.Ctx) error  { return w.admSetDisabled(c, false) }

// admUserReset sets a generated password, ends the user's sessions and shows
// the password once.
func (w *Web) admUserReset(c *fiber.Ctx) error {
	cur, err := w.admFindUser(c, registry.ActUpdate)
	if err != nil {
		return err
	}
	if cur.ID == actor(c).UserID {
		return w.admUserPage(c, fiber.StatusUnprocessableEntity, cur, errAdmSelfReset, false)
	}
	pw := registry.NewPassword()
	h, err := registry.HashPassword(pw)
	if err != nil {
		return err
	}
	next := *cur
	next.PasswordHash = h
	if err := w.store.UpdateUser(ctx(c), &next); err != nil {
		if invalid(err) {
			return w.admUserPage(c, admFailStatus(err), cur, err, false)
		}
		return err
	}
	if err := w.store.DeleteUserSessions(ctx(c), next.ID); err != nil {
		return err
	}
	// The digests cover the record's JSON, which leaves the hash out: the
	// entry says a reset happened, not what the password is.
	if err := w.audit(c, "user.password_reset", registry.KindUser, next.ID, next.EnterpriseID, cur, &next); err != nil {
		return err
	}
	return w.admShowPassword(c, "adm_pw_reset_title", &admPassword{User: &next, Password: pw, Reset: true, Generated: true})
}
