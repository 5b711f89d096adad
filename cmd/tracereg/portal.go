package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/tracereg/tracereg/registry"
	"github.com/tracereg/tracereg/registry/portal"
)

// exportPortal writes the national portal export (registry/portal) as
// NDJSON: tracereg export-portal FILE [--enterprise TAXCODE] [--since DATE].
// FILE "-" is standard output; a file is written whole or not at all.
func (m *Main) exportPortal(ctx context.Context, args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("export-portal", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	enterprise := fs.String("enterprise", "", "only this enterprise's lots (tax code or record ID)")
	sinceArg := fs.String("since", "", "only lots changed since (YYYY-MM-DD, Vietnam time, or RFC 3339)")
	file := ""
	if len(args) > 0 && (args[0] == "-" || !strings.HasPrefix(args[0], "-")) {
		file, args = args[0], args[1:]
	}
	if err := fs.Parse(args); err != nil {
		return fmt.Errorf("export-portal: %w", err)
	}
	if file == "" && fs.NArg() == 1 {
		file = fs.Arg(0)
	} else if fs.NArg() > 0 {
		return fmt.Errorf("export-portal: unexpected %q", fs.Args())
	}
	if file == "" {
		return errors.New("export-portal: say where: tracereg export-portal FILE [--enterprise TAXCODE] [--since DATE] (FILE - for standard output)")
	}
	since, err := parseSince(*sinceArg)
	if err != nil {
		return err
	}
	q := portal.Query{UpdatedSince: since}
	if *enterprise != "" {
		e, err := m.findEnterpriseRef(ctx, *enterprise)
		if err != nil {
			return err
		}
		q.EnterpriseID = e.ID
	}
	x := portal.Exporter{Store: m.Store, Base: m.Config.PublicBaseURL, Clock: registry.SystemClock{}}
	if file == "-" {
		w := bufio.NewWriter(stdout)
		if _, err := x.WriteNDJSON(ctx, w, q); err != nil {
			return fmt.Errorf("export-portal: %w", err)
		}
		return w.Flush()
	}
	tmp, err := os.CreateTemp(filepath.Dir(file), "."+filepath.Base(file)+".*")
	if err != nil {
		return fmt.Errorf("export-portal: %w", err)
	}
	defer os.Remove(tmp.Name()) // after the rename, nothing is there
	w := bufio.NewWriter(tmp)
	n, err := x.WriteNDJSON(ctx, w, q)
	if err == nil {
		err = w.Flush()
	}
	if err == nil {
		err = tmp.Sync()
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp.Name(), file)
	}
	if err != nil {
		return fmt.Errorf("export-portal: %w", err)
	}
	fmt.Fprintf(stdout, "exported %d lots to %s (%s, one record a line)\n", n, file, portal.Format)
	return nil
}

// parseSince reads --since: a day in Vietnam (from its midnight) or an RFC 3339 time.
func parseSince(s string) (time.Time, error) {
	if s == "" {
		return time.Time{}, nil
	}
	if t, err := time.ParseInLocation("2006-01-02", s, registry.Vietnam); err == nil {
		return t, nil
	}
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return t, nil
	}
	return time.Time{}, fmt.Errorf("export-portal: --since must be a day (2026-11-27) or an RFC 3339 time (2026-11-27T08:00:00+07:00), got %q", s)
}

// findEnterpriseRef finds the enterprise of --enterprise by tax code or ID.
func (m *Main) findEnterpriseRef(ctx context.Context, ref string) (*registry.Enterprise, error) {
	var e *registry.Enterprise
	var err error
	switch {
	case registry.ValidTaxCode(ref):
		e, err = m.Store.FindEnterpriseByTaxCode(ctx, ref)
	case registry.ValidID(ref):
		e, err = m.Store.FindEnterprise(ctx, ref)
	default:
		return nil, fmt.Errorf("export-portal: --enterprise must be a tax code (10 digits, or 10 digits, a dash and 3 digits) or a record ID, got %q", ref)
	}
	if registry.ErrorCode(err) == registry.ENOTFOUND {
		return nil, fmt.Errorf("export-portal: --enterprise: no enterprise has tax code or ID %q", ref)
	}
	return e, err
}
