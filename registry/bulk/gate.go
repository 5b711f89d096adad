package bulk

import (
	"context"
	"sync"
	"time"

	"github.com/tracereg/tracereg/registry"
)

// Gate bounds the imports one process writes at once: at most a few in all
// (the embedded database has one writer, so more would only queue inside
// it), and one per enterprise, so one tenant's files queue behind each other
// instead of taking every slot while other tenants wait. The API and the
// workspaces share one.
type Gate struct {
	all chan struct{}

	mu      sync.Mutex
	tenants map[string]*tenantSlot
}

// tenantSlot is one enterprise's turn, and how many imports want it.
type tenantSlot struct {
	turn  chan struct{}
	users int
}

// Key names whose turn an import by me takes: its enterprise, or the user
// for staff, who import for no one enterprise.
func Key(me registry.Actor) string {
	if me.EnterpriseID != "" {
		return "enterprise:" + me.EnterpriseID
	}
	return "user:" + me.UserID
}

// NewGate lets max imports write at once.
func NewGate(max int) *Gate {
	return &Gate{all: make(chan struct{}, max), tenants: map[string]*tenantSlot{}}
}

// Errors of Enter; both are ETOOMANY, which callers answer with Retry-After.
var (
	ErrTenantImporting = registry.Errorf(registry.ETOOMANY, "Another import of this enterprise is still running; try again when it is done.",
		"Một lượt nhập dữ liệu khác của doanh nghiệp đang chạy; vui lòng thử lại khi lượt đó xong.")
	ErrGateFull = registry.Errorf(registry.ETOOMANY, "Too many imports are running; try again in a moment.",
		"Đang có quá nhiều lượt nhập dữ liệu; vui lòng thử lại sau.")
)

// Enter waits, up to wait in all, for the enterprise's turn (else
// ErrTenantImporting) and then for one of the slots (else ErrGateFull), and
// returns the release. A caller whose context ends stops waiting.
func (g *Gate) Enter(ctx context.Context, enterprise string, wait time.Duration) (release func(), err error) {
	g.mu.Lock()
	ts := g.tenants[enterprise]
	if ts == nil {
		ts = &tenantSlot{turn: make(chan struct{}, 1)}
		g.tenants[enterprise] = ts
	}
	ts.users++
	g.mu.Unlock()
	leave := func() {
		g.mu.Lock()
		if ts.users--; ts.users == 0 {
			delete(g.tenants, enterprise)
		}
		g.mu.Unlock()
	}
	t := time.NewTimer(wait)
	defer t.Stop()
	select {
	case ts.turn <- struct{}{}:
	case <-t.C:
		leave()
		return nil, ErrTenantImporting
	case <-ctx.Done():
		leave()
		return nil, ctx.Err()
	}
	select {
	case g.all <- struct{}{}:
		return func() { <-g.all; <-ts.turn; leave() }, nil
	case <-t.C:
		err = ErrGateFull
	case <-ctx.Done():
		err = ctx.Err()
	}
	<-ts.turn
	leave()
	return nil, err
}
