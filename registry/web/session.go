package web

import (
	"crypto/subtle"
	"net/url"
	"strconv"
	"strings"
	"time"
	"unicode"

	"github.com/gofiber/fiber/v2"

	"github.com/tracereg/tracereg/registry"
	"github.com/tracereg/tracereg/registry/server"
)

// Cookie names. The session cookie holds the session's random secret; the
// login cookie holds the CSRF token of the sign-in form, before any session.
const (
	sessionCookie = "tr_session"
	loginCookie   = "tr_login"
	csrfField     = "_csrf"
	localSession  = "web.session"
)

var (
	errCSRF = registry.Errorf(registry.EFORBIDDEN,
		"The form has expired or did not come from this site; open it again and resend.",
		"Biểu mẫu đã hết hạn hoặc không xuất phát từ trang này; hãy mở lại và gửi lại.")
	errWrongPassword = registry.Errorf(registry.EINVALID, "The current password is wrong.", "Mật khẩu hiện tại không đúng.")
)

// Identify puts the signed-in user of a live session cookie into the
// request's context as a registry.Actor. Without a valid cookie it does
// nothing: pages decide whether they need someone.
func (w *Web) Identify(c *fiber.Ctx) error {
	secret := c.Cookies(sessionCookie)
	if secret == "" {
		return c.Next()
	}
	hash := registry.HashSecret(secret)
	s, err := w.store.FindSession(ctx(c), hash)
	if registry.ErrorCode(err) == registry.ENOTFOUND {
		w.clearCookie(c, sessionCookie)
		return c.Next()
	}
	if err != nil {
		return err
	}
	now := w.clock.Now()
	if !s.Live(now) {
		w.clearCookie(c, sessionCookie)
		return c.Next()
	}
	u, err := w.store.FindUser(ctx(c), s.UserID)
	if registry.ErrorCode(err) == registry.ENOTFOUND || err == nil && u.Disabled {
		// A disabled user is signed out everywhere at the next request.
		w.clearCookie(c, sessionCookie)
		return c.Next()
	}
	if err != nil {
		return err
	}
	if now.Sub(s.LastSeen) > time.Minute {
		// One write a minute at most keeps the idle timer right.
		if err := w.store.TouchSession(ctx(c), hash, now); err != nil {
			return err
		}
	}
	c.Locals(localSession, s)
	c.Locals(localUser, u)
	c.SetUserContext(registry.WithActor(c.UserContext(), registry.ActorOf(u)))
	return c.Next()
}

const localUser = "web.user"

// session returns the request's session (nil when nobody is signed in).
func session(c *fiber.Ctx) *registry.WebSession {
	s, _ := c.Locals(localSession).(*registry.WebSession)
	return s
}

// requireSignIn sends anonymous browsers to the sign-in page (GET) or
// answers 401 (other methods, whose body would be lost in a redirect).
func (w *Web) requireSignIn(c *fiber.Ctx) error {
	if session(c) != nil {
		return c.Next()
	}
	if c.Method() == fiber.MethodGet || c.Method() == fiber.MethodHead {
		return c.Redirect("/login?next="+url.QueryEscape(c.OriginalURL()), fiber.StatusSeeOther)
	}
	return registry.Errorf(registry.EUNAUTHORIZED, "Please sign in.", "Vui lòng đăng nhập.")
}

// checkCSRF refuses a state-changing request whose _csrf field is not the
// session's token (synchronizer token; the session cookie is also SameSite).
func (w *Web) checkCSRF(c *fiber.Ctx) error {
	switch c.Method() {
	case fiber.MethodGet, fiber.MethodHead, fiber.MethodOptions:
		return c.Next()
	}
	s := session(c)
	if s == nil || !sameToken(c.FormValue(csrfField), s.CSRF) {
		return errCSRF
	}
	return c.Next()
}

func sameToken(got, want string) bool {
	return got != "" && want != "" && subtle.ConstantTimeCompare([]byte(got), []byte(want)) == 1
}

// setCookie sets an HttpOnly, SameSite=Lax cookie, Secure over TLS
// (directly or behind a trusted proxy that says so).
// Lifetimes are relative (Max-Age): the browser's clock, not the domain clock.
func (w *Web) setCookie(c *fiber.Ctx, name, value string, maxAge time.Duration) {
	c.Cookie(&fiber.Cookie{Name: name, Value: value, Path: "/", MaxAge: int(maxAge / time.Second), HTTPOnly: true,
		Secure: c.Protocol() == "https", SameSite: fiber.CookieSameSiteLaxMode})
}

func (w *Web) clearCookie(c *fiber.Ctx, name string) {
	c.Cookie(&fiber.Cookie{Name: name, Value: "", Path: "/", Expires: time.Unix(1, 0), HTTPOnly: true,
		Secure: c.Protocol() == "https", SameSite: fiber.CookieSameSiteLaxMode})
}

// safeNext keeps a post-login redirect on this site: a path, not "//host" or "/\host".
//
// Only a same-origin path is accepted. Browsers drop TAB, CR and LF from a
// URL and read a backslash as a slash, so "/\t/evil.example" would leave the
// site as "//evil.example": any control character or backslash is refused,
// and what remains must parse as a path with no scheme and no host.
func safeNext(next string) string {
	home := Prefix + "/"
	if !strings.HasPrefix(next, "/") || strings.HasPrefix(next, "//") || len(next) > 2000 {
		return home
	}
	for _, r := range next {
		if r < 0x20 || r == 0x7f || r == '\\' || unicode.IsSpace(r) || unicode.Is(unicode.Cf, r) {
			return home
		}
	}
	u, err := url.Parse(next)
	if err != nil || u.Scheme != "" || u.Host != "" || u.User != nil || u.Opaque != "" || !strings.HasPrefix(u.Path, "/") || strings.HasPrefix(u.Path, "//") {
		return home
	}
	return next
}

type loginData struct {
	Username string
	Next     string
}

func (w *Web) loginForm(c *fiber.Ctx) error {
	if session(c) != nil {
		return c.Redirect(safeNext(c.Query("next")), fiber.StatusSeeOther)
	}
	return w.renderLogin(c, fiber.StatusOK, loginData{Next: safeNext(c.Query("next"))}, nil)
}

// renderLogin shows the sign-in form with a fresh login CSRF token.
func (w *Web) renderLogin(c *fiber.Ctx, status int, d loginData, err error) error {
	token := registry.NewSecret("")
	w.setCookie(c, loginCookie, token, time.Hour)
	p := w.page(c, "login", "login_title")
	p.CSRF = token
	p.Data = d
	p.Form = newForm(c)
	p.Form.Set("username", d.Username)
	if err != nil {
		p.Form.Fail(err)
	}
	return w.render(c, status, p)
}

func (w *Web) login(c *fiber.Ctx) error {
	d := loginData{Username: strings.TrimSpace(c.FormValue("username")), Next: safeNext(c.FormValue("next"))}
	if !sameToken(c.FormValue(csrfField), c.Cookies(loginCookie)) {
		return w.renderLogin(c, fiber.StatusForbidden, d, errCSRF)
	}
	u, wait, err := registry.SignIn(ctx(c), w.store, d.Username, c.FormValue("password"), c.IP(), w.clock.Now())
	if wait > 0 {
		c.Set(fiber.HeaderRetryAfter, strconv.Itoa(int((wait+time.Second-1)/time.Second)))
	}
	if err != nil {
		if code := registry.ErrorCode(err); code == registry.EUNAUTHORIZED || code == registry.ETOOMANY {
			return w.renderLogin(c, server.StatusOf(err), d, err)
		}
		return err
	}
	// A new secret at every sign-in: a session fixed before sign-in is never reused.
	if old := c.Cookies(sessionCookie); old != "" {
		if err := w.store.DeleteSession(ctx(c), registry.HashSecret(old)); err != nil {
			return err
		}
	}
	if err := w.startSession(c, u); err != nil {
		return err
	}
	w.clearCookie(c, loginCookie)
	w.log.Info("web sign-in", "user", u.Username, "role", u.Role)
	return c.Redirect(d.Next, fiber.StatusSeeOther)
}

func (w *Web) startSession(c *fiber.Ctx, u *registry.User) error {
	now := w.clock.Now().UTC().Truncate(time.Millisecond)
	secret := registry.NewSecret("")
	s := &registry.WebSession{Hash: registry.HashSecret(secret), UserID: u.ID, CSRF: registry.NewSecret(""),
		CreatedAt: now, ExpiresAt: now.Add(registry.WebSessionTTL), LastSeen: now}
	if err := w.store.CreateSession(ctx(c), s); err != nil {
		return err
	}
	w.setCookie(c, sessionCookie, secret, registry.WebSessionTTL)
	return nil
}

func (w *Web) logout(c *fiber.Ctx) error {
	if err := w.store.DeleteSession(ctx(c), session(c).Hash); err != nil {
		return err
	}
	w.clearCookie(c, sessionCookie)
	return c.Redirect("/login", fiber.StatusSeeOther)
}

func (w *Web) passwordForm(c *fiber.Ctx) error {
	p := w.page(c, "password", "password_title")
	p.Form = newForm(c)
	return w.render(c, fiber.StatusOK, p)
}

// changePassword checks the current password, sets the new one, ends every
// other session of the user and starts a fresh one for this browser.
func (w *Web) changePassword(c *fiber.Ctx) error {
	p := w.page(c, "password", "password_title")
	p.Form = newForm(c)
	u, _ := c.Locals(localUser).(*registry.User)
	current, next := c.FormValue("current"), c.FormValue("new")
	var err error
	switch {
	case !registry.VerifyPassword(u.PasswordHash, current):
		err = fieldError("current", "password", errWrongPassword)
	case next != c.FormValue("confirm"):
		err = fieldError("confirm", "match", registry.Errorf(registry.EINVALID, "does not match the new password", "không khớp với mật khẩu mới"))
	default:
		if e := registry.CheckPassword(next); e != nil {
			err = renameFields(e, "new")
		}
	}
	if err != nil {
		p.Form.Fail(err)
		return w.render(c, fiber.StatusUnprocessableEntity, p)
	}
	h, err := registry.HashPassword(next)
	if err != nil {
		return err
	}
	before := *u
	u.PasswordHash = h
	if err := w.store.UpdateUser(ctx(c), u); err != nil {
		return err
	}
	if err := w.audit(c, "user.password", registry.KindUser, u.ID, "", &before, u); err != nil {
		return err
	}
	if err := w.store.DeleteUserSessions(ctx(c), u.ID); err != nil {
		return err
	}
	if err := w.startSession(c, u); err != nil {
		return err
	}
	return w.redirectFlash(c, Prefix+"/", "flash_password_changed")
}

// CheckSessionCSRF guards routes outside the workspaces that a browser
// session may also call (printing labels): a state-changing request that a
// session cookie identified must carry the session's CSRF token. Requests
// with an API credential instead are not cookie-borne and pass.
func (w *Web) CheckSessionCSRF(c *fiber.Ctx) error {
	if session(c) == nil {
		return c.Next()
	}
	return w.checkCSRF(c)
}
