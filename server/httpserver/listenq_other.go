//go:build !linux

package httpserver

import "net"

// acceptQueue returns 0: the length of a listener's accept queue is known
// on Linux only, and elsewhere newcomers are seated one at a time.
func acceptQueue(net.Listener) int { return 0 }
