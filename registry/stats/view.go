package stats

import (
	"fmt"
	"html/template"
	"math"
	"strconv"

	"github.com/tracereg/tracereg/registry"
)

// cell is one table cell; Key names the figure (as the tests and the
// report name it) so a test can read every figure off the page.
type cell struct {
	Text string
	Key  string
	Num  bool
}

type table struct {
	Head []string
	Rows [][]cell
	Foot []cell
}

// panel is a chart with its table beside it (or a table alone).
type panel struct {
	Title string
	Note  string
	Chart template.HTML
	Table table
}

type summaryItem struct {
	Label string
	Value cell
}

type section struct {
	ID      string
	Title   string
	Note    string
	Summary []summaryItem
	Panels  []panel
}

type viewer struct {
	lang string
	t    map[string]string
	full bool // the dashboard: cross-tabulations and suppressed groups too
}

func (v viewer) num(n int64, key string) cell {
	return cell{Text: formatInt(v.lang, n), Key: key, Num: true}
}

func (v viewer) text(s string) cell { return cell{Text: s} }

// sections lays out every figure of the page.
func (v viewer) sections(ind registry.Indicators, groups []registry.BenchmarkGroup) []section {
	return []section{v.targets(ind), v.support(ind), v.training(ind), v.certificates(ind), v.announcements(ind), v.lots(ind), v.benchmarks(groups)}
}

func (v viewer) targetName(t registry.PlanTarget) string {
	if v.lang == "en" {
		return t.NameEN
	}
	return t.NameVI
}

func (v viewer) targets(ind registry.Indicators) section {
	head := []string{v.t["target"], v.t["goal"]}
	for _, y := range ind.Period.Years() {
		head = append(head, strconv.Itoa(y))
	}
	head = append(head, v.t["in_period"], fmt.Sprintf(v.t["cumulative"], ind.Phase.From), v.t["verdict"])
	tb := table{Head: head}
	var items []progress
	for _, t := range ind.Targets {
		goal := fmt.Sprintf("%d–%d", t.Min, t.Max)
		if t.Max == 0 {
			goal = fmt.Sprintf(v.t["at_least"], t.Min)
		}
		row := []cell{v.text(v.targetName(t)), v.text(goal)}
		for _, y := range t.ByYear {
			row = append(row, v.num(int64(y.Count), fmt.Sprintf("target/%s/%d", t.Key, y.Year)))
		}
		verdict := cell{Text: v.t["not_met"], Key: "target/" + t.Key + "/met"}
		if t.Met {
			verdict.Text = v.t["met"]
		}
		row = append(row, v.num(int64(t.Reached), "target/"+t.Key+"/reached"), v.num(int64(t.Cumulative), "target/"+t.Key+"/cumulative"), verdict)
		tb.Rows = append(tb.Rows, row)
		items = append(items, progress{Label: v.targetName(t), Value: int64(t.Cumulative), Min: int64(t.Min), Max: int64(max(t.Max, t.Min)),
			Text: fmt.Sprintf("%d / %s", t.Cumulative, goal), Met: t.Met})
	}
	note := fmt.Sprintf(v.t["targets_note"], ind.Phase.From)
	if ind.Phase.Orientation {
		note += " " + fmt.Sprintf(v.t["targets_orientation"], ind.Phase.From, ind.Phase.To)
	}
	return section{ID: "targets", Title: fmt.Sprintf(v.t["targets"], ind.Phase.From, ind.Phase.To), Note: note,
		Panels: []panel{{Chart: progressChart(items), Table: tb}}}
}

// tallyPanel is a bar chart and a two-column table of counts.
func (v viewer) tallyPanel(title, keyHead string, tallies []registry.Tally, keyPrefix string, skipZero bool) panel {
	tb := table{Head: []string{keyHead, v.t["count"]}}
	var bars []bar
	for _, x := range tallies {
		if skipZero && x.Count == 0 {
			continue
		}
		name := label(v.lang, x.Key)
		tb.Rows = append(tb.Rows, []cell{v.text(name), v.num(int64(x.Count), keyPrefix+x.Key)})
		bars = append(bars, bar{Label: name, Value: int64(x.Count), Text: formatInt(v.lang, int64(x.Count))})
	}
	return panel{Title: title, Chart: barChart(bars), Table: tb}
}

func (v viewer) support(ind registry.Indicators) section {
	s := ind.Support
	sec := section{ID: "support", Title: v.t["support"], Summary: []summaryItem{
		{v.t["support_times"], v.num(int64(s.Times), "support/times")},
		{v.t["support_enterprises"], v.num(int64(s.Enterprises), "support/enterprises")},
	}}
	if v.full {
		sec.Summary = append(sec.Summary, summaryItem{v.t["support_outcome"], v.num(int64(s.WithOutcome), "support/with_outcome")})
	}
	sec.Summary = append(sec.Summary, summaryItem{v.t["total_funding"], v.num(s.TotalVND, "support/total_vnd")})
	sec.Panels = append(sec.Panels, v.tallyPanel(v.t["kind"], v.t["kind"], s.ByKind, "support/kind/", false))
	tb := table{Head: []string{v.t["source"], v.t["amount"]}}
	var bars []bar
	for _, a := range s.BySource {
		name := label(v.lang, a.Key)
		tb.Rows = append(tb.Rows, []cell{v.text(name), v.num(a.VND, "support/source/"+a.Key)})
		bars = append(bars, bar{Label: name, Value: a.VND, Text: formatInt(v.lang, a.VND)})
	}
	sec.Panels = append(sec.Panels, panel{Title: v.t["funding"], Chart: barChart(bars), Table: tb})
	return sec
}

func (v viewer) training(ind registry.Indicators) section {
	tr := ind.Training
	return section{ID: "training", Title: v.t["training"], Summary: []summaryItem{
		{v.t["experts_trained"], v.num(int64(tr.ExpertsTrained), "training/experts_trained")},
		{v.t["experts_certified"], v.num(int64(tr.ExpertsCertified), "training/experts_certified")},
		{v.t["courses"], v.num(int64(tr.Courses), "training/courses")},
		{v.t["participants"], v.num(int64(tr.Participants), "training/participants")},
		{v.t["trained_enterprises"], v.num(int64(tr.Enterprises), "training/enterprises")},
	}, Panels: []panel{v.tallyPanel(v.t["participants"], v.t["role"], tr.ByRole, "training/role/", false)}}
}

func (v viewer) certificates(ind registry.Indicators) section {
	c := ind.Certificates
	sec := section{ID: "certificates", Title: v.t["certs"], Note: v.t["certs_note"],
		Summary: []summaryItem{{v.t["certs_total"], v.num(int64(c.Total), "cert/total")}},
		Panels: []panel{
			v.tallyPanel(v.t["by_scheme"], v.t["scheme"], c.ByScheme, "cert/scheme/", true),
			v.tallyPanel(v.t["by_category"], v.t["category"], c.ByCategory, "cert/category/", false),
			v.tallyPanel(v.t["by_district"], v.t["district"], c.ByDistrict, "cert/district/", true),
		}}
	if v.full {
		tb := table{Head: []string{v.t["scheme"], v.t["category"], v.t["district"], v.t["count"]}}
		for _, x := range c.Cells {
			tb.Rows = append(tb.Rows, []cell{v.text(label(v.lang, x.Scheme)), v.text(label(v.lang, x.Category)), v.text(x.District),
				v.num(int64(x.Count), "cert/"+x.Scheme+"/"+x.Category+"/"+x.District)})
		}
		sec.Panels = append(sec.Panels, panel{Title: v.t["certs_cells"], Table: tb})
	}
	return sec
}

func (v viewer) announcements(ind registry.Indicators) section {
	a := ind.Announcements
	tb := table{Head: []string{v.t["ann_type"]}}
	for _, col := range a.Cols {
		tb.Head = append(tb.Head, label(v.lang, col))
	}
	tb.Head = append(tb.Head, v.t["total"])
	for i, row := range a.Rows {
		r := []cell{v.text(label(v.lang, row))}
		for j, col := range a.Cols {
			r = append(r, v.num(int64(a.Counts[i][j]), "ann/"+row+"/"+col))
		}
		tb.Rows = append(tb.Rows, append(r, v.num(int64(a.RowTotals[i]), "")))
	}
	foot := []cell{v.text(v.t["total"])}
	var bars []bar
	for j, col := range a.Cols {
		foot = append(foot, v.num(int64(a.ColTotals[j]), ""))
		bars = append(bars, bar{Label: label(v.lang, col), Value: int64(a.ColTotals[j]), Text: formatInt(v.lang, int64(a.ColTotals[j]))})
	}
	tb.Foot = append(foot, v.num(int64(a.Total), "ann/total"))
	return section{ID: "announcements", Title: v.t["anns"], Panels: []panel{{Title: v.t["by_status"], Chart: barChart(bars), Table: tb}}}
}

func monthLabel(m string) string { return m[5:] + "/" + m[:4] }

func (v viewer) lots(ind registry.Indicators) section {
	l := ind.Lots
	months := table{Head: []string{v.t["month"], v.t["count"]}}
	var bars []bar
	for i, m := range l.Rows {
		months.Rows = append(months.Rows, []cell{v.text(monthLabel(m)), v.num(int64(l.RowTotals[i]), "")})
		bars = append(bars, bar{Label: monthLabel(m), Value: int64(l.RowTotals[i]), Text: formatInt(v.lang, int64(l.RowTotals[i]))})
	}
	cats := table{Head: []string{v.t["category"], v.t["count"]}}
	var catBars []bar
	for j, c := range l.Cols {
		cats.Rows = append(cats.Rows, []cell{v.text(label(v.lang, c)), v.num(int64(l.ColTotals[j]), "")})
		catBars = append(catBars, bar{Label: label(v.lang, c), Value: int64(l.ColTotals[j]), Text: formatInt(v.lang, int64(l.ColTotals[j]))})
	}
	sec := section{ID: "lots", Title: v.t["lots"],
		Summary: []summaryItem{{v.t["lots_total"], v.num(int64(l.Total), "lots/total")}},
		Panels:  []panel{{Title: v.t["by_month"], Chart: barChart(bars), Table: months}, {Title: v.t["by_category"], Chart: barChart(catBars), Table: cats}}}
	if !ind.ScansCounted {
		sec.Note = v.t["scans_none"]
	} else {
		sec.Note = v.t["scans_note"]
		sec.Summary = append(sec.Summary, summaryItem{v.t["scanned_codes"], v.num(int64(ind.ScannedCodes), "scan/codes")},
			summaryItem{v.t["scan_count"], v.num(ind.ScanCount, "scan/scans")})
		sec.Panels = append(sec.Panels, v.tallyPanel(v.t["scans_by_category"], v.t["category"], ind.ScanTotals, "scan/total/", false))
		sm := ind.ScansByMonth
		byMonth := table{Head: []string{v.t["month"], v.t["count"]}}
		var bars []bar
		for i, m := range sm.Rows {
			byMonth.Rows = append(byMonth.Rows, []cell{v.text(monthLabel(m)), v.num(int64(sm.RowTotals[i]), "")})
			bars = append(bars, bar{Label: monthLabel(m), Value: int64(sm.RowTotals[i]), Text: formatInt(v.lang, int64(sm.RowTotals[i]))})
		}
		sec.Panels = append(sec.Panels, panel{Title: v.t["scans_by_month"], Chart: barChart(bars), Table: byMonth})
		if v.full {
			tb := table{Head: []string{v.t["month"]}}
			for _, c := range sm.Cols {
				tb.Head = append(tb.Head, label(v.lang, c))
			}
			for i, m := range sm.Rows {
				r := []cell{v.text(monthLabel(m))}
				for j, c := range sm.Cols {
					r = append(r, v.num(int64(sm.Counts[i][j]), "scan/month/"+m+"/"+c))
				}
				tb.Rows = append(tb.Rows, r)
			}
			sec.Panels = append(sec.Panels, panel{Title: v.t["scans_cells"], Table: tb})
		}
	}
	if v.full {
		tb := table{Head: []string{v.t["month"]}}
		for _, c := range l.Cols {
			tb.Head = append(tb.Head, label(v.lang, c))
		}
		for i, m := range l.Rows {
			r := []cell{v.text(monthLabel(m))}
			for j, c := range l.Cols {
				r = append(r, v.num(int64(l.Counts[i][j]), "lots/"+m+"/"+c))
			}
			tb.Rows = append(tb.Rows, r)
		}
		sec.Panels = append(sec.Panels, panel{Title: v.t["lots_cells"], Table: tb})
	}
	return sec
}

// metricText shows a published benchmark figure.
func (v viewer) metricText(metric string, x float64) string {
	switch metric {
	case registry.MetricDefectRate:
		return formatFloat(v.lang, x*100) + " %"
	case registry.MetricEnergyPerUnit:
		return formatFloat(v.lang, x)
	}
	return formatInt(v.lang, int64(math.Round(x)))
}

func (v viewer) metricName(metric string) string {
	name := label(v.lang, metric)
	if registry.LowerIsBetter(metric) {
		name += " " + v.t["lower_better"]
	}
	return name
}

func (v viewer) benchmarks(groups []registry.BenchmarkGroup) section {
	tb := table{Head: []string{v.t["year"], v.t["scope"], v.t["n"], v.t["metric"], v.t["q1"], v.t["median"], v.t["q3"]}}
	for _, g := range groups {
		group := label(v.lang, g.Scope) + ": " + label(v.lang, g.Key)
		if g.Suppressed {
			if v.full {
				tb.Rows = append(tb.Rows, []cell{v.text(strconv.Itoa(g.Year)), v.text(group), v.text("< 5"), v.text(v.t["suppressed"]), {}, {}, {}})
			}
			continue
		}
		for _, m := range g.Metrics {
			tb.Rows = append(tb.Rows, []cell{v.text(strconv.Itoa(g.Year)), v.text(group), v.num(int64(g.N), ""), v.text(v.metricName(m.Metric)),
				{Text: v.metricText(m.Metric, m.Q1), Num: true}, {Text: v.metricText(m.Metric, m.Median), Num: true}, {Text: v.metricText(m.Metric, m.Q3), Num: true}})
		}
	}
	sec := section{ID: "benchmarks", Title: v.t["bench"], Note: v.t["bench_note"]}
	if len(tb.Rows) == 0 {
		sec.Note += " " + v.t["bench_none"]
		return sec
	}
	sec.Panels = []panel{{Table: tb}}
	return sec
}

// positions lays out an enterprise's own standing: shown to it alone.
func (v viewer) positions(pos []registry.BenchmarkPosition) section {
	tb := table{Head: []string{v.t["year"], v.t["scope"], v.t["metric"], v.t["your_value"], v.t["percentile"], v.t["quartile"],
		v.t["q1"], v.t["median"], v.t["q3"]}}
	for _, p := range pos {
		row := []cell{v.text(strconv.Itoa(p.Year)), v.text(label(v.lang, p.Scope) + ": " + label(v.lang, p.Key)), v.text(v.metricName(p.Metric)),
			{Text: v.metricText(p.Metric, p.Value), Num: true}}
		if p.Suppressed {
			row = append(row, v.text(v.t["suppressed"]), cell{}, cell{}, cell{}, cell{})
		} else {
			row = append(row, cell{Text: formatFloat(v.lang, p.Percentile), Num: true}, cell{Text: strconv.Itoa(p.Quartile), Num: true},
				cell{Text: v.metricText(p.Metric, p.Group.Q1), Num: true}, cell{Text: v.metricText(p.Metric, p.Group.Median), Num: true},
				cell{Text: v.metricText(p.Metric, p.Group.Q3), Num: true})
		}
		tb.Rows = append(tb.Rows, row)
	}
	sec := section{ID: "positions", Title: v.t["bench_title"], Note: v.t["bench_note"]}
	if len(pos) == 0 {
		sec.Note = v.t["no_entries"]
		return sec
	}
	sec.Panels = []panel{{Table: tb}}
	return sec
}

// notes shows the difficulties and proposals province staff wrote for the
// period's years, one table row per line, as the report lists them.
func (v viewer) notes(notes []*registry.AnnualNotes) section {
	sec := section{ID: "notes", Title: v.t["notes_title"]}
	if len(notes) == 0 {
		sec.Note = v.t["notes_none"]
		return sec
	}
	for _, part := range []struct {
		title string
		text  func(*registry.AnnualNotes) string
	}{
		{v.t["difficulties"], func(n *registry.AnnualNotes) string { return n.Difficulties }},
		{v.t["proposals"], func(n *registry.AnnualNotes) string { return n.Proposals }},
	} {
		tb := table{Head: []string{v.t["year"], part.title}}
		for _, n := range notes {
			for _, l := range registry.NoteLines(part.text(n)) {
				tb.Rows = append(tb.Rows, []cell{v.text(strconv.Itoa(n.Year)), v.text(l)})
			}
		}
		sec.Panels = append(sec.Panels, panel{Title: part.title, Table: tb})
	}
	return sec
}
