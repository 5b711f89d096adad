package records

import (
	"context"
	"fmt"
	"regexp"
	"slices"

	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/tracereg/tracereg/registry"
	"github.com/tracereg/tracereg/registry/store"
)

// searchField holds a record's search keys (registry.SearchKeys); the
// "search" indexes make a name search one index range.
const searchField = "search"

// What each searchable record is found by.
func enterpriseSearchKeys(e *registry.Enterprise) []string {
	return registry.SearchKeys(e.NameVI, e.NameEN, e.TaxCode)
}

func productSearchKeys(p *registry.Product) []string {
	return registry.SearchKeys(p.NameVI, p.NameEN, p.GTIN, p.ShortCode, p.Category)
}

func facilitySearchKeys(f *registry.Facility) []string {
	return registry.SearchKeys(f.Name, f.Code, f.GLN, f.District)
}

// The stored forms add the search keys.
type enterpriseDoc struct {
	registry.Enterprise `bson:",inline"`
	Search              []string `bson:"search"`
}

type facilityDoc struct {
	registry.Facility `bson:",inline"`
	Search            []string `bson:"search"`
}

func newEnterpriseDoc(e *registry.Enterprise) *enterpriseDoc {
	return &enterpriseDoc{Enterprise: *e, Search: enterpriseSearchKeys(e)}
}

func newFacilityDoc(f *registry.Facility) *facilityDoc {
	return &facilityDoc{Facility: *f, Search: facilitySearchKeys(f)}
}

// searchScanMax bounds how many index reads one search page makes when
// filters refuse records or words rarely meet.
const searchScanMax = 2000

// search returns one page of the records whose search keys hold every word
// of text and that keep accepts, in _id order. One word is one index range
// (with the equality conditions before it, such as the enterprise);
// several are intersected by searchAll. A page may be short, with a next
// cursor, when keep refuses many records.
func search[T any](ctx context.Context, d *DB, col string, conds []store.Cond, text string, page registry.Page,
	keep func(*T) bool) ([]*T, string, error) {
	page = page.Normalize()
	if !page.UpdatedSince.IsZero() {
		return nil, "", fieldError("updated_since", "combination", "cannot be combined with a search by name",
			"không dùng cùng với tìm theo tên")
	}
	words := registry.SearchQuery(text)
	if len(words) == 0 {
		return nil, "", nil
	}
	if len(words) > 1 {
		return searchAll(ctx, d, col, conds, words, page, keep)
	}
	q := store.Query{Collection: col, Where: append(conds, store.Eq(searchField, words[0])), After: page.Cursor}
	var out []*T
	read := 0
	for len(out) < page.Limit {
		// Read no more than the page still needs: the cursor after the last
		// one read is then exactly where the next page starts.
		q.Limit = page.Limit - len(out)
		raws, next, err := d.eng.Find(ctx, q)
		if err != nil {
			return nil, "", mapError(err, nil)
		}
		for _, raw := range raws {
			v, err := decode[T](raw)
			if err != nil {
				return nil, "", err
			}
			if keep == nil || keep(v) {
				out = append(out, v)
			}
		}
		read += len(raws)
		if next == "" || read >= searchScanMax {
			return out, next, nil
		}
		q.After = next
	}
	return out, q.After, nil
}

// searchKeysVersion is the version of the search keys stored records
// carry; UpgradeSearch writes them again when it is behind.
const (
	searchKeysVersion = 2 // 2: facilities found by GLN
	counterSearchKeys = "search_keys_version"
)

// UpgradeSearch gives every enterprise, facility and product stored
// before search keys existed (or under an older version of them) its
// keys: once, at start, recorded in a counter. Records written since
// carry them already.
func (d *DB) UpgradeSearch(ctx context.Context) error {
	v, err := d.eng.Counter(ctx, counterSearchKeys)
	if err != nil {
		return mapError(err, nil)
	}
	if v >= searchKeysVersion {
		return nil
	}
	if err := rekey(ctx, d, colEnterprises, func(e *registry.Enterprise) any { return newEnterpriseDoc(e) }); err != nil {
		return err
	}
	if err := rekey(ctx, d, colFacilities, func(f *registry.Facility) any { return newFacilityDoc(f) }); err != nil {
		return err
	}
	if err := rekey(ctx, d, colProducts, func(p *registry.Product) any { return newProductDoc(p) }); err != nil {
		return err
	}
	_, err = d.eng.Add(ctx, counterSearchKeys, searchKeysVersion-v)
	return mapError(err, nil)
}

// rekey rewrites every record of col as stored(record), in transactions
// of one page, keeping each record's version: only its derived keys change.
func rekey[T any](ctx context.Context, d *DB, col string, stored func(*T) any) error {
	q := store.Query{Collection: col, Limit: store.MaxLimit}
	for {
		raws, next, err := d.eng.Find(ctx, q)
		if err != nil {
			return mapError(err, nil)
		}
		err = d.tx(ctx, func(ctx context.Context) error {
			for _, raw := range raws {
				_, version, err := store.DocID(raw)
				if err != nil {
					return err
				}
				v, err := decode[T](raw)
				if err != nil {
					return err
				}
				doc, err := marshal(stored(v))
				if err != nil {
					return err
				}
				if err := d.eng.Replace(ctx, col, version, doc); err != nil {
					return fmt.Errorf("search keys of %s: %w", col, err)
				}
			}
			return nil
		})
		if err != nil {
			return mapError(err, nil)
		}
		if next == "" {
			return nil
		}
		q.After = next
	}
}

// searchCursor is a several-word search's cursor: "s" and the last _id
// read. It is checked like the store's own.
var searchCursor = regexp.MustCompile(`^s[0-9a-f]{24}$`)

// searchAll intersects the words' index ranges, all in _id order, by
// leapfrogging: each word's range is sought from the highest _id any word
// reached, until every word lands on the same record. A rare word among
// common ones costs a few seeks per match, never a scan of the common
// word's records.
func searchAll[T any](ctx context.Context, d *DB, col string, conds []store.Cond, words []string, page registry.Page,
	keep func(*T) bool) ([]*T, string, error) {
	lower := "" // the records up to it, included, are done
	if page.Cursor != "" {
		if !searchCursor.MatchString(page.Cursor) {
			return nil, "", fieldError("cursor", "cursor", "is not a page of this list", "không phải là trang của danh sách này")
		}
		lower = page.Cursor[1:]
	}
	// first returns the first record of word's range from id on (after it
	// when after), or nil.
	first := func(word, id string, after bool) (bson.Raw, string, error) {
		var r *store.Range // none: from the range's start
		switch {
		case id != "" && after:
			r = &store.Range{Field: store.IDField, Gt: id}
		case id != "":
			r = &store.Range{Field: store.IDField, Gte: id}
		}
		raws, _, err := d.eng.Find(ctx, store.Query{Collection: col, Where: append(slices.Clone(conds), store.Eq(searchField, word)),
			Range: r, Limit: 1})
		if err != nil || len(raws) == 0 {
			return nil, "", mapError(err, nil)
		}
		got, _, err := store.DocID(raws[0])
		return raws[0], got, err
	}
	var out []*T
	for seeks := 0; len(out) < page.Limit; {
		// Find the next record every word holds.
		raw, cand, err := first(words[0], lower, true)
		seeks++
		if err != nil {
			return nil, "", err
		}
		// The words in turn after the one that set the candidate, so
		// agreed counts distinct words.
		for i, agreed := 0, 1; raw != nil && agreed < len(words) && seeks < searchScanMax; seeks++ {
			i = (i + 1) % len(words)
			w := words[i]
			var at string
			var r bson.Raw
			if r, at, err = first(w, cand, false); err != nil {
				return nil, "", err
			}
			switch {
			case r == nil:
				raw = nil
			case at == cand:
				agreed++
			default:
				raw, cand, agreed = r, at, 1
			}
		}
		if raw == nil {
			return out, "", nil // a word's range ended: nothing more holds them all
		}
		if seeks >= searchScanMax {
			return out, "s" + lower, nil
		}
		lower = cand
		v, err := decode[T](raw)
		if err != nil {
			return nil, "", err
		}
		if keep == nil || keep(v) {
			out = append(out, v)
		}
	}
	return out, "s" + lower, nil
}
