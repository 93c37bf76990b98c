package raw

import (
	"bytes"
	"errors"
	"io"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/miniweb/miniweb/server/gateway"
	"github.com/miniweb/miniweb/server/gateway/gatewaytest"
)

func TestRaw(t *testing.T) {
	t.Parallel()
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
		// Names and values are made clean text: invalid UTF-8 becomes
		// U+FFFD, NUL is dropped (the body is checked for both below).
		{"POST", "/echo.py", "first=A%00da%FF%FE&last=Love%E4%BAlace", 200, "<dd>Ada\uFFFD</dd>", "\x00"},
		{"POST", "/echo.py", "n%00a%FFme=v", 200, "<dt>na\uFFFDme</dt><dd>v</dd>", "\x00"},
		{"POST", "/echo.py", "first=A\x00da\xff", 200, "<dd>Ada\uFFFD</dd>", "\xff"},
		{"POST", "/echo.py", "first=%E4%BA%BA", 200, "<dd>人</dd>", "\uFFFD"},
		// Over the 64 KiB cap: 413, not 400.
		{"POST", "/echo.py", "first=" + strings.Repeat("x", maxForm), 413, "413 Content Too Large", "xxx"},
		{"PUT", "/echo.py", "", 405, "Method Not Allowed", ""},
		{"POST", "/hello.py", "", 405, "Method Not Allowed", ""},
		{"GET", "/nope.py", "", 404, "Not Found", ""},
	}
	for _, tt := range tests {
		var body *strings.Reader
		if tt.body != "" {
			body = strings.NewReader(tt.body)
		}
		env := gatewaytest.NewEnviron(tt.method, tt.target, nil)
		if body != nil {
			env = gatewaytest.NewEnviron(tt.method, tt.target, body)
		}
		rec, err := gatewaytest.Record(App(), env)
		if err != nil {
			t.Fatalf("%s %s: %v", tt.method, tt.target, err)
		}
		if rec.Code != tt.code || !strings.Contains(string(rec.Body), tt.want) ||
			(tt.notWant != "" && strings.Contains(string(rec.Body), tt.notWant)) {
			t.Errorf("%s %s = %d %.200q; want %d containing %q", tt.method, tt.target, rec.Code, rec.Body, tt.code, tt.want)
		}
		if !utf8.Valid(rec.Body) || bytes.IndexByte(rec.Body, 0) >= 0 {
			t.Errorf("%s %s: the page declares UTF-8 but holds invalid UTF-8 or NUL: %.200q", tt.method, tt.target, rec.Body)
		}
	}
}

// TestEchoCap checks /echo.py's 64 KiB cap on the form, with the length
// declared (Content-Length) and not (chunked, ContentLength -1).
func TestEchoCap(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		size     int  // bytes of form sent
		declared bool // Content-Length sent, else the length is unknown
		code     int
	}{
		{"at cap declared", maxForm, true, 200},
		{"at cap chunked", maxForm, false, 200},
		{"one over declared", maxForm + 1, true, 413},
		{"one over chunked", maxForm + 1, false, 413},
		{"far over chunked", 10 * maxForm, false, 413},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			form := "first=" + strings.Repeat("x", tt.size-len("first="))
			var body io.Reader = strings.NewReader(form)
			if !tt.declared {
				body = io.MultiReader(body) // hides Len: the length is unknown
			}
			env := gatewaytest.NewEnviron("POST", "/echo.py", body)
			rec, err := gatewaytest.Record(App(), env)
			if err != nil {
				t.Fatal(err)
			}
			if rec.Code != tt.code {
				t.Fatalf("status %d; want %d", rec.Code, tt.code)
			}
			if tt.code == 413 && !strings.HasPrefix(string(rec.Body), "413 Content Too Large") {
				t.Fatalf("body %.100q; want the 413 text", rec.Body)
			}
		})
	}
	// A declared length over the cap is refused before reading a byte.
	env := gatewaytest.NewEnviron("POST", "/echo.py", nil)
	fr := &failReader{}
	env.Body, env.ContentLength = fr, 1<<30
	rec, err := gatewaytest.Record(App(), env)
	if err != nil || rec.Code != 413 || fr.read {
		t.Fatalf("declared 1 GiB: %v %v, body read %v; want 413 without reading", rec, err, fr.read)
	}
}

// failReader fails every read, and records that one was tried.
type failReader struct{ read bool }

func (f *failReader) Read([]byte) (int, error) {
	f.read = true
	return 0, errors.New("connection reset")
}

// TestHelloAllocs is not parallel: testing.AllocsPerRun counts the
// allocations of the whole process.
func TestHelloAllocs(t *testing.T) {
	env := gatewaytest.NewEnviron("GET", "/hello.py", nil)
	start := func(string, []gateway.Field) error { return nil }
	if n := testing.AllocsPerRun(100, func() { application(env, start) }); n != 0 {
		t.Fatalf("hello allocates %v times per request; want 0", n)
	}
}
