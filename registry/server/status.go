package server

import (
	"net/http"

	"github.com/tracereg/tracereg/registry"
)

// statusByCode is the one table from the domain's error codes to HTTP
// statuses: handlers return errors, the error handler answers with these.
var statusByCode = map[string]int{
	registry.ECONFLICT:     http.StatusConflict,
	registry.EINTERNAL:     http.StatusInternalServerError,
	registry.EINVALID:      http.StatusUnprocessableEntity,
	registry.EMALFORMED:    http.StatusBadRequest,
	registry.ENOTFOUND:     http.StatusNotFound,
	registry.EUNAUTHORIZED: http.StatusUnauthorized,
	registry.EFORBIDDEN:    http.StatusForbidden,
	registry.ESTALE:        http.StatusPreconditionFailed,
	registry.ETOOLARGE:     http.StatusRequestEntityTooLarge,
	registry.EMEDIATYPE:    http.StatusUnsupportedMediaType,
	registry.ETOOMANY:      http.StatusTooManyRequests,
	registry.EUNAVAILABLE:  http.StatusServiceUnavailable,
	registry.EPRECONDITION: http.StatusPreconditionRequired,
}

// StatusOf is the HTTP status of err: by its code, else 500.
func StatusOf(err error) int {
	if s, ok := statusByCode[registry.ErrorCode(err)]; ok {
		return s
	}
	return http.StatusInternalServerError
}
