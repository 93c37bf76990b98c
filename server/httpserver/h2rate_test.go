package httpserver

import (
	"bytes"
	"encoding/binary"
	"net"
	"sync"
	"testing"
	"time"

	"golang.org/x/net/http2/hpack"

	"github.com/miniweb/miniweb/server/internal/http2"
)

// HTTP/2 under MinRate and at the cap, as HTTP/1.1 (rate_test.go): a
// trickled request ends its connection (GOAWAY ENHANCE_YOUR_CALM), a
// connection behind the rate gives its slot to a newcomer at the cap, and
// an idle one waits CrowdedIdleTimeout near the cap. Frames are spoken on
// h2c sockets; the engine's HTTP/2 is the same over TLS.

// h2Conn is a test client speaking HTTP/2 frames on a raw socket.
type h2Conn struct {
	t  *testing.T
	nc net.Conn
	fr *http2.FrameReader
	mu sync.Mutex // writes, from the test and a trickle
}

// dialH2 opens an h2c connection from the loopback address local and sends
// the preface and an empty SETTINGS frame.
func (ts *testServer) dialH2(t *testing.T, local string) *h2Conn {
	t.Helper()
	rc := ts.dialFrom(t, local)
	c := &h2Conn{t: t, nc: rc.Conn, fr: http2.NewFrameReader(rc.Conn, nil)}
	c.write(append([]byte(http2.Preface), http2.AppendSettings(nil)...))
	return c
}

func (c *h2Conn) write(b []byte) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	_, err := c.nc.Write(b)
	return err
}

// request sends a request's HEADERS on stream id.
func (c *h2Conn) request(id uint32, endStream bool, method, path string, more ...string) {
	c.t.Helper()
	var b bytes.Buffer
	enc := hpack.NewEncoder(&b)
	for _, f := range [][2]string{{":method", method}, {":scheme", "http"}, {":authority", "x"}, {":path", path}} {
		enc.WriteField(hpack.HeaderField{Name: f[0], Value: f[1]})
	}
	for i := 0; i+1 < len(more); i += 2 {
		enc.WriteField(hpack.HeaderField{Name: more[i], Value: more[i+1]})
	}
	if err := c.write(http2.AppendHeaderBlock(nil, id, endStream, b.Bytes(), http2.DefaultMaxFrameSize)); err != nil {
		c.t.Fatal(err)
	}
}

// trickle sends a PING every 200 ms, no progress, until the test ends or
// a write fails.
func (c *h2Conn) trickle() {
	stop := make(chan struct{})
	var wg sync.WaitGroup
	c.t.Cleanup(func() { close(stop); wg.Wait() })
	wg.Go(func() {
		tick := time.NewTicker(200 * time.Millisecond)
		defer tick.Stop()
		for i := 0; ; i++ {
			select {
			case <-stop:
				return
			case <-tick.C:
			}
			if c.write(http2.AppendPing(nil, false, [8]byte{byte(i)})) != nil {
				return
			}
		}
	})
}

// goAway reads frames until a GOAWAY, and returns its code; ok is false if
// the connection ended first (or patience passed).
func (c *h2Conn) goAway() (code http2.ErrCode, ok bool) {
	for {
		h, p, err := c.fr.ReadFrame()
		if err != nil {
			return 0, false
		}
		if h.Type == http2.FrameGoAway && len(p) >= 8 {
			return http2.ErrCode(binary.BigEndian.Uint32(p[4:])), true
		}
	}
}

// status reads frames until the HEADERS of stream id, and returns its
// :status (0 if the stream was reset or the connection ended).
func (c *h2Conn) status(id uint32) string {
	var st string
	dec := hpack.NewDecoder(4096, func(f hpack.HeaderField) {
		if f.Name == ":status" {
			st = f.Value
		}
	})
	for {
		h, p, err := c.fr.ReadFrame()
		if err != nil {
			return ""
		}
		if h.StreamID != id {
			continue
		}
		switch h.Type {
		case http2.FrameHeaders:
			dec.Write(p)
			return st
		case http2.FrameRSTStream:
			return ""
		}
	}
}

// TestH2MinRate: a request body that stops coming (PINGs only) ends its
// HTTP/2 connection with GOAWAY ENHANCE_YOUR_CALM past the grace, while
// the application waits in its read; another connection is served.
func TestH2MinRate(t *testing.T) {
	t.Parallel()
	m := &Metrics{}
	ts := startServer(t, newHardApp(), nil, slowTimeouts, func(s *Server) { s.H2C, s.Metrics = true, m })
	c := ts.dialH2(t, "127.0.0.1")
	c.request(1, false, "POST", "/echo.py", "content-length", "1000")
	c.write(http2.AppendData(nil, 1, false, []byte("ab")))
	c.trickle()
	if code, ok := c.goAway(); !ok || code != http2.ErrCodeEnhanceYourCalm {
		t.Fatalf("GOAWAY %v (%v); want ENHANCE_YOUR_CALM", code, ok)
	}
	if h2 := m.HTTP2(); h2.TooSlow != 1 || h2.EnhanceYourCalm != 1 {
		t.Fatalf("metrics: %+v; want one connection too slow, counted in EnhanceYourCalm too", h2)
	}
	other := ts.dialH2(t, "127.0.0.1")
	other.request(1, true, "GET", "/hello.py")
	if st := other.status(1); st != "200" {
		t.Fatalf("another connection: status %q", st)
	}
}

// TestH2TrickleAtCap: four HTTP/2 connections from 127.0.0.1 hold a cap of
// four, each with a request whose body stopped coming while the
// application waits for it, and the rate's grace longer than the test: a
// fresh client from 127.0.0.2 is answered, a trickler's slot taken with
// GOAWAY ENHANCE_YOUR_CALM, as an HTTP/1.1 trickler's (TestTrickleAtDefaultCap).
func TestH2TrickleAtCap(t *testing.T) {
	t.Parallel()
	const maxConns = 4
	ts := startServer(t, newHardApp(), nil, func(s *Server) {
		s.H2C = true
		s.MaxConns, s.MaxConnsPerAddr = maxConns, -1
		s.MinRate, s.MinRateGrace = 240, 3*patience
		s.ReadHeaderTimeout, s.ReadBodyTimeout = 3*patience, 3*patience
	})
	tricklers := make([]*h2Conn, maxConns)
	for i := range tricklers {
		c := ts.dialH2(t, "127.0.0.1")
		c.request(1, false, "POST", "/echo.py", "content-length", "1000")
		c.write(http2.AppendData(nil, 1, false, []byte("a")))
		c.trickle()
		tricklers[i] = c
	}
	if !waitFor(patience, func() bool { return ts.h2.srv.Stats().StreamsOpen == maxConns }) {
		t.Fatalf("the tricklers' streams did not open: %+v", ts.h2.srv.Stats())
	}
	cut := make(chan http2.ErrCode, maxConns)
	for _, c := range tricklers {
		go func() {
			if code, ok := c.goAway(); ok {
				cut <- code
			}
		}()
	}

	fresh := ts.dialFrom(t, "127.0.0.2")
	fresh.send(plainReq)
	if r := fresh.response("GET"); r.StatusCode != 200 || bodyOf(t, r) != "Hello, World!" {
		t.Fatalf("fresh request from 127.0.0.2: status %d", r.StatusCode)
	}
	select {
	case code := <-cut:
		if code != http2.ErrCodeEnhanceYourCalm {
			t.Fatalf("a trickler's GOAWAY: %v; want ENHANCE_YOUR_CALM", code)
		}
	case <-time.After(patience):
		t.Fatal("no trickler cut")
	}
	if n := ts.h2.srv.Stats().TooSlow; n < 1 {
		t.Fatalf("TooSlow %d; want at least 1", n)
	}
}

// TestH2CrowdedIdle: past the high-water mark of the cap, an HTTP/2
// connection whose last stream closed waits CrowdedIdleTimeout, not
// IdleTimeout, then ends with GOAWAY NO_ERROR.
func TestH2CrowdedIdle(t *testing.T) {
	t.Parallel()
	ts := startServer(t, newHardApp(), nil, func(s *Server) {
		s.H2C = true
		s.MaxConns, s.MaxConnsPerAddr = 2, -1 // the high-water mark: 1
		s.IdleTimeout, s.CrowdedIdleTimeout = 3*patience, 100*time.Millisecond
	})
	c := ts.dialH2(t, "127.0.0.1")
	c.request(1, true, "GET", "/hello.py")
	if st := c.status(1); st != "200" {
		t.Fatalf("status %q", st)
	}
	if code, ok := c.goAway(); !ok || code != http2.ErrCodeNo {
		t.Fatalf("GOAWAY %v (%v); want NO_ERROR at the crowded idle timeout", code, ok)
	}
}
