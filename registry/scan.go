package registry

import (
	"context"
	"regexp"
	"time"
)

// ScanTally is what one flush of the scan logger adds to the counters of one
// serialised code: how many scans, the earliest of them, and the coarse
// place they came from (a province code, or "" when the client gave none).
// The raw IP address is never part of it. All scans of one tally fall in
// the calendar month (Vietnam time) of First, which the per-month counter
// is keyed by: the scan logger keeps a tally per code, place and month.
type ScanTally struct {
	Key      string // the code's canonical Digital Link path, /01/…/10/…/21/…
	Count    int64
	First    time.Time
	Province string // ISO 3166-2:VN code such as "VN-33", or ""
}

// ScanStats are the counters of one serialised code.
type ScanStats struct {
	Key           string           `json:"key" bson:"_id"`
	Count         int64            `json:"count" bson:"count"`
	FirstScan     time.Time        `json:"first_scan" bson:"first_scan"`
	FirstProvince string           `json:"first_province,omitempty" bson:"first_province,omitempty"`
	Provinces     map[string]int64 `json:"provinces,omitempty" bson:"provinces,omitempty"`
}

// ScanMonth counts the scans of one serialised code in one calendar month
// (Vietnam time): the series behind the dashboard's scans by month. It is
// written by the same $inc upsert path as ScanStats, keyed by code+month.
type ScanMonth struct {
	ID    string `json:"-" bson:"_id"` // ScanMonthID(Key, Month)
	Key   string `json:"key" bson:"key"`
	Month string `json:"month" bson:"month"` // "YYYY-MM"
	Count int64  `json:"count" bson:"count"`
}

// ScanMonthID is the storage key of a code's month counter. A space cannot
// occur in a Digital Link path, so the key is unambiguous.
func ScanMonthID(key, month string) string { return month + " " + key }

// ScanMonthOf is the month ("YYYY-MM", Vietnam time) a scan at t counts in.
func ScanMonthOf(t time.Time) string { return t.In(Vietnam).Format("2006-01") }

var provincePattern = regexp.MustCompile(`^VN-[0-9A-Z]{2}$`)

// ValidProvince reports whether s is an ISO 3166-2:VN subdivision code
// ("VN-33" is Đắk Lắk). Only such codes reach the database, and they are
// used as field names, so nothing else may pass.
func ValidProvince(s string) bool { return provincePattern.MatchString(s) }

// ScanService keeps per-code scan counters.
type ScanService interface {
	// RecordScans adds each tally to its code's counters and to the code's
	// counter for the month of the tally's First (an $inc upsert each); a
	// tally with an invalid province is counted without a place.
	// EUNAVAILABLE when the database does not answer.
	RecordScans(ctx context.Context, tallies []ScanTally) error
	// ScanStats returns the counters of a code; a code never scanned has
	// zero counters and no error.
	ScanStats(ctx context.Context, key string) (*ScanStats, error)
}

// MaxSerialsPerSheet bounds one request for serials.
const MaxSerialsPerSheet = 5000

// SerialService issues the serial numbers (GS1 AI 21) printed on unit labels.
type SerialService interface {
	// IssueSerials reserves n serials for the batch and returns the first;
	// first … first+n-1 are never issued again (an $inc counter). EINVALID
	// unless 1 ≤ n ≤ MaxSerialsPerSheet, ENOTFOUND if there is no such batch.
	IssueSerials(ctx context.Context, batchID string, n int) (first int64, err error)
	// SerialsIssued returns how many serials the batch has issued (0 if none).
	SerialsIssued(ctx context.Context, batchID string) (int64, error)
}
