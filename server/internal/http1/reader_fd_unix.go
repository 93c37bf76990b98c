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
// It reports got when bytes arrived, and drained when the read left the
// socket empty: any byte that comes later is a new readiness event for the
// runtime's (edge-triggered) poller, so the caller may wait for one without
// reading first. With got false and a nil error no byte was there (EAGAIN).
// The error is io.EOF when the peer closed the connection, else the
// system's.
//
// A FIN that came with the bytes is noticed by the same read (see sysRead):
// the bytes are returned first, with drained, and the next ReadFD returns
// io.EOF without a system call; PeerClosed reports it in between. A caller
// that waits after a drained read only while PeerClosed is false thus never
// waits on a connection whose peer is gone: edge-triggered readiness would
// not tell it again.
func (r *Reader) ReadFD(fd uintptr) (got, drained bool, err error) {
	if r.w > r.r {
		return true, false, nil
	}
	if r.rerr != nil {
		err, r.rerr = r.rerr, nil
		r.Release()
		return false, false, err
	}
	if r.buf == nil {
		r.bufp = bufPool.Get().(*[]byte)
		r.buf = *r.bufp
	}
	r.r, r.w, r.scan = 0, 0, 0
	for {
		res, errno := sysRead(fd, r.buf)
		switch {
		case errno == syscall.EINTR:
			continue
		case errno == syscall.EAGAIN:
			r.Release()
			return false, false, nil
		case errno != 0:
			r.Release()
			return false, false, os.NewSyscallError("read", errno)
		case res.n == 0:
			r.Release()
			return false, false, io.EOF
		}
		r.w = res.n
		if res.eof {
			r.rerr = io.EOF
		}
		return true, res.drained, nil
	}
}

// PeerClosed reports whether a read found that the peer closed its side
// of the connection after the bytes now buffered: once they are consumed,
// the next read returns io.EOF.
func (r *Reader) PeerClosed() bool { return r.rerr == io.EOF }

// sysReadResult is what sysRead learned: n bytes arrived; drained, the
// socket was empty after them; eof, the peer's FIN followed them (then
// drained too). With neither, more bytes may be waiting.
type sysReadResult struct {
	n            int
	drained, eof bool
}

// readTwice is sysRead made of read(2) calls: one, and after a short one a
// second that tells an empty socket (EAGAIN) from a closed one (0 bytes).
// It costs a system call more than recvmmsg when the first read is short,
// and is used where that is not available or would hide the reads from
// the race detector (see sys_linux_race.go).
func readTwice(fd uintptr, p []byte) (res sysReadResult, errno syscall.Errno) {
	n, err := syscall.Read(int(fd), p)
	if errno = errnoOf(err); errno != 0 {
		return res, errno
	}
	if n == 0 {
		res.eof = true
		return res, 0
	}
	res.n = n
	if n == len(p) {
		return res, 0
	}
	m, err := syscall.Read(int(fd), p[n:])
	switch {
	case errnoOf(err) == syscall.EAGAIN:
		res.drained = true
	case err != nil: // the next read meets the error again
	case m == 0:
		res.drained, res.eof = true, true
	default:
		res.n += m
	}
	return res, 0
}
