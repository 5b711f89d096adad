package records

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
