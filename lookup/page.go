package lookup

import (
	"bytes"
	"fmt"
	"html/template"
	"io"
	"math"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/tracereg/tracereg/assets"
	"github.com/tracereg/tracereg/registry"
	"github.com/tracereg/tracereg/registry/credential"
	"github.com/tracereg/tracereg/registry/gs1"
)

func parseTemplates() (*template.Template, error) {
	t, err := template.New("lookup").ParseFS(assets.Templates, "templates/lookup/*.html")
	if err != nil {
		return nil, fmt.Errorf("lookup templates: %w", err)
	}
	for _, name := range []string{"lot", "place", "cert", "labels", "report", "report_status", "notfound"} {
		if t.Lookup(name) == nil {
			return nil, fmt.Errorf("lookup templates: no %q view", name)
		}
	}
	return t, nil
}

// lang picks the page language: ?lang= (remembered in a cookie), the
// cookie, Accept-Language, else Vietnamese.
func lang(c *fiber.Ctx) string {
	if q := c.Query("lang"); q == "vi" || q == "en" {
		c.Cookie(&fiber.Cookie{Name: "lang", Value: q, Path: "/", MaxAge: 365 * 24 * 3600, SameSite: "Lax"})
		return q
	}
	if ck := c.Cookies("lang"); ck == "vi" || ck == "en" {
		return ck
	}
	if c.Get(fiber.HeaderAcceptLanguage) != "" && c.AcceptsLanguages("vi", "en") == "en" {
		return "en"
	}
	return "vi"
}

// toggleHref is the current page in the other language.
func toggleHref(c *fiber.Ctx, other string) string {
	q := url.Values{}
	c.Request().URI().QueryArgs().VisitAll(func(k, v []byte) {
		if string(k) != "lang" {
			q.Add(string(k), string(v))
		}
	})
	q.Set("lang", other)
	return string(c.Request().URI().PathOriginal()) + "?" + q.Encode()
}

// wantsJSON: the client prefers JSON to HTML.
func wantsJSON(c *fiber.Ctx) bool {
	return c.Accepts(fiber.MIMETextHTML, fiber.MIMEApplicationJSON) == fiber.MIMEApplicationJSON
}

// page is one verification page as shown, computed per request from a
// cached view, the clock and the language. It is also the JSON answer.
type page struct {
	Lang   string            `json:"lang"`
	T      map[string]string `json:"-"`
	Toggle string            `json:"-"`
	Stale  bool              `json:"possibly_stale"`
	// UnknownLot is the lot asked for when it is not registered: the page
	// is the product's, saying so.
	UnknownLot string `json:"unknown_lot,omitempty"`
	// CodeSignature is what the label's AI 8030 signature says: "valid"
	// (the registry issued this code), "invalid" (it did not), "" (none).
	CodeSignature string `json:"code_signature,omitempty"`
	CheckedAt     string `json:"checked_at"`
	Link          string `json:"digital_link,omitempty"`
	Path          string `json:"-"`

	Verdict       *verdictVM   `json:"verdict"`
	Product       productVM    `json:"product"`
	Enterprise    enterpriseVM `json:"enterprise"`
	Lot           *lotVM       `json:"lot,omitempty"`
	Serial        *serialVM    `json:"serial,omitempty"`
	Recall        *recallVM    `json:"recall,omitempty"`
	Plots         []plotVM     `json:"origin_plots,omitempty"`
	Journey       []stepVM     `json:"journey,omitempty"`
	Certificates  []certVM     `json:"certificates"`
	Announcements []annVM      `json:"announcements"`
	DocsDown      bool         `json:"documents_unavailable,omitempty"`
}

type productVM struct {
	// Corrections say what was changed once the product had published lots.
	Corrections []correctionVM `json:"corrections,omitempty"`
	Name        string         `json:"name"`
	GTIN        string         `json:"gtin,omitempty"`
	Category    string         `json:"category"`
	Description string         `json:"description,omitempty"`
	Standards   []string       `json:"standards,omitempty"`
	PhotoURL    string         `json:"photo_url,omitempty"`
}

type enterpriseVM struct {
	Name     string `json:"name"`
	TaxCode  string `json:"tax_code"`
	District string `json:"district"`
}

type lotVM struct {
	Code      string `json:"lot_code"`
	Produced  string `json:"produced_on,omitempty"`
	Harvested string `json:"harvested_on,omitempty"`
	Expires   string `json:"expires_on,omitempty"`
	Quantity  string `json:"quantity"`
	DDS       string `json:"dds_reference,omitempty"`
	ShortCode string `json:"short_code"`
	// Corrections say what was changed after the lot was published.
	Corrections []correctionVM `json:"corrections,omitempty"`
	// PastRecalls are recalls that were lifted: consumers may have seen them.
	PastRecalls []pastRecallVM `json:"past_recalls,omitempty"`
}

type pastRecallVM struct {
	On         string `json:"on"`
	Reason     string `json:"reason"`
	LiftedOn   string `json:"lifted_on"`
	LiftReason string `json:"lift_reason"`
}

type correctionVM struct {
	On     string   `json:"on"`
	Fields []string `json:"fields"`
	Names  string   `json:"-"` // the fields, in the page's language
	Reason string   `json:"reason"`
}

type serialVM struct {
	Serial     string `json:"serial"`
	Scans      int64  `json:"scans"`
	Clients    int64  `json:"clients"` // distinct, one per address and day
	FirstScan  string `json:"first_scan,omitempty"`
	FirstPlace string `json:"first_place,omitempty"`
	Places     int    `json:"places"`
	Unissued   bool   `json:"never_issued,omitempty"` // not a serial of this lot: maybe counterfeit
	Suspicious bool   `json:"suspicious"`
	Known      bool   `json:"counters_known"`
}

type recallVM struct {
	Lot      string `json:"lot_code"`
	Upstream bool   `json:"upstream"`
	Reason   string `json:"reason,omitempty"`
	On       string `json:"on,omitempty"`
	Text     string `json:"-"`
}

type stepVM struct {
	// Voided: recorded in error (shown struck, with why), not part of the lot's story.
	Voided     bool     `json:"voided,omitempty"`
	VoidReason string   `json:"void_reason,omitempty"`
	When       string   `json:"when"`
	Step       string   `json:"step"`
	Place      string   `json:"place,omitempty"`
	Who        string   `json:"by,omitempty"`
	Lots       []string `json:"lots"`
	Note       string   `json:"note,omitempty"`
}

type certVM struct {
	Number     string `json:"number"`
	Scheme     string `json:"scheme"`
	SchemeText string `json:"-"` // the scheme as people know it
	Standard   string `json:"standard,omitempty"`
	Body       string `json:"issued_by"`
	IssuedOn   string `json:"issued_on"`
	ExpiresOn  string `json:"expires_on"`
	Status     string `json:"status"` // active, suspended, withdrawn, expired
	DaysLeft   int    `json:"days_left"`
	Badge      string `json:"badge"`
	Class      string `json:"-"`
	Since      string `json:"since,omitempty"`
	Reason     string `json:"reason,omitempty"`
	Lot        string `json:"lot_code,omitempty"`
	Href       string `json:"href"`
}

type annVM struct {
	Type     string `json:"type"`
	TypeText string `json:"-"`
	Standard string `json:"standard_code"`
	Status   string `json:"status"`
	Receipt  string `json:"receipt_number,omitempty"`
	Date     string `json:"receipt_date,omitempty"`
	Agency   string `json:"agency"`
	CRMark   bool   `json:"cr_mark"`
}

// expiringDays: within this many days a valid certificate shows its days left.
const expiringDays = 90

// buildPage starts a page: what the request decides (language, toggle,
// addresses, staleness). fill adds what the view and the clock decide.
func (l *Lookup) buildPage(c *fiber.Ctx, v *view, serial string, stale bool) *page {
	lg := lang(c)
	T := messages[lg]
	p := &page{Lang: lg, T: T, Toggle: toggleHref(c, T["other_code"]), Stale: stale, Path: pagePath(v, serial), DocsDown: v.DocsError}
	if dl := v.link(); dl.GTIN != "" {
		dl.Serial = serial
		p.Link = l.base(c) + dl.Path()
	}
	return p
}

// fill computes the view's part of the page at now: certificate status
// included, from the clock.
func (l *Lookup) fill(p *page, v *view, now time.Time) {
	lg, T := p.Lang, p.T
	p.CheckedAt = now.In(registry.Vietnam).Format(time.RFC3339)
	pr := v.Product
	p.Product = productVM{Name: pick(lg, pr.NameVI, pr.NameEN), GTIN: pr.GTIN, Category: pr.Category, Description: pr.Description, Standards: pr.Standards}
	if v.Photo != nil {
		p.Product.PhotoURL = "/photo/" + url.PathEscape(pr.ShortCode)
	}
	p.Product.Corrections = correctionViews(pr.Corrections, lg, "pfield_")
	e := v.Enterprise
	p.Enterprise = enterpriseVM{Name: pick(lg, e.NameVI, e.NameEN), TaxCode: e.TaxCode, District: e.District}
	if b := v.Batch; b != nil {
		p.Lot = &lotVM{Code: b.LotCode, Produced: day(lg, b.ProducedOn), Harvested: day(lg, b.HarvestedOn), Expires: day(lg, b.ExpiresOn),
			Quantity: number(lg, b.Quantity) + " " + registry.UnitName(b.Unit, lg, b.Quantity), DDS: b.DDSReference, ShortCode: b.ShortCode}
		for _, r := range b.PastRecalls {
			pr := pastRecallVM{On: day(lg, r.On), Reason: r.Reason}
			if r.Lifted != nil {
				pr.LiftedOn, pr.LiftReason = day(lg, r.Lifted.On), r.Lifted.Reason
			}
			p.Lot.PastRecalls = append(p.Lot.PastRecalls, pr)
		}
		p.Lot.Corrections = correctionViews(b.Corrections, lg, "field_")
		if r := v.recalled(); r != nil {
			rv := &recallVM{Lot: r.LotCode, Upstream: r.ID != b.ID, Text: T["recall_this"]}
			if rv.Upstream {
				rv.Text = fmt.Sprintf(T["recall_upstream"], r.LotCode)
			}
			if r.Recall != nil {
				rv.Reason, rv.On = r.Recall.Reason, day(lg, r.Recall.On)
			}
			p.Recall = rv
		}
		p.Plots = v.plotViews[lg]
		for _, ev := range v.Events {
			p.Journey = append(p.Journey, l.step(v, ev, lg))
		}
	}
	for _, cr := range v.Certs {
		p.Certificates = append(p.Certificates, certView(cr, now, lg))
	}
	for _, a := range v.Ann {
		av := annVM{Type: a.Type, TypeText: T["ann_"+a.Type], Standard: a.StandardCode, Status: a.Status, Receipt: a.ReceiptNumber,
			Date: day(lg, a.ReceiptDate), Agency: a.Agency, CRMark: a.MayCarryCRMark()}
		p.Announcements = append(p.Announcements, av)
	}
	if p.Certificates == nil {
		p.Certificates = []certVM{}
	}
	if p.Announcements == nil {
		p.Announcements = []annVM{}
	}
	p.Verdict = verdict(p, now)
}

// correctionViews shows a record's corrections in lg, each field named by
// the message prefix+field (the field itself when there is none).
func correctionViews(cs []registry.Correction, lg, prefix string) []correctionVM {
	var out []correctionVM
	for _, cr := range cs {
		names := make([]string, len(cr.Fields))
		for i, f := range cr.Fields {
			if names[i] = messages[lg][prefix+f]; names[i] == "" {
				names[i] = f
			}
		}
		out = append(out, correctionVM{On: when(lg, cr.At), Fields: cr.Fields, Names: strings.Join(names, ", "), Reason: cr.Reason})
	}
	return out
}

func certView(cr certRef, now time.Time, lg string) certVM {
	T := messages[lg]
	c := cr.Cert
	st := c.StatusAt(now)
	cv := certVM{Number: c.Number, Scheme: c.Scheme, Standard: c.Standard, IssuedOn: day(lg, c.IssuedOn), ExpiresOn: day(lg, c.ExpiresOn),
		Status: st.Status, DaysLeft: st.DaysLeft, Lot: cr.Lot, Href: "/c/" + url.PathEscape(c.Number), Reason: st.Reason}
	if cr.Body != nil {
		cv.Body = pick(lg, cr.Body.Name, cr.Body.NameEN)
	}
	cv.Badge, cv.Class = badge(st, T)
	if cv.SchemeText = T["scheme_"+c.Scheme]; cv.SchemeText == "" {
		cv.SchemeText = c.Scheme // VietGAP, ISO 22000, 4C: names already
	}
	if st.Since != "" {
		cv.Since = day(lg, st.Since)
	}
	return cv
}

// badge is the status text and CSS class of a certificate status.
func badge(st registry.CertStatus, T map[string]string) (string, string) {
	switch st.Status {
	case registry.CertSuspended:
		return T["st_suspended"], "warn"
	case registry.CertWithdrawn:
		return T["st_withdrawn"], "bad"
	case registry.CertExpired:
		return T["st_expired"], "bad"
	}
	switch {
	case st.DaysLeft == 0:
		return T["st_last_day"], "soon"
	case st.DaysLeft <= expiringDays:
		s := fmt.Sprintf(T["st_expiring"], st.DaysLeft)
		if st.DaysLeft == 1 {
			s = strings.Replace(s, "1 days", "1 day", 1)
		}
		return s, "soon"
	}
	return T["st_active"], "ok"
}

func (l *Lookup) step(v *view, ev *registry.TraceEvent, lg string) stepVM {
	s := stepVM{When: when(lg, ev.EventTime), Note: ev.Note}
	if d := ev.ErrorDeclaration; d != nil {
		s.Voided, s.VoidReason = true, d.Reason
	}
	if n, ok := eventSteps[ev.BusinessStep]; ok {
		s.Step = n[0]
		if lg == "en" {
			s.Step = n[1]
		}
	} else {
		s.Step = ev.BusinessStep
	}
	if f := v.Places[ev.FacilityID]; f != nil {
		s.Place = f.Name + ", " + f.District
	}
	if e := v.Owners[ev.EnterpriseID]; e != nil {
		s.Who = pick(lg, e.NameVI, e.NameEN)
	}
	lots := map[string]string{}
	for _, b := range append([]*registry.Batch{v.Batch}, v.Upstream...) {
		lots[b.ID] = b.LotCode
	}
	for _, q := range append(append(append([]registry.Quantity{}, ev.Batches...), ev.Inputs...), ev.Outputs...) {
		if code, ok := lots[q.BatchID]; ok {
			s.Lots = append(s.Lots, code+" · "+number(lg, q.Quantity)+" "+registry.UnitName(q.Unit, lg, q.Quantity))
		}
	}
	return s
}

func pick(lg, vi, en string) string {
	if lg == "en" && en != "" {
		return en
	}
	return vi
}

// day formats a calendar day: 15/12/2025 in Vietnamese, 15 Dec 2025 in English.
func day(lg string, d registry.Date) string {
	if d == "" {
		return ""
	}
	t, err := registry.ParseDate(string(d))
	if err != nil {
		return string(d)
	}
	if lg == "en" {
		return t.Format("2 Jan 2006")
	}
	return t.Format("02/01/2006")
}

// when formats a moment in Vietnam time.
func when(lg string, t time.Time) string {
	t = t.In(registry.Vietnam)
	if lg == "en" {
		return t.Format("2 Jan 2006 15:04")
	}
	return t.Format("02/01/2006 15:04")
}

// number formats a quantity: 12.000 in Vietnamese, 12,000 in English.
func number(lg string, f float64) string {
	s := strconv.FormatFloat(f, 'f', -1, 64)
	if math.Abs(f) >= 1000 && f == math.Trunc(f) {
		digits := strconv.FormatInt(int64(f), 10)
		sep := "."
		if lg == "en" {
			sep = ","
		}
		var b strings.Builder
		for i, r := range digits {
			if i > 0 && (len(digits)-i)%3 == 0 {
				b.WriteString(sep)
			}
			b.WriteRune(r)
		}
		return b.String()
	}
	if lg == "vi" {
		s = strings.Replace(s, ".", ",", 1)
	}
	return s
}

// render sends a page as JSON or HTML. The HTML of a view is memoized per
// request inputs it depends on (see renderMemo).
func (l *Lookup) render(c *fiber.Ctx, v *view, p *page) error {
	c.Vary(fiber.HeaderAccept, fiber.HeaderAcceptLanguage, fiber.HeaderCookie)
	c.Set(fiber.HeaderCacheControl, "no-cache")
	if p.Stale {
		c.Set("Warning", `110 - "Response is Stale"`)
	}
	now := l.cfg.Clock.Now()
	if wantsJSON(c) {
		l.fill(p, v, now)
		return c.JSON(p)
	}
	c.Type("html", "utf-8")
	key := p.memoKey(now)
	if b, ok := v.html.get(key); ok {
		return c.Send(b)
	}
	l.fill(p, v, now)
	var buf bytes.Buffer
	if err := l.tmpl.ExecuteTemplate(&buf, "lot", p); err != nil {
		return err
	}
	v.html.put(key, buf.Bytes())
	return c.Send(buf.Bytes())
}

// --- handlers

func (l *Lookup) productPageByGTIN(c *fiber.Ctx) error {
	dl, err := gs1.ParsePath("/01/"+c.Params("gtin"), "")
	if err != nil {
		return badLink(err)
	}
	if dl.GTIN != c.Params("gtin") {
		return c.Redirect("/v/"+dl.GTIN, fiber.StatusMovedPermanently)
	}
	v, stale, err := l.viewForGTIN(dl.GTIN, "")
	if err != nil {
		return err
	}
	return l.render(c, v, l.buildPage(c, v, "", stale))
}

func (l *Lookup) lotPageByGTIN(c *fiber.Ctx) error {
	path := "/01/" + c.Params("gtin") + "/10/" + c.Params("lot")
	if s := c.Params("serial"); s != "" {
		path += "/21/" + s
	}
	dl, err := gs1.ParsePath(path, "")
	if err != nil {
		return badLink(err)
	}
	v, stale, err := l.viewForGTIN(dl.GTIN, dl.Lot)
	if registry.ErrorCode(err) == registry.ENOTFOUND {
		// Walk up: the product's page, saying this lot is not registered.
		pv, pstale, perr := l.viewForGTIN(dl.GTIN, "")
		if perr != nil {
			return err
		}
		p := l.buildPage(c, pv, "", pstale)
		p.UnknownLot = dl.Lot
		p.Path = c.Path()
		return l.render(c, pv, p)
	}
	if err != nil {
		return err
	}
	return l.lotPageSigned(c, v, dl, stale)
}

// lotPageSigned is the lot page of a Digital Link, judging its AI 8030
// signature when it has one.
func (l *Lookup) lotPageSigned(c *fiber.Ctx, v *view, dl gs1.DigitalLink, stale bool) error {
	sig := c.Query(credential.AISignature)
	if sig == "" || l.cfg.Credentials == nil {
		return l.lotPage(c, v, dl.Serial, stale)
	}
	p := l.buildPage(c, v, dl.Serial, stale)
	p.CodeSignature = "invalid"
	doc := l.cfg.Credentials.Document()
	if credential.VerifyCode(&doc, dl.GTIN, dl.Variant, dl.Lot, dl.Serial, sig) {
		p.CodeSignature = "valid"
	}
	return l.finishLotPage(c, v, p, dl.Serial)
}

func (l *Lookup) lotPage(c *fiber.Ctx, v *view, serial string, stale bool) error {
	return l.finishLotPage(c, v, l.buildPage(c, v, serial, stale), serial)
}

func (l *Lookup) finishLotPage(c *fiber.Ctx, v *view, p *page, serial string) error {
	if serial != "" {
		switch err := l.checkSerial(v, serial); {
		case err == nil:
			p.Serial = l.serialView(c, v, serial, p.Lang)
		case registry.ErrorCode(err) == registry.ENOTFOUND:
			// Walk up: the lot's page, saying prominently that this serial
			// was never issued (the code may be counterfeit).
			p.Serial = &serialVM{Serial: serial, Unissued: true}
			l.countUnissued(c, v)
		default:
			return err
		}
	}
	return l.render(c, v, p)
}

func (l *Lookup) productPageByCode(c *fiber.Ctx) error {
	code := c.Params("code")
	if !validShortCode(code) {
		return notFound("There is no product with this code.", "Không có sản phẩm mang mã này.")
	}
	v, stale, err := l.viewForProductCode(code)
	if err != nil {
		return err
	}
	return l.render(c, v, l.buildPage(c, v, "", stale))
}

func (l *Lookup) lotPageByCode(c *fiber.Ctx) error {
	code := c.Params("code")
	if !validShortCode(code) {
		return notFound("There is no lot with this code.", "Không có lô hàng mang mã này.")
	}
	v, stale, err := l.viewForLotCode(code)
	if err != nil {
		return err
	}
	return l.lotPage(c, v, c.Query("s"), stale)
}

// validShortCode: short codes are 10 characters of the registry's alphabet;
// anything else is not looked up at all.
func validShortCode(s string) bool {
	if len(s) != 10 {
		return false
	}
	for i := 0; i < len(s); i++ {
		if !strings.ContainsRune("23456789ABCDEFGHJKMNPQRSTUVWXYZ", rune(s[i])) {
			return false
		}
	}
	return true
}

// photo streams a product's public photo; 404 when it has none or the
// document store does not answer (the page then shows no photo).
func (l *Lookup) photo(c *fiber.Ctx) error {
	code := c.Params("code")
	if !validShortCode(code) {
		return notFound("No photo.", "Không có ảnh.")
	}
	v, _, err := l.viewForProductCode(code)
	if err != nil {
		return err
	}
	if v.Photo == nil {
		return notFound("No photo.", "Không có ảnh.")
	}
	rc, blob, err := l.docs().Open(c.UserContext(), v.Photo.Blob.SHA256)
	if err != nil {
		return err
	}
	defer rc.Close()
	c.Set(fiber.HeaderContentType, blob.MediaType)
	c.Set(fiber.HeaderCacheControl, "public, max-age=86400")
	c.Set(fiber.HeaderETag, `"`+blob.SHA256+`"`)
	buf, err := io.ReadAll(io.LimitReader(rc, registry.MaxDocumentSize))
	if err != nil {
		return registry.Errorf(registry.EUNAVAILABLE, "The photo could not be read.", "Không đọc được ảnh.")
	}
	return c.Send(buf)
}
