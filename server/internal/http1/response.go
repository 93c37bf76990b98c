package http1

import (
	"io"
	"strconv"
	"sync"
	"time"
)

// writeBufSize is the size of a connection's write buffer: a response head
// and a body up to about this size go out in one write.
const writeBufSize = 16 << 10

var writeBufPool = sync.Pool{New: func() any { b := make([]byte, 0, writeBufSize); return &b }}

// Writer buffers the bytes of responses on one connection. A response head
// is appended with [Writer.StatusLine], [Writer.Field] and [Writer.EndHead];
// body bytes follow with Write; Flush sends them. Its buffer comes from a
// pool on first use and goes back with [Writer.Release], so an idle
// connection holds none.
//
// A Writer is not safe for concurrent use. After a write error every call
// returns that error.
type Writer struct {
	w    io.Writer
	buf  *[]byte
	err  error
	sent int64     // bytes the connection accepted, see Sent
	snd  sendState // see send (Linux) and flush
}

// NewWriter returns a Writer that sends to w.
func NewWriter(w io.Writer) *Writer { return &Writer{w: w} }

// Reset makes the Writer send to w, dropping buffered bytes and any error.
func (w *Writer) Reset(to io.Writer) {
	w.Release()
	if w.buf != nil {
		*w.buf = (*w.buf)[:0]
	}
	w.w, w.err, w.sent = to, nil, 0
	w.snd = sendState{}
}

func (w *Writer) b() *[]byte {
	if w.buf == nil {
		w.buf = writeBufPool.Get().(*[]byte)
	}
	return w.buf
}

// Buffered returns the number of bytes waiting to be sent.
func (w *Writer) Buffered() int {
	if w.buf == nil {
		return 0
	}
	return len(*w.buf)
}

// Release gives the buffer back to the pool when nothing is waiting in it.
func (w *Writer) Release() {
	if w.buf != nil && len(*w.buf) == 0 {
		writeBufPool.Put(w.buf)
		w.buf = nil
	}
}

// Sent returns the number of bytes the connection has accepted since the
// Writer was made or Reset: bytes handed to the kernel, not those still
// buffered, and not those a failed write left unsent.
func (w *Writer) Sent() int64 { return w.sent }

// Err returns the first write error, if any.
func (w *Writer) Err() error { return w.err }

// StatusLine appends "HTTP/1.<minor> <code> <reason>\r\n" (RFC 9112 §4).
// An empty reason is replaced with [StatusText] of code.
func (w *Writer) StatusLine(minor, code int, reason string) {
	if reason == "" {
		reason = StatusText(code)
	}
	p := w.b()
	b := *p
	if minor == 0 {
		b = append(b, "HTTP/1.0 "...)
	} else {
		b = append(b, "HTTP/1.1 "...)
	}
	b = strconv.AppendInt(b, int64(code), 10)
	b = append(b, ' ')
	b = append(b, reason...)
	*p = append(b, "\r\n"...)
}

// Field appends "name: value\r\n". The caller has checked both.
func (w *Writer) Field(name, value string) {
	p := w.b()
	b := append(*p, name...)
	b = append(b, ": "...)
	b = append(b, value...)
	*p = append(b, "\r\n"...)
}

// FieldInt appends "name: <n>\r\n" without allocating.
func (w *Writer) FieldInt(name string, n int64) {
	p := w.b()
	b := append(*p, name...)
	b = append(b, ": "...)
	b = strconv.AppendInt(b, n, 10)
	*p = append(b, "\r\n"...)
}

// DateField appends "Date: <IMF-fixdate>\r\n" for the second of now
// (RFC 9110 §6.6.1). The server passes the time its request arrived,
// which it has read already: one clock read less per response.
func (w *Writer) DateField(now time.Time) {
	p := w.b()
	b := append(*p, "Date: "...)
	b = AppendDateAt(b, now)
	*p = append(b, "\r\n"...)
}

// EndHead appends the empty line that ends a response head.
func (w *Writer) EndHead() {
	p := w.b()
	*p = append(*p, "\r\n"...)
}

// Write buffers p, sending the buffer first when p does not fit; a p larger
// than the buffer goes straight to the connection.
func (w *Writer) Write(p []byte) (int, error) {
	if w.err != nil {
		return 0, w.err
	}
	b := w.b()
	if len(*b)+len(p) <= cap(*b) {
		*b = append(*b, p...)
		return len(p), nil
	}
	if len(*b) > 0 && len(p) < cap(*b)/2 {
		// Top the buffer up so the head and the start of the body leave
		// together, then carry on with the rest.
		n := cap(*b) - len(*b)
		*b = append(*b, p[:n]...)
		if err := w.Flush(); err != nil {
			return 0, err
		}
		*b = append(*b, p[n:]...)
		return len(p), nil
	}
	if err := w.Flush(); err != nil {
		return 0, err
	}
	n, err := w.w.Write(p)
	w.sent += int64(n)
	if err != nil {
		w.err = err
	}
	return n, err
}

// WriteChunk writes p as one chunk of a chunked body (RFC 9112 §7.1):
// its size in hex, CRLF, the data, CRLF. An empty p writes nothing, since
// a zero-size chunk would end the body.
func (w *Writer) WriteChunk(p []byte) error {
	if len(p) == 0 {
		return w.err
	}
	b := w.b()
	*b = strconv.AppendInt(*b, int64(len(p)), 16)
	*b = append(*b, "\r\n"...)
	if _, err := w.Write(p); err != nil {
		return err
	}
	_, err := w.Write(crlf)
	return err
}

// EndChunked writes the last chunk and an empty trailer section.
func (w *Writer) EndChunked() error {
	_, err := w.Write(lastChunk)
	return err
}

var (
	crlf      = []byte("\r\n")
	lastChunk = []byte("0\r\n\r\n")
)

// Flush sends the buffered bytes.
func (w *Writer) Flush() error { return w.flush() }

// write sends the buffered bytes through the io.Writer.
func (w *Writer) write() error {
	if w.err != nil {
		return w.err
	}
	if w.buf == nil || len(*w.buf) == 0 {
		return nil
	}
	n, err := w.w.Write(*w.buf)
	w.sent += int64(n)
	*w.buf = (*w.buf)[:0]
	if err != nil {
		w.err = err
	}
	return err
}

// ReadFrom sends the buffered bytes, then copies r to the connection. When
// the connection is a *net.TCPConn and r an *os.File or an io.LimitedReader
// of one, the copy is the kernel's sendfile: no bytes pass through user
// space. On Linux the buffered bytes (a response head) go out flagged
// MSG_MORE, so the kernel sends them with the start of the file rather than
// in a segment of their own.
func (w *Writer) ReadFrom(r io.Reader) (int64, error) {
	if err := w.flushMore(); err != nil {
		return 0, err
	}
	n, err := io.Copy(w.w, r)
	w.sent += n
	if err != nil {
		w.err = err
	}
	return n, err
}
