package http1

import (
	"io"

	"github.com/miniweb/miniweb/server/internal/sockio"
)

// ReadsFD reports whether ReadFD works on this system: it needs unix
// read(2) on a socket's descriptor (see sockio.Supported).
const ReadsFD = sockio.Supported

// ReadFD reads once from fd, the non-blocking descriptor of the Reader's
// connection, when nothing is buffered: it is the read a connection makes
// from inside a syscall.RawConn Read callback, where reading through the
// net.Conn would wait on the lock the callback holds. The read itself is
// sockio.Read; ReadFD only fills the buffer with it. The buffer comes from
// the pool for the read and goes back to it when the read finds nothing,
// so a connection waiting between requests holds no buffer.
//
// It reports got when bytes arrived, and drained when the read left the
// socket empty: any byte that comes later is a new readiness event for the
// runtime's (edge-triggered) poller, so the caller may wait for one without
// reading first. With got false and a nil error no byte was there (EAGAIN).
// The error is io.EOF when the peer closed the connection, else the
// system's (errors.ErrUnsupported where ReadsFD is false).
//
// A FIN that came with the bytes is noticed by the same read (see
// sockio.Result): the bytes are returned first, with drained, and the next
// ReadFD returns io.EOF without a system call; PeerClosed reports it in
// between. A caller that waits after a drained read only while PeerClosed
// is false thus never waits on a connection whose peer is gone:
// edge-triggered readiness would not tell it again.
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
	res, err := sockio.Read(fd, r.buf)
	switch {
	case err != nil:
		r.Release()
		return false, false, err
	case res.N == 0 && res.EOF:
		r.Release()
		return false, false, io.EOF
	case res.N == 0: // the socket was empty
		r.Release()
		return false, false, nil
	}
	r.w = res.N
	r.received += int64(res.N)
	if res.EOF {
		r.rerr = io.EOF
	}
	return true, res.Drained, nil
}

// PeerClosed reports whether a read found that the peer closed its side
// of the connection after the bytes now buffered: once they are consumed,
// the next read returns io.EOF.
func (r *Reader) PeerClosed() bool { return r.rerr == io.EOF }
