//go:build unix

package http1

import (
	"io"
	"os"
	"syscall"
)

// ReadsFD reports whether ReadFD works on this system.
const ReadsFD = true

// ReadFD reads once from fd, the non-blocking descriptor of the Reader's
// connection, when nothing is buffered: it is the read a connection makes
// from inside a syscall.RawConn Read callback, where reading through the
// net.Conn would wait on the lock the callback holds. The buffer comes from
// the pool for the read and goes back to it when the read finds nothing,
// so a connection waiting between requests holds no buffer.
//
// It reports got when bytes arrived, and drained when they were fewer than
// the buffer had room for: the socket was then empty, and any byte that
// comes later is a new readiness event for the runtime's (edge-triggered)
// poller, so the caller may wait for one without reading first. With got
// false and a nil error no byte was there (EAGAIN). The error is io.EOF when
// the peer closed the connection, else the system's.
func (r *Reader) ReadFD(fd uintptr) (got, drained bool, err error) {
	if r.w > r.r {
		return true, false, nil
	}
	if r.buf == nil {
		r.bufp = bufPool.Get().(*[]byte)
		r.buf = *r.bufp
	}
	r.r, r.w, r.scan = 0, 0, 0
	for {
		n, errno := sysRead(fd, r.buf)
		switch {
		case errno == syscall.EINTR:
			continue
		case errno == syscall.EAGAIN:
			r.Release()
			return false, false, nil
		case errno != 0:
			r.Release()
			return false, false, os.NewSyscallError("read", errno)
		case n == 0:
			r.Release()
			return false, false, io.EOF
		}
		r.w = n
		return true, n < len(r.buf), nil
	}
}
