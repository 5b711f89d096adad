package mongo

import (
	"hash/maphash"
	"sync"
)

// FerretDB (1.24, SQLite) answers an update or replace by finding the
// matching documents and then writing them, not as one atomic step: two
// concurrent "replace where version = 3" can both match. MongoDB makes each
// single-document write atomic, so there the filter alone is a correct
// compare-and-swap across replicas. The embedded database is owned by one
// server process, so serialising conditional writes per record inside the
// process restores the compare-and-swap there, and costs nothing that matters
// on MongoDB.
var recordLocks [256]sync.Mutex

var recordLockSeed = maphash.MakeSeed()

// lockRecord locks the record (collection, id) and returns the unlock.
func lockRecord(col, id string) func() {
	m := &recordLocks[maphash.String(recordLockSeed, col+"\x00"+id)%uint64(len(recordLocks))]
	m.Lock()
	return m.Unlock
}
