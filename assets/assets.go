// Package assets embeds what the pages need: HTML templates, static files
// (CSS, icons, vendored scripts) and the vi/en message catalogues. Nothing is
// loaded from a CDN.
package assets

import "embed"

// Templates holds templates/*.html.
//
//go:embed templates
var Templates embed.FS

// Static holds static/*: served under /static/.
//
//go:embed static
var Static embed.FS
