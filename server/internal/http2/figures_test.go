package http2

import (
	"bytes"
	"runtime"
	"testing"

	"github.com/miniweb/miniweb/server/internal/testnet"
)

// The stalled-streams attack of issue 25, on this package alone: 60
// connections with SETTINGS_INITIAL_WINDOW_SIZE=0, 128 streams each asking
// for a 10 MiB body that the handler writes (the body itself is one shared
// slice: what is measured is what the server adds, and the test clients'
// 128 KiB read buffers, 7.5 MiB in all). Memory before, during and after,
// heap and goroutine stacks. Opt-in: MINIWEB_FIGURES=1.
//
//	MINIWEB_FIGURES=1 go test -run StalledStreamsMemory -v ./server/internal/http2
func TestStalledStreamsMemory(t *testing.T) {
	if !testnet.Figures() {
		t.Skip("a figure: MINIWEB_FIGURES=1 prints it")
	}
	const conns, streams = 60, 128
	body := bytes.Repeat([]byte("x"), 10<<20)
	started := make(chan struct{}, conns*streams)
	ts := serve(t, HandlerFunc(func(s *Stream) {
		started <- struct{}{}
		s.WriteHeader(200, nil, int64(len(body)))
		s.Write(body)
	}), Limits{})
	mem := func() (heap, stack uint64) {
		runtime.GC()
		runtime.GC() // sync.Pool's victims too
		var m runtime.MemStats
		runtime.ReadMemStats(&m)
		return m.HeapInuse, m.StackInuse
	}
	h0, s0 := mem()
	var clients []*client
	for i := 0; i < conns; i++ {
		c := dial(t, ts.addr, Setting{SettingInitialWindowSize, 0})
		for j := uint32(0); j < streams; j++ {
			c.request(1+2*j, true, "GET", "/big")
		}
		clients = append(clients, c)
	}
	for i := 0; i < conns*streams; i++ {
		<-started
	}
	for _, c := range clients { // every head written: the handlers wait in Write
		for heads := 0; heads < streams; {
			if c.frame().Type == FrameHeaders {
				heads++
			}
		}
	}
	h1, s1 := mem()
	for _, c := range clients {
		c.nc.Close()
	}
	clients = nil // the clients' own buffers (128 KiB each) counted in "during", not after
	if !testnet.WaitFor(testnet.Patience, func() bool { return ts.Stats().ConnsOpen == 0 }) {
		t.Fatalf("connections left: %+v", ts.Stats())
	}
	ts.mu.Lock()
	ts.conns = nil // the harness's references to the ended connections
	ts.mu.Unlock()
	h2, s2 := mem()
	n := float64(conns * streams)
	t.Logf("%d stalled streams on %d connections: heap %.1f -> %.1f -> %.1f MiB, stacks %.1f -> %.1f -> %.1f MiB; %.0f B heap + %.0f B stack a stalled stream",
		conns*streams, conns, mib(h0), mib(h1), mib(h2), mib(s0), mib(s1), mib(s2),
		(float64(h1)-float64(h0))/n, (float64(s1)-float64(s0))/n)
}

func mib(b uint64) float64 { return float64(b) / (1 << 20) }
