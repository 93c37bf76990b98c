//go:build !linux

package metrics

import "syscall"

// reusePort does nothing here: a restart's successor may then fail to
// bind the metrics port while its predecessor holds it.
func reusePort(network, address string, c syscall.RawConn) error { return nil }
