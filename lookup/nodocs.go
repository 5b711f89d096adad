package lookup

import (
	"context"
	"io"

	"github.com/tracereg/tracereg/registry"
)

// noDocuments stands in when no document store is configured: every call
// answers "unavailable", and pages render without documents.
type noDocuments struct{}

func errNoDocs() error {
	return registry.Errorf(registry.EUNAVAILABLE, "Documents are not available.", "Tài liệu hiện không truy cập được.")
}

func (noDocuments) Put(context.Context, io.Reader, int64, []string) (registry.Blob, error) {
	return registry.Blob{}, errNoDocs()
}
func (noDocuments) Open(context.Context, string) (io.ReadCloser, registry.Blob, error) {
	return nil, registry.Blob{}, errNoDocs()
}
func (noDocuments) Stat(context.Context, string) (registry.Blob, error) {
	return registry.Blob{}, errNoDocs()
}
func (noDocuments) Delete(context.Context, string) error { return errNoDocs() }
func (noDocuments) Ping(context.Context) error           { return errNoDocs() }
