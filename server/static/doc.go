// Package static serves the files of one root folder over miniweb's own
// HTTP/1.1 connections, like nginx or net/http's FileServer, but strict.
// It does not import net/http: the server hands it a [Request] with the few
// fields it needs and a [Response] to write to.
//
//	h, err := static.New("static")
//	if err != nil {
//		return err // "static: root is not a directory: /srv/site/static"
//	}
//	defer h.Close()
//	status, err := h.Serve(w, &static.Request{Method: "GET", Path: "/css/site.css"})
//
// # Safety
//
// The request path is checked before any file is touched (cleanPath):
//
//   - it is percent-decoded exactly once; an invalid escape is a 400;
//   - an encoded slash (%2F), a backslash (raw or %5C), NUL and the other
//     control bytes (raw or encoded) are a 400;
//   - the decoded path must be valid UTF-8, else 400;
//   - ".", ".." and empty ("//") segments are a 400, raw or decoded, so
//     "%2e%2e" and ".%2E" too;
//   - any other segment starting with '.' (dotfiles and dot-folders:
//     /.env, /.git/config, /sub/.hidden) is hidden: 404.
//
// Files are opened through an [os.Root] on the root folder, which opens
// each path component relative to the one before and refuses any escape,
// by ".." or by a symlink, even one swapped in during the lookup. Symlinks
// are followed when they stay inside the root (os.Root refuses absolute
// symlink targets, so inside links must be relative); one leading out is a
// 404. After the open, the real path of the descriptor (from
// /proc/self/fd on Linux, filepath.EvalSymlinks elsewhere) must lie under
// the root's real path with no segment starting with '.', so a link cannot
// expose a hidden file either. Only regular files are served; folders,
// FIFOs (opened with O_NONBLOCK so they cannot stall us), sockets and
// devices are a 404. Folders are never listed.
//
// Error statuses carry small fixed HTML pages that never echo request
// bytes. A missing file is a 404 (the root's 404.html when there is one,
// still with status 404), permission denied a 403, any other I/O error a
// 500; the last two are returned wrapped in [ErrFileFault] for the log.
//
// # Folders
//
// "/" and every folder path ending in '/' serve the folder's index.html; a
// folder without the trailing slash is redirected (301) to it, keeping the
// query. The Location is the request path plus '/', safe to echo because
// the path can hold no "//", backslash or control byte. A file path with a
// trailing slash is a 404.
//
// # Validators, conditionals and ranges
//
// Every file is sent with Content-Type (a built-in table for web types,
// then mime.TypeByExtension, then application/octet-stream; text types
// with "; charset=utf-8"), "X-Content-Type-Options: nosniff",
// Last-Modified, a strong ETag `"<hex mtime ns>-<hex size>"` and
// "Accept-Ranges: bytes". The conditional fields are evaluated in the
// order of RFC 9110 §13.2.2 (If-Match, If-Unmodified-Since, If-None-Match,
// If-Modified-Since), giving 412 or 304. A 304 carries ETag and
// Last-Modified and is written with WriteHeader(304, -1): the server sends
// neither body, Content-Length nor Transfer-Encoding for it.
//
// Range (RFC 9110 §14) applies to GET only, with the "bytes" unit, and is
// subject to If-Range (a strong ETag match or the exact Last-Modified
// date). One range gives a 206 with Content-Range; several give a 206
// multipart/byteranges body with a random boundary and an exact
// Content-Length. A set with no satisfiable range (every start at or
// beyond the end, "-0", or an empty file) gives 416 with
// "Content-Range: bytes */size". Unlike net/http, which answers 416, a
// malformed header is ignored (200); so is, as an abuse guard, a set of
// more than 16 ranges, or of overlapping ranges (whose sum would otherwise
// exceed the file).
//
// # Compression
//
// With [Handler.SetCompression], a compressible file (CSS, JavaScript,
// HTML, SVG, JSON, ...) goes to a client whose Request.AcceptEncoding
// takes zstd or gzip as a precompressed sibling beside it
// ("style.css.zst", "style.css.gz", sent with sendfile like any file, and
// ignored when older than the file), or else coded on the fly (files of 1
// KiB to 1 MiB by default) and kept in a bounded cache of coded bodies,
// so that only the first request pays for the coding. A coded variant has
// the file's Content-Type, Content-Encoding, its own ETag and length;
// every response for a compressible file has "Vary: Accept-Encoding". A
// Range request gets the file itself. See encoded.go.
//
// # Fingerprinted URLs
//
// A path whose last segment carries a content fingerprint (package
// miniweb/server/gateway/fingerprint), "/style.3f9a1c2e0b4d.css", serves
// "/style.css" with "Cache-Control: public, max-age=31536000, immutable"
// when the file's content has that fingerprint; a stale fingerprint is a
// 404 (never the current content under the old name, nor a redirect). The
// plain path is served as always, with its validators and no
// Cache-Control. See fingerprint.go.
//
// # Embedded files
//
// [NewOverlay] serves a folder over an fs.FS such as the files embedded
// in the binary: a file of the folder wins, a name the folder lacks comes
// from the fs.FS, read into memory and written from there (no sendfile),
// with an ETag made from its content. See embedded.go.
//
// # Sending and caching
//
// Files up to 16 KiB are read into memory and written with Write, so the
// head and the body leave in one syscall. Larger ones are passed to
// ReadFrom as an *io.LimitedReader over an *os.File positioned with Seek,
// which lets the server use sendfile(2); their descriptors are kept open
// for reuse (at most 64 in all).
//
// A cache maps each request path to what was found: name, size,
// modification time, ETag, Last-Modified, Content-Type and, for small
// files, the content. It is bounded (4096 entries, 32 MiB of content,
// random eviction) and safe for concurrent use. An entry is trusted for
// one second after it was last validated; the first request after that
// stats the file (device, inode, size, mtime, ctime) and reloads it if
// anything moved. So an edited, replaced, removed or chmod-ed file is
// served fresh at the latest about one second after the change (plus the
// time of one stat). A request for a cached file allocates nothing: a
// small one costs no syscall of ours, a large one a seek on a reused
// descriptor. A missing 404.html is likewise remembered for one second;
// no other negative answer is cached.
package static
