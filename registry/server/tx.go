package server

import (
	"context"
	"errors"

	"github.com/gofiber/fiber/v2"
)

// errNotKept rolls back a request whose answer does not keep its writes.
var errNotKept = errors.New("server: the request's answer keeps no writes")

// Transaction runs the rest of a request in one transaction of inTx (a
// store's InTx): everything the handler writes commits when it returns no
// error and keep says its status keeps the writes, and none of it does
// otherwise. The handler's error, or its own answer, stands either way; a
// commit that fails is the request's error.
func Transaction(inTx func(ctx context.Context, fn func(ctx context.Context) error) error, keep func(status int) bool) fiber.Handler {
	return func(c *fiber.Ctx) error {
		outer := c.UserContext()
		var handled error
		err := inTx(outer, func(ctx context.Context) error {
			c.SetUserContext(ctx)
			if handled = c.Next(); handled != nil {
				return handled
			}
			if !keep(c.Response().StatusCode()) {
				return errNotKept
			}
			return nil
		})
		c.SetUserContext(outer)
		switch {
		case handled != nil:
			return handled
		case errors.Is(err, errNotKept):
			return nil
		}
		return err
	}
}
