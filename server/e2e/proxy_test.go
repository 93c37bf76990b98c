package e2e

import (
	"errors"
	"net/netip"
	"strings"
	"testing"

	"github.com/miniweb/miniweb/framework"
	"github.com/miniweb/miniweb/server/httpserver"
)

// TestProxyFramework checks that the framework's request sees what trusted
// proxies said to the engine: a session cookie is Secure behind an https
// proxy, a POST whose Origin is the forwarded host passes the CSRF check,
// and the dev error page, shown only to loopback clients, is not shown to
// a remote client coming through a local proxy.
func TestProxyFramework(t *testing.T) {
	t.Parallel()
	app, err := framework.New(framework.Options{
		Templates: t.TempDir(),
		Dev:       true,
		Suffix:    ".py",
		Session:   &framework.SessionOptions{Secret: testSessionSecret},
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { app.Close() })
	app.Handle("GET POST", "/login.py", func(r *framework.Request) (*framework.Response, error) {
		r.Session().Set("user", "ann")
		return &framework.Response{Body: []byte("signed in")}, nil
	})
	app.Handle("GET", "/fail.py", func(r *framework.Request) (*framework.Response, error) {
		return nil, errors.New("a secret detail")
	})
	ts := startServer(t, app, nil, func(s *httpserver.Server) {
		s.Proxies.Trusted = []netip.Prefix{netip.MustParsePrefix("127.0.0.1/32")}
		s.Proxies.ForwardedHost = true
	})

	get := func(req string) (int, string, string) {
		c := ts.dial(t)
		c.send(req)
		r := c.response("GET")
		return r.StatusCode, r.Header.Get("Set-Cookie"), bodyOf(t, r)
	}
	const proxied = "X-Forwarded-For: 203.0.113.9\r\nX-Forwarded-Proto: https\r\nX-Forwarded-Host: example.com\r\n"

	if _, cookie, _ := get("GET /login.py HTTP/1.1\r\nHost: backend\r\n" + proxied + "\r\n"); !strings.Contains(cookie, "; Secure") {
		t.Errorf("session cookie behind an https proxy: %q; want Secure", cookie)
	}
	if _, cookie, _ := get("GET /login.py HTTP/1.1\r\nHost: backend\r\n\r\n"); cookie == "" || strings.Contains(cookie, "Secure") {
		t.Errorf("session cookie over plain http: %q; want one, not Secure", cookie)
	}
	post := "POST /login.py HTTP/1.1\r\nHost: backend\r\nOrigin: https://example.com\r\nContent-Length: 0\r\n"
	if code, _, _ := get(post + proxied + "\r\n"); code != 200 {
		t.Errorf("POST with the forwarded host as Origin: %d; want 200", code)
	}
	if code, _, _ := get(post + "\r\n"); code != 403 {
		t.Errorf("POST with another Origin than Host: %d; want 403", code)
	}
	if code, _, body := get("GET /fail.py HTTP/1.1\r\nHost: backend\r\n\r\n"); code != 500 || !strings.Contains(body, "a secret detail") {
		t.Errorf("dev error page to a loopback client: %d, detail shown %v; want 500 with the detail", code, strings.Contains(body, "a secret detail"))
	}
	if code, _, body := get("GET /fail.py HTTP/1.1\r\nHost: backend\r\n" + proxied + "\r\n"); code != 500 || strings.Contains(body, "a secret detail") {
		t.Errorf("error page to a remote client through a local proxy: %d, detail shown %v; want 500 without", code, strings.Contains(body, "a secret detail"))
	}
}
