package mongo

import (
	"context"
	"fmt"
	"slices"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"
)

// ReadAll calls fn with every document of every collection of the database
// at uri, collection by collection in name order: for moving the data of an
// earlier layout (the embedded FerretDB's) into the current one. It reads
// whole collections, so it is for migrations, never for serving.
func ReadAll(ctx context.Context, uri, database string, fn func(coll string, doc bson.Raw) error) error {
	client, err := mongo.Connect(options.Client().ApplyURI(uri))
	if err != nil {
		return err
	}
	defer client.Disconnect(context.Background())
	db := client.Database(database)
	names, err := db.ListCollectionNames(ctx, bson.D{})
	if err != nil {
		return fmt.Errorf("list collections: %w", err)
	}
	slices.Sort(names)
	for _, name := range names {
		cur, err := db.Collection(name).Find(ctx, bson.D{})
		if err != nil {
			return fmt.Errorf("read %s: %w", name, err)
		}
		for cur.Next(ctx) {
			if err := fn(name, bson.Raw(append([]byte(nil), cur.Current...))); err != nil {
				cur.Close(ctx)
				return fmt.Errorf("%s: %w", name, err)
			}
		}
		if err := cur.Err(); err != nil {
			cur.Close(ctx)
			return fmt.Errorf("read %s: %w", name, err)
		}
		cur.Close(ctx)
	}
	return nil
}
