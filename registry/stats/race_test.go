//go:build race

package stats_test

// raceEnabled: the race detector slows the embedded database about tenfold,
// so the random data set is smaller under -race.
const raceEnabled = true
