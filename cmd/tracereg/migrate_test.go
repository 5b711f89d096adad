package main

import (
	"bytes"
	"context"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/tracereg/tracereg/registry"
)

// copyTree copies the checked-in old data directory, so a test never changes it.
func copyTree(t *testing.T, src, dst string) {
	t.Helper()
	err := filepath.WalkDir(src, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(src, p)
		if rel == "README.md" {
			return nil
		}
		target := filepath.Join(dst, rel)
		if d.IsDir() {
			return os.MkdirAll(target, 0o700)
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		return os.WriteFile(target, b, 0o600)
	})
	if err != nil {
		t.Fatal(err)
	}
}

// A data directory of the earlier embedded FerretDB (testdata/ferretdb-1.24):
// the server refuses it with the one command to run, `migrate` moves every
// record into SQLite and keeps the old files, and a second run does nothing.
func TestMigrateFerretDBDataDirectory(t *testing.T) {
	data := filepath.Join(shortTempDir(t), "data")
	copyTree(t, filepath.Join("testdata", "ferretdb-1.24"), data)
	getenv := env("TRACEREG_DATA", data, "PORT", strconv.Itoa(freePort(t)))

	err := run(context.Background(), []string{"serve"}, getenv, io.Discard, io.Discard)
	if err == nil || !strings.Contains(err.Error(), "tracereg migrate") {
		t.Fatalf("serve on an unmigrated directory: %v, want the error to name `tracereg migrate`", err)
	}

	var out bytes.Buffer
	if err := run(context.Background(), []string{"migrate"}, getenv, &out, io.Discard); err != nil {
		t.Fatalf("migrate: %v\n%s", err, out.String())
	}
	moved := regexp.MustCompile(`moved (\d+) records`).FindStringSubmatch(out.String())
	if moved == nil || moved[1] == "0" {
		t.Fatalf("migrate did not report the records it moved:\n%s", out.String())
	}
	kept, _ := filepath.Glob(filepath.Join(data, "db.ferretdb-*", "tracereg.sqlite"))
	if len(kept) != 1 {
		t.Fatalf("the old files were not kept beside the new store: %v", kept)
	}

	m := openStores(t, getenv)
	ctx := context.Background()
	sha := checkDemo(t, m)
	if _, err := m.Documents.Stat(ctx, sha); err != nil {
		t.Errorf("the demo's test report is no longer readable: %v", err)
	}
	if _, err := m.Store.FindEnterpriseByTaxCode(ctx, "6000123456"); err != nil {
		t.Errorf("the enterprise added through the API: %v", err)
	}
	admin, err := m.Store.FindUserByUsername(ctx, "admin")
	if err != nil || !registry.VerifyPassword(admin.PasswordHash, "oldadmin-pass-123") {
		t.Errorf("the admin's password no longer signs in (%v)", err)
	}
	lot, err := m.Store.FindBatchByShortCode(ctx, "TD4ZTXEB8H")
	if err != nil {
		t.Fatalf("the roasted lot by its short code: %v", err)
	}
	if n, err := m.Store.SerialsIssued(ctx, lot.ID); err != nil || n != 3 {
		t.Errorf("serials issued for the roasted lot: %d, %v; want 3", n, err)
	}
	// Its labels were printed with numbers before serials were random: they stay valid.
	for serial, want := range map[string]bool{"1": true, "3": true, "4": false, "03": false} {
		if ok, err := m.Store.SerialValid(ctx, lot.ID, serial); err != nil || ok != want {
			t.Errorf("migrated serial %q valid: %v, %v; want %v", serial, ok, err, want)
		}
	}
	// New labels get random codes: position 4 is not valid by its number.
	_, codes, err := m.Store.IssueSerials(ctx, lot.ID, 2)
	if err != nil || len(codes) != 2 {
		t.Fatalf("new labels: %v %v", codes, err)
	}
	for serial, want := range map[string]bool{codes[0]: true, codes[1]: true, "4": false, "5": false, "2": true} {
		if ok, err := m.Store.SerialValid(ctx, lot.ID, serial); err != nil || ok != want {
			t.Errorf("serial %q valid after a new sheet: %v, %v; want %v", serial, ok, err, want)
		}
	}
	st, err := m.Store.ScanStats(ctx, "/01/08938500000027/10/RB2026-01/21/2")
	if err != nil || st.Count != 2 {
		t.Errorf("scans of serial 2: %+v, %v; want 2", st, err)
	}
	if g, err := m.Store.Genealogy(ctx, lot.ID, registry.Upstream, 10); err != nil || len(g.Batches) != 2 {
		t.Errorf("genealogy after migration: %+v, %v", g, err)
	}
	before := countAll(t, m)
	m.Close()

	out.Reset()
	if err := run(context.Background(), []string{"migrate"}, getenv, &out, io.Discard); err != nil {
		t.Fatalf("second migrate: %v", err)
	}
	if strings.Contains(out.String(), "moved") {
		t.Errorf("a second migrate moved records again:\n%s", out.String())
	}
	if after := countAll(t, openStores(t, getenv)); after != before {
		t.Errorf("records after a second migrate: %d, want %d", after, before)
	}
}
