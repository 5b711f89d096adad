package gs1

import (
	"fmt"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"unicode/utf8"
)

// DigitalLink is a parsed GS1 Digital Link URI: the path (primary key and
// key qualifiers) and the data attributes of its query string.
type DigitalLink struct {
	GTIN    string // AI 01, always GTIN-14 after ParsePath
	Variant string // AI 22 (consumer product variant), optional
	Lot     string // AI 10, optional
	Serial  string // AI 21, optional
	// Attributes are the data attributes of the query string keyed by AI,
	// e.g. "17": "261231". Non-AI parameters (linkType, context, lang, ...)
	// are not included. Nil when there are none.
	Attributes map[string]string
}

// qualifiers are the key qualifiers of AI 01 in the order GS1 requires.
var qualifiers = [...]string{"22", "10", "21"}

func qualifierRank(ai string) int {
	for i, q := range qualifiers {
		if q == ai {
			return i
		}
	}
	return -1
}

// ParsePath parses the path of a GS1 Digital Link URI, e.g.
// "/01/09506000134352/10/ABC/21/1" (the caller strips any prefix before
// "/01"), and its raw query string.
//
// Path rules: the primary key is AI 01; the key qualifiers 22, 10, 21 follow
// in that order, each at most once, any of them omitted; values are
// percent-decoded and then validated (a GTIN-8/12/13 is accepted and
// normalised to 14 digits); one trailing slash is tolerated; any other AI in
// the path is an error.
//
// Query rules: a key made only of digits must be a data attribute AI from the
// table (see LookupAI) and its value must pass that AI's check; each appears
// at most once. Other keys (linkType, context, lang, ...) are ignored.
func ParsePath(path, rawQuery string) (DigitalLink, error) {
	var d DigitalLink
	p := strings.TrimPrefix(path, "/")
	p = strings.TrimSuffix(p, "/") // GS1 resolvers must tolerate a trailing slash
	if p == "" {
		return DigitalLink{}, newErr("01", RuleSyntax, "the path must start with /01/ and a GTIN",
			"đường dẫn phải bắt đầu bằng /01/ và mã GTIN")
	}
	// Split before decoding so that an escaped '/' (%2F) stays inside its value.
	segs := strings.Split(p, "/")
	rank := -1 // rank of the last qualifier seen
	for i := 0; i < len(segs); i += 2 {
		ai := segs[i]
		if ai == "" {
			return DigitalLink{}, newErr("", RuleSyntax, "the path has an empty segment (//)",
				"đường dẫn có đoạn rỗng (//)")
		}
		if err := checkPathAI(ai, i == 0, rank); err != nil {
			return DigitalLink{}, err
		}
		if i+1 >= len(segs) {
			return DigitalLink{}, newErr(ai, RuleSyntax, "AI "+ai+" has no value in the path",
				"AI "+ai+" thiếu giá trị trong đường dẫn")
		}
		v, err := url.PathUnescape(segs[i+1])
		if err != nil {
			return DigitalLink{}, newErr(ai, RuleSyntax, "the value of AI "+ai+" has an invalid percent-encoding",
				"giá trị của AI "+ai+" có mã hoá phần trăm (%XX) không hợp lệ")
		}
		if i == 0 {
			g, err := GTIN14(v)
			if err != nil {
				return DigitalLink{}, err
			}
			d.GTIN = g
			continue
		}
		rank = qualifierRank(ai)
		a, _ := LookupAI(ai)
		if err := a.Validate(v); err != nil {
			return DigitalLink{}, err
		}
		switch ai {
		case "22":
			d.Variant = v
		case "10":
			d.Lot = v
		case "21":
			d.Serial = v
		}
	}
	attrs, err := parseAttributes(rawQuery)
	if err != nil {
		return DigitalLink{}, err
	}
	d.Attributes = attrs
	return d, nil
}

// checkPathAI checks that ai may stand at this place of the path: 01 first,
// then qualifiers with a rank above prev.
func checkPathAI(ai string, first bool, prev int) error {
	r := qualifierRank(ai)
	switch {
	case first && ai == "01":
		return nil
	case first && r >= 0:
		return newErr(ai, RuleOrder, "the path must start with AI 01 (GTIN), not AI "+ai,
			"đường dẫn phải bắt đầu bằng AI 01 (GTIN), không phải AI "+ai)
	case first:
		return newErr(echoAI(ai), RuleUnknownAI,
			fmt.Sprintf("the path must start with AI 01 (GTIN); %s is not a supported primary key", quote(ai)),
			fmt.Sprintf("đường dẫn phải bắt đầu bằng AI 01 (GTIN); %s không phải khoá chính được hỗ trợ", quote(ai)))
	case ai == "01":
		return newErr(ai, RuleDuplicate, "AI 01 appears more than once in the path",
			"AI 01 xuất hiện nhiều lần trong đường dẫn")
	case r < 0:
		if a, ok := LookupAI(ai); ok && a.DataAttribute {
			return newErr(ai, RuleUnknownAI,
				"AI "+ai+" is a data attribute: put it in the query string (?"+ai+"=...), not in the path",
				"AI "+ai+" là thuộc tính dữ liệu: phải đặt trong chuỗi truy vấn (?"+ai+"=...), không đặt trong đường dẫn")
		}
		return newErr(echoAI(ai), RuleUnknownAI,
			fmt.Sprintf("%s is not a key qualifier of a GTIN; only 22, 10 and 21 may follow /01/", quote(ai)),
			fmt.Sprintf("%s không phải bộ định danh đi kèm GTIN; sau /01/ chỉ được dùng 22, 10 và 21", quote(ai)))
	case r == prev:
		return newErr(ai, RuleDuplicate, "AI "+ai+" appears more than once in the path",
			"AI "+ai+" xuất hiện nhiều lần trong đường dẫn")
	case r < prev:
		return newErr(ai, RuleOrder,
			"key qualifiers must be in the order 22, 10, 21: AI "+ai+" cannot follow AI "+qualifiers[prev],
			"Thứ tự bộ định danh phải là 22, 10, 21: AI "+ai+" không được đứng sau AI "+qualifiers[prev])
	}
	return nil
}

// parseAttributes reads the data attributes of a raw query string. It splits
// on '&' by hand: url.ParseQuery would also reject ';' and lose the order we
// need to report the first problem.
func parseAttributes(rawQuery string) (map[string]string, error) {
	var attrs map[string]string
	for _, pair := range strings.Split(strings.TrimPrefix(rawQuery, "?"), "&") {
		if pair == "" {
			continue
		}
		rawKey, rawVal, _ := strings.Cut(pair, "=")
		key, err := url.QueryUnescape(rawKey)
		if err != nil {
			return nil, newErr("", RuleSyntax, "the query string has an invalid percent-encoding",
				"chuỗi truy vấn có mã hoá phần trăm (%XX) không hợp lệ")
		}
		if key == "" || firstNonDigit(key) >= 0 {
			continue // linkType, context, lang, ...: for the resolver, not us
		}
		a, ok := LookupAI(key)
		if !ok {
			return nil, newErr(echoAI(key), RuleUnknownAI,
				fmt.Sprintf("unknown application identifier %s in the query string", quote(key)),
				fmt.Sprintf("mã AI %s trong chuỗi truy vấn không xác định hoặc không được hỗ trợ", quote(key)))
		}
		if !a.DataAttribute {
			return nil, newErr(key, RuleSyntax,
				"AI "+key+" belongs in the path (/01/.../22/.../10/.../21/...), not in the query string",
				"AI "+key+" phải nằm trong đường dẫn (/01/.../22/.../10/.../21/...), không đặt trong chuỗi truy vấn")
		}
		if _, dup := attrs[key]; dup {
			return nil, newErr(key, RuleDuplicate, "AI "+key+" appears more than once in the query string",
				"AI "+key+" xuất hiện nhiều lần trong chuỗi truy vấn")
		}
		val, err := url.QueryUnescape(rawVal)
		if err != nil {
			return nil, newErr(key, RuleSyntax, "the value of AI "+key+" has an invalid percent-encoding",
				"giá trị của AI "+key+" có mã hoá phần trăm (%XX) không hợp lệ")
		}
		if err := a.Validate(val); err != nil {
			return nil, err
		}
		if attrs == nil {
			attrs = make(map[string]string)
		}
		attrs[key] = val
	}
	return attrs, nil
}

// Path formats the canonical uncompressed Digital Link path
// "/01/{gtin14}[/22/{variant}][/10/{lot}][/21/{serial}]". A valid short GTIN
// is padded to 14 digits. Values are percent-encoded: every byte outside the
// RFC 3986 unreserved set [A-Za-z0-9-._~] becomes %XX, so '/' is %2F, '%' is
// %25 and so on, and ParsePath gives the values back unchanged.
func (d DigitalLink) Path() string {
	g := d.GTIN
	if g14, err := GTIN14(g); err == nil {
		g = g14
	}
	var b strings.Builder
	b.WriteString("/01/")
	escapeTo(&b, g)
	for _, q := range []struct{ ai, v string }{{"22", d.Variant}, {"10", d.Lot}, {"21", d.Serial}} {
		if q.v != "" {
			b.WriteString("/" + q.ai + "/")
			escapeTo(&b, q.v)
		}
	}
	return b.String()
}

// URI returns base (e.g. "https://tracereg.example.vn", no trailing slash)
// followed by Path() and, if there are attributes, "?" and the attributes in
// GS1 table (lexical) order of their AIs, e.g. "?17=261231&7007=250310".
func (d DigitalLink) URI(base string) string {
	uri := base + d.Path()
	if len(d.Attributes) == 0 {
		return uri
	}
	keys := make([]string, 0, len(d.Attributes))
	for k := range d.Attributes {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var b strings.Builder
	b.WriteString(uri)
	for i, k := range keys {
		if i == 0 {
			b.WriteByte('?')
		} else {
			b.WriteByte('&')
		}
		b.WriteString(url.QueryEscape(k) + "=" + url.QueryEscape(d.Attributes[k]))
	}
	return b.String()
}

// echoAI returns an unknown AI as given when it is short enough to be one
// (GS1 AIs have 2 to 4 digits), else "": errors go back to clients and logs,
// and should not carry whatever a caller put in a URL.
func echoAI(s string) string {
	if len(s) <= 8 && utf8.ValidString(s) {
		return s
	}
	return ""
}

// quote quotes s for a message, cut to 20 bytes at a rune boundary.
func quote(s string) string {
	if len(s) <= 20 {
		return strconv.Quote(s)
	}
	n := 20
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return strconv.Quote(s[:n]) + "…"
}

func escapeTo(b *strings.Builder, s string) {
	const hex = "0123456789ABCDEF"
	for i := 0; i < len(s); i++ {
		c := s[i]
		if 'A' <= c && c <= 'Z' || 'a' <= c && c <= 'z' || '0' <= c && c <= '9' ||
			c == '-' || c == '.' || c == '_' || c == '~' {
			b.WriteByte(c)
			continue
		}
		b.WriteByte('%')
		b.WriteByte(hex[c>>4])
		b.WriteByte(hex[c&15])
	}
}
