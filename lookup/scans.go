package lookup

import (
	"context"
	"log/slog"
	"slices"
	"sync/atomic"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/tracereg/tracereg/registry"
)

// scanLogger counts scans of serialised codes off the request path: a page
// hands a scan to a bounded queue without waiting; a background loop adds
// them up per code and place and writes them in batches ($inc upserts).
// When the queue is full the scan is dropped and counted, never waited for.
type scanLogger struct {
	svc   registry.ScanService
	ch    chan scanHit
	flush time.Duration
	log   *slog.Logger

	queued, written, dropped atomic.Int64
	done                     chan struct{}
	stopped                  chan struct{}
	closed                   atomic.Bool
}

type scanHit struct {
	key, province, client string
	at                    time.Time
}

// maxPendingCodes flushes early when this many codes wait in one batch.
const maxPendingCodes = 1000

func newScanLogger(svc registry.ScanService, queue int, flush time.Duration, log *slog.Logger) *scanLogger {
	s := &scanLogger{svc: svc, ch: make(chan scanHit, queue), flush: flush, log: log,
		done: make(chan struct{}), stopped: make(chan struct{})}
	go s.loop()
	return s
}

// record queues one scan by client (a registry.ScanClient key); it never blocks.
func (s *scanLogger) record(key, province, client string, at time.Time) {
	if s.closed.Load() {
		s.dropped.Add(1)
		return
	}
	select {
	case s.ch <- scanHit{key: key, province: province, client: client, at: at}:
		s.queued.Add(1)
	default:
		s.dropped.Add(1)
	}
}

func (s *scanLogger) stats() (queued, written, dropped int64) {
	return s.queued.Load(), s.written.Load(), s.dropped.Load()
}

func (s *scanLogger) loop() {
	defer close(s.stopped)
	t := time.NewTicker(s.flush)
	defer t.Stop()
	// One tally per code, place and month: a tally's scans all count in
	// the month of its First (the per-month counters).
	pending := map[[3]string]*registry.ScanTally{}
	add := func(h scanHit) {
		k := [3]string{h.key, h.province, registry.ScanMonthOf(h.at)}
		tl := pending[k]
		if tl == nil {
			tl = &registry.ScanTally{Key: h.key, Province: h.province, First: h.at}
			pending[k] = tl
		}
		tl.Count++
		if h.at.Before(tl.First) {
			tl.First = h.at
		}
		if h.client != "" && !slices.Contains(tl.Clients, h.client) {
			tl.Clients = append(tl.Clients, h.client)
		}
	}
	write := func() {
		if len(pending) == 0 {
			return
		}
		tallies := make([]registry.ScanTally, 0, len(pending))
		var n int64
		for _, tl := range pending {
			tallies = append(tallies, *tl)
			n += tl.Count
		}
		clear(pending)
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		err := s.svc.RecordScans(ctx, tallies)
		cancel()
		if err != nil {
			s.dropped.Add(n)
			s.log.Warn("scan counters not written", "scans", n, "err", err)
			return
		}
		s.written.Add(n)
	}
	for {
		select {
		case h := <-s.ch:
			add(h)
			if len(pending) >= maxPendingCodes {
				write()
			}
		case <-t.C:
			write()
		case <-s.done:
			for {
				select {
				case h := <-s.ch:
					add(h)
				default:
					write()
					return
				}
			}
		}
	}
}

// close writes what is queued and stops the loop.
func (s *scanLogger) close(ctx context.Context) error {
	if s.closed.Swap(true) {
		return nil
	}
	close(s.done)
	select {
	case <-s.stopped:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// serialView logs this scan and shows the code's counters, read through the
// cache (the counts lag by up to the cache TTL plus one flush); a code with
// none stored shows this scan as its first.
func (l *Lookup) serialView(c *fiber.Ctx, v *view, serial, lg string) *serialVM {
	key := scanKey(v, serial)
	sv := &serialVM{Serial: serial}
	if l.scans == nil {
		return sv
	}
	l.recordScan(c, key)
	st, _, err := l.cache.get("s:"+key, l.cfg.LoadTimeout, func(ctx context.Context) (any, error) {
		return l.cfg.Scans.ScanStats(ctx, key)
	})
	if err != nil {
		return sv
	}
	stats := st.(*registry.ScanStats)
	sv.Known = true
	if stats.Count == 0 {
		// Nothing stored yet: this scan is the first, whatever the
		// counters say before their next flush; never "0 scans".
		now := l.cfg.Clock.Now()
		sv.Scans, sv.Clients, sv.FirstScan = 1, 1, when(lg, now)
		if place := l.place(c); place != "" {
			sv.FirstPlace, sv.Places = provinceName(place), 1
		}
		return sv
	}
	sv.Scans = stats.Count
	if !stats.FirstScan.IsZero() {
		sv.FirstScan = when(lg, stats.FirstScan)
	}
	sv.FirstPlace = provinceName(stats.FirstProvince)
	sv.Places = len(stats.Provinces)
	sv.Clients = stats.Clients
	sv.Suspicious = stats.Clients >= l.cfg.SuspiciousScans || sv.Places >= l.cfg.SuspiciousPlaces
	return sv
}

// countUnissued counts a scan of a serial the lot never issued, under one
// key per lot (its Digital Link with "/21/" and no serial): the inspectors
// see how often a lot's codes are faked, and made-up serials do not each
// become a counter of their own.
func (l *Lookup) countUnissued(c *fiber.Ctx, v *view) {
	if l.scans != nil {
		l.recordScan(c, scanKey(v, ""))
	}
}

// scanKey is the counter key of a lot's serial: its Digital Link, or the
// short path of a lot without GTIN; serial "" is the lot's "/21/" key.
func scanKey(v *view, serial string) string {
	dl := v.link()
	switch {
	case dl.GTIN == "":
		return "/l/" + v.Batch.ShortCode + "/21/" + serial
	case serial == "":
		return dl.Path() + "/21/"
	}
	dl.Serial = serial
	return dl.Path()
}

// recordScan queues one scan of key by this request's client and place.
func (l *Lookup) recordScan(c *fiber.Ctx, key string) {
	now := l.cfg.Clock.Now()
	l.scans.record(key, l.place(c), registry.ScanClient(l.cfg.ScanKey, c.IP(), registry.VietnamDate(now)), now)
}

// place is the client's province as a trusted reverse proxy gives it in
// the configured header, else "": what a client says of itself is not
// believed, or anyone could plant scans in other provinces.
func (l *Lookup) place(c *fiber.Ctx) string {
	if l.cfg.PlaceHeader == "" || !c.IsProxyTrusted() {
		return ""
	}
	if p := c.Get(l.cfg.PlaceHeader); registry.ValidProvince(p) {
		return p
	}
	return ""
}

// provinceName names the provinces a client hint may give; others show their code.
func provinceName(code string) string {
	names := map[string]string{"VN-33": "Đắk Lắk", "VN-SG": "TP. Hồ Chí Minh", "VN-HN": "Hà Nội", "VN-DN": "Đà Nẵng",
		"VN-30": "Gia Lai", "VN-29": "Quảng Ngãi", "VN-35": "Lâm Đồng", "VN-28": "Kon Tum"}
	if n, ok := names[code]; ok {
		return n
	}
	return code
}
