package web_test

import (
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/tracereg/tracereg/registry"
)

// TestBrowserAdminRegistersAnEnterpriseAndItsUser: province staff register a
// cooperative, give it an account (the generated password shown once), and
// the new user signs in to the enterprise workspace with it.
func TestBrowserAdminRegistersAnEnterpriseAndItsUser(t *testing.T) {
	b := newBrowser(t, true)
	b.signIn(asAdmin)
	b.run("admin home", chromedp.Navigate(b.base+"/w/"), chromedp.WaitVisible(chromedp.ID("admin-counts")))
	b.shot("admin-home")

	b.run("a wrong tax code",
		chromedp.Navigate(b.base+"/w/admin/enterprises/new"),
		chromedp.WaitVisible(chromedp.ID("enterprise-form")),
		chromedp.SendKeys(chromedp.ID("tax_code"), "600170"),
		chromedp.SendKeys(chromedp.ID("name_vi"), "HTX Mật ong Ea Súp"),
		chromedp.SetValue(chromedp.ID("kind"), "cooperative"),
		chromedp.SetValue(chromedp.ID("district"), "Ea Súp"),
		chromedp.SetValue(chromedp.ID("sector"), "agriculture"),
		chromedp.SetValue(chromedp.ID("size"), "micro"),
		chromedp.Submit(chromedp.ID("enterprise-form")),
		chromedp.WaitVisible(chromedp.ID("form-errors")),
	)
	b.shot("admin-enterprise-invalid")
	if v := get(b, "typed name kept", chromedp.Evaluate[string](`document.getElementById('name_vi').value`)); v != "HTX Mật ong Ea Súp" {
		t.Errorf("name after a failed submit %q", v)
	}
	b.run("register an enterprise",
		chromedp.Clear(chromedp.ID("tax_code")),
		chromedp.SendKeys(chromedp.ID("tax_code"), "6001700999"),
		chromedp.Submit(chromedp.ID("enterprise-form")),
		chromedp.WaitVisible(chromedp.ID("flash")),
	)
	if _, err := b.db.FindEnterpriseByTaxCode(t.Context(), "6001700999"); err != nil {
		t.Fatalf("enterprise not registered: %v", err)
	}

	b.run("give it an account",
		chromedp.Navigate(b.base+"/w/admin/users/new"),
		chromedp.WaitVisible(chromedp.ID("user-form")),
		chromedp.SendKeys(chromedp.ID("username"), "htx.easup"),
		chromedp.SendKeys(chromedp.ID("display_name"), "Y Bhin Niê"),
		chromedp.SetValue(chromedp.ID("role"), registry.RoleEnterprise),
	)
	// admin.js shows the tax code field once the role asks for it.
	get(b, "choose the role", chromedp.Evaluate[bool](`document.getElementById('role').dispatchEvent(new Event('change'))`))
	if hidden := get(b, "body field hidden", chromedp.Evaluate[bool](`document.getElementById('field-body_id').hidden`)); !hidden {
		t.Error("the certification body field shows for an enterprise user")
	}
	b.run("bind it to the enterprise",
		chromedp.SendKeys(chromedp.ID("enterprise"), "6001700999"),
		chromedp.Submit(chromedp.ID("user-form")),
		chromedp.WaitVisible(chromedp.ID("new-password")),
	)
	b.shot("admin-user-created")
	password := strings.TrimSpace(b.text("#new-password"))
	if len(password) < 10 {
		t.Fatalf("password %q", password)
	}
	b.run("the account page", chromedp.Click(chromedp.ID("to-user")), chromedp.WaitVisible(chromedp.ID("user-actions")))
	b.shot("admin-user-page")

	b.run("sign out", chromedp.Click(chromedp.ID("sign-out")), chromedp.WaitVisible(chromedp.ID("login-form")))
	b.run("the new user signs in",
		chromedp.SendKeys(chromedp.ID("username"), "htx.easup"),
		chromedp.SendKeys(chromedp.ID("password"), password),
		chromedp.Submit(chromedp.ID("login-form")),
		chromedp.WaitVisible(chromedp.ID("sign-out")),
	)
	if who := b.text(".who"); !strings.Contains(who, "htx.easup") {
		t.Errorf("signed in as %q", who)
	}
}
