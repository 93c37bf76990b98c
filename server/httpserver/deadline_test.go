package httpserver

import (
	"net"
	"testing"
	"time"
)

// deadlineConn records the deadlines set on it.
type deadlineConn struct {
	net.Conn
	reads, writes []time.Time
}

func (d *deadlineConn) SetReadDeadline(t time.Time) error { d.reads = append(d.reads, t); return nil }
func (d *deadlineConn) SetWriteDeadline(t time.Time) error {
	d.writes = append(d.writes, t)
	return nil
}
func (d *deadlineConn) RemoteAddr() net.Addr {
	return &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 1}
}
func (d *deadlineConn) LocalAddr() net.Addr { return &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 2} }

// TestStretchedDeadlines: requests 1ms apart move the idle and write
// deadlines about once per slack, not once per request, and the deadline
// in force is never before its due time nor more than the slack after it.
// An exact deadline set in between (a body's) is replaced at the next
// stretch.
func TestStretchedDeadlines(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		timeout time.Duration
		slack   time.Duration
	}{
		{"60s idle", 60 * time.Second, time.Second},
		{"30s write", 30 * time.Second, time.Second},
		{"800ms", 800 * time.Millisecond, 50 * time.Millisecond},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := deadlineSlack(tt.timeout); got != tt.slack {
				t.Fatalf("deadlineSlack(%v) = %v; want %v", tt.timeout, got, tt.slack)
			}
			dc := &deadlineConn{}
			c := (&Server{}).newConn(dc)
			now := time.Unix(1_000_000, 0)
			const requests = 3000 // 3s of requests 1ms apart
			for i := range requests {
				now = now.Add(time.Millisecond)
				due := now.Add(tt.timeout)
				c.stretchReadDeadline(due, tt.timeout)
				c.stretchWriteDeadline(due, tt.timeout)
				for _, set := range []time.Time{c.in.rd.set, c.wdl} {
					if set.Before(due) || set.After(due.Add(tt.slack)) {
						t.Fatalf("request %d: deadline %v after now; want %v to %v", i, set.Sub(now), tt.timeout, tt.timeout+tt.slack)
					}
				}
				if i == requests/2 {
					c.setReadDeadline(now.Add(time.Second)) // a body's deadline
				}
			}
			// One update per slack of requests, plus the first, plus the
			// one after the body's deadline.
			most := int(3*time.Second/tt.slack) + 2
			if len(dc.reads) > most+1 || len(dc.writes) > most {
				t.Errorf("%d read and %d write deadline updates for %d requests; want at most %d and %d", len(dc.reads), len(dc.writes), requests, most+1, most)
			}
			t.Logf("%d requests: %d read and %d write deadline updates", requests, len(dc.reads), len(dc.writes))
		})
	}
}
