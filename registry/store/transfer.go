package store

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"go.mongodb.org/mongo-driver/v2/bson"
)

// CountersFile is the export file of the engine's counters.
const CountersFile = "_counters.ndjson"

// Export writes every collection of e's schema to dir/<collection>.ndjson,
// one document a line in canonical Extended JSON (types kept), in _id
// order, and the counters to dir/_counters.ndjson. It returns how many
// documents it wrote.
func Export(ctx context.Context, e Engine, dir string) (int64, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return 0, err
	}
	var total int64
	for _, c := range e.Schema() {
		n, err := exportCollection(ctx, e, c.Name, filepath.Join(dir, c.Name+".ndjson"))
		if err != nil {
			return total, fmt.Errorf("export %s: %w", c.Name, err)
		}
		total += n
	}
	f, err := os.OpenFile(filepath.Join(dir, CountersFile), os.O_CREATE|os.O_TRUNC|os.O_WRONLY, 0o600)
	if err != nil {
		return total, err
	}
	w := bufio.NewWriter(f)
	enc := json.NewEncoder(w)
	for after := ""; ; {
		page, err := e.Counters(ctx, after, MaxLimit)
		if err != nil {
			f.Close()
			return total, err
		}
		for _, c := range page {
			enc.Encode(c)
		}
		if len(page) < MaxLimit {
			break
		}
		after = page[len(page)-1].Name
	}
	if err := w.Flush(); err != nil {
		f.Close()
		return total, err
	}
	return total, f.Close()
}

func exportCollection(ctx context.Context, e Engine, coll, path string) (int64, error) {
	f, err := os.OpenFile(path, os.O_CREATE|os.O_TRUNC|os.O_WRONLY, 0o600)
	if err != nil {
		return 0, err
	}
	w := bufio.NewWriterSize(f, 1<<20)
	var n int64
	q := Query{Collection: coll, Limit: MaxLimit}
	for {
		docs, next, err := e.Find(ctx, q)
		if err != nil {
			f.Close()
			return n, err
		}
		for _, d := range docs {
			line, err := bson.MarshalExtJSON(d, true, false)
			if err != nil {
				f.Close()
				return n, err
			}
			w.Write(line)
			w.WriteByte('\n')
			n++
		}
		if next == "" {
			break
		}
		q.After = next
	}
	if err := w.Flush(); err != nil {
		f.Close()
		return n, err
	}
	return n, f.Close()
}

// ErrNotEmpty is returned by Import into an engine that holds documents.
var ErrNotEmpty = errors.New("store: the target database is not empty")

// Import reads what Export wrote into e, which must be empty: the
// documents of each declared collection (a missing file is an empty
// collection) in transactions of chunk documents, then the counters.
func Import(ctx context.Context, e Engine, dir string, chunk int) (int64, error) {
	for _, c := range e.Schema() {
		if n, err := e.Count(ctx, Query{Collection: c.Name}); err != nil {
			return 0, err
		} else if n > 0 {
			return 0, fmt.Errorf("%w: %s has %d documents", ErrNotEmpty, c.Name, n)
		}
	}
	if chunk <= 0 {
		chunk = 1000
	}
	var total int64
	for _, c := range e.Schema() {
		n, err := importCollection(ctx, e, c.Name, filepath.Join(dir, c.Name+".ndjson"), chunk)
		total += n
		if err != nil {
			return total, fmt.Errorf("import %s: %w", c.Name, err)
		}
	}
	f, err := os.Open(filepath.Join(dir, CountersFile))
	if errors.Is(err, os.ErrNotExist) {
		return total, nil
	}
	if err != nil {
		return total, err
	}
	defer f.Close()
	dec := json.NewDecoder(f)
	for {
		var c NamedCounter
		if err := dec.Decode(&c); errors.Is(err, io.EOF) {
			break
		} else if err != nil {
			return total, fmt.Errorf("import counters: %w", err)
		}
		if _, err := e.Add(ctx, c.Name, c.Value); err != nil {
			return total, err
		}
	}
	return total, nil
}

func importCollection(ctx context.Context, e Engine, coll, path string, chunk int) (int64, error) {
	f, err := os.Open(path)
	if errors.Is(err, os.ErrNotExist) {
		return 0, nil
	}
	if err != nil {
		return 0, err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 64<<20)
	var n int64
	var batch []bson.Raw
	flush := func() error {
		err := e.Tx(ctx, func(ctx context.Context) error {
			for _, d := range batch {
				if err := e.Insert(ctx, coll, d); err != nil {
					return err
				}
			}
			return nil
		})
		if err == nil {
			n += int64(len(batch))
		}
		batch = batch[:0]
		return err
	}
	line := 0
	for sc.Scan() {
		line++
		if len(sc.Bytes()) == 0 {
			continue
		}
		var d bson.Raw
		if err := bson.UnmarshalExtJSON(sc.Bytes(), true, &d); err != nil {
			return n, fmt.Errorf("line %d: %w", line, err)
		}
		batch = append(batch, d)
		if len(batch) >= chunk {
			if err := flush(); err != nil {
				return n, fmt.Errorf("near line %d: %w", line, err)
			}
		}
	}
	if err := sc.Err(); err != nil {
		return n, err
	}
	if len(batch) > 0 {
		if err := flush(); err != nil {
			return n, err
		}
	}
	return n, nil
}
