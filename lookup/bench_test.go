package lookup_test

import (
	"context"
	"flag"
	"fmt"
	"net"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/valyala/fasthttp"

	"github.com/tracereg/tracereg/lookup"
	"github.com/tracereg/tracereg/registry/demodata"
)

// benchConns is the number of concurrent connections the load uses.
const benchConns = 64

// serve starts app on a real listener on 127.0.0.1 and returns its address.
func serve(b *testing.B, app *fiber.App) string {
	b.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	go app.Listener(ln)
	b.Cleanup(func() { app.ShutdownWithTimeout(5 * time.Second) })
	return ln.Addr().String()
}

// load sends n GET requests for path over benchConns keep-alive connections
// from benchConns goroutines and reports requests/s and p50/p99 latency.
func load(b *testing.B, addr, path string, wantStatus int) (rps float64) {
	b.Helper()
	client := &fasthttp.HostClient{Addr: addr, MaxConns: benchConns, ReadTimeout: 10 * time.Second, WriteTimeout: 10 * time.Second}
	n := b.N
	var next atomic.Int64
	lat := make([][]time.Duration, benchConns)
	var failed atomic.Int64
	var wg sync.WaitGroup
	b.ResetTimer()
	start := time.Now()
	for w := range benchConns {
		wg.Add(1)
		go func() {
			defer wg.Done()
			req, res := fasthttp.AcquireRequest(), fasthttp.AcquireResponse()
			defer fasthttp.ReleaseRequest(req)
			defer fasthttp.ReleaseResponse(res)
			req.SetRequestURI("http://" + addr + path)
			for next.Add(1) <= int64(n) {
				t0 := time.Now()
				if err := client.Do(req, res); err != nil || res.StatusCode() != wantStatus {
					failed.Add(1)
				}
				lat[w] = append(lat[w], time.Since(t0))
			}
		}()
	}
	wg.Wait()
	elapsed := time.Since(start)
	b.StopTimer()
	if f := failed.Load(); f > 0 {
		b.Fatalf("%s: %d of %d requests failed or had a status other than %d", path, f, n, wantStatus)
	}
	all := slices.Concat(lat...)
	slices.Sort(all)
	rps = float64(n) / elapsed.Seconds()
	b.ReportMetric(rps, "req/s")
	b.ReportMetric(float64(all[len(all)/2].Microseconds())/1000, "p50-ms")
	b.ReportMetric(float64(all[min(len(all)-1, len(all)*99/100)].Microseconds())/1000, "p99-ms")
	b.ReportMetric(0, "ns/op") // per-request time is in req/s and the percentiles
	return rps
}

// BenchmarkPublic measures, in one run on this machine, a bare Fiber handler
// and the public side's busiest answers through the full app (middleware
// included), each with its ratio to the bare handler:
//
//	go test -run '^$' -bench BenchmarkPublic -benchtime 20000x ./lookup
//
// Targets: the cached page at least 0.40 of the bare handler with p99 under
// 25 ms, the resolver redirect at least 0.60.
func BenchmarkPublic(b *testing.B) {
	if bt := flag.Lookup("test.benchtime"); bt == nil || !strings.HasSuffix(bt.Value.String(), "x") {
		b.Skip("needs a fixed request count, e.g. -benchtime 20000x (make bench runs it so)")
	}
	e := newEnv(b, demoNow)
	bare := fiber.New(fiber.Config{DisableStartupMessage: true})
	bare.Get("/", func(c *fiber.Ctx) error { return c.SendString("ok") })
	bareAddr := serve(b, bare)

	app, _ := e.mount(lookup.Config{Authorize: func(*fiber.Ctx, string) error { return nil }})
	addr := serve(b, app)
	var bareRPS float64
	ratio := func(b *testing.B, rps float64) {
		if bareRPS > 0 {
			b.ReportMetric(rps/bareRPS, "x-bare")
		}
	}
	b.Run("bare", func(b *testing.B) { bareRPS = load(b, bareAddr, "/", 200) })
	b.Run("page", func(b *testing.B) { ratio(b, load(b, addr, e.lotPage(), 200)) })
	b.Run("redirect", func(b *testing.B) { ratio(b, load(b, addr, e.lotPath(), 307)) })
	b.Run("linkset", func(b *testing.B) { ratio(b, load(b, addr, e.lotPath()+"?linkType=linkset", 200)) })
	b.Run("qr-png", func(b *testing.B) {
		ratio(b, load(b, addr, "/qr/01/"+e.roastedGTIN()+"/10/"+demodata.RoastedLot+".png?size=256", 200))
	})
	code := e.batch(e.demo.RoastedBatchID).ShortCode
	if _, _, err := e.db.IssueSerials(context.Background(), e.demo.RoastedBatchID, 1000); err != nil {
		b.Fatal(err)
	}
	b.Run("labels-1000", func(b *testing.B) {
		client := &fasthttp.Client{ReadTimeout: time.Minute, MaxResponseBodySize: 64 << 20}
		// A fixed three sheets whatever b.N: the figure is the time per sheet.
		var worst time.Duration
		for range 3 {
			t0 := time.Now()
			status, body, err := client.Get(nil, fmt.Sprintf("http://%s/labels/%s?from=1&n=1000", addr, code))
			if err != nil || status != 200 || len(body) < 1000*500 {
				b.Fatalf("label sheet: %d, %d bytes, %v", status, len(body), err)
			}
			worst = max(worst, time.Since(t0))
		}
		b.ReportMetric(float64(worst.Milliseconds()), "ms/1000-labels")
		b.ReportMetric(0, "ns/op")
	})
}
