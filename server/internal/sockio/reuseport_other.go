//go:build !linux

package sockio

import "syscall"

// ReusePort does nothing here: a restart's successor may then fail to
// bind a port while its predecessor holds it (see reuseport_linux.go).
func ReusePort(network, address string, c syscall.RawConn) error { return nil }
