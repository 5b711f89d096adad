package registry

import (
	"cmp"
	"context"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
	"time"
)

// The agency's announcement inbox: the deadlines of a dossier, the
// decisions on it, and the numbers of the notices of receipt. Pure rules;
// InboxService keeps them.
//
// Circular 28/2012/TT-BKHCN (amended 2017, 2020): within 3 working days of
// receiving a dossier the agency asks for what is missing; within 5 working
// days of a complete dossier it issues the notice of receipt. The numbers of
// days and the notice's number format are configuration (InboxRules).

// InboxRules is the province's configuration of the inbox. A zero field
// takes its default (DefaultInboxRules).
type InboxRules struct {
	// MissingItemsDays is how many working days after receipt the agency has
	// to ask for missing items.
	MissingItemsDays int `json:"missing_items_days" yaml:"missing_items_days"`
	// ReceiptDays is how many working days after receipt of a complete
	// dossier the agency has to issue the notice of receipt.
	ReceiptDays int `json:"receipt_days" yaml:"receipt_days"`
	// ReceiptNumberFormat is the notice's number, e.g. "{seq}/{year}/TBTN-SKHCN":
	// see ParseReceiptFormat.
	ReceiptNumberFormat string `json:"receipt_number_format" yaml:"receipt_number_format"`
}

// Default inbox rules.
const (
	DefaultMissingItemsDays    = 3
	DefaultReceiptDays         = 5
	DefaultReceiptNumberFormat = "{seq}/{year}/TBTN-SKHCN"
	maxInboxDays               = 60
)

// DefaultInboxRules returns the rules of Circular 28/2012/TT-BKHCN.
func DefaultInboxRules() InboxRules {
	return InboxRules{MissingItemsDays: DefaultMissingItemsDays, ReceiptDays: DefaultReceiptDays, ReceiptNumberFormat: DefaultReceiptNumberFormat}
}

func (r InboxRules) withDefaults() InboxRules {
	if r.MissingItemsDays == 0 {
		r.MissingItemsDays = DefaultMissingItemsDays
	}
	if r.ReceiptDays == 0 {
		r.ReceiptDays = DefaultReceiptDays
	}
	if r.ReceiptNumberFormat == "" {
		r.ReceiptNumberFormat = DefaultReceiptNumberFormat
	}
	return r
}

// Validate checks the rules (zero fields count as their defaults). EINVALID.
func (r InboxRules) Validate() error {
	r = r.withDefaults()
	var p Problems
	for _, f := range []struct {
		field string
		days  int
	}{{"missing_items_days", r.MissingItemsDays}, {"receipt_days", r.ReceiptDays}} {
		if f.days < 1 || f.days > maxInboxDays {
			p.Add(f.field, "range", fmt.Sprintf("must be between 1 and %d working days", maxInboxDays),
				fmt.Sprintf("phải từ 1 đến %d ngày làm việc", maxInboxDays))
		}
	}
	if _, err := ParseReceiptFormat(r.ReceiptNumberFormat); err != nil {
		p.Merge("", err)
	}
	return p.Err()
}

// ReceiptNumber formats the number of the seq-th notice of receipt issued on
// the day on. EINVALID if the format, seq or on is not valid.
func (r InboxRules) ReceiptNumber(seq int, on Date) (string, error) {
	f, err := ParseReceiptFormat(r.withDefaults().ReceiptNumberFormat)
	if err != nil {
		return "", err
	}
	return f.Number(seq, on)
}

// --- the notice of receipt's number

// ReceiptFormat is a parsed receipt number format.
type ReceiptFormat struct {
	parts []receiptPart
}

type receiptPart struct {
	literal string
	field   string // "", "seq", "year", "yy", "month"
	width   int    // zero padding of seq
}

const maxReceiptNumber = 100

// ParseReceiptFormat parses a receipt number format: literal text with the
// placeholders {seq} (the sequence number of the year; {seq:3} pads it with
// zeros to 3 digits), {year} (2026), {yy} (26) and {month} (01–12). It must
// hold {seq} exactly once, and {year} or {yy}, because the sequence starts
// again each year. EINVALID (field "receipt_number_format") otherwise.
func ParseReceiptFormat(s string) (ReceiptFormat, error) {
	const field = "receipt_number_format"
	var p Problems
	requireText(&p, field, s, maxReceiptNumber)
	if !p.Empty() {
		return ReceiptFormat{}, p.Err()
	}
	var f ReceiptFormat
	seqs, years := 0, 0
	for rest := s; rest != ""; {
		open := strings.IndexAny(rest, "{}")
		if open < 0 {
			f.parts = append(f.parts, receiptPart{literal: rest})
			break
		}
		if open > 0 {
			f.parts = append(f.parts, receiptPart{literal: rest[:open]})
		}
		if rest[open] == '}' {
			p.Add(field, "brace", "has a } without a {", "có dấu } mà không có {")
			break
		}
		end := strings.IndexAny(rest[open+1:], "{}")
		if end < 0 || rest[open+1+end] != '}' {
			p.Add(field, "brace", "has a { without a }", "có dấu { mà không có }")
			break
		}
		name := rest[open+1 : open+1+end]
		rest = rest[open+1+end+1:]
		part := receiptPart{field: name}
		if w, ok := strings.CutPrefix(name, "seq:"); ok {
			n, err := strconv.Atoi(w)
			if err != nil || n < 1 || n > 9 {
				p.Add(field, "width", "the width of {seq:N} must be a number from 1 to 9", "độ rộng của {seq:N} phải là số từ 1 đến 9")
				continue
			}
			part = receiptPart{field: "seq", width: n}
		}
		switch part.field {
		case "seq":
			seqs++
		case "year", "yy":
			years++
		case "month":
		default:
			p.Add(field, "placeholder", "unknown placeholder {"+name+"}: use {seq}, {seq:N}, {year}, {yy} or {month}",
				"không có chỗ điền {"+name+"}: dùng {seq}, {seq:N}, {year}, {yy} hoặc {month}")
			continue
		}
		f.parts = append(f.parts, part)
	}
	if p.Empty() && seqs != 1 {
		p.Add(field, "seq", "must hold {seq} exactly once, so every notice has its own number",
			"phải có {seq} đúng một lần để mỗi thông báo có số riêng")
	}
	if p.Empty() && years == 0 {
		p.Add(field, "year", "must hold {year} or {yy}: the sequence starts again each year",
			"phải có {year} hoặc {yy} vì số thứ tự bắt đầu lại mỗi năm")
	}
	if err := p.Err(); err != nil {
		return ReceiptFormat{}, err
	}
	return f, nil
}

// Number formats the seq-th number of the year of on. EINVALID if seq is not
// positive ("seq") or on is not a day ("receipt_date").
func (f ReceiptFormat) Number(seq int, on Date) (string, error) {
	t, err := civilDay("receipt_date", on)
	if err != nil {
		return "", err
	}
	if seq < 1 {
		return "", calendarProblem("seq", "range", "must be 1 or more", "phải từ 1 trở lên")
	}
	var b strings.Builder
	for _, part := range f.parts {
		switch part.field {
		case "":
			b.WriteString(part.literal)
		case "seq":
			fmt.Fprintf(&b, "%0*d", part.width, seq)
		case "year":
			fmt.Fprintf(&b, "%04d", t.Year())
		case "yy":
			fmt.Fprintf(&b, "%02d", t.Year()%100)
		case "month":
			fmt.Fprintf(&b, "%02d", int(t.Month()))
		}
	}
	return b.String(), nil
}

// --- deadlines

// ClockStart returns the day the agency's clock started for the dossier: the
// day it was submitted (SubmittedOn), or, once the agency asked for missing
// items, the day of the resubmission that followed. "" for a draft.
func ClockStart(a *ConformityAnnouncement) Date {
	if a.Status == AnnDraft {
		return ""
	}
	return clockStartBefore(a, len(a.History))
}

// clockStartBefore is the clock start as of the first i history entries.
func clockStartBefore(a *ConformityAnnouncement, i int) Date {
	start, asked := a.SubmittedOn, false
	for _, c := range a.History[:min(max(i, 0), len(a.History))] {
		switch {
		case c.Status == AnnNeedsMore:
			asked = true
		case c.Status == AnnSubmitted && c.On != "" && (asked || start == ""):
			start, asked = c.On, false
		}
	}
	return start
}

// Deadlines returns the last day the agency may ask for missing items and the
// last day it may issue the notice of receipt, counted in working days of cal
// from the last (re)submission. Both "" for a draft or a dossier without a
// valid submission day. They stay those of the last submission whatever the
// status, so a decided dossier shows whether it was decided in time.
func Deadlines(a *ConformityAnnouncement, cal WorkCalendar, rules InboxRules) (askBy, decideBy Date) {
	start := ClockStart(a)
	if start == "" {
		return "", ""
	}
	rules = rules.withDefaults()
	askBy, err := cal.AddWorkingDays(start, rules.MissingItemsDays)
	if err != nil {
		return "", ""
	}
	decideBy, err = cal.AddWorkingDays(start, rules.ReceiptDays)
	if err != nil {
		return "", ""
	}
	return askBy, decideBy
}

// Overdue reports whether a submitted dossier waits past its decide-by day at
// now. A dossier waiting for the enterprise's missing items is not overdue.
func Overdue(a *ConformityAnnouncement, cal WorkCalendar, rules InboxRules, now time.Time) bool {
	if a.Status != AnnSubmitted {
		return false
	}
	_, decideBy := Deadlines(a, cal, rules)
	return decideBy != "" && VietnamDate(now) > decideBy
}

// RequestLate reports whether History[i], a request for missing items, was
// made after the ask-by day of the submission before it. Such a request is
// allowed, but the agency was late.
func RequestLate(a *ConformityAnnouncement, i int, cal WorkCalendar, rules InboxRules) bool {
	if i < 0 || i >= len(a.History) || a.History[i].Status != AnnNeedsMore {
		return false
	}
	start := clockStartBefore(a, i)
	if start == "" {
		return false
	}
	askBy, err := cal.AddWorkingDays(start, rules.withDefaults().MissingItemsDays)
	return err == nil && a.History[i].On > askBy
}

// InboxEntry is one dossier in the agency's inbox with its deadlines at a moment.
type InboxEntry struct {
	Announcement *ConformityAnnouncement `json:"announcement"`
	// Start is the day the clock started: the last (re)submission.
	Start    Date `json:"start"`
	AskBy    Date `json:"ask_by"`
	DecideBy Date `json:"decide_by"`
	// WorkingDaysLeft counts the working days from today to DecideBy,
	// negative when past it.
	WorkingDaysLeft int `json:"working_days_left"`
	// AskLate: a submitted dossier past its ask-by day; asking for missing
	// items now is late.
	AskLate bool `json:"ask_late"`
	// Overdue: a submitted dossier past its decide-by day.
	Overdue bool `json:"overdue"`
}

// NewInboxEntry computes a's deadlines at now.
func NewInboxEntry(a *ConformityAnnouncement, cal WorkCalendar, rules InboxRules, now time.Time) InboxEntry {
	e := InboxEntry{Announcement: a, Start: ClockStart(a)}
	e.AskBy, e.DecideBy = Deadlines(a, cal, rules)
	if e.DecideBy == "" {
		return e
	}
	today := VietnamDate(now)
	e.WorkingDaysLeft, _ = cal.WorkingDaysBetween(today, e.DecideBy)
	if a.Status == AnnSubmitted {
		e.AskLate = today > e.AskBy
		e.Overdue = today > e.DecideBy
	}
	return e
}

// SortInbox orders entries by decide-by day, soonest first (entries without
// one last), then by start day and ID.
func SortInbox(entries []InboxEntry) {
	slices.SortStableFunc(entries, func(x, y InboxEntry) int {
		if (x.DecideBy == "") != (y.DecideBy == "") {
			if x.DecideBy == "" {
				return 1
			}
			return -1
		}
		return cmp.Or(cmp.Compare(x.DecideBy, y.DecideBy), cmp.Compare(x.Start, y.Start),
			cmp.Compare(x.Announcement.ID, y.Announcement.ID))
	})
}

// --- transitions

// Announcement transitions.
const (
	TransitionSubmit              = "submit"                // the enterprise: draft → submitted
	TransitionRequestMissingItems = "request_missing_items" // the agency: submitted → needs_more
	TransitionResubmit            = "resubmit"              // the enterprise: needs_more → submitted; the clock restarts
	TransitionIssueReceipt        = "issue_receipt"         // the agency: submitted → received
	TransitionReject              = "reject"                // the agency: submitted or needs_more → rejected
	TransitionWithdraw            = "withdraw"              // the enterprise: draft, submitted or needs_more → withdrawn
)

type transitionRule struct {
	from     []string
	to       string
	agency   bool // the agency decides (ActDecide); else the enterprise (ActUpdate)
	en, vi   string
	reason   int // minimum length of the reason; 0: optional
	maxRunes int
}

var transitionRules = map[string]transitionRule{
	TransitionSubmit:              {[]string{AnnDraft}, AnnSubmitted, false, "submit", "nộp", 0, 1000},
	TransitionRequestMissingItems: {[]string{AnnSubmitted}, AnnNeedsMore, true, "ask for missing items of", "yêu cầu bổ sung", 3, 2000},
	TransitionResubmit:            {[]string{AnnNeedsMore}, AnnSubmitted, false, "resubmit", "nộp lại", 0, 1000},
	TransitionIssueReceipt:        {[]string{AnnSubmitted}, AnnReceived, true, "issue a notice of receipt for", "cấp thông báo tiếp nhận cho", 0, 1000},
	TransitionReject:              {[]string{AnnSubmitted, AnnNeedsMore}, AnnRejected, true, "reject", "từ chối", 3, 1000},
	TransitionWithdraw:            {[]string{AnnDraft, AnnSubmitted, AnnNeedsMore}, AnnWithdrawn, false, "withdraw", "rút", 0, 1000},
}

var announcementStatusVI = map[string]string{
	AnnDraft: "bản nháp", AnnSubmitted: "đã nộp", AnnNeedsMore: "chờ bổ sung",
	AnnReceived: "đã tiếp nhận", AnnRejected: "bị từ chối", AnnWithdrawn: "đã rút",
}

// AnnouncementTransition is one decision on an announcement's status. Build
// it with SubmitAnnouncement, RequestMissingItems, ResubmitAnnouncement,
// IssueReceipt, RejectAnnouncement or WithdrawAnnouncement.
type AnnouncementTransition struct {
	Action string `json:"action"`
	// Reason: what is missing (request_missing_items, required), why it is
	// rejected (required), a note otherwise (optional).
	Reason        string `json:"reason,omitempty"`
	ReceiptNumber string `json:"receipt_number,omitempty"` // issue_receipt
	ReceiptDate   Date   `json:"receipt_date,omitempty"`   // issue_receipt
}

// SubmitAnnouncement sends a draft to the agency; the clock starts that day.
func SubmitAnnouncement() AnnouncementTransition {
	return AnnouncementTransition{Action: TransitionSubmit}
}

// RequestMissingItems asks the enterprise for what is missing from the dossier.
func RequestMissingItems(what string) AnnouncementTransition {
	return AnnouncementTransition{Action: TransitionRequestMissingItems, Reason: what}
}

// ResubmitAnnouncement sends the completed dossier back; the clock restarts that day.
func ResubmitAnnouncement(note string) AnnouncementTransition {
	return AnnouncementTransition{Action: TransitionResubmit, Reason: note}
}

// IssueReceipt issues the notice of receipt with its number and date.
func IssueReceipt(number string, on Date) AnnouncementTransition {
	return AnnouncementTransition{Action: TransitionIssueReceipt, ReceiptNumber: number, ReceiptDate: on}
}

// RejectAnnouncement refuses the dossier, with the reason.
func RejectAnnouncement(reason string) AnnouncementTransition {
	return AnnouncementTransition{Action: TransitionReject, Reason: reason}
}

// WithdrawAnnouncement is the enterprise taking its dossier back.
func WithdrawAnnouncement(reason string) AnnouncementTransition {
	return AnnouncementTransition{Action: TransitionWithdraw, Reason: reason}
}

// PolicyAction is the policy action the transition needs on the announcement
// (Authorize): ActDecide for the agency's decisions, ActUpdate for the
// enterprise's own steps. "" for an unknown action.
func (t AnnouncementTransition) PolicyAction() string {
	rule, ok := transitionRules[t.Action]
	switch {
	case !ok:
		return ""
	case rule.agency:
		return ActDecide
	}
	return ActUpdate
}

// Apply changes a by t, done by actor at the moment at, and appends the
// StatusChange (status, reason, the day in Vietnam, at, by). EINVALID,
// leaving a unchanged: field "action" for an unknown action; field "status",
// rule "transition" when t may not follow a's status; "reason",
// "receipt_number", "receipt_date" for their values. The receipt date may
// not be before the submission or after today.
func (t AnnouncementTransition) Apply(a *ConformityAnnouncement, actor Actor, at time.Time) error {
	var p Problems
	rule, ok := transitionRules[t.Action]
	if !ok {
		oneOf(&p, "action", t.Action, slices.Sorted(maps.Keys(transitionRules)))
		return p.Err()
	}
	if !slices.Contains(rule.from, a.Status) {
		statusVI := cmp.Or(announcementStatusVI[a.Status], a.Status)
		p.Add("status", "transition", fmt.Sprintf("cannot %s an announcement that is %s", rule.en, a.Status),
			fmt.Sprintf("không thể %s hồ sơ công bố đang ở trạng thái %s", rule.vi, statusVI))
	}
	if rule.reason > 0 && len([]rune(strings.TrimSpace(t.Reason))) < rule.reason {
		p.Add("reason", "required", fmt.Sprintf("give a reason of at least %d characters", rule.reason),
			fmt.Sprintf("cần nêu lý do ít nhất %d ký tự", rule.reason))
	} else {
		checkText(&p, "reason", t.Reason, rule.maxRunes)
	}
	today := VietnamDate(at)
	on := today
	if t.Action == TransitionIssueReceipt {
		requireText(&p, "receipt_number", t.ReceiptNumber, maxReceiptNumber)
		if _, ok := checkDate(&p, "receipt_date", t.ReceiptDate, true); ok {
			switch start := ClockStart(a); {
			case t.ReceiptDate > today:
				p.Add("receipt_date", "future", "cannot be after today", "không được sau ngày hôm nay")
			case start != "" && t.ReceiptDate < start:
				p.Add("receipt_date", "before_submission", "cannot be before the dossier was submitted ("+string(start)+")",
					"không được trước ngày nộp hồ sơ ("+string(start)+")")
			}
		}
		on = t.ReceiptDate
	} else if t.ReceiptNumber != "" || t.ReceiptDate != "" {
		p.Add("receipt_number", "not_allowed", "only a notice of receipt has a number", "chỉ thông báo tiếp nhận mới có số")
	}
	if err := p.Err(); err != nil {
		return err
	}
	reason := strings.TrimSpace(t.Reason)
	switch t.Action {
	case TransitionSubmit:
		a.SubmittedOn = today
	case TransitionRequestMissingItems:
		a.MissingItems = reason
	case TransitionResubmit:
		a.MissingItems = ""
	case TransitionIssueReceipt:
		a.ReceiptNumber, a.ReceiptDate = strings.TrimSpace(t.ReceiptNumber), t.ReceiptDate
	}
	a.Status = rule.to
	a.History = append(slices.Clip(a.History), StatusChange{Status: rule.to, Reason: reason, On: on, At: at, By: actor.Username})
	return nil
}

// --- the service

// InboxFilter selects the dossiers of an agency's inbox, with the
// configuration their deadlines are computed by.
type InboxFilter struct {
	Agency       string
	EnterpriseID string
	Type         string
	// Status is AnnSubmitted or AnnNeedsMore; "" lists both.
	Status string
	// Calendar and Rules compute the deadlines; their zero values are the
	// built-in defaults.
	Calendar WorkCalendar
	Rules    InboxRules
}

// Validate checks the filter. EINVALID.
func (f InboxFilter) Validate() error {
	var p Problems
	checkText(&p, "agency", f.Agency, 200)
	checkRef(&p, "enterprise_id", f.EnterpriseID, false)
	if f.Type != "" {
		oneOf(&p, "type", f.Type, []string{AnnounceStandard, AnnounceRegulation})
	}
	if f.Status != "" {
		oneOf(&p, "status", f.Status, []string{AnnSubmitted, AnnNeedsMore})
	}
	p.Merge("rules.", f.Rules.Validate())
	return p.Err()
}

// InboxService is the agency's side of conformity announcements.
type InboxService interface {
	// TransitionAnnouncement applies t to the announcement id read at
	// version, stamped with the actor of ctx, and returns it as stored.
	// ENOTFOUND if there is none; ESTALE if it changed since version;
	// EINVALID (field "status", rule "transition") when t may not follow its
	// status, and for a bad reason, receipt number or date; ECONFLICT if the
	// receipt number is taken. It does not authorize: see PolicyAction.
	TransitionAnnouncement(ctx context.Context, id string, version int, t AnnouncementTransition) (*ConformityAnnouncement, error)
	// NextReceiptSequence returns the next number of agency's notices of
	// receipt in year, from 1; never the same one twice, also under
	// concurrency (a number taken but not used leaves a gap). EINVALID for a
	// blank agency or a year outside 1900–2200.
	NextReceiptSequence(ctx context.Context, agency string, year int) (int, error)
	// ListInbox returns the submitted and needs_more announcements matching
	// f with their deadlines at the store's clock, soonest decide-by first.
	// EINVALID for a bad filter.
	ListInbox(ctx context.Context, f InboxFilter) ([]InboxEntry, error)
}
