package http2

import "time"

// Stalls on the client's window
//
// A response waiting for the client's flow-control window (the stream's or
// the connection's) is the client's doing, and is not counted against its
// rate: a client that sets a window of 0 and never opens it would hold the
// stream, its handler and its connection for ever. So the time a stream's
// writes spend waiting on the window is summed, and past WriteTimeout the
// stream is reset (RST_STREAM CANCEL), as a response an HTTP/1.1 client
// does not read is cut at the write timeout: its handler's Write fails. A
// connection whose every stream is stalled so goes idle, and then goes at
// its idle timeout, or to a newcomer at a connection cap. One timer per
// connection, armed for the stall that ends first, checks them.

// stallBegin records that the write of s waits on a flow-control window;
// c.mu is held.
func (c *Conn) stallBegin(s *Stream) {
	now := time.Now()
	s.stallAt = now
	due := now.Add(c.lim.WriteTimeout - s.stalled)
	if c.stallDue.IsZero() || due.Before(c.stallDue) {
		c.stallDue = due
		if c.stallTimer == nil {
			c.stallTimer = time.AfterFunc(due.Sub(now), c.checkStalls)
		} else {
			c.stallTimer.Reset(due.Sub(now))
		}
	}
}

// stallEnd records that the write of s no longer waits; c.mu is held.
func (c *Conn) stallEnd(s *Stream) {
	s.stalled += time.Since(s.stallAt)
	s.stallAt = time.Time{}
}

// checkStalls resets the streams whose writes have waited on a window for
// WriteTimeout in all, and arms the timer for the next.
func (c *Conn) checkStalls() {
	c.mu.Lock()
	defer c.mu.Unlock()
	now := time.Now()
	c.stallDue = time.Time{}
	if c.broken {
		return
	}
	var next time.Time
	for _, s := range c.streams {
		if s.stallAt.IsZero() {
			continue
		}
		due := s.stallAt.Add(c.lim.WriteTimeout - s.stalled)
		if !now.Before(due) {
			c.log.Debug("http2: stream reset: its response waited on the client's window past the write timeout",
				"remote", c.nc.RemoteAddr().String(), "stream", s.id, "timeout", c.lim.WriteTimeout)
			c.srv.stalled.Add(1)
			c.resetStream(s, ErrCodeCancel)
			c.sendCond.Broadcast()
			continue
		}
		if next.IsZero() || due.Before(next) {
			next = due
		}
	}
	if !next.IsZero() {
		c.stallDue = next
		c.stallTimer.Reset(next.Sub(now))
	}
}
