//go:build !unix

package config

// openFileLimit returns 0: this system has no RLIMIT_NOFILE to read.
func openFileLimit() uint64 { return 0 }

// RaiseFileLimit does nothing: this system has no RLIMIT_NOFILE.
func RaiseFileLimit() (soft, hard uint64, err error) { return 0, 0, nil }
