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
}

func (l *Lookup) reportRoutes(app *fiber.App) {
	app.Get("/report", l.reportForm)
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
		Toggle: toggleHref(c, messages[lg]["other_code"]), Subject: subject, Token: token, Kinds: registry.ReportKinds})
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
	r := &registry.ProblemReport{Subject: c.FormValue("subject"), Kind: c.FormValue("kind"), Message: c.FormValue("message"),
		Contact: strings.TrimSpace(c.FormValue("contact")), Province: province}
	if err := l.cfg.Reports.CreateReport(c.UserContext(), r); err != nil {
		return err
	}
	c.ClearCookie(csrfCookie)
	lg := lang(c)
	c.Status(fiber.StatusCreated)
	c.Type("html", "utf-8")
	return l.tmpl.ExecuteTemplate(c.Response().BodyWriter(), "report", reportPage{Lang: lg, T: messages[lg], Sent: true, Subject: r.Subject})
}
