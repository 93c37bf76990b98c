package main

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// Slow clients (issue 6): a thousand connections that trickle their head or
// body one byte at a time, or that say nothing at all, must not starve a
// normal client, and each is answered and closed at its timeout.
//
// Every run checks the outcomes, which do not depend on the machine's
// load: each slow connection gets its answer and is closed by the server,
// not before its timeout (the client's clock starts before the server's)
// and long before the idle timeout would; the normal client is answered
// while every slow connection is open, and every one of its requests
// during the attack and after is answered. The four tests run in parallel.
//
// The latency target of the issue (the normal client's p99 within twice
// its idle p99) and the figures behind it want a quiet machine: another
// process on the same two CPUs moves the p99 more than the attack does.
// The figures are always logged, and checked with
//
//	MINIWEB_LATENCY=1 go test -run 'TestSlow|TestSilent|TestNeverReading' -v ./server/
//
// on a quiet machine, where the tests run one at a time, the timeouts are
// 1s, each slow connection must be closed within 500ms of its timeout, and
// the normal client must have timed 1,000 requests or more while every slow
// connection was open. What is measured must then be the server, not the
// test, so each party runs on its own:
//
//   - the server is the real program, built without -race, serving the raw
//     site (slowConfig);
//   - the slow connections come from another process, the slowclients
//     command (server/internal/slowclients), built without -race. In this
//     process their goroutines would compete with the normal client in one
//     Go scheduler, and under -race cost several times what they cost the
//     server. With MINIWEB_LATENCY=1 it runs at the lowest CPU priority:
//     at an equal priority it would compete with the server and the client
//     for this machine's CPUs, as attackers on other machines do not. (Not
//     in the default run: at the lowest priority beside other busy
//     processes it cannot even open its connections before the first ones
//     time out.) Their bytes are spread evenly, one every 100µs;
//   - the normal client is this process: sequential keep-alive GETs of
//     /hello.py on one connection, timed for 600ms before the attack, then
//     while every slow connection is open: after the last one's first byte
//     (and, with MINIWEB_LATENCY=1, 200ms in which only the server's CPU
//     time is measured) until 50ms before the first one's timeout. Under
//     -race the client's own share of each sample is slower, the same idle
//     and during.

// closeSlack is how late after its timeout a slow connection may be
// closed with MINIWEB_LATENCY=1. The default run only asks that it be
// closed before slowLimit.
const closeSlack = 500 * time.Millisecond

// slowLimit is how long slowclients waits for the server to close a
// connection it dialed: a connection still open then is a failure. It is a
// bound only a hang reaches, and far below the idle timeout of slowConfig,
// which a server holding a silent connection would wait for.
const slowLimit = time.Minute

// slowTimeout is the program's read_header and read_body timeout in these
// tests: 1s for the figures of MINIWEB_LATENCY=1, 2s in the default run,
// which leaves a busy machine time to open every slow connection before
// the first one's timeout.
func slowTimeout() time.Duration {
	if strictLatency() {
		return time.Second
	}
	return 2 * time.Second
}

// slowConfig serves the raw site with slowTimeout for heads and bodies.
// The write timeout keeps its default (30s): it counts from the request's
// head, the body's reading included, so were it as short as the body
// timeout, no time would be left to answer a body that timed out. The idle
// timeout is 10m, far past slowLimit. The access log is off: its lines
// would come through a pipe into this process, whose copying would compete
// with the normal client it times, and it has nothing to say about the
// slow connections until they close, after the measure. All the
// connections come from 127.0.0.1, so the share of one address
// (max_conns_per_addr, a quarter of the cap by default) is lifted above
// them: these tests are about the timeouts, and httpserver's rate tests
// are about the share.
func slowConfig() string {
	return `static = "static"
templates = "templates"
site = "raw"
dev = false

[timeouts]
read_header = "` + slowTimeout().String() + `"
read_body = "` + slowTimeout().String() + `"
idle = "10m"
shutdown = "3s"

[limits]
max_conns_per_addr = 4096

[access_log]
enabled = false
`
}

// attackTarget is the program under attack.
type attackTarget struct {
	addr string // host:port
	pid  int
}

// startAttackTarget starts the program with slowConfig on a free port and
// waits until it serves.
func startAttackTarget(t *testing.T) attackTarget {
	t.Helper()
	dir, cfg := siteDir(t, slowConfig())
	cmd, _, stderr, exited := startProgram(t, dir, "-config", cfg, "-addr", "127.0.0.1:0")
	addr := servingAddr(t, stderr, exited)
	return attackTarget{addr: addr, pid: cmd.Process.Pid}
}

var (
	slowclientsOnce sync.Once
	slowclientsPath string
	slowclientsErr  error
)

// slowclientsBinary builds the slowclients command once for the whole test
// run, on first use, beside the program (so TestMain removes it), and
// returns its path. It is built without -race whatever this test is built
// with.
func slowclientsBinary(t *testing.T) string {
	t.Helper()
	dir := testBinDir(t)
	slowclientsOnce.Do(func() {
		goTool, err := exec.LookPath("go")
		if err != nil {
			slowclientsErr = err
			return
		}
		slowclientsPath = filepath.Join(dir, "slowclients")
		out, err := exec.Command(goTool, "build", "-o", slowclientsPath, "github.com/miniweb/miniweb/server/internal/slowclients").CombinedOutput()
		if err != nil {
			slowclientsErr = errors.New("go build slowclients: " + err.Error() + "\n" + string(out))
		}
	})
	if slowclientsErr != nil {
		t.Fatal(slowclientsErr)
	}
	return slowclientsPath
}

// slowStarted is the line slowclients prints once every connection has
// sent its first byte (silent: has connected).
type slowStarted struct {
	Started int       `json:"started"`
	Failed  int       `json:"failed"`
	First   time.Time `json:"first"` // the earliest first byte
	Last    time.Time `json:"last"`  // the latest first byte
}

// slowPaced is the line slowclients prints once its writes are over: how
// late they went out.
type slowPaced struct {
	Writes  int           `json:"writes"`
	LateP50 time.Duration `json:"late_p50"`
	LateP99 time.Duration `json:"late_p99"`
	LateMax time.Duration `json:"late_max"`
}

// slowOutcome is the fate of one slow connection: a line of slowclients.
type slowOutcome struct {
	Conn   int           `json:"conn"`
	Status int           `json:"status"` // the response status, 0 for none
	First  time.Time     `json:"first"`  // its first byte (silent: its dial)
	Closed time.Time     `json:"closed"` // the server's close; zero if never
	Lasted time.Duration `json:"lasted"` // from the first byte to the server's close
	Err    string        `json:"err"`    // anything unexpected
}

// slowAttack is one run of slowclients against a target, and what the
// test measured meanwhile.
type slowAttack struct {
	mode, path string // slowclients' -mode and -path
	n          int    // connections

	idle   []time.Duration // the normal client's sorted latencies before the attack
	during []time.Duration // and while every slow connection was open
	// answered is when the normal client's last request of during was
	// answered: before any slow connection was closed, if the server
	// answered it while holding them all.
	answered time.Time
	// closing are its latencies from the end of during until slowclients
	// exits: the slow connections are closed meanwhile. Logged only: the
	// issue asks about a server holding slow connections, and a close is
	// the end of one.
	closing []time.Duration

	cpuWindow   time.Duration // while every slow connection was open, without the normal client
	cpuKnown    bool          // whether /proc told the CPU times
	serverCPU   time.Duration // the program's CPU time in cpuWindow
	attackerCPU time.Duration // slowclients' CPU time in cpuWindow

	paced slowPaced
	out   []slowOutcome
}

// run runs the attack against a program of its own and fills in the
// figures. The
// windows, from the first connection's first byte at F (every connection
// is open from the last first byte, at about F+100ms, until F+slowTimeout):
//
//	idle      600ms before slowclients starts
//	cpu       200ms from the "started" line (MINIWEB_LATENCY=1 only)
//	during    from there until F+slowTimeout-50ms, 600ms at most, and at
//	          least one request
//	closing   from there until slowclients exits
func (a *slowAttack) run(t *testing.T) {
	t.Helper()
	if testing.Short() {
		t.Skip("builds and runs the program")
	}
	bin := slowclientsBinary(t) // first: another test may be building the program meanwhile
	target := startAttackTarget(t)
	lc := dialLatency(t, target.addr, "/hello.py")
	defer lc.Close()
	lc.Measure(200, time.Time{}, nil) // warm up
	a.idle = lc.Measure(0, time.Now().Add(600*time.Millisecond), nil)

	niceness := "0"
	if strictLatency() {
		niceness = "19"
	}
	var stderr syncBuffer
	cmd := exec.Command(bin, "-addr", target.addr, "-n", strconv.Itoa(a.n), "-mode", a.mode,
		"-path", a.path, "-interval", "100ms", "-limit", slowLimit.String(), "-nice", niceness)
	cmd.Stderr = &stderr
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan struct{})
	lines := make(chan string, a.n+1)
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			lines <- sc.Text()
		}
		cmd.Wait() // after the last read of the pipe, as Wait closes it
		close(lines)
		close(exited)
	}()
	defer func() {
		select {
		case <-exited:
		default:
			cmd.Process.Kill() // only the process this test started
			<-exited
		}
	}()

	var st slowStarted
	select {
	case line, ok := <-lines:
		if !ok {
			t.Fatalf("slowclients ended before starting: %s", stderr.String())
		}
		if err := json.Unmarshal([]byte(line), &st); err != nil {
			t.Fatalf("slowclients' first line %q: %v", line, err)
		}
	case <-time.After(slowLimit):
		t.Fatalf("slowclients did not start its %d connections within %v: %s", a.n, slowLimit, stderr.String())
	}
	if st.Failed > 0 || st.Started != a.n {
		t.Fatalf("%d of %d slow connections started, %d failed (in %v from the first to the last first byte, timeout %v)",
			st.Started, a.n, st.Failed, st.Last.Sub(st.First), slowTimeout())
	}

	if strictLatency() {
		begin := time.Now()
		server0, ok0 := processCPU(target.pid)
		attacker0, ok1 := processCPU(cmd.Process.Pid)
		time.Sleep(200 * time.Millisecond)
		server1, ok2 := processCPU(target.pid)
		attacker1, ok3 := processCPU(cmd.Process.Pid)
		a.cpuWindow = time.Since(begin)
		a.cpuKnown = ok0 && ok1 && ok2 && ok3
		a.serverCPU, a.attackerCPU = server1-server0, attacker1-attacker0
	}

	end := time.Now().Add(600 * time.Millisecond)
	if last := st.First.Add(slowTimeout() - 50*time.Millisecond); last.Before(end) {
		end = last
	}
	a.during = lc.Measure(0, end, nil)
	if len(a.during) == 0 { // a busy machine: past end already
		a.during = lc.Measure(1, time.Time{}, nil)
	}
	a.answered = time.Now()
	a.closing = lc.Measure(0, time.Time{}, exited)

	if line, ok := <-lines; !ok {
		t.Fatalf("slowclients ended without its pacing line: %s", stderr.String())
	} else if err := json.Unmarshal([]byte(line), &a.paced); err != nil {
		t.Fatalf("slowclients' pacing line %q: %v", line, err)
	}
	for line := range lines {
		var o slowOutcome
		if err := json.Unmarshal([]byte(line), &o); err != nil {
			t.Fatalf("slowclients' line %q: %v", line, err)
		}
		a.out = append(a.out, o)
	}
	if code := cmd.ProcessState.ExitCode(); code != 0 || len(a.out) != a.n {
		t.Fatalf("slowclients exited %d with %d outcomes for %d connections: %s", code, len(a.out), a.n, stderr.String())
	}
	if strictLatency() && len(a.during) < 1000 {
		t.Fatalf("only %d samples while the slow connections were open; want 1000 or more on a quiet machine", len(a.during))
	}
	// The figures describe a trickle only if it kept to its schedule. (The
	// silent connections are all open once started, whenever they dialed.)
	if a.mode != "silent" && a.paced.LateP50 > time.Millisecond {
		if !strictLatency() {
			t.Logf("slowclients wrote half its bytes more than %v late: the machine is busy, the figures describe less of an attack", a.paced.LateP50)
		} else {
			t.Errorf("slowclients wrote half its bytes more than %v late: the machine is too busy for the figures to mean anything", a.paced.LateP50)
		}
	}
	// The normal client was answered while the server held every slow
	// connection: no slow connection was closed before its last answer.
	for _, o := range a.out {
		if !o.Closed.IsZero() && o.Closed.Before(a.answered) {
			t.Errorf("slow connection %d closed at %v, before the normal client's answer at %v: it was not answered while every slow connection was open (they started from %v to %v, timeout %v)",
				o.Conn, o.Closed.Format(time.StampMicro), a.answered.Format(time.StampMicro),
				st.First.Format(time.StampMicro), st.Last.Format(time.StampMicro), slowTimeout())
			break
		}
	}
}

// processCPU returns the CPU time process pid has used, and whether /proc
// could tell: the sum of its threads' time on a CPU from
// /proc/PID/task/*/schedstat, in nanoseconds, else utime+stime from
// /proc/PID/stat, in 10ms ticks, too coarse for a 200ms window. A Go
// program seldom ends a thread, whose time would be lost from the sum.
func processCPU(pid int) (time.Duration, bool) {
	tasks, _ := filepath.Glob(fmt.Sprintf("/proc/%d/task/*/schedstat", pid))
	var sum time.Duration
	for _, f := range tasks {
		b, err := os.ReadFile(f)
		if err != nil {
			continue // the thread ended
		}
		if fields := strings.Fields(string(b)); len(fields) > 0 {
			ns, _ := strconv.ParseInt(fields[0], 10, 64)
			sum += time.Duration(ns)
		}
	}
	if sum > 0 {
		return sum, true
	}
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0, false
	}
	// The fields after the command's closing parenthesis, from the third:
	// utime and stime are the 14th and 15th, in USER_HZ (100) ticks.
	_, rest, _ := strings.Cut(string(b), ") ")
	f := strings.Fields(rest)
	if len(f) < 13 {
		return 0, false
	}
	utime, err1 := strconv.ParseInt(f[11], 10, 64)
	stime, err2 := strconv.ParseInt(f[12], 10, 64)
	if err1 != nil || err2 != nil {
		return 0, false
	}
	return time.Duration(utime+stime) * 10 * time.Millisecond, true
}

// check logs the figures, checks the latency bound with MINIWEB_LATENCY=1,
// and checks each slow connection's end.
func (a *slowAttack) check(t *testing.T, what string, status int) {
	t.Helper()
	paced := "writes"
	if a.mode == "silent" {
		paced = "dials"
	}
	if a.cpuKnown {
		perSec := func(d time.Duration) time.Duration {
			return (d * time.Second / a.cpuWindow).Round(time.Millisecond / 10)
		}
		t.Logf("%s cost %v of server CPU per second (slowclients itself: %v), over %v", what,
			perSec(a.serverCPU), perSec(a.attackerCPU), a.cpuWindow.Round(time.Millisecond))
	}
	t.Logf("%s: slowclients' %d paced %s were late by p50/p99/max %v/%v/%v", what,
		a.paced.Writes, paced, a.paced.LateP50, a.paced.LateP99, a.paced.LateMax)
	if len(a.closing) > 0 {
		t.Logf("%s: while they are closed, normal client p50/p99/max %v/%v/%v (%d samples; not bounded)", what,
			pct(a.closing, 50), pct(a.closing, 99), a.closing[len(a.closing)-1], len(a.closing))
	}
	if strictLatency() {
		checkLatency(t, what, a.idle, a.during)
	} else {
		t.Logf("%s: normal client p50/p99/max idle %v/%v/%v (%d samples), during %v/%v/%v (%d samples) (figures; MINIWEB_LATENCY=1 checks them)", what,
			pct(a.idle, 50), pct(a.idle, 99), a.idle[len(a.idle)-1], len(a.idle),
			pct(a.during, 50), pct(a.during, 99), a.during[len(a.during)-1], len(a.during))
	}
	checkOutcomes(t, a.out, status, slowTimeout())
}

// checkOutcomes checks every slow connection got status and was closed by
// the server at timeout after its first byte: not before (the server's
// clock starts after the client's, which reads it before writing), and
// with MINIWEB_LATENCY=1 not closeSlack after; in the default run before
// slowLimit, which slowclients reports as an error.
func checkOutcomes(t *testing.T, out []slowOutcome, status int, timeout time.Duration) {
	t.Helper()
	var bad int
	var lo, hi time.Duration = time.Hour, 0
	for _, o := range out {
		lo, hi = min(lo, o.Lasted), max(hi, o.Lasted)
		switch {
		case o.Err != "":
			t.Errorf("slow connection %d: %s", o.Conn, o.Err)
		case o.Status != status:
			t.Errorf("slow connection %d: status %d; want %d", o.Conn, o.Status, status)
		case o.Closed.IsZero():
			t.Errorf("slow connection %d was not closed by the server", o.Conn)
		case o.Lasted < timeout:
			t.Errorf("slow connection %d closed after %v; want its timeout, %v, or more", o.Conn, o.Lasted, timeout)
		case strictLatency() && o.Lasted > timeout+closeSlack:
			t.Errorf("slow connection %d closed after %v; want %v to %v", o.Conn, o.Lasted, timeout, timeout+closeSlack)
		default:
			continue
		}
		if bad++; bad == 5 {
			t.Fatal("and more")
		}
	}
	t.Logf("%d slow connections: each answered %d and closed after %v to %v (timeout %v)",
		len(out), status, lo.Round(time.Millisecond), hi.Round(time.Millisecond), timeout)
}

// slowParallel runs the test in parallel with the others, except with
// MINIWEB_LATENCY=1, whose figures want the machine to themselves.
func slowParallel(t *testing.T) {
	if !strictLatency() {
		t.Parallel()
	}
}

// TestSlowHeaders opens 1,000 connections that send their request head one
// byte every 100ms: each gets 408 and is closed at the read-header timeout,
// and a normal client is served meanwhile.
func TestSlowHeaders(t *testing.T) {
	slowParallel(t)
	raiseNoFile(t, 1000+512)
	a := &slowAttack{mode: "head", path: "/hello.py", n: 1000}
	a.run(t)
	a.check(t, "1000 slow heads", 408)
}

// TestSlowBody opens 1,000 connections that send a complete head, then
// their form body one byte every 100ms, to /echo.py, which reads the body:
// its read fails at the body timeout, it answers 400 (the raw site's
// answer to a form it cannot read), and the server closes the connection,
// since the rest of the body cannot be found.
func TestSlowBody(t *testing.T) {
	slowParallel(t)
	raiseNoFile(t, 1000+512)
	a := &slowAttack{mode: "body", path: "/echo.py", n: 1000}
	a.run(t)
	a.check(t, "1000 slow bodies", 400)
}

// TestSlowUnreadBody: the same for a body the application does not read:
// the raw site answers a POST of /hello.py with 405 at once. The server
// then drains the body under the body timeout, fails, and closes.
func TestSlowUnreadBody(t *testing.T) {
	slowParallel(t)
	raiseNoFile(t, 1000+512)
	a := &slowAttack{mode: "body", path: "/hello.py", n: 1000}
	a.run(t)
	a.check(t, "1000 slow unread bodies", 405)
}

// TestSilentConnections opens 1,000 connections that send nothing at all:
// each is closed, without a byte, at the read-header timeout, not held
// for the idle timeout (10m here): a client that connects and says
// nothing must not hold a connection slot longer than one that trickles.
func TestSilentConnections(t *testing.T) {
	slowParallel(t)
	raiseNoFile(t, 1000+512)
	a := &slowAttack{mode: "silent", n: 1000}
	a.run(t)
	a.check(t, "1000 silent connections", 0)
}
