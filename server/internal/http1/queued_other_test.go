//go:build !linux

package http1

import (
	"net"
	"testing"
	"time"
)

// waitQueued gives the bytes a test sent on loopback, and the FIN when
// fin, time to arrive in c's receive queue: a system without Linux's
// SIOCINQ and POLLRDHUP cannot be asked.
func waitQueued(t *testing.T, c *net.TCPConn, n int, fin bool) {
	time.Sleep(20 * time.Millisecond)
}

// waitUnwritable gives a sender whose peer does not read time to fill c's
// send buffer.
func waitUnwritable(t *testing.T, c *net.TCPConn) {
	time.Sleep(100 * time.Millisecond)
}
