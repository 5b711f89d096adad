package stats

import (
	"fmt"
	"html"
	"html/template"
	"strings"
	"unicode/utf8"
)

// Charts are inline SVG drawn on the server: readable without JavaScript,
// and each sits beside a table holding the same figures (the table is what
// screen readers and copy-paste use; the SVG is aria-hidden).

// bar is one bar of a chart.
type bar struct {
	Label string
	Value int64
	Text  string // the value as shown
}

const (
	chartW      = 460
	chartLabelW = 170
	chartBarH   = 18
	chartGap    = 6
	chartValueW = 80
)

// barChart draws horizontal bars scaled to the largest value.
func barChart(bars []bar) template.HTML {
	if len(bars) == 0 {
		return ""
	}
	var maxV int64
	for _, b := range bars {
		maxV = max(maxV, b.Value)
	}
	h := len(bars)*(chartBarH+chartGap) + chartGap
	var s strings.Builder
	fmt.Fprintf(&s, `<svg class="chart" viewBox="0 0 %d %d" width="%d" height="%d" aria-hidden="true" focusable="false" xmlns="http://www.w3.org/2000/svg">`,
		chartW, h, chartW, h)
	span := chartW - chartLabelW - chartValueW
	for i, b := range bars {
		y := chartGap + i*(chartBarH+chartGap)
		w := 0
		if maxV > 0 && b.Value > 0 {
			w = max(1, int(float64(span)*float64(b.Value)/float64(maxV)))
		}
		fmt.Fprintf(&s, `<g><title>%s: %s</title><text class="lbl" x="%d" y="%d" text-anchor="end">%s</text>`,
			html.EscapeString(b.Label), html.EscapeString(b.Text), chartLabelW-6, y+chartBarH-4, html.EscapeString(shorten(b.Label, 26)))
		fmt.Fprintf(&s, `<rect class="bar" x="%d" y="%d" width="%d" height="%d" rx="2"></rect>`, chartLabelW, y, w, chartBarH)
		fmt.Fprintf(&s, `<text class="val" x="%d" y="%d">%s</text></g>`, chartLabelW+w+4, y+chartBarH-4, html.EscapeString(b.Text))
	}
	s.WriteString(`</svg>`)
	return template.HTML(s.String())
}

// progress is one target: what was reached against its range.
type progress struct {
	Label         string
	Value         int64
	Min, Max      int64
	Text, MinText string
	Met           bool
}

// progressChart draws each target's figure against its range: a bar for
// what was reached, a shaded band from the minimum to the maximum.
func progressChart(items []progress) template.HTML {
	if len(items) == 0 {
		return ""
	}
	h := len(items)*(chartBarH+2*chartGap) + chartGap
	var s strings.Builder
	fmt.Fprintf(&s, `<svg class="chart" viewBox="0 0 %d %d" width="%d" height="%d" aria-hidden="true" focusable="false" xmlns="http://www.w3.org/2000/svg">`,
		chartW, h, chartW, h)
	span := float64(chartW - chartLabelW - chartValueW)
	for i, it := range items {
		top := max(it.Max, it.Value, 1)
		scale := func(v int64) int { return int(span * float64(v) / float64(top)) }
		y := chartGap + i*(chartBarH+2*chartGap)
		class := "bar"
		if !it.Met {
			class = "bar short"
		}
		fmt.Fprintf(&s, `<g><title>%s: %s</title><text class="lbl" x="%d" y="%d" text-anchor="end">%s</text>`,
			html.EscapeString(it.Label), html.EscapeString(it.Text), chartLabelW-6, y+chartBarH-4, html.EscapeString(shorten(it.Label, 26)))
		fmt.Fprintf(&s, `<rect class="band" x="%d" y="%d" width="%d" height="%d"></rect>`,
			chartLabelW+scale(it.Min), y-3, max(2, scale(it.Max)-scale(it.Min)), chartBarH+6)
		fmt.Fprintf(&s, `<rect class="%s" x="%d" y="%d" width="%d" height="%d" rx="2"></rect>`, class, chartLabelW, y, scale(it.Value), chartBarH)
		fmt.Fprintf(&s, `<text class="val" x="%d" y="%d">%s</text></g>`, chartLabelW+max(scale(it.Value), scale(it.Max))+4, y+chartBarH-4, html.EscapeString(it.Text))
	}
	s.WriteString(`</svg>`)
	return template.HTML(s.String())
}

func shorten(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	r := []rune(s)
	return string(r[:n-1]) + "…"
}
