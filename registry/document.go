package registry

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"
	"net/http"
	"os"
	"regexp"
	"slices"
	"time"
)

// MaxDocumentSize is the largest upload the registry accepts (20 MiB).
const MaxDocumentSize = 20 << 20

// DocumentMediaTypes are the media types accepted for documents, as sniffed
// from the bytes (never as the client claims).
var DocumentMediaTypes = []string{"application/pdf", "image/png", "image/jpeg", "image/webp"}

// Blob describes stored bytes: their content address, size and sniffed type.
type Blob struct {
	SHA256    string `json:"sha256" bson:"sha256"`
	Size      int64  `json:"size" bson:"size"`
	MediaType string `json:"media_type" bson:"media_type"`
}

// DocumentStore keeps document bytes, addressed by their SHA-256.
// Implemented by registry/disk (the embedded default) and registry/minio (any S3).
type DocumentStore interface {
	// Put stores at most limit bytes read from r. It returns ETOOLARGE when r
	// holds more, EMEDIATYPE when the sniffed type is not in allowed (nil
	// allows any), EUNAVAILABLE when the store does not answer. Storing the same
	// bytes twice keeps one copy and returns the same Blob.
	Put(ctx context.Context, r io.Reader, limit int64, allowed []string) (Blob, error)
	// Open returns the blob's bytes; the caller closes them. ENOTFOUND if no
	// blob has that address, EINVALID if the address is not 64 hex digits.
	Open(ctx context.Context, sha string) (io.ReadCloser, Blob, error)
	// Stat returns what is known of a blob. ENOTFOUND, EINVALID as Open.
	Stat(ctx context.Context, sha string) (Blob, error)
	// Delete removes a blob; deleting a missing blob is not an error.
	Delete(ctx context.Context, sha string) error
	// Ping returns EUNAVAILABLE when the store cannot be reached.
	Ping(ctx context.Context) error
}

// Document is the registry's record of an uploaded file: who owns it, what
// it is, and the blob that holds its bytes.
type Document struct {
	ID           string    `json:"id" bson:"_id"`
	EnterpriseID string    `json:"enterprise_id,omitempty" bson:"enterprise_id,omitempty"`
	BodyID       string    `json:"body_id,omitempty" bson:"body_id,omitempty"`
	Title        string    `json:"title" bson:"title"`
	FileName     string    `json:"file_name" bson:"file_name"`
	Kind         string    `json:"kind" bson:"kind"` // certificate, test_report, photo, plot_file, regulation, other
	Public       bool      `json:"public" bson:"public"`
	Blob         Blob      `json:"blob" bson:"blob"`
	CreatedBy    string    `json:"created_by,omitempty" bson:"created_by,omitempty"`
	CreatedAt    time.Time `json:"created_at" bson:"created_at"`
	UpdatedAt    time.Time `json:"updated_at" bson:"updated_at"`
	Version      int       `json:"version" bson:"version"`
}

// DocumentKinds lists the accepted values of Document.Kind.
var DocumentKinds = []string{"certificate", "test_report", "photo", "plot_file", "regulation", "announcement", "other"}

// Validate checks a document record before it is written.
func (d *Document) Validate() error {
	var p Problems
	requireText(&p, "title", d.Title, 200)
	checkText(&p, "file_name", d.FileName, 255)
	oneOf(&p, "kind", d.Kind, DocumentKinds)
	if err := ValidateSHA256(d.Blob.SHA256); err != nil {
		p.Add("blob.sha256", "format", "must be 64 lowercase hex digits", "phải gồm 64 chữ số thập lục phân viết thường")
	}
	// A regulation in the standards catalogue (the province's QCĐP, a QCVN)
	// belongs to the catalogue, kept by province staff, not to an owner.
	if d.EnterpriseID == "" && d.BodyID == "" && d.Kind != "regulation" {
		p.Add("enterprise_id", "required", "a document belongs to an enterprise or a certification body", "tài liệu phải thuộc về một doanh nghiệp hoặc một tổ chức chứng nhận")
	}
	return p.Err()
}

var sha256Pattern = regexp.MustCompile(`^[0-9a-f]{64}$`)

// ValidateSHA256 returns EINVALID unless s is 64 lowercase hex digits; it keeps
// paths and object keys built from an address safe.
func ValidateSHA256(s string) error {
	if !sha256Pattern.MatchString(s) {
		return Errorf(EINVALID, "The document address must be 64 lowercase hex digits.", "Mã tài liệu phải gồm 64 chữ số thập lục phân viết thường.")
	}
	return nil
}

// SniffMediaType names the type of content from its first bytes.
func SniffMediaType(head []byte) string {
	t := http.DetectContentType(head)
	for i := range len(t) {
		if t[i] == ';' {
			return t[:i]
		}
	}
	return t
}

// Spooled is an upload written to a temporary file while being hashed,
// sized and sniffed, so a store can place it in one step.
type Spooled struct {
	Blob Blob
	File *os.File // positioned at the start; Close removes it
}

// Close closes and removes the temporary file.
func (s *Spooled) Close() error {
	name := s.File.Name()
	err := s.File.Close()
	if rmErr := os.Remove(name); err == nil && !errors.Is(rmErr, os.ErrNotExist) {
		err = rmErr
	}
	return err
}

// Spool copies at most limit bytes of r into a temporary file in dir
// ("" for the system default), computing the Blob on the way. It returns
// ETOOLARGE when r holds more than limit bytes and EMEDIATYPE when the
// sniffed type is not in allowed (nil allows any). Nothing is left behind on error.
func Spool(r io.Reader, limit int64, allowed []string, dir string) (*Spooled, error) {
	f, err := os.CreateTemp(dir, "upload-*")
	if err != nil {
		return nil, err
	}
	s := &Spooled{File: f}
	ok := false
	defer func() {
		if !ok {
			s.Close()
		}
	}()

	h := sha256.New()
	head := make([]byte, 0, 512)
	n, err := io.Copy(io.MultiWriter(f, h, &headWriter{buf: &head}), io.LimitReader(r, limit+1))
	if err != nil {
		return nil, err
	}
	if n > limit {
		return nil, Errorf(ETOOLARGE, "The file is larger than the limit.", "Tệp vượt quá dung lượng cho phép.")
	}
	if n == 0 {
		return nil, &Error{Code: EINVALID, Message: "The file is empty.", MessageVI: "Tệp rỗng.",
			Fields: []FieldError{{Field: "file", Rule: "required", Message: "the file is empty", MessageVI: "tệp rỗng"}}}
	}
	mediaType := SniffMediaType(head)
	if allowed != nil && !slices.Contains(allowed, mediaType) {
		return nil, Errorf(EMEDIATYPE, "This file type is not accepted (PDF, PNG, JPEG or WebP only).", "Loại tệp này không được chấp nhận (chỉ PDF, PNG, JPEG hoặc WebP).")
	}
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		return nil, err
	}
	s.Blob = Blob{SHA256: hex.EncodeToString(h.Sum(nil)), Size: n, MediaType: mediaType}
	ok = true
	return s, nil
}

// headWriter keeps the first 512 bytes written, for sniffing.
type headWriter struct{ buf *[]byte }

func (w *headWriter) Write(p []byte) (int, error) {
	if room := cap(*w.buf) - len(*w.buf); room > 0 {
		*w.buf = append(*w.buf, p[:min(room, len(p))]...)
	}
	return len(p), nil
}
