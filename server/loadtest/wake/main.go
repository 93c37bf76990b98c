// Command wake measures what it costs a keep-alive connection to have
// been idle: the time from a request's first byte sent to its answer's
// last byte read, on connections idle for -idle (long enough for a
// miniweb server to have parked them) against one connection that never
// waits (each request sent as soon as the last answer is read). It checks
// every answer: status 200 and the body of the first.
//
//	wake -addr 127.0.0.1:8080 -path /hello.py -conns 200 -rounds 5 -idle 2s
//
// prints
//
//	idle=2s samples=1000 p50_us=... p99_us=... hot_samples=1000 hot_p50_us=... hot_p99_us=...
//
// The idle connections are asked one at a time, so that no request waits
// behind another.
package main

import (
	"bufio"
	"bytes"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"slices"
	"time"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:8080", "server address")
	path := flag.String("path", "/hello.py", "request path")
	conns := flag.Int("conns", 200, "idle connections")
	rounds := flag.Int("rounds", 5, "rounds: each idle connection is asked once per round")
	idle := flag.Duration("idle", 2*time.Second, "how long every connection is idle before each round")
	flag.Parse()
	req := []byte("GET " + *path + " HTTP/1.1\r\nHost: " + *addr + "\r\n\r\n")

	// The reference body, and the connection that never waits.
	hot, err := dial(*addr)
	if err != nil {
		fatal(err)
	}
	want, err := hot.ask(req, nil)
	if err != nil {
		fatal(err)
	}
	for range 100 { // past any warm-up (a miniweb connection parks after its first answer)
		if _, err := hot.ask(req, want); err != nil {
			fatal(err)
		}
	}

	cs := make([]*client, *conns)
	for i := range cs {
		if cs[i], err = dial(*addr); err != nil {
			fatal(err)
		}
		if _, err := cs[i].ask(req, want); err != nil {
			fatal(err)
		}
	}
	var idleLat, hotLat []time.Duration
	for range *rounds {
		time.Sleep(*idle)
		for _, c := range cs {
			t0 := time.Now()
			if _, err := c.ask(req, want); err != nil {
				fatal(err)
			}
			idleLat = append(idleLat, time.Since(t0))
		}
		// The connection that never waits was idle too, meanwhile: the
		// first request after it is not counted.
		if _, err := hot.ask(req, want); err != nil {
			fatal(err)
		}
		for range *conns {
			t0 := time.Now()
			if _, err := hot.ask(req, want); err != nil {
				fatal(err)
			}
			hotLat = append(hotLat, time.Since(t0))
		}
	}
	fmt.Printf("idle=%v samples=%d p50_us=%.1f p99_us=%.1f hot_samples=%d hot_p50_us=%.1f hot_p99_us=%.1f\n",
		*idle, len(idleLat), pct(idleLat, 50), pct(idleLat, 99), len(hotLat), pct(hotLat, 50), pct(hotLat, 99))
}

// client is one keep-alive connection.
type client struct {
	c  net.Conn
	br *bufio.Reader
}

func dial(addr string) (*client, error) {
	c, err := net.DialTimeout("tcp", addr, 10*time.Second)
	if err != nil {
		return nil, err
	}
	return &client{c: c, br: bufio.NewReader(c)}, nil
}

// ask sends req and reads its answer, which must be a 200 whose body is
// want (any body when want is nil); it returns the body.
func (c *client) ask(req, want []byte) ([]byte, error) {
	c.c.SetDeadline(time.Now().Add(30 * time.Second))
	if _, err := c.c.Write(req); err != nil {
		return nil, err
	}
	resp, err := http.ReadResponse(c.br, nil)
	if err != nil {
		return nil, err
	}
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, err
	}
	if resp.StatusCode != 200 || resp.Close {
		return nil, fmt.Errorf("answer %d (close %v): want 200, kept open", resp.StatusCode, resp.Close)
	}
	if want != nil && !bytes.Equal(body, want) {
		return nil, fmt.Errorf("body of %d bytes differs from the first answer's %d", len(body), len(want))
	}
	return body, nil
}

// pct is the p-th percentile of d, in microseconds.
func pct(d []time.Duration, p int) float64 {
	s := slices.Clone(d)
	slices.Sort(s)
	return float64(s[(len(s)-1)*p/100]) / 1e3
}

func fatal(err error) {
	fmt.Fprintln(os.Stderr, "wake:", err)
	os.Exit(1)
}
