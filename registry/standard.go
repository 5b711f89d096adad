package registry

import (
	"context"
	"regexp"
	"strings"
	"time"
)

// Standard kinds: national standards, national and local technical
// regulations, international standards.
var StandardKinds = []string{"TCVN", "QCVN", "QCDP", "ISO", "TCCS", "other"}

var standardCodePattern = regexp.MustCompile(`^(TCVN|QCVN|QCĐP|QCDP|ISO|TCCS|IEC|CODEX)[ ][0-9A-Za-z./:\-]+( ?/[0-9A-Za-zĐđ\-]+)*$`)

// ValidStandardCode reports whether s looks like a standard or regulation
// code: "TCVN 4193:2014", "QCVN 01-189:2019/BNNPTNT", "QCĐP 01:2024/ĐL", "ISO 22000:2018".
func ValidStandardCode(s string) bool {
	return len(s) <= 100 && standardCodePattern.MatchString(s)
}

// StandardKind returns the kind a code belongs to (QCĐP folds to QCDP).
func StandardKind(code string) string {
	prefix, _, _ := strings.Cut(code, " ")
	switch prefix {
	case "TCVN", "QCVN", "ISO", "TCCS":
		return prefix
	case "QCĐP", "QCDP":
		return "QCDP"
	}
	return "other"
}

// Standard is an entry of the catalogue: a standard or a technical regulation.
type Standard struct {
	ID         string    `json:"id" bson:"_id"`
	Code       string    `json:"code" bson:"code"`
	Kind       string    `json:"kind" bson:"kind"`
	TitleVI    string    `json:"title_vi" bson:"title_vi"`
	TitleEN    string    `json:"title_en,omitempty" bson:"title_en,omitempty"`
	Issuer     string    `json:"issuer,omitempty" bson:"issuer,omitempty"`
	IssuedOn   Date      `json:"issued_on,omitempty" bson:"issued_on,omitempty"`
	Categories []string  `json:"categories,omitempty" bson:"categories,omitempty"`
	DocumentID string    `json:"document_id,omitempty" bson:"document_id,omitempty"`
	CreatedAt  time.Time `json:"created_at" bson:"created_at"`
	UpdatedAt  time.Time `json:"updated_at" bson:"updated_at"`
	Version    int       `json:"version" bson:"version"`
}

// Validate checks a catalogue entry and sets its kind from the code.
func (s *Standard) Validate() error {
	var p Problems
	if !ValidStandardCode(s.Code) {
		p.Add("code", "standard_code", "must be a code such as TCVN 4193:2014, QCVN 01-189:2019/BNNPTNT or QCĐP 01:2024/ĐL",
			"phải là số hiệu như TCVN 4193:2014, QCVN 01-189:2019/BNNPTNT hoặc QCĐP 01:2024/ĐL")
	} else {
		s.Kind = StandardKind(s.Code)
	}
	requireText(&p, "title_vi", s.TitleVI, 500)
	checkText(&p, "title_en", s.TitleEN, 500)
	checkText(&p, "issuer", s.Issuer, 200)
	checkDate(&p, "issued_on", s.IssuedOn, false)
	for _, c := range s.Categories {
		oneOf(&p, "categories", c, ProductCategories)
	}
	checkRef(&p, "document_id", s.DocumentID, false)
	return p.Err()
}

// StandardService keeps the standards catalogue.
type StandardService interface {
	// CreateStandard validates and stores s. EINVALID, ECONFLICT if the code is taken.
	CreateStandard(ctx context.Context, s *Standard) error
	// FindStandardByCode returns ENOTFOUND if no entry has that code.
	FindStandardByCode(ctx context.Context, code string) (*Standard, error)
	// ListStandards returns one page of the catalogue, optionally of one kind, and the next cursor.
	ListStandards(ctx context.Context, kind string, page Page) ([]*Standard, string, error)
}
