package httpserver

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net"
	"net/netip"
	"os"
	"sync/atomic"
	"syscall"
	"time"
	"unsafe"

	"github.com/miniweb/miniweb/server/gateway"
	"github.com/miniweb/miniweb/server/internal/http1"
	"github.com/miniweb/miniweb/server/internal/http2"
)

// The life of a connection
//
// serve runs one connection, and loop is its life, request after request;
// each step below names the function where it happens. With the PROXY
// protocol, serve first reads the connection's PROXY header
// (readProxyHeader, proxyheader.go).
//
//  1. Wait for the next request's first byte under IdleTimeout (a new
//     connection's first request: ReadHeaderTimeout, if shorter), holding no
//     buffers; the state is idle, so Shutdown, or a newcomer at the
//     connection cap, may close it now (next, goIdle, capacity.go). On
//     Linux a connection that has served a request parks (at once after
//     its first, after parkAfter idle after a later one): its goroutine
//     ends, and the Server's poller starts another when the next byte or
//     the FIN comes (park.go).
//  2. Read the request head under ReadHeaderTimeout (readHead). A protocol
//     error is answered with its status (400, 414, 431, 501, 505, ...) and
//     the connection closes: after a framing error nothing later on the
//     connection can be trusted, so nothing later is executed. A timeout
//     after the first byte is a 408 (readFailed). From a trusted proxy,
//     the head's forwarding fields name the client (forward, proxy.go).
//  3. Dispatch (respond, dispatch): the health check's path is answered by
//     the server (serveHealth, health.go); a decoded path ending in the
//     dynamic suffix (or that Server.AppPath picks) goes to the application
//     (serveApp, respond.go), every other path to the static handler
//     (serveStatic).
//  4. The response head and a small body leave in one write, under
//     WriteTimeout. The framing is the server's: Content-Length when the
//     size is known, else chunked on HTTP/1.1 and close-delimited on
//     HTTP/1.0 (respond.go).
//  5. What the handler left of the request body is drained, up to a bound;
//     a longer or broken body closes the connection, so body bytes are
//     never read as a request. The access log gets its line
//     (finishRequest).
//  6. Close when the client asked (Connection: close, HTTP/1.0 without
//     keep-alive), when the response was close-delimited or broken, when
//     the client shut down its side, or when the server is shutting down;
//     otherwise go to 1 (close, on the way out of serve).
//
// On a socket, steps 1 and 2 are an inline run (inline.go): the wait and
// the read are one read system call, and every request that needs no
// further read of the connection (a whole head, no body) is answered
// inside it, through the same respond. A request that needs more (the
// rest of its head, a body) is handed out of the run and answered in loop.
//
// The application's side, start_response and the body, follows the gateway
// contract: see respond.go.

// Connection states, for Shutdown and for reclaiming idle connections at
// the cap (capacity.go): only an idle connection, waiting for a request of
// which no byte has been read, may be closed under a client's feet. Any
// state above zero is idle, and is the time its wait began (UnixNano), so
// that the oldest idle connections can be closed first; the connection
// keeps its own copy (slotState.since) to take itself back from idle with a
// compare-and-swap, which fails if someone closed it meanwhile. A state
// below stateClosing is a connection waiting in a read of a request head or
// body under MinRate: minus the time (UnixNano) its bytes stop paying for
// its wait (rate.go), so that at the cap one far behind may be closed.
const (
	stateActive  int64 = 0
	stateClosing int64 = -1
)

// maxDrain bounds how much of an unread request body is read and dropped to
// keep a connection open; past it the connection is closed instead.
const maxDrain = 256 << 10

// conn is one connection, and the HTTP/1.1 transport of its requests'
// exchanges (exchange.go). Its own fields are what it keeps while it is
// parked (park.go): its socket, its slot, its place in the parked list;
// the rest, which it needs while it is served, is its connWork, which a
// parked connection gives back to its Server's pool.
type conn struct {
	*connWork // nil while parked

	srv  *Server
	rwc  net.Conn
	raw  syscall.RawConn // rwc's descriptor, for waiting without a buffer; may be nil
	slot slotState       // active, idle since when, or closing (capacity.go)
	wdl  time.Time       // the write deadline last set (see deadline.go)

	h2 atomic.Pointer[http2.Conn] // the HTTP/2 connection it carries, if it does (tls_h2.go)

	pk parkLinks // parked while idle (park.go)
	id connID    // its exchange's client and listener, kept while parked
}

// connID is who a connection's exchanges are with.
type connID struct {
	remote, local, peer string
	trusted             bool
}

// connWork is a connection's part that it needs while it is served. Its
// parts, each with one concern:
type connWork struct {
	exchange // the request being answered, reused request after request

	c *conn // the connection it serves now

	in    reading       // waiting for requests and reading them (r reads through in)
	inl   inlineRun     // the inline run in progress (inline.go)
	r     *http1.Reader // request heads and bodies
	w     *http1.Writer // responses
	watch clientWatch   // noticing the client leaving meanwhile (watchClient)

	// linger asks close to read what the client may still be sending, so
	// that our last response is not lost to a reset.
	linger bool
}

// reading is how a connection waits for and reads requests.
type reading struct {
	rd      connReader            // what the Reader reads from
	fillFn  func(fd uintptr) bool // conn.fill, bound once
	fillErr error                 // fill's error
	served  bool                  // a request head was read: later waits are between requests
	h2c     bool                  // the first request is HTTP/2's preface: serve turns to HTTP/2
}

// slotState is a connection's state for Shutdown and for reclaiming idle
// connections at the cap: see the states above.
type slotState struct {
	state atomic.Int64 // stateActive, stateClosing, or idle since
	since int64        // the state this connection stored when it went idle
	addr  netip.Addr   // the client address it is counted under (peers.go); zero: none
}

// appCall is what an exchange hands the application, bound once per
// connection (or stream) so that a request allocates no closures.
type appCall struct {
	env     gateway.Environ
	startFn gateway.StartResponse  // the exchange's startResponse
	ctxFn   func() context.Context // the transport's: the request's context
	bodyIn  io.Reader              // the transport's: the request body (Environ.Body)

	// HTTP/1.1's (conn.go): the body reader and the context's cancel.
	bodyRead  bodyReader
	cancelCtx context.CancelFunc
}

// clientWatch is the background read that notices a client leaving while
// the application runs; see watchClient.
type clientWatch struct {
	done  chan struct{}
	file  *os.File // the descriptor's duplicate watchDup reads, nil for watchClient's own read
	abort atomic.Bool
	gone  atomic.Bool
}

func (s *Server) newConn(rwc net.Conn) *conn {
	c := &conn{srv: s, rwc: rwc}
	if tc, ok := rwc.(*net.TCPConn); ok {
		c.raw, _ = tc.SyscallConn()
	}
	c.attach()
	c.remote, c.local = rwc.RemoteAddr().String(), rwc.LocalAddr().String()
	c.peer = c.remote
	c.trustPeer()
	c.slot.state.Store(stateActive)
	return c
}

// newConnWork returns a connWork with its functions bound, for any
// connection of the Server.
func (s *Server) newConnWork() *connWork {
	w := &connWork{}
	w.srv = s
	w.r = http1.NewReader(&w.in.rd, s.lim)
	w.w = http1.NewWriter(nil)
	w.app.startFn = w.startResponse
	w.inl.fn = w.step
	w.in.fillFn = w.fill
	w.app.ctxFn = w.makeContext
	w.app.bodyIn = &w.app.bodyRead
	w.sw.x = &w.exchange
	return w
}

// attach gives the connection a connWork from its Server's pool, bound to
// it: a new connection, or a parked one taken up (park.go).
func (c *conn) attach() {
	w, _ := c.srv.park.works.Get().(*connWork)
	if w == nil {
		w = c.srv.newConnWork()
	}
	w.c = c
	w.t = c
	w.in.rd.rwc = c.rwc
	w.in.rd.state = &c.slot.state
	w.w.Reset(c.rwc)
	w.app.bodyRead.c = c
	c.connWork = w
}

// The connWork's functions, bound once, call its connection's.
func (w *connWork) step(fd uintptr) bool         { return w.c.step(fd) }
func (w *connWork) fill(fd uintptr) bool         { return w.c.fill(fd) }
func (w *connWork) makeContext() context.Context { return w.c.makeContext() }

// serve runs the connection until it closes, or until it parks (park.go),
// and reports whether it parked: then its slot stays held.
func (c *conn) serve() (parked bool) {
	if c.srv.Proxies.Protocol && !c.readProxyHeader() {
		c.close()
		return false
	}
	c.loop(false)
	if c.in.h2c {
		c.serveH2(bytes.Clone(c.r.Peek()))
	}
	return c.endServe()
}

// loop is the life of the connection told above, request after request:
// next waits for a request and reads its head (steps 1 and 2), respond
// answers it (3 to 6). deep says it runs under serveDeep's frame.
func (c *conn) loop(deep bool) {
	// The address of mark changes when the runtime moves the stack: see
	// stackWatch.
	var mark byte
	w := stackWatch{at: uintptr(unsafe.Pointer(&mark))}
	for {
		switch c.next() {
		case nextClose:
			return
		case nextPark:
			c.pk.toPark = true // serve or resume parks it, its stack unwound
			return
		case nextDeep:
			if !deep {
				c.serveDeep()
				return
			}
			continue
		}
		w.waited(uintptr(unsafe.Pointer(&mark)))
		if !c.respond() {
			return
		}
		if w.handled(uintptr(unsafe.Pointer(&mark))) && !deep {
			c.serveDeep()
			return
		}
	}
}

// nextStep is what next found.
type nextStep uint8

const (
	nextRequest nextStep = iota // a request head is in c.req: answer it
	nextClose                   // close the connection
	nextDeep                    // the requests need a deep stack: go on under serveDeep
	nextPark                    // the connection has been idle for parkAfter: park it (park.go)
)

// next waits for the next request and reads its head into c.req. On a
// socket, the wait is an inline run (inline.go), which answers on the way
// every request it can answer without reading the connection, and hands
// out the first it cannot; elsewhere, and once the application watches
// for clients leaving, it is waitRequest.
func (c *conn) next() nextStep {
	if c.canInline() && !c.inl.off {
		switch c.serveInline() {
		case endClose:
			return nextClose
		case endHead:
			if !c.readHead() {
				return nextClose
			}
			return nextRequest
		case endRequest:
			return nextRequest
		case endDeep:
			return nextDeep
		case endPark:
			return nextPark
		}
		// endOff: on to the ordinary wait.
	}
	if !c.waitRequest() || !c.readHead() {
		return nextClose
	}
	return nextRequest
}

// serveDeep serves the rest of a connection whose requests need a deep
// stack, and keeps that stack between them.
//
// Between requests a connection waits a few hundred bytes deep. When its
// requests go deeper (a pongo2 page: several KiB), each garbage collection
// finds the waiting goroutine using under a quarter of its stack and halves
// it, and the next request copies it back to size: under load that copying
// was 6.5% of the CPU of a page request (pprof, demo /about.py, wrk -c64).
// A stack that shrank while waiting and grew back for the next request is
// in that cycle; from then on the connection waits under a frame of
// stackPad bytes, a quarter of a 32 KiB stack, and the collector leaves it
// alone. Connections that never churn (a hello, a static file, a client
// that sends one request) keep their small stacks, which is what idle
// connections cost.
//
//go:noinline
func (c *conn) serveDeep() {
	if !c.pk.deep {
		c.pk.deep = true // and a goroutine that takes it up from parking starts here
		c.srv.Log.Debug("connection keeps a deep stack", keyRemote, c.remote)
	}
	var pad [stackPad]byte
	keepFrame(&pad)
	c.loop(true)
}

// keepFrame keeps serveDeep's pad in its frame.
//
//go:noinline
func keepFrame(*[stackPad]byte) {}

// stackPad is the frame serveDeep waits under.
const stackPad = 8 << 10

// h2cPreface reports whether the connection's first bytes are HTTP/2's
// preface (h2c with prior knowledge), reading on, under the header
// timeout, while those that have come are the start of it: a client's
// preface may come in pieces.
func (c *conn) h2cPreface() (bool, error) {
	for {
		p := c.r.Peek()
		n := min(len(p), len(h2Preface))
		if !bytes.Equal(p[:n], h2Preface[:n]) {
			return false, nil
		}
		if n == len(h2Preface) {
			return true, nil
		}
		c.in.rd.deadline = time.Now().Add(c.srv.ReadHeaderTimeout)
		err := c.r.More()
		c.in.rd.deadline = time.Time{}
		if err != nil {
			return false, err
		}
	}
}

// readHead reads the head of the request whose first byte has come into
// c.req. A head that cannot be read is answered, if it deserves an answer,
// and readHead reports false: the connection closes.
func (c *conn) readHead() bool {
	// The head's first byte is here: the header timeout counts from now.
	// Its deadline is set only if the head needs another read (see
	// connReader); most heads arrive whole in the read that found the first
	// byte, and then now is also when the head was read.
	if !c.in.served && c.srv.H2C && c.srv.tls == nil {
		switch is, err := c.h2cPreface(); {
		case err != nil:
			c.readFailed(err)
			return false
		case is:
			c.in.h2c = true // loop ends; serve goes on with HTTP/2
			return false
		}
	}
	c.start = time.Now()
	c.in.served = true
	c.in.rd.deadline = c.start.Add(c.srv.ReadHeaderTimeout)
	rated := c.srv.MinRate > 0
	if rated {
		c.beginTransfer(c.in.rd.deadline)
	}
	err := c.r.ReadRequest(&c.req)
	if c.in.rd.deadline.IsZero() {
		c.start = time.Now() // the head took more reads
	}
	c.in.rd.deadline = time.Time{}
	if rated {
		c.endTransfer()
	}
	if err != nil {
		c.readFailed(err)
		return false
	}
	if c.fwd.trusted {
		c.forward()
	}
	return true
}

// respond answers the request whose head is in c.req, and reports whether
// the connection may carry another.
func (c *conn) respond() bool {
	c.resp.reset(&c.req)
	if !c.prepareBody() {
		c.finishRequest()
		return false
	}
	c.stretchWriteDeadline(c.start.Add(c.srv.WriteTimeout), c.srv.WriteTimeout)
	c.dispatch()
	c.endBody()
	return c.finishRequest()
}

// connReader is the connection as the request Reader sees it. While
// deadline is set, the next read first makes it the read deadline, once:
// the header deadline costs a timer update only for a head that does not
// arrive whole in one read.
// Inside a transfer (MinRate, rate.go), deadline is the transfer's hard
// deadline instead, and readTimed sets the read deadlines.
type connReader struct {
	rwc      net.Conn
	deadline time.Time
	set      time.Time     // the read deadline this connection's goroutine last set (see deadline.go)
	x        transfer      // the head or body being read under MinRate (rate.go)
	state    *atomic.Int64 // the connection's slot state, where a transfer's read is published
}

func (r *connReader) Read(p []byte) (int, error) {
	if !r.deadline.IsZero() {
		if r.x.on {
			r.x.hard, r.deadline = r.deadline, time.Time{}
			return r.readTimed(p)
		}
		r.rwc.SetReadDeadline(r.deadline)
		r.set, r.deadline = r.deadline, time.Time{}
	}
	if r.x.on {
		return r.readTimed(p)
	}
	return r.rwc.Read(p)
}

// goIdle readies the connection to wait for its next request: its buffers
// go back to the pools, its read deadline becomes the idle deadline, and
// its state says idle since now (for a new connection, since a little
// later: freshGrace), so that Shutdown, or a newcomer at the connection
// cap, may close it. The deadline is set before the state, so
// that the wake-up of whoever closes it cannot be overwritten.
//
// The idle deadline is the idle timeout, stretched (see deadline.go), or
// the shorter crowded timeout while the connections are near the cap (see
// capacity.go); for a new connection's first request, exactly the shorter
// of it and the header timeout, as in net/http: a client that connects and
// says nothing must not hold a slot of MaxConns longer than one that
// trickles its head.
func (c *conn) goIdle() {
	c.r.Release()
	c.w.Release()
	now := time.Now()
	timeout := c.srv.idleTimeout()
	c.slot.since = now.UnixNano()
	if wait := c.parkWait(timeout); wait > 0 {
		// Until it parks, on a deadline stretched by up to half the wait.
		c.stretchReadDeadlineWithin(now.Add(wait), wait/2)
		c.pk.crowded = timeout < c.srv.IdleTimeout
	} else if c.in.served {
		c.stretchReadDeadline(now.Add(timeout), timeout)
	} else {
		c.setReadDeadline(now.Add(min(timeout, c.srv.ReadHeaderTimeout)))
		c.slot.since += int64(freshGrace) // see capacity.go
	}
	c.slot.state.Store(c.slot.since)
	c.srv.wentIdle()
}

// wake takes the connection back from idle when its wait ends, and reports
// false if Shutdown or a newcomer at the cap closed it meanwhile.
func (c *conn) wake() bool { return c.slot.state.CompareAndSwap(c.slot.since, stateActive) }

// waitRequest waits for the first byte of the next request, outside a
// inline run, and reports whether one came. A socket's connection holds no
// buffer while it waits.
func (c *conn) waitRequest() bool {
	if c.r.Buffered() > 0 {
		return !c.srv.closesIdle() // a pipelined request is waiting
	}
	c.goIdle()
	if c.srv.closesIdle() {
		return false
	}
	var err error
	if c.canInline() {
		c.in.fillErr = nil
		if err = c.raw.Read(c.in.fillFn); err == nil {
			err = c.in.fillErr
		}
	} else {
		err = c.r.Fill()
	}
	if !c.wake() {
		return false // closed while idle
	}
	return err == nil
}

// fill is waitRequest's RawConn.Read callback: one read into a pooled
// buffer, which goes back to the pool when the read finds nothing.
func (c *conn) fill(fd uintptr) bool {
	got, _, err := c.r.ReadFD(fd)
	c.in.fillErr = err
	return got || err != nil
}

// readFailed answers a request head that could not be read, if it deserves
// an answer; the connection then closes.
func (c *conn) readFailed(err error) {
	status := http1.StatusOf(err)
	switch {
	case status != 0:
		c.srv.Log.Debug("bad request", keyRemote, c.remote, keyErr, err)
	case errors.Is(err, os.ErrDeadlineExceeded) && c.r.Started():
		status = 408
	default:
		return // the client left or the connection broke: nothing to answer
	}
	c.linger = true
	c.fwd.req = forwarded{}
	c.req.Method, c.req.Target, c.req.Proto = "", "", ""
	c.resp.reset(&c.req)
	// The head may not have said which version it speaks; we answer with
	// ours (RFC 9110 §2.5), framed by Content-Length and close, which an
	// HTTP/1.0 client reads as well.
	c.resp.minor = 1
	c.resp.close = true
	c.setWriteDeadline(time.Now().Add(c.srv.WriteTimeout))
	c.writeError(status)
	c.w.Flush()
	c.logAccess()
}

// prepareBody sets up the request body and refuses one that is declared too
// large. It reports whether the request may go on to a handler.
func (c *conn) prepareBody() bool {
	c.body, c.bodyErr = nil, nil
	if c.req.ContentLength == 0 {
		return true
	}
	if c.tooLarge() {
		return false
	}
	c.body = c.r.Body(&c.req, c.srv.MaxBodyBytes)
	return true
}

// finishRequest ends a request: it sends what is buffered, drains or gives
// up on the body, logs, and reports whether the connection may carry
// another request.
func (c *conn) finishRequest() bool {
	c.stopWatch()
	if c.app.cancelCtx != nil {
		c.app.cancelCtx()
		c.app.cancelCtx = nil
	}
	keep := !c.resp.close && !c.req.Close && !c.watch.gone.Load()
	// The answer goes out first: a slow body being drained must not delay it.
	if err := c.w.Flush(); err != nil {
		keep = false
	}
	if keep && c.body != nil && !c.body.Done() {
		switch {
		case c.req.Expect100 && !c.resp.sent100:
			// The client may still be waiting for 100 Continue before it
			// sends the body: do not guess, close.
			keep = false
		case c.bodyErr != nil:
			keep = false
		default:
			c.beginTransfer(time.Now().Add(c.srv.ReadBodyTimeout))
			keep = c.body.Discard(maxDrain)
			c.endTransfer()
		}
	}
	if c.body != nil && !c.body.Done() {
		c.linger = true
	}
	c.logAccess()
	return keep && !c.srv.closesIdle()
}

func (c *conn) close() {
	c.slot.state.Store(stateClosing)
	if c.pk.armed {
		c.srv.park.forget(c)
	}
	if c.connWork == nil { // parked: nothing but its socket
		c.rwc.Close()
		return
	}
	c.stopWatch()
	if c.app.cancelCtx != nil {
		c.app.cancelCtx()
	}
	c.w.Flush()
	if tc, ok := c.rwc.(*net.TCPConn); ok && c.linger {
		// Half-close first, then linger briefly, so a client still sending
		// gets our response rather than a reset (RFC 9112 §9.6).
		tc.CloseWrite()
		tc.SetReadDeadline(time.Now().Add(500 * time.Millisecond))
		io.CopyN(io.Discard, tc, 64<<10)
	}
	c.rwc.Close()
	c.r.Release()
	c.w.Release()
}

func isNetError(err error) bool {
	var ne net.Error
	return errors.As(err, &ne) || errors.Is(err, net.ErrClosed) || errors.Is(err, io.ErrClosedPipe)
}
