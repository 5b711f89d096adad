package records_test

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"runtime"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/tracereg/tracereg/registry"
	"github.com/tracereg/tracereg/registry/records"
	"github.com/tracereg/tracereg/registry/store"
	"github.com/tracereg/tracereg/registry/store/storetest"
)

// dbMethodPrefix is how the runtime names the methods of *records.DB.
var dbMethodPrefix = reflect.TypeOf(records.DB{}).PkgPath() + ".(*DB)."

// recordingEngine passes every call through to a real engine and records,
// for each call, the outermost exported *records.DB method on the stack
// (the one the test called), and for each Find and Count the index
// store.Schema.Cover chose. A query no index covers is a test failure.
type recordingEngine struct {
	store.Engine
	t *testing.T

	mu sync.Mutex
	// reached: DB methods that reached the engine, and how often.
	reached map[string]int
	// used: collection → index name ("_id" for the primary key) → the DB
	// methods whose queries it answered.
	used map[string]map[string]map[string]bool
}

func newRecordingEngine(t *testing.T, eng store.Engine) *recordingEngine {
	return &recordingEngine{Engine: eng, t: t, reached: map[string]int{}, used: map[string]map[string]map[string]bool{}}
}

// caller returns the outermost exported *records.DB method on the stack, or
// "" when the test called the engine directly.
func caller() string {
	pcs := make([]uintptr, 256)
	n := runtime.Callers(3, pcs)
	frames := runtime.CallersFrames(pcs[:n])
	outer := ""
	for {
		f, more := frames.Next()
		if name, ok := strings.CutPrefix(f.Function, dbMethodPrefix); ok {
			name, _, _ = strings.Cut(name, ".") // closures: Method.func1
			if name != "" && name[0] >= 'A' && name[0] <= 'Z' {
				outer = name
			}
		}
		if !more {
			return outer
		}
	}
}

func (r *recordingEngine) note() string {
	m := caller()
	if m != "" {
		r.mu.Lock()
		r.reached[m]++
		r.mu.Unlock()
	}
	return m
}

// plan records the index that answers q, and fails the test when none does.
func (r *recordingEngine) plan(op string, q store.Query) {
	m := r.note()
	p, err := r.Engine.Schema().Cover(q)
	if err != nil {
		r.t.Errorf("%s by %s is not covered by any declared index: %v (query %+v)", op, orNone(m), err, q)
		return
	}
	name := store.IDField
	if p.Index != nil {
		name = p.Index.Name()
	}
	if m == "" {
		return // the test's own reads prove nothing about the store's
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.used[q.Collection] == nil {
		r.used[q.Collection] = map[string]map[string]bool{}
	}
	if r.used[q.Collection][name] == nil {
		r.used[q.Collection][name] = map[string]bool{}
	}
	r.used[q.Collection][name][m] = true
}

func orNone(m string) string {
	if m == "" {
		return "the test"
	}
	return m
}

// notCovered fails the test when the engine itself refused a query.
func (r *recordingEngine) notCovered(op string, q store.Query, err error) {
	if errors.Is(err, store.ErrNotCovered) {
		r.t.Errorf("engine refused %s on %s as not covered: %v (query %+v)", op, q.Collection, err, q)
	}
}

func (r *recordingEngine) Find(ctx context.Context, q store.Query) ([]bson.Raw, string, error) {
	r.plan("Find", q)
	raws, next, err := r.Engine.Find(ctx, q)
	r.notCovered("Find", q, err)
	return raws, next, err
}

func (r *recordingEngine) Count(ctx context.Context, q store.Query) (int64, error) {
	r.plan("Count", q)
	n, err := r.Engine.Count(ctx, q)
	r.notCovered("Count", q, err)
	return n, err
}

func (r *recordingEngine) Get(ctx context.Context, coll, id string) (bson.Raw, error) {
	r.note()
	return r.Engine.Get(ctx, coll, id)
}

func (r *recordingEngine) Insert(ctx context.Context, coll string, doc bson.Raw) error {
	r.note()
	return r.Engine.Insert(ctx, coll, doc)
}

func (r *recordingEngine) Replace(ctx context.Context, coll string, version int64, doc bson.Raw) error {
	r.note()
	return r.Engine.Replace(ctx, coll, version, doc)
}

func (r *recordingEngine) Delete(ctx context.Context, coll, id string) error {
	r.note()
	return r.Engine.Delete(ctx, coll, id)
}

func (r *recordingEngine) Add(ctx context.Context, counter string, delta int64) (int64, error) {
	r.note()
	return r.Engine.Add(ctx, counter, delta)
}

func (r *recordingEngine) Counter(ctx context.Context, counter string) (int64, error) {
	r.note()
	return r.Engine.Counter(ctx, counter)
}

func (r *recordingEngine) Counters(ctx context.Context, after string, limit int) ([]store.NamedCounter, error) {
	r.note()
	return r.Engine.Counters(ctx, after, limit)
}

func (r *recordingEngine) Tx(ctx context.Context, fn func(ctx context.Context) error) error {
	r.note()
	return r.Engine.Tx(ctx, fn)
}

func (r *recordingEngine) Atomic() bool {
	r.note()
	return r.Engine.Atomic()
}

func (r *recordingEngine) Ping(ctx context.Context) error {
	r.note()
	return r.Engine.Ping(ctx)
}

func (r *recordingEngine) Schema() store.Schema {
	r.note()
	return r.Engine.Schema()
}

func (r *recordingEngine) Close(ctx context.Context) error {
	r.note()
	return r.Engine.Close(ctx)
}

// notExercised are the methods of *records.DB this test does not call, each
// with the reason.
var notExercised = map[string]string{
	// Closing the engine is the cleanup's job: storetest drops the MongoDB
	// database before it closes the engine, which a closed engine cannot do.
	"Close": "closes the engine the cleanup still needs; it runs no query",
}

// noEngineCall are methods that never reach the engine: the test calls
// them and checks their answer instead.
var noEngineCall = map[string]string{
	"Engine": "returns the engine underneath; checked to be the recorder",
}

// unusedIndexes are declared, non-unique indexes no store method queries,
// each with why it stays. Empty: the eight this test found when it was
// written are gone (every write paid for them, no read used them).
var unusedIndexes = map[string]string{}

// TestEveryQueryIsCovered runs every method of *records.DB on realistic
// data through an engine that records the index answering each query: no
// query may be uncovered, every method must be run, and every declared
// non-unique index must answer some query.
func TestEveryQueryIsCovered(t *testing.T) {
	t.Parallel()
	t.Logf("engine: %s", storetest.EngineName())
	eng := newRecordingEngine(t, storetest.Engine(t, records.Schema))
	db := records.New(eng, registry.FixedClock(testNow))
	if db.Engine() != store.Engine(eng) {
		t.Fatal("Engine() is not the engine the records were opened with")
	}

	exerciseEverything(t, db)

	// Every exported method ran and reached the engine.
	typ := reflect.TypeOf(db)
	var missing []string
	for i := range typ.NumMethod() {
		name := typ.Method(i).Name
		_, skip := notExercised[name]
		_, pure := noEngineCall[name]
		switch {
		case skip && eng.reached[name] > 0:
			t.Errorf("%s is listed as not exercised but was: take it off the list", name)
		case skip, pure:
		case eng.reached[name] == 0:
			missing = append(missing, name)
		case testing.Verbose():
			t.Logf("method %s: %d engine calls", name, eng.reached[name])
		}
	}
	for name := range notExercised {
		if _, ok := typ.MethodByName(name); !ok {
			t.Errorf("notExercised names %s, which *records.DB does not have", name)
		}
	}
	if len(missing) > 0 {
		t.Errorf("%d methods of *records.DB were never run against the store: %s", len(missing), strings.Join(missing, ", "))
	}

	// Every declared non-unique index answered a query.
	for _, c := range records.Schema {
		for _, ix := range c.Indexes {
			key := c.Name + "/" + ix.Name()
			by := eng.used[c.Name][ix.Name()]
			_, allowed := unusedIndexes[key]
			switch {
			case len(by) > 0 && allowed:
				t.Errorf("index %s is listed as unused but answers %s: take it off the list", key, strings.Join(sortedKeys(by), ", "))
			case len(by) > 0:
				if testing.Verbose() {
					t.Logf("index %s: %s", key, strings.Join(sortedKeys(by), ", "))
				}
			case ix.Unique:
				if testing.Verbose() {
					t.Logf("index %s: unique key only (refuses duplicates)", key)
				}
			case allowed:
				t.Logf("index %s: UNUSED (allowed: %s)", key, unusedIndexes[key])
			default:
				t.Errorf("index %s answers no query: remove it, or run the method that needs it here", key)
			}
		}
	}
	for key := range unusedIndexes {
		coll, name, _ := strings.Cut(key, "/")
		c := records.Schema.Collection(coll)
		if c == nil || !slices.ContainsFunc(c.Indexes, func(ix store.Index) bool { return ix.Name() == name }) {
			t.Errorf("unusedIndexes names %s, which Schema does not declare", key)
		}
	}
}

func sortedKeys(m map[string]bool) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// exerciseEverything calls every method of db with realistic data: a
// cooperative and its buyer, plots and a roastery, products, lots made
// from one another, certificates, dossiers through the agency's inbox,
// accounts, the audit log, reports, scans, labels and the programme's
// records. Refusals are not the point here (the other tests check them):
// each call is one the services make.
func exerciseEverything(t *testing.T, db *records.DB) {
	ctx := context.Background()
	ok := func(what string, err error) {
		t.Helper()
		if err != nil {
			t.Fatalf("%s: %v", what, err)
		}
	}
	since := registry.Page{UpdatedSince: testNow.Add(-time.Hour)}

	// --- misc
	ok("Ping", db.Ping(ctx))
	ok("InTx", db.InTx(ctx, func(ctx context.Context) error {
		_, err := db.CountUsers(ctx)
		return err
	}))

	// --- enterprises
	coop, buyer := mustEnterprise(t, db), mustEnterprise(t, db)
	_, err := db.FindEnterprise(ctx, coop.ID)
	ok("FindEnterprise", err)
	_, err = db.FindEnterpriseByTaxCode(ctx, coop.TaxCode)
	ok("FindEnterpriseByTaxCode", err)
	for _, f := range []registry.EnterpriseFilter{{}, {TaxCode: coop.TaxCode}, {Text: "Ea Tu"}, {District: coop.District},
		{District: coop.District, Sector: coop.Sector}, {Sector: coop.Sector}, {Page: since}} {
		_, _, err := db.ListEnterprises(ctx, f)
		ok(fmt.Sprintf("ListEnterprises(%+v)", f), err)
	}
	coop.Size = "medium"
	ok("UpdateEnterprise", db.UpdateEnterprise(ctx, coop))

	// --- certification bodies
	body := mustBody(t, db, "QUACERT")
	_, err = db.FindCertificationBody(ctx, body.ID)
	ok("FindCertificationBody", err)
	_, err = db.FindCertificationBodyByCode(ctx, body.Code)
	ok("FindCertificationBodyByCode", err)
	for _, p := range []registry.Page{{}, since} {
		_, _, err = db.ListCertificationBodies(ctx, p)
		ok("ListCertificationBodies", err)
	}
	body.Name += " (Quacert)"
	ok("UpdateCertificationBody", db.UpdateCertificationBody(ctx, body))

	// --- documents
	doc := &registry.Document{EnterpriseID: coop.ID, Title: "Giấy chứng nhận VietGAP", FileName: "vietgap.pdf", Kind: "certificate",
		Blob: registry.Blob{SHA256: strings.Repeat("ab", 32), Size: 1234, MediaType: "application/pdf"}}
	ok("CreateDocument", db.CreateDocument(ctx, doc))
	bodyDoc := &registry.Document{BodyID: body.ID, Title: "Quyết định chỉ định", FileName: "chidinh.pdf", Kind: "other",
		Blob: registry.Blob{SHA256: strings.Repeat("cd", 32), Size: 99, MediaType: "application/pdf"}}
	ok("CreateDocument (body)", db.CreateDocument(ctx, bodyDoc))
	_, err = db.FindDocument(ctx, doc.ID)
	ok("FindDocument", err)
	_, err = db.FindEnterpriseDocument(ctx, coop.ID, doc.Blob.SHA256)
	ok("FindEnterpriseDocument", err)
	for _, f := range []registry.DocumentFilter{{}, {EnterpriseID: coop.ID}, {EnterpriseID: coop.ID, Kind: "certificate"},
		{BodyID: body.ID}, {BodyID: body.ID, Kind: "other"}, {Kind: "certificate"}, {Page: since}, {EnterpriseID: coop.ID, Page: since}} {
		_, _, err := db.ListDocuments(ctx, f)
		ok(fmt.Sprintf("ListDocuments(%+v)", f), err)
	}
	doc.Title = "Giấy chứng nhận VietGAP 2025"
	ok("UpdateDocument", db.UpdateDocument(ctx, doc))

	// --- standards
	std := &registry.Standard{Code: "TCVN 4193:2014", TitleVI: "Cà phê nhân", DocumentID: doc.ID}
	ok("CreateStandard", db.CreateStandard(ctx, std))
	_, err = db.FindStandard(ctx, std.ID)
	ok("FindStandard", err)
	_, err = db.FindStandardByCode(ctx, std.Code)
	ok("FindStandardByCode", err)
	for _, kind := range []string{"", "TCVN"} {
		_, _, err = db.ListStandards(ctx, kind, registry.Page{})
		ok("ListStandards", err)
	}
	_, _, err = db.ListStandards(ctx, "", since)
	ok("ListStandards(since)", err)
	std.TitleEN = "Green coffee"
	ok("UpdateStandard", db.UpdateStandard(ctx, std))

	// --- facilities
	plot := mustPlot(t, db, coop.ID)
	roastery := &registry.Facility{EnterpriseID: coop.ID, Kind: registry.FacilityProcessing, Name: "Xưởng rang", District: "Buôn Ma Thuột",
		GLN: gtin("893850000001")}
	ok("CreateFacility", db.CreateFacility(ctx, roastery))
	_, err = db.FindFacility(ctx, plot.ID)
	ok("FindFacility", err)
	_, err = db.FindFacilityByGLN(ctx, roastery.GLN)
	ok("FindFacilityByGLN", err)
	for _, f := range []registry.FacilityFilter{{}, {EnterpriseID: coop.ID}, {EnterpriseID: coop.ID, Kind: registry.FacilityFarmPlot},
		{Kind: registry.FacilityProcessing}, {EnterpriseID: coop.ID, Text: "rang"}, {Page: since}, {EnterpriseID: coop.ID, Page: since}} {
		_, _, err := db.ListFacilities(ctx, f)
		ok(fmt.Sprintf("ListFacilities(%+v)", f), err)
	}
	roastery.Name, roastery.CorrectionReason = "Xưởng rang xay", "Đổi tên"
	ok("UpdateFacility", db.UpdateFacility(ctx, roastery))

	// --- products
	photo := &registry.Document{EnterpriseID: coop.ID, Title: "Ảnh bao cà phê", FileName: "bao.jpg", Kind: "photo",
		Blob: registry.Blob{SHA256: strings.Repeat("ef", 32), Size: 10, MediaType: "image/jpeg"}}
	ok("CreateDocument (photo)", db.CreateDocument(ctx, photo))
	green := &registry.Product{EnterpriseID: coop.ID, NameVI: "Cà phê nhân Robusta", Category: "coffee", GTIN: gtin("893850000010"),
		Standards: []string{std.Code}, PhotoID: photo.ID}
	ok("CreateProduct", db.CreateProduct(ctx, green))
	roasted := mustProduct(t, db, coop.ID, "")
	_, err = db.FindProduct(ctx, green.ID)
	ok("FindProduct", err)
	_, err = db.FindProductByGTIN(ctx, green.GTIN)
	ok("FindProductByGTIN", err)
	_, err = db.FindProductByShortCode(ctx, roasted.ShortCode)
	ok("FindProductByShortCode", err)
	for _, f := range []registry.ProductFilter{{}, {EnterpriseID: coop.ID}, {EnterpriseID: coop.ID, Category: "coffee"}, {Category: "coffee"},
		{GTIN: green.GTIN}, {Text: "Robusta"}, {EnterpriseID: coop.ID, Text: "Robusta"}, {Page: since}, {EnterpriseID: coop.ID, Page: since}} {
		_, _, err := db.ListProducts(ctx, f)
		ok(fmt.Sprintf("ListProducts(%+v)", f), err)
	}
	green.Description = "Hạt cà phê nhân sàng 18"
	ok("UpdateProduct", db.UpdateProduct(ctx, green))

	// --- certificates
	cert := certData("VietGAP-TT-12-01-2025", body.ID, coop.ID)
	cert.ScopeProductIDs, cert.ScopeFacilityIDs, cert.DocumentID = []string{green.ID}, []string{plot.ID}, doc.ID
	ok("CreateCertificate", db.CreateCertificate(ctx, cert))
	_, err = db.FindCertificate(ctx, cert.ID)
	ok("FindCertificate", err)
	_, err = db.FindCertificatesByNumber(ctx, cert.Number)
	ok("FindCertificatesByNumber", err)
	for _, f := range []registry.CertificateFilter{{}, {HolderID: coop.ID}, {BodyID: body.ID}, {Scheme: "VietGAP"}, {Number: cert.Number},
		{HolderID: coop.ID, Scheme: "VietGAP"}, {BodyID: body.ID, Scheme: "VietGAP"}, {BodyID: body.ID, HolderID: coop.ID, Scheme: "VietGAP"},
		{HolderID: coop.ID, Number: cert.Number}, {BodyID: body.ID, Number: cert.Number}, {FacilityID: plot.ID},
		{ExpiresBefore: "2029-01-01"}, {ExpiresAfter: "2026-01-01"}, {HolderID: coop.ID, ExpiresBefore: "2029-01-01"},
		{BodyID: body.ID, ExpiresAfter: "2026-01-01"}, {Scheme: "VietGAP", ExpiresBefore: "2029-01-01"},
		{Page: since}, {HolderID: coop.ID, Page: since}, {BodyID: body.ID, Page: since}} {
		_, _, err := db.ListCertificates(ctx, f)
		ok(fmt.Sprintf("ListCertificates(%+v)", f), err)
	}
	c, err := db.ChangeCertificateStatus(ctx, cert.ID, cert.Version, registry.StatusChange{Status: registry.CertSuspended, Reason: "đánh giá giám sát", On: "2026-06-15"})
	ok("ChangeCertificateStatus", err)
	c, err = db.ChangeCertificateStatus(ctx, cert.ID, c.Version, registry.StatusChange{Status: registry.CertActive, Reason: "đã khắc phục", On: "2026-06-15"})
	ok("ChangeCertificateStatus", err)
	c.ExpiresOn = "2028-01-10"
	ok("UpdateCertificate", db.UpdateCertificate(ctx, c))

	// --- lots and events
	cherry := mustBatch(t, db, coop.ID, green.ID, "EA-2026-01", plot.ID)
	cherry.CertificateIDs = []string{cert.ID}
	cherry.CorrectionReason = "Bổ sung chứng nhận"
	ok("UpdateBatch", db.UpdateBatch(ctx, cherry))
	lot := &registry.Batch{EnterpriseID: coop.ID, ProductID: roasted.ID, LotCode: "RX-2026-01", Quantity: 800, Unit: "kg", FacilityID: roastery.ID}
	ok("CreateBatch", db.CreateBatch(ctx, lot))
	draft := &registry.Batch{EnterpriseID: coop.ID, ProductID: roasted.ID, LotCode: "RX-2026-02", Quantity: 5, Unit: "kg", Status: registry.BatchDraft}
	ok("CreateBatch (draft)", db.CreateBatch(ctx, draft))
	_, err = db.FindBatch(ctx, lot.ID)
	ok("FindBatch", err)
	_, err = db.FindBatchByLot(ctx, lot.ProductID, lot.LotCode)
	ok("FindBatchByLot", err)
	_, err = db.FindBatchByShortCode(ctx, lot.ShortCode)
	ok("FindBatchByShortCode", err)
	for _, f := range []registry.BatchFilter{{}, {EnterpriseID: coop.ID}, {EnterpriseID: coop.ID, Status: registry.BatchPublished},
		{EnterpriseID: coop.ID, ProductID: roasted.ID}, {EnterpriseID: coop.ID, ProductID: roasted.ID, Status: registry.BatchDraft},
		{EnterpriseID: coop.ID, LotCode: lot.LotCode}, {LotCode: lot.LotCode}, {ProductID: roasted.ID}, {ProductID: roasted.ID, Status: registry.BatchPublished},
		{Status: registry.BatchDraft}, {ProductID: lot.ProductID, LotCode: lot.LotCode}, {EnterpriseID: coop.ID, LotCodePrefix: "RX-"},
		{FacilityID: roastery.ID}, {SourcePlotID: plot.ID}, {Page: since}, {EnterpriseID: coop.ID, Page: since}} {
		_, _, err := db.ListBatches(ctx, f)
		ok(fmt.Sprintf("ListBatches(%+v)", f), err)
	}
	harvest := objectEvent(coop.ID, "harvest-1", testNow.Add(-96*time.Hour), cherry.ID)
	harvest.FacilityID = plot.ID
	ok("CreateEvent (harvest)", db.CreateEvent(ctx, harvest))
	roast := transformation(coop.ID, "roast-1", []string{cherry.ID}, []string{lot.ID})
	roast.FacilityID = roastery.ID
	ok("CreateEvent (transformation)", db.CreateEvent(ctx, roast))
	mustShip(t, db, coop.ID, lot.ID, buyer.TaxCode)
	_, err = db.FindEvent(ctx, roast.ID)
	ok("FindEvent", err)
	_, err = db.ListBatchEvents(ctx, lot.ID)
	ok("ListBatchEvents", err)
	for _, dir := range []string{registry.Upstream, registry.Downstream} {
		_, err = db.Genealogy(ctx, lot.ID, dir, 0)
		ok("Genealogy "+dir, err)
		_, err = db.Genealogy(ctx, cherry.ID, dir, 0)
		ok("Genealogy "+dir, err)
	}
	imported := []*registry.TraceEvent{
		objectEvent(coop.ID, "import-1", testNow.Add(-50*time.Hour), cherry.ID),
		objectEvent(coop.ID, "import-2", testNow.Add(-49*time.Hour), cherry.ID),
	}
	res, err := db.CreateEvents(ctx, imported, true)
	ok("CreateEvents", err)
	for _, r := range res {
		ok("CreateEvents row", r.Err)
	}
	ok("DeleteEvents", db.DeleteEvents(ctx, []string{imported[1].ID}))
	_, err = db.DeclareEventError(ctx, imported[0].ID, "Ghi nhầm lô")
	ok("DeclareEventError", err)

	// --- webhooks: a subscription, its test delivery through the dispatcher's steps
	hook := &registry.WebhookSubscription{UserID: "0123456789abcdef01234567", EnterpriseID: coop.ID, URL: "https://hooks.example.vn/in",
		Events: []string{registry.EventBatchRecalled}, Secret: registry.NewWebhookSecret()}
	ok("CreateWebhook", db.CreateWebhook(ctx, hook))
	_, err = db.FindWebhook(ctx, hook.ID)
	ok("FindWebhook", err)
	_, _, err = db.ListWebhooks(ctx, coop.ID, registry.Page{})
	ok("ListWebhooks", err)
	_, _, err = db.ListWebhooks(ctx, "", registry.Page{})
	ok("ListWebhooks (all)", err)
	queued, err := db.QueueWebhookTest(ctx, hook.ID)
	ok("QueueWebhookTest", err)
	due, err := db.DueWebhookDeliveries(ctx, testNow.Add(time.Hour), 10)
	ok("DueWebhookDeliveries", err)
	if len(due) == 0 {
		t.Fatal("the test delivery is not due")
	}
	ok("ClaimWebhookDelivery", db.ClaimWebhookDelivery(ctx, due[0], testNow.Add(registry.WebhookLease)))
	claimed, err := db.FindWebhookDelivery(ctx, queued.ID)
	ok("FindWebhookDelivery", err)
	claimed.Status = registry.DeliveryDelivered
	ok("SaveWebhookDelivery", db.SaveWebhookDelivery(ctx, claimed))
	_, _, err = db.ListWebhookDeliveries(ctx, hook.ID, registry.Page{})
	ok("ListWebhookDeliveries", err)
	_, err = db.ReplayWebhookDelivery(ctx, queued.ID)
	ok("ReplayWebhookDelivery", err)
	ok("DeleteWebhook", db.DeleteWebhook(ctx, hook.ID))

	// --- credentials
	_, err = db.CredentialStatusIndex(ctx, registry.CredentialCertificate, cert.ID)
	ok("CredentialStatusIndex", err)
	_, err = db.CredentialStatusIndex(ctx, registry.CredentialLot, lot.ID)
	ok("CredentialStatusIndex", err)
	_, err = db.CredentialStatuses(ctx, testNow)
	ok("CredentialStatuses", err)

	// --- label serials
	_, codes, err := db.IssueSerials(ctx, lot.ID, 3)
	ok("IssueSerials", err)
	_, err = db.Serials(ctx, lot.ID, 1, 3)
	ok("Serials", err)
	if valid, err := db.SerialValid(ctx, lot.ID, codes[1]); err != nil || !valid {
		t.Fatalf("SerialValid = %v, %v", valid, err)
	}
	_, err = db.SerialsIssued(ctx, lot.ID)
	ok("SerialsIssued", err)

	// --- announcements, through the agency's inbox
	const agency = "Sở KH&CN Đắk Lắk"
	ann := announcementData(coop.ID, green.ID)
	ann.DocumentIDs = []string{doc.ID}
	ok("CreateAnnouncement", db.CreateAnnouncement(ctx, ann))
	byCert := announcementData(coop.ID, green.ID)
	byCert.Basis, byCert.CertificateID = registry.BasisCertification, cert.ID
	ok("CreateAnnouncement (certification)", db.CreateAnnouncement(ctx, byCert))
	tested := announcementData(coop.ID, green.ID)
	tested.TestReportIDs = []string{doc.ID}
	ok("CreateAnnouncement (test report)", db.CreateAnnouncement(ctx, tested))
	_, err = db.FindAnnouncement(ctx, ann.ID)
	ok("FindAnnouncement", err)
	ann.Agency = agency
	ok("UpdateAnnouncement", db.UpdateAnnouncement(ctx, ann))
	a, err := db.TransitionAnnouncement(ctx, ann.ID, ann.Version, registry.SubmitAnnouncement())
	ok("TransitionAnnouncement submit", err)
	a, err = db.TransitionAnnouncement(ctx, a.ID, a.Version, registry.RequestMissingItems("Thiếu phiếu kết quả thử nghiệm"))
	ok("TransitionAnnouncement request", err)
	a, err = db.TransitionAnnouncement(ctx, a.ID, a.Version, registry.ResubmitAnnouncement("đã bổ sung"))
	ok("TransitionAnnouncement resubmit", err)
	for _, f := range []registry.InboxFilter{{}, {Agency: agency}, {EnterpriseID: coop.ID}, {Type: registry.AnnounceRegulation},
		{EnterpriseID: coop.ID, Type: registry.AnnounceRegulation}, {Status: registry.AnnNeedsMore}} {
		_, err := db.ListInbox(ctx, f)
		ok(fmt.Sprintf("ListInbox(%+v)", f), err)
	}
	_, err = db.PeekReceiptSequence(ctx, agency, 2026)
	ok("PeekReceiptSequence", err)
	n, err := db.NextReceiptSequence(ctx, agency, 2026)
	ok("NextReceiptSequence", err)
	number := fmt.Sprintf("%d/TB-SKHCN", n)
	a, err = db.TransitionAnnouncement(ctx, a.ID, a.Version, registry.IssueReceipt(number, "2026-06-15"))
	ok("TransitionAnnouncement receipt", err)
	_, err = db.FindAnnouncementsByReceipt(ctx, number)
	ok("FindAnnouncementsByReceipt", err)
	for _, f := range []registry.AnnouncementFilter{{}, {EnterpriseID: coop.ID}, {EnterpriseID: coop.ID, Status: registry.AnnReceived},
		{EnterpriseID: coop.ID, Type: registry.AnnounceRegulation}, {EnterpriseID: coop.ID, Type: registry.AnnounceRegulation, Status: registry.AnnDraft},
		{Status: registry.AnnDraft}, {Type: registry.AnnounceRegulation}, {Type: registry.AnnounceRegulation, Status: registry.AnnReceived},
		{Page: since}, {EnterpriseID: coop.ID, Page: since}} {
		_, _, err := db.ListAnnouncements(ctx, f)
		ok(fmt.Sprintf("ListAnnouncements(%+v)", f), err)
	}

	// --- users and their credentials
	owner := &registry.User{Username: "htx.eatu", DisplayName: "Nguyễn Thị Hoa", Role: registry.RoleEnterprise, EnterpriseID: coop.ID, PasswordHash: "$argon2id$x"}
	ok("CreateUser", db.CreateUser(ctx, owner))
	certifier := &registry.User{Username: "quacert.hoa", DisplayName: "Lê Hoa", Role: registry.RoleCertifier, BodyID: body.ID, PasswordHash: "$argon2id$x"}
	ok("CreateUser (certifier)", db.CreateUser(ctx, certifier))
	_, err = db.FindUser(ctx, owner.ID)
	ok("FindUser", err)
	_, err = db.FindUserByUsername(ctx, owner.Username)
	ok("FindUserByUsername", err)
	for _, p := range []registry.Page{{}, since} {
		_, _, err = db.ListUsers(ctx, p)
		ok("ListUsers", err)
	}
	_, err = db.CountUsers(ctx)
	ok("CountUsers", err)
	owner.DisplayName = "Nguyễn Thị Hoa (HTX)"
	ok("UpdateUser", db.UpdateUser(ctx, owner))

	session := &registry.WebSession{Hash: strings.Repeat("5", 64), UserID: owner.ID, ExpiresAt: testNow.Add(time.Hour), LastSeen: testNow}
	ok("CreateSession", db.CreateSession(ctx, session))
	_, err = db.FindSession(ctx, session.Hash)
	ok("FindSession", err)
	ok("TouchSession", db.TouchSession(ctx, session.Hash, testNow.Add(time.Minute)))
	ok("DeleteSession", db.DeleteSession(ctx, session.Hash))
	ok("CreateSession", db.CreateSession(ctx, &registry.WebSession{Hash: strings.Repeat("6", 64), UserID: owner.ID, ExpiresAt: testNow.Add(time.Hour), LastSeen: testNow}))
	ok("DeleteUserSessions", db.DeleteUserSessions(ctx, owner.ID))

	for i := range 2 {
		tok := &registry.RefreshToken{Hash: fmt.Sprintf("%064d", i), FamilyID: "fam", UserID: owner.ID, CreatedAt: testNow, ExpiresAt: testNow.Add(time.Hour)}
		ok("CreateRefreshToken", db.CreateRefreshToken(ctx, tok))
	}
	_, err = db.RotateRefreshToken(ctx, fmt.Sprintf("%064d", 0), testNow)
	ok("RotateRefreshToken", err)
	ok("RevokeRefreshFamily", db.RevokeRefreshFamily(ctx, fmt.Sprintf("%064d", 1)))

	key := &registry.APIKey{UserID: owner.ID, Name: "máy cân", Hash: strings.Repeat("7", 64)}
	ok("CreateAPIKey", db.CreateAPIKey(ctx, key))
	_, err = db.FindAPIKeyByHash(ctx, key.Hash)
	ok("FindAPIKeyByHash", err)
	_, err = db.FindAPIKey(ctx, key.ID)
	ok("FindAPIKey", err)
	for _, uid := range []string{owner.ID, ""} {
		_, err = db.ListAPIKeys(ctx, uid)
		ok("ListAPIKeys", err)
	}
	ok("RevokeAPIKey", db.RevokeAPIKey(ctx, key.ID))
	// A new password revokes the user's sessions, refresh tokens and keys.
	ok("CreateAPIKey", db.CreateAPIKey(ctx, &registry.APIKey{UserID: owner.ID, Name: "máy in nhãn", Hash: strings.Repeat("8", 64)}))
	owner.PasswordHash = "$argon2id$y"
	ok("UpdateUser (password)", db.UpdateUser(ctx, owner))

	throttle := registry.LoginThrottle{Free: 3, Lock: 10, LockFor: time.Hour, MaxWait: time.Minute, Forget: 24 * time.Hour}
	_, _, err = db.ReserveLoginAttempt(ctx, "htx.eatu 203.0.113.7", testNow, throttle)
	ok("ReserveLoginAttempt", err)
	_, err = db.LoginFailures(ctx, "htx.eatu 203.0.113.7")
	ok("LoginFailures", err)
	ok("RefundLoginAttempt", db.RefundLoginAttempt(ctx, "htx.eatu 203.0.113.7"))
	_, _, err = db.ReserveLoginAttempt(ctx, "htx.eatu 203.0.113.7", testNow, throttle)
	ok("ReserveLoginAttempt", err)
	ok("ClearLoginFailures", db.ClearLoginFailures(ctx, "htx.eatu 203.0.113.7"))

	_, err = db.BeginIdempotent(ctx, &registry.IdempotencyRecord{Key: "k1", RequestSHA256: "abc"})
	ok("BeginIdempotent", err)
	ok("CompleteIdempotent", db.CompleteIdempotent(ctx, "k1", 201, "application/json", []byte("{}")))
	_, err = db.FindIdempotent(ctx, "k1")
	ok("FindIdempotent", err)
	_, err = db.BeginIdempotent(ctx, &registry.IdempotencyRecord{Key: "k2"})
	ok("BeginIdempotent", err)
	ok("AbandonIdempotent", db.AbandonIdempotent(ctx, "k2"))

	// --- the audit log
	for _, target := range []struct{ kind, id string }{{registry.KindBatch, lot.ID}, {registry.KindCertificate, cert.ID}} {
		e := &registry.AuditEntry{UserID: owner.ID, Username: owner.Username, Role: owner.Role, Action: target.kind + ".update",
			TargetKind: target.kind, TargetID: target.id, EnterpriseID: coop.ID, AfterSHA256: registry.DigestJSON(target)}
		ok("AppendAudit", db.AppendAudit(ctx, e))
	}
	for _, f := range []registry.AuditFilter{{}, {UserID: owner.ID}, {TargetKind: registry.KindBatch}, {TargetID: lot.ID},
		{TargetKind: registry.KindBatch, TargetID: lot.ID}, {EnterpriseID: coop.ID}, {EnterpriseID: coop.ID, Action: "batch.update"},
		{Action: "batch.update"}} {
		_, _, err := db.ListAudit(ctx, f)
		ok(fmt.Sprintf("ListAudit(%+v)", f), err)
	}
	if n, err := db.VerifyAudit(ctx); err != nil || n != 2 {
		t.Fatalf("VerifyAudit = %d, %v", n, err)
	}
	ok("TamperAudit", db.TamperAudit(ctx, 2, func(e *registry.AuditEntry) {}))

	// --- problem reports
	report := &registry.ProblemReport{Subject: "/l/" + lot.ShortCode, Kind: "quality", Message: "Cà phê bị mốc"}
	ok("CreateReport", db.CreateReport(ctx, report))
	_, err = db.FindReport(ctx, report.ID)
	ok("FindReport", err)
	_, err = db.FindReportByReference(ctx, report.Reference)
	ok("FindReportByReference", err)
	inspector := registry.Actor{UserID: "u1", Username: "thanhtra", Role: registry.RoleInspector}
	ok("assign", registry.ReportAction{Action: registry.ReportActionAssign, Assignee: "thanhtra"}.Apply(report, inspector, testNow))
	ok("UpdateReport", db.UpdateReport(ctx, report))
	_, _, err = db.ListReports(ctx, registry.Page{})
	ok("ListReports", err)
	for _, f := range []registry.ReportFilter{{}, {Status: registry.ReportAssigned}, {Assignee: "thanhtra"},
		{Assignee: "thanhtra", Status: registry.ReportAssigned}} {
		_, _, err := db.FilterReports(ctx, f)
		ok(fmt.Sprintf("FilterReports(%+v)", f), err)
	}

	// --- scans
	scanKey := "/l/" + lot.ShortCode
	ok("RecordScans", db.RecordScans(ctx, []registry.ScanTally{{Key: scanKey, Count: 3, First: testNow, Province: "VN-33", Clients: []string{"a1", "b2"}}}))
	_, err = db.ScanStats(ctx, scanKey)
	ok("ScanStats", err)
	_, _, err = db.ListScanStats(ctx, registry.Page{})
	ok("ListScanStats", err)
	_, _, err = db.ListScanMonths(ctx, registry.Page{})
	ok("ListScanMonths", err)

	// --- the programme's records
	support := &registry.SupportRecord{EnterpriseID: coop.ID, Kind: "traceability", Year: 2025, FundingSource: "provincial_budget",
		AmountVND: 30_000_000, BatchID: lot.ID, CertificateID: cert.ID, AnnouncementID: a.ID}
	ok("CreateSupportRecord", db.CreateSupportRecord(ctx, support))
	_, err = db.FindSupportRecord(ctx, support.ID)
	ok("FindSupportRecord", err)
	for _, f := range []registry.SupportFilter{{}, {EnterpriseID: coop.ID}, {EnterpriseID: coop.ID, Kind: "traceability"},
		{EnterpriseID: coop.ID, Kind: "traceability", Year: 2025}, {EnterpriseID: coop.ID, Year: 2025}, {Year: 2025},
		{Year: 2025, Kind: "traceability"}, {Kind: "traceability"}, {Page: since}, {EnterpriseID: coop.ID, Page: since}} {
		_, _, err := db.ListSupportRecords(ctx, f)
		ok(fmt.Sprintf("ListSupportRecords(%+v)", f), err)
	}
	support.AmountVND = 35_000_000
	ok("UpdateSupportRecord", db.UpdateSupportRecord(ctx, support))

	expert := &registry.Expert{Name: "Trần Thị B", Sector: "food_processing", TrainedBy: "Viện Năng suất Việt Nam", TrainedOn: "2024-04-01",
		CertifiedBy: "Tổng cục TCĐLCL", CertifiedOn: "2024-09-01"}
	ok("CreateExpert", db.CreateExpert(ctx, expert))
	_, err = db.FindExpert(ctx, expert.ID)
	ok("FindExpert", err)
	for _, p := range []registry.Page{{}, since} {
		_, _, err = db.ListExperts(ctx, p)
		ok("ListExperts", err)
	}
	expert.Employer = "HTX Ea Tu"
	ok("UpdateExpert", db.UpdateExpert(ctx, expert))

	course := &registry.TrainingCourse{Title: "Lean cho doanh nghiệp nhỏ", From: "2024-10-01", To: "2024-10-03", Organiser: agency,
		Participants: []registry.Participant{{EnterpriseID: coop.ID, Role: "manager", Count: 2}}}
	ok("CreateTrainingCourse", db.CreateTrainingCourse(ctx, course))
	_, err = db.FindTrainingCourse(ctx, course.ID)
	ok("FindTrainingCourse", err)
	for _, p := range []registry.Page{{}, since} {
		_, _, err = db.ListTrainingCourses(ctx, p)
		ok("ListTrainingCourses", err)
	}
	course.To = "2024-10-04"
	ok("UpdateTrainingCourse", db.UpdateTrainingCourse(ctx, course))

	bench := &registry.BenchmarkEntry{EnterpriseID: coop.ID, Year: 2025, Category: "coffee", RevenueVND: 5e9, ValueAddedVND: 1e9,
		Employees: 20, EnergyPerUnit: 0.5, DefectRate: 0.01, CertificatesHeld: 1}
	ok("CreateBenchmarkEntry", db.CreateBenchmarkEntry(ctx, bench))
	_, err = db.FindBenchmarkEntry(ctx, bench.ID)
	ok("FindBenchmarkEntry", err)
	for _, f := range []registry.BenchmarkFilter{{}, {EnterpriseID: coop.ID}, {Year: 2025}, {Page: since}, {EnterpriseID: coop.ID, Page: since}} {
		_, _, err := db.ListBenchmarkEntries(ctx, f)
		ok(fmt.Sprintf("ListBenchmarkEntries(%+v)", f), err)
	}
	bench.Employees = 22
	ok("UpdateBenchmarkEntry", db.UpdateBenchmarkEntry(ctx, bench))

	practice := &registry.GoodPractice{Title: "5S tại xưởng sơ chế cà phê", Sector: "agriculture", Tools: []string{"5S"},
		Summary: "Sắp xếp xưởng", EnterpriseID: coop.ID, DocumentIDs: []string{doc.ID}}
	ok("CreateGoodPractice", db.CreateGoodPractice(ctx, practice))
	_, err = db.FindGoodPractice(ctx, practice.ID)
	ok("FindGoodPractice", err)
	for _, f := range []registry.GoodPracticeFilter{{}, {Sector: "agriculture"}, {Tool: "5S"}, {Sector: "agriculture", Tool: "5S"},
		{Query: "ca phe"}, {Query: "ca phe", Sector: "agriculture"}, {Page: since}} {
		_, _, err := db.SearchGoodPractices(ctx, f)
		ok(fmt.Sprintf("SearchGoodPractices(%+v)", f), err)
	}
	practice.Tools = append(practice.Tools, "Kaizen")
	ok("UpdateGoodPractice", db.UpdateGoodPractice(ctx, practice))

	notes, err := db.FindAnnualNotes(ctx, 2025)
	ok("FindAnnualNotes", err)
	notes.Difficulties = "Thiếu kinh phí"
	ok("SaveAnnualNotes", db.SaveAnnualNotes(ctx, notes))

	// --- upkeep
	ok("UpgradeSearch", db.UpgradeSearch(ctx))
	_, err = db.PublicVersion(ctx)
	ok("PublicVersion", err)
	_, err = db.Sweep(ctx, testNow.Add(72*time.Hour))
	ok("Sweep", err)

	// DeleteRecord reads every referrer of a kind before it deletes: once
	// on each kind's record (a refusal because of referrers still ran the
	// reads), then on the draft lot, which nothing refers to.
	for _, target := range []struct{ kind, id string }{
		{registry.KindEnterprise, coop.ID}, {registry.KindFacility, plot.ID}, {registry.KindProduct, green.ID},
		{registry.KindBatch, draft.ID}, {registry.KindCertificate, cert.ID}, {registry.KindAnnouncement, tested.ID},
		{registry.KindStandard, std.ID}, {registry.KindBody, body.ID}, {registry.KindDocument, doc.ID},
		{registry.KindSupport, support.ID}, {registry.KindExpert, expert.ID}, {registry.KindCourse, course.ID},
		{registry.KindBenchmark, bench.ID}, {registry.KindGoodPractice, practice.ID},
	} {
		err := db.DeleteRecord(ctx, target.kind, target.id)
		if code := registry.ErrorCode(err); err != nil && code != registry.ECONFLICT {
			t.Fatalf("DeleteRecord(%s): %v", target.kind, err)
		}
	}
}
