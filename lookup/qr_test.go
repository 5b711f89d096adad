package lookup_test

import (
	"bytes"
	"fmt"
	"image/png"
	"strings"
	"testing"

	"github.com/gofiber/fiber/v2"

	"github.com/tracereg/tracereg/registry/demodata"
)

func TestQRImages(t *testing.T) {
	e := newEnv(t, demoNow)
	g := e.roastedGTIN()
	r := do(t, e.app, "GET", "/qr/01/"+g+"/10/"+demodata.RoastedLot+".png?size=300&ec=H&qz=2")
	wantStatus(t, r, 200)
	if r.Header.Get("Content-Type") != "image/png" || !strings.Contains(r.Header.Get("Cache-Control"), "public") || r.Header.Get("ETag") == "" {
		t.Fatalf("headers %v", r.Header)
	}
	img, err := png.Decode(strings.NewReader(r.Body))
	if err != nil {
		t.Fatal(err)
	}
	w := img.Bounds().Dx()
	if w > 300 || w < 200 || img.Bounds().Dy() != w {
		t.Errorf("image %v, want square close to 300 px", img.Bounds())
	}
	// The quiet zone is white; the corner finder pattern starts right after it.
	if c, _, _, _ := img.At(0, 0).RGBA(); c != 0xffff {
		t.Error("quiet zone not white")
	}
	r2 := do(t, e.app, "GET", "/qr/01/"+g+"/10/"+demodata.RoastedLot+".png?size=300&ec=H&qz=0")
	img2, _ := png.Decode(strings.NewReader(r2.Body))
	if c, _, _, _ := img2.At(0, 0).RGBA(); c != 0 {
		t.Error("without a quiet zone the corner is the black finder pattern")
	}
	if r2.Header.Get("ETag") == r.Header.Get("ETag") {
		t.Error("different options, same ETag")
	}
	// Conditional request.
	nm := do(t, e.app, "GET", "/qr/01/"+g+"/10/"+demodata.RoastedLot+".png?size=300&ec=H&qz=2", "If-None-Match", r.Header.Get("ETag"))
	wantStatus(t, nm, 304)

	s := do(t, e.app, "GET", "/qr/01/"+g+"?format=svg")
	wantStatus(t, s, 200)
	if s.Header.Get("Content-Type") != "image/svg+xml" || !strings.HasPrefix(s.Body, "<svg") || !strings.Contains(s.Body, `<path fill="#000" d="M`) {
		t.Errorf("svg %q %.200s", s.Header.Get("Content-Type"), s.Body)
	}
	// Same modules in both formats: the SVG has one unit per module, the PNG
	// a whole number of pixels per module, as many as fit in the size asked.
	var modules int
	sv := do(t, e.app, "GET", "/qr/01/"+g+".svg?qz=0")
	if _, err := fmt.Sscanf(strings.SplitN(sv.Body, `viewBox="`, 2)[1], "0 0 %d", &modules); err != nil || modules < 21 {
		t.Fatalf("SVG %.120s: %v", sv.Body, err)
	}
	b := do(t, e.app, "GET", "/qr/01/"+g+".png?size=64&qz=0")
	bi, err := png.Decode(bytes.NewReader([]byte(b.Body)))
	if err != nil {
		t.Fatal(err)
	}
	if want := modules * (64 / modules); bi.Bounds().Dx() != want {
		t.Errorf("PNG %d px for %d modules at size 64, want %d", bi.Bounds().Dx(), modules, want)
	}
	// Without a size, a PNG is big enough to print: 512 px or more.
	def := do(t, e.app, "GET", "/qr/01/"+g+"/10/"+demodata.RoastedLot+".png")
	di, err := png.Decode(bytes.NewReader([]byte(def.Body)))
	if err != nil || di.Bounds().Dx() < 512 || di.Bounds().Dy() != di.Bounds().Dx() {
		t.Errorf("default PNG: %v %v, want a square of 512 px or more", err, di)
	}
	sv4 := do(t, e.app, "GET", "/qr/01/"+g+".svg?qz=4")
	if !strings.Contains(sv4.Body, fmt.Sprintf(`viewBox="0 0 %d %d"`, modules+8, modules+8)) {
		t.Errorf("quiet zone of 4 not in the SVG: %.120s", sv4.Body)
	}
	if r := do(t, e.app, "GET", "/qr/l/"+e.batch(e.demo.RoastedBatchID).ShortCode+".svg"); r.Status != 200 {
		t.Errorf("short code QR: %d", r.Status)
	}

	for _, bad := range []string{"?size=10", "?size=5000", "?size=abc", "?ec=X", "?ec=", "?qz=-1", "?qz=17", "?format=gif"} {
		r := do(t, e.app, "GET", "/qr/01/"+g+".png"+bad)
		if bad == "?ec=" {
			wantStatus(t, r, 200) // empty means default
			continue
		}
		if r.Status != fiber.StatusBadRequest {
			t.Errorf("%s: status %d, want 400", bad, r.Status)
		}
	}
	for path, want := range map[string]int{
		"/qr/01/12345.png":                               400,
		"/qr/01/" + g + "/21/1/10/A.png":                 400,
		"/qr/01/" + g + "/10/" + strings.Repeat("A", 21): 400,
		"/qr/02/" + g + ".png":                           404,
		"/qr/l/lowercase1.png":                           404,
	} {
		if r := do(t, e.app, "GET", path); r.Status != want {
			t.Errorf("%s: status %d, want %d", path, r.Status, want)
		}
	}
}

func TestLabelsNeedAuthorization(t *testing.T) {
	e := newEnv(t, demoNow)
	code := e.batch(e.demo.RoastedBatchID).ShortCode
	// Default: refused, and nothing is issued.
	r := do(t, e.app, "POST", "/labels/"+code+"?n=5")
	wantStatus(t, r, 403)
	if n, _ := e.db.SerialsIssued(t.Context(), e.demo.RoastedBatchID); n != 0 {
		t.Fatalf("%d serials issued by a refused request", n)
	}
}
