package registry

import (
	"testing"
	"time"
)

func TestReportActions(t *testing.T) {
	me := Actor{UserID: "u", Username: "thanhtra", Role: RoleInspector}
	at := time.Date(2026, 3, 10, 3, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		name       string
		status     string
		assignee   string
		action     ReportAction
		wantStatus string
		wantField  string // the field of the EINVALID, "" for success
	}{
		{"assign an open report", ReportOpen, "", ReportAction{Action: ReportActionAssign, Assignee: "thanhtra"}, ReportAssigned, ""},
		{"reassign", ReportAssigned, "a", ReportAction{Action: ReportActionAssign, Assignee: "b"}, ReportAssigned, ""},
		{"assign to nobody", ReportOpen, "", ReportAction{Action: ReportActionAssign, Assignee: " "}, "", "assignee"},
		{"assign a resolved report", ReportResolved, "a", ReportAction{Action: ReportActionAssign, Assignee: "b"}, "", "status"},
		{"note", ReportResolved, "a", ReportAction{Action: ReportActionNote, Text: "Đã gọi điện"}, ReportResolved, ""},
		{"empty note", ReportOpen, "", ReportAction{Action: ReportActionNote, Text: "  "}, "", "text"},
		{"resolve an open report", ReportOpen, "", ReportAction{Action: ReportActionResolve, Text: "Không có vi phạm"}, ReportResolved, ""},
		{"resolve without a resolution", ReportAssigned, "a", ReportAction{Action: ReportActionResolve}, "", "text"},
		{"resolve twice", ReportResolved, "a", ReportAction{Action: ReportActionResolve, Text: "Lại"}, "", "status"},
		{"reopen to the assignee", ReportResolved, "a", ReportAction{Action: ReportActionReopen, Text: "Phản ánh lại"}, ReportAssigned, ""},
		{"reopen without one", ReportResolved, "", ReportAction{Action: ReportActionReopen, Text: "Phản ánh lại"}, ReportOpen, ""},
		{"reopen an open report", ReportOpen, "", ReportAction{Action: ReportActionReopen, Text: "Phản ánh lại"}, "", "status"},
		{"unknown action", ReportOpen, "", ReportAction{Action: "close"}, "", "action"},
	} {
		r := &ProblemReport{Subject: "/l/X", Kind: "quality", Message: "Có vấn đề", Status: tc.status, Assignee: tc.assignee}
		if tc.status == ReportResolved {
			r.Resolution = "Đã xử lý"
		}
		before := *r
		err := tc.action.Apply(r, me, at)
		if tc.wantField != "" {
			e, ok := err.(*Error)
			if !ok || e.Code != EINVALID || len(e.Fields) == 0 || e.Fields[0].Field != tc.wantField {
				t.Errorf("%s: %v, want EINVALID on %s", tc.name, err, tc.wantField)
			}
			if r.Status != before.Status || len(r.Notes) != 0 || r.Assignee != before.Assignee {
				t.Errorf("%s: a refused action changed the report: %+v", tc.name, r)
			}
			continue
		}
		if err != nil {
			t.Errorf("%s: %v", tc.name, err)
			continue
		}
		if r.Status != tc.wantStatus || len(r.Notes) != 1 || r.Notes[0].By != "thanhtra" || r.Notes[0].Action != tc.action.Action {
			t.Errorf("%s: %+v", tc.name, r)
		}
		if err := r.Validate(); err != nil {
			t.Errorf("%s: the result is not valid: %v", tc.name, err)
		}
		switch tc.action.Action {
		case ReportActionResolve:
			if r.Resolution != tc.action.Text || r.ResolvedBy != "thanhtra" || r.ResolvedAt == nil {
				t.Errorf("%s: resolution not recorded: %+v", tc.name, r)
			}
		case ReportActionReopen:
			if r.Resolution != "" || r.ResolvedAt != nil {
				t.Errorf("%s: resolution kept: %+v", tc.name, r)
			}
		}
	}
}

func TestRecallOrderCheck(t *testing.T) {
	published := &Batch{Status: BatchPublished}
	for _, tc := range []struct {
		name  string
		o     RecallOrder
		b     *Batch
		field string
	}{
		{"good", RecallOrder{Reason: "Nhiễm nấm mốc", On: "2026-03-10"}, published, ""},
		{"no reason", RecallOrder{Reason: "  ", On: "2026-03-10"}, published, "reason"},
		{"bad date", RecallOrder{Reason: "Nhiễm nấm mốc", On: "10/03/2026"}, published, "on"},
		{"already recalled", RecallOrder{Reason: "Nhiễm nấm mốc", On: "2026-03-10"}, &Batch{Status: BatchRecalled}, "status"},
	} {
		err := tc.o.Check(tc.b)
		if tc.field == "" {
			if err != nil {
				t.Errorf("%s: %v", tc.name, err)
			}
			continue
		}
		e, ok := err.(*Error)
		if !ok || e.Code != EINVALID || e.Fields[0].Field != tc.field {
			t.Errorf("%s: %v, want EINVALID on %s", tc.name, err, tc.field)
		}
	}
}
