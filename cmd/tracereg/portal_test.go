package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tracereg/tracereg/registry/demodata"
	"github.com/tracereg/tracereg/registry/gs1"
	"github.com/tracereg/tracereg/registry/portal"
)

func portalLines(t *testing.T, b []byte) []portal.Record {
	t.Helper()
	var out []portal.Record
	sc := bufio.NewScanner(bytes.NewReader(b))
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		var r portal.Record
		if err := json.Unmarshal(sc.Bytes(), &r); err != nil || r.Format != portal.Format {
			t.Fatalf("line %q: %v", sc.Text(), err)
		}
		out = append(out, r)
	}
	return out
}

// export-portal on the demo: every public lot, one a line, filtered by
// enterprise and time; bad flags name the flag and write nothing.
func TestExportPortalCommand(t *testing.T) {
	dir := shortTempDir(t)
	getenv := env("TRACEREG_DATA", filepath.Join(dir, "data"), "PUBLIC_BASE_URL", "https://truyxuat.example.vn", "TRACEREG_ADMIN_PASSWORD", "correct-horse-battery")
	ctx := context.Background()
	if err := run(ctx, []string{"seed", "--demo"}, getenv, io.Discard, io.Discard); err != nil {
		t.Fatal(err)
	}
	roastedGTIN, _ := gs1.GTIN14(demodata.GTIN("893850000002"))

	file := filepath.Join(dir, "portal.ndjson")
	var out bytes.Buffer
	if err := run(ctx, []string{"export-portal", file}, getenv, &out, io.Discard); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), "exported 2 lots") {
		t.Errorf("output %q", out.String())
	}
	b, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	recs := portalLines(t, b)
	codes := map[string]portal.Record{}
	for _, r := range recs {
		codes[r.Lot.LotCode] = r
	}
	if len(recs) != 2 || len(codes) != 2 {
		t.Fatalf("lots %v", codes)
	}
	rb := codes[demodata.RoastedLot]
	if rb.Lot.DigitalLink != "https://truyxuat.example.vn/01/"+roastedGTIN+"/10/"+demodata.RoastedLot || rb.Unit.TaxCode != demodata.RoasterTaxCode ||
		len(rb.Announcements) != 1 || rb.Announcements[0].ReceiptNumber != demodata.ReceiptNumber {
		t.Errorf("roasted lot %+v", rb)
	}
	if g := codes[demodata.GreenLot]; len(g.Stages) != 4 || g.Stages[0].Time != "2025-11-20T07:30:00+07:00" || len(g.Certificates) != 2 {
		t.Errorf("green lot stages %+v certificates %+v", g.Stages, g.Certificates)
	}

	// Flags after FILE or before it; FILE - is standard output.
	out.Reset()
	if err := run(ctx, []string{"export-portal", "--enterprise", demodata.CoopTaxCode, "-"}, getenv, &out, io.Discard); err != nil {
		t.Fatal(err)
	}
	if recs := portalLines(t, out.Bytes()); len(recs) != 1 || recs[0].Lot.LotCode != demodata.GreenLot {
		t.Errorf("--enterprise: %+v", recs)
	}
	out.Reset()
	if err := run(ctx, []string{"export-portal", "-", "--since", "2999-01-01"}, getenv, &out, io.Discard); err != nil {
		t.Fatal(err)
	}
	if out.Len() != 0 {
		t.Errorf("--since the future: %q", out.String())
	}

	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"export-portal"}, "FILE"},
		{[]string{"export-portal", file, "--since", "yesterday"}, "--since"},
		{[]string{"export-portal", file, "--enterprise", "6999999999"}, "--enterprise"},
		{[]string{"export-portal", file, "--enterprise", "Ea Tiêu"}, "--enterprise"},
		{[]string{"export-portal", file, "--frobnicate"}, "frobnicate"},
		{[]string{"export-portal", filepath.Join(dir, "missing", "x.ndjson")}, "missing"},
	} {
		err := run(ctx, c.args, getenv, io.Discard, io.Discard)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%v: %v, want an error naming %s", c.args, err, c.want)
		}
	}
	// The failed runs left the first export as it was, and no temporary files.
	if after, _ := os.ReadFile(file); !bytes.Equal(after, b) {
		t.Error("a failed export changed the file")
	}
	entries, _ := os.ReadDir(dir)
	for _, e := range entries {
		if strings.HasPrefix(e.Name(), ".portal") {
			t.Errorf("left behind %s", e.Name())
		}
	}
}
