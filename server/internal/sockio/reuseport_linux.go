package sockio

import (
	"syscall"

	"golang.org/x/sys/unix"
)

// ReusePort is a net.ListenConfig Control that sets SO_REUSEPORT on a
// socket about to be bound, so that a restart's successor can bind a port
// its predecessor still holds, for the moment both run: the redirect and
// metrics listeners, cheap to open twice (the main listener is handed
// over instead).
func ReusePort(network, address string, c syscall.RawConn) error {
	var serr error
	err := c.Control(func(fd uintptr) {
		serr = unix.SetsockoptInt(int(fd), unix.SOL_SOCKET, unix.SO_REUSEPORT, 1)
	})
	if err != nil {
		return err
	}
	return serr
}
