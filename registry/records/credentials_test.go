package records_test

import (
	"context"
	"slices"
	"sync"
	"testing"

	"github.com/tracereg/tracereg/registry"
)

func TestCredentialStatus(t *testing.T) {
	t.Parallel()
	db, ctx := newStore(t), context.Background()
	ent := mustEnterprise(t, db)
	body := mustBody(t, db, "CSTAT")
	pr := mustProduct(t, db, ent.ID, "")
	lot := mustBatch(t, db, ent.ID, pr.ID, "L-CS-1")
	suspended, withdrawn, later, never := certData("CS-1", body.ID, ent.ID), certData("CS-2", body.ID, ent.ID), certData("CS-3", body.ID, ent.ID), certData("CS-4", body.ID, ent.ID)
	for _, c := range []*registry.Certificate{suspended, withdrawn, later, never} {
		if err := db.CreateCertificate(ctx, c); err != nil {
			t.Fatal(err)
		}
	}

	// Positions: handed out once, the same on every later request, also under concurrency.
	var wg sync.WaitGroup
	got := make([]int, 8)
	errs := make([]error, 8)
	for i := range got {
		wg.Go(func() { got[i], errs[i] = db.CredentialStatusIndex(ctx, registry.CredentialCertificate, suspended.ID) })
	}
	wg.Wait()
	for i := range got {
		if errs[i] != nil || got[i] != got[0] {
			t.Fatalf("concurrent first requests: %v %v", got, errs)
		}
	}
	pos := map[string]int{}
	for _, c := range []struct{ kind, id string }{{registry.CredentialCertificate, withdrawn.ID}, {registry.CredentialCertificate, later.ID},
		{registry.CredentialLot, lot.ID}, {registry.CredentialCertificate, suspended.ID}} {
		i, err := db.CredentialStatusIndex(ctx, c.kind, c.id)
		if err != nil {
			t.Fatal(err)
		}
		pos[c.kind+c.id] = i
	}
	if pos[registry.CredentialCertificate+suspended.ID] != got[0] {
		t.Fatalf("the position changed: %d, then %d", got[0], pos[registry.CredentialCertificate+suspended.ID])
	}
	seen := map[int]bool{}
	for _, i := range pos {
		if seen[i] {
			t.Fatalf("two credentials share position %d: %v", i, pos)
		}
		seen[i] = true
	}
	_, err := db.CredentialStatusIndex(ctx, "user", suspended.ID)
	wantField(t, err, "kind", "one_of")
	_, err = db.CredentialStatusIndex(ctx, registry.CredentialLot, "")
	wantField(t, err, "id", "required")

	bits, err := db.CredentialStatuses(ctx, testNow)
	if err != nil || len(bits.Revoked)+len(bits.Suspended) != 0 {
		t.Fatalf("nothing decided yet: %+v %v", bits, err)
	}

	decide := func(c *registry.Certificate, status string, on registry.Date) {
		t.Helper()
		cur, _ := db.FindCertificate(ctx, c.ID)
		if _, err := db.ChangeCertificateStatus(ctx, c.ID, cur.Version, registry.StatusChange{Status: status, Reason: "quyết định", On: on}); err != nil {
			t.Fatal(err)
		}
	}
	decide(suspended, registry.CertSuspended, "2026-06-15")
	decide(withdrawn, registry.CertWithdrawn, "2026-06-10")
	decide(later, registry.CertWithdrawn, "2026-07-01") // not yet in force on testNow
	decide(never, registry.CertWithdrawn, "2026-06-01") // no credential was ever issued for it
	if _, err := registry.RecallBatch(ctx, db, lot, registry.RecallOrder{Reason: "nhiễm nấm mốc", On: "2026-06-15"}, "thanh tra", testNow); err != nil {
		t.Fatal(err)
	}
	bits, err = db.CredentialStatuses(ctx, testNow)
	if err != nil {
		t.Fatal(err)
	}
	slices.Sort(bits.Suspended)
	wantSuspended := []int{pos[registry.CredentialCertificate+suspended.ID], pos[registry.CredentialLot+lot.ID]}
	slices.Sort(wantSuspended)
	if !slices.Equal(bits.Revoked, []int{pos[registry.CredentialCertificate+withdrawn.ID]}) || !slices.Equal(bits.Suspended, wantSuspended) {
		t.Fatalf("bits = %+v, want revoked [%d] and suspended %v", bits, pos[registry.CredentialCertificate+withdrawn.ID], wantSuspended)
	}
	if bits.Size < len(pos) {
		t.Errorf("size %d < %d positions", bits.Size, len(pos))
	}
	// Once its day comes, the later withdrawal is in the list too.
	bits, _ = db.CredentialStatuses(ctx, testNow.AddDate(0, 1, 0))
	if !slices.Contains(bits.Revoked, pos[registry.CredentialCertificate+later.ID]) {
		t.Errorf("a withdrawal in force is missing: %+v", bits)
	}
}
