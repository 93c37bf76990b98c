package http1

import (
	"os"
	"syscall"
)

// Sending without telling the scheduler
//
// A connection's descriptor is non-blocking, so send(2) on it never waits:
// it copies what fits into the socket buffer and returns, or fails with
// EAGAIN, and then the Writer waits in the runtime's netpoller like any
// other Go write. Flush sends the write buffer, usually at most
// writeBufSize bytes, so each call is a few microseconds of kernel work.
// The Writer makes those calls, and the idle read of the next request
// (sysRead), as raw system calls, which the scheduler does not see. A call
// it sees (what net.Conn.Write makes) marks the goroutine's P as in a
// system call, and sysmon hands the P to another thread when a call
// outlasts its 20 µs tick: on a server pinned to one core, a thread
// wake-up and two context switches for a call that was never going to
// block. Under load (hello, 64 connections, GOMAXPROCS=1) the ordinary
// calls kept two or three threads busy where the raw ones keep one, at
// about 4% more CPU per request.
//
// Writes larger than the buffer and sendfile keep the ordinary calls: they
// can run long, and sendfile may wait on the disk, which is what handing
// the P over is for.

// sendState is what send keeps per connection, so that sending allocates
// nothing after the first time.
type sendState struct {
	rc    syscall.RawConn       // nil until first use
	fn    func(fd uintptr) bool // w.sendSome, bound once
	p     []byte                // what sendSome has left to send
	flags int                   // send(2) flags
	err   error                 // sendSome's error
	none  bool                  // the connection has no descriptor: write through w.w
}

// flush sends the buffered bytes (see Flush).
func (w *Writer) flush() error { return w.send(0) }

// flushMore sends the buffered bytes like Flush, but flagged MSG_MORE
// (send(2)): the kernel holds them until the body that follows, which
// ReadFrom sends with sendfile, and the head leaves with the file's first
// bytes. It is what nginx's tcp_nopush does with TCP_CORK, without the two
// setsockopt calls.
func (w *Writer) flushMore() error { return w.send(syscall.MSG_MORE) }

// send sends the buffered bytes with send(2) flags, as raw system calls
// on the connection's descriptor. A connection without a descriptor gets a
// plain write.
func (w *Writer) send(flags int) error {
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
	m.p, m.flags, m.err = *w.buf, flags, nil
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
	for len(m.p) > 0 {
		n, errno := sysSend(fd, m.p, m.flags)
		switch errno {
		case 0:
			m.p = m.p[n:]
			w.sent += int64(n)
		case syscall.EINTR:
		case syscall.EAGAIN:
			return false
		default:
			m.err = os.NewSyscallError("send", errno)
			return true
		}
	}
	return true
}
