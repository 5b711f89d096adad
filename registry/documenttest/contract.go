// Package documenttest holds the contract every registry.DocumentStore must
// keep. Each adapter's tests run RunContract against a real backend, so the
// disk store and the S3 store are held to the same behaviour.
package documenttest

import (
	"archive/zip"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"io"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tracereg/tracereg/registry"
)

// RunContract runs the DocumentStore contract as subtests. newStore must
// return an empty store of its own for each call (it is called once per
// subtest) and arrange its cleanup with t.Cleanup.
func RunContract(t *testing.T, newStore func(t *testing.T) registry.DocumentStore) {
	t.Helper()
	tests := []struct {
		name string
		run  func(t *testing.T, s registry.DocumentStore)
	}{
		{"RoundTrip", testRoundTrip},
		{"LargeRoundTrip", testLargeRoundTrip},
		{"SameBytesTwice", testSameBytesTwice},
		{"TooLarge", testTooLarge},
		{"AtLimit", testAtLimit},
		{"MediaTypeRejected", testMediaTypeRejected},
		{"AnyTypeWhenAllowedNil", testAnyTypeWhenAllowedNil},
		{"Empty", testEmpty},
		{"Unknown", testUnknown},
		{"MalformedAddress", testMalformedAddress},
		{"Delete", testDelete},
		{"ConcurrentSameBytes", testConcurrentSameBytes},
		{"ConcurrentDifferentBytes", testConcurrentDifferentBytes},
		{"FailingReader", testFailingReader},
		{"CanceledContext", testCanceledContext},
		{"Ping", testPing},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.run(t, newStore(t))
		})
	}
}

// Fixtures. Each builder returns bytes the standard sniffer classifies as
// the named type; seed makes distinct contents of the same type.

// PDF returns a small PDF document whose bytes depend on seed.
func PDF(seed int) []byte {
	return fmt.Appendf(nil, "%%PDF-1.4\n%%\xe2\xe3\xcf\xd3\n1 0 obj\n<< /Type /Catalog /Pages 2 0 R >>\nendobj\n"+
		"2 0 obj\n<< /Type /Pages /Kids [] /Count 0 >>\nendobj\n%% seed %d\ntrailer\n<< /Root 1 0 R >>\n%%%%EOF\n", seed)
}

// PNG returns a small PNG image whose pixels depend on seed.
func PNG(t testing.TB, seed int) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := png.Encode(&buf, picture(seed)); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// JPEG returns a small JPEG image whose pixels depend on seed.
func JPEG(t testing.TB, seed int) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, picture(seed), &jpeg.Options{Quality: 90}); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// WebP returns bytes with a WebP (lossy VP8) header; the payload is filler,
// which is all the sniffer looks at.
func WebP(seed int) []byte {
	payload := fmt.Appendf(nil, "\x9d\x01\x2a fake vp8 frame %d", seed)
	if len(payload)%2 == 1 {
		payload = append(payload, 0)
	}
	chunk := binary.LittleEndian.AppendUint32([]byte("VP8 "), uint32(len(payload)))
	chunk = append(chunk, payload...)
	body := append([]byte("WEBP"), chunk...)
	out := binary.LittleEndian.AppendUint32([]byte("RIFF"), uint32(len(body)))
	return append(out, body...)
}

func picture(seed int) image.Image {
	img := image.NewRGBA(image.Rect(0, 0, 16, 16))
	for y := range 16 {
		for x := range 16 {
			img.Set(x, y, color.RGBA{uint8(x * 16), uint8(y * 16), uint8(seed), 255})
		}
	}
	return img
}

func zipFile(t testing.TB) []byte {
	t.Helper()
	var buf bytes.Buffer
	w := zip.NewWriter(&buf)
	f, err := w.Create("hello.txt")
	if err != nil {
		t.Fatal(err)
	}
	io.WriteString(f, "hello")
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// padded returns a PDF of exactly n bytes (n must exceed the PDF header).
func padded(n int) []byte {
	b := make([]byte, n)
	copy(b, "%PDF-1.4\n%")
	for i := len("%PDF-1.4\n%"); i < n; i++ {
		b[i] = 'a' + byte(i%26)
	}
	return b
}

// Address returns the content address of b.
func Address(b []byte) string {
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}

func ctx(t *testing.T) context.Context {
	c, cancel := context.WithTimeout(t.Context(), 30*time.Second)
	t.Cleanup(cancel)
	return c
}

func put(t *testing.T, s registry.DocumentStore, data []byte) registry.Blob {
	t.Helper()
	b, err := s.Put(ctx(t), bytes.NewReader(data), registry.MaxDocumentSize, registry.DocumentMediaTypes)
	if err != nil {
		t.Fatalf("Put: %v", err)
	}
	return b
}

// checkStored asserts the store holds exactly data as blob want, through both Stat and Open.
func checkStored(t *testing.T, s registry.DocumentStore, data []byte, want registry.Blob) {
	t.Helper()
	got, err := s.Stat(ctx(t), want.SHA256)
	if err != nil {
		t.Fatalf("Stat(%s): %v", want.SHA256, err)
	}
	if got != want {
		t.Errorf("Stat = %+v, want %+v", got, want)
	}
	rc, got, err := s.Open(ctx(t), want.SHA256)
	if err != nil {
		t.Fatalf("Open(%s): %v", want.SHA256, err)
	}
	defer rc.Close()
	if got != want {
		t.Errorf("Open blob = %+v, want %+v", got, want)
	}
	read, err := io.ReadAll(rc)
	if err != nil {
		t.Fatalf("reading blob: %v", err)
	}
	if !bytes.Equal(read, data) {
		t.Errorf("Open returned %d bytes that differ from the %d stored", len(read), len(data))
	}
}

func checkCode(t *testing.T, what string, err error, code string) {
	t.Helper()
	if got := registry.ErrorCode(err); got != code {
		t.Errorf("%s: error %v (code %q), want code %q", what, err, got, code)
	}
}

func checkAbsent(t *testing.T, s registry.DocumentStore, sha string) {
	t.Helper()
	_, err := s.Stat(ctx(t), sha)
	checkCode(t, "Stat of a blob that must not exist", err, registry.ENOTFOUND)
}

func testRoundTrip(t *testing.T, s registry.DocumentStore) {
	cases := []struct {
		name, mediaType string
		data            []byte
	}{
		{"pdf", "application/pdf", PDF(1)},
		{"png", "image/png", PNG(t, 1)},
		{"jpeg", "image/jpeg", JPEG(t, 1)},
		{"webp", "image/webp", WebP(1)},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := put(t, s, c.data)
			want := registry.Blob{SHA256: Address(c.data), Size: int64(len(c.data)), MediaType: c.mediaType}
			if got != want {
				t.Fatalf("Put = %+v, want %+v", got, want)
			}
			checkStored(t, s, c.data, want)
		})
	}
}

// testLargeRoundTrip crosses the buffer sizes of io.Copy and HTTP clients.
func testLargeRoundTrip(t *testing.T, s registry.DocumentStore) {
	data := padded(3<<20 + 7)
	got := put(t, s, data)
	want := registry.Blob{SHA256: Address(data), Size: int64(len(data)), MediaType: "application/pdf"}
	if got != want {
		t.Fatalf("Put = %+v, want %+v", got, want)
	}
	checkStored(t, s, data, want)
}

func testSameBytesTwice(t *testing.T, s registry.DocumentStore) {
	data := PNG(t, 2)
	first := put(t, s, data)
	second := put(t, s, data)
	if first != second {
		t.Fatalf("same bytes gave %+v then %+v", first, second)
	}
	checkStored(t, s, data, first)
	// One copy: a single Delete leaves nothing behind.
	if err := s.Delete(ctx(t), first.SHA256); err != nil {
		t.Fatalf("Delete: %v", err)
	}
	checkAbsent(t, s, first.SHA256)
}

func testTooLarge(t *testing.T, s registry.DocumentStore) {
	const limit = 1024
	data := padded(limit + 1)
	_, err := s.Put(ctx(t), bytes.NewReader(data), limit, registry.DocumentMediaTypes)
	checkCode(t, "Put over the limit", err, registry.ETOOLARGE)
	checkAbsent(t, s, Address(data))
	checkAbsent(t, s, Address(data[:limit]))
}

func testAtLimit(t *testing.T, s registry.DocumentStore) {
	const limit = 1024
	data := padded(limit)
	b, err := s.Put(ctx(t), bytes.NewReader(data), limit, registry.DocumentMediaTypes)
	if err != nil {
		t.Fatalf("Put of exactly limit bytes: %v", err)
	}
	checkStored(t, s, data, registry.Blob{SHA256: Address(data), Size: limit, MediaType: "application/pdf"})
	if b.Size != limit {
		t.Errorf("Size = %d, want %d", b.Size, limit)
	}
}

func testMediaTypeRejected(t *testing.T, s registry.DocumentStore) {
	cases := map[string][]byte{
		"text": []byte("just some words, not a document\n"),
		"html": []byte("<!DOCTYPE html><html><body><script>alert(1)</script></body></html>"),
		"zip":  zipFile(t),
	}
	for name, data := range cases {
		t.Run(name, func(t *testing.T) {
			_, err := s.Put(ctx(t), bytes.NewReader(data), registry.MaxDocumentSize, registry.DocumentMediaTypes)
			checkCode(t, "Put of "+name, err, registry.EMEDIATYPE)
			checkAbsent(t, s, Address(data))
		})
	}
}

func testAnyTypeWhenAllowedNil(t *testing.T, s registry.DocumentStore) {
	data := []byte("plain text is fine when any type is allowed\n")
	b, err := s.Put(ctx(t), bytes.NewReader(data), registry.MaxDocumentSize, nil)
	if err != nil {
		t.Fatalf("Put with allowed=nil: %v", err)
	}
	want := registry.Blob{SHA256: Address(data), Size: int64(len(data)), MediaType: "text/plain"}
	if b != want {
		t.Fatalf("Put = %+v, want %+v", b, want)
	}
	checkStored(t, s, data, want)
}

func testEmpty(t *testing.T, s registry.DocumentStore) {
	_, err := s.Put(ctx(t), bytes.NewReader(nil), registry.MaxDocumentSize, registry.DocumentMediaTypes)
	checkCode(t, "Put of an empty file", err, registry.EINVALID)
	checkAbsent(t, s, Address(nil))
}

func testUnknown(t *testing.T, s registry.DocumentStore) {
	put(t, s, PDF(3)) // a store that is not empty
	sha := Address([]byte("never stored"))
	_, err := s.Stat(ctx(t), sha)
	checkCode(t, "Stat of an unknown address", err, registry.ENOTFOUND)
	rc, _, err := s.Open(ctx(t), sha)
	if rc != nil {
		rc.Close()
	}
	checkCode(t, "Open of an unknown address", err, registry.ENOTFOUND)
}

func testMalformedAddress(t *testing.T, s registry.DocumentStore) {
	stored := put(t, s, PDF(4))
	cases := map[string]string{
		"traversal":      "../../etc/passwd",
		"traversal-64":   "../../" + stored.SHA256[6:],
		"uppercase":      strings.ToUpper(stored.SHA256), // the address of a stored blob, in the wrong case
		"63 digits":      stored.SHA256[:63],
		"65 digits":      stored.SHA256 + "0",
		"empty":          "",
		"fan-out prefix": stored.SHA256[:2] + "/" + stored.SHA256[3:],
	}
	for name, sha := range cases {
		t.Run(name, func(t *testing.T) {
			_, err := s.Stat(ctx(t), sha)
			checkCode(t, "Stat", err, registry.EINVALID)
			rc, _, err := s.Open(ctx(t), sha)
			if rc != nil {
				rc.Close()
			}
			checkCode(t, "Open", err, registry.EINVALID)
			checkCode(t, "Delete", s.Delete(ctx(t), sha), registry.EINVALID)
		})
	}
	// The rejected Delete of the uppercase form must not have removed the blob.
	checkStored(t, s, PDF(4), stored)
}

func testDelete(t *testing.T, s registry.DocumentStore) {
	keep := put(t, s, JPEG(t, 5))
	gone := put(t, s, PDF(5))
	if err := s.Delete(ctx(t), gone.SHA256); err != nil {
		t.Fatalf("Delete: %v", err)
	}
	checkAbsent(t, s, gone.SHA256)
	rc, _, err := s.Open(ctx(t), gone.SHA256)
	if rc != nil {
		rc.Close()
	}
	checkCode(t, "Open after Delete", err, registry.ENOTFOUND)
	if err := s.Delete(ctx(t), gone.SHA256); err != nil {
		t.Errorf("Delete of a deleted blob: %v", err)
	}
	if err := s.Delete(ctx(t), Address([]byte("never stored"))); err != nil {
		t.Errorf("Delete of a blob never stored: %v", err)
	}
	checkStored(t, s, JPEG(t, 5), keep)
	// Storing deleted bytes again brings them back.
	again := put(t, s, PDF(5))
	checkStored(t, s, PDF(5), again)
}

const parallel = 8

// putAll runs one Put per element of data at the same time and returns the blobs.
func putAll(t *testing.T, s registry.DocumentStore, data [][]byte) []registry.Blob {
	t.Helper()
	blobs := make([]registry.Blob, len(data))
	errs := make([]error, len(data))
	start := make(chan struct{})
	var wg sync.WaitGroup
	for i := range data {
		wg.Go(func() {
			<-start // all at once, to make the race likely
			blobs[i], errs[i] = s.Put(ctx(t), bytes.NewReader(data[i]), registry.MaxDocumentSize, registry.DocumentMediaTypes)
		})
	}
	close(start)
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Errorf("Put %d: %v", i, err)
		}
	}
	if t.Failed() {
		t.FailNow()
	}
	return blobs
}

func testConcurrentSameBytes(t *testing.T, s registry.DocumentStore) {
	data := PNG(t, 6)
	same := make([][]byte, parallel)
	for i := range same {
		same[i] = data
	}
	want := registry.Blob{SHA256: Address(data), Size: int64(len(data)), MediaType: "image/png"}
	for i, b := range putAll(t, s, same) {
		if b != want {
			t.Errorf("Put %d = %+v, want %+v", i, b, want)
		}
	}
	checkStored(t, s, data, want)
}

func testConcurrentDifferentBytes(t *testing.T, s registry.DocumentStore) {
	data := make([][]byte, parallel)
	for i := range data {
		switch i % 4 {
		case 0:
			data[i] = PDF(100 + i)
		case 1:
			data[i] = PNG(t, 100+i)
		case 2:
			data[i] = JPEG(t, 100+i)
		default:
			data[i] = WebP(100 + i)
		}
	}
	blobs := putAll(t, s, data)
	for i := range data {
		if blobs[i].SHA256 != Address(data[i]) {
			t.Errorf("Put %d: address %s, want %s", i, blobs[i].SHA256, Address(data[i]))
			continue
		}
		checkStored(t, s, data[i], blobs[i])
	}
}

var errBroken = errors.New("documenttest: connection reset mid-upload")

// brokenReader yields some bytes, then fails, as a client that disconnects.
type brokenReader struct {
	r io.Reader
}

func (b *brokenReader) Read(p []byte) (int, error) {
	n, err := b.r.Read(p)
	if err == io.EOF {
		return n, errBroken
	}
	return n, err
}

func testFailingReader(t *testing.T, s registry.DocumentStore) {
	data := padded(200 << 10)
	half := data[:len(data)/2]
	_, err := s.Put(ctx(t), &brokenReader{bytes.NewReader(half)}, registry.MaxDocumentSize, registry.DocumentMediaTypes)
	if err == nil {
		t.Fatal("Put from a failing reader succeeded")
	}
	if !errors.Is(err, errBroken) {
		t.Errorf("Put error %v does not wrap the reader's error", err)
	}
	checkAbsent(t, s, Address(data))
	checkAbsent(t, s, Address(half))
}

func testCanceledContext(t *testing.T, s registry.DocumentStore) {
	c, cancel := context.WithCancel(t.Context())
	cancel()
	data := PDF(7)
	if _, err := s.Put(c, bytes.NewReader(data), registry.MaxDocumentSize, registry.DocumentMediaTypes); err == nil {
		t.Fatal("Put with a canceled context succeeded")
	}
	checkAbsent(t, s, Address(data))
}

func testPing(t *testing.T, s registry.DocumentStore) {
	if err := s.Ping(ctx(t)); err != nil {
		t.Fatalf("Ping: %v", err)
	}
}
