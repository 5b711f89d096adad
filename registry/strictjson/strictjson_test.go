package strictjson

import (
	"testing"

	"github.com/tracereg/tracereg/registry"
)

func TestDecode(t *testing.T) {
	type rec struct {
		Name  string `json:"name"`
		Count int    `json:"count"`
	}
	var r rec
	if err := Decode([]byte(` {"name":"Cà phê","count":3} `), &r); err != nil || r.Name != "Cà phê" || r.Count != 3 {
		t.Fatalf("good body: %+v %v", r, err)
	}
	for body, want := range map[string]struct{ code, field string }{
		`[1]`:                       {registry.EMALFORMED, ""},
		``:                          {registry.EMALFORMED, ""},
		`{"name":"a"} {"name":"b"}`: {registry.EMALFORMED, ""},
		`{"name":"a","extra":1}`:    {registry.EINVALID, "extra"},
		`{"name":{"$gt":""}}`:       {registry.EINVALID, "name"},
		`{"count":"three"}`:         {registry.EINVALID, "count"},
	} {
		err := Decode([]byte(body), &rec{})
		if registry.ErrorCode(err) != want.code {
			t.Errorf("%q: %v, want %s", body, err, want.code)
			continue
		}
		if want.field != "" {
			e := registry.PublicError(err)
			if len(e.Fields) == 0 || e.Fields[0].Field != want.field {
				t.Errorf("%q: fields %+v, want %s", body, e.Fields, want.field)
			}
		}
	}
}
