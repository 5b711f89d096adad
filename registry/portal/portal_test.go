package portal

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/tracereg/tracereg/registry"
)

const base = "https://truyxuat.example.vn"

// input is a lot of a product without GTIN, made from a bought lot, with
// what the builder must leave out beside what it must keep.
func input() Input {
	own := &registry.Enterprise{ID: "e1", TaxCode: "6001700333", NameVI: "HTX Mật ong Krông Bông", Kind: "cooperative", District: "Krông Bông", Address: "Xã Cư Pui"}
	seller := &registry.Enterprise{ID: "e2", TaxCode: "6001700444", NameVI: "Hộ nuôi ong A"}
	prod := &registry.Product{ID: "p1", EnterpriseID: "e1", NameVI: "Mật ong hoa cà phê", Category: "honey", Standards: []string{"TCVN 12605:2019", "TCVN 12605:2019"}}
	bought := &registry.Product{ID: "p2", EnterpriseID: "e2", NameVI: "Mật ong thô", Category: "honey", GTIN: "08938500000019"}
	lot := &registry.Batch{ID: "b1", EnterpriseID: "e1", ProductID: "p1", LotCode: "MO-01", Quantity: 2, Unit: "t", Status: registry.BatchRecalled,
		ShortCode: "ABCDEFGHJK", FacilityID: "f1", UpdatedAt: time.Date(2026, 5, 2, 3, 0, 0, 0, time.UTC),
		Recall:      &registry.Recall{Reason: "Dư lượng kháng sinh", On: "2026-05-02", By: "thanhtra1"},
		Corrections: []registry.Correction{{Fields: []string{"quantity"}, Reason: "cân lại", By: "nv1"}}}
	raw := &registry.Batch{ID: "b2", EnterpriseID: "e2", ProductID: "p2", LotCode: "RAW-7", Status: registry.BatchPublished, ShortCode: "RAW7CODE22"}
	draftIn := &registry.Batch{ID: "b3", EnterpriseID: "e2", ProductID: "p2", LotCode: "SECRET-DRAFT", Status: registry.BatchDraft}
	ownPlace := &registry.Facility{ID: "f1", EnterpriseID: "e1", Kind: registry.FacilityProcessing, Name: "Xưởng lọc", Address: "Thôn 2, xã Cư Pui", District: "Krông Bông"}
	theirPlace := &registry.Facility{ID: "f2", EnterpriseID: "e2", Kind: registry.FacilityFarmPlot, Name: "Trại ong A", Address: "Nhà riêng, không công khai",
		GLN: "8938500001016", Geometry: `{"type":"Point","coordinates":[108.1,12.7]}`}
	at := func(s string) time.Time { t, _ := time.Parse(time.RFC3339, s); return t.UTC() }
	events := []*registry.TraceEvent{
		{ID: "v1", EnterpriseID: "e2", Kind: registry.EventTransaction, EventTime: at("2026-04-01T08:00:00+07:00"), EventTimeZone: "+07:00",
			BusinessStep: "shipping", FacilityID: "f2", Batches: []registry.Quantity{{BatchID: "b2", Quantity: 2, Unit: "t"}}, CounterpartyTaxCode: "6001700333"},
		{ID: "v2", EnterpriseID: "e1", Kind: registry.EventTransformation, EventTime: at("2026-04-03T14:30:00+07:00"), EventTimeZone: "+07:00",
			BusinessStep: "transforming", FacilityID: "f1", Inputs: []registry.Quantity{{BatchID: "b2", Quantity: 2, Unit: "t"}, {BatchID: "b3", Quantity: 1, Unit: "t"}},
			Outputs: []registry.Quantity{{BatchID: "b1", Quantity: 2, Unit: "t"}}, Note: "Lọc, đóng chai"},
		{ID: "v3", EnterpriseID: "e1", Kind: registry.EventObject, EventTime: at("2026-04-04T01:00:00Z"), EventTimeZone: "+00:00",
			BusinessStep: "inspecting", FacilityID: "f2", Batches: []registry.Quantity{{BatchID: "b1", Quantity: 2, Unit: "t"}}},
		{ID: "v4", EnterpriseID: "e1", Kind: registry.EventObject, EventTime: at("2026-04-05T08:00:00+07:00"), EventTimeZone: "+07:00",
			BusinessStep: "storing", Batches: []registry.Quantity{{BatchID: "b1", Quantity: 2, Unit: "t"}}, Note: "VOIDED",
			ErrorDeclaration: &registry.ErrorDeclaration{Reason: "nhầm"}},
	}
	return Input{Base: base, Now: time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC), Lot: lot, Product: prod, Enterprise: own, Events: events,
		Places:   map[string]*registry.Facility{"f1": ownPlace, "f2": theirPlace},
		Lots:     map[string]*registry.Batch{"b2": raw, "b3": draftIn},
		Products: map[string]*registry.Product{"p2": bought},
		Owners:   map[string]*registry.Enterprise{"e1": own, "e2": seller},
		Certificates: []*registry.Certificate{
			{ID: "c1", Number: "VG 01/2025", Scheme: "VietGAP", BodyID: "cb", HolderID: "e1", IssuedOn: "2025-01-01", ExpiresOn: "2026-01-01"},
			{ID: "c2", Number: "ORG-9", Scheme: "organic", BodyID: "cb", HolderID: "e1", IssuedOn: "2025-01-01", ExpiresOn: "2028-01-01",
				History: []registry.StatusChange{{Status: "active", On: "2025-01-01"}, {Status: registry.CertSuspended, On: "2026-05-01", Reason: "kiểm tra"}}},
			{ID: "c1", Number: "VG 01/2025", Scheme: "VietGAP", BodyID: "cb", HolderID: "e1"}, // listed twice
			{ID: "c3", Number: "NOT-OURS", Scheme: "4C", BodyID: "cb", HolderID: "e9"},
		},
		Bodies: map[string]*registry.CertificationBody{"cb": {Name: "Tổ chức X", Code: "X", AccreditedBy: "BoA", AccreditationNumber: "VICAS 1"}},
		Announcements: []*registry.ConformityAnnouncement{
			{Type: registry.AnnounceStandard, ProductIDs: []string{"p1"}, StandardCode: "TCVN 5267-2:2008", Status: registry.AnnReceived, ReceiptNumber: "7/2026/TBTN-SKHCN", ReceiptDate: "2026-03-03", Basis: registry.BasisSelfAssessment},
			{Type: registry.AnnounceRegulation, ProductIDs: []string{"p1"}, StandardCode: "QCVN 01:2099/BYT", Status: registry.AnnSubmitted},
			{Type: registry.AnnounceStandard, ProductIDs: []string{"p9"}, StandardCode: "TCVN 1:2000", Status: registry.AnnReceived, ReceiptNumber: "8/2026/TBTN-SKHCN"},
		},
		Standards: map[string]*registry.Standard{"TCVN 12605:2019": {Code: "TCVN 12605:2019", TitleVI: "Mật ong"}},
	}
}

func TestBuild(t *testing.T) {
	r, ok := Build(input())
	if !ok {
		t.Fatal("a recalled lot is exported")
	}
	if r.Format != Format || r.ExportedAt != "2026-06-01T00:00:00Z" {
		t.Errorf("format %q at %q", r.Format, r.ExportedAt)
	}
	if r.Product.GTIN != "" || r.Product.DigitalLink != "" || r.Unit.TaxCode != "6001700333" || r.Unit.Province != Province {
		t.Errorf("product %+v unit %+v", r.Product, r.Unit)
	}
	l := r.Lot
	if !l.Recalled || l.Recall == nil || l.Recall.Reason != "Dư lượng kháng sinh" || l.DigitalLink != "" || l.PageURL != base+"/l/ABCDEFGHJK" ||
		l.UnitVI != "tấn" || l.UpdatedAt != "2026-05-02T03:00:00Z" || len(l.Corrected) != 1 || l.Corrected[0] != "quantity" {
		t.Errorf("lot %+v", l)
	}
	if l.Place == nil || l.Place.Address != "Thôn 2, xã Cư Pui" {
		t.Errorf("the lot's own place keeps its address: %+v", l.Place)
	}

	// v1 names only the bought lot, v4 was declared an error: neither is a stage of this lot.
	if len(r.Stages) != 2 {
		t.Fatalf("stages %+v", r.Stages)
	}
	tr := r.Stages[0]
	if tr.BusinessStep != "transforming" || tr.Role != "output" || tr.Time != "2026-04-03T14:30:00+07:00" || tr.RecordedBy != "6001700333" ||
		tr.Place.Address != "Thôn 2, xã Cư Pui" {
		t.Errorf("transformation %+v", tr)
	}
	if len(tr.Inputs) != 1 || tr.Inputs[0].LotCode != "RAW-7" || tr.Inputs[0].ID != base+"/01/08938500000019/10/RAW-7" ||
		tr.Inputs[0].TaxCode != "6001700444" || tr.Inputs[0].Quantity != 2 {
		t.Errorf("inputs (the draft input left out) %+v", tr.Inputs)
	}
	if len(tr.Outputs) != 1 || tr.Outputs[0].ID != base+"/l/ABCDEFGHJK" || tr.Outputs[0].TaxCode != "6001700333" {
		t.Errorf("outputs %+v", tr.Outputs)
	}
	if in := r.Stages[1]; in.BusinessStep != "inspecting" || in.Time != "2026-04-04T01:00:00Z" {
		t.Errorf("a stage in UTC keeps its offset: %+v", in)
	}
	if pl := r.Stages[1].Place; pl == nil || pl.Address != "" || pl.GLN != "8938500001016" || pl.DigitalLink != base+"/414/8938500001016" {
		t.Errorf("another enterprise's place as its public page shows it: %+v", pl)
	}

	var codes []string
	for _, s := range r.Standards {
		codes = append(codes, s.Code+"/"+s.Kind+"/"+s.NameVI)
	}
	if strings.Join(codes, " | ") != "TCVN 12605:2019/TCVN/Mật ong | TCVN 5267-2:2008/TCVN/" {
		t.Errorf("standards %v", codes)
	}
	if len(r.Announcements) != 1 || r.Announcements[0].ReceiptNumber != "7/2026/TBTN-SKHCN" || r.Announcements[0].TypeVI != "công bố hợp chuẩn" || r.Announcements[0].CRMark {
		t.Errorf("only the received announcement of this product: %+v", r.Announcements)
	}
	if len(r.Certificates) != 2 {
		t.Fatalf("certificates (once each, the holder's only) %+v", r.Certificates)
	}
	if c := r.Certificates[0]; c.Status != registry.CertExpired || c.VerifyURL != base+"/c/VG%2001%2F2025" || c.Accreditation != "BoA VICAS 1" {
		t.Errorf("expired certificate %+v", c)
	}
	if c := r.Certificates[1]; c.Status != registry.CertSuspended {
		t.Errorf("suspended certificate %+v", c)
	}

	b, err := json.Marshal(r)
	if err != nil {
		t.Fatal(err)
	}
	for _, secret := range []string{"VOIDED", "SECRET-DRAFT", "Nhà riêng", "thanhtra1", "nv1", "NOT-OURS", "QCVN 01:2099", `"b1"`, `"e1"`} {
		if strings.Contains(string(b), secret) {
			t.Errorf("the record holds %q: %s", secret, b)
		}
	}
	if !strings.Contains(string(b), `"geometry":{"type":"Point"`) {
		t.Errorf("another's place keeps its public geometry: %s", b)
	}
}

func TestBuildLeavesOutDrafts(t *testing.T) {
	in := input()
	in.Lot.Status, in.Lot.Recall = registry.BatchDraft, nil
	if _, ok := Build(in); ok {
		t.Error("a draft lot is exported")
	}
	in.Lot.Status = registry.BatchPublished
	r, ok := Build(in)
	if !ok || r.Lot.Recalled || r.Lot.Status != registry.BatchPublished {
		t.Errorf("a published lot: %v %+v", ok, r.Lot)
	}
}
