package mongo_test

import (
	"context"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/tracereg/tracereg/registry"
	"github.com/tracereg/tracereg/registry/mongo/mongotest"
)

// TestReportWorkflowStore: a report is found, updated with its version
// checked, filtered by status and assignee; a report stored before reports
// had versions can be updated too.
func TestReportWorkflowStore(t *testing.T) {
	db := mongotest.New(t)
	ctx := context.Background()
	inspector := registry.Actor{UserID: "u1", Username: "thanhtra", Role: registry.RoleInspector}
	r := &registry.ProblemReport{Subject: "/l/ABCDEF1234", Kind: "quality", Message: "Cà phê bị mốc", Status: "resolved", Assignee: "x"}
	if err := db.CreateReport(ctx, r); err != nil {
		t.Fatal(err)
	}
	if r.Status != registry.ReportOpen || r.Assignee != "" || r.Version != 1 {
		t.Fatalf("created: %+v", r)
	}
	other := &registry.ProblemReport{Subject: "/c/XYZ", Kind: "other", Message: "Chứng nhận giả?"}
	if err := db.CreateReport(ctx, other); err != nil {
		t.Fatal(err)
	}
	got, err := db.FindReport(ctx, r.ID)
	if err != nil || got.Message != "Cà phê bị mốc" {
		t.Fatalf("find: %+v %v", got, err)
	}
	if _, err := db.FindReport(ctx, "000000000000000000000000"); registry.ErrorCode(err) != registry.ENOTFOUND {
		t.Fatalf("find missing: %v", err)
	}
	stale := *got
	if err := (registry.ReportAction{Action: registry.ReportActionAssign, Assignee: "thanhtra"}).Apply(got, inspector, time.Now()); err != nil {
		t.Fatal(err)
	}
	got.Message = "changed by a bug" // what the public sent stays as stored
	if err := db.UpdateReport(ctx, got); err != nil {
		t.Fatal(err)
	}
	if got.Version != 2 {
		t.Fatalf("version after update: %d", got.Version)
	}
	again, _ := db.FindReport(ctx, r.ID)
	if again.Status != registry.ReportAssigned || again.Assignee != "thanhtra" || len(again.Notes) != 1 || again.Message != "Cà phê bị mốc" {
		t.Fatalf("stored: %+v", again)
	}
	if err := (registry.ReportAction{Action: registry.ReportActionNote, Text: "Ghi chú"}).Apply(&stale, inspector, time.Now()); err != nil {
		t.Fatal(err)
	}
	if err := db.UpdateReport(ctx, &stale); registry.ErrorCode(err) != registry.ESTALE {
		t.Fatalf("stale update: %v", err)
	}
	for _, tc := range []struct {
		f    registry.ReportFilter
		want int
	}{
		{registry.ReportFilter{}, 2},
		{registry.ReportFilter{Status: registry.ReportOpen}, 1},
		{registry.ReportFilter{Status: registry.ReportAssigned}, 1},
		{registry.ReportFilter{Assignee: "thanhtra"}, 1},
		{registry.ReportFilter{Status: registry.ReportResolved}, 0},
	} {
		tc.f.Page = registry.Page{Limit: 10}
		list, _, err := db.FilterReports(ctx, tc.f)
		if err != nil || len(list) != tc.want {
			t.Errorf("filter %+v: %d reports, %v; want %d", tc.f, len(list), err, tc.want)
		}
	}
	if _, _, err := db.FilterReports(ctx, registry.ReportFilter{Status: "closed"}); registry.ErrorCode(err) != registry.EINVALID {
		t.Errorf("bad status filter: %v", err)
	}

	// A report written before the workflow: no version, no update time.
	legacyID := bson.NewObjectID().Hex()
	if _, err := db.Database().Collection("problem_reports").InsertOne(ctx, bson.D{{Key: "_id", Value: legacyID},
		{Key: "subject", Value: "/l/OLD"}, {Key: "kind", Value: "label"}, {Key: "message", Value: "Nhãn sai"},
		{Key: "status", Value: "open"}, {Key: "created_at", Value: time.Now().UTC()}}); err != nil {
		t.Fatal(err)
	}
	legacy, err := db.FindReport(ctx, legacyID)
	if err != nil || legacy.Version != 0 {
		t.Fatalf("legacy: %+v %v", legacy, err)
	}
	if err := (registry.ReportAction{Action: registry.ReportActionResolve, Text: "Đã xử lý"}).Apply(legacy, inspector, time.Now()); err != nil {
		t.Fatal(err)
	}
	if err := db.UpdateReport(ctx, legacy); err != nil {
		t.Fatalf("update legacy: %v", err)
	}
	if again, _ := db.FindReport(ctx, legacyID); again.Status != registry.ReportResolved || again.Version != 1 {
		t.Fatalf("legacy after update: %+v", again)
	}
}

// TestPeekReceiptSequence: peeking tells the next number without taking it.
func TestPeekReceiptSequence(t *testing.T) {
	db := mongotest.New(t)
	ctx := context.Background()
	const agency = "Sở KH&CN Đắk Lắk"
	for i, step := range []struct{ peek, next int }{{1, 1}, {2, 2}, {3, 3}} {
		for range 2 { // peeking twice takes nothing
			if n, err := db.PeekReceiptSequence(ctx, agency, 2026); err != nil || n != step.peek {
				t.Fatalf("step %d: peek %d %v, want %d", i, n, err, step.peek)
			}
		}
		if n, err := db.NextReceiptSequence(ctx, agency, 2026); err != nil || n != step.next {
			t.Fatalf("step %d: next %d %v", i, n, err)
		}
	}
	if n, _ := db.PeekReceiptSequence(ctx, agency, 2027); n != 1 {
		t.Errorf("another year starts at %d", n)
	}
	if _, err := db.PeekReceiptSequence(ctx, " ", 2026); registry.ErrorCode(err) != registry.EINVALID {
		t.Errorf("blank agency: %v", err)
	}
}
