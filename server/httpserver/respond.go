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

// writeHead appends the response head to the write buffer and fixes the
// body's framing (RFC 9112 §6.3): a Content-Length from the handler
// (fields) or from size >= 0, else chunked on HTTP/1.1, else the body ends
// when the connection closes. It adds Date and Server unless fields has
// them, and Connection when the connection will close, or stays open on
// HTTP/1.0.
func (c *conn) writeHead(code int, reason string, fields []gateway.Field, size int64) {
	r := &c.resp
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
	if !hasDate {
		w.DateField(c.start)
	}
	if !hasServer && c.srv.ServerHeader != "" {
		w.Field("Server", c.srv.ServerHeader)
	}
	for _, f := range fields {
		w.Field(f.Name, f.Value)
	}
	if r.declared >= 0 && size >= 0 && code != 204 && code != 304 && !hasLength {
		w.FieldInt("Content-Length", r.declared)
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

// writeBody sends body bytes in the framing writeHead chose. Bytes beyond a
// declared Content-Length are an error of the handler: they are dropped and
// the connection will close.
func (c *conn) writeBody(p []byte) error {
	r := &c.resp
	if r.noBody || len(p) == 0 {
		return nil
	}
	if r.declared >= 0 && r.written+int64(len(p)) > r.declared {
		r.close = true
		p = p[:r.declared-r.written]
		err := fmt.Errorf("body longer than its Content-Length %d", r.declared)
		if len(p) > 0 {
			c.w.Write(p)
			r.written += int64(len(p))
		}
		return err
	}
	var err error
	if r.chunked {
		err = c.w.WriteChunk(p)
	} else {
		_, err = c.w.Write(p)
	}
	r.written += int64(len(p)) // handed over; bodySent says how much left
	return err
}

// endBody completes the body: the last chunk of a chunked body, and a check
// that a declared length was met (a short body closes the connection, so
// the client sees it cut short rather than waiting).
func (c *conn) endBody() {
	r := &c.resp
	if !r.headSent || r.noBody {
		return
	}
	if r.chunked && !r.cut {
		c.w.EndChunked()
		return
	}
	if r.declared >= 0 && r.written < r.declared {
		if c.w.Err() == nil {
			c.srv.Log.Error("response body shorter than its Content-Length", keyTarget, safeTarget(c.req.Target),
				"declared", r.declared, "written", r.written)
		}
		r.close = true
	}
}

// writeError answers with code and a small fixed text that never echoes
// the request. Errors in the request's framing (4xx but 404/405/408/413)
// also close the connection.
func (c *conn) writeError(code int) {
	if c.resp.headSent {
		c.resp.close, c.resp.cut = true, true
		return
	}
	if code >= 400 && code < 500 && code != 404 && code != 405 {
		c.resp.close = true
	}
	text := http1.StatusText(code)
	var fields [1]gateway.Field
	fields[0] = gateway.Field{Name: "Content-Type", Value: "text/plain; charset=utf-8"}
	c.writeHead(code, text, fields[:], int64(len(text)+1))
	c.writeBody(errorBody(code))
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

// startResponse is the connection's start_response.
func (c *conn) startResponse(status string, headers []gateway.Field) error {
	r := &c.resp
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
func (c *conn) serveApp() {
	app := c.srv.App
	if app == nil {
		c.writeError(404)
		return
	}
	c.prepareEnviron()
	body, ok := c.callApp(app)
	c.routed(c.app.env.Route)
	defer c.closeBody(body)
	if !ok {
		c.writeError(500)
		return
	}
	if b, isBytes := body.Bytes(); isBytes {
		if !c.appStarted() {
			return
		}
		if v, ok := gateway.Fields(c.resp.header).Lookup("Content-Length"); ok {
			if n, _ := strconv.ParseInt(v, 10, 64); n != int64(len(b)) {
				c.appError(fmt.Errorf("Content-Length %d set for a body of %d bytes", n, len(b)))
				c.writeError(500)
				return
			}
		}
		c.writeHead(c.resp.code, c.resp.reason, c.resp.header, int64(len(b)))
		c.writeBody(b)
		return
	}
	c.runStream(body)
}

// callApp calls the application, turning a panic into a logged failure.
func (c *conn) callApp(app gateway.App) (body gateway.Body, ok bool) {
	defer func() {
		if p := recover(); p != nil {
			c.appPanic(p)
			ok = false
		}
	}()
	return app.ServeGateway(&c.app.env, c.app.startFn), true
}

func (c *conn) closeBody(body gateway.Body) {
	defer func() {
		if p := recover(); p != nil {
			c.appPanic(p)
		}
	}()
	body.Close()
}

// appStarted checks start_response was called once before the body, and
// answers 500 (or 413 for a body over the limit) when not.
func (c *conn) appStarted() bool {
	r := &c.resp
	switch {
	case http1.StatusOf(c.bodyErr) != 0:
		// The body broke the protocol or the limit while the application
		// read it: that, not the application's answer, is the response.
		c.writeError(http1.StatusOf(c.bodyErr))
		return false
	case r.twice:
		c.appError(gateway.ErrAlreadyStarted)
	case !r.started && r.startErr != nil:
		c.appError(fmt.Errorf("%w; start_response refused: %w", gateway.ErrNotStarted, r.startErr))
	case !r.started:
		c.appError(gateway.ErrNotStarted)
	default:
		return true
	}
	c.writeError(500)
	return false
}

// runStream sends a streamed body, each chunk as soon as it comes.
func (c *conn) runStream(body gateway.Body) {
	r := &c.resp
	failed := false
	func() {
		defer func() {
			if p := recover(); p != nil {
				c.appPanic(p)
				failed = true
			}
		}()
		for chunk, err := range body.Stream() {
			if err != nil {
				c.appError(fmt.Errorf("stream failed: %w", err))
				failed = true
				return
			}
			if len(chunk) == 0 {
				continue
			}
			if !r.headSent {
				if !c.appStarted() {
					return
				}
				c.writeHead(r.code, r.reason, r.header, -1)
			}
			if r.noBody {
				continue
			}
			if err := c.writeBody(chunk); err != nil {
				if c.w.Err() == nil {
					c.appError(err)
				}
				return
			}
			if c.w.Flush() != nil {
				return // the client has gone
			}
		}
	}()
	switch {
	case failed && !r.headSent:
		c.writeError(500)
	case failed:
		r.close, r.cut = true, true // never let the response look complete
	case !r.headSent:
		if c.appStarted() {
			// An empty stream is a body of 0 bytes; for HEAD the size of the
			// GET body is unknown, so it gets no Content-Length.
			size := int64(0)
			if r.head {
				size = -1
			}
			c.writeHead(r.code, r.reason, r.header, size)
		}
	case r.twice:
		c.appError(gateway.ErrAlreadyStarted)
		r.close, r.cut = true, true
	}
}

func (c *conn) appPanic(p any) {
	c.srv.Log.Error("application panicked", keyTarget, safeTarget(c.req.Target), keyPanic, fmt.Sprint(p), keyStack, string(debug.Stack()))
}

func (c *conn) appError(err error) {
	c.srv.Log.Error("application failed", keyTarget, safeTarget(c.req.Target), keyErr, err)
}

// prepareEnviron fills the connection's Environ for the current request.
func (c *conn) prepareEnviron() {
	e := &c.app.env
	h := e.Header[:0]
	for _, f := range c.req.Header {
		h = append(h, gateway.Field{Name: f.Name, Value: f.Value})
	}
	*e = gateway.Environ{
		Method:        c.req.Method,
		Path:          c.path,
		RawPath:       c.req.Path,
		Query:         c.req.Query,
		Protocol:      c.req.Proto,
		RemoteAddr:    c.remote,
		PeerAddr:      c.peer,
		Scheme:        "http",
		Host:          c.req.Host,
		Header:        h,
		ContentLength: c.req.ContentLength,
		Body:          &c.app.bodyRead,
		Log:           c.srv.Log,
	}
	if c.secure {
		e.Scheme = "https"
	}
	if c.fwd.trusted {
		c.fwd.req.apply(e)
	}
	e.ServerName, e.ServerPort = splitHostPort(e.Host)
	if e.ServerName == "" {
		e.ServerName, e.ServerPort = splitHostPort(c.local)
	}
	e.SetContextFunc(c.app.ctxFn)
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
