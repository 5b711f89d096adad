package gs1

import (
	"fmt"
	"strconv"
)

// AI describes a GS1 application identifier the registry understands.
type AI struct {
	Code    string // "01", "17", "3103", ...
	Title   string // GS1 data title, e.g. "USE BY or EXPIRY"
	TitleVI string // Vietnamese name for labels and pages, e.g. "Hạn sử dụng"
	// DataAttribute is true for AIs carried in the query string of a Digital
	// Link (17, 7007, ...), false for the primary key and key qualifiers
	// (01, 22, 10, 21), which belong in the path.
	DataAttribute bool
	validate      func(string) error
}

// Validate checks a value of this AI (already percent-decoded) and returns
// nil or an *Error.
func (a AI) Validate(value string) error {
	if a.validate == nil { // the zero AI, not one from LookupAI
		return newErr(a.Code, RuleUnknownAI, "unknown application identifier", "mã AI không xác định")
	}
	return a.validate(value)
}

// LookupAI returns the AI with the given code from the package's table. The
// table is deliberately small: the Digital Link path AIs 01, 22, 10, 21 and
// the data attributes a traceability label uses: 11, 13, 15, 16, 17 (dates),
// 3100–3105 (net weight, kg), 422 (country of origin), 7007 (harvest date)
// and 8030 (digital signature).
func LookupAI(code string) (AI, bool) {
	a, ok := aiTable[code]
	return a, ok
}

// names are the English and Vietnamese names used inside messages.
var names = map[string]bilingual{
	"01":   {"GTIN", "Mã số thương phẩm toàn cầu (GTIN)"},
	"10":   {"Batch/lot number", "Mã lô"},
	"21":   {"Serial number", "Số sê-ri"},
	"22":   {"Variant (CPV)", "Mã biến thể (CPV)"},
	"11":   {"Production date", "Ngày sản xuất"},
	"13":   {"Packaging date", "Ngày đóng gói"},
	"15":   {"Best before date", "Hạn sử dụng tốt nhất"},
	"16":   {"Sell by date", "Hạn bán"},
	"17":   {"Expiry date", "Hạn sử dụng"},
	"422":  {"Country of origin", "Nước xuất xứ"},
	"7007": {"Harvest date", "Ngày thu hoạch"},
	"8030": {"Digital signature", "Chữ ký số"},
	"414":  {"GLN", "Mã địa điểm toàn cầu (GLN)"},
	"254":  {"GLN extension", "Phần mở rộng GLN"},
}

var aiTable = func() map[string]AI {
	t := map[string]AI{
		"01": {Code: "01", Title: "GTIN", validate: ValidateGTIN},
		"10": {Code: "10", Title: "BATCH/LOT", validate: ValidateLot},
		"21": {Code: "21", Title: "SERIAL", validate: ValidateSerial},
		"22": {Code: "22", Title: "CPV", validate: validateCPV},
		// A place's primary key and its extension (ParsePlacePath).
		"414": {Code: "414", Title: "LOC No.", validate: ValidateGLN},
		"254": {Code: "254", Title: "GLN EXTENSION COMPONENT", validate: ValidateGLNExtension},
		// GS1 allows day 00 ("end of the month") in these five dates (yymmd0).
		"11":   {Code: "11", Title: "PROD DATE", DataAttribute: true, validate: dateValidator("11", true)},
		"13":   {Code: "13", Title: "PACK DATE", DataAttribute: true, validate: dateValidator("13", true)},
		"15":   {Code: "15", Title: "BEST BEFORE or BEST BY", DataAttribute: true, validate: dateValidator("15", true)},
		"16":   {Code: "16", Title: "SELL BY", DataAttribute: true, validate: dateValidator("16", true)},
		"17":   {Code: "17", Title: "USE BY or EXPIRY", DataAttribute: true, validate: dateValidator("17", true)},
		"422":  {Code: "422", Title: "ORIGIN", DataAttribute: true, validate: validateCountry},
		"7007": {Code: "7007", Title: "HARVEST DATE", DataAttribute: true, validate: validateHarvest},
		"8030": {Code: "8030", Title: "DIGSIG", DataAttribute: true, validate: validateDigSig},
	}
	for n := 0; n <= 5; n++ {
		code := "310" + strconv.Itoa(n)
		t[code] = AI{Code: code, Title: "NET WEIGHT (kg)", DataAttribute: true, validate: netWeightValidator(code, n)}
	}
	for code, a := range t {
		if n, ok := names[code]; ok {
			a.TitleVI = n.vi
		} else {
			a.TitleVI = "Khối lượng tịnh (kg)"
		}
		t[code] = a
	}
	return t
}()

var daysInMonth = [13]int{0, 31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31}

// checkYYMMDD checks one 6-digit date. February 29 needs YY divisible by 4:
// GS1 places a two-digit year within −49/+50 years of today, so 00 means
// 2000, a leap year, and the rule holds for every year the window can reach.
func checkYYMMDD(ai, d string, dayZeroOK bool) error {
	n := names[ai]
	if firstNonDigit(d) >= 0 {
		return newErr(ai, RuleCharset, n.en+" must contain only digits (YYMMDD)",
			n.vi+" chỉ được chứa chữ số (dạng YYMMDD)")
	}
	mm, _ := strconv.Atoi(d[2:4])
	dd, _ := strconv.Atoi(d[4:6])
	if mm < 1 || mm > 12 {
		return newErr(ai, RuleDate,
			fmt.Sprintf("%s has an invalid month %s (YYMMDD)", n.en, d[2:4]),
			fmt.Sprintf("%s có tháng không hợp lệ: %s (dạng YYMMDD)", n.vi, d[2:4]))
	}
	if dd == 0 && !dayZeroOK {
		return newErr(ai, RuleDate,
			fmt.Sprintf("%s cannot use day 00", n.en),
			fmt.Sprintf("%s không được dùng ngày 00", n.vi))
	}
	yy, _ := strconv.Atoi(d[0:2])
	limit := daysInMonth[mm]
	if mm == 2 && yy%4 != 0 {
		limit = 28
	}
	if dd > limit {
		return newErr(ai, RuleDate,
			fmt.Sprintf("%s has an invalid day %s for month %s", n.en, d[4:6], d[2:4]),
			fmt.Sprintf("%s có ngày không hợp lệ: %s (tháng %s)", n.vi, d[4:6], d[2:4]))
	}
	return nil
}

// dateValidator returns the N6 YYMMDD check for a date AI.
func dateValidator(ai string, dayZeroOK bool) func(string) error {
	return func(s string) error {
		if len(s) != 6 {
			n := names[ai]
			return newErr(ai, RuleLength,
				fmt.Sprintf("%s must be 6 digits YYMMDD (has %d characters)", n.en, len(s)),
				fmt.Sprintf("%s phải gồm 6 chữ số dạng YYMMDD (năm, tháng, ngày; hiện có %d ký tự)", n.vi, len(s)))
		}
		return checkYYMMDD(ai, s, dayZeroOK)
	}
}

// validateHarvest checks AI 7007: one date YYMMDD or a range YYMMDDYYMMDD
// (from, to). Day 00 is not allowed here, unlike the product dates.
func validateHarvest(s string) error {
	if len(s) != 6 && len(s) != 12 {
		return newErr("7007", RuleLength,
			fmt.Sprintf("Harvest date must be 6 digits YYMMDD or 12 digits YYMMDDYYMMDD for a range (has %d characters)", len(s)),
			fmt.Sprintf("Ngày thu hoạch phải gồm 6 chữ số (YYMMDD) hoặc 12 chữ số (YYMMDDYYMMDD: từ ngày, đến ngày; hiện có %d ký tự)", len(s)))
	}
	if err := checkYYMMDD("7007", s[:6], false); err != nil {
		return err
	}
	if len(s) == 12 {
		return checkYYMMDD("7007", s[6:], false)
	}
	return nil
}

// validateCountry checks AI 422: an ISO 3166-1 numeric country code.
func validateCountry(s string) error {
	if len(s) != 3 || firstNonDigit(s) >= 0 {
		return newErr("422", RuleLength,
			"Country of origin must be a 3-digit ISO 3166-1 numeric code (Viet Nam is 704)",
			"Nước xuất xứ phải là mã quốc gia ISO 3166-1 gồm 3 chữ số (Việt Nam là 704)")
	}
	if !iso3166Numeric[s] {
		return newErr("422", RuleCountry,
			fmt.Sprintf("%s is not an ISO 3166-1 numeric country code (Viet Nam is 704)", s),
			fmt.Sprintf("%s không phải mã quốc gia ISO 3166-1 (Việt Nam là 704)", s))
	}
	return nil
}

// netWeightValidator checks AI 310n: exactly 6 digits, the last n of which
// are decimals (3103 = 001250 means 1.250 kg).
func netWeightValidator(ai string, decimals int) func(string) error {
	return func(s string) error {
		if len(s) != 6 || firstNonDigit(s) >= 0 {
			return newErr(ai, RuleLength,
				fmt.Sprintf("Net weight (AI %s) must be exactly 6 digits, the last %d of them decimals", ai, decimals),
				fmt.Sprintf("Khối lượng tịnh (AI %s) phải gồm đúng 6 chữ số, %d chữ số cuối là phần thập phân", ai, decimals))
		}
		return nil
	}
}

// validateDigSig checks AI 8030: 1 to 90 characters of GS1 character set 64
// (URL-safe base64), optionally padded with at most two '=', following the
// GS1 reference linter (padding only when the total length is a multiple of 3).
// Whether the signature verifies is not this package's business.
func validateDigSig(s string) error {
	if s == "" || len(s) > 90 {
		return newErr("8030", RuleLength,
			fmt.Sprintf("Digital signature must be 1 to 90 characters (has %d)", len(s)),
			fmt.Sprintf("Chữ ký số phải có từ 1 đến 90 ký tự (hiện có %d)", len(s)))
	}
	body := s
	for len(body) > 0 && body[len(body)-1] == '=' {
		body = body[:len(body)-1]
	}
	if pads := len(s) - len(body); pads > 2 || pads > 0 && len(s)%3 != 0 {
		return newErr("8030", RuleCharset,
			"Digital signature has invalid '=' padding",
			"Chữ ký số có phần đệm '=' không hợp lệ")
	}
	if i := firstNotIn(&cset64, body); i >= 0 {
		c := describeChar(body[i:])
		return newErr("8030", RuleCharset,
			"Digital signature may only contain A-Z, a-z, 0-9, '-' and '_' (GS1 character set 64); found "+c.en,
			"Chữ ký số chỉ được chứa A-Z, a-z, 0-9, '-' và '_' (bộ ký tự 64 của GS1); có ký tự "+c.vi)
	}
	return nil
}
