package registry

import (
	"slices"
	"strings"
	"unicode"

	"golang.org/x/text/unicode/norm"
)

// Name search goes through an index, never through pages read in Go: each
// searchable record stores its search keys (SearchKeys of its names and
// codes), and a query looks up one of its words by equality. A key is a
// folded word (lower case, without Vietnamese marks, đ as d) or a prefix of
// one of at least searchPrefixMin letters: "ca phe" finds "Cà phê", "caf"
// finds "Café" and "robu" finds "Robusta". Words of fewer letters match
// only whole.
const (
	searchPrefixMin = 3  // shorter words are keys only whole
	searchWordMax   = 24 // longer words get prefixes up to this length, and themselves
	searchKeysMax   = 256
	// SearchQueryMax is how many characters of a query are read.
	SearchQueryMax = 200
)

// SearchWords returns the folded words of texts, each once, in order.
func SearchWords(texts ...string) []string {
	var out []string
	for _, t := range texts {
		t = FoldText(norm.NFC.String(t))
		for _, w := range strings.FieldsFunc(t, func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) }) {
			if !slices.Contains(out, w) {
				out = append(out, w)
			}
		}
	}
	return out
}

// SearchKeys returns the search keys a record with these texts stores: its
// words and their prefixes, each once, at most searchKeysMax of them.
func SearchKeys(texts ...string) []string {
	seen := map[string]bool{}
	var out []string
	add := func(k string) {
		if !seen[k] && len(out) < searchKeysMax {
			seen[k] = true
			out = append(out, k)
		}
	}
	for _, w := range SearchWords(texts...) {
		rs := []rune(w)
		for n := searchPrefixMin; n < len(rs) && n <= searchWordMax; n++ {
			add(string(rs[:n]))
		}
		add(w)
	}
	return out
}

// SearchQuery is a query's words: at most 8, from its first SearchQueryMax
// characters.
func SearchQuery(q string) []string {
	if rs := []rune(q); len(rs) > SearchQueryMax {
		q = string(rs[:SearchQueryMax])
	}
	words := SearchWords(q)
	return words[:min(len(words), 8)]
}
