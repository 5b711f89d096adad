// Package portal writes the records Circular 02/2024/TT-BKHCN asks a
// traceability system to share with the National Product and Goods
// Traceability Portal: the product, the unit responsible, the lot, each stage
// with its place and time, and the standards, certificates and conformity
// announcements that apply. One Record per public lot.
//
// The Circular lists the information; the portal's wire format (field
// names, transport, authentication) is not public to us, so this format is
// our reading of it, versioned by Format. The README's "National portal
// export" section documents every field with its Vietnamese label.
//
// Choices:
//   - Only what the public pages show: draft lots never; events declared an
//     error never; another enterprise's places as their public page shows them
//     (no address); lots named as inputs or outputs only when published.
//   - Times of stages are RFC 3339 in the offset where the event happened
//     (its event_time_zone, +07:00 in Vietnam); stamps (exported_at,
//     updated_at) are UTC.
//   - Identifiers are GS1: GTIN-14, GLN, and Digital Link URIs on
//     PUBLIC_BASE_URL (/01/{gtin}/10/{lot}, /414/{gln}); a lot of a product
//     without GTIN is named by its public page (/l/{short code}).
package portal

import (
	"encoding/json"
	"net/url"
	"slices"
	"time"

	"github.com/tracereg/tracereg/registry"
	"github.com/tracereg/tracereg/registry/gs1"
)

// Format names this format and its version; a change that is not an added
// field gets a new version.
const Format = "tracereg-national-portal/1"

// MediaType is the media type of an export: one Record per line.
const MediaType = "application/x-ndjson"

// Record is one lot as the portal gets it.
type Record struct {
	Format        string             `json:"format"`
	ExportedAt    string             `json:"exported_at"`
	Product       Goods              `json:"product"`
	Unit          ResponsibleUnit    `json:"unit"`
	Lot           LotInfo            `json:"lot"`
	Stages        []Stage            `json:"stages"`
	Standards     []AppliedStandard  `json:"standards"`
	Certificates  []CertificateInfo  `json:"certificates"`
	Announcements []AnnouncementInfo `json:"announcements"`
}

// Goods is the goods (sản phẩm, hàng hóa).
type Goods struct {
	NameVI      string `json:"name_vi"`
	NameEN      string `json:"name_en,omitempty"`
	GTIN        string `json:"gtin,omitempty"` // GTIN-14; many small producers have none
	Category    string `json:"category"`
	Description string `json:"description,omitempty"`
	DigitalLink string `json:"digital_link,omitempty"` // /01/{gtin}, when it has a GTIN
}

// ResponsibleUnit is the unit responsible for the product (đơn vị chịu trách nhiệm).
type ResponsibleUnit struct {
	NameVI   string `json:"name_vi"`
	NameEN   string `json:"name_en,omitempty"`
	TaxCode  string `json:"tax_code"` // mã số thuế, which is also the business registration number
	Kind     string `json:"kind"`     // company, cooperative, household, ...
	Address  string `json:"address,omitempty"`
	District string `json:"district"`
	Province string `json:"province"`
}

// Province is where every unit of this registry is (the registry serves Đắk Lắk).
const Province = "Đắk Lắk"

// LotInfo is the lot (lô hàng): GS1 AI 10.
type LotInfo struct {
	LotCode     string      `json:"lot_code"`
	Status      string      `json:"status"` // published or recalled
	Recalled    bool        `json:"recalled"`
	Recall      *RecallInfo `json:"recall,omitempty"`
	Quantity    float64     `json:"quantity"`
	UnitCode    string      `json:"unit_code"` // kg, t, bag, ...
	UnitVI      string      `json:"unit_vi"`   // kg, tấn, bao, ...
	ProducedOn  string      `json:"produced_on,omitempty"`
	HarvestedOn string      `json:"harvested_on,omitempty"`
	ExpiresOn   string      `json:"expires_on,omitempty"`
	DigitalLink string      `json:"digital_link,omitempty"` // /01/{gtin}/10/{lot}, when the product has a GTIN
	PageURL     string      `json:"page_url"`               // the lot's public page, /l/{short code}
	Place       *Place      `json:"place,omitempty"`        // where it was made or harvested
	SourcePlots []Place     `json:"source_plots,omitempty"` // farm plots it was harvested from directly
	DDSRef      string      `json:"dds_reference,omitempty"`
	UpdatedAt   string      `json:"updated_at"` // the lot record's last change, UTC
	Corrected   []string    `json:"corrected_fields,omitempty"`
}

// RecallInfo is a lot's recall in force, as its public page shows it.
type RecallInfo struct {
	Reason string `json:"reason"`
	On     string `json:"on"`
}

// Place is where something happened (địa điểm).
type Place struct {
	Name        string           `json:"name"`
	Kind        string           `json:"kind"` // farm_plot, processing_site, warehouse
	GLN         string           `json:"gln,omitempty"`
	DigitalLink string           `json:"digital_link,omitempty"` // /414/{gln}
	Address     string           `json:"address,omitempty"`      // only for the lot's own enterprise's places
	District    string           `json:"district,omitempty"`
	Geometry    registry.GeoJSON `json:"geometry,omitempty"` // GeoJSON, WGS84, longitude first
	AreaHa      float64          `json:"area_ha,omitempty"`
}

// Stage is one critical tracking event of the lot (công đoạn): what, where, when.
type Stage struct {
	Kind         string   `json:"kind"`          // object, aggregation, transformation, transaction, association
	BusinessStep string   `json:"business_step"` // harvesting, hulling, shipping, roasting, ...
	Disposition  string   `json:"disposition,omitempty"`
	Time         string   `json:"time"` // RFC 3339, in the offset where it happened
	Place        *Place   `json:"place,omitempty"`
	Role         string   `json:"role"` // this lot in the event: "lot", "input" or "output"
	Quantity     float64  `json:"quantity,omitempty"`
	UnitCode     string   `json:"unit_code,omitempty"`
	Inputs       []LotRef `json:"inputs,omitempty"`  // of a transformation: one step back
	Outputs      []LotRef `json:"outputs,omitempty"` // of a transformation: one step forward
	RecordedBy   string   `json:"recorded_by_tax_code"`
	Counterparty string   `json:"counterparty_tax_code,omitempty"` // received from or sent to
	Note         string   `json:"note,omitempty"`
}

// LotRef names another lot by its public identifiers.
type LotRef struct {
	ID       string  `json:"id"` // its Digital Link, or its public page for a product without GTIN
	LotCode  string  `json:"lot_code"`
	GTIN     string  `json:"gtin,omitempty"`
	TaxCode  string  `json:"tax_code,omitempty"` // its unit
	Quantity float64 `json:"quantity"`
	UnitCode string  `json:"unit_code"`
}

// AppliedStandard is a standard or technical regulation applied (TCVN, QCVN, QCĐP, ...).
type AppliedStandard struct {
	Code   string `json:"code"`
	Kind   string `json:"kind"` // TCVN, QCVN, QCDP, ISO, TCCS or other
	NameVI string `json:"name_vi,omitempty"`
	NameEN string `json:"name_en,omitempty"`
}

// CertificateInfo is a certificate that covers the lot or its product, with its
// status when exported.
type CertificateInfo struct {
	Number        string `json:"number"`
	Scheme        string `json:"scheme"`
	Standard      string `json:"standard,omitempty"`
	Body          string `json:"body"`
	BodyCode      string `json:"body_code"`
	Accreditation string `json:"accreditation,omitempty"`
	IssuedOn      string `json:"issued_on"`
	ExpiresOn     string `json:"expires_on"`
	Status        string `json:"status"` // active, suspended, withdrawn, expired: at exported_at
	VerifyURL     string `json:"verify_url"`
}

// AnnouncementInfo is a conformity announcement of the product whose notice of
// receipt was issued (công bố hợp chuẩn / hợp quy).
type AnnouncementInfo struct {
	Type          string `json:"type"`    // hop_chuan or hop_quy
	TypeVI        string `json:"type_vi"` // công bố hợp chuẩn, công bố hợp quy
	StandardCode  string `json:"standard_code"`
	Basis         string `json:"basis"`
	Agency        string `json:"agency"`
	ReceiptNumber string `json:"receipt_number"`
	ReceiptDate   string `json:"receipt_date"`
	CRMark        bool   `json:"cr_mark"` // the products may carry the CR mark
}

// Input is what one Record is built from; the gatherer (Exporter) loads it.
type Input struct {
	Base       string // PUBLIC_BASE_URL, no trailing slash
	Now        time.Time
	Lot        *registry.Batch
	Product    *registry.Product
	Enterprise *registry.Enterprise
	// Events are the lot's history (registry.EventService.ListBatchEvents).
	Events []*registry.TraceEvent
	// Places are facilities by ID: the lot's, its plots' and its events'.
	Places map[string]*registry.Facility
	// Lots, Products and Owners are the records events name, by ID: lots
	// other than Lot named as inputs or outputs, their products, and the
	// enterprises of those lots and of the events.
	Lots          map[string]*registry.Batch
	Products      map[string]*registry.Product
	Owners        map[string]*registry.Enterprise
	Certificates  []*registry.Certificate
	Bodies        map[string]*registry.CertificationBody
	Announcements []*registry.ConformityAnnouncement // of the enterprise; those naming the product are used
	Standards     map[string]*registry.Standard      // catalogue entries by code, where known
}

// Public reports whether a lot may be exported: published or recalled, never a draft.
func Public(b *registry.Batch) bool {
	return b != nil && (b.Status == registry.BatchPublished || b.Status == registry.BatchRecalled)
}

// Build makes the lot's Record. It reports false for a lot that is not
// public (a draft), which is never exported.
func Build(in Input) (Record, bool) {
	b, p, e := in.Lot, in.Product, in.Enterprise
	if !Public(b) || p == nil || e == nil {
		return Record{}, false
	}
	r := Record{Format: Format, ExportedAt: in.Now.UTC().Format(time.RFC3339),
		Stages: []Stage{}, Standards: []AppliedStandard{}, Certificates: []CertificateInfo{}, Announcements: []AnnouncementInfo{}}
	r.Product = Goods{NameVI: p.NameVI, NameEN: p.NameEN, GTIN: p.GTIN, Category: p.Category, Description: p.Description}
	if p.GTIN != "" {
		r.Product.DigitalLink = in.Base + gs1.DigitalLink{GTIN: p.GTIN}.Path()
	}
	r.Unit = ResponsibleUnit{NameVI: e.NameVI, NameEN: e.NameEN, TaxCode: e.TaxCode, Kind: e.Kind, Address: e.Address, District: e.District, Province: Province}

	recalled := b.Status == registry.BatchRecalled || b.Recall != nil
	r.Lot = LotInfo{LotCode: b.LotCode, Status: b.Status, Recalled: recalled, Quantity: b.Quantity, UnitCode: b.Unit,
		UnitVI: registry.UnitName(b.Unit, "vi", b.Quantity), ProducedOn: string(b.ProducedOn), HarvestedOn: string(b.HarvestedOn),
		ExpiresOn: string(b.ExpiresOn), PageURL: in.Base + "/l/" + b.ShortCode, DDSRef: b.DDSReference,
		UpdatedAt: b.UpdatedAt.UTC().Format(time.RFC3339)}
	if b.Recall != nil {
		r.Lot.Recall = &RecallInfo{Reason: b.Recall.Reason, On: string(b.Recall.On)}
	}
	if p.GTIN != "" {
		r.Lot.DigitalLink = in.Base + gs1.DigitalLink{GTIN: p.GTIN, Lot: b.LotCode}.Path()
	}
	if f := in.Places[b.FacilityID]; f != nil {
		pl := in.place(f)
		r.Lot.Place = &pl
	}
	for _, id := range b.SourcePlotIDs {
		if f := in.Places[id]; f != nil {
			r.Lot.SourcePlots = append(r.Lot.SourcePlots, in.place(f))
		}
	}
	for _, c := range b.Corrections {
		for _, f := range c.Fields {
			if !slices.Contains(r.Lot.Corrected, f) {
				r.Lot.Corrected = append(r.Lot.Corrected, f)
			}
		}
	}

	for _, ev := range in.Events {
		if st, ok := in.stage(ev); ok {
			r.Stages = append(r.Stages, st)
		}
	}

	// Standards: those the product applies, then those it is announced against.
	addStandard := func(code string) {
		for _, s := range r.Standards {
			if s.Code == code {
				return
			}
		}
		s := AppliedStandard{Code: code, Kind: registry.StandardKind(code)}
		if cat := in.Standards[code]; cat != nil {
			s.NameVI, s.NameEN = cat.TitleVI, cat.TitleEN
		}
		r.Standards = append(r.Standards, s)
	}
	for _, code := range p.Standards {
		addStandard(code)
	}
	for _, a := range in.Announcements {
		if a.Status != registry.AnnReceived || a.ReceiptNumber == "" || !slices.Contains(a.ProductIDs, p.ID) {
			continue // only an announcement whose notice of receipt was issued is one in force
		}
		typeVI := "công bố hợp chuẩn"
		if a.Type == registry.AnnounceRegulation {
			typeVI = "công bố hợp quy"
		}
		r.Announcements = append(r.Announcements, AnnouncementInfo{Type: a.Type, TypeVI: typeVI, StandardCode: a.StandardCode,
			Basis: a.Basis, Agency: a.Agency, ReceiptNumber: a.ReceiptNumber, ReceiptDate: string(a.ReceiptDate), CRMark: a.MayCarryCRMark()})
		addStandard(a.StandardCode)
	}

	seen := map[string]bool{}
	for _, c := range in.Certificates {
		if seen[c.ID] || c.HolderID != e.ID {
			continue
		}
		seen[c.ID] = true
		x := CertificateInfo{Number: c.Number, Scheme: c.Scheme, Standard: c.Standard, IssuedOn: string(c.IssuedOn),
			ExpiresOn: string(c.ExpiresOn), Status: c.StatusAt(in.Now).Status, VerifyURL: in.Base + "/c/" + url.PathEscape(c.Number)}
		if body := in.Bodies[c.BodyID]; body != nil {
			x.Body, x.BodyCode = body.Name, body.Code
			if body.AccreditationNumber != "" {
				x.Accreditation = body.AccreditedBy + " " + body.AccreditationNumber
				if body.AccreditedBy == "" {
					x.Accreditation = body.AccreditationNumber
				}
			}
		}
		r.Certificates = append(r.Certificates, x)
	}
	return r, true
}

// stage maps one event; false for an event declared an error, or one that
// does not name the lot.
func (in Input) stage(ev *registry.TraceEvent) (Stage, bool) {
	if ev.Voided() {
		return Stage{}, false
	}
	st := Stage{Kind: ev.Kind, BusinessStep: ev.BusinessStep, Disposition: ev.Disposition, Time: eventTime(ev),
		Counterparty: ev.CounterpartyTaxCode, Note: ev.Note}
	if o := in.Owners[ev.EnterpriseID]; o != nil {
		st.RecordedBy = o.TaxCode
	}
	if f := in.Places[ev.FacilityID]; f != nil {
		pl := in.place(f)
		st.Place = &pl
	}
	found := false
	for _, side := range []struct {
		role string
		qs   []registry.Quantity
	}{{"lot", ev.Batches}, {"input", ev.Inputs}, {"output", ev.Outputs}} {
		for _, q := range side.qs {
			if q.BatchID == in.Lot.ID && !found {
				found = true
				st.Role, st.Quantity, st.UnitCode = side.role, q.Quantity, q.Unit
			}
		}
	}
	if !found {
		return Stage{}, false
	}
	if ev.Kind == registry.EventTransformation {
		st.Inputs, st.Outputs = in.lotRefs(ev.Inputs), in.lotRefs(ev.Outputs)
	}
	return st, true
}

// lotRefs names the lots of quantities: this lot, and other lots only when
// public (a draft is nobody's business outside its enterprise).
func (in Input) lotRefs(qs []registry.Quantity) []LotRef {
	var out []LotRef
	for _, q := range qs {
		b := in.Lots[q.BatchID]
		if q.BatchID == in.Lot.ID {
			b = in.Lot
		}
		if !Public(b) {
			continue
		}
		p := in.Products[b.ProductID]
		if b == in.Lot {
			p = in.Product
		}
		ref := LotRef{LotCode: b.LotCode, Quantity: q.Quantity, UnitCode: q.Unit, ID: in.Base + "/l/" + b.ShortCode}
		if p != nil && p.GTIN != "" {
			ref.GTIN, ref.ID = p.GTIN, in.Base+gs1.DigitalLink{GTIN: p.GTIN, Lot: b.LotCode}.Path()
		}
		if o := in.Owners[b.EnterpriseID]; o != nil {
			ref.TaxCode = o.TaxCode
		} else if b.EnterpriseID == in.Enterprise.ID {
			ref.TaxCode = in.Enterprise.TaxCode
		}
		out = append(out, ref)
	}
	return out
}

// place maps a facility: whole when it is the lot's enterprise's own, else
// as its public page shows it (no address).
func (in Input) place(f *registry.Facility) Place {
	if f.EnterpriseID != in.Lot.EnterpriseID {
		f = f.PublicView()
	}
	pl := Place{Name: f.Name, Kind: f.Kind, GLN: f.GLN, Address: f.Address, District: f.District, AreaHa: f.AreaHa}
	if f.GLN != "" {
		pl.DigitalLink = in.Base + gs1.PlaceLink{GLN: f.GLN}.Path()
	}
	if json.Valid([]byte(f.Geometry)) {
		pl.Geometry = f.Geometry
	}
	return pl
}

// eventTime is the event's time in the offset where it happened; UTC+7
// when the recorded offset cannot be read.
func eventTime(ev *registry.TraceEvent) string {
	loc := time.FixedZone("", 7*3600)
	if z, err := time.Parse("-07:00", ev.EventTimeZone); err == nil {
		_, off := z.Zone()
		loc = time.FixedZone("", off)
	}
	return ev.EventTime.In(loc).Format(time.RFC3339)
}
