package bulk

import (
	"strings"
	"testing"

	"github.com/tracereg/tracereg/registry"
)

func TestReadCSVWithVietnameseHeadings(t *testing.T) {
	body := string(Batches.Template(true)) + "k1,,p1,LOT-1,\"12,5\",kg,,,,,a;b,,,\nk2,,p1\n"
	in, err := Read(Batches, "", MediaCSV, []byte(body))
	if err != nil {
		t.Fatal(err)
	}
	if in.Mode != ModeEach || in.Len() != 2 {
		t.Fatalf("mode %q rows %d", in.Mode, in.Len())
	}
	if got := string(in.rows[0]); !strings.Contains(got, `"quantity":12.5`) || !strings.Contains(got, `"source_plots":["a","b"]`) {
		t.Errorf("row 1: %s", got)
	}
	if in.errs[1] == nil {
		t.Error("a short row is not reported")
	}
}

func TestReadRefusals(t *testing.T) {
	for name, tc := range map[string]struct {
		mode, mt, body string
		code           string
	}{
		"bad mode":       {"sometimes", MediaCSV, "lot_code\nA\n", registry.EINVALID},
		"unknown column": {"", MediaCSV, "lot_code,colour\nA,red\n", registry.EINVALID},
		"no rows":        {"", MediaCSV, "lot_code\n", registry.EINVALID},
		"no heading":     {"", MediaCSV, "", registry.EMALFORMED},
		"media type":     {"", "application/pdf", "%PDF", registry.EMEDIATYPE},
	} {
		if _, err := Read(Batches, tc.mode, tc.mt, []byte(tc.body)); registry.ErrorCode(err) != tc.code {
			t.Errorf("%s: %v, want %s", name, err, tc.code)
		}
	}
}

func TestDeriveKeysIsStableAndKeepsOwnKeys(t *testing.T) {
	read := func(body string) *Input {
		in, err := Read(Events, ModeEach, MediaNDJSON, []byte(body))
		if err != nil {
			t.Fatal(err)
		}
		in.DeriveKeys()
		return in
	}
	body := `{"kind":"object","note":"a"}` + "\n" + `{"note":"a","kind":"object"}` + "\n" +
		`{"kind":"object","note":"b"}` + "\n" + `{"idempotency_key":"mine","kind":"object"}` + "\n" + `{"idempotency_key":7}` + "\n"
	a, b := read(body), read(body)
	for i := range a.rows {
		if string(a.rows[i]) != string(b.rows[i]) {
			t.Errorf("row %d differs between reads", i+1)
		}
	}
	if string(a.rows[0]) != string(a.rows[1]) {
		t.Error("the same row in another field order got another key")
	}
	if string(a.rows[0]) == string(a.rows[2]) || !strings.Contains(string(a.rows[0]), `"idempotency_key":"auto-`) {
		t.Errorf("derived keys: %s / %s", a.rows[0], a.rows[2])
	}
	if !strings.Contains(string(a.rows[3]), `"mine"`) || string(a.rows[4]) != `{"idempotency_key":7}` {
		t.Errorf("own or wrong keys changed: %s %s", a.rows[3], a.rows[4])
	}
}
