package lookup

import (
	"bytes"
	"context"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/tracereg/tracereg/registry"
	"github.com/tracereg/tracereg/registry/gs1"
)

// A place is a facility with a GLN: a farm plot, a processing site or a
// warehouse. Its Digital Link /414/{GLN}[/254/{extension}] resolves to its
// public page /d/{GLN}: the plot outline, the certificates whose scope names
// it, and the latest public lots made or harvested there.

// placeLots bounds the lots a place page lists.
const placeLots = 20

// placeView is a place as its page shows it, cached like a view.
type placeView struct {
	Place      *registry.Facility // its public view: no address, no own code
	Enterprise *registry.Enterprise
	Certs      []certRef
	Lots       []placeLot
	plotViews  map[string]plotVM // per language, when the place has a geometry
}

type placeLot struct {
	Batch   *registry.Batch
	Product *registry.Product
}

func keyPlace(gln string) string { return "d:" + gln }

func (l *Lookup) viewForPlace(gln string) (*placeView, bool, error) {
	v, stale, err := l.cache.get(keyPlace(gln), l.cfg.LoadTimeout, func(ctx context.Context) (any, error) {
		return l.assemblePlace(ctx, gln)
	})
	if err != nil {
		return nil, false, err
	}
	return v.(*placeView), stale, nil
}

var errPlaceUnknown = notFound("No place with this GLN is registered. If it is printed on a label or a sign, please report it.",
	"Chưa có địa điểm nào mang mã GLN này. Nếu mã được in trên nhãn hoặc biển, xin hãy báo cho cơ quan quản lý.")

func (l *Lookup) assemblePlace(ctx context.Context, gln string) (*placeView, error) {
	s := l.cfg.Store
	f, err := s.FindFacilityByGLN(ctx, gln)
	if registry.ErrorCode(err) == registry.ENOTFOUND {
		return nil, errPlaceUnknown
	}
	if err != nil {
		return nil, err
	}
	v := &placeView{Place: f.PublicView()}
	if v.Enterprise, err = s.FindEnterprise(ctx, f.EnterpriseID); err != nil {
		return nil, err
	}
	if f.Geometry != "" {
		v.plotViews = map[string]plotVM{}
		for lg := range messages {
			v.plotViews[lg] = plotView(v.Place, lg)
		}
	}

	certs, _, err := s.ListCertificates(ctx, registry.CertificateFilter{FacilityID: f.ID, Page: registry.Page{Limit: registry.MaxPageLimit}})
	if err != nil {
		return nil, err
	}
	bodies := map[string]*registry.CertificationBody{}
	for _, c := range certs {
		if bodies[c.BodyID] == nil {
			if bodies[c.BodyID], err = s.FindCertificationBody(ctx, c.BodyID); err != nil {
				return nil, err
			}
		}
		v.Certs = append(v.Certs, certRef{Cert: c, Body: bodies[c.BodyID]})
	}

	// Lots made here and lots harvested here, newest first; drafts are not public.
	var lots []*registry.Batch
	for _, filter := range []registry.BatchFilter{{FacilityID: f.ID}, {SourcePlotID: f.ID}} {
		filter.Page.Limit = placeLots * 2
		got, _, err := s.ListBatches(ctx, filter)
		if err != nil {
			return nil, err
		}
		for _, b := range got {
			if b.Status != registry.BatchDraft && !slices.ContainsFunc(lots, func(x *registry.Batch) bool { return x.ID == b.ID }) {
				lots = append(lots, b)
			}
		}
	}
	slices.SortFunc(lots, func(a, b *registry.Batch) int { return strings.Compare(b.ID, a.ID) })
	products := map[string]*registry.Product{}
	for _, b := range lots[:min(len(lots), placeLots)] {
		p := products[b.ProductID]
		if p == nil {
			if p, err = s.FindProduct(ctx, b.ProductID); err != nil {
				return nil, err
			}
			products[p.ID] = p
		}
		v.Lots = append(v.Lots, placeLot{Batch: b, Product: p})
	}
	return v, nil
}

// placePath is the place's page, with the extension asked for, if any.
func placePath(gln, ext string) string {
	p := "/d/" + gln
	if ext != "" {
		p += "/" + url.PathEscape(ext)
	}
	return p
}

// placeLinks are the targets of a place's Digital Link. An extension is
// not registered on its own: it walks up to the place, whose page says so.
func (l *Lookup) placeLinks(base string, v *placeView, ext string) []link {
	page := base + placePath(v.Place.GLN, ext)
	name := v.Place.Name
	out := []link{
		{Type: ltDefault, Href: page, TitleVI: "Địa điểm: " + name, TitleEN: "Place: " + name},
		{Type: ltLocationInfo, Href: page, TitleVI: "Thông tin địa điểm: " + name, TitleEN: "Place information: " + name},
	}
	for _, cr := range v.Certs {
		out = append(out, link{Type: ltCertificationInfo, Href: base + "/c/" + url.PathEscape(cr.Cert.Number),
			TitleVI: "Chứng nhận " + cr.Cert.Scheme + " số " + cr.Cert.Number, TitleEN: cr.Cert.Scheme + " certificate " + cr.Cert.Number})
	}
	if len(v.Lots) > 0 {
		out = append(out, link{Type: ltTraceability, Href: page + "#lots", TitleVI: "Các lô hàng tại " + name, TitleEN: "Lots from " + name})
	}
	for i := range out {
		out[i].Media = fiber.MIMETextHTML
	}
	return out
}

// resolvePlace answers GET and HEAD on /414/… as resolve does on /01/…:
// 400 on bad syntax, 404 for an unknown GLN, else the place's links.
func (l *Lookup) resolvePlace(c *fiber.Ctx) error {
	rawPath := string(c.Request().URI().PathOriginal())
	if i := strings.IndexByte(rawPath, '?'); i >= 0 {
		rawPath = rawPath[:i]
	}
	rawQuery := string(c.Request().URI().QueryString())
	if len(rawPath) > maxResolverPath || len(rawQuery) > 2048 {
		return badLink(&gs1.Error{Rule: gs1.RuleLength, Message: "the address is too long", MessageVI: "địa chỉ quá dài"})
	}
	pl, err := gs1.ParsePlacePath(rawPath, rawQuery)
	if err != nil {
		return badLink(err)
	}
	base := l.base(c)
	anchor := base + pl.Path()
	c.Set(fiber.HeaderLink, "<"+anchor+"?"+linksetQuery+`>; rel="linkset"; type="`+mimeLinkset+`"`)
	c.Vary(fiber.HeaderAccept, fiber.HeaderAcceptLanguage)
	v, stale, err := l.viewForPlace(pl.GLN)
	if err != nil {
		return err
	}
	return l.answer(c, anchor, l.placeLinks(base, v, pl.Extension), stale, rawQuery)
}

// placePageVM is a place's page as shown, and its JSON answer.
type placePageVM struct {
	Lang       string            `json:"lang"`
	T          map[string]string `json:"-"`
	Toggle     string            `json:"-"`
	Stale      bool              `json:"possibly_stale"`
	CheckedAt  string            `json:"checked_at"`
	Link       string            `json:"digital_link"`
	Path       string            `json:"-"`
	Extension  string            `json:"unknown_extension,omitempty"`
	Name       string            `json:"name"`
	Kind       string            `json:"kind"`
	KindText   string            `json:"-"`
	GLN        string            `json:"gln"`
	District   string            `json:"district"`
	Crop       string            `json:"crop,omitempty"`
	Enterprise enterpriseVM      `json:"enterprise"`
	Plot       *plotVM           `json:"plot,omitempty"`
	// DeforestationFree is the owner's declaration for a farm plot, nil when none.
	DeforestationFree *bool        `json:"deforestation_free,omitempty"`
	Certificates      []certVM     `json:"certificates"`
	Lots              []placeLotVM `json:"lots"`
	// Corrections say what was changed once the place was public.
	Corrections []correctionVM `json:"corrections,omitempty"`
}

type placeLotVM struct {
	Product  string `json:"product"`
	LotCode  string `json:"lot_code"`
	Date     string `json:"date,omitempty"` // harvested or produced on
	Recalled bool   `json:"recalled"`
	Href     string `json:"href"`
}

// placePage shows a place by its GLN: /d/{GLN}[/{extension}].
func (l *Lookup) placePage(c *fiber.Ctx) error {
	path := "/414/" + c.Params("gln")
	if ext := c.Params("ext"); ext != "" {
		path += "/254/" + ext
	}
	pl, err := gs1.ParsePlacePath(path, "")
	if err != nil {
		return badLink(err)
	}
	v, stale, err := l.viewForPlace(pl.GLN)
	if err != nil {
		return err
	}
	lg := lang(c)
	T := messages[lg]
	now := l.cfg.Clock.Now()
	f, e := v.Place, v.Enterprise
	p := &placePageVM{Lang: lg, T: T, Toggle: toggleHref(c, T["other_code"]), Stale: stale, CheckedAt: now.In(registry.Vietnam).Format(time.RFC3339),
		Link: l.base(c) + pl.Path(), Path: placePath(pl.GLN, pl.Extension), Extension: pl.Extension,
		Name: f.Name, Kind: f.Kind, KindText: T["kind_"+f.Kind], GLN: f.GLN, District: f.District, Crop: f.Crop,
		Enterprise:   enterpriseVM{Name: pick(lg, e.NameVI, e.NameEN), TaxCode: e.TaxCode, District: e.District},
		Certificates: []certVM{}, Lots: []placeLotVM{}}
	if pv, ok := v.plotViews[lg]; ok {
		p.Plot = &pv
	}
	if f.Kind == registry.FacilityFarmPlot {
		p.DeforestationFree = f.DeforestationFree
	}
	p.Corrections = correctionViews(f.Corrections, lg, "ffield_")
	for _, cr := range v.Certs {
		p.Certificates = append(p.Certificates, certView(cr, now, lg))
	}
	for _, lot := range v.Lots {
		b := lot.Batch
		d := b.HarvestedOn
		if d == "" {
			d = b.ProducedOn
		}
		p.Lots = append(p.Lots, placeLotVM{Product: pick(lg, lot.Product.NameVI, lot.Product.NameEN), LotCode: b.LotCode, Date: day(lg, d),
			Recalled: b.Status == registry.BatchRecalled || b.Recall != nil, Href: "/l/" + url.PathEscape(b.ShortCode)})
	}

	c.Vary(fiber.HeaderAccept, fiber.HeaderAcceptLanguage, fiber.HeaderCookie)
	c.Set(fiber.HeaderCacheControl, "no-cache")
	if stale {
		c.Set("Warning", `110 - "Response is Stale"`)
	}
	if wantsJSON(c) {
		return c.JSON(p)
	}
	var buf bytes.Buffer
	if err := l.tmpl.ExecuteTemplate(&buf, "place", p); err != nil {
		return err
	}
	c.Type("html", "utf-8")
	return c.Send(buf.Bytes())
}
