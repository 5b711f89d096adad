package records_test

import (
	"context"
	"testing"

	"github.com/tracereg/tracereg/registry"
	"github.com/tracereg/tracereg/registry/demodata"
	"github.com/tracereg/tracereg/registry/disk"
	"github.com/tracereg/tracereg/registry/records/recordstest"
)

func TestFindAnnouncementsByReceipt(t *testing.T) {
	db := recordstest.New(t)
	docs, err := disk.New(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if _, err := demodata.Seed(ctx, db, docs); err != nil {
		t.Fatal(err)
	}
	anns, err := db.FindAnnouncementsByReceipt(ctx, " "+demodata.ReceiptNumber+" ")
	if err != nil || len(anns) != 1 || anns[0].ReceiptNumber != demodata.ReceiptNumber || anns[0].StandardCode != "QCĐP 01:2025/ĐL" {
		t.Fatalf("by receipt: %v %+v", err, anns)
	}
	// A dossier without a receipt has an internal key that is not a number.
	for _, q := range []string{"", "99/2026/TBTN-SKHCN", "none:" + anns[0].ID} {
		if _, err := db.FindAnnouncementsByReceipt(ctx, q); registry.ErrorCode(err) != registry.ENOTFOUND {
			t.Errorf("%q: %v, want ENOTFOUND", q, err)
		}
	}
}
