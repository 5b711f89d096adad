package api

import (
	"fmt"
	"reflect"
	"sync"
	"testing"
	"time"

	"github.com/tracereg/tracereg/registry"
)

// The security regression suite of the API: each test is one finding of the
// attack on the registry (issue 11), and failed before its fix.

// TestPasswordChangeEndsCredentials: a new password, set by an admin through
// the API, ends the user's refresh families and API keys.
func TestPasswordChangeEndsCredentials(t *testing.T) {
	e := newEnv(t)
	u := e.users[asEnt1]
	r := e.signIn(u.Username, e.password)
	var tok tokenResponse
	r.decode(t, &tok)
	r = e.do(request{method: "POST", path: "/api/v1/api-keys", as: asEnt1, body: map[string]string{"name": "ERP"}})
	var k apiKeyCreated
	r.decode(t, &k)
	e.tokens["key"] = k.Key
	if r := e.do(request{method: "GET", path: "/api/v1/enterprises/" + e.e1.ID, as: "key"}); r.status != 200 {
		t.Fatalf("key before the change: %d", r.status)
	}

	etag, _ := e.etagOf("/api/v1/users/" + u.ID)
	pw := "một mật khẩu mới rất dài 2026"
	r = e.do(request{method: "PUT", path: "/api/v1/users/" + u.ID, as: asAdmin, header: map[string]string{"If-Match": etag},
		body: userInput{Username: u.Username, DisplayName: u.DisplayName, Role: u.Role, EnterpriseID: u.EnterpriseID, Password: &pw}})
	if r.status != 200 {
		t.Fatalf("change the password: %d %s", r.status, r.body)
	}
	if r := e.do(request{method: "POST", path: "/api/v1/auth/refresh", body: map[string]string{"refresh_token": tok.RefreshToken}}); r.status != 401 {
		t.Fatalf("a refresh token from before the change: %d, want 401", r.status)
	}
	if r := e.do(request{method: "GET", path: "/api/v1/enterprises/" + e.e1.ID, as: "key"}); r.status != 401 {
		t.Fatalf("an API key from before the change: %d, want 401", r.status)
	}
	keys, err := e.db.ListAPIKeys(e.ctx(), u.ID)
	if err != nil || len(keys) != 1 || !keys[0].Revoked {
		t.Fatalf("the key is not marked revoked: %+v %v", keys, err)
	}
	if r := e.signIn(u.Username, pw); r.status != 200 {
		t.Fatalf("sign in with the new password: %d %s", r.status, r.body)
	}
	// A change of anything but the password ends nothing.
	r = e.signIn(u.Username, pw)
	r.decode(t, &tok)
	etag, _ = e.etagOf("/api/v1/users/" + u.ID)
	r = e.do(request{method: "PUT", path: "/api/v1/users/" + u.ID, as: asAdmin, header: map[string]string{"If-Match": etag},
		body: userInput{Username: u.Username, DisplayName: "Tên mới", Role: u.Role, EnterpriseID: u.EnterpriseID}})
	if r.status != 200 {
		t.Fatalf("rename: %d %s", r.status, r.body)
	}
	if r := e.do(request{method: "POST", path: "/api/v1/auth/refresh", body: map[string]string{"refresh_token": tok.RefreshToken}}); r.status != 200 {
		t.Fatalf("refresh after a rename: %d %s", r.status, r.body)
	}
}

// TestRefreshFamilyLifetime: refreshing keeps a family alive only up to its
// absolute lifetime; then the user signs in again.
func TestRefreshFamilyLifetime(t *testing.T) {
	e := newEnv(t)
	u := e.users[asEnt1]
	var tok tokenResponse
	e.signIn(u.Username, e.password).decode(t, &tok)
	start := e.clock.Now()
	for e.clock.Now().Sub(start) < registry.RefreshFamilyLifetime-13*24*time.Hour {
		e.clock.Add(13 * 24 * time.Hour)
		r := e.do(request{method: "POST", path: "/api/v1/auth/refresh", body: map[string]string{"refresh_token": tok.RefreshToken}})
		if r.status != 200 {
			t.Fatalf("refresh %s after sign-in: %d %s", e.clock.Now().Sub(start), r.status, r.body)
		}
		r.decode(t, &tok)
	}
	e.clock.Add(registry.RefreshFamilyLifetime - e.clock.Now().Sub(start) + time.Minute)
	if r := e.do(request{method: "POST", path: "/api/v1/auth/refresh", body: map[string]string{"refresh_token": tok.RefreshToken}}); r.status != 401 {
		t.Fatalf("refresh past the family's lifetime (%s): %d, want 401", e.clock.Now().Sub(start), r.status)
	}
}

// signInFrom signs in from a client address (the test server trusts the
// proxy header).
func (e *env) signInFrom(ip, username, password string) response {
	return e.do(request{method: "POST", path: "/api/v1/auth/token", header: map[string]string{"X-Forwarded-For": ip},
		body: map[string]string{"username": username, "password": password}})
}

// TestParallelSignIn: a burst of wrong passwords is checked only as far as
// the throttles allow, each refused attempt answering 429 with Retry-After;
// the burst from one address does not lock the account out elsewhere.
// Attempts refused because every hashing slot stayed taken (likelier on a
// slow machine) are not reserved, so they are counted apart: once any attempt
// was throttled, exactly the allowance was checked.
func TestParallelSignIn(t *testing.T) {
	e := newEnv(t)
	u := e.users[asEnt1]
	busyDetail := registry.PublicError(registry.ErrSignInBusy).Message
	burst := func(what string, n, allowance int, ip string, name func(i int) string) {
		statuses := make(chan response, n)
		var wg sync.WaitGroup
		for i := range n {
			wg.Add(1)
			go func() {
				defer wg.Done()
				statuses <- e.signInFrom(ip, name(i), "wrong password!")
			}()
		}
		wg.Wait()
		close(statuses)
		checked, throttled, busy := 0, 0, 0
		for r := range statuses {
			switch {
			case r.status == 401:
				checked++
			case r.status == 429 && r.header.Get("Retry-After") != "" && r.problem(t).Detail == busyDetail:
				busy++
			case r.status == 429 && r.header.Get("Retry-After") != "":
				throttled++
			default:
				t.Errorf("%s: a sign-in answered %d (Retry-After %q): %s", what, r.status, r.header.Get("Retry-After"), r.body)
			}
		}
		if checked > allowance || throttled > 0 && checked != allowance {
			t.Errorf("%s: %d checked, %d throttled, %d refused as busy; the allowance is %d", what, checked, throttled, busy, allowance)
		}
		t.Logf("%s: %d checked, %d throttled, %d busy", what, checked, throttled, busy)
	}
	burst("8 parallel wrong passwords for one account from one address", 8, registry.AccountThrottle.Free,
		"203.0.113.7", func(int) string { return u.Username })
	burst("24 parallel unknown names from one address", 24, registry.AddressThrottle.Free,
		"198.51.100.9", func(i int) string { return fmt.Sprintf("nobody-%d", i) })
	// The owner, from their own address, is not locked out by the burst.
	if r := e.signInFrom("192.0.2.44", u.Username, e.password); r.status != 200 {
		t.Fatalf("the owner from another address: %d %s", r.status, r.body)
	}
}

// transformationOf is the body of a transformation from inputs to outputs.
func transformationOf(note string, inputs []string, output string) map[string]any {
	var in []any
	for _, id := range inputs {
		in = append(in, map[string]any{"batch_id": id, "quantity": 10, "unit": "kg"})
	}
	return map[string]any{"kind": "transformation", "event_time": "2026-02-01T08:00:00+07:00", "event_time_zone": "+07:00",
		"business_step": "roasting", "note": note, "inputs": in,
		"outputs": []any{map[string]any{"batch_id": output, "quantity": 8, "unit": "kg"}}}
}

// TestCrossTenantInputs (findings 1 and 2): another tenant's lot is an input
// only once its owner shipped it here; until then the answer is the one for a
// missing ID, nothing is written, and the trace shows nothing of it; after,
// the trace shows it as the public page does.
func TestCrossTenantInputs(t *testing.T) {
	e := newEnv(t)
	p2 := &registry.Product{EnterpriseID: e.e2.ID, NameVI: "Cà phê nhân", Category: "coffee", Unit: "kg"}
	must(t, e.db.CreateProduct(e.ctx(), p2))
	plot := &registry.Facility{EnterpriseID: e.e2.ID, Kind: registry.FacilityFarmPlot, Name: "Rẫy", District: "Cư M'gar", Address: "Thôn 7",
		Crop: "coffee", Geometry: `{"type":"Point","coordinates":[108.050000,12.680000]}`, AreaHa: 1.5}
	must(t, e.db.CreateFacility(e.ctx(), plot))
	draft := e.newBatch(e.e2.ID, p2.ID, registry.BatchDraft)
	published := &registry.Batch{EnterpriseID: e.e2.ID, ProductID: p2.ID, LotCode: "THEIRS-1", Quantity: 100, Unit: "kg", SourcePlotIDs: []string{plot.ID}}
	must(t, e.db.CreateBatch(e.ctx(), published))
	own := e.newBatch(e.e1.ID, e.prod1.ID, registry.BatchPublished)
	path := "/api/v1/batches/" + own.ID + "/events"

	missing := e.do(request{method: "POST", path: path, as: asEnt1, body: transformationOf("", []string{"0123456789abcdef01234567"}, own.ID)})
	if missing.status != 422 {
		t.Fatalf("a missing input: %d %s", missing.status, missing.body)
	}
	before := e.snapshot()
	for _, in := range []*registry.Batch{draft, published} {
		r := e.do(request{method: "POST", path: path, as: asEnt1, body: transformationOf("lô này không đạt kiểm nghiệm thuốc trừ sâu", []string{in.ID}, own.ID)})
		if r.status != 422 || !reflect.DeepEqual(r.problem(t).Fields, missing.problem(t).Fields) || r.problem(t).Detail != missing.problem(t).Detail {
			t.Fatalf("another tenant's %s lot as an input: %d %s; want the missing ID's answer %s", in.Status, r.status, r.body, missing.body)
		}
	}
	sameSnapshot(t, before, e.snapshot())
	r := e.do(request{method: "GET", path: "/api/v1/batches/" + published.ID + "/events", as: asEnt2})
	var events listOf[registry.TraceEvent]
	r.decode(t, &events)
	if len(events.Items) != 0 {
		t.Fatalf("the other tenant's lot carries events it did not write: %s", r.body)
	}

	// The owner ships the published lot to enterprise 1.
	ship := map[string]any{"kind": "transaction", "event_time": "2026-01-20T08:00:00+07:00", "event_time_zone": "+07:00", "business_step": "shipping",
		"batches": []any{map[string]any{"batch_id": published.ID, "quantity": 10, "unit": "kg"}}, "counterparty_tax_code": e.e1.TaxCode}
	if r := e.do(request{method: "POST", path: "/api/v1/batches/" + published.ID + "/events", as: asEnt2, body: ship}); r.status != 201 {
		t.Fatalf("ship: %d %s", r.status, r.body)
	}
	if r := e.do(request{method: "POST", path: path, as: asEnt1, body: transformationOf("", []string{published.ID}, own.ID)}); r.status != 201 {
		t.Fatalf("a shipped lot as an input: %d %s", r.status, r.body)
	}
	r = e.do(request{method: "GET", path: "/api/v1/batches/" + own.ID + "/trace?direction=up", as: asEnt1})
	if r.status != 200 {
		t.Fatalf("trace: %d %s", r.status, r.body)
	}
	var g struct {
		Batches []map[string]any `json:"batches"`
		Plots   []map[string]any `json:"plots"`
	}
	r.decode(t, &g)
	if len(g.Batches) != 2 || len(g.Plots) != 1 {
		t.Fatalf("trace up: %s", r.body)
	}
	for _, b := range g.Batches {
		if b["id"] == published.ID && (b["created_at"] != "0001-01-01T00:00:00Z" || b["version"] != 0.0) {
			t.Fatalf("another tenant's lot shown whole: %v", b)
		}
	}
	if g.Plots[0]["address"] != nil || g.Plots[0]["geometry"] == nil {
		t.Fatalf("another tenant's plot as the receiver sees it: %v", g.Plots[0])
	}
}

// TestReceivedDossierFrozen (finding 6): a received dossier does not change
// by PATCH, by anyone; the inbox's transitions move it, each in its history.
func TestReceivedDossierFrozen(t *testing.T) {
	e := newEnv(t)
	a := e.ann1
	step := func(as string, tr registry.AnnouncementTransition, want int) {
		t.Helper()
		etag, _ := e.etagOf("/api/v1/announcements/" + a.ID)
		r := e.do(request{method: "POST", path: "/api/v1/announcements/" + a.ID + "/transitions", as: as, body: tr, header: map[string]string{"If-Match": etag}})
		if r.status != want {
			t.Fatalf("%s as %s: %d %s, want %d", tr.Action, as, r.status, r.body, want)
		}
	}
	step(asEnt1, registry.IssueReceipt("1/TB-SKHCN", "2026-03-01"), 403)
	step(asEnt1, registry.SubmitAnnouncement(), 200)
	step(asInspector, registry.IssueReceipt("", "2026-03-01"), 422)
	step(asInspector, registry.IssueReceipt("17/TB-SKHCN", "2026-03-01"), 200)
	for _, as := range []string{asEnt1, asAdmin} {
		for _, patch := range []map[string]any{{"standard_code": "TCVN 9999:2020"}, {"product_ids": []string{}}, {"submitted_on": "2025-01-01"}, {"status": "draft"}} {
			etag, _ := e.etagOf("/api/v1/announcements/" + a.ID)
			r := e.do(request{method: "PATCH", path: "/api/v1/announcements/" + a.ID, as: as, body: patch, header: map[string]string{"If-Match": etag}})
			if r.status < 400 || r.status >= 500 {
				t.Fatalf("PATCH %v of a received dossier as %s: %d %s", patch, as, r.status, r.body)
			}
		}
	}
	got, err := e.db.FindAnnouncement(e.ctx(), a.ID)
	must(t, err)
	if got.StandardCode != a.StandardCode || got.Status != registry.AnnReceived || got.ReceiptNumber != "17/TB-SKHCN" || len(got.History) != 3 {
		t.Fatalf("the received dossier changed: %+v", got)
	}
	if r := e.do(request{method: "DELETE", path: "/api/v1/announcements/" + a.ID, as: asEnt1}); r.status != 409 {
		t.Fatalf("delete a received dossier: %d %s", r.status, r.body)
	}
}

// TestTaxCodeAdminOnly (finding 7).
func TestTaxCodeAdminOnly(t *testing.T) {
	e := newEnv(t)
	path := "/api/v1/enterprises/" + e.e1.ID
	etag, _ := e.etagOf(path)
	r := e.do(request{method: "PATCH", path: path, as: asEnt1, body: map[string]any{"tax_code": "6999999999"}, header: map[string]string{"If-Match": etag}})
	if r.status != 422 || r.problem(t).Fields[0].Field != "tax_code" {
		t.Fatalf("an enterprise changing its tax code: %d %s", r.status, r.body)
	}
	if got, _ := e.db.FindEnterprise(e.ctx(), e.e1.ID); got.TaxCode != e.e1.TaxCode {
		t.Fatalf("tax code changed to %s", got.TaxCode)
	}
	r = e.do(request{method: "PATCH", path: path, as: asAdmin, body: map[string]any{"tax_code": "6999999999"}, header: map[string]string{"If-Match": etag}})
	if r.status != 200 {
		t.Fatalf("the admin changing a tax code: %d %s", r.status, r.body)
	}
}

// TestCertificateNeverDeleted (finding 11): the certifier withdraws, and the
// certificate and its history stay.
func TestCertificateNeverDeleted(t *testing.T) {
	e := newEnv(t)
	c := e.newCert(e.body.ID, e.e1.ID)
	if r := e.do(request{method: "DELETE", path: "/api/v1/certificates/" + c.ID, as: asCertifier}); r.status != 409 {
		t.Fatalf("delete an issued certificate: %d %s", r.status, r.body)
	}
	r := e.do(request{method: "POST", path: "/api/v1/certificates/" + c.ID + "/status", as: asCertifier,
		body: statusRequest{Status: "withdrawn", Reason: "Vi phạm quy trình", On: "2026-03-01"}, header: map[string]string{"If-Match": etag(c.ID, c.Version)}})
	if r.status != 200 {
		t.Fatalf("withdraw: %d %s", r.status, r.body)
	}
	got, err := e.db.FindCertificate(e.ctx(), c.ID)
	if err != nil || got.Status != registry.CertWithdrawn || len(got.History) == 0 {
		t.Fatalf("after withdrawal: %+v %v", got, err)
	}
}
