package lookup

import (
	"html/template"
	"math"

	"github.com/tracereg/tracereg/registry"
	"github.com/tracereg/tracereg/registry/plotmap"
)

// plotVM is a farm plot as shown: its outline projected into an SVG box,
// with a scale bar and a geo: link for the phone's map application.
type plotVM struct {
	Name     string            `json:"name"`
	District string            `json:"district"`
	AreaHa   float64           `json:"area_ha"`
	Area     string            `json:"-"`
	Point    bool              `json:"point"`
	Coords   []string          `json:"-"`
	Geometry string            `json:"geometry"`
	Rings    []string          `json:"-"` // SVG "points" attribute values, one per ring
	Dot      *[2]float64       `json:"-"` // the marker of a point plot
	Scale    *plotmap.ScaleBar `json:"-"`
	// GeoURI is built here from numbers only, so it is safe as a link.
	GeoURI template.URL `json:"geo_uri,omitempty"`
	W, H   int          `json:"-"`
	North  string       `json:"-"` // the north arrow's letter in the page's language
	NorthX int          `json:"-"`
}

// svgW and svgH are the drawing box; svgPad keeps the outline off its edge.
const (
	svgW, svgH = 320, 200
	svgPad     = 12
)

func plotView(f *registry.Facility, lg string) plotVM {
	m := plotmap.Draw(string(f.Geometry), svgW, svgH, svgPad)
	return plotVM{Name: f.Name, District: f.District, AreaHa: f.AreaHa, Area: number(lg, math.Round(f.AreaHa*100)/100) + " ha",
		Geometry: string(f.Geometry), W: m.W, H: m.H, Point: m.Dot != nil, Dot: m.Dot, Coords: m.Coords, Rings: m.Rings,
		Scale: m.Scale, GeoURI: template.URL(m.GeoURI), North: messages[lg]["north"], NorthX: m.W - 14}
}
