// Package epcistest checks EPCIS documents against GS1's published EPCIS
// 2.0 JSON schema and JSON-LD context (copies in gs1/, see its README).
package epcistest

import (
	"bytes"
	_ "embed"
	"encoding/json"
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/dlclark/regexp2"
	"github.com/santhosh-tekuri/jsonschema/v6"
)

// ecmaRegexp is a JSON Schema pattern as the standard reads it: an
// ECMA-262 regular expression (the EPCIS schema uses lookahead, which Go's
// regexp lacks).
type ecmaRegexp struct{ re *regexp2.Regexp }

func (r ecmaRegexp) MatchString(s string) bool {
	ok, err := r.re.MatchString(s)
	return ok && err == nil
}

func (r ecmaRegexp) String() string { return r.re.String() }

func compileECMA(pattern string) (jsonschema.Regexp, error) {
	re, err := regexp2.Compile(pattern, regexp2.ECMAScript)
	if err != nil {
		return nil, err
	}
	return ecmaRegexp{re}, nil
}

var (
	//go:embed gs1/EPCIS-JSON-Schema.json
	schemaJSON []byte
	//go:embed gs1/epcis-context.jsonld
	contextJSON []byte
)

var load = sync.OnceValues(func() (*jsonschema.Schema, error) {
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(schemaJSON))
	if err != nil {
		return nil, err
	}
	c := jsonschema.NewCompiler()
	c.AssertFormat() // uri and date-time are rules of the schema, not hints
	c.UseRegexpEngine(compileECMA)
	const url = "https://gs1.github.io/EPCIS/EPCIS-JSON-Schema.json"
	if err := c.AddResource(url, doc); err != nil {
		return nil, err
	}
	return c.Compile(url)
})

// Validate returns the schema's verdict on doc, and whether every property
// name in it is a term of the EPCIS context (or a compact IRI of one of
// its prefixes).
func Validate(doc []byte) error {
	sch, err := load()
	if err != nil {
		return fmt.Errorf("EPCIS schema: %w", err)
	}
	v, err := jsonschema.UnmarshalJSON(bytes.NewReader(doc))
	if err != nil {
		return err
	}
	if err := sch.Validate(v); err != nil {
		if ve, ok := err.(*jsonschema.ValidationError); ok {
			return fmt.Errorf("%w: %v", err, ve.BasicOutput().Errors) // names the failing instance location
		}
		return err
	}
	var ctx struct {
		Context map[string]any `json:"@context"`
	}
	if err := json.Unmarshal(contextJSON, &ctx); err != nil {
		return err
	}
	terms := map[string]any{}
	collectTerms(ctx.Context, terms)
	return checkTerms(v, terms, "")
}

// collectTerms gathers the terms of a context and of the contexts scoped
// inside its term definitions (bizTransaction is defined under
// bizTransactionList, for one).
func collectTerms(ctx map[string]any, terms map[string]any) {
	for k, def := range ctx {
		if strings.HasPrefix(k, "@") {
			continue
		}
		terms[k] = def
		if d, ok := def.(map[string]any); ok {
			if inner, ok := d["@context"].(map[string]any); ok {
				collectTerms(inner, terms)
			}
		}
	}
}

// checkTerms walks the document: object keys must be context terms. Values
// of a few open-ended objects (none written here) would need more care.
func checkTerms(v any, terms map[string]any, path string) error {
	switch x := v.(type) {
	case map[string]any:
		for k, val := range x {
			prefix, _, compact := strings.Cut(k, ":")
			if _, ok := terms[k]; !ok && !strings.HasPrefix(k, "@") && !(compact && terms[prefix] != nil) {
				return fmt.Errorf("%s/%s: %q is not a term of the EPCIS JSON-LD context", path, k, k)
			}
			if err := checkTerms(val, terms, path+"/"+k); err != nil {
				return err
			}
		}
	case []any:
		for i, val := range x {
			if err := checkTerms(val, terms, fmt.Sprintf("%s/%d", path, i)); err != nil {
				return err
			}
		}
	}
	return nil
}

// Check fails the test unless doc is a valid EPCIS 2.0 document.
func Check(t testing.TB, doc []byte) {
	t.Helper()
	if err := Validate(doc); err != nil {
		t.Fatalf("not a valid EPCIS 2.0 document: %v\n%.2000s", err, doc)
	}
}
