package mongo

import (
	"context"
	"errors"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/tracereg/tracereg/registry"
)

// Collections of the public side: scan counters per serialised code, serial
// counters per batch, and consumers' problem reports.
const (
	colScans = "scans"
	// colScanMonths holds one counter per code and month (registry.ScanMonth).
	colScanMonths = "scan_months"
	colSerials    = "serial_counters"
	colReports    = "problem_reports"
)

var (
	_ registry.ScanService   = (*DB)(nil)
	_ registry.SerialService = (*DB)(nil)
	_ registry.ReportService = (*DB)(nil)
)

// RecordScans implements registry.ScanService: one $inc upsert per code and
// one per code and month, no transaction (each counter is independent; a
// crash between the two loses one tally's month figure, never doubles it).
func (d *DB) RecordScans(ctx context.Context, tallies []registry.ScanTally) error {
	for _, t := range tallies {
		if t.Key == "" || t.Count <= 0 {
			continue
		}
		inc := bson.D{{Key: "count", Value: t.Count}}
		set := bson.D{{Key: "first_scan", Value: t.First.UTC()}}
		if registry.ValidProvince(t.Province) {
			inc = append(inc, bson.E{Key: "provinces." + t.Province, Value: t.Count})
			set = append(set, bson.E{Key: "first_province", Value: t.Province})
		}
		update := bson.D{{Key: "$inc", Value: inc}, {Key: "$setOnInsert", Value: set}}
		if _, err := d.db.Collection(colScans).UpdateOne(ctx, bson.D{{Key: "_id", Value: t.Key}}, update,
			options.UpdateOne().SetUpsert(true)); err != nil {
			return mapError(err, nil)
		}
		month := registry.ScanMonthOf(t.First)
		if _, err := d.db.Collection(colScanMonths).UpdateOne(ctx, bson.D{{Key: "_id", Value: registry.ScanMonthID(t.Key, month)}},
			bson.D{{Key: "$inc", Value: bson.D{{Key: "count", Value: t.Count}}},
				{Key: "$setOnInsert", Value: bson.D{{Key: "key", Value: t.Key}, {Key: "month", Value: month}}}},
			options.UpdateOne().SetUpsert(true)); err != nil {
			return mapError(err, nil)
		}
	}
	return nil
}

// ScanStats implements registry.ScanService.
func (d *DB) ScanStats(ctx context.Context, key string) (*registry.ScanStats, error) {
	var s registry.ScanStats
	err := d.db.Collection(colScans).FindOne(ctx, bson.D{{Key: "_id", Value: key}}).Decode(&s)
	if errors.Is(err, mongo.ErrNoDocuments) {
		return &registry.ScanStats{Key: key}, nil
	}
	if err != nil {
		return nil, mapError(err, nil)
	}
	return &s, nil
}

type serialCounter struct {
	ID     string `bson:"_id"`
	Issued int64  `bson:"issued"`
}

// IssueSerials implements registry.SerialService. The counter lives in its
// own collection, not on the batch, because UpdateBatch replaces the whole
// batch document and would reset it.
func (d *DB) IssueSerials(ctx context.Context, batchID string, n int) (int64, error) {
	if n < 1 || n > registry.MaxSerialsPerSheet {
		return 0, fieldError("count", "range", "ask for 1 to 5000 serials", "chỉ được yêu cầu từ 1 đến 5000 số sê-ri")
	}
	ok, err := d.exists(ctx, colBatches, batchID)
	if err != nil {
		return 0, err
	}
	if !ok {
		return 0, notFound("Batch", "lô hàng")
	}
	var c serialCounter
	err = d.db.Collection(colSerials).FindOneAndUpdate(ctx, bson.D{{Key: "_id", Value: batchID}},
		bson.D{{Key: "$inc", Value: bson.D{{Key: "issued", Value: int64(n)}}}},
		options.FindOneAndUpdate().SetUpsert(true).SetReturnDocument(options.After)).Decode(&c)
	if err != nil {
		return 0, mapError(err, nil)
	}
	return c.Issued - int64(n) + 1, nil
}

// SerialsIssued implements registry.SerialService.
func (d *DB) SerialsIssued(ctx context.Context, batchID string) (int64, error) {
	var c serialCounter
	err := d.db.Collection(colSerials).FindOne(ctx, bson.D{{Key: "_id", Value: batchID}}).Decode(&c)
	if errors.Is(err, mongo.ErrNoDocuments) {
		return 0, nil
	}
	if err != nil {
		return 0, mapError(err, nil)
	}
	return c.Issued, nil
}
