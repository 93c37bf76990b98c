//go:build unix

package sockio

import (
	"os"
	"syscall"
)

// Supported reports whether Read works on this system: it needs unix
// read(2) on a socket's descriptor.
const Supported = true

// Read reads once from fd, a non-blocking socket, into p, which must not
// be empty, and learns in the same read whether the socket is now empty and
// whether the peer has closed its side (see Result). It retries a read
// interrupted by a signal; any other failure is the system's error, as an
// *os.SyscallError. It allocates nothing unless it fails.
//
// fd must be a descriptor the caller may read, as inside a
// syscall.RawConn Read callback.
func Read(fd uintptr, p []byte) (Result, error) {
	for {
		res, errno := sysRead(fd, p)
		switch errno {
		case 0:
			return res, nil
		case syscall.EINTR:
			continue
		case syscall.EAGAIN:
			return Result{Drained: true}, nil
		}
		return Result{}, os.NewSyscallError("read", errno)
	}
}

// readTwice is sysRead made of read(2) calls: one, and after a short one a
// second that tells an empty socket (EAGAIN) from a closed one (0 bytes).
// It costs a system call more than recvmmsg when the first read is short,
// and is used where that is not available or would hide the reads from
// the race detector (see sys_linux_race.go).
func readTwice(fd uintptr, p []byte) (res Result, errno syscall.Errno) {
	n, err := syscall.Read(int(fd), p)
	if errno = errnoOf(err); errno != 0 {
		return res, errno
	}
	if n == 0 {
		res.EOF = true
		return res, 0
	}
	res.N = n
	if n == len(p) {
		return res, 0
	}
	m, err := syscall.Read(int(fd), p[n:])
	switch {
	case errnoOf(err) == syscall.EAGAIN:
		res.Drained = true
	case err != nil: // the next read meets the error again
	case m == 0:
		res.Drained, res.EOF = true, true
	default:
		res.N += m
	}
	return res, 0
}

// errnoOf returns err as the syscall.Errno it is (0 for nil): the syscall
// package's calls return no other kind of error.
func errnoOf(err error) syscall.Errno {
	if err == nil {
		return 0
	}
	if errno, ok := err.(syscall.Errno); ok {
		return errno
	}
	return syscall.EIO
}
