package mongo

import "go.mongodb.org/mongo-driver/v2/mongo"

// Database exposes the driver's database to the external tests, so they can
// show the portable MongoDB subset on the embedded FerretDB and count what a
// failed write left behind.
func (d *DB) Database() *mongo.Database { return d.db }

// Collection names, for the external tests.
const (
	ColEnterprises   = colEnterprises
	ColFacilities    = colFacilities
	ColProducts      = colProducts
	ColBatches       = colBatches
	ColEvents        = colEvents
	ColCertificates  = colCertificates
	ColBodies        = colBodies
	ColAnnouncements = colAnnouncements
	ColStandards     = colStandards
	ColUsers         = colUsers
	ColDocuments     = colDocuments
)
