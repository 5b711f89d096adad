package web

import (
	"mime"
	"slices"
	"strconv"
	"strings"

	"github.com/gofiber/fiber/v2"

	"github.com/tracereg/tracereg/registry"
)

func (w *Web) mountEntDocuments(g fiber.Router, ent fiber.Handler) {
	g.Get("/documents", ent, w.entDocuments)
	g.Post("/documents", ent, w.entDocumentUpload)
	// Any signed-in role may fetch a file it may read (its own, its body's,
	// a public one; inspectors read all): registry.Authorize decides.
	g.Get("/documents/:id/file", w.entDocumentFile)
}

type entDocumentsData struct {
	Items []*registry.Document
	Next  string
	Kinds []string
}

// entUploadKinds are the kinds an enterprise picks when uploading.
var entUploadKinds = []string{"certificate", "test_report", "photo", "plot_file", "announcement", "other"}

func (w *Web) entDocumentsPage(c *fiber.Ctx, f *Form) (*Page, error) {
	id, err := entID(c)
	if err != nil {
		return nil, err
	}
	p := w.page(c, "enterprise/documents", "ent_documents_title")
	p.Form = f
	kind := c.Query("kind")
	if !slices.Contains(registry.DocumentKinds, kind) {
		kind = ""
	}
	pg, err := listPage(c, 25)
	if err != nil {
		return nil, err
	}
	d := entDocumentsData{Kinds: entUploadKinds}
	d.Items, d.Next, err = w.store.ListDocuments(ctx(c), registry.DocumentFilter{EnterpriseID: id, Kind: kind, Page: pg})
	if err != nil {
		return nil, err
	}
	p.Data = d
	return p, nil
}

func (w *Web) entDocuments(c *fiber.Ctx) error {
	f := newForm(c)
	f.Set("filter_kind", c.Query("kind"))
	f.Set("kind", "other")
	p, err := w.entDocumentsPage(c, f)
	if err != nil {
		return err
	}
	return w.render(c, fiber.StatusOK, p)
}

func (w *Web) entDocumentUpload(c *fiber.Ctx) error {
	id, err := entID(c)
	if err != nil {
		return err
	}
	f := newForm(c)
	title, kind := strings.TrimSpace(f.Value("title")), f.Value("kind")
	var p registry.Problems
	st, upErr := w.upload(c, f, "file", registry.MaxDocumentSize, registry.DocumentMediaTypes)
	if upErr != nil && !invalid(upErr) {
		return upErr
	}
	p.Merge("", upErr)
	if st == nil && upErr == nil {
		p.Add("file", "required", "choose a file (PDF, PNG, JPEG or WebP)", "hãy chọn tệp (PDF, PNG, JPEG hoặc WebP)")
	}
	check := registry.Document{Title: title, Kind: kind, EnterpriseID: id, Blob: registry.Blob{SHA256: strings.Repeat("0", 64)}}
	if st != nil {
		check.Blob = st.Blob
	}
	if !slices.Contains(entUploadKinds, kind) {
		p.Add("kind", "one_of", "choose what the document is", "hãy chọn loại tài liệu")
	}
	p.Merge("", check.Validate())
	err = p.Err()
	var doc *registry.Document
	if err == nil {
		doc, err = w.saveDocument(c, st, kind, title, id, "")
	}
	if err != nil {
		if invalid(err) {
			f.Fail(err)
			pg, perr := w.entDocumentsPage(c, f)
			if perr != nil {
				return perr
			}
			return w.render(c, fiber.StatusUnprocessableEntity, pg)
		}
		return err
	}
	_ = doc
	return w.redirectFlash(c, Prefix+"/documents", "flash_ent_document_uploaded")
}

// documentFile streams a document's bytes to whoever may read it.
func (w *Web) entDocumentFile(c *fiber.Ctx) error {
	id := entParam(c, "id")
	if !registry.ValidID(id) {
		return entNotFound()
	}
	d, err := w.store.FindDocument(ctx(c), id)
	if err != nil {
		return err
	}
	if err := registry.Authorize(actor(c), registry.ActRead, registry.Resource{Kind: registry.KindDocument,
		EnterpriseID: d.EnterpriseID, BodyID: d.BodyID, Public: d.Public}); err != nil {
		return err
	}
	rc, blob, err := w.cfg.Documents.Open(ctx(c), d.Blob.SHA256)
	if err != nil {
		return err
	}
	mediaType := blob.MediaType
	if mediaType == "" {
		mediaType = d.Blob.MediaType
	}
	if !slices.Contains(registry.DocumentMediaTypes, mediaType) {
		mediaType = "application/octet-stream"
	}
	disposition := "attachment"
	if strings.HasPrefix(mediaType, "image/") && c.Query("download") == "" {
		disposition = "inline"
	}
	c.Set(fiber.HeaderContentType, mediaType)
	c.Set(fiber.HeaderContentDisposition, mime.FormatMediaType(disposition, map[string]string{"filename": entDownloadName(d, mediaType)}))
	c.Set(fiber.HeaderCacheControl, "private, no-store")
	c.Set("X-Content-Type-Options", "nosniff")
	size := int(blob.Size)
	if size <= 0 {
		size = -1
	}
	return c.SendStream(rc, size)
}

// downloadName is the file name offered: the uploaded name, or the title,
// with the extension of its type.
func entDownloadName(d *registry.Document, mediaType string) string {
	name := d.FileName
	if name == "" {
		name = d.Title
	}
	name = strings.Map(func(r rune) rune {
		if r < 0x20 || r == '/' || r == '\\' || r == '"' || r == 0x7f {
			return '_'
		}
		return r
	}, name)
	ext := map[string]string{"application/pdf": ".pdf", "image/png": ".png", "image/jpeg": ".jpg", "image/webp": ".webp"}[mediaType]
	if ext != "" && !strings.HasSuffix(strings.ToLower(name), ext) && !(ext == ".jpg" && strings.HasSuffix(strings.ToLower(name), ".jpeg")) {
		name += ext
	}
	if name == "" {
		name = "document" + ext
	}
	return name
}

// EntSize shows a file size in kB or MB.
func (p *Page) EntSize(n int64) string {
	switch {
	case n >= 1<<20:
		return strconv.FormatFloat(float64(n)/(1<<20), 'f', 1, 64) + " MB"
	case n >= 1<<10:
		return strconv.FormatInt(n>>10, 10) + " kB"
	}
	return strconv.FormatInt(n, 10) + " B"
}
