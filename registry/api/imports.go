package api

import (
	"bufio"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/csv"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/tracereg/tracereg/registry"
)

// Import limits.
const (
	MaxImportBody = 16 << 20
	MaxImportRows = 20000
)

// Import modes.
const (
	ModeEach         = "each"           // write the good rows, report the bad ones
	ModeAllOrNothing = "all-or-nothing" // write nothing when any row fails
)

// batchRow is one row of a batch import.
type batchRow struct {
	IdempotencyKey string        `json:"idempotency_key"`
	EnterpriseID   string        `json:"enterprise_id"`
	ProductID      string        `json:"product_id"`
	LotCode        string        `json:"lot_code"`
	Quantity       float64       `json:"quantity"`
	Unit           string        `json:"unit"`
	ProducedOn     registry.Date `json:"produced_on"`
	HarvestedOn    registry.Date `json:"harvested_on"`
	ExpiresOn      registry.Date `json:"expires_on"`
	FacilityID     string        `json:"facility_id"`
	SourcePlotIDs  []string      `json:"source_plot_ids"`
	CertificateIDs []string      `json:"certificate_ids"`
	DDSReference   string        `json:"dds_reference"`
	Status         string        `json:"status"`
}

// eventRow is one row of an event import: an event and its idempotency key.
type eventRow struct {
	IdempotencyKey      string              `json:"idempotency_key"`
	EnterpriseID        string              `json:"enterprise_id"`
	Kind                string              `json:"kind"`
	EventTime           time.Time           `json:"event_time"`
	EventTimeZone       string              `json:"event_time_zone"`
	BusinessStep        string              `json:"business_step"`
	Disposition         string              `json:"disposition"`
	FacilityID          string              `json:"facility_id"`
	Batches             []registry.Quantity `json:"batches"`
	Inputs              []registry.Quantity `json:"inputs"`
	Outputs             []registry.Quantity `json:"outputs"`
	CounterpartyTaxCode string              `json:"counterparty_tax_code"`
	Note                string              `json:"note"`
}

// importReport answers an import.
type importReport struct {
	Mode       string      `json:"mode"`
	Total      int         `json:"total"`
	Created    int         `json:"created"`
	Duplicates int         `json:"duplicates"`
	Failed     int         `json:"failed"`
	Rows       []rowResult `json:"rows"`
}

type rowResult struct {
	Row    int                   `json:"row"` // 1 for the first data row
	Status string                `json:"status"`
	ID     string                `json:"id,omitempty"`
	Errors []registry.FieldError `json:"errors,omitempty"`
}

// Column headings, English first; Vietnamese headings are accepted too.
var (
	batchColumns = []string{"idempotency_key", "enterprise_id", "product_id", "lot_code", "quantity", "unit", "produced_on", "harvested_on",
		"expires_on", "facility_id", "source_plot_ids", "certificate_ids", "dds_reference", "status"}
	batchColumnsVI = []string{"Khóa chống trùng", "Mã doanh nghiệp", "Mã sản phẩm", "Mã lô", "Số lượng", "Đơn vị", "Ngày sản xuất", "Ngày thu hoạch",
		"Hạn sử dụng", "Mã cơ sở", "Thửa đất nguồn", "Chứng nhận", "Số DDS", "Trạng thái"}
	eventColumns = []string{"idempotency_key", "enterprise_id", "kind", "event_time", "event_time_zone", "business_step", "disposition",
		"facility_id", "batches", "inputs", "outputs", "counterparty_tax_code", "note"}
	eventColumnsVI = []string{"Khóa chống trùng", "Mã doanh nghiệp", "Loại sự kiện", "Thời điểm", "Múi giờ", "Bước nghiệp vụ", "Tình trạng",
		"Mã cơ sở", "Lô hàng", "Đầu vào", "Đầu ra", "MST đối tác", "Ghi chú"}
)

func headingMap(en, vi []string) map[string]string {
	m := map[string]string{}
	for i := range en {
		m[en[i]] = en[i]
		m[strings.ToLower(vi[i])] = en[i]
	}
	return m
}

var (
	batchHeadings = headingMap(batchColumns, batchColumnsVI)
	eventHeadings = headingMap(eventColumns, eventColumnsVI)
)

func (a *API) mountImports(g fiber.Router) {
	a.add(g, routeDoc{Method: "POST", Summary: "Import lots from CSV (text/csv) or NDJSON (application/x-ndjson); ?mode=each|all-or-nothing",
		Tag: "import", RequestType: "text/csv", Response: importReport{}, Query: []string{"mode"}}, `/batches\:import`, a.importBatches)
	a.add(g, routeDoc{Method: "GET", Summary: "CSV template of a lot import (?lang=vi for Vietnamese headings)", Tag: "import",
		RequestType: "text/csv", Query: []string{"lang"}}, `/batches\:import/template`, templateHandler(batchColumns, batchColumnsVI))
	a.add(g, routeDoc{Method: "POST", Summary: "Import events from CSV (text/csv) or NDJSON (application/x-ndjson); ?mode=each|all-or-nothing",
		Tag: "import", RequestType: "application/x-ndjson", Response: importReport{}, Query: []string{"mode"}}, `/events\:import`, a.importEvents)
	a.add(g, routeDoc{Method: "GET", Summary: "CSV template of an event import (?lang=vi for Vietnamese headings)", Tag: "import",
		RequestType: "text/csv", Query: []string{"lang"}}, `/events\:import/template`, templateHandler(eventColumns, eventColumnsVI))
}

// importSlot waits for one of the few imports that may write at once, so a
// burst of imports queues here instead of piling onto the database (the
// embedded one has a single writer). It returns the release.
func (a *API) importSlot(c *fiber.Ctx) (func(), error) {
	select {
	case a.imports <- struct{}{}:
		return func() { <-a.imports }, nil
	case <-time.After(2 * time.Minute):
		c.Set(fiber.HeaderRetryAfter, "30")
		return nil, registry.Errorf(registry.ETOOMANY, "Too many imports are running; try again in a moment.",
			"Đang có quá nhiều lượt nhập dữ liệu; vui lòng thử lại sau.")
	case <-c.UserContext().Done():
		return nil, c.UserContext().Err()
	}
}

func templateHandler(en, vi []string) fiber.Handler {
	return func(c *fiber.Ctx) error {
		cols := en
		if c.Query("lang") == "vi" {
			cols = vi
		}
		var buf bytes.Buffer
		buf.WriteString("\ufeff") // so spreadsheet programs read UTF-8
		w := csv.NewWriter(&buf)
		w.Write(cols)
		w.Flush()
		c.Set(fiber.HeaderContentType, "text/csv; charset=utf-8")
		c.Set(fiber.HeaderContentDisposition, `attachment; filename="template.csv"`)
		return c.Send(buf.Bytes())
	}
}

// importInput reads the mode and splits the body into rows: JSON objects,
// from NDJSON lines or from CSV records turned into objects by jsonOf.
type importInput struct {
	mode string
	rows [][]byte // each a JSON object, or nil with rowErr set
	errs []error
}

func readImport(c *fiber.Ctx, headings map[string]string, jsonOf func(map[string]string) ([]byte, error)) (*importInput, error) {
	in := &importInput{mode: c.Query("mode", ModeEach)}
	if in.mode != ModeEach && in.mode != ModeAllOrNothing {
		return nil, fieldErr("mode", "one_of", "must be each or all-or-nothing", "phải là each hoặc all-or-nothing")
	}
	body := c.Body()
	if len(body) > MaxImportBody {
		return nil, registry.Errorf(registry.ETOOLARGE, "The import is larger than 16 MiB; split it.", "Tệp nhập lớn hơn 16 MiB; hãy chia nhỏ.")
	}
	mt, _, _ := mime.ParseMediaType(c.Get(fiber.HeaderContentType))
	switch mt {
	case "application/x-ndjson", "application/ndjson", "application/jsonl":
		sc := bufio.NewScanner(bytes.NewReader(body))
		sc.Buffer(make([]byte, 64<<10), MaxJSONBody)
		for sc.Scan() {
			line := bytes.TrimSpace(sc.Bytes())
			if len(line) == 0 {
				continue
			}
			in.rows = append(in.rows, bytes.Clone(line))
			in.errs = append(in.errs, nil)
		}
		if err := sc.Err(); err != nil {
			return nil, registry.Errorf(registry.EMALFORMED, "A line is longer than 1 MiB or the body cannot be read.", "Có dòng dài hơn 1 MiB hoặc không đọc được nội dung.")
		}
	case "text/csv":
		r := csv.NewReader(bytes.NewReader(bytes.TrimPrefix(body, []byte("\ufeff"))))
		header, err := r.Read()
		if err != nil {
			return nil, registry.Errorf(registry.EMALFORMED, "The CSV has no heading row.", "Tệp CSV không có dòng tiêu đề.")
		}
		cols := make([]string, len(header))
		for i, h := range header {
			name, ok := headings[strings.ToLower(strings.TrimSpace(h))]
			if !ok {
				return nil, fieldErr("heading "+strconv.Itoa(i+1), "unknown_column", fmt.Sprintf("%q is not a column of this import", h),
					fmt.Sprintf("%q không phải là cột của tệp nhập này", h))
			}
			cols[i] = name
		}
		for {
			rec, err := r.Read()
			if errors.Is(err, io.EOF) {
				break
			}
			if err != nil {
				var pe *csv.ParseError
				if errors.As(err, &pe) && errors.Is(pe.Err, csv.ErrFieldCount) {
					in.rows = append(in.rows, nil)
					in.errs = append(in.errs, fieldErr("row", "columns", "has a different number of columns than the heading", "có số cột khác dòng tiêu đề"))
					continue
				}
				return nil, registry.Errorf(registry.EMALFORMED, "The CSV cannot be read: "+err.Error(), "Không đọc được tệp CSV: "+err.Error())
			}
			m := map[string]string{}
			for i, v := range rec {
				if v = strings.TrimSpace(v); v != "" {
					m[cols[i]] = v
				}
			}
			b, err := jsonOf(m)
			in.rows = append(in.rows, b)
			in.errs = append(in.errs, err)
		}
	default:
		return nil, registry.Errorf(registry.EMEDIATYPE, "Send text/csv or application/x-ndjson.", "Hãy gửi text/csv hoặc application/x-ndjson.")
	}
	if len(in.rows) == 0 {
		return nil, fieldErr("body", "required", "the import has no rows", "tệp nhập không có dòng nào")
	}
	if len(in.rows) > MaxImportRows {
		return nil, registry.Errorf(registry.ETOOLARGE, fmt.Sprintf("At most %d rows per import.", MaxImportRows), fmt.Sprintf("Tối đa %d dòng mỗi lần nhập.", MaxImportRows))
	}
	return in, nil
}

// csvJSON turns a CSV record into the JSON of a row: lists split on ";",
// quantities written "batch_id:quantity:unit", numbers as numbers.
func csvJSON(numbers, lists, quantities []string) func(map[string]string) ([]byte, error) {
	return func(m map[string]string) ([]byte, error) {
		obj := map[string]any{}
		for k, v := range m {
			switch {
			case contains(numbers, k):
				n, err := strconv.ParseFloat(strings.ReplaceAll(v, ",", "."), 64)
				if err != nil {
					return nil, fieldErr(k, "type", "must be a number", "phải là số")
				}
				obj[k] = n
			case contains(lists, k):
				obj[k] = splitList(v)
			case contains(quantities, k):
				var qs []registry.Quantity
				for _, item := range splitList(v) {
					parts := strings.Split(item, ":")
					q := registry.Quantity{BatchID: parts[0]}
					if len(parts) > 1 {
						n, err := strconv.ParseFloat(strings.ReplaceAll(parts[1], ",", "."), 64)
						if err != nil {
							return nil, fieldErr(k, "type", "write batch_id:quantity:unit", "viết dạng mã_lô:số_lượng:đơn_vị")
						}
						q.Quantity = n
					}
					if len(parts) > 2 {
						q.Unit = parts[2]
					}
					qs = append(qs, q)
				}
				obj[k] = qs
			default:
				obj[k] = v
			}
		}
		return json.Marshal(obj)
	}
}

func splitList(v string) []string {
	var out []string
	for _, s := range strings.Split(v, ";") {
		if s = strings.TrimSpace(s); s != "" {
			out = append(out, s)
		}
	}
	return out
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func problemsOf(err error) []registry.FieldError {
	e := registry.PublicError(err)
	if len(e.Fields) > 0 {
		return e.Fields
	}
	return []registry.FieldError{{Field: "", Rule: e.Code, Message: e.Message, MessageVI: e.MessageVI}}
}

// finish answers an import: with all-or-nothing and a failed row, a 422
// problem listing every failing row's fields as rows[N].field.
func finish(c *fiber.Ctx, rep *importReport) error {
	for _, r := range rep.Rows {
		switch r.Status {
		case "created":
			rep.Created++
		case "duplicate":
			rep.Duplicates++
		default:
			rep.Failed++
		}
	}
	rep.Total = len(rep.Rows)
	if rep.Failed > 0 && rep.Mode == ModeAllOrNothing {
		var p registry.Problems
		for _, r := range rep.Rows {
			for _, f := range r.Errors {
				p.Add(fmt.Sprintf("rows[%d].%s", r.Row, f.Field), f.Rule, f.Message, f.MessageVI)
			}
		}
		if p.Empty() {
			p.Add("rows", "not_written", "the import was not written", "tệp nhập chưa được ghi")
		}
		err := p.Err().(*registry.Error)
		err.Message, err.MessageVI = fmt.Sprintf("%d of %d rows failed; nothing was written.", rep.Failed, rep.Total),
			fmt.Sprintf("%d trên %d dòng bị lỗi; không có gì được ghi.", rep.Failed, rep.Total)
		return err
	}
	return c.JSON(rep)
}

// --- batches

func (a *API) importBatches(c *fiber.Ctx) error {
	me := actor(c)
	if err := registry.Authorize(me, registry.ActCreate, registry.Resource{Kind: registry.KindBatch, EnterpriseID: me.EnterpriseID}); err != nil {
		return err
	}
	in, err := readImport(c, batchHeadings, csvJSON([]string{"quantity"}, []string{"source_plot_ids", "certificate_ids"}, nil))
	if err != nil {
		return err
	}
	release, err := a.importSlot(c)
	if err != nil {
		return err
	}
	defer release()
	ctx := c.UserContext()
	rep := &importReport{Mode: in.mode, Rows: make([]rowResult, len(in.rows))}
	batches := make([]*registry.Batch, len(in.rows))
	keys := make([]string, len(in.rows))
	lots := map[string]int{}
	// Validate every row first.
	for i, raw := range in.rows {
		rep.Rows[i] = rowResult{Row: i + 1, Status: "failed"}
		err := in.errs[i]
		var row batchRow
		if err == nil {
			err = decodeStrict(raw, &row)
		}
		if err == nil {
			b := &registry.Batch{EnterpriseID: row.EnterpriseID, ProductID: row.ProductID, LotCode: row.LotCode, Quantity: row.Quantity, Unit: row.Unit,
				ProducedOn: row.ProducedOn, HarvestedOn: row.HarvestedOn, ExpiresOn: row.ExpiresOn, FacilityID: row.FacilityID,
				SourcePlotIDs: row.SourcePlotIDs, CertificateIDs: row.CertificateIDs, DDSReference: row.DDSReference, Status: row.Status}
			ownEnterprise(me, &b.EnterpriseID)
			if b.Status == "" {
				b.Status = registry.BatchPublished
			}
			err = a.checkBatchRow(ctx, me, b, row.IdempotencyKey, lots, i)
			batches[i] = b
			keys[i] = row.IdempotencyKey
		}
		if err != nil {
			rep.Rows[i].Errors = problemsOf(err)
			continue
		}
		rep.Rows[i].Status = "valid"
	}
	failed := false
	for _, r := range rep.Rows {
		failed = failed || r.Status == "failed"
	}
	if failed && in.mode == ModeAllOrNothing {
		for i := range rep.Rows {
			if rep.Rows[i].Status == "valid" {
				rep.Rows[i].Status = "not_written"
			}
		}
		return finish(c, rep)
	}
	// Write. All-or-nothing writes drafts first and publishes them once every
	// row is in, so a failure midway can be undone (drafts may be deleted).
	// Rows are written in the order of their keys: all-or-nothing imports
	// hold their keys until they finish, and taking keys in one global order
	// means two imports never wait for each other in a circle.
	order := make([]int, len(batches))
	for i := range order {
		order[i] = i
	}
	sort.SliceStable(order, func(x, y int) bool { return keys[order[x]] < keys[order[y]] })
	var written []int
	for _, i := range order {
		b := batches[i]
		if rep.Rows[i].Status != "valid" {
			continue
		}
		final := b.Status
		if in.mode == ModeAllOrNothing {
			b.Status = registry.BatchDraft
		}
		id, dup, err := a.writeBatchRow(ctx, b, keys[i], in.mode == ModeEach)
		b.Status = final
		switch {
		case err != nil:
			rep.Rows[i].Status, rep.Rows[i].Errors = "failed", problemsOf(err)
			failed = true
		case dup:
			rep.Rows[i].Status, rep.Rows[i].ID = "duplicate", id
		default:
			rep.Rows[i].Status, rep.Rows[i].ID = "created", id
			written = append(written, i)
		}
		if failed && in.mode == ModeAllOrNothing {
			break
		}
	}
	if in.mode == ModeAllOrNothing {
		if failed {
			for _, i := range written {
				if err := a.store.DeleteRecord(ctx, registry.KindBatch, batches[i].ID); err != nil {
					a.log.Error("import: undo a draft lot", "batch", batches[i].ID, "err", err)
				}
				if keys[i] != "" {
					a.abandonKey(rowKey(batches[i].EnterpriseID, keys[i]))
				}
			}
			for i := range rep.Rows {
				if rep.Rows[i].Status != "failed" {
					rep.Rows[i].Status, rep.Rows[i].ID = "not_written", ""
				}
			}
			return finish(c, rep)
		}
		for _, i := range written {
			b := batches[i]
			if b.Status != registry.BatchDraft {
				stored, err := a.store.FindBatch(ctx, b.ID)
				if err == nil {
					stored.Status = b.Status
					err = a.store.UpdateBatch(ctx, stored)
				}
				if err != nil {
					return err
				}
				*b = *stored
			}
			if keys[i] != "" {
				if err := a.store.CompleteIdempotent(ctx, rowKey(b.EnterpriseID, keys[i]), fiber.StatusCreated, "text/plain", []byte(b.ID)); err != nil {
					return err
				}
			}
		}
	}
	for _, i := range written {
		if err := a.audit(c, "batch.import", registry.KindBatch, batches[i].ID, batches[i].EnterpriseID, nil, batches[i]); err != nil {
			return err
		}
	}
	return finish(c, rep)
}

// checkBatchRow validates one row: fields, the caller's right, the product
// (which must be the enterprise's) and that the lot is new (in the database
// and in the import), unless the row's key was imported before.
func (a *API) checkBatchRow(ctx context.Context, me registry.Actor, b *registry.Batch, key string, lots map[string]int, row int) error {
	if err := registry.Authorize(me, registry.ActCreate, registry.Resource{Kind: registry.KindBatch, EnterpriseID: b.EnterpriseID}); err != nil {
		if registry.ErrorCode(err) == registry.ENOTFOUND {
			return fieldErr("enterprise_id", "exists", "refers to an enterprise you cannot write to", "tham chiếu tới doanh nghiệp bạn không được ghi")
		}
		return err
	}
	if len(key) > 100 {
		return fieldErr("idempotency_key", "max_length", "must be at most 100 characters", "tối đa 100 ký tự")
	}
	if b.Status == registry.BatchRecalled {
		return fieldErr("status", "recall", "a lot is recalled with POST /api/v1/batches/{id}/recall", "lô hàng được thu hồi bằng POST /api/v1/batches/{id}/recall")
	}
	if err := b.Validate(); err != nil {
		return err
	}
	if key != "" {
		if rec, err := a.store.FindIdempotent(ctx, rowKey(b.EnterpriseID, key)); err == nil && rec.Done {
			return nil // a repeat: answered with the first lot
		}
	}
	pr, err := a.store.FindProduct(ctx, b.ProductID)
	if err != nil || pr.EnterpriseID != b.EnterpriseID {
		return fieldErr("product_id", "exists", "refers to a product that does not exist or belongs to another enterprise",
			"tham chiếu tới sản phẩm không tồn tại hoặc thuộc doanh nghiệp khác")
	}
	lk := b.ProductID + "\x00" + b.LotCode
	if j, ok := lots[lk]; ok {
		return fieldErr("lot_code", "duplicate", fmt.Sprintf("row %d already has this lot", j+1), fmt.Sprintf("dòng %d đã có lô này", j+1))
	}
	lots[lk] = row
	if _, err := a.store.FindBatchByLot(ctx, b.ProductID, b.LotCode); err == nil && key == "" {
		return fieldErr("lot_code", "taken", "this product already has a lot with this code", "sản phẩm đã có lô mang mã này")
	}
	return nil
}

func rowKey(enterpriseID, key string) string {
	sum := sha256.Sum256([]byte("import-row\x00batch\x00" + enterpriseID + "\x00" + key))
	return hex.EncodeToString(sum[:])
}

// abandonKey frees a row key reserved by an import that was undone.
func (a *API) abandonKey(key string) {
	if err := a.store.AbandonIdempotent(context.Background(), key); err != nil {
		a.log.Warn("import: free a row key", "err", err)
	}
}

// writeBatchRow creates one lot. A row key makes it happen once: the key is
// reserved first, a concurrent import with the same key waits for the first
// to finish and answers with its lot. complete stores the answer at once;
// otherwise the caller completes (or abandons) the reservation.
func (a *API) writeBatchRow(ctx context.Context, b *registry.Batch, key string, complete bool) (id string, dup bool, err error) {
	if key == "" {
		return b.ID, false, a.store.CreateBatch(ctx, b)
	}
	rk := rowKey(b.EnterpriseID, key)
	deadline := time.Now().Add(2 * time.Minute)
	for {
		prev, err := a.store.BeginIdempotent(ctx, &registry.IdempotencyRecord{Key: rk})
		if err != nil {
			return "", false, err
		}
		if prev == nil {
			break // reserved: ours to write
		}
		if prev.Done {
			return string(prev.Body), true, nil
		}
		// Wait, reading rather than writing, until the other import finishes or gives up.
		for !prev.Done {
			if a.stalePending(prev) {
				a.abandonKey(rk) // left behind by a process that died mid-import
				break
			}
			if time.Now().After(deadline) {
				return "", false, registry.Errorf(registry.ECONFLICT, "Another import with this row key is still running.", "Một lần nhập khác có cùng khóa dòng đang chạy.")
			}
			select {
			case <-ctx.Done():
				return "", false, ctx.Err()
			case <-time.After(50 * time.Millisecond):
			}
			prev, err = a.store.FindIdempotent(ctx, rk)
			if registry.ErrorCode(err) == registry.ENOTFOUND {
				break // abandoned: try to reserve it again
			}
			if err != nil {
				return "", false, err
			}
		}
		if prev != nil && prev.Done {
			return string(prev.Body), true, nil
		}
	}
	if err := a.store.CreateBatch(ctx, b); err != nil {
		a.abandonKey(rk)
		return "", false, err
	}
	if complete {
		if err := a.store.CompleteIdempotent(ctx, rk, fiber.StatusCreated, "text/plain", []byte(b.ID)); err != nil {
			return "", false, err
		}
	}
	return b.ID, false, nil
}

// --- events

func (a *API) importEvents(c *fiber.Ctx) error {
	me := actor(c)
	if err := registry.Authorize(me, registry.ActCreate, registry.Resource{Kind: registry.KindEvent, EnterpriseID: me.EnterpriseID}); err != nil {
		return err
	}
	in, err := readImport(c, eventHeadings, csvJSON(nil, nil, []string{"batches", "inputs", "outputs"}))
	if err != nil {
		return err
	}
	release, err := a.importSlot(c)
	if err != nil {
		return err
	}
	defer release()
	rep := &importReport{Mode: in.mode, Rows: make([]rowResult, len(in.rows))}
	var events []*registry.TraceEvent
	var rowOf []int
	for i, raw := range in.rows {
		rep.Rows[i] = rowResult{Row: i + 1, Status: "failed"}
		err := in.errs[i]
		var row eventRow
		if err == nil {
			err = decodeStrict(raw, &row)
		}
		if err == nil {
			ownEnterprise(me, &row.EnterpriseID)
			err = registry.Authorize(me, registry.ActCreate, registry.Resource{Kind: registry.KindEvent, EnterpriseID: row.EnterpriseID})
			if registry.ErrorCode(err) == registry.ENOTFOUND {
				err = fieldErr("enterprise_id", "exists", "refers to an enterprise you cannot write to", "tham chiếu tới doanh nghiệp bạn không được ghi")
			}
			if err == nil && len(row.IdempotencyKey) > 100 {
				err = fieldErr("idempotency_key", "max_length", "must be at most 100 characters", "tối đa 100 ký tự")
			}
		}
		if err != nil {
			rep.Rows[i].Errors = problemsOf(err)
			continue
		}
		events = append(events, &registry.TraceEvent{EnterpriseID: row.EnterpriseID, Kind: row.Kind, EventTime: row.EventTime,
			EventTimeZone: row.EventTimeZone, BusinessStep: row.BusinessStep, Disposition: row.Disposition, FacilityID: row.FacilityID,
			Batches: row.Batches, Inputs: row.Inputs, Outputs: row.Outputs, CounterpartyTaxCode: row.CounterpartyTaxCode, Note: row.Note,
			IdempotencyKey: row.IdempotencyKey})
		rowOf = append(rowOf, i)
	}
	decodeFailed := len(events) < len(in.rows)
	if decodeFailed && in.mode == ModeAllOrNothing {
		for _, i := range rowOf {
			rep.Rows[i].Status = "not_written"
		}
		return finish(c, rep)
	}
	results, err := a.store.CreateEvents(c.UserContext(), events, in.mode == ModeAllOrNothing)
	if err != nil {
		return err
	}
	anyFailed := decodeFailed
	for _, r := range results {
		anyFailed = anyFailed || r.Err != nil
	}
	for n, r := range results {
		i := rowOf[n]
		switch {
		case r.Err != nil:
			rep.Rows[i].Errors = problemsOf(r.Err)
		case r.Replayed:
			rep.Rows[i].Status, rep.Rows[i].ID = "duplicate", r.ID
		case anyFailed && in.mode == ModeAllOrNothing:
			rep.Rows[i].Status = "not_written"
		default:
			rep.Rows[i].Status, rep.Rows[i].ID = "created", r.ID
		}
	}
	if !(anyFailed && in.mode == ModeAllOrNothing) && rep.Rows != nil {
		// One audit entry per import: it digests every event written.
		var created []*registry.TraceEvent
		for n, r := range results {
			if r.Err == nil && !r.Replayed {
				created = append(created, events[n])
			}
		}
		if len(created) > 0 {
			if err := a.audit(c, "event.import", registry.KindEvent, fmt.Sprintf("%s+%d", created[0].ID, len(created)-1), me.EnterpriseID, nil, created); err != nil {
				return err
			}
		}
	}
	return finish(c, rep)
}
