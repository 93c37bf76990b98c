package raw

import (
	"strings"
	"testing"

	"miniweb/server/gateway"
)

func TestRaw(t *testing.T) {
	tests := []struct {
		method, target, body string
		code                 int
		want                 string // a substring of the response body
		notWant              string // must not appear
	}{
		{"GET", "/hello.py", "", 200, "Hello, World!", ""},
		{"HEAD", "/hello.py", "", 200, "", "Hello"},
		{"GET", "/index.py", "", 200, "<h1>miniweb</h1>", ""},
		{"GET", "/echo.py", "", 200, "<form", ""},
		{"POST", "/echo.py", "first=Ada&last=%3Cscript%3Ealert(1)%3C%2Fscript%3E", 200, "&lt;script&gt;alert(1)&lt;/script&gt;", "<script>"},
		{"POST", "/echo.py", "a=%zz", 400, "Bad Request", ""},
		{"PUT", "/echo.py", "", 405, "Method Not Allowed", ""},
		{"POST", "/hello.py", "", 405, "Method Not Allowed", ""},
		{"GET", "/nope.py", "", 404, "Not Found", ""},
	}
	for _, tt := range tests {
		var body *strings.Reader
		if tt.body != "" {
			body = strings.NewReader(tt.body)
		}
		env := gateway.NewEnviron(tt.method, tt.target, nil)
		if body != nil {
			env = gateway.NewEnviron(tt.method, tt.target, body)
		}
		rec, err := gateway.Record(App(), env)
		if err != nil {
			t.Fatalf("%s %s: %v", tt.method, tt.target, err)
		}
		if rec.Code != tt.code || !strings.Contains(string(rec.Body), tt.want) ||
			(tt.notWant != "" && strings.Contains(string(rec.Body), tt.notWant)) {
			t.Errorf("%s %s = %d %q; want %d containing %q", tt.method, tt.target, rec.Code, rec.Body, tt.code, tt.want)
		}
	}
}

func TestHelloAllocs(t *testing.T) {
	env := gateway.NewEnviron("GET", "/hello.py", nil)
	start := func(string, []gateway.Field) error { return nil }
	if n := testing.AllocsPerRun(100, func() { application(env, start) }); n != 0 {
		t.Fatalf("hello allocates %v times per request; want 0", n)
	}
}
