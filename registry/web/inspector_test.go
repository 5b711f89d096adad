package web_test

import (
	"context"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/tracereg/tracereg/registry"
	"github.com/tracereg/tracereg/registry/demodata"
)

func TestInspectorSearchFindsEveryKind(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	roasted, err := e.db.FindBatch(ctx, e.demo.RoastedBatchID)
	if err != nil {
		t.Fatal(err)
	}
	green, err := e.db.FindBatch(ctx, e.demo.GreenBatchID)
	if err != nil {
		t.Fatal(err)
	}
	roastedProduct, err := e.db.FindProduct(ctx, roasted.ProductID)
	if err != nil {
		t.Fatal(err)
	}
	gtin13 := strings.TrimPrefix(e.demo.RoastedGTIN, "0")
	c := e.as(asInspector)
	for _, tc := range []struct {
		name, q string
		want    []string // section ids and texts that must be there
		not     []string
	}{
		{"certificate number", demoVietGAP, []string{`id="found-certificates"`, demoVietGAP, `data-status="active"`}, []string{`id="found-lots"`}},
		{"certificate number in small letters", strings.ToLower(demoVietGAP), []string{`id="found-certificates"`, demoVietGAP}, nil},
		{"receipt number", demodata.ReceiptNumber, []string{`id="found-announcements"`, demodata.ReceiptNumber, "QCĐP 01:2025/ĐL", `href="/w/inbox/`}, nil},
		{"tax code", demodata.CoopTaxCode, []string{`id="found-enterprises"`, "Hợp tác xã Cà phê Bền vững Ea Tiêu", "/w/certificates?q=" + demodata.CoopTaxCode}, nil},
		{"lot code", demodata.RoastedLot, []string{`id="found-lots"`, demodata.RoastedLot, "/l/" + roasted.ShortCode, "/w/recall/" + roasted.ID}, []string{`id="found-certificates"`}},
		{"green lot code", demodata.GreenLot, []string{`id="found-lots"`, "/l/" + green.ShortCode}, nil},
		{"GTIN-13", gtin13, []string{`id="found-products"`, "Cà phê rang xay Robusta Ban Mê", "/p/" + roastedProduct.ShortCode}, []string{`id="found-lots"`}},
		{"GTIN-14", e.demo.RoastedGTIN, []string{`id="found-products"`, "Cà phê rang xay Robusta Ban Mê"}, nil},
		{"GTIN with a wrong check digit", gtin13[:12] + string('0'+(gtin13[12]-'0'+1)%10), []string{"Số kiểm tra GTIN không đúng", `id="nothing-found"`}, nil},
		{"Digital Link URL", "https://dl.example.vn/01/" + e.demo.RoastedGTIN + "/10/" + demodata.RoastedLot + "?17=270110",
			[]string{`id="found-lots"`, `id="found-products"`, demodata.RoastedLot}, []string{`id="nothing-found"`}},
		{"Digital Link of an unknown lot", "https://dl.example.vn/01/" + e.demo.RoastedGTIN + "/10/NOPE-1",
			[]string{`id="found-products"`}, []string{`id="found-lots"`}},
		{"malformed Digital Link", "https://dl.example.vn/01/12345/10/X", []string{"GTIN phải có 8, 12, 13 hoặc 14 chữ số", `id="nothing-found"`}, nil},
		{"lot short path", e.base + "/l/" + roasted.ShortCode, []string{`id="found-lots"`, demodata.RoastedLot}, nil},
		{"lot short path without host", "/l/" + green.ShortCode, []string{`id="found-lots"`, demodata.GreenLot}, nil},
		{"product short path", e.base + "/p/" + roastedProduct.ShortCode, []string{`id="found-products"`}, nil},
		{"certificate path", e.base + "/c/" + demoVietGAP, []string{`id="found-certificates"`, demoVietGAP}, nil},
		{"another site's address", "https://example.com/about", []string{"không phải trang sản phẩm", `id="nothing-found"`}, nil},
		{"enterprise name without marks", "ea tieu ben vung", []string{`id="found-enterprises"`, "Hợp tác xã Cà phê Bền vững Ea Tiêu"}, []string{`id="nothing-found"`}},
		{"product name, a word begun", "Robus Ban Mê rang", []string{`id="found-products"`, "Cà phê rang xay Robusta Ban Mê"}, []string{`id="nothing-found"`}},
		{"nothing", "KHONG-CO-GI-2026", []string{`id="nothing-found"`, "Không tìm thấy gì"}, nil},
		{"an operator is only text", `{"$gt": ""}`, []string{`id="nothing-found"`}, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			res := c.get("/w/search?q=" + url.QueryEscape(tc.q))
			wantStatus(t, tc.name, res, http.StatusOK)
			wantContains(t, tc.name, res.body, tc.want...)
			for _, n := range tc.not {
				if strings.Contains(res.body, n) {
					t.Errorf("%s: %s found", tc.name, n)
				}
			}
		})
	}
	empty := c.get("/w/search")
	wantStatus(t, "empty search", empty, http.StatusOK)
	wantContains(t, "empty search", empty.body, `id="search-form"`, `id="scan-photo"`, `capture="environment"`)
	if strings.Contains(empty.body, `id="results"`) {
		t.Error("results without a search")
	}
}

func TestInspectorHome(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	if err := e.db.CreateReport(ctx, &registry.ProblemReport{Subject: "/c/" + demoVietGAP, Kind: "quality", Message: "Chứng nhận có vẻ giả"}); err != nil {
		t.Fatal(err)
	}
	c := e.as(asInspector)
	home := c.get("/w/")
	wantStatus(t, "home", home, http.StatusOK)
	wantContains(t, "home", home.body, `id="search-form"`, `data-count="complaints">1<`, `data-count="expiring30">0<`,
		`data-count="overdue">0<`, `href="/w/inbox"`, `href="/w/complaints"`, `href="/w/recall"`, `href="/dashboard/programme"`, `href="/w/expiring"`)
	// The 4C certificate expires on 2027-05-31.
	// (A year later the session has long expired: sign in again.)
	e.clock.Add(time.Date(2027, 5, 10, 3, 0, 0, 0, time.UTC).Sub(e.clock.Now()))
	wantContains(t, "home a year later", e.as(asInspector).get("/w/").body, `data-count="expiring30">1<`)
}

func TestInspectorExpiringGroups(t *testing.T) {
	e := newEnv(t)
	ctx := registry.WithActor(context.Background(), registry.Actor{UserID: "seed", Username: "seed"})
	// More certificates: the roaster (Buôn Ma Thuột) holds an ISO 22000 (of
	// another body) and a HACCP; the coop (Cư Kuin) a second VietGAP, withdrawn.
	add := func(number, scheme, holder, body, expires string) *registry.Certificate {
		c := &registry.Certificate{Number: number, Scheme: scheme, BodyID: body, HolderID: holder, IssuedOn: "2024-01-01", ExpiresOn: registry.Date(expires)}
		if err := e.db.CreateCertificate(ctx, c); err != nil {
			t.Fatalf("%s: %v", number, err)
		}
		return c
	}
	add("ISO-1", "ISO 22000", e.demo.RoasterID, e.body2.ID, "2027-05-20")
	add("HACCP-1", "HACCP", e.demo.RoasterID, e.body.ID, "2027-06-25")
	gone := add("VG-2", "VietGAP", e.demo.CoopID, e.body.ID, "2027-06-01")
	if _, err := e.db.ChangeCertificateStatus(ctx, gone.ID, gone.Version, registry.StatusChange{Status: registry.CertWithdrawn, Reason: "Thu hồi", On: "2026-03-10"}); err != nil {
		t.Fatal(err)
	}
	count := func(body, key string) string {
		m := regexp.MustCompile(`data-key="` + regexp.QuoteMeta(key) + `">(\d+)<`).FindStringSubmatch(body)
		if m == nil {
			return "-"
		}
		return m[1]
	}
	for _, tc := range []struct {
		now  time.Time
		want map[string]string // data-key → count ("-": no such group)
	}{
		{demoNow, map[string]string{"total|90": "0", "scheme|4C|90": "-", "district|Cư Kuin|90": "-"}},
		// 2027-05-01: 4C in 30 days, ISO in 19, HACCP in 55; the withdrawn VietGAP not at all.
		{time.Date(2027, 5, 1, 1, 0, 0, 0, time.UTC), map[string]string{
			"total|30": "2", "total|60": "3", "total|90": "3",
			"scheme|4C|30": "1", "scheme|ISO 22000|30": "1", "scheme|HACCP|30": "0", "scheme|HACCP|60": "1", "scheme|VietGAP|90": "-",
			"district|Cư Kuin|30": "1", "district|Buôn Ma Thuột|30": "1", "district|Buôn Ma Thuột|60": "2"}},
		// 2027-05-25: ISO expired, 4C in 6 days, HACCP in 31.
		{time.Date(2027, 5, 25, 1, 0, 0, 0, time.UTC), map[string]string{
			"total|30": "1", "total|60": "2", "scheme|ISO 22000|90": "-", "scheme|HACCP|30": "0", "scheme|HACCP|60": "1",
			"district|Buôn Ma Thuột|90": "1"}},
		// 2027-06-25: HACCP's last day (0 days left) is still within 30.
		{time.Date(2027, 6, 24, 18, 0, 0, 0, time.UTC), map[string]string{"total|30": "1", "scheme|HACCP|30": "1", "scheme|4C|90": "-"}},
	} {
		e.clock.Add(tc.now.Sub(e.clock.Now()))
		res := e.as(asInspector).get("/w/expiring") // the clock jumps past the session's life

		wantStatus(t, "expiring", res, http.StatusOK)
		for key, want := range tc.want {
			if got := count(res.body, key); got != want {
				t.Errorf("at %s: %s = %s, want %s", tc.now.Format(time.DateOnly), key, got, want)
			}
		}
	}
	// The list follows the chosen window.
	e.clock.Add(time.Date(2027, 5, 1, 1, 0, 0, 0, time.UTC).Sub(e.clock.Now()))
	c := e.as(asInspector)
	within30 := c.get("/w/expiring?within=30")
	wantContains(t, "within 30", within30.body, "ISO-1", "4C-DEMO-2024-0042")
	if strings.Contains(within30.body, "HACCP-1</a>") {
		t.Error("HACCP expiring in 55 days listed within 30")
	}
	wantContains(t, "within 60", c.get("/w/expiring?within=60").body, "HACCP-1</a>")
	wantStatus(t, "bad window", c.get("/w/expiring?within=45"), http.StatusUnprocessableEntity)
}

func TestInspectorPagesAuthorization(t *testing.T) {
	e := newEnv(t)
	for _, tc := range []struct {
		user, path string
		status     int
	}{
		{asInspector, "/w/search?q=x", http.StatusOK},
		{asAdmin, "/w/search?q=x", http.StatusOK},
		{asAdmin, "/w/expiring", http.StatusOK},
		{asCertifier, "/w/search?q=x", http.StatusForbidden},
		{asCertifier, "/w/expiring", http.StatusForbidden},
		{asCoop, "/w/search?q=x", http.StatusForbidden},
		{asRoaster, "/w/expiring", http.StatusForbidden},
		{"", "/w/search?q=x", http.StatusSeeOther},
		{"", "/w/expiring", http.StatusSeeOther},
	} {
		c := e.anon()
		if tc.user != "" {
			c = e.as(tc.user)
		}
		if res := c.get(tc.path); res.status != tc.status {
			t.Errorf("%s %s: %d, want %d", tc.user, tc.path, res.status, tc.status)
		}
	}
	// The inspector's menu has the search, expiring certificates and programme links.
	home := e.as(asInspector).get("/w/")
	wantContains(t, "inspector menu", home.body, `<a href="/w/search"`, `<a href="/w/expiring"`, `<a href="/dashboard/programme"`)
}
