package web

// Bulk import of lots and events from the CSV template, for enterprises:
// download the template, upload the filled-in file, and read a per-row
// report to fix and retry. Reading, checking and writing the rows is
// registry/bulk, the same code as the API's imports.

import (
	"bytes"
	"context"
	"io"
	"path"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/gofiber/fiber/v2"

	"github.com/tracereg/tracereg/registry"
	"github.com/tracereg/tracereg/registry/bulk"
)

// impFileLimit is the largest file the import page takes (about 20,000
// rows of the lot template).
const impFileLimit = 5 << 20

func impKind(name string) (bulk.Kind, bool) {
	switch name {
	case "batches":
		return bulk.Batches, true
	case "events":
		return bulk.Events, true
	}
	return bulk.Kind{}, false
}

// impRef is a record as the file names it: Code is what to write.
type impRef struct{ Code, Label string }

type impData struct {
	Products []impRef
	Plots    []impRef
	Lots     []impRef
	Report   *bulk.Report
	Kind     string
	Columns  map[string]string // column name → heading in the page language
}

func (w *Web) impData(c *fiber.Ctx, lang string) (*impData, error) {
	me := actor(c)
	d := &impData{Columns: map[string]string{}}
	products, err := annAll(func(pg registry.Page) ([]*registry.Product, string, error) {
		return w.store.ListProducts(ctx(c), registry.ProductFilter{EnterpriseID: me.EnterpriseID, Page: pg})
	})
	if err != nil {
		return nil, err
	}
	names := map[string]string{}
	for _, pr := range products {
		names[pr.ID] = pr.NameVI
		code := pr.GTIN
		if code == "" {
			code = pr.ShortCode
		}
		d.Products = append(d.Products, impRef{Code: code, Label: pr.NameVI})
	}
	lots, _, err := w.store.ListBatches(ctx(c), registry.BatchFilter{EnterpriseID: me.EnterpriseID, Page: registry.Page{Limit: registry.MaxPageLimit}})
	if err != nil {
		return nil, err
	}
	for _, b := range lots {
		d.Lots = append(d.Lots, impRef{Code: b.LotCode, Label: names[b.ProductID]})
	}
	facilities, _, err := w.store.ListFacilities(ctx(c), registry.FacilityFilter{EnterpriseID: me.EnterpriseID, Page: registry.Page{Limit: registry.MaxPageLimit}})
	if err != nil {
		return nil, err
	}
	for _, f := range facilities {
		code := f.Code
		if code == "" {
			code = f.Name
		}
		d.Plots = append(d.Plots, impRef{Code: code, Label: f.Name})
	}
	for _, k := range []bulk.Kind{bulk.Batches, bulk.Events} {
		cols, vi := append(slices.Clone(k.Columns), k.OtherColumns...), append(slices.Clone(k.ColumnsVI), k.OtherColumnsVI...)
		for i, col := range cols {
			if lang == "vi" {
				d.Columns[col] = vi[i]
			} else {
				d.Columns[col] = col
			}
		}
	}
	return d, nil
}

func (w *Web) impPage(c *fiber.Ctx) error {
	me := actor(c)
	if err := registry.Authorize(me, registry.ActCreate, registry.Resource{Kind: registry.KindBatch, EnterpriseID: me.EnterpriseID}); err != nil {
		return err
	}
	p := w.page(c, "import/index", "imp_title")
	p.Form = newForm(c)
	p.Form.Set("kind", "batches")
	p.Form.Set("mode", bulk.ModeAllOrNothing)
	d, err := w.impData(c, p.Lang)
	if err != nil {
		return err
	}
	p.Data = d
	return w.render(c, fiber.StatusOK, p)
}

// impTemplate sends the CSV template, with headings in the page language.
func (w *Web) impTemplate(c *fiber.Ctx) error {
	k, ok := impKind(c.Params("kind"))
	if !ok {
		return registry.Errorf(registry.ENOTFOUND, "No such template.", "Không có mẫu này.")
	}
	c.Set(fiber.HeaderContentType, "text/csv; charset=utf-8")
	c.Set(fiber.HeaderContentDisposition, `attachment; filename="tracereg-`+k.Name+`.csv"`)
	return c.Send(k.Template(lang(c) == "vi"))
}

// impFile reads the uploaded file: a CSV (or NDJSON) in UTF-8 of at most
// impFileLimit bytes. Problems name the form's "file" field.
func impFile(c *fiber.Ctx) (mediaType string, body []byte, err error) {
	fh, ferr := c.FormFile("file")
	if ferr != nil || fh.Size == 0 {
		return "", nil, impFieldErr("file", "required", "choose the CSV file to import", "hãy chọn tệp CSV cần nhập")
	}
	if fh.Size > impFileLimit {
		return "", nil, impFieldErr("file", "too_large", "the file is larger than 5 MB; split it into several files",
			"tệp lớn hơn 5 MB; hãy chia thành nhiều tệp")
	}
	switch strings.ToLower(path.Ext(fh.Filename)) {
	case ".csv", ".txt":
		mediaType = bulk.MediaCSV
	case ".ndjson", ".jsonl":
		mediaType = bulk.MediaNDJSON
	default:
		return "", nil, impFieldErr("file", "media_type", "choose a .csv file saved from the template (Excel: Save as “CSV UTF-8”)",
			"hãy chọn tệp .csv lưu từ tệp mẫu (Excel: Lưu thành “CSV UTF-8”)")
	}
	r, err := fh.Open()
	if err != nil {
		return "", nil, err
	}
	defer r.Close()
	body, err = io.ReadAll(io.LimitReader(r, impFileLimit+1))
	if err != nil {
		return "", nil, err
	}
	if !utf8.Valid(body) || bytes.IndexByte(body, 0) >= 0 {
		return "", nil, impFieldErr("file", "media_type", "the file is not CSV text in UTF-8 (Excel: Save as “CSV UTF-8”)",
			"tệp không phải văn bản CSV mã UTF-8 (Excel: Lưu thành “CSV UTF-8”)")
	}
	return mediaType, body, nil
}

func impFieldErr(field, rule, en, vi string) error {
	return fieldError(field, rule, registry.Errorf(registry.EINVALID, en, vi))
}

// impReadErr puts a problem of the file as a whole beside the file field
// (a bad mode stays with the mode).
func impReadErr(err error) error {
	e := registry.PublicError(err)
	if e.Code == registry.EINVALID && len(e.Fields) > 0 {
		out := *e
		out.Fields = nil
		for _, fe := range e.Fields {
			if fe.Field != "mode" {
				if fe.Field != "" && fe.Field != "body" {
					fe.Message, fe.MessageVI = fe.Field+": "+fe.Message, fe.Field+": "+fe.MessageVI
				}
				fe.Field = "file"
			}
			out.Fields = append(out.Fields, fe)
		}
		return &out
	}
	switch e.Code {
	case registry.EMALFORMED, registry.ETOOLARGE, registry.EMEDIATYPE:
		return fieldError("file", e.Code, e)
	}
	return err
}

func (w *Web) impUpload(c *fiber.Ctx) error {
	me := actor(c)
	p := w.page(c, "import/index", "imp_title")
	p.Form = newForm(c)
	d, err := w.impData(c, p.Lang)
	if err != nil {
		return err
	}
	p.Data = d
	k, ok := impKind(p.Form.Value("kind"))
	if !ok {
		p.Form.Fail(impFieldErr("kind", "one_of", "choose lots or events", "hãy chọn lô hàng hoặc sự kiện"))
		return w.render(c, fiber.StatusUnprocessableEntity, p)
	}
	d.Kind = k.Name
	resource := registry.KindBatch
	if k.Name == "events" {
		resource = registry.KindEvent
	}
	if err := registry.Authorize(me, registry.ActCreate, registry.Resource{Kind: resource, EnterpriseID: me.EnterpriseID}); err != nil {
		return err
	}
	mode := p.Form.Value("mode")
	if mode != bulk.ModeEach && mode != bulk.ModeAllOrNothing {
		p.Form.Fail(impFieldErr("mode", "one_of", "choose how to import", "hãy chọn cách nhập"))
		return w.render(c, fiber.StatusUnprocessableEntity, p)
	}
	mt, body, err := impFile(c)
	if err == nil {
		var in *bulk.Input
		if in, err = bulk.Read(k, mode, mt, body); err == nil {
			in.DeriveKeys()
			d.Report, err = w.impWrite(c, k, in)
		}
	}
	if err != nil {
		if err = impReadErr(err); invalid(err) {
			p.Form.Fail(err)
			return w.render(c, fiber.StatusUnprocessableEntity, p)
		}
		if registry.ErrorCode(err) == registry.ETOOMANY {
			c.Set(fiber.HeaderRetryAfter, "30")
			p.Form.Fail(err)
			return w.render(c, fiber.StatusTooManyRequests, p)
		}
		return err
	}
	if d.Report.Created > 0 {
		w.publicChanged()
	}
	status := fiber.StatusOK
	if d.Report.Rejected() || d.Report.Failed > 0 && d.Report.Created == 0 && d.Report.Duplicates == 0 {
		status = fiber.StatusUnprocessableEntity
	}
	return w.render(c, status, p)
}

// impWrite writes the rows, one of few imports at a time, with the audit
// entries the API writes.
func (w *Web) impWrite(c *fiber.Ctx, k bulk.Kind, in *bulk.Input) (*bulk.Report, error) {
	release, err := w.imports.Enter(ctx(c), bulk.Key(actor(c)), 2*time.Minute)
	if err != nil {
		return nil, err
	}
	defer release()
	im := &bulk.Importer{Store: w.store, Clock: w.clock, Log: w.log, PendingTimeout: 10 * time.Minute,
		// The import's own context: its writes and their audit entries share transactions.
		Audit: func(ctx context.Context, action, kind, id, enterpriseID string, after any) error {
			return w.store.AppendAudit(ctx, registry.NewAuditEntry(actor(c), action, kind, id, enterpriseID, nil, after))
		}}
	if k.Name == "events" {
		return im.Events(ctx(c), actor(c), in)
	}
	return im.Batches(ctx(c), actor(c), in)
}

// ImpColumn names an import's field as the template's heading in the
// page's language ("rows" problems of nested values keep their suffix).
func (p *Page) ImpColumn(field string) string {
	d, ok := p.Data.(*impData)
	if !ok || field == "" {
		return field
	}
	base := field
	if i := strings.IndexAny(field, ".["); i >= 0 {
		base = field[:i]
	}
	if h, ok := d.Columns[base]; ok {
		return h + field[len(base):]
	}
	return field
}
