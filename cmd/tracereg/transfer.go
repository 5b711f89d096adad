package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/tracereg/tracereg/registry"
	"github.com/tracereg/tracereg/registry/sqlite"
	"github.com/tracereg/tracereg/registry/store"
)

// blobsDir is where an export keeps the documents' bytes, one file per SHA-256.
const blobsDir = "documents"

// export writes every record and every document's bytes into dir.
func (m *Main) export(ctx context.Context, dir string, stdout io.Writer) error {
	if entries, err := os.ReadDir(dir); err == nil && len(entries) > 0 {
		return fmt.Errorf("export: %s is not empty: name a new directory", dir)
	}
	n, err := store.Export(ctx, m.Store.Engine(), dir)
	if err != nil {
		return fmt.Errorf("export: %w", err)
	}
	if err := os.MkdirAll(filepath.Join(dir, blobsDir), 0o700); err != nil {
		return err
	}
	blobs := 0
	page := registry.Page{Limit: registry.MaxPageLimit}
	for {
		docs, next, err := m.Store.ListDocuments(ctx, registry.DocumentFilter{Page: page})
		if err != nil {
			return fmt.Errorf("export documents: %w", err)
		}
		for _, d := range docs {
			path := filepath.Join(dir, blobsDir, d.Blob.SHA256)
			if _, err := os.Stat(path); err == nil {
				continue // the same bytes under another record
			}
			if err := copyBlob(ctx, m.Documents, d.Blob.SHA256, path); err != nil {
				return fmt.Errorf("export document %s (%s): %w", d.ID, d.Blob.SHA256, err)
			}
			blobs++
		}
		if next == "" {
			break
		}
		page.Cursor = next
	}
	fmt.Fprintf(stdout, "exported %d records and %d documents to %s\n", n, blobs, dir)
	return nil
}

func copyBlob(ctx context.Context, docs registry.DocumentStore, sha, path string) error {
	rc, _, err := docs.Open(ctx, sha)
	if err != nil {
		return err
	}
	defer rc.Close()
	f, err := os.OpenFile(path, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o600)
	if err != nil {
		return err
	}
	if _, err := io.Copy(f, rc); err != nil {
		f.Close()
		os.Remove(path)
		return err
	}
	return f.Close()
}

// importDir reads an export: the documents' bytes first (content-addressed,
// so a repeat stores nothing twice), then the records into the empty engine.
func (m *Main) importDir(ctx context.Context, dir string, stdout io.Writer) error {
	entries, err := os.ReadDir(filepath.Join(dir, blobsDir))
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("import: %w", err)
	}
	for _, e := range entries {
		f, err := os.Open(filepath.Join(dir, blobsDir, e.Name()))
		if err != nil {
			return err
		}
		blob, err := m.Documents.Put(ctx, f, registry.MaxDocumentSize, nil)
		f.Close()
		if err != nil {
			return fmt.Errorf("import document %s: %w", e.Name(), err)
		}
		if blob.SHA256 != e.Name() {
			return fmt.Errorf("import document %s: its bytes have SHA-256 %s: the export is damaged", e.Name(), blob.SHA256)
		}
	}
	n, err := store.Import(ctx, m.Store.Engine(), dir, 1000)
	if err != nil {
		return fmt.Errorf("import: %w", err)
	}
	fmt.Fprintf(stdout, "imported %d records and %d documents from %s\n", n, len(entries), dir)
	return nil
}

// backup copies the embedded database while it serves.
func (m *Main) backup(ctx context.Context, path string, stdout io.Writer) error {
	e, ok := m.Store.Engine().(*sqlite.Engine)
	if !ok {
		return errors.New("backup: is for the embedded SQLite database; with MONGODB_URI use the replica set's own backups (mongodump), or tracereg export")
	}
	abs, err := filepath.Abs(path)
	if err != nil {
		return err
	}
	if err := e.Backup(ctx, abs); err != nil {
		return fmt.Errorf("backup: %w", err)
	}
	fmt.Fprintf(stdout, "backed up the database to %s (documents stay in %s)\n", abs, filepath.Join(m.Config.DataDir, blobsDir))
	return nil
}
