package records

import (
	"context"
	"fmt"

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
	return registry.SearchKeys(f.Name, f.Code, f.District)
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

// searchScanMax bounds how many records one search page reads from the
// index for its lead word when other words or filters must also match.
const searchScanMax = 2000

// search returns one page of the records whose search keys hold every word
// of text: it reads the index range of the lead word (with the equality
// conditions before it, such as the enterprise) and keeps the records that
// have the other words too and pass keep. next goes on from the last
// record read; a page may be short, with a next cursor, when the other
// words are rare among the lead word's records.
func search[T any](ctx context.Context, d *DB, col string, conds []store.Cond, text string, page registry.Page,
	keysOf func(*T) []string, keep func(*T) bool) ([]*T, string, error) {
	page = page.Normalize()
	if !page.UpdatedSince.IsZero() {
		return nil, "", fieldError("updated_since", "combination", "cannot be combined with a search by name",
			"không dùng cùng với tìm theo tên")
	}
	words := registry.SearchQuery(text)
	if len(words) == 0 {
		return nil, "", nil
	}
	q := store.Query{Collection: col, Where: append(conds, store.Eq(searchField, registry.SearchLead(words))), After: page.Cursor}
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
			if (len(words) == 1 || registry.MatchesSearch(keysOf(v), words)) && (keep == nil || keep(v)) {
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
	searchKeysVersion = 1
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
		err = d.eng.Tx(ctx, func(ctx context.Context) error {
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
