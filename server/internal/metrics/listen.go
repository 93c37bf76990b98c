package metrics

import (
	"context"
	"net"

	"github.com/miniweb/miniweb/server/internal/sockio"
)

// Listen listens on addr for the metrics' own listener with SO_REUSEPORT
// where the system has it, so that a restart's successor can bind the
// port while its predecessor still serves on it (the site's listener is
// handed over instead; this one is cheap to open twice for that moment).
func Listen(addr string) (net.Listener, error) {
	lc := net.ListenConfig{Control: sockio.ReusePort}
	return lc.Listen(context.Background(), "tcp", addr)
}
