package lookup

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"strconv"
	"strings"

	"github.com/gofiber/fiber/v2"
	qrcode "github.com/skip2/go-qrcode"

	"github.com/tracereg/tracereg/registry"
	"github.com/tracereg/tracereg/registry/gs1"
	"github.com/tracereg/tracereg/registry/server"
)

// QR image bounds.
const (
	// A PNG asked for without a size is for print: at 640 px asked, the
	// whole-pixel modules of any code up to 120 modules give 512 px or more.
	qrDefaultSize  = 640
	qrMinSize      = 64
	qrMaxSize      = 2048
	qrDefaultQuiet = 4
	qrMaxQuiet     = 16
)

// qrOptions are the query parameters of a QR image.
type qrOptions struct {
	Format string // png or svg
	Size   int    // pixels, PNG; the SVG scales
	Level  qrcode.RecoveryLevel
	Quiet  int // modules of quiet zone
}

func qrBad(field, en, vi string) error {
	return &registry.Error{Code: registry.EMALFORMED, Message: en, MessageVI: vi,
		Fields: []registry.FieldError{{Field: field, Rule: "range", Message: en, MessageVI: vi}}}
}

// parseQROptions reads size, ec (L, M, Q, H), qz (quiet zone) and format.
func parseQROptions(c *fiber.Ctx, format string) (qrOptions, error) {
	o := qrOptions{Format: format, Size: qrDefaultSize, Level: qrcode.Medium, Quiet: qrDefaultQuiet}
	if f := c.Query("format"); f != "" {
		if f != "png" && f != "svg" {
			return o, qrBad("format", "format must be png or svg", "định dạng phải là png hoặc svg")
		}
		o.Format = f
	}
	if o.Format == "" {
		o.Format = "png"
	}
	if s := c.Query("size"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < qrMinSize || n > qrMaxSize {
			return o, qrBad("size", fmt.Sprintf("size must be a whole number of pixels from %d to %d", qrMinSize, qrMaxSize),
				fmt.Sprintf("kích thước phải là số điểm ảnh nguyên từ %d đến %d", qrMinSize, qrMaxSize))
		}
		o.Size = n
	}
	if e := c.Query("ec"); e != "" {
		switch strings.ToUpper(e) {
		case "L":
			o.Level = qrcode.Low
		case "M":
			o.Level = qrcode.Medium
		case "Q":
			o.Level = qrcode.High
		case "H":
			o.Level = qrcode.Highest
		default:
			return o, qrBad("ec", "error correction must be L, M, Q or H", "mức sửa lỗi phải là L, M, Q hoặc H")
		}
	}
	if q := c.Query("qz"); q != "" {
		n, err := strconv.Atoi(q)
		if err != nil || n < 0 || n > qrMaxQuiet {
			return o, qrBad("qz", fmt.Sprintf("the quiet zone must be 0 to %d modules", qrMaxQuiet),
				fmt.Sprintf("vùng trống phải từ 0 đến %d mô-đun", qrMaxQuiet))
		}
		o.Quiet = n
	}
	return o, nil
}

// qrBitmap encodes content and returns its modules without a border.
func qrBitmap(content string, level qrcode.RecoveryLevel) ([][]bool, error) {
	q, err := qrcode.New(content, level)
	if err != nil {
		return nil, qrBad("uri", "the address is too long for a QR code", "địa chỉ quá dài để tạo mã QR")
	}
	q.DisableBorder = true
	return q.Bitmap(), nil
}

// qrPNG draws the modules with a quiet zone, each module a whole number of
// pixels, as close to size as that allows (never smaller than one pixel per module).
func qrPNG(bm [][]bool, size, quiet int) ([]byte, error) {
	n := len(bm) + 2*quiet
	px := max(1, size/n)
	img := image.NewPaletted(image.Rect(0, 0, n*px, n*px), color.Palette{color.White, color.Black})
	for y, row := range bm {
		for x, on := range row {
			if !on {
				continue
			}
			for dy := range px {
				off := img.PixOffset((x+quiet)*px, (y+quiet)*px+dy)
				for dx := range px {
					img.Pix[off+dx] = 1
				}
			}
		}
	}
	var b bytes.Buffer
	enc := png.Encoder{CompressionLevel: png.BestSpeed}
	if err := enc.Encode(&b, img); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

// qrSVG draws the modules as one path of horizontal runs, in module units.
func qrSVG(bm [][]bool, quiet int, size int) []byte {
	n := len(bm) + 2*quiet
	var b bytes.Buffer
	fmt.Fprintf(&b, `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 %d %d" width="%d" height="%d" shape-rendering="crispEdges">`, n, n, size, size)
	fmt.Fprintf(&b, `<rect width="%d" height="%d" fill="#fff"/><path fill="#000" d="`, n, n)
	for y, row := range bm {
		for x := 0; x < len(row); {
			if !row[x] {
				x++
				continue
			}
			start := x
			for x < len(row) && row[x] {
				x++
			}
			fmt.Fprintf(&b, "M%d %dh%dv1h-%dz", start+quiet, y+quiet, x-start, x-start)
		}
	}
	b.WriteString(`"/></svg>`)
	return b.Bytes()
}

// qr serves /qr/01/{gtin}[/22/…][/10/{lot}[/21/{serial}]](.png|.svg) and
// /qr/p/{code}, /qr/l/{code}: the image of the public URI. It does not look
// the key up, so it is pure and a CDN may keep it.
func (l *Lookup) qr(c *fiber.Ctx) error {
	raw := strings.TrimPrefix(string(c.Request().URI().PathOriginal()), "/qr")
	format := ""
	for _, ext := range []string{"png", "svg"} {
		if strings.HasSuffix(raw, "."+ext) {
			raw, format = strings.TrimSuffix(raw, "."+ext), ext
		}
	}
	opts, err := parseQROptions(c, format)
	if err != nil {
		return err
	}
	var content string
	switch {
	case strings.HasPrefix(raw, "/01/"):
		if len(raw) > maxResolverPath {
			return badLink(&gs1.Error{Rule: gs1.RuleLength, Message: "the address is too long", MessageVI: "địa chỉ quá dài"})
		}
		dl, err := gs1.ParsePath(raw, "")
		if err != nil {
			return badLink(err)
		}
		content = l.base(c) + dl.Path()
	case strings.HasPrefix(raw, "/p/") || strings.HasPrefix(raw, "/l/"):
		if !validShortCode(raw[3:]) {
			return notFound("There is no such code.", "Không có mã này.")
		}
		content = l.base(c) + raw
	default:
		return notFound("QR images exist for /01/…, /p/… and /l/… addresses.", "Chỉ có ảnh QR cho địa chỉ /01/…, /p/… và /l/….")
	}
	sum := sha256.Sum256(fmt.Appendf(nil, "%s|%s|%d|%d|%d", content, opts.Format, opts.Size, opts.Level, opts.Quiet))
	etag := `"` + hex.EncodeToString(sum[:12]) + `"`
	c.Set(fiber.HeaderCacheControl, "public, max-age=86400, immutable")
	c.Set(fiber.HeaderETag, etag)
	if inm := c.Get(fiber.HeaderIfNoneMatch); inm != "" && strings.Contains(inm, etag) {
		return c.SendStatus(fiber.StatusNotModified)
	}
	bm, err := qrBitmap(content, opts.Level)
	if err != nil {
		return err
	}
	if opts.Format == "svg" {
		c.Set(fiber.HeaderContentType, "image/svg+xml")
		c.Set("Content-Security-Policy", server.ImageContentSecurityPolicy)
		return c.Send(qrSVG(bm, opts.Quiet, opts.Size))
	}
	b, err := qrPNG(bm, opts.Size, opts.Quiet)
	if err != nil {
		return err
	}
	c.Set(fiber.HeaderContentType, "image/png")
	return c.Send(b)
}
