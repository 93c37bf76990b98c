package testnet

import (
	"strings"
	"time"
)

// Patience is how long a test waits for an event that must come: so long
// that only a hang reaches it, on a machine ten times slower than a quiet
// one. A test waits on the event itself (a read that returns, a channel,
// a condition polled every few milliseconds), so on a quiet machine it
// still ends as soon as the event comes.
const Patience = 60 * time.Second

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
