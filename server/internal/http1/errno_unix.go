//go:build unix

package http1

import "syscall"

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
