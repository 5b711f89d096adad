package web_test

import (
	"context"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/tracereg/tracereg/registry"
)

// TestBrowserProgrammeJourney: province staff record a training course
// (one bad participant row first), write the year's difficulties, and the
// cooperative enters its benchmarking figures.
func TestBrowserProgrammeJourney(t *testing.T) {
	b := newBrowser(t, true)
	ctx := context.Background()
	b.signIn(asAdmin)
	b.run("programme home", chromedp.Navigate(b.base+"/w/programme"), chromedp.WaitVisible(chromedp.ID("prg-report")))
	b.shot("programme-home")
	b.run("course with a bad row",
		chromedp.Click(chromedp.ID("link-courses")),
		chromedp.WaitVisible(chromedp.ID("new-record")),
		chromedp.Click(chromedp.ID("new-record")),
		chromedp.WaitVisible(chromedp.ID("courses-form")),
		chromedp.SendKeys(chromedp.ID("f-title"), "Tập huấn Lean cho HTX"),
		chromedp.SetValue(chromedp.ID("f-from"), "2026-04-06"),
		chromedp.SetValue(chromedp.ID("f-to"), "2026-04-07"),
		chromedp.SendKeys(chromedp.ID("f-organiser"), "Sở KH&CN Đắk Lắk"),
		chromedp.SetValue(chromedp.CSS(`select[name="participants[0].enterprise_id"]`), b.demo.CoopID),
		chromedp.SetValue(chromedp.CSS(`select[name="participants[0].role"]`), "worker"),
		chromedp.Submit(chromedp.ID("courses-form")),
		chromedp.WaitVisible(chromedp.ID("form-errors")),
	)
	if v := get(b, "title kept", chromedp.Value(chromedp.ID("f-title"))); v != "Tập huấn Lean cho HTX" {
		t.Errorf("title %q", v)
	}
	if msg := b.text("#participant-0 .field-error"); !strings.Contains(msg, "bắt buộc") {
		t.Errorf("row message %q", msg)
	}
	b.shot("programme-course-error")
	b.run("fix the row",
		chromedp.SendKeys(chromedp.CSS(`input[name="participants[0].count"]`), "25"),
		chromedp.Submit(chromedp.ID("courses-form")),
		chromedp.WaitVisible(chromedp.ID("flash")),
	)
	all, _, err := b.db.ListTrainingCourses(ctx, registry.Page{Limit: 10})
	if err != nil || len(all) != 1 || all[0].ParticipantCount() != 25 {
		t.Fatalf("courses %v %v", all, err)
	}
	b.run("notes",
		chromedp.Navigate(b.base+"/w/programme/notes?year=2026"),
		chromedp.WaitVisible(chromedp.ID("notes-form")),
		chromedp.SendKeys(chromedp.ID("difficulties"), "Doanh nghiệp nhỏ thiếu nhân lực"),
		chromedp.Click(chromedp.ID("notes-save")),
		chromedp.WaitVisible(chromedp.ID("notes-updated")),
	)
	if n, _ := b.db.FindAnnualNotes(ctx, 2026); n.Difficulties != "Doanh nghiệp nhỏ thiếu nhân lực" {
		t.Fatalf("notes %+v", n)
	}
	b.run("sign out", chromedp.Click(chromedp.ID("sign-out")), chromedp.WaitVisible(chromedp.ID("login-form")))

	b.signIn(asCoop)
	b.run("benchmark",
		chromedp.Navigate(b.base+"/w/benchmark"),
		chromedp.WaitVisible(chromedp.ID("new-entry")),
		chromedp.Click(chromedp.ID("new-entry")),
		chromedp.WaitVisible(chromedp.ID("benchmark-form")),
		chromedp.SetValue(chromedp.ID("f-category"), "coffee"),
		chromedp.SendKeys(chromedp.ID("f-revenue_vnd"), "8.000.000.000"),
		chromedp.SendKeys(chromedp.ID("f-value_added_vnd"), "2.000.000.000"),
		chromedp.SendKeys(chromedp.ID("f-employees"), "50"),
		chromedp.SendKeys(chromedp.ID("f-defect_rate"), "0,01"),
		chromedp.Click(chromedp.ID("save")),
		chromedp.WaitVisible(chromedp.ID("entries")),
	)
	if got := b.text("#entries tbody tr td:nth-child(6)"); got != "40.000.000" {
		t.Errorf("labour productivity shown %q", got)
	}
	b.shot("benchmark-entries")
}
