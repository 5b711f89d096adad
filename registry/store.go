package registry

import "context"

// Store is everything the registry keeps, as one value the wiring passes around.
// registry/records implements it.
type Store interface {
	EnterpriseService
	FacilityService
	ProductService
	BatchService
	EventService
	CertificateService
	CertificationBodyService
	AnnouncementService
	InboxService // the agency's announcement inbox (inbox.go)
	StandardService
	UserService
	DocumentRecordService
	ProgrammeStore // support, experts, courses, benchmarks, good practices (programme.go, benchmark.go)
	// Ping returns EUNAVAILABLE when the database does not answer.
	Ping(ctx context.Context) error
}

// DocumentRecordService keeps the records of uploaded documents (their bytes
// live in a DocumentStore).
type DocumentRecordService interface {
	// CreateDocument validates and stores d. EINVALID.
	CreateDocument(ctx context.Context, d *Document) error
	// FindDocument returns ENOTFOUND if no document has that ID.
	FindDocument(ctx context.Context, id string) (*Document, error)
	// FindEnterpriseDocument returns the enterprise's document record for
	// those bytes. ENOTFOUND if it has none.
	FindEnterpriseDocument(ctx context.Context, enterpriseID, sha string) (*Document, error)
	// ListDocuments returns one page of document records matching f and the next cursor.
	ListDocuments(ctx context.Context, f DocumentFilter) ([]*Document, string, error)
}

// DocumentFilter selects document records in a list.
type DocumentFilter struct {
	EnterpriseID string
	BodyID       string
	Kind         string
	Page         Page
}
