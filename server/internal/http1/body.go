package http1

import (
	"io"
	"math"

	"github.com/miniweb/miniweb/server/gateway"
)

// Chunked body bounds (RFC 9112 §7.1.1 leaves them to the recipient).
const (
	// maxChunkLine is the longest chunk-size line, chunk-ext and CRLF
	// included.
	maxChunkLine = 4 << 10
	// maxChunkExtBytes bounds the chunk-ext bytes of a whole body, so that
	// a client cannot make us read megabytes of extensions around a few
	// bytes of data (CVE-2023-39326).
	maxChunkExtBytes = 4 << 10
)

// Body states. The zero state is "done", so a zero Body is an empty body.
const (
	stDone   = iota // read to its end
	stLength        // Content-Length body: left bytes to go
	stSize          // chunked: before a chunk-size line
	stData          // chunked: left bytes of chunk-data to go
	stCRLF          // chunked: before the CRLF that ends chunk-data
)

// Body reads the body of one request, as framed by its Content-Length or
// chunked transfer coding (RFC 9112 §6.3). It never consumes a byte past the
// end of the body, so a pipelined request that follows stays buffered
// intact. A Body is owned by its Reader and valid until the next
// ReadRequest.
type Body struct {
	r     *Reader
	req   *Request
	state int
	left  int64 // bytes to go: of the body (stLength) or of the chunk (stData)
	max   int64 // maxBody; 0 or less means no limit
	n     int64 // data bytes announced by chunk sizes so far
	ext   int   // chunk-ext bytes so far
	err   error // sticky: once failed, every Read returns it
}

// Body returns the reader of req's body, with at most maxBody bytes of
// data (no limit if maxBody <= 0). It reuses one Body owned by r, so it does
// not allocate; calling it again for the same request returns the same Body
// in its current state. req must be the request last returned by
// ReadRequest. Its Trailer is filled when a chunked body is read to its end.
//
// A Content-Length over maxBody fails at once: the first Read returns
// ErrBodyTooLarge before reading anything.
func (r *Reader) Body(req *Request, maxBody int64) *Body {
	b := &r.body
	if b.r == r && b.req == req {
		return b
	}
	*b = Body{r: r, req: req, max: maxBody}
	req.Trailer = req.Trailer[:0]
	switch {
	case req.Chunked:
		b.state = stSize
	case req.ContentLength > 0:
		b.state, b.left = stLength, req.ContentLength
		if maxBody > 0 && req.ContentLength > maxBody {
			b.err = ErrBodyTooLarge
		}
	default:
		b.state = stDone
	}
	return b
}

// Read reads body data into p. A Content-Length body yields exactly that
// many bytes, then io.EOF (possibly with the last bytes); if the connection
// ends first, io.ErrUnexpectedEOF. A chunked body (RFC 9112 §7.1) yields
// the chunk data and returns io.EOF once the last chunk and the trailer
// section have been read; see ErrBadChunk for what is refused. Data past
// maxBody is ErrBodyTooLarge. Errors are sticky.
func (b *Body) Read(p []byte) (int, error) {
	if b.err != nil {
		return 0, b.err
	}
	for {
		switch b.state {
		case stDone:
			return 0, io.EOF
		case stLength, stData:
			if len(p) == 0 {
				return 0, nil
			}
			n, err := b.data(p)
			if err != nil {
				return 0, b.fail(err)
			}
			if b.left == 0 {
				if b.state == stLength {
					b.finish()
					return n, io.EOF
				}
				b.state = stCRLF
			}
			return n, nil
		case stCRLF:
			if err := b.chunkEnd(); err != nil {
				return 0, b.fail(err)
			}
		case stSize:
			if err := b.chunkSize(); err != nil {
				return 0, b.fail(err)
			}
		}
	}
}

// Discard reads and drops the rest of the body, at most max bytes of data,
// and reports whether the body ended, so that the next request can be read
// from the connection. It returns false, leaving the connection unusable,
// if the body has more than max bytes left (a Content-Length or chunk size
// says so, and nothing is read then), or it is malformed, or the connection
// fails. For a chunked body max counts data bytes; the framing around them
// is bounded by the chunk line and extension limits. Discard blocks under
// the connection's read deadline.
func (b *Body) Discard(max int64) bool {
	if b.err != nil {
		return false
	}
	for {
		switch b.state {
		case stDone:
			return true
		case stLength, stData:
			if b.left > max {
				return false
			}
			max -= b.left
			if err := b.skip(); err != nil {
				b.fail(err)
				return false
			}
			if b.state == stLength {
				b.finish()
				return true
			}
			b.state = stCRLF
		case stCRLF:
			if err := b.chunkEnd(); err != nil {
				b.fail(err)
				return false
			}
		case stSize:
			if err := b.chunkSize(); err != nil {
				b.fail(err)
				return false
			}
		}
	}
}

// Done reports whether the body was read to its end, trailers included. It
// is true at once for a request without a body.
func (b *Body) Done() bool { return b.state == stDone }

// finish marks the body read to its end.
func (b *Body) finish() {
	b.state = stDone
	if b.r != nil {
		b.r.pending = false
	}
}

// fail records err as the sticky error of b and returns it. A connection
// that ends inside a body is io.ErrUnexpectedEOF.
func (b *Body) fail(err error) error {
	if err == io.EOF {
		err = io.ErrUnexpectedEOF
	}
	b.err = err
	return err
}

// data copies up to b.left bytes of body data into p, from the buffer if
// it holds any, else straight from the connection when p is at least a
// buffer long, else through the buffer. It never reads past b.left bytes
// from the buffer.
func (b *Body) data(p []byte) (int, error) {
	r := b.r
	if int64(len(p)) > b.left {
		p = p[:b.left]
	}
	if r.w == r.r {
		if len(p) >= defaultBufSize {
			n, err := r.readDirect(p)
			b.left -= int64(n)
			return n, err
		}
		if err := r.readMore(); err != nil {
			return 0, err
		}
	}
	n := copy(p, r.buf[r.r:r.w])
	r.r += n
	b.left -= int64(n)
	return n, nil
}

// skip drops b.left bytes of body data.
func (b *Body) skip() error {
	r := b.r
	for b.left > 0 {
		if r.w == r.r {
			if err := r.readMore(); err != nil {
				return err
			}
		}
		n := int(min(int64(r.w-r.r), b.left))
		r.r += n
		b.left -= int64(n)
	}
	return nil
}

// readDirect reads from the connection into p, bypassing the empty buffer,
// and returns n > 0 or an error. Every byte read belongs to the body,
// since the caller bounds p by what is left of it.
func (r *Reader) readDirect(p []byte) (int, error) {
	if r.rerr != nil {
		err := r.rerr
		r.rerr = nil
		return 0, err
	}
	for range maxEmptyReads {
		n, err := r.rd.Read(p)
		if n > 0 {
			r.received += int64(n)
			r.rerr = err
			return n, nil
		}
		if err != nil {
			return 0, err
		}
	}
	return 0, io.ErrNoProgress
}

// chunkEnd consumes the CRLF that must follow chunk-data (RFC 9112 §7.1).
func (b *Body) chunkEnd() error {
	line, err := b.r.nextLine(2)
	switch {
	case err == errLineTooLong:
		return detail(ErrBadChunk, "chunk data not followed by CRLF")
	case err != nil:
		return err
	case len(line) != 2 || line[0] != '\r':
		return detail(ErrBadChunk, "chunk data followed by a bare LF")
	}
	b.state = stSize
	return nil
}

// chunkSize reads a chunk-size line (RFC 9112 §7.1):
//
//	chunk      = chunk-size [ chunk-ext ] CRLF chunk-data CRLF
//	chunk-size = 1*HEXDIG
//	last-chunk = 1*("0") [ chunk-ext ] CRLF
//
// For the last chunk it goes on to read the trailer section.
func (b *Body) chunkSize() error {
	line, err := b.r.nextLine(maxChunkLine)
	switch {
	case err == errLineTooLong:
		return detail(ErrBadChunk, "chunk-size line too long")
	case err != nil:
		return err
	case !hasCRLF(line):
		return detail(ErrBadChunk, "chunk-size line not ended by CRLF")
	}
	line = line[:len(line)-2]
	size, i := int64(0), 0
	for ; i < len(line); i++ {
		d, ok := unhex(line[i])
		if !ok {
			break
		}
		if size > math.MaxInt64>>4 {
			return detail(ErrBadChunk, "chunk-size overflows int63")
		}
		size = size<<4 | int64(d)
	}
	if i == 0 {
		return wrap(ErrBadChunk, "chunk-size", line)
	}
	ext := line[i:]
	if b.ext += len(ext); b.ext > maxChunkExtBytes {
		return detail(ErrBadChunk, "too many chunk extension bytes")
	}
	if !validChunkExt(ext) {
		return wrap(ErrBadChunk, "chunk-ext", ext)
	}
	if size == 0 {
		return b.trailers()
	}
	if b.max > 0 && size > b.max-b.n {
		return ErrBodyTooLarge
	}
	b.n += size
	b.state, b.left = stData, size
	return nil
}

// trailers reads the trailer section into req.Trailer, bounded like the
// header section by Limits.MaxHeaderBytes and MaxHeaders (RFC 9112 §7.1.2):
//
//	chunked-body    = *chunk last-chunk trailer-section CRLF
//	trailer-section = *( field-line CRLF )
func (b *Body) trailers() error {
	r, req := b.r, b.req
	size := 0
	for {
		line, err := r.nextLine(r.lim.MaxHeaderBytes - size + 2)
		switch {
		case err == errLineTooLong:
			return detail(ErrHeaderTooLarge, "trailer section")
		case err != nil:
			return err
		case !hasCRLF(line):
			return detail(ErrBadChunk, "trailer line not ended by CRLF")
		case len(line) == 2:
			b.finish()
			return nil
		}
		if size += len(line); size > r.lim.MaxHeaderBytes {
			return detail(ErrHeaderTooLarge, "trailer section")
		}
		if len(req.Trailer) == r.lim.MaxHeaders {
			return detail(ErrTooManyHeaders, "trailer section")
		}
		f, err := r.parseField(line[:len(line)-2], prevField(req.Trailer, len(req.Trailer)))
		if err != nil {
			return err
		}
		req.Trailer = append(req.Trailer, f)
	}
}

// validChunkExt reports whether ext, what follows the chunk-size, is a
// chunk-ext (RFC 9112 §7.1.1):
//
//	chunk-ext      = *( BWS ";" BWS chunk-ext-name [ BWS "=" BWS chunk-ext-val ] )
//	chunk-ext-name = token
//	chunk-ext-val  = token / quoted-string
//
// Whitespace not followed by ";" (as in "5 " or "5;a=b ") is refused.
func validChunkExt(ext []byte) bool {
	for len(ext) > 0 {
		ext = skipOWS(ext)
		if len(ext) == 0 || ext[0] != ';' {
			return false
		}
		ext = skipOWS(ext[1:])
		n := tokenLen(ext)
		if n == 0 {
			return false
		}
		ext = ext[n:]
		if rest := skipOWS(ext); len(rest) > 0 && rest[0] == '=' {
			ext = skipOWS(rest[1:])
			if len(ext) > 0 && ext[0] == '"' {
				n = quotedStringLen(ext)
			} else {
				n = tokenLen(ext)
			}
			if n == 0 {
				return false
			}
			ext = ext[n:]
		}
	}
	return true
}

// skipOWS returns b without its leading SP and HTAB.
func skipOWS(b []byte) []byte {
	for len(b) > 0 && isOWS(b[0]) {
		b = b[1:]
	}
	return b
}

// tokenLen returns the length of the token that starts b, 0 if none.
func tokenLen(b []byte) int {
	for i, c := range b {
		if !gateway.IsTokenChar(c) {
			return i
		}
	}
	return len(b)
}

// quotedStringLen returns the length of the quoted-string that starts b,
// 0 if b does not start with a well-formed one (RFC 9110 §5.6.4):
//
//	quoted-string = DQUOTE *( qdtext / quoted-pair ) DQUOTE
//	qdtext        = HTAB / SP / %x21 / %x23-5B / %x5D-7E / obs-text
//	quoted-pair   = "\" ( HTAB / SP / VCHAR / obs-text )
func quotedStringLen(b []byte) int {
	for i := 1; i < len(b); i++ {
		switch c := b[i]; {
		case c == '"':
			return i + 1
		case c == '\\':
			i++
			if i == len(b) || !fieldVChar[b[i]] {
				return 0
			}
		case !fieldVChar[c]:
			return 0
		}
	}
	return 0
}
