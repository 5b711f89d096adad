package lookup

import (
	"cmp"
	"context"
	"encoding/json"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/tracereg/tracereg/registry"
	"github.com/tracereg/tracereg/registry/credential"
	"github.com/tracereg/tracereg/registry/gs1"
)

// Signed credentials (UNTP, W3C VC 2.0 as application/vc+jwt): what the
// public pages show, in a form anyone can check offline against the DID
// document and the two status lists.

// UNTP vocabularies the credentials follow (pilot release 0.6.0).
const (
	untpDCC      = "https://test.uncefact.org/vocabulary/untp/dcc/0.6.0/"
	untpDPP      = "https://test.uncefact.org/vocabulary/untp/dpp/0.6.0/"
	linkTypeDCC  = "https://test.uncefact.org/vocabulary/linkTypes/dcc"
	linkTypeEPC  = "https://test.uncefact.org/vocabulary/linkTypes/epcis"
	schemeGTIN   = "https://id.gs1.org/01/"
	schemeGLN    = "https://id.gs1.org/414/"
	schemeTaxVN  = "urn:tracereg:vn-tax-code"
	keyStatusSet = "credential-status"
)

func (l *Lookup) credentialRoutes(app *fiber.App) {
	is := l.cfg.Credentials
	if is == nil {
		return
	}
	app.Use(is.DocPath, cors)
	app.Get(is.DocPath, l.didDocument)
	app.Use("/credentials/status", cors)
	app.Get("/credentials/status/:purpose", l.statusList)
	app.Get("/c/:number/credential", l.certCredential)
	app.Get("/l/:code/credential", l.lotCredential)
	app.Get("/credentials/announcement", l.announcementCredential)
	app.Get("/kiem-tra-ma", l.checkCodePage)
}

// checkCodePage is the offline checker: the registry's public keys are in
// the page, and its script verifies a label's AI 8030 signature in the
// browser, so it keeps working once loaded, with no network.
func (l *Lookup) checkCodePage(c *fiber.Ctx) error {
	doc := l.cfg.Credentials.Document()
	var keys []string
	for _, vm := range doc.VerificationMethod {
		keys = append(keys, vm.PublicKeyJwk.X)
	}
	b, err := json.Marshal(keys)
	if err != nil {
		return err
	}
	lg := lang(c)
	c.Set(fiber.HeaderCacheControl, "public, max-age=300")
	c.Type("html", "utf-8")
	return l.tmpl.ExecuteTemplate(c.Response().BodyWriter(), "checkcode", checkCodeView{Lang: lg, T: messages[lg],
		Toggle: toggleHref(c, messages[lg]["other_code"]), Keys: string(b), DID: doc.ID, Base: l.base(c)})
}

type checkCodeView struct {
	Lang   string
	T      map[string]string
	Toggle string
	Keys   string // JSON array of the Ed25519 keys' x (base64url)
	DID    string
	Base   string
}

// didDocument serves the issuer's DID document, every key in it.
func (l *Lookup) didDocument(c *fiber.Ctx) error {
	b, err := credential.Marshal(l.cfg.Credentials.Document())
	if err != nil {
		return err
	}
	c.Set(fiber.HeaderContentType, "application/did+json")
	c.Set(fiber.HeaderCacheControl, "public, max-age=300")
	return c.Send(b)
}

// statusList serves one purpose's Bitstring Status List credential, built
// from the records not in force now and cached like a page.
func (l *Lookup) statusList(c *fiber.Ctx) error {
	purpose := c.Params("purpose")
	if !slices.Contains(credential.Purposes, purpose) {
		return notFound("There is no such status list.", "Không có danh sách trạng thái này.")
	}
	if l.cfg.CredentialStatus == nil {
		return notFound("Status lists are not kept here.", "Hệ thống không giữ danh sách trạng thái.")
	}
	v, stale, err := l.cache.get(keyStatusSet, l.cfg.LoadTimeout, func(ctx context.Context) (any, error) {
		bits, err := l.cfg.CredentialStatus.CredentialStatuses(ctx, l.cfg.Clock.Now())
		return &bits, err
	})
	if err != nil {
		return err
	}
	bits := v.(*registry.CredentialStatusBits)
	list := credential.NewBitstring(bits.Size)
	set := bits.Suspended
	if purpose == credential.PurposeRevocation {
		set = bits.Revoked
	}
	for _, i := range set {
		list.Set(i)
	}
	tok, err := l.cfg.Credentials.Sign(l.cfg.Credentials.StatusListCredential(purpose, list, l.cfg.Clock.Now()))
	if err != nil {
		return err
	}
	if stale {
		c.Set("Warning", `110 - "Response is Stale"`)
	}
	c.Set(fiber.HeaderCacheControl, "public, max-age=60")
	c.Set(fiber.HeaderContentType, credential.MediaType)
	return c.SendString(tok)
}

// sendCredential signs vc and sends it as a download.
func (l *Lookup) sendCredential(c *fiber.Ctx, vc map[string]any, filename string) error {
	tok, err := l.cfg.Credentials.Sign(vc)
	if err != nil {
		return err
	}
	c.Set(fiber.HeaderContentType, credential.MediaType)
	c.Set(fiber.HeaderCacheControl, "no-cache")
	c.Set(fiber.HeaderContentDisposition, `attachment; filename="`+filename+`"`)
	return c.SendString(tok)
}

// statusIndex is the record's place in the status lists.
func (l *Lookup) statusIndex(c *fiber.Ctx, kind, id string) ([]map[string]any, error) {
	if l.cfg.CredentialStatus == nil {
		return nil, nil
	}
	ctx, cancel := context.WithTimeout(c.UserContext(), l.cfg.LoadTimeout)
	defer cancel()
	i, err := l.cfg.CredentialStatus.CredentialStatusIndex(ctx, kind, id)
	if err != nil {
		return nil, err
	}
	return l.cfg.Credentials.StatusEntries(i), nil
}

// certCredential answers /c/{number}/credential[?body=CODE]: the
// certificate as a UNTP Digital Conformity Credential.
func (l *Lookup) certCredential(c *fiber.Ctx) error {
	number, err := urlParam(c, "number")
	if err != nil || number == "" || len(number) > 100 {
		return notFound("There is no certificate with this number.", "Không có chứng nhận mang số này.")
	}
	set, _, err := l.certsFor(number)
	if err != nil {
		return err
	}
	body := strings.TrimSpace(c.Query("body"))
	var found []certItem
	for _, it := range set.Items {
		if it.Cert.Number == number && (body == "" || strings.EqualFold(it.Body.Code, body)) {
			found = append(found, it)
		}
	}
	switch {
	case len(found) == 0:
		return notFound("There is no certificate with this number from this body.", "Không có chứng nhận mang số này của tổ chức này.")
	case len(found) > 1:
		return &registry.Error{Code: registry.EINVALID, Message: "Several bodies issued a certificate with this number: name the body.",
			MessageVI: "Nhiều tổ chức cấp chứng nhận mang số này: hãy ghi mã tổ chức.",
			Fields:    []registry.FieldError{{Field: "body", Rule: "ambiguous", Message: "name the certification body's code", MessageVI: "ghi mã tổ chức chứng nhận"}}}
	}
	it := found[0]
	status, err := l.statusIndex(c, registry.CredentialCertificate, it.Cert.ID)
	if err != nil {
		return err
	}
	return l.sendCredential(c, l.certificateVC(l.base(c), it, status), "chung-nhan-"+fileSafe(it.Cert.Number)+".jwt")
}

// certificateVC is a certificate as a Digital Conformity Credential.
func (l *Lookup) certificateVC(base string, it certItem, status []map[string]any) map[string]any {
	ct := it.Cert
	page := base + "/c/" + url.PathEscape(ct.Number)
	holder := party(it.Holder)
	standard := map[string]any{"type": []string{"Standard"}, "name": cmp.Or(ct.Standard, ct.Scheme)}
	if ct.Standard != "" {
		standard["id"] = "urn:tracereg:standard:" + url.PathEscape(ct.Standard)
	}
	assessment := map[string]any{
		"type": []string{"ConformityAssessment", "Declaration"}, "id": page + "#assessment",
		"name": ct.Scheme + " " + ct.Number, "assessmentDate": string(ct.IssuedOn), "referenceStandard": standard,
		"conformance":          ct.StatusAt(l.cfg.Clock.Now()).Status == registry.CertActive,
		"assessedOrganisation": holder,
		"auditor":              bodyParty(it.Body),
	}
	var products, sites []map[string]any
	for _, name := range it.Products {
		products = append(products, map[string]any{"product": map[string]any{"name": name}, "IDverifiedByCAB": true})
	}
	for _, name := range it.Facilities {
		sites = append(sites, map[string]any{"facility": map[string]any{"name": name}, "IDverifiedByCAB": true})
	}
	if products != nil {
		assessment["assessedProduct"] = products
	}
	if sites != nil {
		assessment["assessedFacility"] = sites
	}
	if ct.ScopeText != "" {
		assessment["description"] = ct.ScopeText
	}
	subject := map[string]any{
		"type": []string{"ConformityAttestation", "Attestation"}, "id": page,
		"name":            "Chứng nhận " + ct.Scheme + " số " + ct.Number,
		"assessorLevel":   "3rdParty",
		"assessmentLevel": assessmentLevel(it.Body),
		"attestationType": "certification",
		"issuedToParty":   holder,
		"assessment":      []any{assessment},
	}
	if it.Body.AccreditedBy != "" {
		subject["authorisation"] = []any{map[string]any{"type": []string{"Endorsement"},
			"id":               "urn:tracereg:accreditation:" + url.PathEscape(it.Body.AccreditedBy) + ":" + url.PathEscape(it.Body.AccreditationNumber),
			"name":             strings.TrimSpace("Công nhận " + it.Body.AccreditationNumber),
			"issuingAuthority": map[string]any{"id": "urn:tracereg:accreditation-body:" + url.PathEscape(it.Body.AccreditedBy), "name": it.Body.AccreditedBy}}}
	}
	if it.DocSHA != "" {
		subject["conformityCertificate"] = map[string]any{"linkURL": page, "linkName": "Bản PDF của chứng nhận (kiểm tra tại trang)",
			"linkType": linkTypeDCC, "hashDigest": it.DocSHA, "hashMethod": "SHA-256"}
	}
	vc := map[string]any{
		"@context": []string{credential.ContextV2, untpDCC}, "type": []string{"DigitalConformityCredential", "VerifiableCredential"},
		"id": page + "/credential?body=" + url.QueryEscape(it.Body.Code), "issuer": l.cfg.Credentials.IssuerObject(),
		"name": "Chứng nhận " + ct.Scheme + " số " + ct.Number, "credentialSubject": subject,
	}
	setValidity(vc, ct.IssuedOn, ct.ExpiresOn)
	if status != nil {
		vc["credentialStatus"] = status
	}
	return vc
}

// announcementCredential answers /credentials/announcement?receipt=N: a
// conformity announcement the agency received, as a Digital Conformity
// Credential whose attestation is the enterprise's own declaration.
func (l *Lookup) announcementCredential(c *fiber.Ctx) error {
	receipt := strings.TrimSpace(c.Query("receipt"))
	if receipt == "" || len(receipt) > 100 {
		return &registry.Error{Code: registry.EINVALID, Message: "Give the notice of receipt's number.", MessageVI: "Hãy ghi số thông báo tiếp nhận.",
			Fields: []registry.FieldError{{Field: "receipt", Rule: "required", Message: "is required (at most 100 characters)", MessageVI: "là bắt buộc (tối đa 100 ký tự)"}}}
	}
	rs, ok := l.cfg.Store.(registry.RecordSearch)
	if !ok {
		return notFound("There is no announcement with this notice number.", "Không có hồ sơ công bố mang số thông báo này.")
	}
	ctx, cancel := context.WithTimeout(c.UserContext(), l.cfg.LoadTimeout)
	defer cancel()
	anns, err := rs.FindAnnouncementsByReceipt(ctx, receipt)
	if err != nil {
		return err
	}
	var a *registry.ConformityAnnouncement
	for _, x := range anns {
		if x.ReceiptNumber == receipt && (x.Status == registry.AnnReceived || x.Status == registry.AnnWithdrawn) {
			a = x
		}
	}
	if a == nil {
		return notFound("There is no announcement with this notice number.", "Không có hồ sơ công bố mang số thông báo này.")
	}
	ent, err := l.cfg.Store.FindEnterprise(ctx, a.EnterpriseID)
	if err != nil {
		return err
	}
	var products []map[string]any
	for _, id := range a.ProductIDs {
		p, err := l.cfg.Store.FindProduct(ctx, id)
		if registry.ErrorCode(err) == registry.ENOTFOUND {
			continue
		}
		if err != nil {
			return err
		}
		products = append(products, map[string]any{"product": productRef(l.base(c), p), "IDverifiedByCAB": false})
	}
	status, err := l.statusIndex(c, registry.CredentialAnnouncement, a.ID)
	if err != nil {
		return err
	}
	base := l.base(c)
	kind, ref := "công bố hợp chuẩn", map[string]any{"type": []string{"Standard"}, "name": a.StandardCode}
	assessment := map[string]any{"type": []string{"ConformityAssessment", "Declaration"}, "assessmentDate": string(a.ReceiptDate),
		"conformance": a.Status == registry.AnnReceived, "assessedOrganisation": party(ent)}
	if a.Type == registry.AnnounceRegulation {
		kind, ref = "công bố hợp quy", map[string]any{"type": []string{"Regulation"}, "name": a.StandardCode, "jurisdictionCountry": "VN",
			"administeredBy": map[string]any{"name": a.Agency}}
		assessment["referenceRegulation"] = ref
	} else {
		assessment["referenceStandard"] = ref
	}
	if products != nil {
		assessment["assessedProduct"] = products
	}
	id := base + "/credentials/announcement?receipt=" + url.QueryEscape(a.ReceiptNumber)
	attestation := "declaration" // the enterprise's own, on its test results
	if a.Basis == registry.BasisCertification {
		attestation = "certification"
	}
	vc := map[string]any{
		"@context": []string{credential.ContextV2, untpDCC}, "type": []string{"DigitalConformityCredential", "VerifiableCredential"},
		"id": id, "issuer": l.cfg.Credentials.IssuerObject(), "name": "Thông báo tiếp nhận " + kind + " số " + a.ReceiptNumber,
		"credentialSubject": map[string]any{
			"type": []string{"ConformityAttestation", "Attestation"}, "id": id + "#attestation",
			"name":          "Thông báo tiếp nhận " + kind + " số " + a.ReceiptNumber + " (" + a.Agency + ")",
			"assessorLevel": "Self", "assessmentLevel": "Unspecified", "attestationType": attestation,
			"issuedToParty": party(ent), "assessment": []any{assessment},
		},
	}
	setValidity(vc, a.ReceiptDate, "")
	if status != nil {
		vc["credentialStatus"] = status
	}
	return l.sendCredential(c, vc, "thong-bao-tiep-nhan-"+fileSafe(a.ReceiptNumber)+".jwt")
}

// lotCredential answers /l/{code}/credential: a published lot as a UNTP
// Digital Product Passport, with its journey (links into its EPCIS
// document) and its certificates and announcements as conformity claims.
func (l *Lookup) lotCredential(c *fiber.Ctx) error {
	code := c.Params("code")
	if !validShortCode(code) {
		return notFound("There is no lot with this code.", "Không có lô hàng mang mã này.")
	}
	v, _, err := l.viewForLotCode(code)
	if err != nil {
		return err
	}
	status, err := l.statusIndex(c, registry.CredentialLot, v.Batch.ID)
	if err != nil {
		return err
	}
	return l.sendCredential(c, l.passportVC(l.base(c), v, status), "ho-chieu-so-"+v.Batch.ShortCode+".jwt")
}

func (l *Lookup) passportVC(base string, v *view, status []map[string]any) map[string]any {
	b, p := v.Batch, v.Product
	page := base + "/l/" + b.ShortCode
	product := productRef(base, p)
	product["type"] = []string{"Product"}
	product["batchNumber"] = b.LotCode
	product["countryOfProduction"] = "VN"
	product["producedByParty"] = party(v.Enterprise)
	if p.GTIN != "" {
		product["id"] = gs1.DigitalLink{GTIN: p.GTIN, Lot: b.LotCode}.URI(base)
	} else {
		product["id"] = page
	}
	if p.Description != "" {
		product["description"] = p.Description
	}
	if p.Category != "" {
		product["productCategory"] = []any{map[string]any{"type": []string{"Classification"}, "code": p.Category,
			"schemeID": "urn:tracereg:category", "schemeName": "tracereg"}}
	}
	if d := cmp.Or(string(b.ProducedOn), string(b.HarvestedOn)); d != "" {
		product["productionDate"] = d
	}
	if f := v.Places[b.FacilityID]; f != nil {
		product["producedAtFacility"] = facilityRef(base, f)
	}
	now := l.cfg.Clock.Now()
	var claims []any
	for _, cr := range v.Certs {
		claims = append(claims, map[string]any{"type": []string{"Claim", "Declaration"}, "id": base + "/c/" + url.PathEscape(cr.Cert.Number),
			"description":       "Chứng nhận " + cr.Cert.Scheme + " số " + cr.Cert.Number + " – " + cr.Body.Name,
			"referenceStandard": map[string]any{"type": []string{"Standard"}, "name": cmp.Or(cr.Cert.Standard, cr.Cert.Scheme)},
			"conformance":       cr.Cert.StatusAt(now).Status == registry.CertActive,
			"conformityEvidence": map[string]any{"linkURL": base + "/c/" + url.PathEscape(cr.Cert.Number) + "/credential?body=" + url.QueryEscape(cr.Body.Code),
				"linkName": "Digital Conformity Credential", "linkType": linkTypeDCC}})
	}
	for _, a := range v.Ann {
		if a.ReceiptNumber == "" || a.Status != registry.AnnReceived {
			continue
		}
		ref := map[string]any{"type": []string{"Standard"}, "name": a.StandardCode}
		claim := map[string]any{"type": []string{"Claim", "Declaration"}, "description": "Công bố " + a.StandardCode + ", thông báo tiếp nhận số " + a.ReceiptNumber,
			"conformance": true, "conformityEvidence": map[string]any{"linkURL": base + "/credentials/announcement?receipt=" + url.QueryEscape(a.ReceiptNumber),
				"linkName": "Digital Conformity Credential", "linkType": linkTypeDCC}}
		if a.Type == registry.AnnounceRegulation {
			ref["type"] = []string{"Regulation"}
			claim["referenceRegulation"] = ref
		} else {
			claim["referenceStandard"] = ref
		}
		claims = append(claims, claim)
	}
	// The journey: each step's events, as links into the lot's EPCIS document.
	epcisURL := page + "/epcis"
	var steps []string
	byStep := map[string][]any{}
	for _, ev := range v.Events {
		if ev.ErrorDeclaration != nil {
			continue
		}
		name := ev.EventTime.In(registry.Vietnam).Format("2006-01-02 15:04")
		if f := v.Places[ev.FacilityID]; f != nil {
			name += " · " + f.Name
		}
		if _, ok := byStep[ev.BusinessStep]; !ok {
			steps = append(steps, ev.BusinessStep)
		}
		byStep[ev.BusinessStep] = append(byStep[ev.BusinessStep], map[string]any{"linkURL": epcisURL + "#" + ev.ID, "linkName": name, "linkType": linkTypeEPC})
	}
	var trace []any
	for _, s := range steps {
		trace = append(trace, map[string]any{"valueChainProcess": s, "traceabilityEvent": byStep[s]})
	}
	subject := map[string]any{"type": []string{"ProductPassport"}, "id": page, "product": product, "granularityLevel": "batch"}
	if claims != nil {
		subject["conformityClaim"] = claims
	}
	if trace != nil {
		subject["traceabilityInformation"] = trace
	}
	if b.DDSReference != "" {
		subject["dueDiligenceDeclaration"] = map[string]any{"linkName": "EUDR DDS " + b.DDSReference, "linkURL": base + "/api/v1/batches/" + b.ID + "/eudr.geojson"}
	}
	vc := map[string]any{
		"@context": []string{credential.ContextV2, untpDPP}, "type": []string{"DigitalProductPassport", "VerifiableCredential"},
		"id": page + "/credential", "issuer": l.cfg.Credentials.IssuerObject(), "name": p.NameVI + " – lô " + b.LotCode,
		"validFrom": now.UTC().Truncate(time.Second).Format(time.RFC3339), "credentialSubject": subject,
	}
	if until, ok := endOfDay(b.ExpiresOn); ok {
		vc["validUntil"] = until
	}
	if status != nil {
		vc["credentialStatus"] = status
	}
	return vc
}

// assessmentLevel is UNTP's word for the body's standing: accredited, or not said.
func assessmentLevel(b *registry.CertificationBody) string {
	if b != nil && b.AccreditedBy != "" && b.AccreditationNumber != "" {
		return "Accredited"
	}
	return "Unspecified"
}

// party is an enterprise as UNTP names a party: by its tax code.
func party(e *registry.Enterprise) map[string]any {
	if e == nil {
		return map[string]any{"name": "—"}
	}
	return map[string]any{"id": schemeTaxVN + ":" + e.TaxCode, "name": e.NameVI, "registeredId": e.TaxCode,
		"idScheme": map[string]any{"type": []string{"IdentifierScheme"}, "id": schemeTaxVN, "name": "Mã số doanh nghiệp (Việt Nam)"}}
}

func bodyParty(b *registry.CertificationBody) map[string]any {
	if b == nil {
		return map[string]any{"name": "—"}
	}
	return map[string]any{"id": "urn:tracereg:certification-body:" + url.PathEscape(b.Code), "name": b.Name, "registeredId": b.Code}
}

func productRef(base string, p *registry.Product) map[string]any {
	m := map[string]any{"name": p.NameVI}
	if p.GTIN != "" {
		m["id"] = gs1.DigitalLink{GTIN: p.GTIN}.URI(base)
		m["registeredId"] = p.GTIN
		m["idScheme"] = map[string]any{"type": []string{"IdentifierScheme"}, "id": schemeGTIN, "name": "Global Trade Item Number (GTIN)"}
	} else {
		m["id"] = base + "/p/" + p.ShortCode
	}
	return m
}

func facilityRef(base string, f *registry.Facility) map[string]any {
	m := map[string]any{"name": f.Name}
	if f.GLN != "" {
		m["id"] = base + "/414/" + f.GLN
		m["registeredId"] = f.GLN
		m["idScheme"] = map[string]any{"type": []string{"IdentifierScheme"}, "id": schemeGLN, "name": "Global Location Number (GLN)"}
	}
	return m
}

// setValidity sets validFrom (the start of the day in Vietnam) and
// validUntil (the end of the last day: a certificate is valid through it).
func setValidity(vc map[string]any, from, until registry.Date) {
	if t, err := from.Time(); err == nil {
		vc["validFrom"] = time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, registry.Vietnam).UTC().Format(time.RFC3339)
	}
	if s, ok := endOfDay(until); ok {
		vc["validUntil"] = s
	}
}

func endOfDay(d registry.Date) (string, bool) {
	t, err := d.Time()
	if d == "" || err != nil {
		return "", false
	}
	return time.Date(t.Year(), t.Month(), t.Day(), 23, 59, 59, 0, registry.Vietnam).UTC().Format(time.RFC3339), true
}

// fileSafe keeps letters, digits and '-' of s for a file name.
func fileSafe(s string) string {
	var b strings.Builder
	for _, r := range s {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9', r == '-':
			b.WriteRune(r)
		default:
			b.WriteByte('-')
		}
	}
	return b.String()
}
