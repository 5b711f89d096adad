package registry

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"regexp"
	"strconv"
	"time"
)

// ScanTally is what one flush of the scan logger adds to the counters of one
// serialised code: how many scans, the earliest of them, the clients they
// came from (ScanClient keys) and the coarse place (a province code from a
// trusted proxy, or ""). The raw IP address is never part of it. All scans of one tally fall in
// the calendar month (Vietnam time) of First, which the per-month counter
// is keyed by: the scan logger keeps a tally per code, place and month.
type ScanTally struct {
	Key      string // the code's canonical Digital Link path, /01/…/10/…/21/…
	Count    int64
	First    time.Time
	Province string // ISO 3166-2:VN code such as "VN-33", or ""
	// Clients are the distinct ScanClient keys among the scans.
	Clients []string
}

// ScanClient is the key that stands for one client address on one day
// (Vietnam time) in the scan counters: a keyed hash (HMAC-SHA256 under a
// secret kept outside the database), so the counters can tell people apart
// without ever holding an address, and neither the database nor a copy of
// it can be turned back into one. The day is inside the hash: the same
// address on two days is two keys that cannot be linked.
func ScanClient(secret []byte, address string, day Date) string {
	mac := hmac.New(sha256.New, secret)
	mac.Write([]byte(string(day) + "|" + address))
	return hex.EncodeToString(mac.Sum(nil)[:12])
}

// ScanStats are the counters of one serialised code. Count is every
// request; Clients counts distinct clients, one per address and day, which
// is what the clone warning weighs, and Provinces counts those clients by
// the place a trusted proxy gave.
type ScanStats struct {
	Key           string           `json:"key" bson:"_id"`
	Count         int64            `json:"count" bson:"count"`
	Clients       int64            `json:"clients" bson:"clients"`
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
	// tally with an invalid province is counted without a place. A client
	// already counted for the code (the same key: the same address that
	// day) adds to Count only.
	// EUNAVAILABLE when the database does not answer.
	RecordScans(ctx context.Context, tallies []ScanTally) error
	// ScanStats returns the counters of a code; a code never scanned has
	// zero counters and no error.
	ScanStats(ctx context.Context, key string) (*ScanStats, error)
}

// MaxSerialsPerSheet bounds one request for serials.
const MaxSerialsPerSheet = 5000

// SerialService issues the serial numbers (GS1 AI 21) printed on unit labels.
// A label has a position in its lot (1, 2, 3… from an $inc counter, never
// reused) and a serial: a random code (NewSerialCode), so that one label
// tells nothing of its neighbours. Labels printed before serials were random
// carry their position as the serial, and stay valid.
type SerialService interface {
	// IssueSerials reserves n positions for the batch and returns the first
	// and the serials printed on first … first+n-1. EINVALID unless
	// 1 ≤ n ≤ MaxSerialsPerSheet, ENOTFOUND if there is no such batch.
	IssueSerials(ctx context.Context, batchID string, n int) (first int64, serials []string, err error)
	// Serials returns the serials of the issued positions from … from+n-1
	// (for a reprint): the random code, or the number of a position issued
	// before codes were random. EINVALID past the positions issued.
	Serials(ctx context.Context, batchID string, from int64, n int) ([]string, error)
	// SerialsIssued returns how many positions the batch has issued (0 if none).
	SerialsIssued(ctx context.Context, batchID string) (int64, error)
	// SerialValid reports whether serial was issued for the batch: one of
	// its random codes, or the number of a position issued before codes
	// were random.
	SerialValid(ctx context.Context, batchID, serial string) (bool, error)
}

// serialAlphabet has no 0, 1, I or O, which people misread from a label.
const serialAlphabet = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"

// NewSerialCode returns a random label serial: 12 characters of
// serialAlphabet (about 60 bits), the first a letter, so it is never taken
// for a position number. GS1 AI 21 allows up to 20 of these characters.
func NewSerialCode() string {
	var b [12]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never fails (Go 1.24)
	out := make([]byte, len(b))
	for i, x := range b {
		if i == 0 {
			out[i] = serialAlphabet[8+int(x)%24] // the letters
		} else {
			out[i] = serialAlphabet[x%32]
		}
	}
	return string(out)
}

// SerialPosition returns the position a numeric serial names (labels from
// before serials were random), or 0 when s is not one: digits without a
// leading zero, as those labels were printed.
func SerialPosition(s string) int64 {
	if s == "" || s[0] == '0' || len(s) > 18 {
		return 0
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil || n < 1 {
		return 0
	}
	return n
}
