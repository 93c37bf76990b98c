package http1

import (
	"syscall"

	"github.com/miniweb/miniweb/server/internal/sockio"
)

// The Writer sends its buffer with sockio.Send, raw send(2) calls the
// scheduler does not see: see "Sending without telling the scheduler" in
// package sockio.

// sendState is what send keeps per connection, so that sending allocates
// nothing after the first time.
type sendState struct {
	rc   syscall.RawConn       // nil until first use
	fn   func(fd uintptr) bool // w.sendSome, bound once
	p    []byte                // what sendSome has left to send
	more bool                  // send flagged MSG_MORE (see flushMore)
	err  error                 // sendSome's error
	none bool                  // the connection has no descriptor: write through w.w
}

// flush sends the buffered bytes (see Flush).
func (w *Writer) flush() error { return w.send(false) }

// flushMore sends the buffered bytes like Flush, but flagged MSG_MORE
// (send(2)): the kernel holds them until the body that follows, which
// ReadFrom sends with sendfile, and the head leaves with the file's first
// bytes. It is what nginx's tcp_nopush does with TCP_CORK, without the two
// setsockopt calls.
func (w *Writer) flushMore() error { return w.send(true) }

// send sends the buffered bytes with sockio.Send on the connection's
// descriptor, flagged MSG_MORE if more. A connection without a descriptor
// gets a plain write.
func (w *Writer) send(more bool) error {
	if w.err != nil || w.buf == nil || len(*w.buf) == 0 {
		return w.err
	}
	m := &w.snd
	if m.rc == nil && !m.none {
		if sc, ok := w.w.(syscall.Conn); ok {
			m.rc, _ = sc.SyscallConn()
		}
		if m.rc == nil {
			m.none = true
		} else {
			m.fn = w.sendSome
		}
	}
	if m.none {
		return w.write()
	}
	m.p, m.more, m.err = *w.buf, more, nil
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

// sendSome is the RawConn.Write callback of send: it reports false to wait
// for the socket to be writable, true when done or failed.
func (w *Writer) sendSome(fd uintptr) bool {
	m := &w.snd
	n, err := sockio.Send(fd, m.p, m.more)
	m.p = m.p[n:]
	w.sent += int64(n)
	if err != nil {
		m.err = err
		return true
	}
	return len(m.p) == 0 // else the socket buffer is full: wait
}
