package static

import (
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"strings"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/miniweb/miniweb/server/compress"
	"github.com/miniweb/miniweb/server/gateway/fingerprint"
)

// Errors of the package. Serve returns any other non-nil error only when
// the Response failed or the file could not be sent in full; the response
// is then broken and the connection must be closed.
var (
	// ErrRootNotDir is returned by New when the root is not a directory.
	ErrRootNotDir = errors.New("static: root is not a directory")

	// ErrFileFault marks an error Serve returns after it has answered 403
	// (permission denied) or 500 (another I/O error) in full: the fault is
	// on the server's side and worth a log line, but the response was
	// complete and the connection can carry another request.
	ErrFileFault = errors.New("static: file fault")

	// ErrShortFile is returned by Serve when the file ended before the
	// Content-Length already sent (it shrank while being sent); the
	// connection must be closed.
	ErrShortFile = errors.New("static: file shorter than its announced length")
)

// Request is what the handler needs of an HTTP request. All strings are as
// sent on the wire; a header field that is absent is "".
type Request struct {
	// Method is the request method. "GET" and "HEAD" are served, any
	// other method gets 405 with "Allow: GET, HEAD".
	Method string
	// Path is the request-target's path, still percent-encoded, e.g.
	// "/css/site%20main.css". It must start with '/'.
	Path string
	// Query is the raw query without its '?', "" if none; it is kept when
	// a folder is redirected to its trailing-slash form.
	Query string

	// AcceptEncoding is the Accept-Encoding field: with compression on (see
	// SetCompression), it picks a precompressed sibling or a file
	// compressed on the fly.
	AcceptEncoding string

	// IfMatch, IfNoneMatch, IfModifiedSince and IfUnmodifiedSince are the
	// conditional header fields of RFC 9110 §13.1.
	IfMatch, IfNoneMatch, IfModifiedSince, IfUnmodifiedSince string
	// Range is the Range field (RFC 9110 §14.2), IfRange the If-Range
	// field that makes it conditional (§13.1.5).
	Range, IfRange string
}

// Response is what the handler needs of the connection's response writer;
// the server implements it. The handler calls AddHeader any number of
// times, then WriteHeader once, then Write and ReadFrom for the body.
type Response interface {
	// AddHeader appends a response header field. The server adds Date,
	// Server and Connection itself, and Content-Length from WriteHeader.
	AddHeader(name, value string)

	// WriteHeader sends the status line and the header fields.
	// contentLength is the exact body size in bytes; the handler passes -1
	// only with 304, which has no body, no Content-Length and no
	// Transfer-Encoding (RFC 9112 §6.3). For HEAD the server sends no body
	// bytes even if Write or ReadFrom are called, and Content-Length stays
	// as given.
	WriteHeader(status int, contentLength int64) error

	// Write writes body bytes. It is buffered: a small body written right
	// after WriteHeader leaves in the same syscall as the head. It must not
	// keep p: cached file content is passed directly.
	io.Writer

	// ReadFrom writes body bytes read from r. The handler always passes an
	// *io.LimitedReader whose R is an *os.File positioned at the first
	// byte to send and whose N is the number of bytes to send, so the
	// server can use sendfile(2); it must not keep r after returning.
	io.ReaderFrom
}

// Handler serves the files of one root folder. It is safe for concurrent
// use. See the package documentation for the rules it follows.
type Handler struct {
	root    *os.Root
	dir     string // the root made absolute, "/srv/site/static"
	realDir string // dir with its symlinks resolved
	cache   *cache
	epoch   time.Time
	window  time.Duration // how long an entry is trusted without a stat

	// missing404 is the clock (ns) + 1 at which the root was last seen
	// without a 404.html, 0 if it was not: a miss is remembered for window.
	missing404 atomic.Int64

	// comp is the compression in force, nil when off (SetCompression).
	comp atomic.Pointer[compression]

	// open opens a root-relative name; tests replace it to inject faults.
	open func(name string) (*os.File, error)

	// embedded, when not nil, holds the files served when the root has no
	// file of the name (NewOverlay); root is nil when there is no folder.
	embedded fs.FS
}

// key404 is the cache key of the custom 404 page; request paths start with
// '/' so it cannot collide with one.
const key404 = "404.html"

// New returns a handler serving the folder root, made absolute. The folder
// must exist and be a directory; the error names it otherwise.
func New(root string) (*Handler, error) {
	abs, err := filepath.Abs(root)
	if err != nil {
		return nil, fmt.Errorf("static: root %q: %w", root, err)
	}
	fi, err := os.Stat(abs)
	if err != nil {
		return nil, fmt.Errorf("static: root: %w", err)
	}
	if !fi.IsDir() {
		return nil, fmt.Errorf("%w: %s", ErrRootNotDir, abs)
	}
	realDir, err := filepath.EvalSymlinks(abs)
	if err != nil {
		return nil, fmt.Errorf("static: root: %w", err)
	}
	r, err := os.OpenRoot(abs)
	if err != nil {
		return nil, fmt.Errorf("static: root: %w", err)
	}
	h := &Handler{
		root:    r,
		dir:     abs,
		realDir: realDir,
		cache:   newCache(),
		epoch:   time.Now(),
		window:  defaultWindow,
	}
	h.open = func(name string) (*os.File, error) { return h.root.OpenFile(name, openFlags, 0) }
	return h, nil
}

// NewOverlay returns a handler serving the folder root over the files of
// embedded: a file of the folder wins, and a name the folder lacks is
// looked up in embedded (the files built into the binary, say), as
// Gitea's custom/ folder overrides its built-in assets. Embedded files are
// served from memory (see embedded.go). root "" means no folder: embedded
// alone. A root that is given must exist, as with New.
func NewOverlay(root string, embedded fs.FS) (*Handler, error) {
	if root == "" {
		return &Handler{cache: newCache(), epoch: time.Now(), window: defaultWindow, embedded: embedded}, nil
	}
	h, err := New(root)
	if err != nil {
		return nil, err
	}
	h.embedded = embedded
	return h, nil
}

// Revalidate makes the handler check a cached file against the disk on
// every request (a stat), instead of trusting it for a second: for
// development, where a saved stylesheet must be what the next request
// gets. Call it before the first Serve.
func (h *Handler) Revalidate() { h.window = 0 }

// Close releases the root folder and every cached descriptor. Serve must
// not be called after Close.
func (h *Handler) Close() error {
	h.cache.clear()
	if h.root == nil {
		return nil
	}
	return h.root.Close()
}

// now returns the handler's monotonic clock in nanoseconds.
func (h *Handler) now() int64 { return int64(time.Since(h.epoch)) }

// Serve answers r on w. It returns the status it sent, and an error only
// when writing to w failed or the file could not be sent in full (the
// connection is then broken), or, wrapped with ErrFileFault, for a fault
// on the server's side that it answered with 403 or 500 (permission denied,
// an I/O error). A missing file is a 404, not an error.
func (h *Handler) Serve(w Response, r *Request) (status int, err error) {
	if r.Method != "GET" && r.Method != "HEAD" {
		w.AddHeader("Allow", "GET, HEAD")
		return sendPage(w, r, 405)
	}
	if plain, sum, ok := fingerprint.Parse(r.Path); ok {
		if status, err, served := h.serve(w, r, plain, sum); served {
			return status, err
		}
		// No file the fingerprint matches: the path as given (fingerprint.go).
	}
	status, err, _ = h.serve(w, r, r.Path, "")
	return status, err
}

// serve answers r with the file at the raw path key. With a fingerprint
// sum (fingerprint.go), it answers only if key names a file whose content
// has that fingerprint, and then as immutable; served is false when it
// did not answer.
func (h *Handler) serve(w Response, r *Request, key, sum string) (status int, err error, served bool) {
	for attempt := 0; ; attempt++ {
		var e *entry
		if attempt == 0 {
			e = h.lookup(key)
		}
		cached := e != nil
		var ref *fileRef
		if e == nil {
			name, dir, st := cleanPath(key)
			if st != 0 {
				if sum != "" {
					return 0, nil, false
				}
				status, err := h.fail(w, r, st, nil)
				return status, err, true
			}
			var err error
			e, ref, st, err = h.load(key, name, dir)
			if st != 0 {
				if sum != "" {
					return 0, nil, false
				}
				status, err := h.fail(w, r, st, err)
				return status, err, true
			}
		}
		cacheControl := ""
		if sum != "" {
			if !h.matches(e, ref, sum) {
				if ref != nil {
					h.cache.release(ref)
				}
				// A page made from a file saved within the trust window
				// links the new fingerprint before the cached entry has
				// seen the change: look at the file now, not a window
				// later, before calling the fingerprint stale.
				if cached && !h.current(e) {
					h.cache.remove(e)
					continue
				}
				return 0, nil, false
			}
			cacheControl = immutable
		}
		rep, ref := h.representation(r, e, ref) // e, or a coded variant (encoded.go)
		status, stale, err := h.serveEntry(w, r, rep, ref, 200, cacheControl)
		if !stale {
			return status, err, true
		}
		if attempt > 0 { // cannot happen: a fresh load brings its descriptor
			status, err := sendPage(w, r, 500)
			return status, err, true
		}
		h.cache.remove(rep) // the file changed since it was cached: look again
	}
}

// lookup returns the cached entry for key, or nil when there is none or
// the file has changed. An entry is trusted for h.window after it was last
// validated; the first request after that stats the file (one request per
// entry does, the others keep the entry meanwhile) and drops the entry if
// anything in its fileID moved.
func (h *Handler) lookup(key string) *entry {
	e := h.cache.get(key)
	if e == nil {
		return nil
	}
	now := h.now()
	last := e.checked.Load()
	if now-last < int64(h.window) || !e.checked.CompareAndSwap(last, now) {
		return e
	}
	if h.current(e) {
		return e
	}
	h.cache.remove(e)
	return nil
}

// current stats the file behind e and reports whether e still describes
// it: the same version on disk, or, for an embedded file, still no file of
// the folder overriding it.
func (h *Handler) current(e *entry) bool {
	if e.embedded {
		return !h.onDisk(e.name)
	}
	fi, err := h.root.Stat(e.name)
	return err == nil && identityOf(fi) == e.id
}

// openStat opens the root-relative name ("." for the root) and stats it.
func (h *Handler) openStat(name string) (*os.File, fs.FileInfo, error) {
	f, err := h.open(name)
	if err != nil {
		return nil, nil, err
	}
	fi, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, nil, err
	}
	return f, fi, nil
}

// load resolves the root-relative name (dir: the request ended in '/') to
// a regular file, builds its entry and caches it under key. It returns the
// open descriptor of a large file, ready to send, or a status: 301 for a
// folder without its trailing slash, 404, 403 or 500 with the error.
//
// A small file is read whole; should it change size while being read, it
// is opened again (three tries).
func (h *Handler) load(key, name string, dir bool) (*entry, *fileRef, int, error) {
	return h.loadWith(key, name, dir, newEntry)
}

// loadWith is load with the entry made by mk.
func (h *Handler) loadWith(key, name string, dir bool, mk func(key, name string, fi fs.FileInfo) *entry) (*entry, *fileRef, int, error) {
	for try := 0; ; try++ {
		if h.root == nil {
			return h.loadEmbedded(key, name, dir, mk)
		}
		f, fi, found, st, err := h.resolve(name, dir)
		if st == 404 && h.embedded != nil {
			return h.loadEmbedded(key, name, dir, mk)
		}
		if st != 0 {
			return nil, nil, st, err
		}
		e := mk(key, found, fi)
		var ref *fileRef
		if e.size <= smallFileMax {
			e.body = make([]byte, e.size)
			_, err = io.ReadFull(f, e.body)
			f.Close()
			if err != nil {
				if (err == io.EOF || err == io.ErrUnexpectedEOF) && try < 2 {
					continue
				}
				return nil, nil, 500, err
			}
		} else {
			e.idle = make(chan *fileRef, idlePerEntry)
			ref = &fileRef{f: f, e: e}
		}
		e.checked.Store(h.now())
		h.cache.put(e)
		return e, ref, 0, nil
	}
}

// resolve opens the root-relative name and returns the regular file to
// serve and its (possibly index.html) name, or a status and error:
//
//   - os.Root refuses every escape, by ".." or by a symlink (relative or
//     absolute) leading out of the root: 404;
//   - the real path of what was opened, read from the descriptor, must lie
//     under the root's real path and have no segment starting with '.',
//     so a symlink inside the root cannot expose a hidden file: 404;
//   - a folder is 301 without its trailing slash, else its index.html;
//     a file with a trailing slash, a FIFO, socket or device: 404.
func (h *Handler) resolve(name string, dir bool) (*os.File, fs.FileInfo, string, int, error) {
	target := name
	if target == "" {
		target = "."
	}
	f, fi, err := h.openStat(target)
	if err != nil {
		st, err := classify(err)
		return nil, nil, "", st, err
	}
	if !h.inside(f, name) {
		f.Close()
		return nil, nil, "", 404, nil
	}
	if fi.IsDir() {
		f.Close()
		if !dir {
			return nil, nil, "", 301, nil
		}
		name = path.Join(name, "index.html")
		if f, fi, err = h.openStat(name); err != nil {
			st, err := classify(err)
			return nil, nil, "", st, err
		}
		if !h.inside(f, name) {
			f.Close()
			return nil, nil, "", 404, nil
		}
	} else if dir {
		f.Close()
		return nil, nil, "", 404, nil
	}
	if !fi.Mode().IsRegular() {
		f.Close()
		return nil, nil, "", 404, nil
	}
	return f, fi, name, 0, nil
}

// inside reports whether the open file f (opened as the root-relative
// name) really lies under the root and outside every hidden folder.
func (h *Handler) inside(f *os.File, name string) bool {
	real, err := realPathOf(f, func() (string, error) {
		return filepath.EvalSymlinks(filepath.Join(h.realDir, filepath.FromSlash(name)))
	})
	if err != nil {
		return false
	}
	rel, ok := relUnder(h.realDir, real)
	return ok && !isHiddenRel(rel)
}

// relUnder returns p relative to dir, slash-separated, if p is dir or
// lies under it ("/srv/a", "/srv/a/x/y" gives "x/y").
func relUnder(dir, p string) (string, bool) {
	if p == dir {
		return "", true
	}
	if dir != string(filepath.Separator) {
		dir += string(filepath.Separator)
	}
	if !strings.HasPrefix(p, dir) {
		return "", false
	}
	return filepath.ToSlash(p[len(dir):]), true
}

// classify maps an open error to a status: 404 for a missing file, a
// non-directory in the path, a symlink loop or an escape refused by
// os.Root (its errors are not errnos); 403 for permission denied; 500 with
// the error for anything else. We don't want to tell a prober which one of
// the 404s it met.
func classify(err error) (int, error) {
	var errno syscall.Errno
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return 404, nil
	case errors.Is(err, fs.ErrPermission):
		return 403, err
	case !errors.As(err, &errno):
		return 404, nil // os.Root: "path escapes from parent", absolute symlink
	}
	switch errno {
	case syscall.ENOTDIR, syscall.ELOOP, syscall.ENAMETOOLONG, syscall.EINVAL:
		return 404, nil
	}
	return 500, err
}

// newEntry builds the entry of the file fi found as name under key.
func newEntry(key, name string, fi fs.FileInfo) *entry {
	mt := fi.ModTime()
	e := &entry{
		key:          key,
		name:         name,
		id:           identityOf(fi),
		size:         fi.Size(),
		lmSec:        mt.Unix(),
		etag:         makeETag(mt.UnixNano(), fi.Size()),
		lastModified: mt.UTC().Format(timeFormat),
		ctype:        contentType(name),
	}
	e.compressible = compress.Compressible(e.ctype)
	if e.compressible {
		e.vars = newVariants(key, name)
	}
	return e
}

// fileFor returns an open descriptor of the large file e: a parked one, or
// a new one if the file is still the one e describes. ok is false when it
// is not (the caller drops e and loads the file again) or cannot be opened.
func (h *Handler) fileFor(e *entry) (ref *fileRef, ok bool) {
	if ref := h.cache.acquire(e); ref != nil {
		return ref, true
	}
	f, fi, err := h.openStat(e.name)
	if err != nil {
		return nil, false
	}
	if identityOf(fi) != e.id {
		f.Close()
		return nil, false
	}
	return &fileRef{f: f, e: e}, true
}

// serveEntry answers r with the file e (status 200, or 404 for the custom
// 404 page): preconditions, ranges, headers, body. ref is an open
// descriptor of e if the caller has one; serveEntry releases it. stale
// reports that e no longer matches the file and nothing was written.
//
// cacheControl, when not "", is sent as Cache-Control with a 200, 206 or
// 304 (RFC 9111 §4.3.4: a 304 carries what the 200 would).
func (h *Handler) serveEntry(w Response, r *Request, e *entry, ref *fileRef, status int, cacheControl string) (_ int, stale bool, err error) {
	defer func() {
		if ref != nil {
			h.cache.release(ref)
		}
	}()
	var (
		spans   [maxRanges]span
		n       int
		verdict = rangeIgnore
	)
	if status == 200 {
		switch checkPreconditions(r, e) {
		case 412:
			st, err := sendPage(w, r, 412)
			return st, false, err
		case 304:
			if cacheControl != "" {
				w.AddHeader("Cache-Control", cacheControl)
			}
			w.AddHeader("ETag", e.etag)
			w.AddHeader("Last-Modified", e.lastModified)
			h.addVary(w, e)
			return 304, false, w.WriteHeader(304, -1)
		}
		if r.Method == "GET" && r.Range != "" && ifRangeHolds(r.IfRange, e) {
			n, verdict = parseRange(r.Range, e.size, &spans)
		}
		if verdict == rangeUnsatisfiable {
			w.AddHeader("Content-Range", unsatisfiedRange(e.size))
			st, err := sendPage(w, r, 416)
			return st, false, err
		}
	}
	if r.Method == "GET" && e.body == nil && ref == nil {
		var ok bool
		if ref, ok = h.fileFor(e); !ok {
			return 0, true, nil
		}
	}

	if cacheControl != "" {
		w.AddHeader("Cache-Control", cacheControl)
	}
	if verdict == rangeSatisfiable && n > 1 {
		st, err := h.sendMultipart(w, e, ref, spans[:n])
		return st, false, err
	}
	// A 404 page is no representation of the request's target: no
	// validators, no ranges.
	w.AddHeader("Content-Type", e.ctype)
	w.AddHeader("X-Content-Type-Options", "nosniff")
	if status == 200 {
		w.AddHeader("Last-Modified", e.lastModified)
		w.AddHeader("ETag", e.etag)
		w.AddHeader("Accept-Ranges", "bytes")
		if e.encoding != "" {
			w.AddHeader("Content-Encoding", e.encoding)
		}
		h.addVary(w, e)
	}
	s := span{0, e.size - 1}
	if verdict == rangeSatisfiable {
		s, status = spans[0], 206
		w.AddHeader("Content-Range", contentRange(s, e.size))
	}
	if err := w.WriteHeader(status, s.length()); err != nil || r.Method == "HEAD" || s.length() == 0 {
		return status, false, err
	}
	return status, false, sendSpan(w, e, ref, s)
}

// sendMultipart sends the spans of e as a 206 multipart/byteranges body
// (RFC 9110 §14.6) whose Content-Length is computed exactly beforehand.
// The boundary is random per response, so no file can contain it by design.
func (h *Handler) sendMultipart(w Response, e *entry, ref *fileRef, spans []span) (int, error) {
	boundary := rand.Text()
	heads := make([]string, len(spans))
	tail := multipartTail(boundary)
	total := int64(len(tail))
	for i, s := range spans {
		heads[i] = multipartHead(i, boundary, e.ctype, s, e.size)
		total += int64(len(heads[i])) + s.length()
	}
	w.AddHeader("Content-Type", "multipart/byteranges; boundary="+boundary)
	w.AddHeader("X-Content-Type-Options", "nosniff")
	w.AddHeader("Last-Modified", e.lastModified)
	w.AddHeader("ETag", e.etag)
	w.AddHeader("Accept-Ranges", "bytes")
	h.addVary(w, e)
	if err := w.WriteHeader(206, total); err != nil {
		return 206, err
	}
	for i, s := range spans {
		if _, err := io.WriteString(w, heads[i]); err != nil {
			return 206, err
		}
		if err := sendSpan(w, e, ref, s); err != nil {
			return 206, err
		}
	}
	_, err := io.WriteString(w, tail)
	return 206, err
}

// sendSpan writes the bytes s of e: from memory for a small file, else by
// ReadFrom with the descriptor positioned and limited, for sendfile(2).
func sendSpan(w Response, e *entry, ref *fileRef, s span) error {
	if e.body != nil {
		_, err := w.Write(e.body[s.first : s.last+1])
		return err
	}
	if _, err := ref.f.Seek(s.first, io.SeekStart); err != nil {
		return fmt.Errorf("static: %s: %w", e.name, err)
	}
	ref.lr = io.LimitedReader{R: ref.f, N: s.length()}
	n, err := w.ReadFrom(&ref.lr)
	ref.lr.R = nil
	if err != nil {
		return err
	}
	if n < s.length() {
		return fmt.Errorf("%w: %s", ErrShortFile, e.name)
	}
	return nil
}

// fail answers a request that found no file: 400, 404 (with the custom
// page if any), 301 to the trailing-slash form, or 403 and 500 with err
// wrapped in ErrFileFault.
func (h *Handler) fail(w Response, r *Request, status int, err error) (int, error) {
	switch status {
	case 404:
		return h.notFound(w, r)
	case 301:
		if !validQuery(r.Query) {
			return sendPage(w, r, 400)
		}
		loc := r.Path + "/"
		if r.Query != "" {
			loc += "?" + r.Query
		}
		w.AddHeader("Location", loc)
	}
	st, werr := sendPage(w, r, status)
	if werr != nil {
		return st, werr
	}
	if err != nil && (status == 403 || status == 500) {
		return st, fmt.Errorf("%w: %w", ErrFileFault, err)
	}
	return st, nil
}

// notFound answers 404 with the root's 404.html if there is one, else with
// the fixed page. Whether 404.html exists is remembered for h.window.
func (h *Handler) notFound(w Response, r *Request) (int, error) {
	e := h.lookup(key404)
	var ref *fileRef
	if e == nil {
		if m := h.missing404.Load(); m != 0 && h.now()-(m-1) < int64(h.window) {
			return sendPage(w, r, 404)
		}
		var st int
		e, ref, st, _ = h.load(key404, key404, false)
		if st != 0 {
			h.missing404.Store(h.now() + 1)
			return sendPage(w, r, 404)
		}
		h.missing404.Store(0)
	}
	status, stale, err := h.serveEntry(w, r, e, ref, 404, "")
	if stale {
		h.cache.remove(e)
		return sendPage(w, r, 404)
	}
	return status, err
}

// sendPage answers status with its fixed page.
func sendPage(w Response, r *Request, status int) (int, error) {
	body := pageFor(status)
	w.AddHeader("Content-Type", htmlType)
	w.AddHeader("X-Content-Type-Options", "nosniff")
	if err := w.WriteHeader(status, int64(len(body))); err != nil || r.Method == "HEAD" {
		return status, err
	}
	_, err := w.Write(body)
	return status, err
}
