package lookup

import (
	"fmt"
	"math"
	"strings"

	"github.com/paulmach/orb"

	"github.com/tracereg/tracereg/registry"
)

// plotVM is a farm plot as shown: its outline projected into an SVG box.
type plotVM struct {
	Name     string      `json:"name"`
	District string      `json:"district"`
	AreaHa   float64     `json:"area_ha"`
	Area     string      `json:"-"`
	Point    bool        `json:"point"`
	Coords   []string    `json:"-"`
	Geometry string      `json:"geometry"`
	Rings    []string    `json:"-"` // SVG "points" attribute values, one per ring
	Dot      *[2]float64 `json:"-"` // the marker of a point plot
	W, H     int         `json:"-"`
}

// svgW and svgH are the drawing box; svgPad keeps the outline off its edge.
const (
	svgW, svgH = 320, 200
	svgPad     = 12
)

// plotView projects the plot's GeoJSON (lon/lat, WGS84) onto the SVG box:
// an equirectangular projection around the plot's mean latitude, which is
// exact enough at the scale of a farm, scaled to fit and centred, north up.
func plotView(f *registry.Facility, lg string) plotVM {
	pv := plotVM{Name: f.Name, District: f.District, AreaHa: f.AreaHa, Area: number(lg, math.Round(f.AreaHa*100)/100) + " ha",
		Geometry: string(f.Geometry), W: svgW, H: svgH}
	g, err := registry.ParsePlotGeometry(string(f.Geometry))
	if err != nil {
		return pv
	}
	var polys orb.MultiPolygon
	switch x := g.(type) {
	case orb.Point:
		pv.Point = true
		pv.Dot = &[2]float64{svgW / 2, svgH / 2}
		pv.Coords = []string{coord(x)}
		return pv
	case orb.Polygon:
		polys = orb.MultiPolygon{x}
	case orb.MultiPolygon:
		polys = x
	default:
		return pv
	}
	b := polys.Bound()
	k := math.Cos((b.Min[1] + b.Max[1]) / 2 * math.Pi / 180)
	w, h := (b.Max[0]-b.Min[0])*k, b.Max[1]-b.Min[1]
	if w <= 0 || h <= 0 {
		return pv
	}
	scale := math.Min((svgW-2*svgPad)/w, (svgH-2*svgPad)/h)
	offX := (svgW - w*scale) / 2
	offY := (svgH - h*scale) / 2
	for _, poly := range polys {
		for _, ring := range poly {
			var sb strings.Builder
			for i, pt := range ring {
				x := offX + (pt[0]-b.Min[0])*k*scale
				y := offY + (b.Max[1]-pt[1])*scale
				if i > 0 {
					sb.WriteByte(' ')
				}
				fmt.Fprintf(&sb, "%.1f,%.1f", x, y)
				if i < len(ring)-1 && len(pv.Coords) < 50 {
					pv.Coords = append(pv.Coords, coord(pt))
				}
			}
			pv.Rings = append(pv.Rings, sb.String())
		}
	}
	return pv
}

func coord(p orb.Point) string { return fmt.Sprintf("%.6f, %.6f", p[0], p[1]) }
