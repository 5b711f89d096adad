package registry

import (
	"errors"
	"fmt"
	"strings"
)

// Error codes. Every error a service returns carries one of these; one table
// in the server (server.StatusOf) maps them to HTTP statuses, so handlers
// just return err and the domain knows nothing of HTTP.
const (
	ECONFLICT     = "conflict"            // a unique key is taken, or something still refers to the record
	EINTERNAL     = "internal"            // our fault; the text is never shown to users
	EINVALID      = "invalid"             // validation failed; Fields says which and why
	EMALFORMED    = "malformed"           // the request body could not be decoded at all
	ENOTFOUND     = "not_found"           // no such record (or not visible to the caller)
	EUNAUTHORIZED = "unauthorized"        // not signed in, or bad credentials
	EFORBIDDEN    = "forbidden"           // signed in, but not allowed
	ESTALE        = "stale"               // the record changed since the caller read it
	ETOOLARGE     = "too_large"           // body or upload over its limit
	EMEDIATYPE    = "unsupported_media"   // upload type not accepted
	ETOOMANY      = "too_many_requests"   // rate limit or lockout
	EUNAVAILABLE  = "unavailable"         // a dependency (database, document store) does not answer
	EPRECONDITION = "precondition_needed" // a write without the version it read
)

// Error is the domain error: a code, a message for people in English and
// Vietnamese, and for EINVALID the list of failing fields.
type Error struct {
	Code      string       `json:"code"`
	Message   string       `json:"message"`
	MessageVI string       `json:"message_vi"`
	Fields    []FieldError `json:"fields,omitempty"`
}

// FieldError names one failing field and the rule it broke.
type FieldError struct {
	Field     string `json:"field"`
	Rule      string `json:"rule"`
	Message   string `json:"message"`
	MessageVI string `json:"message_vi"`
}

func (e *Error) Error() string {
	if len(e.Fields) == 0 {
		return fmt.Sprintf("%s: %s", e.Code, e.Message)
	}
	parts := make([]string, len(e.Fields))
	for i, f := range e.Fields {
		parts[i] = f.Field + ": " + f.Message
	}
	return fmt.Sprintf("%s: %s (%s)", e.Code, e.Message, strings.Join(parts, "; "))
}

// Errorf builds an Error whose English and Vietnamese messages are given.
func Errorf(code, en, vi string) *Error {
	return &Error{Code: code, Message: en, MessageVI: vi}
}

// ErrorCode returns the code of err, EINTERNAL for errors that are not *Error.
func ErrorCode(err error) string {
	var e *Error
	switch {
	case err == nil:
		return ""
	case errors.As(err, &e):
		return e.Code
	default:
		return EINTERNAL
	}
}

// PublicError returns what may be shown to a user: the *Error itself, or a
// generic internal error that hides the text of anything else.
func PublicError(err error) *Error {
	var e *Error
	if errors.As(err, &e) {
		return e
	}
	return Errorf(EINTERNAL, "Internal error. Please try again later.", "Lỗi hệ thống. Vui lòng thử lại sau.")
}

// Problems collects every failing field of a record so one answer lists them all.
type Problems struct {
	fields []FieldError
}

// Add records that field broke rule, with messages in English and Vietnamese.
func (p *Problems) Add(field, rule, en, vi string) {
	p.fields = append(p.fields, FieldError{Field: field, Rule: rule, Message: en, MessageVI: vi})
}

// Merge adds another set of problems under a field prefix ("plots[0].").
func (p *Problems) Merge(prefix string, err error) {
	var e *Error
	if err == nil {
		return
	}
	if errors.As(err, &e) && e.Code == EINVALID {
		for _, f := range e.Fields {
			if f.Field == "" { // the whole value: "geometry", not "geometry."
				f.Field = strings.TrimSuffix(prefix, ".")
			} else {
				f.Field = prefix + f.Field
			}
			p.fields = append(p.fields, f)
		}
		return
	}
	p.Add(strings.TrimSuffix(prefix, "."), "invalid", err.Error(), err.Error())
}

// Empty reports whether nothing failed.
func (p *Problems) Empty() bool { return len(p.fields) == 0 }

// Err returns nil when nothing failed, otherwise an EINVALID *Error listing every field.
func (p *Problems) Err() error {
	if len(p.fields) == 0 {
		return nil
	}
	return &Error{
		Code:      EINVALID,
		Message:   "Some fields are not valid.",
		MessageVI: "Một số trường không hợp lệ.",
		Fields:    p.fields,
	}
}
