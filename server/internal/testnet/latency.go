package testnet

import (
	"bufio"
	"io"
	"net"
	"net/http"
	"os"
	"slices"
	"testing"
	"time"
)

// LatencyClient is a normal client: it sends keep-alive GETs of one path on
// one connection, one at a time, and times each from its first byte
// written to its last byte read.
type LatencyClient struct {
	t   *testing.T
	c   net.Conn
	br  *bufio.Reader
	req string
}

// DialLatency connects a LatencyClient to addr.
func DialLatency(t *testing.T, addr, path string) *LatencyClient {
	t.Helper()
	c, err := net.DialTimeout("tcp", addr, Patience)
	if err != nil {
		t.Fatalf("latency client: %v", err)
	}
	return &LatencyClient{t: t, c: c, br: bufio.NewReader(c), req: "GET " + path + " HTTP/1.1\r\nHost: x\r\n\r\n"}
}

// Latencies times n sequential keep-alive GETs of path on one connection
// and returns the sorted durations. A failed request fails the test.
func Latencies(t *testing.T, addr, path string, n int) []time.Duration {
	t.Helper()
	lc := DialLatency(t, addr, path)
	defer lc.Close()
	return lc.Measure(n, time.Time{}, nil)
}

// Close closes the client's connection.
func (lc *LatencyClient) Close() error { return lc.c.Close() }

// Measure times requests until it has n (n <= 0: no count limit), end passes
// (zero: no end), or stop is closed (nil: never), whichever comes first,
// and returns the sorted durations. A failed request fails the test.
func (lc *LatencyClient) Measure(n int, end time.Time, stop <-chan struct{}) []time.Duration {
	t := lc.t
	t.Helper()
	d := make([]time.Duration, 0, max(n, 1024))
	for i := 0; n <= 0 || i < n; i++ {
		if !end.IsZero() && time.Now().After(end) || IsClosed(stop) {
			break
		}
		lc.c.SetDeadline(time.Now().Add(Patience))
		start := time.Now()
		if _, err := io.WriteString(lc.c, lc.req); err != nil {
			t.Fatalf("latency request %d: %v", i, err)
		}
		resp, err := http.ReadResponse(lc.br, &http.Request{Method: "GET"})
		if err != nil {
			t.Fatalf("latency request %d: %v", i, err)
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		d = append(d, time.Since(start))
		if resp.StatusCode != 200 {
			t.Fatalf("latency request %d: status %d", i, resp.StatusCode)
		}
	}
	slices.Sort(d)
	return d
}

// Pct returns the p-th percentile (0 < p <= 100) of sorted durations.
func Pct(sorted []time.Duration, p float64) time.Duration {
	i := int(float64(len(sorted))*p/100+0.5) - 1
	return sorted[min(max(i, 0), len(sorted)-1)]
}

// StrictLatency reports whether latency figures are held to the issue's
// bound (MINIWEB_LATENCY=1, on a quiet machine) rather than only logged.
func StrictLatency() bool { return os.Getenv("MINIWEB_LATENCY") == "1" }

// StarvationBound is the p99 under an attack that fails every run: a
// normal client waiting this long behind slow ones is starved, however
// busy the machine.
func StarvationBound(idle time.Duration) time.Duration {
	return max(2*idle, idle+50*time.Millisecond)
}

// CheckLatency logs the normal client's latency figures during an attack
// beside the idle ones. With StrictLatency (MINIWEB_LATENCY=1, on a quiet
// machine) it fails the test when the p99 during the attack passes twice
// the idle p99 or StarvationBound, or when either set has no sample; in
// the default run it asserts nothing: a busy machine makes any figure
// (see issue 29), and the tests assert the outcomes instead (the normal
// client answered while the attackers hold their connections).
func CheckLatency(t *testing.T, what string, idle, during []time.Duration) {
	t.Helper()
	if len(idle) == 0 || len(during) == 0 {
		if StrictLatency() {
			t.Fatalf("%s: %d samples idle, %d during: nothing to compare", what, len(idle), len(during))
		}
		t.Logf("%s: %d samples idle, %d during: no figure (a busy machine)", what, len(idle), len(during))
		return
	}
	ratio := float64(Pct(during, 99)) / float64(Pct(idle, 99))
	t.Logf("%s: normal client p50/p99/max idle %v/%v/%v (%d samples), during %v/%v/%v (%d samples): p99 %.2fx idle", what,
		Pct(idle, 50), Pct(idle, 99), idle[len(idle)-1], len(idle),
		Pct(during, 50), Pct(during, 99), during[len(during)-1], len(during), ratio)
	switch {
	case !StrictLatency():
		if ratio > 2 {
			t.Logf("%s: p99 %.2fx idle, over the 2x target: a busy machine, or a regression (MINIWEB_LATENCY=1 on a quiet machine tells)", what, ratio)
		}
	case ratio > 2:
		t.Errorf("%s: p99 %v during the attack, %.2fx the idle p99 %v; want at most 2x", what, Pct(during, 99), ratio, Pct(idle, 99))
	case Pct(during, 99) > StarvationBound(Pct(idle, 99)):
		t.Errorf("%s: p99 %v during the attack, idle p99 %v: the normal client is starved (bound %v)", what, Pct(during, 99), Pct(idle, 99), StarvationBound(Pct(idle, 99)))
	}
}

// Figures reports whether the figure checks run (MINIWEB_FIGURES=1, on a
// quiet machine): a test that measures a duration, a rate or a sample
// count logs it, and holds it to a bound only then.
func Figures() bool { return os.Getenv("MINIWEB_FIGURES") == "1" }
