package e2e

import (
	"bytes"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/miniweb/miniweb/server/gatewayhttp"
	"github.com/miniweb/miniweb/sites"
)

// The sites under net/http's server (through gatewayhttp.Handler) and a
// net/http mux mounted in a site, on the engine.

// TestDemoUnderNetHTTP: the demo site answers the same under net/http's
// server, HTTP/1.1 and HTTP/2 over TLS, as under ours: same status, same
// type, same body.
func TestDemoUnderNetHTTP(t *testing.T) {
	t.Parallel()
	logs := &syncBuffer{}
	logger := slog.New(slog.NewTextHandler(logs, nil))
	app := buildSite(t, "demo", sites.Options{Templates: copyTemplates(t), Log: logger, Session: sites.SessionOptions{Secret: testSessionSecret}})

	ours := startServer(t, app, nil)
	handler := gatewayhttp.Handler(app)
	handler.Log = logger
	h1 := httptest.NewServer(handler)
	t.Cleanup(h1.Close)
	h2 := httptest.NewUnstartedServer(handler)
	h2.EnableHTTP2 = true
	h2.StartTLS()
	t.Cleanup(h2.Close)
	oursClient := &http.Client{Transport: &http.Transport{}}
	t.Cleanup(oursClient.CloseIdleConnections)

	servers := []struct {
		name   string
		base   string
		client *http.Client
		major  int
	}{
		{"miniweb", "http://" + ours.addr, oursClient, 1},
		{"net/http", h1.URL, h1.Client(), 1},
		{"net/http h2", h2.URL, h2.Client(), 2},
	}
	for _, tt := range []struct{ method, target string }{
		{"GET", "/index.py"},
		{"GET", "/about.py"},
		{"GET", "/center.py"},
		{"GET", "/center.py?sort=price"},
		{"GET", "/contact.py"},
		{"GET", "/single.py"},
		{"GET", "/login.py"},
		{"GET", "/stock/600519.py"},
		{"GET", "/stock/999999.py"}, // 404 from the site
		{"GET", "/nothing.py"},      // 404 from the router
		{"POST", "/about.py"},       // 405
		{"HEAD", "/about.py"},
	} {
		type answer struct {
			code               int
			ctype, allow, body string
			length             int64
		}
		var first answer
		for i, s := range servers {
			req, _ := http.NewRequest(tt.method, s.base+tt.target, nil)
			resp, err := s.client.Do(req)
			if err != nil {
				t.Fatalf("%s %s %s: %v", s.name, tt.method, tt.target, err)
			}
			b, err := io.ReadAll(resp.Body)
			resp.Body.Close()
			if err != nil {
				t.Fatalf("%s %s %s: reading the body: %v", s.name, tt.method, tt.target, err)
			}
			if resp.ProtoMajor != s.major {
				t.Errorf("%s: HTTP/%d; want HTTP/%d", s.name, resp.ProtoMajor, s.major)
			}
			got := answer{resp.StatusCode, resp.Header.Get("Content-Type"), resp.Header.Get("Allow"), string(b), resp.ContentLength}
			if i == 0 {
				first = got
				if got.code == 200 && tt.method == "GET" && len(got.body) < 100 {
					t.Errorf("%s %s: a %d-byte page", tt.method, tt.target, len(got.body))
				}
				continue
			}
			if got != first {
				t.Errorf("%s %s %s:\n got %d %q allow %q length %d, %d bytes\nwant %d %q allow %q length %d, %d bytes (miniweb)",
					s.name, tt.method, tt.target, got.code, got.ctype, got.allow, got.length, len(got.body),
					first.code, first.ctype, first.allow, first.length, len(first.body))
			}
		}
	}
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("site log:\n%s", logs)
		}
	})
}

// TestMountSite: the mount site on our server: the net/http mux under
// /api/ (streaming included) next to the demo's pages, all through the
// ".py" suffix.
func TestMountSite(t *testing.T) {
	t.Parallel()
	app := buildSite(t, "mount", sites.Options{Templates: copyTemplates(t), Session: sites.SessionOptions{Secret: testSessionSecret}})
	ts := startServer(t, app, map[string]string{"style.css": "body{}"})
	base := "http://" + ts.addr
	for _, tt := range []exchangeCase{
		{target: "/api/hello.py", code: 200, want: "Hello, World!", wantHeader: map[string]string{"Content-Length": "13"}},
		{target: "/api/time.py", code: 200, want: `{"time":"`, wantHeader: map[string]string{"Content-Type": "application/json"}},
		{method: "POST", target: "/api/echo.py", header: []string{"Content-Type", "text/plain"}, body: "hi", code: 200,
			want: `{"body":"hi","content_type":"text/plain","method":"POST"}`},
		{target: "/index.py", code: 200, want: "<html"},
		{target: "/style.css", code: 200, want: "body{}"},
	} {
		tt.run(t, base)
	}

	// The events are streamed: the first reaches the client before the
	// stream ends (the site waits between them), and all three come.
	c := ts.dial(t)
	c.send("GET /api/events.py HTTP/1.1\r\nHost: x\r\n\r\n")
	var all []byte
	buf := make([]byte, 64<<10)
	for !bytes.Contains(all, []byte("data: tick 1")) {
		n, err := c.Read(buf)
		all = append(all, buf[:n]...)
		if err != nil {
			t.Fatalf("reading the first event: %v (got %q)", err, all)
		}
	}
	if bytes.Contains(all, []byte("\r\n0\r\n\r\n")) {
		t.Errorf("the first event came with the end of the stream: buffered, not streamed:\n%s", all)
	}
	for !bytes.HasSuffix(all, []byte("\r\n0\r\n\r\n")) {
		n, err := c.Read(buf)
		all = append(all, buf[:n]...)
		if err != nil {
			t.Fatalf("reading the events: %v (got %q)", err, all)
		}
	}
	if !bytes.Contains(all, []byte("data: tick 2")) || !bytes.Contains(all, []byte("data: tick 3")) {
		t.Errorf("want the 3 events:\n%s", all)
	}
}
