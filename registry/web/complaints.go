package web

// Complaints: the public's "report a problem" reports (lookup/report.go),
// handled by inspectors and province staff: /w/complaints lists them by
// status, /w/complaints/:id shows one with the public page it is about and
// its journal, and the steps: assign (to me or another inspector), add a
// note, resolve with a resolution, reopen.

import (
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/gofiber/fiber/v2"

	"github.com/tracereg/tracereg/registry"
)

const cmpPath = Prefix + "/complaints"

const cmpPageSize = 25

// --- list

type cmpListData struct {
	Reports []*registry.ProblemReport
	// About names what each report is about, by report ID.
	About    map[string]string
	Status   string
	Mine     bool
	Statuses []string
	Next     string
}

func (w *Web) cmpList(c *fiber.Ctx) error {
	p := w.page(c, "complaints/list", "cmp_title")
	p.Form = newForm(c)
	if _, err := registry.Scope(actor(c), registry.KindReport); err != nil {
		return err
	}
	d := &cmpListData{Status: c.Query("status"), Mine: c.Query("mine") == "1", Statuses: registry.ReportStatuses}
	p.Form.Set("status", d.Status)
	p.Data = d
	page, err := listPage(c, cmpPageSize)
	if err != nil {
		p.Form.Fail(err)
		return w.render(c, fiber.StatusUnprocessableEntity, p)
	}
	f := registry.ReportFilter{Status: d.Status, Page: page}
	if d.Mine {
		f.Assignee = actor(c).Username
	}
	reports, next, err := w.store.FilterReports(ctx(c), f)
	if registry.ErrorCode(err) == registry.EINVALID {
		p.Form.Fail(err)
		return w.render(c, fiber.StatusUnprocessableEntity, p)
	}
	if err != nil {
		return err
	}
	d.Reports, d.Next = reports, next
	d.About = map[string]string{}
	for _, r := range reports {
		d.About[r.ID] = w.cmpAbout(c, r.Subject)
	}
	return w.render(c, fiber.StatusOK, p)
}

// --- one report

type cmpShowData struct {
	R *registry.ProblemReport
	// About names the product (and lot) or certificate reported.
	About string
	// StatusURL is the citizen's status page, which shows the reply.
	StatusURL string
	// PublicURL is the public page the report is about.
	PublicURL  string
	Inspectors []string
	Me         string
}

// cmpFind loads the report of the route and checks the actor may take action on it.
func (w *Web) cmpFind(c *fiber.Ctx, action string) (*registry.ProblemReport, error) {
	if err := registry.Authorize(actor(c), action, registry.Resource{Kind: registry.KindReport}); err != nil {
		return nil, err
	}
	id := c.Params("id")
	if !registry.ValidID(id) {
		return nil, registry.Errorf(registry.ENOTFOUND, "No such report.", "Không có phản ánh này.")
	}
	return w.store.FindReport(ctx(c), id)
}

func (w *Web) cmpShow(c *fiber.Ctx) error {
	r, err := w.cmpFind(c, registry.ActRead)
	if err != nil {
		return err
	}
	p, err := w.cmpShowPage(c, r, newForm(c))
	if err != nil {
		return err
	}
	return w.render(c, fiber.StatusOK, p)
}

func (w *Web) cmpShowPage(c *fiber.Ctx, r *registry.ProblemReport, f *Form) (*Page, error) {
	p := w.page(c, "complaints/show", "cmp_show_title")
	p.Form = f
	inspectors, err := w.cmpInspectors(c)
	if err != nil {
		return nil, err
	}
	d := &cmpShowData{R: r, PublicURL: strings.TrimSuffix(w.cfg.PublicBaseURL, "/") + r.Subject, Inspectors: inspectors, Me: actor(c).Username,
		About: w.cmpAbout(c, r.Subject)}
	if r.Reference != "" {
		d.StatusURL = strings.TrimSuffix(w.cfg.PublicBaseURL, "/") + "/report/" + r.Reference
	}
	if f.Value("assignee") == "" {
		me := actor(c).Username
		if r.Assignee != "" && r.Assignee != me {
			f.Set("assignee", r.Assignee)
		} else {
			f.Set("assignee", me)
		}
	}
	p.Data = d
	return p, nil
}

// cmpInspectors returns the usernames a report may be assigned to: the
// inspectors who are not disabled, and the signed-in user.
func (w *Web) cmpInspectors(c *fiber.Ctx) ([]string, error) {
	var out []string
	page := registry.Page{Limit: registry.MaxPageLimit}
	for {
		users, next, err := w.store.ListUsers(ctx(c), page)
		if err != nil {
			return nil, err
		}
		for _, u := range users {
			if u.Role == registry.RoleInspector && !u.Disabled {
				out = append(out, u.Username)
			}
		}
		if next == "" {
			break
		}
		page.Cursor = next
	}
	if me := actor(c).Username; !slices.Contains(out, me) {
		out = append(out, me)
	}
	sort.Strings(out)
	return out, nil
}

var errCmpStale = registry.Errorf(registry.ESTALE,
	"The report changed since you opened it (someone else handled it). It is shown again as it is now: check it and try again.",
	"Phản ánh đã thay đổi kể từ khi bạn mở (người khác đã xử lý). Phản ánh được hiển thị lại theo tình trạng hiện tại: hãy kiểm tra và thực hiện lại.")

// cmpFields maps the step's "text" to the form field of each step.
var cmpFields = map[string]string{
	registry.ReportActionAssign:  "assign_note",
	registry.ReportActionNote:    "note",
	registry.ReportActionResolve: "resolution",
	registry.ReportActionReopen:  "reopen_reason",
	registry.ReportActionReply:   "reply",
}

var cmpFlash = map[string]string{
	registry.ReportActionAssign:  "flash_cmp_assigned",
	registry.ReportActionNote:    "flash_cmp_noted",
	registry.ReportActionResolve: "flash_cmp_resolved",
	registry.ReportActionReopen:  "flash_cmp_reopened",
	registry.ReportActionReply:   "flash_cmp_replied",
}

// cmpStep handles one step of a report read at the form's version.
func (w *Web) cmpStep(action string) fiber.Handler {
	return func(c *fiber.Ctx) error {
		f := newForm(c)
		r, err := w.cmpFind(c, registry.ActUpdate)
		if err != nil {
			return err
		}
		field := cmpFields[action]
		step := registry.ReportAction{Action: action, Text: f.Value(field)}
		if action == registry.ReportActionAssign {
			step.Assignee = strings.TrimSpace(f.Value("assignee"))
		}
		version, _ := strconv.Atoi(f.Value("version"))
		var fail error
		switch {
		case version != r.Version:
			fail = errCmpStale
		case action == registry.ReportActionAssign && step.Assignee != "":
			inspectors, err := w.cmpInspectors(c)
			if err != nil {
				return err
			}
			if !slices.Contains(inspectors, step.Assignee) {
				fail = fieldError("assignee", "inspector", registry.Errorf(registry.EINVALID,
					"must be an inspector's username", "phải là tên đăng nhập của một cán bộ kiểm tra"))
			}
		}
		before := *r
		before.Notes = slices.Clone(r.Notes)
		if fail == nil {
			fail = cmpRenameField(step.Apply(r, actor(c), w.clock.Now().UTC()), "text", field)
		}
		if fail == nil {
			fail = w.store.UpdateReport(ctx(c), r)
			if registry.ErrorCode(fail) == registry.ESTALE {
				fail = errCmpStale
			}
		}
		if fail != nil {
			if !invalid(fail) {
				return fail
			}
			cur, err := w.store.FindReport(ctx(c), before.ID)
			if err != nil {
				return err
			}
			f.Fail(fail)
			p, err := w.cmpShowPage(c, cur, f)
			if err != nil {
				return err
			}
			status := fiber.StatusUnprocessableEntity
			if registry.ErrorCode(fail) == registry.ESTALE {
				status = fiber.StatusConflict
			}
			return w.render(c, status, p)
		}
		if err := w.audit(c, "report."+action, registry.KindReport, r.ID, "", &before, r); err != nil {
			return err
		}
		return w.redirectFlash(c, cmpPath+"/"+r.ID, cmpFlash[action])
	}
}

// cmpRenameField moves the problems of field from to field to (other fields stay).
func cmpRenameField(err error, from, to string) error {
	e, ok := err.(*registry.Error)
	if !ok || e.Code != registry.EINVALID || from == to {
		return err
	}
	out := *e
	out.Fields = nil
	for _, fe := range e.Fields {
		if fe.Field == from {
			fe.Field = to
		}
		out.Fields = append(out.Fields, fe)
	}
	return &out
}
