package mongo

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"go.mongodb.org/mongo-driver/v2/bson"
	mdb "go.mongodb.org/mongo-driver/v2/mongo"

	"github.com/tracereg/tracereg/registry"
)

var _ registry.ReceiptPeeker = (*DB)(nil)

// PeekReceiptSequence implements registry.ReceiptPeeker: it reads the
// counter NextReceiptSequence bumps, without writing.
func (d *DB) PeekReceiptSequence(ctx context.Context, agency string, year int) (int, error) {
	agency = strings.TrimSpace(agency)
	var p registry.Problems
	if agency == "" || len([]rune(agency)) > 200 {
		p.Add("agency", "required", "name the agency in at most 200 characters", "cần tên cơ quan, tối đa 200 ký tự")
	}
	if year < 1900 || year > 2200 {
		p.Add("year", "range", "must be between 1900 and 2200", "phải nằm trong khoảng 1900 đến 2200")
	}
	if err := p.Err(); err != nil {
		return 0, err
	}
	var counter struct {
		Seq int `bson:"seq"`
	}
	err := d.db.Collection(colCounters).FindOne(ctx, bson.D{{Key: "_id", Value: fmt.Sprintf("receipt:%d:%s", year, agency)}}).Decode(&counter)
	if errors.Is(err, mdb.ErrNoDocuments) {
		return 1, nil
	}
	if err != nil {
		return 0, mapError(err, nil)
	}
	return counter.Seq + 1, nil
}
