package httpserver

import (
	"crypto/tls"
	"errors"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strconv"
	"sync"

	"github.com/miniweb/miniweb/server/gatewayhttp"
	"github.com/miniweb/miniweb/server/static"
)

// h2Side is the net/http server that serves the TLS connections whose
// ALPN chose HTTP/2 (see tls.go): the engine hands each to it, handshake
// done, through a listener of its own (connQueue).
type h2Side struct {
	srv   *http.Server
	queue *connQueue
}

// startH2 starts the HTTP/2 server, which serves until Shutdown. Its
// limits and timeouts are the engine's: ReadHeaderTimeout, IdleTimeout,
// WriteTimeout (per stream), MaxHeaderBytes. A connection keeps its slot
// of MaxConns until net/http says it closed.
func (s *Server) startH2(config *tls.Config) *h2Side {
	app := gatewayhttp.Handler(s.App)
	app.Log = s.Log
	h := &h2Side{queue: newConnQueue()}
	h.srv = &http.Server{
		Handler:           &h2Handler{s: s, app: app},
		TLSConfig:         config, // its NextProtos hold "h2": Serve sets HTTP/2 up
		ReadHeaderTimeout: s.ReadHeaderTimeout,
		IdleTimeout:       s.IdleTimeout,
		WriteTimeout:      s.WriteTimeout,
		MaxHeaderBytes:    s.MaxHeaderBytes,
		ErrorLog:          slog.NewLogLogger(s.Log.Handler(), slog.LevelDebug),
		ConnState: func(_ net.Conn, st http.ConnState) {
			if st == http.StateClosed || st == http.StateHijacked {
				s.releaseSlot()
			}
		},
	}
	if h.srv.MaxHeaderBytes <= 0 {
		h.srv.MaxHeaderBytes = 32 << 10
	}
	go h.srv.Serve(h.queue)
	return h
}

// hand gives a connection to the HTTP/2 server, and reports false if that
// server has stopped.
func (h *h2Side) hand(c *tls.Conn) bool { return h.queue.put(c) }

// h2Handler routes an HTTP/2 request as the engine routes an HTTP/1.1 one
// (route.go): the application's paths to it through gatewayhttp, the rest
// to the static folder, the health check's path to the health check.
type h2Handler struct {
	s   *Server
	app http.Handler
}

func (h *h2Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s := h.s
	switch {
	case s.Health.Path != "" && r.URL.EscapedPath() == s.Health.Path:
		serveHealthHTTP(w, r, s.draining.Load())
	case s.toApp(r.URL.Path):
		if s.App == nil {
			http.NotFound(w, r)
			return
		}
		h.app.ServeHTTP(w, r)
	default:
		s.serveStaticHTTP(w, r)
	}
}

// serveHealthHTTP is serveHealth (health.go) through net/http.
func serveHealthHTTP(w http.ResponseWriter, r *http.Request, draining bool) {
	fields, status, body := healthFields, 200, healthOK
	switch {
	case r.Method != "GET" && r.Method != "HEAD":
		fields, status, body = healthAllow, 405, healthMethod
	case draining:
		status, body = 503, healthDraining
	}
	for _, f := range fields {
		w.Header().Set(f.Name, f.Value)
	}
	w.Header().Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(status)
	w.Write(body)
}

// serveStaticHTTP answers r from the static folder through net/http.
func (s *Server) serveStaticHTTP(w http.ResponseWriter, r *http.Request) {
	if s.Static == nil {
		http.NotFound(w, r)
		return
	}
	sw := &staticHTTP{w: w}
	h := r.Header
	_, err := s.Static.Serve(sw, &static.Request{
		Method:            r.Method,
		Path:              r.URL.EscapedPath(),
		Query:             r.URL.RawQuery,
		AcceptEncoding:    h.Get("Accept-Encoding"),
		IfMatch:           h.Get("If-Match"),
		IfNoneMatch:       h.Get("If-None-Match"),
		IfModifiedSince:   h.Get("If-Modified-Since"),
		IfUnmodifiedSince: h.Get("If-Unmodified-Since"),
		Range:             h.Get("Range"),
		IfRange:           h.Get("If-Range"),
	})
	if err == nil || errors.Is(err, static.ErrFileFault) {
		if err != nil {
			s.Log.Error("static file failed", keyTarget, safeTarget(r.URL.RequestURI()), keyErr, err)
		}
		return
	}
	if !isNetError(err) && r.Context().Err() == nil {
		s.Log.Error("static file failed", keyTarget, safeTarget(r.URL.RequestURI()), keyErr, err)
	}
	if !sw.sent {
		http.Error(w, "Internal error", http.StatusInternalServerError)
		return
	}
	panic(http.ErrAbortHandler) // cut the stream short: never let it look complete
}

// staticHTTP is the static.Response of a request served by net/http.
type staticHTTP struct {
	w    http.ResponseWriter
	sent bool // WriteHeader was called
}

func (r *staticHTTP) AddHeader(name, value string) { r.w.Header().Add(name, value) }

func (r *staticHTTP) WriteHeader(status int, contentLength int64) error {
	if contentLength >= 0 {
		r.w.Header().Set("Content-Length", strconv.FormatInt(contentLength, 10))
	}
	r.sent = true
	r.w.WriteHeader(status)
	return nil
}

func (r *staticHTTP) Write(p []byte) (int, error) { return r.w.Write(p) }

func (r *staticHTTP) ReadFrom(src io.Reader) (int64, error) {
	return io.Copy(struct{ io.Writer }{r.w}, src) // no ReadFrom of ours: io.Copy would call it again
}

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
