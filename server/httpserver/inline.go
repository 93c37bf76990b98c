package httpserver

import (
	"time"
	"unsafe"

	"github.com/miniweb/miniweb/server/internal/http1"
)

// Inline runs: one read per request
//
// Waiting for a request the usual Go way costs two reads: net.Conn.Read (and
// syscall.RawConn.Read) first clears the descriptor's readiness and reads,
// which after a response finds nothing (EAGAIN), then waits in the poller
// and reads again. The first read is there because readiness that came
// before the call was forgotten with the clearing. nginx makes one: a read
// that returned fewer bytes than it asked for emptied the socket, and the
// poller is edge-triggered, so any byte that comes later is a new event to
// wait for.
//
// An inline run does that inside one RawConn.Read call, whose callback (step)
// the runtime calls again each time the descriptor becomes readable after
// the callback returned false, without clearing readiness in between. step
// reads (http1.Reader.ReadFD), answers every request whose head is whole in
// the buffer and has no body, and after a read that drained the socket
// returns false to wait without reading first. The same read says whether
// the client's FIN came behind the bytes (a client that sends its request
// and shuts down its side): then there is nothing to wait for, and after
// the last answer the inline run ends and the connection closes, instead of
// waiting out the idle timeout in CLOSE_WAIT for an event that the
// edge-triggered poller has already given. Readiness that arrives while
// a request is being answered is kept by the poller, so the wait after it
// returns at once and the read finds the bytes. Only the first read of a
// inline run, and one after a wake-up for bytes already read, find nothing.
//
// Inside the callback the descriptor's read lock is held, so nothing there
// may read through the net.Conn. A request that might is handed out of the
// inline run, which ends, and the connection answers it the ordinary way
// (readHead, respond, in loop) and then starts a new inline run:
//   - a head not yet whole in the buffer (the rest is read under the header
//     timeout), and a request with a body;
//   - a request on a connection whose application asked for a context:
//     watching for the client leaving reads the connection (watchClient).
//     The request that first asks is inside an inline run already; its watch
//     reads a duplicate of the descriptor (watchDup), and the connection's
//     later requests are answered outside inline runs.
//
// The inline run saves a read system call per request
// (TestProgramOneReadPerRequest counts them with strace). Measured on the real program pinned to one core, hello at
// 1,000 keep-alive connections, three interleaved 5 s runs each: 16.2 µs
// of CPU per request before, 14.3 µs with inline runs.

// inlineEnd says why an inline run ended, and what the connection does next.
type inlineEnd uint8

const (
	endClose   inlineEnd = iota // close the connection
	endHead                     // a head has begun: read it and answer it outside
	endRequest                  // a head was read whose answer may read the connection: answer it outside
	endDeep                     // the requests need a deep stack: go on under serveDeep
	endOff                      // go on without inline runs (inl.off)
	endPark                     // idle for parkAfter: park (park.go)
)

// inlineRun is the state of a connection's current inline run.
type inlineRun struct {
	fn      func(fd uintptr) bool // c.step, bound once
	in      bool                  // an inline run is running: the descriptor is step's to read
	off     bool                  // the application watches for clients leaving: no more inline runs
	drained bool                  // the last read emptied the socket: wait before reading
	waiting bool                  // step returned false to wait: the connection is idle
	end     inlineEnd
	stack   stackWatch
}

// serveInline serves requests until step ends the inline run, and returns
// why. A failed wait (the idle deadline, or Shutdown waking an idle
// connection) ends it with endClose.
func (c *conn) serveInline() inlineEnd {
	s := &c.inl
	s.drained, s.waiting, s.end = false, false, endClose
	s.stack = stackWatch{}
	if d := c.in.rd.set; !d.IsZero() && !d.After(time.Now()) {
		// A deadline left by an earlier wait or read (the park deadline,
		// half a second after a wait that a request ended) may have
		// passed while that request was answered: RawConn.Read fails on
		// it before step reads, and the connection would close with its
		// client's next request unanswered. This run's first read does
		// not wait, and its wait sets its own deadline (goIdle).
		c.setReadDeadline(time.Time{})
	}
	s.in = true
	err := c.raw.Read(s.fn)
	s.in = false
	if err != nil {
		if s.waiting && c.parkNow(err) {
			return endPark
		}
		return endClose
	}
	return s.end
}

// step is the inline run's RawConn.Read callback: it reports false to wait
// for the descriptor to be readable, true when the inline run ends (s.end
// says why).
func (c *conn) step(fd uintptr) bool {
	s := &c.inl
	var mark byte
	if s.waiting {
		s.waiting = false
		if !c.wake() {
			s.end = endClose // Shutdown or a newcomer at the cap closed it
			return true
		}
		s.stack.waited(uintptr(unsafe.Pointer(&mark)))
	}
	for {
		if c.r.Buffered() == 0 {
			if s.drained && !c.r.PeerClosed() {
				return c.idle()
			}
			got, drained, err := c.r.ReadFD(fd)
			if err != nil {
				s.end = endClose // the client left, or the connection broke
				return true
			}
			if !got {
				return c.idle()
			}
			s.drained = drained
		}
		switch {
		case c.srv.closesIdle():
			s.end = endClose
			return true
		case !c.r.HeadBuffered():
			s.end = endHead
			return true
		case !c.readHead():
			s.end = endClose
			return true
		case c.req.ContentLength != 0:
			s.end = endRequest
			return true
		case !c.respond():
			s.end = endClose
			return true
		case s.off:
			s.end = endOff // the application asked for a context: see watchDup
			return true
		case s.stack.handled(uintptr(unsafe.Pointer(&mark))):
			s.end = endDeep
			return true
		}
	}
}

// idle readies the connection to wait for its next request inside the
// inline run (goIdle), and returns step's answer: false to wait, true to end
// the inline run when the server is shutting down.
func (c *conn) idle() bool {
	s := &c.inl
	s.drained = false
	if !c.pk.armed && c.canPark() && !c.srv.closesIdle() {
		// After its first request a connection parks at once (park.go).
		c.slot.since = time.Now().UnixNano()
		c.pk.crowded = c.srv.idleTimeout() < c.srv.IdleTimeout
		s.end = endPark
		return true
	}
	c.goIdle()
	if c.srv.closesIdle() {
		s.end = endClose
		return true
	}
	s.waiting = true
	return false
}

// canInline reports whether the connection can serve inline: a socket,
// on a system where http1.Reader.ReadFD works.
func (c *conn) canInline() bool { return c.raw != nil && http1.ReadsFD }

// stackWatch notices a connection whose stack the garbage collector
// shrinks while it waits and that grows back for each request: see
// serveDeep. It is fed the address of a local variable of one frame, which
// changes when the runtime moves the stack.
type stackWatch struct {
	at     uintptr
	shrunk bool
}

// waited is called after a wait: a move then is the stack shrinking.
func (w *stackWatch) waited(p uintptr) {
	if w.at != 0 && p != w.at {
		w.shrunk = true
	}
	w.at = p
}

// handled is called after a request and reports whether the stack, having
// shrunk while waiting, grew back for it.
func (w *stackWatch) handled(p uintptr) bool {
	moved := w.at != 0 && p != w.at
	w.at = p
	return moved && w.shrunk
}
