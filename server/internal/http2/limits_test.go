package http2

import (
	"bytes"
	"context"
	"io"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/miniweb/miniweb/server/internal/testnet"
)

// Each hostile client's cheapest move, and the outcome: the connection
// ends with GOAWAY ENHANCE_YOUR_CALM (or the stream is refused), at a
// bounded cost, and another connection is served all along.

// blocking is a handler that, on /block, waits until its stream's context
// is done (a reset, the connection's end), telling started when it runs;
// it answers hello on other paths.
func blocking(started chan<- uint32) Handler {
	return HandlerFunc(func(s *Stream) {
		if s.Path() != "/block" {
			hello(s)
			return
		}
		if started != nil {
			started <- s.ID()
		}
		<-s.Context().Done()
	})
}

func TestFloodsEndWithEnhanceYourCalm(t *testing.T) {
	t.Parallel()
	const max = 50
	for _, tc := range []struct {
		name  string
		frame func(c *client, i int) []byte // the i-th frame of the flood
	}{
		{"PING", func(c *client, i int) []byte { return AppendPing(nil, false, [8]byte{byte(i)}) }},
		{"SETTINGS", func(c *client, i int) []byte { return AppendSettings(nil, Setting{SettingHeaderTableSize, 4096}) }},
		{"WINDOW_UPDATE", func(c *client, i int) []byte { return AppendWindowUpdate(nil, 0, 1) }},
		{"PRIORITY", func(c *client, i int) []byte { return AppendFrame(nil, FramePriority, 0, 101, []byte{0, 0, 0, 0, 1}) }},
		{"empty DATA", func(c *client, i int) []byte { return AppendData(nil, 1, false, nil) }},
		{"unknown type", func(c *client, i int) []byte { return AppendFrame(nil, 0x42, 0, 0, nil) }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			ts := serve(t, blocking(nil), Limits{MaxIdleFrames: max})
			c := dial(t, ts.addr)
			c.request(1, false, "POST", "/block")
			var b []byte
			for i := 0; i <= max; i++ {
				b = append(b, tc.frame(c, i)...)
			}
			c.write(b)
			if code := c.goAway(); code != ErrCodeEnhanceYourCalm {
				t.Fatalf("GOAWAY %v, want ENHANCE_YOUR_CALM", code)
			}
			if r := dial(t, ts.addr).get(1, "/"); r.status != 200 {
				t.Fatalf("another connection: %+v", r)
			}
			if got := ts.Stats().EnhanceYourCalm; got < 1 {
				t.Fatalf("EnhanceYourCalm counted %d", got)
			}
		})
	}
}

// The same frames, each below the bound between two requests, are served.
func TestFramesBetweenRequestsAllowed(t *testing.T) {
	t.Parallel()
	ts := serve(t, hello, Limits{MaxIdleFrames: 10})
	c := dial(t, ts.addr)
	for i := uint32(1); i < 20; i += 2 {
		var b []byte
		for j := 0; j < 8; j++ {
			b = AppendPing(b, false, [8]byte{byte(j)})
		}
		c.write(b)
		if r := c.get(i, "/"); r.status != 200 {
			t.Fatalf("request %d: %+v", i, r)
		}
	}
}

// Rapid reset (CVE-2023-44487): HEADERS then RST_STREAM, over and over,
// while the handlers are still running.
func TestRapidReset(t *testing.T) {
	t.Parallel()
	const max = 20
	started := make(chan uint32, 1000)
	ts := serve(t, blocking(started), Limits{MaxResets: max})
	c := dial(t, ts.addr)
	block := c.block("GET", "/block")
	var b []byte
	for i := uint32(0); i <= 2*max; i++ {
		id := 1 + 2*i
		b = AppendHeaderBlock(b, id, true, block, DefaultMaxFrameSize)
		b = AppendRSTStream(b, id, ErrCodeCancel)
	}
	c.write(b)
	if code := c.goAway(); code != ErrCodeEnhanceYourCalm {
		t.Fatalf("GOAWAY %v, want ENHANCE_YOUR_CALM", code)
	}
	if r := dial(t, ts.addr).get(1, "/"); r.status != 200 {
		t.Fatalf("another connection: %+v", r)
	}
}

// Streams past SETTINGS_MAX_CONCURRENT_STREAMS are refused; a reset
// stream's handler holds its place until it returns.
func TestConcurrencyLimit(t *testing.T) {
	t.Parallel()
	started := make(chan uint32, 10)
	release := make(chan struct{})
	ts := serve(t, HandlerFunc(func(s *Stream) {
		started <- s.ID()
		<-release
		s.WriteHeader(200, nil, 0)
	}), Limits{MaxConcurrentStreams: 2})
	c := dial(t, ts.addr)
	c.request(1, true, "GET", "/")
	c.request(3, true, "GET", "/")
	<-started
	<-started
	c.write(AppendRSTStream(nil, 3, ErrCodeCancel)) // its handler runs on
	c.request(5, true, "GET", "/")
	if r := c.response(5); !r.wasReset || r.reset != ErrCodeRefusedStream {
		t.Fatalf("third stream: %+v, want REFUSED_STREAM", r)
	}
	close(release)
	if r := c.response(1); r.status != 200 {
		t.Fatalf("first stream: %+v", r)
	}
	if got := ts.Stats().Refused; got != 1 {
		t.Fatalf("Refused %d, want 1", got)
	}
}

// A handler still running after its stream ended as it should (its
// response complete: the engine writes its access-log line then) does not
// get the client's next stream refused: that stream starts once a handler
// returns, and the handlers running stay at MaxConcurrentStreams. A client
// opening one stream at a time, each after the last one's end, was
// refused when the handlers lagged behind.
func TestConcurrencyLimitFinishingHandlers(t *testing.T) {
	t.Parallel()
	finished := make(chan uint32, 10)
	release := make(chan struct{}, 10)
	ts := serve(t, HandlerFunc(func(s *Stream) {
		hello(s)
		finished <- s.ID()
		<-release // after the response's end
	}), Limits{MaxConcurrentStreams: 2})
	c := dial(t, ts.addr)
	for _, id := range []uint32{1, 3} {
		c.request(id, true, "GET", "/")
		if r := c.response(id); r.status != 200 || string(r.body) != "Hello, World!" {
			t.Fatalf("stream %d: %+v", id, r)
		}
		<-finished
	}
	c.request(5, true, "GET", "/")
	if !testnet.WaitFor(testnet.Patience, func() bool { return ts.Stats().Deferred == 1 }) {
		t.Fatalf("the third stream was not deferred: %+v", ts.Stats())
	}
	release <- struct{}{}
	if r := c.response(5); r.status != 200 || string(r.body) != "Hello, World!" {
		t.Fatalf("third stream: %+v, want 200", r)
	}
	release <- struct{}{}
	release <- struct{}{}
	if st := ts.Stats(); st.Refused != 0 {
		t.Fatalf("%d streams refused; want none", st.Refused)
	}
}

// A header block of too many CONTINUATION frames ends the connection.
func TestContinuationFlood(t *testing.T) {
	t.Parallel()
	ts := serve(t, hello, Limits{MaxHeaderFrames: 8})
	c := dial(t, ts.addr)
	b := AppendFrame(nil, FrameHeaders, 0, 1, c.block("GET", "/"))
	for i := 0; i < 9; i++ {
		b = AppendFrame(b, FrameContinuation, 0, 1, []byte{0x40, 1, 'x', 1, 'y'}[:0])
	}
	c.write(b)
	if code := c.goAway(); code != ErrCodeEnhanceYourCalm {
		t.Fatalf("GOAWAY %v, want ENHANCE_YOUR_CALM", code)
	}
}

// A header list past SETTINGS_MAX_HEADER_LIST_SIZE is answered 431, and the
// connection goes on.
func TestHeaderListTooLarge(t *testing.T) {
	t.Parallel()
	ts := serve(t, hello, Limits{MaxHeaderListSize: 1024})
	c := dial(t, ts.addr)
	big := strings.Repeat("v", 300)
	c.request(1, true, "GET", "/", "a", big, "b", big, "c", big, "d", big)
	if r := c.response(1); r.status != 431 {
		t.Fatalf("got %+v, want 431", r)
	}
	if r := c.get(3, "/"); r.status != 200 {
		t.Fatalf("next: %+v", r)
	}
}

// A client that opens streams and never reads (window 0): the handlers
// wait in Write, nothing of their responses is buffered, another
// connection is served, and the memory goes when the client does.
func TestWindowZeroStallIsBounded(t *testing.T) {
	t.Parallel()
	const streams = 40
	body := bytes.Repeat([]byte("x"), 1<<20)
	started := make(chan uint32, streams+1)
	ts := serve(t, HandlerFunc(func(s *Stream) {
		started <- s.ID()
		s.WriteHeader(200, nil, int64(len(body)))
		s.Write(body)
	}), Limits{MaxConcurrentStreams: streams})
	c := dial(t, ts.addr, Setting{SettingInitialWindowSize, 0})
	for i := uint32(0); i < streams; i++ {
		c.request(1+2*i, true, "GET", "/big")
	}
	for i := 0; i < streams; i++ {
		<-started
	}
	// Every head comes (they take no window); no byte of a body can.
	heads := 0
	for heads < streams {
		f := c.frame()
		if f.Type == FrameData && len(f.Data) > 0 {
			t.Fatalf("DATA with a window of 0")
		}
		if f.Type == FrameHeaders {
			heads++
		}
	}
	sc := ts.conn(t)
	st := sc.Stats()
	if st.OpenStreams != streams || st.WriteBuffered > 0 || st.ReadBuffered > 0 {
		t.Fatalf("stalled connection: %+v", st)
	}
	// Another client, with the default window of 65,535 bytes, gets that
	// much of the same response at once.
	other := dial(t, ts.addr)
	other.request(1, true, "GET", "/other")
	for got := 0; got < 65535; {
		f := other.frame()
		if f.Type == FrameData {
			got += len(f.Data)
		}
	}
	// Opening one stream's window lets exactly that much through.
	c.write(AppendWindowUpdate(AppendWindowUpdate(nil, 0, 100), 1, 100))
	f := c.until("DATA", func(f Frame) bool { return f.Type == FrameData })
	if f.StreamID != 1 || len(f.Data) != 100 {
		t.Fatalf("got DATA of %d bytes on stream %d, want 100 on 1", len(f.Data), f.StreamID)
	}
	c.nc.Close()
	other.nc.Close()
	if !testnet.WaitFor(testnet.Patience, func() bool { return ts.Stats().StreamsOpen == 0 && ts.Stats().ConnsOpen == 0 }) {
		t.Fatalf("after the client left: %+v", ts.Stats())
	}
}

// Shutdown sends GOAWAY with the last stream; the stream in flight
// finishes, one opened after is not served, and the connection closes.
func TestShutdownLetsStreamsFinish(t *testing.T) {
	t.Parallel()
	started := make(chan uint32, 2)
	release := make(chan struct{})
	ts := serve(t, HandlerFunc(func(s *Stream) {
		started <- s.ID()
		<-release
		s.WriteHeader(200, nil, 4)
		s.Write([]byte("done"))
	}), Limits{})
	c := dial(t, ts.addr)
	c.request(1, true, "GET", "/")
	<-started
	sc := ts.conn(t)
	if _, idle := sc.IdleSince(); idle {
		t.Fatal("IdleSince: idle with a stream open")
	}
	shut := make(chan error, 1)
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), testnet.Patience)
		defer cancel()
		shut <- sc.Shutdown(ctx)
	}()
	g := c.until("GOAWAY", func(f Frame) bool { return f.Type == FrameGoAway })
	if g.ErrCode != ErrCodeNo || g.LastStream != 1 {
		t.Fatalf("GOAWAY %v last %d, want NO_ERROR last 1", g.ErrCode, g.LastStream)
	}
	c.request(3, true, "GET", "/") // after GOAWAY: not served
	close(release)
	if r := c.response(1); r.status != 200 || string(r.body) != "done" {
		t.Fatalf("in-flight stream: %+v", r)
	}
	if err := <-shut; err != nil {
		t.Fatalf("Shutdown: %v", err)
	}
	c.nc.SetReadDeadline(time.Now().Add(testnet.Patience))
	for {
		h, _, err := c.fr.ReadFrame()
		if err != nil {
			if !closedErr(err) {
				t.Fatalf("after shutdown: %v", err)
			}
			break
		}
		if h.StreamID == 3 {
			t.Fatalf("stream 3, opened after GOAWAY, got %s", h.Type)
		}
	}
	if len(started) != 0 {
		t.Fatalf("stream 3's handler ran")
	}
}

// A connection without streams for IdleTimeout ends with GOAWAY NO_ERROR;
// one that never sends its preface ends after HandshakeTimeout. (Each
// server has one short timeout: on a busy machine, a reader that runs late
// would meet the other one first.)
func TestIdleAndHandshakeTimeouts(t *testing.T) {
	t.Parallel()
	idle := serve(t, hello, Limits{IdleTimeout: 50 * time.Millisecond, HandshakeTimeout: testnet.Patience})
	c := dial(t, idle.addr)
	g := c.until("GOAWAY", func(f Frame) bool { return f.Type == FrameGoAway })
	if g.ErrCode != ErrCodeNo || g.LastStream != 0 {
		t.Fatalf("GOAWAY %v last %d, want NO_ERROR last 0", g.ErrCode, g.LastStream)
	}
	ts := serve(t, hello, Limits{HandshakeTimeout: 50 * time.Millisecond})
	silent, err := net.Dial("tcp", ts.addr)
	if err != nil {
		t.Fatal(err)
	}
	defer silent.Close()
	silent.SetDeadline(time.Now().Add(testnet.Patience))
	if _, err := io.Copy(io.Discard, silent); err != nil && !closedErr(err) {
		t.Fatalf("silent client: %v", err)
	}
}

// A client that reads nothing at all while it asks for PING answers loses
// the connection once the answers pile up past the bound; it never holds
// more than that.
func TestNotReadingClientLosesConnection(t *testing.T) {
	t.Parallel()
	ts := serve(t, hello, Limits{MaxWriteBuffer: 4096, MaxIdleFrames: 1 << 30})
	c := dial(t, ts.addr)
	ping := AppendPing(nil, false, [8]byte{})
	batch := bytes.Repeat(ping, 1000)
	for i := 0; ; i++ {
		if _, err := c.nc.Write(batch); err != nil {
			break // the server closed the connection
		}
		if i > 1<<16 {
			t.Fatal("the server took 1 GiB of PINGs from a client that reads nothing")
		}
	}
	if !testnet.WaitFor(testnet.Patience, func() bool { return ts.Stats().EnhanceYourCalm == 1 && ts.Stats().ConnsOpen == 0 }) {
		t.Fatalf("stats: %+v", ts.Stats())
	}
}

// A connection without streams gives its write buffers back.
func TestIdleConnectionHoldsNoWriteBuffer(t *testing.T) {
	t.Parallel()
	ts := serve(t, hello, Limits{})
	c := dial(t, ts.addr)
	for id := uint32(1); id < 10; id += 2 {
		if r := c.get(id, "/"); r.status != 200 {
			t.Fatalf("got %+v", r)
		}
	}
	sc := ts.conn(t)
	if !testnet.WaitFor(testnet.Patience, func() bool { return sc.Stats().WriteHeld == 0 }) {
		t.Fatalf("idle connection: %+v", sc.Stats())
	}
	if r := c.get(11, "/"); r.status != 200 || string(r.body) != "Hello, World!" {
		t.Fatalf("after idle: %+v", r)
	}
}

// A connection without streams gives its read buffer back while it waits
// for the next frame (it holds only a few bytes of its own), and takes one
// again when the client speaks.
func TestIdleConnectionHoldsNoReadBuffer(t *testing.T) {
	t.Parallel()
	ts := serve(t, hello, Limits{})
	c := dial(t, ts.addr)
	sc := ts.conn(t)
	for id := uint32(1); id < 4; id += 2 {
		if r := c.get(id, "/"); r.status != 200 {
			t.Fatalf("got %+v", r)
		}
		if !testnet.WaitFor(testnet.Patience, func() bool { return sc.Stats().ReadHeld == 0 }) {
			t.Fatalf("idle connection after stream %d: %+v", id, sc.Stats())
		}
	}
	if r := c.get(5, "/"); r.status != 200 || string(r.body) != "Hello, World!" {
		t.Fatalf("after idle: %+v", r)
	}
}

// The handler goroutines of a burst of streams are kept while streams come
// (the next burst starts none), and once none starts for a while, those
// beyond maxIdleWorkers go, though a long stream stays open: a connection
// holds few goroutines whatever its bursts were.
func TestIdleWorkersTrimmed(t *testing.T) {
	t.Parallel()
	const burst = 20
	started := make(chan uint32, burst+1)
	release, hold := make(chan struct{}), make(chan struct{})
	ts := serve(t, HandlerFunc(func(s *Stream) {
		switch s.Path() {
		case "/burst":
			started <- s.ID()
			<-release
		case "/hold":
			started <- s.ID()
			<-hold
		}
		hello(s)
	}), Limits{})
	c := dial(t, ts.addr)
	for i := uint32(0); i < burst; i++ {
		c.request(1+2*i, true, "GET", "/burst")
	}
	c.request(1+2*burst, true, "GET", "/hold")
	for range burst + 1 {
		<-started
	}
	close(release)
	for ended := 0; ended < burst; {
		f := c.frame()
		switch f.Type {
		case FrameHeaders:
			if _, err := c.dec.Write(f.Data); err != nil { // the HPACK state, in order
				t.Fatal(err)
			}
		case FrameRSTStream, FrameGoAway:
			t.Fatalf("%s %v", f.Type, f.ErrCode)
		}
		if f.Flags.Has(FlagEndStream) && (f.Type == FrameData || f.Type == FrameHeaders) {
			ended++
		}
	}
	sc := ts.conn(t)
	if !testnet.WaitFor(testnet.Patience, func() bool {
		st := sc.Stats()
		return st.OpenStreams == 1 && st.Handlers == 1 && st.IdleWorkers <= maxIdleWorkers
	}) {
		t.Fatalf("after a burst of %d streams, one held: %+v; want at most %d idle workers", burst, sc.Stats(), maxIdleWorkers)
	}
	close(hold)
	if r := c.response(1 + 2*burst); r.status != 200 {
		t.Fatalf("the held stream: %+v", r)
	}
	if r := c.get(3+2*burst, "/"); r.status != 200 {
		t.Fatalf("after the trim: %+v", r)
	}
}
