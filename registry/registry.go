// Package registry is the domain of tracereg: the records enterprises,
// certification bodies and inspectors keep (enterprises, facilities, products,
// batches and their events, certificates, conformity announcements, standards,
// documents, users), their validation, the errors services return, and the
// interfaces that storage adapters implement. It imports no web framework,
// database driver or S3 client.
package registry

import (
	"context"
	"time"
)

// Clock tells the time; injected so expiry and deadlines are testable.
type Clock interface {
	Now() time.Time
}

// SystemClock is the real clock, in UTC.
type SystemClock struct{}

// Now returns the current time in UTC.
func (SystemClock) Now() time.Time { return time.Now().UTC() }

// FixedClock always returns the same time; for tests and reports "as of" a date.
type FixedClock time.Time

// Now returns the fixed time.
func (c FixedClock) Now() time.Time { return time.Time(c) }

// Vietnam is the time zone dates are shown in (Asia/Ho_Chi_Minh, UTC+7, no DST).
var Vietnam = loadVietnam()

func loadVietnam() *time.Location {
	if loc, err := time.LoadLocation("Asia/Ho_Chi_Minh"); err == nil {
		return loc
	}
	// Machines without tzdata still get the right offset: Vietnam has no DST.
	return time.FixedZone("ICT", 7*60*60)
}

// Date is a calendar day (no time), stored as "YYYY-MM-DD".
type Date string

// ParseDate parses a "YYYY-MM-DD" day.
func ParseDate(s string) (time.Time, error) { return time.Parse(time.DateOnly, s) }

// Time returns the start of the day in Vietnam.
func (d Date) Time() (time.Time, error) {
	return time.ParseInLocation(time.DateOnly, string(d), Vietnam)
}

// checkDate adds a problem when d is set but not a real "YYYY-MM-DD" day;
// it returns the parsed day and whether it was usable.
func checkDate(p *Problems, field string, d Date, required bool) (time.Time, bool) {
	if d == "" {
		if required {
			p.Add(field, "required", "is required", "là bắt buộc")
		}
		return time.Time{}, false
	}
	t, err := d.Time()
	if err != nil {
		p.Add(field, "date", "must be a date written YYYY-MM-DD", "phải là ngày dạng YYYY-MM-DD")
		return time.Time{}, false
	}
	if t.Year() < 1900 || t.Year() > 2200 {
		p.Add(field, "date_range", "must be between the years 1900 and 2200", "phải nằm trong khoảng năm 1900 đến 2200")
		return time.Time{}, false
	}
	return t, true
}

// Actor is who performs a service call: stamped on records and the audit log.
type Actor struct {
	UserID       string
	Username     string
	Role         string
	EnterpriseID string
	BodyID       string
}

type actorKey struct{}

// WithActor returns a context carrying the actor.
func WithActor(ctx context.Context, a Actor) context.Context {
	return context.WithValue(ctx, actorKey{}, a)
}

// ActorFrom returns the actor in ctx, if any.
func ActorFrom(ctx context.Context) (Actor, bool) {
	a, ok := ctx.Value(actorKey{}).(Actor)
	return a, ok
}
