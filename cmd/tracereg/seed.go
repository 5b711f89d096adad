package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/tracereg/tracereg/registry"
	"github.com/tracereg/tracereg/registry/demodata"
)

// seedDemo loads the demo data set; refused in production.
func (m *Main) seedDemo(ctx context.Context, stdout io.Writer) error {
	if m.Config.Env == "production" {
		return errors.New("seed --demo: demo data is refused when TRACEREG_ENV=production")
	}
	res, err := demodata.Seed(ctx, m.Store, m.Documents)
	if err != nil {
		return err
	}
	if res.Created == 0 {
		fmt.Fprintln(stdout, "demo data already loaded; nothing changed")
	} else {
		fmt.Fprintf(stdout, "demo data loaded: %d records\n", res.Created)
	}
	fmt.Fprintf(stdout, "demo roasted lot: %s/01/%s/10/%s\n", m.Config.PublicBaseURL, res.RoastedGTIN, demodata.RoastedLot)
	return m.seedDemoUsers(ctx, res, stdout)
}

// demoUsers are the accounts that let someone try each workspace on the demo data.
var demoUsers = []struct{ username, name, role string }{
	{"demo-htx", "Hợp tác xã cà phê (demo)", registry.RoleEnterprise},
	{"demo-rang", "Cơ sở rang xay (demo)", registry.RoleEnterprise},
	{"demo-chungnhan", "Tổ chức chứng nhận (demo)", registry.RoleCertifier},
	{"demo-thanhtra", "Cán bộ kiểm tra (demo)", registry.RoleInspector},
}

// seedDemoUsers creates the demo accounts that are missing, all with one
// generated password printed once (to the terminal, never to the log).
func (m *Main) seedDemoUsers(ctx context.Context, res demodata.Result, stdout io.Writer) error {
	body, err := m.Store.FindCertificationBodyByCode(ctx, demodata.BodyCode)
	if err != nil {
		return err
	}
	pw := registry.NewPassword()
	hash, err := registry.HashPassword(pw)
	if err != nil {
		return err
	}
	var created []string
	for _, d := range demoUsers {
		if _, err := m.Store.FindUserByUsername(ctx, d.username); err == nil {
			continue
		} else if registry.ErrorCode(err) != registry.ENOTFOUND {
			return err
		}
		u := &registry.User{Username: d.username, DisplayName: d.name, Role: d.role, PasswordHash: hash}
		switch {
		case d.username == "demo-htx":
			u.EnterpriseID = res.CoopID
		case d.username == "demo-rang":
			u.EnterpriseID = res.RoasterID
		case d.role == registry.RoleCertifier:
			u.BodyID = body.ID
		}
		if err := m.Store.CreateUser(ctx, u); err != nil && registry.ErrorCode(err) != registry.ECONFLICT {
			return err
		}
		created = append(created, d.username)
	}
	if len(created) > 0 {
		fmt.Fprintf(stdout, "demo accounts %s, password: %s (shown only once; sign in at %s/login)\n",
			strings.Join(created, ", "), pw, m.Config.PublicBaseURL)
	}
	return nil
}
