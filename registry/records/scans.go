package records

import (
	"context"

	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/tracereg/tracereg/registry"
)

var (
	_ registry.ScanService   = (*DB)(nil)
	_ registry.SerialService = (*DB)(nil)
	_ registry.ReportService = (*DB)(nil)
)

// Storage forms of the scan counters, with the version the engine needs.
type (
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
		err := d.eng.Tx(ctx, func(ctx context.Context) error {
			err := d.rewrite(ctx, colScans, t.Key, func(raw bson.Raw, next int64) (any, error) {
				s := &scanDoc{ScanStats: registry.ScanStats{Key: t.Key, FirstScan: t.First.UTC()}}
				if raw != nil {
					var err error
					if s, err = decode[scanDoc](raw); err != nil {
						return nil, err
					}
				}
				if registry.ValidProvince(t.Province) {
					if raw == nil {
						s.FirstProvince = t.Province
					}
					if s.Provinces == nil {
						s.Provinces = map[string]int64{}
					}
					s.Provinces[t.Province] += t.Count
				}
				s.Count += t.Count
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

// IssueSerials implements registry.SerialService.
func (d *DB) IssueSerials(ctx context.Context, batchID string, n int) (int64, error) {
	if n < 1 || n > registry.MaxSerialsPerSheet {
		return 0, fieldError("count", "range", "ask for 1 to 5000 serials", "chỉ được yêu cầu từ 1 đến 5000 số sê-ri")
	}
	ok, err := d.exists(ctx, colBatches, batchID, nil)
	if err != nil {
		return 0, err
	}
	if !ok {
		return 0, notFound("Batch", "lô hàng")
	}
	issued, err := d.eng.Add(ctx, serialCounter(batchID), int64(n))
	if err != nil {
		return 0, mapError(err, nil)
	}
	return issued - int64(n) + 1, nil
}

// SerialsIssued implements registry.SerialService.
func (d *DB) SerialsIssued(ctx context.Context, batchID string) (int64, error) {
	v, err := d.eng.Counter(ctx, serialCounter(batchID))
	return v, mapError(err, nil)
}
