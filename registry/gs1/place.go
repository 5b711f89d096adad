package gs1

import (
	"fmt"
	"net/url"
	"strings"
)

// ValidateGLN returns nil when s is a Global Location Number (AI 414): 13
// digits whose last is the GS1 check digit. Otherwise an *Error with AI 414
// and rule charset, length or check_digit.
func ValidateGLN(s string) error {
	if s == "" {
		return newErr("414", RuleLength, "GLN must not be empty", "GLN không được để trống")
	}
	if i := firstNonDigit(s); i >= 0 {
		c := describeChar(s[i:])
		return newErr("414", RuleCharset, "GLN must contain only digits; found "+c.en,
			"GLN chỉ được chứa chữ số; có ký tự "+c.vi)
	}
	if len(s) != 13 {
		return newErr("414", RuleLength, fmt.Sprintf("GLN must have 13 digits (has %d)", len(s)),
			fmt.Sprintf("GLN phải có 13 chữ số (hiện có %d)", len(s)))
	}
	want, _ := CheckDigit(s[:12])
	if got := s[12]; got != want {
		return newErr("414", RuleCheckDigit,
			fmt.Sprintf("GLN check digit is wrong: it should be %c, not %c", want, got),
			fmt.Sprintf("Số kiểm tra GLN không đúng: phải là %c, không phải %c", want, got))
	}
	return nil
}

// ValidateGLNExtension checks a GLN extension component (AI 254): 1 to 20
// characters of GS1 character set 82, like a lot.
func ValidateGLNExtension(s string) error { return validateX20(s, "254") }

// PlaceLink is a parsed GS1 Digital Link of a place: /414/{GLN}[/254/{extension}].
type PlaceLink struct {
	GLN       string
	Extension string // AI 254, optional
	// Attributes are the query string's data attributes, as in DigitalLink.
	Attributes map[string]string
}

// ParsePlacePath parses the path of a place's Digital Link, e.g.
// "/414/8938500000019/254/KHO-2", and its raw query string. The primary key
// is AI 414; its only key qualifier is 254, at most once; one trailing slash
// is tolerated.
func ParsePlacePath(path, rawQuery string) (PlaceLink, error) {
	p := strings.TrimSuffix(strings.TrimPrefix(path, "/"), "/")
	segs := strings.Split(p, "/")
	if segs[0] != "414" {
		return PlaceLink{}, newErr(echoAI(segs[0]), RuleUnknownAI, "the path must start with /414/ and a GLN",
			"đường dẫn phải bắt đầu bằng /414/ và mã GLN")
	}
	var pl PlaceLink
	for i := 0; i < len(segs); i += 2 {
		ai := segs[i]
		switch {
		case ai == "":
			return PlaceLink{}, newErr("", RuleSyntax, "the path has an empty segment (//)", "đường dẫn có đoạn rỗng (//)")
		case i == 2 && ai == "414", i == 4 && ai == "254":
			return PlaceLink{}, newErr(ai, RuleDuplicate, "AI "+ai+" appears more than once in the path",
				"AI "+ai+" xuất hiện nhiều lần trong đường dẫn")
		case i > 0 && (ai != "254" || i > 2):
			return PlaceLink{}, newErr(echoAI(ai), RuleUnknownAI,
				fmt.Sprintf("%s is not a key qualifier of a GLN; only 254 may follow /414/", quote(ai)),
				fmt.Sprintf("%s không phải bộ định danh đi kèm GLN; sau /414/ chỉ được dùng 254", quote(ai)))
		}
		if i+1 >= len(segs) {
			return PlaceLink{}, newErr(ai, RuleSyntax, "AI "+ai+" has no value in the path", "AI "+ai+" thiếu giá trị trong đường dẫn")
		}
		v, err := url.PathUnescape(segs[i+1])
		if err != nil {
			return PlaceLink{}, newErr(ai, RuleSyntax, "the value of AI "+ai+" has an invalid percent-encoding",
				"giá trị của AI "+ai+" có mã hoá phần trăm (%XX) không hợp lệ")
		}
		if i == 0 {
			if err := ValidateGLN(v); err != nil {
				return PlaceLink{}, err
			}
			pl.GLN = v
			continue
		}
		if err := ValidateGLNExtension(v); err != nil {
			return PlaceLink{}, err
		}
		pl.Extension = v
	}
	attrs, err := parseAttributes(rawQuery)
	if err != nil {
		return PlaceLink{}, err
	}
	pl.Attributes = attrs
	return pl, nil
}

// Path formats the place's canonical Digital Link path, values percent-encoded.
func (pl PlaceLink) Path() string {
	var b strings.Builder
	b.WriteString("/414/")
	escapeTo(&b, pl.GLN)
	if pl.Extension != "" {
		b.WriteString("/254/")
		escapeTo(&b, pl.Extension)
	}
	return b.String()
}
