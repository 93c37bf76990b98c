//go:build !unix

package handoff

import (
	"errors"
	"os"
	"syscall"
)

// errUnsupported is what a hand-off says on systems without one.
var errUnsupported = errors.New("not supported on this system")

// redirectStderr fails: there is no hand-off here (Start fails too).
func redirectStderr(f *os.File) error { return errUnsupported }

// dupSocket fails: there is no hand-off here.
func dupSocket(c syscall.Conn, name string) (*os.File, error) { return nil, errUnsupported }
