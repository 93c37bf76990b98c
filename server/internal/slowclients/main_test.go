package main

import (
	"io"
	"net"
	"strings"
	"testing"
	"time"
)

// fakeServer accepts connections on 127.0.0.1:0 and, wait after the first
// byte of each (or after accepting it, if none comes meanwhile), sends
// answer (if any), half-closes, reads what the client still sends until it
// closes, and closes. It returns the address and what each connection had
// received when it answered.
func fakeServer(t *testing.T, wait time.Duration, answer string) (addr string, got chan string) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	got = make(chan string, 100)
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go func() {
				defer c.Close()
				c.SetReadDeadline(time.Now().Add(wait))
				b := make([]byte, 1)
				if n, _ := c.Read(b); n == 1 {
					c.SetReadDeadline(time.Now().Add(wait))
					rest, _ := io.ReadAll(c)
					got <- string(b) + string(rest)
				} else {
					got <- ""
				}
				io.WriteString(c, answer)
				c.(*net.TCPConn).CloseWrite()
				c.SetReadDeadline(time.Now().Add(5 * time.Second))
				io.Copy(io.Discard, c)
			}()
		}
	}()
	return ln.Addr().String(), got
}

func TestRun(t *testing.T) {
	const n, wait = 20, 200 * time.Millisecond
	const interval = 20 * time.Millisecond
	tests := []struct {
		mode, path string
		answer     string // the fake server's, after wait
		status     int    // the outcome's
	}{
		{"head", "", "HTTP/1.1 408 Request Timeout\r\nContent-Length: 0\r\nConnection: close\r\n\r\n", 408},
		{"body", "/x.py", "HTTP/1.1 400 Bad Request\r\nContent-Length: 3\r\n\r\nbad", 400},
		{"silent", "", "", 0},
	}
	for _, tt := range tests {
		t.Run(tt.mode, func(t *testing.T) {
			addr, got := fakeServer(t, wait, tt.answer)
			p, ok := planFor(tt.mode, tt.path)
			if !ok {
				t.Fatalf("planFor(%q) unknown", tt.mode)
			}
			a := &attack{addr: addr, plan: p, interval: interval, limit: 5 * time.Second}
			var st started
			var pc paced
			out := a.run(n, func(s started) { st = s }, func(p paced) { pc = p })
			// The phases spread over one interval; the slack is for a busy
			// machine (CI runs packages side by side, under -race).
			if st.Started != n || st.Failed != 0 || st.Last.Sub(st.First) >= interval+500*time.Millisecond {
				t.Errorf("started %+v; want %d within about %v", st, n, interval)
			}
			if pc.Writes < n {
				t.Errorf("%d paced writes; want at least %d", pc.Writes, n)
			}
			for i, o := range out {
				if o.Conn != i || o.Err != "" || o.Status != tt.status || o.Lasted < wait || o.Lasted > wait+3*time.Second {
					t.Errorf("outcome %+v; want conn %d status %d after %v", o, i, tt.status, wait)
				}
			}
			// By the answer, the server has the first write (the head, or
			// the trickle's first byte) and at most about wait/interval
			// more bytes of the trickle: how many more depends on how busy
			// the machine is, which the pacing figures report.
			full := p.head + p.trickle
			lo, hi := max(len(p.head), 1), len(p.head)+2*int(wait/interval)
			if full == "" {
				lo, hi = 0, 0
			}
			for range n {
				if s := <-got; !strings.HasPrefix(full, s) || len(s) < lo || len(s) > hi {
					t.Errorf("the server received %q; want %d to %d bytes of %.60q...", s, lo, hi, full)
				}
			}
		})
	}
}

func TestPlanChunks(t *testing.T) {
	tests := []struct {
		mode  string
		first string // the first write
		n     int    // writes in all
	}{
		{"head", "G", len("GET /hello.py HTTP/1.1\r\nHost: x\r\nUser-Agent: \r\n\r\n") + 100},
		{"body", "POST /echo.py HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 1000\r\n\r\n", 1 + 1000},
		{"silent", "", 0},
	}
	for _, tt := range tests {
		p, ok := planFor(tt.mode, "")
		if !ok {
			t.Fatalf("planFor(%q) unknown", tt.mode)
		}
		c := p.chunks()
		if len(c) != tt.n || len(c) > 0 && c[0] != tt.first {
			t.Errorf("%s: %d writes, the first %q; want %d, %q", tt.mode, len(c), c, tt.n, tt.first)
		}
	}
	if _, ok := planFor("bogus", ""); ok {
		t.Error(`planFor("bogus") known`)
	}
}
