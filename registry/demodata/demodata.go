package demodata

import (
	"bytes"
	"context"
	"fmt"
	"github.com/tracereg/tracereg/registry"
	"time"

	"github.com/tracereg/tracereg/registry/gs1"
)

// Demo tax codes and codes, so the demo can be found (and is found again
// rather than duplicated) on a second load.
const (
	CoopTaxCode    = "6001700111"
	RoasterTaxCode = "6001700222"
	BodyCode       = "DEMO-CB"
	GreenLot       = "GC2025-01"
	RoastedLot     = "RB2026-01"
	// ReceiptNumber is in the default format, and the demo takes its
	// place in the agency's sequence: the first real notice of 2026 is 2.
	ReceiptNumber = "1/2026/TBTN-SKHCN"
	// LegacyReceiptNumber is the number demos seeded before had: a
	// store holding it has its demo announcement already.
	LegacyReceiptNumber = "01/2026/TBTN-SKHCN"
)

// GTIN returns a demo GTIN-13 with Vietnam's 893 prefix and a computed check digit.
func GTIN(body string) string {
	c, err := gs1.CheckDigit(body)
	if err != nil {
		panic(err)
	}
	return body + string(c)
}

// Result names what the demo data set holds.
type Result struct {
	Created        int // records created by this load; 0 on a repeat
	CoopID         string
	RoasterID      string
	GreenBatchID   string
	RoastedBatchID string
	RoastedGTIN    string
	PlotGLN        string // farm plot Ea Tiêu A, public at /414/{GLN}
	FactoryGLN     string // the roaster's factory
}

// Seed loads the demo data set through the same services (and so the
// same validation) as the API: a Đắk Lắk coffee cooperative with two farm
// plots (a polygon over 4 ha and a point), a roasting enterprise, a green
// coffee lot from both plots, a roasted lot made from it, a VietGAP and a 4C
// certificate, and a hợp quy announcement with its notice of receipt. Every
// record is looked up by its natural key first, so loading twice changes nothing.
func Seed(ctx context.Context, s registry.Store, docs registry.DocumentStore) (Result, error) {
	d := &loader{s: s, docs: docs}
	err := d.load(ctx)
	return d.res, err
}

type loader struct {
	s    registry.Store
	docs registry.DocumentStore
	res  Result
}

// findOrCreate returns the existing record's ID when find succeeds, else creates it.
func (d *loader) findOrCreate(find func() (string, error), create func() (string, error)) (string, error) {
	id, err := find()
	if err == nil {
		return id, nil
	}
	if registry.ErrorCode(err) != registry.ENOTFOUND {
		return "", err
	}
	d.res.Created++
	return create()
}

func (d *loader) load(ctx context.Context) error {
	s := d.s
	enterprise := func(e *registry.Enterprise) (string, error) {
		return d.findOrCreate(
			func() (string, error) { x, err := s.FindEnterpriseByTaxCode(ctx, e.TaxCode); return idOf(x, err) },
			func() (string, error) { return e.ID, s.CreateEnterprise(ctx, e) })
	}
	var err error
	if d.res.CoopID, err = enterprise(&registry.Enterprise{TaxCode: CoopTaxCode, NameVI: "Hợp tác xã Cà phê Bền vững Ea Tiêu (dữ liệu mẫu)",
		NameEN: "Ea Tieu Sustainable Coffee Cooperative (demo)", Kind: "cooperative", District: "Cư Kuin",
		Address: "Thôn 3, xã Ea Tiêu, Đắk Lắk", Sector: "agriculture", Size: "small"}); err != nil {
		return fmt.Errorf("demo cooperative: %w", err)
	}
	if d.res.RoasterID, err = enterprise(&registry.Enterprise{TaxCode: RoasterTaxCode, NameVI: "Công ty TNHH Rang xay Cà phê Ban Mê (dữ liệu mẫu)",
		NameEN: "Ban Me Coffee Roasting Co., Ltd. (demo)", Kind: "company", District: "Buôn Ma Thuột",
		Address: "Đường Lê Duẩn, phường Tân Thành, Buôn Ma Thuột", Sector: "food_processing", Size: "small"}); err != nil {
		return fmt.Errorf("demo roaster: %w", err)
	}

	for _, st := range []*registry.Standard{
		{Code: "TCVN 4193:2014", TitleVI: "Cà phê nhân — Yêu cầu kỹ thuật", TitleEN: "Green coffee — Specifications", Issuer: "Bộ Khoa học và Công nghệ", Categories: []string{"coffee"}},
		{Code: "TCVN 5251:2015", TitleVI: "Cà phê bột", TitleEN: "Ground coffee", Issuer: "Bộ Khoa học và Công nghệ", Categories: []string{"coffee"}},
		{Code: "QCĐP 01:2025/ĐL", TitleVI: "Quy chuẩn kỹ thuật địa phương về cà phê rang xay (dữ liệu mẫu)", TitleEN: "Local technical regulation on roasted coffee (demo)", Issuer: "UBND tỉnh Đắk Lắk", Categories: []string{"coffee"}},
	} {
		if _, err := d.findOrCreate(
			func() (string, error) { x, err := s.FindStandardByCode(ctx, st.Code); return idOf(x, err) },
			func() (string, error) { return st.ID, s.CreateStandard(ctx, st) }); err != nil {
			return fmt.Errorf("demo standard %s: %w", st.Code, err)
		}
	}

	body := &registry.CertificationBody{Name: "Tổ chức Chứng nhận Tây Nguyên (dữ liệu mẫu)", NameEN: "Central Highlands Certification (demo)", Code: BodyCode,
		AccreditedBy: "BoA", AccreditationNumber: "VICAS 000 - PRO (demo)", AccreditedUntil: "2028-12-31", Designated: true, Schemes: []string{"VietGAP", "4C", "ISO 22000"}}
	bodyID, err := d.findOrCreate(
		func() (string, error) { x, err := s.FindCertificationBodyByCode(ctx, body.Code); return idOf(x, err) },
		func() (string, error) { return body.ID, s.CreateCertificationBody(ctx, body) })
	if err != nil {
		return fmt.Errorf("demo certification body: %w", err)
	}

	yes := true
	plots := []*registry.Facility{
		{EnterpriseID: d.res.CoopID, Kind: registry.FacilityFarmPlot, Name: "Vườn cà phê Ea Tiêu A (5,5 ha)", Code: "EATIEU-A", GLN: GTIN("893850000101"), District: "Cư Kuin", Crop: "coffee",
			Geometry:          `{"type":"Polygon","coordinates":[[[108.081000,12.851000],[108.083160,12.851000],[108.083160,12.853110],[108.081000,12.853110],[108.081000,12.851000]]]}`,
			DeforestationFree: &yes, LandClearedOn: "1998-01-01"},
		{EnterpriseID: d.res.CoopID, Kind: registry.FacilityFarmPlot, Name: "Vườn cà phê Ea Tiêu B (1,8 ha)", Code: "EATIEU-B", District: "Cư Kuin", Crop: "coffee",
			Geometry: `{"type":"Point","coordinates":[108.142350,12.701230]}`, AreaHa: 1.8, DeforestationFree: &yes},
		{EnterpriseID: d.res.CoopID, Kind: registry.FacilityProcessing, Name: "Xưởng sơ chế HTX Ea Tiêu", Code: "EATIEU-XSC", District: "Cư Kuin"},
		{EnterpriseID: d.res.RoasterID, Kind: registry.FacilityProcessing, Name: "Xưởng rang xay Ban Mê", Code: "BANME-RX", GLN: GTIN("893850000102"), District: "Buôn Ma Thuột", Address: "Đường Lê Duẩn, Buôn Ma Thuột"},
	}
	d.res.PlotGLN, d.res.FactoryGLN = plots[0].GLN, plots[3].GLN
	var facilityIDs []string
	for _, f := range plots {
		id, err := d.findOrCreate(
			func() (string, error) { return d.findFacilityByCode(ctx, f.EnterpriseID, f.Code) },
			func() (string, error) { return f.ID, s.CreateFacility(ctx, f) })
		if err != nil {
			return fmt.Errorf("demo facility %s: %w", f.Code, err)
		}
		facilityIDs = append(facilityIDs, id)
	}

	green := &registry.Product{EnterpriseID: d.res.CoopID, NameVI: "Cà phê nhân Robusta Ea Tiêu", NameEN: "Ea Tieu Robusta green coffee", Category: "coffee",
		GTIN: GTIN("893850000001"), Unit: "kg", Standards: []string{"TCVN 4193:2014"}, Description: "Cà phê nhân Robusta sơ chế khô, sàng 16."}
	roasted := &registry.Product{EnterpriseID: d.res.RoasterID, NameVI: "Cà phê rang xay Robusta Ban Mê 500 g", NameEN: "Ban Me roasted ground Robusta 500 g", Category: "coffee",
		GTIN: GTIN("893850000002"), Unit: "bag", Standards: []string{"TCVN 5251:2015", "QCĐP 01:2025/ĐL"}, Description: "Cà phê rang xay nguyên chất, rang mộc."}
	var productIDs []string
	for _, p := range []*registry.Product{green, roasted} {
		id, err := d.findOrCreate(
			func() (string, error) {
				g, _ := gs1.GTIN14(p.GTIN)
				x, err := s.FindProductByGTIN(ctx, g)
				return idOf(x, err)
			},
			func() (string, error) { return p.ID, s.CreateProduct(ctx, p) })
		if err != nil {
			return fmt.Errorf("demo product %s: %w", p.NameVI, err)
		}
		productIDs = append(productIDs, id)
	}
	d.res.RoastedGTIN, _ = gs1.GTIN14(roasted.GTIN)

	certs := []*registry.Certificate{
		{Number: "VG-DEMO-2025-0117", Scheme: "VietGAP", Standard: "TCVN 11892-1:2017", BodyID: bodyID, HolderID: d.res.CoopID,
			ScopeProductIDs: productIDs[:1], ScopeFacilityIDs: facilityIDs[:2], ScopeText: "Trồng trọt cà phê Robusta, 7,3 ha",
			OriginalIssue: "2022-03-01", IssuedOn: "2025-03-01", ExpiresOn: "2028-02-28"},
		{Number: "4C-DEMO-2024-0042", Scheme: "4C", BodyID: bodyID, HolderID: d.res.CoopID,
			ScopeProductIDs: productIDs[:1], ScopeFacilityIDs: facilityIDs[:3], ScopeText: "Sản xuất và sơ chế cà phê theo bộ quy tắc 4C",
			IssuedOn: "2024-06-01", ExpiresOn: "2027-05-31"},
	}
	var certIDs []string
	for _, c := range certs {
		id, err := d.findOrCreate(
			func() (string, error) { return d.findCert(ctx, bodyID, c.Number) },
			func() (string, error) { return c.ID, s.CreateCertificate(ctx, c) })
		if err != nil {
			return fmt.Errorf("demo certificate %s: %w", c.Number, err)
		}
		certIDs = append(certIDs, id)
	}

	batch := func(b *registry.Batch) (string, error) {
		return d.findOrCreate(
			func() (string, error) { x, err := s.FindBatchByLot(ctx, b.ProductID, b.LotCode); return idOf(x, err) },
			func() (string, error) { return b.ID, s.CreateBatch(ctx, b) })
	}
	if d.res.GreenBatchID, err = batch(&registry.Batch{EnterpriseID: d.res.CoopID, ProductID: productIDs[0], LotCode: GreenLot, Quantity: 12000, Unit: "kg",
		HarvestedOn: "2025-11-20", ProducedOn: "2025-12-15", FacilityID: facilityIDs[2], SourcePlotIDs: facilityIDs[:2], CertificateIDs: certIDs,
		DDSReference: "EUDR-DEMO-25VN000117", Status: registry.BatchPublished}); err != nil {
		return fmt.Errorf("demo green lot: %w", err)
	}
	if d.res.RoastedBatchID, err = batch(&registry.Batch{EnterpriseID: d.res.RoasterID, ProductID: productIDs[1], LotCode: RoastedLot, Quantity: 1800, Unit: "bag",
		ProducedOn: "2026-01-10", ExpiresOn: "2027-01-10", FacilityID: facilityIDs[3], DDSReference: "EUDR-DEMO-25VN000117", Status: registry.BatchPublished}); err != nil {
		return fmt.Errorf("demo roasted lot: %w", err)
	}

	at := func(s string) time.Time { t, _ := time.Parse(time.RFC3339, s); return t.UTC() }
	events := []*registry.TraceEvent{
		{EnterpriseID: d.res.CoopID, Kind: registry.EventObject, EventTime: at("2025-11-20T07:30:00+07:00"), EventTimeZone: "+07:00", BusinessStep: "harvesting",
			Disposition: "in_progress", FacilityID: facilityIDs[0], Batches: []registry.Quantity{{BatchID: d.res.GreenBatchID, Quantity: 15000, Unit: "kg"}},
			Note: "Thu hái quả chín từ vườn A và B", IdempotencyKey: "demo-harvest"},
		{EnterpriseID: d.res.CoopID, Kind: registry.EventObject, EventTime: at("2025-12-15T15:00:00+07:00"), EventTimeZone: "+07:00", BusinessStep: "hulling",
			Disposition: "active", FacilityID: facilityIDs[2], Batches: []registry.Quantity{{BatchID: d.res.GreenBatchID, Quantity: 12000, Unit: "kg"}},
			Note: "Phơi khô, xát vỏ, phân loại sàng 16", IdempotencyKey: "demo-hulling"},
		{EnterpriseID: d.res.CoopID, Kind: registry.EventTransaction, EventTime: at("2026-01-05T09:00:00+07:00"), EventTimeZone: "+07:00", BusinessStep: "shipping",
			Disposition: "in_transit", FacilityID: facilityIDs[2], Batches: []registry.Quantity{{BatchID: d.res.GreenBatchID, Quantity: 1200, Unit: "kg"}},
			CounterpartyTaxCode: RoasterTaxCode, IdempotencyKey: "demo-ship"},
		{EnterpriseID: d.res.RoasterID, Kind: registry.EventTransformation, EventTime: at("2026-01-10T10:00:00+07:00"), EventTimeZone: "+07:00", BusinessStep: "roasting",
			Disposition: "active", FacilityID: facilityIDs[3], Inputs: []registry.Quantity{{BatchID: d.res.GreenBatchID, Quantity: 1200, Unit: "kg"}},
			Outputs: []registry.Quantity{{BatchID: d.res.RoastedBatchID, Quantity: 1800, Unit: "bag"}}, CounterpartyTaxCode: CoopTaxCode,
			Note: "Rang mộc, xay, đóng gói 500 g", IdempotencyKey: "demo-roast"},
	}
	for _, e := range events {
		if err := s.CreateEvent(ctx, e); err != nil {
			return fmt.Errorf("demo event %s: %w", e.IdempotencyKey, err)
		}
	}

	// A test report for the announcement: a small PDF, stored like any upload.
	reportID, err := d.findOrCreateDocument(ctx, d.res.RoasterID, demoPDF("Phieu ket qua thu nghiem - ca phe rang xay Ban Me (du lieu mau)"),
		"Phiếu kết quả thử nghiệm cà phê rang xay", "test_report")
	if err != nil {
		return fmt.Errorf("demo test report: %w", err)
	}
	ann := &registry.ConformityAnnouncement{EnterpriseID: d.res.RoasterID, Type: registry.AnnounceRegulation, ProductIDs: productIDs[1:], StandardCode: "QCĐP 01:2025/ĐL",
		Basis: registry.BasisSelfAssessment, TestReportIDs: []string{reportID}, Agency: "Sở Khoa học và Công nghệ tỉnh Đắk Lắk", SubmittedOn: "2026-01-15",
		Status: registry.AnnReceived, ReceiptNumber: ReceiptNumber, ReceiptDate: "2026-01-21"}
	if _, err := d.findOrCreate(
		func() (string, error) { return d.findAnnouncement(ctx, ann.EnterpriseID, ann.ReceiptNumber) },
		func() (string, error) {
			if seq, ok := s.(interface {
				NextReceiptSequence(ctx context.Context, agency string, year int) (int, error)
			}); ok {
				if _, err := seq.NextReceiptSequence(ctx, ann.Agency, 2026); err != nil {
					return "", err
				}
			}
			return ann.ID, s.CreateAnnouncement(ctx, ann)
		}); err != nil {
		return fmt.Errorf("demo announcement: %w", err)
	}
	return nil
}

func idOf[T interface {
	*registry.Enterprise | *registry.Standard | *registry.CertificationBody | *registry.Product | *registry.Batch
}](x T, err error) (string, error) {
	if err != nil {
		return "", err
	}
	switch v := any(x).(type) {
	case *registry.Enterprise:
		return v.ID, nil
	case *registry.Standard:
		return v.ID, nil
	case *registry.CertificationBody:
		return v.ID, nil
	case *registry.Product:
		return v.ID, nil
	case *registry.Batch:
		return v.ID, nil
	}
	return "", nil
}

func (d *loader) findFacilityByCode(ctx context.Context, enterpriseID, code string) (string, error) {
	page := registry.Page{Limit: registry.MaxPageLimit}
	for {
		list, next, err := d.s.ListFacilities(ctx, registry.FacilityFilter{EnterpriseID: enterpriseID, Page: page})
		if err != nil {
			return "", err
		}
		for _, f := range list {
			if f.Code == code {
				return f.ID, nil
			}
		}
		if next == "" {
			return "", registry.Errorf(registry.ENOTFOUND, "Not found.", "Không tìm thấy.")
		}
		page.Cursor = next
	}
}

func (d *loader) findCert(ctx context.Context, bodyID, number string) (string, error) {
	certs, err := d.s.FindCertificatesByNumber(ctx, number)
	if err != nil {
		return "", err
	}
	for _, c := range certs {
		if c.BodyID == bodyID {
			return c.ID, nil
		}
	}
	return "", registry.Errorf(registry.ENOTFOUND, "Not found.", "Không tìm thấy.")
}

func (d *loader) findAnnouncement(ctx context.Context, enterpriseID, receipt string) (string, error) {
	list, _, err := d.s.ListAnnouncements(ctx, registry.AnnouncementFilter{EnterpriseID: enterpriseID, Page: registry.Page{Limit: registry.MaxPageLimit}})
	if err != nil {
		return "", err
	}
	for _, a := range list {
		if a.ReceiptNumber == receipt || receipt == ReceiptNumber && a.ReceiptNumber == LegacyReceiptNumber {
			return a.ID, nil
		}
	}
	return "", registry.Errorf(registry.ENOTFOUND, "Not found.", "Không tìm thấy.")
}

func (d *loader) findOrCreateDocument(ctx context.Context, enterpriseID string, content []byte, title, kind string) (string, error) {
	blob, err := d.docs.Put(ctx, bytes.NewReader(content), registry.MaxDocumentSize, registry.DocumentMediaTypes)
	if err != nil {
		return "", err
	}
	return d.findOrCreate(
		func() (string, error) {
			x, err := d.s.FindEnterpriseDocument(ctx, enterpriseID, blob.SHA256)
			if err != nil {
				return "", err
			}
			return x.ID, nil
		},
		func() (string, error) {
			doc := &registry.Document{EnterpriseID: enterpriseID, Title: title, FileName: "ket-qua-thu-nghiem.pdf", Kind: kind, Public: true, Blob: blob}
			return doc.ID, d.s.CreateDocument(ctx, doc)
		})
}

// demoPDF returns a minimal one-page PDF showing text (ASCII only).
func demoPDF(text string) []byte {
	stream := fmt.Sprintf("BT /F1 12 Tf 56 780 Td (%s) Tj ET", text)
	objs := []string{
		"<< /Type /Catalog /Pages 2 0 R >>",
		"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
		"<< /Type /registry.Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R /Resources << /Font << /F1 5 0 R >> >> >>",
		fmt.Sprintf("<< /Length %d >>\nstream\n%s\nendstream", len(stream), stream),
		"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
	}
	var b bytes.Buffer
	b.WriteString("%PDF-1.4\n")
	offsets := make([]int, len(objs))
	for i, o := range objs {
		offsets[i] = b.Len()
		fmt.Fprintf(&b, "%d 0 obj\n%s\nendobj\n", i+1, o)
	}
	xref := b.Len()
	fmt.Fprintf(&b, "xref\n0 %d\n0000000000 65535 f \n", len(objs)+1)
	for _, off := range offsets {
		fmt.Fprintf(&b, "%010d 00000 n \n", off)
	}
	fmt.Fprintf(&b, "trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n", len(objs)+1, xref)
	return b.Bytes()
}
