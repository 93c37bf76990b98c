package httpserver

import (
	"bufio"
	"io"
	"net"
	"os"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/miniweb/miniweb/server/internal/testnet"
)

// Connection floods (issue 6): past MaxConns new connections wait in the
// kernel's backlog (unless idle ones can be closed for them: see
// capacity_test.go), so goroutines and memory stay bounded; connections
// reset by their clients leave nothing behind. The clients all dial from
// 127.0.0.1, so MaxConnsPerAddr is off (-1).

// TestConnectionCap opens 200 connections, each with a request that holds
// until released, to a server capped at 50: 50 are served at once and the
// rest wait, connected in the backlog; as requests end, the waiting ones
// are served, until all 200 are. The server never runs more than 50
// connections, nor more goroutines than those.
func TestConnectionCap(t *testing.T) {
	const maxConns, clients = 50, 200
	app := newHardApp()
	ts := startServer(t, app, nil, func(s *Server) { s.MaxConns, s.MaxConnsPerAddr = maxConns, -1 })
	base := runtime.NumGoroutine()

	// The sampler: the most connections the server tracked and the most
	// goroutines the process had, over the whole test.
	var maxOpen, maxG atomic.Int64
	stop := make(chan struct{})
	var sampler sync.WaitGroup
	sampler.Go(func() {
		for {
			maxOpen.Store(max(maxOpen.Load(), int64(ts.openConns())))
			maxG.Store(max(maxG.Load(), int64(runtime.NumGoroutine())))
			select {
			case <-stop:
				return
			case <-time.After(time.Millisecond):
			}
		}
	})
	defer func() { close(stop); sampler.Wait() }()

	conns := make([]*rawConn, clients)
	for i := range conns {
		conns[i] = ts.dial(t) // the kernel completes the handshake: the backlog holds it
		conns[i].send("GET /hold.py?" + strconv.Itoa(i) + " HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
	}
	if !waitFor(patience, func() bool { return app.inflight.Load() == maxConns }) {
		t.Fatalf("%d requests held; want %d", app.inflight.Load(), maxConns)
	}
	// The acceptor has taken a 51st connection from the backlog and waits
	// for a slot: were the cap broken, it would be served instead.
	if !waitFor(patience, func() bool { return ts.cap.waiters.Load() == 1 }) {
		t.Fatalf("the acceptor does not wait for a slot (%d waiters)", ts.cap.waiters.Load())
	}
	if n := app.inflight.Load(); n != maxConns {
		t.Fatalf("%d requests running at the cap; want %d", n, maxConns)
	}
	held := runtime.NumGoroutine() - base
	t.Logf("at the cap: %d requests running, %d connections tracked, %d goroutines over the baseline (1 is the sampler)",
		app.inflight.Load(), ts.openConns(), held)

	// Release every request, one at a time; each client reads its answer.
	go func() {
		for range clients {
			select {
			case app.gate <- struct{}{}:
			case <-time.After(patience):
				return
			}
		}
	}()
	for i, c := range conns {
		r := c.response("GET")
		if r.StatusCode != 200 || bodyOf(t, r) != "held" {
			t.Fatalf("client %d: status %d", i, r.StatusCode)
		}
	}
	if n := app.maxInflight.Load(); n != maxConns {
		t.Errorf("at most %d requests ran at once; want %d", n, maxConns)
	}
	if n := maxOpen.Load(); n > maxConns {
		t.Errorf("the server tracked %d connections at once; the cap is %d", n, maxConns)
	}
	// Per served connection: its goroutine. Over the baseline also: the
	// sampler, the releaser, and a few for the runtime's timers and the
	// race detector.
	if extra := maxG.Load() - int64(base); extra > maxConns+10 {
		t.Errorf("%d goroutines over the baseline at the most; want at most %d (one per served connection)", extra, maxConns+10)
	}
	t.Logf("all %d served; at most %d connections tracked and %d goroutines over the baseline",
		clients, maxOpen.Load(), maxG.Load()-int64(base))
}

// TestConnectResetFlood (CVE-2024-49769, waitress): thousands of clients
// connect and reset (SO_LINGER 0, then close), some after part of a
// request, some after a whole one: no file descriptor outlives them, no
// socket is left in CLOSE_WAIT, and the idle server spins no goroutine
// after (none of its goroutines is running in every sample of their
// states). The CPU it uses over an idle second is logged, and held to
// 200ms with MINIWEB_FIGURES=1 on a quiet machine.
func TestConnectResetFlood(t *testing.T) {
	const clients, workers = 1500, 16
	raiseNoFile(t, 4096)
	for _, capped := range []int{0, 50} {
		t.Run("max_conns_"+strconv.Itoa(capped), func(t *testing.T) {
			app := newHardApp()
			ts := startServer(t, app, nil, func(s *Server) { s.MaxConns, s.MaxConnsPerAddr = capped, -1 })
			latencies(t, ts.addr, "/hello.py", 10) // warm up: the first connection's fds and goroutines
			fdsBefore := openFDs(t)

			kinds := []string{
				"",                             // connect, reset
				"GET /hello.py HTTP/1.1\r\nHo", // part of a head, reset
				"GET /sleep.py?20 HTTP/1.1\r\nHost: x\r\n\r\n",                        // a request, reset while it runs
				"POST /echo.py HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\nabc", // part of a body, reset
			}
			var next atomic.Int64
			var dialErrs atomic.Int64
			var wg sync.WaitGroup
			begin := time.Now()
			for range workers {
				wg.Go(func() {
					for {
						i := next.Add(1) - 1
						if i >= clients {
							return
						}
						c, err := net.DialTimeout("tcp", ts.addr, patience)
						if err != nil {
							dialErrs.Add(1)
							continue
						}
						if k := kinds[i%int64(len(kinds))]; k != "" {
							io.WriteString(c, k)
						}
						c.(*net.TCPConn).SetLinger(0)
						c.Close()
					}
				})
			}
			wg.Wait()
			flood := time.Since(begin)
			if n := dialErrs.Load(); n > 0 {
				t.Errorf("%d of %d dials failed", n, clients)
			}
			if !waitFor(patience, func() bool { return ts.openConns() == 0 }) {
				t.Fatalf("%d connections still tracked after the flood", ts.openConns())
			}
			if !waitFor(patience, func() bool { return openFDs(t) <= fdsBefore }) {
				t.Errorf("%d file descriptors after the flood, %d before", openFDs(t), fdsBefore)
			}
			if n := closeWait(t, ts.addr); n > 0 {
				t.Errorf("%d server sockets in CLOSE_WAIT after the flood", n)
			}
			// The server still serves.
			if d := latencies(t, ts.addr, "/hello.py", 10); len(d) != 10 {
				t.Fatal("not serving after the flood")
			}
			// No busy loop: no goroutine of the server runs all the time.
			if spinning := spinningGoroutines(20, 20*time.Millisecond); len(spinning) > 0 {
				t.Errorf("%d goroutine(s) of the server running in every sample after the flood:\n\n%s", len(spinning), strings.Join(spinning, "\n\n"))
			}
			t.Logf("%d connect-then-reset clients in %v; file descriptors %d before, %d after; app calls %d",
				clients, flood.Round(time.Millisecond), fdsBefore, openFDs(t), app.all.Load())
			if !testnet.Figures() {
				return
			}
			// An idle second costs next to no CPU.
			time.Sleep(200 * time.Millisecond) // the last access-log flush, the GC
			cpu0 := cpuTime(t)
			time.Sleep(time.Second)
			idleCPU := cpuTime(t) - cpu0
			t.Logf("CPU over an idle second after the flood: %v", idleCPU.Round(time.Millisecond))
			if idleCPU > 200*time.Millisecond {
				t.Errorf("the idle server used %v of CPU in a second after the flood", idleCPU)
			}
		})
	}
}

// spinningGoroutines samples the states of the goroutines of this
// package n times, every interval, and returns the stacks of those that
// were running or runnable in every sample: a busy loop. A goroutine that
// waits (for I/O, a channel, a timer) is never one; one woken for a moment
// is not in every sample, however busy the machine.
func spinningGoroutines(n int, interval time.Duration) []string {
	busy := map[string]int{} // goroutine header -> samples running
	var last map[string]string
	for i := range n {
		if i > 0 {
			time.Sleep(interval)
		}
		last = map[string]string{}
		for _, g := range testnet.Goroutines("github.com/miniweb/miniweb/server/httpserver.") {
			head, _, _ := strings.Cut(g, "\n")
			id, state, _ := strings.Cut(head, " [")
			if strings.HasPrefix(state, "running") || strings.HasPrefix(state, "runnable") || strings.HasPrefix(state, "syscall") {
				busy[id]++
				last[id] = g
			}
		}
	}
	var out []string
	for id, k := range busy {
		if k == n {
			out = append(out, last[id])
		}
	}
	return out
}

// closeWait counts this process's TCP sockets in CLOSE_WAIT on addr's
// port, from /proc/net/tcp: a socket the client closed and the server
// never did.
func closeWait(t *testing.T, addr string) int {
	t.Helper()
	_, port, _ := net.SplitHostPort(addr)
	p, _ := strconv.Atoi(port)
	f, err := os.Open("/proc/net/tcp")
	if err != nil {
		t.Logf("cannot read /proc/net/tcp: %v", err)
		return 0
	}
	defer f.Close()
	want := ":" + strings.ToUpper(strconv.FormatInt(int64(p), 16))
	n := 0
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		fields := strings.Fields(sc.Text())
		// sl local_address rem_address st ...; CLOSE_WAIT is state 08.
		if len(fields) > 3 && strings.HasSuffix(fields[1], want) && fields[3] == "08" {
			n++
		}
	}
	return n
}
