package static

import (
	"bytes"
	"errors"
	"io"
	"io/fs"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// fixedTime is the modification time given to every fixture, so validators
// are predictable: Last-Modified "Sat, 01 Mar 2025 12:00:00 GMT".
var fixedTime = time.Date(2025, 3, 1, 12, 0, 0, 123456789, time.UTC)

const fixedLastModified = "Sat, 01 Mar 2025 12:00:00 GMT"

// field is one recorded header field.
type field struct{ name, value string }

// recorder is a Response that records what the handler does and checks
// that it keeps the contract: one WriteHeader before any body, a body of
// exactly the announced length, none for HEAD or 304.
type recorder struct {
	t      testing.TB
	method string

	header      []field
	status      int
	length      int64 // as passed to WriteHeader
	wroteHeader int
	body        bytes.Buffer // the bytes the server would send
	attempted   int64        // body bytes handed over, HEAD included

	writes       int  // Write calls
	readFroms    int  // ReadFrom calls
	readFromFile bool // every ReadFrom got a LimitedReader over an *os.File

	failWrites bool // make every write fail, like a gone client
}

var errGone = errors.New("test: client gone")

func newRecorder(t testing.TB, method string) *recorder {
	return &recorder{t: t, method: method, status: -1, readFromFile: true}
}

func (r *recorder) AddHeader(name, value string) {
	if r.wroteHeader > 0 {
		r.t.Errorf("AddHeader(%q) after WriteHeader", name)
	}
	r.header = append(r.header, field{name, value})
}

func (r *recorder) WriteHeader(status int, contentLength int64) error {
	r.wroteHeader++
	if r.wroteHeader > 1 {
		r.t.Errorf("WriteHeader called %d times", r.wroteHeader)
	}
	r.status, r.length = status, contentLength
	if r.failWrites {
		return errGone
	}
	return nil
}

func (r *recorder) Write(p []byte) (int, error) {
	r.writes++
	if r.wroteHeader == 0 {
		r.t.Errorf("Write before WriteHeader")
	}
	if r.failWrites {
		return 0, errGone
	}
	r.attempted += int64(len(p))
	if r.method != "HEAD" && r.status != 304 {
		r.body.Write(p)
	}
	return len(p), nil
}

func (r *recorder) ReadFrom(src io.Reader) (int64, error) {
	r.readFroms++
	if r.wroteHeader == 0 {
		r.t.Errorf("ReadFrom before WriteHeader")
	}
	lr, ok := src.(*io.LimitedReader)
	if !ok {
		r.readFromFile = false
	} else if _, ok := lr.R.(*os.File); !ok {
		r.readFromFile = false
	}
	if r.failWrites {
		return 0, errGone
	}
	var sink io.Writer = &r.body
	if r.method == "HEAD" || r.status == 304 {
		sink = io.Discard
	}
	n, err := io.Copy(sink, src)
	r.attempted += n
	return n, err
}

// get returns the first value of the named field, "" if absent.
func (r *recorder) get(name string) string {
	for _, f := range r.header {
		if strings.EqualFold(f.name, name) {
			return f.value
		}
	}
	return ""
}

// has reports whether the named field was added.
func (r *recorder) has(name string) bool {
	for _, f := range r.header {
		if strings.EqualFold(f.name, name) {
			return true
		}
	}
	return false
}

// checkFraming fails the test when the body does not match the length
// announced: the invariant the server's framing relies on.
func (r *recorder) checkFraming() {
	r.t.Helper()
	switch {
	case r.wroteHeader != 1:
		r.t.Errorf("WriteHeader called %d times", r.wroteHeader)
	case r.status == 304:
		if r.length != -1 || r.attempted != 0 {
			r.t.Errorf("304 with length %d and %d body bytes", r.length, r.attempted)
		}
	case r.method == "HEAD":
		if r.attempted != 0 {
			r.t.Errorf("HEAD wrote %d body bytes", r.attempted)
		}
	case r.length != int64(r.body.Len()):
		r.t.Errorf("Content-Length %d but body of %d bytes", r.length, r.body.Len())
	}
}

// req builds a Request: method, path, then header name/value pairs.
func req(method, path string, kv ...string) *Request {
	r := &Request{Method: method, Path: path}
	if p, q, ok := strings.Cut(path, "?"); ok {
		r.Path, r.Query = p, q
	}
	for i := 0; i+1 < len(kv); i += 2 {
		v := kv[i+1]
		switch strings.ToLower(kv[i]) {
		case "if-match":
			r.IfMatch = v
		case "if-none-match":
			r.IfNoneMatch = v
		case "if-modified-since":
			r.IfModifiedSince = v
		case "if-unmodified-since":
			r.IfUnmodifiedSince = v
		case "range":
			r.Range = v
		case "if-range":
			r.IfRange = v
		case "accept-encoding":
			r.AcceptEncoding = v
		default:
			panic("req: unknown field " + kv[i])
		}
	}
	return r
}

// serve runs r through h and checks the framing.
func serve(t testing.TB, h *Handler, r *Request) (*recorder, error) {
	t.Helper()
	rec := newRecorder(t, r.Method)
	status, err := h.Serve(rec, r)
	if status != rec.status {
		t.Errorf("%s %s: Serve returned status %d, sent %d", r.Method, r.Path, status, rec.status)
	}
	rec.checkFraming()
	return rec, err
}

// get serves a GET of path with header pairs kv and fails on an error.
func get(t testing.TB, h *Handler, path string, kv ...string) *recorder {
	t.Helper()
	rec, err := serve(t, h, req("GET", path, kv...))
	if err != nil {
		t.Fatalf("GET %s: %v", path, err)
	}
	return rec
}

// Sizes of the generated files.
const (
	bigSize   = 100 << 10
	smallSize = 1 << 10
)

// makeSite copies testdata/site into a temporary folder and adds what git
// cannot hold or should not: dotfiles, a .git folder, symlinks in and out,
// large and empty files, a FIFO. Every file gets fixedTime. It returns the
// folder (inside a parent that also holds "outside.txt").
func makeSite(t testing.TB) string {
	t.Helper()
	parent := t.TempDir()
	root := filepath.Join(parent, "site")
	if err := os.CopyFS(root, os.DirFS("testdata/site")); err != nil {
		t.Fatal(err)
	}
	write := func(name string, data []byte) {
		t.Helper()
		p := filepath.Join(root, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	link := func(target, name string) {
		t.Helper()
		if err := os.Symlink(target, filepath.Join(root, filepath.FromSlash(name))); err != nil {
			t.Skipf("symlinks not supported: %v", err)
		}
	}
	if err := os.WriteFile(filepath.Join(parent, "outside.txt"), []byte("secret outside\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(filepath.Join(parent, "outdir"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(parent, "outdir", "index.html"), []byte("outside index\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	write(".env", []byte("SECRET=1\n"))
	write(".git/config", []byte("[core]\n"))
	write(".hiddendir/page.html", []byte("hidden\n"))
	write("sub/.hidden", []byte("hidden\n"))
	write("big.bin", randomBytes(bigSize, 1))
	write("small.bin", randomBytes(smallSize, 2))
	write("empty.txt", nil)
	write("a%2fb.txt", []byte("literal percent\n"))
	write("héllo wörld.txt", []byte("utf-8 name\n"))
	link("notes.txt", "link-in.txt")
	link("sub", "link-dir")
	link("../outside.txt", "link-out.txt")
	link("../outdir", "link-outdir")
	link(".env", "link-dotfile.txt")
	link(".hiddendir", "link-hiddendir")
	link(filepath.Join(root, "notes.txt"), "link-abs.txt")
	link("loop-b", "loop-a")
	link("loop-a", "loop-b")
	link("missing.txt", "dangling.txt")
	if err := syscall.Mkfifo(filepath.Join(root, "fifo.txt"), 0o644); err != nil {
		t.Logf("no FIFO: %v", err)
	}
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.Type()&(fs.ModeSymlink|fs.ModeNamedPipe) != 0 {
			return nil
		}
		return os.Chtimes(p, fixedTime, fixedTime)
	})
	if err != nil {
		t.Fatal(err)
	}
	return root
}

// randomBytes returns n pseudo-random bytes from seed.
func randomBytes(n int, seed uint64) []byte {
	r := rand.New(rand.NewPCG(seed, seed))
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(r.Uint32())
	}
	return b
}

// newHandler returns a handler on root, closed at the end of the test.
func newHandler(t testing.TB, root string) *Handler {
	t.Helper()
	h, err := New(root)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { h.Close() })
	return h
}

// mustRead returns the content of the file root/name.
func mustRead(t testing.TB, root, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(root, filepath.FromSlash(name)))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestNew(t *testing.T) {
	root := makeSite(t)
	h, err := New(root)
	if err != nil {
		t.Fatal(err)
	}
	defer h.Close()
	if h.dir != root {
		t.Errorf("dir = %q, want %q", h.dir, root)
	}

	missing := filepath.Join(root, "no-such-dir")
	if _, err := New(missing); err == nil || !errors.Is(err, fs.ErrNotExist) || !strings.Contains(err.Error(), missing) {
		t.Errorf("New(missing) = %v, want a not-exist error naming %s", err, missing)
	}
	file := filepath.Join(root, "notes.txt")
	if _, err := New(file); !errors.Is(err, ErrRootNotDir) || !strings.Contains(err.Error(), file) {
		t.Errorf("New(file) = %v, want ErrRootNotDir naming %s", err, file)
	}

	// A relative root is made absolute.
	t.Chdir(filepath.Dir(root))
	h2, err := New("site")
	if err != nil {
		t.Fatal(err)
	}
	defer h2.Close()
	if h2.dir != root {
		t.Errorf("New(\"site\"): dir %q, want %q", h2.dir, root)
	}
	if rec := get(t, h2, "/notes.txt"); rec.status != 200 {
		t.Errorf("relative root: status %d", rec.status)
	}
}

func TestMethods(t *testing.T) {
	t.Parallel()
	h := newHandler(t, makeSite(t))
	for _, m := range []string{"POST", "PUT", "DELETE", "PATCH", "OPTIONS", "TRACE", "CONNECT", "get", "head", "BREW", ""} {
		rec, err := serve(t, h, req(m, "/notes.txt"))
		if err != nil {
			t.Fatal(err)
		}
		if rec.status != 405 || rec.get("Allow") != "GET, HEAD" {
			t.Errorf("%q: status %d Allow %q, want 405 \"GET, HEAD\"", m, rec.status, rec.get("Allow"))
		}
		if !bytes.Equal(rec.body.Bytes(), page405) {
			t.Errorf("%q: body %q", m, rec.body.Bytes())
		}
	}
}

func TestIndexAndRedirect(t *testing.T) {
	t.Parallel()
	root := makeSite(t)
	h := newHandler(t, root)
	tests := []struct {
		path     string
		status   int
		file     string // the file whose content is the body, for 200
		location string // the Location, for 301
	}{
		{"/", 200, "index.html", ""},
		{"/index.html", 200, "index.html", ""},
		{"/sub/", 200, "sub/index.html", ""},
		{"/sub", 301, "", "/sub/"},
		{"/sub?x=1&y=%20", 301, "", "/sub/?x=1&y=%20"},
		{"/s%75b", 301, "", "/s%75b/"}, // the raw path is kept: it is what the client knows
		{"/docs", 301, "", "/docs/"},
		{"/docs/", 404, "", ""}, // no index.html, and never a listing
		{"/sub/page.html", 200, "sub/page.html", ""},
		{"/sub/page.html/", 404, "", ""},
		{"/notes.txt/", 404, "", ""},
		{"/link-dir/", 200, "sub/index.html", ""},
		{"/link-dir", 301, "", "/link-dir/"},
		{"/css/site%20main.css", 200, "css/site main.css", ""},
		{"/h%C3%A9llo%20w%C3%B6rld.txt", 200, "héllo wörld.txt", ""},
		{"/héllo wörld.txt", 200, "héllo wörld.txt", ""}, // raw UTF-8 is accepted
		{"/a%252fb.txt", 200, "a%2fb.txt", ""},           // decoded once only
		{"/sub?\x01", 400, "", ""},                       // a query we could not echo
	}
	for _, tt := range tests {
		rec, err := serve(t, h, req("GET", tt.path))
		if err != nil {
			t.Fatalf("%s: %v", tt.path, err)
		}
		if rec.status != tt.status {
			t.Errorf("%s: status %d, want %d", tt.path, rec.status, tt.status)
			continue
		}
		switch tt.status {
		case 200:
			if want := mustRead(t, root, tt.file); !bytes.Equal(rec.body.Bytes(), want) {
				t.Errorf("%s: body %q, want %q", tt.path, rec.body.Bytes(), want)
			}
		case 301:
			if got := rec.get("Location"); got != tt.location {
				t.Errorf("%s: Location %q, want %q", tt.path, got, tt.location)
			}
			if !bytes.Equal(rec.body.Bytes(), page301) || rec.get("Content-Type") != htmlType {
				t.Errorf("%s: redirect body %q type %q", tt.path, rec.body.Bytes(), rec.get("Content-Type"))
			}
		}
	}
}

func TestHead(t *testing.T) {
	t.Parallel()
	root := makeSite(t)
	h := newHandler(t, root)
	for _, path := range []string{"/notes.txt", "/big.bin", "/", "/missing", "/sub", "/%zz"} {
		g, _ := serve(t, h, req("GET", path))
		hd, err := serve(t, h, req("HEAD", path))
		if err != nil {
			t.Fatal(err)
		}
		if hd.status != g.status || hd.length != g.length {
			t.Errorf("HEAD %s: %d/%d, GET %d/%d", path, hd.status, hd.length, g.status, g.length)
		}
		if hd.writes != 0 || hd.readFroms != 0 {
			t.Errorf("HEAD %s: %d writes, %d ReadFroms", path, hd.writes, hd.readFroms)
		}
		if hd.get("ETag") != g.get("ETag") || hd.get("Content-Type") != g.get("Content-Type") {
			t.Errorf("HEAD %s: headers differ from GET", path)
		}
	}
	// Range does not apply to HEAD (RFC 9110 §14.2).
	if rec, _ := serve(t, h, req("HEAD", "/notes.txt", "Range", "bytes=0-9")); rec.status != 200 || rec.length != 100 {
		t.Errorf("HEAD with Range: %d/%d, want 200/100", rec.status, rec.length)
	}
}

func TestBodies(t *testing.T) {
	t.Parallel()
	root := makeSite(t)
	h := newHandler(t, root)
	for i := 0; i < 3; i++ { // miss, then hits with a parked descriptor
		small := get(t, h, "/small.bin")
		if small.writes != 1 || small.readFroms != 0 {
			t.Errorf("small file: %d writes, %d ReadFroms; want one Write", small.writes, small.readFroms)
		}
		if !bytes.Equal(small.body.Bytes(), mustRead(t, root, "small.bin")) {
			t.Error("small file: wrong body")
		}
		big := get(t, h, "/big.bin")
		if big.readFroms != 1 || !big.readFromFile || big.writes != 0 {
			t.Errorf("big file: %d ReadFroms (file %v), %d writes; want one ReadFrom of a file", big.readFroms, big.readFromFile, big.writes)
		}
		if !bytes.Equal(big.body.Bytes(), mustRead(t, root, "big.bin")) {
			t.Error("big file: wrong body")
		}
	}
	empty := get(t, h, "/empty.txt")
	if empty.status != 200 || empty.length != 0 || empty.writes != 0 {
		t.Errorf("empty file: %d/%d, %d writes", empty.status, empty.length, empty.writes)
	}
	if n := h.cache.idleFiles.Load(); n != 1 {
		t.Errorf("%d parked descriptors, want 1", n)
	}
}

func TestWriteErrors(t *testing.T) {
	t.Parallel()
	h := newHandler(t, makeSite(t))
	for _, path := range []string{"/notes.txt", "/big.bin", "/missing", "/%zz"} {
		rec := newRecorder(t, "GET")
		rec.failWrites = true
		if _, err := h.Serve(rec, req("GET", path)); !errors.Is(err, errGone) {
			t.Errorf("%s: err %v, want the Response's error", path, err)
		}
	}
	rec := newRecorder(t, "GET")
	rec.failWrites = true
	if _, err := h.Serve(rec, req("GET", "/notes.txt", "Range", "bytes=0-1,5-6")); !errors.Is(err, errGone) {
		t.Errorf("multipart: err %v, want the Response's error", err)
	}
}

func TestNotFound(t *testing.T) {
	t.Parallel()
	root := makeSite(t)
	h := newHandler(t, root)
	h.window = 0 // see 404.html come and go at once
	for _, m := range []string{"GET", "HEAD"} {
		rec, err := serve(t, h, req(m, "/nope.html"))
		if err != nil || rec.status != 404 || rec.get("Content-Type") != htmlType {
			t.Fatalf("%s: %d %q %v", m, rec.status, rec.get("Content-Type"), err)
		}
		if m == "GET" && !bytes.Equal(rec.body.Bytes(), page404) {
			t.Errorf("default 404 body %q", rec.body.Bytes())
		}
		if !strings.Contains(string(page404), "<h1>404 Not Found</h1>") {
			t.Errorf("page404 = %q", page404)
		}
	}

	custom := []byte("<!doctype html><title>Lost</title><h1>Lost?</h1>\n")
	if err := os.WriteFile(filepath.Join(root, "404.html"), custom, 0o644); err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 2; i++ {
		rec := get(t, h, "/nope.html", "If-None-Match", "*", "Range", "bytes=0-1")
		if rec.status != 404 || !bytes.Equal(rec.body.Bytes(), custom) {
			t.Errorf("custom 404: %d %q", rec.status, rec.body.Bytes())
		}
		if rec.has("ETag") || rec.has("Accept-Ranges") || rec.get("Content-Type") != htmlType {
			t.Errorf("custom 404 headers: %v", rec.header)
		}
	}
	if rec, _ := serve(t, h, req("HEAD", "/nope.html")); rec.status != 404 || rec.length != int64(len(custom)) {
		t.Errorf("HEAD custom 404: %d/%d", rec.status, rec.length)
	}
	// Hidden and hostile paths get the same page: no oracle for a prober.
	if rec := get(t, h, "/.env"); rec.status != 404 || !bytes.Equal(rec.body.Bytes(), custom) {
		t.Errorf("/.env: %d %q", rec.status, rec.body.Bytes())
	}
	// A big 404.html is sent with ReadFrom.
	bigPage := bytes.Repeat([]byte("<p>lost</p>\n"), 4000)
	if err := os.WriteFile(filepath.Join(root, "404.html"), bigPage, 0o644); err != nil {
		t.Fatal(err)
	}
	if rec := get(t, h, "/nope"); rec.status != 404 || !bytes.Equal(rec.body.Bytes(), bigPage) || rec.readFroms != 1 {
		t.Errorf("big 404.html: %d, %d bytes, %d ReadFroms", rec.status, rec.body.Len(), rec.readFroms)
	}
	if err := os.Remove(filepath.Join(root, "404.html")); err != nil {
		t.Fatal(err)
	}
	if rec := get(t, h, "/nope"); rec.status != 404 || !bytes.Equal(rec.body.Bytes(), page404) {
		t.Errorf("after removing 404.html: %d %q", rec.status, rec.body.Bytes())
	}
}

// faultyOpen makes h's opens of name fail with errno.
func faultyOpen(h *Handler, name string, errno syscall.Errno) {
	next := h.open
	h.open = func(n string) (*os.File, error) {
		if n == name {
			return nil, &fs.PathError{Op: "openat", Path: n, Err: errno}
		}
		return next(n)
	}
}

func TestFaults(t *testing.T) {
	t.Parallel()
	h := newHandler(t, makeSite(t))
	faultyOpen(h, "notes.txt", syscall.EACCES)
	faultyOpen(h, "data.json", syscall.EIO)
	faultyOpen(h, "sub/index.html", syscall.EPERM)
	tests := []struct {
		path   string
		status int
		errIs  error // nil: no error
		page   []byte
	}{
		{"/notes.txt", 403, fs.ErrPermission, page403},
		{"/sub/", 403, fs.ErrPermission, page403},
		{"/data.json", 500, syscall.EIO, page500},
		{"/js/app.js", 200, nil, nil},
	}
	for _, tt := range tests {
		rec, err := serve(t, h, req("GET", tt.path))
		if rec.status != tt.status {
			t.Errorf("%s: status %d, want %d", tt.path, rec.status, tt.status)
		}
		if tt.errIs == nil {
			if err != nil {
				t.Errorf("%s: %v", tt.path, err)
			}
			continue
		}
		if !errors.Is(err, ErrFileFault) || !errors.Is(err, tt.errIs) {
			t.Errorf("%s: err %v, want ErrFileFault and %v", tt.path, err, tt.errIs)
		}
		if !bytes.Equal(rec.body.Bytes(), tt.page) {
			t.Errorf("%s: body %q", tt.path, rec.body.Bytes())
		}
	}
}

// TestPermissionDenied uses a real chmod; root reads everything, so it
// skips there (TestFaults covers the mapping).
func TestPermissionDenied(t *testing.T) {
	t.Parallel()
	if os.Geteuid() == 0 {
		t.Skip("running as root: chmod 000 does not stop reads")
	}
	root := makeSite(t)
	h := newHandler(t, root)
	p := filepath.Join(root, "notes.txt")
	if err := os.Chmod(p, 0); err != nil {
		t.Fatal(err)
	}
	defer os.Chmod(p, 0o644)
	rec, err := serve(t, h, req("GET", "/notes.txt"))
	if rec.status != 403 || !errors.Is(err, fs.ErrPermission) || !errors.Is(err, ErrFileFault) {
		t.Errorf("status %d err %v, want 403 and a permission error", rec.status, err)
	}
}

func TestSpecialFiles(t *testing.T) {
	t.Parallel()
	root := makeSite(t)
	if _, err := os.Lstat(filepath.Join(root, "fifo.txt")); err != nil {
		t.Skip("no FIFO")
	}
	h := newHandler(t, root)
	done := make(chan int)
	go func() {
		rec, _ := serve(t, h, req("GET", "/fifo.txt"))
		done <- rec.status
	}()
	select {
	case st := <-done:
		if st != 404 {
			t.Errorf("FIFO: status %d, want 404", st)
		}
	case <-time.After(time.Minute):
		t.Fatal("serving a FIFO blocked")
	}
}
