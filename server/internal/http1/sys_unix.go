//go:build unix && !linux

package http1

import "syscall"

// sysRead is readTwice with syscall.Read.
func sysRead(fd uintptr, p []byte) (sysReadResult, syscall.Errno) {
	return readTwice(fd, p)
}
