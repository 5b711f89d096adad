package lookup_test

import (
	"context"
	"testing"

	"github.com/tracereg/tracereg/registry"
	"github.com/tracereg/tracereg/registry/demodata"
)

func TestPlacePage(t *testing.T) {
	e := newEnv(t, demoNow)
	green := e.batch(e.demo.GreenBatchID)
	r := do(t, e.app, "GET", "/d/"+e.demo.PlotGLN)
	wantStatus(t, r, 200)
	wantContains(t, r.Body, `<html lang="vi">`, `id="place-name"`, "Vườn cà phê Ea Tiêu A (5,5 ha)", e.demo.PlotGLN, "Cư Kuin", "Vùng trồng",
		"Hợp tác xã", demodata.CoopTaxCode, "<polygon points=", "108.081000, 12.851000", "cam kết không gây mất rừng",
		"VG-DEMO-2025-0117", "4C-DEMO-2024-0042", `data-status="active"`,
		`href="/l/`+green.ShortCode+`"`, demodata.GreenLot, "Cà phê nhân Robusta Ea Tiêu", "20/11/2025",
		`href="/report?subject=%2fd%2f`+e.demo.PlotGLN+`"`, "GS1 Digital Link: <code>"+testBase+"/414/"+e.demo.PlotGLN)
	wantNotContains(t, r.Body, `id="unknown-extension"`, "EATIEU-A", "<script")

	// The roaster's factory: its lot, no certificates, and not its street address.
	r = do(t, e.app, "GET", "/d/"+e.demo.FactoryGLN+"?lang=en")
	wantStatus(t, r, 200)
	wantContains(t, r.Body, `<html lang="en">`, "Processing site", "Xưởng rang xay Ban Mê", demodata.RoastedLot, "Ban Me roasted ground Robusta 500 g",
		"No certificates.")
	wantNotContains(t, r.Body, "Lê Duẩn", "BANME-RX", `id="origin"`, `id="deforestation"`)

	// An extension walks up to the place, saying it is not registered on its own.
	r = do(t, e.app, "GET", "/d/"+e.demo.PlotGLN+"/KHO-2")
	wantStatus(t, r, 200)
	wantContains(t, r.Body, `id="unknown-extension"`, "KHO-2", "Vườn cà phê Ea Tiêu A")

	// JSON for a client that asks.
	r = do(t, e.app, "GET", "/d/"+e.demo.PlotGLN, "Accept", "application/json")
	wantStatus(t, r, 200)
	var p struct {
		GLN          string `json:"gln"`
		Kind         string `json:"kind"`
		Certificates []struct {
			Number, Status string
		} `json:"certificates"`
		Lots []struct {
			LotCode string `json:"lot_code"`
			Href    string `json:"href"`
		} `json:"lots"`
		Plot *struct {
			AreaHa float64 `json:"area_ha"`
		} `json:"plot"`
	}
	r.json(t, &p)
	if p.GLN != e.demo.PlotGLN || p.Kind != registry.FacilityFarmPlot || len(p.Certificates) != 2 || len(p.Lots) != 1 ||
		p.Lots[0].LotCode != demodata.GreenLot || p.Plot == nil || p.Plot.AreaHa < 5 {
		t.Fatalf("place JSON %+v", p)
	}

	// Bad and unknown GLNs.
	wantStatus(t, do(t, e.app, "GET", "/d/"+e.demo.PlotGLN[:12]+"0"), 400)
	wantStatus(t, do(t, e.app, "GET", "/d/12345"), 400)
	r = do(t, e.app, "GET", "/d/"+demodata.GTIN("893850000199"))
	wantStatus(t, r, 404)
	wantContains(t, r.Body, `id="unknown-code"`, "GLN")
}

// A suspended certificate shows as suspended on the place page, and a
// draft lot of the place is not listed.
func TestPlacePageFollowsChanges(t *testing.T) {
	e := newEnv(t, demoNow)
	ctx := context.Background()
	certs, err := e.db.FindCertificatesByNumber(ctx, "VG-DEMO-2025-0117")
	if err != nil {
		t.Fatal(err)
	}
	c := certs[0]
	if _, err := e.db.ChangeCertificateStatus(ctx, c.ID, c.Version, registry.StatusChange{Status: registry.CertSuspended, On: "2026-11-01", Reason: "Kiểm tra đột xuất"}); err != nil {
		t.Fatal(err)
	}
	green := e.batch(e.demo.GreenBatchID)
	draft := &registry.Batch{EnterpriseID: green.EnterpriseID, ProductID: green.ProductID, LotCode: "DRAFT-01", Quantity: 10, Unit: "kg",
		SourcePlotIDs: green.SourcePlotIDs[:1], Status: registry.BatchDraft}
	if err := e.db.CreateBatch(ctx, draft); err != nil {
		t.Fatal(err)
	}
	e.lk.InvalidateAll()
	r := do(t, e.app, "GET", "/d/"+e.demo.PlotGLN)
	wantStatus(t, r, 200)
	wantContains(t, r.Body, `data-status="suspended"`, "Kiểm tra đột xuất", demodata.GreenLot)
	wantNotContains(t, r.Body, "DRAFT-01")
}

// A public place corrected says so on its page.
func TestPlaceCorrectionShown(t *testing.T) {
	e := newEnv(t, demoNow)
	ctx := context.Background()
	f, err := e.db.FindFacilityByGLN(ctx, e.demo.PlotGLN)
	if err != nil {
		t.Fatal(err)
	}
	f.Name, f.CorrectionReason = f.Name+" (đo lại)", "Đo lại ranh giới"
	if err := e.db.UpdateFacility(ctx, f); err != nil {
		t.Fatal(err)
	}
	e.lk.InvalidateAll()
	r := do(t, e.app, "GET", "/d/"+e.demo.PlotGLN)
	wantContains(t, r.Body, `id="place-corrections"`, "tên. Lý do: Đo lại ranh giới")
}
