package lookup

import (
	"errors"
	"fmt"
	"html/template"
	"runtime"
	"strconv"
	"sync"
	"sync/atomic"

	"github.com/gofiber/fiber/v2"
	qrcode "github.com/skip2/go-qrcode"

	"github.com/tracereg/tracereg/registry"
	"github.com/tracereg/tracereg/registry/credential"
	"github.com/tracereg/tracereg/registry/gs1"
)

// label is one printed unit label.
type label struct {
	QR     template.HTML // SVG built here from the QR modules: no outside text in it
	URI    string
	Lot    string
	Serial string
}

type labelSheet struct {
	Lang    string
	T       map[string]string
	Product string
	GTIN    string
	Lot     string
	// The lot's dates as printed (dd/mm/yyyy).
	Produced, Harvested, Expires string
	Layout                       string // a4 or roll
	Labels                       []label
	// From is the position of the first label; Reprint prints the same
	// labels again (GET, same serials).
	From    int64
	Reprint string
}

// Last is the position of the sheet's last label.
func (s labelSheet) Last() int64 { return s.From + int64(len(s.Labels)) - 1 }

// labels prints a sheet of serialised labels for a lot (by its short code).
// POST issues n new serials (never reused: an $inc counter in the store);
// GET reprints serials already issued (?from=&n=). Both need Authorize to
// accept the caller for the lot's enterprise; by default it refuses (403)
// until sign-in is wired into the public side.
func (l *Lookup) labels(c *fiber.Ctx) error {
	code := c.Params("code")
	if !validShortCode(code) {
		return notFound("There is no lot with this code.", "Không có lô hàng mang mã này.")
	}
	if l.cfg.Serials == nil {
		return registry.Errorf(registry.EUNAVAILABLE, "Serial numbers are not available.", "Chức năng cấp số sê-ri chưa sẵn sàng.")
	}
	n, err := strconv.Atoi(c.FormValue("n", c.Query("n")))
	if err != nil || n < 1 || n > registry.MaxSerialsPerSheet {
		return qrBad("n", "the number of labels must be 1 to 5000", "số nhãn phải từ 1 đến 5000")
	}
	layout := c.FormValue("layout", c.Query("layout", "a4"))
	if layout != "a4" && layout != "roll" {
		return qrBad("layout", "the layout must be a4 or roll", "khổ in phải là a4 hoặc roll")
	}
	b, err := l.cfg.Store.FindBatchByShortCode(c.UserContext(), code)
	if err != nil {
		return unknown(err)
	}
	if err := l.cfg.Authorize(c, b.EnterpriseID); err != nil {
		return err
	}
	p, err := l.cfg.Store.FindProduct(c.UserContext(), b.ProductID)
	if err != nil {
		return err
	}
	var serials []string
	var from int64
	if c.Method() == fiber.MethodPost {
		if from, serials, err = l.cfg.Serials.IssueSerials(c.UserContext(), b.ID, n); err != nil {
			return err
		}
		l.Invalidate(keyLotCode(b.ShortCode))
		if p.GTIN != "" {
			l.Invalidate(keyGTINLot(p.GTIN, b.LotCode))
		}
	} else {
		from, err = strconv.ParseInt(c.Query("from"), 10, 64)
		issued, ierr := l.cfg.Serials.SerialsIssued(c.UserContext(), b.ID)
		if ierr != nil {
			return ierr
		}
		if err != nil || from < 1 || from+int64(n)-1 > issued {
			return qrBad("from", "only serials already issued can be reprinted", "chỉ in lại được các số sê-ri đã cấp")
		}
		if serials, err = l.cfg.Serials.Serials(c.UserContext(), b.ID, from, n); err != nil {
			return err
		}
	}
	sheet := labelSheet{Lang: "vi", T: messages["vi"], Product: p.NameVI, GTIN: p.GTIN, Lot: b.LotCode, Layout: layout, Labels: make([]label, n),
		Produced: day("vi", b.ProducedOn), Harvested: day("vi", b.HarvestedOn), Expires: day("vi", b.ExpiresOn), From: from,
		Reprint: fmt.Sprintf("/labels/%s?from=%d&n=%d&layout=%s", b.ShortCode, from, n, layout)}
	base := l.base(c)
	// QR encoding is the slow part: spread it over the cores.
	var wg sync.WaitGroup
	var next atomic.Int64
	errs := make([]error, runtime.GOMAXPROCS(0))
	for w := range errs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := next.Add(1) - 1; i < int64(n); i = next.Add(1) - 1 {
				serial := serials[i]
				uri := base + "/l/" + b.ShortCode + "?s=" + serial
				if p.GTIN != "" {
					uri = base + gs1.DigitalLink{GTIN: p.GTIN, Lot: b.LotCode, Serial: serial}.Path()
					if is := l.cfg.Credentials; is != nil && l.cfg.SignLabels {
						uri += "?" + credential.AISignature + "=" + is.SignCode(p.GTIN, "", b.LotCode, serial)
					}
				}
				bm, err := qrBitmap(uri, qrcode.Medium)
				if err != nil {
					errs[w] = err
					return
				}
				sheet.Labels[i] = label{QR: template.HTML(qrSVG(bm, 2, 96)), URI: uri, Lot: b.LotCode, Serial: serial}
			}
		}()
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return err
	}
	c.Set(fiber.HeaderCacheControl, "no-store")
	c.Type("html", "utf-8")
	return l.tmpl.ExecuteTemplate(c.Response().BodyWriter(), "labels", sheet)
}
