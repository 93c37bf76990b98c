package httpserver

import (
	"errors"
	"fmt"
	"os"
	"time"
)

// The minimum data rate
//
// A client that sends its request head or body a byte every few seconds
// holds a connection, and a slot of MaxConns, for the whole header or body
// timeout, and reconnects after: 64 of them kept every fresh request of a
// server capped at 64 waiting 8 to 30 s (issue 28). With MinRate set, a
// head or body is read as a transfer whose reads must keep up, as Kestrel's
// MinRequestBodyDataRate: the time spent waiting in its reads may not pass
// MinRateGrace plus one second for each MinRate bytes read. A head that
// falls behind gets 408 and the connection closes (readFailed); a body read
// fails, the application's answer is sent, and the connection closes
// (bodyReader). The time the application spends between its reads of the
// body is not the client's, and is not counted.
//
// The check costs no timer per read: a transfer's read deadline is set to
// the moment the client's credit would run out (or the header or body
// timeout, if sooner), and is moved only when it passes with the credit not
// spent: for a client sending faster than the rate, once per MinRateGrace
// at most. What each read costs is two clock reads and, with MaxConns, two
// compare-and-swaps of the slot state; a head that arrives whole in its
// first read, the keep-alive fast path, makes no transfer read at all.
//
// With MaxConns, a connection waiting in a transfer's read publishes in its
// slot state when its bytes stop paying for its wait (without the grace),
// so that at the cap a newcomer may take the slot of one that has fallen
// behind by slowAtCap (capacity.go).

// errTooSlow is a transfer's read that fell behind MinRate. It is a
// timeout: a head cut by it gets 408, as one past ReadHeaderTimeout.
var errTooSlow = fmt.Errorf("httpserver: request sent slower than the minimum rate: %w", os.ErrDeadlineExceeded)

// transfer is the rate accounting of the head or body being read.
type transfer struct {
	on     bool
	bytes  int64         // read since the transfer began
	waited time.Duration // spent inside reads
	hard   time.Time     // the header or body timeout
	rate   int64         // MinRate
	grace  time.Duration // MinRateGrace
	pub    bool          // publish the wait in the slot state (MaxConns)
}

// credit is how long the transfer's reads may have waited in all, with
// the grace or without.
func (x *transfer) credit(grace time.Duration) time.Duration {
	return grace + time.Duration(x.bytes*int64(time.Second)/x.rate)
}

// beginTransfer starts the rate accounting of a head or body whose reads
// must end by hard, counting what is already buffered as read. Without
// MinRate it sets hard as the read deadline, as before.
func (c *conn) beginTransfer(hard time.Time) {
	if c.srv.MinRate <= 0 {
		c.setReadDeadline(hard)
		return
	}
	c.in.rd.x = transfer{on: true, bytes: int64(c.r.Buffered()), hard: hard,
		rate: int64(c.srv.MinRate), grace: c.srv.MinRateGrace, pub: c.srv.slots != nil}
}

// endTransfer ends the rate accounting.
func (c *conn) endTransfer() { c.in.rd.x.on = false }

// readTimed is connReader.Read inside a transfer.
func (r *connReader) readTimed(p []byte) (int, error) {
	x := &r.x
	for {
		t0 := time.Now()
		due := t0.Add(x.credit(x.grace) - x.waited)
		if due.After(x.hard) {
			due = x.hard
		}
		if r.set.After(due) || !r.set.After(t0) {
			r.rwc.SetReadDeadline(due)
			r.set = due
		}
		// Published after the deadline is set: the acceptor's deadline in
		// the past, which follows its compare-and-swap, is the last.
		var owed int64
		if x.pub {
			owed = -t0.Add(x.credit(0) - x.waited).UnixNano()
			if !r.state.CompareAndSwap(stateActive, owed) {
				return 0, errTooSlow
			}
		}
		n, err := r.rwc.Read(p)
		t1 := time.Now()
		x.waited += t1.Sub(t0)
		x.bytes += int64(n)
		if x.pub && !r.state.CompareAndSwap(owed, stateActive) {
			return 0, errTooSlow // a newcomer at the cap took the slot
		}
		if n > 0 || !errors.Is(err, os.ErrDeadlineExceeded) {
			return n, err
		}
		if !t1.Before(x.hard) {
			return 0, err // the header or body timeout itself
		}
		if x.waited >= x.credit(x.grace) {
			return 0, errTooSlow
		}
		// The deadline was early (the application paused between reads):
		// the client is within its credit; wait on.
	}
}
