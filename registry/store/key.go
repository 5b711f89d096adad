package store

import (
	"bytes"
	"encoding/base64"
	"encoding/binary"
	"fmt"
	"math"
	"strings"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
)

// Keys are tuples encoded so that comparing the bytes compares the tuples
// element by element; each element starts with its type's tag, so values
// of one field sort by type first, then by value. Strings end in 0x00 with
// 0x00 inside escaped as 0x00 0xFF, so a prefix sorts first.
const (
	tagNull   byte = 0x01
	tagFalse  byte = 0x02
	tagTrue   byte = 0x03
	tagInt    byte = 0x10
	tagFloat  byte = 0x11
	tagTime   byte = 0x20
	tagString byte = 0x30
	// KeyEnd sorts after every encoded element: key+KeyEnd bounds a prefix.
	KeyEnd byte = 0xFF
)

// AppendKey appends the encoding of one value: nil, bool, integers,
// float64, time.Time (to the millisecond, as BSON keeps it) or string.
func AppendKey(b []byte, v any) ([]byte, error) {
	switch x := v.(type) {
	case nil:
		return append(b, tagNull), nil
	case bool:
		if x {
			return append(b, tagTrue), nil
		}
		return append(b, tagFalse), nil
	case int:
		return appendInt(b, int64(x)), nil
	case int32:
		return appendInt(b, int64(x)), nil
	case int64:
		return appendInt(b, x), nil
	case float64:
		if x == math.Trunc(x) && math.Abs(x) < 1<<53 {
			return appendInt(b, int64(x)), nil // 3.0 and 3 are one key, as in MongoDB
		}
		bits := math.Float64bits(x)
		if x < 0 {
			bits = ^bits
		} else {
			bits |= 1 << 63
		}
		b = append(b, tagFloat)
		return binary.BigEndian.AppendUint64(b, bits), nil
	case time.Time:
		b = append(b, tagTime)
		return binary.BigEndian.AppendUint64(b, uint64(x.UnixMilli())^(1<<63)), nil
	case bson.DateTime:
		b = append(b, tagTime)
		return binary.BigEndian.AppendUint64(b, uint64(int64(x))^(1<<63)), nil
	case string:
		b = append(b, tagString)
		for i := 0; i < len(x); i++ {
			if x[i] == 0 {
				b = append(b, 0, 0xFF)
			} else {
				b = append(b, x[i])
			}
		}
		return append(b, 0), nil
	}
	return nil, fmt.Errorf("store: a key cannot hold a %T", v)
}

func appendInt(b []byte, v int64) []byte {
	b = append(b, tagInt)
	return binary.BigEndian.AppendUint64(b, uint64(v)^(1<<63))
}

// EncodeKey encodes a tuple.
func EncodeKey(vals ...any) ([]byte, error) {
	var b []byte
	for _, v := range vals {
		var err error
		if b, err = AppendKey(b, v); err != nil {
			return nil, err
		}
	}
	return b, nil
}

// DecodeKey decodes a tuple into nil, bool, int64, float64, time.Time (UTC) and string values.
func DecodeKey(b []byte) ([]any, error) {
	var out []any
	for len(b) > 0 {
		tag := b[0]
		b = b[1:]
		switch tag {
		case tagNull:
			out = append(out, nil)
		case tagFalse, tagTrue:
			out = append(out, tag == tagTrue)
		case tagInt, tagFloat, tagTime:
			if len(b) < 8 {
				return nil, ErrBadCursor
			}
			u := binary.BigEndian.Uint64(b[:8])
			b = b[8:]
			switch tag {
			case tagInt:
				out = append(out, int64(u^(1<<63)))
			case tagTime:
				out = append(out, time.UnixMilli(int64(u^(1<<63))).UTC())
			default:
				if u&(1<<63) != 0 {
					u &^= 1 << 63
				} else {
					u = ^u
				}
				out = append(out, math.Float64frombits(u))
			}
		case tagString:
			var s strings.Builder
			done := false
			for len(b) > 0 && !done {
				c := b[0]
				b = b[1:]
				if c != 0 {
					s.WriteByte(c)
					continue
				}
				if len(b) > 0 && b[0] == 0xFF {
					s.WriteByte(0)
					b = b[1:]
					continue
				}
				done = true
			}
			if !done {
				return nil, ErrBadCursor
			}
			out = append(out, s.String())
		default:
			return nil, ErrBadCursor
		}
	}
	return out, nil
}

// FieldValues returns the values a document holds at a dotted path: one for
// a plain field, one per element where the path crosses an array, nil (one
// null) when the field is missing. Arrays at the end of the path give one
// value per element too (a multikey index, as in MongoDB).
func FieldValues(doc bson.Raw, path string) ([]any, error) {
	vals, err := collect(bson.RawValue{Type: bson.TypeEmbeddedDocument, Value: doc}, strings.Split(path, "."))
	if err != nil {
		return nil, err
	}
	if len(vals) == 0 {
		return []any{nil}, nil
	}
	return vals, nil
}

func collect(v bson.RawValue, path []string) ([]any, error) {
	switch v.Type {
	case bson.TypeArray:
		elems, err := v.Array().Values()
		if err != nil {
			return nil, err
		}
		var out []any
		for _, e := range elems {
			vs, err := collect(e, path)
			if err != nil {
				return nil, err
			}
			out = append(out, vs...)
		}
		return out, nil
	case bson.TypeEmbeddedDocument:
		if len(path) == 0 {
			return nil, fmt.Errorf("store: an index field holds a document")
		}
		f, err := v.Document().LookupErr(path[0])
		if err != nil {
			return nil, nil // missing
		}
		return collect(f, path[1:])
	}
	if len(path) > 0 {
		return nil, nil // a scalar where the path goes on: missing
	}
	return ScalarOf(v)
}

// ScalarOf converts a BSON scalar to the Go value keys encode.
func ScalarOf(v bson.RawValue) ([]any, error) {
	switch v.Type {
	case bson.TypeString:
		return []any{v.StringValue()}, nil
	case bson.TypeInt32:
		return []any{int64(v.Int32())}, nil
	case bson.TypeInt64:
		return []any{v.Int64()}, nil
	case bson.TypeDouble:
		return []any{v.Double()}, nil
	case bson.TypeBoolean:
		return []any{v.Boolean()}, nil
	case bson.TypeDateTime:
		return []any{time.UnixMilli(v.DateTime()).UTC()}, nil
	case bson.TypeNull, bson.TypeUndefined:
		return []any{nil}, nil
	case bson.TypeObjectID:
		return []any{v.ObjectID().Hex()}, nil
	}
	return nil, fmt.Errorf("store: an index field holds a BSON %s", v.Type)
}

// IndexKeys returns every key of one index for a document: the cross
// product of its fields' values, each followed by the document's _id.
func IndexKeys(doc bson.Raw, ix Index, id string) ([][]byte, error) {
	keys := [][]byte{nil}
	for _, f := range ix.Fields {
		vals, err := FieldValues(doc, f)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", f, err)
		}
		var next [][]byte
		for _, k := range keys {
			for _, v := range vals {
				nk, err := AppendKey(bytes.Clone(k), v)
				if err != nil {
					return nil, fmt.Errorf("%s: %w", f, err)
				}
				next = append(next, nk)
			}
		}
		keys = dedupe(next)
	}
	for i := range keys {
		keys[i], _ = AppendKey(keys[i], id)
	}
	return keys, nil
}

func dedupe(keys [][]byte) [][]byte {
	out := keys[:0]
	for _, k := range keys {
		dup := false
		for _, o := range out {
			if bytes.Equal(o, k) {
				dup = true
				break
			}
		}
		if !dup {
			out = append(out, k)
		}
	}
	return out
}

// Cursor encodes the position after a document: the values of the plan's
// Rest fields (the last of which is _id).
func Cursor(rest []any) string {
	k, err := EncodeKey(rest...)
	if err != nil {
		return ""
	}
	return base64.RawURLEncoding.EncodeToString(k)
}

// ParseCursor decodes a cursor for a plan: it must hold one value per Rest field.
func ParseCursor(p *Plan, cursor string) ([]any, error) {
	raw, err := base64.RawURLEncoding.DecodeString(cursor)
	if err != nil {
		return nil, ErrBadCursor
	}
	vals, err := DecodeKey(raw)
	if err != nil || len(vals) != len(p.Rest) {
		return nil, ErrBadCursor
	}
	if _, ok := vals[len(vals)-1].(string); !ok {
		return nil, ErrBadCursor
	}
	return vals, nil
}

// RestValues returns a document's values of the plan's Rest fields, for
// its cursor. For a multikey field the value that matched is not known, so
// the smallest (ascending) or largest (descending) is taken; such fields
// are only used for equality in this registry's schema.
func RestValues(p *Plan, doc bson.Raw) ([]any, error) {
	out := make([]any, 0, len(p.Rest))
	for _, f := range p.Rest {
		vals, err := FieldValues(doc, f)
		if err != nil {
			return nil, err
		}
		out = append(out, vals[0])
	}
	return out, nil
}

// EncodeCursorBytes makes a cursor of encoded Rest values.
func EncodeCursorBytes(b []byte) string { return base64.RawURLEncoding.EncodeToString(b) }

// DecodeCursorBytes returns the encoded Rest values of a cursor.
func DecodeCursorBytes(s string) ([]byte, error) {
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil {
		return nil, ErrBadCursor
	}
	return b, nil
}
