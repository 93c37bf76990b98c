package httpserver

import (
	"context"
	"log/slog"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/miniweb/miniweb/server/gateway"
)

// hardApp is the application of the hardening tests (issue 6): testApp's
// paths, plus paths that count smuggled requests, hold a request open, or
// misbehave in ways testApp does not.
type hardApp struct {
	*testApp
	all      atomic.Int64 // every call, testApp's paths included
	smuggled atomic.Int64 // calls of /smuggled.py: must stay 0 in every attack test

	inflight    atomic.Int64  // /hold.py calls running now
	maxInflight atomic.Int64  // the most that ever ran at once
	gate        chan struct{} // /hold.py returns when it receives from gate
	blocked     chan string   // /block.py reports how its context ended
}

func newHardApp() *hardApp {
	return &hardApp{testApp: newTestApp(), gate: make(chan struct{}), blocked: make(chan string, 64)}
}

// smuggledReq is the request an attack tries to slip past the parser; the
// application counts it if it ever runs.
const smuggledReq = "GET /smuggled.py HTTP/1.1\r\nHost: x\r\n\r\n"

// plainReq is a plain keep-alive request.
const plainReq = "GET /hello.py HTTP/1.1\r\nHost: x\r\n\r\n"

func (a *hardApp) ServeGateway(env *gateway.Environ, start gateway.StartResponse) gateway.Body {
	a.all.Add(1)
	switch env.Path {
	case "/smuggled.py":
		a.smuggled.Add(1)
		start("200 OK", plain)
		return gateway.Bytes([]byte("SMUGGLED"))
	case "/hold.py": // runs until the test sends on gate (bounded by patience)
		n := a.inflight.Add(1)
		for m := a.maxInflight.Load(); n > m && !a.maxInflight.CompareAndSwap(m, n); m = a.maxInflight.Load() {
		}
		select {
		case <-a.gate:
		case <-time.After(patience):
		}
		a.inflight.Add(-1)
		start("200 OK", plain)
		return gateway.Bytes([]byte("held"))
	case "/holdstream.py": // /hold.py, then a streamed answer
		a.inflight.Add(1)
		select {
		case <-a.gate:
		case <-time.After(patience):
		}
		a.inflight.Add(-1)
		return gateway.Stream(func(yield func([]byte, error) bool) {
			start("200 OK", plain)
			yield([]byte("streamed"), nil)
		})
	case "/block.py": // returns only when its context ends (bounded by patience)
		ctx := env.Context()
		select {
		case <-ctx.Done():
			a.blocked <- ctx.Err().Error()
		case <-time.After(patience):
			a.blocked <- "not cancelled"
		}
		start("200 OK", plain)
		return gateway.Bytes([]byte("unblocked"))
	case "/sleep.py": // sleeps the milliseconds of the query, then answers
		ms, _ := strconv.Atoi(env.Query)
		time.Sleep(time.Duration(ms) * time.Millisecond)
		start("200 OK", plain)
		return gateway.Bytes([]byte("slept"))
	case "/big.py": // streams the MiB of the query in 64 KiB chunks
		mib, _ := strconv.Atoi(env.Query)
		start("200 OK", plain)
		chunk := make([]byte, 64<<10)
		return gateway.Stream(func(yield func([]byte, error) bool) {
			for range mib * 16 {
				if !yield(chunk, nil) {
					return
				}
			}
		})
	// CVE-2018-1000164: CR or LF smuggled into the response head by the
	// application, in every place start_response takes a string.
	case "/crlf-name.py":
		start("200 OK", []gateway.Field{{Name: "X-A\r\nSet-Cookie", Value: "pwned=1"}})
		return gateway.Bytes([]byte("bad"))
	case "/crlf-status.py":
		start("200 OK\r\nSet-Cookie: pwned=1", plain)
		return gateway.Bytes([]byte("bad"))
	case "/lf-value.py":
		start("200 OK", []gateway.Field{{Name: "X-Evil", Value: "a\nSet-Cookie: pwned=1"}})
		return gateway.Bytes([]byte("bad"))
	case "/cr-value.py":
		start("200 OK", []gateway.Field{{Name: "X-Evil", Value: "a\rSet-Cookie: pwned=1"}})
		return gateway.Bytes([]byte("bad"))
	case "/crlf-stream.py": // the bad header in a streamed response
		return gateway.Stream(func(yield func([]byte, error) bool) {
			start("200 OK", []gateway.Field{{Name: "X-Evil", Value: "a\r\nSet-Cookie: pwned=1"}})
			yield([]byte("bad"), nil)
		})
	}
	return a.testApp.ServeGateway(env, start)
}

// quietLog is a logger that counts its records by message and keeps none,
// for tests that make thousands of log lines.
type quietLog struct {
	counts *countMap
	attrs  []slog.Attr
}

type countMap struct {
	n [8]atomic.Int64
}

// The messages quietLog counts, by index in countMap.
var quietMessages = []string{"application panicked", "application failed", "response body shorter than its Content-Length", "static file failed"}

func newQuietLog() (*slog.Logger, *countMap) {
	c := &countMap{}
	return slog.New(&quietLog{counts: c}), c
}

func (c *countMap) of(msg string) int64 { return c.n[slices.Index(quietMessages, msg)].Load() }

func (q *quietLog) Enabled(context.Context, slog.Level) bool { return true }
func (q *quietLog) Handle(_ context.Context, r slog.Record) error {
	if i := slices.Index(quietMessages, r.Message); i >= 0 {
		q.counts.n[i].Add(1)
	}
	return nil
}
func (q *quietLog) WithAttrs([]slog.Attr) slog.Handler { return q }
func (q *quietLog) WithGroup(string) slog.Handler      { return q }

// accessLines returns the number of lines in the access log.
func (ts *testServer) accessLines() int {
	return strings.Count(ts.access.String(), "\n")
}

// openConns returns how many connections the server is tracking.
func (ts *testServer) openConns() int {
	ts.mu.Lock()
	defer ts.mu.Unlock()
	return len(ts.conns)
}

// openFDs counts the file descriptors of this process.
func openFDs(t *testing.T) int {
	t.Helper()
	ents, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		t.Skipf("cannot count file descriptors: %v", err)
	}
	return len(ents)
}

// cpuTime returns the user plus system CPU time this process has used.
func cpuTime(t *testing.T) time.Duration {
	t.Helper()
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		t.Skipf("getrusage: %v", err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// vmRSS returns the resident set size of this process in bytes, 0 if
// /proc cannot tell.
func vmRSS() int64 {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	for line := range strings.Lines(string(b)) {
		if rest, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			kb, _ := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), 10, 64)
			return kb << 10
		}
	}
	return 0
}
