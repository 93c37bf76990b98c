//go:build unix && !linux

package http1

import "syscall"

// sysRead is syscall.Read of fd into p.
func sysRead(fd uintptr, p []byte) (int, syscall.Errno) {
	n, err := syscall.Read(int(fd), p)
	return n, errnoOf(err)
}
