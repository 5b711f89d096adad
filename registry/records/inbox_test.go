package records_test

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/tracereg/tracereg/registry"
	"github.com/tracereg/tracereg/registry/records"
	"github.com/tracereg/tracereg/registry/records/recordstest"
)

// movingClock is a clock the test moves from day to day.
type movingClock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *movingClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

// setVN moves the clock to hour:00 in Vietnam on day.
func (c *movingClock) setVN(day string, hour int) {
	d, err := time.ParseInLocation(time.DateOnly, day, registry.Vietnam)
	if err != nil {
		panic(err)
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = d.Add(time.Duration(hour) * time.Hour).UTC()
}

// announcementIn creates an announcement of e with status and a history
// whose last submission was on submitted.
func announcementIn(t *testing.T, db *records.DB, e *registry.Enterprise, productID, status string, submitted registry.Date) *registry.ConformityAnnouncement {
	t.Helper()
	a := announcementData(e.ID, productID)
	a.Status = status
	a.History = []registry.StatusChange{{Status: registry.AnnDraft, On: "2026-05-01"}}
	if status != registry.AnnDraft {
		a.SubmittedOn = submitted
		a.History = append(a.History, registry.StatusChange{Status: registry.AnnSubmitted, On: submitted})
	}
	switch status {
	case registry.AnnNeedsMore:
		a.MissingItems = "thiếu phiếu thử nghiệm"
		a.History = append(a.History, registry.StatusChange{Status: status, Reason: a.MissingItems, On: submitted})
	case registry.AnnReceived:
		a.ReceiptNumber, a.ReceiptDate = fmt.Sprintf("%s/2026/TBTN-SKHCN", bson.NewObjectID().Hex()), submitted
		a.History = append(a.History, registry.StatusChange{Status: status, On: submitted})
	case registry.AnnRejected, registry.AnnWithdrawn:
		a.History = append(a.History, registry.StatusChange{Status: status, Reason: "lý do", On: submitted})
	}
	if err := db.CreateAnnouncement(context.Background(), a); err != nil {
		t.Fatalf("create %s announcement: %v", status, err)
	}
	return a
}

func TestTransitionAnnouncement(t *testing.T) {
	t.Parallel()
	clock := &movingClock{}
	clock.setVN("2026-06-12", 9) // a Friday
	db := recordstest.NewWithClock(t, clock)
	owner := registry.WithActor(context.Background(), registry.Actor{Username: "htx.eatu", Role: registry.RoleEnterprise})
	inspector := registry.WithActor(context.Background(), registry.Actor{Username: "thanhtra.dl", Role: registry.RoleInspector})
	e := mustEnterprise(t, db)
	p := mustProduct(t, db, e.ID, "")
	a := announcementData(e.ID, p.ID)
	if err := db.CreateAnnouncement(owner, a); err != nil {
		t.Fatal(err)
	}

	step := func(ctx context.Context, version int, tr registry.AnnouncementTransition, status string) *registry.ConformityAnnouncement {
		t.Helper()
		got, err := db.TransitionAnnouncement(ctx, a.ID, version, tr)
		if err != nil {
			t.Fatalf("%s at version %d: %v", tr.Action, version, err)
		}
		stored, err := db.FindAnnouncement(ctx, a.ID)
		if err != nil {
			t.Fatal(err)
		}
		if got.Status != status || got.Version != version+1 || stored.Status != status || stored.Version != version+1 ||
			len(stored.History) != len(got.History) || !stored.UpdatedAt.Equal(clock.Now()) {
			t.Fatalf("%s: returned %s v%d, stored %s v%d (history %d/%d, updated %v)", tr.Action,
				got.Status, got.Version, stored.Status, stored.Version, len(got.History), len(stored.History), stored.UpdatedAt)
		}
		return stored
	}

	s := step(owner, 1, registry.SubmitAnnouncement(), registry.AnnSubmitted)
	if s.SubmittedOn != "2026-06-12" {
		t.Fatalf("SubmittedOn = %q", s.SubmittedOn)
	}

	// Tuesday: the agency asks for more; by someone else's stale read, no.
	clock.setVN("2026-06-16", 14)
	err := unchanged(t, db, records.ColAnnouncements, func() error {
		_, err := db.TransitionAnnouncement(inspector, a.ID, 1, registry.RequestMissingItems("thiếu phiếu thử nghiệm"))
		return err
	})
	wantCode(t, err, registry.ESTALE)
	if got, _ := db.FindAnnouncement(inspector, a.ID); got.Version != 2 || got.Status != registry.AnnSubmitted {
		t.Fatalf("a stale transition changed the record: %+v", got)
	}
	s = step(inspector, 2, registry.RequestMissingItems("Thiếu phiếu kết quả thử nghiệm"), registry.AnnNeedsMore)
	last := s.History[len(s.History)-1]
	if s.MissingItems != "Thiếu phiếu kết quả thử nghiệm" || last.Status != registry.AnnNeedsMore || last.On != "2026-06-16" ||
		last.By != "thanhtra.dl" || last.Reason != s.MissingItems || !last.At.Equal(clock.Now()) {
		t.Fatalf("request stamped %+v, missing %q", last, s.MissingItems)
	}

	// The same stale version again now meets a changed record.
	_, err = db.TransitionAnnouncement(inspector, a.ID, 2, registry.RejectAnnouncement("hồ sơ sai"))
	wantCode(t, err, registry.ESTALE)

	clock.setVN("2026-06-22", 8)
	s = step(owner, 3, registry.ResubmitAnnouncement("đã bổ sung"), registry.AnnSubmitted)
	if askBy, decideBy := registry.Deadlines(s, registry.DefaultWorkCalendar(), registry.DefaultInboxRules()); askBy != "2026-06-25" || decideBy != "2026-06-29" {
		t.Fatalf("after resubmission deadlines %s, %s; want the clock restarted on 22/6", askBy, decideBy)
	}

	clock.setVN("2026-06-24", 10)
	seq, err := db.NextReceiptSequence(inspector, s.Agency, 2026)
	if err != nil {
		t.Fatal(err)
	}
	number, err := registry.DefaultInboxRules().ReceiptNumber(seq, "2026-06-24")
	if err != nil || number != "1/2026/TBTN-SKHCN" {
		t.Fatalf("receipt number %q, %v", number, err)
	}
	s = step(inspector, 4, registry.IssueReceipt(number, "2026-06-24"), registry.AnnReceived)
	if s.ReceiptNumber != number || s.ReceiptDate != "2026-06-24" || !s.MayCarryCRMark() {
		t.Fatalf("received: %+v", s)
	}
	if got := len(s.History); got != 5 {
		t.Fatalf("history has %d entries, want draft, submitted, needs_more, submitted, received: %+v", got, s.History)
	}

	// Decided: every action now refused, nothing stored.
	for _, tr := range []registry.AnnouncementTransition{
		registry.RejectAnnouncement("hồ sơ sai"), registry.WithdrawAnnouncement(""), registry.RequestMissingItems("x y z"),
		registry.IssueReceipt("2/2026/TBTN-SKHCN", "2026-06-24"), registry.ResubmitAnnouncement(""), registry.SubmitAnnouncement(),
	} {
		_, err := db.TransitionAnnouncement(inspector, a.ID, 5, tr)
		wantField(t, err, "status", "transition")
	}
	if got, _ := db.FindAnnouncement(inspector, a.ID); got.Version != 5 || got.Status != registry.AnnReceived {
		t.Fatalf("refused transitions changed the record: v%d %s", got.Version, got.Status)
	}

	// The notice's number is unique across announcements.
	other := announcementIn(t, db, e, p.ID, registry.AnnSubmitted, "2026-06-23")
	_, err = db.TransitionAnnouncement(inspector, other.ID, 1, registry.IssueReceipt(number, "2026-06-24"))
	wantCode(t, err, registry.ECONFLICT)
	if got, _ := db.FindAnnouncement(inspector, other.ID); got.Version != 1 || got.Status != registry.AnnSubmitted || got.ReceiptNumber != "" {
		t.Fatalf("a conflicting receipt changed the record: %+v", got)
	}
	_, err = db.TransitionAnnouncement(inspector, bson.NewObjectID().Hex(), 1, registry.RejectAnnouncement("không có"))
	wantCode(t, err, registry.ENOTFOUND)
	_, err = db.TransitionAnnouncement(inspector, "not-an-id", 1, registry.RejectAnnouncement("không có"))
	wantCode(t, err, registry.ENOTFOUND)
	_, err = db.TransitionAnnouncement(inspector, other.ID, 1, registry.AnnouncementTransition{Action: "approve"})
	wantField(t, err, "action", "one_of")
}

// TestTransitionAnnouncementRefusals tries, on stored records, every action
// from every status the lifecycle does not allow it from.
func TestTransitionAnnouncementRefusals(t *testing.T) {
	t.Parallel()
	db, ctx := newStore(t), context.Background()
	e := mustEnterprise(t, db)
	p := mustProduct(t, db, e.ID, "")
	refused := map[string][]registry.AnnouncementTransition{
		registry.AnnDraft: {registry.RequestMissingItems("thiếu hồ sơ"), registry.ResubmitAnnouncement(""),
			registry.IssueReceipt("1/2026/TB", "2026-06-15"), registry.RejectAnnouncement("sai hồ sơ")},
		registry.AnnSubmitted: {registry.SubmitAnnouncement(), registry.ResubmitAnnouncement("")},
		registry.AnnNeedsMore: {registry.SubmitAnnouncement(), registry.RequestMissingItems("thiếu nữa"),
			registry.IssueReceipt("1/2026/TB", "2026-06-15")},
	}
	all := []registry.AnnouncementTransition{registry.SubmitAnnouncement(), registry.RequestMissingItems("thiếu hồ sơ"),
		registry.ResubmitAnnouncement(""), registry.IssueReceipt("1/2026/TB", "2026-06-15"), registry.RejectAnnouncement("sai hồ sơ"),
		registry.WithdrawAnnouncement("")}
	for _, final := range []string{registry.AnnReceived, registry.AnnRejected, registry.AnnWithdrawn} {
		refused[final] = all
	}
	for status, trs := range refused {
		a := announcementIn(t, db, e, p.ID, status, "2026-06-12")
		for _, tr := range trs {
			err := unchanged(t, db, records.ColAnnouncements, func() error {
				_, err := db.TransitionAnnouncement(ctx, a.ID, 1, tr)
				return err
			})
			wantField(t, err, "status", "transition")
			msg := registry.PublicError(err).Fields[0]
			if !strings.Contains(msg.Message, status) || msg.MessageVI == "" {
				t.Errorf("%s from %s: %+v", tr.Action, status, msg)
			}
		}
		if got, _ := db.FindAnnouncement(ctx, a.ID); got.Version != 1 || got.Status != status {
			t.Errorf("refused transitions from %s stored v%d %s", status, got.Version, got.Status)
		}
	}
}

func TestNextReceiptSequence(t *testing.T) {
	t.Parallel()
	db, ctx := newStore(t), context.Background()
	const agency, n = "Sở KH&CN Đắk Lắk", 20
	got := make([]int, n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() { got[i], errs[i] = db.NextReceiptSequence(ctx, agency, 2026) })
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Fatalf("goroutine %d: %v", i, err)
		}
	}
	slices.Sort(got)
	want := make([]int, n)
	for i := range want {
		want[i] = i + 1
	}
	if !slices.Equal(got, want) {
		t.Fatalf("concurrent sequence numbers %v, want 1..%d once each", got, n)
	}
	for _, tt := range []struct {
		agency string
		year   int
		want   int
	}{
		{agency, 2026, n + 1},
		{"  " + agency + " ", 2026, n + 2},  // the same agency, spaces trimmed
		{agency, 2027, 1},                   // a new year starts again
		{"Chi cục TCĐLCL Đắk Lắk", 2026, 1}, // another agency has its own
	} {
		if seq, err := db.NextReceiptSequence(ctx, tt.agency, tt.year); err != nil || seq != tt.want {
			t.Errorf("NextReceiptSequence(%q, %d) = %d, %v; want %d", tt.agency, tt.year, seq, err, tt.want)
		}
	}
	_, err := db.NextReceiptSequence(ctx, " ", 2026)
	wantField(t, err, "agency", "required")
	_, err = db.NextReceiptSequence(ctx, agency, 26)
	wantField(t, err, "year", "range")
}

func TestListInbox(t *testing.T) {
	t.Parallel()
	db, ctx := newStore(t), context.Background() // today: Monday 15 June 2026
	e := mustEnterprise(t, db)
	p := mustProduct(t, db, e.ID, "")
	soon := announcementIn(t, db, e, p.ID, registry.AnnSubmitted, "2026-06-12")    // decide by Fri 19/6
	overdue := announcementIn(t, db, e, p.ID, registry.AnnSubmitted, "2026-06-01") // decide by Mon 8/6
	waiting := announcementIn(t, db, e, p.ID, registry.AnnNeedsMore, "2026-06-10") // decide by Wed 17/6
	fresh := announcementIn(t, db, e, p.ID, registry.AnnSubmitted, "2026-06-15")   // decide by Mon 22/6
	for _, status := range []string{registry.AnnDraft, registry.AnnReceived, registry.AnnRejected, registry.AnnWithdrawn} {
		announcementIn(t, db, e, p.ID, status, "2026-06-01")
	}
	elsewhere := announcementData(e.ID, p.ID)
	elsewhere.Agency, elsewhere.Status, elsewhere.SubmittedOn = "Sở Nông nghiệp Đắk Lắk", registry.AnnSubmitted, "2026-06-11"
	if err := db.CreateAnnouncement(ctx, elsewhere); err != nil {
		t.Fatal(err)
	}
	other := mustEnterprise(t, db)
	theirs := announcementIn(t, db, other, mustProduct(t, db, other.ID, "").ID, registry.AnnSubmitted, "2026-06-09")
	standard := announcementData(e.ID, p.ID)
	standard.Type, standard.StandardCode, standard.Status, standard.SubmittedOn = registry.AnnounceStandard, "TCVN 4193:2014", registry.AnnSubmitted, "2026-06-03"
	if err := db.CreateAnnouncement(ctx, standard); err != nil {
		t.Fatal(err)
	}

	list := func(f registry.InboxFilter) []registry.InboxEntry {
		t.Helper()
		entries, err := db.ListInbox(ctx, f)
		if err != nil {
			t.Fatalf("ListInbox(%+v): %v", f, err)
		}
		return entries
	}
	order := func(entries []registry.InboxEntry) []string {
		var out []string
		for _, e := range entries {
			out = append(out, e.Announcement.ID)
		}
		return out
	}
	// elsewhere was created submitted on Thu 11/6: decide by Thu 18/6,
	// although its history (written at creation) says 15/6.
	all := list(registry.InboxFilter{})
	want := []string{overdue.ID, standard.ID, theirs.ID, waiting.ID, elsewhere.ID, soon.ID, fresh.ID}
	if got := order(all); !slices.Equal(got, want) {
		t.Fatalf("inbox order %v, want %v", got, want)
	}
	byID := map[string]registry.InboxEntry{}
	for _, x := range all {
		byID[x.Announcement.ID] = x
	}
	if x := byID[overdue.ID]; !x.Overdue || x.DecideBy != "2026-06-08" || x.WorkingDaysLeft != -5 {
		t.Errorf("overdue entry %+v", x)
	}
	if x := byID[waiting.ID]; x.Overdue || x.AskLate || x.Announcement.Status != registry.AnnNeedsMore {
		t.Errorf("needs_more entry %+v", x)
	}
	if x := byID[soon.ID]; x.Overdue || x.AskBy != "2026-06-17" || x.DecideBy != "2026-06-19" || x.WorkingDaysLeft != 4 {
		t.Errorf("submitted entry %+v", x)
	}

	if got := order(list(registry.InboxFilter{Agency: "Sở KH&CN Đắk Lắk", EnterpriseID: e.ID, Type: registry.AnnounceRegulation})); !slices.Equal(got, []string{overdue.ID, waiting.ID, soon.ID, fresh.ID}) {
		t.Errorf("filtered inbox %v", got)
	}
	if got := order(list(registry.InboxFilter{Status: registry.AnnNeedsMore})); !slices.Equal(got, []string{waiting.ID}) {
		t.Errorf("needs_more inbox %v", got)
	}

	// The province's calendar and rules give the deadlines: with a holiday on
	// Tue 16/6 and 10 days to decide, overdue (1/6) is due today, not late.
	cal, err := registry.LoadWorkCalendar(strings.NewReader("2026-06-16 off Ngày nghỉ của tỉnh\n"))
	if err != nil {
		t.Fatal(err)
	}
	entries := list(registry.InboxFilter{EnterpriseID: e.ID, Agency: "Sở KH&CN Đắk Lắk", Type: registry.AnnounceRegulation,
		Calendar: cal, Rules: registry.InboxRules{ReceiptDays: 10}})
	if got := order(entries); !slices.Equal(got, []string{overdue.ID, waiting.ID, soon.ID, fresh.ID}) {
		t.Errorf("inbox order with the province's calendar %v", got)
	}
	for _, x := range entries {
		if x.Announcement.ID == soon.ID && x.DecideBy != "2026-06-29" {
			t.Errorf("decide-by with a holiday on 16/6 and 10 days: %s, want 2026-06-29", x.DecideBy)
		}
		if x.Announcement.ID == overdue.ID && (x.Overdue || x.DecideBy != "2026-06-15" || x.WorkingDaysLeft != 0) {
			t.Errorf("with 10 days to decide, the dossier of 1/6 is due today: %+v", x)
		}
	}

	_, err = db.ListInbox(ctx, registry.InboxFilter{Status: registry.AnnReceived})
	wantField(t, err, "status", "one_of")
	_, err = db.ListInbox(ctx, registry.InboxFilter{EnterpriseID: `{"$ne": ""}`})
	wantField(t, err, "enterprise_id", "id")
}
