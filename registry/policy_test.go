package registry

import "testing"

func TestAuthorize(t *testing.T) {
	const (
		ent1, ent2   = "e1", "e2"
		body1, body2 = "b1", "b2"
	)
	admin := Actor{UserID: "u-admin", Role: RoleAdmin}
	inspector := Actor{UserID: "u-insp", Role: RoleInspector}
	certifier := Actor{UserID: "u-cert", Role: RoleCertifier, BodyID: body1}
	owner := Actor{UserID: "u-e1", Role: RoleEnterprise, EnterpriseID: ent1}
	other := Actor{UserID: "u-e2", Role: RoleEnterprise, EnterpriseID: ent2}
	nobody := Actor{}
	unknownRole := Actor{UserID: "u-x", Role: "superuser"}

	batch := Resource{Kind: KindBatch, EnterpriseID: ent1}
	cert := Resource{Kind: KindCertificate, EnterpriseID: ent1, BodyID: body1}
	otherBodyCert := Resource{Kind: KindCertificate, EnterpriseID: ent1, BodyID: body2}
	enterprise := Resource{Kind: KindEnterprise, EnterpriseID: ent1}
	privateDoc := Resource{Kind: KindDocument, EnterpriseID: ent1}
	publicDoc := Resource{Kind: KindDocument, EnterpriseID: ent1, Public: true}
	bodyDoc := Resource{Kind: KindDocument, BodyID: body1}
	announcement := Resource{Kind: KindAnnouncement, EnterpriseID: ent1}
	standard := Resource{Kind: KindStandard}
	user := Resource{Kind: KindUser}
	audit := Resource{Kind: KindAudit}
	key := Resource{Kind: KindAPIKey, UserID: "u-e1"}
	support := Resource{Kind: KindSupport, EnterpriseID: ent1}
	bench := Resource{Kind: KindBenchmark, EnterpriseID: ent1}
	expert := Resource{Kind: KindExpert}
	course := Resource{Kind: KindCourse}
	practice := Resource{Kind: KindGoodPractice}
	report := Resource{Kind: KindReport}
	hook := Resource{Kind: KindWebhook, EnterpriseID: ent1, UserID: "u-e1"}
	hookAll := Resource{Kind: KindWebhook, UserID: "u-admin"}
	inspectorsHook := Resource{Kind: KindWebhook, UserID: "u-insp"}

	const ok = ""
	for _, tc := range []struct {
		who    string
		a      Actor
		action string
		r      Resource
		want   string // "" allowed, else the error code
	}{
		{"anonymous reads a batch", nobody, ActRead, batch, EUNAUTHORIZED},
		{"anonymous reads a webhook", nobody, ActRead, hook, EUNAUTHORIZED},
		{"owner manages its webhook", owner, ActDelete, hook, ok},
		{"owner creates its webhook", owner, ActCreate, hook, ok},
		{"other enterprise reads a webhook", other, ActRead, hook, ENOTFOUND},
		{"other enterprise replays a webhook", other, ActUpdate, hook, ENOTFOUND},
		{"other enterprise subscribes to ent1", other, ActCreate, hook, EFORBIDDEN},
		{"enterprise subscribes to all", owner, ActCreate, hookAll, EFORBIDDEN},
		{"enterprise reads an all-enterprise webhook", owner, ActRead, hookAll, ENOTFOUND},
		{"inspector subscribes to all", inspector, ActCreate, hookAll, ok},
		{"inspector reads any webhook", inspector, ActRead, hook, ok},
		{"inspector deletes its own webhook", inspector, ActDelete, inspectorsHook, ok},
		{"inspector deletes another's webhook", inspector, ActDelete, hook, EFORBIDDEN},
		{"admin deletes any webhook", admin, ActDelete, hook, ok},
		{"certifier reads a webhook", certifier, ActRead, hook, EFORBIDDEN},
		{"certifier subscribes", certifier, ActCreate, Resource{Kind: KindWebhook}, EFORBIDDEN},
		{"anonymous reads a public document", nobody, ActRead, publicDoc, ok},
		{"anonymous reads a private document", nobody, ActRead, privateDoc, EUNAUTHORIZED},
		{"anonymous writes a public document", nobody, ActUpdate, publicDoc, EUNAUTHORIZED},
		{"unknown role", unknownRole, ActRead, batch, EFORBIDDEN},

		{"admin deletes an enterprise", admin, ActDelete, enterprise, ok},
		{"admin manages users", admin, ActCreate, user, ok},

		{"inspector reads a batch", inspector, ActRead, batch, ok},
		{"inspector recalls a batch", inspector, ActRecall, batch, ok},
		{"inspector lifts a recall", inspector, ActDecide, batch, ok},
		{"inspector updates a batch", inspector, ActUpdate, batch, EFORBIDDEN},
		{"inspector decides on a certificate", inspector, ActDecide, cert, EFORBIDDEN},
		{"inspector reads the audit log", inspector, ActRead, audit, ok},
		{"inspector reads users", inspector, ActRead, user, EFORBIDDEN},
		{"inspector decides on an announcement", inspector, ActDecide, announcement, ok},
		{"inspector updates an announcement", inspector, ActUpdate, announcement, EFORBIDDEN},
		{"inspector creates an announcement", inspector, ActCreate, announcement, EFORBIDDEN},
		{"inspector updates an enterprise", inspector, ActUpdate, enterprise, EFORBIDDEN},
		{"inspector creates an enterprise", inspector, ActCreate, Resource{Kind: KindEnterprise}, EFORBIDDEN},
		{"inspector handles a problem report", inspector, ActUpdate, report, ok},
		{"inspector deletes a problem report", inspector, ActDelete, report, EFORBIDDEN},
		{"admin decides on an announcement", admin, ActDecide, announcement, ok},
		{"certifier decides on an announcement", certifier, ActDecide, announcement, EFORBIDDEN},
		{"certifier reads a problem report", certifier, ActRead, report, EFORBIDDEN},
		{"owner reads a problem report", owner, ActRead, report, EFORBIDDEN},
		{"owner handles a problem report", owner, ActUpdate, report, EFORBIDDEN},

		{"certifier reads holders' basics", certifier, ActRead, enterprise, ok},
		{"certifier changes an enterprise", certifier, ActUpdate, enterprise, EFORBIDDEN},
		{"certifier issues for its body", certifier, ActCreate, cert, ok},
		{"certifier suspends its body's certificate", certifier, ActDecide, cert, ok},
		{"certifier reads another body's certificate", certifier, ActRead, otherBodyCert, ok},
		{"certifier changes another body's certificate", certifier, ActDecide, otherBodyCert, EFORBIDDEN},
		{"certifier reads batches", certifier, ActRead, batch, EFORBIDDEN},
		{"certifier reads its body's document", certifier, ActRead, bodyDoc, ok},
		{"certifier reads an enterprise's private document", certifier, ActRead, privateDoc, ENOTFOUND},
		{"certifier reads the audit log", certifier, ActRead, audit, EFORBIDDEN},

		{"owner reads its batch", owner, ActRead, batch, ok},
		{"owner updates its batch", owner, ActUpdate, batch, ok},
		{"owner recalls its batch", owner, ActRecall, batch, ok},
		{"owner may not lift a recall", owner, ActDecide, batch, EFORBIDDEN},
		{"owner updates its enterprise", owner, ActUpdate, enterprise, ok},
		{"owner deletes its enterprise", owner, ActDelete, enterprise, EFORBIDDEN},
		{"owner creates an enterprise", owner, ActCreate, Resource{Kind: KindEnterprise}, EFORBIDDEN},
		{"owner reads its certificate", owner, ActRead, cert, ok},
		{"owner changes its certificate", owner, ActUpdate, cert, EFORBIDDEN},
		{"owner decides on its announcement", owner, ActDecide, announcement, EFORBIDDEN},
		{"owner reads standards", owner, ActRead, standard, ok},
		{"owner changes standards", owner, ActUpdate, standard, EFORBIDDEN},
		{"owner reads users", owner, ActRead, user, EFORBIDDEN},
		{"owner revokes its key", owner, ActDelete, key, ok},

		{"other tenant reads the batch", other, ActRead, batch, ENOTFOUND},
		{"other tenant updates the batch", other, ActUpdate, batch, ENOTFOUND},
		{"other tenant creates for enterprise 1", other, ActCreate, batch, EFORBIDDEN},
		{"other tenant reads the enterprise", other, ActRead, enterprise, ENOTFOUND},
		{"other tenant reads the certificate", other, ActRead, cert, ENOTFOUND},
		{"other tenant reads a private document", other, ActRead, privateDoc, ENOTFOUND},
		{"other tenant reads a public document", other, ActRead, publicDoc, ok},
		{"other tenant revokes the key", other, ActDelete, key, ENOTFOUND},
		{"admin revokes anyone's key", admin, ActDelete, key, ok},

		{"admin records support", admin, ActCreate, support, ok},
		{"admin deletes a benchmarking entry", admin, ActDelete, bench, ok},
		{"inspector reads support", inspector, ActRead, support, ok},
		{"inspector reads an expert", inspector, ActRead, expert, ok},
		{"inspector reads benchmarking entries", inspector, ActRead, bench, ok},
		{"inspector changes a course", inspector, ActUpdate, course, EFORBIDDEN},
		{"inspector writes a good practice", inspector, ActCreate, practice, EFORBIDDEN},
		{"certifier reads support", certifier, ActRead, support, EFORBIDDEN},
		{"certifier reads an expert", certifier, ActRead, expert, EFORBIDDEN},
		{"certifier reads benchmarking entries", certifier, ActRead, bench, EFORBIDDEN},
		{"certifier reads a good practice", certifier, ActRead, practice, ok},
		{"certifier writes a good practice", certifier, ActUpdate, practice, EFORBIDDEN},
		{"owner reads its support", owner, ActRead, support, ok},
		{"owner changes its support", owner, ActUpdate, support, EFORBIDDEN},
		{"owner records support", owner, ActCreate, support, EFORBIDDEN},
		{"other tenant reads the support", other, ActRead, support, ENOTFOUND},
		{"owner enters its benchmarking figures", owner, ActCreate, bench, ok},
		{"owner corrects its benchmarking figures", owner, ActUpdate, bench, ok},
		{"owner deletes its benchmarking figures", owner, ActDelete, bench, EFORBIDDEN},
		{"other tenant reads the benchmarking entry", other, ActRead, bench, ENOTFOUND},
		{"other tenant updates the benchmarking entry", other, ActUpdate, bench, ENOTFOUND},
		{"other tenant enters figures for enterprise 1", other, ActCreate, bench, EFORBIDDEN},
		{"owner reads an expert", owner, ActRead, expert, EFORBIDDEN},
		{"owner reads a course", owner, ActRead, course, EFORBIDDEN},
		{"owner reads a good practice", owner, ActRead, practice, ok},
		{"owner writes a good practice", owner, ActCreate, practice, EFORBIDDEN},
		{"anonymous reads a good practice", nobody, ActRead, practice, EUNAUTHORIZED},
	} {
		err := Authorize(tc.a, tc.action, tc.r)
		if got := ErrorCode(err); got != tc.want {
			t.Errorf("%s: got %q, want %q", tc.who, got, tc.want)
		}
	}
}

func TestScope(t *testing.T) {
	owner := Actor{UserID: "u", Role: RoleEnterprise, EnterpriseID: "e1"}
	if s, err := Scope(owner, KindBatch); err != nil || s != "e1" {
		t.Fatalf("enterprise user's batches: %q %v", s, err)
	}
	if s, err := Scope(owner, KindStandard); err != nil || s != "" {
		t.Fatalf("enterprise user's standards: %q %v", s, err)
	}
	if s, err := Scope(owner, KindBenchmark); err != nil || s != "e1" {
		t.Fatalf("enterprise user's benchmarking entries: %q %v", s, err)
	}
	if s, err := Scope(owner, KindGoodPractice); err != nil || s != "" {
		t.Fatalf("enterprise user's good practices: %q %v", s, err)
	}
	if _, err := Scope(owner, KindExpert); ErrorCode(err) != EFORBIDDEN {
		t.Fatalf("enterprise user listing experts: %v", err)
	}
	if _, err := Scope(owner, KindUser); ErrorCode(err) != EFORBIDDEN {
		t.Fatalf("enterprise user listing users: %v", err)
	}
	if s, err := Scope(Actor{UserID: "i", Role: RoleInspector}, KindBatch); err != nil || s != "" {
		t.Fatalf("inspector: %q %v", s, err)
	}
	if _, err := Scope(Actor{}, KindBatch); ErrorCode(err) != EUNAUTHORIZED {
		t.Fatalf("anonymous: %v", err)
	}
}

func TestAuditChainChecker(t *testing.T) {
	c := NewChainChecker()
	prev := AuditGenesis
	var entries []*AuditEntry
	for i := int64(1); i <= 3; i++ {
		e := &AuditEntry{Seq: i, Action: "x", PrevHash: prev}
		e.Hash = e.ComputeHash()
		prev = e.Hash
		entries = append(entries, e)
	}
	for _, e := range entries {
		if err := c.Check(e); err != nil {
			t.Fatal(err)
		}
	}
	entries[1].TargetID = "changed"
	c = NewChainChecker()
	c.Check(entries[0])
	if err := c.Check(entries[1]); err == nil || err.(*AuditBreak).Seq != 2 {
		t.Fatalf("a changed entry: %v", err)
	}
	c = NewChainChecker()
	c.Check(entries[0])
	if err := c.Check(entries[2]); err == nil || err.(*AuditBreak).Seq != 2 {
		t.Fatalf("a missing entry: %v", err)
	}
}
