// Package strictjson decodes request bodies and imported rows as records:
// strictly, with problems named by field (registry.EINVALID).
package strictjson

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"reflect"
	"strings"
	"time"

	"github.com/tracereg/tracereg/registry"
)

// ErrMalformed answers a body that is not JSON at all.
var ErrMalformed = registry.Errorf(registry.EMALFORMED, "The request body is not valid JSON.", "Nội dung yêu cầu không phải JSON hợp lệ.")

// Decode decodes one JSON object from b into v strictly, as the API
// and the bulk import read records: no unknown fields, every value of its
// field's type, nothing after the object. A body that is not a JSON object is
// EMALFORMED; a wrong type or an unknown field is EINVALID naming the field,
// so a value such as {"$gt": ""} where a string belongs is just a wrong type.
func Decode(b []byte, v any) error {
	trimmed := bytes.TrimSpace(b)
	if len(trimmed) == 0 || trimmed[0] != '{' {
		return ErrMalformed
	}
	dec := json.NewDecoder(bytes.NewReader(trimmed))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return decodeJSONError(err)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return registry.Errorf(registry.EMALFORMED, "The request body holds more than one JSON value.", "Nội dung yêu cầu chứa nhiều hơn một giá trị JSON.")
	}
	return nil
}

func decodeJSONError(err error) error {
	var syn *json.SyntaxError
	var typ *json.UnmarshalTypeError
	switch {
	case errors.As(err, &syn), errors.Is(err, io.ErrUnexpectedEOF), errors.Is(err, io.EOF):
		return ErrMalformed
	case errors.As(err, &typ):
		field := typ.Field
		if field == "" {
			field = "body"
		}
		return fieldProblem(field, "type", "must be a JSON "+jsonTypeName(typ.Type), "phải là giá trị JSON kiểu "+jsonTypeName(typ.Type))
	}
	msg := err.Error()
	if i := strings.Index(msg, "unknown field "); i >= 0 {
		name := strings.Trim(msg[i+len("unknown field "):], `"`)
		return fieldProblem(name, "unknown_field", "is not a field of this record", "không phải là trường của bản ghi này")
	}
	if strings.Contains(msg, "geometry") {
		return fieldProblem("geometry", "geojson", "must be a GeoJSON geometry object", "phải là đối tượng hình học GeoJSON")
	}
	if strings.Contains(msg, "parsing time") {
		return fieldProblem("body", "time", "times are written RFC 3339, e.g. 2026-03-01T08:00:00+07:00",
			"thời điểm viết theo RFC 3339, ví dụ 2026-03-01T08:00:00+07:00")
	}
	return fieldProblem("body", "invalid", "a value has the wrong form", "một giá trị không đúng dạng")
}

func jsonTypeName(t reflect.Type) string {
	if t == nil {
		return "value"
	}
	switch t.Kind() {
	case reflect.String:
		return "string"
	case reflect.Bool:
		return "boolean"
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64, reflect.Uint, reflect.Uint8, reflect.Uint16,
		reflect.Uint32, reflect.Uint64, reflect.Float32, reflect.Float64:
		return "number"
	case reflect.Slice, reflect.Array:
		return "array"
	case reflect.Struct, reflect.Map:
		if t == reflect.TypeOf(time.Time{}) {
			return "string (RFC 3339 time)"
		}
		return "object"
	}
	return "value"
}

// fieldProblem is an EINVALID naming one field.
func fieldProblem(field, rule, en, vi string) error {
	var p registry.Problems
	p.Add(field, rule, en, vi)
	return p.Err()
}
