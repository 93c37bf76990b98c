package static

import (
	"bytes"
	stdgzip "compress/gzip"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/klauspost/compress/zstd"

	"github.com/miniweb/miniweb/server/compress"
)

// textBytes returns n bytes of compressible text.
func textBytes(n int, word string) []byte {
	var b bytes.Buffer
	for i := 0; b.Len() < n; i++ {
		b.WriteString(word)
		b.WriteByte(byte('a' + i%26))
		b.WriteByte('\n')
	}
	return b.Bytes()[:n]
}

// letters returns n pseudo-random letters and spaces from seed: text that
// compresses to about two thirds.
func letters(n int, seed uint64) []byte {
	b := randomBytes(n, seed)
	for i, c := range b {
		b[i] = "abcdefghijklmnopqrstuvwxyz      "[c%32]
	}
	return b
}

func gzipBytes(t testing.TB, b []byte) []byte {
	var out bytes.Buffer
	w, _ := stdgzip.NewWriterLevel(&out, stdgzip.BestCompression)
	w.Write(b)
	w.Close()
	return out.Bytes()
}

func zstdBytes(t testing.TB, b []byte) []byte {
	enc, err := zstd.NewWriter(nil)
	if err != nil {
		t.Fatal(err)
	}
	defer enc.Close()
	return enc.EncodeAll(b, nil)
}

// decodeBody decodes body from the coding enc ("" for none).
func decodeBody(t testing.TB, enc string, body []byte) []byte {
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

// codedSite makes a static folder for the compression tests and returns
// it with the content of its files. Every file has fixedTime but
// old.css.gz, an hour older than old.css.
func codedSite(t testing.TB) (string, map[string][]byte) {
	root := t.TempDir()
	files := map[string][]byte{
		"style.css":    textBytes(8<<10, "body { color: #333; } /* rule "),
		"app.js":       letters(64<<10, 3), // its siblings are over smallFileMax
		"page.html":    textBytes(3<<10, "<p>a paragraph of the page "),
		"tiny.css":     textBytes(100, "a{} "),
		"photo.png":    randomBytes(4<<10, 7),
		"old.css":      textBytes(4<<10, ".old { margin: 0; } "),
		"huge.txt":     textBytes(2<<20, "a line of a long log "),
		"big.json":     textBytes(200<<10, `{"key": "value", "n": 1}, `),
		"random.txt":   randomBytes(4<<10, 9),
		"sub/a.svg":    textBytes(2<<10, "<path d='M0 0 L 10 10'/> "),
		"photo.png.gz": nil, // filled below
	}
	files["style.css.gz"] = gzipBytes(t, files["style.css"])
	files["app.js.gz"] = gzipBytes(t, files["app.js"])
	files["app.js.zst"] = zstdBytes(t, files["app.js"])
	files["old.css.gz"] = gzipBytes(t, files["old.css"])
	files["photo.png.gz"] = gzipBytes(t, files["photo.png"])
	for name, b := range files {
		p := filepath.Join(root, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, b, 0o644); err != nil {
			t.Fatal(err)
		}
		mt := fixedTime
		if name == "old.css.gz" {
			mt = fixedTime.Add(-time.Hour)
		}
		if err := os.Chtimes(p, mt, mt); err != nil {
			t.Fatal(err)
		}
	}
	return root, files
}

// codedHandler is a handler on codedSite with compression on.
func codedHandler(t testing.TB) (*Handler, map[string][]byte) {
	root, files := codedSite(t)
	h := newHandler(t, root)
	if err := h.SetCompression(&compress.Options{}); err != nil {
		t.Fatal(err)
	}
	return h, files
}

func TestCodedVariants(t *testing.T) {
	t.Parallel()
	h, files := codedHandler(t)
	tests := []struct {
		name   string
		method string
		path   string
		kv     []string // request fields
		status int
		enc    string // wanted Content-Encoding
		vary   bool   // wanted Vary: Accept-Encoding
		exact  string // the file whose bytes the body must be, when a sibling is sent
		file   bool   // the body went out with ReadFrom over a file (sendfile)
	}{
		{name: "gz sibling", path: "/style.css", kv: []string{"Accept-Encoding", "gzip"}, status: 200, enc: "gzip", vary: true, exact: "style.css.gz"},
		{name: "no zst sibling: on the fly", path: "/style.css", kv: []string{"Accept-Encoding", "zstd"}, status: 200, enc: "zstd", vary: true},
		{name: "a sibling beats on the fly", path: "/style.css", kv: []string{"Accept-Encoding", "zstd, gzip"}, status: 200, enc: "gzip", vary: true, exact: "style.css.gz"},
		{name: "zst sibling, sendfile", path: "/app.js", kv: []string{"Accept-Encoding", "zstd"}, status: 200, enc: "zstd", vary: true, exact: "app.js.zst", file: true},
		{name: "a tie: the gz sibling", path: "/app.js", kv: []string{"Accept-Encoding", "gzip, zstd"}, status: 200, enc: "gzip", vary: true, exact: "app.js.gz", file: true},
		{name: "q picks gz sibling", path: "/app.js", kv: []string{"Accept-Encoding", "gzip;q=1, zstd;q=0.5"}, status: 200, enc: "gzip", vary: true, exact: "app.js.gz", file: true},
		{name: "q=0 refuses", path: "/app.js", kv: []string{"Accept-Encoding", "zstd;q=0, gzip;q=0"}, status: 200, vary: true, file: true},
		{name: "no Accept-Encoding", path: "/app.js", status: 200, vary: true, file: true},
		{name: "malformed", path: "/app.js", kv: []string{"Accept-Encoding", "gzip;q=abc, ,;;,zstd;q=2"}, status: 200, vary: true, file: true},
		{name: "range: identity", path: "/app.js", kv: []string{"Accept-Encoding", "zstd", "Range", "bytes=0-99"}, status: 206, vary: true},
		{name: "small", path: "/tiny.css", kv: []string{"Accept-Encoding", "gzip"}, status: 200, vary: true},
		{name: "small, identity refused", path: "/tiny.css", kv: []string{"Accept-Encoding", "gzip, identity;q=0"}, status: 200, enc: "gzip", vary: true},
		{name: "png and its sibling", path: "/photo.png", kv: []string{"Accept-Encoding", "gzip"}, status: 200},
		{name: "stale sibling", path: "/old.css", kv: []string{"Accept-Encoding", "gzip"}, status: 200, enc: "gzip", vary: true},
		{name: "over StaticMaxBytes", path: "/huge.txt", kv: []string{"Accept-Encoding", "gzip"}, status: 200, vary: true, file: true},
		{name: "large, on the fly", path: "/big.json", kv: []string{"Accept-Encoding", "zstd"}, status: 200, enc: "zstd", vary: true},
		{name: "incompressible text", path: "/random.txt", kv: []string{"Accept-Encoding", "zstd"}, status: 200, vary: true},
		{name: "svg in a folder", path: "/sub/a.svg", kv: []string{"Accept-Encoding", "gzip"}, status: 200, enc: "gzip", vary: true},
		{name: "HEAD sibling", method: "HEAD", path: "/style.css", kv: []string{"Accept-Encoding", "gzip"}, status: 200, enc: "gzip", vary: true, exact: "style.css.gz"},
		{name: "HEAD on the fly", method: "HEAD", path: "/page.html", kv: []string{"Accept-Encoding", "zstd"}, status: 200, enc: "zstd", vary: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			method := tt.method
			if method == "" {
				method = "GET"
			}
			rec, err := serve(t, h, req(method, tt.path, tt.kv...))
			if err != nil {
				t.Fatal(err)
			}
			if rec.status != tt.status || rec.get("Content-Encoding") != tt.enc || (rec.get("Vary") == "Accept-Encoding") != tt.vary {
				t.Fatalf("%d, Content-Encoding %q, Vary %q; want %d, %q, Vary: %v", rec.status, rec.get("Content-Encoding"), rec.get("Vary"), tt.status, tt.enc, tt.vary)
			}
			orig := files[strings.TrimPrefix(tt.path, "/")]
			if got := rec.get("Content-Type"); got != contentType(tt.path) {
				t.Errorf("Content-Type %q; want the file's %q", got, contentType(tt.path))
			}
			if tt.exact != "" && rec.length != int64(len(files[tt.exact])) {
				t.Errorf("length %d; want that of %s, %d", rec.length, tt.exact, len(files[tt.exact]))
			}
			if method == "HEAD" {
				return
			}
			if tt.exact != "" && !bytes.Equal(rec.body.Bytes(), files[tt.exact]) {
				t.Errorf("body differs from %s", tt.exact)
			}
			if tt.file && (rec.readFroms == 0 || !rec.readFromFile) {
				t.Errorf("body not sent from the file (%d ReadFrom, over a file: %v)", rec.readFroms, rec.readFromFile)
			}
			if tt.status == 200 {
				if got := decodeBody(t, tt.enc, rec.body.Bytes()); !bytes.Equal(got, orig) {
					t.Errorf("decoded body of %d bytes differs from the file's %d", len(got), len(orig))
				}
			}
			if tt.enc != "" && tt.status == 200 {
				plain := get(t, h, tt.path)
				if rec.get("ETag") == plain.get("ETag") || !strings.HasSuffix(rec.get("ETag"), "-"+tt.enc+`"`) {
					t.Errorf("ETag %s; the plain file's %s: want a distinct one ending in -%s", rec.get("ETag"), plain.get("ETag"), tt.enc)
				}
			}
		})
	}
}

// The conditional fields are weighed against the representation chosen.
func TestCodedConditionals(t *testing.T) {
	t.Parallel()
	h, _ := codedHandler(t)
	for _, path := range []string{"/style.css", "/page.html"} { // a sibling, on the fly
		coded := get(t, h, path, "Accept-Encoding", "gzip")
		plain := get(t, h, path)
		rec := get(t, h, path, "Accept-Encoding", "gzip", "If-None-Match", coded.get("ETag"))
		if rec.status != 304 || rec.get("ETag") != coded.get("ETag") || rec.get("Vary") != "Accept-Encoding" {
			t.Errorf("%s: revalidating the gzip variant: %d, ETag %s, Vary %q", path, rec.status, rec.get("ETag"), rec.get("Vary"))
		}
		rec = get(t, h, path, "Accept-Encoding", "gzip", "If-None-Match", plain.get("ETag"))
		if rec.status != 200 || rec.get("Content-Encoding") != "gzip" {
			t.Errorf("%s: the plain tag while accepting gzip: %d %q; want the gzip variant", path, rec.status, rec.get("Content-Encoding"))
		}
		rec = get(t, h, path, "If-None-Match", plain.get("ETag"))
		if rec.status != 304 || rec.get("Vary") != "Accept-Encoding" {
			t.Errorf("%s: revalidating the plain file: %d, Vary %q", path, rec.status, rec.get("Vary"))
		}
	}
}

// A file coded on the fly is coded once per version.
func TestCodedCache(t *testing.T) {
	t.Parallel()
	h, files := codedHandler(t)
	h.window = 0 // stat on every request, so an edit is seen at once
	c := h.comp.Load().coded
	first := get(t, h, "/page.html", "Accept-Encoding", "zstd")
	second := get(t, h, "/page.html", "Accept-Encoding", "zstd")
	if !bytes.Equal(first.body.Bytes(), second.body.Bytes()) || c.coded.Load() != 1 {
		t.Fatalf("two requests coded %d times; want once, the same bytes", c.coded.Load())
	}
	get(t, h, "/page.html", "Accept-Encoding", "gzip")
	if c.coded.Load() != 2 {
		t.Errorf("gzip after zstd: coded %d times; want 2", c.coded.Load())
	}

	edited := append(files["page.html"], "<p>edited</p>\n"...)
	p := filepath.Join(h.dir, "page.html")
	if err := os.WriteFile(p, edited, 0o644); err != nil {
		t.Fatal(err)
	}
	third := get(t, h, "/page.html", "Accept-Encoding", "zstd")
	if c.coded.Load() != 3 || !bytes.Equal(decodeBody(t, "zstd", third.body.Bytes()), edited) || third.get("ETag") == first.get("ETag") {
		t.Errorf("after an edit: coded %d times, ETag %s (was %s); want the new file coded anew", c.coded.Load(), third.get("ETag"), first.get("ETag"))
	}
}

// The cache of coded bodies keeps to its bound.
func TestCodedCacheBound(t *testing.T) {
	t.Parallel()
	root, _ := codedSite(t)
	h := newHandler(t, root)
	if err := h.SetCompression(&compress.Options{StaticCacheBytes: 3 << 10}); err != nil {
		t.Fatal(err)
	}
	c := h.comp.Load().coded
	for _, p := range []string{"/style.css", "/page.html", "/old.css", "/big.json", "/sub/a.svg"} {
		get(t, h, p, "Accept-Encoding", "zstd")
		c.mu.RLock()
		if c.bytes > c.max {
			t.Errorf("after %s: %d bytes cached, bound %d", p, c.bytes, c.max)
		}
		c.mu.RUnlock()
	}
}

// A sibling made, or made stale, while the server runs is seen once the
// cache window has passed.
func TestSiblingChanges(t *testing.T) {
	t.Parallel()
	h, files := codedHandler(t)
	h.window = 0
	if rec := get(t, h, "/page.html", "Accept-Encoding", "gzip"); rec.get("Content-Encoding") != "gzip" {
		t.Fatalf("no gzip on the fly: %v", rec.header)
	}
	gz := filepath.Join(h.dir, "page.html.gz")
	made := gzipBytes(t, files["page.html"])
	if err := os.WriteFile(gz, made, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Chtimes(gz, fixedTime, fixedTime); err != nil {
		t.Fatal(err)
	}
	if rec := get(t, h, "/page.html", "Accept-Encoding", "gzip"); !bytes.Equal(rec.body.Bytes(), made) {
		t.Errorf("a new sibling is not served")
	}
	later := fixedTime.Add(time.Minute)
	if err := os.Chtimes(filepath.Join(h.dir, "page.html"), later, later); err != nil {
		t.Fatal(err)
	}
	rec := get(t, h, "/page.html", "Accept-Encoding", "gzip")
	if bytes.Equal(rec.body.Bytes(), made) || !bytes.Equal(decodeBody(t, "gzip", rec.body.Bytes()), files["page.html"]) {
		t.Errorf("a sibling older than its file is still served")
	}
}

func TestCompressionOff(t *testing.T) {
	t.Parallel()
	h, _ := codedHandler(t)
	if err := h.SetCompression(&compress.Options{GzipLevel: 12}); err == nil {
		t.Errorf("SetCompression with GzipLevel 12: no error")
	}
	h.SetCompression(nil)
	rec := get(t, h, "/style.css", "Accept-Encoding", "gzip")
	if rec.has("Content-Encoding") || rec.has("Vary") {
		t.Errorf("compression off: %v", rec.header)
	}
}

// A coded file from the cache costs no allocation.
func TestCodedAllocs(t *testing.T) {
	h, _ := codedHandler(t)
	h.window = 1 << 62
	for _, r := range []*Request{
		req("GET", "/style.css", "Accept-Encoding", "gzip, deflate, br, zstd"), // sibling, and zstd on the fly
		req("GET", "/app.js", "Accept-Encoding", "gzip, zstd"),                 // a large sibling
		req("GET", "/page.html", "Accept-Encoding", "gzip"),                    // on the fly
		req("GET", "/app.js"),
	} {
		w := &discard{}
		h.Serve(w, r)
		if n := testing.AllocsPerRun(200, func() { h.Serve(w, r) }); n != 0 {
			t.Errorf("%s %q: %v allocations per request, want 0", r.Path, r.AcceptEncoding, n)
		}
	}
}

func BenchmarkServeCoded(b *testing.B) {
	h, _ := codedHandler(b)
	for _, c := range []struct {
		name string
		r    *Request
	}{
		{"identity", req("GET", "/style.css")},
		{"sibling", req("GET", "/style.css", "Accept-Encoding", "gzip")},
		{"sibling-sendfile", req("GET", "/app.js", "Accept-Encoding", "zstd")},
		{"on-the-fly-cached", req("GET", "/page.html", "Accept-Encoding", "zstd")},
	} {
		b.Run(c.name, func(b *testing.B) {
			w := &discard{}
			h.Serve(w, c.r)
			b.ReportAllocs()
			for b.Loop() {
				if _, err := h.Serve(w, c.r); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
