package mongo

import (
	"context"
	"errors"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"
)

// colChanges holds one document, {_id: "public", v: N}: the public change stamp.
const colChanges = "changes"

// publicCollections are the records the public pages show.
var publicCollections = map[string]bool{
	colEnterprises: true, colFacilities: true, colProducts: true, colBatches: true, colEvents: true,
	colCertificates: true, colBodies: true, colAnnouncements: true, colStandards: true, colDocuments: true,
}

// touch moves the public change stamp after a write to col. A failure is
// not the write's failure: the public cache's TTL still bounds staleness.
func (d *DB) touch(ctx context.Context, col string) {
	if !publicCollections[col] {
		return
	}
	d.db.Collection(colChanges).UpdateOne(context.WithoutCancel(ctx), bson.D{{Key: "_id", Value: "public"}},
		bson.D{{Key: "$inc", Value: bson.D{{Key: "v", Value: int64(1)}}}}, options.UpdateOne().SetUpsert(true))
}

// PublicVersion implements registry.ChangeStamp.
func (d *DB) PublicVersion(ctx context.Context) (int64, error) {
	var doc struct {
		V int64 `bson:"v"`
	}
	err := d.db.Collection(colChanges).FindOne(ctx, bson.D{{Key: "_id", Value: "public"}}).Decode(&doc)
	if errors.Is(err, mongo.ErrNoDocuments) {
		return 0, nil
	}
	if err != nil {
		return 0, mapError(err, nil)
	}
	return doc.V, nil
}
