package framework

import (
	"testing"

	"github.com/miniweb/miniweb/server/gateway"
	"github.com/miniweb/miniweb/server/gateway/gatewaytest"
)

// TestRouteLabel: the App names the pattern that answered in
// Environ.Route, for the server's metrics; a path no route matches
// names none.
func TestRouteLabel(t *testing.T) {
	t.Parallel()
	app, _ := testApp(t, Options{})
	for _, tt := range []struct {
		method, path string
		code         int
		route        string
	}{
		{"GET", "/page.py", 200, "/page.py"},
		{"GET", "/stock/600519.py", 200, "/stock/{code}.py"},
		{"GET", "/stock/000001.py", 404, "/stock/{code}.py"}, // the handler's 404
		{"HEAD", "/stock/600519.py", 200, "/stock/{code}.py"},
		{"POST", "/both.py", 200, "/both.py"},
		{"GET", "/fail.py", 500, "/fail.py"},
		{"GET", "/missing.py", 404, ""},
		{"POST", "/page.py", 405, ""},
	} {
		env := gatewaytest.NewEnviron(tt.method, tt.path, nil)
		if tt.method == "POST" {
			env.Header = append(env.Header, gateway.Field{Name: "Sec-Fetch-Site", Value: "same-origin"})
		}
		rec, err := gatewaytest.Record(app, env)
		if err != nil {
			t.Fatal(err)
		}
		if rec.Code != tt.code || env.Route != tt.route {
			t.Errorf("%s %s: %d, Route %q; want %d, %q", tt.method, tt.path, rec.Code, env.Route, tt.code, tt.route)
		}
	}
}
