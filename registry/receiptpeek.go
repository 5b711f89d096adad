package registry

import "context"

// ReceiptPeeker is an optional part of an InboxService: the sequence number
// the next notice of receipt of agency in year would get, without taking it
// (a form shows the number it will use; another notice issued meanwhile
// takes it, and the form then uses the one after). EINVALID as
// NextReceiptSequence.
type ReceiptPeeker interface {
	PeekReceiptSequence(ctx context.Context, agency string, year int) (int, error)
}
