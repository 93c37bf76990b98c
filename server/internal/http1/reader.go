package http1

import (
	"bytes"
	"errors"
	"io"
	"sync"
)

// defaultBufSize is the size of a fresh read buffer; a buffer grows past it
// only when one line of a head needs more room.
const defaultBufSize = 4 << 10

// Interning bounds: a Reader remembers at most this many strings, of at most
// this many bytes in all. When the table is full, new strings are still
// returned but no longer remembered.
const (
	maxInternEntries = 64
	maxInternBytes   = 8 << 10
)

// bufPool holds read buffers of defaultBufSize, as *[]byte so that Put does
// not allocate.
var bufPool = sync.Pool{New: func() any {
	b := make([]byte, defaultBufSize)
	return &b
}}

// errLineTooLong is returned by nextLine when a line exceeds its limit;
// callers replace it with the sentinel of their context.
var errLineTooLong = errors.New("http1: line too long")

// maxEmptyReads is how many successive (0, nil) reads from the connection
// are tolerated before giving up with io.ErrNoProgress, as bufio does.
const maxEmptyReads = 100

// Reader reads requests from one connection: request heads with ReadRequest
// and their bodies with Body. It buffers what it reads and parses the bytes
// already buffered, asking the connection for more only when a line is
// incomplete, so that a whole request usually costs one read.
//
// A Reader is reused across the requests of a connection (and across
// connections with Reset). It is not safe for concurrent use.
type Reader struct {
	rd  io.Reader
	lim Limits

	buf  []byte  // buffered bytes are buf[r:w]; nil after Release
	bufp *[]byte // buf's pool entry; nil if buf is not from the pool
	r, w int
	// scan is how many bytes after r were already searched for LF without
	// finding one, so that a line arriving one byte per read is scanned
	// once, not once per read (CVE-2020-5236).
	scan int
	// maxBuf is the size the buffer may grow to: the longest line any
	// limit allows.
	maxBuf int
	rerr   error // read error that came with data, returned by the next read
	// received counts the bytes read from the connection: see Received.
	received int64

	inHead  bool // bytes of the current head were consumed: Started
	pending bool // the last request has a body not yet read to its end

	body Body

	strs     map[string]string // interned strings; see intern
	strBytes int
}

// NewReader returns a Reader of requests from rd, bounded by lim; zero
// fields of lim take their defaults. It takes no buffer until the first
// Fill or ReadRequest.
func NewReader(rd io.Reader, lim Limits) *Reader {
	lim = lim.withDefaults()
	r := &Reader{rd: rd, lim: lim}
	r.maxBuf = max(lim.MaxRequestLine, lim.MaxHeaderBytes+2, maxChunkLine, defaultBufSize)
	return r
}

// Reset makes r read from rd, a new connection, discarding any buffered
// bytes and the interned strings of the previous connection. It keeps a
// buffer of the default size, and drops one that grew, so that a pooled
// Reader does not hold on to a large buffer.
func (r *Reader) Reset(rd io.Reader) {
	r.rd = rd
	r.r, r.w, r.scan = 0, 0, 0
	if r.bufp == nil {
		r.buf = nil
	}
	r.rerr, r.received = nil, 0
	r.inHead, r.pending = false, false
	r.body = Body{}
	clear(r.strs)
	r.strBytes = 0
}

// Received returns the number of bytes read from the connection since the
// Reader was made or Reset: request heads and bodies, and what is buffered
// of the next request. The server's metrics count it (a counter add per
// read, nothing else).
func (r *Reader) Received() int64 { return r.received }

// Buffered returns the number of bytes read from the connection but not yet
// consumed: the start of the next request, or body bytes not yet read.
func (r *Reader) Buffered() int { return r.w - r.r }

// Peek returns the bytes read from the connection but not yet consumed,
// valid until the next read or Release: what a server hands on when the
// connection turns out to speak another protocol (HTTP/2's preface).
func (r *Reader) Peek() []byte { return r.buf[r.r:r.w] }

// Started reports whether any byte of the next request head has been
// received: bytes are buffered, or ReadRequest consumed part of a head
// before it failed. The connection loop asks it when a read times out: a
// started head earns a 408 (RFC 9110 §15.5.9), an idle connection is closed
// silently.
func (r *Reader) Started() bool { return r.inHead || r.w > r.r }

// Fill blocks until at least one byte is buffered and returns nil, or
// returns the read error: io.EOF if the peer closed the connection, or a
// timeout under the connection's read deadline. The connection loop waits
// for the next request with Fill under its idle timeout, then calls
// ReadRequest under the header timeout.
func (r *Reader) Fill() error {
	if r.w > r.r {
		return nil
	}
	return r.readMore()
}

// More reads from the connection once more, adding to the buffered bytes
// (Peek), and returns nil if at least one byte arrived, else the read
// error. A server reads on with it while the bytes that have come could
// still begin another protocol's preface (HTTP/2's).
func (r *Reader) More() error { return r.readMore() }

// HeadBuffered reports whether the buffered bytes hold all ReadRequest
// needs, so that it will not read from the connection: a whole head up to
// its empty line, or enough of one to fail on (a line not ended by CRLF,
// too many empty lines before the request line). False means more bytes may
// be needed; ReadRequest then reads them as usual.
func (r *Reader) HeadBuffered() bool {
	p := r.buf[r.r:r.w]
	for empty := 0; ; empty++ { // the request line, after empty lines
		i := bytes.IndexByte(p, '\n')
		if i < 0 {
			return false
		}
		line := p[:i+1]
		p = p[i+1:]
		if !hasCRLF(line) || (len(line) <= 2 && empty == maxLeadingEmptyLines) {
			return true // ReadRequest fails here
		}
		if len(line) > 2 {
			break
		}
	}
	for { // field lines, up to the empty one
		i := bytes.IndexByte(p, '\n')
		if i < 0 {
			return false
		}
		line := p[:i+1]
		p = p[i+1:]
		if !hasCRLF(line) || len(line) == 2 {
			return true
		}
	}
}

// Release returns the read buffer to a shared pool if nothing is buffered,
// so that an idle connection holds no buffer; the next Fill or ReadRequest
// takes one again. It does nothing while bytes are buffered. A buffer that
// grew past its default size is dropped rather than pooled.
func (r *Reader) Release() {
	if r.w > r.r || r.buf == nil {
		return
	}
	if r.bufp != nil {
		bufPool.Put(r.bufp)
	}
	r.buf, r.bufp = nil, nil
	r.r, r.w, r.scan = 0, 0, 0
}

// readMore makes room in the buffer and reads from the connection once,
// returning nil if at least one byte arrived. Room is made by moving the
// unread bytes to the front when that frees at least half the buffer, else
// by doubling the buffer up to maxBuf; each byte is thus moved a bounded
// number of times, keeping reads linear.
func (r *Reader) readMore() error {
	if r.rerr != nil {
		err := r.rerr
		r.rerr = nil
		return err
	}
	if r.buf == nil {
		r.bufp = bufPool.Get().(*[]byte)
		r.buf = *r.bufp
	}
	if r.r == r.w {
		r.r, r.w = 0, 0
	}
	if r.w == len(r.buf) {
		n := r.w - r.r
		switch {
		case r.r > 0 && n < len(r.buf)/2:
			copy(r.buf, r.buf[r.r:r.w])
		case len(r.buf) < r.maxBuf:
			nb := make([]byte, min(2*len(r.buf), r.maxBuf))
			copy(nb, r.buf[r.r:r.w])
			if r.bufp != nil {
				bufPool.Put(r.bufp)
			}
			r.buf, r.bufp = nb, nil
		case r.r > 0:
			copy(r.buf, r.buf[r.r:r.w])
		default:
			// Unreachable: every line limit is at most maxBuf.
			return errLineTooLong
		}
		r.r, r.w = 0, n
	}
	for range maxEmptyReads {
		n, err := r.rd.Read(r.buf[r.w:])
		if n < 0 || n > len(r.buf)-r.w {
			return errors.New("http1: reader returned an invalid count")
		}
		r.w += n
		r.received += int64(n)
		if n > 0 {
			r.rerr = err
			return nil
		}
		if err != nil {
			return err
		}
	}
	return io.ErrNoProgress
}

// nextLine returns the next line, LF included, and consumes it. The line
// aliases the buffer: it is valid until the next read. If no LF comes
// within limit bytes, it returns errLineTooLong; if the connection ends,
// io.EOF when no byte of the line arrived, else io.ErrUnexpectedEOF.
func (r *Reader) nextLine(limit int) ([]byte, error) {
	for {
		if i := bytes.IndexByte(r.buf[r.r+r.scan:r.w], '\n'); i >= 0 {
			end := r.r + r.scan + i + 1
			line := r.buf[r.r:end]
			r.r, r.scan = end, 0
			if len(line) > limit {
				return nil, errLineTooLong
			}
			return line, nil
		}
		r.scan = r.w - r.r
		if r.scan+1 > limit {
			return nil, errLineTooLong
		}
		if err := r.readMore(); err != nil {
			if err == io.EOF && r.scan > 0 {
				err = io.ErrUnexpectedEOF
			}
			return nil, err
		}
	}
}

// ReadRequest reads the next request head into req, reusing req's slices,
// and consumes exactly the head: the body, if any, stays buffered for
// Body (RFC 9112 §2.1):
//
//	HTTP-message = start-line CRLF *( field-line CRLF ) CRLF [ message-body ]
//
// It returns nil; io.EOF if the connection closed cleanly before any byte;
// io.ErrUnexpectedEOF if it closed inside the head; the connection's read
// error (a timeout satisfies errors.Is(err, os.ErrDeadlineExceeded)); or a
// protocol error, whose response status StatusOf gives. After an error the
// connection must be closed: the Reader is not resynchronised.
//
// The body of the previous request must have been read to its end (Body
// Read until io.EOF, or Discard returning true) before the next call.
func (r *Reader) ReadRequest(req *Request) error {
	if r.pending {
		return errUnreadBody
	}
	prevTarget := req.Target
	req.reset()
	r.inHead = false

	// Request line, after at most maxLeadingEmptyLines empty lines.
	var line []byte
	for empty := 0; ; empty++ {
		var err error
		line, err = r.nextLine(r.lim.MaxRequestLine)
		if err != nil {
			return r.headError(err, ErrRequestLineTooLong)
		}
		r.inHead = true
		if !hasCRLF(line) {
			return detail(ErrBadRequestLine, "line not ended by CRLF")
		}
		if len(line) > 2 {
			break
		}
		if empty == maxLeadingEmptyLines {
			return detail(ErrBadRequestLine, "too many empty lines before the request line")
		}
	}
	if err := r.parseRequestLine(line[:len(line)-2], req, prevTarget); err != nil {
		return err
	}

	// Field lines, up to the empty line.
	hdrBytes := 0
	for {
		line, err := r.nextLine(r.lim.MaxHeaderBytes - hdrBytes + 2)
		if err != nil {
			return r.headError(err, ErrHeaderTooLarge)
		}
		if !hasCRLF(line) {
			return detail(ErrBadHeader, "line not ended by CRLF")
		}
		if len(line) == 2 {
			break
		}
		if hdrBytes += len(line); hdrBytes > r.lim.MaxHeaderBytes {
			return ErrHeaderTooLarge
		}
		if len(req.Header) == r.lim.MaxHeaders {
			return ErrTooManyHeaders
		}
		f, err := r.parseField(line[:len(line)-2], prevField(req.Header, len(req.Header)))
		if err != nil {
			return err
		}
		req.Header = append(req.Header, f)
	}
	if err := finish(req); err != nil {
		return err
	}
	r.inHead = false
	r.pending = req.ContentLength != 0
	r.body = Body{}
	return nil
}

// hasCRLF reports whether line ends in CRLF, as every line of a head and a
// chunked body must (RFC 9112 §2.2): a bare LF is refused.
func hasCRLF(line []byte) bool {
	return len(line) >= 2 && line[len(line)-2] == '\r' && line[len(line)-1] == '\n'
}

// headError maps an error of nextLine inside a head: a line over its limit
// becomes tooLong, and io.EOF after part of the head becomes
// io.ErrUnexpectedEOF.
func (r *Reader) headError(err, tooLong error) error {
	switch {
	case err == errLineTooLong:
		return tooLong
	case err == io.EOF && r.inHead:
		return io.ErrUnexpectedEOF
	}
	return err
}

// str returns b as a string: prev if it holds the same bytes (the
// comparison does not allocate), else an interned string.
func (r *Reader) str(b []byte, prev string) string {
	if string(b) == prev {
		return prev
	}
	return r.intern(b)
}

// intern returns b as a string, reusing the string returned earlier for the
// same bytes on this connection, so that a request repeated on a keep-alive
// connection allocates nothing. The lookup m[string(b)] does not allocate.
func (r *Reader) intern(b []byte) string {
	if len(b) == 0 {
		return ""
	}
	if s, ok := r.strs[string(b)]; ok {
		return s
	}
	s := string(b)
	if len(r.strs) < maxInternEntries && r.strBytes+len(s) <= maxInternBytes {
		if r.strs == nil {
			// Unsized: an idle keep-alive connection keeps this map, and
			// most connections intern a handful of strings, not 64.
			r.strs = make(map[string]string)
		}
		r.strs[s] = s
		r.strBytes += len(s)
	}
	return s
}

// name returns a field name as a string: a constant for common names as
// browsers and curl spell them, else an interned string.
func (r *Reader) name(b []byte) string {
	if s, ok := commonNames[string(b)]; ok {
		return s
	}
	return r.intern(b)
}

// commonNames holds field names as commonly spelled, in canonical and
// lower case. It is read-only after init, so shared by all Readers.
var commonNames = func() map[string]string {
	names := []string{
		"Accept", "Accept-Charset", "Accept-Encoding", "Accept-Language",
		"Authorization", "Cache-Control", "Connection", "Content-Length",
		"Content-Type", "Cookie", "DNT", "Expect", "Forwarded", "Host",
		"If-Match", "If-Modified-Since", "If-None-Match", "If-Range",
		"If-Unmodified-Since", "Keep-Alive", "Origin", "Pragma", "Priority",
		"Range", "Referer", "Sec-Ch-Ua", "Sec-Ch-Ua-Mobile",
		"Sec-Ch-Ua-Platform", "Sec-Fetch-Dest", "Sec-Fetch-Mode",
		"Sec-Fetch-Site", "Sec-Fetch-User", "TE", "Trailer",
		"Transfer-Encoding", "Upgrade", "Upgrade-Insecure-Requests",
		"User-Agent", "Via", "X-Forwarded-For", "X-Forwarded-Host",
		"X-Forwarded-Proto", "X-Real-IP", "X-Requested-With",
	}
	m := make(map[string]string, 2*len(names))
	for _, n := range names {
		m[n] = n
		l := []byte(n)
		for i, c := range l {
			l[i] = lower(c)
		}
		m[string(l)] = string(l)
	}
	return m
}()
