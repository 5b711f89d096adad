package records

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/tracereg/tracereg/registry"
)

// corrected returns history with one more entry, for fields, by the actor
// in ctx: a record that consumers saw (what and whatVI name it, e.g. "a
// published lot") is corrected only with a reason of at most
// MaxCorrectionReason characters, at most MaxCorrections times. EINVALID
// on "correction_reason".
func (d *DB) corrected(ctx context.Context, history []registry.Correction, fields []string, reason, what, whatVI string) ([]registry.Correction, error) {
	reason = strings.TrimSpace(reason)
	var p registry.Problems
	switch {
	case reason == "":
		p.Add("correction_reason", "required", fmt.Sprintf("say why %s is corrected: its public pages show the correction", what),
			fmt.Sprintf("hãy nêu lý do đính chính %s: trang công khai sẽ hiển thị việc đính chính", whatVI))
	case utf8.RuneCountInString(reason) > registry.MaxCorrectionReason:
		p.Add("correction_reason", "max_length", fmt.Sprintf("must be at most %d characters", registry.MaxCorrectionReason),
			fmt.Sprintf("không quá %d ký tự", registry.MaxCorrectionReason))
	case len(history) >= registry.MaxCorrections:
		p.Add("correction_reason", "max_items", fmt.Sprintf("%s is corrected at most %d times: register a new one", what, registry.MaxCorrections),
			fmt.Sprintf("%s chỉ được đính chính tối đa %d lần: hãy đăng ký mới", whatVI, registry.MaxCorrections))
	}
	if err := p.Err(); err != nil {
		return nil, err
	}
	c := registry.Correction{At: d.now(), Fields: fields, Reason: reason}
	if actor, ok := registry.ActorFrom(ctx); ok {
		c.By = actor.Username
	}
	return append(slices.Clone(history), c), nil
}
