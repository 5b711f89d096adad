package minio

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"net"
	"os"
	"sync"
	"testing"
	"time"

	miniogo "github.com/minio/minio-go/v7"

	"github.com/tracereg/tracereg/registry"
	"github.com/tracereg/tracereg/registry/documenttest"
)

// testConfig returns the MinIO server of the test run, with a fresh bucket
// name, or skips the test when no server is configured.
func testConfig(t *testing.T) Config {
	t.Helper()
	cfg := Config{
		Endpoint:  os.Getenv("TRACEREG_TEST_S3_ENDPOINT"),
		AccessKey: os.Getenv("TRACEREG_TEST_S3_ACCESS_KEY"),
		SecretKey: os.Getenv("TRACEREG_TEST_S3_SECRET_KEY"),
		Bucket:    randomBucket(t),
	}
	if cfg.Endpoint == "" || cfg.AccessKey == "" || cfg.SecretKey == "" {
		t.Skip("MinIO tests skipped: run `make test` (it builds and starts MinIO), or set TRACEREG_TEST_S3_ENDPOINT, TRACEREG_TEST_S3_ACCESS_KEY, TRACEREG_TEST_S3_SECRET_KEY")
	}
	return cfg
}

func randomBucket(t *testing.T) string {
	b := make([]byte, 8)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	return "tracereg-test-" + hex.EncodeToString(b)
}

// newTestStore creates a store on a fresh bucket and removes the bucket,
// with everything in it, when the test ends.
func newTestStore(t *testing.T) *Store {
	t.Helper()
	cfg := testConfig(t)
	s, err := New(t.Context(), cfg)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	t.Cleanup(func() { removeBucket(t, s.client, cfg.Bucket) })
	return s
}

func removeBucket(t *testing.T, client *miniogo.Client, bucket string) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	for obj := range client.ListObjects(ctx, bucket, miniogo.ListObjectsOptions{Recursive: true}) {
		if obj.Err != nil {
			t.Errorf("listing %s: %v", bucket, obj.Err)
			return
		}
		if err := client.RemoveObject(ctx, bucket, obj.Key, miniogo.RemoveObjectOptions{}); err != nil {
			t.Errorf("removing %s/%s: %v", bucket, obj.Key, err)
		}
	}
	if err := client.RemoveBucket(ctx, bucket); err != nil {
		t.Errorf("removing bucket %s: %v", bucket, err)
	}
}

func TestContract(t *testing.T) {
	testConfig(t) // skip once, not once per subtest
	documenttest.RunContract(t, func(t *testing.T) registry.DocumentStore { return newTestStore(t) })
}

func objectKeys(t *testing.T, s *Store) []string {
	t.Helper()
	var keys []string
	for obj := range s.client.ListObjects(t.Context(), s.bucket, miniogo.ListObjectsOptions{Recursive: true}) {
		if obj.Err != nil {
			t.Fatal(obj.Err)
		}
		keys = append(keys, obj.Key)
	}
	return keys
}

func TestObjectLayout(t *testing.T) {
	s := newTestStore(t)
	data := documenttest.WebP(1)
	for range 3 {
		if _, err := s.Put(t.Context(), bytes.NewReader(data), registry.MaxDocumentSize, nil); err != nil {
			t.Fatal(err)
		}
	}
	sha := documenttest.Address(data)
	keys := objectKeys(t, s)
	if want := "sha256/" + sha[:2] + "/" + sha; len(keys) != 1 || keys[0] != want {
		t.Fatalf("objects %v, want only %s", keys, want)
	}
	info, err := s.client.StatObject(t.Context(), s.bucket, keys[0], miniogo.StatObjectOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if info.ContentType != "image/webp" || info.UserMetadata["Sha256"] != sha {
		t.Errorf("Content-Type %q, metadata %v", info.ContentType, info.UserMetadata)
	}
}

func TestNewCreatesBucket(t *testing.T) {
	cfg := testConfig(t)
	probe, err := newStore(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if exists, err := probe.client.BucketExists(t.Context(), cfg.Bucket); err != nil || exists {
		t.Fatalf("fresh bucket exists=%v err=%v before New", exists, err)
	}
	// Several replicas starting at once race to create the bucket; all must succeed.
	var wg sync.WaitGroup
	errs := make([]error, 4)
	for i := range errs {
		wg.Go(func() { _, errs[i] = New(t.Context(), cfg) })
	}
	wg.Wait()
	t.Cleanup(func() { removeBucket(t, probe.client, cfg.Bucket) })
	for i, err := range errs {
		if err != nil {
			t.Errorf("New %d: %v", i, err)
		}
	}
	if exists, err := probe.client.BucketExists(t.Context(), cfg.Bucket); err != nil || !exists {
		t.Fatalf("after New bucket exists=%v err=%v", exists, err)
	}
	// A store on an existing bucket opens it as is.
	s, err := New(t.Context(), cfg)
	if err != nil {
		t.Fatalf("New on an existing bucket: %v", err)
	}
	if err := s.Ping(t.Context()); err != nil {
		t.Errorf("Ping: %v", err)
	}
}

func TestPingMissingBucket(t *testing.T) {
	s := newTestStore(t)
	other, err := newStore(Config{Endpoint: os.Getenv("TRACEREG_TEST_S3_ENDPOINT"), Bucket: randomBucket(t),
		AccessKey: os.Getenv("TRACEREG_TEST_S3_ACCESS_KEY"), SecretKey: os.Getenv("TRACEREG_TEST_S3_SECRET_KEY")})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Ping(t.Context()); err != nil {
		t.Fatalf("Ping of the test bucket: %v", err)
	}
	if err := other.Ping(t.Context()); registry.ErrorCode(err) != registry.EUNAVAILABLE {
		t.Errorf("Ping of a missing bucket = %v, want EUNAVAILABLE", err)
	}
}

func TestWrongCredentials(t *testing.T) {
	cfg := testConfig(t)
	cfg.SecretKey += "-wrong"
	_, err := New(t.Context(), cfg)
	if registry.ErrorCode(err) != registry.EUNAVAILABLE {
		t.Errorf("New with a wrong secret = %v, want EUNAVAILABLE", err)
	}
}

// closedPort returns a 127.0.0.1 address nothing listens on.
func closedPort(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	return addr
}

// TestUnreachable needs no server: every call on a store that does not
// answer fails with EUNAVAILABLE, in bounded time, without panicking.
func TestUnreachable(t *testing.T) {
	cfg := Config{Endpoint: closedPort(t), Bucket: "tracereg-unreachable", AccessKey: "key", SecretKey: "secret-key"}
	ctx, cancel := context.WithTimeout(t.Context(), 20*time.Second)
	defer cancel()
	start := time.Now()

	if _, err := New(ctx, cfg); registry.ErrorCode(err) != registry.EUNAVAILABLE {
		t.Errorf("New = %v, want EUNAVAILABLE", err)
	}
	s, err := newStore(cfg)
	if err != nil {
		t.Fatal(err)
	}
	err = s.Ping(ctx)
	if registry.ErrorCode(err) != registry.EUNAVAILABLE {
		t.Errorf("Ping = %v, want EUNAVAILABLE", err)
	}
	if pub := registry.PublicError(err); pub.Code != registry.EUNAVAILABLE || bytes.Contains([]byte(pub.Message), []byte("127.0.0.1")) {
		t.Errorf("users would see %+v", pub)
	}
	_, err = s.Put(ctx, bytes.NewReader(documenttest.PDF(1)), registry.MaxDocumentSize, registry.DocumentMediaTypes)
	if registry.ErrorCode(err) != registry.EUNAVAILABLE {
		t.Errorf("Put = %v, want EUNAVAILABLE", err)
	}
	sha := documenttest.Address(documenttest.PDF(1))
	if _, err := s.Stat(ctx, sha); registry.ErrorCode(err) != registry.EUNAVAILABLE {
		t.Errorf("Stat = %v, want EUNAVAILABLE", err)
	}
	if rc, _, err := s.Open(ctx, sha); registry.ErrorCode(err) != registry.EUNAVAILABLE {
		if rc != nil {
			rc.Close()
		}
		t.Errorf("Open = %v, want EUNAVAILABLE", err)
	}
	if err := s.Delete(ctx, sha); registry.ErrorCode(err) != registry.EUNAVAILABLE {
		t.Errorf("Delete = %v, want EUNAVAILABLE", err)
	}
	// Put still checks what it can without the network.
	_, err = s.Put(ctx, bytes.NewReader([]byte("<html>")), registry.MaxDocumentSize, registry.DocumentMediaTypes)
	if registry.ErrorCode(err) != registry.EMEDIATYPE {
		t.Errorf("Put of HTML = %v, want EMEDIATYPE", err)
	}
	if ctx.Err() != nil {
		t.Errorf("calls ran out the %v context (took %v): failures must come from the connection, not the deadline", 20*time.Second, time.Since(start))
	}
}
