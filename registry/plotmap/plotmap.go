// Package plotmap draws a farm plot for a page without map tiles: its
// outline projected into an SVG box, a scale bar, and a geo: URI that opens
// the place in the phone's own map application.
package plotmap

import (
	"fmt"
	"math"
	"strings"

	"github.com/paulmach/orb"

	"github.com/tracereg/tracereg/registry"
)

// metresPerDegree is one degree of a great circle on the mean Earth
// (radius 6,371,008.8 m): exact enough at the size of a farm.
const metresPerDegree = 2 * math.Pi * 6371008.8 / 360

// maxCoords bounds the positions listed under a map.
const maxCoords = 50

// Map is one plot drawn in a W×H box.
type Map struct {
	W, H   int
	Rings  []string    // SVG "points" values, one per ring
	Dot    *[2]float64 // the marker of a point plot, in the box
	Coords []string    // positions as written (lon, lat), at most maxCoords
	Scale  *ScaleBar   // nil for a point plot
	// GeoURI is geo:<lat>,<lon> (RFC 5870) at the plot's centre.
	GeoURI string
}

// ScaleBar is a horizontal bar of Metres, Len units long, from (X, Y).
type ScaleBar struct {
	X, Y, Len float64
	Metres    float64
	Label     string // "50 m", "2 km"
}

// Draw projects a plot's GeoJSON (WGS84 lon/lat) equirectangularly around
// its mean latitude, scaled to fit the box less pad, centred, north up. An
// unreadable geometry gives an empty map of the box's size.
func Draw(geometry string, w, h, pad int) Map {
	m := Map{W: w, H: h}
	if geometry == "" {
		return m
	}
	g, err := registry.ParsePlotGeometry(geometry)
	if err != nil {
		return m
	}
	var polys orb.MultiPolygon
	switch x := g.(type) {
	case orb.Point:
		m.Dot = &[2]float64{float64(w) / 2, float64(h) / 2}
		m.Coords = []string{coord(x)}
		m.GeoURI = geoURI(x)
		return m
	case orb.Polygon:
		polys = orb.MultiPolygon{x}
	case orb.MultiPolygon:
		polys = x
	default:
		return m
	}
	b := polys.Bound()
	m.GeoURI = geoURI(b.Center())
	k := math.Cos((b.Min[1] + b.Max[1]) / 2 * math.Pi / 180)
	bw, bh := (b.Max[0]-b.Min[0])*k, b.Max[1]-b.Min[1]
	if bw <= 0 || bh <= 0 {
		return m
	}
	scale := math.Min(float64(w-2*pad)/bw, float64(h-2*pad)/bh) // box units per degree
	offX, offY := (float64(w)-bw*scale)/2, (float64(h)-bh*scale)/2
	for _, poly := range polys {
		for _, ring := range poly {
			var sb strings.Builder
			for i, pt := range ring {
				if i > 0 {
					sb.WriteByte(' ')
				}
				fmt.Fprintf(&sb, "%.1f,%.1f", offX+(pt[0]-b.Min[0])*k*scale, offY+(b.Max[1]-pt[1])*scale)
				if i < len(ring)-1 && len(m.Coords) < maxCoords {
					m.Coords = append(m.Coords, coord(pt))
				}
			}
			m.Rings = append(m.Rings, sb.String())
		}
	}
	m.Scale = scaleBar(metresPerDegree/scale, w, h)
	return m
}

// scaleBar picks the longest round length (1, 2 or 5 × 10ⁿ m) that fits in
// a quarter of the box's width, drawn at its bottom left.
func scaleBar(metresPerUnit float64, w, h int) *ScaleBar {
	target := float64(w) / 4 * metresPerUnit
	if target <= 0 || math.IsInf(target, 0) || math.IsNaN(target) {
		return nil
	}
	p := math.Pow(10, math.Floor(math.Log10(target)))
	metres := p
	for _, f := range []float64{2, 5} {
		if f*p <= target {
			metres = f * p
		}
	}
	label := fmt.Sprintf("%g m", metres)
	if metres >= 1000 {
		label = fmt.Sprintf("%g km", metres/1000)
	}
	return &ScaleBar{X: 8, Y: float64(h) - 8, Len: metres / metresPerUnit, Metres: metres, Label: label}
}

func coord(p orb.Point) string { return fmt.Sprintf("%.6f, %.6f", p[0], p[1]) }

// geoURI is RFC 5870's geo URI: latitude first.
func geoURI(p orb.Point) string { return fmt.Sprintf("geo:%.6f,%.6f", p[1], p[0]) }
