package httpserver

import (
	"bufio"
	"context"
	"crypto/tls"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptrace"
	"net/netip"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/miniweb/miniweb/server/gateway"
)

// The tests of the one front door: the same requests over HTTP/1.1 and
// HTTP/2 (TLS, net/http's client) must meet the same dispatcher, and so
// give the application the same environ, the client the same header
// fields, and the access log the same line but for the protocol.

// environApp answers /env.py with the environ it was given, one line per
// part, header fields by lower-case name in sorted order, SERVER_PROTOCOL
// apart (the one part that differs); /panic.py panics; /body.py reads the
// body and says how much it got, or its error.
var environApp = gateway.AppFunc(func(env *gateway.Environ, start gateway.StartResponse) gateway.Body {
	switch env.Path {
	case "/panic.py":
		panic("the application broke")
	case "/body.py":
		n, err := io.Copy(io.Discard, env.Body)
		start("200 OK", plain)
		return gateway.Bytes(fmt.Appendf(nil, "read %d, %v", n, err))
	}
	host, _, _ := net.SplitHostPort(env.RemoteAddr)
	if host == "" {
		host = env.RemoteAddr // a proxy's client without a port
	}
	peer, _, _ := net.SplitHostPort(env.PeerAddr)
	var b strings.Builder
	fmt.Fprintf(&b, "method=%s\npath=%s\nraw=%s\nquery=%s\nname=%s\nport=%s\nremote=%s\npeer=%s\nscheme=%s\nhost=%s\nlength=%d\n",
		env.Method, env.Path, env.RawPath, env.Query, env.ServerName, env.ServerPort, host, peer, env.Scheme, env.Host, env.ContentLength)
	var fields []string
	for _, f := range env.Header {
		fields = append(fields, strings.ToLower(f.Name)+": "+f.Value)
	}
	slices.Sort(fields)
	b.WriteString(strings.Join(fields, "\n"))
	body, _ := io.ReadAll(env.Body)
	fmt.Fprintf(&b, "\nbody=%q\nproto=%s", body, env.Protocol)
	start("200 OK", []gateway.Field{{Name: "Content-Type", Value: "text/plain; charset=utf-8"}, {Name: "X-Answer", Value: "environ"}})
	return gateway.Bytes([]byte(b.String()))
})

// exchangeResult is what a client saw of one request, and the access line
// the server wrote for it.
type exchangeResult struct {
	proto  string
	status int
	header http.Header
	body   string
	line   string
}

// do sends a request over HTTP/2 (h2) or HTTP/1.1 with client, and returns
// the answer, and the access-log line it made, read from the log's new
// bytes since mark (the log is flushed and waited for).
func (ts *tlsTestServer) do(t *testing.T, client *http.Client, method, target, body string, header map[string]string) exchangeResult {
	t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, "https://"+ts.addr+"/", rd)
	if err != nil {
		t.Fatal(err)
	}
	req.URL.Opaque, req.URL.RawQuery, _ = strings.Cut(target, "?") // the target as it is
	for k, v := range header {
		req.Header.Set(k, v)
	}
	before := len(ts.access.String())
	resp, err := client.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, target, err)
	}
	b := bodyOf(t, resp)
	resp.Body.Close()
	var line string
	if !waitFor(patience, func() bool {
		ts.alog.Load().flush()
		line = strings.TrimSuffix(ts.access.String()[before:], "\n")
		return line != ""
	}) {
		t.Fatalf("%s %s over %s: no access-log line", method, target, resp.Proto)
	}
	return exchangeResult{proto: resp.Proto, status: resp.StatusCode, header: resp.Header, body: b, line: line}
}

// logTimes matches the parts of a Combined Log Format line that change
// from one request to the next: the time and the duration.
var logTimes = regexp.MustCompile(`\[[^]]*\]|[0-9.]+$`)

// sameButProtocol fails unless a (over HTTP/1.1) and b (over HTTP/2) are
// the same answer: status, body and header fields (Date's value aside),
// and access lines equal but for their times and protocol.
func sameButProtocol(t *testing.T, a, b exchangeResult) {
	t.Helper()
	if a.proto != "HTTP/1.1" || b.proto != "HTTP/2.0" {
		t.Fatalf("protocols %s and %s; want HTTP/1.1 and HTTP/2.0", a.proto, b.proto)
	}
	if a.status != b.status {
		t.Errorf("status %d over HTTP/1.1, %d over HTTP/2", a.status, b.status)
	}
	trim := func(s string) string {
		return strings.TrimSuffix(strings.TrimSuffix(s, "proto=HTTP/1.1"), "proto=HTTP/2.0")
	}
	if trim(a.body) != trim(b.body) {
		t.Errorf("body over HTTP/1.1:\n%s\nover HTTP/2:\n%s", a.body, b.body)
	}
	for _, h := range []http.Header{a.header, b.header} {
		if h.Get("Date") == "" {
			t.Errorf("no Date in %v", h)
		}
		if h.Get("Server") != "miniweb-test" {
			t.Errorf("Server %q; want miniweb-test", h.Get("Server"))
		}
	}
	ha, hb := a.header.Clone(), b.header.Clone()
	ha.Del("Date")
	hb.Del("Date")
	if fa, fb := fmt.Sprint(ha), fmt.Sprint(hb); fa != fb {
		t.Errorf("header fields over HTTP/1.1:\n%s\nover HTTP/2:\n%s", fa, fb)
	}
	la := logTimes.ReplaceAllString(a.line, "")
	lb := strings.Replace(logTimes.ReplaceAllString(b.line, ""), " HTTP/2.0\"", " HTTP/1.1\"", 1)
	if la != lb || !strings.Contains(b.line, " HTTP/2.0\" ") {
		t.Errorf("access lines differ but for the protocol:\nHTTP/1.1: %s\nHTTP/2:   %s", a.line, b.line)
	}
}

func TestFrontDoorSameOverBoth(t *testing.T) {
	t.Parallel()
	ts := startTLSServer(t, func(s *Server) {
		s.App = environApp
		s.Health.Path = "/healthz"
		s.Health.Log = true
	})
	h1, h2 := ts.client(t, false), ts.client(t, true)
	ua := map[string]string{"User-Agent": "frontdoor/1", "Referer": "https://example.org/from"}
	tests := []struct {
		name, method, target, body string
		want                       string // in the body
		status                     int
	}{
		{"app GET", "GET", "/env.py?a=1&b=%20", "", "query=a=1&b=%20\n", 200},
		{"app HEAD", "HEAD", "/env.py", "", "", 200},
		{"app POST", "POST", "/env.py", "x=1&y=2", `body="x=1&y=2"`, 200},
		{"app encoded path", "GET", "/a%20b/env.py", "", "path=/a b/env.py\nraw=/a%20b/env.py\n", 200},
		{"static", "GET", "/style.css", "", "body { color: teal }\n", 200},
		{"static HEAD", "HEAD", "/style.css", "", "", 200},
		{"static missing", "GET", "/nope.css", "", "<h1>404 Not Found</h1>", 404},
		{"health", "GET", "/healthz", "", "ok\n", 200},
		{"health POST", "POST", "/healthz", "x", "Method Not Allowed\n", 405},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := ts.do(t, h1, tt.method, tt.target, tt.body, ua)
			b := ts.do(t, h2, tt.method, tt.target, tt.body, ua)
			if a.status != tt.status || !strings.Contains(a.body, tt.want) {
				t.Errorf("over HTTP/1.1: %d %q; want %d with %q", a.status, a.body, tt.status, tt.want)
			}
			sameButProtocol(t, a, b)
		})
	}
}

// TestFrontDoorTrustedProxy checks that a trusted proxy's forwarding
// fields name the client over HTTP/2 as over HTTP/1.1, in the environ and
// in the access log, and that an untrusted peer's are ignored on both.
func TestFrontDoorTrustedProxy(t *testing.T) {
	t.Parallel()
	for _, trusted := range []bool{true, false} {
		t.Run(fmt.Sprintf("trusted=%v", trusted), func(t *testing.T) {
			t.Parallel()
			ts := startTLSServer(t, func(s *Server) {
				s.App = environApp
				if trusted {
					s.Proxies.Trusted = []netip.Prefix{netip.MustParsePrefix("127.0.0.1/32")}
				}
			})
			fwd := map[string]string{"User-Agent": "frontdoor/1", "X-Forwarded-For": "203.0.113.7", "X-Forwarded-Proto": "http"}
			want, scheme := "127.0.0.1", "https"
			if trusted {
				want, scheme = "203.0.113.7", "http"
			}
			a := ts.do(t, ts.client(t, false), "GET", "/env.py", "", fwd)
			b := ts.do(t, ts.client(t, true), "GET", "/env.py", "", fwd)
			sameButProtocol(t, a, b)
			for _, r := range []exchangeResult{a, b} {
				if !strings.Contains(r.body, "remote="+want+"\n") || !strings.Contains(r.body, "peer=127.0.0.1\n") ||
					!strings.Contains(r.body, "scheme="+scheme+"\n") {
					t.Errorf("over %s the application saw:\n%s\nwant remote=%s, peer=127.0.0.1, scheme=%s", r.proto, r.body, want, scheme)
				}
				if !strings.HasPrefix(r.line, want+" ") {
					t.Errorf("over %s the access line names %q; want %s", r.proto, r.line, want)
				}
			}
		})
	}
}

// TestFrontDoorH2Panic checks that a panicking application costs an
// HTTP/2 request alone: it gets a 500, the panic is logged with its stack,
// and the next request goes on the same connection.
func TestFrontDoorH2Panic(t *testing.T) {
	t.Parallel()
	ts := startTLSServer(t, func(s *Server) { s.App = environApp })
	client := ts.client(t, true)
	r := ts.do(t, client, "GET", "/panic.py", "", nil)
	if r.proto != "HTTP/2.0" || r.status != 500 || r.body != "Internal Server Error\n" {
		t.Errorf("panic over %s: %d %q; want HTTP/2.0 500", r.proto, r.status, r.body)
	}
	if !strings.Contains(r.line, `"GET /panic.py HTTP/2.0" 500 `) {
		t.Errorf("access line %q; want the 500", r.line)
	}
	if log := ts.log.String(); !strings.Contains(log, "application panicked") || !strings.Contains(log, "the application broke") {
		t.Errorf("panic not logged:\n%s", log)
	}
	var reused bool
	trace := &httptrace.ClientTrace{GotConn: func(i httptrace.GotConnInfo) { reused = i.Reused }}
	req, _ := http.NewRequestWithContext(httptrace.WithClientTrace(context.Background(), trace), "GET", "https://"+ts.addr+"/env.py", nil)
	resp, err := client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body := bodyOf(t, resp)
	resp.Body.Close()
	if resp.StatusCode != 200 || !strings.Contains(body, "proto=HTTP/2.0") || !reused {
		t.Errorf("after the panic: %d, reused connection %v, %q; want 200 on the same connection", resp.StatusCode, reused, body)
	}
}

// TestFrontDoorH2BodyLimit checks MaxBodyBytes over HTTP/2: a declared
// body over it is refused before the application runs, one of unknown
// length when it passes it; both 413, as over HTTP/1.1.
func TestFrontDoorH2BodyLimit(t *testing.T) {
	t.Parallel()
	ts := startTLSServer(t, func(s *Server) { s.App, s.MaxBodyBytes = environApp, 100 })
	client := ts.client(t, true)
	big := strings.Repeat("x", 101)
	tests := []struct {
		name   string
		body   io.Reader
		length int64
		status int
		want   string
	}{
		{"declared under", strings.NewReader(big[:100]), 100, 200, "read 100, <nil>"},
		{"declared over", strings.NewReader(big), 101, 413, "Content Too Large\n"},
		{"unknown under", io.MultiReader(strings.NewReader(big[:100])), -1, 200, "read 100, <nil>"},
		{"unknown over", io.MultiReader(strings.NewReader(big)), -1, 413, "Content Too Large\n"},
	}
	for _, tt := range tests {
		req, _ := http.NewRequest("POST", "https://"+ts.addr+"/body.py", tt.body)
		req.ContentLength = tt.length
		resp, err := client.Do(req)
		if err != nil {
			t.Fatalf("%s: %v", tt.name, err)
		}
		body := bodyOf(t, resp)
		resp.Body.Close()
		if resp.ProtoMajor != 2 || resp.StatusCode != tt.status || body != tt.want {
			t.Errorf("%s: %s %d %q; want HTTP/2.0 %d %q", tt.name, resp.Proto, resp.StatusCode, body, tt.status, tt.want)
		}
	}
}

// TestFrontDoorH2IdleAtCap checks that idle HTTP/2 connections are
// reclaimed at the cap as HTTP/1.1 ones are: with MaxConns 2 held by two
// idle HTTP/2 connections, newcomers over either protocol are served.
func TestFrontDoorH2IdleAtCap(t *testing.T) {
	t.Parallel()
	ts := startTLSServer(t, func(s *Server) { s.MaxConns, s.MaxConnsPerAddr = 2, -1 })
	for i := range 2 {
		r := ts.do(t, ts.client(t, true), "GET", "/hello.py", "", nil) // its own client: its own connection, left open
		if r.status != 200 || r.proto != "HTTP/2.0" {
			t.Fatalf("connection %d: %s %d", i, r.proto, r.status)
		}
	}
	for _, h2 := range []bool{true, false, true} {
		r := ts.do(t, ts.client(t, h2), "GET", "/hello.py", "", nil)
		if r.status != 200 || r.body != "Hello, World!" {
			t.Fatalf("newcomer over %s at the cap: %d %q", r.proto, r.status, r.body)
		}
	}
	if !strings.Contains(ts.log.String(), "connection cap reached") {
		t.Errorf("no episode at the cap logged:\n%s", ts.log)
	}
}

// TestTLSPlainHTTP checks that plain HTTP sent to the TLS port gets a
// 400 whose body says to use https, and that TLS clients are served as
// before.
func TestTLSPlainHTTP(t *testing.T) {
	t.Parallel()
	ts := startTLSServer(t)
	tests := []struct {
		name, send string
	}{
		{"GET", "GET / HTTP/1.1\r\nHost: localhost\r\n\r\n"},
		{"POST with a body", "POST /echo.py HTTP/1.1\r\nHost: localhost\r\nContent-Length: 5\r\n\r\nhello"},
		{"HTTP/1.0", "GET /index.html HTTP/1.0\r\n\r\n"},
		{"one byte", "G"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := ts.dial(t)
			c.send(tt.send)
			resp, err := http.ReadResponse(bufio.NewReader(c), nil)
			if err != nil {
				t.Fatalf("no answer: %v", err)
			}
			body := bodyOf(t, resp)
			if resp.StatusCode != 400 || body != "Client sent an HTTP request to an HTTPS server.\n" ||
				resp.Header.Get("Content-Type") != "text/plain; charset=utf-8" {
				t.Errorf("%d %v %q; want 400 saying to use https", resp.StatusCode, resp.Header, body)
			}
			if !c.closed() {
				t.Error("connection left open")
			}
		})
	}
	c, err := tls.Dial("tcp", ts.addr, &tls.Config{InsecureSkipVerify: true, NextProtos: []string{"http/1.1"}})
	if err != nil {
		t.Fatalf("TLS after plain clients: %v", err)
	}
	c.SetDeadline(time.Now().Add(patience))
	defer c.Close()
	rc := &rawConn{t: t, Conn: c, br: bufio.NewReader(c)}
	rc.send("GET /hello.py HTTP/1.1\r\nHost: localhost\r\n\r\n")
	if r := rc.response("GET"); r.StatusCode != 200 {
		t.Errorf("TLS request: %d", r.StatusCode)
	}
}

// TestH2C checks HTTP/2 with prior knowledge on a plain listener with H2C:
// the same dispatcher (environ, Server field, access line) as HTTP/1.1 on
// the same port; without H2C the preface is refused as any request line of
// HTTP/2.0 is (505).
func TestH2C(t *testing.T) {
	t.Parallel()
	for _, on := range []bool{true, false} {
		t.Run(fmt.Sprintf("H2C=%v", on), func(t *testing.T) {
			t.Parallel()
			ts := startServer(t, environApp, map[string]string{"style.css": "body { color: teal }\n"}, func(s *Server) { s.H2C = on })
			var p http.Protocols
			p.SetUnencryptedHTTP2(true)
			tr := &http.Transport{Protocols: &p}
			t.Cleanup(tr.CloseIdleConnections)
			client := &http.Client{Transport: tr, Timeout: patience}
			resp, err := client.Get("http://" + ts.addr + "/env.py?x=1")
			if !on {
				if err == nil {
					resp.Body.Close()
					t.Fatalf("HTTP/2 with prior knowledge without H2C: %s %d; want it refused", resp.Proto, resp.StatusCode)
				}
				c := ts.dial(t)
				c.send("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n")
				if r := c.response("GET"); r.StatusCode != 505 || !c.closed() {
					t.Errorf("the preface without H2C: %d; want 505 and the connection closed", r.StatusCode)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			body := bodyOf(t, resp)
			resp.Body.Close()
			if resp.Proto != "HTTP/2.0" || !strings.Contains(body, "scheme=http\n") || !strings.Contains(body, "query=x=1\n") ||
				!strings.HasSuffix(body, "proto=HTTP/2.0") || resp.Header.Get("Server") != "miniweb-test" {
				t.Errorf("over h2c: %s %v\n%s", resp.Proto, resp.Header, body)
			}
			for _, path := range []string{"/style.css", "/env.py"} { // the same connection, another stream
				resp, err := client.Get("http://" + ts.addr + path)
				if err != nil {
					t.Fatal(err)
				}
				bodyOf(t, resp)
				resp.Body.Close()
				if resp.Proto != "HTTP/2.0" || resp.StatusCode != 200 {
					t.Errorf("%s over h2c: %s %d", path, resp.Proto, resp.StatusCode)
				}
			}
			if !waitFor(patience, func() bool {
				ts.alog.Load().flush()
				return strings.Count(ts.access.String(), " HTTP/2.0\" 200 ") == 3
			}) {
				t.Errorf("access log:\n%s\nwant three HTTP/2.0 lines", ts.access)
			}
			// HTTP/1.1 on the same port, as before.
			c := ts.dial(t)
			c.send("GET /env.py HTTP/1.1\r\nHost: x\r\n\r\n")
			if r := c.response("GET"); r.StatusCode != 200 || !strings.HasSuffix(bodyOf(t, r), "proto=HTTP/1.1") {
				t.Errorf("HTTP/1.1 beside h2c: %d", r.StatusCode)
			}
		})
	}
}

// TestFrontDoorH2Metrics checks that HTTP/2 requests are counted in
// Server.Metrics by the same hook as HTTP/1.1's, under the same routes.
func TestFrontDoorH2Metrics(t *testing.T) {
	t.Parallel()
	m := &Metrics{}
	ts := startTLSServer(t, func(s *Server) { s.Metrics = m })
	for _, h2 := range []bool{true, false} {
		client := ts.client(t, h2)
		for _, path := range []string{"/hello.py", "/style.css", "/nope.css"} {
			ts.do(t, client, "GET", path, "", nil)
		}
	}
	counts := map[string]uint64{}
	m.Routes(func(rc *RouteCounts) { counts[rc.Route] = rc.Count() })
	if counts[RouteApp] != 2 || counts[RouteStatic] != 4 {
		t.Errorf("requests by route %v; want %s 2 and %s 4 (one of each over each protocol)", counts, RouteApp, RouteStatic)
	}
}

// TestFrontDoorH2BodyTimeout checks ReadBodyTimeout over HTTP/2: a body
// that stops coming fails the application's read (the stream is reset),
// as over HTTP/1.1, and the connection serves other streams; a body that
// came whole in time is answered however long the answer takes.
func TestFrontDoorH2BodyTimeout(t *testing.T) {
	t.Parallel()
	readErr := make(chan error, 1)
	app := gateway.AppFunc(func(env *gateway.Environ, start gateway.StartResponse) gateway.Body {
		_, err := io.ReadAll(env.Body)
		if env.Path == "/slow.py" {
			readErr <- err
		}
		if env.Path == "/late.py" {
			time.Sleep(300 * time.Millisecond) // the answer outlasts the body's timeout
		}
		start("200 OK", plain)
		return gateway.Bytes(fmt.Appendf(nil, "%v", err))
	})
	ts := startTLSServer(t, func(s *Server) { s.App, s.ReadBodyTimeout = app, 100*time.Millisecond })
	client := ts.client(t, true)
	pr, pw := io.Pipe()
	defer pw.Close()
	go pw.Write([]byte("a few bytes, then nothing"))
	req, _ := http.NewRequest("POST", "https://"+ts.addr+"/slow.py", pr)
	go func() {
		if resp, err := client.Do(req); err == nil {
			resp.Body.Close()
		}
	}()
	select {
	case err := <-readErr:
		if err == nil {
			t.Error("the application read a stalled body to its end; want an error")
		}
	case <-time.After(patience):
		t.Fatal("the stalled body's read did not fail")
	}
	resp, err := client.Post("https://"+ts.addr+"/late.py", "text/plain", strings.NewReader("whole"))
	if err != nil {
		t.Fatal(err)
	}
	body := bodyOf(t, resp)
	resp.Body.Close()
	if resp.ProtoMajor != 2 || resp.StatusCode != 200 || body != "<nil>" {
		t.Errorf("a whole body with a slow answer: %s %d %q; want HTTP/2.0 200 \"<nil>\"", resp.Proto, resp.StatusCode, body)
	}
}
