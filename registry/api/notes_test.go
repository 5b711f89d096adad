package api

import (
	"strings"
	"testing"

	"github.com/tracereg/tracereg/registry"
)

// The annual notes round trip: read (empty, version 0), write with the
// ETag read, read back; without If-Match 428, with a stale one 412, by a
// non-admin 403, over-long text 422 — and the refused writes change nothing.
func TestAnnualNotesRoundTrip(t *testing.T) {
	e := newEnv(t)
	path := Prefix + "/reports/annual/notes?year=2025"

	r := e.do(request{method: "GET", path: path, as: asInspector})
	if r.status != 200 || r.header.Get("ETag") != `"notes-2025-v0"` {
		t.Fatalf("first read: %d %s %s", r.status, r.header.Get("ETag"), r.body)
	}
	body := map[string]any{"difficulties": "Kinh phí hỗ trợ còn hạn chế.\nDoanh nghiệp nhỏ chưa quan tâm.", "proposals": "Đề nghị Bộ bố trí thêm kinh phí."}

	r = e.do(request{method: "PUT", path: path, as: asAdmin, body: body})
	if r.status != 428 {
		t.Fatalf("without If-Match: %d %s", r.status, r.body)
	}
	r = e.do(request{method: "PUT", path: path, as: asAdmin, body: body, header: map[string]string{"If-Match": `"notes-2025-v3"`}})
	if r.status != 412 {
		t.Fatalf("stale If-Match: %d %s", r.status, r.body)
	}
	r = e.do(request{method: "PUT", path: path, as: asAdmin, body: body, header: map[string]string{"If-Match": `"notes-2024-v0"`}})
	if r.status != 412 {
		t.Fatalf("another year's ETag: %d %s", r.status, r.body)
	}
	for _, as := range []string{asInspector, asEnt1} {
		r = e.do(request{method: "PUT", path: path, as: as, body: body, header: map[string]string{"If-Match": `"notes-2025-v0"`}})
		if r.status != 403 {
			t.Fatalf("PUT as %s: %d %s", as, r.status, r.body)
		}
	}
	long := map[string]any{"difficulties": strings.Repeat("x", registry.MaxNotesText+1), "proposals": ""}
	r = e.do(request{method: "PUT", path: path, as: asAdmin, body: long, header: map[string]string{"If-Match": `"notes-2025-v0"`}})
	if r.status != 422 || !strings.Contains(string(r.body), "difficulties") {
		t.Fatalf("over-long text: %d %s", r.status, r.body)
	}
	if n, err := e.db.FindAnnualNotes(e.ctx(), 2025); err != nil || n.Version != 0 {
		t.Fatalf("refused writes changed the notes: %+v %v", n, err)
	}

	r = e.do(request{method: "PUT", path: path, as: asAdmin, body: body, header: map[string]string{"If-Match": `"notes-2025-v0"`}})
	if r.status != 200 || r.header.Get("ETag") != `"notes-2025-v1"` {
		t.Fatalf("write: %d %s %s", r.status, r.header.Get("ETag"), r.body)
	}
	r = e.do(request{method: "GET", path: path, as: asAdmin})
	var got registry.AnnualNotes
	r.decode(t, &got)
	if got.Difficulties != body["difficulties"] || got.Proposals != body["proposals"] || got.Version != 1 || got.UpdatedBy == "" || got.Year != 2025 {
		t.Fatalf("read back %+v", got)
	}
	// The same ETag again is stale now; the GET body sent back as read works.
	r = e.do(request{method: "PUT", path: path, as: asAdmin, body: body, header: map[string]string{"If-Match": `"notes-2025-v0"`}})
	if r.status != 412 {
		t.Fatalf("reused ETag: %d %s", r.status, r.body)
	}
	tag, cur := e.etagOf(path)
	cur["proposals"] = "Kiến nghị mới."
	r = e.do(request{method: "PUT", path: path, as: asAdmin, body: cur, header: map[string]string{"If-Match": tag}})
	if r.status != 200 || r.header.Get("ETag") != `"notes-2025-v2"` {
		t.Fatalf("write of the body as read: %d %s", r.status, r.body)
	}
	cur["year"] = 2024
	r = e.do(request{method: "PUT", path: path, as: asAdmin, body: cur, header: map[string]string{"If-Match": `"notes-2025-v2"`}})
	if r.status != 422 {
		t.Fatalf("another year in the body: %d %s", r.status, r.body)
	}
	for _, q := range []string{"", "?year=abc", "?year=1999"} {
		r = e.do(request{method: "GET", path: Prefix + "/reports/annual/notes" + q, as: asAdmin})
		if r.status != 422 {
			t.Errorf("GET notes%s: %d", q, r.status)
		}
	}
	// Another year is untouched.
	if n, _ := e.db.FindAnnualNotes(e.ctx(), 2026); n.Version != 0 || n.Difficulties != "" {
		t.Fatalf("2026 notes: %+v", n)
	}
}
