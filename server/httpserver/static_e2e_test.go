package httpserver

import (
	"bytes"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// The static files of the end-to-end tests. The secrets are outside the
// root or hidden in it: no response may ever carry them.
const (
	secretOutside = "SECRET-OUTSIDE-THE-ROOT"
	secretEnv     = "SECRET-DOTENV"
	secretGit     = "SECRET-GIT-CONFIG"
	aTxt          = "0123456789abcdefghijklmnopqrstuvwxyz"
	custom404     = "<!doctype html><title>gone</title><p>custom not found</p>\n"
)

// bigFile is 200 KiB with no repeating short pattern, so that a misplaced
// or dropped block shows; it is over the 16 KiB in-memory limit and goes
// out through ReadFrom (sendfile).
var bigFile = func() []byte {
	b := make([]byte, 200<<10)
	x := uint32(2463534242)
	for i := range b {
		x ^= x << 13
		x ^= x >> 17
		x ^= x << 5
		b[i] = byte(x)
	}
	return b
}()

// startStatic starts a server over a static root with an index, a folder,
// a custom 404 page, hidden files, a large file and a symlink leading out,
// with a secret file beside the root.
func startStatic(t *testing.T) *testServer {
	t.Helper()
	ts := startServer(t, newTestApp(), map[string]string{
		"index.html":     "<h1>home</h1>\n",
		"sub/index.html": "<h1>sub</h1>\n",
		"a.txt":          aTxt,
		"big.bin":        string(bigFile),
		"404.html":       custom404,
		".env":           secretEnv,
		".git/config":    secretGit,
	})
	outside := filepath.Join(filepath.Dir(ts.root), "secret.txt")
	if err := os.WriteFile(outside, []byte(secretOutside), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink("../secret.txt", filepath.Join(ts.root, "link.txt")); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(outside, filepath.Join(ts.root, "abslink.txt")); err != nil {
		t.Fatal(err)
	}
	return ts
}

// get sends one request on a new connection and returns the response.
func (ts *testServer) get(t *testing.T, method, target string, header ...string) *http.Response {
	t.Helper()
	c := ts.dial(t)
	c.send(method + " " + target + " HTTP/1.1\r\nHost: x\r\n" + strings.Join(header, "") + "Connection: close\r\n\r\n")
	return c.response(method)
}

// No request reads outside the root or a hidden file, however it spells
// the path (caddyserver/caddy's table of hostile paths, extended).
func TestStaticHostilePaths(t *testing.T) {
	t.Parallel()
	ts := startStatic(t)
	tests := []struct {
		target string
		status int // 400: malformed or hostile; 404: hidden or not there
	}{
		{"/../etc/passwd", 400},
		{"/../secret.txt", 400},
		{"/%2e%2e/%2e%2e/etc/passwd", 400},
		{"/%2e%2e/secret.txt", 400},
		{"/.%2E/secret.txt", 400},
		{"/a/..%2f..%2fetc/passwd", 400},
		{"/..%2fsecret.txt", 400},
		{"/..%5c..%5cwindows", 400},
		{"/..\\secret.txt", 400},
		{"/%00", 400},
		{"/a.txt%00.html", 400},
		{"/%zz", 400},
		{"/sub/../../x", 400},
		{"/sub/../../secret.txt", 400},
		{"/./a.txt", 400},
		{"//etc/passwd", 400},
		{"/.env", 404},
		{"/.git/config", 404},
		{"/%2egit/config", 404},
		{"/sub/../.env", 400},
		{"/link.txt", 404},    // a relative symlink leading out
		{"/abslink.txt", 404}, // an absolute one
		{"http://x/../secret.txt", 400},
	}
	for _, tt := range tests {
		t.Run(tt.target, func(t *testing.T) {
			r := ts.get(t, "GET", tt.target)
			body := bodyOf(t, r)
			if r.StatusCode != tt.status {
				t.Errorf("status %d; want %d", r.StatusCode, tt.status)
			}
			for _, secret := range []string{secretOutside, secretEnv, secretGit, "root:x:0:0"} {
				if strings.Contains(body, secret) {
					t.Fatalf("the response carries %q: %q", secret, body)
				}
			}
			if strings.Contains(body, strings.TrimPrefix(tt.target, "/")) && len(tt.target) > 3 {
				t.Errorf("the error page echoes the target: %q", body)
			}
		})
	}
}

func TestStaticFolders(t *testing.T) {
	t.Parallel()
	ts := startStatic(t)
	tests := []struct {
		target   string
		status   int
		body     string
		location string
	}{
		{"/", 200, "<h1>home</h1>\n", ""},
		{"/index.html", 200, "<h1>home</h1>\n", ""},
		{"/sub", 301, "", "/sub/"},
		{"/sub?x=1", 301, "", "/sub/?x=1"},
		{"/sub/", 200, "<h1>sub</h1>\n", ""},
		{"/a.txt/", 404, custom404, ""}, // a file is not a folder
		{"/nope.txt", 404, custom404, ""},
		{"/sub/nope/", 404, custom404, ""},
	}
	for _, tt := range tests {
		t.Run(tt.target, func(t *testing.T) {
			r := ts.get(t, "GET", tt.target)
			body := bodyOf(t, r)
			if r.StatusCode != tt.status || tt.body != "" && body != tt.body || r.Header.Get("Location") != tt.location {
				t.Fatalf("%d %q Location %q; want %d %q %q", r.StatusCode, body, r.Header.Get("Location"), tt.status, tt.body, tt.location)
			}
			if tt.status != 301 && r.Header.Get("Content-Type") != "text/html; charset=utf-8" {
				t.Errorf("Content-Type %q", r.Header.Get("Content-Type"))
			}
		})
	}
}

func TestStaticMethodNotAllowed(t *testing.T) {
	t.Parallel()
	ts := startStatic(t)
	for _, method := range []string{"POST", "PUT", "DELETE", "OPTIONS"} {
		t.Run(method, func(t *testing.T) {
			c := ts.dial(t)
			c.send(method + " /a.txt HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n\r\nhi" +
				"GET /a.txt HTTP/1.1\r\nHost: x\r\n\r\n")
			r := c.response(method)
			if r.StatusCode != 405 || r.Header.Get("Allow") != "GET, HEAD" {
				t.Fatalf("%d Allow %q; want 405 GET, HEAD", r.StatusCode, r.Header.Get("Allow"))
			}
			// A 405 keeps the connection: the next request is answered.
			if got := bodyOf(t, c.response("GET")); got != aTxt {
				t.Fatalf("after 405: %q", got)
			}
		})
	}
}

func TestStaticConditional(t *testing.T) {
	t.Parallel()
	ts := startStatic(t)
	r := ts.get(t, "GET", "/a.txt")
	etag, lastMod := r.Header.Get("ETag"), r.Header.Get("Last-Modified")
	if r.StatusCode != 200 || bodyOf(t, r) != aTxt || !strings.HasPrefix(etag, `"`) || lastMod == "" {
		t.Fatalf("%d ETag %q Last-Modified %q", r.StatusCode, etag, lastMod)
	}
	if r.Header.Get("Content-Type") != "text/plain; charset=utf-8" || r.Header.Get("Accept-Ranges") != "bytes" {
		t.Errorf("headers %v", r.Header)
	}
	for _, cond := range []string{"If-None-Match: " + etag, "If-None-Match: \"other\", " + etag, "If-Modified-Since: " + lastMod} {
		t.Run(cond, func(t *testing.T) {
			c := ts.dial(t)
			// A GET after the 304 shows whether a body was sent with it.
			c.send("GET /a.txt HTTP/1.1\r\nHost: x\r\n" + cond + "\r\n\r\nGET /index.html HTTP/1.1\r\nHost: x\r\n\r\n")
			r := c.response("GET")
			if r.StatusCode != 304 || r.Header.Get("ETag") != etag {
				t.Fatalf("%d ETag %q; want 304 %s", r.StatusCode, r.Header.Get("ETag"), etag)
			}
			if r.Header.Get("Content-Length") != "" || len(r.TransferEncoding) != 0 {
				t.Errorf("a 304 with framing: %v", r.Header)
			}
			if got := bodyOf(t, c.response("GET")); got != "<h1>home</h1>\n" {
				t.Fatalf("after the 304: %q (the 304 had a body?)", got)
			}
		})
	}
	if r := ts.get(t, "GET", "/a.txt", "If-None-Match: \"stale\"\r\n"); r.StatusCode != 200 || bodyOf(t, r) != aTxt {
		t.Fatalf("a stale ETag: %d", r.StatusCode)
	}
}

func TestStaticRanges(t *testing.T) {
	t.Parallel()
	ts := startStatic(t)
	size := strconv.Itoa(len(aTxt))

	r := ts.get(t, "GET", "/a.txt", "Range: bytes=0-4\r\n")
	if r.StatusCode != 206 || bodyOf(t, r) != aTxt[:5] || r.Header.Get("Content-Range") != "bytes 0-4/"+size ||
		r.Header.Get("Content-Length") != "5" {
		t.Fatalf("one range: %d %v", r.StatusCode, r.Header)
	}

	r = ts.get(t, "GET", "/a.txt", "Range: bytes=-3\r\n")
	if r.StatusCode != 206 || bodyOf(t, r) != aTxt[len(aTxt)-3:] {
		t.Fatalf("suffix range: %d", r.StatusCode)
	}

	r = ts.get(t, "GET", "/a.txt", "Range: bytes=0-1,10-12\r\n")
	mt, params, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if r.StatusCode != 206 || err != nil || mt != "multipart/byteranges" {
		t.Fatalf("multi-range: %d %q %v", r.StatusCode, r.Header.Get("Content-Type"), err)
	}
	raw := bodyOf(t, r)
	if r.Header.Get("Content-Length") != strconv.Itoa(len(raw)) {
		t.Errorf("multipart Content-Length %s; the body has %d bytes", r.Header.Get("Content-Length"), len(raw))
	}
	mr := multipart.NewReader(strings.NewReader(raw), params["boundary"])
	for _, w := range []struct{ crange, body string }{{"bytes 0-1/" + size, aTxt[0:2]}, {"bytes 10-12/" + size, aTxt[10:13]}} {
		p, err := mr.NextPart()
		if err != nil {
			t.Fatalf("part %s: %v", w.crange, err)
		}
		b, _ := io.ReadAll(p)
		if p.Header.Get("Content-Range") != w.crange || string(b) != w.body || p.Header.Get("Content-Type") != "text/plain; charset=utf-8" {
			t.Errorf("part %v %q; want %s %q", p.Header, b, w.crange, w.body)
		}
	}
	if _, err := mr.NextPart(); err != io.EOF {
		t.Errorf("after two parts: %v; want EOF", err)
	}

	r = ts.get(t, "GET", "/a.txt", "Range: bytes=999999-\r\n")
	if r.StatusCode != 416 || r.Header.Get("Content-Range") != "bytes */"+size {
		t.Fatalf("unsatisfiable: %d Content-Range %q", r.StatusCode, r.Header.Get("Content-Range"))
	}

	// A range of the large file comes from the middle, through sendfile.
	r = ts.get(t, "GET", "/big.bin", "Range: bytes=100000-100099\r\n")
	if b := bodyOf(t, r); r.StatusCode != 206 || !bytes.Equal([]byte(b), bigFile[100000:100100]) {
		t.Fatalf("range of big.bin: %d, %d bytes", r.StatusCode, len(b))
	}
}

func TestStaticLargeFile(t *testing.T) {
	t.Parallel()
	ts := startStatic(t)
	resp, err := http.Get("http://" + ts.addr + "/big.bin")
	if err != nil {
		t.Fatal(err)
	}
	b, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("%d %v", resp.StatusCode, err)
	}
	if resp.Header.Get("Content-Length") != strconv.Itoa(len(bigFile)) || !bytes.Equal(b, bigFile) {
		t.Fatalf("Content-Length %s, %d bytes; want %d intact", resp.Header.Get("Content-Length"), len(b), len(bigFile))
	}
	if resp.Header.Get("Content-Type") != "application/octet-stream" {
		t.Errorf("Content-Type %q", resp.Header.Get("Content-Type"))
	}

	// Twice on one keep-alive connection (the second from a reused
	// descriptor), then a small request: the framing holds.
	c := ts.dial(t)
	c.send("GET /big.bin HTTP/1.1\r\nHost: x\r\n\r\nGET /big.bin HTTP/1.1\r\nHost: x\r\n\r\nGET /a.txt HTTP/1.1\r\nHost: x\r\n\r\n")
	for i := range 2 {
		if got := bodyOf(t, c.response("GET")); got != string(bigFile) {
			t.Fatalf("keep-alive big.bin %d: %d bytes", i, len(got))
		}
	}
	if got := bodyOf(t, c.response("GET")); got != aTxt {
		t.Fatalf("after big.bin: %q", got)
	}
}

func TestStaticHead(t *testing.T) {
	t.Parallel()
	ts := startStatic(t)
	for _, tt := range []struct{ path, body string }{{"/a.txt", aTxt}, {"/big.bin", string(bigFile)}, {"/nope", custom404}} {
		t.Run(tt.path, func(t *testing.T) {
			c := ts.dial(t)
			c.send("HEAD " + tt.path + " HTTP/1.1\r\nHost: x\r\n\r\nGET " + tt.path + " HTTP/1.1\r\nHost: x\r\n\r\n")
			h := c.response("HEAD")
			g := c.response("GET") // parses only if HEAD sent no body
			if got := bodyOf(t, g); got != tt.body {
				t.Fatalf("GET after HEAD: %d bytes; want %d", len(got), len(tt.body))
			}
			if h.StatusCode != g.StatusCode || h.Header.Get("Content-Length") != strconv.Itoa(len(tt.body)) ||
				h.Header.Get("ETag") != g.Header.Get("ETag") || h.Header.Get("Content-Type") != g.Header.Get("Content-Type") {
				t.Fatalf("HEAD %d %v\nGET %d %v", h.StatusCode, h.Header, g.StatusCode, g.Header)
			}
		})
	}
}

func TestStaticCustom404(t *testing.T) {
	t.Parallel()
	ts := startStatic(t)
	r := ts.get(t, "GET", "/missing.html")
	if r.StatusCode != 404 || bodyOf(t, r) != custom404 || r.Header.Get("Content-Type") != "text/html; charset=utf-8" {
		t.Fatalf("%d %v", r.StatusCode, r.Header)
	}
	// Without a 404.html, the built-in page.
	ts2 := startServer(t, nil, map[string]string{"a.txt": "a"})
	r = ts2.get(t, "GET", "/missing.html")
	if body := bodyOf(t, r); r.StatusCode != 404 || !strings.Contains(body, "404 Not Found") || strings.Contains(body, "missing") {
		t.Fatalf("%d %q", r.StatusCode, body)
	}
}
