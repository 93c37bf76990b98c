package httpserver

import (
	"context"
	"crypto/tls"
	"io"
	"log/slog"
	"maps"
	"net"
	"net/http"
	"slices"
	"strconv"
	"sync"
	"time"

	"github.com/miniweb/miniweb/server/gateway"
)

// h2Side is the net/http server that speaks HTTP/2 on the TLS connections
// whose ALPN chose it (see tls.go): the engine hands each to it, handshake
// done, through a listener of its own (connQueue), and net/http hands each
// request back to the engine's dispatcher as an h2Stream (httpStream), so
// that HTTP/2 requests get the health check, the static folder, the
// application, trusted proxies, the Server field and the access log of
// HTTP/1.1's, from the same code.
//
// A handed connection stays the engine's: tracked for Shutdown, counted
// under its client's address, holding its slot of MaxConns until net/http
// says it closed (ConnState), and, while net/http says it is idle (no
// stream open), idle for the cap as an HTTP/1.1 connection between
// requests is: a newcomer at the cap may close it (capacity.go), by the
// same read deadline in the past. net/http gives no way to send that
// connection a GOAWAY first, so a request the client sends at that moment
// is lost with the connection, as one on an HTTP/1.1 keep-alive connection
// closed at the cap is: clients retry those on a new connection.
type h2Side struct {
	s     *Server
	srv   *http.Server
	queue *connQueue
	conns sync.Map // *tls.Conn -> *conn, from hand until net/http closes it
}

// startH2 starts the HTTP/2 server, which serves until Shutdown. Its
// limits and timeouts are the engine's: ReadHeaderTimeout, IdleTimeout,
// WriteTimeout (per stream), MaxHeaderBytes.
func (s *Server) startH2(config *tls.Config) *h2Side {
	h := &h2Side{s: s, queue: newConnQueue()}
	h.srv = &http.Server{
		Handler:           h,
		TLSConfig:         config, // its NextProtos hold "h2": Serve sets HTTP/2 up
		ReadHeaderTimeout: s.ReadHeaderTimeout,
		IdleTimeout:       s.IdleTimeout,
		WriteTimeout:      s.WriteTimeout,
		MaxHeaderBytes:    s.MaxHeaderBytes,
		ErrorLog:          slog.NewLogLogger(s.Log.Handler(), slog.LevelDebug),
		ConnContext:       h.connContext,
		ConnState:         h.connState,
	}
	if h.srv.MaxHeaderBytes <= 0 {
		h.srv.MaxHeaderBytes = 32 << 10
	}
	go h.srv.Serve(h.queue)
	return h
}

// hand gives the connection c, whose handshake chose HTTP/2, to the HTTP/2
// server, and reports false if that server has stopped. Until its first
// stream, c is idle as a new connection is (freshGrace).
func (h *h2Side) hand(c *conn) bool {
	h.conns.Store(c.rwc, c)
	c.slot.since = time.Now().UnixNano() + int64(freshGrace)
	c.slot.state.Store(c.slot.since)
	if h.queue.put(c.rwc) {
		return true
	}
	h.conns.Delete(c.rwc)
	c.slot.state.Store(stateActive)
	return false
}

// connKey is the context key of the engine's conn under net/http.
type connKey struct{}

// connContext puts the engine's conn of a connection in its context, for
// ServeHTTP.
func (h *h2Side) connContext(ctx context.Context, nc net.Conn) context.Context {
	if c, ok := h.conns.Load(nc); ok {
		return context.WithValue(ctx, connKey{}, c)
	}
	return ctx
}

// connState follows a handed connection: idle for the cap while no
// stream is open, active while one is, and let go when it closes.
func (h *h2Side) connState(nc net.Conn, state http.ConnState) {
	v, ok := h.conns.Load(nc)
	if !ok {
		return
	}
	c := v.(*conn)
	switch state {
	case http.StateIdle:
		since := time.Now().UnixNano()
		if c.slot.state.CompareAndSwap(stateActive, since) {
			c.slot.since = since
			h.s.wentIdle()
		}
	case http.StateActive:
		c.wake() // false: closed at the cap meanwhile, its read deadline ends it
	case http.StateClosed, http.StateHijacked:
		h.conns.Delete(nc)
		c.slot.state.Store(stateClosing)
		h.s.release(c)
	}
}

// ServeHTTP answers an HTTP/2 request through the engine's dispatcher.
func (h *h2Side) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	c, ok := r.Context().Value(connKey{}).(*conn)
	if !ok {
		panic(http.ErrAbortHandler) // not handed by the engine: cannot happen
	}
	st := httpStream{w: w, r: r}
	h.s.serveStream(c, &st)
	if st.aborted {
		panic(http.ErrAbortHandler) // net/http resets the stream
	}
}

// httpStream is a request of net/http's HTTP/2 server as an h2Stream.
type httpStream struct {
	w       http.ResponseWriter
	r       *http.Request
	aborted bool
}

func (s *httpStream) Method() string           { return s.r.Method }
func (s *httpStream) Authority() string        { return s.r.Host }
func (s *httpStream) Path() string             { return s.r.RequestURI }
func (s *httpStream) ContentLength() int64     { return s.r.ContentLength }
func (s *httpStream) Body() io.Reader          { return s.r.Body }
func (s *httpStream) Context() context.Context { return s.r.Context() }
func (s *httpStream) Abort()                   { s.aborted = true }

// Fields returns the request's fields, by name in sorted order: net/http
// keeps them in a map, which has lost the order they came in.
func (s *httpStream) Fields() []gateway.Field {
	names := slices.Sorted(maps.Keys(s.r.Header))
	var fields []gateway.Field
	for _, name := range names {
		for _, v := range s.r.Header[name] {
			fields = append(fields, gateway.Field{Name: name, Value: v})
		}
	}
	return fields
}

func (s *httpStream) WriteHeader(status int, fields []gateway.Field, contentLength int64) error {
	h := s.w.Header()
	for _, f := range fields {
		h.Add(f.Name, f.Value)
	}
	if _, ok := h["Content-Type"]; !ok {
		h["Content-Type"] = nil // no sniffing: the type is the application's to say
	}
	if contentLength >= 0 {
		h.Set("Content-Length", strconv.FormatInt(contentLength, 10))
	}
	s.w.WriteHeader(status)
	return nil
}

func (s *httpStream) Write(p []byte) (int, error) { return s.w.Write(p) }

func (s *httpStream) Flush() error { return http.NewResponseController(s.w).Flush() }

// connQueue is a net.Listener whose connections are handed to it by put:
// how the engine gives net/http connections it accepted itself.
type connQueue struct {
	ch   chan net.Conn
	quit chan struct{}
	once sync.Once
}

func newConnQueue() *connQueue {
	return &connQueue{ch: make(chan net.Conn), quit: make(chan struct{})}
}

// put waits for Accept to take c, and reports false if the listener closed
// first.
func (q *connQueue) put(c net.Conn) bool {
	select {
	case q.ch <- c:
		return true
	case <-q.quit:
		return false
	}
}

// Accept returns the next connection put, or net.ErrClosed after Close.
func (q *connQueue) Accept() (net.Conn, error) {
	select {
	case c := <-q.ch:
		return c, nil
	case <-q.quit:
		return nil, net.ErrClosed
	}
}

// Close ends Accept and put.
func (q *connQueue) Close() error {
	q.once.Do(func() { close(q.quit) })
	return nil
}

// Addr is a placeholder: the connections come from the engine's listeners.
func (q *connQueue) Addr() net.Addr { return &net.TCPAddr{} }
