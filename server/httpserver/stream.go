package httpserver

import (
	"context"
	"errors"
	"io"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/miniweb/miniweb/server/gateway"
	"github.com/miniweb/miniweb/server/internal/http1"
	"github.com/miniweb/miniweb/server/internal/http2"
)

// h2Stream is one HTTP/2 request as the engine serves it: what the
// stream's HEADERS said, its body, and the response's way out.
// server/internal/http2's *Stream is one as it is (tls_h2.go), and
// serveStream answers each through the dispatcher, as a conn answers an
// HTTP/1.1 request (exchange.go).
type h2Stream interface {
	// Method is the :method pseudo-header field, such as "GET".
	Method() string
	// Authority is the :authority pseudo-header field (or the Host field
	// when there is none), such as "example.org:8443"; "" if neither.
	Authority() string
	// Path is the :path pseudo-header field as sent, query included, such
	// as "/a%20b?x=1"; "*" for OPTIONS *.
	Path() string
	// Fields are the request's header fields, without pseudo-header
	// fields, in the order sent where the adapter knows it.
	Fields() []gateway.Field
	// ContentLength is the declared body length: 0 when the HEADERS frame
	// ended the stream, -1 when the length is not known in advance.
	ContentLength() int64
	// Body reads the request body (the DATA frames).
	Body() io.Reader
	// Context is cancelled when the client resets the stream or the
	// connection ends.
	Context() context.Context
	// WriteHeader sends the response's HEADERS: the status, the fields,
	// and a content-length when contentLength >= 0.
	WriteHeader(status int, fields []gateway.Field, contentLength int64) error
	// Write sends body bytes (DATA frames), buffered until Flush or the
	// stream's end.
	Write(p []byte) (int, error)
	// ReadFrom sends what r reads (a static file) up to the declared
	// length, reading only what the client's windows take at once: a
	// stream waiting on them holds no body bytes.
	ReadFrom(r io.Reader) (int64, error)
	// Flush sends what is buffered.
	Flush() error
	// Abort resets the stream (RST_STREAM) once the handler is done, so
	// that a response cut short never looks complete.
	Abort()
}

// streamExchange is an exchange carried by an HTTP/2 stream: its
// transport turns the head into the stream's HEADERS and the body into
// its DATA. One is taken from a pool for each request.
type streamExchange struct {
	exchange
	st   h2Stream
	err  error           // the first error writing to the stream
	sent int64           // body bytes the stream accepted
	head []gateway.Field // the response's fields, reused
	hdr  []http1.Field   // the request's fields, reused
	in   streamBody

	// The body's read timeout (ReadBodyTimeout, from the first read):
	// its timer may fire only while the handler runs, since a stream is
	// recycled once its handler has returned; mu orders the two, gen
	// tells a late timer of an earlier request from this one's.
	mu      sync.Mutex
	running bool
	gen     uint64
	timer   *time.Timer
}

var streamExchanges = sync.Pool{New: func() any {
	se := &streamExchange{}
	se.t = se
	se.app.startFn = se.startResponse
	se.app.ctxFn = se.context
	se.app.bodyIn = &se.in
	se.in.se = se
	se.sw.x = &se.exchange
	return se
}}

// serveStream answers one HTTP/2 request through the dispatcher, from the
// connection c carries it on (its client, TLS, trusted proxy), and writes
// its access-log line. It returns when the response has been handed to the
// stream, which it has aborted if the response was cut short.
func (s *Server) serveStream(c *conn, st h2Stream) {
	se := streamExchanges.Get().(*streamExchange)
	defer se.release()
	x := &se.exchange
	x.srv, se.st, se.err, se.sent = s, st, nil, 0
	x.start = time.Now()
	x.remote, x.local, x.peer, x.secure = c.remote, c.local, c.peer, c.secure
	x.fwd = forwardState{trusted: c.fwd.trusted}
	x.path, x.body, x.bodyErr = "", nil, nil
	x.mx = connMetrics{}
	se.in.n, se.in.started = 0, false
	se.mu.Lock()
	se.running = true
	se.gen++
	se.mu.Unlock()
	defer se.stopBodyTimer(true)
	se.readRequest()
	x.resp.reset(&x.req)
	if x.fwd.trusted {
		x.forward()
	}
	if !x.tooLarge() {
		x.dispatch()
		x.endBody()
	}
	se.flush()
	if x.resp.cut {
		st.Abort()
	}
	x.logAccess()
}

// readRequest fills req from the stream. The Host field, which HTTP/2
// carries as :authority, is put first among the fields when the stream has
// none, as nginx does for $http_host: the application sees the fields an
// HTTP/1.1 request would have carried.
func (se *streamExchange) readRequest() {
	st := se.st
	target := st.Path()
	r := &se.req
	*r = http1.Request{
		Method:        st.Method(),
		Target:        target,
		Path:          target,
		Proto:         "HTTP/2.0",
		Host:          st.Authority(),
		ContentLength: st.ContentLength(),
		Header:        se.hdr[:0],
	}
	if i := strings.IndexByte(target, '?'); i >= 0 {
		r.Path, r.Query = target[:i], target[i+1:]
	}
	fields := st.Fields()
	if _, ok := gateway.Fields(fields).Lookup("Host"); !ok && r.Host != "" {
		r.Header = append(r.Header, http1.Field{Name: "Host", Value: r.Host})
	}
	for _, f := range fields {
		r.Header = append(r.Header, http1.Field{Name: f.Name, Value: f.Value})
	}
	se.hdr = r.Header
}

// release puts the exchange back in the pool, holding nothing of its
// request.
func (se *streamExchange) release() {
	clear(se.hdr)
	clear(se.head)
	clear(se.sw.header)
	se.app.env = gateway.Environ{Header: se.app.env.Header[:0]}
	se.req = http1.Request{}
	se.resp.reset(&se.req)
	se.st, se.err, se.srv, se.bodyErr = nil, nil, nil, nil
	streamExchanges.Put(se)
}

// startBodyTimer starts the body's read timeout: past ReadBodyTimeout
// the stream is reset, and the application's read fails, as a body read
// past it fails on HTTP/1.1.
func (se *streamExchange) startBodyTimer() {
	se.mu.Lock()
	defer se.mu.Unlock()
	gen, st := se.gen, se.st
	se.timer = time.AfterFunc(se.srv.ReadBodyTimeout, func() {
		se.mu.Lock()
		defer se.mu.Unlock()
		if se.running && se.gen == gen {
			st.Abort()
		}
	})
}

// stopBodyTimer ends the body's read timeout; done says the handler
// returns.
func (se *streamExchange) stopBodyTimer(done bool) {
	se.mu.Lock()
	defer se.mu.Unlock()
	if done {
		se.running = false
	}
	if se.timer != nil {
		se.timer.Stop()
		se.timer = nil
	}
}

// context is the request's context: the stream's.
func (se *streamExchange) context() context.Context { return se.st.Context() }

// sendHead sends the head as the stream's HEADERS: the Content-Length the
// exchange fixed goes as the stream's length, and the reason phrase, which
// HTTP/2 does not carry, is dropped.
func (se *streamExchange) sendHead(code int, _ string, fields []gateway.Field, add addedFields) {
	h := se.head[:0]
	if add.date {
		h = append(h, gateway.Field{Name: "Date", Value: dateField(se.start)})
	}
	if add.server != "" {
		h = append(h, gateway.Field{Name: "Server", Value: add.server})
	}
	for _, f := range fields {
		if !gateway.EqualFold(f.Name, "Content-Length") {
			h = append(h, f)
		}
	}
	se.head = h
	if err := se.st.WriteHeader(code, h, se.resp.declared); err != nil && se.err == nil {
		se.err = err
	}
}

// sendBody writes body bytes to the stream.
func (se *streamExchange) sendBody(p []byte) error {
	if se.err != nil {
		return se.err
	}
	n, err := se.st.Write(p)
	se.sent += int64(n)
	if err != nil {
		se.err = err
	}
	return err
}

// sendFrom sends a static file's body to the stream (its ReadFrom: no
// buffer held while the client's window is shut).
func (se *streamExchange) sendFrom(r io.Reader) (int64, error) {
	if se.err != nil {
		return 0, se.err
	}
	n, err := se.st.ReadFrom(r)
	se.sent += n
	se.resp.written += n
	if errors.Is(err, http2.ErrStreamClosed) || errors.Is(err, http2.ErrContentLength) {
		se.err = err // the stream's, not the file's
	}
	return n, err
}

// sendEnd does nothing: the stream ends when serveStream returns, or is
// aborted there when the response was cut.
func (se *streamExchange) sendEnd() {}

func (se *streamExchange) flush() error {
	if se.err != nil {
		return se.err
	}
	if err := se.st.Flush(); err != nil {
		se.err = err
	}
	return se.err
}

func (se *streamExchange) writeErr() error { return se.err }

func (se *streamExchange) bodySent() int64 { return se.sent }

// traffic is the request body read and the response body sent: HTTP/2's
// framing and headers are not counted.
func (se *streamExchange) traffic() (received, sent int64) { return se.in.n, se.sent }

// streamBody is an HTTP/2 request body as the application reads it: past
// MaxBodyBytes it fails with http1.ErrBodyTooLarge, which makes the
// response a 413, and ReadBodyTimeout after its first read the stream is
// reset and the read fails, as on HTTP/1.1.
type streamBody struct {
	se      *streamExchange
	n       int64 // bytes read
	started bool  // the body's read timeout runs
}

func (b *streamBody) Read(p []byte) (int, error) {
	se := b.se
	if se.bodyErr != nil {
		return 0, se.bodyErr
	}
	if se.req.ContentLength == 0 {
		return 0, io.EOF
	}
	if !b.started {
		b.started = true
		se.startBodyTimer()
	}
	n, err := se.st.Body().Read(p)
	b.n += int64(n)
	switch {
	case b.n > se.srv.MaxBodyBytes:
		se.bodyErr = http1.ErrBodyTooLarge
		err, n = se.bodyErr, 0
	case err != nil && err != io.EOF:
		se.bodyErr = err
	}
	if err != nil {
		se.stopBodyTimer(false) // the body is over: the answer may take its time
	}
	return n, err
}

// h2Date is the Date field's value made last, shared by every stream.
var h2Date atomic.Pointer[dateValue]

// dateValue is a Date field's value and its second.
type dateValue struct {
	sec   int64
	value string
}

// dateField returns the Date field's value at t: one string a second,
// whichever stream makes it.
func dateField(t time.Time) string {
	sec := t.Unix()
	if d := h2Date.Load(); d != nil && d.sec == sec {
		return d.value
	}
	d := &dateValue{sec: sec, value: string(http1.AppendDateAt(nil, t))}
	h2Date.Store(d)
	return d.value
}
