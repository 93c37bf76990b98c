package httpserver

import (
	"cmp"
	"math"
	"net"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/miniweb/miniweb/server/internal/http2"
)

// At the connection cap
//
// With MaxConns set, every open connection holds a slot. A connection
// accepted when none is free must not wait for the idle timeout of
// connections that do nothing: that is how one client, holding the cap in
// silent keep-alive connections, would lock every other client out. So the
// acceptor, short of a slot, closes idle connections, oldest first, as
// nginx does with its "reusable" connections:
//
//   - Idle means waiting for a request of which no byte has been read (a
//     keep-alive connection between requests, or a new one before its first
//     byte); a connection in the middle of a request or a response is never
//     closed for a newcomer. Its state holds the time its wait began, set
//     with one atomic store when it goes idle, which it did before there
//     was a cap: the request path pays nothing for the bookkeeping, no lock
//     and no allocation (BenchmarkSocketKeepAlive).
//   - The acceptor collects the idle connections under the server's
//     connection lock (taken only to open and close connections), sorts
//     them by age, and closes as many as there are newcomers: the one it
//     holds, plus those waiting in the listener's accept queue (Linux says
//     how many: acceptQueue). Closing is the compare-and-swap Shutdown uses
//     (closeIdle): a connection that woke up meanwhile is left alone.
//     A parked connection (park.go) is idle like any other; when every
//     connection comes from one address, the parked ones are taken from
//     the parked list, oldest first, without the scan (reclaimParked).
//   - A new connection that has not yet sent its first request is spared
//     for freshGrace: its request is most likely on its way. If no other
//     is idle, the newcomer waits for a slot, for a connection to go idle
//     (wentIdle wakes it), or for the oldest new one's grace to end, and
//     looks again.
//   - Slots are taken first from the client address holding the most
//     connections (peers.go), from its idle connections first, then, with
//     MinRate, from those waiting in a read of a request head or body whose
//     bytes are slowAtCap behind the rate (rate.go): one client holding the
//     cap in trickled requests gives its slots up to the others within
//     about a second, not at its header or body timeout. Then the address
//     holding the next most, and so on.
//   - Past the high-water mark (90% of the cap), idle waits that begin are
//     cut to CrowdedIdleTimeout, so the cap is approached with fewer idle
//     connections to close.
//
// The acceptor logs one warning when an episode begins (the first
// newcomer short of a slot), with the counts, and one line when it ends
// (no newcomer short of a slot for episodeQuiet), with the totals.

// episodeQuiet is how long no newcomer must wait for a slot for an episode
// at the cap to be over.
const episodeQuiet = 2 * time.Second

// capacity is a server's state at the cap.
type capacity struct {
	high    int          // the high-water mark: 90% of MaxConns
	waiters atomic.Int32 // acceptors waiting for a slot
	wake    chan struct{}

	mu       sync.Mutex // held by an acceptor looking for idle connections
	idle     []idleConn // reused by reclaim
	episode  bool
	start    time.Time
	closed   int // idle connections closed in this episode
	newcomer int // newcomers that found no free slot in this episode
	quiet    *time.Timer
}

// idleConn is a connection reclaim may close: idle since since, or slow
// (in a read under MinRate, since being its state); held is how many
// connections its address holds.
type idleConn struct {
	c     *conn
	since int64
	held  int32
	slow  bool
	h2    *http2.Conn // an HTTP/2 connection: with no stream open, sent GOAWAY; slow, cut
}

func (p *capacity) init(maxConns int) {
	p.high = max(1, maxConns*9/10)
	p.wake = make(chan struct{}, 1)
}

// idleTimeout is the timeout of an idle wait that begins now.
func (s *Server) idleTimeout() time.Duration {
	if s.slots != nil && len(s.slots) >= s.cap.high {
		return s.CrowdedIdleTimeout
	}
	return s.IdleTimeout
}

// wentIdle is called by a connection that has gone idle: an acceptor
// waiting for a slot, with no idle connection to close when it looked,
// looks again.
func (s *Server) wentIdle() {
	if s.slots != nil && s.cap.waiters.Load() > 0 {
		select {
		case s.cap.wake <- struct{}{}:
		default:
		}
	}
}

// closeIdle closes the connection if it is idle, and reports whether it
// did: its read deadline, set in the past, wakes its wait, which then
// finds it closing (wake).
func (c *conn) closeIdle() bool { return c.closeIdleSince(math.MaxInt64) }

// closeIdleSince closes the connection if it has been idle since before
// (Unix nanoseconds, freshGrace added for a connection yet to send its
// first request), and reports whether it did.
func (c *conn) closeIdleSince(before int64) bool {
	since := c.slot.state.Load()
	if since <= 0 || since > before || !c.slot.state.CompareAndSwap(since, stateClosing) {
		return false
	}
	c.idleClosed()
	return true
}

// takeSlot takes a connection slot for a connection just accepted on ln,
// closing idle connections if none is free, and reports false if the
// server shut down first.
func (s *Server) takeSlot(ln net.Listener) bool {
	if s.slots == nil {
		return true
	}
	select {
	case s.slots <- struct{}{}:
		return true
	default:
	}
	s.cap.waiters.Add(1)
	defer s.cap.waiters.Add(-1)
	var retry *time.Timer
	for first := true; ; first = false {
		var wake <-chan struct{}
		closed, young := s.reclaim(1+acceptQueue(ln), first)
		after := young
		if closed > 0 {
			// The closed connections free their slots as soon as their
			// goroutines run; look again if that takes long.
			after = 100 * time.Millisecond
		} else {
			wake = s.cap.wake // look again when a connection goes idle
		}
		var again <-chan time.Time
		if after > 0 {
			if retry == nil {
				retry = time.NewTimer(after)
				defer retry.Stop()
			} else {
				retry.Reset(after)
			}
			again = retry.C
		}
		select {
		case s.slots <- struct{}{}:
			return true
		case <-wake:
		case <-again:
		case <-s.baseCtx.Done():
			return false
		}
	}
}

// releaseSlot frees the slot of a connection that ended.
func (s *Server) releaseSlot() {
	if s.slots != nil {
		<-s.slots
	}
}

// reclaim closes up to n connections for newcomers and returns how many
// it closed and, if it closed none but spared one that may become
// closable, when to look again. It takes them first from the address
// holding the most connections (peers.go), and from each address its idle
// connections first, oldest first, sparing new ones within their grace,
// then those waiting in a read of a head or body slowAtCap behind MinRate
// (rate.go), furthest behind first. first says a newcomer looks for the
// first time.
func (s *Server) reclaim(n int, first bool) (closed int, young time.Duration) {
	p := &s.cap
	p.mu.Lock()
	defer p.mu.Unlock()
	now := time.Now().UnixNano()
	soon := func(at int64) {
		if d := time.Duration(at - now); young == 0 || d < young {
			young = max(d, time.Millisecond)
		}
	}
	if c := s.reclaimParked(n); c > 0 {
		s.mu.Lock()
		open := len(s.conns)
		s.mu.Unlock()
		p.note(s, open, int(s.parked())+c, c, first)
		return c, 0
	}
	idle := p.idle[:0]
	s.mu.Lock()
	open := len(s.conns)
	for c := range s.conns {
		since := c.slot.state.Load()
		if hc := c.h2.Load(); hc != nil && since == stateActive {
			// HTTP/2: idle while no stream is open, slow while behind
			// MinRate (tls_h2.go).
			if ic, ok := reclaimableH2(c, hc, now, soon); ok {
				idle = append(idle, ic)
			}
			continue
		}
		switch {
		case since > now: // a new connection within its grace
			soon(since)
		case since > 0:
			idle = append(idle, idleConn{c: c, since: since})
		case since < stateClosing: // in a read under MinRate, owing since -since
			if owed := -since; owed > now-int64(slowAtCap) {
				soon(owed + int64(slowAtCap))
			} else {
				idle = append(idle, idleConn{c: c, since: since, slow: true})
			}
		}
	}
	s.mu.Unlock()
	nidle := 0
	s.peers.mu.Lock()
	for i := range idle {
		idle[i].held = s.peers.held(idle[i].c.slot.addr)
		if !idle[i].slow {
			nidle++
		}
	}
	s.peers.mu.Unlock()
	slices.SortFunc(idle, func(a, b idleConn) int {
		if c := cmp.Compare(b.held, a.held); c != 0 {
			return c
		}
		if a.slow != b.slow {
			if a.slow {
				return 1
			}
			return -1
		}
		if a.slow {
			return cmp.Compare(b.since, a.since) // -owed: the furthest behind first
		}
		return cmp.Compare(a.since, b.since)
	})
	for _, ic := range idle {
		if closed == n {
			break
		}
		if ic.h2 != nil {
			if reclaimH2(ic) {
				closed++
			}
			continue
		}
		if ic.c.slot.state.CompareAndSwap(ic.since, stateClosing) {
			ic.c.idleClosed()
			closed++
		}
	}
	if closed > 0 {
		young = 0
	} else if young == 0 && s.MinRate > 0 {
		// A connection may fall behind MinRate in a read that has not
		// begun yet, which wakes no one: look again in a while.
		young = slowAtCap
	}
	p.note(s, open, nidle, closed, first)
	clear(idle) // hold no closed connection until the next episode
	p.idle = idle[:0]
	return closed, young
}

// reclaimParked closes up to n parked connections, oldest first, without
// looking at the others, when every connection comes from one client
// address (one client, or every client behind one proxy): then the order
// by address is moot, and the parked connections are the oldest idle ones
// (a connection parks after parkAfter idle; TLS ones do not park). It
// returns how many it closed; 0 sends reclaim to its scan of every
// connection.
func (s *Server) reclaimParked(n int) int {
	if s.parked() == 0 {
		return 0
	}
	s.peers.mu.Lock()
	one := len(s.peers.n) <= 1
	s.peers.mu.Unlock()
	if !one {
		return 0
	}
	return s.park.reclaimParked(n)
}

// slowAtCap is how far behind MinRate (grace aside) a connection waiting in
// a read of a request head or body must be for a newcomer at the cap to
// take its slot: a second of waiting its bytes do not pay for.
const slowAtCap = time.Second

// freshGrace is how long a new connection waiting for its first request
// is spared. The request is usually right behind the handshake that made
// the connection acceptable; closing the connection just before its bytes
// arrive would reset the client, which has no reason to retry on a new
// connection. A new connection's idle state is stamped freshGrace later
// than its wait began, which also sorts it behind the keep-alive
// connections idle since then. A keep-alive connection has no grace, as in
// nginx: a client whose request meets a closed keep-alive connection
// retries it on a new one (RFC 9112 §9.3.1).
const freshGrace = 50 * time.Millisecond

// note counts what a look for idle connections closed, and the newcomer
// if it looked first, logging the start of an episode at the cap; p.mu is
// held.
func (p *capacity) note(s *Server, open, idle, closed int, first bool) {
	if !p.episode {
		p.episode, p.start, p.closed, p.newcomer = true, time.Now(), 0, 0
		s.Log.Warn("connection cap reached: closing idle connections, then those behind the minimum rate, from the address holding most first",
			"max_conns", s.MaxConns, "open", open, "idle", idle, "closing", closed)
		if p.quiet == nil {
			p.quiet = time.AfterFunc(episodeQuiet, func() { p.over(s) })
		}
	}
	p.closed += closed
	s.Metrics.atCap(closed, first)
	if first {
		p.newcomer++
	}
	p.quiet.Reset(episodeQuiet)
}

// over ends an episode at the cap once no newcomer has waited for a slot
// for episodeQuiet.
func (p *capacity) over(s *Server) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if !p.episode {
		return
	}
	if p.waiters.Load() > 0 {
		p.quiet.Reset(episodeQuiet) // a newcomer is still waiting
		return
	}
	p.episode = false
	s.Log.Info("connection cap: no newcomer waiting any more",
		"max_conns", s.MaxConns, "newcomers", p.newcomer, "closed_idle", p.closed,
		"lasted", time.Since(p.start).Round(time.Millisecond))
}
