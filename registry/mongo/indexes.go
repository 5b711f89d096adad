package mongo

import (
	"context"
	"fmt"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"
)

type index struct {
	keys   bson.D
	unique bool
}

func asc(fields ...string) bson.D {
	d := make(bson.D, len(fields))
	for i, f := range fields {
		d[i] = bson.E{Key: f, Value: 1}
	}
	return d
}

// indexes lists every index. Unique keys on optional values use a *_key field
// that falls back to the record's own ID, because partial and sparse indexes
// are outside the portable subset.
var indexes = map[string][]index{
	colEnterprises:   {{asc("tax_code"), true}, {asc("district"), false}},
	colFacilities:    {{asc("enterprise_id"), false}},
	colProducts:      {{asc("enterprise_id"), false}, {asc("gtin_key"), true}, {asc("short_code"), true}},
	colBatches:       {{asc("product_id", "lot_code"), true}, {asc("short_code"), true}, {asc("enterprise_id"), false}, {asc("status"), false}},
	colEvents:        {{asc("enterprise_id", "idempotency_key"), true}, {asc("batches.batch_id"), false}, {asc("inputs.batch_id"), false}, {asc("outputs.batch_id"), false}},
	colCertificates:  {{asc("body_id", "number"), true}, {asc("holder_id"), false}, {asc("number"), false}, {asc("expires_on"), false}},
	colBodies:        {{asc("code"), true}},
	colAnnouncements: {{asc("enterprise_id"), false}, {asc("receipt_key"), true}, {asc("status"), false}},
	colStandards:     {{asc("code"), true}},
	colUsers:         {{asc("username"), true}},
	colDocuments:     {{asc("enterprise_id"), false}, {asc("blob.sha256"), false}},
	colReports:       {{asc("subject"), false}},
	colSessions:      {{asc("user_id"), false}, {asc("expires_at"), false}},
	// The province's programme (registry/mongo/programme.go).
	colSupport:       {{asc("enterprise_id"), false}, {asc("year"), false}},
	colExperts:       {{asc("certified_on"), false}},
	colCourses:       {{asc("from"), false}},
	colBenchmarks:    {{asc("enterprise_id", "year"), true}, {asc("year"), false}},
	colGoodPractices: {{asc("sector"), false}, {asc("tools"), false}},
}

// EnsureIndexes creates every index; running it again changes nothing.
// Indexes are created one per command: FerretDB 1.24 fails (the connection
// drops) on a createIndexes naming several indexes of which some already exist.
func (d *DB) EnsureIndexes(ctx context.Context) error {
	for col, list := range indexes {
		for _, ix := range list {
			model := mongo.IndexModel{Keys: ix.keys, Options: options.Index().SetUnique(ix.unique)}
			if _, err := d.db.Collection(col).Indexes().CreateOne(ctx, model); err != nil {
				return fmt.Errorf("create indexes on %s: %w", col, mapError(err, nil))
			}
		}
	}
	return nil
}
