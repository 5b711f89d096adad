package lookup

import (
	"context"
	"errors"
	"html"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/gofiber/fiber/v2"

	"github.com/tracereg/tracereg/registry"
	"github.com/tracereg/tracereg/registry/epcis"
	"github.com/tracereg/tracereg/registry/gs1"
)

// Link types the resolver answers (GS1 Web vocabulary).
const (
	vocab                 = "https://gs1.org/voc/"
	ltPIP                 = "gs1:pip"
	ltLocationInfo        = "gs1:locationInfo"
	ltEPCIS               = "gs1:epcis"
	ltCertificationInfo   = "gs1:certificationInfo"
	ltTraceability        = "gs1:traceability"
	ltRecallStatus        = "gs1:recallStatus"
	ltVerificationService = "gs1:verificationService"
	ltDefault             = "gs1:defaultLink"
	ltDefaultMulti        = "gs1:defaultLinkMulti"
	mimeLinkset           = "application/linkset+json"
	// linksetContext is the JSON-LD context of a linkset, sent as a Link header.
	linksetContext  = `<https://ref.gs1.org/standards/resolver/linkset-context>; rel="http://www.w3.org/ns/json-ld#context"`
	linksetQuery    = "linkType=linkset"
	maxResolverPath = 512
)

var linkTypeOrder = []string{ltDefault, ltPIP, ltLocationInfo, ltVerificationService, ltCertificationInfo, ltTraceability, ltEPCIS, ltRecallStatus}

// link is one target of a key, with titles in both languages.
type link struct {
	Type    string
	Href    string // absolute, without lang
	TitleVI string
	TitleEN string
	Media   string
}

// resolve answers GET and HEAD on /01/…: 400 on bad syntax, 404 for an
// unknown GTIN, the linkset when asked for, else a 307 to the link whose
// type was asked for (404 when the key has none) or to the default link,
// in the language Accept-Language prefers, passing the query string on;
// 300 when several links of the asked type are equally good. An unknown
// lot or serial under a known GTIN walks up: it is answered as the GTIN
// (or the lot) is, and its page says the lot is not registered, or the
// serial was never issued.
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
	c.Vary(fiber.HeaderAccept, fiber.HeaderAcceptLanguage)

	if dl.Serial != "" && dl.Lot == "" {
		return notFound("Serial numbers are registered per lot: this code has a serial (21) but no lot (10).",
			"Số sê-ri được đăng ký theo lô: mã này có số sê-ri (21) nhưng không có số lô (10).")
	}
	v, stale, err := l.viewForGTIN(dl.GTIN, dl.Lot)
	var links []link
	if registry.ErrorCode(err) == registry.ENOTFOUND && dl.Lot != "" {
		if v, stale, err = l.viewForGTIN(dl.GTIN, ""); err != nil {
			return err
		}
		links = l.walkUpLinks(base, v, dl)
	} else if err != nil {
		return err
	} else {
		// An unissued serial keeps the lot's links; its page says so.
		links = v.linksFor(l, base, dl.Serial)
	}

	return l.answer(c, anchor, links, stale, rawQuery)
}

// answer serves a key's links: the linkset when asked for, else a 307 to
// the link whose type was asked for (404 when the key has none) or to the
// default link, in the language Accept-Language prefers, passing the query
// string on; 300 when several links of the asked type are equally good.
func (l *Lookup) answer(c *fiber.Ctx, anchor string, links []link, stale bool, rawQuery string) error {
	linkType := c.Query("linkType")
	accept := c.Accepts(fiber.MIMETextHTML, mimeLinkset, fiber.MIMEApplicationJSON)
	if linkType == "linkset" || linkType == "all" || linkType == "" && (accept == mimeLinkset || accept == fiber.MIMEApplicationJSON) {
		if stale {
			c.Set("Warning", `110 - "Response is Stale"`)
		}
		c.Set(fiber.HeaderContentType, mimeLinkset)
		c.Set(fiber.HeaderCacheControl, "public, max-age=60")
		c.Append(fiber.HeaderLink, linksetContext)
		return c.Send(linksetJSON(anchor, links))
	}
	want := ltDefault
	if linkType != "" {
		want = "gs1:" + strings.TrimPrefix(strings.TrimPrefix(linkType, vocab), "gs1:")
	}
	if want == ltDefaultMulti {
		want = ltDefault // its variants are the default link's languages, negotiated below
	}
	first, n := -1, 0 // no slice on the busy path: most keys have one link of a type
	for i := range links {
		if links[i].Type == want {
			if n++; first < 0 {
				first = i
			}
		}
	}
	switch {
	case n == 0:
		return notFound("This code has no link of type "+linkType+".", "Mã này không có liên kết loại "+linkType+".")
	case n > 1:
		var chosen []link
		for _, lk := range links {
			if lk.Type == want {
				chosen = append(chosen, lk)
			}
		}
		return l.multipleChoices(c, anchor, chosen, accept)
	}
	target := links[first].hrefIn(preferredLang(c.Get(fiber.HeaderAcceptLanguage)))
	c.Set(fiber.HeaderLocation, withQuery(target, passOnQuery(rawQuery)))
	c.Set(fiber.HeaderCacheControl, "no-cache")
	return c.SendStatus(fiber.StatusTemporaryRedirect)
}

// hrefIn is the link's target in a language: the Vietnamese page as it is,
// the English one with lang=en (as the linkset lists them).
func (lk link) hrefIn(lang string) string {
	if lang == "en" && lk.Media == fiber.MIMETextHTML {
		return withQuery(lk.Href, "lang=en")
	}
	return lk.Href
}

// preferredLang chooses vi or en by an Accept-Language header: the one with
// the higher weight, the first listed on a tie; vi when it names neither.
func preferredLang(header string) string {
	if header == "" {
		return "vi"
	}
	best, bestQ := "vi", -1.0
	for _, part := range strings.Split(header, ",") {
		tag, params, _ := strings.Cut(strings.TrimSpace(part), ";")
		lang, _, _ := strings.Cut(strings.ToLower(strings.TrimSpace(tag)), "-")
		if lang != "vi" && lang != "en" {
			continue
		}
		q := 1.0
		if v, ok := strings.CutPrefix(strings.TrimSpace(params), "q="); ok {
			if f, err := strconv.ParseFloat(v, 64); err == nil {
				q = f
			}
		}
		if q > bestQ {
			best, bestQ = lang, q
		}
	}
	if bestQ == 0 {
		return "vi"
	}
	return best
}

// multipleChoices answers 300 with the equally good links: a linkset for a
// client that asks for one, else a page listing them.
func (l *Lookup) multipleChoices(c *fiber.Ctx, anchor string, links []link, accept string) error {
	c.Status(fiber.StatusMultipleChoices)
	c.Set(fiber.HeaderCacheControl, "no-cache")
	if accept == mimeLinkset || accept == fiber.MIMEApplicationJSON {
		c.Set(fiber.HeaderContentType, mimeLinkset)
		c.Append(fiber.HeaderLink, linksetContext)
		return c.Send(linksetJSON(anchor, links))
	}
	lg := preferredLang(c.Get(fiber.HeaderAcceptLanguage))
	var b strings.Builder
	b.WriteString(`<!doctype html><html lang="` + lg + `"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">`)
	b.WriteString(`<link rel="stylesheet" href="/static/base.css"><link rel="stylesheet" href="/static/lookup/lookup.css"><title>` + html.EscapeString(messages[lg]["choices"]) + `</title></head>`)
	b.WriteString(`<body><main class="narrow"><h1>` + html.EscapeString(messages[lg]["choices"]) + `</h1><ul id="choices">`)
	for _, lk := range links {
		title := lk.TitleVI
		if lg == "en" {
			title = lk.TitleEN
		}
		b.WriteString(`<li><a href="` + html.EscapeString(lk.hrefIn(lg)) + `">` + html.EscapeString(title) + `</a></li>`)
	}
	b.WriteString(`</ul></main></body></html>`)
	c.Set(fiber.HeaderContentType, fiber.MIMETextHTMLCharsetUTF8)
	return c.SendString(b.String())
}

// walkUpLinks are the links of a GTIN answering for an unknown lot under it:
// the product's, with the default link (and verification) going to the
// lot's own page, which says the lot is not registered.
func (l *Lookup) walkUpLinks(base string, v *view, dl gs1.DigitalLink) []link {
	links := slices.Clone(v.linksFor(l, base, ""))
	page := base + "/v/" + v.Product.GTIN + "/" + url.PathEscape(dl.Lot)
	if dl.Serial != "" {
		page += "/" + url.PathEscape(dl.Serial)
	}
	for i := range links {
		if links[i].Type == ltDefault || links[i].Type == ltVerificationService {
			links[i].Href = page
		}
	}
	return links
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
	if v.Batch != nil {
		out = append(out, link{Type: ltEPCIS, Href: base + "/l/" + url.PathEscape(v.Batch.ShortCode) + "/epcis", Media: epcis.MediaType,
			TitleVI: "Sự kiện EPCIS 2.0 của lô " + v.Batch.LotCode, TitleEN: "EPCIS 2.0 events of lot " + v.Batch.LotCode})
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
			if lk.Media != fiber.MIMETextHTML {
				writeTarget(&b, lk.Href, lk.TitleVI, "", lk.Media) // data, in no language
				continue
			}
			writeTarget(&b, lk.Href, lk.TitleVI, "vi", lk.Media)
			if lt == ltDefault {
				continue // exactly one default link; its variants follow under defaultLinkMulti
			}
			b.WriteByte(',')
			writeTarget(&b, withQuery(lk.Href, "lang=en"), lk.TitleEN, "en", lk.Media)
		}
		if !first {
			b.WriteByte(']')
		}
		if lt == ltDefault && !first {
			for _, lk := range links {
				if lk.Type == ltDefault {
					b.WriteString(`,"` + vocab + "defaultLinkMulti" + `":[`)
					writeTarget(&b, lk.Href, lk.TitleVI, "vi", lk.Media)
					b.WriteByte(',')
					writeTarget(&b, withQuery(lk.Href, "lang=en"), lk.TitleEN, "en", lk.Media)
					b.WriteByte(']')
					break
				}
			}
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
	if lang != "" {
		b.WriteString(`,"hreflang":["` + lang + `"]`)
	}
	b.WriteString(`,"type":"` + media + `"}`)
}

// description is the resolver description file (GS1-Conformant Resolver 1.2).
func (l *Lookup) description(c *fiber.Ctx) error {
	base := l.base(c)
	c.Set(fiber.HeaderCacheControl, "public, max-age=3600")
	return c.JSON(fiber.Map{
		"name":                        "tracereg — Đắk Lắk traceability registry",
		"resolverRoot":                base,
		"supportedPrimaryKeys":        []string{"01", "414"},
		"supportedKeyQualifiers":      []string{"22", "10", "21", "254"},
		"linkTypeDefaultCanBeLinkset": false,
		"supportedLinkType": []fiber.Map{
			{"namespace": vocab, "prefix": "gs1:", "profile": vocab + "?show=linktypes"},
		},
		"linkTypes":          []string{ltPIP, ltLocationInfo, ltCertificationInfo, ltTraceability, ltEPCIS, ltRecallStatus, ltVerificationService},
		"supportedLanguages": []string{"vi", "en"},
		"linksetMediaType":   mimeLinkset,
		"validatesSyntax":    true,
		// A vCard-style object, as the description file's schema has it.
		"contact": fiber.Map{
			"fn":         "Sở Khoa học và Công nghệ tỉnh Đắk Lắk — tracereg",
			"hasAddress": fiber.Map{"locality": "Buôn Ma Thuột", "region": "Đắk Lắk", "country-name": "Việt Nam"},
			"hasURL":     base + "/report",
		},
		"resolverVersion": "1.2",
	})
}
