package main

import (
	"context"
	"errors"
	"fmt"
	"io"

	"github.com/tracereg/tracereg/registry"
)

// seedDemo loads the demo data set; refused in production.
func (m *Main) seedDemo(ctx context.Context, stdout io.Writer) error {
	if m.Config.Env == "production" {
		return errors.New("seed --demo: demo data is refused when TRACEREG_ENV=production")
	}
	res, err := registry.SeedDemo(ctx, m.Store, m.Documents)
	if err != nil {
		return err
	}
	if res.Created == 0 {
		fmt.Fprintln(stdout, "demo data already loaded; nothing changed")
	} else {
		fmt.Fprintf(stdout, "demo data loaded: %d records\n", res.Created)
	}
	fmt.Fprintf(stdout, "demo roasted lot: %s/01/%s/10/%s\n", m.Config.PublicBaseURL, res.RoastedGTIN, registry.DemoRoastedLot)
	return nil
}
