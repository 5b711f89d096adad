// Package disk implements registry.DocumentStore on a local directory: the
// embedded default when no S3 store is configured.
//
// Layout under the store directory:
//
//	blobs/ab/abcdef…   one file per blob, named by its SHA-256 (first two hex
//	                   digits as a fan-out directory, so no directory grows huge)
//	tmp/upload-*       uploads being spooled; never visible under blobs/
//
// A blob appears under blobs/ only by os.Link of a fully written, fsynced
// temporary file, which is atomic and never replaces an existing name, so
// several goroutines and several processes may share one directory.
package disk

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"time"

	"github.com/tracereg/tracereg/registry"
)

// staleUpload is how old a leftover temporary upload must be before New
// removes it. Uploads are short-lived, and another process may be spooling
// into the same tmp directory right now, so only old files are touched.
const staleUpload = 24 * time.Hour

// Store is a registry.DocumentStore on a local directory. It is safe for
// concurrent use, also by several processes sharing the directory.
type Store struct {
	dir   string
	blobs string
	tmp   string
}

var _ registry.DocumentStore = (*Store)(nil)

// New opens the store in dir, creating it (mode 0700) if needed, and removes
// temporary uploads left behind by a crash long ago.
func New(dir string) (*Store, error) {
	if dir == "" {
		return nil, errors.New("disk: no directory given")
	}
	abs, err := filepath.Abs(dir)
	if err != nil {
		return nil, fmt.Errorf("disk: %w", err)
	}
	s := &Store{dir: abs, blobs: filepath.Join(abs, "blobs"), tmp: filepath.Join(abs, "tmp")}
	for _, d := range []string{s.dir, s.blobs, s.tmp} {
		if err := os.MkdirAll(d, 0o700); err != nil {
			return nil, fmt.Errorf("disk: %w", err)
		}
	}
	s.removeStaleUploads(time.Now().Add(-staleUpload))
	return s, nil
}

// Dir returns the store's directory.
func (s *Store) Dir() string { return s.dir }

func (s *Store) removeStaleUploads(before time.Time) {
	entries, err := os.ReadDir(s.tmp)
	if err != nil {
		return
	}
	for _, e := range entries {
		if info, err := e.Info(); err == nil && info.Mode().IsRegular() && info.ModTime().Before(before) {
			os.Remove(filepath.Join(s.tmp, e.Name()))
		}
	}
}

// path returns where the blob with address sha lives; sha must be valid.
func (s *Store) path(sha string) string {
	return filepath.Join(s.blobs, sha[:2], sha)
}

// Put stores at most limit bytes read from r. It returns ETOOLARGE,
// EMEDIATYPE or EINVALID (empty) as registry.Spool does, and the reader's
// or the file system's error otherwise. Storing the same bytes twice keeps
// the first copy.
func (s *Store) Put(ctx context.Context, r io.Reader, limit int64, allowed []string) (registry.Blob, error) {
	if err := ctx.Err(); err != nil {
		return registry.Blob{}, err
	}
	// Spool inside the store directory so the final link stays on one file system.
	sp, err := registry.Spool(contextReader{ctx, r}, limit, allowed, s.tmp)
	if err != nil {
		return registry.Blob{}, err
	}
	defer sp.Close() // removes the temporary name; the linked name keeps the data

	// The data must be on disk before its name becomes visible, or a crash
	// could leave a well-named blob with missing content.
	if err := sp.File.Sync(); err != nil {
		return registry.Blob{}, fmt.Errorf("disk: %w", err)
	}
	if err := ctx.Err(); err != nil {
		return registry.Blob{}, err
	}
	target := s.path(sp.Blob.SHA256)
	fanout := filepath.Dir(target)
	if err := os.MkdirAll(fanout, 0o700); err != nil {
		return registry.Blob{}, fmt.Errorf("disk: %w", err)
	}
	// Link, unlike rename, never replaces an existing name: the bytes at a
	// content address are the same, so the first copy wins and stays put.
	if err := os.Link(sp.File.Name(), target); err != nil && !errors.Is(err, fs.ErrExist) {
		return registry.Blob{}, fmt.Errorf("disk: %w", err)
	}
	syncDir(fanout)
	return sp.Blob, nil
}

// syncDir makes a new directory entry durable; failure only weakens
// durability after a power cut, so it is not reported.
func syncDir(dir string) {
	if d, err := os.Open(dir); err == nil {
		d.Sync()
		d.Close()
	}
}

// Open returns the blob's bytes; the caller closes them. ENOTFOUND if no
// blob has that address, EINVALID if the address is not 64 lowercase hex digits.
func (s *Store) Open(ctx context.Context, sha string) (io.ReadCloser, registry.Blob, error) {
	if err := registry.ValidateSHA256(sha); err != nil {
		return nil, registry.Blob{}, err
	}
	if err := ctx.Err(); err != nil {
		return nil, registry.Blob{}, err
	}
	f, err := os.Open(s.path(sha))
	if err != nil {
		return nil, registry.Blob{}, mapError(err)
	}
	blob, err := describe(f, sha)
	if err != nil {
		f.Close()
		return nil, registry.Blob{}, err
	}
	return f, blob, nil
}

// Stat returns what is known of a blob. ENOTFOUND, EINVALID as Open.
func (s *Store) Stat(ctx context.Context, sha string) (registry.Blob, error) {
	if err := registry.ValidateSHA256(sha); err != nil {
		return registry.Blob{}, err
	}
	if err := ctx.Err(); err != nil {
		return registry.Blob{}, err
	}
	f, err := os.Open(s.path(sha))
	if err != nil {
		return registry.Blob{}, mapError(err)
	}
	defer f.Close()
	return describe(f, sha)
}

// describe builds the Blob of an open blob file. The media type is sniffed
// again from the first bytes rather than kept in a sidecar file: it is the
// same rule that accepted the upload, and there is nothing to get out of step.
func describe(f *os.File, sha string) (registry.Blob, error) {
	info, err := f.Stat()
	if err != nil {
		return registry.Blob{}, fmt.Errorf("disk: %w", err)
	}
	head := make([]byte, 512)
	n, err := f.ReadAt(head, 0) // ReadAt leaves the offset at 0 for the caller
	if err != nil && !errors.Is(err, io.EOF) {
		return registry.Blob{}, fmt.Errorf("disk: %w", err)
	}
	return registry.Blob{SHA256: sha, Size: info.Size(), MediaType: registry.SniffMediaType(head[:n])}, nil
}

// Delete removes a blob; deleting a missing blob is not an error. EINVALID
// if the address is malformed.
func (s *Store) Delete(ctx context.Context, sha string) error {
	if err := registry.ValidateSHA256(sha); err != nil {
		return err
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	// The fan-out directory is left in place: removing it could race with a
	// Put that has just created it.
	if err := os.Remove(s.path(sha)); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("disk: %w", err)
	}
	return nil
}

// Ping returns EUNAVAILABLE unless a file can be created in the store.
func (s *Store) Ping(ctx context.Context) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	f, err := os.CreateTemp(s.tmp, "ping-*")
	if err != nil {
		return unavailable(err)
	}
	name := f.Name()
	err = f.Close()
	if rmErr := os.Remove(name); err == nil {
		err = rmErr
	}
	if err != nil {
		return unavailable(err)
	}
	return nil
}

func mapError(err error) error {
	if errors.Is(err, fs.ErrNotExist) {
		return registry.Errorf(registry.ENOTFOUND, "No document has that address.", "Không có tài liệu nào có mã này.")
	}
	return fmt.Errorf("disk: %w", err)
}

// unavailable keeps the cause for the log while users see only the
// registry.Error (PublicError finds it with errors.As).
func unavailable(cause error) error {
	e := registry.Errorf(registry.EUNAVAILABLE, "The document store is not available.", "Kho tài liệu hiện không truy cập được.")
	return fmt.Errorf("disk: %w: %w", e, cause)
}

// contextReader stops a long upload once the request is gone.
type contextReader struct {
	ctx context.Context
	r   io.Reader
}

func (c contextReader) Read(p []byte) (int, error) {
	if err := c.ctx.Err(); err != nil {
		return 0, err
	}
	return c.r.Read(p)
}
