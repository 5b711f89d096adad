package epcis_test

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/tracereg/tracereg/registry"
	"github.com/tracereg/tracereg/registry/epcis"
	"github.com/tracereg/tracereg/registry/epcis/epcistest"
)

const base = "https://truyxuat.test"

func input() epcis.Input {
	at := time.Date(2026, 1, 10, 8, 0, 0, 0, registry.Vietnam)
	green := &registry.Batch{ID: "b1", ProductID: "p1", LotCode: "GC 2025/01", ShortCode: "AAAAAAAAA1"}
	roast := &registry.Batch{ID: "b2", ProductID: "p2", LotCode: "RB1", ShortCode: "AAAAAAAAA2"}
	return epcis.Input{Base: base, Created: at,
		Batches:  map[string]*registry.Batch{"b1": green, "b2": roast},
		Products: map[string]*registry.Product{"p1": {ID: "p1", GTIN: "08938500000010"}, "p2": {ID: "p2"}},
		Places:   map[string]*registry.Facility{"f1": {ID: "f1", GLN: "8938500001017"}, "f2": {ID: "f2"}},
		Events: []*registry.TraceEvent{
			{ID: "e3", Kind: registry.EventTransformation, EventTime: at, EventTimeZone: "+07:00", BusinessStep: "roasting", FacilityID: "f2",
				Inputs: []registry.Quantity{{BatchID: "b1", Quantity: 900, Unit: "kg"}}, Outputs: []registry.Quantity{{BatchID: "b2", Quantity: 1800, Unit: "bag"}}},
			{ID: "e1", Kind: registry.EventObject, EventTime: at.Add(-40 * 24 * time.Hour), EventTimeZone: "+07:00", BusinessStep: "harvesting",
				Disposition: "active", FacilityID: "f1", RecordedAt: at, Batches: []registry.Quantity{{BatchID: "b1", Quantity: 12000, Unit: "kg"}}},
			{ID: "e2", Kind: registry.EventObject, EventTime: at.Add(-time.Hour), EventTimeZone: "+07:00", BusinessStep: "shipping",
				Disposition: "sold", Batches: []registry.Quantity{{BatchID: "b1", Quantity: 900, Unit: "kg"}, {BatchID: "elsewhere", Quantity: 1, Unit: "kg"}}},
			{ID: "e4", Kind: registry.EventObject, EventTime: at, EventTimeZone: "+07:00", BusinessStep: "storing",
				Batches: []registry.Quantity{{BatchID: "not-in-this-document", Quantity: 1, Unit: "kg"}}},
			{ID: "e5", Kind: registry.EventTransaction, EventTime: at, EventTimeZone: "+07:00", BusinessStep: "receiving",
				Batches: []registry.Quantity{{BatchID: "b2", Quantity: 10, Unit: "bag"}}},
		}}
}

func TestDocumentIsValidEPCIS(t *testing.T) {
	b, err := epcis.New(input()).JSON()
	if err != nil {
		t.Fatal(err)
	}
	epcistest.Check(t, b)
	var d struct {
		Body struct {
			EventList []map[string]any `json:"eventList"`
		} `json:"epcisBody"`
	}
	if err := json.Unmarshal(b, &d); err != nil {
		t.Fatal(err)
	}
	ev := d.Body.EventList
	if len(ev) != 4 {
		t.Fatalf("%d events, want 4 (the one naming only an unknown lot left out): %s", len(ev), b)
	}
	// Oldest first; harvesting is not CBV, shipping is.
	if ev[0]["eventID"] != base+"/e/e1" || ev[0]["bizStep"] != "urn:tracereg:bizstep:harvesting" || ev[0]["action"] != "ADD" ||
		ev[0]["bizLocation"].(map[string]any)["id"] != base+"/414/8938500001017" {
		t.Errorf("harvest event %v", ev[0])
	}
	if ev[1]["bizStep"] != "shipping" || ev[1]["disposition"] != "urn:tracereg:disp:sold" || len(ev[1]["quantityList"].([]any)) != 1 {
		t.Errorf("shipping event %v: want CBV shipping and one quantity", ev[1])
	}
	q := ev[0]["quantityList"].([]any)[0].(map[string]any)
	if q["epcClass"] != base+"/01/08938500000010/10/GC%202025%2F01" || q["uom"] != "KGM" || q["quantity"] != 12000.0 {
		t.Errorf("quantity %v", q)
	}
	tr := ev[2]
	out := tr["outputQuantityList"].([]any)[0].(map[string]any)
	if tr["type"] != "TransformationEvent" || out["epcClass"] != base+"/l/AAAAAAAAA2" || out["uom"] != "XBG" ||
		tr["bizLocation"].(map[string]any)["id"] != "urn:tracereg:facility:f2" {
		t.Errorf("transformation %v", tr)
	}
	if ev[3]["type"] != "TransactionEvent" || ev[3]["bizTransactionList"] == nil {
		t.Errorf("transaction %v", ev[3])
	}
}

// The checker is not a rubber stamp: it refuses what the standard refuses.
func TestCheckerRefuses(t *testing.T) {
	good, _ := epcis.New(input()).JSON()
	for name, bad := range map[string]string{
		"unknown action":   strings.Replace(string(good), `"action":"ADD"`, `"action":"CREATE"`, 1),
		"no time zone":     strings.Replace(string(good), `"eventTimeZoneOffset":"+07:00",`, ``, 1),
		"bad uom":          strings.Replace(string(good), `"uom":"KGM"`, `"uom":"kilo"`, 1),
		"unknown property": strings.Replace(string(good), `"eventID"`, `"note":"x","eventID"`, 1),
		"not a time":       strings.Replace(string(good), `"creationDate":"`, `"creationDate":"yesterday`, 1),
	} {
		if bad == string(good) {
			t.Fatalf("%s: the replacement did not apply", name)
		}
		if err := epcistest.Validate([]byte(bad)); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}
