package api

import (
	"context"
	"reflect"

	"github.com/gofiber/fiber/v2"

	"github.com/tracereg/tracereg/registry"
)

// resource is the generic create/read/update/list/delete of one kind of
// record. T is the registry type; every one has string ID and int Version fields.
type resource[T any] struct {
	kind   string // registry.Kind*
	path   string // "/enterprises"
	tag    string
	target func(*T) registry.Resource
	find   func(ctx context.Context, id string) (*T, error)
	create func(ctx context.Context, v *T) error
	update func(ctx context.Context, v *T) error
	// list answers one page; scope is the enterprise the caller is limited to ("" for none).
	list      func(c *fiber.Ctx, scope string, p registry.Page) ([]*T, string, error)
	listQuery []string
	// prepare fills in what the caller may leave out (their own enterprise or
	// body) before the policy looks at a new record.
	prepare func(me registry.Actor, v *T)
	// check runs after decoding an update, with the stored record, for rules
	// of the API (fields only some may change). May adjust next.
	check     func(me registry.Actor, cur, next *T) error
	deletable bool
	// access, when set, tells in the OpenAPI summaries who may do what.
	access string
}

func idOf(v any) string {
	return reflect.ValueOf(v).Elem().FieldByName("ID").String()
}

func versionOf(v any) int {
	return int(reflect.ValueOf(v).Elem().FieldByName("Version").Int())
}

func setIDVersion(v any, id string, version int) {
	e := reflect.ValueOf(v).Elem()
	e.FieldByName("ID").SetString(id)
	e.FieldByName("Version").SetInt(int64(version))
}

func mountResource[T any](a *API, g fiber.Router, r resource[T]) {
	var zero T
	if r.access != "" {
		defer func(from int) {
			for i := from; i < len(a.routes); i++ {
				a.routes[i].Summary += ". Access: " + r.access
			}
		}(len(a.routes))
	}
	a.add(g, routeDoc{Method: "GET", Summary: "List " + r.tag, Tag: r.tag, Response: listOf[T]{}, Query: append([]string{"limit", "cursor", "updated_since"}, r.listQuery...)},
		r.path, func(c *fiber.Ctx) error { return listHandler(a, c, r) })
	a.add(g, routeDoc{Method: "GET", Summary: "Read one of " + r.tag + " (sends ETag)", Tag: r.tag, Response: zero},
		r.path+"/:id", func(c *fiber.Ctx) error { return getHandler(a, c, r) })
	if r.create != nil {
		a.add(g, routeDoc{Method: "POST", Summary: "Create one of " + r.tag, Tag: r.tag, Request: zero, Response: zero, Status: fiber.StatusCreated, Idempotent: true},
			r.path, func(c *fiber.Ctx) error { return createHandler(a, c, r) })
	}
	if r.update != nil {
		a.add(g, routeDoc{Method: "PUT", Summary: "Replace one of " + r.tag + " (If-Match)", Tag: r.tag, Request: zero, Response: zero, IfMatch: true},
			r.path+"/:id", func(c *fiber.Ctx) error { return updateHandler(a, c, r, false) })
		a.add(g, routeDoc{Method: "PATCH", Summary: "Change fields of one of " + r.tag + " (If-Match; JSON merge of top-level fields)", Tag: r.tag, Request: zero, Response: zero, IfMatch: true},
			r.path+"/:id", func(c *fiber.Ctx) error { return updateHandler(a, c, r, true) })
	}
	if r.deletable {
		a.add(g, routeDoc{Method: "DELETE", Summary: "Delete one of " + r.tag + " (409 while other records refer to it)", Tag: r.tag, Status: fiber.StatusNoContent},
			r.path+"/:id", func(c *fiber.Ctx) error { return deleteHandler(a, c, r) })
	}
}

// load finds the record and checks the caller may take action on it; a
// record the caller may not even read is not found.
// loadForChange is load for a change that needs If-Match: it also returns
// the version the caller read, errStale when the record moved on since.
func loadForChange[T any](c *fiber.Ctx, r resource[T], id, action string) (*T, int, error) {
	cur, err := load(c, r, id, action)
	if err != nil {
		return nil, 0, err
	}
	read, err := ifMatch(c, id)
	if err != nil {
		return nil, 0, err
	}
	if read != versionOf(cur) {
		return nil, 0, errStale
	}
	return cur, read, nil
}

func load[T any](c *fiber.Ctx, r resource[T], id, action string) (*T, error) {
	me := actor(c)
	if me.Anonymous() {
		return nil, registry.Authorize(me, action, registry.Resource{Kind: r.kind})
	}
	v, err := r.find(c.UserContext(), id)
	if err != nil {
		return nil, err
	}
	t := r.target(v)
	if err := registry.Authorize(me, registry.ActRead, t); err != nil {
		return nil, err
	}
	if action != registry.ActRead {
		if err := registry.Authorize(me, action, t); err != nil {
			return nil, err
		}
	}
	return v, nil
}

func getHandler[T any](a *API, c *fiber.Ctx, r resource[T]) error {
	v, err := load(c, r, c.Params("id"), registry.ActRead)
	if err != nil {
		return err
	}
	c.Set(fiber.HeaderETag, etag(idOf(v), versionOf(v)))
	return c.JSON(v)
}

func listHandler[T any](a *API, c *fiber.Ctx, r resource[T]) error {
	scope, err := registry.Scope(actor(c), r.kind)
	if err != nil {
		return err
	}
	p, err := page(c)
	if err != nil {
		return err
	}
	items, next, err := r.list(c, scope, p)
	if err != nil {
		return err
	}
	return c.JSON(listOf[T]{Items: nonNil(items), NextCursor: next})
}

func createHandler[T any](a *API, c *fiber.Ctx, r resource[T]) error {
	me := actor(c)
	if me.Anonymous() {
		return registry.Authorize(me, registry.ActCreate, registry.Resource{Kind: r.kind})
	}
	v := new(T)
	if err := decodeJSON(c, v, MaxJSONBody); err != nil {
		return err
	}
	if r.prepare != nil {
		r.prepare(me, v)
	}
	t := r.target(v)
	if err := registry.Authorize(me, registry.ActCreate, t); err != nil {
		return err
	}
	if err := r.create(c.UserContext(), v); err != nil {
		return err
	}
	if err := a.audit(c, r.kind+".create", r.kind, idOf(v), t.EnterpriseID, nil, v); err != nil {
		return err
	}
	c.Set(fiber.HeaderETag, etag(idOf(v), versionOf(v)))
	c.Location(Prefix + r.path + "/" + idOf(v))
	return c.Status(fiber.StatusCreated).JSON(v)
}

func updateHandler[T any](a *API, c *fiber.Ctx, r resource[T], patch bool) error {
	id := c.Params("id")
	cur, err := load(c, r, id, registry.ActUpdate)
	if err != nil {
		return err
	}
	read, err := ifMatch(c, id)
	if err != nil {
		return err
	}
	if read != versionOf(cur) {
		return errStale
	}
	next := new(T)
	if patch {
		*next = *cloneJSON(cur)
	}
	if err := decodeJSON(c, next, MaxJSONBody); err != nil {
		return err
	}
	setIDVersion(next, id, read)
	me := actor(c)
	if r.prepare != nil {
		r.prepare(me, next)
	}
	if err := registry.Authorize(me, registry.ActUpdate, r.target(next)); err != nil {
		return err
	}
	if r.check != nil {
		if err := r.check(me, cur, next); err != nil {
			return err
		}
	}
	if err := r.update(c.UserContext(), next); err != nil {
		return err
	}
	if err := a.audit(c, r.kind+".update", r.kind, id, r.target(next).EnterpriseID, cur, next); err != nil {
		return err
	}
	c.Set(fiber.HeaderETag, etag(id, versionOf(next)))
	return c.JSON(next)
}

func deleteHandler[T any](a *API, c *fiber.Ctx, r resource[T]) error {
	id := c.Params("id")
	cur, err := load(c, r, id, registry.ActDelete)
	if err != nil {
		return err
	}
	if err := a.store.DeleteRecord(c.UserContext(), r.kind, id); err != nil {
		return err
	}
	if err := a.audit(c, r.kind+".delete", r.kind, id, r.target(cur).EnterpriseID, cur, nil); err != nil {
		return err
	}
	return c.SendStatus(fiber.StatusNoContent)
}
