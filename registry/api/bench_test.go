package api

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/tracereg/tracereg/registry"
)

// BenchmarkEventIngestNDJSON posts NDJSON imports of 1,000 events each
// through the API into the embedded store and reports events per second.
func BenchmarkEventIngestNDJSON(b *testing.B) {
	e := newEnv(b)
	var lots []string
	for range 50 {
		lots = append(lots, e.newBatch(e.e1.ID, e.prod1.ID, registry.BatchPublished).ID)
	}
	const perImport = 1000
	bodies := make([]string, b.N)
	for i := range b.N {
		var sb strings.Builder
		for j := range perImport {
			fmt.Fprintf(&sb, `{"idempotency_key":"bench-%d-%d","kind":"object","event_time":"2026-02-01T08:00:00+07:00","event_time_zone":"+07:00","business_step":"storing","disposition":"active","batches":[{"batch_id":%q,"quantity":1,"unit":"kg"}]}`+"\n",
				i, j, lots[j%len(lots)])
		}
		bodies[i] = sb.String()
	}
	b.ResetTimer()
	start := time.Now()
	for i := range b.N {
		r := e.do(request{method: "POST", path: "/api/v1/events:import", as: asEnt1, body: bodies[i], contentType: "application/x-ndjson"})
		if r.status != 200 {
			b.Fatalf("import: %d %s", r.status, short(r.body))
		}
	}
	elapsed := time.Since(start)
	b.ReportMetric(float64(b.N*perImport)/elapsed.Seconds(), "events/s")
}

// BenchmarkCreateRecord creates one product per request and reports the
// median and 99th percentile latency.
func BenchmarkCreateRecord(b *testing.B) {
	e := newEnv(b)
	lat := make([]time.Duration, 0, b.N)
	b.ResetTimer()
	for i := range b.N {
		body := map[string]any{"enterprise_id": e.e1.ID, "name_vi": fmt.Sprintf("Sản phẩm %d", i), "category": "coffee"}
		t0 := time.Now()
		r := e.do(request{method: "POST", path: "/api/v1/products", as: asEnt1, body: body})
		lat = append(lat, time.Since(t0))
		if r.status != 201 {
			b.Fatalf("create: %d %s", r.status, short(r.body))
		}
	}
	b.StopTimer()
	slices.Sort(lat)
	pct := func(p float64) float64 {
		return float64(lat[min(len(lat)-1, int(p*float64(len(lat))))].Microseconds()) / 1000
	}
	b.ReportMetric(pct(0.50), "p50-ms")
	b.ReportMetric(pct(0.99), "p99-ms")
}

// BenchmarkLotImportNDJSON posts NDJSON imports of 1,000 lots each (with
// row keys, two source plots each) through the API into the embedded store
// and reports lots per second, audit entries and row keys included.
func BenchmarkLotImportNDJSON(b *testing.B) {
	e := newEnv(b)
	const perImport = 1000
	bodies := make([]string, b.N)
	for i := range b.N {
		var sb strings.Builder
		for j := range perImport {
			fmt.Fprintf(&sb, `{"idempotency_key":"lot-%d-%d","product_id":%q,"lot_code":"B%d-%04d","quantity":1000,"unit":"kg","produced_on":"2026-02-01"}`+"\n",
				i, j, e.prod1.ID, i, j)
		}
		bodies[i] = sb.String()
	}
	b.ResetTimer()
	start := time.Now()
	for i := range b.N {
		r := e.do(request{method: "POST", path: "/api/v1/batches:import", as: asEnt1, body: bodies[i], contentType: "application/x-ndjson"})
		if r.status != 200 || !strings.Contains(string(r.body), `"created":1000`) {
			b.Fatalf("import: %d %s", r.status, short(r.body))
		}
	}
	elapsed := time.Since(start)
	b.ReportMetric(float64(b.N*perImport)/elapsed.Seconds(), "lots/s")
}
