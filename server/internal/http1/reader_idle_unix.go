//go:build unix

package http1

import (
	"io"
	"os"
	"syscall"
)

// idleState is what FillIdle keeps per connection, so that waiting
// allocates nothing.
type idleState struct {
	fn  func(fd uintptr) bool // r.tryRead, bound once
	err error                 // tryRead's error
}

// FillIdle is Fill for a connection waiting for its next request, read
// through rc, the connection's syscall.RawConn: the read buffer is taken
// from the pool only for each read attempt and given back while the
// connection waits, so an idle connection holds no buffer. The read
// syscalls are the same as Fill's: one read when bytes are there, else a
// read that finds none, the wait, and the read of the bytes. The
// connection's read deadline applies; errors are Fill's.
func (r *Reader) FillIdle(rc syscall.RawConn) error {
	if r.w > r.r {
		return nil
	}
	if r.rerr != nil {
		return r.readMore()
	}
	if r.idle.fn == nil {
		r.idle.fn = r.tryRead
	}
	r.idle.err = nil
	if err := rc.Read(r.idle.fn); err != nil {
		r.Release()
		return err
	}
	return r.idle.err
}

// tryRead is FillIdle's callback: one read into a pooled buffer, which goes
// back to the pool when the read finds nothing. It reports false to wait
// for the connection to be readable.
func (r *Reader) tryRead(fd uintptr) bool {
	if r.buf == nil {
		r.bufp = bufPool.Get().(*[]byte)
		r.buf = *r.bufp
	}
	r.r, r.w, r.scan = 0, 0, 0
	for {
		n, err := sysRead(fd, r.buf)
		switch {
		case err == syscall.EINTR:
			continue
		case err == syscall.EAGAIN:
			r.Release()
			return false
		case err != 0:
			r.idle.err = os.NewSyscallError("read", err)
		case n == 0:
			r.idle.err = io.EOF
		default:
			r.w = n
		}
		return true
	}
}
