package registry

// The authorization policy: who may do what to which record. Pure functions,
// decided from the Actor and the record's owners alone, before any write.
//
// Tenant isolation: a record of another enterprise that the actor may not
// read answers ENOTFOUND, never EFORBIDDEN, so record IDs do not reveal which
// records exist. EFORBIDDEN is for records the actor can see but may not
// change (a certifier and another body's certificate) and for whole kinds the
// role never touches (an enterprise user and the user list).
//
// The agency's side of conformity announcements (ActDecide on an
// announcement: ask for missing items, issue the notice of receipt, reject)
// is for province staff and inspectors; so are the public's problem reports.
//
// The programme's records: province staff (admin) keep support records,
// experts, training courses and the good-practice library; inspectors read
// them all. An enterprise reads the support it received (never changes it),
// keeps its own benchmarking entries (create, read, update; deleting one is
// for admin) and reads the good-practice library. Experts (personal data)
// and courses (which name every participating enterprise) are for province
// staff and inspectors only. Certifiers read the good-practice library and
// nothing else of the programme.

// Actions.
const (
	ActRead   = "read"
	ActCreate = "create"
	ActUpdate = "update"
	ActDelete = "delete"
	// ActDecide changes a certificate's status (suspend, withdraw, reinstate),
	// takes an announcement's agency decision, or lifts a lot's recall.
	ActDecide = "decide"
	// ActRecall recalls a batch.
	ActRecall = "recall"
)

// Record kinds the policy knows.
const (
	KindEnterprise   = "enterprise"
	KindFacility     = "facility"
	KindProduct      = "product"
	KindBatch        = "batch"
	KindEvent        = "event"
	KindCertificate  = "certificate"
	KindAnnouncement = "announcement"
	KindStandard     = "standard"
	KindBody         = "certification_body"
	KindDocument     = "document"
	KindUser         = "user"
	KindAudit        = "audit"
	KindAPIKey       = "api_key"
	// KindWebhook is a webhook subscription and, through it, its deliveries.
	KindWebhook = "webhook"
	// KindReport is a problem report from the public (report.go): read and
	// handled by inspectors and province staff only.
	KindReport = "problem_report"
	// The province's programme (programme.go, benchmark.go).
	KindSupport      = "support_record"
	KindExpert       = "expert"
	KindCourse       = "training_course"
	KindBenchmark    = "benchmark_entry"
	KindGoodPractice = "good_practice"
)

// Resource is what the policy needs to know of a record: its kind and owners.
type Resource struct {
	Kind string
	// EnterpriseID owns the record: the enterprise itself, the holder of a
	// certificate, the enterprise of a facility, product, batch, event,
	// announcement, document, support record or benchmarking entry.
	EnterpriseID string
	// BodyID is the certification body of a certificate, the body itself, or
	// the owner of a body's document.
	BodyID string
	// UserID owns an API key.
	UserID string
	// Public marks a document its owner published.
	Public bool
}

// Anonymous reports whether the actor is nobody (not signed in).
func (a Actor) Anonymous() bool { return a.UserID == "" }

var (
	errSignIn    = Errorf(EUNAUTHORIZED, "Please sign in.", "Vui lòng đăng nhập.")
	errForbidden = Errorf(EFORBIDDEN, "You may not do this.", "Bạn không có quyền thực hiện thao tác này.")
	errHidden    = Errorf(ENOTFOUND, "Not found.", "Không tìm thấy.")
)

// Authorize returns nil when a may take action on t, else EUNAUTHORIZED (not
// signed in), ENOTFOUND (another tenant's record, hidden) or EFORBIDDEN.
func Authorize(a Actor, action string, t Resource) error {
	if a.Anonymous() {
		if action == ActRead && t.Kind == KindDocument && t.Public {
			return nil
		}
		return errSignIn
	}
	if t.Kind == KindAPIKey && a.Role != RoleAdmin {
		return ownKey(a, t)
	}
	if t.Kind == KindWebhook {
		return authorizeWebhook(a, action, t)
	}
	switch a.Role {
	case RoleAdmin:
		return nil
	case RoleInspector:
		return authorizeInspector(action, t)
	case RoleCertifier:
		return authorizeCertifier(a, action, t)
	case RoleEnterprise:
		return authorizeEnterprise(a, action, t)
	}
	return errForbidden
}

func authorizeInspector(action string, t Resource) error {
	if action == ActRead {
		if t.Kind == KindUser {
			return errForbidden
		}
		return nil
	}
	switch {
	case action == ActRecall && t.Kind == KindBatch:
		return nil
	case action == ActDecide && t.Kind == KindBatch:
		// Lifting a recall is the agency's decision, never the enterprise's.
		return nil
	case action == ActDecide && t.Kind == KindAnnouncement:
		// Inspectors are the province agency's staff: they take its decisions
		// on conformity dossiers (missing items, notice of receipt, rejection),
		// but never write the enterprise's own records.
		return nil
	case action == ActUpdate && t.Kind == KindReport:
		// They handle the public's problem reports: assign, note, resolve.
		return nil
	}
	return errForbidden
}

func authorizeCertifier(a Actor, action string, t Resource) error {
	switch t.Kind {
	case KindEnterprise, KindProduct, KindFacility, KindStandard, KindBody, KindGoodPractice:
		// Holders' basics, the catalogues and the good-practice library, read-only.
		if action == ActRead {
			return nil
		}
		return errForbidden
	case KindCertificate:
		if action == ActRead {
			return nil // certificates are public registry facts
		}
		if a.BodyID != "" && t.BodyID == a.BodyID {
			return nil
		}
		return errForbidden
	case KindDocument:
		switch {
		case a.BodyID != "" && t.BodyID == a.BodyID:
			return nil
		case t.Public && action == ActRead:
			return nil
		case action == ActCreate:
			return errForbidden
		}
		return errHidden
	}
	return errForbidden
}

func authorizeEnterprise(a Actor, action string, t Resource) error {
	own := a.EnterpriseID != "" && t.EnterpriseID == a.EnterpriseID
	switch t.Kind {
	case KindStandard, KindBody, KindGoodPractice:
		if action == ActRead {
			return nil
		}
		return errForbidden
	case KindBenchmark:
		// Its own yearly figures: entered, read and corrected by the enterprise.
		if !own {
			if action == ActCreate {
				return errForbidden
			}
			return errHidden
		}
		switch action {
		case ActRead, ActCreate, ActUpdate:
			return nil
		}
		return errForbidden
	case KindEnterprise:
		switch {
		case action == ActCreate || action == ActDelete:
			return errForbidden
		case own && (action == ActRead || action == ActUpdate):
			return nil
		case own:
			return errForbidden
		}
		return errHidden
	case KindFacility, KindProduct, KindBatch, KindEvent, KindAnnouncement:
		if !own {
			if action == ActCreate {
				return errForbidden // naming another enterprise in a new record
			}
			return errHidden
		}
		if action == ActDecide {
			return errForbidden // the agency decides on announcements
		}
		return nil
	case KindDocument:
		if own {
			return nil
		}
		if t.Public && action == ActRead {
			return nil
		}
		if action == ActCreate {
			return errForbidden
		}
		return errHidden
	case KindCertificate, KindSupport:
		if own && action == ActRead {
			return nil
		}
		if own {
			return errForbidden // the body that issued it (the province, for support) changes it
		}
		if action == ActCreate {
			return errForbidden
		}
		return errHidden
	}
	return errForbidden // experts, courses, users, the audit log
}

// authorizeWebhook: province staff do anything with subscriptions;
// inspectors read every subscription, make them (for one enterprise or for
// all) and change or delete their own; an enterprise keeps those about
// itself (any of its users), never one about all enterprises; certifiers
// have none. Resource: EnterpriseID the subscription's enterprise ("" all),
// UserID who made it.
func authorizeWebhook(a Actor, action string, t Resource) error {
	switch a.Role {
	case RoleAdmin:
		return nil
	case RoleInspector:
		if action == ActRead || action == ActCreate || t.UserID == a.UserID {
			return nil
		}
		return errForbidden
	case RoleEnterprise:
		if a.EnterpriseID != "" && t.EnterpriseID == a.EnterpriseID {
			return nil
		}
		if action == ActCreate {
			return errForbidden
		}
		return errHidden
	}
	return errForbidden
}

func ownKey(a Actor, t Resource) error {
	if t.UserID == a.UserID {
		return nil
	}
	if t.UserID == "" {
		return errForbidden
	}
	return errHidden
}

// Scope narrows a list to what the actor may see: the enterprise ID every
// listed record must belong to ("" for no narrowing). It returns the error of
// Authorize when the role may not list that kind at all.
func Scope(a Actor, kind string) (enterpriseID string, err error) {
	if err := Authorize(a, ActRead, Resource{Kind: kind, EnterpriseID: a.EnterpriseID, BodyID: a.BodyID, UserID: a.UserID}); err != nil {
		return "", err
	}
	if a.Role == RoleEnterprise {
		switch kind {
		case KindStandard, KindBody, KindGoodPractice:
			return "", nil
		}
		return a.EnterpriseID, nil
	}
	return "", nil
}
