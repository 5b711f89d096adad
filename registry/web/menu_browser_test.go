package web_test

import (
	"fmt"
	"net/http"
	"net/url"
	"testing"

	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"
)

// TestBrowserMenusFit signs in as each role at 1366×768 and on a 390 px
// phone and checks that every entry of the menu bar, and every link of
// each group once opened, lies inside the viewport.
func TestBrowserMenusFit(t *testing.T) {
	b := newBrowser(t, true)
	// Outside the viewport: any part left of 0, right of the width, or
	// not rendered; the answer names the entries.
	const outside = `[...document.querySelectorAll(%q)].filter(el => {
		const r = el.getBoundingClientRect();
		return r.width === 0 || r.left < 0 || r.right > window.innerWidth || r.top < 0;
	}).map(el => el.textContent.trim())`
	for _, size := range []struct{ w, h int64 }{{1366, 768}, {390, 844}} {
		for _, who := range []string{asCoop, asCertifier, asInspector, asAdmin} {
			what := fmt.Sprintf("%s at %d px", who, size.w)
			b.run(what+": viewport", chromedp.EmulateViewport(size.w, size.h))
			b.signIn(who)
			b.run(what+": the menu (#menu)", chromedp.Navigate(b.base+"/w/"), chromedp.WaitVisible(chromedp.ID("menu")))
			n := get(b, what+": count the entries", chromedp.Evaluate[int](`document.querySelectorAll("#menu > ul > li").length`))
			if n < 3 || n > 8 {
				t.Errorf("%s: %d entries in the menu bar, want 3 to 8", what, n)
			}
			if off := get(b, what+": entries outside", chromedp.Evaluate[[]string](fmt.Sprintf(outside, "#menu > ul > li > a, #menu > ul > li > details > summary"))); len(off) > 0 {
				t.Errorf("%s: menu entries outside the viewport: %q", what, off)
			}
			groups := get(b, what+": count the groups", chromedp.Evaluate[int](`document.querySelectorAll("#menu details").length`))
			for i := 1; i <= groups; i++ {
				b.run(fmt.Sprintf("%s: open group %d", what, i), chromedp.Evaluate[chromedp.Void](fmt.Sprintf(
					`document.querySelectorAll("#menu details").forEach((d, j) => d.open = (j === %d))`, i-1)))
				if off := get(b, fmt.Sprintf("%s: links of group %d outside", what, i), chromedp.Evaluate[[]string](fmt.Sprintf(outside, "#menu details[open] a"))); len(off) > 0 {
					t.Errorf("%s: links of menu group %d outside the viewport: %q", what, i, off)
				}
				if c := get(b, what+": links in the open group", chromedp.Evaluate[int](`document.querySelectorAll("#menu details[open] a").length`)); c < 2 {
					t.Errorf("%s: menu group %d opens to %d links, want at least 2", what, i, c)
				}
			}
			if size.w == 1366 {
				b.shot(fmt.Sprintf("menu-%s-1366", who))
			}
			b.run(what+": sign out", chromedp.Click(chromedp.ID("sign-out")), chromedp.WaitVisible(chromedp.ID("login-form")))
		}
	}
}

// TestBrowserNoticePrints: the notice of receipt printed from the browser
// (print media) shows the notice alone: no header, menu, footer or buttons.
func TestBrowserNoticePrints(t *testing.T) {
	b := newBrowser(t, true)
	a := inbSubmitted(t, b.env)
	staff := b.as(asInspector)
	staff.get("/w/inbox/" + a.ID)
	wantStatus(t, "issue", staff.post("/w/inbox/"+a.ID+"/receipt", url.Values{"version": inbVersionOf(a), "receipt_date": {"2026-03-10"}}), http.StatusSeeOther)

	b.signIn(asCoop)
	b.run("the notice", chromedp.Navigate(b.base+"/w/announcements/"+a.ID+"/notice"), chromedp.WaitVisible(chromedp.ID("notice")))
	if _, err := chromedp.Call(b.ctx, emulation.SetEmulatedMedia, emulation.SetEmulatedMediaParams{Media: "print"}); err != nil {
		t.Fatal(err)
	}
	shown := get(b, "what prints", chromedp.Evaluate[map[string]bool](`Object.fromEntries(["header.top", "#menu", "footer", "#notice-print", "#notice"].map(s => {
		const el = document.querySelector(s); return [s, !!el && getComputedStyle(el).display !== "none" && el.getBoundingClientRect().height > 0];
	}))`))
	for _, sel := range []string{"header.top", "#menu", "footer", "#notice-print"} {
		if shown[sel] {
			t.Errorf("%s prints with the notice", sel)
		}
	}
	if !shown["#notice"] {
		t.Errorf("the notice itself does not print")
	}
	if n := b.text("#notice-number"); n == "" {
		t.Errorf("the printed notice has no number")
	}
	b.shot("notice-print")
}
