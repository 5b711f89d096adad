package gs1

import "testing"

// gln returns a valid GLN for its first 12 digits.
func gln(t *testing.T, first12 string) string {
	t.Helper()
	c, err := CheckDigit(first12)
	if err != nil {
		t.Fatal(err)
	}
	return first12 + string(c)
}

func TestValidateGLN(t *testing.T) {
	good := gln(t, "893850000001")
	if err := ValidateGLN(good); err != nil {
		t.Fatalf("ValidateGLN(%s) = %v", good, err)
	}
	wrong := good[:12] + string('0'+(good[12]-'0'+1)%10)
	for _, tc := range []struct{ in, rule string }{
		{"", RuleLength}, {"89385000000", RuleLength}, {good + "0", RuleLength},
		{"89385000000A1", RuleCharset}, {wrong, RuleCheckDigit},
	} {
		e := asError(t, ValidateGLN(tc.in))
		if e.AI != "414" || e.Rule != tc.rule {
			t.Errorf("ValidateGLN(%q) = AI %s rule %s, want 414 %s", tc.in, e.AI, e.Rule, tc.rule)
		}
	}
}

func TestParsePlacePath(t *testing.T) {
	g := gln(t, "893850000001")
	for _, tc := range []struct{ path, ext string }{
		{"/414/" + g, ""}, {"/414/" + g + "/", ""}, {"/414/" + g + "/254/KHO-2", "KHO-2"}, {"/414/" + g + "/254/A%2FB", "A/B"},
	} {
		pl, err := ParsePlacePath(tc.path, "17=261231")
		if err != nil {
			t.Fatalf("ParsePlacePath(%q) = %v", tc.path, err)
		}
		if pl.GLN != g || pl.Extension != tc.ext || pl.Attributes["17"] != "261231" {
			t.Errorf("ParsePlacePath(%q) = %+v", tc.path, pl)
		}
		again, err := ParsePlacePath(pl.Path(), "")
		if err != nil || again.GLN != pl.GLN || again.Extension != pl.Extension {
			t.Errorf("round trip of %q through %q = %+v, %v", tc.path, pl.Path(), again, err)
		}
	}
}

func TestParsePlacePathErrors(t *testing.T) {
	g := gln(t, "893850000001")
	for _, tc := range []struct{ path, query, ai, rule string }{
		{"/414/123", "", "414", RuleLength},
		{"/414/" + g[:12] + "X", "", "414", RuleCharset},
		{"/414", "", "414", RuleSyntax},
		{"/414/" + g + "/254", "", "254", RuleSyntax},
		{"/414/" + g + "/254/", "", "254", RuleSyntax},
		{"/414/" + g + "/254/có-dấu", "", "254", RuleCharset},
		{"/414/" + g + "/254/ABCDEFGHIJKLMNOPQRSTU", "", "254", RuleLength},
		{"/414/" + g + "/254/a/254/b", "", "254", RuleDuplicate},
		{"/414/" + g + "/414/" + g, "", "414", RuleDuplicate},
		{"/414/" + g + "/10/LOT1", "", "10", RuleUnknownAI},
		{"/414/" + g + "/254/a/10/b", "", "10", RuleUnknownAI},
		{"/414/" + g + "//254/a", "", "", RuleSyntax},
		{"/414/" + g + "/254/%zz", "", "254", RuleSyntax},
		{"/414/" + g, "17=991399", "17", RuleDate},
		{"/01/" + g, "", "01", RuleUnknownAI},
	} {
		_, err := ParsePlacePath(tc.path, tc.query)
		e := asError(t, err)
		if e.AI != tc.ai || e.Rule != tc.rule {
			t.Errorf("ParsePlacePath(%q, %q) = AI %q rule %s (%s), want AI %q rule %s", tc.path, tc.query, e.AI, e.Rule, e.Message, tc.ai, tc.rule)
		}
	}
}
