package httpserver

import (
	"bufio"
	"encoding/json"
	"expvar"
	"fmt"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/http/pprof"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/miniweb/miniweb/server/gatewayhttp"
	"github.com/miniweb/miniweb/server/internal/testnet"
)

// The tests in this file serve net/http handlers that no one here wrote,
// unchanged, through gatewayhttp.FromHandler on our server over real sockets;
// and our sites through gateway.Handler on net/http's server.

// allPaths sends every request to the application, as net/http's server
// sends every request to its one Handler.
func allPaths(s *Server) { s.AppPath = func(string) bool { return true } }

// startHandler serves h on our server, every path.
func startHandler(t *testing.T, h http.Handler) *testServer {
	t.Helper()
	return startServer(t, gatewayhttp.FromHandler(h), nil, allPaths)
}

// exchangeCase is one request and what its response must show.
type exchangeCase struct {
	method, target string
	header         []string // name, value, ...
	body           string   // request body
	code           int
	want           string            // a substring of the response body
	wantHeader     map[string]string // fields and values; "" for absent
}

func (tt exchangeCase) run(t *testing.T, base string) {
	t.Helper()
	method := tt.method
	if method == "" {
		method = "GET"
	}
	var body io.Reader
	if tt.body != "" {
		body = strings.NewReader(tt.body)
	}
	resp, got := testnet.Fetch(t, method, base+tt.target, body, tt.header...)
	if resp.StatusCode != tt.code {
		t.Errorf("%s %s: %d; want %d (body %q)", method, tt.target, resp.StatusCode, tt.code, got)
	}
	if !strings.Contains(got, tt.want) {
		t.Errorf("%s %s: body %q does not hold %q", method, tt.target, got, tt.want)
	}
	for k, v := range tt.wantHeader {
		if g := resp.Header.Get(k); g != v {
			t.Errorf("%s %s: %s = %q; want %q", method, tt.target, k, g, v)
		}
	}
}

func TestInteropServeMux(t *testing.T) {
	t.Parallel()
	mux := http.NewServeMux()
	mux.HandleFunc("GET /items/{id}", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintf(w, "item %s", r.PathValue("id"))
	})
	mux.HandleFunc("POST /items", func(w http.ResponseWriter, r *http.Request) {
		r.ParseForm()
		w.Header().Set("Location", "/items/"+r.PostForm.Get("name"))
		w.WriteHeader(http.StatusCreated)
	})
	mux.HandleFunc("/dir/", func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "dir "+r.URL.Path) })
	mux.HandleFunc("example.com/host", func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "host "+r.Host) })
	ts := startHandler(t, mux)
	base := "http://" + ts.addr
	for _, tt := range []exchangeCase{
		{target: "/items/42", code: 200, want: "item 42",
			wantHeader: map[string]string{"Content-Length": "7", "Content-Type": "text/plain; charset=utf-8", "Server": "miniweb-test"}},
		{target: "/items/a%2Fb", code: 200, want: "item a/b"}, // the raw path reaches the mux
		{method: "HEAD", target: "/items/42", code: 200, wantHeader: map[string]string{"Content-Length": "7"}},
		{method: "DELETE", target: "/items/42", code: 405, want: "Method Not Allowed",
			wantHeader: map[string]string{"Allow": "GET, HEAD"}},
		{method: "POST", target: "/items", header: []string{"Content-Type", "application/x-www-form-urlencoded"},
			body: "name=ada", code: 201, wantHeader: map[string]string{"Location": "/items/ada", "Content-Length": "0"}},
		{target: "/dir", code: 307, wantHeader: map[string]string{"Location": "/dir/"}}, // Go 1.26's mux: 307
		{target: "/dir/a/../b", code: 307, wantHeader: map[string]string{"Location": "/dir/b"}},
		{target: "/dir/x?q=1", code: 200, want: "dir /dir/x"},
		{target: "/host", header: []string{"Host", "example.com"}, code: 200, want: "host example.com"},
		{target: "/nothing", code: 404, want: "404 page not found"},
	} {
		tt.run(t, base)
	}
}

func TestInteropFileServer(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	for name, content := range map[string]string{
		"hello.txt":      "Hello, files!\n",
		"sub/index.html": "<!doctype html><title>sub</title>",
	} {
		p := filepath.Join(dir, filepath.FromSlash(name))
		os.MkdirAll(filepath.Dir(p), 0o755)
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	modTime := time.Date(2020, 1, 2, 3, 4, 5, 0, time.UTC)
	os.Chtimes(filepath.Join(dir, "hello.txt"), modTime, modTime)
	mux := http.NewServeMux()
	mux.Handle("/files/", http.StripPrefix("/files/", http.FileServer(http.Dir(dir))))
	ts := startHandler(t, mux)
	base := "http://" + ts.addr
	for _, tt := range []exchangeCase{
		{target: "/files/hello.txt", code: 200, want: "Hello, files!\n", wantHeader: map[string]string{
			"Content-Length": "14", "Content-Type": "text/plain; charset=utf-8", "Last-Modified": modTime.Format(http.TimeFormat)}},
		{target: "/files/hello.txt", header: []string{"Range", "bytes=0-4"}, code: 206, want: "Hello",
			wantHeader: map[string]string{"Content-Range": "bytes 0-4/14", "Content-Length": "5"}},
		{target: "/files/hello.txt", header: []string{"If-Modified-Since", modTime.Format(http.TimeFormat)}, code: 304,
			wantHeader: map[string]string{"Content-Length": "", "Content-Type": ""}},
		{target: "/files/", code: 200, want: `<a href="hello.txt">hello.txt</a>`},
		{target: "/files/sub/", code: 200, want: "<title>sub</title>", wantHeader: map[string]string{"Content-Type": "text/html; charset=utf-8"}},
		{target: "/files/sub/index.html", code: 301, wantHeader: map[string]string{"Location": "./"}},
		{target: "/files/missing", code: 404, want: "404 page not found"},
	} {
		tt.run(t, base)
	}

	// Hostile paths, sent raw: nothing outside the folder.
	for _, target := range []string{"/files/../../../etc/passwd", "/files/..%2f..%2f..%2fetc/passwd", "/files/%2e%2e/%2e%2e/etc/passwd"} {
		c := ts.dial(t)
		c.send("GET " + target + " HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
		resp := c.response("GET")
		if b := bodyOf(t, resp); strings.Contains(b, "root:") || resp.StatusCode == 200 {
			t.Errorf("GET %s: %d %q", target, resp.StatusCode, b)
		}
	}
}

func TestInteropPprof(t *testing.T) {
	t.Parallel()
	mux := http.NewServeMux()
	mux.HandleFunc("/debug/pprof/", pprof.Index)
	mux.HandleFunc("/debug/pprof/cmdline", pprof.Cmdline)
	ts := startHandler(t, mux)
	base := "http://" + ts.addr
	for _, tt := range []exchangeCase{
		{target: "/debug/pprof/", code: 200, want: "Types of profiles available",
			wantHeader: map[string]string{"Content-Type": "text/html; charset=utf-8"}},
		{target: "/debug/pprof/goroutine?debug=1", code: 200, want: "goroutine profile: total",
			wantHeader: map[string]string{"Content-Type": "text/plain; charset=utf-8"}},
		{target: "/debug/pprof/heap?debug=1", code: 200, want: "heap profile:"},
		{target: "/debug/pprof/cmdline", code: 200, want: filepath.Base(os.Args[0])},
		{target: "/debug/pprof/nosuch", code: 404, want: "Unknown profile"},
	} {
		tt.run(t, base)
	}
}

// interopVar is published once per test binary: expvar panics on a second
// Publish of a name.
var interopVar = expvar.NewString("interop_test")

func TestInteropExpvar(t *testing.T) {
	t.Parallel()
	interopVar.Set("here")
	ts := startHandler(t, expvar.Handler())
	resp, body := testnet.Fetch(t, "GET", "http://"+ts.addr+"/debug/vars", nil)
	if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "application/json; charset=utf-8" {
		t.Fatalf("%d %q", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	var vars map[string]json.RawMessage
	if err := json.Unmarshal([]byte(body), &vars); err != nil {
		t.Fatalf("not JSON: %v\n%s", err, body)
	}
	for _, k := range []string{"cmdline", "memstats", "interop_test"} {
		if _, ok := vars[k]; !ok {
			t.Errorf("no %q in /debug/vars", k)
		}
	}
}

func TestInteropReverseProxy(t *testing.T) {
	t.Parallel()
	ts := startServer(t, nil, nil, allPaths) // first: its cleanup, the goroutine check, runs last
	backend := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/stream" {
			for i := range 3 {
				fmt.Fprintf(w, "part %d\n", i)
				w.(http.Flusher).Flush()
				time.Sleep(20 * time.Millisecond)
			}
			return
		}
		body, _ := io.ReadAll(r.Body)
		w.Header().Set("X-Backend", "yes")
		w.Header().Set("Connection", "X-Private") // hop-by-hop: the proxy drops both
		w.Header().Set("X-Private", "secret")
		fmt.Fprintf(w, "%s %s %s xff=%s body=%q", r.Method, r.URL.Path, r.URL.RawQuery, r.Header.Get("X-Forwarded-For"), body)
	}))
	t.Cleanup(backend.Close)
	target, _ := url.Parse(backend.URL)
	proxy := httputil.NewSingleHostReverseProxy(target)
	transport := &http.Transport{}
	proxy.Transport = transport
	proxy.ErrorLog = log.New(io.Discard, "", 0) // the dead backend below is on purpose
	t.Cleanup(transport.CloseIdleConnections)
	ts.App = gatewayhttp.FromHandler(proxy)

	base := "http://" + ts.addr
	for _, tt := range []exchangeCase{
		{target: "/a/b?x=1", code: 200, want: `GET /a/b x=1 xff=127.0.0.1 body=""`,
			wantHeader: map[string]string{"X-Backend": "yes", "X-Private": "", "Connection": ""}},
		{method: "POST", target: "/post", body: "payload", code: 200, want: `POST /post  xff=127.0.0.1 body="payload"`},
		{target: "/stream", code: 200, want: "part 0\npart 1\npart 2\n"},
	} {
		tt.run(t, base)
	}

	backend.Close() // a dead backend: the proxy answers 502
	resp, _ := testnet.Fetch(t, "GET", base+"/gone", nil)
	if resp.StatusCode != http.StatusBadGateway {
		t.Errorf("dead backend: %d; want 502", resp.StatusCode)
	}
}

// A handler that writes and flushes ten chunks reaches the client chunk
// by chunk: the handler writes each only after the client has read the
// one before, so none can wait in a buffer for the next.
func TestInteropStreaming(t *testing.T) {
	t.Parallel()
	read := make(chan int) // the client has read chunk i
	ts := startHandler(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		for i := range 10 {
			if i > 0 {
				select {
				case <-read:
				case <-r.Context().Done():
					return
				}
			}
			fmt.Fprintf(w, "chunk %d\n", i)
			w.(http.Flusher).Flush()
		}
	}))
	c := ts.dial(t)
	c.send("GET /ticks HTTP/1.1\r\nHost: x\r\n\r\n")
	resp, err := http.ReadResponse(c.br, &http.Request{Method: "GET"})
	if err != nil {
		t.Fatal(err)
	}
	if resp.ContentLength != -1 || len(resp.TransferEncoding) != 1 || resp.TransferEncoding[0] != "chunked" {
		t.Errorf("length %d, transfer encoding %q; want chunked", resp.ContentLength, resp.TransferEncoding)
	}
	br := bufio.NewReader(resp.Body)
	for i := range 10 {
		line, err := br.ReadString('\n')
		if want := fmt.Sprintf("chunk %d\n", i); err != nil || line != want {
			t.Fatalf("chunk %d: %q, %v; want %q", i, line, err, want)
		}
		if i < 9 {
			select {
			case read <- i:
			case <-time.After(patience):
				t.Fatalf("the handler did not wait for chunk %d to be read", i)
			}
		}
	}
	if rest, err := io.ReadAll(br); err != nil || len(rest) != 0 {
		t.Errorf("after the ten chunks: %q, %v; want the end", rest, err)
	}
}

// The request's context ends when the client goes away mid-stream.
func TestInteropClientGone(t *testing.T) {
	t.Parallel()
	cancelled := make(chan error, 1)
	ts := startHandler(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, "waiting\n")
		w.(http.Flusher).Flush()
		select {
		case <-r.Context().Done():
			cancelled <- r.Context().Err()
		case <-time.After(patience):
			cancelled <- nil
		}
	}))
	c := ts.dial(t)
	c.send("GET /wait HTTP/1.1\r\nHost: x\r\n\r\n")
	if line, err := c.br.ReadString('\n'); err != nil || !strings.HasPrefix(line, "HTTP/1.1 200") {
		t.Fatalf("status line %q, %v", line, err)
	}
	c.Close()
	if err := <-cancelled; err == nil {
		t.Fatal("the handler's context was not cancelled when the client left")
	}
}

func TestInteropFailures(t *testing.T) {
	t.Parallel()
	mux := http.NewServeMux()
	mux.HandleFunc("/panic", func(w http.ResponseWriter, r *http.Request) { panic("handler exploded") })
	mux.HandleFunc("/panic-late", func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, "partial")
		w.(http.Flusher).Flush()
		panic("late explosion")
	})
	mux.HandleFunc("/hijack", func(w http.ResponseWriter, r *http.Request) {
		if _, _, err := http.NewResponseController(w).Hijack(); err != nil {
			http.Error(w, err.Error(), http.StatusNotImplemented)
		}
	})
	mux.HandleFunc("/short", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Length", "10")
		io.WriteString(w, "12345")
	})
	mux.HandleFunc("/code600", func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(600) })
	ts := startHandler(t, mux)
	base := "http://" + ts.addr

	for _, tt := range []exchangeCase{
		{target: "/panic", code: 500, want: "Internal Server Error"},
		{target: "/hijack", code: 501, want: "feature not supported"},
		{target: "/code600", code: 500},
	} {
		tt.run(t, base)
	}
	for _, want := range []string{"application panicked", "handler exploded", "interop_test.go", "out of range 200-599"} {
		if !strings.Contains(ts.log.String(), want) {
			t.Errorf("log does not say %q", want)
		}
	}

	// After the head: the response is cut, never complete-looking.
	for _, target := range []string{"/panic-late", "/short"} {
		c := ts.dial(t)
		c.send("GET " + target + " HTTP/1.1\r\nHost: x\r\n\r\n")
		resp, err := http.ReadResponse(c.br, nil)
		if err != nil {
			t.Fatal(err)
		}
		b, err := io.ReadAll(resp.Body)
		if err == nil {
			t.Errorf("%s: body %q read in full; want it cut short", target, b)
		}
		if !c.closed() {
			t.Errorf("%s: connection left open", target)
		}
	}
}

func TestInteropBodies(t *testing.T) {
	t.Parallel()
	big := strings.Repeat("0123456789", 10<<10) // 100 KiB: more than the adapter buffers
	ts := startHandler(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/echo":
			b, err := io.ReadAll(r.Body)
			if err != nil {
				http.Error(w, err.Error(), 400)
				return
			}
			fmt.Fprintf(w, "len=%d te=%v body=%s", r.ContentLength, r.TransferEncoding, b)
		case "/big":
			io.WriteString(w, big)
		}
	}))
	base := "http://" + ts.addr
	for _, tt := range []exchangeCase{
		{method: "POST", target: "/echo", body: "hello", code: 200, want: "len=5 te=[] body=hello"},
		{target: "/big", code: 200, want: big, wantHeader: map[string]string{"Content-Length": ""}},
	} {
		tt.run(t, base)
	}

	// A chunked request body, and Expect: 100-continue, on one connection.
	c := ts.dial(t)
	c.send("POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n")
	if b := bodyOf(t, c.response("POST")); b != "len=-1 te=[chunked] body=hello world" {
		t.Errorf("chunked: %q", b)
	}
	c.send("POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\nExpect: 100-continue\r\n\r\n")
	if line, _ := c.br.ReadString('\n'); !strings.HasPrefix(line, "HTTP/1.1 100 Continue") {
		t.Fatalf("want 100 Continue first; got %q", line)
	}
	c.br.ReadString('\n') // the blank line that ends the interim response
	c.send("ok")
	if b := bodyOf(t, c.response("POST")); b != "len=2 te=[] body=ok" {
		t.Errorf("expect-continue: %q", b)
	}
	// Keep-alive held through both; the last response, chunked, ends whole
	// on a closing connection.
	c.send("GET /big HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
	if b := bodyOf(t, c.response("GET")); b != big {
		t.Errorf("big: %d bytes", len(b))
	}
}

func TestAppPath(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		suffix  string
		appPath func(string) bool
		path    string
		want    bool
	}{
		{".py", nil, "/index.py", true},
		{".py", nil, "/style.css", false},
		{"", nil, "/index.py", false}, // no suffix, no AppPath: all static
		{".py", func(p string) bool { return strings.HasPrefix(p, "/api/") }, "/api/x", true},
		{".py", func(p string) bool { return strings.HasPrefix(p, "/api/") }, "/index.py", false}, // AppPath decides alone
	} {
		s := &Server{Suffix: tt.suffix, AppPath: tt.appPath}
		if got := s.toApp(tt.path); got != tt.want {
			t.Errorf("Suffix %q, AppPath set %v: toApp(%q) = %v; want %v", tt.suffix, tt.appPath != nil, tt.path, got, tt.want)
		}
	}

	// End to end: the application gets /api/, the static folder the rest.
	api := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "api "+r.URL.Path) })
	ts := startServer(t, gatewayhttp.FromHandler(api), map[string]string{"index.html": "static index"}, func(s *Server) {
		s.AppPath = func(p string) bool { return strings.HasPrefix(p, "/api/") }
	})
	base := "http://" + ts.addr
	for _, tt := range []exchangeCase{
		{target: "/api/items", code: 200, want: "api /api/items"},
		{target: "/index.html", code: 200, want: "static index"},
	} {
		tt.run(t, base)
	}
}
