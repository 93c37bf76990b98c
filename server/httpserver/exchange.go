package httpserver

import (
	"errors"
	"io"
	"net/url"
	"strings"
	"time"

	"github.com/miniweb/miniweb/server/gateway"
	"github.com/miniweb/miniweb/server/internal/http1"
	"github.com/miniweb/miniweb/server/static"
)

// One front door
//
// Every request, whatever carries it, is an exchange: the request's fields,
// who sent it, the environ, the response's state and the application's
// call. dispatch is the one place a request is answered from: OPTIONS *,
// the health check (health.go), the application (serveApp, respond.go)
// and the static folder (serveStatic), with the Server and Date fields,
// the body's length checked against its Content-Length, panics recovered,
// and, once the transport is done, one access-log line (logAccess). The
// forwarding fields of a trusted proxy (forward, proxy.go) and compression
// (compress.go: the application and the static folder code their own
// responses) happen on the way, the same for every transport.
//
// What differs between protocols is only how the bytes travel, which is
// the exchange's transport:
//
//   - HTTP/1.1: the connection itself (conn.go, the fast path of
//     inline.go, sendfile): a conn embeds its exchange, reused request
//     after request, so that a keep-alive request allocates nothing. Its
//     head is a status line and field lines, its body framed by
//     Content-Length, chunked or the connection's close (respond.go:
//     sendHead).
//   - HTTP/2: a stream (stream.go), one exchange per request, whose
//     transport turns the head into the stream's HEADERS and the body into
//     its DATA; the stream is server/internal/http2's (tls_h2.go), seen
//     through the small interface h2Stream.

// exchange is one request and its response: see above.
type exchange struct {
	srv *Server
	t   transport // what carries the exchange

	// The client, as the connection knows it.
	remote string       // the client's ip:port: the peer's, or its PROXY header's source
	local  string       // the listener's ip:port, for SERVER_NAME without Host
	peer   string       // the peer's ip:port
	secure bool         // the connection is TLS: the environ's Scheme is "https" (tls.go)
	fwd    forwardState // what trusted proxies said (proxy.go)

	req     http1.Request
	path    string      // req.Path, percent-decoded
	body    *http1.Body // an HTTP/1.1 request body, nil when there is none or on HTTP/2
	bodyErr error       // the first error reading the body, other than io.EOF
	start   time.Time   // when the request head was read

	resp response     // its response (respond.go)
	app  appCall      // the application's side of it (respond.go)
	sw   staticWriter // the static handler's response
	mx   connMetrics  // Server.Metrics' state (metrics.go)
}

// transport carries an exchange's response: HTTP/1.1's conn, or an HTTP/2
// stream. The exchange decides what is sent (status, fields, length, the
// body bytes, whether it is complete); the transport only frames and
// sends it.
type transport interface {
	// sendHead sends (or buffers) the response head: the status, the
	// application's fields, and the fields the server adds (add).
	sendHead(code int, reason string, fields []gateway.Field, add addedFields)
	// sendBody sends body bytes, framed as the head said.
	sendBody(p []byte) error
	// sendFrom sends the body from r (a static file: sendfile where the
	// transport can), counting what it sends in resp.written.
	sendFrom(r io.Reader) (int64, error)
	// sendEnd ends the body: complete, or, with resp.cut, cut short in a
	// way the client cannot take for complete.
	sendEnd()
	// flush sends what is buffered.
	flush() error
	// writeErr is the error that stopped the response's bytes, nil while
	// they go.
	writeErr() error
	// bodySent is how many body bytes of the response the transport
	// accepted, for the access log.
	bodySent() int64
	// traffic is how many bytes the transport has received and sent in
	// all, for Server.Metrics.
	traffic() (received, sent int64)
}

// addedFields are the fields the server adds to a response head: Date
// (from the exchange's start) when date, Server when server is not "",
// Content-Length when length >= 0.
type addedFields struct {
	date   bool
	server string
	length int64
}

// dispatch answers the request: OPTIONS * and the health check by the
// server itself, the application's paths from the application, every other
// path from the static folder.
func (x *exchange) dispatch() {
	if x.req.Path == "*" { // OPTIONS * (RFC 9110 §9.3.7): about the server itself
		x.writeHead(200, "", nil, 0)
		return
	}
	if x.isHealthCheck() {
		x.serveHealth()
		return
	}
	path := x.req.Path
	if strings.IndexByte(path, '%') >= 0 {
		p, err := url.PathUnescape(path)
		if err != nil {
			x.writeError(400)
			return
		}
		path = p
	}
	x.path = path
	if x.srv.toApp(path) {
		x.serveApp()
		return
	}
	x.serveStatic()
}

// tooLarge reports whether the request declares a body over MaxBodyBytes,
// which is answered 413 before any handler runs.
func (x *exchange) tooLarge() bool {
	if x.req.ContentLength > x.srv.MaxBodyBytes {
		x.resp.close = true
		x.writeError(413)
		return true
	}
	return false
}

// serveStatic answers the request from the static folder.
func (x *exchange) serveStatic() {
	x.routed(RouteStatic)
	if x.srv.Static == nil {
		x.writeError(404)
		return
	}
	r := &x.sw.req
	*r = static.Request{
		Method:            x.req.Method,
		Path:              x.req.Path,
		Query:             x.req.Query,
		IfMatch:           x.req.Get("If-Match"),
		IfNoneMatch:       x.req.Get("If-None-Match"),
		IfModifiedSince:   x.req.Get("If-Modified-Since"),
		IfUnmodifiedSince: x.req.Get("If-Unmodified-Since"),
		Range:             x.req.Get("Range"),
		IfRange:           x.req.Get("If-Range"),
		AcceptEncoding:    x.req.Get("Accept-Encoding"),
	}
	x.sw.header = x.sw.header[:0]
	if _, err := x.srv.Static.Serve(&x.sw, r); err != nil {
		if x.t.writeErr() != nil || isNetError(err) {
			x.resp.close = true // the client went away mid-response
			return
		}
		x.srv.Log.Error("static file failed", keyTarget, safeTarget(x.req.Target), keyErr, err)
		if errors.Is(err, static.ErrFileFault) {
			return // a 403 or 500 went out in full; the connection is fine
		}
		x.writeError(500) // after the head, this cuts the response short
	}
}

// staticWriter is the static.Response of an exchange.
type staticWriter struct {
	x      *exchange
	req    static.Request
	header []gateway.Field
}

func (w *staticWriter) AddHeader(name, value string) {
	w.header = append(w.header, gateway.Field{Name: name, Value: value})
}

func (w *staticWriter) WriteHeader(status int, contentLength int64) error {
	w.x.writeHead(status, "", w.header, contentLength)
	return w.x.t.writeErr()
}

func (w *staticWriter) Write(p []byte) (int, error) {
	if err := w.x.writeBody(p); err != nil {
		return 0, err
	}
	return len(p), nil
}

func (w *staticWriter) ReadFrom(r io.Reader) (int64, error) {
	if w.x.resp.noBody {
		return 0, nil
	}
	return w.x.t.sendFrom(r)
}
