package gs1

import (
	"errors"
	"math/rand"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"unicode/utf8"
)

// asError fails the test unless err is a well-formed *Error: a known rule
// and messages in both languages, the Vietnamese one really Vietnamese
// (every message we write has at least one diacritic).
func asError(t *testing.T, err error) *Error {
	t.Helper()
	var e *Error
	if !errors.As(err, &e) {
		t.Fatalf("error %v (%T) is not a *gs1.Error", err, err)
	}
	switch e.Rule {
	case RuleCheckDigit, RuleLength, RuleCharset, RuleOrder, RuleUnknownAI,
		RuleDate, RuleDuplicate, RuleCountry, RuleSyntax:
	default:
		t.Errorf("error %v has unknown rule %q", err, e.Rule)
	}
	if e.Message == "" || e.MessageVI == "" || e.Message == e.MessageVI {
		t.Errorf("error %+v: want distinct English and Vietnamese messages", e)
	}
	if !hasNonASCII(e.MessageVI) {
		t.Errorf("Vietnamese message %q has no diacritics; is it Vietnamese?", e.MessageVI)
	}
	if !utf8.ValidString(e.Message) || !utf8.ValidString(e.MessageVI) {
		t.Errorf("error %+v: messages must be valid UTF-8", e)
	}
	return e
}

func hasNonASCII(s string) bool {
	for _, r := range s {
		if r > 0x7f {
			return true
		}
	}
	return false
}

func TestCheckDigit(t *testing.T) {
	tests := []struct {
		in   string
		want byte
	}{
		// 0950600013435, weights from the right 3,1,3,…:
		// 5·3+3·1+4·3+3·1+1·3+0·1+0·3+0·1+6·3+0·1+5·3+9·1+0·3 = 78 → (10−8)%10 = 2
		{"0950600013435", '2'},
		// 400638133393: 3·3+9+3·3+3+3·3+1+8·3+3+6·3+0+0·3+4 = 89 → 1
		{"400638133393", '1'},
		// 893123456789 (Viet Nam prefix 893): 9·3+8+7·3+6+5·3+4+3·3+2+1·3+3+9·3+8 = 133 → 7
		{"893123456789", '7'},
		// 9638507 (GTIN-8): 7·3+0+5·3+8+3·3+6+9·3 = 86 → 4
		{"9638507", '4'},
		// 03600029145 (UPC-A): 5·3+4+1·3+9+2·3+0+0·3+0+6·3+3+0·3 = 58 → 2
		{"03600029145", '2'},
		{"0", '0'}, // 0 → (10−0)%10 = 0, not 10
		{"1", '7'}, // 1·3 = 3 → 7
		{"9", '3'}, // 9·3 = 27 → 3
		{"00", '0'},
		{"10", '9'}, // 0·3+1·1 = 1 → 9
	}
	for _, tt := range tests {
		got, err := CheckDigit(tt.in)
		if err != nil || got != tt.want {
			t.Errorf("CheckDigit(%q) = %q, %v; want %q", tt.in, got, err, tt.want)
		}
	}
	for _, bad := range []string{"", "12a4", " 123", "１２３", "12-3"} {
		_, err := CheckDigit(bad)
		if err == nil {
			t.Errorf("CheckDigit(%q): want error", bad)
			continue
		}
		asError(t, err)
	}
}

func TestValidateGTIN(t *testing.T) {
	valid := []string{
		"09506000134352", // GTIN-14 of GS1's Digital Link examples, check worked in TestCheckDigit
		"9506000134352",  // same as GTIN-13
		"4006381333931",  // EAN-13
		"8931234567897",  // Viet Nam prefix 893
		"96385074",       // GTIN-8
		"036000291452",   // GTIN-12 (UPC-A)
		"00000096385074", // GTIN-8 padded to 14
	}
	for _, s := range valid {
		if err := ValidateGTIN(s); err != nil {
			t.Errorf("ValidateGTIN(%q) = %v; want nil", s, err)
		}
	}

	tests := []struct {
		in, rule string
		inMsgVI  string
	}{
		{"09506000134353", RuleCheckDigit, "Số kiểm tra GTIN không đúng: phải là 2"},
		{"4006381333932", RuleCheckDigit, "phải là 1"},
		{"8931234567890", RuleCheckDigit, "Số kiểm tra GTIN không đúng: phải là 7"},
		{"96385070", RuleCheckDigit, "phải là 4"},
		{"036000291450", RuleCheckDigit, "phải là 2"},
		{"", RuleLength, "không được để trống"},
		{"9638507", RuleLength, "hiện có 7"},
		{"963850744", RuleLength, "hiện có 9"},
		{"12345678901", RuleLength, "hiện có 11"},
		{"095060001343520", RuleLength, "hiện có 15"},
		{"0950600013435A", RuleCharset, "“A”"},
		{"95O6000134352", RuleCharset, "“O”"}, // letter O for zero
		{"9506000134352 ", RuleCharset, "dấu cách"},
		{"+4006381333931", RuleCharset, "“+”"},
		{"４００６３８１３３３９３１", RuleCharset, "“４”"}, // full-width digits
		{"950600013435\x00", RuleCharset, "U+0000"},
		{"950600013435\xff", RuleCharset, "0xFF"},
	}
	for _, tt := range tests {
		err := ValidateGTIN(tt.in)
		if err == nil {
			t.Errorf("ValidateGTIN(%q) = nil; want %s error", tt.in, tt.rule)
			continue
		}
		e := asError(t, err)
		if e.Rule != tt.rule || e.AI != "01" || !strings.Contains(e.MessageVI, tt.inMsgVI) {
			t.Errorf("ValidateGTIN(%q) = %+v; want AI 01, rule %s, VI message containing %q", tt.in, e, tt.rule, tt.inMsgVI)
		}
	}
	if e := asError(t, ValidateGTIN("8931234567890")); !strings.Contains(e.Message, "should be 7") {
		t.Errorf("English message %q should name the expected digit", e.Message)
	}
}

// A mod-10 check digit catches every single-digit error: change any one
// digit of a valid GTIN and it must fail.
func TestValidateGTINSingleDigitErrors(t *testing.T) {
	for _, g := range []string{"09506000134352", "8931234567897", "96385074", "036000291452"} {
		for i := range len(g) {
			for d := byte('0'); d <= '9'; d++ {
				if d == g[i] {
					continue
				}
				m := g[:i] + string(d) + g[i+1:]
				if ValidateGTIN(m) == nil {
					t.Errorf("ValidateGTIN(%q) = nil (from %q); want check digit error", m, g)
				}
			}
		}
	}
}

// Appending CheckDigit to random digits always gives a valid GTIN.
func TestCheckDigitMakesValidGTIN(t *testing.T) {
	r := rand.New(rand.NewSource(1))
	for range 2000 {
		n := []int{7, 11, 12, 13}[r.Intn(4)]
		b := make([]byte, n)
		for i := range b {
			b[i] = byte('0' + r.Intn(10))
		}
		c, err := CheckDigit(string(b))
		if err != nil {
			t.Fatal(err)
		}
		g := string(b) + string(c)
		if err := ValidateGTIN(g); err != nil {
			t.Fatalf("ValidateGTIN(%q) = %v", g, err)
		}
	}
}

func TestGTIN14(t *testing.T) {
	tests := []struct{ in, want string }{
		{"09506000134352", "09506000134352"},
		{"9506000134352", "09506000134352"},
		{"036000291452", "00036000291452"},
		{"96385074", "00000096385074"},
		{"8931234567897", "08931234567897"},
	}
	for _, tt := range tests {
		got, err := GTIN14(tt.in)
		if err != nil || got != tt.want {
			t.Errorf("GTIN14(%q) = %q, %v; want %q", tt.in, got, err, tt.want)
		}
		if err := ValidateGTIN(got); err != nil {
			t.Errorf("GTIN14(%q) = %q is not a valid GTIN: %v", tt.in, got, err)
		}
	}
	for _, bad := range []string{"", "9506000134353", "963850", "abc"} {
		got, err := GTIN14(bad)
		if err == nil || got != "" {
			t.Errorf("GTIN14(%q) = %q, %v; want error", bad, got, err)
			continue
		}
		asError(t, err)
	}
}

func TestIsCSet82(t *testing.T) {
	// The 82 characters as the GS1 General Specifications list them.
	const set = `!"%&'()*+,-./0123456789:;<=>?ABCDEFGHIJKLMNOPQRSTUVWXYZ_abcdefghijklmnopqrstuvwxyz`
	if len(set) != 82 {
		t.Fatalf("test set has %d characters", len(set))
	}
	for b := range 256 {
		s := string([]byte{byte(b)})
		want := strings.IndexByte(set, byte(b)) >= 0
		if got := IsCSet82(s); got != want {
			t.Errorf("IsCSet82(%q) = %v; want %v", s, got, want)
		}
	}
	tests := []struct {
		in   string
		want bool
	}{
		{"", true},
		{set, true},
		{"LOT-2024/07_A", true},
		{`!"%&'()*+,-./:;<=>?_`, true}, // every symbol of the set
		{"A B", false},                 // space
		{"#1", false},
		{"$", false},
		{"a@b", false},
		{"[x]", false},
		{`\`, false},
		{"^", false},
		{"`", false},
		{"{}", false},
		{"|", false},
		{"~", false},
		{"\x7f", false},
		{"Lô1", false}, // Vietnamese diacritics
		{"ABC\n", false},
	}
	for _, tt := range tests {
		if got := IsCSet82(tt.in); got != tt.want {
			t.Errorf("IsCSet82(%q) = %v; want %v", tt.in, got, tt.want)
		}
	}
}

func TestValidateLotAndSerial(t *testing.T) {
	twenty := strings.Repeat("A", 20)
	for _, s := range []string{"1", "L2024-07", twenty, `!"%&'()*+,-./:;<=>?_`, "a/b%c"} {
		if err := ValidateLot(s); err != nil {
			t.Errorf("ValidateLot(%q) = %v", s, err)
		}
		if err := ValidateSerial(s); err != nil {
			t.Errorf("ValidateSerial(%q) = %v", s, err)
		}
	}
	tests := []struct {
		in, rule string
		lotVI    string // expected in the lot message
		serialVI string // expected in the serial message
	}{
		{"", RuleLength, "Mã lô không được để trống", "Số sê-ri không được để trống"},
		{twenty + "B", RuleLength, "Mã lô tối đa 20 ký tự (hiện có 21)", "Số sê-ri tối đa 20 ký tự"},
		{"Lô-01", RuleCharset, "“ô”", "“ô”"},
		{"A B", RuleCharset, "dấu cách", "dấu cách"},
		{"L#1", RuleCharset, "“#”", "“#”"},
		{"L@1", RuleCharset, "chữ cái không dấu", "chữ cái không dấu"},
		// 19 letters with diacritics: 38 bytes, but the charset is the problem.
		{strings.Repeat("ă", 19), RuleCharset, "“ă”", "“ă”"},
	}
	for _, tt := range tests {
		for _, c := range []struct {
			ai, wantVI string
			f          func(string) error
		}{{"10", tt.lotVI, ValidateLot}, {"21", tt.serialVI, ValidateSerial}} {
			err := c.f(tt.in)
			if err == nil {
				t.Errorf("AI %s %q: want %s error", c.ai, tt.in, tt.rule)
				continue
			}
			e := asError(t, err)
			if e.AI != c.ai || e.Rule != tt.rule || !strings.Contains(e.MessageVI, c.wantVI) {
				t.Errorf("AI %s %q = %+v; want rule %s, VI containing %q", c.ai, tt.in, e, tt.rule, c.wantVI)
			}
		}
	}
}

func TestLookupAI(t *testing.T) {
	tests := []struct {
		code, title string
		attr        bool
	}{
		{"01", "GTIN", false},
		{"10", "BATCH/LOT", false},
		{"21", "SERIAL", false},
		{"22", "CPV", false},
		{"11", "PROD DATE", true},
		{"13", "PACK DATE", true},
		{"15", "BEST BEFORE or BEST BY", true},
		{"16", "SELL BY", true},
		{"17", "USE BY or EXPIRY", true},
		{"422", "ORIGIN", true},
		{"7007", "HARVEST DATE", true},
		{"8030", "DIGSIG", true},
		{"3100", "NET WEIGHT (kg)", true},
		{"3105", "NET WEIGHT (kg)", true},
	}
	for _, tt := range tests {
		a, ok := LookupAI(tt.code)
		if !ok || a.Code != tt.code || a.Title != tt.title || a.DataAttribute != tt.attr || !hasNonASCII(a.TitleVI) {
			t.Errorf("LookupAI(%q) = %+v, %v; want title %q, data attribute %v, a Vietnamese title", tt.code, a, ok, tt.title, tt.attr)
		}
	}
	for _, code := range []string{"", "1", "00", "3106", "310", "99", "8031", "gtin"} {
		if a, ok := LookupAI(code); ok {
			t.Errorf("LookupAI(%q) = %+v; want not found", code, a)
		}
	}
	// The zero AI must not panic.
	asError(t, AI{}.Validate("x"))
	// The table's validators agree with the exported functions.
	for _, c := range []struct {
		ai, v string
		ok    bool
	}{{"01", "09506000134352", true}, {"01", "09506000134353", false}, {"10", "ABC", true},
		{"21", "", false}, {"22", "V1", true}, {"22", strings.Repeat("v", 21), false}, {"22", "v 1", false}} {
		a, _ := LookupAI(c.ai)
		if err := a.Validate(c.v); (err == nil) != c.ok {
			t.Errorf("AI %s Validate(%q) = %v; want ok=%v", c.ai, c.v, err, c.ok)
		} else if err != nil && asError(t, err).AI != c.ai {
			t.Errorf("AI %s Validate(%q) = %+v; wrong AI", c.ai, c.v, err)
		}
	}
}

func TestAIValues(t *testing.T) {
	tests := []struct {
		ai, v string
		rule  string // "" = valid
	}{
		{"17", "261231", ""},
		{"17", "261331", RuleDate}, // month 13
		{"17", "260031", RuleDate}, // month 00
		{"17", "26123", RuleLength},
		{"17", "2612311", RuleLength},
		{"17", "", RuleLength},
		{"17", "26a231", RuleCharset},
		{"17", "261200", ""},       // day 00: end of month, allowed for 11/13/15/16/17
		{"17", "260431", RuleDate}, // April has 30 days
		{"17", "260132", RuleDate},
		{"17", "260229", RuleDate}, // 2026 is not a leap year
		{"17", "280229", ""},       // 2028 is
		{"17", "000229", ""},       // 2000 is (divisible by 400)
		{"17", "260228", ""},
		{"11", "250115", ""},
		{"11", "251300", RuleDate},
		{"13", "250100", ""},
		{"15", "270630", ""},
		{"16", "270631", RuleDate},
		{"7007", "250310", ""},
		{"7007", "250301250315", ""}, // harvest range
		{"7007", "250300", RuleDate}, // day 00 not allowed for harvest
		{"7007", "250301251332", RuleDate},
		{"7007", "2503012503", RuleLength},
		{"7007", "25031", RuleLength},
		{"7007", "25030125031x", RuleCharset},
		{"422", "704", ""}, // Viet Nam
		{"422", "064", ""}, // Bhutan: leading zero kept
		{"422", "894", ""}, // Zambia, the last code
		{"422", "000", RuleCountry},
		{"422", "999", RuleCountry},
		{"422", "895", RuleCountry},
		{"422", "70", RuleLength},
		{"422", "0704", RuleLength},
		{"422", "VNM", RuleLength},
		{"3103", "001250", ""},
		{"3100", "000001", ""},
		{"3103", "1250", RuleLength},
		{"3103", "00125a", RuleLength},
		{"3105", "0012500", RuleLength},
		{"8030", "MEUCIQDx-_09az", ""},
		{"8030", strings.Repeat("A", 90), ""},
		{"8030", strings.Repeat("A", 91), RuleLength},
		{"8030", "", RuleLength},
		{"8030", "ab+/", RuleCharset}, // standard base64, not URL-safe
		{"8030", "ab cd", RuleCharset},
		{"8030", "12=", ""}, // padding cases from the GS1 reference linter
		{"8030", "1==", ""},
		{"8030", "===", RuleCharset},
		{"8030", "123=", RuleCharset},
		{"8030", "12==", RuleCharset},
		{"8030", "1234==", ""},
		{"8030", "a=b", RuleCharset},
	}
	for _, tt := range tests {
		a, ok := LookupAI(tt.ai)
		if !ok {
			t.Fatalf("AI %s missing from the table", tt.ai)
		}
		err := a.Validate(tt.v)
		if tt.rule == "" {
			if err != nil {
				t.Errorf("AI %s %q = %v; want valid", tt.ai, tt.v, err)
			}
			continue
		}
		if err == nil {
			t.Errorf("AI %s %q = nil; want %s error", tt.ai, tt.v, tt.rule)
			continue
		}
		if e := asError(t, err); e.Rule != tt.rule || e.AI != tt.ai {
			t.Errorf("AI %s %q = %+v; want rule %s", tt.ai, tt.v, e, tt.rule)
		}
	}
}

// TestISO3166MatchesGS1 checks the hand-written code list against the bitmap
// of the GS1 reference linter (gs1-syntax-dictionary, src/lint_iso3166.c):
// bit v%64 (from the top) of word v/64 is set when v is a country code.
func TestISO3166MatchesGS1(t *testing.T) {
	words := []uint64{
		0x08a888898888b888, 0x8aa80a2888888888, 0x0888888a22232889, 0x88188a2221e322a2,
		0x2a2a180088888888, 0x888a888888888888, 0x888288a2622a22a2, 0x222222228808b888,
		0x8888970808222222, 0x2de102888888a222, 0x320a1b222222a203, 0xe20808c8088888a8,
		0x8888889a89002021, 0xe080222a00082102, 0, 0,
	}
	n := 0
	for v := range 1000 {
		want := words[v/64]&(0x8000000000000000>>(v%64)) != 0
		code := strconv.Itoa(v + 1000)[1:]
		if iso3166Numeric[code] != want {
			t.Errorf("country %s: in list = %v, GS1 says %v", code, iso3166Numeric[code], want)
		}
		if want {
			n++
		}
	}
	if n != 249 || len(iso3166Numeric) != 249 {
		t.Errorf("GS1 bitmap has %d codes, list has %d; want 249", n, len(iso3166Numeric))
	}
}

func TestParsePath(t *testing.T) {
	const g = "09506000134352"
	tests := []struct {
		name, path, query string
		want              DigitalLink
	}{
		{"gtin only", "/01/" + g, "", DigitalLink{GTIN: g}},
		{"lot and serial", "/01/" + g + "/10/ABC/21/1", "", DigitalLink{GTIN: g, Lot: "ABC", Serial: "1"}},
		{"all qualifiers", "/01/" + g + "/22/V1/10/ABC/21/1", "", DigitalLink{GTIN: g, Variant: "V1", Lot: "ABC", Serial: "1"}},
		{"skip lot", "/01/" + g + "/22/V1/21/1", "", DigitalLink{GTIN: g, Variant: "V1", Serial: "1"}},
		{"serial only", "/01/" + g + "/21/XYZ", "", DigitalLink{GTIN: g, Serial: "XYZ"}},
		{"gtin-13 normalised", "/01/9506000134352/10/ABC", "", DigitalLink{GTIN: g, Lot: "ABC"}},
		{"gtin-8 normalised", "/01/96385074", "", DigitalLink{GTIN: "00000096385074"}},
		{"gtin-12 normalised", "/01/036000291452", "", DigitalLink{GTIN: "00036000291452"}},
		{"trailing slash", "/01/" + g + "/10/ABC/", "", DigitalLink{GTIN: g, Lot: "ABC"}},
		{"trailing slash gtin", "/01/" + g + "/", "", DigitalLink{GTIN: g}},
		{"no leading slash", "01/" + g, "", DigitalLink{GTIN: g}},
		{"escaped slash and percent in lot", "/01/" + g + "/10/A%2FB%25C", "", DigitalLink{GTIN: g, Lot: "A/B%C"}},
		{"escaped symbols", "/01/" + g + "/21/%21%22%26%27%28%29%2A%2B%2C%3A%3B%3C%3D%3E%3F", "", DigitalLink{GTIN: g, Serial: `!"&'()*+,:;<=>?`}},
		{"lowercase hex escapes", "/01/" + g + "/10/a%2fb", "", DigitalLink{GTIN: g, Lot: "a/b"}},
		{"plus stays plus in path", "/01/" + g + "/10/A+B", "", DigitalLink{GTIN: g, Lot: "A+B"}},
		{"escaped gtin", "/01/%30%39506000134352", "", DigitalLink{GTIN: g}},
		{"expiry", "/01/" + g + "/10/ABC", "17=261231", DigitalLink{GTIN: g, Lot: "ABC", Attributes: map[string]string{"17": "261231"}}},
		{"non-AI params ignored", "/01/" + g, "linkType=gs1:pip&17=261231&context=dak-lak&lang=vi",
			DigitalLink{GTIN: g, Attributes: map[string]string{"17": "261231"}}},
		{"only non-AI params", "/01/" + g, "linkType=linkset", DigitalLink{GTIN: g}},
		{"several attributes", "/01/" + g, "7007=250301250315&422=704&3103=001250&11=250101",
			DigitalLink{GTIN: g, Attributes: map[string]string{"7007": "250301250315", "422": "704", "3103": "001250", "11": "250101"}}},
		{"digital signature", "/01/" + g + "/21/1", "8030=MEUC-_xy%3D", DigitalLink{GTIN: g, Serial: "1", Attributes: map[string]string{"8030": "MEUC-_xy="}}},
		{"leading ? and empty pairs", "/01/" + g, "?&17=261231&&lang=vi&", DigitalLink{GTIN: g, Attributes: map[string]string{"17": "261231"}}},
		{"escaped key", "/01/" + g, "%31%37=261231", DigitalLink{GTIN: g, Attributes: map[string]string{"17": "261231"}}},
		{"bad escape in ignored value", "/01/" + g, "linkType=%ZZ", DigitalLink{GTIN: g}},
	}
	for _, tt := range tests {
		got, err := ParsePath(tt.path, tt.query)
		if err != nil {
			t.Errorf("%s: ParsePath(%q, %q) = %v", tt.name, tt.path, tt.query, err)
			continue
		}
		if !reflect.DeepEqual(got, tt.want) {
			t.Errorf("%s: ParsePath(%q, %q) = %+v; want %+v", tt.name, tt.path, tt.query, got, tt.want)
		}
	}
}

func TestParsePathErrors(t *testing.T) {
	const g = "09506000134352"
	tests := []struct {
		name, path, query, ai, rule string
		inVI                        string // part of the Vietnamese message
	}{
		{"order 21 before 10 (bad gtin too)", "/01/x/21/s/10/l", "", "01", RuleCharset, "chỉ được chứa chữ số"},
		{"order 21 before 10", "/01/" + g + "/21/s/10/l", "", "10", RuleOrder, "Thứ tự bộ định danh phải là 22, 10, 21"},
		{"order 10 before 22", "/01/" + g + "/10/l/22/v", "", "22", RuleOrder, "AI 22 không được đứng sau AI 10"},
		{"order 21 before 22", "/01/" + g + "/21/s/22/v", "", "22", RuleOrder, "22, 10, 21"},
		{"qualifier first", "/10/ABC/01/" + g, "", "10", RuleOrder, "phải bắt đầu bằng AI 01"},
		{"duplicate lot", "/01/" + g + "/10/a/10/b", "", "10", RuleDuplicate, "xuất hiện nhiều lần"},
		{"duplicate serial", "/01/" + g + "/10/a/21/1/21/2", "", "21", RuleDuplicate, "xuất hiện nhiều lần"},
		{"duplicate gtin", "/01/" + g + "/01/" + g, "", "01", RuleDuplicate, "xuất hiện nhiều lần"},
		{"data attribute in path", "/01/" + g + "/17/261231", "", "17", RuleUnknownAI, "chuỗi truy vấn"},
		{"unknown path AI", "/01/" + g + "/99/x", "", "99", RuleUnknownAI, "chỉ được dùng 22, 10 và 21"},
		{"unknown path AI after lot", "/01/" + g + "/10/a/235/x", "", "235", RuleUnknownAI, "22, 10 và 21"},
		{"word AI", "/01/" + g + "/lot/x", "", "lot", RuleUnknownAI, "22, 10 và 21"},
		{"SSCC primary key", "/00/106141412345678908", "", "00", RuleUnknownAI, "khoá chính"},
		{"legacy gtin key", "/gtin/" + g, "", "gtin", RuleUnknownAI, "khoá chính"},
		{"empty path", "", "", "01", RuleSyntax, "đường dẫn"},
		{"slash only", "/", "", "01", RuleSyntax, "đường dẫn"},
		{"no gtin value", "/01", "", "01", RuleSyntax, "thiếu giá trị"},
		{"no gtin value slash", "/01/", "", "01", RuleSyntax, "thiếu giá trị"},
		{"no lot value", "/01/" + g + "/10", "", "10", RuleSyntax, "thiếu giá trị"},
		{"no lot value slash", "/01/" + g + "/10/", "", "10", RuleSyntax, "thiếu giá trị"},
		{"empty segment", "/01/" + g + "//10/a", "", "", RuleSyntax, "đoạn rỗng"},
		{"two trailing slashes", "/01/" + g + "//", "", "", RuleSyntax, "đoạn rỗng"},
		{"empty gtin", "/01//10/a", "", "01", RuleLength, "không được để trống"},
		{"empty lot", "/01/" + g + "/10//21/1", "", "10", RuleLength, "Mã lô không được để trống"},
		{"bad escape", "/01/" + g + "/10/A%ZZ", "", "10", RuleSyntax, "mã hoá phần trăm"},
		{"truncated escape", "/01/" + g + "/10/A%2", "", "10", RuleSyntax, "mã hoá phần trăm"},
		{"bad check digit", "/01/09506000134353", "", "01", RuleCheckDigit, "phải là 2"},
		{"gtin too short", "/01/123456", "", "01", RuleLength, "hiện có 6"},
		{"raw diacritics in lot", "/01/" + g + "/10/Lô1", "", "10", RuleCharset, "“ô”"},
		{"escaped diacritics in lot", "/01/" + g + "/10/L%C3%B41", "", "10", RuleCharset, "“ô”"},
		{"space in lot", "/01/" + g + "/10/A%20B", "", "10", RuleCharset, "dấu cách"},
		{"lot too long", "/01/" + g + "/10/" + strings.Repeat("L", 21), "", "10", RuleLength, "Mã lô tối đa 20 ký tự"},
		{"escaped lot too long", "/01/" + g + "/10/" + strings.Repeat("%2F", 21), "", "10", RuleLength, "tối đa 20"},
		{"bad variant", "/01/" + g + "/22/V%231", "", "22", RuleCharset, "Mã biến thể"},
		{"expiry bad month", "/01/" + g, "17=261331", "17", RuleDate, "tháng không hợp lệ: 13"},
		{"expiry bad length", "/01/" + g, "17=26123", "17", RuleLength, "6 chữ số"},
		{"expiry bad day", "/01/" + g, "17=260230", "17", RuleDate, "ngày không hợp lệ: 30"},
		{"expiry no value", "/01/" + g, "17", "17", RuleLength, "6 chữ số"},
		{"harvest day 00", "/01/" + g, "7007=250300", "7007", RuleDate, "ngày 00"},
		{"bad country", "/01/" + g, "422=999", "422", RuleCountry, "704"},
		{"unknown query AI", "/01/" + g, "99=x", "99", RuleUnknownAI, "không xác định"},
		{"unknown weight AI", "/01/" + g, "3106=000100", "3106", RuleUnknownAI, "không xác định"},
		{"path AI in query", "/01/" + g, "10=ABC", "10", RuleSyntax, "phải nằm trong đường dẫn"},
		{"gtin in query", "/01/" + g, "01=" + g, "01", RuleSyntax, "phải nằm trong đường dẫn"},
		{"duplicate query AI", "/01/" + g, "17=261231&17=261231", "17", RuleDuplicate, "nhiều lần"},
		{"bad escape in key", "/01/" + g, "%ZZ=1", "", RuleSyntax, "mã hoá phần trăm"},
		{"bad escape in AI value", "/01/" + g, "17=26%ZZ", "17", RuleSyntax, "mã hoá phần trăm"},
		{"plus decodes to space", "/01/" + g, "8030=ab+c", "8030", RuleCharset, "dấu cách"},
		{"path error wins over query", "/01/" + g + "/21/s/10/l", "17=999999", "10", RuleOrder, "22, 10, 21"},
	}
	for _, tt := range tests {
		d, err := ParsePath(tt.path, tt.query)
		if err == nil {
			t.Errorf("%s: ParsePath(%q, %q) = %+v; want %s error", tt.name, tt.path, tt.query, d, tt.rule)
			continue
		}
		e := asError(t, err)
		if e.AI != tt.ai || e.Rule != tt.rule || !strings.Contains(e.MessageVI, tt.inVI) {
			t.Errorf("%s: ParsePath(%q, %q) = %+v; want AI %q rule %s, VI containing %q",
				tt.name, tt.path, tt.query, e, tt.ai, tt.rule, tt.inVI)
		}
		if !reflect.DeepEqual(d, DigitalLink{}) {
			t.Errorf("%s: on error ParsePath returned %+v; want the zero DigitalLink", tt.name, d)
		}
	}
}

// Unknown AIs are echoed back only when short: errors reach clients and logs.
func TestUnknownAIEcho(t *testing.T) {
	long := strings.Repeat("9", 5000)
	for _, c := range [][2]string{{"/" + long + "/1", ""}, {"/01/09506000134352/" + long + "/1", ""}, {"/01/09506000134352", long + "=1"}} {
		_, err := ParsePath(c[0], c[1])
		e := asError(t, err)
		if e.AI != "" || e.Rule != RuleUnknownAI || len(e.Message) > 200 || len(e.MessageVI) > 300 {
			t.Errorf("ParsePath with a 5000-digit AI = %+v; want unknown_ai, no AI echoed, short messages", e)
		}
	}
	_, err := ParsePath("/01/09506000134352/\xff\xfe/1", "")
	if e := asError(t, err); e.AI != "" {
		t.Errorf("invalid UTF-8 AI echoed: %+v", e)
	}
}

func TestPathAndURI(t *testing.T) {
	const g = "09506000134352"
	tests := []struct {
		d    DigitalLink
		path string
		uri  string
	}{
		{DigitalLink{GTIN: g}, "/01/" + g, "https://tracereg.example.vn/01/" + g},
		{DigitalLink{GTIN: "9506000134352"}, "/01/" + g, ""}, // padded to 14
		{DigitalLink{GTIN: g, Variant: "V1", Lot: "ABC", Serial: "1"}, "/01/" + g + "/22/V1/10/ABC/21/1", ""},
		{DigitalLink{GTIN: g, Serial: "7"}, "/01/" + g + "/21/7", ""},
		{DigitalLink{GTIN: g, Lot: "A/B#C%D?E&F"}, "/01/" + g + "/10/A%2FB%23C%25D%3FE%26F", ""},
		{DigitalLink{GTIN: g, Lot: `!"'()*+,:;<=>_-.`}, "/01/" + g + "/10/%21%22%27%28%29%2A%2B%2C%3A%3B%3C%3D%3E_-.", ""},
		{
			DigitalLink{GTIN: g, Lot: "L1", Attributes: map[string]string{"7007": "250310", "17": "261231", "422": "704", "3103": "001250"}},
			"/01/" + g + "/10/L1",
			// GS1 table (lexical) order of the AIs.
			"https://tracereg.example.vn/01/" + g + "/10/L1?17=261231&3103=001250&422=704&7007=250310",
		},
		{
			DigitalLink{GTIN: g, Attributes: map[string]string{"8030": "ab="}},
			"/01/" + g,
			"https://tracereg.example.vn/01/" + g + "?8030=ab%3D",
		},
		{DigitalLink{GTIN: g, Attributes: map[string]string{}}, "/01/" + g, "https://tracereg.example.vn/01/" + g},
	}
	for _, tt := range tests {
		if got := tt.d.Path(); got != tt.path {
			t.Errorf("%+v.Path() = %q; want %q", tt.d, got, tt.path)
		}
		if tt.uri != "" {
			if got := tt.d.URI("https://tracereg.example.vn"); got != tt.uri {
				t.Errorf("%+v.URI() = %q; want %q", tt.d, got, tt.uri)
			}
		}
	}
}

// roundTrip formats d as a URI without a host, parses it back and returns the result.
func roundTrip(d DigitalLink) (DigitalLink, error) {
	path, query, _ := strings.Cut(d.URI(""), "?")
	return ParsePath(path, query)
}

func TestRoundTrip(t *testing.T) {
	const g = "09506000134352"
	links := []DigitalLink{
		{GTIN: g},
		{GTIN: "08931234567897", Variant: "500G", Lot: "CF-2025/07", Serial: "000123"},
		{GTIN: g, Lot: `!"%&'()*+,-./:;<=>?_`},
		{GTIN: g, Serial: "%25%2F"}, // already-escaped looking text must survive as text
		{GTIN: g, Lot: "a+b", Serial: strings.Repeat("Z", 20)},
		{GTIN: g, Lot: "X", Attributes: map[string]string{
			"11": "250100", "13": "250102", "15": "261200", "16": "261130", "17": "261231",
			"422": "704", "7007": "250301250315", "3100": "000500", "3105": "012345", "8030": "Ab-_==",
		}},
	}
	for _, d := range links {
		got, err := roundTrip(d)
		if err != nil {
			t.Errorf("round trip of %+v (%s): %v", d, d.URI(""), err)
			continue
		}
		if !reflect.DeepEqual(got, d) {
			t.Errorf("round trip of %+v via %s = %+v", d, d.URI(""), got)
		}
	}
}

func TestErrorString(t *testing.T) {
	e := &Error{AI: "10", Rule: RuleLength, Message: "too long", MessageVI: "quá dài"}
	if got := e.Error(); got != "gs1: AI 10: too long" {
		t.Errorf("Error() = %q", got)
	}
	e = &Error{Rule: RuleSyntax, Message: "bad", MessageVI: "sai"}
	if got := e.Error(); got != "gs1: bad" {
		t.Errorf("Error() = %q", got)
	}
}

func FuzzParsePath(f *testing.F) {
	const g = "09506000134352"
	seeds := [][2]string{
		{"/01/" + g, ""},
		{"/01/" + g + "/22/V1/10/ABC/21/1", "17=261231&linkType=gs1:pip"},
		{"/01/9506000134352/10/A%2FB%25C/", "7007=250301250315&422=704"},
		{"/01/96385074/21/%21%22", "3103=001250&8030=ab%3D"},
		{"/01/x/21/s/10/l", ""},
		{"/01/" + g + "/21/s/10/l", ""},
		{"/01/" + g + "/10/a/10/b", ""},
		{"/01/" + g + "/17/261231", ""},
		{"/01/" + g + "//", "17=261331"},
		{"/01/" + g + "/10/L%C3%B41", "%31%37=261231&&?"},
		{"01/" + g + "/10/A+B", "17=261200&lang=vi"},
		{"", ""},
	}
	for _, s := range seeds {
		f.Add(s[0], s[1])
	}
	f.Fuzz(func(t *testing.T, path, query string) {
		d, err := ParsePath(path, query)
		if err != nil {
			asError(t, err)
			return
		}
		if len(d.GTIN) != 14 || ValidateGTIN(d.GTIN) != nil {
			t.Fatalf("ParsePath(%q, %q) gave GTIN %q", path, query, d.GTIN)
		}
		for k, v := range d.Attributes {
			a, ok := LookupAI(k)
			if !ok || !a.DataAttribute || a.Validate(v) != nil {
				t.Fatalf("ParsePath(%q, %q) gave bad attribute %s=%q", path, query, k, v)
			}
		}
		d2, err := roundTrip(d)
		if err != nil {
			t.Fatalf("ParsePath(%q, %q) = %+v, but its URI %q does not parse: %v", path, query, d, d.URI(""), err)
		}
		if !reflect.DeepEqual(d, d2) {
			t.Fatalf("round trip of %+v via %q = %+v", d, d.URI(""), d2)
		}
		if d.Path() != d2.Path() || d.URI("https://x") != d2.URI("https://x") {
			t.Fatalf("formatting is not stable: %q vs %q", d.URI(""), d2.URI(""))
		}
	})
}
