package httpserver

import (
	"context"
	"fmt"
	"io"
	"runtime/debug"
	"strconv"
	"time"

	"github.com/miniweb/miniweb/server/gateway"
	"github.com/miniweb/miniweb/server/internal/http1"
)

// response is the state of the response to the current request.
type response struct {
	minor  int  // the request's HTTP minor version
	head   bool // a HEAD request: a head but never a body
	noBody bool // no body bytes go out: HEAD, 204, 304

	appStart // what start_response said

	headSent bool
	chunked  bool
	declared int64 // the Content-Length sent, -1 when none
	written  int64 // body bytes handed to the writer, sent or not
	bodyAt   int64 // where the body starts in the connection's output (http1.Writer.Sent)
	close    bool  // close the connection after this response
	cut      bool  // a fault cut the body short: never end it as complete; implies close
	sent100  bool  // 100 Continue was sent
	health   bool  // a health check: logged only with HealthCheck.Log
	status   int   // the status sent, for the access log
}

// appStart is what the application's start_response call said.
type appStart struct {
	started  bool
	twice    bool
	startErr error // the last refused start_response call
	code     int
	reason   string
	header   []gateway.Field
}

func (r *response) reset(req *http1.Request) {
	*r = response{minor: req.Minor, head: req.Method == "HEAD", declared: -1, appStart: appStart{header: r.header[:0]}}
}

// writeHead sends the response head and fixes the body's length: a
// Content-Length from the handler (fields) or from size >= 0, else none
// (the transport frames the body: see sendHead). Date and Server are added
// unless fields has them.
func (x *exchange) writeHead(code int, reason string, fields []gateway.Field, size int64) {
	r := &x.resp
	r.headSent, r.status = true, code
	r.noBody = r.head || code == 204 || code == 304 || code < 200
	h := gateway.Fields(fields)
	_, hasDate := h.Lookup("Date")
	_, hasServer := h.Lookup("Server")
	cl, hasLength := h.Lookup("Content-Length")
	if hasLength {
		r.declared, _ = strconv.ParseInt(cl, 10, 64) // CheckHeader saw digits
	}
	if r.declared < 0 && size >= 0 && code != 204 && code != 304 {
		r.declared = size
	}
	add := addedFields{date: !hasDate, length: -1}
	if !hasServer {
		add.server = x.srv.ServerHeader
	}
	if r.declared >= 0 && size >= 0 && code != 204 && code != 304 && !hasLength {
		add.length = r.declared
	}
	x.t.sendHead(code, reason, fields, add)
}

// sendHead appends the HTTP/1.1 response head to the write buffer and
// frames the body (RFC 9112 §6.3): by its Content-Length when writeHead
// fixed one, else chunked on HTTP/1.1, else the body ends when the
// connection closes. It adds Connection when the connection will close, or
// stays open on HTTP/1.0.
func (c *conn) sendHead(code int, reason string, fields []gateway.Field, add addedFields) {
	r := &c.resp
	if r.declared < 0 && !r.noBody {
		if r.minor == 1 {
			r.chunked = true
		} else {
			r.close = true
		}
	}
	if c.req.Close || c.srv.shutting.Load() || c.watch.gone.Load() {
		r.close = true
	}

	w := c.w
	w.StatusLine(r.minor, code, reason)
	if add.date {
		w.DateField(c.start)
	}
	if add.server != "" {
		w.Field("Server", add.server)
	}
	for _, f := range fields {
		w.Field(f.Name, f.Value)
	}
	if add.length >= 0 {
		w.FieldInt("Content-Length", add.length)
	}
	if r.chunked {
		w.Field("Transfer-Encoding", "chunked")
	}
	switch {
	case r.close:
		w.Field("Connection", "close")
	case r.minor == 0:
		w.Field("Connection", "keep-alive")
	}
	w.EndHead()
	r.bodyAt = w.Sent() + int64(w.Buffered())
}

// bodySent returns how many body bytes of the current response the
// connection accepted: less than written when a write failed or timed out
// part way. A cut chunked body counts its chunk framing, so the figure can
// then be a few bytes high; a complete one counts exactly the body.
func (c *conn) bodySent() int64 {
	r := &c.resp
	if !r.headSent {
		return 0
	}
	return min(r.written, max(0, c.w.Sent()-r.bodyAt))
}

// writeBody sends body bytes in the framing the head chose. Bytes beyond a
// declared Content-Length are an error of the handler: they are dropped and
// the connection will close.
func (x *exchange) writeBody(p []byte) error {
	r := &x.resp
	if r.noBody || len(p) == 0 {
		return nil
	}
	if r.declared >= 0 && r.written+int64(len(p)) > r.declared {
		r.close = true
		p = p[:r.declared-r.written]
		err := fmt.Errorf("body longer than its Content-Length %d", r.declared)
		if len(p) > 0 {
			x.t.sendBody(p)
			r.written += int64(len(p))
		}
		return err
	}
	err := x.t.sendBody(p)
	r.written += int64(len(p)) // handed over; bodySent says how much left
	return err
}

// sendBody writes body bytes, chunked or as they are.
func (c *conn) sendBody(p []byte) error {
	if c.resp.chunked {
		return c.w.WriteChunk(p)
	}
	_, err := c.w.Write(p)
	return err
}

// sendFrom sends a static file's body: with sendfile on a socket when the
// body is not chunked.
func (c *conn) sendFrom(r io.Reader) (int64, error) {
	if c.resp.chunked {
		return io.Copy(struct{ io.Writer }{&c.sw}, r)
	}
	n, err := c.w.ReadFrom(r)
	c.resp.written += n
	return n, err
}

// endBody completes the body, and checks that a declared length was met:
// a short body is cut (on HTTP/1.1 the connection closes, so the client
// sees it cut short rather than waiting).
func (x *exchange) endBody() {
	r := &x.resp
	if !r.headSent || r.noBody {
		return
	}
	if r.declared >= 0 && r.written < r.declared {
		if x.t.writeErr() == nil {
			x.srv.Log.Error("response body shorter than its Content-Length", keyTarget, safeTarget(x.req.Target),
				"declared", r.declared, "written", r.written)
		}
		r.close, r.cut = true, true
	}
	x.t.sendEnd()
}

// sendEnd sends a chunked body's last chunk, unless it was cut.
func (c *conn) sendEnd() {
	if c.resp.chunked && !c.resp.cut {
		c.w.EndChunked()
	}
}

// flush sends what the connection buffers.
func (c *conn) flush() error { return c.w.Flush() }

// writeErr is the connection's write error.
func (c *conn) writeErr() error { return c.w.Err() }

// traffic is what the connection has received and sent in all.
func (c *conn) traffic() (received, sent int64) { return c.r.Received(), c.w.Sent() }

// writeError answers with code and a small fixed text that never echoes
// the request. Errors in the request's framing (4xx but 404/405/408/413)
// also close the connection.
func (x *exchange) writeError(code int) {
	if x.resp.headSent {
		x.resp.close, x.resp.cut = true, true
		return
	}
	if code >= 400 && code < 500 && code != 404 && code != 405 {
		x.resp.close = true
	}
	text := http1.StatusText(code)
	var fields [1]gateway.Field
	fields[0] = gateway.Field{Name: "Content-Type", Value: "text/plain; charset=utf-8"}
	x.writeHead(code, text, fields[:], int64(len(text)+1))
	x.writeBody(errorBody(code))
}

var errorBodies = map[int][]byte{}

func init() {
	for _, code := range []int{400, 403, 404, 405, 408, 413, 414, 417, 431, 500, 501, 505} {
		errorBodies[code] = []byte(http1.StatusText(code) + "\n")
	}
}

func errorBody(code int) []byte {
	if b, ok := errorBodies[code]; ok {
		return b
	}
	return []byte(http1.StatusText(code) + "\n")
}

// startResponse is the exchange's start_response.
func (x *exchange) startResponse(status string, headers []gateway.Field) error {
	r := &x.resp
	if r.started {
		r.twice = true
		return gateway.ErrAlreadyStarted
	}
	code, err := gateway.CheckStatus(status)
	if err != nil {
		r.startErr = err
		return err
	}
	for _, f := range headers {
		if err := gateway.CheckHeader(f); err != nil {
			r.startErr = err
			return err
		}
	}
	r.started, r.code, r.header = true, code, headers
	r.reason = ""
	if len(status) > 4 {
		r.reason = status[4:]
	}
	return nil
}

// serveApp hands the request to the application and sends its response.
func (x *exchange) serveApp() {
	app := x.srv.App
	if app == nil {
		x.writeError(404)
		return
	}
	x.prepareEnviron()
	body, ok := x.callApp(app)
	x.routed(x.app.env.Route)
	defer x.closeBody(body)
	if !ok {
		x.writeError(500)
		return
	}
	if b, isBytes := body.Bytes(); isBytes {
		if !x.appStarted() {
			return
		}
		if v, ok := gateway.Fields(x.resp.header).Lookup("Content-Length"); ok {
			if n, _ := strconv.ParseInt(v, 10, 64); n != int64(len(b)) {
				x.appError(fmt.Errorf("Content-Length %d set for a body of %d bytes", n, len(b)))
				x.writeError(500)
				return
			}
		}
		x.writeHead(x.resp.code, x.resp.reason, x.resp.header, int64(len(b)))
		x.writeBody(b)
		return
	}
	x.runStream(body)
}

// callApp calls the application, turning a panic into a logged failure.
func (x *exchange) callApp(app gateway.App) (body gateway.Body, ok bool) {
	defer func() {
		if p := recover(); p != nil {
			x.appPanic(p)
			ok = false
		}
	}()
	return app.ServeGateway(&x.app.env, x.app.startFn), true
}

func (x *exchange) closeBody(body gateway.Body) {
	defer func() {
		if p := recover(); p != nil {
			x.appPanic(p)
		}
	}()
	body.Close()
}

// appStarted checks start_response was called once before the body, and
// answers 500 (or 413 for a body over the limit) when not.
func (x *exchange) appStarted() bool {
	r := &x.resp
	switch {
	case http1.StatusOf(x.bodyErr) != 0:
		// The body broke the protocol or the limit while the application
		// read it: that, not the application's answer, is the response.
		x.writeError(http1.StatusOf(x.bodyErr))
		return false
	case r.twice:
		x.appError(gateway.ErrAlreadyStarted)
	case !r.started && r.startErr != nil:
		x.appError(fmt.Errorf("%w; start_response refused: %w", gateway.ErrNotStarted, r.startErr))
	case !r.started:
		x.appError(gateway.ErrNotStarted)
	default:
		return true
	}
	x.writeError(500)
	return false
}

// runStream sends a streamed body, each chunk as soon as it comes.
func (x *exchange) runStream(body gateway.Body) {
	r := &x.resp
	failed := false
	func() {
		defer func() {
			if p := recover(); p != nil {
				x.appPanic(p)
				failed = true
			}
		}()
		for chunk, err := range body.Stream() {
			if err != nil {
				x.appError(fmt.Errorf("stream failed: %w", err))
				failed = true
				return
			}
			if len(chunk) == 0 {
				continue
			}
			if !r.headSent {
				if !x.appStarted() {
					return
				}
				x.writeHead(r.code, r.reason, r.header, -1)
			}
			if r.noBody {
				continue
			}
			if err := x.writeBody(chunk); err != nil {
				if x.t.writeErr() == nil {
					x.appError(err)
				}
				return
			}
			if x.t.flush() != nil {
				return // the client has gone
			}
		}
	}()
	switch {
	case failed && !r.headSent:
		x.writeError(500)
	case failed:
		r.close, r.cut = true, true // never let the response look complete
	case !r.headSent:
		if x.appStarted() {
			// An empty stream is a body of 0 bytes; for HEAD the size of the
			// GET body is unknown, so it gets no Content-Length.
			size := int64(0)
			if r.head {
				size = -1
			}
			x.writeHead(r.code, r.reason, r.header, size)
		}
	case r.twice:
		x.appError(gateway.ErrAlreadyStarted)
		r.close, r.cut = true, true
	}
}

func (x *exchange) appPanic(p any) {
	x.srv.Log.Error("application panicked", keyTarget, safeTarget(x.req.Target), keyPanic, fmt.Sprint(p), keyStack, string(debug.Stack()))
}

func (x *exchange) appError(err error) {
	x.srv.Log.Error("application failed", keyTarget, safeTarget(x.req.Target), keyErr, err)
}

// prepareEnviron fills the exchange's Environ for its request.
func (x *exchange) prepareEnviron() {
	e := &x.app.env
	h := e.Header[:0]
	for _, f := range x.req.Header {
		h = append(h, gateway.Field{Name: f.Name, Value: f.Value})
	}
	*e = gateway.Environ{
		Method:        x.req.Method,
		Path:          x.path,
		RawPath:       x.req.Path,
		Query:         x.req.Query,
		Protocol:      x.req.Proto,
		RemoteAddr:    x.remote,
		PeerAddr:      x.peer,
		Scheme:        "http",
		Host:          x.req.Host,
		Header:        h,
		ContentLength: x.req.ContentLength,
		Body:          x.app.bodyIn,
		Log:           x.srv.Log,
	}
	if x.secure {
		e.Scheme = "https"
	}
	if x.fwd.trusted {
		x.fwd.req.apply(e)
	}
	e.ServerName, e.ServerPort = splitHostPort(e.Host)
	if e.ServerName == "" {
		e.ServerName, e.ServerPort = splitHostPort(x.local)
	}
	e.SetContextFunc(x.app.ctxFn)
}

// splitHostPort splits "host:port", "[v6]:port", "host" without allocating.
func splitHostPort(hp string) (host, port string) {
	if hp == "" {
		return "", ""
	}
	if hp[0] == '[' {
		end := indexByte(hp, ']')
		if end < 0 {
			return hp, ""
		}
		host = hp[1:end]
		if end+1 < len(hp) && hp[end+1] == ':' {
			port = hp[end+2:]
		}
		return host, port
	}
	for i := len(hp) - 1; i >= 0; i-- {
		if hp[i] == ':' {
			return hp[:i], hp[i+1:]
		}
	}
	return hp, ""
}

func indexByte(s string, b byte) int {
	for i := 0; i < len(s); i++ {
		if s[i] == b {
			return i
		}
	}
	return -1
}

// makeContext makes the request's context the first time the application
// asks for it, and starts watching for the client leaving.
func (c *conn) makeContext() context.Context {
	ctx, cancel := context.WithCancel(c.srv.baseCtx)
	c.app.cancelCtx = cancel
	if c.body == nil || c.body.Done() {
		c.watchClient()
	}
	return ctx
}

// watchClient starts a background read that cancels the request's context
// when the client closes the connection while the application runs. It
// runs only when the body has been read, since the application owns the
// reads until then; a byte it reads (a pipelined request) stays buffered.
func (c *conn) watchClient() {
	if c.watch.done != nil || c.app.cancelCtx == nil || c.r.Buffered() > 0 {
		return
	}
	if c.inl.in {
		c.watchDup()
		return
	}
	c.endTransfer() // the body is done: the watch's read is no transfer's
	c.watch.done = make(chan struct{})
	c.watch.abort.Store(false)
	c.setReadDeadline(time.Time{})
	cancel := c.app.cancelCtx
	go func() {
		defer close(c.watch.done)
		if err := c.r.Fill(); err != nil && !c.watch.abort.Load() {
			c.watch.gone.Store(true)
			cancel()
		}
	}()
}

// stopWatch ends the background read, keeping what it read.
func (c *conn) stopWatch() {
	if c.watch.done == nil {
		return
	}
	c.watch.abort.Store(true)
	if c.watch.file != nil {
		c.watch.file.SetReadDeadline(aLongTimeAgo)
		<-c.watch.done
		c.watch.file.Close()
		c.watch.file = nil
	} else {
		c.setReadDeadline(aLongTimeAgo)
		<-c.watch.done
		// A deadline in the past would fail the next wait at once: the
		// inline run's RawConn.Read checks it before its callback can
		// set the idle deadline, and the keep-alive connection would
		// close with no answer to the client's next request.
		c.setReadDeadline(time.Time{})
	}
	c.watch.done = nil
}

// bodyReader is the request body as the application sees it
// (Environ.Body): it sends 100 Continue on the first read when the client
// asked for it, and bounds the reading time.
type bodyReader struct{ c *conn }

func (b *bodyReader) Read(p []byte) (int, error) {
	c := b.c
	if c.body == nil {
		return 0, io.EOF
	}
	if c.body.Done() {
		return 0, io.EOF
	}
	if !c.resp.sent100 {
		c.resp.sent100 = true
		if c.req.Expect100 && !c.resp.headSent {
			// RFC 9110 §10.1.1: the client waits for this before sending.
			if _, err := c.w.Write(continue100); err != nil {
				return 0, err
			}
			if err := c.w.Flush(); err != nil {
				return 0, err
			}
		}
		c.beginTransfer(time.Now().Add(c.srv.ReadBodyTimeout))
	}
	n, err := c.body.Read(p)
	switch {
	case err == io.EOF:
		c.endTransfer()
		c.watchClient()
	case err != nil && c.bodyErr == nil:
		c.bodyErr = err
		c.resp.close = true // the rest of the body cannot be found
	}
	return n, err
}

var continue100 = []byte("HTTP/1.1 100 Continue\r\n\r\n")

// safeTarget quotes a request target for a log line, cut short.
func safeTarget(t string) string {
	if len(t) > 200 {
		t = t[:200] + "..."
	}
	return strconv.Quote(t)
}
