//go:build unix

package httpserver

import (
	"os"
	"syscall"
)

// watchDup is watchClient inside an inline run, where a read through the
// connection would wait on the lock the inline run holds: it watches a
// duplicate of the descriptor, which has a poller registration of its own,
// and peeks, so that a pipelined request stays in the socket for the
// inline run to read. The connection's later requests are answered outside
// inline runs (inl.off), so a site that watches pays for the duplicate once
// per connection.
func (c *conn) watchDup() {
	c.inl.off = true
	dfd, derr := -1, error(syscall.EBADF)
	c.raw.Control(func(fd uintptr) {
		syscall.ForkLock.RLock()
		dfd, derr = syscall.Dup(int(fd))
		if derr == nil {
			syscall.CloseOnExec(dfd)
		}
		syscall.ForkLock.RUnlock()
	})
	if derr != nil {
		c.srv.Log.Warn("cannot watch for the client leaving", keyRemote, c.remote, keyErr, derr)
		return
	}
	f := os.NewFile(uintptr(dfd), "client")
	rc, err := f.SyscallConn()
	if err != nil {
		f.Close()
		return
	}
	c.watch.file = f
	c.watch.done = make(chan struct{})
	c.watch.abort.Store(false)
	cancel := c.app.cancelCtx
	go func() {
		defer close(c.watch.done)
		gone := false
		var b [1]byte
		err := rc.Read(func(fd uintptr) bool {
			for {
				n, _, err := syscall.Recvfrom(int(fd), b[:], syscall.MSG_PEEK)
				switch {
				case err == syscall.EINTR:
					continue
				case err == syscall.EAGAIN:
					return false
				case err != nil, n == 0:
					gone = true // reset, or closed
				}
				return true // a byte of the next request: the client is there
			}
		})
		if (gone || err != nil) && !c.watch.abort.Load() {
			c.watch.gone.Store(true)
			cancel()
		}
	}()
}
