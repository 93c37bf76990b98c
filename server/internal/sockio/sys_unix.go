//go:build unix && !linux

package sockio

import "syscall"

// sysRead is readTwice with syscall.Read.
func sysRead(fd uintptr, p []byte) (Result, syscall.Errno) {
	return readTwice(fd, p)
}
