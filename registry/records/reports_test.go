package records_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/tracereg/tracereg/registry"
	"github.com/tracereg/tracereg/registry/records/recordstest"
	"github.com/tracereg/tracereg/registry/store"
)

// TestReportWorkflowStore: a report is found, updated with its version
// checked, filtered by status and assignee; a report without a version
// cannot be stored at all (the engine requires one), so there are no
// unversioned reports to update.
func TestReportWorkflowStore(t *testing.T) {
	db := recordstest.New(t)
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
		{registry.ReportFilter{Assignee: "thanhtra", Status: registry.ReportAssigned}, 1},
		{registry.ReportFilter{Assignee: "thanhtra", Status: registry.ReportOpen}, 0},
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
	all, err := registry.CollectAll(ctx, func(p registry.Page) ([]*registry.ProblemReport, string, error) {
		p.Limit = 1
		return db.ListReports(ctx, p)
	})
	if err != nil || len(all) != 2 || all[0].ID != r.ID || all[1].ID != other.ID {
		t.Fatalf("list, oldest first: %v %v", all, err)
	}

	// A report written before the workflow had no version: the engine refuses such a document.
	legacy, err := bson.Marshal(bson.D{{Key: "_id", Value: bson.NewObjectID().Hex()},
		{Key: "subject", Value: "/l/OLD"}, {Key: "kind", Value: "label"}, {Key: "message", Value: "Nhãn sai"},
		{Key: "status", Value: "open"}, {Key: "created_at", Value: time.Now().UTC()}})
	if err != nil {
		t.Fatal(err)
	}
	if err := db.Engine().Insert(ctx, "problem_reports", legacy); !errors.Is(err, store.ErrBadDoc) {
		t.Fatalf("unversioned report stored: %v", err)
	}
}

// TestPeekReceiptSequence: peeking tells the next number without taking it.
func TestPeekReceiptSequence(t *testing.T) {
	db := recordstest.New(t)
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
