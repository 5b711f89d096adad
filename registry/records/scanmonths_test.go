package records_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/tracereg/tracereg/registry"
)

// The per-month scan counters equal a plain Go sum of the tallies by code
// and month (Vietnam time), over random tallies written in several flushes;
// the scan totals per code stay what they were.
func TestScanMonthCounters(t *testing.T) {
	t.Parallel()
	db, ctx := newStore(t), context.Background()
	r := rand.New(rand.NewPCG(3, 9))
	want := map[string]int64{} // month + " " + key
	totals := map[string]int64{}
	base := time.Date(2025, 1, 1, 0, 0, 0, 0, registry.Vietnam)
	for range 5 { // flushes
		var tallies []registry.ScanTally
		for range 40 {
			key := fmt.Sprintf("/l/ABCDEFGHJK/21/%d", r.IntN(15))
			at := base.Add(time.Duration(r.IntN(400*24)) * time.Hour)
			if r.IntN(10) == 0 { // the last hour of a month in Vietnam, still the previous month in UTC
				at = time.Date(2025, time.Month(1+r.IntN(12)), 1, 0, 30, 0, 0, registry.Vietnam)
			}
			tl := registry.ScanTally{Key: key, Count: int64(1 + r.IntN(9)), First: at.UTC()}
			tallies = append(tallies, tl)
			want[at.Format("2006-01")+" "+key] += tl.Count
			totals[key] += tl.Count
		}
		if err := db.RecordScans(ctx, tallies); err != nil {
			t.Fatal(err)
		}
	}
	got, err := registry.CollectAll(ctx, func(p registry.Page) ([]*registry.ScanMonth, string, error) {
		p.Limit = 7
		return db.ListScanMonths(ctx, p)
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != len(want) {
		t.Fatalf("%d month counters, want %d", len(got), len(want))
	}
	for _, m := range got {
		if m.ID != registry.ScanMonthID(m.Key, m.Month) || want[m.Month+" "+m.Key] != m.Count {
			t.Errorf("%s %s: %d, want %d (id %q)", m.Month, m.Key, m.Count, want[m.Month+" "+m.Key], m.ID)
		}
	}
	for key, n := range totals {
		s, err := db.ScanStats(ctx, key)
		if err != nil || s.Count != n {
			t.Errorf("%s: total %v %v, want %d", key, s, err, n)
		}
	}
	_, _, err = db.ListScanMonths(ctx, registry.Page{Cursor: "not a key"})
	wantField(t, err, "cursor", "cursor")
}
