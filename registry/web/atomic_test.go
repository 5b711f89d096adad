package web_test

import (
	"log/slog"
	"net/http"
	"net/url"
	"testing"

	"github.com/tracereg/tracereg/registry"
	"github.com/tracereg/tracereg/registry/records/recordstest"
	"github.com/tracereg/tracereg/registry/server"
	"github.com/tracereg/tracereg/registry/web"
)

// TestFormWriteAndAuditCommitTogether: a workspace form whose audit entry
// fails shows an error and saves nothing; sent again, it saves once.
func TestFormWriteAndAuditCommitTogether(t *testing.T) {
	e := newEnv(t)
	store := &recordstest.AuditDown{DB: e.db}
	log := slog.New(slog.NewTextHandler(testLog{t}, &slog.HandlerOptions{Level: slog.LevelError}))
	app, err := server.New(server.Config{Store: store, Documents: e.docs, Logger: log})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := web.New(app, web.Config{Store: store, Documents: e.docs, Clock: e.clock, Logger: log}); err != nil {
		t.Fatal(err)
	}
	dev := *e
	dev.app = app
	count := func() int {
		return admCountAll(t, func(p registry.Page) ([]*registry.Facility, string, error) {
			return e.db.ListFacilities(t.Context(), registry.FacilityFilter{EnterpriseID: e.demo.CoopID, Page: p})
		})
	}
	before := count()
	c := dev.as(asCoop)
	form := url.Values{"kind": {registry.FacilityProcessing}, "name": {"Xưởng sơ chế Ea Tu"}, "district": {"Cư Kuin"}}

	store.Down.Store(true)
	if r := c.post("/w/facilities", form); r.status < 500 {
		t.Fatalf("audit down: status %d, want an error page", r.status)
	}
	if n := count(); n != before {
		t.Fatalf("the site was saved although its audit entry failed: %d sites, want %d", n, before)
	}
	store.Down.Store(false)
	wantStatus(t, "sent again", c.post("/w/facilities", form), http.StatusSeeOther)
	if n := count(); n != before+1 {
		t.Fatalf("%d sites after sending again, want %d", n, before+1)
	}
}
