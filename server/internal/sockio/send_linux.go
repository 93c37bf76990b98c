package sockio

import (
	"os"
	"syscall"
)

// Send sends as much of p as the socket fd takes, with send(2) on the
// non-blocking socket, and returns how many bytes it took. n < len(p) with
// a nil error means the socket buffer is full: wait until fd is writable
// (return false from a syscall.RawConn Write callback) and send the rest.
// With more, the bytes go flagged MSG_MORE: the kernel holds them for what
// follows (a file sent with sendfile), as nginx's tcp_nopush does with
// TCP_CORK, without the two setsockopt calls. A closed peer is an EPIPE or
// ECONNRESET error (as an *os.SyscallError), never a SIGPIPE. Send is
// Linux's: elsewhere connections write through their net.Conn.
func Send(fd uintptr, p []byte, more bool) (n int, err error) {
	flags := 0
	if more {
		flags = syscall.MSG_MORE
	}
	for n < len(p) {
		m, errno := sysSend(fd, p[n:], flags)
		switch errno {
		case 0:
			n += m
		case syscall.EINTR:
		case syscall.EAGAIN:
			return n, nil
		default:
			return n, os.NewSyscallError("send", errno)
		}
	}
	return n, nil
}
