//go:build linux && !race

package http1

import (
	"syscall"
	"unsafe"
)

// sysRead is read(2) on the non-blocking descriptor fd as a raw system
// call, which the scheduler does not see: the call never waits, so there is
// nothing to hand the P over for (see "Sending without telling the
// scheduler" in response_linux.go).
func sysRead(fd uintptr, p []byte) (int, syscall.Errno) {
	n, _, errno := syscall.RawSyscall(syscall.SYS_READ, fd, uintptr(unsafe.Pointer(&p[0])), uintptr(len(p)))
	return int(n), errno
}

// sysSend is send(2) of p on the non-blocking socket fd with flags, as a
// raw system call; MSG_NOSIGNAL is added: a closed peer is an EPIPE, not a
// signal.
func sysSend(fd uintptr, p []byte, flags int) (int, syscall.Errno) {
	n, _, errno := syscall.RawSyscall6(syscall.SYS_SENDTO, fd, uintptr(unsafe.Pointer(&p[0])), uintptr(len(p)),
		uintptr(flags|syscall.MSG_NOSIGNAL), 0, 0)
	return int(n), errno
}
