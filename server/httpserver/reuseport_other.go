//go:build !linux

package httpserver

import "syscall"

// reusePort does nothing here: a restart's successor may then fail to bind
// the redirect port while its predecessor holds it (see reuseport_linux.go).
func reusePort(network, address string, c syscall.RawConn) error { return nil }
