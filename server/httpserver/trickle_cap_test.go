package httpserver

import (
	"errors"
	"io"
	"net"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/miniweb/miniweb/server/internal/config"
)

// TestTrickleAtDefaultCap: at the default cap (max_conns 0: 1024 per CPU,
// 2,048 on two CPUs), 52 more connections than the cap from 127.0.0.1
// (2,100 on two CPUs) trickle request heads, a byte every two seconds,
// with the rate's grace cut to a second so that the test is short. A
// fresh request from 127.0.0.2 is answered, and every trickler is cut:
// a 408, or closed (at accept, over its address's share). Once with the
// default share per address (a quarter of the cap), once with it lifted,
// where the trickles hold the whole cap and the rate alone frees it.
//
// Not parallel: client and server are one process, which the open-file
// limit (RLIMIT_NOFILE) holds to about 4,200 descriptors here; the
// subtests run one after the other for the same reason.
func TestTrickleAtDefaultCap(t *testing.T) {
	maxConns := config.Limits{}.EffectiveMaxConns()
	tricklers := maxConns + 52
	raiseNoFile(t, uint64(2*tricklers+512))
	for _, tt := range []struct {
		name    string
		perAddr int // MaxConnsPerAddr
	}{
		{"default_share", 0},
		{"share_lifted", -1},
	} {
		t.Run(tt.name, func(t *testing.T) {
			ts := startServer(t, newHardApp(), map[string]string{"index.html": "home"}, func(s *Server) {
				s.MaxConns, s.MaxConnsPerAddr = maxConns, tt.perAddr
				s.MinRate, s.MinRateGrace = 240, time.Second
				s.ReadHeaderTimeout, s.ReadBodyTimeout = 3*patience, 3*patience
			})
			conns := make([]net.Conn, tricklers)
			for i := range conns {
				c, err := net.DialTimeout("tcp", ts.addr, patience)
				if err != nil {
					t.Fatalf("trickler %d: %v", i, err)
				}
				defer c.Close()
				c.Write([]byte("G")) // may fail: closed at accept
				conns[i] = c
			}
			// The trickle: the next byte of the head on each connection
			// every two seconds, until the test ends or the server cuts it.
			stop := make(chan struct{})
			var wg sync.WaitGroup
			defer wg.Wait()
			defer close(stop)
			wg.Go(func() {
				const head = "GET /index.html HTTP/1.1\r\nHost: x\r\n"
				tick := time.NewTicker(2 * time.Second)
				defer tick.Stop()
				live := make([]bool, len(conns))
				for i := range live {
					live[i] = true
				}
				for n := 1; n < len(head); n++ {
					select {
					case <-stop:
						return
					case <-tick.C:
					}
					for i, c := range conns {
						if live[i] {
							if _, err := c.Write([]byte{head[n]}); err != nil {
								live[i] = false
							}
						}
					}
				}
			})

			start := time.Now()
			fresh := ts.dialFrom(t, "127.0.0.2")
			fresh.send(plainReq)
			if r := fresh.response("GET"); r.StatusCode != 200 || bodyOf(t, r) != "Hello, World!" {
				t.Fatalf("fresh request from 127.0.0.2: status %d", r.StatusCode)
			}
			t.Logf("fresh request from 127.0.0.2 answered in %v (a figure, not checked)", time.Since(start).Round(time.Millisecond))

			// Every trickler cut: a 408, or closed.
			var got408, closed int
			buf := make([]byte, 64)
			for i, c := range conns {
				c.SetReadDeadline(time.Now().Add(patience))
				n, err := io.ReadAtLeast(c, buf, len("HTTP/1.1 408"))
				switch {
				case n >= len("HTTP/1.1 408") && strings.HasPrefix(string(buf[:n]), "HTTP/1.1 408 "):
					got408++
				case n == 0 && (errors.Is(err, io.EOF) || isReset(err)):
					closed++
				case errors.Is(err, os.ErrDeadlineExceeded):
					t.Fatalf("trickler %d: still open after %v", i, patience)
				default:
					t.Fatalf("trickler %d: %q, %v; want a 408 or the close", i, buf[:n], err)
				}
			}
			t.Logf("cap %d, %d tricklers: %d got 408, %d closed", maxConns, tricklers, got408, closed)
			if tt.perAddr == 0 && closed < tricklers-(maxConns+3)/4 {
				t.Errorf("%d closed; want at least the %d over the share", closed, tricklers-(maxConns+3)/4)
			}
			if got408 == 0 {
				t.Error("no trickler got a 408: the rate cut none")
			}
		})
	}
}
