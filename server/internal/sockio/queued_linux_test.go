package sockio

import (
	"net"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// waitQueued waits until the receive queue of c holds n bytes, and, when
// fin, the peer's FIN after them: what a test sent on loopback has all
// arrived. It fails the test if that takes a minute.
func waitQueued(t *testing.T, c *net.TCPConn, n int, fin bool) {
	t.Helper()
	rc, err := c.SyscallConn()
	if err != nil {
		t.Fatal(err)
	}
	for deadline := time.Now().Add(time.Minute); ; time.Sleep(time.Millisecond) {
		var queued int
		var hup bool
		var qerr error
		rc.Control(func(fd uintptr) {
			if queued, qerr = unix.IoctlGetInt(int(fd), unix.SIOCINQ); qerr != nil {
				return
			}
			fds := []unix.PollFd{{Fd: int32(fd), Events: unix.POLLRDHUP}}
			if _, qerr = unix.Poll(fds, 0); qerr == nil {
				hup = fds[0].Revents&unix.POLLRDHUP != 0
			}
		})
		switch {
		case qerr != nil:
			t.Fatalf("the socket's receive queue: %v", qerr)
		case queued == n && hup == fin:
			return
		case time.Now().After(deadline):
			t.Fatalf("the socket holds %d bytes (FIN %v) after a minute; want %d (FIN %v)", queued, hup, n, fin)
		}
	}
}
