package api

import (
	"fmt"
	"mime"
	"strconv"
	"strings"

	"github.com/gofiber/fiber/v2"

	"github.com/tracereg/tracereg/registry"
)

// documentPatch changes what may change of a document.
type documentPatch struct {
	Title  *string `json:"title,omitempty"`
	Kind   *string `json:"kind,omitempty"`
	Public *bool   `json:"public,omitempty"`
}

func documentTarget(d *registry.Document) registry.Resource {
	return registry.Resource{Kind: registry.KindDocument, EnterpriseID: d.EnterpriseID, BodyID: d.BodyID, Public: d.Public}
}

func (a *API) mountDocuments(g fiber.Router) {
	a.add(g, routeDoc{Method: "POST", Summary: "Upload a document (multipart: file, title, kind, public, enterprise_id or body_id for admins); PDF, PNG, JPEG or WebP up to 20 MiB",
		Tag: "documents", RequestType: "multipart/form-data", Response: registry.Document{}, Status: fiber.StatusCreated, Idempotent: true}, "/documents", a.uploadDocument)
	a.add(g, routeDoc{Method: "GET", Summary: "List document records: an enterprise its own, a certifier its body's, inspectors and admins all",
		Tag: "documents", Response: listOf[registry.Document]{}, Query: []string{"limit", "cursor", "updated_since", "enterprise", "kind"}}, "/documents", a.listDocuments)
	a.add(g, routeDoc{Method: "GET", Summary: "Read a document's record", Tag: "documents", Response: registry.Document{}}, "/documents/:id", a.getDocument)
	a.add(g, routeDoc{Method: "GET", Summary: "Download a document (anyone, when its owner made it public)", Tag: "documents",
		RequestType: "application/octet-stream"}, "/documents/:id/content", a.downloadDocument)
	a.add(g, routeDoc{Method: "PATCH", Summary: "Change a document's title, kind or public mark (If-Match)", Tag: "documents",
		Request: documentPatch{}, Response: registry.Document{}, IfMatch: true}, "/documents/:id", a.patchDocument)
	a.add(g, routeDoc{Method: "DELETE", Summary: "Delete a document's record (409 while records refer to it)", Tag: "documents", Status: fiber.StatusNoContent},
		"/documents/:id", a.deleteDocument)
}

func (a *API) loadDocument(c *fiber.Ctx, action string) (*registry.Document, error) {
	d, err := a.store.FindDocument(c.UserContext(), c.Params("id"))
	if err != nil {
		if actor(c).Anonymous() && registry.ErrorCode(err) == registry.ENOTFOUND {
			// Anonymous callers learn nothing about which private IDs exist.
			return nil, registry.Authorize(actor(c), action, registry.Resource{Kind: registry.KindDocument})
		}
		return nil, err
	}
	t := documentTarget(d)
	if err := registry.Authorize(actor(c), registry.ActRead, t); err != nil {
		return nil, err
	}
	if err := registry.Authorize(actor(c), action, t); err != nil {
		return nil, err
	}
	return d, nil
}

func (a *API) uploadDocument(c *fiber.Ctx) error {
	me := actor(c)
	if me.Anonymous() {
		return registry.Authorize(me, registry.ActCreate, registry.Resource{Kind: registry.KindDocument})
	}
	mt, _, _ := mime.ParseMediaType(c.Get(fiber.HeaderContentType))
	if mt != fiber.MIMEMultipartForm {
		return registry.Errorf(registry.EMEDIATYPE, "Upload the file as multipart/form-data.", "Hãy tải tệp lên dạng multipart/form-data.")
	}
	form, err := c.MultipartForm()
	if err != nil {
		return registry.Errorf(registry.EMALFORMED, "The multipart body cannot be read.", "Không đọc được nội dung multipart.")
	}
	value := func(name string) string {
		if v := form.Value[name]; len(v) > 0 {
			return v[0]
		}
		return ""
	}
	for name := range form.Value {
		switch name {
		case "title", "kind", "public", "enterprise_id", "body_id":
		default:
			return fieldErr(name, "unknown_field", "is not a field of a document", "không phải là trường của tài liệu")
		}
	}
	files := form.File["file"]
	if len(files) != 1 {
		return fieldErr("file", "required", "send exactly one file", "hãy gửi đúng một tệp")
	}
	d := &registry.Document{Title: value("title"), Kind: value("kind"), EnterpriseID: value("enterprise_id"), BodyID: value("body_id"),
		FileName: files[0].Filename, CreatedBy: me.Username}
	if d.Kind == "" {
		d.Kind = "other"
	}
	if p := value("public"); p != "" {
		b, err := strconv.ParseBool(p)
		if err != nil {
			return fieldErr("public", "type", "must be true or false", "phải là true hoặc false")
		}
		d.Public = b
	}
	switch me.Role {
	case registry.RoleEnterprise:
		ownEnterprise(me, &d.EnterpriseID)
	case registry.RoleCertifier:
		if d.BodyID == "" && d.EnterpriseID == "" {
			d.BodyID = me.BodyID
		}
	}
	if err := registry.Authorize(me, registry.ActCreate, documentTarget(d)); err != nil {
		return err
	}
	// Check the record before storing any bytes (the blob is filled in after).
	probe := *d
	probe.Blob.SHA256 = strings.Repeat("0", 64)
	if err := probe.Validate(); err != nil {
		return err
	}
	if files[0].Size > registry.MaxDocumentSize {
		return registry.Errorf(registry.ETOOLARGE, "The file is larger than 20 MiB.", "Tệp lớn hơn 20 MiB.")
	}
	f, err := files[0].Open()
	if err != nil {
		return err
	}
	defer f.Close()
	blob, err := a.docs.Put(c.UserContext(), f, registry.MaxDocumentSize, registry.DocumentMediaTypes)
	if err != nil {
		return err
	}
	d.Blob = blob
	if err := a.store.CreateDocument(c.UserContext(), d); err != nil {
		return err
	}
	if err := a.audit(c, "document.create", registry.KindDocument, d.ID, d.EnterpriseID, nil, d); err != nil {
		return err
	}
	c.Set(fiber.HeaderETag, etag(d.ID, d.Version))
	return c.Status(fiber.StatusCreated).JSON(d)
}

func (a *API) getDocument(c *fiber.Ctx) error {
	d, err := a.loadDocument(c, registry.ActRead)
	if err != nil {
		return err
	}
	c.Set(fiber.HeaderETag, etag(d.ID, d.Version))
	return c.JSON(d)
}

func (a *API) downloadDocument(c *fiber.Ctx) error {
	d, err := a.loadDocument(c, registry.ActRead)
	if err != nil {
		return err
	}
	r, blob, err := a.docs.Open(c.UserContext(), d.Blob.SHA256)
	if err != nil {
		return err
	}
	c.Set(fiber.HeaderContentType, blob.MediaType)
	c.Set(fiber.HeaderContentDisposition, mime.FormatMediaType("attachment", map[string]string{"filename": d.FileName}))
	c.Set(fiber.HeaderCacheControl, map[bool]string{true: "public, max-age=300", false: "private, no-store"}[d.Public])
	c.Set("Digest", fmt.Sprintf("sha-256=%s", d.Blob.SHA256))
	return c.SendStream(r, int(blob.Size))
}

func (a *API) patchDocument(c *fiber.Ctx) error {
	cur, err := a.loadDocument(c, registry.ActUpdate)
	if err != nil {
		return err
	}
	read, err := ifMatch(c, cur.ID)
	if err != nil {
		return err
	}
	if read != cur.Version {
		return errStale
	}
	var in documentPatch
	if err := decodeJSON(c, &in, 16<<10); err != nil {
		return err
	}
	next := *cur
	if in.Title != nil {
		next.Title = *in.Title
	}
	if in.Kind != nil {
		next.Kind = *in.Kind
	}
	if in.Public != nil {
		next.Public = *in.Public
	}
	next.Version = read
	if err := a.store.UpdateDocument(c.UserContext(), &next); err != nil {
		return err
	}
	if err := a.audit(c, "document.update", registry.KindDocument, next.ID, next.EnterpriseID, cur, &next); err != nil {
		return err
	}
	c.Set(fiber.HeaderETag, etag(next.ID, next.Version))
	return c.JSON(&next)
}

func (a *API) deleteDocument(c *fiber.Ctx) error {
	cur, err := a.loadDocument(c, registry.ActDelete)
	if err != nil {
		return err
	}
	if err := a.store.DeleteRecord(c.UserContext(), registry.KindDocument, cur.ID); err != nil {
		return err
	}
	// The bytes stay: other records of the same bytes may point at them.
	if err := a.audit(c, "document.delete", registry.KindDocument, cur.ID, cur.EnterpriseID, cur, nil); err != nil {
		return err
	}
	return c.SendStatus(fiber.StatusNoContent)
}

func (a *API) listDocuments(c *fiber.Ctx) error {
	me := actor(c)
	scope, err := registry.Scope(me, registry.KindDocument)
	if err != nil {
		return err
	}
	p, err := page(c)
	if err != nil {
		return err
	}
	f := registry.DocumentFilter{EnterpriseID: scope, Page: p}
	if f.EnterpriseID, err = scoped(c, scope); err != nil {
		return err
	}
	if f.Kind, err = queryText(c, "kind"); err != nil {
		return err
	}
	if me.Role == registry.RoleCertifier {
		// A certifier lists its own body's documents, never an enterprise's.
		f.EnterpriseID, f.BodyID = "", me.BodyID
	}
	docs, next, err := a.store.ListDocuments(c.UserContext(), f)
	if err != nil {
		return err
	}
	return c.JSON(listOf[registry.Document]{Items: nonNil(docs), NextCursor: next})
}
