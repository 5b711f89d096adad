package stats

// MetricText prints a benchmark figure the way the pages do, for the tests.
func MetricText(lang, metric string, x float64) string {
	return viewer{lang: lang, t: messages[lang]}.metricText(metric, x)
}
