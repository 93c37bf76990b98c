package http1

import (
	"syscall"
)

// moreState is what flushMore keeps per connection, so that sending with
// MSG_MORE allocates nothing after the first time.
type moreState struct {
	rc   syscall.RawConn       // nil until first use
	fn   func(fd uintptr) bool // w.sendMore, bound once
	p    []byte                // what sendMore has left to send
	err  error                 // sendMore's error
	none bool                  // the connection has no descriptor: use Flush
}

// flushMore sends the buffered bytes like Flush, but flagged MSG_MORE
// (send(2)): the kernel holds them until the body that follows, which
// ReadFrom sends with sendfile, and the head leaves with the file's first
// bytes. It is what nginx's tcp_nopush does with TCP_CORK, without the two
// setsockopt calls. A connection without a descriptor gets a plain Flush.
func (w *Writer) flushMore() error {
	if w.err != nil || w.buf == nil || len(*w.buf) == 0 {
		return w.err
	}
	m := &w.more
	if m.rc == nil && !m.none {
		sc, ok := w.w.(syscall.Conn)
		if ok {
			m.rc, _ = sc.SyscallConn()
		}
		if m.rc == nil {
			m.none = true
		} else {
			m.fn = w.sendMore
		}
	}
	if m.none {
		return w.Flush()
	}
	m.p, m.err = *w.buf, nil
	err := m.rc.Write(m.fn)
	*w.buf = (*w.buf)[:0]
	m.p = nil
	if err == nil {
		err = m.err
	}
	if err != nil {
		w.err = err
	}
	return err
}

// sendMore is the RawConn.Write callback of flushMore: it reports false to
// wait for the socket to be writable, true when done or failed.
func (w *Writer) sendMore(fd uintptr) bool {
	m := &w.more
	for len(m.p) > 0 {
		n, err := syscall.SendmsgN(int(fd), m.p, nil, nil, syscall.MSG_MORE|syscall.MSG_NOSIGNAL)
		switch err {
		case nil:
			m.p = m.p[n:]
			w.sent += int64(n)
		case syscall.EINTR:
		case syscall.EAGAIN:
			return false
		default:
			m.err = err
			return true
		}
	}
	return true
}
