package http2

import (
	"bytes"
	"sync"
	"testing"
	"time"

	"github.com/miniweb/miniweb/server/internal/testnet"
)

// The minimum rate: small rates and graces, so that the outcomes come
// quickly; no test asserts how quickly.
var rateLimits = Limits{MinRate: 1000, MinRateGrace: 100 * time.Millisecond, MaxHeaderFrames: 1 << 20, MaxIdleFrames: 1 << 20}

// trickle writes next(i) on c's socket every 20 ms (20 or fewer bytes a
// second, far below rateLimits' 1000), until the test ends or a write
// fails.
func trickle(t *testing.T, c *client, next func(i int) []byte) {
	stop := make(chan struct{})
	var wg sync.WaitGroup
	t.Cleanup(func() { close(stop); wg.Wait() })
	wg.Go(func() {
		tick := time.NewTicker(20 * time.Millisecond)
		defer tick.Stop()
		for i := 0; ; i++ {
			select {
			case <-stop:
				return
			case <-tick.C:
			}
			if _, err := c.nc.Write(next(i)); err != nil {
				return
			}
		}
	})
}

// Each trickler's cheapest move, while the server waits on it, ends its
// connection with GOAWAY ENHANCE_YOUR_CALM once the grace is spent: a
// header block in one-byte CONTINUATION frames, a body a byte at a time,
// PINGs (or SETTINGS, WINDOW_UPDATE: no progress) where the body should be,
// and a request never ended after its response. Another connection is
// served all along.
func TestMinRateCutsTricklers(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name  string
		start func(c *client)               // what the client sends first
		next  func(c *client, i int) []byte // then every 20 ms
	}{
		{"CONTINUATION a byte at a time", func(c *client) {
			c.write(AppendFrame(nil, FrameHeaders, 0, 1, c.block("GET", "/")))
		}, func(c *client, i int) []byte {
			return AppendFrame(nil, FrameContinuation, 0, 1, []byte{0x80 | 2}) // an indexed field: :method GET
		}},
		{"DATA a byte at a time", func(c *client) {
			c.request(1, false, "POST", "/echo")
		}, func(c *client, i int) []byte { return AppendData(nil, 1, false, []byte{'x'}) }},
		{"one DATA frame a byte at a time", func(c *client) {
			c.request(1, false, "POST", "/echo")
			c.write(AppendFrameHeader(nil, FrameHeader{1000, FrameData, 0, 1}))
		}, func(c *client, i int) []byte { return []byte{'x'} }},
		{"PING instead of the body", func(c *client) {
			c.request(1, false, "POST", "/echo")
		}, func(c *client, i int) []byte { return AppendPing(nil, false, [8]byte{byte(i)}) }},
		{"SETTINGS and WINDOW_UPDATE instead of the body", func(c *client) {
			c.request(1, false, "POST", "/echo")
		}, func(c *client, i int) []byte {
			return AppendWindowUpdate(AppendSettings(nil, Setting{SettingHeaderTableSize, 4096}), 0, 1)
		}},
		{"request never ended after its response", func(c *client) {
			c.request(1, false, "GET", "/")
		}, func(c *client, i int) []byte { return AppendPing(nil, false, [8]byte{byte(i)}) }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			ts := serve(t, HandlerFunc(func(s *Stream) {
				if s.Path() == "/echo" {
					echo(s)
					return
				}
				hello(s)
			}), rateLimits)
			c := dial(t, ts.addr)
			tc.start(c)
			trickle(t, c, func(i int) []byte { return tc.next(c, i) })
			if code := c.goAway(); code != ErrCodeEnhanceYourCalm {
				t.Fatalf("GOAWAY %v, want ENHANCE_YOUR_CALM", code)
			}
			if st := ts.Stats(); st.TooSlow != 1 {
				t.Fatalf("TooSlow %d, want 1: %+v", st.TooSlow, st)
			}
			if r := dial(t, ts.addr).get(1, "/"); r.status != 200 {
				t.Fatalf("another connection: %+v", r)
			}
		})
	}
}

// What is not the client's doing is not counted against it: streams in a
// slow handler (with or without a whole body received), and a response
// waiting on the client's window. They outlive a trickler cut on the same
// server (so the grace has passed), then are answered in full, and their
// connection is not cut.
func TestMinRateSparesWhatIsNotTheClients(t *testing.T) {
	t.Parallel()
	release := make(chan struct{})
	started := make(chan string, 3)
	ts := serve(t, HandlerFunc(func(s *Stream) {
		switch s.Path() {
		case "/slow":
			started <- s.Path()
			<-release
			hello(s)
		case "/slow-after-body":
			var n int
			buf := make([]byte, 64)
			for {
				m, err := s.Body().Read(buf)
				n += m
				if err != nil {
					break
				}
			}
			started <- s.Path()
			<-release
			s.WriteHeader(200, nil, 1)
			s.Write([]byte{byte(n)})
		case "/window":
			started <- s.Path()
			s.WriteHeader(200, nil, 10)
			s.Write([]byte("0123456789"))
		default:
			echo(s)
		}
	}), Limits{MinRate: 1000, MinRateGrace: 100 * time.Millisecond, WriteTimeout: 3 * testnet.Patience})

	c := dial(t, ts.addr, Setting{SettingInitialWindowSize, 0})
	c.request(1, true, "GET", "/slow")
	// The head and the whole body in one write: the server finds the body
	// buffered, so a scheduler slow to run its reader does not count.
	c.write(AppendData(AppendHeaderBlock(nil, 3, false, c.block("POST", "/slow-after-body"), DefaultMaxFrameSize), 3, true, []byte("body")))
	c.request(5, true, "GET", "/window")
	for range 3 {
		<-started
	}

	// A trickler on another connection is cut: the grace has passed.
	tr := dial(t, ts.addr)
	tr.request(1, false, "POST", "/echo")
	trickle(t, tr, func(i int) []byte { return AppendPing(nil, false, [8]byte{byte(i)}) })
	if code := tr.goAway(); code != ErrCodeEnhanceYourCalm {
		t.Fatalf("trickler: GOAWAY %v, want ENHANCE_YOUR_CALM", code)
	}

	close(release)
	c.write(AppendWindowUpdate(AppendWindowUpdate(AppendWindowUpdate(nil, 1, 13), 3, 1), 5, 10))
	got := map[uint32]response{}
	for len(got) < 3 {
		f := c.frame()
		if f.Type == FrameGoAway {
			t.Fatalf("GOAWAY %v on the connection of the slow streams", f.ErrCode)
		}
		switch {
		case f.Type == FrameRSTStream:
			t.Fatalf("stream %d reset: %v", f.StreamID, f.ErrCode)
		case f.Flags.Has(FlagEndStream) && (f.Type == FrameData || f.Type == FrameHeaders):
			got[f.StreamID] = response{}
		}
	}
	if st := ts.Stats(); st.TooSlow != 1 {
		t.Fatalf("TooSlow %d, want 1 (the trickler): %+v", st.TooSlow, st)
	}
	// The connection goes on.
	c.write(AppendSettings(nil, Setting{SettingInitialWindowSize, 65535}))
	if r := c.get(7, "/slow-after-body"); r.status != 200 {
		t.Fatalf("next request: %+v", r)
	}
}

// A response that waits on the client's window of 0 past WriteTimeout is
// reset (CANCEL), its handler's Write fails, and the connection, idle
// again, serves the next request.
func TestWindowStallPastWriteTimeoutResets(t *testing.T) {
	t.Parallel()
	wrote := make(chan error, 1)
	ts := serve(t, HandlerFunc(func(s *Stream) {
		if s.Path() != "/big" {
			hello(s)
			return
		}
		s.WriteHeader(200, nil, 100)
		_, err := s.Write(make([]byte, 100))
		wrote <- err
	}), Limits{WriteTimeout: 100 * time.Millisecond})
	c := dial(t, ts.addr, Setting{SettingInitialWindowSize, 0})
	c.request(1, true, "GET", "/big")
	if r := c.response(1); !r.wasReset || r.reset != ErrCodeCancel || len(r.body) > 0 {
		t.Fatalf("stalled stream: %+v; want it reset with CANCEL, no body", r)
	}
	if err := <-wrote; err != ErrStreamClosed {
		t.Fatalf("the handler's Write: %v, want ErrStreamClosed", err)
	}
	if st := ts.Stats(); st.Stalled != 1 {
		t.Fatalf("Stalled %d, want 1", st.Stalled)
	}
	if !testnet.WaitFor(testnet.Patience, func() bool { _, idle := ts.conn(t).IdleSince(); return idle }) {
		t.Fatal("the connection is not idle after its stalled stream was reset")
	}
	c.write(AppendSettings(nil, Setting{SettingInitialWindowSize, 65535}))
	if r := c.get(3, "/"); r.status != 200 || string(r.body) != "Hello, World!" {
		t.Fatalf("next request: %+v", r)
	}
}

// A trickler is Behind once its wait outruns its bytes, and CutBehind ends
// it with ENHANCE_YOUR_CALM; a connection whose streams are all in their
// handler is not Behind, and not cut.
func TestBehindAndCutBehind(t *testing.T) {
	t.Parallel()
	release := make(chan struct{})
	defer close(release)
	started := make(chan uint32, 1)
	ts := serve(t, HandlerFunc(func(s *Stream) {
		if s.Path() == "/block" {
			started <- s.ID()
			<-release
		}
		echo(s)
	}), Limits{MinRate: 1000, MinRateGrace: 3 * testnet.Patience})
	busy := dial(t, ts.addr)
	busy.request(1, true, "GET", "/block")
	<-started
	tr := dial(t, ts.addr)
	tr.request(1, false, "POST", "/echo")
	var conns []*Conn
	if !testnet.WaitFor(testnet.Patience, func() bool {
		ts.mu.Lock()
		defer ts.mu.Unlock()
		conns = append(conns[:0], ts.conns...)
		return len(conns) == 2
	}) {
		t.Fatal("two connections not served")
	}
	var trc, busyc *Conn
	if !testnet.WaitFor(testnet.Patience, func() bool {
		for _, sc := range conns {
			if at, ok := sc.Behind(); ok && time.Since(at) > 50*time.Millisecond {
				trc = sc
			} else if sc.Stats().Handlers == 1 && sc.Stats().OpenStreams == 1 {
				if _, ok := sc.Behind(); !ok {
					busyc = sc
				}
			}
		}
		return trc != nil && busyc != nil
	}) {
		t.Fatal("the trickler never Behind, or the busy connection Behind")
	}
	if busyc.CutBehind(0) {
		t.Fatal("CutBehind cut a connection whose stream is in its handler")
	}
	if trc.CutBehind(3 * testnet.Patience) {
		t.Fatal("CutBehind cut a connection less far behind than asked")
	}
	if !trc.CutBehind(50 * time.Millisecond) {
		t.Fatal("CutBehind did not cut the trickler")
	}
	if code := tr.goAway(); code != ErrCodeEnhanceYourCalm {
		t.Fatalf("trickler: GOAWAY %v, want ENHANCE_YOUR_CALM", code)
	}
}

// A body well above the rate, in one DATA frame that takes several graces
// to arrive in pieces, is received whole: the bytes of a frame still
// arriving count.
func TestMinRateCountsFramesInPieces(t *testing.T) {
	t.Parallel()
	ts := serve(t, echo, rateLimits)
	c := dial(t, ts.addr)
	body := bytes.Repeat([]byte("abcdefgh"), DefaultMaxFrameSize/8)
	frame := AppendData(AppendHeaderBlock(nil, 1, false, c.block("POST", "/echo"), DefaultMaxFrameSize), 1, true, body)
	// 1,000 bytes every 20 ms: 50 times rateLimits' rate.
	c.write(frame[:1000])
	rest := frame[1000:]
	trickle(t, c, func(int) []byte {
		n := min(1000, len(rest))
		piece := rest[:n]
		rest = rest[n:]
		return piece
	})
	r := c.response(1)
	if r.status != 200 || !bytes.Equal(r.body, body) {
		t.Fatalf("status %d, %d bytes of %d echoed, reset %v", r.status, len(r.body), len(body), r.reset)
	}
	if st := ts.Stats(); st.TooSlow != 0 {
		t.Fatalf("TooSlow %d", st.TooSlow)
	}
}
