package registry

import (
	"cmp"
	"context"
	"math"
	"slices"
)

// Benchmark statistics. Published figures follow two rules:
//   - a group (a sector, or a product category, in one year) with fewer than
//     MinBenchmarkGroup enterprises publishes nothing, not even its size;
//   - no published figure is one enterprise's value: quartiles keep a
//     distance from every entry's value (see protectedQuantile), unless
//     several enterprises share the value. Minimum and maximum are never
//     published.
// An enterprise sees its own figures and where they stand (BenchmarkPositions).

// MinBenchmarkGroup is the smallest group whose benchmarks are published.
const MinBenchmarkGroup = 5

// Benchmark metrics. For energy per unit and defect rate, lower is better.
const (
	MetricLabourProductivity = "labour_productivity"
	MetricRevenue            = "revenue"
	MetricValueAdded         = "value_added"
	MetricEnergyPerUnit      = "energy_per_unit"
	MetricDefectRate         = "defect_rate"
)

// BenchmarkMetrics lists the metrics in display order.
var BenchmarkMetrics = []string{MetricLabourProductivity, MetricRevenue, MetricValueAdded, MetricEnergyPerUnit, MetricDefectRate}

// LowerIsBetter reports whether a smaller value of the metric is the better one.
func LowerIsBetter(metric string) bool {
	return metric == MetricEnergyPerUnit || metric == MetricDefectRate
}

// MetricValue returns an entry's value of a metric.
func MetricValue(b *BenchmarkEntry, metric string) float64 {
	switch metric {
	case MetricLabourProductivity:
		return b.LabourProductivity()
	case MetricRevenue:
		return float64(b.RevenueVND)
	case MetricValueAdded:
		return float64(b.ValueAddedVND)
	case MetricEnergyPerUnit:
		return b.EnergyPerUnit
	case MetricDefectRate:
		return b.DefectRate
	}
	return math.NaN()
}

// Benchmark group scopes: peers in the same sector, or making the same product category.
const (
	ScopeSector   = "sector"
	ScopeCategory = "category"
)

// Quartiles are the published lower quartile, median and upper quartile.
type Quartiles struct {
	Q1     float64 `json:"q1"`
	Median float64 `json:"median"`
	Q3     float64 `json:"q3"`
}

// MetricQuartiles are the quartiles of one metric in a group.
type MetricQuartiles struct {
	Metric string `json:"metric"`
	Quartiles
}

// BenchmarkGroup is one published (or suppressed) peer group.
type BenchmarkGroup struct {
	Year  int    `json:"year"`
	Scope string `json:"scope"` // sector or category
	Key   string `json:"key"`   // the sector or category
	// Suppressed groups have fewer than MinBenchmarkGroup enterprises: N and
	// Metrics stay empty.
	Suppressed bool              `json:"suppressed"`
	N          int               `json:"n,omitempty"`
	Metrics    []MetricQuartiles `json:"metrics,omitempty"`
}

// BenchmarkPosition is where one enterprise's figure stands in its group:
// shown to that enterprise only.
type BenchmarkPosition struct {
	Year       int     `json:"year"`
	Scope      string  `json:"scope"`
	Key        string  `json:"key"`
	Metric     string  `json:"metric"`
	Value      float64 `json:"value"` // the enterprise's own figure
	Suppressed bool    `json:"suppressed"`
	// Percentile is the share of the group (in %) below the value, counting
	// ties as half; Quartile is 1 (lowest) to 4 (highest).
	Percentile float64   `json:"percentile,omitempty"`
	Quartile   int       `json:"quartile,omitempty"`
	Group      Quartiles `json:"group"`
	N          int       `json:"n,omitempty"`
}

type groupKey struct {
	year       int
	scope, key string
}

// benchmarkGroups files each entry under its sector group and its category group.
func benchmarkGroups(entries []*BenchmarkEntry, sectorOf map[string]string) map[groupKey][]*BenchmarkEntry {
	groups := map[groupKey][]*BenchmarkEntry{}
	for _, b := range entries {
		if s := sectorOf[b.EnterpriseID]; s != "" {
			k := groupKey{b.Year, ScopeSector, s}
			groups[k] = append(groups[k], b)
		}
		k := groupKey{b.Year, ScopeCategory, b.Category}
		groups[k] = append(groups[k], b)
	}
	return groups
}

func groupOrder(a, b groupKey) int {
	return cmp.Or(cmp.Compare(a.year, b.year), cmp.Compare(a.scope, b.scope), cmp.Compare(a.key, b.key))
}

// ComputeBenchmarks returns every group of the entries (sectorOf maps an
// enterprise ID to its sector), in year, scope, key order; groups under
// MinBenchmarkGroup enterprises are marked suppressed and carry no figures.
func ComputeBenchmarks(entries []*BenchmarkEntry, sectorOf map[string]string) []BenchmarkGroup {
	groups := benchmarkGroups(entries, sectorOf)
	keys := make([]groupKey, 0, len(groups))
	for k := range groups {
		keys = append(keys, k)
	}
	slices.SortFunc(keys, groupOrder)
	out := make([]BenchmarkGroup, 0, len(keys))
	for _, k := range keys {
		members := groups[k]
		g := BenchmarkGroup{Year: k.year, Scope: k.scope, Key: k.key}
		if len(members) < MinBenchmarkGroup {
			g.Suppressed = true
			out = append(out, g)
			continue
		}
		g.N = len(members)
		for _, m := range BenchmarkMetrics {
			g.Metrics = append(g.Metrics, MetricQuartiles{Metric: m, Quartiles: QuartilesOf(metricValues(members, m))})
		}
		out = append(out, g)
	}
	return out
}

// BenchmarkPositions returns, for every year and metric, where the
// enterprise stands in its sector and in its category. Positions in groups
// under MinBenchmarkGroup carry the enterprise's own value only.
func BenchmarkPositions(enterpriseID string, entries []*BenchmarkEntry, sectorOf map[string]string) []BenchmarkPosition {
	groups := benchmarkGroups(entries, sectorOf)
	var out []BenchmarkPosition
	for _, own := range entries {
		if own.EnterpriseID != enterpriseID {
			continue
		}
		var keys []groupKey
		if s := sectorOf[enterpriseID]; s != "" {
			keys = append(keys, groupKey{own.Year, ScopeSector, s})
		}
		keys = append(keys, groupKey{own.Year, ScopeCategory, own.Category})
		for _, k := range keys {
			members := groups[k]
			for _, m := range BenchmarkMetrics {
				v := MetricValue(own, m)
				pos := BenchmarkPosition{Year: k.year, Scope: k.scope, Key: k.key, Metric: m, Value: v}
				if len(members) < MinBenchmarkGroup {
					pos.Suppressed = true
					out = append(out, pos)
					continue
				}
				vals := metricValues(members, m)
				pos.N = len(members)
				pos.Group = QuartilesOf(vals)
				pos.Percentile = PercentileRank(vals, v)
				pos.Quartile = quartileBand(pos.Group, v)
				out = append(out, pos)
			}
		}
	}
	slices.SortFunc(out, func(a, b BenchmarkPosition) int {
		return cmp.Or(groupOrder(groupKey{a.Year, a.Scope, a.Key}, groupKey{b.Year, b.Scope, b.Key}),
			cmp.Compare(slices.Index(BenchmarkMetrics, a.Metric), slices.Index(BenchmarkMetrics, b.Metric)))
	})
	return out
}

func metricValues(members []*BenchmarkEntry, metric string) []float64 {
	vals := make([]float64, len(members))
	for i, b := range members {
		vals[i] = MetricValue(b, metric)
	}
	slices.Sort(vals)
	return vals
}

// QuartilesOf returns the published quartiles of sorted values (at least
// MinBenchmarkGroup of them; fewer gives zero quartiles).
func QuartilesOf(sorted []float64) Quartiles {
	if len(sorted) < MinBenchmarkGroup {
		return Quartiles{}
	}
	return Quartiles{Q1: protectedQuantile(sorted, 0.25), Median: protectedQuantile(sorted, 0.5), Q3: protectedQuantile(sorted, 0.75)}
}

// protectedQuantile interpolates linearly between the order statistics
// around (n−1)·p: the result lies at least a quarter of the gap away from
// both entries (or on a value they share). When the position falls on one
// entry, it publishes the mean of that entry and its two neighbours, unless
// that mean comes within a quarter of the smaller gap of the entry itself
// (evenly spaced figures make them equal); then it publishes the midpoint
// of the larger gap beside the entry. Only when the entry shares its value
// with both neighbours is the value published as it is.
func protectedQuantile(sorted []float64, p float64) float64 {
	n := len(sorted)
	h := float64(n-1) * p
	lo := int(math.Floor(h))
	frac := h - float64(lo)
	if frac > 1e-9 && lo+1 < n {
		return sorted[lo] + frac*(sorted[lo+1]-sorted[lo])
	}
	if lo < 1 || lo+1 >= n { // cannot happen for 0 < p < 1 and n ≥ 5
		return sorted[lo]
	}
	prev, x, next := sorted[lo-1], sorted[lo], sorted[lo+1]
	gapL, gapR := x-prev, next-x
	if mean := (prev + x + next) / 3; math.Abs(mean-x) >= min(gapL, gapR)/4 && math.Abs(mean-x) > 0 {
		return mean
	}
	if gapL == 0 && gapR == 0 {
		return x
	}
	if gapL >= gapR {
		return prev + gapL/2
	}
	return x + gapR/2
}

// PercentileRank is the share (in %) of values below v, ties counted as half.
func PercentileRank(values []float64, v float64) float64 {
	if len(values) == 0 {
		return 0
	}
	below, equal := 0, 0
	for _, x := range values {
		switch {
		case x < v:
			below++
		case x == v:
			equal++
		}
	}
	return 100 * (float64(below) + float64(equal)/2) / float64(len(values))
}

func quartileBand(q Quartiles, v float64) int {
	switch {
	case v < q.Q1:
		return 1
	case v < q.Median:
		return 2
	case v < q.Q3:
		return 3
	}
	return 4
}

// BenchmarkSource is what loading the benchmark input reads.
type BenchmarkSource interface {
	ListEnterprises(ctx context.Context, f EnterpriseFilter) ([]*Enterprise, string, error)
	ListBenchmarkEntries(ctx context.Context, f BenchmarkFilter) ([]*BenchmarkEntry, string, error)
}

// LoadBenchmarks reads every benchmark entry and the sector of each enterprise.
func LoadBenchmarks(ctx context.Context, src BenchmarkSource) ([]*BenchmarkEntry, map[string]string, error) {
	entries, err := CollectAll(ctx, func(p Page) ([]*BenchmarkEntry, string, error) {
		return src.ListBenchmarkEntries(ctx, BenchmarkFilter{Page: p})
	})
	if err != nil {
		return nil, nil, err
	}
	ents, err := CollectAll(ctx, func(p Page) ([]*Enterprise, string, error) {
		return src.ListEnterprises(ctx, EnterpriseFilter{Page: p})
	})
	if err != nil {
		return nil, nil, err
	}
	sectorOf := make(map[string]string, len(ents))
	for _, e := range ents {
		sectorOf[e.ID] = e.Sector
	}
	return entries, sectorOf, nil
}
