// Command lockout measures whether one client can lock the others out of a
// server held at a connection cap (issue 12). It runs up to two phases
// against -addr, which must be a loopback address:
//
//   - Holders (-hold, default 2 × -cap): connections that each send one
//     request, read the answer and then stay silent, as idle keep-alive
//     clients do. They are opened one after another; the next one starts
//     when the previous one has its answer or -step has passed, so a
//     server that stops accepting at its cap costs -step per holder it
//     does not answer, not -wait. Each waits at most -wait for its answer;
//     the unanswered stay open too (their connect succeeded into the
//     kernel's backlog). Then, with every holder still open, -fresh fresh
//     requests one after another, each timed from connect to the last body
//     byte and bounded by -timeout. The first one to time out ends the
//     series: the next would only queue behind it.
//   - Half-closes (-halfclose): connections that each send
//     "GET -path HTTP/1.1" and shut down their write side at once
//     (shutdown(SHUT_WR)), -parallel at a time. Each reads the whole answer
//     (at most -wait) and then expects the server's EOF within -eof. When
//     all are done, and -settle later, it counts the server's sockets in
//     CLOSE_WAIT (state 08 in /proc/net/tcp and /proc/net/tcp6, local port
//     = the server's port): sockets whose peer has closed and the server
//     has not.
//
// It prints "key: value" lines on stdout for a script to collect, and
// warnings (the last error of a kind) on stderr. It raises its own
// RLIMIT_NOFILE soft limit to the hard limit first.
//
//	lockout -addr 127.0.0.1:18090 -cap 64 -halfclose 0   # holders only
//	lockout -addr 127.0.0.1:18090 -cap 64 -hold 0        # half-closes only
package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"math"
	"net"
	"os"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
)

// Bounds on the flags: the tool must stop by itself whatever it is given.
const (
	maxCount    = 100_000
	maxFresh    = 100
	maxDuration = 10 * time.Minute
)

type options struct {
	addr      string
	capacity  int
	hold      int
	halfclose int
	parallel  int
	fresh     int
	timeout   time.Duration
	wait      time.Duration
	eof       time.Duration
	step      time.Duration
	settle    time.Duration
	budget    time.Duration
	path      string
}

func main() {
	var o options
	flag.StringVar(&o.addr, "addr", "127.0.0.1:8080", "server address; loopback only")
	flag.IntVar(&o.capacity, "cap", 64, "the server's connection cap (sets the defaults of -hold and -parallel)")
	flag.IntVar(&o.hold, "hold", -1, "idle keep-alive connections to hold; -1 means 2 × -cap, 0 skips the phase")
	flag.IntVar(&o.halfclose, "halfclose", 1000, "request + shutdown(SHUT_WR) connections; 0 skips the phase")
	flag.IntVar(&o.parallel, "parallel", 0, "half-close connections at a time; 0 means min(100, -cap / 2)")
	flag.IntVar(&o.fresh, "fresh", 5, "fresh requests, one after another, while the holders are held")
	flag.DurationVar(&o.timeout, "timeout", 30*time.Second, "bound on each fresh request, connect to last byte")
	flag.DurationVar(&o.wait, "wait", 5*time.Second, "bound on each holder's and half-close connection's answer")
	flag.DurationVar(&o.eof, "eof", time.Second, "an EOF from the server this soon after the answer is prompt")
	flag.DurationVar(&o.step, "step", 50*time.Millisecond, "longest wait for a holder's answer before the next holder starts")
	flag.DurationVar(&o.settle, "settle", 2*time.Second, "pause after the half-closes before counting CLOSE_WAIT")
	flag.DurationVar(&o.budget, "budget", 2*time.Minute, "half-close connections not started within this are skipped")
	flag.StringVar(&o.path, "path", "/", "request path")
	flag.Parse()
	if o.hold < 0 {
		o.hold = 2 * o.capacity
	}
	if o.parallel == 0 {
		// Half the cap: the clients alone never bring a server to its cap
		// (where nginx closes new connections that have not yet sent a
		// byte); only the connections it fails to close can.
		o.parallel = max(1, min(100, o.capacity/2))
	}
	addr, port, err := o.check()
	if err != nil {
		fatal(err)
	}
	nofile, err := raiseNofile()
	if err != nil {
		fatal(err)
	}
	// Holders, the fresh requests and half-closes in flight, and a margin
	// for the runtime and stdio.
	if need := uint64(o.hold + o.parallel + 64); nofile < need {
		fatal(fmt.Errorf("open-file limit %d is below the %d this run needs", nofile, need))
	}

	out := &report{}
	out.add("addr", addr)
	out.add("cap", o.capacity)
	if o.hold > 0 {
		holdPhase(addr, o, out)
	}
	if o.halfclose > 0 {
		halfclosePhase(addr, port, o, out)
	}
	out.print(os.Stdout)
}

// check validates the options and returns the address to dial, resolved
// to a loopback IP, and its port.
func (o *options) check() (string, int, error) {
	for _, c := range []struct {
		name   string
		v, min int
		max    int
	}{
		{"cap", o.capacity, 1, maxCount},
		{"hold", o.hold, 0, maxCount},
		{"halfclose", o.halfclose, 0, maxCount},
		{"parallel", o.parallel, 1, 10_000},
		{"fresh", o.fresh, 1, maxFresh},
	} {
		if c.v < c.min || c.v > c.max {
			return "", 0, fmt.Errorf("-%s %d: want %d to %d", c.name, c.v, c.min, c.max)
		}
	}
	for _, d := range []struct {
		name string
		v    time.Duration
	}{
		{"timeout", o.timeout}, {"wait", o.wait}, {"eof", o.eof}, {"step", o.step},
		{"settle", o.settle}, {"budget", o.budget},
	} {
		if d.v <= 0 || d.v > maxDuration {
			return "", 0, fmt.Errorf("-%s %v: want more than 0 and at most %v", d.name, d.v, maxDuration)
		}
	}
	if o.path == "" || o.path[0] != '/' || len(o.path) > 1024 {
		return "", 0, fmt.Errorf("-path %q: want an absolute path of at most 1024 bytes", o.path)
	}
	for i := 0; i < len(o.path); i++ {
		if c := o.path[i]; c <= ' ' || c >= 0x7f {
			return "", 0, fmt.Errorf("-path %q: want printable ASCII without spaces", o.path)
		}
	}
	host, ps, err := net.SplitHostPort(o.addr)
	if err != nil {
		return "", 0, fmt.Errorf("-addr %q: %v", o.addr, err)
	}
	port, err := strconv.Atoi(ps)
	if err != nil || port < 1 || port > 65535 {
		return "", 0, fmt.Errorf("-addr %q: want a port from 1 to 65535", o.addr)
	}
	if host == "localhost" {
		host = "127.0.0.1"
	}
	// This tool opens thousands of connections and holds them: it is
	// pointed at a server on this machine only.
	ip := net.ParseIP(host)
	if ip == nil || !ip.IsLoopback() {
		return "", 0, fmt.Errorf("-addr %q: only loopback addresses (127.0.0.0/8, ::1, localhost) are allowed", o.addr)
	}
	return net.JoinHostPort(ip.String(), ps), port, nil
}

// raiseNofile raises the soft RLIMIT_NOFILE to the hard limit and returns
// the new soft limit.
func raiseNofile() (uint64, error) {
	var rl syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &rl); err != nil {
		return 0, fmt.Errorf("getrlimit: %v", err)
	}
	if rl.Cur < rl.Max {
		rl.Cur = rl.Max
		if err := syscall.Setrlimit(syscall.RLIMIT_NOFILE, &rl); err != nil {
			return 0, fmt.Errorf("setrlimit: %v", err)
		}
	}
	return rl.Cur, nil
}

// holder is one idle keep-alive connection of the holders phase.
type holder struct {
	conn     net.Conn
	done     chan struct{} // closed once answered or given up
	answered bool          // set before done is closed
	closed   atomic.Bool   // the server closed the connection after answering
}

func holdPhase(addr string, o options, out *report) {
	req := request(o.path)
	var stopping atomic.Bool
	holders := make([]*holder, o.hold)
	for i := range holders {
		h := &holder{done: make(chan struct{})}
		holders[i] = h
		go h.run(addr, req, o.wait, &stopping)
		select {
		case <-h.done:
		case <-time.After(o.step):
		}
	}
	answered := 0
	for _, h := range holders {
		<-h.done // each is bounded by -wait from its start
		if h.answered {
			answered++
		}
	}
	closedBefore := countClosed(holders)

	var (
		times    []time.Duration // a timed-out request counts as +Inf
		timeouts int
		errs     int
		lastErr  error
	)
	for range o.fresh {
		d, err := freshRequest(addr, req, o.timeout)
		if isTimeout(err) {
			timeouts++
			times = append(times, time.Duration(math.MaxInt64))
			break // the next would queue behind this one
		}
		if err != nil {
			errs++
			lastErr = err
			continue
		}
		times = append(times, d)
	}
	// A server that closes idle connections may do so just after the
	// fresh request was answered.
	time.Sleep(100 * time.Millisecond)
	closedAfter := countClosed(holders)
	stopping.Store(true)
	for _, h := range holders {
		if h.conn != nil {
			h.conn.Close()
		}
	}
	if lastErr != nil {
		fmt.Fprintf(os.Stderr, "lockout: fresh request: %d failed; last: %v\n", errs, lastErr)
	}

	out.add("holders", o.hold)
	out.add("holders_answered", answered)
	out.add("holders_closed_by_server_before_fresh", closedBefore)
	out.add("holders_closed_by_server_after_fresh", closedAfter)
	out.add("fresh_tried", len(times)+errs)
	out.add("fresh_ok", len(times)-timeouts)
	out.add("fresh_timeouts", timeouts)
	out.add("fresh_errors", errs)
	if len(times) == 0 {
		out.add("fresh", "all failed")
		return
	}
	slices.Sort(times)
	med := times[len(times)/2]
	if len(times)%2 == 0 {
		med = times[len(times)/2-1]/2 + times[len(times)/2]/2
	}
	out.add("fresh_median_ms", msOrInf(med, o.timeout))
	out.add("fresh_max_ms", msOrInf(times[len(times)-1], o.timeout))
	out.add("fresh", human(med, o.timeout)+" / "+human(times[len(times)-1], o.timeout))
}

// run opens the holder's connection, sends req and reads the answer within
// wait; once answered it watches the silent connection for the server's
// close until stopping is set. The connection is left open either way.
func (h *holder) run(addr string, req []byte, wait time.Duration, stopping *atomic.Bool) {
	start := time.Now()
	c, err := net.DialTimeout("tcp", addr, wait)
	if err != nil {
		close(h.done)
		return
	}
	h.conn = c
	c.SetDeadline(start.Add(wait))
	if _, err := c.Write(req); err != nil {
		close(h.done)
		return
	}
	r := newResponseReader(c)
	if err := r.readResponse(); err != nil {
		close(h.done)
		return
	}
	h.answered = true
	close(h.done)
	c.SetDeadline(time.Time{})
	// The conn is closed by holdPhase at the end; an error before that is
	// the server closing (EOF or reset), and bytes are a protocol fault
	// that also ends the holder.
	var b [1]byte
	c.Read(b[:])
	if !stopping.Load() {
		h.closed.Store(true)
	}
}

func countClosed(holders []*holder) int {
	n := 0
	for _, h := range holders {
		if h.closed.Load() {
			n++
		}
	}
	return n
}

// freshRequest connects, sends req and reads the whole answer, all within
// timeout, and returns how long that took.
func freshRequest(addr string, req []byte, timeout time.Duration) (time.Duration, error) {
	start := time.Now()
	c, err := net.DialTimeout("tcp", addr, timeout)
	if err != nil {
		return 0, err
	}
	defer c.Close()
	c.SetDeadline(start.Add(timeout))
	if _, err := c.Write(req); err != nil {
		return 0, err
	}
	if err := newResponseReader(c).readResponse(); err != nil {
		return 0, err
	}
	return time.Since(start), nil
}

// halfcloseResult is what became of one half-closed connection.
type halfcloseResult int

const (
	hcNoResponse halfcloseResult = iota // no full answer within -wait
	hcError                             // connect, write or answer failed otherwise
	hcPromptEOF                         // full answer, then EOF within -eof
	hcReset                             // full answer, then a reset within -eof
	hcNoEOF                             // full answer, and the connection still open after -eof
	hcExtra                             // full answer, then bytes the server should not have sent
	hcKinds
)

func halfclosePhase(addr string, port int, o options, out *report) {
	req := request(o.path)
	var (
		mu      sync.Mutex
		counts  [hcKinds]int
		lastErr [hcKinds]error
		wg      sync.WaitGroup
	)
	sem := make(chan struct{}, o.parallel)
	end := time.Now().Add(o.budget)
	started := 0
	for ; started < o.halfclose && time.Now().Before(end); started++ {
		sem <- struct{}{}
		wg.Add(1)
		go func() {
			defer func() { <-sem; wg.Done() }()
			r, err := halfclose(addr, req, o.wait, o.eof)
			mu.Lock()
			counts[r]++
			if err != nil {
				lastErr[r] = err
			}
			mu.Unlock()
		}()
	}
	wg.Wait()
	time.Sleep(o.settle)
	cw, unaccepted, err := closeWait(port)
	if err != nil {
		fatal(err)
	}
	for k, name := range map[halfcloseResult]string{hcNoResponse: "no full answer", hcError: "failed", hcExtra: "extra bytes"} {
		if counts[k] > 0 {
			fmt.Fprintf(os.Stderr, "lockout: half-close: %d %s; last: %v\n", counts[k], name, lastErr[k])
		}
	}
	out.add("halfclose", o.halfclose)
	out.add("halfclose_run", started)
	out.add("halfclose_parallel", o.parallel)
	out.add("halfclose_full", counts[hcPromptEOF]+counts[hcReset]+counts[hcNoEOF]+counts[hcExtra])
	out.add("halfclose_prompt_eof", counts[hcPromptEOF])
	out.add("halfclose_reset", counts[hcReset])
	out.add("halfclose_no_eof", counts[hcNoEOF])
	out.add("halfclose_extra_bytes", counts[hcExtra])
	out.add("halfclose_no_response", counts[hcNoResponse])
	out.add("halfclose_errors", counts[hcError])
	out.add("close_wait", cw)
	out.add("close_wait_unaccepted", unaccepted)
}

// halfclose sends req, shuts down the write side, reads the answer within
// wait and then waits up to eof for the server's EOF.
func halfclose(addr string, req []byte, wait, eof time.Duration) (halfcloseResult, error) {
	start := time.Now()
	c, err := net.DialTimeout("tcp", addr, wait)
	if err != nil {
		return hcError, err
	}
	// Closing a socket with unread bytes sends a reset, which would clear
	// the server's CLOSE_WAIT for it; every path below reads to the end or
	// leaves nothing unread.
	defer c.Close()
	c.SetDeadline(start.Add(wait))
	if _, err := c.Write(req); err != nil {
		return hcError, err
	}
	if err := c.(*net.TCPConn).CloseWrite(); err != nil {
		return hcError, err
	}
	r := newResponseReader(c)
	if err := r.readResponse(); err != nil {
		if isTimeout(err) {
			return hcNoResponse, err
		}
		return hcError, err
	}
	c.SetReadDeadline(time.Now().Add(eof))
	n, err := r.br.Read(make([]byte, 512))
	switch {
	case n > 0:
		io.Copy(io.Discard, r.br) // bounded by the deadline
		return hcExtra, fmt.Errorf("%d bytes after the answer", n)
	case errors.Is(err, io.EOF):
		return hcPromptEOF, nil
	case isTimeout(err):
		return hcNoEOF, nil
	default:
		return hcReset, err
	}
}

func isTimeout(err error) bool {
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}

// request returns "GET path HTTP/1.1" with a Host header, as the issue's
// half-close clients send it.
func request(path string) []byte {
	return []byte("GET " + path + " HTTP/1.1\r\nHost: x\r\n\r\n")
}

// msOrInf gives d in milliseconds, or "inf" when it is the +Inf of a
// timed-out request (longer than bound).
func msOrInf(d, bound time.Duration) string {
	if d > bound {
		return "inf"
	}
	return strconv.FormatFloat(float64(d)/1e6, 'f', 3, 64)
}

// human gives d as "0.42 ms" or "1.3 s", or "> 30 s" when it is the +Inf
// of a request that timed out after bound.
func human(d, bound time.Duration) string {
	switch {
	case d > bound:
		return "> " + strconv.FormatFloat(bound.Seconds(), 'f', -1, 64) + " s"
	case d < time.Second:
		return strconv.FormatFloat(float64(d)/1e6, 'f', 2, 64) + " ms"
	default:
		return strconv.FormatFloat(d.Seconds(), 'f', 2, 64) + " s"
	}
}

// report is the output: "key: value" lines in the order added.
type report struct{ lines []string }

func (r *report) add(key string, v any) { r.lines = append(r.lines, fmt.Sprintf("%s: %v", key, v)) }

func (r *report) print(w io.Writer) {
	for _, l := range r.lines {
		fmt.Fprintln(w, l)
	}
}

func fatal(err error) {
	fmt.Fprintln(os.Stderr, "lockout:", err)
	os.Exit(1)
}
