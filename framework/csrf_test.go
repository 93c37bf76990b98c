package framework_test

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/miniweb/miniweb/framework"
	"github.com/miniweb/miniweb/server/gateway"
	"github.com/miniweb/miniweb/server/gateway/gatewaytest"
)

// csrfApp serves an App protected by c on a real server: /form.py answers
// every method (and counts the times its handler ran in *ran), and so do
// /hooks/{name}.py and /api/ping.py. It returns the base URL.
func csrfApp(t *testing.T, c framework.CSRF, ran *atomic.Int64) string {
	t.Helper()
	app, err := framework.New(framework.Options{Templates: "testdata/csrf", Log: quiet, CSRF: c})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { app.Close() })
	page := func(r *framework.Request) (framework.Data, error) {
		ran.Add(1)
		return framework.Data{"method": r.Method}, nil
	}
	const methods = "GET POST PUT PATCH DELETE OPTIONS"
	app.Page(methods, "/form.py", "page.html", page)
	app.Page(methods, "/hooks/{name}.py", "page.html", page)
	app.Page(methods, "/api/ping.py", "page.html", page)
	return serve(t, app)
}

// csrfSend sends method to url with the header fields given as name,
// value pairs, and returns the status, the Content-Type and the body.
func csrfSend(t *testing.T, method, url string, header ...string) (int, string, string) {
	t.Helper()
	req, err := http.NewRequest(method, url, strings.NewReader("x=1"))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	for i := 0; i+1 < len(header); i += 2 {
		if header[i] == "Host" {
			req.Host = header[i+1]
			continue
		}
		req.Header.Set(header[i], header[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, resp.Header.Get("Content-Type"), string(b)
}

// TestCSRF: unsafe requests another site's page makes a browser send are
// refused with a 403 page, by Sec-Fetch-Site, else by Origin against
// Host; safe methods, same-origin requests and non-browser clients pass,
// and so do trusted origins and exempt paths.
func TestCSRF(t *testing.T) {
	t.Parallel()
	var ran atomic.Int64
	base := csrfApp(t, framework.CSRF{
		TrustedOrigins: []string{"https://partner.example", "https://Admin.Example:443"},
		ExemptPaths:    []string{"/hooks/{name}.py"},
		Exempt:         func(r *framework.Request) bool { return strings.HasPrefix(r.Path, "/api/") },
	}, &ran)
	self := base                                // the page's own origin: "http://127.0.0.1:port"
	host := strings.TrimPrefix(base, "http://") // what the client sends as Host
	_, port, _ := net.SplitHostPort(host)
	const (
		otherPort = "http://127.0.0.1:1" // another origin on the same host
		evil      = "https://evil.example"
	)

	tests := []struct {
		name   string
		method string
		path   string
		header []string // name, value pairs; "Host" sets the Host field
		status int
	}{
		// Safe methods pass whoever sent them.
		{"GET cross-site", "GET", "/form.py", []string{"Sec-Fetch-Site", "cross-site", "Origin", evil}, 200},
		{"HEAD cross-site", "HEAD", "/form.py", []string{"Sec-Fetch-Site", "cross-site", "Origin", evil}, 200},
		{"OPTIONS cross-site", "OPTIONS", "/form.py", []string{"Sec-Fetch-Site", "cross-site", "Origin", evil}, 200},

		// A current browser: Sec-Fetch-Site decides.
		{"POST same-origin", "POST", "/form.py", []string{"Sec-Fetch-Site", "same-origin", "Origin", self}, 200},
		{"POST none (address bar)", "POST", "/form.py", []string{"Sec-Fetch-Site", "none"}, 200},
		{"POST cross-site", "POST", "/form.py", []string{"Sec-Fetch-Site", "cross-site", "Origin", evil}, 403},
		{"POST same-site", "POST", "/form.py", []string{"Sec-Fetch-Site", "same-site", "Origin", otherPort}, 403},
		{"POST cross-site, Origin forged to the Host", "POST", "/form.py", []string{"Sec-Fetch-Site", "cross-site", "Origin", self}, 403},
		{"POST unknown Sec-Fetch-Site", "POST", "/form.py", []string{"Sec-Fetch-Site", "Same-Origin"}, 403},
		{"PUT cross-site", "PUT", "/form.py", []string{"Sec-Fetch-Site", "cross-site"}, 403},
		{"PATCH cross-site", "PATCH", "/form.py", []string{"Sec-Fetch-Site", "cross-site"}, 403},
		{"DELETE cross-site", "DELETE", "/form.py", []string{"Sec-Fetch-Site", "cross-site"}, 403},

		// No Sec-Fetch-Site: Origin against Host.
		{"POST no headers (curl)", "POST", "/form.py", nil, 200},
		{"POST Origin is the Host", "POST", "/form.py", []string{"Origin", self}, 200},
		{"POST Origin is the Host, other case", "POST", "/form.py", []string{"Origin", "http://LocalHost:" + port, "Host", "localhost:" + port}, 200},
		{"POST Origin another port", "POST", "/form.py", []string{"Origin", otherPort}, 403},
		{"POST Origin another site", "POST", "/form.py", []string{"Origin", evil}, 403},
		{"POST Origin null", "POST", "/form.py", []string{"Origin", "null"}, 403},
		{"POST Origin not a URL", "POST", "/form.py", []string{"Origin", "%zz"}, 403},
		{"POST Origin host only", "POST", "/form.py", []string{"Origin", host}, 403},

		// Trusted origins, matched exactly after canonicalisation.
		{"trusted, cross-site", "POST", "/form.py", []string{"Sec-Fetch-Site", "cross-site", "Origin", "https://partner.example"}, 200},
		{"trusted, no Sec-Fetch-Site", "POST", "/form.py", []string{"Origin", "https://partner.example"}, 200},
		{"trusted, written with case and port", "POST", "/form.py", []string{"Sec-Fetch-Site", "same-site", "Origin", "https://admin.example"}, 200},
		{"trusted host, other scheme", "POST", "/form.py", []string{"Sec-Fetch-Site", "cross-site", "Origin", "http://partner.example"}, 403},
		{"trusted host, other port", "POST", "/form.py", []string{"Sec-Fetch-Site", "cross-site", "Origin", "https://partner.example:8443"}, 403},
		{"trusted as a prefix", "POST", "/form.py", []string{"Sec-Fetch-Site", "cross-site", "Origin", "https://partner.example.evil.example"}, 403},

		// Exemptions: a pattern, as routes match, and a func.
		{"exempt pattern, cross-site", "POST", "/hooks/github.py", []string{"Sec-Fetch-Site", "cross-site", "Origin", evil}, 200},
		{"exempt pattern, Origin mismatch", "POST", "/hooks/stripe.py", []string{"Origin", evil}, 200},
		{"exempt func", "POST", "/api/ping.py", []string{"Sec-Fetch-Site", "cross-site", "Origin", evil}, 200},
		{"not exempt: pattern needs a name", "POST", "/hooks/.py", []string{"Sec-Fetch-Site", "cross-site"}, 403},
		{"not exempt: dot segments", "POST", "/hooks/x/../../form.py", []string{"Sec-Fetch-Site", "cross-site"}, 403},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := ran.Load()
			status, _, body := csrfSend(t, tt.method, base+tt.path, tt.header...)
			if status != tt.status {
				t.Fatalf("%s %s %q: %d %q; want %d", tt.method, tt.path, tt.header, status, body, tt.status)
			}
			handled := ran.Load() != before
			if tt.status == 403 {
				if handled {
					t.Error("the handler ran for a refused request")
				}
				if !strings.Contains(body, "Cross-origin request refused: this form was sent from another site.") {
					t.Errorf("403 page %q lacks the explanation", body)
				}
				if strings.Contains(body, "evil") {
					t.Errorf("403 page %q echoes the request", body)
				}
			} else if !handled {
				t.Error("the handler did not run")
			}
		})
	}
}

// TestCSRFProblemJSON: a client that asks for JSON gets the refusal as
// problem details.
func TestCSRFProblemJSON(t *testing.T) {
	t.Parallel()
	var ran atomic.Int64
	base := csrfApp(t, framework.CSRF{}, &ran)
	status, ctype, body := csrfSend(t, "POST", base+"/form.py", "Sec-Fetch-Site", "cross-site", "Accept", "application/json")
	if status != 403 || ctype != "application/problem+json" ||
		!strings.Contains(body, `"status":403`) || !strings.Contains(body, `"detail":"Cross-origin request refused`) {
		t.Errorf("got %d %q %q; want 403 application/problem+json with the explanation", status, ctype, body)
	}
}

// TestCSRFNoHost: a request without a Host field (HTTP/1.0) and with
// Origin "null" is refused; net/http's check would let it through, as ""
// equals "".
func TestCSRFNoHost(t *testing.T) {
	t.Parallel()
	var ran atomic.Int64
	base := csrfApp(t, framework.CSRF{}, &ran)
	for _, tt := range []struct {
		origin string
		status string
	}{
		{"null", "403"},
		{"http://evil.example", "403"},
		{"", "200"}, // a non-browser client
	} {
		conn, err := net.Dial("tcp", strings.TrimPrefix(base, "http://"))
		if err != nil {
			t.Fatal(err)
		}
		conn.SetDeadline(time.Now().Add(hang))
		req := "POST /form.py HTTP/1.0\r\nContent-Length: 0\r\n"
		if tt.origin != "" {
			req += "Origin: " + tt.origin + "\r\n"
		}
		fmt.Fprint(conn, req+"\r\n")
		line, err := bufio.NewReader(conn).ReadString('\n')
		conn.Close()
		if err != nil {
			t.Fatal(err)
		}
		if f := strings.Fields(line); len(f) < 2 || f[1] != tt.status {
			t.Errorf("HTTP/1.0 without Host, Origin %q: %q; want %s", tt.origin, line, tt.status)
		}
	}
}

// TestCSRFErrorCause: the protection is outside every middleware added
// with Use, so none of them runs for a refused request; the refusal is a
// 403 *StatusError whose cause is ErrCrossOrigin.
func TestCSRFErrorCause(t *testing.T) {
	t.Parallel()
	app, err := framework.New(framework.Options{Templates: "testdata/csrf", Log: quiet})
	if err != nil {
		t.Fatal(err)
	}
	defer app.Close()
	var ran atomic.Int64
	app.Use(func(next framework.HandlerFunc) framework.HandlerFunc {
		return func(r *framework.Request) (*framework.Response, error) {
			ran.Add(1)
			return next(r)
		}
	})
	app.Page("POST", "/form.py", "page.html", nil)
	base := serve(t, app)
	csrfSend(t, "POST", base+"/form.py", "Origin", "https://evil.example")
	if n := ran.Load(); n != 0 {
		t.Errorf("a middleware ran %d times for a refused request", n)
	}

	mw, err := framework.CSRF{}.Middleware()
	if err != nil {
		t.Fatal(err)
	}
	env := gatewaytest.NewEnviron("POST", "/form.py", nil)
	env.Header = append(env.Header, gateway.Field{Name: "Origin", Value: "https://evil.example"})
	_, err = mw(func(*framework.Request) (*framework.Response, error) { return nil, nil })(
		&framework.Request{Method: "POST", Path: "/form.py", Header: env.Header, Env: env})
	var se *framework.StatusError
	if !errors.As(err, &se) || se.Code != 403 || !errors.Is(err, framework.ErrCrossOrigin) {
		t.Errorf("the refusal: %v; want a 403 *StatusError wrapping ErrCrossOrigin", err)
	}
}

// TestCSRFConfig: a malformed trusted origin or exempt path is an error
// from Middleware that names it; a valid one is not.
func TestCSRFConfig(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		csrf    framework.CSRF
		wantErr string // "" for none
	}{
		{"zero value", framework.CSRF{}, ""},
		{"origin", framework.CSRF{TrustedOrigins: []string{"https://example.com"}}, ""},
		{"origin with port", framework.CSRF{TrustedOrigins: []string{"http://localhost:8080"}}, ""},
		{"origin with IPv6 host", framework.CSRF{TrustedOrigins: []string{"http://[::1]:8080"}}, ""},
		{"origin in capitals", framework.CSRF{TrustedOrigins: []string{"HTTPS://EXAMPLE.COM"}}, ""},
		{"exempt paths", framework.CSRF{ExemptPaths: []string{"/hooks/github.py", "/hooks/{name}.py"}}, ""},

		{"empty origin", framework.CSRF{TrustedOrigins: []string{""}}, `trusted origin "": empty`},
		{"no scheme", framework.CSRF{TrustedOrigins: []string{"example.com"}}, `trusted origin "example.com": no scheme`},
		{"no host", framework.CSRF{TrustedOrigins: []string{"https://"}}, `trusted origin "https://": no host`},
		{"null", framework.CSRF{TrustedOrigins: []string{"null"}}, `trusted origin "null": no scheme`},
		{"opaque", framework.CSRF{TrustedOrigins: []string{"mailto:a@example.com"}}, `"mailto:a@example.com": no host`},
		{"trailing slash", framework.CSRF{TrustedOrigins: []string{"https://example.com/"}}, `"https://example.com/": a path, query or fragment`},
		{"path", framework.CSRF{TrustedOrigins: []string{"https://example.com/app"}}, "a path, query or fragment"},
		{"query", framework.CSRF{TrustedOrigins: []string{"https://example.com?x=1"}}, "a path, query or fragment"},
		{"empty query", framework.CSRF{TrustedOrigins: []string{"https://example.com?"}}, "a path, query or fragment"},
		{"fragment", framework.CSRF{TrustedOrigins: []string{"https://example.com#top"}}, "a path, query or fragment"},
		{"user info", framework.CSRF{TrustedOrigins: []string{"https://me@example.com"}}, "user info"},
		{"space in host", framework.CSRF{TrustedOrigins: []string{"https://ex ample.com"}}, "not a URL"},
		{"bad port", framework.CSRF{TrustedOrigins: []string{"https://example.com:https"}}, "not a URL"},
		{"empty port", framework.CSRF{TrustedOrigins: []string{"https://example.com:"}}, "empty port"},
		{"unicode host", framework.CSRF{TrustedOrigins: []string{"https://bücher.example"}}, "ASCII (xn--) form"},
		{"second of two", framework.CSRF{TrustedOrigins: []string{"https://ok.example", "ok.example"}}, `"ok.example": no scheme`},
		{"exempt path without slash", framework.CSRF{ExemptPaths: []string{"hooks/x.py"}}, `exempt path "hooks/x.py": pattern must begin with '/'`},
		{"exempt path bad name", framework.CSRF{ExemptPaths: []string{"/hooks/{1x}.py"}}, `exempt path "/hooks/{1x}.py": parameter name must be an identifier`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			mw, err := tt.csrf.Middleware()
			if tt.wantErr == "" {
				if err != nil || mw == nil {
					t.Errorf("Middleware() = %v, %v; want a middleware", mw != nil, err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) || !strings.HasPrefix(err.Error(), "framework: CSRF ") {
				t.Errorf("Middleware() error %v; want one containing %q", err, tt.wantErr)
			}
			if mw != nil {
				t.Error("a middleware with the error")
			}
		})
	}
}

// ExampleCSRF shows the protection installed, with a webhook exempt, and
// the error of a trusted origin written as a URL.
func ExampleCSRF() {
	app, err := framework.New(framework.Options{Templates: "testdata/csrf", CSRF: framework.CSRF{
		TrustedOrigins: []string{"https://admin.example.com"},
		ExemptPaths:    []string{"/hooks/{name}.py"}, // called by other sites' servers
	}})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer app.Close()

	_, err = framework.CSRF{TrustedOrigins: []string{"https://admin.example.com/"}}.Middleware()
	fmt.Println(err)
	// Output:
	// framework: CSRF trusted origin "https://admin.example.com/": a path, query or fragment is not part of an origin; an origin is a scheme, a host and an optional port, such as "https://example.com" or "http://localhost:8080"
}
