// Command slowclients opens many slow connections to an HTTP/1.1 server, as
// a slowloris attack does, and reports how the server ended each. The
// server tests run it as a process of its own, so that the attack's
// goroutines do not compete with the server or with the client the tests
// time in one Go scheduler.
//
//	slowclients -addr 127.0.0.1:8080 -n 1000 -mode head -interval 100ms -limit 10s
//
// The modes (-path changes the target):
//
//	head    trickle "GET /hello.py" with a 100-byte User-Agent, one byte per interval
//	body    send a whole "POST /echo.py" head (a 1000-byte urlencoded form),
//	        then trickle the body, one byte per interval
//	silent  connect and send nothing
//
// The connections' phases are spread evenly across the interval: with
// 1,000 connections and 100ms, one byte goes out every 100µs (see pace).
// Once every connection has sent its first byte (silent: has connected)
// it prints one JSON line:
//
//	{"started":1000,"failed":0,"first":"...","last":"..."}
//
// and when the server has closed them all (or -limit has passed), one line
// on its pacing (how late the writes went out, in nanoseconds), and one
// line per connection, then exits 0:
//
//	{"writes":12000,"late_p50":2104,"late_p99":30512,"late_max":212331}
//	{"conn":7,"status":408,"first":"...","closed":"...","lasted":1000123456}
//
// status is the status of the answer the server sent before closing, 0 for
// none; first is when the connection wrote its first byte (silent: when it
// began to connect); closed is when it saw the server close; lasted is
// closed-first in nanoseconds; err, when present, is what went wrong.
// A connection the server has not closed -limit after its dial is given up
// (err says so), so the command ends by itself. Usage errors exit 2, a
// failed -nice 1.
//
// It runs at the lowest CPU priority (-nice 19): on the server's machine it
// stands for attackers on other machines, so it takes the CPU time the
// server and its other clients leave, rather than competing with them as
// an equal.
package main

import (
	"cmp"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"strings"
	"sync"
	"time"
)

// started is the line printed once every connection has sent its first
// byte (silent: has connected).
type started struct {
	Started int       `json:"started"` // connections that did
	Failed  int       `json:"failed"`  // connections that could not connect or send their first byte
	First   time.Time `json:"first"`   // the earliest first byte
	Last    time.Time `json:"last"`    // the latest first byte
}

// paced is the line printed once the writes are over: how late the paced
// writes (silent: dials) went out.
type paced struct {
	Writes  int           `json:"writes"`
	LateP50 time.Duration `json:"late_p50"` // in nanoseconds
	LateP99 time.Duration `json:"late_p99"`
	LateMax time.Duration `json:"late_max"`
}

// outcome is the line printed for each connection at the end.
type outcome struct {
	Conn   int           `json:"conn"`   // 0 to n-1, in phase order
	Status int           `json:"status"` // of the answer before the close; 0 for none
	First  time.Time     `json:"first"`  // the first byte was written (silent: the dial began)
	Closed time.Time     `json:"closed"` // the server's close was seen; zero if never
	Lasted time.Duration `json:"lasted"` // Closed-First, in nanoseconds; 0 if never closed
	Err    string        `json:"err,omitempty"`
}

func main() {
	addr := flag.String("addr", "127.0.0.1:8080", "server address host:port")
	n := flag.Int("n", 1000, "connections")
	mode := flag.String("mode", "head", `what each connection does: "head", "body" or "silent"`)
	target := flag.String("path", "", "request target (default /hello.py for head, /echo.py for body)")
	interval := flag.Duration("interval", 100*time.Millisecond, "time between two bytes of one connection")
	limit := flag.Duration("limit", 10*time.Second, "the most a connection lives, from its dial")
	niceness := flag.Int("nice", 19, "CPU priority (nice value) to run at")
	flag.Parse()
	p, ok := planFor(*mode, *target)
	switch {
	case !ok:
		usage(fmt.Sprintf("-mode: unknown mode %q (want head, body or silent)", *mode))
	case *n < 1:
		usage(fmt.Sprintf("-n: want at least 1 connection, got %d", *n))
	case *interval <= 0:
		usage(fmt.Sprintf("-interval: want a positive duration, got %v", *interval))
	case *limit <= 0:
		usage(fmt.Sprintf("-limit: want a positive duration, got %v", *limit))
	}
	if err := nice(*niceness); err != nil {
		fmt.Fprintln(os.Stderr, "slowclients: "+err.Error())
		os.Exit(1)
	}
	a := &attack{addr: *addr, plan: p, interval: *interval, limit: *limit}
	for _, o := range a.run(*n, func(s started) { printJSON(s) }, func(p paced) { printJSON(p) }) {
		printJSON(o)
	}
}

func usage(msg string) {
	fmt.Fprintln(os.Stderr, "slowclients: "+msg)
	flag.Usage()
	os.Exit(2)
}

var stdout sync.Mutex

func printJSON(v any) {
	b, err := json.Marshal(v)
	if err != nil {
		panic("slowclients: " + err.Error()) // only plain structs are printed
	}
	stdout.Lock()
	defer stdout.Unlock()
	os.Stdout.Write(append(b, '\n'))
}

// plan is what one connection of a mode sends.
type plan struct {
	dialFirst bool   // every connection opens before the first byte; else each dials at its phase
	method    string // of the request, to read the answer
	head      string // written whole at the first tick, if not empty
	trickle   string // then one byte per tick
}

// planFor returns the plan of a -mode for a request target, and whether
// the mode is known. An empty target is the mode's default.
func planFor(mode, target string) (plan, bool) {
	switch mode {
	case "head":
		return plan{
			dialFirst: true,
			method:    "GET",
			trickle:   "GET " + cmp.Or(target, "/hello.py") + " HTTP/1.1\r\nHost: x\r\nUser-Agent: " + strings.Repeat("s", 100) + "\r\n\r\n",
		}, true
	case "body":
		return plan{
			dialFirst: true,
			method:    "POST",
			head: "POST " + cmp.Or(target, "/echo.py") + " HTTP/1.1\r\nHost: x\r\n" +
				"Content-Type: application/x-www-form-urlencoded\r\nContent-Length: 1000\r\n\r\n",
			trickle: "x=" + strings.Repeat("y", 998),
		}, true
	case "silent":
		return plan{method: "GET"}, true
	}
	return plan{}, false
}

// chunks returns the writes of p, one per tick.
func (p plan) chunks() []string {
	var w []string
	if p.head != "" {
		w = append(w, p.head)
	}
	for i := range len(p.trickle) {
		w = append(w, p.trickle[i:i+1])
	}
	return w
}
