package gatewayhttp

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"path"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/miniweb/miniweb/server/gateway"
)

// Errors of the ResponseWriter that [FromHandler] gives a handler.
var (
	// ErrClientGone is returned by Write and Flush once the server has
	// reported that the client went away (its yield returned false).
	ErrClientGone = errors.New("gatewayhttp: client has gone")
	// ErrHandlerDone is returned by a ResponseWriter used after its
	// ServeHTTP returned, from a goroutine the handler left behind.
	ErrHandlerDone = errors.New("gatewayhttp: ResponseWriter used after ServeHTTP returned")
)

// bufferSize bounds the body a handler's ResponseWriter holds before it
// sends it on. A handler that writes no more than this and returns without
// a Flush gets its response in one write with a Content-Length; a larger
// body goes out in chunks of about this size, without one.
const bufferSize = 16 << 10

// FromHandler returns an application that answers requests with h, the
// other way round from [Handler]: a net/http handler (a ServeMux, a file
// server, a reverse proxy) runs on any server of this contract. The
// package doc lists where the two models differ and what it does there.
//
// The handler runs inside the body's stream, on the goroutine the server
// iterates it on: no goroutine is started. The response is buffered, and
// start_response is called at the first Flush, when the buffer fills, or
// when the handler returns; so a handler that returns without flushing
// gets the status it chose last and one write with a Content-Length.
func FromHandler(h http.Handler) gateway.App { return handlerApp{h} }

type handlerApp struct{ h http.Handler }

func (a handlerApp) ServeGateway(env *gateway.Environ, start gateway.StartResponse) gateway.Body {
	w := &responseWriter{env: env, start: start, handler: a.h, log: env.Logger(), cl: -1}
	return gateway.Stream(w.run)
}

// responseWriter is the http.ResponseWriter of one request under
// FromHandler, and the state of its stream. It also holds the request's
// URL, context and body, so that a request costs few allocations.
type responseWriter struct {
	env     *gateway.Environ
	start   gateway.StartResponse
	handler http.Handler
	log     *slog.Logger
	yield   func([]byte, error) bool
	target  string // the request target, for log lines

	// mu serialises what leads to the server's Environ from the handler's
	// goroutines: body reads, and making the context. Both end when
	// ServeHTTP returns.
	mu   sync.Mutex
	url  url.URL
	ctx  requestContext
	body requestBody

	header      http.Header // Header()'s map, made on first use
	wroteHeader bool        // a final status was chosen
	status      int
	fields      []gateway.Field // the header as it was at WriteHeader, to send
	fieldsArr   [8]gateway.Field
	cl          int64  // the handler's Content-Length; -1 for none
	clValue     string // cl as digits
	hasType     bool   // the handler set Content-Type (even to nothing)
	hasEncoding bool   // the handler set a Content-Encoding
	trailers    bool   // the handler declared trailers
	written     int64  // body bytes the handler wrote, HEAD included

	buf       []byte // body bytes not yet sent
	committed bool   // start_response was called
	final     bool   // the handler has returned
	err       error  // sticky: start_response refused, or the client gone

	done       atomic.Bool // ServeHTTP has returned
	lateLogged atomic.Bool // a use after return was logged
}

// run is the body's stream: it runs the handler, with Write and Flush
// yielding chunks on this goroutine.
func (w *responseWriter) run(yield func([]byte, error) bool) {
	w.yield = yield
	req := w.newRequest()
	defer w.release() // also when the handler panics: the panic goes on to the server
	w.handler.ServeHTTP(w, req)
	w.env.Route = routeOf(req.Pattern)
	w.done.Store(true)
	w.end()
}

// routeOf returns the route label of a ServeMux pattern that matched
// (http.Request.Pattern, "[METHOD ][HOST]/[PATH]"): the pattern without
// its method, "/api/time.py" for "GET /api/time.py"; "" for none. The
// server's metrics count the request under it (gateway.Environ.Route).
func routeOf(pattern string) string {
	if i := strings.IndexAny(pattern, " \t"); i >= 0 {
		pattern = strings.TrimLeft(pattern[i:], " \t")
	}
	return pattern
}

// end completes the response after ServeHTTP returned, as net/http's
// finishRequest does: an unwritten status is 200, and what is buffered is
// sent, with a Content-Length when nothing was sent before.
func (w *responseWriter) end() {
	if !w.wroteHeader {
		w.writeHeader(http.StatusOK)
	}
	w.final = true
	w.send(nil)
	w.dropTrailers()
}

// release cuts the handler's goroutines off from the server's request: the
// context, if unused, becomes a cancelled one, and the body reads fail.
func (w *responseWriter) release() {
	w.done.Store(true)
	w.mu.Lock()
	if w.ctx.ctx.Load() == nil {
		w.ctx.ctx.Store(doneContext)
	}
	w.ctx.env = nil
	w.body.r, w.body.closed = nil, true
	w.mu.Unlock()
	w.yield = nil
}

// newRequest builds the handler's request from the Environ, as net/http's
// server would have read it.
func (w *responseWriter) newRequest() *http.Request {
	env := w.env
	p := env.Path
	if env.ScriptName != "" {
		p = env.ScriptName + p
	}
	w.url = url.URL{Path: p, RawQuery: env.Query}
	if env.RawPath != p {
		w.url.RawPath = env.RawPath // a hint; EscapedPath checks it
	}
	uri := env.RawPath
	if uri == "" {
		uri = w.url.EscapedPath()
	}
	if env.Query != "" {
		uri += "?" + env.Query
	}
	w.target = uri
	major, minor, ok := http.ParseHTTPVersion(env.Protocol)
	if !ok {
		major, minor = 1, 1
	}
	w.ctx.env, w.ctx.mu = env, &w.mu
	w.body = requestBody{mu: &w.mu, r: env.Body}
	r := http.Request{
		Method:        env.Method,
		URL:           &w.url,
		Proto:         env.Protocol,
		ProtoMajor:    major,
		ProtoMinor:    minor,
		Header:        requestHeader(env.Header),
		ContentLength: env.ContentLength,
		Close:         wantsClose(env.Header, minor),
		Host:          env.Host,
		RemoteAddr:    env.RemoteAddr,
		RequestURI:    uri,
	}
	switch {
	case env.ContentLength == 0:
		r.Body = http.NoBody
	case env.ContentLength < 0:
		r.Body = &w.body
		r.TransferEncoding = chunked
	default:
		r.Body = &w.body
	}
	return r.WithContext(&w.ctx)
}

var chunked = []string{"chunked"}

// requestHeader returns the request fields as an http.Header, names
// canonicalised, without Host and Transfer-Encoding (which net/http keeps
// in Request.Host and Request.TransferEncoding). All values share one
// backing array.
func requestHeader(fields gateway.Fields) http.Header {
	h := make(http.Header, len(fields))
	vals := make([]string, len(fields))
	for i, f := range fields {
		k := http.CanonicalHeaderKey(f.Name)
		if k == "Host" || k == "Transfer-Encoding" {
			continue
		}
		if vs, ok := h[k]; ok {
			h[k] = append(vs, f.Value)
			continue
		}
		vals[i] = f.Value
		h[k] = vals[i : i+1 : i+1]
	}
	return h
}

// wantsClose reports whether the client asked to close the connection after
// this request: "Connection: close", or HTTP/1.0 without keep-alive.
func wantsClose(fields gateway.Fields, minor int) bool {
	keepAlive := false
	for _, f := range fields {
		if !gateway.EqualFold(f.Name, "Connection") {
			continue
		}
		for t := range strings.SplitSeq(f.Value, ",") {
			switch t = strings.TrimSpace(t); {
			case gateway.EqualFold(t, "close"):
				return true
			case gateway.EqualFold(t, "keep-alive"):
				keepAlive = true
			}
		}
	}
	return minor == 0 && !keepAlive
}

// Header returns the header map the handler fills before WriteHeader.
func (w *responseWriter) Header() http.Header {
	if w.header == nil {
		w.header = make(http.Header)
	}
	return w.header
}

// WriteHeader chooses the status, as net/http's does: a second call is
// logged and ignored, a code outside 100-999 panics, and an informational
// code (1xx but 101) is dropped, since interim responses are the server's.
func (w *responseWriter) WriteHeader(code int) {
	if w.done.Load() {
		w.late("WriteHeader")
		return
	}
	w.writeHeader(code)
}

func (w *responseWriter) writeHeader(code int) {
	if w.wroteHeader {
		w.log.Warn("gatewayhttp: superfluous WriteHeader call", keyCaller, relevantCaller(), keyCode, code)
		return
	}
	if code < 100 || code > 999 {
		panic(fmt.Sprintf("invalid WriteHeader code %v", code)) // net/http's words
	}
	if code < 200 && code != http.StatusSwitchingProtocols {
		w.log.Debug("gatewayhttp: informational response dropped", keyCode, code, keyTarget, quote(w.target))
		return
	}
	w.wroteHeader, w.status = true, code
	w.snapshot()
}

// snapshot turns the header map into the fields to send, as net/http fixes
// the header at WriteHeader: later changes to the map are not sent. It
// leaves out what start_response must not get: hop-by-hop fields, trailers,
// invalid names and values. Values have CR and LF turned into spaces and
// are trimmed, as net/http writes them.
func (w *responseWriter) snapshot() {
	fields := w.fieldsArr[:0]
	for k, vs := range w.header {
		switch {
		case strings.HasPrefix(k, http.TrailerPrefix), gateway.EqualFold(k, "Trailer"):
			w.trailers = w.trailers || len(vs) > 0
			continue
		case gateway.IsHopByHop(k):
			w.log.Debug("gatewayhttp: hop-by-hop field dropped", keyField, quote(k), keyTarget, quote(w.target))
			continue
		case gateway.EqualFold(k, "Content-Length"):
			w.setContentLength(vs)
			continue
		case k == "Content-Type":
			w.hasType = true // even with no value: net/http then does not sniff
		case k == "Content-Encoding":
			w.hasEncoding = len(vs) > 0 && vs[0] != ""
		}
		if !gateway.IsToken(k) {
			w.log.Warn("gatewayhttp: invalid header field name dropped", keyField, quote(k), keyTarget, quote(w.target))
			continue
		}
		for _, v := range vs {
			v = cleanValue(v)
			if !validValue(v) {
				w.log.Warn("gatewayhttp: invalid header field value dropped", keyField, quote(k), keyValue, quote(v), keyTarget, quote(w.target))
				continue
			}
			fields = append(fields, gateway.Field{Name: k, Value: v})
		}
	}
	if !bodyAllowed(w.status) { // RFC 9110 §8.6: no Content-Length on 204 and 304
		w.cl, w.clValue = -1, ""
		if w.status == http.StatusNotModified {
			fields = slices.DeleteFunc(fields, func(f gateway.Field) bool { return f.Name == "Content-Type" })
		}
	}
	// Map order is random; the wire order is by name, as net/http's.
	slices.SortStableFunc(fields, func(a, b gateway.Field) int { return strings.Compare(a.Name, b.Name) })
	w.fields = fields
}

// setContentLength takes the handler's Content-Length, or logs and drops it
// when it is not a number, as net/http does.
func (w *responseWriter) setContentLength(vs []string) {
	if len(vs) == 0 {
		return
	}
	v := strings.TrimSpace(vs[0])
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil || n < 0 {
		w.log.Warn("gatewayhttp: invalid Content-Length dropped", keyValue, quote(v), keyTarget, quote(w.target))
		return
	}
	if !isDigits(v) {
		v = strconv.FormatInt(n, 10) // "+5"
	}
	w.cl, w.clValue = n, v
}

// Write buffers p, and sends the buffer on when it is full.
func (w *responseWriter) Write(p []byte) (int, error) { return write(w, p) }

// WriteString is Write without a copy of s to a byte slice.
func (w *responseWriter) WriteString(s string) (int, error) { return write(w, s) }

func write[P []byte | string](w *responseWriter, p P) (int, error) {
	if w.done.Load() {
		return 0, w.late("Write")
	}
	if !w.wroteHeader {
		w.writeHeader(http.StatusOK)
	}
	if len(p) == 0 {
		return 0, nil
	}
	if !bodyAllowed(w.status) {
		return 0, http.ErrBodyNotAllowed
	}
	w.written += int64(len(p))
	if w.cl >= 0 && w.written > w.cl {
		return 0, http.ErrContentLength // nothing of p is sent, as in net/http
	}
	if w.err != nil {
		return 0, w.err
	}
	if len(w.buf)+len(p) > bufferSize {
		var peek [sniffLen]byte
		n := copy(peek[:], p)
		if err := w.send(peek[:n]); err != nil {
			return 0, err
		}
		if len(p) >= bufferSize { // large: straight to the server, no copy
			if !w.emit([]byte(p)) {
				return 0, w.err
			}
			return len(p), nil
		}
	}
	w.buf = append(w.buf, p...)
	return len(p), nil
}

// Flush sends the status, the header and what is buffered to the client
// now: each Flush is one chunk of the stream.
func (w *responseWriter) Flush() { w.FlushError() }

// FlushError is Flush with its error, for http.ResponseController.
func (w *responseWriter) FlushError() error {
	if w.done.Load() {
		return w.late("Flush")
	}
	if !w.wroteHeader {
		w.writeHeader(http.StatusOK)
	}
	return w.send(nil)
}

// Hijack refuses: the server owns the connection and its framing.
func (w *responseWriter) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	return nil, nil, errHijack
}

// SetReadDeadline refuses: the server's timeouts bound each request.
func (w *responseWriter) SetReadDeadline(time.Time) error { return errDeadline }

// SetWriteDeadline refuses: the server's timeouts bound each request.
func (w *responseWriter) SetWriteDeadline(time.Time) error { return errDeadline }

var (
	errHijack   = fmt.Errorf("gatewayhttp: Hijack: the server owns the connection: %w", http.ErrNotSupported)
	errDeadline = fmt.Errorf("gatewayhttp: deadlines are the server's (its timeouts bound each request): %w", http.ErrNotSupported)
)

// send starts the response if it is not yet, then yields the buffer. peek
// is the start of the body still to come, for sniffing when the buffer is
// empty.
func (w *responseWriter) send(peek []byte) error {
	if w.err != nil {
		return w.err
	}
	if !w.committed {
		if err := w.commit(peek); err != nil {
			return err
		}
	}
	if len(w.buf) > 0 {
		ok := w.emit(w.buf)
		w.buf = w.buf[:0] // the server is done with a chunk once yield returns
		if !ok {
			return w.err
		}
	}
	return nil
}

func (w *responseWriter) emit(b []byte) bool {
	if w.yield(b, nil) {
		return true
	}
	w.err = ErrClientGone
	return false
}

// commit calls start_response with the status and the fields of
// WriteHeader, and what net/http adds: a Content-Length when the handler
// has returned and everything is in the buffer (not for an empty answer to
// HEAD, whose handler may have skipped the body), and a sniffed
// Content-Type when the handler set none.
func (w *responseWriter) commit(peek []byte) error {
	w.committed = true
	fields := w.fields
	if bodyAllowed(w.status) {
		switch {
		case w.cl >= 0:
			fields = append(fields, gateway.Field{Name: "Content-Length", Value: w.clValue})
		case w.final && !w.trailers && (w.env.Method != "HEAD" || len(w.buf) > 0):
			fields = append(fields, gateway.Field{Name: "Content-Length", Value: strconv.Itoa(len(w.buf))})
		}
		if !w.hasType && !w.hasEncoding && len(w.buf)+len(peek) > 0 {
			fields = append(fields, gateway.Field{Name: "Content-Type", Value: sniff(w.buf, peek)})
		}
	}
	if err := w.start(statusLine(w.status), fields); err != nil {
		w.err = err // the server answers 500 and logs why
		return err
	}
	return nil
}

// sniffLen is how much of a body http.DetectContentType reads.
const sniffLen = 512

// sniff returns the type of the body that starts with buf then peek.
func sniff(buf, peek []byte) string {
	if len(buf) >= sniffLen || len(peek) == 0 {
		return http.DetectContentType(buf)
	}
	var b [sniffLen]byte
	n := copy(b[:], buf)
	n += copy(b[n:], peek)
	return http.DetectContentType(b[:n])
}

// dropTrailers logs the trailers a handler set, which are not sent: the
// contract has no trailers.
func (w *responseWriter) dropTrailers() {
	var names []string
	for k, vs := range w.header {
		switch {
		case strings.HasPrefix(k, http.TrailerPrefix):
			names = append(names, strings.TrimPrefix(k, http.TrailerPrefix))
		case gateway.EqualFold(k, "Trailer"):
			names = append(names, vs...)
		}
	}
	if len(names) > 0 {
		slices.Sort(names)
		w.log.Warn("gatewayhttp: trailers dropped", keyField, strings.Join(names, ", "), keyTarget, quote(w.target))
	}
}

// late answers a use of the ResponseWriter after ServeHTTP returned: the
// first is logged, with the caller; all fail. (A panic, as net/http's HTTP/2
// server does, would be in the handler's own goroutine, where nothing
// recovers it, and would take the whole process down.)
func (w *responseWriter) late(method string) error {
	if w.lateLogged.CompareAndSwap(false, true) {
		w.log.Error("gatewayhttp: ResponseWriter used after ServeHTTP returned", keyMethod, method,
			keyCaller, relevantCaller(), keyTarget, quote(w.target))
	}
	return ErrHandlerDone
}

// requestContext is the request's context: the Environ's, made only when a
// handler first uses it (so a handler that never does costs the server no
// context), and cancelled once ServeHTTP has returned.
//
// Making it takes the responseWriter's mutex, which a body read holds too:
// the server's Environ is not safe for concurrent use, and a handler may
// read the body on one goroutine while another first asks for the context.
// Once made, the context is read without a lock, so a Done or Err never
// waits for a slow body.
type requestContext struct {
	mu  *sync.Mutex      // the responseWriter's
	env *gateway.Environ // nil once released
	ctx atomic.Value     // the context.Context, once made
}

func (c *requestContext) get() context.Context {
	if ctx := c.ctx.Load(); ctx != nil {
		return ctx.(context.Context)
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if ctx := c.ctx.Load(); ctx != nil {
		return ctx.(context.Context)
	}
	ctx := c.env.Context()
	c.ctx.Store(ctx)
	return ctx
}

func (c *requestContext) Deadline() (time.Time, bool) { return c.get().Deadline() }
func (c *requestContext) Done() <-chan struct{}       { return c.get().Done() }
func (c *requestContext) Err() error                  { return c.get().Err() }
func (c *requestContext) Value(key any) any           { return c.get().Value(key) }
func (c *requestContext) String() string              { return "gatewayhttp.requestContext" }

// doneContext is the context of a request whose handler returned without
// asking for one.
var doneContext = func() context.Context {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	return ctx
}()

// requestBody is the request's body, which reads fail on once closed or
// once ServeHTTP has returned (the Environ's body is the server's again).
type requestBody struct {
	mu     *sync.Mutex // the responseWriter's
	r      io.Reader
	closed bool
}

func (b *requestBody) Read(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.closed {
		return 0, http.ErrBodyReadAfterClose
	}
	return b.r.Read(p)
}

func (b *requestBody) Close() error {
	b.mu.Lock()
	b.closed = true
	b.mu.Unlock()
	return nil
}

// statusLines holds "200 OK" and the like, made once.
var statusLines = func() (lines [600]string) {
	for code := 200; code < 600; code++ {
		if text := http.StatusText(code); text != "" {
			lines[code] = strconv.Itoa(code) + " " + text
		}
	}
	return lines
}()

// statusLine returns the start_response status for code: "404 Not Found",
// or the bare digits for a code without a reason phrase.
func statusLine(code int) string {
	if code >= 0 && code < len(statusLines) && statusLines[code] != "" {
		return statusLines[code]
	}
	return strconv.Itoa(code)
}

// bodyAllowed reports whether a response with status code has a body (RFC
// 9110 §15.2, §15.3.5, §15.4.5).
func bodyAllowed(code int) bool {
	return code >= 200 && code != http.StatusNoContent && code != http.StatusNotModified
}

// cleanValue turns CR and LF into spaces and trims the value, as net/http
// writes header values.
func cleanValue(v string) string {
	if strings.ContainsAny(v, "\r\n") {
		v = newlineToSpace.Replace(v)
	}
	return strings.Trim(v, " \t")
}

var newlineToSpace = strings.NewReplacer("\r", " ", "\n", " ")

// validValue reports whether v holds no control character but HTAB (RFC
// 9110 §5.5).
func validValue(v string) bool {
	for i := 0; i < len(v); i++ {
		if c := v[i]; c != '\t' && (c < ' ' || c == 0x7f) {
			return false
		}
	}
	return true
}

// isDigits reports whether s is 1*DIGIT of at most 18 digits, a
// Content-Length to send as the handler wrote it.
func isDigits(s string) bool {
	if s == "" || len(s) > 18 {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// quote quotes s for a log line, cut short.
func quote(s string) string { return strconv.Quote(snippet(s)) }

// snippet cuts s to a length fit for a log line, as the gateway package
// cuts the values its errors quote.
func snippet(s string) string {
	if len(s) > 32 {
		return s[:32] + "..."
	}
	return s
}

// relevantCaller names the first caller outside this package and net/http:
// the handler code that misused its ResponseWriter.
func relevantCaller() string {
	pc := make([]uintptr, 16)
	n := runtime.Callers(2, pc)
	frames := runtime.CallersFrames(pc[:n])
	for {
		f, more := frames.Next()
		inside := strings.HasPrefix(f.Function, ownPrefix) && !strings.HasSuffix(f.File, "_test.go") ||
			strings.HasPrefix(f.Function, "net/http.")
		if !inside || !more {
			return fmt.Sprintf("%s (%s:%d)", f.Function, path.Base(f.File), f.Line)
		}
	}
}

// ownPrefix is this package's prefix in function names: "github.com/miniweb/miniweb/server/gatewayhttp.".
var ownPrefix = func() string {
	pc, _, _, _ := runtime.Caller(0)
	name := runtime.FuncForPC(pc).Name()
	slash := strings.LastIndexByte(name, '/')
	return name[:slash+strings.IndexByte(name[slash:], '.')+1]
}()
