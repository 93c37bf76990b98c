package httpserver

import (
	"bufio"
	"bytes"
	stdgzip "compress/gzip"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/klauspost/compress/zstd"

	"github.com/miniweb/miniweb/server/compress"
	"github.com/miniweb/miniweb/server/gateway"
)

// marketPage is the 27 KB page of package compress's benchmarks.
var marketPage = func() []byte {
	b, err := os.ReadFile("../compress/testdata/market.html")
	if err != nil {
		panic(err)
	}
	return b
}()

var htmlType = []gateway.Field{{Name: "Content-Type", Value: "text/html; charset=utf-8"}}

// compressApp is the application of the compression tests; step paces
// /slow.py, which yields a chunk each time step gives way.
type compressApp struct{ step chan struct{} }

func (a *compressApp) ServeGateway(env *gateway.Environ, start gateway.StartResponse) gateway.Body {
	switch env.Path {
	case "/page.py":
		start("200 OK", append(htmlType[:1:1], gateway.Field{Name: "ETag", Value: `"p1"`}))
		return gateway.Bytes(marketPage)
	case "/weak.py":
		start("200 OK", append(htmlType[:1:1], gateway.Field{Name: "ETag", Value: `W/"p1"`}))
		return gateway.Bytes(marketPage)
	case "/cond.py": // a page with its own conditional GET
		if env.Header.Get("If-None-Match") == `"p1"` {
			start("304 Not Modified", []gateway.Field{{Name: "ETag", Value: `"p1"`}})
			return gateway.Body{}
		}
		start("200 OK", append(htmlType[:1:1], gateway.Field{Name: "ETag", Value: `"p1"`}))
		return gateway.Bytes(marketPage)
	case "/small.py":
		start("200 OK", htmlType)
		return gateway.Bytes(marketPage[:900])
	case "/json.py":
		start("200 OK", []gateway.Field{{Name: "Content-Type", Value: "application/json"}})
		return gateway.Bytes(bytes.Repeat([]byte(`{"code":"600519","price":1688.5},`), 100))
	case "/png.py":
		start("200 OK", []gateway.Field{{Name: "Content-Type", Value: "image/png"}})
		return gateway.Bytes(bigFile[:8<<10])
	case "/range.py":
		start("206 Partial Content", append(htmlType[:1:1], gateway.Field{Name: "Content-Range", Value: "bytes 0-4999/27025"}))
		return gateway.Bytes(marketPage[:5000])
	case "/stream.py":
		return gateway.Stream(func(yield func([]byte, error) bool) {
			start("200 OK", htmlType)
			for _, c := range [][]byte{marketPage[:3000], marketPage[3000:10000], marketPage[10000:]} {
				if !yield(c, nil) {
					return
				}
			}
		})
	case "/slow.py":
		return gateway.Stream(func(yield func([]byte, error) bool) {
			start("200 OK", htmlType)
			for i := 0; i < 4; i++ {
				select {
				case <-a.step:
				case <-env.Context().Done():
					return
				}
				if !yield(slowChunk(i), nil) {
					return
				}
			}
		})
	case "/twice.py":
		start("200 OK", htmlType)
		start("200 OK", htmlType)
		return gateway.Bytes(marketPage)
	}
	start("404 Not Found", htmlType)
	return gateway.Bytes([]byte("not found\n"))
}

// slowChunk is the i-th chunk of /slow.py: 2 KiB of page.
func slowChunk(i int) []byte { return marketPage[i*2048 : (i+1)*2048] }

func startCompress(t *testing.T, files map[string]string) (*testServer, *compressApp) {
	t.Helper()
	app := &compressApp{step: make(chan struct{})}
	ts := startServer(t, app, files, func(s *Server) { s.Compress = &compress.Options{} })
	return ts, app
}

// decodeAs decodes body from the Content-Encoding enc ("" for none).
func decodeAs(t testing.TB, enc string, body []byte) []byte {
	t.Helper()
	switch enc {
	case "":
		return body
	case "gzip":
		r, err := stdgzip.NewReader(bytes.NewReader(body))
		if err != nil {
			t.Fatalf("gzip: %v", err)
		}
		out, err := io.ReadAll(r)
		if err != nil {
			t.Fatalf("gzip: %v", err)
		}
		return out
	case "zstd":
		d, err := zstd.NewReader(nil)
		if err != nil {
			t.Fatal(err)
		}
		defer d.Close()
		out, err := d.DecodeAll(body, nil)
		if err != nil {
			t.Fatalf("zstd: %v", err)
		}
		return out
	}
	t.Fatalf("Content-Encoding %q", enc)
	return nil
}

// Each rule of package compress, through the server on a socket: the
// decoded body is the identity body byte for byte.
func TestCompressDynamic(t *testing.T) {
	t.Parallel()
	ts, _ := startCompress(t, nil)
	tests := []struct {
		name   string
		method string
		target string
		accept string // Accept-Encoding, "" for none
		extra  string // more request fields
		status int
		enc    string // wanted Content-Encoding
		vary   bool   // wanted Vary: Accept-Encoding
		etag   string // wanted ETag, "" for any
	}{
		{name: "gzip wins a tie", target: "/page.py", accept: "gzip, deflate, br, zstd", status: 200, enc: "gzip", vary: true, etag: `"p1-gzip"`},
		{name: "gzip", target: "/page.py", accept: "gzip", status: 200, enc: "gzip", vary: true, etag: `"p1-gzip"`},
		{name: "q-values", target: "/page.py", accept: "gzip;q=1, zstd;q=0.5", status: 200, enc: "gzip", vary: true},
		{name: "q=0 refuses", target: "/page.py", accept: "zstd;q=0, gzip;q=0", status: 200, vary: true, etag: `"p1"`},
		{name: "star q=0 with gzip", target: "/page.py", accept: "gzip, *;q=0", status: 200, enc: "gzip", vary: true},
		{name: "no Accept-Encoding", target: "/page.py", status: 200, vary: true, etag: `"p1"`},
		{name: "malformed", target: "/page.py", accept: "gzip;q=abc, ,;;,zstd;q=2", status: 200, vary: true},
		{name: "weak ETag", target: "/weak.py", accept: "zstd", status: 200, enc: "zstd", vary: true, etag: `W/"p1"`},
		{name: "small", target: "/small.py", accept: "zstd", status: 200, vary: true},
		{name: "small, identity refused", target: "/small.py", accept: "zstd, identity;q=0", status: 200, enc: "zstd", vary: true},
		{name: "json", target: "/json.py", accept: "gzip", status: 200, enc: "gzip", vary: true},
		{name: "png", target: "/png.py", accept: "gzip, zstd", status: 200},
		{name: "206", target: "/range.py", accept: "zstd", status: 206, vary: true},
		{name: "304 of the variant", target: "/cond.py", accept: "zstd", extra: "If-None-Match: \"p1-zstd\"\r\n", status: 304, vary: true, etag: `"p1-zstd"`},
		{name: "304 of the plain page", target: "/cond.py", accept: "", extra: "If-None-Match: \"p1\"\r\n", status: 304, etag: `"p1"`},
		{name: "stream", target: "/stream.py", accept: "zstd", status: 200, enc: "zstd", vary: true},
		{name: "HEAD", method: "HEAD", target: "/page.py", accept: "zstd", status: 200, enc: "zstd", vary: true, etag: `"p1-zstd"`},
		{name: "404", target: "/missing.py", accept: "zstd", status: 404, vary: true},
		{name: "start twice", target: "/twice.py", accept: "zstd", status: 500},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			method := tt.method
			if method == "" {
				method = "GET"
			}
			header := tt.extra
			if tt.accept != "" {
				header += "Accept-Encoding: " + tt.accept + "\r\n"
			}
			resp := ts.get(t, method, tt.target, header)
			enc := resp.Header.Get("Content-Encoding")
			if resp.StatusCode != tt.status || enc != tt.enc || (resp.Header.Get("Vary") == "Accept-Encoding") != tt.vary {
				t.Fatalf("%d, Content-Encoding %q, Vary %q; want %d, %q, Vary: %v", resp.StatusCode, enc, resp.Header.Get("Vary"), tt.status, tt.enc, tt.vary)
			}
			if tt.etag != "" && resp.Header.Get("ETag") != tt.etag {
				t.Errorf("ETag %s; want %s", resp.Header.Get("ETag"), tt.etag)
			}
			if tt.enc != "" && method == "GET" && resp.Header.Get("Content-Length") != "" &&
				resp.Header.Get("Content-Length") != strconv.Itoa(int(resp.ContentLength)) {
				t.Errorf("Content-Length %s for %d coded bytes", resp.Header.Get("Content-Length"), resp.ContentLength)
			}
			plain := ts.get(t, method, tt.target, tt.extra)
			if method == "HEAD" {
				get := ts.get(t, "GET", tt.target, header)
				for _, name := range []string{"Content-Type", "Content-Encoding", "Vary", "ETag"} {
					if resp.Header.Get(name) != get.Header.Get(name) {
						t.Errorf("HEAD %s %q; GET's %q", name, resp.Header.Get(name), get.Header.Get(name))
					}
				}
				if resp.ContentLength != 0 {
					t.Errorf("HEAD with a body of %d bytes", resp.ContentLength)
				}
				return
			}
			body, _ := io.ReadAll(resp.Body)
			want, _ := io.ReadAll(plain.Body)
			if got := decodeAs(t, enc, body); !bytes.Equal(got, want) {
				t.Errorf("decoded body of %d bytes differs from the identity body of %d", len(got), len(want))
			}
		})
	}
}

// readChunk reads one chunk of a chunked body (RFC 9112 §7.1), nil for
// the last.
func readChunk(t *testing.T, br *bufio.Reader) []byte {
	t.Helper()
	line, err := br.ReadString('\n')
	if err != nil {
		t.Fatalf("chunk size: %v", err)
	}
	n, err := strconv.ParseInt(strings.TrimSpace(line), 16, 64)
	if err != nil {
		t.Fatalf("chunk size %q: %v", line, err)
	}
	b := make([]byte, n+2)
	if _, err := io.ReadFull(br, b); err != nil {
		t.Fatalf("chunk of %d: %v", n, err)
	}
	if n == 0 {
		return nil
	}
	return b[:n]
}

// A coded stream reaches the client chunk by chunk: the application yields
// its next chunk only after the client has read and decoded the one
// before, so each must have left before the stream ended.
func TestCompressStreamChunks(t *testing.T) {
	t.Parallel()
	for _, enc := range []string{"gzip", "zstd"} {
		t.Run(enc, func(t *testing.T) {
			ts, app := startCompress(t, nil)
			c := ts.dial(t)
			c.send("GET /slow.py HTTP/1.1\r\nHost: x\r\nAccept-Encoding: " + enc + "\r\n\r\n")
			var coded []byte
			for i := 0; i < 4; i++ {
				select {
				case app.step <- struct{}{}: // the application yields chunk i
				case <-time.After(patience):
					t.Fatalf("the application did not ask for chunk %d", i)
				}
				if i == 0 { // the head waits for the first chunk: it says whether it is coded
					readCodedHead(t, c.br, enc)
				}
				chunk := readChunk(t, c.br)
				coded = append(coded, chunk...)
				want := marketPage[:(i+1)*2048]
				if got := decodePrefixOf(t, enc, coded, len(want)); !bytes.Equal(got, want) {
					t.Fatalf("after chunk %d the client decodes %d bytes unlike the %d sent", i, len(got), len(want))
				}
			}
			for chunk := readChunk(t, c.br); chunk != nil; chunk = readChunk(t, c.br) {
				coded = append(coded, chunk...) // the end of the frame
			}
			if got := decodeAs(t, enc, coded); !bytes.Equal(got, marketPage[:4*2048]) {
				t.Errorf("the whole stream decodes to %d bytes; want %d", len(got), 4*2048)
			}
		})
	}
}

// readCodedHead reads a response head and fails unless it says a chunked
// body coded in enc.
func readCodedHead(t *testing.T, br *bufio.Reader, enc string) {
	t.Helper()
	var head []string
	for {
		line, err := br.ReadString('\n')
		if err != nil {
			t.Fatal(err)
		}
		if line == "\r\n" {
			break
		}
		head = append(head, strings.TrimSpace(line))
	}
	h := strings.Join(head, "\n")
	if !strings.Contains(h, "Content-Encoding: "+enc) || !strings.Contains(h, "Transfer-Encoding: chunked") {
		t.Fatalf("head:\n%s", h)
	}
}

// decodePrefixOf decodes the first n bytes of an unfinished coded body.
func decodePrefixOf(t *testing.T, enc string, body []byte, n int) []byte {
	t.Helper()
	var r io.Reader
	if enc == "gzip" {
		zr, err := stdgzip.NewReader(bytes.NewReader(body))
		if err != nil {
			t.Fatalf("gzip: %v", err)
		}
		r = zr
	} else {
		zr, err := zstd.NewReader(bytes.NewReader(body), zstd.WithDecoderConcurrency(1))
		if err != nil {
			t.Fatalf("zstd: %v", err)
		}
		defer zr.Close()
		r = zr
	}
	out := make([]byte, n)
	if got, err := io.ReadFull(r, out); err != nil {
		t.Fatalf("decoding %d bytes of an unfinished body: got %d: %v", n, got, err)
	}
	return out
}

// gzipOf returns b gzipped at the best level, as a build step would.
func gzipOf(b []byte) string {
	var out bytes.Buffer
	w, _ := stdgzip.NewWriterLevel(&out, stdgzip.BestCompression)
	w.Write(b)
	w.Close()
	return out.String()
}

// Precompressed siblings go out as they are on disk (through sendfile when
// over the in-memory limit), stale ones are ignored, other files are
// coded on the fly once.
func TestCompressStatic(t *testing.T) {
	t.Parallel()
	css := strings.Repeat("body { color: #333; margin: 0 auto; }\n", 300) // 11 KB
	jsText := make([]byte, 100<<10)                                       // text whose .gz is over the 16 KiB in memory
	for i, c := range bigFile[:len(jsText)] {
		jsText[i] = "abcdefgh ;{}()\n"[c%15]
	}
	ts, _ := startCompress(t, map[string]string{
		"style.css":    css,
		"style.css.gz": gzipOf([]byte(css)),
		"app.js":       string(jsText),
		"app.js.gz":    gzipOf(jsText),
		"old.css":      css,
		"old.css.gz":   "a stale sibling",
		"page.html":    string(marketPage),
		"logo.png":     string(bigFile[:4<<10]),
	})
	// The files were written in map order: a sibling written before its
	// file would be older, and rightly ignored. Give them one time, as
	// gzip -k does, then make old.css.gz older.
	now := time.Now()
	for _, name := range []string{"style.css", "style.css.gz", "app.js", "app.js.gz", "old.css", "old.css.gz"} {
		if err := os.Chtimes(filepath.Join(ts.root, name), now, now); err != nil {
			t.Fatal(err)
		}
	}
	past := now.Add(-time.Hour)
	if err := os.Chtimes(filepath.Join(ts.root, "old.css.gz"), past, past); err != nil {
		t.Fatal(err)
	}
	read := func(resp *http.Response) []byte {
		b, _ := io.ReadAll(resp.Body)
		return b
	}
	for _, name := range []string{"style.css", "app.js"} {
		resp := ts.get(t, "GET", "/"+name, "Accept-Encoding: gzip\r\n")
		want, _ := os.ReadFile(filepath.Join(ts.root, name+".gz"))
		if resp.Header.Get("Content-Encoding") != "gzip" || !bytes.Equal(read(resp), want) {
			t.Errorf("%s: Content-Encoding %q; want the bytes of %s.gz", name, resp.Header.Get("Content-Encoding"), name)
		}
		if resp.Header.Get("Content-Type") != "text/css; charset=utf-8" && name == "style.css" ||
			resp.Header.Get("Vary") != "Accept-Encoding" {
			t.Errorf("%s: Content-Type %q, Vary %q", name, resp.Header.Get("Content-Type"), resp.Header.Get("Vary"))
		}
		plain := ts.get(t, "GET", "/"+name)
		if plain.Header.Get("ETag") == resp.Header.Get("ETag") || plain.Header.Get("Vary") != "Accept-Encoding" {
			t.Errorf("%s: plain ETag %s, gzip's %s; plain Vary %q", name, plain.Header.Get("ETag"), resp.Header.Get("ETag"), plain.Header.Get("Vary"))
		}
		head := ts.get(t, "HEAD", "/"+name, "Accept-Encoding: gzip\r\n")
		if head.Header.Get("Content-Length") != strconv.Itoa(len(want)) || head.Header.Get("Content-Encoding") != "gzip" {
			t.Errorf("%s: HEAD Content-Length %s, Content-Encoding %q", name, head.Header.Get("Content-Length"), head.Header.Get("Content-Encoding"))
		}
	}

	resp := ts.get(t, "GET", "/old.css", "Accept-Encoding: gzip\r\n")
	if body := read(resp); resp.Header.Get("Content-Encoding") != "gzip" || string(decodeAs(t, "gzip", body)) != css {
		t.Errorf("old.css: the stale sibling was served")
	}

	first := ts.get(t, "GET", "/page.html", "Accept-Encoding: zstd\r\n")
	second := ts.get(t, "GET", "/page.html", "Accept-Encoding: zstd\r\n")
	b1, b2 := read(first), read(second)
	if !bytes.Equal(b1, b2) || !bytes.Equal(decodeAs(t, "zstd", b1), marketPage) || first.Header.Get("ETag") != second.Header.Get("ETag") {
		t.Errorf("page.html on the fly: two answers differ or do not decode to the file")
	}

	resp = ts.get(t, "GET", "/app.js", "Accept-Encoding: gzip\r\nRange: bytes=10-19\r\n")
	if resp.StatusCode != 206 || resp.Header.Get("Content-Encoding") != "" || string(read(resp)) != string(jsText[10:20]) {
		t.Errorf("Range with gzip accepted: %d %q; want 206 of the plain file", resp.StatusCode, resp.Header.Get("Content-Encoding"))
	}
	resp = ts.get(t, "GET", "/logo.png", "Accept-Encoding: gzip\r\n")
	if resp.Header.Get("Content-Encoding") != "" || resp.Header.Get("Vary") != "" {
		t.Errorf("logo.png: Content-Encoding %q, Vary %q", resp.Header.Get("Content-Encoding"), resp.Header.Get("Vary"))
	}
}

// Without Compress nothing is coded and nothing varies.
func TestCompressOff(t *testing.T) {
	t.Parallel()
	ts := startServer(t, &compressApp{}, map[string]string{"page.html": string(marketPage)})
	for _, target := range []string{"/page.py", "/page.html"} {
		resp := ts.get(t, "GET", target, "Accept-Encoding: gzip, zstd\r\n")
		if resp.Header.Get("Content-Encoding") != "" || resp.Header.Get("Vary") != "" {
			t.Errorf("%s: Content-Encoding %q, Vary %q", target, resp.Header.Get("Content-Encoding"), resp.Header.Get("Vary"))
		}
	}
}

func TestCompressBadOptions(t *testing.T) {
	t.Parallel()
	s := &Server{App: &compressApp{}, Compress: &compress.Options{GzipLevel: 42}}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Serve(ln); err == nil || !strings.Contains(err.Error(), "GzipLevel 42") {
		t.Errorf("Serve with GzipLevel 42: %v", err)
	}
}
