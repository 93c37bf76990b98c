package httpserver

import (
	"testing"

	"github.com/miniweb/miniweb/server/internal/testnet"
)

// TestH2specEngine runs h2spec's conformance cases (testnet.H2spec:
// --strict, every case must pass) against the engine over TLS, through
// the one dispatcher: on a static file and on an application path whose
// handler reads the request body. (server/internal/http2's own test runs
// them on h2c too; on the engine's plain listener with H2C, h2spec's
// "invalid connection preface" case is answered as HTTP/1.1, which that
// listener also speaks: a 400, not HTTP/2's GOAWAY.)
func TestH2specEngine(t *testing.T) {
	t.Parallel()
	ts := startTLSServer(t)
	for _, path := range []string{"/style.css", "/echo.py"} {
		t.Run(path, func(t *testing.T) {
			t.Parallel()
			passed := testnet.H2spec(t, ts.addr, path, true)
			t.Logf("h2spec on %s over TLS: %d/%d passed", path, passed, testnet.H2specCases)
		})
	}
}
