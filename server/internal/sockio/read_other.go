//go:build !unix

package sockio

import "errors"

// Supported reports whether Read works on this system: it needs unix
// read(2) on a socket's descriptor.
const Supported = false

// Read is not supported here: it returns errors.ErrUnsupported, and
// connections read through their net.Conn.
func Read(fd uintptr, p []byte) (Result, error) {
	return Result{}, errors.ErrUnsupported
}
