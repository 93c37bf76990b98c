package httpserver

import "time"

// Deadlines between requests
//
// A keep-alive connection needs a new idle deadline and a new write
// deadline for every request, and each is a timer update in the runtime:
// at 1,000 connections those updates and their clock reads were about 3% of
// the server's CPU for a small answer (pprof, hello at c1000). Most of them
// move a deadline by microseconds. So between requests a deadline is moved
// only when it would come too early, and then past its due time by a
// little slack: the idle and write timeouts run between their value and
// their value plus deadlineSlack of it, and a busy connection updates each
// about once per slack instead of once per request. Deadlines that must be
// exact (the first byte and the head of a request, a body, a shutdown) are
// set exactly.

// deadlineSlack is how far past its due time a stretched deadline may lie:
// a sixteenth of the timeout, at most a second.
func deadlineSlack(timeout time.Duration) time.Duration {
	return min(time.Second, timeout/16)
}

// setReadDeadline sets the connection's read deadline to t.
func (c *conn) setReadDeadline(t time.Time) {
	c.rwc.SetReadDeadline(t)
	c.in.rd.set = t
}

// stretchReadDeadline makes the read deadline at least t and at most t
// plus the slack of timeout, moving it only if it is outside that window.
func (c *conn) stretchReadDeadline(t time.Time, timeout time.Duration) {
	if to, move := stretch(c.in.rd.set, t, timeout); move {
		c.setReadDeadline(to)
	}
}

// stretchReadDeadlineWithin makes the read deadline at least t and at
// most t plus slack, moving it only if it is outside that window.
func (c *conn) stretchReadDeadlineWithin(t time.Time, slack time.Duration) {
	if late := t.Add(slack); c.in.rd.set.Before(t) || c.in.rd.set.After(late) {
		c.setReadDeadline(late)
	}
}

// setWriteDeadline sets the connection's write deadline to t.
func (c *conn) setWriteDeadline(t time.Time) {
	c.rwc.SetWriteDeadline(t)
	c.wdl = t
}

// stretchWriteDeadline is stretchReadDeadline for the write deadline.
func (c *conn) stretchWriteDeadline(t time.Time, timeout time.Duration) {
	if to, move := stretch(c.wdl, t, timeout); move {
		c.setWriteDeadline(to)
	}
}

// stretch reports whether a deadline set at set must move to serve as one
// due at t, and where to: t plus the slack of timeout.
func stretch(set, t time.Time, timeout time.Duration) (time.Time, bool) {
	late := t.Add(deadlineSlack(timeout))
	return late, set.Before(t) || set.After(late)
}
