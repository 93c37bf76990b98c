package httpserver

import (
	"errors"
	"os"
	"sync"
	"sync/atomic"
	"time"
)

// Parking idle connections
//
// A keep-alive connection waiting for its next request holds no buffer
// (goIdle), but it holds its goroutine, and the goroutine's stack: several
// KiB, most of what an idle connection cost (issue 27). Where the system
// has a poller of its own to offer (epoll on Linux: park_linux.go), a
// connection that has served a request and stays idle for parkAfter
// parks: its goroutine ends, and what stays is the conn and its socket,
// registered with the Server's poller for the next byte or the client's
// FIN (one-shot). When either comes, the poller takes the connection back
// from idle (the same compare-and-swap as wake) and starts a goroutine for
// it, which goes on with the inline run (inline.go): its first read reads
// before it waits, so the bytes that woke it are found in one read.
//
// A connection parks at once after its first request, and after a later
// one once it has been idle for parkAfter: a busy keep-alive connection
// waits for its next request in the runtime's poller as before, which
// costs nothing per request beyond what it did (the wait's deadline, the
// park deadline, is stretched as the idle deadline was: deadline.go).
// Parking on every wait would cost each request a system call to arm the
// poller and a goroutine start to wake it; parking after the first costs
// that once per connection (a few percent of the CPU where a connection
// carries only a few dozen requests: static-1k at c1000 with wrk), and a
// client that opens connections and leaves them idle (a browser's spare
// connections, or many such clients at once) never holds their
// goroutines: the goroutines alive at once are bounded by the requests
// being answered and the connections busy lately, not by the
// connections open. (Parking 50 ms after the first request instead
// saved no CPU measurably, and 10,000 connections opened at once then
// cost 2.7 KiB each, not 1.45: the stacks of the goroutines alive
// meanwhile stay with the process.)
//
// A parked connection is idle in its slot state (capacity.go), so Shutdown,
// Handoff, a newcomer at the cap and the metrics see it as before; what
// differs is that no goroutine waits to notice it was closed: whoever
// takes it from idle to closing closes it (idleClosed). The idle timeout
// of parked connections is one timer per Server, for the oldest: they are
// kept in a list in the order their waits began, which is also the order
// the cap reclaims them in.
//
// Elsewhere (no parkPoller) connections wait in their goroutines as
// before.

// parkAfter is how long a connection waits idle in its goroutine before it
// parks (plus up to half of it: the park deadline's slack), once it has
// parked after its first request.
const parkAfter = time.Second

// parking is a Server's parked connections and its poller.
type parking struct {
	mu      sync.Mutex
	lists   [2]parkList   // parked connections, oldest first: under IdleTimeout, CrowdedIdleTimeout
	n       atomic.Int64  // parked now
	timer   *time.Timer   // the oldest's idle timeout
	timerAt int64         // when timer fires (UnixNano); 0: stopped
	poll    *parkPoller   // started by the first park; nil before
	broken  atomic.Bool   // the poller could not start: connections do not park
	after   time.Duration // parkAfter, unless a test says otherwise
	works   sync.Pool     // *connWork: parked connections give theirs back
}

// parkLinks are a conn's part of the parked list and the poller.
type parkLinks struct {
	prev, next *conn
	parked     atomic.Bool // in the list, with no goroutine: its closer closes it
	listed     bool
	armed      bool  // in the poller's table and epoll set (armed again by later parks)
	fd         int32 // its descriptor
	toPark     bool  // loop ended for the connection to park
	crowded    bool  // its wait began crowded: parked under CrowdedIdleTimeout (capacity.go)
	deep       bool  // its requests need a deep stack (serveDeep)
}

// parkWait is how long an idle wait that begins now lasts before the
// connection parks, or 0 if it does not park (and waits out timeout).
func (c *conn) parkWait(timeout time.Duration) time.Duration {
	after := c.srv.park.after
	if after == 0 {
		after = parkAfter
	}
	if !c.canPark() || after >= timeout {
		return 0
	}
	return after
}

// canPark reports whether the connection parks when idle: a socket on a
// system with a parkPoller, in inline runs, between requests (a new
// connection waits for its first under the header timeout, in its
// goroutine).
func (c *conn) canPark() bool {
	return parkSupported && c.canInline() && c.in.served && !c.inl.off && !c.srv.park.broken.Load()
}

// parkNow is called when an inline run's idle wait ended with err: it
// reports whether the connection should park (its park deadline passed,
// the idle timeout has not, and it is still its own: nobody closed it).
func (c *conn) parkNow(err error) bool {
	if c.parkWait(c.srv.IdleTimeout) == 0 || !errors.Is(err, os.ErrDeadlineExceeded) {
		return false
	}
	if !c.wake() {
		return false // Shutdown or a newcomer at the cap closed it
	}
	return time.Now().UnixNano()-c.slot.since < int64(c.srv.idleTimeout())
}

// park parks the connection, idle since c.slot.since, once its goroutine's
// stack has unwound (the goroutine then ends), and reports whether it did;
// if not, the connection must be closed.
func (c *conn) park() bool {
	s := c.srv
	p := &s.park
	p.mu.Lock()
	if p.poll == nil && !p.broken.Load() {
		var err error
		if p.poll, err = newParkPoller(s); err != nil {
			p.broken.Store(true)
			s.Log.Warn("idle connections cannot park; they keep their goroutines", keyErr, err)
		}
	}
	if p.poll == nil {
		p.mu.Unlock()
		return false
	}
	add := !c.pk.armed
	if add { // its first park: learn its descriptor
		c.raw.Control(func(fd uintptr) { c.pk.fd = int32(fd) })
		c.pk.armed = true
	}
	c.detach()
	p.poll.track(c)
	p.insert(c)
	c.pk.parked.Store(true)
	c.slot.state.Store(c.slot.since) // idle again: from here, whoever takes it closes it
	p.schedule(s)
	p.mu.Unlock()
	s.wentIdle()
	if err := p.poll.arm(c, add); err != nil {
		// Closed meanwhile (its closer closes it), or the poller failed.
		if c.takeParked() {
			s.Log.Debug("connection could not park", keyRemote, c.id.remote, keyErr, err)
			return false
		}
	}
	return true
}

// detach gives the connection's connWork back to the pool as it parks,
// keeping who its exchanges are with. Its buffers went back to theirs
// when it went idle; its reader and writer are reset, and its counts of
// bytes with them (connMetrics).
func (c *conn) detach() {
	w := c.connWork
	c.id = connID{remote: w.remote, local: w.local, peer: w.peer, trusted: w.fwd.trusted}
	w.r.Release()
	w.w.Release()
	w.r.Reset(&w.in.rd)
	w.w.Reset(nil)
	w.mx = connMetrics{}
	w.in = reading{fillFn: w.in.fillFn}
	w.inl = inlineRun{fn: w.inl.fn}
	w.fwd, w.app.bodyRead.c, w.c, w.t = forwardState{}, nil, nil, nil
	w.remote, w.local, w.peer = "", "", ""
	c.connWork = nil
	c.srv.park.works.Put(w)
}

// takeParked takes a parked connection back from idle (to active) for
// its own goroutine, and reports false if someone else took it.
func (c *conn) takeParked() bool {
	since := c.slot.state.Load()
	if since <= 0 || !c.pk.parked.Load() || !c.slot.state.CompareAndSwap(since, stateActive) {
		return false
	}
	c.pk.parked.Store(false)
	c.srv.park.remove(c)
	return true
}

// unpark is the poller's: the parked connection's descriptor is readable
// (bytes, or the client's FIN): a goroutine takes it up.
func (c *conn) unpark() {
	if c.takeParked() {
		go c.resume()
	}
}

// resume serves a connection taken up from parking, from its next
// request's first read, until it parks again or closes.
func (c *conn) resume() {
	c.attach()
	c.remote, c.local, c.peer, c.fwd.trusted = c.id.remote, c.id.local, c.id.peer, c.id.trusted
	c.in.served = true
	c.setReadDeadline(time.Time{}) // the park deadline, passed
	if c.pk.deep {
		c.serveDeep()
	} else {
		c.loop(false)
	}
	if !c.endServe() {
		c.srv.release(c)
	}
}

// endServe parks the connection if its loop ended for it to, else closes
// it; it reports whether it parked.
func (c *conn) endServe() (parked bool) {
	if c.pk.toPark {
		c.pk.toPark = false
		if c.park() {
			return true
		}
	}
	c.close()
	return false
}

// idleClosed finishes closing an idle connection its caller took from
// idle to closing: a parked one is closed and its slot freed (it has no
// goroutine to do it), any other has its wait woken.
func (c *conn) idleClosed() {
	if c.pk.parked.Load() {
		c.pk.parked.Store(false)
		go c.closeParked()
		return
	}
	c.rwc.SetReadDeadline(aLongTimeAgo)
}

// closeParked closes a parked connection taken to closing.
func (c *conn) closeParked() {
	c.srv.park.remove(c)
	c.close()
	c.srv.release(c)
}

// parkList is a list of parked connections in the order their waits
// began (slot.since), all under one idle timeout.
type parkList struct{ head, tail *conn }

// list is the list c goes in: the crowded timeout's, or the idle one's.
func (p *parking) list(c *conn) *parkList {
	if c.pk.crowded {
		return &p.lists[1]
	}
	return &p.lists[0]
}

// timeouts are the idle timeouts of p.lists.
func timeouts(s *Server) [2]time.Duration {
	return [2]time.Duration{s.IdleTimeout, s.CrowdedIdleTimeout}
}

// insert adds c to its list in the order of slot.since (from the tail:
// nearly always its place); p.mu is held.
func (p *parking) insert(c *conn) {
	l := p.list(c)
	at := l.tail
	for at != nil && at.slot.since > c.slot.since {
		at = at.pk.prev
	}
	c.pk.prev = at
	if at == nil {
		c.pk.next, l.head = l.head, c
	} else {
		c.pk.next, at.pk.next = at.pk.next, c
	}
	if c.pk.next == nil {
		l.tail = c
	} else {
		c.pk.next.pk.prev = c
	}
	c.pk.listed = true
	p.n.Add(1)
}

// remove takes c out of its list, if it is in it.
func (p *parking) remove(c *conn) {
	p.mu.Lock()
	p.unlink(c)
	p.mu.Unlock()
}

// unlink is remove with p.mu held.
func (p *parking) unlink(c *conn) {
	if !c.pk.listed {
		return
	}
	l := p.list(c)
	if c.pk.prev == nil {
		l.head = c.pk.next
	} else {
		c.pk.prev.pk.next = c.pk.next
	}
	if c.pk.next == nil {
		l.tail = c.pk.prev
	} else {
		c.pk.next.pk.prev = c.pk.prev
	}
	c.pk.prev, c.pk.next, c.pk.listed = nil, nil, false
	p.n.Add(-1)
}

// schedule sets the timer for the first idle timeout of the lists' oldest,
// if it is not set for then already; p.mu is held.
func (p *parking) schedule(s *Server) {
	var at int64
	for i, timeout := range timeouts(s) {
		if h := p.lists[i].head; h != nil {
			if t := h.slot.since + int64(timeout); at == 0 || t < at {
				at = t
			}
		}
	}
	if at == 0 || p.timerAt != 0 && p.timerAt <= at {
		return
	}
	p.timerAt = at
	d := time.Duration(at - time.Now().UnixNano())
	if p.timer == nil {
		p.timer = time.AfterFunc(d, func() { p.expire(s) })
	} else {
		p.timer.Reset(d)
	}
}

// expire closes the parked connections past their idle timeout, oldest
// first, and sets the timer for the next.
func (p *parking) expire(s *Server) {
	var gone []*conn
	p.mu.Lock()
	p.timerAt = 0
	now := time.Now().UnixNano()
	for i, timeout := range timeouts(s) {
		for c := p.lists[i].head; c != nil && c.slot.since <= now-int64(timeout); {
			next := c.pk.next
			if c.slot.state.CompareAndSwap(c.slot.since, stateClosing) {
				c.pk.parked.Store(false)
				p.unlink(c)
				gone = append(gone, c)
			}
			c = next
		}
	}
	p.schedule(s)
	p.mu.Unlock()
	for _, c := range gone {
		c.close()
		s.release(c)
	}
}

// reclaimParked closes up to n parked connections, oldest first, for
// newcomers at the cap, and returns how many it closed.
func (p *parking) reclaimParked(n int) (closed int) {
	var gone []*conn
	p.mu.Lock()
	at := [2]*conn{p.lists[0].head, p.lists[1].head}
	for closed < n && (at[0] != nil || at[1] != nil) {
		i := 0
		if at[0] == nil || at[1] != nil && at[1].slot.since < at[0].slot.since {
			i = 1
		}
		c := at[i]
		at[i] = c.pk.next
		if c.slot.state.CompareAndSwap(c.slot.since, stateClosing) {
			c.pk.parked.Store(false)
			p.unlink(c)
			gone = append(gone, c)
			closed++
		}
	}
	p.mu.Unlock()
	for _, c := range gone {
		go c.closeParked()
	}
	return closed
}

// forget drops a closing connection from the poller's table.
func (p *parking) forget(c *conn) {
	p.mu.Lock()
	poll := p.poll
	p.mu.Unlock()
	if poll != nil {
		poll.forget(c)
	}
}

// stopParking stops the poller, once every connection has ended.
func (s *Server) stopParking() {
	p := &s.park
	p.mu.Lock()
	poll := p.poll
	p.poll = nil
	p.broken.Store(true)
	if p.timer != nil {
		p.timer.Stop()
	}
	p.mu.Unlock()
	if poll != nil {
		poll.stop()
	}
}

// Parked reports how many connections are parked now (for tests and the
// metrics).
func (s *Server) parked() int64 { return s.park.n.Load() }
