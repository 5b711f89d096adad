package api

import (
	"bytes"
	"fmt"
	"mime/multipart"
	"strings"
	"testing"
	"time"

	"github.com/tracereg/tracereg/registry"
)

// want lists the expected status per actor, in the order of actorNames:
// admin, inspector, certifier, enterprise (owner), other enterprise, anonymous.
type want [6]int

type matrixCase struct {
	method, route string // route as in the OpenAPI document
	prep          func(e *env, as string) request
	want          want
}

func get(path func(e *env) string) func(e *env, as string) request {
	return func(e *env, as string) request { return request{method: "GET", path: path(e)} }
}

// update builds a PUT of the record as read, or a PATCH of one field, with If-Match.
func update(method string, path func(e *env) string, patch map[string]any) func(e *env, as string) request {
	return func(e *env, as string) request {
		p := path(e)
		tag, cur := e.etagOf(p)
		body := any(cur)
		if method == "PATCH" {
			body = patch
		}
		return request{method: method, path: p, body: body, header: map[string]string{"If-Match": tag}}
	}
}

func post(path func(e *env) string, body func(e *env) any) func(e *env, as string) request {
	return func(e *env, as string) request { return request{method: "POST", path: path(e), body: body(e)} }
}

func del(path func(e *env) string) func(e *env, as string) request {
	return func(e *env, as string) request { return request{method: "DELETE", path: path(e)} }
}

func fixed(p string) func(e *env) string { return func(*env) string { return p } }

func multipartDoc(e *env, enterpriseID string) ([]byte, string) {
	var buf bytes.Buffer
	w := multipart.NewWriter(&buf)
	w.WriteField("title", "Phiếu kết quả thử nghiệm")
	w.WriteField("kind", "test_report")
	if enterpriseID != "" {
		w.WriteField("enterprise_id", enterpriseID)
	}
	f, _ := w.CreateFormFile("file", "kq.pdf")
	f.Write(pdfBytes)
	w.Close()
	return buf.Bytes(), w.FormDataContentType()
}

func matrixCases() []matrixCase {
	v1 := "/api/v1"
	readAll := want{200, 200, 200, 200, 200, 401}
	readOwn := want{200, 200, 200, 200, 404, 401}       // a record of enterprise 1 that certifiers may read
	readOwnNoCert := want{200, 200, 403, 200, 404, 401} // ... that certifiers may not
	createOwn := want{201, 403, 403, 201, 403, 401}
	writeOwn := want{200, 403, 403, 200, 404, 401}
	deleteOwn := want{204, 403, 403, 204, 404, 401}
	adminOnlyCreate := want{201, 403, 403, 403, 403, 401}
	adminOnlyWrite := want{200, 403, 403, 403, 403, 401}
	adminOnlyDelete := want{204, 403, 403, 403, 403, 401}
	public := want{200, 200, 200, 200, 200, 200}

	var cs []matrixCase
	add := func(method, route string, prep func(e *env, as string) request, w want) {
		cs = append(cs, matrixCase{method, route, prep, w})
	}
	crud := func(route string, one func(e *env) string, create func(e *env) any, fresh func(e *env) string, patch map[string]any,
		list, read, cr, wr, dl want) {
		add("GET", route, get(fixed(v1+route)), list)
		add("GET", route+"/{id}", get(one), read)
		add("POST", route, post(fixed(v1+route), create), cr)
		add("PUT", route+"/{id}", update("PUT", one, nil), wr)
		add("PATCH", route+"/{id}", update("PATCH", one, patch), wr)
		add("DELETE", route+"/{id}", del(fresh), dl)
	}

	crud("/enterprises",
		func(e *env) string { return v1 + "/enterprises/" + e.e1.ID },
		func(e *env) any { return newEnterprise(uniq()) },
		func(e *env) string {
			x := newEnterprise(uniq())
			must(e.t, e.db.CreateEnterprise(e.ctx(), x))
			return v1 + "/enterprises/" + x.ID
		},
		map[string]any{"name_en": "Renamed"},
		readAll, readOwn, adminOnlyCreate, writeOwn, want{204, 403, 403, 404, 404, 401})

	newFacility := func(e *env) *registry.Facility {
		return &registry.Facility{EnterpriseID: e.e1.ID, Kind: registry.FacilityWarehouse, Name: fmt.Sprintf("Kho %d", uniq()), District: "Lắk"}
	}
	crud("/facilities",
		func(e *env) string { return v1 + "/facilities/" + e.fac1.ID },
		func(e *env) any { return newFacility(e) },
		func(e *env) string {
			f := newFacility(e)
			must(e.t, e.db.CreateFacility(e.ctx(), f))
			return v1 + "/facilities/" + f.ID
		},
		map[string]any{"address": "Thôn 1"},
		readAll, readOwn, createOwn, writeOwn, deleteOwn)

	newProduct := func(e *env) *registry.Product {
		return &registry.Product{EnterpriseID: e.e1.ID, NameVI: fmt.Sprintf("Mật ong %d", uniq()), Category: "honey"}
	}
	crud("/products",
		func(e *env) string { return v1 + "/products/" + e.prod1.ID },
		func(e *env) any { return newProduct(e) },
		func(e *env) string {
			p := newProduct(e)
			must(e.t, e.db.CreateProduct(e.ctx(), p))
			return v1 + "/products/" + p.ID
		},
		map[string]any{"description": "Mới", "correction_reason": "Bổ sung mô tả"},
		readAll, readOwn, createOwn, writeOwn, deleteOwn)

	crud("/batches",
		func(e *env) string { return v1 + "/batches/" + e.batch1.ID },
		func(e *env) any {
			return &registry.Batch{EnterpriseID: e.e1.ID, ProductID: e.prod1.ID, LotCode: fmt.Sprintf("N%d", uniq()), Quantity: 5, Unit: "kg"}
		},
		func(e *env) string { return v1 + "/batches/" + e.newBatch(e.e1.ID, e.prod1.ID, registry.BatchDraft).ID },
		map[string]any{"dds_reference": "DDS-1", "correction_reason": "Bổ sung mã DDS"},
		want{200, 200, 403, 200, 200, 401}, readOwnNoCert, createOwn, writeOwn, deleteOwn)
	add("POST", "/batches/{id}/events", post(func(e *env) string { return v1 + "/batches/" + e.batch1.ID + "/events" }, func(e *env) any {
		return map[string]any{"kind": "object", "event_time": "2026-02-01T08:00:00+07:00", "event_time_zone": "+07:00", "business_step": "storing"}
	}), want{201, 403, 403, 201, 404, 401})
	add("GET", "/batches/{id}/events", get(func(e *env) string { return v1 + "/batches/" + e.batch1.ID + "/events" }), readOwnNoCert)
	add("GET", "/batches/{id}/trace", get(func(e *env) string { return v1 + "/batches/" + e.batch1.ID + "/trace?direction=down" }), readOwnNoCert)
	add("GET", "/batches/{id}/epcis", get(func(e *env) string { return v1 + "/batches/" + e.batch1.ID + "/epcis" }), readOwnNoCert)
	add("POST", "/epcis/capture", func(e *env, as string) request {
		path := v1 + "/epcis/capture"
		if as == asAdmin {
			path += "?enterprise=" + e.e1.ID
		}
		doc := epcisDoc(harvestEvent(fmt.Sprintf("urn:uuid:m%d", uniq()), e.batch1, "urn:tracereg:facility:"+e.fac1.ID))
		return request{method: "POST", path: path, body: doc, contentType: "application/ld+json"}
	}, want{201, 403, 403, 201, 422, 401})
	add("GET", "/epcis/events", get(func(e *env) string { return v1 + "/epcis/events?MATCH_anyEPCClass=" + lotClass(e.batch1) }),
		want{200, 200, 422, 200, 422, 401})
	add("GET", "/batches/{id}/eudr.geojson", get(func(e *env) string { return v1 + "/batches/" + e.batch1.ID + "/eudr.geojson" }), readOwnNoCert)
	add("POST", "/batches/{id}/recall", func(e *env, as string) request {
		b := e.newBatch(e.e1.ID, e.prod1.ID, registry.BatchPublished)
		return request{method: "POST", path: v1 + "/batches/" + b.ID + "/recall", body: recallRequest{Reason: "Nhiễm nấm mốc", On: "2026-03-01"},
			header: map[string]string{"If-Match": etag(b.ID, b.Version)}}
	}, want{200, 200, 403, 200, 404, 401})
	add("POST", "/batches/{id}/recall/lift", func(e *env, as string) request {
		b := e.newBatch(e.e1.ID, e.prod1.ID, registry.BatchPublished)
		r, err := registry.RecallBatch(e.ctx(), e.db, b, registry.RecallOrder{Reason: "Nhiễm nấm mốc", On: "2026-03-01"}, "inspector", time.Now())
		must(e.t, err)
		return request{method: "POST", path: v1 + "/batches/" + r.ID + "/recall/lift", body: recallRequest{Reason: "Kết quả kiểm nghiệm lại đạt", On: "2026-03-05"},
			header: map[string]string{"If-Match": etag(r.ID, r.Version)}}
	}, want{200, 200, 403, 403, 404, 401})

	crud("/certificates",
		func(e *env) string { return v1 + "/certificates/" + e.cert1.ID },
		func(e *env) any {
			return &registry.Certificate{Number: fmt.Sprintf("N-%d", uniq()), Scheme: "4C", BodyID: e.body.ID, HolderID: e.e1.ID, IssuedOn: "2025-05-01", ExpiresOn: "2028-05-01"}
		},
		func(e *env) string { return v1 + "/certificates/" + e.newCert(e.body.ID, e.e1.ID).ID },
		map[string]any{"scope_text": "Cà phê nhân"},
		// An issued certificate is never deleted: those who may decide on it are told to withdraw it.
		readAll, readOwn, want{201, 403, 201, 403, 403, 401}, want{200, 403, 200, 403, 404, 401}, want{409, 403, 409, 403, 404, 401})
	add("POST", "/certificates/{id}/status", func(e *env, as string) request {
		c := e.newCert(e.body.ID, e.e1.ID)
		return request{method: "POST", path: v1 + "/certificates/" + c.ID + "/status", body: statusRequest{Status: "suspended", Reason: "Vi phạm quy trình", On: "2026-03-01"},
			header: map[string]string{"If-Match": etag(c.ID, c.Version)}}
	}, want{200, 403, 200, 403, 404, 401})
	add("POST", "/events/{id}/error-declaration", func(e *env, as string) request {
		ev := &registry.TraceEvent{EnterpriseID: e.e1.ID, Kind: registry.EventObject, EventTime: time.Date(2026, 2, 1, 8, 0, 0, 0, registry.Vietnam),
			EventTimeZone: "+07:00", BusinessStep: "storing", Batches: []registry.Quantity{{BatchID: e.batch1.ID, Quantity: 1, Unit: "kg"}}}
		must(e.t, e.db.CreateEvent(e.ctx(), ev))
		return request{method: "POST", path: v1 + "/events/" + ev.ID + "/error-declaration", body: errorDeclarationRequest{Reason: "Ghi nhầm"}}
	}, want{200, 403, 403, 200, 404, 401})
	add("POST", "/certificates/{id}/amend", func(e *env, as string) request {
		c := e.newCert(e.body.ID, e.e1.ID)
		return request{method: "POST", path: v1 + "/certificates/" + c.ID + "/amend",
			body:   registry.CertificateAmendment{Action: registry.CertRenew, Reason: "Đánh giá giám sát đạt", IssuedOn: "2028-01-01", ExpiresOn: "2031-01-01"},
			header: map[string]string{"If-Match": etag(c.ID, c.Version)}}
	}, want{200, 403, 200, 403, 404, 401})

	newAnn := func(e *env) *registry.ConformityAnnouncement {
		return &registry.ConformityAnnouncement{EnterpriseID: e.e1.ID, Type: registry.AnnounceStandard, ProductIDs: []string{e.prod1.ID},
			StandardCode: "TCVN 4193:2014", Basis: registry.BasisSelfAssessment, Agency: "Sở KH&CN", Status: registry.AnnDraft}
	}
	crud("/announcements",
		func(e *env) string { return v1 + "/announcements/" + e.ann1.ID },
		func(e *env) any { return newAnn(e) },
		func(e *env) string {
			a := newAnn(e)
			must(e.t, e.db.CreateAnnouncement(e.ctx(), a))
			return v1 + "/announcements/" + a.ID
		},
		map[string]any{"agency": "Sở Nông nghiệp"},
		want{200, 200, 403, 200, 200, 401}, readOwnNoCert, createOwn, writeOwn, deleteOwn)
	add("POST", "/announcements/{id}/transitions", func(e *env, as string) request {
		a := newAnn(e)
		must(e.t, e.db.CreateAnnouncement(e.ctx(), a))
		return request{method: "POST", path: v1 + "/announcements/" + a.ID + "/transitions", body: registry.SubmitAnnouncement(),
			header: map[string]string{"If-Match": etag(a.ID, a.Version)}}
	}, writeOwn)

	crud("/standards",
		func(e *env) string { return v1 + "/standards/" + e.std1.ID },
		func(e *env) any {
			return &registry.Standard{Code: fmt.Sprintf("TCVN %d:2020", uniq()), TitleVI: "Mật ong"}
		},
		func(e *env) string {
			s := &registry.Standard{Code: fmt.Sprintf("TCVN %d:2021", uniq()), TitleVI: "Mật ong"}
			must(e.t, e.db.CreateStandard(e.ctx(), s))
			return v1 + "/standards/" + s.ID
		},
		map[string]any{"issuer": "Bộ KH&CN"},
		readAll, readAll, adminOnlyCreate, adminOnlyWrite, adminOnlyDelete)

	crud("/certification-bodies",
		func(e *env) string { return v1 + "/certification-bodies/" + e.body.ID },
		func(e *env) any {
			return &registry.CertificationBody{Name: "Tổ chức C", Code: fmt.Sprintf("C-%d", uniq())}
		},
		func(e *env) string {
			b := &registry.CertificationBody{Name: "Tổ chức D", Code: fmt.Sprintf("D-%d", uniq())}
			must(e.t, e.db.CreateCertificationBody(e.ctx(), b))
			return v1 + "/certification-bodies/" + b.ID
		},
		map[string]any{"name_en": "Body A"},
		readAll, readAll, adminOnlyCreate, adminOnlyWrite, adminOnlyDelete)

	// The province's programme (see programme.go for who may do what).
	staffOnly := want{200, 200, 403, 403, 403, 401}
	newSupport := func(e *env) *registry.SupportRecord {
		return &registry.SupportRecord{EnterpriseID: e.e1.ID, Kind: "digital_transformation", Year: 2026, FundingSource: "provincial_budget", AmountVND: 20_000_000}
	}
	crud("/support-records",
		func(e *env) string { return v1 + "/support-records/" + e.support1.ID },
		func(e *env) any { return newSupport(e) },
		func(e *env) string {
			x := newSupport(e)
			must(e.t, e.db.CreateSupportRecord(e.ctx(), x))
			return v1 + "/support-records/" + x.ID
		},
		map[string]any{"note": "Đã nghiệm thu"},
		want{200, 200, 403, 200, 200, 401}, readOwnNoCert, adminOnlyCreate, want{200, 403, 403, 403, 404, 401}, want{204, 403, 403, 403, 404, 401})
	crud("/experts",
		func(e *env) string { return v1 + "/experts/" + e.expert1.ID },
		func(e *env) any { return newExpert() },
		func(e *env) string {
			x := newExpert()
			must(e.t, e.db.CreateExpert(e.ctx(), x))
			return v1 + "/experts/" + x.ID
		},
		map[string]any{"employer": "Sở KH&CN"},
		staffOnly, staffOnly, adminOnlyCreate, adminOnlyWrite, adminOnlyDelete)
	crud("/training-courses",
		func(e *env) string { return v1 + "/training-courses/" + e.course1.ID },
		func(e *env) any { return newCourse(e) },
		func(e *env) string {
			x := newCourse(e)
			must(e.t, e.db.CreateTrainingCourse(e.ctx(), x))
			return v1 + "/training-courses/" + x.ID
		},
		map[string]any{"location": "Hội trường Sở"},
		staffOnly, staffOnly, adminOnlyCreate, adminOnlyWrite, adminOnlyDelete)
	crud("/benchmark-entries",
		func(e *env) string { return v1 + "/benchmark-entries/" + e.bench1.ID },
		func(e *env) any { return newBenchmark(e.e1.ID, e.unusedYear(e.e1.ID), "coffee", 3_000_000_000, 40) },
		func(e *env) string {
			return v1 + "/benchmark-entries/" + e.newBenchmark(e.e1.ID, e.unusedYear(e.e1.ID)).ID
		},
		map[string]any{"employees": 42},
		want{200, 200, 403, 200, 200, 401}, readOwnNoCert, createOwn, writeOwn, want{204, 403, 403, 403, 404, 401})
	add("GET", "/benchmark-entries/{id}/position", get(func(e *env) string { return v1 + "/benchmark-entries/" + e.bench1.ID + "/position" }), readOwnNoCert)
	crud("/good-practices",
		func(e *env) string { return v1 + "/good-practices/" + e.practice1.ID },
		func(e *env) any { return newPractice() },
		func(e *env) string {
			x := newPractice()
			must(e.t, e.db.CreateGoodPractice(e.ctx(), x))
			return v1 + "/good-practices/" + x.ID
		},
		map[string]any{"year": 2026},
		readAll, readAll, adminOnlyCreate, adminOnlyWrite, adminOnlyDelete)

	notes := fixed(v1 + "/reports/annual/notes?year=2025")
	add("GET", "/reports/annual/notes", get(notes), staffOnly)
	add("PUT", "/reports/annual/notes", update("PUT", notes, nil), adminOnlyWrite)

	add("GET", "/users", get(fixed(v1+"/users")), adminOnlyWrite)
	add("GET", "/users/{id}", get(func(e *env) string { return v1 + "/users/" + e.users[asAdmin].ID }), want{200, 403, 403, 403, 403, 401})
	add("POST", "/users", post(fixed(v1+"/users"), func(e *env) any {
		pw := "a long enough password"
		return userInput{Username: fmt.Sprintf("u%d", uniq()), DisplayName: "Người mới", Role: registry.RoleInspector, Password: &pw}
	}), adminOnlyCreate)
	add("PUT", "/users/{id}", func(e *env, as string) request {
		u, err := e.db.FindUser(e.ctx(), e.users[asInspector].ID)
		must(e.t, err)
		return request{method: "PUT", path: v1 + "/users/" + u.ID, body: userInput{Username: u.Username, DisplayName: "Thanh tra", Role: u.Role},
			header: map[string]string{"If-Match": etag(u.ID, u.Version)}}
	}, adminOnlyWrite)

	add("POST", "/api-keys", post(fixed(v1+"/api-keys"), func(*env) any { return apiKeyRequest{Name: "máy"} }), want{201, 201, 201, 201, 201, 401})
	add("GET", "/api-keys", get(fixed(v1+"/api-keys")), want{200, 200, 200, 200, 200, 401})
	add("DELETE", "/api-keys/{id}", func(e *env, as string) request {
		k := &registry.APIKey{UserID: e.users[asEnt1].ID, Name: "k", Hash: registry.HashSecret(registry.NewSecret("trk_"))}
		must(e.t, e.db.CreateAPIKey(e.ctx(), k))
		return request{method: "DELETE", path: v1 + "/api-keys/" + k.ID}
	}, want{204, 404, 404, 204, 404, 401})

	add("GET", "/audit", get(fixed(v1+"/audit")), want{200, 200, 403, 403, 403, 401})

	// Webhooks: an enterprise's own; staff and inspectors all (inspectors
	// change only their own); certifiers none.
	hook := func(e *env) *registry.WebhookSubscription {
		h := &registry.WebhookSubscription{UserID: e.users[asEnt1].ID, EnterpriseID: e.e1.ID, URL: "https://hooks.example.vn/in",
			Events: []string{registry.EventBatchRecalled}, Secret: registry.NewWebhookSecret()}
		must(e.t, e.db.CreateWebhook(e.ctx(), h))
		return h
	}
	add("GET", "/webhooks", get(fixed(v1+"/webhooks")), want{200, 200, 403, 200, 200, 401})
	add("POST", "/webhooks", post(fixed(v1+"/webhooks"), func(*env) any {
		return webhookRequest{URL: "https://hooks.example.vn/in", Events: []string{registry.EventBatchRecalled}}
	}), want{201, 201, 403, 201, 201, 401})
	add("GET", "/webhooks/{id}", get(func(e *env) string { return v1 + "/webhooks/" + hook(e).ID }), want{200, 200, 403, 200, 404, 401})
	add("DELETE", "/webhooks/{id}", del(func(e *env) string { return v1 + "/webhooks/" + hook(e).ID }), want{204, 403, 403, 204, 404, 401})
	add("GET", "/webhooks/{id}/deliveries", get(func(e *env) string { return v1 + "/webhooks/" + hook(e).ID + "/deliveries" }),
		want{200, 200, 403, 200, 404, 401})
	add("POST", "/webhooks/{id}/deliveries/{delivery}/replay", func(e *env, as string) request {
		h := hook(e)
		x, err := e.db.QueueWebhookTest(e.ctx(), h.ID)
		must(e.t, err)
		return request{method: "POST", path: v1 + "/webhooks/" + h.ID + "/deliveries/" + x.ID + "/replay"}
	}, want{202, 403, 403, 202, 404, 401})
	add("POST", "/webhooks/{id}/test", post(func(e *env) string { return v1 + "/webhooks/" + hook(e).ID + "/test" }, func(*env) any { return nil }),
		want{202, 403, 403, 202, 404, 401})

	add("POST", "/documents", func(e *env, as string) request {
		body, ct := multipartDoc(e, e.e1.ID)
		return request{method: "POST", path: v1 + "/documents", body: body, contentType: ct}
	}, want{201, 403, 403, 201, 403, 401})
	add("GET", "/documents", get(fixed(v1+"/documents")), want{200, 200, 200, 200, 200, 401})
	docPath := func(e *env) string { return v1 + "/documents/" + e.doc1.ID }
	add("GET", "/documents/{id}", get(docPath), want{200, 200, 404, 200, 404, 401})
	add("GET", "/documents/{id}/content", get(func(e *env) string { return docPath(e) + "/content" }), want{200, 200, 404, 200, 404, 401})
	add("PATCH", "/documents/{id}", update("PATCH", docPath, map[string]any{"title": "Tên mới"}), want{200, 403, 404, 200, 404, 401})
	add("DELETE", "/documents/{id}", del(func(e *env) string { return v1 + "/documents/" + e.newDocument(e.e1.ID, false).ID }),
		want{204, 403, 404, 204, 404, 401})

	add("POST", "/batches:import", func(e *env, as string) request {
		row := fmt.Sprintf(`{"enterprise_id":%q,"product_id":%q,"lot_code":"I%d","quantity":1,"unit":"kg"}`, e.e1.ID, e.prod1.ID, uniq())
		return request{method: "POST", path: v1 + "/batches:import?mode=all-or-nothing", body: row, contentType: "application/x-ndjson"}
	}, want{200, 403, 403, 200, 422, 401})
	add("POST", "/events:import", func(e *env, as string) request {
		row := fmt.Sprintf(`{"enterprise_id":%q,"kind":"object","event_time":"2026-02-01T08:00:00+07:00","event_time_zone":"+07:00","business_step":"storing","batches":[{"batch_id":%q,"quantity":1,"unit":"kg"}]}`,
			e.e1.ID, e.batch1.ID)
		return request{method: "POST", path: v1 + "/events:import?mode=all-or-nothing", body: row, contentType: "application/x-ndjson"}
	}, want{200, 403, 403, 200, 422, 401})
	add("GET", "/batches:import/template", get(fixed(v1+"/batches:import/template")), public)
	add("GET", "/events:import/template", get(fixed(v1+"/events:import/template")), public)
	add("GET", "/openapi.json", get(fixed(v1+"/openapi.json")), public)
	// Each enterprise exports its own lots (the other enterprise: its own, none here).
	add("GET", "/exports/national-portal", get(fixed(v1+"/exports/national-portal")), want{200, 200, 403, 200, 200, 401})
	return cs
}

// TestAuthorizationMatrix runs every route as every kind of caller and
// checks the status; it fails when a route of the API has no row here.
func TestAuthorizationMatrix(t *testing.T) {
	e := newEnv(t)
	cases := matrixCases()
	covered := map[string]bool{}
	for _, c := range cases {
		covered[c.method+" "+Prefix+c.route] = true
	}
	exempt := map[string]bool{ // sign-in itself is tested in auth_test.go
		"POST /api/v1/auth/token": true, "POST /api/v1/auth/refresh": true, "POST /api/v1/auth/logout": true,
	}
	for _, r := range e.api.routes {
		if !strings.HasPrefix(r.Path, Prefix+"/") {
			continue // the public side's routes the document describes (lookup tests them)
		}
		if k := r.Method + " " + r.Path; !covered[k] && !exempt[k] {
			t.Errorf("route %s has no row in the authorization matrix", k)
		}
	}
	for _, c := range cases {
		for i, as := range actorNames {
			req := c.prep(e, as)
			req.as = as
			r := e.do(req)
			if r.status != c.want[i] {
				t.Errorf("%s %s as %s: %d, want %d (%s)", c.method, c.route, as, r.status, c.want[i], short(r.body))
			}
		}
	}
}
