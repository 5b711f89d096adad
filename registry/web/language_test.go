package web_test

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"testing"

	"github.com/tracereg/tracereg/registry/demodata"
	"github.com/tracereg/tracereg/registry/langcheck"
)

// TestNoEnglishInVietnameseWorkspaces renders the pages of every role in
// Vietnamese and fails on an English word or raw code a person would read.
func TestNoEnglishInVietnameseWorkspaces(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	green, _ := e.db.FindBatch(ctx, e.demo.GreenBatchID)
	plots, _ := entPlots(t, e, e.demo.CoopID)
	certs, _ := e.db.FindCertificatesByNumber(ctx, "VG-DEMO-2025-0117")
	anns, _ := e.db.FindAnnouncementsByReceipt(ctx, demodata.ReceiptNumber)
	// A decision, so the certificate's page has audit entries to read.
	if r := e.as(asCertifier).post("/w/certificates/"+certs[0].ID+"/status", url.Values{"status": {"suspended"},
		"reason": {"Vi phạm quy trình"}, "on": {"2026-03-10"}, "version": {strconv.Itoa(certs[0].Version)}}); r.status != http.StatusSeeOther {
		t.Fatalf("suspend: %d", r.status)
	}
	pages := map[string][]string{
		asCoop: {"/w/", "/w/products", "/w/products/new", "/w/products/" + green.ProductID, "/w/facilities", "/w/facilities/new",
			"/w/facilities/" + plots[0].ID, "/w/facilities/" + plots[0].ID + "/edit", "/w/lots", "/w/lots/new", "/w/lots/" + green.ID, "/w/lots/" + green.ID + "/edit",
			"/w/documents", "/w/announcements", "/w/announcements/new", "/w/import", "/w/benchmark", "/account/api-keys", "/account/password"},
		asRoaster:   {"/w/", "/w/announcements/" + anns[0].ID, "/w/announcements/" + anns[0].ID + "/notice"},
		asCertifier: {"/w/", "/w/certificates", "/w/certificates/new", "/w/certificates/" + certs[0].ID, "/w/certificates?q=VG"},
		asInspector: {"/w/", "/w/search?q=VG-DEMO", "/w/search?q=ca+phe", "/w/expiring", "/w/inbox", "/w/complaints", "/w/recall",
			"/w/programme", "/w/certificates/" + certs[0].ID},
		asAdmin: {"/w/", "/w/admin/enterprises", "/w/admin/users", "/w/admin/bodies", "/w/admin/standards", "/w/admin/demo"},
	}
	for who, paths := range pages {
		c := e.as(who)
		for _, path := range paths {
			r := c.get(path)
			if r.status != http.StatusOK {
				t.Errorf("%s %s: %d", who, path, r.status)
				continue
			}
			if found, around := langcheck.English(r.body); len(found) > 0 {
				t.Errorf("%s %s: English or raw codes %q, e.g. …%s…", who, path, found, around)
			}
		}
	}
}
