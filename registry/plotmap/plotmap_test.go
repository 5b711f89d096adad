package plotmap_test

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"testing"

	"github.com/tracereg/tracereg/registry/plotmap"
)

// square is a closed ring of side metres around (lon, lat).
func square(lon, lat, side float64) string {
	const mPerDeg = 2 * math.Pi * 6371008.8 / 360
	dlat := side / mPerDeg
	dlon := side / (mPerDeg * math.Cos(lat*math.Pi/180))
	return fmt.Sprintf(`{"type":"Polygon","coordinates":[[[%f,%f],[%f,%f],[%f,%f],[%f,%f],[%f,%f]]]}`,
		lon, lat, lon+dlon, lat, lon+dlon, lat+dlat, lon, lat+dlat, lon, lat)
}

// extent is the width and height of a ring's points in the box.
func extent(t *testing.T, ring string) (w, h float64) {
	t.Helper()
	minX, minY, maxX, maxY := math.Inf(1), math.Inf(1), math.Inf(-1), math.Inf(-1)
	for _, pt := range strings.Fields(ring) {
		xy := strings.Split(pt, ",")
		x, err1 := strconv.ParseFloat(xy[0], 64)
		y, err2 := strconv.ParseFloat(xy[1], 64)
		if err1 != nil || err2 != nil {
			t.Fatalf("point %q", pt)
		}
		minX, maxX, minY, maxY = math.Min(minX, x), math.Max(maxX, x), math.Min(minY, y), math.Max(maxY, y)
	}
	return maxX - minX, maxY - minY
}

func TestScaleBarMatchesTheDrawing(t *testing.T) {
	for _, tc := range []struct {
		side   float64
		metres float64
		label  string
	}{
		{200, 50, "50 m"},
		{5000, 2000, "2 km"},
		{30, 10, "10 m"},
	} {
		m := plotmap.Draw(square(108.05, 12.68, tc.side), 320, 200, 12)
		if len(m.Rings) != 1 || m.Scale == nil {
			t.Fatalf("%v m: %+v", tc.side, m)
		}
		w, h := extent(t, m.Rings[0])
		// A square stays square (north up, equirectangular at its latitude)
		// and fills the height less the padding.
		if math.Abs(w-h) > 0.5 || math.Abs(h-176) > 0.5 {
			t.Errorf("%v m square drawn %.1f × %.1f, want 176 × 176", tc.side, w, h)
		}
		if m.Scale.Metres != tc.metres || m.Scale.Label != tc.label {
			t.Errorf("%v m square: bar of %v (%q), want %v (%q)", tc.side, m.Scale.Metres, m.Scale.Label, tc.metres, tc.label)
		}
		// The bar is as long, in the box, as its metres are in the drawing.
		if want := tc.metres / tc.side * h; math.Abs(m.Scale.Len-want) > 0.5 {
			t.Errorf("%v m square: bar %.1f long, want %.1f", tc.side, m.Scale.Len, want)
		}
		if m.Scale.Len > 80 || m.Scale.Len < 80.0/5 {
			t.Errorf("%v m square: bar %.1f long, want at most a quarter of the width and not tiny", tc.side, m.Scale.Len)
		}
		if !strings.HasPrefix(m.GeoURI, "geo:12.") || !strings.Contains(m.GeoURI, ",108.0") {
			t.Errorf("geo URI %q: want latitude first", m.GeoURI)
		}
	}
}

func TestPointAndBadGeometry(t *testing.T) {
	m := plotmap.Draw(`{"type":"Point","coordinates":[108.123456,12.654321]}`, 320, 200, 12)
	if m.Dot == nil || m.Dot[0] != 160 || m.Dot[1] != 100 || m.Scale != nil || m.GeoURI != "geo:12.654321,108.123456" ||
		len(m.Coords) != 1 || m.Coords[0] != "108.123456, 12.654321" {
		t.Fatalf("point %+v", m)
	}
	for _, g := range []string{"", "{", `{"type":"LineString","coordinates":[[108,12],[108.1,12.1]]}`} {
		m := plotmap.Draw(g, 320, 200, 12)
		if m.Rings != nil || m.Dot != nil || m.Scale != nil || m.GeoURI != "" || m.W != 320 || m.H != 200 {
			t.Errorf("%q drew %+v", g, m)
		}
	}
}
