package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"

	"github.com/tracereg/tracereg/registry"
)

// ensureAdmin creates the first admin account on an empty database. The
// password comes from TRACEREG_ADMIN_PASSWORD or is generated and printed
// once, to the terminal and never to the log.
func (m *Main) ensureAdmin(ctx context.Context, stdout io.Writer) error {
	n, err := m.Store.CountUsers(ctx)
	if err != nil || n > 0 {
		return err
	}
	pw, generated := m.Config.AdminPassword, false
	if pw == "" {
		pw, generated = registry.NewPassword(), true
	}
	hash, err := registry.HashPassword(pw)
	if err != nil {
		return err
	}
	u := &registry.User{Username: "admin", DisplayName: "Quản trị viên", Role: registry.RoleAdmin, PasswordHash: hash}
	if err := m.Store.CreateUser(ctx, u); err != nil {
		if registry.ErrorCode(err) == registry.ECONFLICT {
			return nil // another replica created it first
		}
		return err
	}
	if generated {
		fmt.Fprintf(stdout, "\nCreated the admin account.\n  username: admin\n  password: %s\nThis password is shown only once: keep it, or change it with `tracereg user passwd admin`.\n\n", pw)
	} else {
		fmt.Fprintln(stdout, "Created the admin account \"admin\" with the password from TRACEREG_ADMIN_PASSWORD.")
	}
	return nil
}

// userCommand runs `tracereg user add|passwd|list`.
func (m *Main) userCommand(ctx context.Context, args []string, getenv func(string) string, stdout io.Writer) error {
	if len(args) == 0 {
		return errors.New("user: say add, passwd or list")
	}
	password := func() (string, bool, error) {
		if pw := getenv("TRACEREG_USER_PASSWORD"); pw != "" {
			return pw, false, registry.CheckPassword(pw)
		}
		return registry.NewPassword(), true, nil
	}
	switch args[0] {
	case "list":
		page := registry.Page{Limit: registry.MaxPageLimit}
		for {
			users, next, err := m.Store.ListUsers(ctx, page)
			if err != nil {
				return err
			}
			for _, u := range users {
				state := "active"
				if u.Disabled {
					state = "disabled"
				}
				fmt.Fprintf(stdout, "%-24s %-11s %-8s %s\n", u.Username, u.Role, state, u.DisplayName)
			}
			if next == "" {
				return nil
			}
			page.Cursor = next
		}
	case "add":
		fs := flag.NewFlagSet("user add", flag.ContinueOnError)
		role := fs.String("role", "", "admin, inspector, certifier or enterprise")
		name := fs.String("name", "", "display name")
		taxCode := fs.String("enterprise", "", "tax code of the enterprise (role enterprise)")
		bodyCode := fs.String("body", "", "code of the certification body (role certifier)")
		if len(args) < 2 {
			return errors.New("user add: give a username")
		}
		username := args[1]
		if err := fs.Parse(args[2:]); err != nil {
			return err
		}
		u := &registry.User{Username: username, DisplayName: *name, Role: *role}
		if u.DisplayName == "" {
			u.DisplayName = username
		}
		if *taxCode != "" {
			e, err := m.Store.FindEnterpriseByTaxCode(ctx, *taxCode)
			if err != nil {
				return fmt.Errorf("--enterprise %s: %w", *taxCode, err)
			}
			u.EnterpriseID = e.ID
		}
		if *bodyCode != "" {
			b, err := m.Store.FindCertificationBodyByCode(ctx, *bodyCode)
			if err != nil {
				return fmt.Errorf("--body %s: %w", *bodyCode, err)
			}
			u.BodyID = b.ID
		}
		pw, generated, err := password()
		if err != nil {
			return err
		}
		if u.PasswordHash, err = registry.HashPassword(pw); err != nil {
			return err
		}
		if err := m.Store.CreateUser(ctx, u); err != nil {
			return err
		}
		fmt.Fprintf(stdout, "added %s (%s)\n", u.Username, u.Role)
		if generated {
			fmt.Fprintf(stdout, "password: %s\n", pw)
		}
		return nil
	case "passwd":
		if len(args) < 2 {
			return errors.New("user passwd: give a username")
		}
		u, err := m.Store.FindUserByUsername(ctx, args[1])
		if err != nil {
			return fmt.Errorf("user %s: %w", args[1], err)
		}
		pw, generated, err := password()
		if err != nil {
			return err
		}
		if u.PasswordHash, err = registry.HashPassword(pw); err != nil {
			return err
		}
		if err := m.Store.UpdateUser(ctx, u); err != nil {
			return err
		}
		fmt.Fprintf(stdout, "password of %s changed\n", u.Username)
		if generated {
			fmt.Fprintf(stdout, "password: %s\n", pw)
		}
		return nil
	}
	return fmt.Errorf("user: unknown subcommand %q (add, passwd or list)", args[0])
}
