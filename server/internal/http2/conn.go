package http2

import (
	"context"
	"errors"
	"log/slog"
	"net"
	"os"
	"runtime/debug"
	"sync"
	"time"
)

// Conn is one HTTP/2 connection being served.
//
// # The life of a connection
//
// Serve runs the reader: it writes the server's SETTINGS, reads the client
// preface and SETTINGS, then reads frames one at a time and acts on each
// under the connection's lock (mu): HEADERS and CONTINUATION go through
// the HPACK decoder field by field into a stream's head; a complete head
// opens the stream and starts its handler on a goroutine of its own; DATA
// is copied into the stream's body buffer, which the client can fill no
// further than the stream's window; WINDOW_UPDATE and SETTINGS move the
// send windows and wake the handlers waiting on them.
//
// Every frame the server sends is appended to one write buffer (wbuf),
// under mu, in the order the HPACK encoder saw the header blocks; a writer
// goroutine takes the whole buffer and writes it in one system call, so
// the heads and bodies of concurrent streams, and the ACKs of the
// reader, share writes. A handler's Write waits while the stream's or the
// connection's send window, or the write buffer, is full: memory per
// connection is bounded whatever the client reads.
//
// The connection ends on a connection error (GOAWAY with its code), on
// the client's end of the socket, after Shutdown's GOAWAY once the last
// stream has closed, or after IdleTimeout without a stream; Serve returns
// once every handler has.
type Conn struct {
	srv  *Server
	lim  Limits
	nc   net.Conn
	h    Handler
	base context.Context
	fr   *FrameReader
	dec  *headerDecoder
	log  *slog.Logger
	wg   sync.WaitGroup

	// The reader's own: the header block being received.
	block   headerBlock
	scratch requestHead // the fields of a block that is decoded and dropped

	mu      sync.Mutex
	streams map[uint32]*Stream
	flow
	writer
	maxClientID  uint32
	open         int // streams in streams
	running      int // handlers running
	finishing    int // of them, those whose stream closed without a reset
	readBuffered int // request body bytes buffered, on all streams
	resets       int // streams reset by the client or refused, less those completed
	idleFrames   int // frames asking work without a request (Limits.MaxIdleFrames)
	resetIDs     [32]uint32
	resetNext    int
	goingAway    bool // GOAWAY sent
	peerGoAway   bool // GOAWAY received
	idleSince    time.Time
	leaned       bool      // idle for workerLinger: the reader waits holding no buffer (FrameReader.waitLean)
	idleDue      time.Time // when the idle timeout passes; zero: never, or a stream open
	rdSet        time.Time // the read deadline set
	rate                   // the minimum rate (rate.go)
	cut          error     // set to end the connection from outside the reader (CutBehind)
	stallTimer   *time.Timer
	stallDue     time.Time
	total        uint64
	done         chan struct{}

	// Handler goroutines: one a stream, kept after the stream to serve
	// the next, so that a stream costs no goroutine start, nor the growth
	// of a new goroutine's stack, which a hello's HPACK encoding alone
	// outgrows: with 4 kept for 10 streams in flight, that copying was 22%
	// of BenchmarkHelloGET's CPU. While streams are open every worker that
	// finishes is kept (no more than the handlers that ran at once, at
	// most MaxConcurrentStreams); once no stream has started for
	// workerLinger, those beyond maxIdleWorkers are let go (trimWorkers,
	// from the reader's deadline), so that a client's bursts (a page's
	// requests) find them, and a connection idle, or holding one long
	// stream, holds few.
	work        chan *Stream
	idleWorkers int       // parked on work, or about to be; guarded by mu
	trimAt      time.Time // when to trim, if no stream starts before; zero: none due
	trimMark    uint64    // total when trimAt was set
	workers     sync.WaitGroup
}

// maxIdleWorkers is how many handler goroutines a connection keeps idle
// once no stream has started for workerLinger.
const maxIdleWorkers = 4

// workerLinger is how long a connection where no stream starts keeps more
// than maxIdleWorkers idle handler goroutines.
const workerLinger = time.Second

// headerBlock is a header block being received (RFC 9113 §4.3): its
// HEADERS frame came, its END_HEADERS has not.
type headerBlock struct {
	stream    uint32 // 0: none
	endStream bool
	prioErr   bool
	frames    int
	bytes     int
	kind      int
	s         *Stream
	inPieces  bool // END_HEADERS not in its HEADERS frame: counted by the rate
}

const (
	blockIgnore = iota
	blockRequest
	blockTrailers
)

// errGraceful ends the reader without error: GOAWAY sent and no stream
// left, or no stream for IdleTimeout.
var errGraceful = errors.New("http2: connection ended gracefully")

// NewConn returns a Conn serving nc with srv's handler and limits; Serve
// serves it. nc is a TLS connection whose ALPN chose "h2", or a plain one
// (h2c with prior knowledge, RFC 9113 §3.3). buffered holds bytes already
// read from nc (at most 16 KiB), such as the start of the preface a plain
// listener read to tell HTTP/2 from HTTP/1.1.
func (srv *Server) NewConn(nc net.Conn, buffered []byte) *Conn {
	srv.init()
	c := &Conn{
		srv:     srv,
		lim:     srv.lim,
		nc:      nc,
		h:       srv.Handler,
		log:     srv.Logger,
		streams: make(map[uint32]*Stream),
		done:    make(chan struct{}),
		work:    make(chan *Stream),
	}
	c.base = context.Background()
	if srv.BaseContext != nil {
		c.base = srv.BaseContext(nc)
	}
	c.fr = newConnFrameReader(nc) // holds no buffer while idle: setIdleDeadline
	c.fr.prime(buffered)
	if c.lim.MinRate > 0 {
		c.fr.progress = c.progress
	}
	c.dec = newHeaderDecoder(c.lim.MaxHeaderListSize)
	c.flow.init(c.lim)
	c.writer.init(c)
	c.idleSince = time.Now()
	return c
}

// NetConn returns the connection's socket (for its addresses, or the TLS
// state).
func (c *Conn) NetConn() net.Conn { return c.nc }

// Serve serves the connection until it ends (see Conn), and returns when
// every handler has returned: nil after a graceful end, or the error that
// ended it (a ConnError, ErrBadPreface, or the socket's).
func (c *Conn) Serve() error {
	c.srv.conns.Store(c, struct{}{})
	c.srv.connsOpen.Add(1)
	defer func() {
		c.srv.conns.Delete(c)
		c.srv.connsOpen.Add(-1)
		close(c.done)
	}()
	c.mu.Lock()
	c.wbuf = AppendSettings(c.out(),
		Setting{SettingMaxConcurrentStreams, c.lim.MaxConcurrentStreams},
		Setting{SettingInitialWindowSize, c.lim.StreamWindow},
		Setting{SettingMaxHeaderListSize, c.lim.MaxHeaderListSize})
	if n := int64(c.lim.ConnWindow) - 65535; n > 0 {
		c.wbuf = AppendWindowUpdate(c.out(), 0, uint32(n))
	}
	c.mu.Unlock()
	go c.writeLoop()
	err := c.readLoop()
	return c.end(err)
}

// readLoop reads and acts on frames until the connection ends.
func (c *Conn) readLoop() error {
	c.mu.Lock()
	c.setReadDeadline(time.Now().Add(c.lim.HandshakeTimeout))
	c.mu.Unlock()
	if err := c.fr.ReadPreface(); err != nil {
		return err
	}
	h, p, err := c.fr.ReadFrame()
	if err != nil {
		return err
	}
	if h.Type != FrameSettings || h.Flags.Has(FlagAck) {
		return ConnError{ErrCodeProtocol, "first frame not SETTINGS"}
	}
	if err := c.processFrame(h, p); err != nil {
		return err
	}
	c.mu.Lock()
	if c.open == 0 {
		c.setIdleDeadline()
	} else {
		c.armDeadline(time.Now())
	}
	c.mu.Unlock()
	for {
		h, p, err := c.fr.ReadFrame()
		if err != nil {
			var ne net.Error
			if errors.As(err, &ne) && ne.Timeout() {
				if err := c.deadlinePassed(); err != nil {
					return err
				}
				continue
			}
			return err
		}
		if err := c.processFrame(h, p); err != nil {
			return err
		}
	}
}

// deadlinePassed acts on a read deadline that passed, and returns the
// error that ends the connection, or nil to read on under the next
// deadline: it may have been the rate's, set before the client's last
// bytes came, or the idle timeout's, set before a stream opened.
func (c *Conn) deadlinePassed() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	now := time.Now()
	if c.cut != nil {
		return c.cut
	}
	if c.lim.MinRate > 0 && c.rate.awaited > 0 {
		switch {
		case !c.tooSlow(now):
			c.rate.looked = false // caught up
		case !c.rate.looked:
			c.rate.looked = true
			c.setReadDeadline(now.Add(lastLook))
			return nil
		default:
			c.srv.tooSlow.Add(1)
			return ConnError{ErrCodeEnhanceYourCalm, reasonTooSlow}
		}
	}
	if c.open == 0 && (c.goingAway || !c.idleDue.IsZero() && !now.Before(c.idleDue)) {
		return errGraceful
	}
	if !c.trimAt.IsZero() && !now.Before(c.trimAt) {
		c.trimAt = time.Time{}
		if c.total == c.trimMark {
			c.trimWorkers() // no stream started for workerLinger
		} else {
			c.armTrim(now)
		}
	}
	if c.open == 0 && !c.leaned && !now.Before(c.idleSince.Add(workerLinger)) {
		c.leaned = true // the reader's next wait holds no buffer (armDeadline)
	}
	c.armDeadline(now)
	return nil
}

// setIdleDeadline arms the read deadline of a connection without streams:
// at once after the server's GOAWAY, else after IdleTimeout (also after the
// client's GOAWAY: it may still send frames, such as a PING, that want an
// answer, and closes the connection itself); c.mu is held.
func (c *Conn) setIdleDeadline() {
	c.fr.lean.Store(true) // the read buffer goes back to its pool while idle
	c.idleDue = time.Time{}
	if !c.goingAway {
		d := c.lim.IdleTimeout
		if c.srv.WentIdle != nil {
			if t := c.srv.WentIdle(); t > 0 && d > 0 {
				d = t
			}
		}
		if d > 0 {
			c.idleDue = time.Now().Add(d)
		}
	}
	c.armDeadline(time.Now())
}

// end ends the connection after the reader stopped with err: a GOAWAY if
// one is due, every stream reset, the queued frames written, the socket
// closed, the handlers waited for.
func (c *Conn) end(err error) error {
	c.mu.Lock()
	var ce ConnError
	notReading, graceful := false, false
	switch {
	case errors.As(err, &ce):
		c.wbuf = AppendGoAway(c.out(), c.maxClientID, ce.Code, nil)
		c.goingAway = true
		if ce.Code == ErrCodeEnhanceYourCalm {
			c.srv.calm.Add(1)
			notReading = ce.Reason == reasonNotReading
		} else {
			c.srv.protocolErrs.Add(1)
		}
		c.log.Debug("http2: connection error", "remote", c.nc.RemoteAddr().String(), "err", err.Error())
	case err == errGraceful:
		graceful = true
		if !c.goingAway {
			c.wbuf = AppendGoAway(c.out(), c.maxClientID, ErrCodeNo, nil)
			c.goingAway = true
		}
		err = nil
	}
	for _, s := range c.streams {
		s.reset, s.resetCode = true, ErrCodeCancel
		c.closeStream(s)
	}
	c.wclosed = true
	c.wcond.Signal()
	c.sendCond.Broadcast()
	if c.stallTimer != nil {
		c.stallTimer.Stop()
	}
	c.mu.Unlock()
	if notReading {
		c.nc.Close()
	}
	<-c.wdone
	c.mu.Lock()
	c.broken = true
	c.sendCond.Broadcast()
	c.wbuf = c.wbuf[:0]
	c.releaseBufs()
	c.mu.Unlock()
	if (ce.Code != ErrCodeNo || graceful) && !notReading {
		c.lingerClose()
	}
	c.nc.Close()
	c.wg.Wait()
	close(c.work) // no stream starts any more: the idle workers end
	c.workers.Wait()
	if errors.Is(err, os.ErrDeadlineExceeded) || errors.Is(err, net.ErrClosed) {
		err = nil // the handshake timed out, or Close
	}
	if err != nil && (errors.Is(err, ErrBadPreface) || errors.As(err, &ce)) {
		return err
	}
	return nil
}

// lingerClose half-closes the socket and reads what the client still
// sends, for a second at most, so that the GOAWAY just written is not
// lost to a TCP reset (RFC 9113 §5.4.1, §6.8): a client whose request
// crossed a graceful GOAWAY learns it was not served, and retries it.
func (c *Conn) lingerClose() {
	if cw, ok := c.nc.(interface{ CloseWrite() error }); ok {
		cw.CloseWrite()
	}
	c.nc.SetReadDeadline(time.Now().Add(time.Second))
	buf := c.fr.buf
	for n := 0; n < 1<<20; {
		m, err := c.nc.Read(buf)
		n += m
		if err != nil {
			return
		}
	}
}

// Shutdown ends the connection gracefully: GOAWAY NO_ERROR with the last
// stream it has seen (RFC 9113 §6.8), no stream opened after it, the open
// streams served to their end, then the socket closed. It returns when
// Serve has ended, or when ctx is done, after Close (ctx's error). This is
// what a server calls when it stops or hands its listener to a new
// process.
func (c *Conn) Shutdown(ctx context.Context) error {
	c.mu.Lock()
	if !c.goingAway && !c.broken {
		c.goingAway = true
		c.wbuf = AppendGoAway(c.out(), c.maxClientID, ErrCodeNo, nil)
		c.wcond.Signal()
	}
	if c.open == 0 {
		c.setIdleDeadline()
	}
	c.mu.Unlock()
	select {
	case <-c.done:
		return nil
	case <-ctx.Done():
		c.Close()
		<-c.done
		return ctx.Err()
	}
}

// Close closes the connection at once: every stream is cancelled, and
// Serve returns once their handlers have.
func (c *Conn) Close() error { return c.nc.Close() }

// Done returns a channel closed when Serve has returned.
func (c *Conn) Done() <-chan struct{} { return c.done }

// IdleSince returns when the connection's last stream closed (or when it
// started), and false while a stream is open: a server at its connection
// cap reclaims the connection idle the longest, with Shutdown.
func (c *Conn) IdleSince() (time.Time, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.idleSince, c.open == 0
}

// ConnStats are a connection's counters and its buffered bytes.
type ConnStats struct {
	OpenStreams   int    // streams open now
	Handlers      int    // handlers running now (a reset stream's until it returns)
	Streams       uint64 // streams opened in all
	WriteBuffered int    // bytes queued for the socket, not yet taken by the writer
	ReadBuffered  int    // request body bytes received, not yet read by handlers
	WriteHeld     int    // capacity of the write buffers held (0 when idle)
	IdleWorkers   int    // handler goroutines kept for the next streams
	ReadHeld      int    // capacity of the read buffer held (0 when idle: FrameReader.waitLean)
}

// Stats returns the connection's counters now.
func (c *Conn) Stats() ConnStats {
	c.mu.Lock()
	defer c.mu.Unlock()
	return ConnStats{c.open, c.running, c.total, len(c.wbuf), c.readBuffered, cap(c.wbuf) + cap(c.spare), c.idleWorkers, int(c.fr.held.Load())}
}

// startStream opens s (its head complete and valid) and starts its
// handler; c.mu is held.
func (c *Conn) startStream(s *Stream, endStream bool) {
	s.inMap = true
	c.streams[s.id] = s
	c.open++
	c.fr.lean.Store(false)
	if c.open == 1 {
		c.idleDue = time.Time{}
		if c.rate.awaited == 0 && c.trimAt.IsZero() && !c.rdSet.IsZero() {
			c.setReadDeadline(time.Time{})
		}
	}
	c.total++
	c.srv.streamsOpen.Add(1)
	c.srv.streamsTotal.Add(1)
	s.recvWindow = int64(c.lim.StreamWindow)
	s.sendWindow = c.peerInitialWindow
	s.recvEnd = endStream
	if !endStream {
		c.begin()
	}
	if endStream && s.head.contentLength < 0 {
		s.head.contentLength = 0 // no body can follow: its length is known
	}
	c.running++
	c.idleFrames = 0
	c.wg.Add(1)
	select {
	case c.work <- s: // an idle worker takes it
		c.idleWorkers--
	default:
		c.workers.Add(1)
		go c.worker(s)
	}
}

// armTrim arranges for the idle workers beyond maxIdleWorkers to go if no
// stream starts for workerLinger from now; c.mu is held. The read
// deadline is moved only if it would come later.
func (c *Conn) armTrim(now time.Time) {
	if c.idleWorkers <= maxIdleWorkers {
		return
	}
	c.trimAt, c.trimMark = now.Add(workerLinger), c.total
	if c.rdSet.IsZero() || c.rdSet.After(c.trimAt) {
		c.setReadDeadline(c.trimAt)
	}
}

// trimWorkers lets the idle workers beyond maxIdleWorkers go; c.mu is
// held. A worker counted in idleWorkers parks on work without the lock,
// so each send finds one.
func (c *Conn) trimWorkers() {
	for ; c.idleWorkers > maxIdleWorkers; c.idleWorkers-- {
		c.work <- nil
	}
}

// worker runs the handler of s, then of the streams it is handed, until
// it is let go (trimWorkers) or the connection ends (work closed).
func (c *Conn) worker(s *Stream) {
	defer c.workers.Done()
	for s != nil {
		c.runStream(s)
		c.mu.Lock()
		c.idleWorkers++
		if c.idleWorkers > maxIdleWorkers && c.trimAt.IsZero() {
			c.armTrim(time.Now())
		}
		c.mu.Unlock()
		s = <-c.work
	}
}

// runStream runs the handler of s and ends its response.
func (c *Conn) runStream(s *Stream) {
	panicked := true
	defer func() {
		if panicked {
			if v := recover(); v != nil {
				c.log.Error("http2: handler panic", "stream", s.id, "panic", v, "stack", string(debug.Stack()))
			}
		}
		c.mu.Lock()
		c.finishResponse(s, panicked)
		c.running--
		if s.finishing {
			s.finishing = false
			c.finishing--
		}
		if n := len(s.rbuf) - s.roff; n > 0 {
			c.readBuffered -= n
			s.rbuf, s.roff = s.rbuf[:0], 0
			c.consumed(s, int64(n))
		}
		// If the response ended before the request, the stream stays open
		// and what the client still sends is dropped (its windows given
		// back), but checked as any request's (RFC 9113 §8.1.1: its
		// content-length, its trailers), up to maxDiscard bytes, past
		// which the client is told to stop (RST_STREAM NO_ERROR, §8.1).
		s.cancel()
		c.sendCond.Broadcast()
		// From here on, whichever of this and closeStream comes last
		// recycles the stream.
		s.handlerDone = true
		if !s.inMap {
			putStream(s)
		} else if !s.recvEnd {
			// The server now waits for the end of the request alone.
			s.awaiting = true
			c.await()
		}
		if c.open == 0 && c.running == 0 && len(c.wbuf) == 0 {
			c.releaseBufs() // idle: the writer releases what it writes now
		}
		c.mu.Unlock()
		c.wg.Done()
	}()
	c.h.ServeStream(s)
	panicked = false
}

// closeStream closes s in the protocol's terms (RFC 9113 §5.1: both ends
// sent, or a reset); c.mu is held.
func (c *Conn) closeStream(s *Stream) {
	if !s.inMap {
		return
	}
	delete(c.streams, s.id)
	s.inMap = false
	if !s.handlerDone && !s.reset {
		s.finishing = true // its handler runs on after the stream's end
		c.finishing++
	}
	if !s.recvEnd {
		c.complete()
	}
	if s.awaiting {
		s.awaiting = false
		c.unawait()
	}
	c.open--
	c.srv.streamsOpen.Add(-1)
	if n := len(s.rbuf) - s.roff; n > 0 {
		c.readBuffered -= n
		s.rbuf, s.roff = s.rbuf[:0], 0
		c.returnConn(n)
	}
	s.cancel()
	s.rcond.Broadcast()
	c.sendCond.Broadcast()
	if c.open == 0 {
		c.idleSince = time.Now()
		c.leaned = false
		c.setIdleDeadline()
	}
	if s.handlerDone {
		putStream(s)
	}
}

// resetStream sends RST_STREAM code for s and closes it; c.mu is held.
func (c *Conn) resetStream(s *Stream, code ErrCode) {
	if s.reset {
		return
	}
	c.rstID(s.id, code)
	s.reset, s.resetCode = true, code
	c.closeStream(s)
}

// rstID sends RST_STREAM code for stream id, and remembers the id for a
// while, so that the frames the client sent before it learnt of the reset
// are ignored (RFC 9113 §5.1, "closed"); c.mu is held.
func (c *Conn) rstID(id uint32, code ErrCode) {
	c.wbuf = AppendRSTStream(c.out(), id, code)
	c.wcond.Signal()
	c.resetIDs[c.resetNext] = id
	c.resetNext = (c.resetNext + 1) % len(c.resetIDs)
}

// wasReset reports whether the server reset stream id lately.
func (c *Conn) wasReset(id uint32) bool {
	for _, r := range c.resetIDs {
		if r == id {
			return true
		}
	}
	return false
}

// endSent records that END_STREAM was queued for s; c.mu is held.
func (c *Conn) endSent(s *Stream) {
	s.sentEnd = true
	if c.resets > 0 {
		c.resets--
	}
	if s.recvEnd {
		c.closeStream(s)
	}
}

// recvEnded records that the request of s ended; c.mu is held.
func (c *Conn) recvEnded(s *Stream) {
	s.recvEnd = true
	c.complete()
	s.rcond.Broadcast()
	if s.sentEnd {
		c.closeStream(s)
	}
}
