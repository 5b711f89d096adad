package lookup_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
)

// FuzzResolver: no path or query makes the resolver answer 5xx, and a
// syntax error is never answered 200.
func FuzzResolver(f *testing.F) {
	for _, s := range []struct{ path, query string }{
		{"09506000134352/10/ABC/21/1", ""},
		{"08938500000026/10/RB2026-01", "linkType=linkset"},
		{"8938500000026/10/RB2026-01/", "17=270110&linkType=gs1:pip"},
		{"08938500000026/21/1/10/x", ""},
		{"%zz", "%zz=1"},
		{"08938500000026/22/%2F%2F/10/%00", "7007=250310-250312"},
		{"0", "linkType=all&17=991332"},
		{strings.Repeat("1/", 300), strings.Repeat("a=1&", 300)},
	} {
		f.Add(s.path, s.query)
	}
	e := newEnv(f, demoNow)
	f.Fuzz(func(t *testing.T, path, query string) {
		if !requestLineSafe(path) || !requestLineSafe(query) || strings.ContainsAny(path, "?#") || strings.Contains(query, "#") {
			t.Skip()
		}
		req, err := http.NewRequest(http.MethodGet, "http://example.test/", nil)
		if err != nil {
			t.Skip()
		}
		req.URL = &url.URL{Scheme: "http", Host: "example.test", Opaque: "/01/" + path, RawQuery: query}
		res, err := e.app.Test(req, 30000)
		if err != nil {
			t.Skip() // not a request the HTTP parser accepts
		}
		res.Body.Close()
		if res.StatusCode >= 500 {
			t.Fatalf("GET /01/%s?%s: status %d", path, query, res.StatusCode)
		}
	})
}

func requestLineSafe(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] <= ' ' || s[i] == 0x7f {
			return false
		}
	}
	return true
}
