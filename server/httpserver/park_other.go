//go:build !linux

package httpserver

import "errors"

// parkSupported says connections do not park here: they wait in their
// goroutines (see park.go).
const parkSupported = false

// parkPoller is Linux's (park_linux.go); here there is none.
type parkPoller struct{}

func newParkPoller(*Server) (*parkPoller, error) {
	return nil, errors.ErrUnsupported
}

func (*parkPoller) track(*conn)           {}
func (*parkPoller) arm(*conn, bool) error { return errors.ErrUnsupported }
func (*parkPoller) forget(*conn)          {}
func (*parkPoller) stop()                 {}
