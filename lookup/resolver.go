package lookup

import (
	"context"
	"errors"
	"net/url"
	"strings"

	"github.com/gofiber/fiber/v2"

	"github.com/tracereg/tracereg/registry"
	"github.com/tracereg/tracereg/registry/gs1"
)

// Link types the resolver answers (GS1 Web vocabulary).
const (
	vocab                 = "https://gs1.org/voc/"
	ltPIP                 = "gs1:pip"
	ltCertificationInfo   = "gs1:certificationInfo"
	ltTraceability        = "gs1:traceability"
	ltRecallStatus        = "gs1:recallStatus"
	ltVerificationService = "gs1:verificationService"
	ltDefault             = "gs1:defaultLink"
	mimeLinkset           = "application/linkset+json"
	linksetQuery          = "linkType=linkset"
	maxResolverPath       = 512
)

var linkTypeOrder = []string{ltDefault, ltPIP, ltVerificationService, ltCertificationInfo, ltTraceability, ltRecallStatus}

// link is one target of a key, with titles in both languages.
type link struct {
	Type    string
	Href    string // absolute, without lang
	TitleVI string
	TitleEN string
	Media   string
}

// resolve answers GET and HEAD on /01/…: 400 on bad syntax, 404 for an
// unknown key, the linkset when asked for, else a 307 to the link whose
// type was asked for or to the default link, passing the query string on.
func (l *Lookup) resolve(c *fiber.Ctx) error {
	rawPath := string(c.Request().URI().PathOriginal())
	if i := strings.IndexByte(rawPath, '?'); i >= 0 {
		rawPath = rawPath[:i]
	}
	rawQuery := string(c.Request().URI().QueryString())
	if len(rawPath) > maxResolverPath || len(rawQuery) > 2048 {
		return badLink(&gs1.Error{Rule: gs1.RuleLength, Message: "the address is too long", MessageVI: "địa chỉ quá dài"})
	}
	dl, err := gs1.ParsePath(rawPath, rawQuery)
	if err != nil {
		return badLink(err)
	}
	base := l.base(c)
	anchor := base + gs1.DigitalLink{GTIN: dl.GTIN, Variant: dl.Variant, Lot: dl.Lot, Serial: dl.Serial}.Path()
	c.Set(fiber.HeaderLink, "<"+anchor+"?"+linksetQuery+`>; rel="linkset"; type="`+mimeLinkset+`"`)
	c.Vary(fiber.HeaderAccept)

	if dl.Serial != "" && dl.Lot == "" {
		return notFound("Serial numbers are registered per lot: this code has a serial (21) but no lot (10).",
			"Số sê-ri được đăng ký theo lô: mã này có số sê-ri (21) nhưng không có số lô (10).")
	}
	v, stale, err := l.viewForGTIN(dl.GTIN, dl.Lot)
	if err != nil {
		return err
	}
	if dl.Serial != "" {
		if err := l.checkSerial(v, dl.Serial); err != nil {
			return err
		}
	}
	links := v.linksFor(l, base, dl.Serial)

	linkType := c.Query("linkType")
	accept := c.Accepts(fiber.MIMETextHTML, mimeLinkset, fiber.MIMEApplicationJSON)
	if linkType == "linkset" || linkType == "all" || linkType == "" && (accept == mimeLinkset || accept == fiber.MIMEApplicationJSON) {
		if stale {
			c.Set("Warning", `110 - "Response is Stale"`)
		}
		c.Set(fiber.HeaderContentType, mimeLinkset)
		c.Set(fiber.HeaderCacheControl, "public, max-age=60")
		return c.Send(linksetJSON(anchor, links))
	}
	target := ""
	for _, lk := range links {
		if lk.Type == linkType {
			target = lk.Href
			break
		}
	}
	if target == "" {
		// No link of the asked type (or none asked for): the default link.
		target = links[0].Href
	}
	c.Set(fiber.HeaderLocation, withQuery(target, passOnQuery(rawQuery)))
	c.Set(fiber.HeaderCacheControl, "no-cache")
	return c.SendStatus(fiber.StatusTemporaryRedirect)
}

// badLink turns a Digital Link syntax error into a 400 that says what is wrong.
func badLink(err error) error {
	var ge *gs1.Error
	if !errors.As(err, &ge) {
		return registry.Errorf(registry.EMALFORMED, "This is not a valid GS1 Digital Link.", "Đây không phải liên kết GS1 Digital Link hợp lệ.")
	}
	field := "uri"
	if ge.AI != "" {
		field = "AI " + ge.AI
	}
	return &registry.Error{Code: registry.EMALFORMED,
		Message:   "This is not a valid GS1 Digital Link: " + ge.Message + ".",
		MessageVI: "Đây không phải liên kết GS1 Digital Link hợp lệ: " + ge.MessageVI + ".",
		Fields:    []registry.FieldError{{Field: field, Rule: ge.Rule, Message: ge.Message, MessageVI: ge.MessageVI}}}
}

var errSerialNotIssued = notFound("This serial number was not issued for this lot. If it is on a package, please report it.",
	"Số sê-ri này không được cấp cho lô hàng này. Nếu mã in trên bao bì, xin hãy báo cho cơ quan quản lý.")

// checkSerial answers ENOTFOUND unless serial was issued for the view's lot:
// a random code it printed, or the number of a label from before codes were
// random. Anything not shaped like either is refused without a lookup; the
// answer is cached like a view (a no for at most 10 s: a code just printed
// cannot have been asked for before, it is not guessable).
func (l *Lookup) checkSerial(v *view, serial string) error {
	if v.Batch == nil || l.cfg.Serials == nil {
		return errSerialNotIssued
	}
	if pos := registry.SerialPosition(serial); pos == 0 && !serialCodeShape(serial) || pos > v.Serials {
		return errSerialNotIssued
	}
	_, _, err := l.cache.get("s?"+v.Batch.ID+"/"+serial, l.cfg.LoadTimeout, func(ctx context.Context) (any, error) {
		ok, err := l.cfg.Serials.SerialValid(ctx, v.Batch.ID, serial)
		if err == nil && !ok {
			err = errSerialNotIssued
		}
		return ok, err
	})
	return err
}

// serialCodeShape reports whether s could be a registry.NewSerialCode.
func serialCodeShape(s string) bool {
	if len(s) != 12 || s[0] < 'A' || s[0] > 'Z' {
		return false
	}
	for i := range len(s) {
		if !strings.ContainsRune("23456789ABCDEFGHJKLMNPQRSTUVWXYZ", rune(s[i])) {
			return false
		}
	}
	return true
}

// passOnQuery returns the raw query string without linkType.
func passOnQuery(raw string) string {
	if raw == "" {
		return ""
	}
	parts := strings.Split(raw, "&")
	kept := parts[:0]
	for _, p := range parts {
		k, _, _ := strings.Cut(p, "=")
		if uk, err := url.QueryUnescape(k); p == "" || err == nil && uk == "linkType" {
			continue
		}
		kept = append(kept, p)
	}
	return strings.Join(kept, "&")
}

// withQuery adds a raw query string to href, before any fragment.
func withQuery(href, q string) string {
	if q == "" {
		return href
	}
	frag := ""
	if i := strings.IndexByte(href, '#'); i >= 0 {
		href, frag = href[:i], href[i:]
	}
	sep := "?"
	if strings.Contains(href, "?") {
		sep = "&"
	}
	return href + sep + q + frag
}

// pagePath is the verification page of a product, lot or unit.
func pagePath(v *view, serial string) string {
	if v.Product.GTIN == "" {
		if v.Batch != nil {
			return "/l/" + url.PathEscape(v.Batch.ShortCode)
		}
		return "/p/" + url.PathEscape(v.Product.ShortCode)
	}
	p := "/v/" + v.Product.GTIN
	if v.Batch != nil {
		p += "/" + url.PathEscape(v.Batch.LotCode)
		if serial != "" {
			p += "/" + url.PathEscape(serial)
		}
	}
	return p
}

// links lists the targets of a key: first the default link, then the links
// of the product (GTIN level), then those of the lot.
func (l *Lookup) links(base string, v *view, serial string) []link {
	page := base + pagePath(v, serial)
	productPage := base + "/v/" + v.Product.GTIN
	name := v.Product.NameVI
	nameEN := v.Product.NameEN
	if nameEN == "" {
		nameEN = name
	}
	out := []link{
		{Type: ltDefault, Href: page, TitleVI: "Xác minh nguồn gốc: " + name, TitleEN: "Verify origin: " + nameEN},
		{Type: ltPIP, Href: productPage, TitleVI: "Thông tin sản phẩm: " + name, TitleEN: "Product information: " + nameEN},
		{Type: ltVerificationService, Href: page, TitleVI: "Xác minh nguồn gốc và chứng nhận", TitleEN: "Verify origin and certificates"},
	}
	for _, cr := range v.Certs {
		lot := ""
		if cr.Lot != "" {
			lot = " (lô " + cr.Lot + ")"
		}
		out = append(out, link{Type: ltCertificationInfo, Href: base + "/c/" + url.PathEscape(cr.Cert.Number),
			TitleVI: "Chứng nhận " + cr.Cert.Scheme + " số " + cr.Cert.Number + lot,
			TitleEN: cr.Cert.Scheme + " certificate " + cr.Cert.Number + strings.Replace(lot, "lô", "lot", 1)})
	}
	if v.Batch != nil {
		out = append(out,
			link{Type: ltTraceability, Href: page + "#journey", TitleVI: "Hành trình lô " + v.Batch.LotCode, TitleEN: "Journey of lot " + v.Batch.LotCode},
			link{Type: ltRecallStatus, Href: page + "#recall", TitleVI: "Tình trạng thu hồi lô " + v.Batch.LotCode, TitleEN: "Recall status of lot " + v.Batch.LotCode})
	}
	for i := range out {
		out[i].Media = fiber.MIMETextHTML
	}
	return out
}

// linksFor returns the links of the view for a base URL, memoized for
// requests without a serial (the busy redirect path).
func (v *view) linksFor(l *Lookup, base, serial string) []link {
	if serial != "" {
		return l.links(base, v, serial)
	}
	v.linkMu.Lock()
	defer v.linkMu.Unlock()
	if v.linkBase != base || v.linkList == nil {
		v.linkBase, v.linkList = base, l.links(base, v, "")
	}
	return v.linkList
}

// linksetJSON writes the RFC 9264 linkset: one context object whose anchor
// is the uncompressed Digital Link, with each link type as a full URI and,
// per link, one target per language.
func linksetJSON(anchor string, links []link) []byte {
	var b strings.Builder
	b.WriteString(`{"linkset":[{"anchor":`)
	b.WriteString(jsonString(anchor))
	for _, lt := range linkTypeOrder {
		first := true
		for _, lk := range links {
			if lk.Type != lt {
				continue
			}
			if first {
				b.WriteString(`,"` + vocab + strings.TrimPrefix(lt, "gs1:") + `":[`)
			} else {
				b.WriteByte(',')
			}
			first = false
			writeTarget(&b, lk.Href, lk.TitleVI, "vi", lk.Media)
			b.WriteByte(',')
			writeTarget(&b, withQuery(lk.Href, "lang=en"), lk.TitleEN, "en", lk.Media)
		}
		if !first {
			b.WriteByte(']')
		}
	}
	b.WriteString(`}]}`)
	return []byte(b.String())
}

func writeTarget(b *strings.Builder, href, title, lang, media string) {
	b.WriteString(`{"href":`)
	b.WriteString(jsonString(href))
	b.WriteString(`,"title":`)
	b.WriteString(jsonString(title))
	b.WriteString(`,"hreflang":["` + lang + `"],"type":"` + media + `"}`)
}

// description is the resolver description file (GS1-Conformant Resolver 1.2).
func (l *Lookup) description(c *fiber.Ctx) error {
	base := l.base(c)
	c.Set(fiber.HeaderCacheControl, "public, max-age=3600")
	return c.JSON(fiber.Map{
		"name":                        "tracereg — Đắk Lắk traceability registry",
		"resolverRoot":                base,
		"supportedPrimaryKeys":        []string{"01"},
		"supportedKeyQualifiers":      []string{"22", "10", "21"},
		"linkTypeDefaultCanBeLinkset": false,
		"supportedLinkType": []fiber.Map{
			{"namespace": vocab, "prefix": "gs1:", "profile": vocab + "?show=linktypes"},
		},
		"linkTypes":          []string{ltPIP, ltCertificationInfo, ltTraceability, ltRecallStatus, ltVerificationService},
		"supportedLanguages": []string{"vi", "en"},
		"linksetMediaType":   mimeLinkset,
		"validatesSyntax":    true,
		"contact":            base + "/",
		"resolverVersion":    "1.2",
	})
}
