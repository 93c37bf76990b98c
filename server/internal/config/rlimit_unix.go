//go:build unix

package config

import "syscall"

// openFileLimit returns the soft limit on open file descriptors, or 0 if it
// cannot be read.
func openFileLimit() uint64 {
	var rl syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &rl); err != nil {
		return 0
	}
	return uint64(rl.Cur)
}

// RaiseFileLimit raises this process's soft open-files limit
// (RLIMIT_NOFILE) to its hard limit and returns both as they are then,
// with the error of a raise that failed: each connection holds a
// descriptor, and the soft limit bounds the connection cap. The Go
// runtime raises it too on some systems; raising it again costs nothing.
// On systems without RLIMIT_NOFILE it returns zeros and no error.
func RaiseFileLimit() (soft, hard uint64, err error) {
	var rl syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &rl); err != nil {
		return 0, 0, err
	}
	if rl.Cur < rl.Max {
		want := rl
		want.Cur = rl.Max
		if err = syscall.Setrlimit(syscall.RLIMIT_NOFILE, &want); err == nil {
			rl = want
		}
	}
	return uint64(rl.Cur), uint64(rl.Max), err
}
