package api

import (
	"context"
	"mime"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/tracereg/tracereg/registry"
	"github.com/tracereg/tracereg/registry/bulk"
)

// Import limits (the reading, checking and writing of imports lives in
// registry/bulk, shared with the workspaces).
const (
	MaxImportBody = bulk.MaxBody
	MaxImportRows = bulk.MaxRows
)

// Import modes.
const (
	ModeEach         = bulk.ModeEach         // write the good rows, report the bad ones
	ModeAllOrNothing = bulk.ModeAllOrNothing // write nothing when any row fails
)

// importReport answers an import.
type importReport = bulk.Report

func (a *API) mountImports(g fiber.Router) {
	a.add(g, routeDoc{Method: "POST", Summary: "Import lots from CSV (text/csv) or NDJSON (application/x-ndjson); ?mode=each|all-or-nothing",
		Tag: "import", RequestType: "text/csv", Response: importReport{}, Query: []string{"mode"}}, `/batches\:import`, a.importBatches)
	a.add(g, routeDoc{Method: "GET", Summary: "CSV template of a lot import (?lang=vi for Vietnamese headings)", Tag: "import",
		RequestType: "text/csv", Query: []string{"lang"}}, `/batches\:import/template`, templateHandler(bulk.Batches))
	a.add(g, routeDoc{Method: "POST", Summary: "Import events from CSV (text/csv) or NDJSON (application/x-ndjson); ?mode=each|all-or-nothing",
		Tag: "import", RequestType: "application/x-ndjson", Response: importReport{}, Query: []string{"mode"}}, `/events\:import`, a.importEvents)
	a.add(g, routeDoc{Method: "GET", Summary: "CSV template of an event import (?lang=vi for Vietnamese headings)", Tag: "import",
		RequestType: "text/csv", Query: []string{"lang"}}, `/events\:import/template`, templateHandler(bulk.Events))
}

// importSlot takes the caller's import slot (one per enterprise, a few in
// all: bulk.Gate), waiting up to two minutes for one of the few. It
// returns the release.
func (a *API) importSlot(c *fiber.Ctx) (func(), error) {
	release, err := a.imports.Enter(c.UserContext(), bulk.Key(actor(c)), 2*time.Minute)
	if registry.ErrorCode(err) == registry.ETOOMANY {
		c.Set(fiber.HeaderRetryAfter, "30")
	}
	return release, err
}

func templateHandler(k bulk.Kind) fiber.Handler {
	return func(c *fiber.Ctx) error {
		c.Set(fiber.HeaderContentType, "text/csv; charset=utf-8")
		c.Set(fiber.HeaderContentDisposition, `attachment; filename="template.csv"`)
		return c.Send(k.Template(c.Query("lang") == "vi"))
	}
}

// readImport reads the mode and the body's rows.
func readImport(c *fiber.Ctx, k bulk.Kind) (*bulk.Input, error) {
	mt, _, _ := mime.ParseMediaType(c.Get(fiber.HeaderContentType))
	return bulk.Read(k, c.Query("mode", ModeEach), mt, c.Body())
}

// importer writes an import of this request, auditing as the caller.
func (a *API) importer(c *fiber.Ctx) *bulk.Importer {
	return &bulk.Importer{Store: a.store, Clock: a.clock, Log: a.log, PendingTimeout: PendingTimeout,
		// The import's own context: its writes and their audit entries share transactions.
		Audit: func(ctx context.Context, action, kind, id, enterpriseID string, after any) error {
			return a.store.AppendAudit(ctx, registry.NewAuditEntry(actor(c), action, kind, id, enterpriseID, nil, after))
		}}
}

// finish answers an import: with all-or-nothing and a failed row, a 422
// problem listing every failing row's fields as rows[N].field.
func finish(c *fiber.Ctx, rep *importReport) error {
	if err := rep.Err(); err != nil {
		return err
	}
	return c.JSON(rep)
}

func (a *API) importBatches(c *fiber.Ctx) error {
	me := actor(c)
	if err := registry.Authorize(me, registry.ActCreate, registry.Resource{Kind: registry.KindBatch, EnterpriseID: me.EnterpriseID}); err != nil {
		return err
	}
	in, err := readImport(c, bulk.Batches)
	if err != nil {
		return err
	}
	release, err := a.importSlot(c)
	if err != nil {
		return err
	}
	defer release()
	rep, err := a.importer(c).Batches(c.UserContext(), me, in)
	if err != nil {
		return err
	}
	return finish(c, rep)
}

func (a *API) importEvents(c *fiber.Ctx) error {
	me := actor(c)
	if err := registry.Authorize(me, registry.ActCreate, registry.Resource{Kind: registry.KindEvent, EnterpriseID: me.EnterpriseID}); err != nil {
		return err
	}
	in, err := readImport(c, bulk.Events)
	if err != nil {
		return err
	}
	release, err := a.importSlot(c)
	if err != nil {
		return err
	}
	defer release()
	rep, err := a.importer(c).Events(c.UserContext(), me, in)
	if err != nil {
		return err
	}
	return finish(c, rep)
}
