//go:build !linux

package sockio

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
