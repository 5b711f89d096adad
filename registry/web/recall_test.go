package web_test

import (
	"context"
	"io"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/tracereg/tracereg/registry"
	"github.com/tracereg/tracereg/registry/demodata"
)

func rclBatch(t *testing.T, e *env, id string) *registry.Batch {
	t.Helper()
	b, err := e.db.FindBatch(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// rclPublic fetches a public page of a served env.
func rclPublic(t *testing.T, e *env, path string) string {
	t.Helper()
	res, err := http.Get(e.base + path)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	if res.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: %d", path, res.StatusCode)
	}
	return string(b)
}

// TestRecallUpstreamLot finds the green lot by a pasted /l/ address, checks
// the form, sees the roasted lot on the confirmation page, confirms; the
// green lot is recalled, audited, and the roasted lot's public page shows
// the recall of its source lot. A second recall is refused with a clear message.
func TestRecallUpstreamLot(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	e := newEnvOn(t, ln)
	green, roasted := rclBatch(t, e, e.demo.GreenBatchID), rclBatch(t, e, e.demo.RoastedBatchID)
	// The public page of the roasted lot is cached before the recall.
	if body := rclPublic(t, e, "/l/"+roasted.ShortCode); strings.Contains(body, `id="recall" class="recall"`) {
		t.Fatal("the roasted lot shows a recall before any")
	}
	c := e.as(asInspector)
	res := c.get("/w/recall?lot=" + url.QueryEscape(e.base+"/l/"+green.ShortCode))
	wantStatus(t, "find by address", res, http.StatusSeeOther)
	if res.location != "/w/recall/"+green.ID {
		t.Fatalf("found %s", res.location)
	}
	for _, q := range []string{green.ShortCode, demodata.GreenLot, green.ID} {
		if r := c.get("/w/recall?lot=" + url.QueryEscape(q)); r.location != "/w/recall/"+green.ID {
			t.Errorf("find %q: %d %s", q, r.status, r.location)
		}
	}
	res = c.get("/w/recall?lot=NO-SUCH-LOT")
	wantStatus(t, "unknown lot", res, http.StatusUnprocessableEntity)
	wantContains(t, "unknown lot", res.body, `class="field-error"`, `value="NO-SUCH-LOT"`)

	page := c.get("/w/recall/" + green.ID)
	wantStatus(t, "form", page, http.StatusOK)
	wantContains(t, "form", page.body, `id="rcl-form"`, `value="2026-03-10"`, `id="rcl-down-`+roasted.ID+`"`)

	res = c.post("/w/recall/"+green.ID+"/check", url.Values{"version": {strconv.Itoa(green.Version)},
		"reason": {"Phát hiện dư lượng thuốc bảo vệ thực vật vượt ngưỡng"}, "on": {"2026-03-10"}})
	wantStatus(t, "check", res, http.StatusOK)
	wantContains(t, "confirmation", res.body, `id="rcl-confirm-form"`, `id="rcl-down-`+roasted.ID+`"`, demodata.RoastedLot,
		"Phát hiện dư lượng thuốc bảo vệ thực vật vượt ngưỡng")
	if rclBatch(t, e, green.ID).Status == registry.BatchRecalled {
		t.Fatal("the check recalled the lot before confirmation")
	}
	res = c.post("/w/recall/"+green.ID+"/confirm", url.Values{"version": {strconv.Itoa(green.Version)},
		"reason": {"Phát hiện dư lượng thuốc bảo vệ thực vật vượt ngưỡng"}, "on": {"2026-03-10"}})
	wantStatus(t, "confirm", res, http.StatusSeeOther)
	got := rclBatch(t, e, green.ID)
	if got.Status != registry.BatchRecalled || got.Recall == nil || got.Recall.By != asInspector || got.Recall.On != "2026-03-10" ||
		got.Recall.Reason != "Phát hiện dư lượng thuốc bảo vệ thực vật vượt ngưỡng" {
		t.Fatalf("recalled: %+v %+v", got, got.Recall)
	}
	if rclBatch(t, e, roasted.ID).Status == registry.BatchRecalled {
		t.Error("the downstream lot's own status changed: it shows the recall through its genealogy")
	}
	if n := inbAuditCount(t, e, "batch.recall"); n != 1 {
		t.Errorf("%d audit entries for the recall", n)
	}
	page = c.get(res.location)
	wantContains(t, "after", page.body, `id="flash"`, `id="rcl-recalled"`, `id="rcl-status">Đã thu hồi`)
	if strings.Contains(page.body, `id="rcl-form"`) {
		t.Error("a recalled lot still offers the recall form")
	}
	// At once on the public pages (the cache was dropped).
	body := rclPublic(t, e, "/l/"+roasted.ShortCode)
	wantContains(t, "roasted public page", body, `id="recall" class="recall"`, "Lô nguyên liệu "+demodata.GreenLot)
	body = rclPublic(t, e, "/l/"+green.ShortCode)
	wantContains(t, "green public page", body, `id="recall" class="recall"`, "Lô hàng này đã bị thu hồi")

	// Again: refused with a clear message, nothing changed.
	for _, path := range []string{"/check", "/confirm"} {
		res = c.post("/w/recall/"+green.ID+path, url.Values{"version": {strconv.Itoa(got.Version)}, "reason": {"Thu hồi lần hai"}, "on": {"2026-03-10"}})
		wantStatus(t, "again "+path, res, http.StatusUnprocessableEntity)
		wantContains(t, "again "+path, res.body, "lô hàng đã bị thu hồi")
	}
	if again := rclBatch(t, e, green.ID); again.Version != got.Version {
		t.Error("a second recall changed the lot")
	}
}

// TestRecallBadInput: an empty reason or a bad date answers 422 beside the
// field with what was typed kept; a stale page answers 409; nothing changes.
func TestRecallBadInput(t *testing.T) {
	e := newEnv(t)
	green := rclBatch(t, e, e.demo.GreenBatchID)
	c := e.as(asInspector)
	c.get("/w/recall/" + green.ID)
	for _, tc := range []struct {
		name, path, reason, on, field, kept string
	}{
		{"empty reason", "/check", "", "2026-03-10", "rcl-reason", `value="2026-03-10"`},
		{"bad date", "/check", "Nhiễm nấm mốc", "10/03/2026", "rcl-on", `>Nhiễm nấm mốc</textarea>`},
		{"empty reason at confirm", "/confirm", " ", "2026-03-10", "rcl-reason", ""},
	} {
		res := c.post("/w/recall/"+green.ID+tc.path, url.Values{"version": {strconv.Itoa(green.Version)}, "reason": {tc.reason}, "on": {tc.on}})
		wantStatus(t, tc.name, res, http.StatusUnprocessableEntity)
		i := strings.Index(res.body, `id="`+tc.field+`"`)
		if i < 0 {
			t.Fatalf("%s: no field", tc.name)
		}
		if j := strings.Index(res.body[i:], "</form>"); !strings.Contains(res.body[i:i+j], `class="field-error"`) ||
			!strings.Contains(res.body[i:i+j], `aria-invalid="true"`) && !strings.Contains(res.body[i-120:i], `aria-invalid`) {
			t.Errorf("%s: no message beside the field", tc.name)
		}
		if tc.kept != "" {
			wantContains(t, tc.name, res.body, tc.kept)
		}
	}
	res := c.post("/w/recall/"+green.ID+"/confirm", url.Values{"version": {strconv.Itoa(green.Version - 1)}, "reason": {"Nhiễm nấm mốc"}, "on": {"2026-03-10"}})
	wantStatus(t, "stale", res, http.StatusConflict)
	wantContains(t, "stale", res.body, "Lô hàng đã thay đổi kể từ khi bạn mở trang này")
	if got := rclBatch(t, e, green.ID); got.Status == registry.BatchRecalled || got.Version != green.Version {
		t.Fatalf("bad input changed the lot: %+v", got)
	}
}

// TestRecallLifted: the agency lifts a recall with a reason and a day; the
// lot is published again and keeps the recall in its history; refused forms
// change nothing; an enterprise cannot lift a recall.
func TestRecallLifted(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	b, _ := e.db.FindBatch(ctx, e.demo.GreenBatchID)
	r, err := registry.RecallBatch(ctx, e.db, b, registry.RecallOrder{Reason: "Dư lượng vượt ngưỡng (thử nghiệm)", On: "2026-03-01"}, "inspector", time.Now())
	if err != nil {
		t.Fatal(err)
	}
	c := e.as(asInspector)
	page := c.get("/w/recall/" + r.ID)
	wantContains(t, "recalled lot", page.body, `id="rcl-lift-form"`, `name="lift_on" value="2026-03-10"`)
	v := func(reason, on string, version int) url.Values {
		return url.Values{"lift_reason": {reason}, "lift_on": {on}, "version": {strconv.Itoa(version)}}
	}
	for _, tc := range []struct {
		name   string
		form   url.Values
		status int
		want   string
	}{
		{"no reason", v("", "2026-03-10", r.Version), http.StatusUnprocessableEntity, "cần nêu lý do từ 3 đến 1000 ký tự"},
		{"before the recall", v("Kiểm nghiệm lại đạt", "2026-02-01", r.Version), http.StatusUnprocessableEntity, "không được trước ngày thu hồi"},
		{"stale", v("Kiểm nghiệm lại đạt", "2026-03-10", r.Version-1), http.StatusConflict, "Lô hàng đã thay đổi"},
	} {
		res := c.post("/w/recall/"+r.ID+"/lift", tc.form)
		wantStatus(t, tc.name, res, tc.status)
		wantContains(t, tc.name, res.body, tc.want)
		if got, _ := e.db.FindBatch(ctx, r.ID); got.Status != registry.BatchRecalled || got.Version != r.Version {
			t.Fatalf("%s changed the lot: %+v", tc.name, got)
		}
	}
	// The enterprise does not lift a recall, even of its own lot.
	coop := e.as(asCoop)
	if res := coop.post("/w/recall/"+r.ID+"/lift", v("Tự gỡ", "2026-03-10", r.Version)); res.status != http.StatusForbidden {
		t.Errorf("the enterprise lifting its recall: %d, want 403", res.status)
	}
	res := c.post("/w/recall/"+r.ID+"/lift", v("Kết quả kiểm nghiệm lại đạt yêu cầu", "2026-03-10", r.Version))
	wantStatus(t, "lift", res, http.StatusSeeOther)
	got, _ := e.db.FindBatch(ctx, r.ID)
	if got.Status != registry.BatchPublished || got.Recall != nil || len(got.PastRecalls) != 1 ||
		got.PastRecalls[0].Reason != "Dư lượng vượt ngưỡng (thử nghiệm)" || got.PastRecalls[0].Lifted == nil ||
		got.PastRecalls[0].Lifted.On != "2026-03-10" || got.PastRecalls[0].Lifted.By != asInspector {
		t.Fatalf("lifted lot %+v", got)
	}
	page = c.get(res.location)
	wantContains(t, "after", page.body, `id="flash"`, `id="rcl-past"`, "Kết quả kiểm nghiệm lại đạt yêu cầu", `id="rcl-form"`)
	// It can be recalled again, and lifted again: the history grows.
	if _, err := registry.RecallBatch(ctx, e.db, got, registry.RecallOrder{Reason: "Lần hai", On: "2026-03-11"}, "inspector", time.Now()); err != nil {
		t.Fatal(err)
	}
}
