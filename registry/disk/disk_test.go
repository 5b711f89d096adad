package disk

import (
	"bytes"
	"errors"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/tracereg/tracereg/registry"
	"github.com/tracereg/tracereg/registry/documenttest"
)

func newStore(t *testing.T) *Store {
	t.Helper()
	return newStoreAt(t, filepath.Join(t.TempDir(), "documents"))
}

func TestContract(t *testing.T) {
	documenttest.RunContract(t, func(t *testing.T) registry.DocumentStore { return newStore(t) })
}

func TestNewCreatesPrivateDir(t *testing.T) {
	s := newStore(t)
	info, err := os.Stat(s.Dir())
	if err != nil {
		t.Fatal(err)
	}
	if perm := info.Mode().Perm(); perm != 0o700 {
		t.Errorf("store directory mode %o, want 700", perm)
	}
}

func TestLayout(t *testing.T) {
	s := newStore(t)
	data := documenttest.PDF(1)
	b, err := s.Put(t.Context(), bytes.NewReader(data), registry.MaxDocumentSize, nil)
	if err != nil {
		t.Fatal(err)
	}
	got, err := os.ReadFile(filepath.Join(s.Dir(), "blobs", b.SHA256[:2], b.SHA256))
	if err != nil {
		t.Fatalf("blob not at blobs/%s/%s: %v", b.SHA256[:2], b.SHA256, err)
	}
	if !bytes.Equal(got, data) {
		t.Error("stored file differs from the upload")
	}
}

// blobFiles lists every regular file under blobs/.
func blobFiles(t *testing.T, s *Store) []string {
	t.Helper()
	var files []string
	err := filepath.WalkDir(filepath.Join(s.Dir(), "blobs"), func(path string, d fs.DirEntry, err error) error {
		if err == nil && d.Type().IsRegular() {
			files = append(files, path)
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return files
}

func TestSameBytesKeepOneFile(t *testing.T) {
	s := newStore(t)
	data := documenttest.PNG(t, 1)
	for range 3 {
		if _, err := s.Put(t.Context(), bytes.NewReader(data), registry.MaxDocumentSize, nil); err != nil {
			t.Fatal(err)
		}
	}
	if files := blobFiles(t, s); len(files) != 1 {
		t.Errorf("%d files under blobs/, want 1: %v", len(files), files)
	}
}

// TestTwoStoresOneDir stands in for two processes sharing the directory.
func TestTwoStoresOneDir(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "documents")
	first, err := New(dir)
	if err != nil {
		t.Fatal(err)
	}
	second, err := New(dir)
	if err != nil {
		t.Fatal(err)
	}
	data := documenttest.JPEG(t, 1)
	b, err := first.Put(t.Context(), bytes.NewReader(data), registry.MaxDocumentSize, nil)
	if err != nil {
		t.Fatal(err)
	}
	rc, got, err := second.Open(t.Context(), b.SHA256)
	if err != nil {
		t.Fatalf("second store cannot open the first's blob: %v", err)
	}
	defer rc.Close()
	read, _ := io.ReadAll(rc)
	if got != b || !bytes.Equal(read, data) {
		t.Errorf("second store sees %+v (%d bytes), want %+v (%d bytes)", got, len(read), b, len(data))
	}
	// Both put the same bytes: still one copy.
	if _, err := second.Put(t.Context(), bytes.NewReader(data), registry.MaxDocumentSize, nil); err != nil {
		t.Fatal(err)
	}
	if files := blobFiles(t, first); len(files) != 1 {
		t.Errorf("%d files under blobs/, want 1", len(files))
	}
	if err := second.Delete(t.Context(), b.SHA256); err != nil {
		t.Fatal(err)
	}
	if _, err := first.Stat(t.Context(), b.SHA256); registry.ErrorCode(err) != registry.ENOTFOUND {
		t.Errorf("first store still sees a blob the second deleted: %v", err)
	}
}

type failAfter struct {
	r   io.Reader
	err error
}

func (f *failAfter) Read(p []byte) (int, error) {
	n, err := f.r.Read(p)
	if err == io.EOF {
		return n, f.err
	}
	return n, err
}

func TestFailedPutsLeaveNoFiles(t *testing.T) {
	s := newStore(t)
	boom := errors.New("boom")
	attempts := []struct {
		name    string
		r       io.Reader
		limit   int64
		allowed []string
	}{
		{"too large", bytes.NewReader(bytes.Repeat([]byte("%PDF-1.4\n"), 200)), 100, nil},
		{"media type", bytes.NewReader([]byte("<html></html>")), registry.MaxDocumentSize, registry.DocumentMediaTypes},
		{"empty", bytes.NewReader(nil), registry.MaxDocumentSize, nil},
		{"reader error", &failAfter{bytes.NewReader(documenttest.PDF(1)), boom}, registry.MaxDocumentSize, nil},
	}
	for _, a := range attempts {
		if _, err := s.Put(t.Context(), a.r, a.limit, a.allowed); err == nil {
			t.Errorf("%s: Put succeeded", a.name)
		}
	}
	left, err := os.ReadDir(filepath.Join(s.Dir(), "tmp"))
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range left {
		t.Errorf("temporary file left behind: %s", e.Name())
	}
	if files := blobFiles(t, s); len(files) != 0 {
		t.Errorf("failed Puts stored %v", files)
	}
}

func TestSuccessfulPutLeavesNoTempFile(t *testing.T) {
	s := newStore(t)
	if _, err := s.Put(t.Context(), bytes.NewReader(documenttest.PDF(1)), registry.MaxDocumentSize, nil); err != nil {
		t.Fatal(err)
	}
	if err := s.Ping(t.Context()); err != nil {
		t.Fatal(err)
	}
	left, _ := os.ReadDir(filepath.Join(s.Dir(), "tmp"))
	if len(left) != 0 {
		t.Errorf("temporary files left behind: %v", left)
	}
}

func TestNewRemovesOnlyStaleUploads(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "documents")
	s := newStoreAt(t, dir)
	stale := filepath.Join(s.Dir(), "tmp", "upload-stale")
	fresh := filepath.Join(s.Dir(), "tmp", "upload-fresh")
	for _, name := range []string{stale, fresh} {
		if err := os.WriteFile(name, []byte("x"), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	old := time.Now().Add(-2 * staleUpload)
	if err := os.Chtimes(stale, old, old); err != nil {
		t.Fatal(err)
	}
	newStoreAt(t, dir)
	if _, err := os.Stat(stale); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("stale upload still there: %v", err)
	}
	if _, err := os.Stat(fresh); err != nil {
		t.Errorf("an upload another process may be writing was removed: %v", err)
	}
}

func newStoreAt(t *testing.T, dir string) *Store {
	t.Helper()
	s, err := New(dir)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestPingUnwritable(t *testing.T) {
	if os.Geteuid() == 0 {
		t.Skip("root writes to read-only directories")
	}
	s := newStore(t)
	tmp := filepath.Join(s.Dir(), "tmp")
	if err := os.Chmod(tmp, 0o500); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.Chmod(tmp, 0o700) })
	if err := s.Ping(t.Context()); registry.ErrorCode(err) != registry.EUNAVAILABLE {
		t.Errorf("Ping on a read-only store = %v, want EUNAVAILABLE", err)
	}
}

func TestPingRemovedDir(t *testing.T) {
	s := newStore(t)
	if err := os.RemoveAll(s.Dir()); err != nil {
		t.Fatal(err)
	}
	err := s.Ping(t.Context())
	if registry.ErrorCode(err) != registry.EUNAVAILABLE {
		t.Errorf("Ping on a removed store = %v, want EUNAVAILABLE", err)
	}
	if pub := registry.PublicError(err); pub.Code != registry.EUNAVAILABLE {
		t.Errorf("PublicError = %+v", pub)
	}
}
