package web

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"mime/multipart"
	"strings"

	"github.com/gofiber/fiber/v2"

	"github.com/tracereg/tracereg/registry"
)

// StagedFile is an upload already in the document store, carried by a form
// shown again so a wrong field elsewhere never loses it. Token goes into a
// hidden field; it is signed with the session's secret, so it names only
// bytes this session uploaded.
type StagedFile struct {
	Blob  registry.Blob
	Name  string
	Token string
}

type stagedClaim struct {
	SHA  string `json:"s"`
	Name string `json:"n"`
}

func stageSign(secret string, payload []byte) string {
	m := hmac.New(sha256.New, []byte("staged-upload:"+secret))
	m.Write(payload)
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}

// errStaleUpload answers a staged token this session did not sign.
var errStaleUpload = registry.Errorf(registry.EINVALID,
	"the earlier upload cannot be used; choose the file again", "không dùng được tệp đã tải lên trước; hãy chọn lại tệp")

// upload takes the file of form field `field`: a new file part is stored in
// the document store (at most limit bytes of an allowed sniffed type); with
// no new file, the staged token of an earlier try (field+"_staged") is used.
// It returns nil when neither is there. The upload is kept on the form, so
// rendering the form again offers it.
func (w *Web) upload(c *fiber.Ctx, f *Form, field string, limit int64, allowed []string) (*StagedFile, error) {
	var st StagedFile
	if fh, err := c.FormFile(field); err == nil && fh.Size > 0 {
		st, err = w.putFile(c, fh, limit, allowed)
		if code := registry.ErrorCode(err); code == registry.ETOOLARGE || code == registry.EMEDIATYPE {
			return nil, fieldError(field, code, registry.PublicError(err))
		}
		if err != nil {
			return nil, err
		}
	} else {
		token := c.FormValue(field + "_staged")
		if token == "" {
			return nil, nil
		}
		st, err = w.unstage(c, token)
		if err == errStaleUpload {
			return nil, fieldError(field, "staged", errStaleUpload)
		}
		if err != nil {
			return nil, err
		}
	}
	f.Staged[field] = st
	return &st, nil
}

// putFile stores one uploaded file part and signs it for the form. ETOOLARGE
// or EMEDIATYPE when it is over limit or not of an allowed sniffed type.
func (w *Web) putFile(c *fiber.Ctx, fh *multipart.FileHeader, limit int64, allowed []string) (StagedFile, error) {
	if fh.Size > limit {
		return StagedFile{}, registry.Errorf(registry.ETOOLARGE, "the file is larger than the limit", "tệp lớn hơn giới hạn cho phép")
	}
	r, err := fh.Open()
	if err != nil {
		return StagedFile{}, err
	}
	defer r.Close()
	blob, err := w.cfg.Documents.Put(ctx(c), r, limit, allowed)
	if err != nil {
		return StagedFile{}, err
	}
	name := fh.Filename
	if len(name) > 200 {
		name = name[:200]
	}
	payload, _ := json.Marshal(stagedClaim{SHA: blob.SHA256, Name: name})
	return StagedFile{Blob: blob, Name: name,
		Token: base64.RawURLEncoding.EncodeToString(payload) + "." + stageSign(session(c).CSRF, payload)}, nil
}

// unstage returns the file a staged token of this session names;
// errStaleUpload when the session did not sign it.
func (w *Web) unstage(c *fiber.Ctx, token string) (StagedFile, error) {
	enc, sig, ok := strings.Cut(token, ".")
	payload, err := base64.RawURLEncoding.DecodeString(enc)
	var claim stagedClaim
	if !ok || err != nil || !hmac.Equal([]byte(sig), []byte(stageSign(session(c).CSRF, payload))) || json.Unmarshal(payload, &claim) != nil {
		return StagedFile{}, errStaleUpload
	}
	blob, err := w.cfg.Documents.Stat(ctx(c), claim.SHA)
	if err != nil {
		return StagedFile{}, err
	}
	return StagedFile{Blob: blob, Name: claim.Name, Token: token}, nil
}

// saveDocument records an uploaded file as a document of an enterprise (or
// a certification body), reusing the record when the owner already has
// those bytes.
func (w *Web) saveDocument(c *fiber.Ctx, st *StagedFile, kind, title, enterpriseID, bodyID string) (*registry.Document, error) {
	return w.storeDocument(c, st, registry.Document{Title: title, Kind: kind, EnterpriseID: enterpriseID, BodyID: bodyID})
}

// storeDocument records an uploaded file as d (its owner, kind, title and
// public mark set by the caller). An enterprise's record of the same bytes
// is reused only when it is the same party's (the same body, or none) of
// the same kind, and public if d must be: the same PDF sent by the
// certification body and by the enterprise stays two records, each under
// its own title.
func (w *Web) storeDocument(c *fiber.Ctx, st *StagedFile, d registry.Document) (*registry.Document, error) {
	if d.EnterpriseID != "" {
		old, err := w.store.FindEnterpriseDocument(ctx(c), d.EnterpriseID, st.Blob.SHA256)
		if err == nil && old.BodyID == d.BodyID && old.Kind == d.Kind && (!d.Public || old.Public) {
			return old, nil
		}
		if err != nil && registry.ErrorCode(err) != registry.ENOTFOUND {
			return nil, err
		}
	}
	d.FileName, d.CreatedBy, d.Blob = st.Name, actor(c).Username, st.Blob
	if r := []rune(d.Title); len(r) > 200 {
		d.Title = string(r[:200])
	}
	if strings.TrimSpace(d.Title) == "" {
		d.Title = st.Name
	}
	if err := registry.Authorize(actor(c), registry.ActCreate, registry.Resource{Kind: registry.KindDocument,
		EnterpriseID: d.EnterpriseID, BodyID: d.BodyID}); err != nil {
		return nil, err
	}
	if err := w.store.CreateDocument(ctx(c), &d); err != nil {
		return nil, err
	}
	if err := w.audit(c, "document.create", registry.KindDocument, d.ID, d.EnterpriseID, nil, &d); err != nil {
		return nil, err
	}
	return &d, nil
}

// listPage reads ?cursor= for a list page of n records.
func listPage(c *fiber.Ctx, n int) (registry.Page, error) {
	p := registry.Page{Limit: n}
	if cur := c.Query("cursor"); cur != "" {
		// The store checks that a cursor is one of its own; here only its size.
		if len(cur) > registry.MaxCursorLen {
			return p, fieldError("cursor", "cursor", registry.Errorf(registry.EINVALID, "is not a page of this list", "không phải là trang của danh sách này"))
		}
		p.Cursor = cur
	}
	return p, nil
}
