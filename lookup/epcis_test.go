package lookup_test

import (
	"context"
	"strings"
	"testing"

	"github.com/tracereg/tracereg/registry"
	"github.com/tracereg/tracereg/registry/demodata"
	"github.com/tracereg/tracereg/registry/epcis/epcistest"
)

func TestLotEPCIS(t *testing.T) {
	e := newEnv(t, demoNow)
	roasted := e.batch(e.demo.RoastedBatchID)
	path := "/l/" + roasted.ShortCode + "/epcis"
	r := do(t, e.app, "GET", path)
	wantStatus(t, r, 200)
	if ct := r.Header.Get("Content-Type"); ct != "application/ld+json" {
		t.Errorf("Content-Type %q", ct)
	}
	epcistest.Check(t, []byte(r.Body))
	green := testBase + "/01/" + e.greenGTIN() + "/10/" + demodata.GreenLot
	wantContains(t, r.Body, `"type":"TransformationEvent"`, `"inputQuantityList":[{"epcClass":"`+green+`"`,
		`"epcClass":"`+testBase+e.lotPath()+`"`, `"bizStep":"urn:tracereg:bizstep:roasting"`, `"bizStep":"shipping"`,
		`"bizLocation":{"id":"`+testBase+`/414/`+e.demo.FactoryGLN+`"}`)

	// The resolver links it as gs1:epcis, in no language.
	r = do(t, e.app, "GET", e.lotPath()+"?linkType=gs1:epcis", "Accept-Language", "en")
	wantStatus(t, r, 307)
	if loc := r.Header.Get("Location"); loc != testBase+path {
		t.Errorf("gs1:epcis Location %q, want %q", loc, testBase+path)
	}
	r = do(t, e.app, "GET", e.lotPath()+"?linkType=linkset")
	wantContains(t, r.Body, `"https://gs1.org/voc/epcis":[{"href":"`+testBase+path+`"`, `"type":"application/ld+json"}`)
	// A product has no events of its own: no gs1:epcis link.
	wantStatus(t, do(t, e.app, "GET", "/01/"+e.roastedGTIN()+"?linkType=gs1:epcis"), 404)

	for _, bad := range []string{"/l/AAAAAAAAAA/epcis", "/l/x/epcis", "/l/" + strings.ToLower(roasted.ShortCode) + "/epcis"} {
		if r := do(t, e.app, "GET", bad); r.Status != 404 {
			t.Errorf("%s: %d, want 404", bad, r.Status)
		}
	}
}

// An event declared an error shows on the public journey, struck and with
// why, and in the EPCIS export with its errorDeclaration (schema-valid).
func TestVoidedEventOnPublicPages(t *testing.T) {
	e := newEnv(t, demoNow)
	ctx := context.Background()
	roasted := e.batch(e.demo.RoastedBatchID)
	evs, err := e.db.ListBatchEvents(ctx, e.demo.GreenBatchID)
	if err != nil {
		t.Fatal(err)
	}
	var shipping *registry.TraceEvent
	for _, ev := range evs {
		if ev.BusinessStep == "shipping" {
			shipping = ev
		}
	}
	if shipping == nil {
		t.Fatalf("no shipping event on the demo green lot")
	}
	if _, err := e.db.DeclareEventError(ctx, shipping.ID, "Ghi nhầm ngày giao hàng"); err != nil {
		t.Fatal(err)
	}
	e.lk.InvalidateAll()
	page := do(t, e.app, "GET", e.lotPage())
	wantContains(t, page.Body, `class="voided"`, "Sự kiện này đã được hủy vì ghi nhầm: Ghi nhầm ngày giao hàng")
	r := do(t, e.app, "GET", "/l/"+roasted.ShortCode+"/epcis")
	wantStatus(t, r, 200)
	epcistest.Check(t, []byte(r.Body))
	wantContains(t, r.Body, `"errorDeclaration":{"declarationTime":"`, `"reason":"incorrect_data"`)
}
