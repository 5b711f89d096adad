package registry

import (
	"context"
	"strings"
	"time"
)

// RecallOrder is the decision to recall a lot: why, and from which day.
type RecallOrder struct {
	Reason string `json:"reason"`
	On     Date   `json:"on"`
}

// Check reports what stops recalling b by the order. EINVALID: "reason" (3
// to 1000 characters), "on" (a day), "status" (rule "recalled") when b is
// already recalled.
func (o RecallOrder) Check(b *Batch) error {
	var p Problems
	if n := len([]rune(strings.TrimSpace(o.Reason))); n < 3 || n > 1000 {
		p.Add("reason", "required", "give a reason of 3 to 1000 characters", "cần nêu lý do từ 3 đến 1000 ký tự")
	} else {
		checkText(&p, "reason", o.Reason, 1000)
	}
	if _, err := o.On.Time(); err != nil {
		p.Add("on", "date", "must be a date written YYYY-MM-DD", "phải là ngày dạng YYYY-MM-DD")
	}
	if b.Status == BatchRecalled {
		p.Add("status", "recalled", "the lot is already recalled", "lô hàng đã bị thu hồi")
	}
	return p.Err()
}

// RecallBatch recalls b, as read at b.Version: its status becomes recalled
// and the recall (reason, day, by, at) is recorded on it. The lots made from
// it show the recall through their genealogy. It returns the stored lot; b
// is left as read. EINVALID (see RecallOrder.Check), ENOTFOUND, ESTALE. It
// does not authorize: the caller checks ActRecall.
func RecallBatch(ctx context.Context, s BatchService, b *Batch, o RecallOrder, by string, at time.Time) (*Batch, error) {
	if err := o.Check(b); err != nil {
		return nil, err
	}
	next := *b
	next.Status = BatchRecalled
	next.Recall = &Recall{Reason: strings.TrimSpace(o.Reason), On: o.On, By: by, At: at.UTC()}
	if err := s.UpdateBatch(ctx, &next); err != nil {
		return nil, err
	}
	return &next, nil
}

// LiftRecall ends b's recall, as read at b.Version, once the agency finds
// the lot safe after all: it is published again, and the recall stays in
// its history with why and when it was lifted, so the public page tells
// the whole story. EINVALID: "reason", "on" (see RecallOrder.Check; on not
// before the recall's day), "status" (rule "not_recalled"); ENOTFOUND,
// ESTALE. It does not authorize: the caller checks ActDecide (the agency's).
func LiftRecall(ctx context.Context, s BatchService, b *Batch, o RecallOrder, by string, at time.Time) (*Batch, error) {
	var p Problems
	if n := len([]rune(strings.TrimSpace(o.Reason))); n < 3 || n > 1000 {
		p.Add("reason", "required", "give a reason of 3 to 1000 characters", "cần nêu lý do từ 3 đến 1000 ký tự")
	} else {
		checkText(&p, "reason", o.Reason, 1000)
	}
	if _, err := o.On.Time(); err != nil {
		p.Add("on", "date", "must be a date written YYYY-MM-DD", "phải là ngày dạng YYYY-MM-DD")
	} else if b.Recall != nil && b.Recall.On != "" && o.On < b.Recall.On {
		p.Add("on", "date_order", "must not be before the day of the recall", "không được trước ngày thu hồi")
	}
	if b.Status != BatchRecalled {
		p.Add("status", "not_recalled", "the lot is not recalled", "lô hàng không bị thu hồi")
	}
	if err := p.Err(); err != nil {
		return nil, err
	}
	next := *b
	past := Recall{}
	if b.Recall != nil {
		past = *b.Recall
	}
	past.Lifted = &RecallLift{Reason: strings.TrimSpace(o.Reason), On: o.On, By: by, At: at.UTC()}
	next.PastRecalls = append(append([]Recall(nil), b.PastRecalls...), past)
	next.Status, next.Recall = BatchPublished, nil
	if err := s.UpdateBatch(ctx, &next); err != nil {
		return nil, err
	}
	return &next, nil
}
