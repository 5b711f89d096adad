// Package minio implements registry.DocumentStore on MinIO or any S3-compatible
// object store, through github.com/minio/minio-go/v7.
//
// Objects are keyed "sha256/ab/<sha>" (the first two hex digits as a prefix, so
// listings and per-prefix rate limits spread out), carry the sniffed media type
// as Content-Type, and are written in one PUT with a known size, so an object
// is either absent or complete.
package minio

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"

	miniogo "github.com/minio/minio-go/v7"
	"github.com/minio/minio-go/v7/pkg/credentials"

	"github.com/tracereg/tracereg/registry"
)

// Config says where the store is.
type Config struct {
	Endpoint  string // host:port, without a scheme
	Bucket    string
	AccessKey string
	SecretKey string
	UseTLS    bool
	Region    string // empty for the server's default
}

// Store is a registry.DocumentStore on an S3 bucket. It is safe for concurrent use.
type Store struct {
	client *miniogo.Client
	bucket string
	region string
}

var _ registry.DocumentStore = (*Store)(nil)

// maxRetries bounds how long a call keeps trying a store that does not
// answer; past it the request fails with 503 rather than hanging.
const maxRetries = 3

// New connects to the store and creates the bucket if it is missing. It
// returns EUNAVAILABLE when the store does not answer.
func New(ctx context.Context, cfg Config) (*Store, error) {
	s, err := newStore(cfg)
	if err != nil {
		return nil, err
	}
	if err := s.ensureBucket(ctx); err != nil {
		return nil, err
	}
	return s, nil
}

// newStore builds the client without touching the network.
func newStore(cfg Config) (*Store, error) {
	if cfg.Endpoint == "" || cfg.Bucket == "" {
		return nil, errors.New("minio: endpoint and bucket are required")
	}
	client, err := miniogo.New(cfg.Endpoint, &miniogo.Options{
		Creds:      credentials.NewStaticV4(cfg.AccessKey, cfg.SecretKey, ""),
		Secure:     cfg.UseTLS,
		Region:     cfg.Region,
		MaxRetries: maxRetries,
	})
	if err != nil {
		return nil, fmt.Errorf("minio: %w", err)
	}
	return &Store{client: client, bucket: cfg.Bucket, region: cfg.Region}, nil
}

func (s *Store) ensureBucket(ctx context.Context) error {
	exists, err := s.client.BucketExists(ctx, s.bucket)
	if err != nil {
		return unavailable("checking bucket", err)
	}
	if exists {
		return nil
	}
	err = s.client.MakeBucket(ctx, s.bucket, miniogo.MakeBucketOptions{Region: s.region})
	switch miniogo.ToErrorResponse(err).Code {
	case "":
		if err != nil {
			return unavailable("creating bucket", err)
		}
	case miniogo.BucketAlreadyOwnedByYou, miniogo.BucketAlreadyExists:
		// Another replica created it between our check and our request.
		// "Already exists" may also mean someone else's: usable only if we can reach it.
		if exists, err2 := s.client.BucketExists(ctx, s.bucket); err2 != nil || !exists {
			return unavailable("creating bucket", errors.Join(err, err2))
		}
	default:
		return unavailable("creating bucket", err)
	}
	return nil
}

// key is the object name of a blob; sha must be valid.
func key(sha string) string {
	return "sha256/" + sha[:2] + "/" + sha
}

// Put stores at most limit bytes read from r. It returns ETOOLARGE,
// EMEDIATYPE or EINVALID (empty) as registry.Spool does, EUNAVAILABLE when
// the store does not answer, and the reader's error if reading fails.
// Storing the same bytes twice uploads them once.
func (s *Store) Put(ctx context.Context, r io.Reader, limit int64, allowed []string) (registry.Blob, error) {
	if err := ctx.Err(); err != nil {
		return registry.Blob{}, err
	}
	// Spool first: the address is the object's name, and is only known at the end.
	sp, err := registry.Spool(contextReader{ctx, r}, limit, allowed, "")
	if err != nil {
		return registry.Blob{}, err
	}
	defer sp.Close()
	blob := sp.Blob

	_, err = s.client.StatObject(ctx, s.bucket, key(blob.SHA256), miniogo.StatObjectOptions{})
	if err == nil {
		return blob, nil // content-addressed: the same bytes are already there
	}
	if !isNotFound(err) {
		return registry.Blob{}, unavailable("stat before put", err)
	}
	_, err = s.client.PutObject(ctx, s.bucket, key(blob.SHA256), sp.File, blob.Size, miniogo.PutObjectOptions{
		ContentType:  blob.MediaType,
		UserMetadata: map[string]string{"Sha256": blob.SHA256},
		// One request: the object appears whole or not at all, and no
		// multipart upload is left to clean up if the request dies.
		DisableMultipart: true,
	})
	if err != nil {
		return registry.Blob{}, unavailable("put", err)
	}
	return blob, nil
}

// Open returns the blob's bytes; the caller closes them. ENOTFOUND if no
// blob has that address, EINVALID if the address is not 64 lowercase hex
// digits, EUNAVAILABLE when the store does not answer.
func (s *Store) Open(ctx context.Context, sha string) (io.ReadCloser, registry.Blob, error) {
	if err := registry.ValidateSHA256(sha); err != nil {
		return nil, registry.Blob{}, err
	}
	obj, err := s.client.GetObject(ctx, s.bucket, key(sha), miniogo.GetObjectOptions{})
	if err != nil {
		return nil, registry.Blob{}, mapError("get", err)
	}
	// GetObject is lazy; Stat sends the request, so a missing object shows here.
	info, err := obj.Stat()
	if err != nil {
		obj.Close()
		return nil, registry.Blob{}, mapError("get", err)
	}
	return obj, blobOf(sha, info), nil
}

// Stat returns what is known of a blob. ENOTFOUND, EINVALID and
// EUNAVAILABLE as Open.
func (s *Store) Stat(ctx context.Context, sha string) (registry.Blob, error) {
	if err := registry.ValidateSHA256(sha); err != nil {
		return registry.Blob{}, err
	}
	info, err := s.client.StatObject(ctx, s.bucket, key(sha), miniogo.StatObjectOptions{})
	if err != nil {
		return registry.Blob{}, mapError("stat", err)
	}
	return blobOf(sha, info), nil
}

func blobOf(sha string, info miniogo.ObjectInfo) registry.Blob {
	return registry.Blob{SHA256: sha, Size: info.Size, MediaType: info.ContentType}
}

// Delete removes a blob; deleting a missing blob is not an error. EINVALID
// if the address is malformed, EUNAVAILABLE when the store does not answer.
func (s *Store) Delete(ctx context.Context, sha string) error {
	if err := registry.ValidateSHA256(sha); err != nil {
		return err
	}
	err := s.client.RemoveObject(ctx, s.bucket, key(sha), miniogo.RemoveObjectOptions{})
	if err != nil && !isNotFound(err) {
		return unavailable("delete", err)
	}
	return nil
}

// Ping returns EUNAVAILABLE when the store cannot be reached or the bucket is gone.
func (s *Store) Ping(ctx context.Context) error {
	exists, err := s.client.BucketExists(ctx, s.bucket)
	if err != nil {
		return unavailable("ping", err)
	}
	if !exists {
		return unavailable("ping", fmt.Errorf("bucket %q does not exist", s.bucket))
	}
	return nil
}

func isNotFound(err error) bool {
	resp := miniogo.ToErrorResponse(err)
	return resp.Code == miniogo.NoSuchKey || resp.StatusCode == http.StatusNotFound && resp.Code != miniogo.NoSuchBucket
}

func mapError(op string, err error) error {
	if isNotFound(err) {
		return registry.Errorf(registry.ENOTFOUND, "No document has that address.", "Không có tài liệu nào có mã này.")
	}
	return unavailable(op, err)
}

// unavailable wraps cause for the log; users see only the registry.Error,
// which PublicError finds with errors.As.
func unavailable(op string, cause error) error {
	e := registry.Errorf(registry.EUNAVAILABLE, "The document store is not available.", "Kho tài liệu hiện không truy cập được.")
	return fmt.Errorf("minio %s: %w: %w", op, e, cause)
}

// contextReader stops spooling a long upload once the request is gone.
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
