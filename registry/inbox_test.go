package registry_test

import (
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/tracereg/tracereg/registry"
)

// vnTime is a moment in Vietnam.
func vnTime(day string, hour, minute int) time.Time {
	d, err := time.ParseInLocation(time.DateOnly, day, registry.Vietnam)
	if err != nil {
		panic(err)
	}
	return d.Add(time.Duration(hour)*time.Hour + time.Duration(minute)*time.Minute).UTC()
}

// submittedOn is a submitted announcement whose history shows the submission.
func submittedOn(day registry.Date) *registry.ConformityAnnouncement {
	return &registry.ConformityAnnouncement{
		ID: "665f1c2e9b1e8a0001a1b2c3", EnterpriseID: "665f1c2e9b1e8a0001a1b2c4", Type: registry.AnnounceRegulation,
		ProductIDs: []string{"665f1c2e9b1e8a0001a1b2c5"}, StandardCode: "QCVN 01-189:2019/BNNPTNT",
		Basis: registry.BasisSelfAssessment, Agency: "Sở KH&CN Đắk Lắk", Status: registry.AnnSubmitted, SubmittedOn: day,
		History: []registry.StatusChange{
			{Status: registry.AnnDraft, On: "2026-06-01"},
			{Status: registry.AnnSubmitted, On: day},
		},
	}
}

func TestDeadlines(t *testing.T) {
	cal := registry.DefaultWorkCalendar()
	rules := registry.DefaultInboxRules()
	resubmitted := submittedOn("2026-06-12")
	resubmitted.History = append(resubmitted.History,
		registry.StatusChange{Status: registry.AnnNeedsMore, Reason: "thiếu phiếu thử nghiệm", On: "2026-06-15"},
		registry.StatusChange{Status: registry.AnnSubmitted, On: "2026-06-22"})
	noHistory := submittedOn("2026-06-12")
	noHistory.History = nil
	draft := submittedOn("")
	draft.Status, draft.History = registry.AnnDraft, draft.History[:1]
	tests := []struct {
		name            string
		a               *registry.ConformityAnnouncement
		rules           registry.InboxRules
		askBy, decideBy registry.Date
	}{
		{"submitted Friday", submittedOn("2026-06-12"), rules, "2026-06-17", "2026-06-19"},
		{"submitted before Tết", submittedOn("2026-02-13"), rules, "2026-02-25", "2026-02-27"},
		{"submitted on a Saturday", submittedOn("2026-06-13"), rules, "2026-06-17", "2026-06-19"},
		{"resubmission restarts the clock", resubmitted, rules, "2026-06-25", "2026-06-29"},
		{"SubmittedOn without history", noHistory, rules, "2026-06-17", "2026-06-19"},
		{"rules from configuration", submittedOn("2026-06-12"), registry.InboxRules{MissingItemsDays: 2, ReceiptDays: 10}, "2026-06-16", "2026-06-26"},
		{"zero rules are the defaults", submittedOn("2026-06-12"), registry.InboxRules{}, "2026-06-17", "2026-06-19"},
		{"draft has none", draft, rules, "", ""},
	}
	for _, tt := range tests {
		askBy, decideBy := registry.Deadlines(tt.a, cal, tt.rules)
		if askBy != tt.askBy || decideBy != tt.decideBy {
			t.Errorf("%s: Deadlines = %q, %q; want %q, %q", tt.name, askBy, decideBy, tt.askBy, tt.decideBy)
		}
	}
}

func TestOverdue(t *testing.T) {
	cal, rules := registry.DefaultWorkCalendar(), registry.DefaultInboxRules()
	a := submittedOn("2026-06-12") // decide by Friday 19/6
	needsMore := submittedOn("2026-06-12")
	needsMore.Status = registry.AnnNeedsMore
	received := submittedOn("2026-06-12")
	received.Status = registry.AnnReceived
	for _, tt := range []struct {
		name string
		a    *registry.ConformityAnnouncement
		now  time.Time
		want bool
	}{
		{"the last day, late evening in Vietnam", a, vnTime("2026-06-19", 23, 59), false},
		{"just after midnight in Vietnam (still the 19th in UTC)", a, vnTime("2026-06-20", 0, 30), true},
		{"weeks later", a, vnTime("2026-07-15", 9, 0), true},
		{"waiting for the enterprise", needsMore, vnTime("2026-07-15", 9, 0), false},
		{"decided", received, vnTime("2026-07-15", 9, 0), false},
	} {
		if got := registry.Overdue(tt.a, cal, rules, tt.now); got != tt.want {
			t.Errorf("%s: Overdue = %v, want %v", tt.name, got, tt.want)
		}
	}

	e := registry.NewInboxEntry(a, cal, rules, vnTime("2026-06-18", 10, 0))
	want := registry.InboxEntry{Announcement: a, Start: "2026-06-12", AskBy: "2026-06-17", DecideBy: "2026-06-19", WorkingDaysLeft: 1, AskLate: true}
	if !reflect.DeepEqual(e, want) {
		t.Errorf("NewInboxEntry = %+v, want %+v", e, want)
	}
	e = registry.NewInboxEntry(a, cal, rules, vnTime("2026-06-23", 10, 0))
	if !e.Overdue || e.WorkingDaysLeft != -2 {
		t.Errorf("two working days late: %+v", e)
	}
	e = registry.NewInboxEntry(needsMore, cal, rules, vnTime("2026-06-23", 10, 0))
	if e.Overdue || e.AskLate {
		t.Errorf("waiting for the enterprise flagged: %+v", e)
	}
}

func TestSortInbox(t *testing.T) {
	entry := func(id string, start, decideBy registry.Date) registry.InboxEntry {
		return registry.InboxEntry{Announcement: &registry.ConformityAnnouncement{ID: id}, Start: start, DecideBy: decideBy}
	}
	entries := []registry.InboxEntry{
		entry("c", "2026-06-12", "2026-06-19"),
		entry("none", "", ""),
		entry("b", "2026-06-12", "2026-06-19"),
		entry("late", "2026-06-01", "2026-06-08"),
		entry("z", "2026-06-11", "2026-06-19"),
	}
	registry.SortInbox(entries)
	var got []string
	for _, e := range entries {
		got = append(got, e.Announcement.ID)
	}
	if want := []string{"late", "z", "b", "c", "none"}; !slices.Equal(got, want) {
		t.Errorf("SortInbox = %v, want %v", got, want)
	}
}

func TestReceiptFormat(t *testing.T) {
	for _, tt := range []struct {
		format string
		seq    int
		on     registry.Date
		want   string
	}{
		{"{seq}/{year}/TBTN-SKHCN", 7, "2026-06-15", "7/2026/TBTN-SKHCN"},
		{"{seq:3}/TB-SKHCN-{yy}", 7, "2026-06-15", "007/TB-SKHCN-26"},
		{"{seq:3}/TB-SKHCN-{yy}", 1234, "2026-06-15", "1234/TB-SKHCN-26"},
		{"{year}{month}-{seq:4}", 42, "2027-01-04", "202701-0042"},
		{"Số {seq}/{year}/TBTN-TĐC", 12, "2026-12-31", "Số 12/2026/TBTN-TĐC"},
	} {
		f, err := registry.ParseReceiptFormat(tt.format)
		if err != nil {
			t.Fatalf("ParseReceiptFormat(%q): %v", tt.format, err)
		}
		if got, err := f.Number(tt.seq, tt.on); err != nil || got != tt.want {
			t.Errorf("%q.Number(%d, %s) = %q, %v; want %q", tt.format, tt.seq, tt.on, got, err, tt.want)
		}
	}
	for _, tt := range []struct{ format, rule string }{
		{"", "required"},
		{"{seq}/TB-SKHCN", "year"},
		{"{year}/TB-SKHCN", "seq"},
		{"{seq}-{seq}/{year}", "seq"},
		{"{seq}/{nam}", "placeholder"},
		{"{seq:0}/{year}", "width"},
		{"{seq:10}/{year}", "width"},
		{"{seq:x}/{year}", "width"},
		{"{seq/{year}", "brace"},
		{"{seq}}/{year}", "brace"},
		{"{seq}/{year", "brace"},
		{"{seq}/{year}/" + strings.Repeat("X", 100), "max_length"},
		{"{seq}\n{year}\x01", "control_characters"},
	} {
		_, err := registry.ParseReceiptFormat(tt.format)
		wantRule(t, err, "receipt_number_format/"+tt.rule)
	}
	f, _ := registry.ParseReceiptFormat(registry.DefaultReceiptNumberFormat)
	_, err := f.Number(0, "2026-06-15")
	wantRule(t, err, "seq/range")
	_, err = f.Number(1, "15/06/2026")
	wantRule(t, err, "receipt_date/date")

	rules := registry.InboxRules{ReceiptNumberFormat: "{seq:2}/{yy}/TB"}
	if got, err := rules.ReceiptNumber(3, "2026-06-15"); err != nil || got != "03/26/TB" {
		t.Errorf("ReceiptNumber = %q, %v", got, err)
	}
	if got, err := (registry.InboxRules{}).ReceiptNumber(3, "2026-06-15"); err != nil || got != "3/2026/TBTN-SKHCN" {
		t.Errorf("default ReceiptNumber = %q, %v", got, err)
	}
}

func TestInboxRulesValidate(t *testing.T) {
	wantValid(t, registry.InboxRules{}.Validate())
	wantValid(t, registry.DefaultInboxRules().Validate())
	wantRule(t, registry.InboxRules{MissingItemsDays: -1}.Validate(), "missing_items_days/range")
	wantRule(t, registry.InboxRules{ReceiptDays: 61}.Validate(), "receipt_days/range")
	wantRule(t, registry.InboxRules{ReceiptNumberFormat: "TB-{seq}"}.Validate(), "receipt_number_format/year")
	wantRule(t, registry.InboxFilter{Status: registry.AnnReceived}.Validate(), "status/one_of")
	wantRule(t, registry.InboxFilter{Rules: registry.InboxRules{ReceiptDays: -5}}.Validate(), "rules.receipt_days/range")
	wantRule(t, registry.InboxFilter{EnterpriseID: `{"$gt": ""}`}.Validate(), "enterprise_id/id")
}

func TestTransitionsStampHistory(t *testing.T) {
	inspector := registry.Actor{UserID: "u1", Username: "thanhtra.dl", Role: registry.RoleInspector}
	owner := registry.Actor{UserID: "u2", Username: "htx.eatu", Role: registry.RoleEnterprise}
	a := submittedOn("")
	a.Status, a.SubmittedOn, a.History = registry.AnnDraft, "", a.History[:1]

	steps := []struct {
		t      registry.AnnouncementTransition
		by     registry.Actor
		at     time.Time
		status string
		change registry.StatusChange
	}{
		{registry.SubmitAnnouncement(), owner, vnTime("2026-06-12", 6, 30), registry.AnnSubmitted,
			registry.StatusChange{Status: registry.AnnSubmitted, On: "2026-06-12", By: "htx.eatu"}},
		{registry.RequestMissingItems("  Thiếu phiếu kết quả thử nghiệm  "), inspector, vnTime("2026-06-16", 9, 0), registry.AnnNeedsMore,
			registry.StatusChange{Status: registry.AnnNeedsMore, Reason: "Thiếu phiếu kết quả thử nghiệm", On: "2026-06-16", By: "thanhtra.dl"}},
		{registry.ResubmitAnnouncement("đã bổ sung"), owner, vnTime("2026-06-22", 8, 0), registry.AnnSubmitted,
			registry.StatusChange{Status: registry.AnnSubmitted, Reason: "đã bổ sung", On: "2026-06-22", By: "htx.eatu"}},
		{registry.IssueReceipt("15/2026/TBTN-SKHCN", "2026-06-24"), inspector, vnTime("2026-06-25", 0, 10), registry.AnnReceived,
			registry.StatusChange{Status: registry.AnnReceived, On: "2026-06-24", By: "thanhtra.dl"}},
	}
	for i, s := range steps {
		if err := s.t.Apply(a, s.by, s.at); err != nil {
			t.Fatalf("step %d %s: %v", i, s.t.Action, err)
		}
		s.change.At = s.at
		if a.Status != s.status || !reflect.DeepEqual(a.History[len(a.History)-1], s.change) || len(a.History) != i+2 {
			t.Fatalf("step %d %s: status %s, history %+v; want %s ending %+v", i, s.t.Action, a.Status, a.History, s.status, s.change)
		}
		wantValid(t, a.Validate())
		switch s.t.Action {
		case registry.TransitionSubmit:
			if a.SubmittedOn != "2026-06-12" {
				t.Fatalf("SubmittedOn = %q", a.SubmittedOn)
			}
		case registry.TransitionRequestMissingItems:
			if a.MissingItems != "Thiếu phiếu kết quả thử nghiệm" {
				t.Fatalf("MissingItems = %q", a.MissingItems)
			}
		case registry.TransitionResubmit:
			if a.MissingItems != "" || a.SubmittedOn != "2026-06-12" || registry.ClockStart(a) != "2026-06-22" {
				t.Fatalf("after resubmission: missing %q, submitted %s, clock from %s", a.MissingItems, a.SubmittedOn, registry.ClockStart(a))
			}
		}
	}
	if a.ReceiptNumber != "15/2026/TBTN-SKHCN" || a.ReceiptDate != "2026-06-24" || !a.MayCarryCRMark() {
		t.Fatalf("received: %+v", a)
	}
	if registry.RequestLate(a, 2, registry.DefaultWorkCalendar(), registry.DefaultInboxRules()) {
		t.Error("a request on the 2nd working day flagged late")
	}
}

func TestRequestLate(t *testing.T) {
	cal, rules := registry.DefaultWorkCalendar(), registry.DefaultInboxRules()
	ask := func(submitted registry.Date, at time.Time) *registry.ConformityAnnouncement {
		a := submittedOn(submitted)
		if err := registry.RequestMissingItems("thiếu tài liệu").Apply(a, registry.Actor{Username: "tt"}, at); err != nil {
			t.Fatalf("a request after the 3-day mark is still allowed: %v", err)
		}
		return a
	}
	if a := ask("2026-06-12", vnTime("2026-06-17", 16, 0)); registry.RequestLate(a, 2, cal, rules) {
		t.Error("request on the 3rd working day flagged late")
	}
	if a := ask("2026-06-12", vnTime("2026-06-18", 8, 0)); !registry.RequestLate(a, 2, cal, rules) {
		t.Error("request on the 4th working day not flagged late")
	}
	// Before Tết 2026 the holidays give the agency until 25/2.
	if a := ask("2026-02-13", vnTime("2026-02-25", 8, 0)); registry.RequestLate(a, 2, cal, rules) {
		t.Error("request on 25/2 2026 flagged late: Tết counted as working days")
	}
	a := ask("2026-06-12", vnTime("2026-06-18", 8, 0))
	if registry.RequestLate(a, 1, cal, rules) || registry.RequestLate(a, 9, cal, rules) {
		t.Error("an entry that is not a request flagged late")
	}
}

// TestBadTransitions tries every action from every status: only the
// lifecycle's arrows are allowed, every other pair is EINVALID naming
// "status" and "transition" in English and Vietnamese, and leaves the
// announcement as it was.
func TestBadTransitions(t *testing.T) {
	allowed := map[string][]string{
		registry.TransitionSubmit:              {registry.AnnDraft},
		registry.TransitionRequestMissingItems: {registry.AnnSubmitted},
		registry.TransitionResubmit:            {registry.AnnNeedsMore},
		registry.TransitionIssueReceipt:        {registry.AnnSubmitted},
		registry.TransitionReject:              {registry.AnnSubmitted, registry.AnnNeedsMore},
		registry.TransitionWithdraw:            {registry.AnnDraft, registry.AnnSubmitted, registry.AnnNeedsMore},
	}
	transitions := map[string]registry.AnnouncementTransition{
		registry.TransitionSubmit:              registry.SubmitAnnouncement(),
		registry.TransitionRequestMissingItems: registry.RequestMissingItems("thiếu phiếu thử nghiệm"),
		registry.TransitionResubmit:            registry.ResubmitAnnouncement(""),
		registry.TransitionIssueReceipt:        registry.IssueReceipt("9/2026/TBTN-SKHCN", "2026-06-15"),
		registry.TransitionReject:              registry.RejectAnnouncement("sai quy chuẩn áp dụng"),
		registry.TransitionWithdraw:            registry.WithdrawAnnouncement("ngừng sản xuất"),
	}
	statuses := []string{registry.AnnDraft, registry.AnnSubmitted, registry.AnnNeedsMore, registry.AnnReceived, registry.AnnRejected, registry.AnnWithdrawn}
	at := vnTime("2026-06-15", 10, 0)
	for action, tr := range transitions {
		for _, status := range statuses {
			a := submittedOn("2026-06-12")
			a.Status = status
			before := *a
			before.History = slices.Clone(a.History)
			err := tr.Apply(a, registry.Actor{Username: "x"}, at)
			if slices.Contains(allowed[action], status) {
				if err != nil {
					t.Errorf("%s from %s: %v", action, status, err)
				}
				continue
			}
			wantRule(t, err, "status/transition")
			f := registry.PublicError(err).Fields[0]
			if !strings.Contains(f.Message, status) || !strings.Contains(f.MessageVI, "không thể") {
				t.Errorf("%s from %s: messages %q / %q", action, status, f.Message, f.MessageVI)
			}
			if !reflect.DeepEqual(*a, before) {
				t.Errorf("%s from %s: a refused transition changed the announcement", action, status)
			}
		}
	}
}

func TestTransitionFields(t *testing.T) {
	at := vnTime("2026-06-15", 10, 0)
	for _, tt := range []struct {
		name      string
		t         registry.AnnouncementTransition
		fieldRule string
	}{
		{"unknown action", registry.AnnouncementTransition{Action: "approve"}, "action/one_of"},
		{"request without saying what", registry.RequestMissingItems("  "), "reason/required"},
		{"reject without a reason", registry.RejectAnnouncement("no"), "reason/required"},
		{"reason too long", registry.WithdrawAnnouncement(strings.Repeat("x", 1001)), "reason/max_length"},
		{"missing items too long", registry.RequestMissingItems(strings.Repeat("x", 2001)), "reason/max_length"},
		{"receipt without number", registry.IssueReceipt(" ", "2026-06-15"), "receipt_number/required"},
		{"receipt without date", registry.IssueReceipt("1/2026/TB", ""), "receipt_date/required"},
		{"receipt date malformed", registry.IssueReceipt("1/2026/TB", "15/06/2026"), "receipt_date/date"},
		{"receipt tomorrow", registry.IssueReceipt("1/2026/TB", "2026-06-16"), "receipt_date/future"},
		{"receipt before submission", registry.IssueReceipt("1/2026/TB", "2026-06-11"), "receipt_date/before_submission"},
		{"a number on a rejection", registry.AnnouncementTransition{Action: registry.TransitionReject, Reason: "sai hồ sơ", ReceiptNumber: "1/2026/TB"}, "receipt_number/not_allowed"},
	} {
		a := submittedOn("2026-06-12")
		before := len(a.History)
		err := tt.t.Apply(a, registry.Actor{Username: "x"}, at)
		if err == nil {
			t.Errorf("%s: accepted", tt.name)
			continue
		}
		wantRule(t, err, tt.fieldRule)
		if a.Status != registry.AnnSubmitted || len(a.History) != before {
			t.Errorf("%s: a refused transition changed the announcement", tt.name)
		}
	}
	// A wrong status and a wrong field are reported together.
	a := submittedOn("2026-06-12")
	a.Status = registry.AnnReceived
	err := registry.RejectAnnouncement("").Apply(a, registry.Actor{}, at)
	wantRule(t, err, "status/transition")
	wantRule(t, err, "reason/required")
}

func TestTransitionPolicyAction(t *testing.T) {
	for action, want := range map[registry.AnnouncementTransition]string{
		registry.SubmitAnnouncement():            registry.ActUpdate,
		registry.ResubmitAnnouncement(""):        registry.ActUpdate,
		registry.WithdrawAnnouncement(""):        registry.ActUpdate,
		registry.RequestMissingItems("x"):        registry.ActDecide,
		registry.IssueReceipt("1", "2026-06-15"): registry.ActDecide,
		registry.RejectAnnouncement("x"):         registry.ActDecide,
		{Action: "approve"}:                      "",
	} {
		if got := action.PolicyAction(); got != want {
			t.Errorf("%s: PolicyAction = %q, want %q", action.Action, got, want)
		}
	}
}

// A draft withdrawn before it was ever submitted is still a valid record
// (it has no submission day), so the store accepts the withdrawal.
func TestWithdrawNeverSubmittedDraft(t *testing.T) {
	a := submittedOn("2026-06-12")
	a.Status, a.SubmittedOn, a.History = registry.AnnDraft, "", nil
	if err := a.Validate(); err != nil {
		t.Fatalf("draft: %v", err)
	}
	if err := registry.WithdrawAnnouncement("ngừng sản xuất").Apply(a, registry.Actor{Username: "x"}, vnTime("2026-06-15", 10, 0)); err != nil {
		t.Fatal(err)
	}
	if err := a.Validate(); err != nil {
		t.Fatalf("withdrawn draft: %v", err)
	}
	// A submitted dossier still needs its submission day.
	b := submittedOn("2026-06-12")
	b.Status, b.SubmittedOn = registry.AnnReceived, ""
	wantRule(t, b.Validate(), "submitted_on/required")
}
