//go:build linux && race

package sockio

import "syscall"

// Under the race detector the reads and writes go through the syscall
// package's Read and Write, which tell the detector that a byte written to a
// descriptor happens before it is read: the ordering the kernel gives a test
// that sets a server up and then sends it a request. Raw system calls would
// hide it, and the detector would report those tests as races.

// sysRead is readTwice with syscall.Read.
func sysRead(fd uintptr, p []byte) (Result, syscall.Errno) {
	return readTwice(fd, p)
}

// sysSend is syscall.Write of p to fd when flags is 0, else send(2) with
// flags and MSG_NOSIGNAL.
func sysSend(fd uintptr, p []byte, flags int) (int, syscall.Errno) {
	if flags == 0 {
		n, err := syscall.Write(int(fd), p)
		return n, errnoOf(err)
	}
	n, err := syscall.SendmsgN(int(fd), p, nil, nil, flags|syscall.MSG_NOSIGNAL)
	return n, errnoOf(err)
}
