package web

// The province staff (admin) workspace: enterprises, users and roles,
// certification bodies and their accreditation, the standards catalogue and
// the demo data reset. Every page and action is for RoleAdmin alone; each
// write goes through the registry's validation and the audit log.

import (
	"context"
	"errors"
	"slices"
	"strconv"
	"strings"

	"github.com/gofiber/fiber/v2"

	"github.com/tracereg/tracereg/registry"
)

// admPrefix is where the admin pages live.
const admPrefix = Prefix + "/admin"

// --- generic forms: one template (admin/form) renders every admin form from
// a list of fields, so each entity only says which fields it has.

// admField is one field of an admin form.
type admField struct {
	Name     string // form field name (the registry's field name where there is one)
	Label    string // message key
	Kind     string // text, email, tel, date, password, textarea, select, checkbox, checks, file
	Options  []admOption
	Required bool
	// Cond: required or not depending on other fields (the user's binding
	// by role), so neither marked required nor optional.
	Cond     bool
	Hint     string // message key
	Max      int
	Accept   string // file types
	ReadOnly bool
}

// admOption is one choice of a select or a group of checkboxes; Label is text.
type admOption struct{ Value, Label string }

// admForm is what admin/form shows.
type admForm struct {
	ID        string // the form element's id
	Heading   string // message key
	Sub       string // the record's name, shown after the heading
	Action    string
	Submit    string // message key
	Multipart bool
	Fields    []admField
	Back      string
	Version   int // the record's version, sent back to detect a concurrent change
	// User is the user page's actions (disable, enable, reset the password).
	User *admUserActions
	// Doc links a catalogue entry's current document.
	Doc *admStandardDoc
	// People lists the accounts bound to an enterprise or a body, with a
	// link to give it another.
	People *admPeople
}

// admPeople are the accounts bound to a record.
type admPeople struct {
	Users   []*registry.User
	NewHref string
}

// admPeopleOf lists the users bound to an enterprise or a body.
func (w *Web) admPeopleOf(c *fiber.Ctx, enterpriseID, bodyID, newHref string) (*admPeople, error) {
	out := &admPeople{NewHref: newHref}
	err := admScanAll(func(p registry.Page) ([]*registry.User, string, error) { return w.store.ListUsers(ctx(c), p) }, func(u *registry.User) {
		if enterpriseID != "" && u.EnterpriseID == enterpriseID || bodyID != "" && u.BodyID == bodyID {
			out.Users = append(out.Users, u)
		}
	})
	return out, err
}

// admOptions turns values into choices labelled by message keys prefix+value
// (or the value itself when prefix is "").
func (p *Page) admOptions(prefix string, values []string, blank bool) []admOption {
	var out []admOption
	if blank {
		out = append(out, admOption{Value: "", Label: "—"})
	}
	for _, v := range values {
		label := v
		if prefix != "" {
			label = p.T(prefix + strings.ReplaceAll(strings.ToLower(v), " ", "_"))
		}
		out = append(out, admOption{Value: v, Label: label})
	}
	return out
}

// renderForm shows an admin form (status 200, or 422/409 with the errors).
func (w *Web) admRender(c *fiber.Ctx, status int, p *Page, f *admForm) error {
	p.Data = f
	return w.render(c, status, p)
}

// failStatus is the status of a form shown again after err.
func admFailStatus(err error) int {
	switch registry.ErrorCode(err) {
	case registry.ECONFLICT, registry.ESTALE:
		return fiber.StatusConflict
	case registry.ETOOLARGE:
		return fiber.StatusRequestEntityTooLarge
	case registry.EMEDIATYPE:
		return fiber.StatusUnsupportedMediaType
	}
	return fiber.StatusUnprocessableEntity
}

// mergeInvalid joins the field problems of several EINVALID errors into one
// (so every wrong field shows at once); any other error wins as it is.
func admMerge(errs ...error) error {
	var fields []registry.FieldError
	for _, err := range errs {
		if err == nil {
			continue
		}
		var e *registry.Error
		if !errors.As(err, &e) || e.Code != registry.EINVALID {
			return err
		}
		fields = append(fields, e.Fields...)
	}
	if len(fields) == 0 {
		return nil
	}
	return &registry.Error{Code: registry.EINVALID, Message: "Check the form.", MessageVI: "Vui lòng kiểm tra lại biểu mẫu.", Fields: fields}
}

// moveField renames the problems of field from to field to (the form's
// name for a registry field), leaving the others.
func admMoveField(err error, from, to string) error {
	var e *registry.Error
	if !errors.As(err, &e) || e.Code != registry.EINVALID {
		return err
	}
	out := *e
	out.Fields = nil
	for _, fe := range e.Fields {
		if fe.Field == from || strings.HasPrefix(fe.Field, from+".") || strings.HasPrefix(fe.Field, from+"[") {
			fe.Field = to
		}
		out.Fields = append(out.Fields, fe)
	}
	return &out
}

// conflictOn shows a unique-key conflict (ECONFLICT) beside field.
func admConflictOn(err error, field string) error {
	var e *registry.Error
	if errors.As(err, &e) && e.Code == registry.ECONFLICT {
		return fieldError(field, "taken", e)
	}
	return err
}

// formVersion reads the hidden version field of an edit form.
func admVersion(c *fiber.Ctx) int {
	v, _ := strconv.Atoi(c.FormValue("version"))
	return v
}

// admKeepVersion is the version a form shown again carries: what it was
// opened with, or after a concurrent change (ESTALE) the stored one, so
// sending it again (having seen the message) saves it.
func admKeepVersion(c *fiber.Ctx, err error, stored int) int {
	if registry.ErrorCode(err) == registry.ESTALE {
		return stored
	}
	return admVersion(c)
}

// admRecordID returns the :id parameter, copied (Fiber reuses its buffers).
func admRecordID(c *fiber.Ctx) string { return strings.Clone(c.Params("id")) }

// --- lists: the stores filter by exact keys; free-text search over names
// runs here, over the store's pages, which is plenty at a province's scale.

const (
	admPageSize     = 25
	admScanPageSize = registry.MaxPageLimit
	admMaxScanPages = 500 // 100,000 records at most per request
)

// searchPage returns up to n records after start's cursor that keep accepts,
// reading the store's pages, and the cursor of the next page ("" at the end).
func admSearch[T any](fetch func(registry.Page) ([]*T, string, error), start registry.Page, n int,
	keep func(*T) bool) ([]*T, string, error) {
	if keep == nil {
		return fetch(registry.Page{Cursor: start.Cursor, Limit: n})
	}
	var out []*T
	cursor := start.Cursor
	for range admMaxScanPages {
		items, next, err := fetch(registry.Page{Cursor: cursor, Limit: admScanPageSize})
		if err != nil {
			return nil, "", err
		}
		for i, it := range items {
			if !keep(it) {
				continue
			}
			if len(out) == n {
				// Cursors are the store's own: ask it for the one after
				// the last record shown (the i records before this one).
				if i == 0 {
					return out, cursor, nil
				}
				_, after, err := fetch(registry.Page{Cursor: cursor, Limit: i})
				return out, after, err
			}
			out = append(out, it)
		}
		if next == "" {
			return out, "", nil
		}
		cursor = next
	}
	return out, cursor, nil // the scan stopped; the next page goes on from there
}

// scanAll calls each on every record the store lists.
func admScanAll[T any](fetch func(registry.Page) ([]*T, string, error), each func(*T)) error {
	_, _, err := admSearch(fetch, registry.Page{}, 1, func(x *T) bool { each(x); return false })
	return err
}

// matches reports whether every word of q is in one of texts, ignoring case
// and Vietnamese diacritics.
func admMatches(q string, texts ...string) bool {
	hay := registry.FoldText(strings.Join(texts, " "))
	for _, word := range strings.Fields(registry.FoldText(q)) {
		if !strings.Contains(hay, word) {
			return false
		}
	}
	return true
}

// admList is what the list pages get.
type admList[T any] struct {
	Items []*T
	Next  string
	Q     string
	// Filter is the list's second filter (district, role, kind).
	Filter  string
	Options []admOption
	// Names resolves IDs (enterprises, bodies) to names for the table.
	Names map[string]string
}

// --- home

type admHomeData struct {
	Enterprises     int
	Users           int
	UsersByRole     []admCount
	Disabled        int
	Bodies          int
	Standards       int
	StandardsByKind []admCount
	OpenComplaints  int
	Waiting         int // submitted or needs_more dossiers
	Overdue         int
}

type admCount struct {
	Key   string // message key
	Label string // or plain text
	N     int
}

// openComplaint: a report still to be handled (its workflow belongs to the
// inspectors; anything not closed counts).
func admOpenComplaint(status string) bool {
	switch status {
	case "resolved", "closed", "dismissed", "rejected":
		return false
	}
	return true
}

func (w *Web) admCountAll(ctx context.Context) (*admHomeData, error) {
	s := w.store
	n := &admHomeData{}
	if err := admScanAll(func(p registry.Page) ([]*registry.Enterprise, string, error) {
		return s.ListEnterprises(ctx, registry.EnterpriseFilter{Page: p})
	}, func(*registry.Enterprise) { n.Enterprises++ }); err != nil {
		return nil, err
	}
	byRole := map[string]int{}
	if err := admScanAll(func(p registry.Page) ([]*registry.User, string, error) { return s.ListUsers(ctx, p) }, func(u *registry.User) {
		n.Users++
		byRole[u.Role]++
		if u.Disabled {
			n.Disabled++
		}
	}); err != nil {
		return nil, err
	}
	for _, r := range registry.Roles {
		n.UsersByRole = append(n.UsersByRole, admCount{Key: "role_" + r, N: byRole[r]})
	}
	if err := admScanAll(func(p registry.Page) ([]*registry.CertificationBody, string, error) {
		return s.ListCertificationBodies(ctx, p)
	},
		func(*registry.CertificationBody) { n.Bodies++ }); err != nil {
		return nil, err
	}
	byKind := map[string]int{}
	if err := admScanAll(func(p registry.Page) ([]*registry.Standard, string, error) { return s.ListStandards(ctx, "", p) },
		func(x *registry.Standard) { n.Standards++; byKind[x.Kind]++ }); err != nil {
		return nil, err
	}
	for _, k := range registry.StandardKinds {
		n.StandardsByKind = append(n.StandardsByKind, admCount{Label: admKindLabel(k), N: byKind[k]})
	}
	if err := admScanAll(func(p registry.Page) ([]*registry.ProblemReport, string, error) { return s.ListReports(ctx, p) },
		func(r *registry.ProblemReport) {
			if admOpenComplaint(r.Status) {
				n.OpenComplaints++
			}
		}); err != nil {
		return nil, err
	}
	inbox, err := s.ListInbox(ctx, registry.InboxFilter{Calendar: w.cfg.Calendar, Rules: w.cfg.Inbox})
	if err != nil {
		return nil, err
	}
	n.Waiting = len(inbox)
	for _, e := range inbox {
		if e.Overdue {
			n.Overdue++
		}
	}
	return n, nil
}

// standardKindLabel shows QCDP as the province writes it.
func admKindLabel(kind string) string {
	switch kind {
	case "QCDP":
		return "QCĐP"
	case "other":
		return "…"
	}
	return kind
}

func (w *Web) admHome(c *fiber.Ctx) error {
	if err := registry.Authorize(actor(c), registry.ActRead, registry.Resource{Kind: registry.KindUser}); err != nil {
		return err
	}
	counts, err := w.admCountAll(ctx(c))
	if err != nil {
		return err
	}
	p := w.page(c, "admin/home", "adm_home_title")
	p.Data = counts
	return w.render(c, fiber.StatusOK, p)
}

// adminOnly checks the policy for a kind of record before any admin page
// works on it (the route group admits admins; this keeps the policy the
// one place that decides).
func admAllowed(c *fiber.Ctx, action, kind string) error {
	return registry.Authorize(actor(c), action, registry.Resource{Kind: kind})
}

// checked is the form value of a ticked checkbox.
func admChecked(c *fiber.Ctx, name string) bool { return c.FormValue(name) != "" }

// formList returns every value of a multi-value field, trimmed, without blanks.
func admFormList(f *Form, name string) []string {
	var out []string
	for _, v := range f.Values[name] {
		if v = strings.TrimSpace(v); v != "" && !slices.Contains(out, v) {
			out = append(out, v)
		}
	}
	return out
}

// field returns the trimmed value of a form field, copied.
func admValue(c *fiber.Ctx, name string) string {
	return strings.TrimSpace(strings.Clone(c.FormValue(name)))
}
