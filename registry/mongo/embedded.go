package mongo

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"syscall"
	"time"

	"github.com/FerretDB/FerretDB/ferretdb"
)

// Embedded is the default database: FerretDB with its SQLite backend, run in
// this process on a Unix socket inside the data directory. When another
// process on the same data directory already runs it, Embedded only points at
// that process's socket, so the database files are never opened twice.
type Embedded struct {
	URI   string
	Owner bool // whether this process runs the database

	lock   *os.File
	cancel context.CancelFunc
	done   chan struct{}
}

// SocketPath is where the embedded database listens for a data directory.
func SocketPath(dataDir string) string { return filepath.Join(dataDir, "run", "mongo.sock") }

// socketURI is the driver's URI for a Unix socket: the path escaped into the host.
func socketURI(path string) string { return "mongodb://" + url.QueryEscape(path) + "/" }

// StartEmbedded starts FerretDB on dataDir, or, when another process holds the
// data directory, returns the URI of that process's socket. With requireOwner
// (the server) it waits up to wait for the other process to let go and fails
// if it does not.
func StartEmbedded(ctx context.Context, dataDir string, requireOwner bool, wait time.Duration) (*Embedded, error) {
	runDir := filepath.Join(dataDir, "run")
	dbDir := filepath.Join(dataDir, "db")
	for _, dir := range []string{dataDir, runDir, dbDir} {
		if err := os.MkdirAll(dir, 0o700); err != nil {
			return nil, fmt.Errorf("create %s: %w", dir, err)
		}
		// The socket has no password: only this user may reach it.
		if err := os.Chmod(dir, 0o700); err != nil {
			return nil, fmt.Errorf("restrict %s: %w", dir, err)
		}
	}
	sock := SocketPath(dataDir)

	lock, err := os.OpenFile(filepath.Join(runDir, "embedded.lock"), os.O_CREATE|os.O_RDWR, 0o600)
	if err != nil {
		return nil, err
	}
	deadline := time.Now().Add(wait)
	for {
		err = syscall.Flock(int(lock.Fd()), syscall.LOCK_EX|syscall.LOCK_NB)
		if err == nil {
			break
		}
		if !errors.Is(err, syscall.EWOULDBLOCK) {
			lock.Close()
			return nil, fmt.Errorf("lock data directory: %w", err)
		}
		if !requireOwner && socketAnswers(sock) {
			lock.Close()
			return &Embedded{URI: socketURI(sock)}, nil
		}
		if time.Now().After(deadline) {
			lock.Close()
			if requireOwner {
				return nil, fmt.Errorf("another tracereg process is using the data directory %s: stop it first, or set TRACEREG_DATA to another directory", dataDir)
			}
			return nil, fmt.Errorf("another process holds the data directory %s but its database socket does not answer", dataDir)
		}
		time.Sleep(100 * time.Millisecond)
	}

	// We hold the lock: a socket file left by a crash is stale.
	if err := os.Remove(sock); err != nil && !errors.Is(err, os.ErrNotExist) {
		lock.Close()
		return nil, err
	}
	f, err := ferretdb.New(&ferretdb.Config{
		Listener:  ferretdb.ListenerConfig{Unix: sock},
		Handler:   "sqlite",
		SQLiteURL: "file:" + dbDir + "/",
		Logger:    slog.New(slog.NewJSONHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelError})),
	})
	if err != nil {
		lock.Close()
		return nil, fmt.Errorf("start embedded database: %w", err)
	}
	runCtx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	done := make(chan struct{})
	go func() {
		defer close(done)
		f.Run(runCtx)
	}()
	e := &Embedded{URI: socketURI(sock), Owner: true, lock: lock, cancel: cancel, done: done}
	for i := 0; !socketAnswers(sock); i++ {
		if i > 100 {
			e.Close()
			return nil, fmt.Errorf("embedded database did not start listening on %s", sock)
		}
		time.Sleep(50 * time.Millisecond)
	}
	return e, nil
}

// Close stops the embedded database if this process runs it.
func (e *Embedded) Close() error {
	if !e.Owner {
		return nil
	}
	e.cancel()
	<-e.done
	return e.lock.Close() // closing releases the flock
}

func socketAnswers(path string) bool {
	c, err := net.DialTimeout("unix", path, 500*time.Millisecond)
	if err != nil {
		return false
	}
	c.Close()
	return true
}
