package testnet

import (
	"strings"
	"time"
)

// WaitFor polls cond every 10 ms until it holds (true) or d passes (false).
func WaitFor(d time.Duration, cond func() bool) bool {
	for deadline := time.Now().Add(d); ; time.Sleep(10 * time.Millisecond) {
		if cond() {
			return true
		}
		if time.Now().After(deadline) {
			return false
		}
	}
}

// IsClosed reports whether c is closed; a nil c never is.
func IsClosed(c <-chan struct{}) bool {
	select {
	case <-c:
		return true
	default:
		return false
	}
}

// IsReset reports whether err is a connection reset by the peer.
func IsReset(err error) bool {
	return err != nil && strings.Contains(err.Error(), "connection reset")
}
