package main

import (
	"io"
	"net"
	"strings"
	"testing"
	"time"
)

// received is what a connection of fakeServer had received when it
// answered, and when it stopped reading.
type received struct {
	data string
	end  time.Time
}

// fakeServer accepts connections on 127.0.0.1:0 and, wait after the first
// byte of each (or after accepting it, if none comes meanwhile), sends
// answer (if any), half-closes, reads what the client still sends until it
// closes, and closes. It returns the address and what each connection had
// received when it answered.
func fakeServer(t *testing.T, wait time.Duration, answer string) (addr string, got chan received) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	got = make(chan received, 100)
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
					got <- received{string(b) + string(rest), time.Now()}
				} else {
					got <- received{"", time.Now()}
				}
				io.WriteString(c, answer)
				c.(*net.TCPConn).CloseWrite()
				c.SetReadDeadline(time.Now().Add(time.Minute))
				io.Copy(io.Discard, c)
			}()
		}
	}()
	return ln.Addr().String(), got
}

func TestRun(t *testing.T) {
	t.Parallel()
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
			t.Parallel()
			addr, got := fakeServer(t, wait, tt.answer)
			p, ok := planFor(tt.mode, tt.path)
			if !ok {
				t.Fatalf("planFor(%q) unknown", tt.mode)
			}
			// The limit is only a hang's: a connection the server has
			// not closed by then is an outcome with an error.
			a := &attack{addr: addr, plan: p, interval: interval, limit: time.Minute}
			var st started
			var pc paced
			begin := time.Now() // before the first write: no write k comes before begin+k*interval
			out := a.run(n, func(s started) { st = s }, func(p paced) { pc = p })
			// The phases spread over one interval, later on a busy machine
			// (CI runs packages side by side, under -race): logged.
			if st.Started != n || st.Failed != 0 {
				t.Errorf("started %+v; want %d", st, n)
			}
			t.Logf("%d connections started within %v (interval %v); paced writes late by p50/p99/max %v/%v/%v",
				st.Started, st.Last.Sub(st.First), interval, pc.LateP50, pc.LateP99, pc.LateMax)
			if pc.Writes < n {
				t.Errorf("%d paced writes; want at least %d", pc.Writes, n)
			}
			// Each is answered and closed by the server, not before it
			// waited wait after the first byte.
			for i, o := range out {
				if o.Conn != i || o.Err != "" || o.Status != tt.status || o.Lasted < wait {
					t.Errorf("outcome %+v; want conn %d status %d after %v or more", o, i, tt.status, wait)
				}
			}
			// By the answer, the server has the first write (the head, or
			// the trickle's first byte) and no more of the trickle than its
			// schedule allows by the time the server stopped reading: a
			// write k goes at begin+k*interval or later, however busy the
			// machine.
			full := p.head + p.trickle
			for range n {
				r := <-got
				lo, hi := max(len(p.head), 1), len(p.head)+1+int(r.end.Sub(begin)/interval)
				if full == "" {
					lo, hi = 0, 0
				}
				if s := r.data; !strings.HasPrefix(full, s) || len(s) < lo || len(s) > hi {
					t.Errorf("the server received %q; want %d to %d bytes of %.60q...", s, lo, hi, full)
				}
			}
		})
	}
}

func TestPlanChunks(t *testing.T) {
	t.Parallel()
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
