//go:build unix

package handoff

import (
	"os"
	"syscall"
)

// dupSocket returns a duplicate of the socket c as a file to pass to a
// child process.
//
// Not net.TCPListener.File: exec takes each file's descriptor with
// os.File.Fd, which puts a file made by File into blocking mode, and the
// mode belongs to the socket, shared by every duplicate. The listener
// this process still serves on would then block its accepting thread in
// the kernel, where closing the listener no longer wakes it: after a
// hand-off the old process never finished. A file made by os.NewFile of a
// non-blocking descriptor stays non-blocking.
func dupSocket(c syscall.Conn, name string) (*os.File, error) {
	rc, err := c.SyscallConn()
	if err != nil {
		return nil, err
	}
	var fd int
	var derr error
	err = rc.Control(func(s uintptr) {
		syscall.ForkLock.RLock() // no exec between the dup and the close-on-exec flag
		defer syscall.ForkLock.RUnlock()
		if fd, derr = syscall.Dup(int(s)); derr == nil {
			syscall.CloseOnExec(fd)
		}
	})
	if err == nil {
		err = derr
	}
	if err != nil {
		return nil, err
	}
	return os.NewFile(uintptr(fd), name), nil
}
