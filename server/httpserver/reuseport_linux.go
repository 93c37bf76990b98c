package httpserver

import (
	"syscall"

	"golang.org/x/sys/unix"
)

// reusePort sets SO_REUSEPORT on a socket about to be bound, so that the
// redirect listener of a restart's successor can bind the port its
// predecessor still holds (the main listener is handed over instead; the
// redirect one is cheap to open twice for the moment both run).
func reusePort(network, address string, c syscall.RawConn) error {
	var serr error
	err := c.Control(func(fd uintptr) {
		serr = unix.SetsockoptInt(int(fd), unix.SOL_SOCKET, unix.SO_REUSEPORT, 1)
	})
	if err != nil {
		return err
	}
	return serr
}
