package records

import (
	"context"
	"errors"
	"strconv"
	"strings"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/tracereg/tracereg/registry"
	"github.com/tracereg/tracereg/registry/store"
)

var (
	_ registry.ScanService   = (*DB)(nil)
	_ registry.SerialService = (*DB)(nil)
	_ registry.ReportService = (*DB)(nil)
)

// Storage forms of the scan counters, with the version the engine needs.
type (
	scanClientDoc struct {
		ID      string    `bson:"_id"` // code, a space, client key
		At      time.Time `bson:"at"`
		Version int64     `bson:"version"`
	}
	scanDoc struct {
		registry.ScanStats `bson:",inline"`
		Version            int64 `bson:"version"`
	}
	scanMonthDoc struct {
		registry.ScanMonth `bson:",inline"`
		Version            int64 `bson:"version"`
	}
)

// RecordScans implements registry.ScanService: per tally, an atomic
// read-modify-write of the code's counters, then of its month's. On SQLite
// the two are one transaction; elsewhere they are written in that order
// (a crash between the two loses one tally's month figure, never doubles it).
func (d *DB) RecordScans(ctx context.Context, tallies []registry.ScanTally) error {
	for _, t := range tallies {
		if t.Key == "" || t.Count <= 0 {
			continue
		}
		// Client keys first, each alone: a taken key is an expected answer,
		// and on MongoDB a duplicate-key error would end a transaction.
		fresh, err := d.newScanClients(ctx, t)
		if err != nil {
			return err
		}
		err = d.tx(ctx, func(ctx context.Context) error {
			err := d.rewrite(ctx, colScans, t.Key, func(raw bson.Raw, next int64) (any, error) {
				s := &scanDoc{ScanStats: registry.ScanStats{Key: t.Key, FirstScan: t.First.UTC()}}
				if raw != nil {
					var err error
					if s, err = decode[scanDoc](raw); err != nil {
						return nil, err
					}
				}
				if registry.ValidProvince(t.Province) && fresh > 0 {
					if s.FirstProvince == "" { // the first place a client came from
						s.FirstProvince = t.Province
					}
					if s.Provinces == nil {
						s.Provinces = map[string]int64{}
					}
					s.Provinces[t.Province] += fresh
				}
				s.Count += t.Count
				s.Clients += fresh
				s.Version = next
				return s, nil
			})
			if err != nil {
				return err
			}
			month := registry.ScanMonthOf(t.First)
			return d.rewrite(ctx, colScanMonths, registry.ScanMonthID(t.Key, month), func(raw bson.Raw, next int64) (any, error) {
				m := &scanMonthDoc{ScanMonth: registry.ScanMonth{ID: registry.ScanMonthID(t.Key, month), Key: t.Key, Month: month}}
				if raw != nil {
					var err error
					if m, err = decode[scanMonthDoc](raw); err != nil {
						return nil, err
					}
				}
				m.Count += t.Count
				m.Version = next
				return m, nil
			})
		})
		if err != nil {
			return err
		}
	}
	return nil
}

// newScanClients records the tally's client keys for its code and returns
// how many were not recorded before (an insert each; a taken _id is a client
// already counted).
func (d *DB) newScanClients(ctx context.Context, t registry.ScanTally) (int64, error) {
	var fresh int64
	for _, c := range t.Clients {
		raw, err := marshal(scanClientDoc{ID: t.Key + " " + c, At: t.First.UTC(), Version: 1})
		if err != nil {
			return 0, err
		}
		err = d.eng.Insert(ctx, colScanClients, raw)
		if errors.Is(err, store.ErrDuplicate) {
			continue
		}
		if err != nil {
			return 0, mapError(err, nil)
		}
		fresh++
	}
	return fresh, nil
}

// ScanStats implements registry.ScanService.
func (d *DB) ScanStats(ctx context.Context, key string) (*registry.ScanStats, error) {
	s, err := get[registry.ScanStats](ctx, d, colScans, key, "Scan counter", "bộ đếm lượt quét")
	if registry.ErrorCode(err) == registry.ENOTFOUND {
		return &registry.ScanStats{Key: key}, nil
	}
	return s, err
}

// serialCounter names the engine counter of a batch's issued serials. It
// is not on the batch because UpdateBatch replaces the whole batch document.
func serialCounter(batchID string) string { return "serial:" + batchID }

type serialDoc struct {
	ID       string `bson:"_id"` // batch ID, a space, serial
	BatchID  string `bson:"batch_id"`
	Position int64  `bson:"position"`
	Version  int64  `bson:"version"`
}

// IssueSerials implements registry.SerialService: the positions from the
// counter, then one document per serial, in one transaction where the
// engine has them. Positions reserved by a sheet that failed stay unused.
func (d *DB) IssueSerials(ctx context.Context, batchID string, n int) (int64, []string, error) {
	if n < 1 || n > registry.MaxSerialsPerSheet {
		return 0, nil, fieldError("count", "range", "ask for 1 to 5000 serials", "chỉ được yêu cầu từ 1 đến 5000 số sê-ri")
	}
	ok, err := d.exists(ctx, colBatches, batchID, nil)
	if err != nil {
		return 0, nil, err
	}
	if !ok {
		return 0, nil, notFound("Batch", "lô hàng")
	}
	issued, err := d.eng.Add(ctx, serialCounter(batchID), int64(n))
	if err != nil {
		return 0, nil, mapError(err, nil)
	}
	first := issued - int64(n) + 1
	serials := make([]string, n)
	err = d.tx(ctx, func(ctx context.Context) error {
		for i := range serials {
			serials[i] = registry.NewSerialCode()
			raw, err := marshal(serialDoc{ID: batchID + " " + serials[i], BatchID: batchID, Position: first + int64(i), Version: 1})
			if err != nil {
				return err
			}
			// 60 random bits: a taken code is as likely as a disk error,
			// and is answered as one.
			if err := d.eng.Insert(ctx, colSerials, raw); err != nil {
				return mapError(err, nil)
			}
		}
		return nil
	})
	if err != nil {
		return 0, nil, err
	}
	return first, serials, nil
}

// Serials implements registry.SerialService: one indexed range of the
// batch's serial documents; positions without one print their number.
func (d *DB) Serials(ctx context.Context, batchID string, from int64, n int) ([]string, error) {
	issued, err := d.SerialsIssued(ctx, batchID)
	if err != nil {
		return nil, err
	}
	if from < 1 || n < 1 || n > registry.MaxSerialsPerSheet || from+int64(n)-1 > issued {
		return nil, fieldError("from", "issued", "only serials already issued can be reprinted", "chỉ in lại được các số sê-ri đã cấp")
	}
	out := make([]string, n)
	for i := range out {
		out[i] = strconv.FormatInt(from+int64(i), 10)
	}
	q := store.Query{Collection: colSerials, Where: where("batch_id", batchID),
		Range: &store.Range{Field: "position", Gte: from, Lt: from + int64(n)}}
	err = each(ctx, d, q, func(s *serialDoc) error {
		out[s.Position-from] = strings.TrimPrefix(s.ID, batchID+" ")
		return nil
	})
	return out, err
}

// SerialValid implements registry.SerialService.
func (d *DB) SerialValid(ctx context.Context, batchID, serial string) (bool, error) {
	if serial == "" || len(serial) > 20 || !registry.ValidID(batchID) {
		return false, nil
	}
	if pos := registry.SerialPosition(serial); pos > 0 {
		issued, err := d.SerialsIssued(ctx, batchID)
		if err != nil || pos > issued {
			return false, err
		}
		// A position printed with a random code is not valid by its number.
		raws, _, err := d.eng.Find(ctx, store.Query{Collection: colSerials, Where: where("batch_id", batchID, "position", pos), Limit: 1})
		if err != nil {
			return false, mapError(err, nil)
		}
		return len(raws) == 0, nil
	}
	_, err := d.eng.Get(ctx, colSerials, batchID+" "+serial)
	if errors.Is(err, store.ErrNotFound) {
		return false, nil
	}
	return err == nil, mapError(err, nil)
}

// SerialsIssued implements registry.SerialService.
func (d *DB) SerialsIssued(ctx context.Context, batchID string) (int64, error) {
	v, err := d.eng.Counter(ctx, serialCounter(batchID))
	return v, mapError(err, nil)
}
