package httpserver

import (
	"net"
	"syscall"
	"unsafe"
)

// acceptQueue returns how many connections wait in ln's accept queue, or 0
// if the system does not say. On Linux, TCP_INFO of a listening socket
// gives it as tcpi_unacked (and the queue's bound as tcpi_sacked).
func acceptQueue(ln net.Listener) int {
	sc, ok := ln.(syscall.Conn)
	if !ok {
		return 0
	}
	raw, err := sc.SyscallConn()
	if err != nil {
		return 0
	}
	var info syscall.TCPInfo
	size := uint32(unsafe.Sizeof(info))
	var errno syscall.Errno
	raw.Control(func(fd uintptr) {
		_, _, errno = syscall.Syscall6(syscall.SYS_GETSOCKOPT, fd, syscall.IPPROTO_TCP, syscall.TCP_INFO,
			uintptr(unsafe.Pointer(&info)), uintptr(unsafe.Pointer(&size)), 0)
	})
	if errno != 0 || info.State != tcpListen {
		return 0
	}
	return int(info.Unacked)
}

// tcpListen is TCP_LISTEN, the state of a listening socket in TCP_INFO.
const tcpListen = 10
