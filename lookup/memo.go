package lookup

import (
	"fmt"
	"sync"
	"time"

	"github.com/tracereg/tracereg/registry"
)

// renderMemo keeps the rendered HTML of one cached view for the few
// combinations of inputs that reach it. A page is a function of the view
// (immutable once cached), the language, the stale flag, the serial's
// counters, the toggle link and the clock — and of the clock only through
// the calendar day in Vietnam: certificate status (StatusAt) and days left
// are whole-day figures. So the status is still recomputed whenever the day
// changes and a write still shows once the view is reloaded, while a busy
// page is not rendered from scratch on every scan. The memo goes away with
// its view when the cache drops it.
type renderMemo struct {
	mu    sync.Mutex
	pages map[string][]byte
}

// maxMemoPages bounds the memo of one view.
const maxMemoPages = 32

func (m *renderMemo) get(key string) ([]byte, bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	b, ok := m.pages[key]
	return b, ok
}

func (m *renderMemo) put(key string, b []byte) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.pages == nil || len(m.pages) >= maxMemoPages {
		m.pages = map[string][]byte{}
	}
	m.pages[key] = b
}

// memoKey names everything besides the view that the page's HTML depends on.
func (p *page) memoKey(now time.Time) string {
	key := fmt.Sprintf("%s|%t|%s|%s|%s|%s|%s", p.Lang, p.Stale, now.In(registry.Vietnam).Format(time.DateOnly), p.Toggle, p.Path, p.Link, p.UnknownLot)
	key += "|" + p.CodeSignature
	if s := p.Serial; s != nil {
		key += fmt.Sprintf("|%s|%d|%s|%s|%d|%t|%t|%t", s.Serial, s.Scans, s.FirstScan, s.FirstPlace, s.Places, s.Suspicious, s.Known, s.Unissued)
	}
	return key
}
