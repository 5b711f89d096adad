package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"syscall"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/tracereg/tracereg/registry"
	"github.com/tracereg/tracereg/registry/mongo"
	"github.com/tracereg/tracereg/registry/records"
	"github.com/tracereg/tracereg/registry/sqlite"
	"github.com/tracereg/tracereg/registry/store"
)

// sqlitePath is the embedded database file of a data directory.
func sqlitePath(dataDir string) string { return filepath.Join(dataDir, sqlite.FileName) }

// legacyDBDir is where the embedded FerretDB of earlier versions kept its files.
func legacyDBDir(dataDir string) string { return filepath.Join(dataDir, "db") }

// hasLegacyData reports a data directory written by the embedded FerretDB
// (before the SQLite store) that has not been migrated yet.
func hasLegacyData(dataDir string) bool {
	if _, err := os.Stat(sqlitePath(dataDir)); err == nil {
		return false
	}
	matches, _ := filepath.Glob(filepath.Join(legacyDBDir(dataDir), "*.sqlite"))
	return len(matches) > 0
}

// errLegacyData names the one command that moves old data.
func errLegacyData(dataDir string) error {
	return fmt.Errorf("TRACEREG_DATA: %s holds a database written by the embedded FerretDB of an earlier tracereg; "+
		"run `tracereg migrate` once (with the server stopped) to move it into the SQLite store", dataDir)
}

// openEngine opens the engine the configuration names: MongoDB at
// MONGODB_URI, or the SQLite file in the data directory.
func openEngine(ctx context.Context, cfg Config) (store.Engine, error) {
	if cfg.MongoURI != "" {
		e, err := mongo.OpenEngine(ctx, mongo.EngineConfig{URI: cfg.MongoURI, Database: cfg.MongoDatabase, Majority: true}, records.Schema)
		if err != nil {
			return nil, fmt.Errorf("MONGODB_URI: %w", err)
		}
		return e, nil
	}
	if hasLegacyData(cfg.DataDir) {
		return nil, errLegacyData(cfg.DataDir)
	}
	e, err := sqlite.Open(ctx, sqlitePath(cfg.DataDir), records.Schema)
	if err != nil {
		return nil, fmt.Errorf("TRACEREG_DATA: %w", err)
	}
	return e, nil
}

// serverLock holds the data directory for one server process: two servers
// on one embedded database would each cache and sweep it. Subcommands
// (user, seed, export, backup) open the same file beside a running server:
// SQLite lets several processes share it.
type serverLock struct{ f *os.File }

func lockDataDir(dataDir string, wait time.Duration) (*serverLock, error) {
	runDir := filepath.Join(dataDir, "run")
	if err := os.MkdirAll(runDir, 0o700); err != nil {
		return nil, err
	}
	f, err := os.OpenFile(filepath.Join(runDir, "server.lock"), os.O_CREATE|os.O_RDWR, 0o600)
	if err != nil {
		return nil, err
	}
	deadline := time.Now().Add(wait)
	for {
		err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB)
		if err == nil {
			return &serverLock{f}, nil
		}
		if !errors.Is(err, syscall.EWOULDBLOCK) {
			f.Close()
			return nil, fmt.Errorf("lock data directory: %w", err)
		}
		if time.Now().After(deadline) {
			f.Close()
			return nil, fmt.Errorf("another tracereg process is serving the data directory %s: stop it first, or set TRACEREG_DATA to another directory", dataDir)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

func (l *serverLock) Close() error { return l.f.Close() } // closing releases the flock

// migrateLegacy moves a FerretDB data directory into the SQLite store: it
// runs the old embedded FerretDB on the old files, exports every record
// through the MongoDB engine, converts what the new layout stores
// differently (legacy.go), imports it into a new SQLite file in one pass,
// and renames the old files out of the way. Nothing is deleted.
func migrateLegacy(ctx context.Context, cfg Config, log func(format string, args ...any)) error {
	if !hasLegacyData(cfg.DataDir) {
		return nil
	}
	emb, err := mongo.StartEmbedded(ctx, cfg.DataDir, true, 10*time.Second)
	if err != nil {
		return fmt.Errorf("start the old embedded database: %w", err)
	}
	defer emb.Close()
	tmp := sqlitePath(cfg.DataDir) + ".migrating"
	for _, suffix := range []string{"", "-wal", "-shm"} {
		os.Remove(tmp + suffix)
	}
	dst, err := sqlite.Open(ctx, tmp, records.Schema)
	if err != nil {
		return err
	}
	n, err := copyLegacy(ctx, emb.URI, cfg.MongoDatabase, dst)
	if cerr := dst.Close(ctx); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("migrate the old embedded database: %w", err)
	}
	if err := emb.Close(); err != nil {
		return err
	}
	old := legacyDBDir(cfg.DataDir) + ".ferretdb-" + time.Now().UTC().Format("20060102T150405")
	if err := os.Rename(legacyDBDir(cfg.DataDir), old); err != nil {
		return err
	}
	if err := os.Rename(tmp, sqlitePath(cfg.DataDir)); err != nil {
		return err
	}
	log("moved %d records from the embedded FerretDB into %s; the old files are kept in %s", n, sqlitePath(cfg.DataDir), old)
	return nil
}

// newRecords wraps an engine in the registry's services.
func newRecords(e store.Engine) *records.DB { return records.New(e, registry.SystemClock{}) }

// copyLegacy reads every old record at uri and writes it into dst in the
// current layout. It returns how many records it wrote.
func copyLegacy(ctx context.Context, uri, database string, dst store.Engine) (int64, error) {
	l := records.NewLegacy(dst)
	if err := mongo.ReadAll(ctx, uri, database, func(coll string, doc bson.Raw) error { return l.Add(ctx, coll, doc) }); err != nil {
		return l.Records, err
	}
	if err := l.Flush(ctx); err != nil {
		return l.Records, err
	}
	return l.Records, nil
}
