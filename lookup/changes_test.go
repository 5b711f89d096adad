package lookup_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/tracereg/tracereg/lookup"
	"github.com/tracereg/tracereg/registry"
	"github.com/tracereg/tracereg/registry/demodata"
)

// A write made elsewhere (another replica, the API) reaches a cached page
// through the change stamp, well before the cache's TTL.
func TestWriteElsewhereReachesCachedPage(t *testing.T) {
	e := newEnv(t, demoNow)
	app, _ := e.mount(lookup.Config{CacheTTL: time.Hour, ChangePoll: 50 * time.Millisecond})
	page := "/v/" + e.demo.RoastedGTIN + "/" + demodata.RoastedLot

	before, err := e.db.PublicVersion(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	r := do(t, app, "GET", page)
	wantStatus(t, r, 200)
	wantNotContains(t, r.Body, "Thu hồi")

	roasted := e.batch(e.demo.RoastedBatchID)
	roasted.Status = registry.BatchRecalled
	roasted.Recall = &registry.Recall{Reason: "Kiểm tra phát hiện nấm mốc (thử nghiệm)", On: "2026-11-27", By: "inspector"}
	if err := e.db.UpdateBatch(context.Background(), roasted); err != nil {
		t.Fatal(err)
	}
	if after, _ := e.db.PublicVersion(context.Background()); after <= before {
		t.Fatalf("the change stamp did not move on a write: %d → %d", before, after)
	}
	deadline := time.Now().Add(5 * time.Second)
	for {
		r = do(t, app, "GET", page)
		if r.Status == 200 && strings.Contains(r.Body, "Kiểm tra phát hiện nấm mốc") {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("the recall did not reach the cached page within 5 s (TTL is an hour): %.300s", r.Body)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// Without the poll, the cached page keeps what it had: the test above is
// not passing by accident of an uncached page.
func TestCachedPageWithoutPollKeepsItsView(t *testing.T) {
	e := newEnv(t, demoNow)
	app, _ := e.mount(lookup.Config{CacheTTL: time.Hour, ChangePoll: -1})
	page := "/v/" + e.demo.RoastedGTIN + "/" + demodata.RoastedLot
	wantStatus(t, do(t, app, "GET", page), 200)
	roasted := e.batch(e.demo.RoastedBatchID)
	roasted.Status = registry.BatchRecalled
	roasted.Recall = &registry.Recall{Reason: "Kiểm tra phát hiện nấm mốc (thử nghiệm)", On: "2026-11-27", By: "inspector"}
	if err := e.db.UpdateBatch(context.Background(), roasted); err != nil {
		t.Fatal(err)
	}
	time.Sleep(300 * time.Millisecond)
	r := do(t, app, "GET", page)
	wantNotContains(t, r.Body, "Kiểm tra phát hiện nấm mốc")
}
