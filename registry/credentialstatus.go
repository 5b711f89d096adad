package registry

import (
	"context"
	"time"
)

// Kinds of record a signed credential is about.
const (
	CredentialCertificate  = "certificate"
	CredentialAnnouncement = "announcement"
	CredentialLot          = "lot"
)

// CredentialStatusBits are the positions set in the public status lists now.
type CredentialStatusBits struct {
	Revoked   []int // withdrawn certificates and announcements: for good
	Suspended []int // suspended certificates and recalled lots: may come back
	Size      int   // positions handed out so far
}

// CredentialStatusService keeps each credential's position in the Bitstring
// Status Lists, so a verifier learns of a suspension, withdrawal or recall
// from the list alone, without asking about one credential.
type CredentialStatusService interface {
	// CredentialStatusIndex returns the position of the credential about the
	// record (kind CredentialCertificate, CredentialAnnouncement or
	// CredentialLot), handing out the next free one the first time. EINVALID
	// for another kind or an empty ID.
	CredentialStatusIndex(ctx context.Context, kind, id string) (int, error)
	// CredentialStatuses computes which positions are revoked or suspended at now.
	CredentialStatuses(ctx context.Context, now time.Time) (CredentialStatusBits, error)
}
