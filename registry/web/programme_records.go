package web

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/gofiber/fiber/v2"

	"github.com/tracereg/tracereg/registry"
	"github.com/tracereg/tracereg/registry/bulk"
)

// The programme's own records over forms: support records, experts,
// training courses and good practices. Each has a searchable, paged list
// (inspectors read it) and create and edit forms (admin); the registry
// types' Validate and the store give the messages.

func (w *Web) mountPrgRecords(s fiber.Router) {
	for _, k := range prgKinds {
		k := k
		s.Get("/"+k.path, func(c *fiber.Ctx) error { return w.prgList(c, k) })
		s.Get("/"+k.path+"/new", func(c *fiber.Ctx) error { return w.prgNew(c, k) })
		s.Post("/"+k.path, func(c *fiber.Ctx) error { return w.prgSave(c, k, "") })
		s.Get("/"+k.path+"/:id", func(c *fiber.Ctx) error { return w.prgEdit(c, k) })
		s.Post("/"+k.path+"/:id", func(c *fiber.Ctx) error { return w.prgSave(c, k, c.Params("id")) })
	}
	s.Get("/practices/:id/documents/:doc", w.prgPracticeDocument)
}

// prgKind is one kind of programme record and how the forms handle it.
type prgKind struct {
	path    string // support, experts, courses, practices
	kind    string // registry.Kind*
	title   string // message keys: list title, new, edit
	newKey  string
	editKey string
	flash   string
}

var prgKinds = []prgKind{
	{path: "support", kind: registry.KindSupport, title: "prg_support_title", newKey: "prg_support_new", editKey: "prg_support_edit", flash: "flash_prg_support_saved"},
	{path: "experts", kind: registry.KindExpert, title: "prg_experts_title", newKey: "prg_expert_new", editKey: "prg_expert_edit", flash: "flash_prg_expert_saved"},
	{path: "courses", kind: registry.KindCourse, title: "prg_courses_title", newKey: "prg_course_new", editKey: "prg_course_edit", flash: "flash_prg_course_saved"},
	{path: "practices", kind: registry.KindGoodPractice, title: "prg_practices_title", newKey: "prg_practice_new", editKey: "prg_practice_edit", flash: "flash_prg_practice_saved"},
}

// --- lists

type prgFilter struct {
	Name, Label, Value string
	Options            []prgOption
}

type prgRow struct {
	ID    string
	Href  string
	Cells []string
}

type prgListData struct {
	Path    string
	NewHref string
	Q       string
	Filters []prgFilter
	Head    []string // message keys
	Rows    []prgRow
	Next    string
}

func (w *Web) prgList(c *fiber.Ctx, k prgKind) error {
	me := actor(c)
	if err := registry.Authorize(me, registry.ActRead, registry.Resource{Kind: k.kind}); err != nil {
		return err
	}
	page, err := listPage(c, prgPageSize)
	if err != nil {
		return err
	}
	p := w.page(c, "programme/list", k.title)
	d := &prgListData{Path: prgPrefix + "/" + k.path, Q: strings.TrimSpace(c.Query("q"))}
	if registry.Authorize(me, registry.ActCreate, registry.Resource{Kind: k.kind}) == nil {
		d.NewHref = d.Path + "/new"
	}
	if len([]rune(d.Q)) > 200 {
		return fieldError("q", "max_length", registry.Errorf(registry.EINVALID, "is too long", "quá dài"))
	}
	row := func(id string, cells ...string) {
		r := prgRow{ID: id, Cells: cells}
		if d.NewHref != "" { // who may create may edit
			r.Href = d.Path + "/" + id
		}
		d.Rows = append(d.Rows, r)
	}
	switch k.path {
	case "support":
		_, names, err := w.prgEnterpriseOptions(c)
		if err != nil {
			return err
		}
		kind := prgQueryOneOf(c, "kind", registry.SupportKinds)
		year, _ := strconv.Atoi(c.Query("year"))
		d.Filters = []prgFilter{{Name: "kind", Label: "prg_f_kind", Value: kind, Options: p.prgOptions(registry.SupportKinds)},
			{Name: "year", Label: "prg_f_year", Value: c.Query("year")}}
		d.Head = []string{"prg_f_enterprise", "prg_f_kind", "prg_f_year", "prg_f_funding_source", "prg_f_amount_vnd"}
		var keep func(*registry.SupportRecord) bool
		if d.Q != "" {
			keep = func(s *registry.SupportRecord) bool { return prgMatches(d.Q, names[s.EnterpriseID], s.Note) }
		}
		items, next, err := prgSearch(func(pg registry.Page) ([]*registry.SupportRecord, string, error) {
			return w.store.ListSupportRecords(ctx(c), registry.SupportFilter{Kind: kind, Year: year, Page: pg})
		}, page, prgPageSize, keep, func(s *registry.SupportRecord) string { return s.ID })
		if err != nil {
			return err
		}
		for _, s := range items {
			row(s.ID, names[s.EnterpriseID], p.PrgLabel(s.Kind), strconv.Itoa(s.Year), p.PrgLabel(s.FundingSource), prgVND(s.AmountVND))
		}
		d.Next = next
	case "experts":
		d.Head = []string{"prg_f_name", "prg_f_sector", "prg_f_employer", "prg_f_trained_on", "prg_f_certified_on"}
		var keep func(*registry.Expert) bool
		if d.Q != "" {
			keep = func(e *registry.Expert) bool { return prgMatches(d.Q, e.Name, e.Employer, e.TrainedBy, e.CertifiedBy) }
		}
		items, next, err := prgSearch(func(pg registry.Page) ([]*registry.Expert, string, error) {
			return w.store.ListExperts(ctx(c), pg)
		}, page, prgPageSize, keep, func(e *registry.Expert) string { return e.ID })
		if err != nil {
			return err
		}
		for _, e := range items {
			row(e.ID, e.Name, p.PrgLabel(e.Sector), e.Employer, p.Day(e.TrainedOn), p.Day(e.CertifiedOn))
		}
		d.Next = next
	case "courses":
		d.Head = []string{"prg_f_title", "prg_f_from", "prg_f_organiser", "prg_f_participants"}
		var keep func(*registry.TrainingCourse) bool
		if d.Q != "" {
			keep = func(t *registry.TrainingCourse) bool { return prgMatches(d.Q, t.Title, t.Organiser, t.Location) }
		}
		items, next, err := prgSearch(func(pg registry.Page) ([]*registry.TrainingCourse, string, error) {
			return w.store.ListTrainingCourses(ctx(c), pg)
		}, page, prgPageSize, keep, func(t *registry.TrainingCourse) string { return t.ID })
		if err != nil {
			return err
		}
		for _, t := range items {
			row(t.ID, t.Title, p.Day(t.From)+" – "+p.Day(t.To), t.Organiser, strconv.Itoa(t.ParticipantCount()))
		}
		d.Next = next
	case "practices":
		sector := prgQueryOneOf(c, "sector", registry.Sectors)
		tool := prgQueryOneOf(c, "tool", registry.PracticeTools)
		d.Filters = []prgFilter{{Name: "sector", Label: "prg_f_sector", Value: sector, Options: p.prgOptions(registry.Sectors)},
			{Name: "tool", Label: "prg_f_tool", Value: tool, Options: p.prgOptions(registry.PracticeTools)}}
		d.Head = []string{"prg_f_title", "prg_f_sector", "prg_f_tools", "prg_f_year"}
		items, next, err := w.store.SearchGoodPractices(ctx(c), registry.GoodPracticeFilter{Sector: sector, Tool: tool, Query: d.Q, Page: page})
		if err != nil {
			return err
		}
		for _, g := range items {
			tools := make([]string, len(g.Tools))
			for i, t := range g.Tools {
				tools[i] = p.PrgLabel(t)
			}
			year := ""
			if g.Year != 0 {
				year = strconv.Itoa(g.Year)
			}
			row(g.ID, g.Title, p.PrgLabel(g.Sector), strings.Join(tools, ", "), year)
		}
		d.Next = next
	}
	p.Data = d
	return w.render(c, fiber.StatusOK, p)
}

// prgQueryOneOf reads a filter; a value the list does not know is no filter.
func prgQueryOneOf(c *fiber.Ctx, name string, allowed []string) string {
	if s := c.Query(name); slices.Contains(allowed, s) {
		return s
	}
	return ""
}

// prgVND shows an amount with dots between thousands, as Vietnamese does.
func prgVND(n int64) string {
	s := strconv.FormatInt(n, 10)
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	var b strings.Builder
	for i, r := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte('.')
		}
		b.WriteRune(r)
	}
	if neg {
		return "-" + b.String()
	}
	return b.String()
}

// --- forms

type prgField struct {
	Name, Label, Kind string // Kind: text, number, date, select, checks, textarea, file
	Required          bool
	Hint              string
	Options           []prgOption
	Max               int
}

type prgParticipantRow struct {
	Index int
	Name  string // "participants[3]"
}

type prgDoc struct{ Name, Href string }

type prgFormData struct {
	ID, Heading, Sub, Action, Back, Submit string
	Multipart                              bool
	Edit                                   bool
	Fields                                 []prgField
	// Courses: the participant rows and their choices.
	Participants []prgParticipantRow
	// ParticipantsErrs are the problems of the whole list (not of a row).
	ParticipantsErrs []string
	Enterprises      []prgOption
	Roles            []prgOption
	// Good practices: the documents already attached.
	Documents []prgDoc
}

const prgBlankParticipantRows = 3

func (w *Web) prgFormData(c *fiber.Ctx, p *Page, k prgKind, id string) (*prgFormData, error) {
	d := &prgFormData{ID: k.path + "-form", Heading: k.newKey, Action: prgPrefix + "/" + k.path, Back: prgPrefix + "/" + k.path, Submit: "prg_create"}
	if id != "" {
		d.Heading, d.Action, d.Submit, d.Edit = k.editKey, d.Action+"/"+id, "save", true
	}
	switch k.path {
	case "support":
		ents, _, err := w.prgEnterpriseOptions(c)
		if err != nil {
			return nil, err
		}
		d.Fields = []prgField{
			{Name: "enterprise_id", Label: "prg_f_enterprise", Kind: "select", Required: true, Options: ents},
			{Name: "kind", Label: "prg_f_kind", Kind: "select", Required: true, Options: p.prgOptions(registry.SupportKinds)},
			{Name: "year", Label: "prg_f_year", Kind: "number", Required: true},
			{Name: "funding_source", Label: "prg_f_funding_source", Kind: "select", Required: true, Options: p.prgOptions(registry.FundingSources)},
			{Name: "amount_vnd", Label: "prg_f_amount_vnd", Kind: "text", Hint: "prg_hint_vnd"},
			{Name: "certificate_id", Label: "prg_f_certificate_id", Kind: "text", Hint: "prg_hint_outcome"},
			{Name: "announcement_id", Label: "prg_f_announcement_id", Kind: "text", Hint: "prg_hint_outcome"},
			{Name: "batch_id", Label: "prg_f_batch_id", Kind: "text", Hint: "prg_hint_outcome"},
			{Name: "note", Label: "prg_f_note", Kind: "textarea", Max: 2000},
		}
	case "experts":
		d.Fields = []prgField{
			{Name: "name", Label: "prg_f_name", Kind: "text", Required: true, Max: 200},
			{Name: "sector", Label: "prg_f_sector", Kind: "select", Required: true, Options: p.prgOptions(registry.Sectors)},
			{Name: "employer", Label: "prg_f_employer", Kind: "text", Max: 300},
			{Name: "trained_by", Label: "prg_f_trained_by", Kind: "text", Required: true, Max: 300},
			{Name: "trained_on", Label: "prg_f_trained_on", Kind: "date", Required: true},
			{Name: "certified_by", Label: "prg_f_certified_by", Kind: "text", Max: 300, Hint: "prg_hint_certified"},
			{Name: "certified_on", Label: "prg_f_certified_on", Kind: "date"},
		}
	case "courses":
		ents, _, err := w.prgEnterpriseOptions(c)
		if err != nil {
			return nil, err
		}
		d.Fields = []prgField{
			{Name: "title", Label: "prg_f_title", Kind: "text", Required: true, Max: 300},
			{Name: "from", Label: "prg_f_from", Kind: "date", Required: true},
			{Name: "to", Label: "prg_f_to", Kind: "date", Required: true},
			{Name: "organiser", Label: "prg_f_organiser", Kind: "text", Required: true, Max: 300},
			{Name: "location", Label: "prg_f_location", Kind: "text", Max: 300},
		}
		d.Enterprises, d.Roles = ents, p.prgOptions(registry.ParticipantRoles)
		if p.Form != nil {
			for _, fe := range p.Form.Errors["participants"] {
				d.ParticipantsErrs = append(d.ParticipantsErrs, p.Msg(fe.Message, fe.MessageVI))
			}
		}
		n := prgParticipantRows(p.Form) + prgBlankParticipantRows
		for i := range min(n, registry.MaxParticipantRows) {
			d.Participants = append(d.Participants, prgParticipantRow{Index: i, Name: fmt.Sprintf("participants[%d]", i)})
		}
	case "practices":
		d.Multipart = true
		d.Fields = []prgField{
			{Name: "title", Label: "prg_f_title", Kind: "text", Required: true, Max: 300},
			{Name: "sector", Label: "prg_f_sector", Kind: "select", Required: true, Options: p.prgOptions(registry.Sectors)},
			{Name: "tools", Label: "prg_f_tools", Kind: "checks", Required: true, Options: p.prgOptions(registry.PracticeTools)},
			{Name: "summary", Label: "prg_f_summary", Kind: "textarea", Required: true, Max: 10000},
			{Name: "year", Label: "prg_f_year", Kind: "number"},
			{Name: "enterprise_id", Label: "prg_f_case_enterprise", Kind: "select", Options: nil, Hint: "prg_hint_case_enterprise"},
			{Name: "document", Label: "prg_f_document", Kind: "file", Hint: "prg_hint_document"},
		}
		ents, _, err := w.prgEnterpriseOptions(c)
		if err != nil {
			return nil, err
		}
		d.Fields[5].Options = ents
		if id != "" {
			g, err := w.store.FindGoodPractice(ctx(c), id)
			if err != nil {
				return nil, err
			}
			for _, docID := range g.DocumentIDs {
				name := docID
				if doc, err := w.store.FindDocument(ctx(c), docID); err == nil {
					name = doc.FileName
				}
				d.Documents = append(d.Documents, prgDoc{Name: name, Href: prgPrefix + "/practices/" + id + "/documents/" + docID})
			}
		}
	}
	return d, nil
}

// prgParticipantRows is how many participant rows the form holds.
func prgParticipantRows(f *Form) int {
	n := 0
	if f == nil {
		return 0
	}
	for k := range f.Values {
		if rest, ok := strings.CutPrefix(k, "participants["); ok {
			if i, err := strconv.Atoi(rest[:max(strings.IndexByte(rest, ']'), 0)]); err == nil && i+1 > n {
				n = i + 1
			}
		}
	}
	return n
}

func (w *Web) prgRenderForm(c *fiber.Ctx, status int, p *Page, k prgKind, id string) error {
	d, err := w.prgFormData(c, p, k, id)
	if err != nil {
		return err
	}
	// A problem of a field the form does not show is shown at the top.
	shown := func(field string) bool {
		for _, f := range d.Fields {
			if field == f.Name || strings.HasPrefix(field, f.Name+".") || strings.HasPrefix(field, f.Name+"[") {
				return true
			}
		}
		return d.Roles != nil && strings.HasPrefix(field, "participants")
	}
	for field, fes := range p.Form.Errors {
		if shown(field) {
			continue
		}
		for _, fe := range fes {
			p.Form.General = append(p.Form.General, &registry.Error{Code: registry.EINVALID,
				Message: field + ": " + fe.Message, MessageVI: field + ": " + fe.MessageVI})
		}
		delete(p.Form.Errors, field)
	}
	p.Data = d
	return w.render(c, status, p)
}

func (w *Web) prgNew(c *fiber.Ctx, k prgKind) error {
	if err := registry.Authorize(actor(c), registry.ActCreate, registry.Resource{Kind: k.kind}); err != nil {
		return err
	}
	p := w.page(c, "programme/form", k.newKey)
	p.Form = newForm(c)
	if k.path == "support" {
		p.Form.Set("year", strconv.Itoa(w.clock.Now().In(registry.Vietnam).Year()))
	}
	return w.prgRenderForm(c, fiber.StatusOK, p, k, "")
}

func (w *Web) prgEdit(c *fiber.Ctx, k prgKind) error {
	id := c.Params("id")
	p := w.page(c, "programme/form", k.editKey)
	p.Form = newForm(c)
	f := p.Form
	// Admin edits; others (inspectors) get 403 from the policy.
	authorize := func(enterpriseID string) error {
		return registry.Authorize(actor(c), registry.ActUpdate, registry.Resource{Kind: k.kind, EnterpriseID: enterpriseID})
	}
	switch k.path {
	case "support":
		s, err := w.store.FindSupportRecord(ctx(c), id)
		if err != nil {
			return err
		}
		if err := authorize(s.EnterpriseID); err != nil {
			return err
		}
		prgSupportValues(f, s)
		w.prgOutcomeCodes(c, f, s)
	case "experts":
		e, err := w.store.FindExpert(ctx(c), id)
		if err != nil {
			return err
		}
		if err := authorize(""); err != nil {
			return err
		}
		for k, v := range map[string]string{"name": e.Name, "sector": e.Sector, "employer": e.Employer, "trained_by": e.TrainedBy,
			"trained_on": string(e.TrainedOn), "certified_by": e.CertifiedBy, "certified_on": string(e.CertifiedOn)} {
			f.Set(k, v)
		}
		f.Set("version", strconv.Itoa(e.Version))
	case "courses":
		t, err := w.store.FindTrainingCourse(ctx(c), id)
		if err != nil {
			return err
		}
		if err := authorize(""); err != nil {
			return err
		}
		prgCourseValues(f, t)
	case "practices":
		g, err := w.store.FindGoodPractice(ctx(c), id)
		if err != nil {
			return err
		}
		if err := authorize(""); err != nil {
			return err
		}
		for k, v := range map[string]string{"title": g.Title, "sector": g.Sector, "summary": g.Summary, "enterprise_id": g.EnterpriseID} {
			f.Set(k, v)
		}
		if g.Year != 0 {
			f.Set("year", strconv.Itoa(g.Year))
		}
		f.Values["tools"] = append([]string(nil), g.Tools...)
		f.Set("version", strconv.Itoa(g.Version))
	}
	return w.prgRenderForm(c, fiber.StatusOK, p, k, id)
}

func prgSupportValues(f *Form, s *registry.SupportRecord) {
	for k, v := range map[string]string{"enterprise_id": s.EnterpriseID, "kind": s.Kind, "year": strconv.Itoa(s.Year),
		"funding_source": s.FundingSource, "amount_vnd": strconv.FormatInt(s.AmountVND, 10), "certificate_id": s.CertificateID,
		"announcement_id": s.AnnouncementID, "batch_id": s.BatchID, "note": s.Note, "version": strconv.Itoa(s.Version)} {
		f.Set(k, v)
	}
}

// prgResolveOutcomes reads the outcomes of a support record as people
// write them: a certificate number, a notice-of-receipt number, a lot code
// (or GTIN/lot), each the enterprise's; a record ID still works.
func (w *Web) prgResolveOutcomes(c *fiber.Ctx, pp *prgProblems, s *registry.SupportRecord) error {
	if !registry.ValidID(s.EnterpriseID) {
		return nil // Validate says so
	}
	refs := bulk.NewRefs(w.store)
	for _, o := range []struct {
		field string
		id    *string
		find  func(ctx context.Context, enterpriseID, field, text string) (string, error)
	}{
		{"certificate_id", &s.CertificateID, refs.Certificate},
		{"announcement_id", &s.AnnouncementID, refs.Announcement},
		{"batch_id", &s.BatchID, refs.Lot},
	} {
		if *o.id == "" {
			continue
		}
		id, err := o.find(ctx(c), s.EnterpriseID, o.field, *o.id)
		if err != nil {
			if err := pp.merge(err); err != nil {
				return err
			}
			continue
		}
		*o.id = id
	}
	return nil
}

// prgOutcomeCodes shows a support record's outcomes by their numbers and
// codes instead of record IDs.
func (w *Web) prgOutcomeCodes(c *fiber.Ctx, f *Form, s *registry.SupportRecord) {
	if s.CertificateID != "" {
		if x, err := w.store.FindCertificate(ctx(c), s.CertificateID); err == nil {
			f.Set("certificate_id", x.Number)
		}
	}
	if s.AnnouncementID != "" {
		if x, err := w.store.FindAnnouncement(ctx(c), s.AnnouncementID); err == nil && x.ReceiptNumber != "" {
			f.Set("announcement_id", x.ReceiptNumber)
		}
	}
	if s.BatchID != "" {
		if x, err := w.store.FindBatch(ctx(c), s.BatchID); err == nil {
			f.Set("batch_id", x.LotCode)
			if pr, err := w.store.FindProduct(ctx(c), x.ProductID); err == nil && pr.GTIN != "" {
				f.Set("batch_id", pr.GTIN+"/"+x.LotCode) // unambiguous among the enterprise's products
			}
		}
	}
}

func prgCourseValues(f *Form, t *registry.TrainingCourse) {
	for k, v := range map[string]string{"title": t.Title, "from": string(t.From), "to": string(t.To), "organiser": t.Organiser,
		"location": t.Location, "version": strconv.Itoa(t.Version)} {
		f.Set(k, v)
	}
	for i, pt := range t.Participants {
		n := fmt.Sprintf("participants[%d].", i)
		f.Set(n+"enterprise_id", pt.EnterpriseID)
		f.Set(n+"role", pt.Role)
		f.Set(n+"count", strconv.Itoa(pt.Count))
	}
}

// prgCourseParticipants reads the participant rows, skipping blank ones,
// and writes the kept rows back in order, so each message of Validate
// ("participants[1].count") sits beside the row it is about.
func prgCourseParticipants(f *Form, pp *prgProblems) []registry.Participant {
	n := prgParticipantRows(f)
	var out []registry.Participant
	type row struct{ ent, role, count string }
	var rows []row
	for i := range min(n, registry.MaxParticipantRows+prgBlankParticipantRows) {
		pre := fmt.Sprintf("participants[%d].", i)
		r := row{strings.TrimSpace(f.Value(pre + "enterprise_id")), strings.TrimSpace(f.Value(pre + "role")), strings.TrimSpace(f.Value(pre + "count"))}
		if r.ent == "" && r.count == "" {
			continue
		}
		rows = append(rows, r)
	}
	for k := range f.Values {
		if strings.HasPrefix(k, "participants[") {
			delete(f.Values, k)
		}
	}
	for i, r := range rows {
		pre := fmt.Sprintf("participants[%d].", i)
		f.Set(pre+"enterprise_id", r.ent)
		f.Set(pre+"role", r.role)
		f.Set(pre+"count", r.count)
		out = append(out, registry.Participant{EnterpriseID: r.ent, Role: r.role, Count: pp.int(f, pre+"count", true)})
	}
	return out
}

// prgSave creates (id "") or updates a record from its form.
func (w *Web) prgSave(c *fiber.Ctx, k prgKind, id string) error {
	me := actor(c)
	key := k.newKey
	if id != "" {
		key = k.editKey
	}
	p := w.page(c, "programme/form", key)
	p.Form = newForm(c)
	f := p.Form
	fail := func(err error) error {
		if !invalid(err) {
			return err
		}
		p.Form.Fail(err)
		return w.prgRenderForm(c, prgFailStatus(err), p, k, id)
	}
	val := func(name string) string { return strings.TrimSpace(f.Value(name)) }
	action := registry.ActCreate
	if id != "" {
		action = registry.ActUpdate
	}
	var pp prgProblems
	var before, after any
	var enterpriseID string
	switch k.path {
	case "support":
		s := &registry.SupportRecord{EnterpriseID: val("enterprise_id"), Kind: val("kind"), FundingSource: val("funding_source"),
			CertificateID: val("certificate_id"), AnnouncementID: val("announcement_id"), BatchID: val("batch_id"), Note: f.Value("note")}
		s.Year = pp.int(f, "year", true)
		s.AmountVND = pp.int64(f, "amount_vnd", false)
		if id != "" {
			cur, err := w.store.FindSupportRecord(ctx(c), id)
			if err != nil {
				return err
			}
			if err := registry.Authorize(me, action, registry.Resource{Kind: k.kind, EnterpriseID: cur.EnterpriseID}); err != nil {
				return err
			}
			s.ID, s.Version, before = id, prgVersion(f), cur
		}
		if err := registry.Authorize(me, action, registry.Resource{Kind: k.kind, EnterpriseID: s.EnterpriseID}); err != nil {
			return err
		}
		if err := w.prgResolveOutcomes(c, &pp, s); err != nil {
			return err
		}
		if err := pp.merge(s.Validate()); err != nil {
			return err
		}
		if err := pp.err(); err != nil {
			return fail(err)
		}
		var err error
		if id == "" {
			err = w.store.CreateSupportRecord(ctx(c), s)
		} else {
			err = w.store.UpdateSupportRecord(ctx(c), s)
		}
		if registry.ErrorCode(err) == registry.ENOTFOUND {
			err = fieldError("enterprise_id", "exists", registry.PublicError(err))
		}
		if err != nil {
			return fail(err)
		}
		after, enterpriseID, id = s, s.EnterpriseID, s.ID
	case "experts":
		e := &registry.Expert{Name: val("name"), Sector: val("sector"), Employer: val("employer"), TrainedBy: val("trained_by"),
			TrainedOn: registry.Date(val("trained_on")), CertifiedBy: val("certified_by"), CertifiedOn: registry.Date(val("certified_on"))}
		if err := registry.Authorize(me, action, registry.Resource{Kind: k.kind}); err != nil {
			return err
		}
		if id != "" {
			cur, err := w.store.FindExpert(ctx(c), id)
			if err != nil {
				return err
			}
			e.ID, e.Version, before = id, prgVersion(f), cur
		}
		if err := pp.merge(e.Validate()); err != nil {
			return err
		}
		if err := pp.err(); err != nil {
			return fail(err)
		}
		var err error
		if id == "" {
			err = w.store.CreateExpert(ctx(c), e)
		} else {
			err = w.store.UpdateExpert(ctx(c), e)
		}
		if err != nil {
			return fail(err)
		}
		after, id = e, e.ID
	case "courses":
		t := &registry.TrainingCourse{Title: val("title"), From: registry.Date(val("from")), To: registry.Date(val("to")),
			Organiser: val("organiser"), Location: val("location")}
		t.Participants = prgCourseParticipants(f, &pp)
		if err := registry.Authorize(me, action, registry.Resource{Kind: k.kind}); err != nil {
			return err
		}
		if id != "" {
			cur, err := w.store.FindTrainingCourse(ctx(c), id)
			if err != nil {
				return err
			}
			t.ID, t.Version, before = id, prgVersion(f), cur
		}
		if err := pp.merge(t.Validate()); err != nil {
			return err
		}
		if err := pp.err(); err != nil {
			return fail(err)
		}
		var err error
		if id == "" {
			err = w.store.CreateTrainingCourse(ctx(c), t)
		} else {
			err = w.store.UpdateTrainingCourse(ctx(c), t)
		}
		if err != nil {
			return fail(err)
		}
		after, id = t, t.ID
	case "practices":
		g := &registry.GoodPractice{Title: val("title"), Sector: val("sector"), Summary: f.Value("summary"), Tools: f.Values["tools"],
			EnterpriseID: val("enterprise_id")}
		g.Year = pp.int(f, "year", false)
		if err := registry.Authorize(me, action, registry.Resource{Kind: k.kind}); err != nil {
			return err
		}
		if id != "" {
			cur, err := w.store.FindGoodPractice(ctx(c), id)
			if err != nil {
				return err
			}
			g.ID, g.Version, before = id, prgVersion(f), cur
			g.DocumentIDs = slices.Clone(cur.DocumentIDs)
		}
		// The upload is kept on the form whatever else is wrong.
		st, upErr := w.upload(c, f, "document", registry.MaxDocumentSize, registry.DocumentMediaTypes)
		if upErr != nil {
			if !invalid(upErr) {
				return upErr
			}
			if err := pp.merge(prgAsField(upErr, "document")); err != nil {
				return err
			}
		}
		if st != nil && g.EnterpriseID == "" {
			// A document belongs to an enterprise (registry.Document).
			pp.add("enterprise_id", "required", "choose the enterprise of the case to attach a document",
				"hãy chọn doanh nghiệp của điển hình để đính kèm tài liệu")
		}
		if err := pp.merge(g.Validate()); err != nil {
			return err
		}
		if err := pp.err(); err != nil {
			return fail(err)
		}
		if st != nil {
			doc, err := w.saveDocument(c, st, "other", g.Title, g.EnterpriseID, "")
			if err != nil {
				return fail(err)
			}
			if !slices.Contains(g.DocumentIDs, doc.ID) {
				g.DocumentIDs = append(g.DocumentIDs, doc.ID)
			}
		}
		var err error
		if id == "" {
			err = w.store.CreateGoodPractice(ctx(c), g)
		} else {
			err = w.store.UpdateGoodPractice(ctx(c), g)
		}
		if err != nil {
			return fail(err)
		}
		after, id = g, g.ID
	}
	verb := ".create"
	if before != nil {
		verb = ".update"
	}
	if err := w.audit(c, k.kind+verb, k.kind, id, enterpriseID, before, after); err != nil {
		return err
	}
	return w.redirectFlash(c, prgPrefix+"/"+k.path, k.flash)
}

// prgAsField turns an upload's ETOOLARGE or EMEDIATYPE into a problem of the field.
func prgAsField(err error, field string) error {
	if registry.ErrorCode(err) == registry.EINVALID {
		return err
	}
	return fieldError(field, registry.ErrorCode(err), registry.PublicError(err))
}

// prgPracticeDocument sends a document attached to a good practice.
func (w *Web) prgPracticeDocument(c *fiber.Ctx) error {
	if err := registry.Authorize(actor(c), registry.ActRead, registry.Resource{Kind: registry.KindGoodPractice}); err != nil {
		return err
	}
	g, err := w.store.FindGoodPractice(ctx(c), c.Params("id"))
	if err != nil {
		return err
	}
	docID := c.Params("doc")
	if !slices.Contains(g.DocumentIDs, docID) {
		return registry.Errorf(registry.ENOTFOUND, "Document not found.", "Không tìm thấy tài liệu.")
	}
	d, err := w.store.FindDocument(ctx(c), docID)
	if err != nil {
		return err
	}
	r, blob, err := w.cfg.Documents.Open(ctx(c), d.Blob.SHA256)
	if err != nil {
		return err
	}
	c.Set(fiber.HeaderContentType, blob.MediaType)
	c.Set(fiber.HeaderContentDisposition, `attachment; filename="`+prgSafeName(d.FileName)+`"`)
	return c.SendStream(r, int(blob.Size))
}

// prgSafeName keeps a file name safe inside a quoted header value.
func prgSafeName(s string) string {
	s = strings.Map(func(r rune) rune {
		if r < 0x20 || r == '"' || r == '\\' || r > 0x7e {
			return '_'
		}
		return r
	}, s)
	if s == "" {
		return "tai-lieu"
	}
	return s
}
