package registry

import (
	"fmt"
	"regexp"
	"slices"
	"strings"
	"unicode/utf8"
)

// requireText adds a problem when s is blank or longer than max characters.
func requireText(p *Problems, field, s string, max int) {
	if strings.TrimSpace(s) == "" {
		p.Add(field, "required", "is required", "là bắt buộc")
		return
	}
	checkText(p, field, s, max)
}

// checkText adds a problem when s is not valid UTF-8, holds control
// characters, or is longer than max characters.
func checkText(p *Problems, field, s string, max int) {
	if !utf8.ValidString(s) {
		p.Add(field, "utf8", "must be valid UTF-8 text", "phải là văn bản UTF-8 hợp lệ")
		return
	}
	if n := utf8.RuneCountInString(s); n > max {
		p.Add(field, "max_length", fmt.Sprintf("must be at most %d characters (has %d)", max, n),
			fmt.Sprintf("tối đa %d ký tự (hiện có %d)", max, n))
		return
	}
	for _, r := range s {
		if r < 0x20 && r != '\n' && r != '\r' && r != '\t' || r == 0x7f {
			p.Add(field, "control_characters", "must not contain control characters", "không được chứa ký tự điều khiển")
			return
		}
	}
}

// oneOf adds a problem when s is not one of the allowed values.
func oneOf(p *Problems, field, s string, allowed []string) {
	if !slices.Contains(allowed, s) {
		p.Add(field, "one_of", "must be one of: "+strings.Join(allowed, ", "),
			"phải là một trong: "+strings.Join(allowed, ", "))
	}
}

var taxCodePattern = regexp.MustCompile(`^[0-9]{10}(-[0-9]{3})?$`)

// ValidTaxCode reports whether s is a Vietnamese tax code: 10 digits, and for
// a branch a dash and 3 more digits.
func ValidTaxCode(s string) bool { return taxCodePattern.MatchString(s) }

// checkTaxCode adds a problem when s is not a valid tax code.
func checkTaxCode(p *Problems, field, s string) {
	if !ValidTaxCode(s) {
		p.Add(field, "tax_code", "must be 10 digits, or 10 digits, a dash and 3 digits for a branch",
			"phải gồm 10 chữ số, hoặc 10 chữ số, dấu gạch ngang và 3 chữ số đối với chi nhánh")
	}
}

// ValidID reports whether s can be a record ID: what the stores generate is
// 24 lowercase hex digits, and nothing else is ever looked up.
func ValidID(s string) bool {
	if len(s) != 24 {
		return false
	}
	for i := range len(s) {
		c := s[i]
		if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f') {
			return false
		}
	}
	return true
}

// checkRef adds a problem when a reference to another record is missing or malformed.
func checkRef(p *Problems, field, id string, required bool) {
	if id == "" {
		if required {
			p.Add(field, "required", "is required", "là bắt buộc")
		}
		return
	}
	if !ValidID(id) {
		p.Add(field, "id", "must be a record ID (24 hex digits)", "phải là mã bản ghi (24 chữ số thập lục phân)")
	}
}
