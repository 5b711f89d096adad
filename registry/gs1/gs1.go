// Package gs1 holds the GS1 rules the registry relies on: GTIN check digits,
// the character sets of application identifiers (AIs), a small AI table for
// the data attributes a traceability label carries, and parsing and
// formatting of GS1 Digital Link URIs for the public resolver.
//
// Every validation failure is an *Error that names the AI, a machine rule
// and a message in English and Vietnamese, so handlers can answer 400 with
// text a consumer or an enterprise can act on.
//
// The package uses the standard library only.
package gs1

import (
	"fmt"
	"unicode/utf8"
)

// Rule names carried in Error.Rule.
const (
	RuleCheckDigit = "check_digit" // the GTIN check digit does not match
	RuleLength     = "length"      // too short, too long, or empty
	RuleCharset    = "charset"     // a character outside the set the AI allows
	RuleOrder      = "order"       // key qualifiers out of the order 22, 10, 21, or 01 not first
	RuleUnknownAI  = "unknown_ai"  // an AI we do not know, or one not allowed where it appears
	RuleDate       = "date"        // not a real YYMMDD date
	RuleDuplicate  = "duplicate"   // the same AI twice
	RuleCountry    = "country"     // not an ISO 3166-1 numeric country code
	RuleSyntax     = "syntax"      // malformed path or query: empty segment, missing value, bad %-escape
)

// Error is returned by every validation function in this package: the AI
// concerned ("01", "10", ...; empty when no AI applies), a machine rule name
// (one of the Rule constants) and messages in English and Vietnamese.
type Error struct {
	AI        string `json:"ai,omitempty"`
	Rule      string `json:"rule"`
	Message   string `json:"message"`
	MessageVI string `json:"message_vi"`
}

// Error returns the English message, prefixed with the AI when there is one.
func (e *Error) Error() string {
	if e.AI == "" {
		return "gs1: " + e.Message
	}
	return "gs1: AI " + e.AI + ": " + e.Message
}

func newErr(ai, rule, en, vi string) *Error {
	return &Error{AI: ai, Rule: rule, Message: en, MessageVI: vi}
}

// CheckDigit computes the GS1 mod-10 check digit of the digits that precede
// it: from the right, weights 3, 1, 3, 1, …; check = (10 − sum mod 10) mod 10.
// It returns '0'..'9', or an *Error if s is empty or holds a non-digit.
func CheckDigit(digitsWithoutCheck string) (byte, error) {
	s := digitsWithoutCheck
	if s == "" {
		return 0, newErr("", RuleLength, "no digits to compute a check digit from",
			"không có chữ số nào để tính số kiểm tra")
	}
	if i := firstNonDigit(s); i >= 0 {
		c := describeChar(s[i:])
		return 0, newErr("", RuleCharset, "only digits can have a check digit; found "+c.en,
			"chỉ tính được số kiểm tra cho dãy chữ số; có ký tự "+c.vi)
	}
	sum := 0
	for i := len(s) - 1; i >= 0; i-- {
		d := int(s[i] - '0')
		if (len(s)-1-i)%2 == 0 { // rightmost digit before the check gets weight 3
			d *= 3
		}
		sum += d
	}
	return byte('0' + (10-sum%10)%10), nil
}

// ValidateGTIN returns nil when s is a GTIN-8, -12, -13 or -14: 8, 12, 13 or
// 14 digits whose last digit is the correct check digit. Otherwise it returns
// an *Error with AI "01" and rule charset, length or check_digit; a wrong
// check digit names the digit expected.
func ValidateGTIN(s string) error {
	if s == "" {
		return newErr("01", RuleLength, "GTIN must not be empty", "GTIN không được để trống")
	}
	if i := firstNonDigit(s); i >= 0 {
		c := describeChar(s[i:])
		return newErr("01", RuleCharset, "GTIN must contain only digits; found "+c.en,
			"GTIN chỉ được chứa chữ số; có ký tự "+c.vi)
	}
	switch len(s) {
	case 8, 12, 13, 14:
	default:
		return newErr("01", RuleLength,
			fmt.Sprintf("GTIN must have 8, 12, 13 or 14 digits (has %d)", len(s)),
			fmt.Sprintf("GTIN phải có 8, 12, 13 hoặc 14 chữ số (hiện có %d)", len(s)))
	}
	want, _ := CheckDigit(s[:len(s)-1]) // cannot fail: at least 7 digits
	if got := s[len(s)-1]; got != want {
		return newErr("01", RuleCheckDigit,
			fmt.Sprintf("GTIN check digit is wrong: it should be %c, not %c", want, got),
			fmt.Sprintf("Số kiểm tra GTIN không đúng: phải là %c, không phải %c", want, got))
	}
	return nil
}

// GTIN14 validates s as a GTIN-8/12/13/14 and returns it left-padded with
// zeros to 14 digits, the form GS1 Digital Link and the registry store.
func GTIN14(s string) (string, error) {
	if err := ValidateGTIN(s); err != nil {
		return "", err
	}
	return "00000000000000"[:14-len(s)] + s, nil
}

// cset82 marks the bytes of GS1 AI encodable character set 82:
// !"%&'()*+,-./0-9:;<=>?A-Z_a-z. Note what is missing: space, # $ @ [ \ ] ^ ` { | } ~
// and every non-ASCII byte, so Vietnamese letters with diacritics are out.
var cset82 = func() (t [256]bool) {
	for _, c := range []byte(`!"%&'()*+,-./:;<=>?_`) {
		t[c] = true
	}
	for c := '0'; c <= '9'; c++ {
		t[c] = true
	}
	for c := 'A'; c <= 'Z'; c++ {
		t[c] = true
		t[c+'a'-'A'] = true
	}
	return t
}()

// cset64 marks GS1 AI encodable character set 64 (URL-safe base64, without
// the '=' padding, which is handled apart).
var cset64 = func() (t [256]bool) {
	for c := '0'; c <= '9'; c++ {
		t[c] = true
	}
	for c := 'A'; c <= 'Z'; c++ {
		t[c] = true
		t[c+'a'-'A'] = true
	}
	t['-'], t['_'] = true, true
	return t
}()

// IsCSet82 reports whether every byte of s is in GS1 AI encodable character
// set 82. The empty string is trivially in the set.
func IsCSet82(s string) bool {
	return firstNotIn(&cset82, s) < 0
}

// ValidateLot checks a batch/lot number (AI 10): 1 to 20 characters of GS1
// character set 82.
func ValidateLot(s string) error { return validateX20(s, "10") }

// ValidateSerial checks a serial number (AI 21): 1 to 20 characters of GS1
// character set 82, the same rule as a lot.
func ValidateSerial(s string) error { return validateX20(s, "21") }

// validateCPV checks a consumer product variant (AI 22), X..20 like a lot.
func validateCPV(s string) error { return validateX20(s, "22") }

// validateX20 checks the X..20 format shared by AIs 10, 21 and 22. The
// charset is checked before the length so that text with diacritics, whose
// UTF-8 bytes outnumber its letters, is reported for what is really wrong.
func validateX20(s, ai string) error {
	n := names[ai]
	if s == "" {
		return newErr(ai, RuleLength, n.en+" must not be empty", n.vi+" không được để trống")
	}
	if i := firstNotIn(&cset82, s); i >= 0 {
		c := describeChar(s[i:])
		return newErr(ai, RuleCharset,
			n.en+" contains a character GS1 does not allow: "+c.en+
				`; use unaccented letters, digits and !"%&'()*+,-./:;<=>?_`,
			n.vi+" có ký tự không được phép theo GS1: "+c.vi+
				`; chỉ dùng chữ cái không dấu, chữ số và các ký hiệu !"%&'()*+,-./:;<=>?_`)
	}
	if len(s) > 20 {
		return newErr(ai, RuleLength,
			fmt.Sprintf("%s must be at most 20 characters (has %d)", n.en, len(s)),
			fmt.Sprintf("%s tối đa 20 ký tự (hiện có %d)", n.vi, len(s)))
	}
	return nil
}

func firstNonDigit(s string) int {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return i
		}
	}
	return -1
}

func firstNotIn(set *[256]bool, s string) int {
	for i := 0; i < len(s); i++ {
		if !set[s[i]] {
			return i
		}
	}
	return -1
}

type bilingual struct{ en, vi string }

// describeChar names the character at the start of s for a message: the
// whole rune when s is UTF-8 (so "ô" shows as ô, not as a stray byte), and
// words for the invisible ones people actually type.
func describeChar(s string) bilingual {
	r, size := utf8.DecodeRuneInString(s)
	switch {
	case r == ' ':
		return bilingual{"a space", "dấu cách"}
	case r == '\t':
		return bilingual{"a tab", "dấu tab"}
	case r == utf8.RuneError && size <= 1:
		b := fmt.Sprintf("byte 0x%02X", s[0])
		return bilingual{b, b}
	case r < 0x20 || r == 0x7f:
		c := fmt.Sprintf("U+%04X", r)
		return bilingual{"control character " + c, "ký tự điều khiển " + c}
	}
	q := "“" + string(r) + "”"
	return bilingual{q, q}
}
