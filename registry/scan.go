package registry

import (
	"context"
	"regexp"
	"time"
)

// ScanTally is what one flush of the scan logger adds to the counters of one
// serialised code: how many scans, the earliest of them, and the coarse
// place they came from (a province code, or "" when the client gave none).
// The raw IP address is never part of it.
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

var provincePattern = regexp.MustCompile(`^VN-[0-9A-Z]{2}$`)

// ValidProvince reports whether s is an ISO 3166-2:VN subdivision code
// ("VN-33" is Đắk Lắk). Only such codes reach the database, and they are
// used as field names, so nothing else may pass.
func ValidProvince(s string) bool { return provincePattern.MatchString(s) }

// ScanService keeps per-code scan counters.
type ScanService interface {
	// RecordScans adds each tally to its code's counters (an $inc upsert per
	// code); a tally with an invalid province is counted without a place.
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
