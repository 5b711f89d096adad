package api

import (
	"github.com/gofiber/fiber/v2"

	"github.com/tracereg/tracereg/registry"
)

// userInput creates or changes a user; the password is only ever written.
type userInput struct {
	Username     string  `json:"username"`
	DisplayName  string  `json:"display_name"`
	Role         string  `json:"role"`
	EnterpriseID string  `json:"enterprise_id,omitempty"`
	BodyID       string  `json:"body_id,omitempty"`
	Password     *string `json:"password,omitempty"`
	Disabled     bool    `json:"disabled"`
}

func (a *API) mountUsers(g fiber.Router) {
	a.add(g, routeDoc{Method: "GET", Summary: "List users (admin)", Tag: "users", Response: listOf[registry.User]{}, Query: []string{"limit", "cursor"}}, "/users", a.listUsers)
	a.add(g, routeDoc{Method: "GET", Summary: "Read a user (admin, or yourself)", Tag: "users", Response: registry.User{}}, "/users/:id", a.getUser)
	a.add(g, routeDoc{Method: "POST", Summary: "Create a user (admin)", Tag: "users", Request: userInput{}, Response: registry.User{},
		Status: fiber.StatusCreated, Idempotent: true}, "/users", a.createUser)
	a.add(g, routeDoc{Method: "PUT", Summary: "Replace a user (admin; If-Match). Disabling stops their tokens and keys at once", Tag: "users",
		Request: userInput{}, Response: registry.User{}, IfMatch: true}, "/users/:id", a.updateUser)
}

func userTarget(u *registry.User) registry.Resource {
	return registry.Resource{Kind: registry.KindUser, EnterpriseID: u.EnterpriseID, BodyID: u.BodyID, UserID: u.ID}
}

func (a *API) listUsers(c *fiber.Ctx) error {
	if err := registry.Authorize(actor(c), registry.ActRead, registry.Resource{Kind: registry.KindUser}); err != nil {
		return err
	}
	p, err := page(c)
	if err != nil {
		return err
	}
	users, next, err := a.store.ListUsers(c.UserContext(), p)
	if err != nil {
		return err
	}
	return c.JSON(listOf[registry.User]{Items: nonNil(users), NextCursor: next})
}

func (a *API) getUser(c *fiber.Ctx) error {
	me := actor(c)
	id := c.Params("id")
	if me.Anonymous() || (id != me.UserID && me.Role != registry.RoleAdmin) {
		if err := registry.Authorize(me, registry.ActRead, registry.Resource{Kind: registry.KindUser}); err != nil {
			return err
		}
	}
	u, err := a.store.FindUser(c.UserContext(), id)
	if err != nil {
		return err
	}
	c.Set(fiber.HeaderETag, etag(u.ID, u.Version))
	return c.JSON(u)
}

func (a *API) createUser(c *fiber.Ctx) error {
	if err := registry.Authorize(actor(c), registry.ActCreate, registry.Resource{Kind: registry.KindUser}); err != nil {
		return err
	}
	var in userInput
	if err := decodeJSON(c, &in, 16<<10); err != nil {
		return err
	}
	u := &registry.User{Username: in.Username, DisplayName: in.DisplayName, Role: in.Role, EnterpriseID: in.EnterpriseID, BodyID: in.BodyID, Disabled: in.Disabled}
	if in.Password == nil {
		return fieldErr("password", "required", "is required", "là bắt buộc")
	}
	if err := setPassword(u, *in.Password); err != nil {
		return err
	}
	if err := a.store.CreateUser(c.UserContext(), u); err != nil {
		return err
	}
	if err := a.audit(c, "user.create", registry.KindUser, u.ID, u.EnterpriseID, nil, u); err != nil {
		return err
	}
	c.Set(fiber.HeaderETag, etag(u.ID, u.Version))
	return c.Status(fiber.StatusCreated).JSON(u)
}

func setPassword(u *registry.User, pw string) error {
	if err := registry.CheckPassword(pw); err != nil {
		return err
	}
	h, err := registry.HashPassword(pw)
	if err != nil {
		return err
	}
	u.PasswordHash = h
	return nil
}

func (a *API) updateUser(c *fiber.Ctx) error {
	if err := registry.Authorize(actor(c), registry.ActUpdate, registry.Resource{Kind: registry.KindUser}); err != nil {
		return err
	}
	id := c.Params("id")
	cur, err := a.store.FindUser(c.UserContext(), id)
	if err != nil {
		return err
	}
	read, err := ifMatch(c, id)
	if err != nil {
		return err
	}
	if read != cur.Version {
		return errStale
	}
	var in userInput
	if err := decodeJSON(c, &in, 16<<10); err != nil {
		return err
	}
	next := *cur
	next.Username, next.DisplayName, next.Role, next.EnterpriseID, next.BodyID, next.Disabled = in.Username, in.DisplayName, in.Role, in.EnterpriseID, in.BodyID, in.Disabled
	if in.Password != nil {
		if err := setPassword(&next, *in.Password); err != nil {
			return err
		}
	}
	if err := a.store.UpdateUser(c.UserContext(), &next); err != nil {
		return err
	}
	if err := a.audit(c, "user.update", registry.KindUser, id, next.EnterpriseID, cur, &next); err != nil {
		return err
	}
	c.Set(fiber.HeaderETag, etag(id, next.Version))
	return c.JSON(&next)
}
