package lookup

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"net/url"
	"strings"

	"github.com/gofiber/fiber/v2"

	"github.com/tracereg/tracereg/registry"
)

// certItem is a certificate with what its page shows, as cached.
type certItem struct {
	Cert       *registry.Certificate
	Body       *registry.CertificationBody
	Holder     *registry.Enterprise
	Products   []string
	Facilities []string
	DocSHA     string // SHA-256 of the registered document, "" if none
}

type certSet struct{ Items []certItem }

type certDetail struct {
	certVM
	Holder        enterpriseVM `json:"holder"`
	Accreditation string       `json:"accreditation,omitempty"`
	OriginalIssue string       `json:"original_issue,omitempty"`
	Products      []string     `json:"scope_products,omitempty"`
	Facilities    []string     `json:"scope_sites,omitempty"`
	ScopeText     string       `json:"scope_text,omitempty"`
	OCOPStars     int          `json:"ocop_stars,omitempty"`
	History       []histVM     `json:"history"`
	HasDocument   bool         `json:"has_document"`
	// Credential is where the certificate is downloaded as a signed UNTP credential.
	Credential string `json:"credential_url,omitempty"`
}

type histVM struct {
	Status string `json:"status"`
	Text   string `json:"-"`
	On     string `json:"on"`
	Reason string `json:"reason,omitempty"`
}

type certPage struct {
	Lang     string            `json:"lang"`
	T        map[string]string `json:"-"`
	Toggle   string            `json:"-"`
	Query    string            `json:"query,omitempty"`
	Searched bool              `json:"-"`
	Stale    bool              `json:"possibly_stale"`
	Results  []certDetail      `json:"certificates"`
	Check    string            `json:"check,omitempty"` // "match" or "mismatch" after a PDF check
	CheckMsg string            `json:"-"`
}

// certsFor finds certificates by number, or by the holder's tax code.
func (l *Lookup) certsFor(q string) (*certSet, bool, error) {
	byTax := registry.ValidTaxCode(q)
	key := keyCert(q)
	if byTax {
		key = keyCertHolder(q)
	}
	v, stale, err := l.cache.get(key, l.cfg.LoadTimeout, func(ctx context.Context) (any, error) {
		var certs []*registry.Certificate
		var err error
		if byTax {
			e, err := l.cfg.Store.FindEnterpriseByTaxCode(ctx, q)
			if err != nil {
				return nil, err
			}
			certs, err = listAll(func(pg registry.Page) ([]*registry.Certificate, string, error) {
				return l.cfg.Store.ListCertificates(ctx, registry.CertificateFilter{HolderID: e.ID, Page: pg})
			})
			if err != nil {
				return nil, err
			}
		} else if certs, err = l.cfg.Store.FindCertificatesByNumber(ctx, q); err != nil {
			return nil, err
		}
		if len(certs) == 0 {
			return nil, notFound("No certificate found.", "Không tìm thấy chứng nhận.")
		}
		set := &certSet{}
		for _, c := range certs {
			it, err := l.certItem(ctx, c)
			if err != nil {
				return nil, err
			}
			set.Items = append(set.Items, it)
		}
		return set, nil
	})
	if err != nil {
		return nil, false, err
	}
	return v.(*certSet), stale, nil
}

func (l *Lookup) certItem(ctx context.Context, c *registry.Certificate) (certItem, error) {
	s := l.cfg.Store
	it := certItem{Cert: c}
	var err error
	if it.Body, err = s.FindCertificationBody(ctx, c.BodyID); err != nil {
		return it, err
	}
	if it.Holder, err = s.FindEnterprise(ctx, c.HolderID); err != nil {
		return it, err
	}
	for _, id := range c.ScopeProductIDs {
		if p, err := s.FindProduct(ctx, id); err == nil {
			it.Products = append(it.Products, p.NameVI)
		} else if registry.ErrorCode(err) != registry.ENOTFOUND {
			return it, err
		}
	}
	for _, id := range c.ScopeFacilityIDs {
		if f, err := s.FindFacility(ctx, id); err == nil {
			it.Facilities = append(it.Facilities, f.Name+", "+f.District)
		} else if registry.ErrorCode(err) != registry.ENOTFOUND {
			return it, err
		}
	}
	if c.DocumentID != "" {
		if d, err := s.FindDocument(ctx, c.DocumentID); err == nil {
			it.DocSHA = d.Blob.SHA256
		} else if registry.ErrorCode(err) != registry.ENOTFOUND {
			return it, err
		}
	}
	return it, nil
}

func (l *Lookup) certDetails(c *fiber.Ctx, set *certSet, lg string) []certDetail {
	now := l.cfg.Clock.Now()
	T := messages[lg]
	var out []certDetail
	for _, it := range set.Items {
		d := certDetail{certVM: certView(certRef{Cert: it.Cert, Body: it.Body}, now, lg),
			Holder:        enterpriseVM{Name: pick(lg, it.Holder.NameVI, it.Holder.NameEN), TaxCode: it.Holder.TaxCode, District: it.Holder.District},
			OriginalIssue: day(lg, it.Cert.OriginalIssue), Products: it.Products, Facilities: it.Facilities,
			ScopeText: it.Cert.ScopeText, OCOPStars: it.Cert.OCOPStars, HasDocument: it.DocSHA != ""}
		if l.cfg.Credentials != nil {
			d.Credential = "/c/" + url.PathEscape(it.Cert.Number) + "/credential?body=" + url.QueryEscape(it.Body.Code)
		}
		if b := it.Body; b.AccreditationNumber != "" {
			d.Accreditation = strings.TrimSpace(b.AccreditedBy + " " + b.AccreditationNumber)
			if b.AccreditedUntil != "" {
				d.Accreditation += " (" + T["valid_until"] + " " + day(lg, b.AccreditedUntil) + ")"
			}
		}
		for _, h := range it.Cert.History {
			hv := histVM{Status: h.Status, Text: T["st_"+h.Status], On: day(lg, h.On), Reason: h.Reason}
			if h.Reason == "issued" { // the service's code for the first entry
				hv.Text, hv.Reason = T["original_issue"], ""
			}
			if h.Action != "" { // an amendment: renewed, corrected, file replaced
				hv.Text = T["ca_"+h.Action]
			}
			d.History = append(d.History, hv)
		}
		out = append(out, d)
	}
	return out
}

func (l *Lookup) renderCerts(c *fiber.Ctx, p *certPage, status int) error {
	c.Vary(fiber.HeaderAccept, fiber.HeaderAcceptLanguage, fiber.HeaderCookie)
	c.Set(fiber.HeaderCacheControl, "no-cache")
	c.Status(status)
	if wantsJSON(c) {
		if p.Results == nil {
			p.Results = []certDetail{}
		}
		return c.JSON(p)
	}
	c.Type("html", "utf-8")
	return l.tmpl.ExecuteTemplate(c.Response().BodyWriter(), "cert", p)
}

func (l *Lookup) newCertPage(c *fiber.Ctx, q string) *certPage {
	lg := lang(c)
	T := messages[lg]
	return &certPage{Lang: lg, T: T, Toggle: toggleHref(c, T["other_code"]), Query: q}
}

// certPage shows the certificates with that number (several bodies may use it).
func (l *Lookup) certPage(c *fiber.Ctx) error {
	number, err := urlParam(c, "number")
	if err != nil || number == "" || len(number) > 100 {
		return notFound("There is no certificate with this number.", "Không có chứng nhận mang số này.")
	}
	set, stale, err := l.certsFor(number)
	if err != nil {
		return err
	}
	p := l.newCertPage(c, number)
	p.Searched, p.Stale = true, stale
	p.Results = l.certDetails(c, set, p.Lang)
	return l.renderCerts(c, p, fiber.StatusOK)
}

// certSearch is the search box: a certificate number or a holder's tax code.
func (l *Lookup) certSearch(c *fiber.Ctx) error {
	q := strings.TrimSpace(c.Query("q"))
	p := l.newCertPage(c, q)
	if q == "" {
		return l.renderCerts(c, p, fiber.StatusOK)
	}
	if len(q) > 100 {
		return registry.Errorf(registry.EMALFORMED, "The search text is too long.", "Nội dung tra cứu quá dài.")
	}
	p.Searched = true
	set, stale, err := l.certsFor(q)
	switch {
	case registry.ErrorCode(err) == registry.ENOTFOUND:
		return l.renderCerts(c, p, fiber.StatusNotFound)
	case err != nil:
		return err
	}
	p.Stale = stale
	p.Results = l.certDetails(c, set, p.Lang)
	return l.renderCerts(c, p, fiber.StatusOK)
}

// maxCheckSize bounds a PDF checked against the register.
const maxCheckSize = registry.MaxDocumentSize

// certCheck hashes an uploaded file and says whether it is the registered
// document of a certificate found by the query. Nothing is stored.
func (l *Lookup) certCheck(c *fiber.Ctx) error {
	q := strings.TrimSpace(c.FormValue("q"))
	if q == "" || len(q) > 100 {
		return &registry.Error{Code: registry.EINVALID, Message: "Give the certificate number.", MessageVI: "Hãy nhập số chứng nhận.",
			Fields: []registry.FieldError{{Field: "q", Rule: "required", Message: "is required", MessageVI: "là bắt buộc"}}}
	}
	fh, err := c.FormFile("file")
	if err != nil {
		return &registry.Error{Code: registry.EINVALID, Message: "Choose the PDF file to check.", MessageVI: "Hãy chọn tệp PDF cần kiểm tra.",
			Fields: []registry.FieldError{{Field: "file", Rule: "required", Message: "is required", MessageVI: "là bắt buộc"}}}
	}
	if fh.Size > maxCheckSize {
		return registry.Errorf(registry.ETOOLARGE, "The file is larger than the limit.", "Tệp vượt quá dung lượng cho phép.")
	}
	f, err := fh.Open()
	if err != nil {
		return err
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, io.LimitReader(f, maxCheckSize+1)); err != nil {
		return err
	}
	sum := hex.EncodeToString(h.Sum(nil))
	set, stale, err := l.certsFor(q)
	if err != nil {
		return err
	}
	p := l.newCertPage(c, q)
	p.Searched, p.Stale = true, stale
	p.Results = l.certDetails(c, set, p.Lang)
	p.Check, p.CheckMsg = "mismatch", p.T["pdf_nomatch"]
	for _, it := range set.Items {
		if it.DocSHA != "" && it.DocSHA == sum {
			p.Check, p.CheckMsg = "match", fmt.Sprintf(p.T["pdf_match"], it.Cert.Number)
		}
	}
	return l.renderCerts(c, p, fiber.StatusOK)
}
