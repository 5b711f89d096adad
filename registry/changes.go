package registry

import "context"

// ChangeStamp is a number that moves with every write to a record the public
// pages show. Each replica polls it and drops its cached views when it moves,
// so a write on any replica reaches every public page within a poll interval
// (the cache's short TTL is the fallback if the poll fails).
type ChangeStamp interface {
	// PublicVersion returns the current stamp; 0 before the first write.
	PublicVersion(ctx context.Context) (int64, error)
}
