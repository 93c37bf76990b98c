package testnet

import (
	"net"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// WaitQueued waits until the receive queue of c holds n bytes, and, when
// fin, the peer's FIN after them: what a test sent on loopback has all
// arrived. It fails the test if that takes a minute.
func WaitQueued(t *testing.T, c *net.TCPConn, n int, fin bool) {
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

// WaitUnwritable waits until c's send buffer is full (a poll for POLLOUT
// finds it not writable): a sender whose peer does not read has met a
// full socket buffer. It reports an error if that does not happen within
// a minute; it may run on a goroutine of its own.
func WaitUnwritable(t *testing.T, c *net.TCPConn) {
	rc, err := c.SyscallConn()
	if err != nil {
		t.Error(err)
		return
	}
	for deadline := time.Now().Add(time.Minute); ; time.Sleep(time.Millisecond) {
		var writable bool
		var perr error
		rc.Control(func(fd uintptr) {
			fds := []unix.PollFd{{Fd: int32(fd), Events: unix.POLLOUT}}
			if _, perr = unix.Poll(fds, 0); perr == nil {
				writable = fds[0].Revents&unix.POLLOUT != 0
			}
		})
		switch {
		case perr != nil:
			t.Errorf("poll: %v", perr)
			return
		case !writable:
			return
		case time.Now().After(deadline):
			t.Error("the send buffer is not full after a minute")
			return
		}
	}
}
