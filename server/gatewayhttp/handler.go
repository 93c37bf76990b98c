package gatewayhttp

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"runtime/debug"
	"slices"
	"strconv"
	"strings"

	"github.com/miniweb/miniweb/server/gateway"
)

// HTTPHandler serves a gateway application with net/http's server: the
// other way round from [FromHandler]. It checks start_response by the rules
// of package gateway, as miniweb's server does, and answers a breach with
// a 500 and a log line.
type HTTPHandler struct {
	// App answers every request.
	App gateway.App
	// Log receives the application's failures, and is its Environ.Log;
	// nil means slog.Default().
	Log *slog.Logger
}

// Handler returns an http.Handler that serves app, logging to
// slog.Default(); set the result's Log to log elsewhere:
//
//	srv := &http.Server{Addr: ":8443", Handler: gateway.Handler(app)}
//	srv.ListenAndServeTLS(cert, key) // HTTP/2 included
func Handler(app gateway.App) *HTTPHandler { return &HTTPHandler{App: app} }

// ServeHTTP answers r with the application. Its life:
//
//  1. the Environ is made from r (see environ);
//  2. the application is called with a start_response that checks the
//     status and fields, and records them;
//  3. a Bytes body is written with its Content-Length; a Stream body is
//     written chunk by chunk, each flushed to the client at once, the
//     header going out with the first non-empty chunk;
//  4. the body's Close runs once, however the response ended.
//
// A breach of the contract (no start_response, a second one, a refused
// status or field, a Content-Length that the body does not match) before
// anything was sent is a 500; after, the response is cut short
// (http.ErrAbortHandler), never left to look complete. So is a panic or a
// stream error; each is logged.
func (h *HTTPHandler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	x := &exchange{w: w, r: r, log: h.Log, declared: -1}
	if x.log == nil {
		x.log = slog.Default()
	}
	x.environ()
	x.serve(h.App)
}

// exchange is one request served by an HTTPHandler.
type exchange struct {
	w   http.ResponseWriter
	r   *http.Request
	log *slog.Logger
	env gateway.Environ

	// From start_response.
	started  bool
	twice    bool
	startErr error // the last refused call
	code     int
	header   []gateway.Field

	headSent bool
	noBody   bool  // HEAD, 204, 304: the body is run but not written
	declared int64 // the application's Content-Length; -1 for none
	written  int64 // body bytes written
}

// environ fills x.env from the request: the fields of the package doc,
// with ServerName and ServerPort from Host (the port from the scheme when
// Host has none, the listener's address when there is no Host), the
// request fields with Host first (net/http keeps it apart) and the others
// sorted by name (net/http keeps them in a map), and the request's context.
func (x *exchange) environ() {
	r, e := x.r, &x.env
	e.Method = r.Method
	e.Path = r.URL.Path
	e.RawPath = r.URL.EscapedPath()
	if strings.HasPrefix(r.RequestURI, "/") { // as sent, when it is a path
		e.RawPath, _, _ = strings.Cut(r.RequestURI, "?")
	}
	e.Query = r.URL.RawQuery
	e.Protocol = r.Proto
	e.RemoteAddr = r.RemoteAddr
	e.Scheme = "http"
	if r.TLS != nil {
		e.Scheme = "https"
	}
	e.Host = r.Host
	e.ServerName, e.ServerPort = serverAddr(r.Host, e.Scheme, r.Context())
	e.Header = requestFields(r)
	e.ContentLength = r.ContentLength
	e.Body = r.Body
	if r.Body == nil || r.Body == http.NoBody {
		e.Body, e.ContentLength = http.NoBody, 0
	}
	e.Log = x.log
	e.SetContext(r.Context())
}

// serverAddr splits the Host field into SERVER_NAME and SERVER_PORT.
func serverAddr(host, scheme string, ctx context.Context) (name, port string) {
	if host == "" {
		if a, ok := ctx.Value(http.LocalAddrContextKey).(net.Addr); ok {
			host = a.String()
		}
	}
	if name, port, err := net.SplitHostPort(host); err == nil {
		return name, port
	}
	port = "80"
	if scheme == "https" {
		port = "443"
	}
	return strings.TrimSuffix(strings.TrimPrefix(host, "["), "]"), port
}

func requestFields(r *http.Request) gateway.Fields {
	n := 1
	for _, vs := range r.Header {
		n += len(vs)
	}
	fields := make(gateway.Fields, 0, n)
	if r.Host != "" {
		fields = append(fields, gateway.Field{Name: "Host", Value: r.Host})
	}
	start := len(fields)
	for k, vs := range r.Header {
		for _, v := range vs {
			fields = append(fields, gateway.Field{Name: k, Value: v})
		}
	}
	slices.SortStableFunc(fields[start:], func(a, b gateway.Field) int { return strings.Compare(a.Name, b.Name) })
	return fields
}

// start is the exchange's start_response, with the rules of miniweb's
// server.
func (x *exchange) start(status string, headers []gateway.Field) error {
	if x.started {
		x.twice = true
		return gateway.ErrAlreadyStarted
	}
	code, err := gateway.CheckStatus(status)
	if err != nil {
		x.startErr = err
		return err
	}
	for _, f := range headers {
		if err := gateway.CheckHeader(f); err != nil {
			x.startErr = err
			return err
		}
	}
	x.started, x.code, x.header = true, code, headers
	return nil
}

func (x *exchange) serve(app gateway.App) {
	defer func() {
		if p := recover(); p != nil {
			x.panicked(p)
		}
	}()
	body := app.ServeGateway(&x.env, x.start)
	defer x.closeBody(body)
	if b, ok := body.Bytes(); ok {
		if !x.checkStarted() {
			return
		}
		if v, ok := gateway.Fields(x.header).Lookup("Content-Length"); ok {
			if n, _ := strconv.ParseInt(v, 10, 64); n != int64(len(b)) {
				x.fail(fmt.Errorf("Content-Length %d set for a body of %d bytes", n, len(b)))
				return
			}
		}
		x.writeHead(int64(len(b)))
		if !x.noBody && len(b) > 0 {
			x.w.Write(b) // an error is the client gone: nothing to do
		}
		return
	}
	x.stream(body)
}

// stream sends a Stream body, each chunk flushed as soon as it comes.
func (x *exchange) stream(body gateway.Body) {
	rc := http.NewResponseController(x.w)
	var failure error
	for chunk, err := range body.Stream() {
		if err != nil {
			failure = fmt.Errorf("stream failed: %w", err)
			break
		}
		if len(chunk) == 0 {
			continue
		}
		if !x.headSent {
			if !x.checkStarted() {
				return
			}
			x.writeHead(-1)
		}
		if x.noBody {
			continue
		}
		if x.declared >= 0 && x.written+int64(len(chunk)) > x.declared {
			// Send what was declared, as miniweb's server does, then cut.
			chunk = chunk[:x.declared-x.written]
			failure = fmt.Errorf("body longer than its Content-Length %d", x.declared)
		}
		if _, err := x.w.Write(chunk); err != nil {
			break // the client has gone
		}
		x.written += int64(len(chunk))
		if rc.Flush() != nil || failure != nil {
			break // the client has gone, or the body overflowed
		}
	}
	switch {
	case failure != nil:
		x.fail(failure)
	case !x.headSent:
		if x.checkStarted() {
			x.writeHead(0)
		}
	case x.twice:
		x.fail(gateway.ErrAlreadyStarted)
	}
}

// checkStarted checks start_response was called once before the body, and
// answers 500 when not.
func (x *exchange) checkStarted() bool {
	switch {
	case x.twice:
		x.fail(gateway.ErrAlreadyStarted)
	case !x.started && x.startErr != nil:
		x.fail(fmt.Errorf("%w; start_response refused: %w", gateway.ErrNotStarted, x.startErr))
	case !x.started:
		x.fail(gateway.ErrNotStarted)
	default:
		return true
	}
	return false
}

// writeHead sends the status and fields. size is the body's length, or -1
// when unknown (net/http then frames the body itself). A response without
// Content-Type gets none: net/http's sniffing is suppressed, as miniweb's
// server does not sniff.
func (x *exchange) writeHead(size int64) {
	x.headSent = true
	x.noBody = x.r.Method == "HEAD" || !bodyAllowed(x.code)
	h := x.w.Header()
	hasType, hasLength := false, false
	for _, f := range x.header {
		switch {
		case gateway.EqualFold(f.Name, "Content-Type"):
			hasType = true
		case gateway.EqualFold(f.Name, "Content-Length"):
			hasLength = true
			x.declared, _ = strconv.ParseInt(f.Value, 10, 64)
		}
		h.Add(f.Name, f.Value)
	}
	if !hasType {
		h["Content-Type"] = nil
	}
	if size >= 0 && !hasLength && bodyAllowed(x.code) {
		h.Set("Content-Length", strconv.FormatInt(size, 10))
	}
	x.w.WriteHeader(x.code)
}

// fail logs err and answers 500 if nothing was sent yet; else it cuts the
// response short.
func (x *exchange) fail(err error) {
	x.log.Error("application failed", keyTarget, quote(x.r.RequestURI), keyErr, err)
	x.abort()
}

func (x *exchange) panicked(p any) {
	if p == http.ErrAbortHandler {
		panic(p) // a handler's own abort, from a nested net/http handler
	}
	x.log.Error("application panicked", keyTarget, quote(x.r.RequestURI), keyPanic, fmt.Sprint(p), keyStack, string(debug.Stack()))
	x.abort()
}

// abort answers 500 when the head is not sent, and otherwise makes net/http
// end the response abnormally (a closed connection, a reset stream), so
// the client never takes a cut body for a whole one.
func (x *exchange) abort() {
	if x.headSent {
		panic(http.ErrAbortHandler)
	}
	x.headSent = true
	h := x.w.Header()
	clear(h)
	h.Set("Content-Type", "text/plain; charset=utf-8")
	h.Set("Content-Length", strconv.Itoa(len(internalError)))
	x.w.WriteHeader(http.StatusInternalServerError)
	x.w.Write(internalError)
}

var internalError = []byte("Internal Server Error\n")

func (x *exchange) closeBody(body gateway.Body) {
	defer func() {
		if p := recover(); p != nil {
			x.log.Error("application panicked", keyTarget, quote(x.r.RequestURI), keyPanic, fmt.Sprint(p), keyStack, string(debug.Stack()))
		}
	}()
	body.Close()
}
