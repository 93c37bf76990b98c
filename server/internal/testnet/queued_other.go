//go:build !linux

package testnet

import (
	"net"
	"testing"
	"time"
)

// WaitQueued gives the bytes a test sent on loopback, and the FIN when
// fin, time to arrive in c's receive queue: a system without Linux's
// SIOCINQ and POLLRDHUP cannot be asked.
func WaitQueued(t *testing.T, c *net.TCPConn, n int, fin bool) {
	time.Sleep(20 * time.Millisecond)
}

// WaitUnwritable gives a sender whose peer does not read time to fill c's
// send buffer.
func WaitUnwritable(t *testing.T, c *net.TCPConn) {
	time.Sleep(100 * time.Millisecond)
}
