package api

import (
	"bytes"
	"encoding/json"
	"html/template"
	"reflect"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/tracereg/tracereg/assets"
	"github.com/tracereg/tracereg/registry"
)

// The OpenAPI 3.1 document is built from the routes as they are registered
// (see API.add), so a route cannot exist without being described; a test
// checks the app's routes against it all the same.

func (a *API) mountOpenAPI(app *fiber.App, g fiber.Router) error {
	a.routes = append(a.routes, routeDoc{Method: "GET", Path: Prefix + "/openapi.json", Summary: "This OpenAPI 3.1 document", Tag: "meta",
		Public: true, Status: fiber.StatusOK})
	// The public side's signed credentials (served by lookup, outside /api/v1).
	for _, r := range []routeDoc{
		{Path: "/.well-known/did.json", Summary: "The issuer's DID document (did:web of PUBLIC_BASE_URL): every key, old ones included, as JsonWebKey", RequestType: "application/did+json"},
		{Path: "/credentials/status/{purpose}", Summary: "Bitstring Status List credential (purpose revocation or suspension), application/vc+jwt, valid a day", RequestType: "application/vc+jwt"},
		{Path: "/c/{number}/credential", Summary: "A certificate as a signed UNTP Digital Conformity Credential (application/vc+jwt); ?body= the body's code when several share the number", RequestType: "application/vc+jwt", Query: []string{"body"}},
		{Path: "/credentials/announcement", Summary: "A received conformity announcement as a signed UNTP Digital Conformity Credential, by its notice of receipt number", RequestType: "application/vc+jwt", Query: []string{"receipt"}},
		{Path: "/l/{code}/credential", Summary: "A published lot as a signed UNTP Digital Product Passport with its traceability events (application/vc+jwt)", RequestType: "application/vc+jwt"},
		{Path: "/l/{code}/epcis", Summary: "A published lot's events, and those of the lots it was made from, as an EPCIS 2.0 document", RequestType: "application/ld+json"},
	} {
		r.Method, r.Tag, r.Public, r.Status = "GET", "credentials", true, fiber.StatusOK
		a.routes = append(a.routes, r)
	}
	doc := a.openAPI()
	body, err := json.MarshalIndent(doc, "", "  ")
	if err != nil {
		return err
	}
	g.Get("/openapi.json", func(c *fiber.Ctx) error {
		c.Set(fiber.HeaderContentType, "application/json")
		return c.Send(body)
	})
	tmpl, err := template.ParseFS(assets.Templates, "templates/api/docs.html")
	if err != nil {
		return err
	}
	var page bytes.Buffer
	if err := tmpl.ExecuteTemplate(&page, "docs", docsView(doc)); err != nil {
		return err
	}
	html := page.Bytes()
	app.Get("/api/docs", func(c *fiber.Ctx) error {
		c.Type("html", "utf-8")
		return c.Send(html)
	})
	return nil
}

type schemaSet map[string]any

func (a *API) openAPI() map[string]any {
	schemas := schemaSet{}
	paths := map[string]map[string]any{}
	for _, r := range a.routes {
		op := map[string]any{
			"summary":     r.Summary,
			"tags":        []string{r.Tag},
			"operationId": strings.ToLower(r.Method) + strings.NewReplacer("/", "_", "{", "", "}", "", ":", "_", "-", "_").Replace(strings.TrimPrefix(r.Path, Prefix)),
		}
		var params []any
		for _, seg := range strings.Split(r.Path, "/") {
			if strings.HasPrefix(seg, "{") {
				params = append(params, map[string]any{"name": strings.Trim(seg, "{}"), "in": "path", "required": true, "schema": map[string]any{"type": "string"}})
			}
		}
		for _, q := range r.Query {
			params = append(params, map[string]any{"name": q, "in": "query", "schema": map[string]any{"type": "string"}})
		}
		if r.IfMatch {
			params = append(params, map[string]any{"name": "If-Match", "in": "header", "required": true, "schema": map[string]any{"type": "string"},
				"description": "the ETag of the record as read"})
		}
		if r.Idempotent {
			params = append(params, map[string]any{"name": "Idempotency-Key", "in": "header", "schema": map[string]any{"type": "string", "maxLength": 200}})
		}
		if len(params) > 0 {
			op["parameters"] = params
		}
		if r.Request != nil {
			op["requestBody"] = map[string]any{"required": true, "content": map[string]any{"application/json": map[string]any{"schema": schemas.ref(reflect.TypeOf(r.Request))}}}
		} else if r.RequestType != "" && r.Method != "GET" {
			op["requestBody"] = map[string]any{"required": true, "content": map[string]any{r.RequestType: map[string]any{}}}
		}
		ok := map[string]any{"description": "success"}
		switch {
		case r.Response != nil:
			ok["content"] = map[string]any{"application/json": map[string]any{"schema": schemas.ref(reflect.TypeOf(r.Response))}}
		case r.Method == "GET" && r.RequestType != "":
			ok["content"] = map[string]any{r.RequestType: map[string]any{}}
		}
		if r.AltType != "" && r.AltResponse != nil {
			content, _ := ok["content"].(map[string]any)
			if content == nil {
				content = map[string]any{}
				ok["content"] = content
			}
			content[r.AltType] = map[string]any{"schema": schemas.ref(reflect.TypeOf(r.AltResponse))}
		}
		responses := map[string]any{itoa(r.Status): ok}
		for _, s := range []int{400, 401, 403, 404, 409, 412, 413, 415, 422, 428, 429} {
			responses[itoa(s)] = map[string]any{"$ref": "#/components/responses/Problem"}
		}
		op["responses"] = responses
		if r.Public {
			op["security"] = []any{}
		}
		if paths[r.Path] == nil {
			paths[r.Path] = map[string]any{}
		}
		paths[r.Path][strings.ToLower(r.Method)] = op
	}
	schemas["Problem"] = map[string]any{"type": "object", "description": "RFC 9457 problem details with the registry's code and per-field errors",
		"properties": map[string]any{"type": str(), "title": str(), "status": map[string]any{"type": "integer"}, "detail": str(), "detail_vi": str(),
			"code": str(), "instance": str(), "request_id": str(), "errors": map[string]any{"type": "array", "items": schemas.ref(reflect.TypeOf(registry.FieldError{}))}}}
	return map[string]any{
		"openapi": "3.1.0",
		"info": map[string]any{"title": "tracereg API", "version": "1",
			"description": "Traceability and conformity registry. Errors: 400 malformed JSON; 422 wrong types, unknown fields and validation, with the field named; " +
				"another tenant's record is 404. PUT/PATCH need If-Match (428 without, 412 stale). Idempotency-Key on POST replays the first 2xx answer. " +
				"Lists: ?limit (max 200) & ?cursor, answer {items, next_cursor}."},
		"servers":  []any{map[string]any{"url": "/"}},
		"paths":    paths,
		"security": []any{map[string]any{"bearer": []any{}}, map[string]any{"apiKey": []any{}}},
		"components": map[string]any{
			"schemas": schemas,
			"securitySchemes": map[string]any{
				"bearer": map[string]any{"type": "http", "scheme": "bearer", "bearerFormat": "JWT (EdDSA) or an API key trk_…"},
				"apiKey": map[string]any{"type": "apiKey", "in": "header", "name": "X-API-Key"},
			},
			"responses": map[string]any{"Problem": map[string]any{"description": "a problem",
				"content": map[string]any{"application/problem+json": map[string]any{"schema": map[string]any{"$ref": "#/components/schemas/Problem"}}}}},
		},
	}
}

func itoa(n int) string { return strconv.Itoa(n) }

func str() map[string]any { return map[string]any{"type": "string"} }

var timeType = reflect.TypeOf(time.Time{})

// ref returns the schema of t, registering named structs under components.
func (s schemaSet) ref(t reflect.Type) map[string]any {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	switch {
	case t == timeType:
		return map[string]any{"type": "string", "format": "date-time"}
	case t == reflect.TypeOf(registry.Date("")):
		return map[string]any{"type": "string", "format": "date"}
	case t == reflect.TypeOf(registry.GeoJSON("")):
		return map[string]any{"type": "object", "description": "GeoJSON Point, Polygon or MultiPolygon (WGS84, lon before lat, 6+ decimals)"}
	}
	switch t.Kind() {
	case reflect.String:
		return str()
	case reflect.Bool:
		return map[string]any{"type": "boolean"}
	case reflect.Int, reflect.Int64, reflect.Int32:
		return map[string]any{"type": "integer"}
	case reflect.Float64, reflect.Float32:
		return map[string]any{"type": "number"}
	case reflect.Slice:
		if t.Elem().Kind() == reflect.Uint8 {
			return map[string]any{"type": "string", "contentEncoding": "base64"}
		}
		return map[string]any{"type": "array", "items": s.ref(t.Elem())}
	case reflect.Map:
		return map[string]any{"type": "object"}
	case reflect.Struct:
		name := schemaName(t)
		if _, ok := s[name]; !ok {
			s[name] = map[string]any{} // placeholder against recursion
			props := map[string]any{}
			s.fields(t, props)
			s[name] = map[string]any{"type": "object", "properties": props, "additionalProperties": false}
		}
		return map[string]any{"$ref": "#/components/schemas/" + name}
	}
	return map[string]any{}
}

func (s schemaSet) fields(t reflect.Type, props map[string]any) {
	for i := range t.NumField() {
		f := t.Field(i)
		if !f.IsExported() {
			continue
		}
		tag := f.Tag.Get("json")
		if tag == "-" {
			continue
		}
		name, _, _ := strings.Cut(tag, ",")
		if f.Anonymous && name == "" {
			ft := f.Type
			for ft.Kind() == reflect.Pointer {
				ft = ft.Elem()
			}
			if ft.Kind() == reflect.Struct {
				s.fields(ft, props)
				continue
			}
		}
		if name == "" {
			name = f.Name
		}
		props[name] = s.ref(f.Type)
	}
}

func schemaName(t reflect.Type) string {
	n := t.Name()
	if i := strings.IndexByte(n, '['); i >= 0 {
		// listOf[registry.Batch] → BatchList
		inner := n[i+1 : len(n)-1]
		if j := strings.LastIndexByte(inner, '.'); j >= 0 {
			inner = inner[j+1:]
		}
		return inner + "List"
	}
	if n == "" {
		return "Object"
	}
	return strings.ToUpper(n[:1]) + n[1:]
}

// docsView shapes the document for the reference page.
type docsOp struct {
	Method, Path, Summary string
	Public                bool
	Params                []string
	Request, Response     string
}

type docsTag struct {
	Name string
	Ops  []docsOp
}

type docsSchema struct {
	Name   string
	Fields []string
}

func docsView(doc map[string]any) map[string]any {
	paths := doc["paths"].(map[string]map[string]any)
	byTag := map[string][]docsOp{}
	for path, ops := range paths {
		for method, raw := range ops {
			op := raw.(map[string]any)
			d := docsOp{Method: strings.ToUpper(method), Path: path, Summary: op["summary"].(string)}
			if sec, ok := op["security"].([]any); ok && len(sec) == 0 {
				d.Public = true
			}
			if ps, ok := op["parameters"].([]any); ok {
				for _, p := range ps {
					pm := p.(map[string]any)
					d.Params = append(d.Params, pm["name"].(string)+" ("+pm["in"].(string)+")")
				}
			}
			d.Request, d.Response = refName(op["requestBody"]), refName(op["responses"])
			tag := op["tags"].([]string)[0]
			byTag[tag] = append(byTag[tag], d)
		}
	}
	var tags []docsTag
	for name, ops := range byTag {
		sort.Slice(ops, func(i, j int) bool {
			if ops[i].Path != ops[j].Path {
				return ops[i].Path < ops[j].Path
			}
			return ops[i].Method < ops[j].Method
		})
		tags = append(tags, docsTag{Name: name, Ops: ops})
	}
	sort.Slice(tags, func(i, j int) bool { return tags[i].Name < tags[j].Name })
	var schemas []docsSchema
	for name, raw := range doc["components"].(map[string]any)["schemas"].(schemaSet) {
		sc := docsSchema{Name: name}
		if props, ok := raw.(map[string]any)["properties"].(map[string]any); ok {
			for f := range props {
				sc.Fields = append(sc.Fields, f)
			}
			sort.Strings(sc.Fields)
		}
		schemas = append(schemas, sc)
	}
	sort.Slice(schemas, func(i, j int) bool { return schemas[i].Name < schemas[j].Name })
	return map[string]any{"Info": doc["info"], "Tags": tags, "Schemas": schemas}
}

// refName finds the first schema a request body or responses object points to.
func refName(v any) string {
	b, _ := json.Marshal(v)
	s := string(b)
	const p = `#/components/schemas/`
	for {
		i := strings.Index(s, p)
		if i < 0 {
			return ""
		}
		s = s[i+len(p):]
		name := s[:strings.IndexByte(s, '"')]
		if name != "Problem" {
			return name
		}
	}
}
