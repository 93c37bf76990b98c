package framework

import (
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/cookiejar"
	"strconv"
	"strings"
	"testing"

	"github.com/miniweb/miniweb/server/gateway"
	"github.com/miniweb/miniweb/server/gateway/gatewaytest"
	"github.com/miniweb/miniweb/server/httpserver"
)

// realServer runs app on miniweb's server on 127.0.0.1 for the test, and
// returns its base URL.
func realServer(t *testing.T, app gateway.App) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &httpserver.Server{App: app, Suffix: ".py"}
	done := make(chan struct{})
	go func() { srv.Serve(ln); close(done) }()
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), hang)
		defer cancel()
		srv.Shutdown(ctx)
		<-done
	})
	return "http://" + ln.Addr().String()
}

// cookieValues are values a handler may set, each of which must read back
// as it was on the next request.
var cookieValues = []struct {
	name  string // what the case is about
	value string
	wire  string // the cookie-value sent
}{
	{"plain token", "abc123", "abc123"},
	{"plain octets kept", "a/b:c=d+e!#$&'()*-.<>?@[]^_`{|}~", "a/b:c=d+e!#$&'()*-.<>?@[]^_`{|}~"},
	{"empty", "", ""},
	{"space", "hello world", "hello%20world"},
	{"quotes", `"quoted"`, "%22quoted%22"},
	{"semicolon", "a;b=c", "a%3Bb=c"},
	{"comma", "a,b", "a%2Cb"},
	{"backslash", `a\b`, "a%5Cb"},
	{"unicode", "ß 北京", "%C3%9F%20%E5%8C%97%E4%BA%AC"},
	{"percent", "100%", "100%25"},
	{"percent escape lookalike", "%41", "%2541"},
	{"the issue's example", "hello \"world\"; ß", "hello%20%22world%22%3B%20%C3%9F"},
	{"controls and NUL", "a\x00\t\r\nb\x7f", "a%00%09%0D%0Ab%7F"},
	{"invalid UTF-8", "\xff\xfe", "%FF%FE"},
}

// TestCookieRoundTrip sets each value with SetCookie on miniweb's server,
// lets net/http's cookie jar keep it, and reads it back with
// Request.Cookie on the next request.
func TestCookieRoundTrip(t *testing.T) {
	t.Parallel()
	app, _ := newApp(t, "testdata/templates", Options{})
	app.Handle("GET", "/set.py", func(r *Request) (*Response, error) {
		i, err := strconv.Atoi(r.Query("i"))
		if err != nil {
			return nil, Error(400, "bad i")
		}
		resp := &Response{Status: 204}
		return resp, resp.SetCookie(Cookie{Name: "msg", Value: cookieValues[i].value, Path: "/"})
	})
	app.Handle("GET", "/get.py", func(r *Request) (*Response, error) {
		v, ok := r.Cookie("msg")
		if !ok {
			return nil, Error(404, "no cookie")
		}
		return &Response{Body: []byte(v)}, nil
	})
	base := realServer(t, app)

	for i, tt := range cookieValues {
		t.Run(tt.name, func(t *testing.T) {
			jar, _ := cookiejar.New(nil)
			client := &http.Client{Jar: jar}
			defer client.CloseIdleConnections()
			resp, err := client.Get(base + "/set.py?i=" + strconv.Itoa(i))
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if want := "msg=" + tt.wire + "; Path=/"; resp.StatusCode != 204 || resp.Header.Get("Set-Cookie") != want {
				t.Fatalf("set: %d, Set-Cookie %q; want 204, %q", resp.StatusCode, resp.Header.Get("Set-Cookie"), want)
			}
			resp, err = client.Get(base + "/get.py")
			if err != nil {
				t.Fatal(err)
			}
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode != 200 || string(body) != tt.value {
				t.Errorf("read back %d %q; want %q", resp.StatusCode, body, tt.value)
			}
		})
	}
}

// TestCookieForeign reads values set by other software: without '%' they
// are as sent; with '%' they are percent-decoded unless an escape is bad.
func TestCookieForeign(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		header string // the Cookie field
		want   string
		ok     bool
	}{
		{"msg=abc", "abc", true},
		{`msg="abc"`, "abc", true},
		{"msg=a%20b", "a b", true},
		{"msg=a%2fb", "a/b", true},               // lower-case hex
		{"msg=100%", "100%", true},               // a bad escape: as sent
		{"msg=%zz%20", "%zz%20", true},           // one bad escape keeps all as sent
		{"msg=%4", "%4", true},                   // cut escape
		{"msg=a+b", "a+b", true},                 // '+' is not a space
		{"msg=a b", "", false},                   // not a cookie-value
		{"other=1; msg=x%3By; z=2", "x;y", true}, // among others
		{"msgx=1", "", false},
	} {
		r := &Request{Header: gateway.Fields{{Name: "Cookie", Value: tt.header}}}
		if v, ok := r.Cookie("msg"); v != tt.want || ok != tt.ok {
			t.Errorf("Cookie: %q: %q, %v; want %q, %v", tt.header, v, ok, tt.want, tt.ok)
		}
	}
}

// TestSetCookieErrors: a cookie that cannot be sent is an error from
// SetCookie, naming what is wrong, and adds no field.
func TestSetCookieErrors(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		c    Cookie
		want error
		text string // in the message
	}{
		{Cookie{Name: "", Value: "x"}, ErrCookieName, `""`},
		{Cookie{Name: "a b", Value: "x"}, ErrCookieName, `"a b"`},
		{Cookie{Name: "a;b"}, ErrCookieName, `"a;b"`},
		{Cookie{Name: "a=b"}, ErrCookieName, `"a=b"`},
		{Cookie{Name: "sid\r\nX-Evil: 1"}, ErrCookieName, `"sid\r\nX-Evil: 1"`},
		{Cookie{Name: "ß"}, ErrCookieName, `"ß"`},
		{Cookie{Name: "sid", Path: "/a;b"}, ErrCookieAttr, "Path"},
		{Cookie{Name: "sid", Path: "/a\nb"}, ErrCookieAttr, "Path"},
		{Cookie{Name: "sid", Domain: "ex\x7f.com"}, ErrCookieAttr, "Domain"},
		{Cookie{Name: "sid", SameSite: "lax"}, ErrCookieAttr, `SameSite "lax"`},
	} {
		resp := Redirect("/")
		err := resp.SetCookie(tt.c)
		if !errors.Is(err, tt.want) || !strings.Contains(err.Error(), tt.text) {
			t.Errorf("SetCookie(%+v) = %v; want %v naming %s", tt.c, err, tt.want, tt.text)
		}
		if v := resp.Header.Get("Set-Cookie"); v != "" {
			t.Errorf("SetCookie(%+v) added %q", tt.c, v)
		}
	}
	resp := Redirect("/")
	if err := resp.SetCookie(Cookie{Name: "sid", Value: "a b", Path: "/", Domain: "example.com", MaxAge: -1, Secure: true, HttpOnly: true, SameSite: "Strict"}); err != nil {
		t.Fatal(err)
	}
	if got, want := resp.Header.Get("Set-Cookie"), "sid=a%20b; Path=/; Domain=example.com; Max-Age=0; Secure; HttpOnly; SameSite=Strict"; got != want {
		t.Errorf("Set-Cookie %q; want %q", got, want)
	}
}

// TestSetCookieHandlerError: a handler that returns SetCookie's error gets
// a 500 with the reason in the log, and sends no cookie.
func TestSetCookieHandlerError(t *testing.T) {
	t.Parallel()
	app, logs := newApp(t, "testdata/templates", Options{})
	app.Handle("GET", "/bad.py", func(*Request) (*Response, error) {
		resp := Render("page.html", nil)
		if err := resp.SetCookie(Cookie{Name: "a b"}); err != nil {
			return nil, err
		}
		return resp, nil
	})
	env := gatewaytest.NewEnviron("GET", "/bad.py", nil)
	rec, err := gatewaytest.Record(app, env)
	if err != nil || rec.Code != 500 || header(rec, "Set-Cookie") != "" {
		t.Errorf("%d %v %v", rec.Code, rec.Header, err)
	}
	if !strings.Contains(logs.String(), "invalid cookie name") {
		t.Errorf("log lacks the reason:\n%s", logs)
	}
}

// FuzzCookieValue checks that any value is sent as cookie-octets and reads
// back as it was, and that a plain value is sent unchanged.
func FuzzCookieValue(f *testing.F) {
	for _, tt := range cookieValues {
		f.Add(tt.value)
	}
	f.Fuzz(func(t *testing.T, v string) {
		w := encodeCookieValue(v)
		if !validCookieValue(w) {
			t.Fatalf("encodeCookieValue(%q) = %q: not cookie-octets", v, w)
		}
		if validCookieValue(v) && !strings.Contains(v, "%") && w != v {
			t.Fatalf("encodeCookieValue(%q) = %q: a plain value changed", v, w)
		}
		if got := decodeCookieValue(w); got != v {
			t.Fatalf("decodeCookieValue(%q) = %q; want %q", w, got, v)
		}
		r := &Request{Header: gateway.Fields{{Name: "Cookie", Value: "a=1; msg=" + w}}}
		if got, ok := r.Cookie("msg"); !ok || got != v {
			t.Fatalf("Cookie after %q: %q, %v; want %q", w, got, ok, v)
		}
	})
}
