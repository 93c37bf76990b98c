//go:build !unix

package http1

import "errors"

// ReadsFD reports whether ReadFD works on this system: it needs unix
// read(2) on a socket's descriptor.
const ReadsFD = false

// ReadFD is not supported here; connections read through their net.Conn.
func (r *Reader) ReadFD(fd uintptr) (got, drained bool, err error) {
	return false, false, errors.ErrUnsupported
}

// PeerClosed reports false: without ReadFD, a closed peer is learned by
// reading.
func (r *Reader) PeerClosed() bool { return false }
