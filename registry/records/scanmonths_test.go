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

// TestScanClientsCountOnce: a client key counts once per code however often
// it comes back, across flushes; places count clients, not requests; the
// sweep forgets keys after two days.
func TestScanClientsCountOnce(t *testing.T) {
	db, ctx := newStore(t), context.Background()
	at := time.Date(2026, 6, 15, 3, 0, 0, 0, time.UTC)
	key := "/l/ABCDEFGHJK/21/9"
	for _, tl := range []registry.ScanTally{
		{Key: key, Count: 30, First: at, Province: "VN-33", Clients: []string{"a1", "b2"}},
		{Key: key, Count: 12, First: at.Add(time.Minute), Province: "VN-33", Clients: []string{"b2", "c3"}},
		{Key: key, Count: 5, First: at.Add(2 * time.Minute), Province: "VN-SG", Clients: []string{"a1"}},
	} {
		if err := db.RecordScans(ctx, []registry.ScanTally{tl}); err != nil {
			t.Fatal(err)
		}
	}
	st, err := db.ScanStats(ctx, key)
	if err != nil || st.Count != 47 || st.Clients != 3 || st.Provinces["VN-33"] != 3 || len(st.Provinces) != 1 || st.FirstProvince != "VN-33" {
		t.Fatalf("stats %+v %v: want 47 scans by 3 clients, all three in VN-33 (a1's later VN-SG visit is the same client)", st, err)
	}
	res, err := db.Sweep(ctx, at.Add(49*time.Hour))
	if err != nil || res.ScanClients != 3 {
		t.Fatalf("sweep: %+v %v, want the 3 client keys forgotten", res, err)
	}
}

// TestSerialCodes: issued codes are valid for their lot only, positions'
// numbers are not, and a reprint gives the same codes.
func TestSerialCodes(t *testing.T) {
	db, ctx := newStore(t), context.Background()
	e := mustEnterprise(t, db)
	p := mustProduct(t, db, e.ID, "")
	lot, other := mustBatch(t, db, e.ID, p.ID, "S-1"), mustBatch(t, db, e.ID, p.ID, "S-2")
	first, codes, err := db.IssueSerials(ctx, lot.ID, 3)
	if err != nil || first != 1 || len(codes) != 3 {
		t.Fatalf("issue: %d %v %v", first, codes, err)
	}
	for _, tc := range []struct {
		batch, serial string
		want          bool
	}{{lot.ID, codes[0], true}, {lot.ID, codes[2], true}, {other.ID, codes[0], false}, {lot.ID, "1", false},
		{lot.ID, "4", false}, {lot.ID, "ZZZZZZZZZZZZ", false}, {lot.ID, "", false}, {"not-an-id", codes[0], false}} {
		if ok, err := db.SerialValid(ctx, tc.batch, tc.serial); err != nil || ok != tc.want {
			t.Errorf("SerialValid(%s, %q) = %v, %v; want %v", tc.batch, tc.serial, ok, err, tc.want)
		}
	}
	again, err := db.Serials(ctx, lot.ID, 2, 2)
	if err != nil || len(again) != 2 || again[0] != codes[1] || again[1] != codes[2] {
		t.Fatalf("reprint: %v %v; want %v", again, err, codes[1:])
	}
	if _, err := db.Serials(ctx, lot.ID, 3, 2); registry.ErrorCode(err) != registry.EINVALID {
		t.Fatalf("reprint past the issued positions: %v", err)
	}
}
