package http2

import "time"

// The minimum data rate
//
// A client that trickles its requests (a header block in one-byte
// CONTINUATION frames, a body at 10 bytes a second, or nothing but PINGs
// while the server waits for a body) would hold its connection for as long
// as its streams live. With Limits.MinRate, as Kestrel's
// MinRequestBodyDataRate, the connection's request bytes (the payloads of
// HEADERS, CONTINUATION and DATA frames: control frames are no progress)
// must pay for the time the server spends waiting for them: that time may
// not pass MinRateGrace plus one second for each MinRate bytes received.
//
// The clock runs only while the server waits on the client: while a header
// block is incomplete, while a handler waits in a read of its request body
// with nothing buffered, or while a stream whose response has ended waits
// for the end of its request. It stops while every stream is in its
// handler (a slow application is not the client's fault) or waiting for
// the client's flow-control window (our response, not its request: that
// wait is bounded by WriteTimeout: stall.go). The count starts afresh
// when a request begins on a connection with none incomplete, so that a
// fast upload buys no credit for a trickle later.
//
// A connection that falls behind ends with GOAWAY ENHANCE_YOUR_CALM: the
// rate is the connection's, not a stream's (a client may spread its
// trickle over many streams), so resetting one stream would leave the slow
// connection holding its slot; the handlers waiting on its bodies see their
// reads fail. As with HTTP/1.1, a client far enough behind may lose its
// connection earlier to a newcomer at a server's connection cap (Behind,
// CutBehind).
//
// The check costs no timer: the read deadline is set to the moment the
// credit would run out (or the idle timeout, if sooner), and moved only
// when it passes with the credit not spent.

// reasonTooSlow is the reason of the connection error of a client that
// sent its requests slower than Limits.MinRate.
const reasonTooSlow = "request sent slower than the minimum rate"

// rate is a connection's accounting of its request bytes against
// Limits.MinRate, guarded by the connection's mu.
type rate struct {
	incomplete int           // requests not yet received whole: streams, a header block
	awaited    int           // reasons the server waits on the client now
	since      time.Time     // when awaited went above 0
	waited     time.Duration // waited before since, since the count started
	bytes      int64         // request bytes received since the count started
	partial    int64         // bytes of a request frame still arriving
	looked     bool          // found behind, and given its last look (lastLook)
}

// lastLook is how long a connection found behind the rate is read once
// more before it is cut: its deadline may have passed while its bytes
// waited in the socket for a reader the scheduler was slow to run (a read
// past its deadline fails without looking).
const lastLook = 50 * time.Millisecond

// credit is how long the connection may have waited in all, with the
// grace or without; c.mu is held.
func (c *Conn) credit(grace time.Duration) time.Duration {
	r := &c.rate
	return grace + time.Duration((r.bytes+r.partial)*int64(time.Second)/int64(c.lim.MinRate))
}

// waitedAt is how long the connection has waited on the client, at now;
// c.mu is held.
func (c *Conn) waitedAt(now time.Time) time.Duration {
	if c.rate.awaited == 0 {
		return c.rate.waited
	}
	return c.rate.waited + now.Sub(c.rate.since)
}

// begin counts a request that begins (a stream whose request has a body,
// or a header block in pieces); c.mu is held.
func (c *Conn) begin() {
	c.rate.incomplete++
	if c.rate.incomplete == 1 {
		c.rate.bytes, c.rate.waited, c.rate.partial, c.rate.looked = 0, 0, 0, false
	}
}

// complete counts a request received whole, or dropped; c.mu is held.
func (c *Conn) complete() { c.rate.incomplete-- }

// received counts n request bytes received; c.mu is held.
func (c *Conn) received(n int) {
	c.rate.bytes += int64(n)
	c.rate.partial = 0
}

// await counts a reason to wait on the client that begins; c.mu is held.
func (c *Conn) await() {
	if c.lim.MinRate <= 0 {
		return
	}
	c.rate.awaited++
	if c.rate.awaited > 1 {
		return
	}
	now := time.Now()
	c.rate.since = now
	due := now.Add(c.credit(c.lim.MinRateGrace) - c.rate.waited)
	if c.rdSet.IsZero() || c.rdSet.After(due) || !c.rdSet.After(now) {
		c.setReadDeadline(due)
	}
}

// unawait counts a reason to wait on the client that ended; c.mu is held.
// The read deadline stays: when it passes, the reader sets the next.
func (c *Conn) unawait() {
	if c.lim.MinRate <= 0 {
		return
	}
	c.rate.awaited--
	if c.rate.awaited == 0 {
		c.rate.waited += time.Since(c.rate.since)
		c.rate.since = time.Time{}
	}
}

// setReadDeadline sets the socket's read deadline; c.mu is held.
func (c *Conn) setReadDeadline(t time.Time) {
	c.nc.SetReadDeadline(t)
	c.rdSet = t
}

// tooSlow reports whether the connection has waited on the client past
// its credit at now; c.mu is held.
func (c *Conn) tooSlow(now time.Time) bool {
	return c.lim.MinRate > 0 && c.rate.awaited > 0 && c.waitedAt(now) >= c.credit(c.lim.MinRateGrace)
}

// armDeadline sets the read deadline that is due next: the idle
// timeout's, the idle workers' trim (armTrim), or the moment the rate's
// credit runs out; c.mu is held.
func (c *Conn) armDeadline(now time.Time) {
	var due time.Time
	if c.open == 0 {
		switch {
		case c.goingAway:
			due = time.Unix(1, 0)
		case !c.idleDue.IsZero():
			due = c.idleDue
		}
		if t := c.idleSince.Add(workerLinger); !c.leaned && c.fr.held.Load() > 0 && (due.IsZero() || t.Before(due)) {
			due = t // then the reader waits again, holding no buffer (FrameReader.waitLean)
		}
	}
	if !c.trimAt.IsZero() && (due.IsZero() || c.trimAt.Before(due)) {
		due = c.trimAt // then trimWorkers, if no stream started
	}
	if c.lim.MinRate > 0 && c.rate.awaited > 0 {
		if r := now.Add(c.credit(c.lim.MinRateGrace) - c.waitedAt(now)); due.IsZero() || r.Before(due) {
			due = r
		}
	}
	if !due.Equal(c.rdSet) {
		c.setReadDeadline(due)
	}
}

// Behind returns the moment the connection's request bytes stopped paying
// for its wait on the client (MinRateGrace aside), and true while the
// server waits on the client; false when it does not (no stream waiting
// for request bytes, or Limits.MinRate off). A server at its connection
// cap may take the slot of a connection far enough behind (CutBehind).
func (c *Conn) Behind() (time.Time, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.lim.MinRate <= 0 || c.rate.awaited == 0 || c.cut != nil {
		return time.Time{}, false
	}
	return c.rate.since.Add(c.credit(0) - c.rate.waited), true
}

// CutBehind ends the connection with GOAWAY ENHANCE_YOUR_CALM if it is
// still at least by behind the minimum rate (see Behind), and reports
// whether it did. Its handlers see their reads fail; Serve returns once
// they have.
func (c *Conn) CutBehind(by time.Duration) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.lim.MinRate <= 0 || c.rate.awaited == 0 || c.cut != nil {
		return false
	}
	now := time.Now()
	if now.Sub(c.rate.since.Add(c.credit(0)-c.rate.waited)) < by {
		return false
	}
	c.cut = ConnError{ErrCodeEnhanceYourCalm, reasonTooSlow}
	c.srv.tooSlow.Add(1)
	c.setReadDeadline(time.Unix(1, 0)) // the reader wakes, and ends with c.cut
	return true
}

// progress records the bytes of a request frame (HEADERS, CONTINUATION,
// DATA) received so far, while it arrives in pieces.
func (c *Conn) progress(n int) {
	c.mu.Lock()
	c.rate.partial = int64(n)
	c.mu.Unlock()
}
