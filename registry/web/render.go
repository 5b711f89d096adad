package web

import (
	"bytes"
	"errors"
	"fmt"
	"html/template"
	"io/fs"
	"net/url"
	"path"
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/tracereg/tracereg/assets"
	"github.com/tracereg/tracereg/registry"
	"github.com/tracereg/tracereg/registry/server"
)

// Page is what every template gets: the signed-in actor, the language, the
// CSRF token for its forms, the navigation, a flash message, the form state
// and the page's own Data.
type Page struct {
	Name  string // template name, e.g. "enterprise/products"
	Title string // message key of the title
	Lang  string
	Me    registry.Actor
	CSRF  string
	Path  string
	Query url.Values
	Flash string // message key
	Nav   []NavGroup
	Form  *Form
	Data  any
	Now   time.Time
}

// T returns the text of key in the page's language. A missing key shows as
// itself between question marks (TestCatalogue fails on any).
func (p *Page) T(key string) string { return tr(p.Lang, key) }

// Tf formats the text of key with args.
func (p *Page) Tf(key string, args ...any) string { return fmt.Sprintf(tr(p.Lang, key), args...) }

// Msg picks the page's language from a registry error message pair.
func (p *Page) Msg(en, vi string) string {
	if p.Lang == "en" {
		return en
	}
	return vi
}

// Date shows a time as a date in Vietnam time.
func (p *Page) Date(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.In(registry.Vietnam).Format("02/01/2006")
}

// DateTime shows a time in Vietnam time.
func (p *Page) DateTime(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.In(registry.Vietnam).Format("02/01/2006 15:04")
}

// Day shows a registry.Date as dd/mm/yyyy.
func (p *Page) Day(d registry.Date) string {
	t, err := d.Time()
	if err != nil {
		return string(d)
	}
	return t.Format("02/01/2006")
}

// Link returns the page's path with query parameters replaced (paging, filters).
func (p *Page) Link(kv ...string) string {
	q := url.Values{}
	for k, v := range p.Query {
		q[k] = v
	}
	for i := 0; i+1 < len(kv); i += 2 {
		if kv[i+1] == "" {
			q.Del(kv[i])
		} else {
			q.Set(kv[i], kv[i+1])
		}
	}
	if len(q) == 0 {
		return p.Path
	}
	return p.Path + "?" + q.Encode()
}

// LangLink is the same page in the other language.
func (p *Page) LangLink() string {
	other := "en"
	if p.Lang == "en" {
		other = "vi"
	}
	return p.Link("lang", other)
}

// Form holds what was typed and what was wrong with it, so a form shown
// again keeps every value and shows each message beside its field.
type Form struct {
	Values  url.Values
	Errors  map[string][]registry.FieldError
	General []*registry.Error // errors not tied to one field
	// Staged are uploads kept from an earlier try of this form (see stageUpload).
	Staged map[string]StagedFile
}

func newForm(c *fiber.Ctx) *Form {
	f := &Form{Values: url.Values{}, Errors: map[string][]registry.FieldError{}, Staged: map[string]StagedFile{}}
	if c.Method() == fiber.MethodPost {
		if mf, err := c.MultipartForm(); err == nil {
			for k, v := range mf.Value {
				f.Values[k] = v
			}
		} else {
			args := c.Request().PostArgs()
			args.VisitAll(func(k, v []byte) { f.Values.Add(string(k), string(v)) })
		}
		f.Values.Del(csrfField)
	}
	return f
}

// Value is what was typed in field (or the record's value set before rendering).
func (f *Form) Value(field string) string { return f.Values.Get(field) }

// Has reports whether value is among field's values (checkboxes, multi-selects).
func (f *Form) Has(field, value string) bool {
	for _, v := range f.Values[field] {
		if v == value {
			return true
		}
	}
	return false
}

// Set sets a field's value.
func (f *Form) Set(field, value string) { f.Values.Set(field, value) }

// Err returns the problems of field (and of its sub-fields, "geometry.…").
func (f *Form) Err(field string) []registry.FieldError {
	var out []registry.FieldError
	for k, v := range f.Errors {
		if k == field || strings.HasPrefix(k, field+".") || strings.HasPrefix(k, field+"[") {
			out = append(out, v...)
		}
	}
	return out
}

// Invalid reports whether the form has any problem.
func (f *Form) Invalid() bool { return len(f.Errors) > 0 || len(f.General) > 0 }

// Fail records err on the form: an EINVALID's fields beside their fields,
// anything else as a general message.
func (f *Form) Fail(err error) {
	var e *registry.Error
	if !errors.As(err, &e) {
		e = registry.PublicError(err)
	}
	if e.Code == registry.EINVALID && len(e.Fields) > 0 {
		for _, fe := range e.Fields {
			f.Errors[fe.Field] = append(f.Errors[fe.Field], fe)
		}
		return
	}
	f.General = append(f.General, e)
}

// fieldError is an EINVALID naming one field with the messages of e.
func fieldError(field, rule string, e *registry.Error) error {
	return &registry.Error{Code: registry.EINVALID, Message: "Check the form.", MessageVI: "Vui lòng kiểm tra lại biểu mẫu.",
		Fields: []registry.FieldError{{Field: field, Rule: rule, Message: e.Message, MessageVI: e.MessageVI}}}
}

// renameFields moves every field problem of err to field (a form field
// named differently from the record's).
func renameFields(err error, field string) error {
	var e *registry.Error
	if !errors.As(err, &e) || e.Code != registry.EINVALID {
		return err
	}
	out := *e
	out.Fields = nil
	for _, fe := range e.Fields {
		fe.Field = field
		out.Fields = append(out.Fields, fe)
	}
	return &out
}

// invalid reports whether err is a validation failure to show on the form.
func invalid(err error) bool {
	switch registry.ErrorCode(err) {
	case registry.EINVALID, registry.ECONFLICT, registry.ESTALE, registry.ETOOLARGE, registry.EMEDIATYPE:
		return true
	}
	return false
}

// page starts the Page of a template for this request.
func (w *Web) page(c *fiber.Ctx, name, title string) *Page {
	p := &Page{Name: name, Title: title, Lang: lang(c), Me: actor(c), Path: c.Path(), Now: w.clock.Now()}
	if s := session(c); s != nil {
		p.CSRF = s.CSRF
	}
	p.Query = url.Values{}
	c.Context().QueryArgs().VisitAll(func(k, v []byte) { p.Query.Add(string(k), string(v)) })
	p.Query.Del("lang")
	p.Nav = navFor(p.Me, p.Path)
	if key := c.Cookies(flashCookie); key != "" {
		if _, ok := catalogue["vi"][key]; ok && strings.HasPrefix(key, "flash_") {
			p.Flash = key
		}
		w.clearCookie(c, flashCookie)
	}
	return p
}

const (
	flashCookie = "tr_flash"
	langCookie  = "tr_lang"
)

// redirectFlash redirects (303) after a successful POST, with a message
// shown once on the next page. key must be a catalogue key starting "flash_".
func (w *Web) redirectFlash(c *fiber.Ctx, to, key string) error {
	w.setCookie(c, flashCookie, key, time.Minute)
	return c.Redirect(to, fiber.StatusSeeOther)
}

// lang is the page language: ?lang= (remembered in a cookie), the cookie,
// then Vietnamese. Accept-Language is not used: the workspaces speak
// Vietnamese first, and the toggle is on every page.
func lang(c *fiber.Ctx) string {
	if q := c.Query("lang"); q == "vi" || q == "en" {
		c.Cookie(&fiber.Cookie{Name: langCookie, Value: q, Path: "/", MaxAge: 365 * 24 * 3600, SameSite: fiber.CookieSameSiteLaxMode})
		return q
	}
	if l := c.Cookies(langCookie); l == "en" {
		return "en"
	}
	return "vi"
}

// render executes the page's template with the layout.
func (w *Web) render(c *fiber.Ctx, status int, p *Page) error {
	t, ok := w.pages[p.Name]
	if !ok {
		return fmt.Errorf("web: no template %q", p.Name)
	}
	var buf bytes.Buffer
	if err := t.ExecuteTemplate(&buf, "layout", p); err != nil {
		return fmt.Errorf("web: render %s: %w", p.Name, err)
	}
	setPageHeaders(c)
	c.Status(status)
	c.Type("html", "utf-8")
	return c.Send(buf.Bytes())
}

// setPageHeaders sets the headers of every workspace page (the server adds
// nosniff, the referrer policy and frame denial to every answer).
func setPageHeaders(c *fiber.Ctx) {
	c.Set("Content-Security-Policy", server.ContentSecurityPolicy)
	c.Set(fiber.HeaderCacheControl, "no-store")
	c.Set("Referrer-Policy", "same-origin")
}

// funcs are the template helpers that are not Page methods.
var funcs = template.FuncMap{
	"itoa":  strconv.Itoa,
	"join":  strings.Join,
	"add":   func(a, b int) int { return a + b },
	"lower": strings.ToLower,
	"short": func(s string, n int) string {
		if r := []rune(s); len(r) > n {
			return string(r[:n]) + "…"
		}
		return s
	},
}

// parsePages parses every page under templates/web with the shared
// layout.html and partials.html, once, at start-up.
func parsePages() (map[string]*template.Template, error) {
	root := "templates/web"
	var shared, pages []string
	err := fs.WalkDir(assets.Templates, root, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(p, ".html") {
			return err
		}
		base := path.Base(p)
		if base == "layout.html" || base == "partials.html" {
			shared = append(shared, p)
		} else {
			pages = append(pages, p)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	out := map[string]*template.Template{}
	for _, p := range pages {
		name := strings.TrimSuffix(strings.TrimPrefix(p, root+"/"), ".html")
		t, err := template.New(name).Funcs(funcs).ParseFS(assets.Templates, append(append([]string{}, shared...), p)...)
		if err != nil {
			return nil, fmt.Errorf("web: template %s: %w", name, err)
		}
		if t.Lookup("content") == nil {
			return nil, fmt.Errorf("web: template %s defines no \"content\"", name)
		}
		out[name] = t
	}
	return out, nil
}

// Errs returns the messages for field in the page's language.
func (p *Page) Errs(field string) []string {
	if p.Form == nil {
		return nil
	}
	var out []string
	for _, fe := range p.Form.Err(field) {
		out = append(out, p.Msg(fe.Message, fe.MessageVI))
	}
	return out
}

// V returns what the form holds for field.
func (p *Page) V(field string) string {
	if p.Form == nil {
		return ""
	}
	return p.Form.Value(field)
}

// Staged returns the upload kept for field, if any.
func (p *Page) Staged(field string) *StagedFile {
	if p.Form == nil {
		return nil
	}
	if st, ok := p.Form.Staged[field]; ok {
		return &st
	}
	return nil
}

// formStatus is the status of a form refused with err: 409 when the
// record changed meanwhile or something else holds it, 422 otherwise.
func formStatus(err error) int {
	if code := registry.ErrorCode(err); code == registry.ESTALE || code == registry.ECONFLICT {
		return fiber.StatusConflict
	}
	return fiber.StatusUnprocessableEntity
}

// deleteConfirmed deletes the record of kind once the form's box
// (confirm_delete) is ticked and its version is the one read; the store
// refuses a record others refer to, saying which (ECONFLICT).
func (w *Web) deleteConfirmed(c *fiber.Ctx, f *Form, kind, id string, version int) error {
	switch {
	case f.Value("confirm_delete") != "yes":
		return fieldError("confirm_delete", "required", registry.Errorf(registry.EINVALID,
			"tick the box to confirm the deletion", "hãy đánh dấu ô xác nhận để xóa"))
	case f.Value("version") != strconv.Itoa(version):
		return registry.Errorf(registry.ESTALE, "It changed since you read it; check it and try again.",
			"Bản ghi đã thay đổi kể từ khi bạn xem; hãy kiểm tra và thử lại.")
	}
	return w.store.DeleteRecord(ctx(c), kind, id)
}

// renameFieldMap moves field problems to the form's fields: names maps a
// record field (its base, before any "." or "[") to the form field.
func renameFieldMap(err error, names map[string]string) error {
	var e *registry.Error
	if err == nil || !errors.As(err, &e) || e.Code != registry.EINVALID {
		return err
	}
	out := *e
	out.Fields = nil
	for _, fe := range e.Fields {
		base, _, _ := strings.Cut(fe.Field, ".")
		base, _, _ = strings.Cut(base, "[")
		if to, ok := names[base]; ok {
			fe.Field = to
		}
		out.Fields = append(out.Fields, fe)
	}
	return &out
}
