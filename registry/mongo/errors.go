package mongo

import (
	"errors"
	"strings"

	"go.mongodb.org/mongo-driver/v2/mongo"
)

// isDuplicateKey recognises a unique index refusing a write: MongoDB's code,
// or FerretDB's SQLite message.
func isDuplicateKey(err error) bool {
	if mongo.IsDuplicateKeyError(err) {
		return true
	}
	var se mongo.ServerError
	return errors.As(err, &se) && se.HasErrorMessage("UNIQUE constraint failed")
}

// redactURI hides the credentials of a connection string, for errors and logs.
func redactURI(uri string) string {
	scheme := strings.Index(uri, "://")
	at := strings.LastIndex(uri, "@")
	if scheme < 0 || at < scheme {
		return uri
	}
	return uri[:scheme+3] + "***" + uri[at:]
}
