//go:build linux && !race

package sockio

import (
	"syscall"
	"unsafe"
)

// sysRead reads from the non-blocking socket fd into p, and learns in the
// same system call whether the socket is now empty and whether the peer
// has closed its side: see Result. It is recvmmsg(2) as a raw system call,
// which the scheduler does not see: the call never waits, so there is
// nothing to hand the P over for (see "Sending without telling the
// scheduler" in the package doc).
//
// A plain read that returns fewer bytes than asked for says the socket was
// empty, but not whether a FIN came after the bytes; with edge-triggered
// readiness nothing would ever say so. recvmmsg with two messages asks
// twice in one call: the first takes all of p but its last byte, the second
// that last byte, without waiting (MSG_WAITFORONE). The second comes back
// with EAGAIN (empty: the call returns 1), with 0 bytes (the peer closed),
// or with the one byte that follows. Measured on loopback for a 100-byte
// request (one call each, 100,000 calls): read 6.45 µs, recvmmsg 6.54 µs,
// read followed by the read that finds EAGAIN 7.6 µs.
func sysRead(fd uintptr, p []byte) (res Result, errno syscall.Errno) {
	last := len(p) - 1
	var iov [2]syscall.Iovec
	iov[0].Base, iov[0].Len = &p[0], uint64(last)
	iov[1].Base, iov[1].Len = &p[last], 1
	var hdr [2]mmsghdr
	hdr[0].hdr.Iov, hdr[0].hdr.Iovlen = &iov[0], 1
	hdr[1].hdr.Iov, hdr[1].hdr.Iovlen = &iov[1], 1
	got, _, errno := syscall.RawSyscall6(syscall.SYS_RECVMMSG, fd, uintptr(unsafe.Pointer(&hdr[0])), 2,
		msgWaitForOne, 0, 0)
	if errno != 0 {
		return res, errno
	}
	n1 := int(hdr[0].n)
	switch {
	case n1 == 0: // the peer closed before any byte
		res.EOF = true
	case got == 1: // the second found the socket empty
		res.N, res.Drained = n1, true
	case hdr[1].n == 0: // the second found the FIN
		res.N, res.Drained, res.EOF = n1, true, true
	default: // one more byte was there: it follows the first message's
		p[n1] = p[last]
		res.N = n1 + 1
	}
	return res, 0
}

// mmsghdr is struct mmsghdr of recvmmsg(2).
type mmsghdr struct {
	hdr syscall.Msghdr
	n   uint32
	_   [4]byte
}

// msgWaitForOne is MSG_WAITFORONE: after the first message, recvmmsg does
// not wait for more.
const msgWaitForOne = 0x10000

// sysSend is send(2) of p on the non-blocking socket fd with flags, as a
// raw system call; MSG_NOSIGNAL is added: a closed peer is an EPIPE, not a
// signal.
func sysSend(fd uintptr, p []byte, flags int) (int, syscall.Errno) {
	n, _, errno := syscall.RawSyscall6(syscall.SYS_SENDTO, fd, uintptr(unsafe.Pointer(&p[0])), uintptr(len(p)),
		uintptr(flags|syscall.MSG_NOSIGNAL), 0, 0)
	return int(n), errno
}
