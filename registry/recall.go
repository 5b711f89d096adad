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
