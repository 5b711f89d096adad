package lookup

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/hex"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/fiber/v2/middleware/limiter"

	"github.com/tracereg/tracereg/registry"
)

const csrfCookie = "report_csrf"

type reportPage struct {
	Lang    string
	T       map[string]string
	Toggle  string
	Subject string
	Token   string
	Kinds   []string
	Sent    bool
	// Reference is the sent report's, to follow it up.
	Reference  string
	MaxPhotoMB int
}

// reportStatusPage is what anyone with the reference reads: where the
// report stands and the agency's reply. No personal data: not the message,
// the contact, the place of purchase or the photo.
type reportStatusPage struct {
	Lang, Toggle string
	T            map[string]string
	Reference    string
	Kind         string
	Sent         string
	Status       string
	StatusText   string
	Subject      string
	Reply        string
	RepliedOn    string
}

func (l *Lookup) reportRoutes(app *fiber.App) {
	app.Get("/report", l.reportForm)
	app.Get("/report/:ref", l.reportStatus)
	app.Post("/report", limiter.New(limiter.Config{
		Max:        l.cfg.ReportLimit,
		Expiration: time.Hour,
		LimitReached: func(*fiber.Ctx) error {
			return registry.Errorf(registry.ETOOMANY, "Too many reports from your network; please try again later.",
				"Bạn đã gửi quá nhiều báo cáo; vui lòng thử lại sau.")
		},
	}), l.reportSubmit)
}

// reportForm shows the form with a double-submit CSRF token: the same random
// value in a SameSite=Strict cookie and in the form. It needs no server
// state, so it works across replicas.
func (l *Lookup) reportForm(c *fiber.Ctx) error {
	subject := c.Query("subject")
	if !strings.HasPrefix(subject, "/") || len(subject) > 300 {
		subject = ""
	}
	lg := lang(c)
	tok := make([]byte, 32)
	rand.Read(tok)
	token := hex.EncodeToString(tok)
	c.Cookie(&fiber.Cookie{Name: csrfCookie, Value: token, Path: "/report", HTTPOnly: true, SameSite: "Strict",
		Secure: strings.HasPrefix(l.base(c), "https://"), MaxAge: 3600})
	c.Set(fiber.HeaderCacheControl, "no-store")
	c.Type("html", "utf-8")
	return l.tmpl.ExecuteTemplate(c.Response().BodyWriter(), "report", reportPage{Lang: lg, T: messages[lg],
		Toggle: toggleHref(c, messages[lg]["other_code"]), Subject: subject, Token: token, Kinds: registry.ReportKinds,
		MaxPhotoMB: registry.MaxReportPhoto >> 20})
}

func (l *Lookup) reportSubmit(c *fiber.Ctx) error {
	if l.cfg.Reports == nil {
		return registry.Errorf(registry.EUNAVAILABLE, "Reports are not available.", "Chức năng báo cáo chưa sẵn sàng.")
	}
	cookie, form := c.Cookies(csrfCookie), c.FormValue("_csrf")
	if len(cookie) != 64 || subtle.ConstantTimeCompare([]byte(cookie), []byte(form)) != 1 {
		return registry.Errorf(registry.EFORBIDDEN, "The form expired or was not sent from this site; please open it again.",
			"Biểu mẫu đã hết hạn hoặc không được gửi từ trang này; vui lòng mở lại biểu mẫu.")
	}
	province := c.FormValue("province")
	r := &registry.ProblemReport{Subject: c.FormValue("subject"), Kind: c.FormValue("kind"), Message: strings.TrimSpace(c.FormValue("message")),
		Contact: strings.TrimSpace(c.FormValue("contact")), Province: province, PlaceOfPurchase: strings.TrimSpace(c.FormValue("place_of_purchase"))}
	// Checked before the photo is stored: a wrong form stores nothing.
	if err := r.Validate(); err != nil {
		return err
	}
	if fh, err := c.FormFile("photo"); err == nil && fh.Size > 0 {
		if fh.Size > registry.MaxReportPhoto {
			return registry.Errorf(registry.ETOOLARGE, "The photo is larger than 5 MiB.", "Ảnh lớn hơn 5 MiB.")
		}
		f, err := fh.Open()
		if err != nil {
			return registry.Errorf(registry.EMALFORMED, "The photo cannot be read.", "Không đọc được ảnh.")
		}
		blob, err := l.cfg.Documents.Put(c.UserContext(), f, registry.MaxReportPhoto, registry.ReportPhotoTypes)
		f.Close()
		if err != nil {
			return err
		}
		r.Photo = &blob
	}
	if err := l.cfg.Reports.CreateReport(c.UserContext(), r); err != nil {
		return err
	}
	c.ClearCookie(csrfCookie)
	lg := lang(c)
	c.Status(fiber.StatusCreated)
	c.Type("html", "utf-8")
	return l.tmpl.ExecuteTemplate(c.Response().BodyWriter(), "report", reportPage{Lang: lg, T: messages[lg], Sent: true, Subject: r.Subject,
		Reference: r.Reference})
}

// reportStatus shows where a report stands, to whoever has its reference.
func (l *Lookup) reportStatus(c *fiber.Ctx) error {
	if l.cfg.Reports == nil {
		return registry.Errorf(registry.EUNAVAILABLE, "Reports are not available.", "Chức năng báo cáo chưa sẵn sàng.")
	}
	r, err := l.cfg.Reports.FindReportByReference(c.UserContext(), strings.ToUpper(strings.TrimSpace(c.Params("ref"))))
	if registry.ErrorCode(err) == registry.ENOTFOUND {
		return notFound("There is no report with this reference.", "Không có phản ánh mang số tham chiếu này.")
	}
	if err != nil {
		return err
	}
	lg := lang(c)
	T := messages[lg]
	p := reportStatusPage{Lang: lg, T: T, Toggle: toggleHref(c, T["other_code"]), Reference: r.Reference, Kind: T["k_"+r.Kind],
		Sent: when(lg, r.CreatedAt), Status: r.Status, StatusText: T["rs_"+r.Status], Subject: r.Subject, Reply: r.Reply}
	if r.RepliedAt != nil {
		p.RepliedOn = when(lg, *r.RepliedAt)
	}
	c.Set(fiber.HeaderCacheControl, "no-store")
	c.Type("html", "utf-8")
	return l.tmpl.ExecuteTemplate(c.Response().BodyWriter(), "report_status", p)
}
