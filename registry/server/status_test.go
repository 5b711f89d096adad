package server

import (
	"errors"
	"net/http"
	"testing"

	"github.com/tracereg/tracereg/registry"
)

func TestStatusOf(t *testing.T) {
	for err, want := range map[error]int{
		registry.Errorf(registry.EINVALID, "x", "x"):     http.StatusUnprocessableEntity,
		registry.Errorf(registry.ENOTFOUND, "x", "x"):    http.StatusNotFound,
		registry.Errorf(registry.ESTALE, "x", "x"):       http.StatusPreconditionFailed,
		registry.Errorf(registry.ETOOMANY, "x", "x"):     http.StatusTooManyRequests,
		registry.Errorf(registry.EUNAVAILABLE, "x", "x"): http.StatusServiceUnavailable,
		errors.New("a driver's error"):                   http.StatusInternalServerError,
	} {
		if got := StatusOf(err); got != want {
			t.Errorf("%v: %d, want %d", err, got, want)
		}
	}
}
