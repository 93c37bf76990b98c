package httpserver

import (
	"fmt"
	"io"
	"net"
	"os"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/miniweb/miniweb/server/internal/testnet"
)

// TestSoak (issue 6) runs mixed keep-alive traffic for a while and checks
// the memory stays flat. It is long, so it runs only with MINIWEB_SOAK=1:
//
//	MINIWEB_SOAK=1 go test -run '^TestSoak$' -v ./server/httpserver/
//
// MINIWEB_SOAK_SECONDS sets the length (default 60). The traffic, from 16
// clients in rounds (soakRound): GET /hello.py, a 64 KiB static file, a
// POST to /echo.py and a streamed response on keep-alive connections
// redialed every 2s, a panicking handler, and malformed requests (each
// costs its connection). It reports the RSS and
// HeapInuse at the start, every 10s and at the end; the heap in use after
// a GC must not grow by more than 16 MiB, nor the RSS by more than 64 MiB.
func TestSoak(t *testing.T) {
	if os.Getenv("MINIWEB_SOAK") != "1" {
		t.Skip("set MINIWEB_SOAK=1 to run the soak (60s)")
	}
	secs := 60
	if s := os.Getenv("MINIWEB_SOAK_SECONDS"); s != "" {
		secs, _ = strconv.Atoi(s)
	}
	logger, counts := newQuietLog()
	access := &lineCounter{}
	app := newHardApp()
	big := strings.Repeat("0123456789abcdef", 4<<10)
	ts := startServer(t, app, map[string]string{"big.txt": big}, func(s *Server) {
		s.Log = logger
		s.AccessLog = access
	})

	good := []stopLoadRequest{
		{Req: "GET /hello.py HTTP/1.1\r\nHost: x\r\n\r\n", Method: "GET", Body: "Hello, World!"},
		{Req: "GET /big.txt HTTP/1.1\r\nHost: x\r\n\r\n", Method: "GET", Body: big},
		{Req: "POST /echo.py?soak HTTP/1.1\r\nHost: x\r\nContent-Length: 9\r\n\r\nsoak body", Method: "POST", Body: "POST /echo.py soak soak body"},
		{Req: "GET /stream.py HTTP/1.1\r\nHost: x\r\n\r\n", Method: "GET", Body: "chunk0\nchunk1\nchunk2\n"},
	}
	bad := []string{
		"GET /hello.py HTTP/1.1\r\nHost: x\r\nContent-Length: 1\r\nTransfer-Encoding: chunked\r\n\r\n",
		"GET /hello.py HTTP/1.1\nHost: x\n\n",
		"GET /" + strings.Repeat("a", 9000) + " HTTP/1.1\r\nHost: x\r\n\r\n",
	}

	sample := func(what string) (rss int64, heap uint64) {
		heap = heapInUse()
		rss = vmRSS()
		t.Logf("%-6s RSS %6.1f MiB  HeapInuse %5.1f MiB  goroutines %d  requests %d  panics %d",
			what, mib(rss), mib(heap), runtime.NumGoroutine(), access.n.Load(), counts.of("application panicked"))
		return rss, heap
	}
	// A short warm-up so that pools and buffers reach their working size.
	soakRun(t, ts, good, bad, time.Now().Add(2*time.Second))
	rss0, heap0 := sample("start")
	stop := time.Now().Add(time.Duration(secs) * time.Second)
	done := make(chan struct{})
	go func() { soakRun(t, ts, good, bad, stop); close(done) }()
	for tick := time.NewTicker(10 * time.Second); ; {
		select {
		case <-tick.C:
			sample(fmt.Sprintf("%3.0fs", float64(secs)-time.Until(stop).Seconds()))
			continue
		case <-done:
			tick.Stop()
		}
		break
	}
	waitFor(5*time.Second, func() bool { return ts.openConns() == 0 })
	rss1, heap1 := sample("end")
	t.Logf("over %ds: RSS %+.1f MiB, HeapInuse %+.1f MiB", secs, mib(rss1-rss0), mib(int64(heap1)-int64(heap0)))
	if heap1 > heap0+16<<20 {
		t.Errorf("HeapInuse grew from %.1f to %.1f MiB", mib(heap0), mib(heap1))
	}
	if rss1 > rss0+64<<20 {
		t.Errorf("RSS grew from %.1f to %.1f MiB", mib(rss0), mib(rss1))
	}
}

// soakRun runs 16 clients until stop, each in rounds of soakRound.
func soakRun(t *testing.T, ts *testServer, good []stopLoadRequest, bad []string, stop time.Time) {
	var wg sync.WaitGroup
	for k := range 16 {
		wg.Go(func() {
			for i := 0; time.Now().Before(stop); i++ {
				if err := soakRound(ts.addr, good, bad, k+16*i, stop); err != nil {
					t.Error(err)
					return
				}
			}
		})
	}
	wg.Wait()
}

// soakRound is one round of a soak client: 10 panics on one keep-alive
// connection, the good requests in turn on another for up to 2s, then a
// malformed request that the server answers with a 4xx and closes on.
func soakRound(addr string, good []stopLoadRequest, bad []string, seed int, stop time.Time) error {
	if err := repeat(addr, "GET /panic.py HTTP/1.1\r\nHost: x\r\n\r\n", 10, 500); err != nil {
		return fmt.Errorf("soak: %w", err)
	}
	c, err := net.DialTimeout("tcp", addr, 5*time.Second)
	if err != nil {
		return err
	}
	defer c.Close()
	var n stopLoadCounts
	if until := time.Now().Add(2 * time.Second); until.Before(stop) {
		stop = until
	}
	testnet.StopLoadConn(c, good, seed, stop, &n)
	if n.Failed.Load() > 0 {
		return fmt.Errorf("soak: %v; the first: %v", &n, *n.FirstErr.Load())
	}
	b, err := net.DialTimeout("tcp", addr, 5*time.Second)
	if err != nil {
		return err
	}
	defer b.Close()
	b.SetDeadline(time.Now().Add(10 * time.Second))
	if _, err := io.WriteString(b, bad[seed%len(bad)]); err != nil {
		return err
	}
	head, err := io.ReadAll(b)
	if err != nil || len(head) < 10 || !strings.HasPrefix(string(head), "HTTP/1.") || head[9] != '4' {
		return fmt.Errorf("soak: a malformed request was answered %.40q, %v", head, err)
	}
	return nil
}
