package main

import (
	"bytes"
	"context"
	"io"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tracereg/tracereg/registry"
)

func TestAuditVerifyCommand(t *testing.T) {
	getenv := env("TRACEREG_DATA", filepath.Join(shortTempDir(t), "data"))
	if err := run(context.Background(), []string{"audit", "check"}, getenv, io.Discard, io.Discard); err == nil {
		t.Fatal("audit check: want an error naming verify")
	}
	m, err := NewMain(context.Background(), mustConfig(t, getenv), newLogger("error", io.Discard), false)
	if err != nil {
		t.Fatal(err)
	}
	for range 3 {
		if err := m.Store.AppendAudit(context.Background(), &registry.AuditEntry{UserID: "u", Action: "batch.create"}); err != nil {
			t.Fatal(err)
		}
	}
	m.Close()
	var out bytes.Buffer
	if err := run(context.Background(), []string{"audit", "verify"}, getenv, &out, io.Discard); err != nil {
		t.Fatalf("audit verify: %v", err)
	}
	if !strings.Contains(out.String(), "3 entries") {
		t.Fatalf("output %q", out.String())
	}
}

func mustConfig(t *testing.T, getenv func(string) string) Config {
	t.Helper()
	c, err := LoadConfig(getenv)
	if err != nil {
		t.Fatal(err)
	}
	return c
}
