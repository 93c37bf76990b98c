package main

import (
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// Zero-downtime restarts (SIGHUP) and systemd socket activation, with the
// real program: see server/internal/handoff for the protocol.

// lookTool finds a command-line tool from Debian (bash .ci/setup-tools
// installs it); without it the test skips, unless the variable env is 1,
// as CI sets it, which makes it fail.
func lookTool(t *testing.T, tool, env string) string {
	t.Helper()
	p, err := exec.LookPath(tool)
	if err != nil {
		if os.Getenv(env) == "1" {
			t.Fatalf("%s is not installed and %s=1: run bash .ci/setup-tools", tool, env)
		}
		t.Skipf("%s is not installed (bash .ci/setup-tools installs it; %s=1 makes this a failure)", tool, env)
	}
	return p
}

// wrkResult is what wrk reported.
type wrkResult struct {
	Requests int     // completed
	Errors   int     // socket errors: connect, read, write and timeout
	Non2xx   int     // responses with a status of 400 or more
	PerSec   float64 // requests per second
	Out      string  // the whole report
}

var (
	wrkRequests = regexp.MustCompile(`(\d+) requests in `)
	wrkErrors   = regexp.MustCompile(`Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)`)
	wrkNon2xx   = regexp.MustCompile(`Non-2xx or 3xx responses: (\d+)`)
	wrkPerSec   = regexp.MustCompile(`Requests/sec:\s+([\d.]+)`)
)

// wrkRun is a wrk started by startWrk.
type wrkRun struct {
	t    *testing.T
	cmd  *exec.Cmd
	out  *syncBuffer
	done chan error // gets Wait's error
}

// startWrk starts wrk -t2 -c conns on url, which runs until stop. A
// request counts as failed after patience, not wrk's 2s: the tests count
// failures, not slowness, and a busy machine is slow. wrk stops by itself
// after 10 minutes, and is killed (the process we started) at the end of
// the test if it still runs.
func startWrk(t *testing.T, wrk string, conns int, url string) *wrkRun {
	t.Helper()
	w := &wrkRun{t: t, out: &syncBuffer{}, done: make(chan error, 1)}
	w.cmd = exec.Command(wrk, "-t2", "-c"+strconv.Itoa(conns), "-d10m",
		"--timeout", strconv.Itoa(int(patience/time.Second))+"s", url)
	w.cmd.Stdout, w.cmd.Stderr = w.out, w.out
	if err := w.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { w.done <- w.cmd.Wait() }()
	t.Cleanup(func() {
		if w.cmd.ProcessState == nil {
			w.cmd.Process.Kill()
			<-w.done
		}
	})
	return w
}

// stop stops wrk with SIGINT, on which it reports as at the end of its
// duration, and returns its report.
func (w *wrkRun) stop() wrkResult {
	t := w.t
	t.Helper()
	if err := w.cmd.Process.Signal(os.Interrupt); err != nil {
		t.Fatalf("SIGINT to wrk: %v\n%s", err, w.out.String())
	}
	select {
	case err := <-w.done:
		if err != nil {
			t.Fatalf("wrk: %v\n%s", err, w.out.String())
		}
	case <-time.After(patience):
		w.cmd.Process.Kill()
		<-w.done
		t.Fatalf("wrk did not stop on SIGINT:\n%s", w.out.String())
	}
	r := wrkResult{Out: w.out.String()}
	m := wrkRequests.FindStringSubmatch(r.Out)
	if m == nil {
		t.Fatalf("no request count in wrk's report:\n%s", r.Out)
	}
	r.Requests, _ = strconv.Atoi(m[1])
	if m := wrkErrors.FindStringSubmatch(r.Out); m != nil {
		for _, n := range m[1:] {
			k, _ := strconv.Atoi(n)
			r.Errors += k
		}
	}
	if m := wrkNon2xx.FindStringSubmatch(r.Out); m != nil {
		r.Non2xx, _ = strconv.Atoi(m[1])
	}
	if m := wrkPerSec.FindStringSubmatch(r.Out); m != nil {
		r.PerSec, _ = strconv.ParseFloat(m[1], 64)
	}
	return r
}

// waitBusy waits until the process pid has used cpu more CPU time than
// when it was called: a server that does so under a load is answering it.
// It fails the test if the process exits first or after patience.
func waitBusy(t *testing.T, pid int, cpu time.Duration) {
	t.Helper()
	begin, ok := processCPU(pid)
	if !ok {
		t.Fatalf("cannot read the CPU time of pid %d", pid)
	}
	for deadline := time.Now().Add(patience); ; time.Sleep(10 * time.Millisecond) {
		now, ok := processCPU(pid)
		switch {
		case !ok || gone(pid):
			t.Fatalf("pid %d exited while the test waited for it to serve", pid)
		case now-begin >= cpu:
			return
		case time.Now().After(deadline):
			t.Fatalf("pid %d used %v of CPU in %v under the load; want %v: it does not serve it", pid, now-begin, patience, cpu)
		}
	}
}

// TestProgramRestartUnderLoad: wrk -c 64 on loopback while the test sends
// SIGHUP three times to the process serving, each once that process is
// busy with the load: each time a new process takes over (a new pid) and
// the old one ends, and wrk, stopped once the last process is busy too,
// sees no socket error and no status other than 2xx. The time from SIGHUP
// to the new process serving is logged.
func TestProgramRestartUnderLoad(t *testing.T) {
	t.Parallel()
	if testing.Short() {
		t.Skip("runs wrk")
	}
	wrk := lookTool(t, "wrk", "MINIWEB_TOOLS")
	const conns, restarts, busy = 64, 3, 50 * time.Millisecond
	tests := []struct {
		name, config, path string
	}{
		{"raw_hello", goodConfig, "/hello.py"},
		{"demo_page", demoConfig(t), "/about.py"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			// No access log: wrk would write some 10 MB a second.
			config := strings.Replace(tt.config, "enabled = true", "enabled = false", 1)
			if !strings.Contains(config, "[access_log]") {
				config += "\n[access_log]\nenabled = false\n"
			}
			dir, cfg := siteDir(t, config)
			f := startFamily(t, dir, nil, nil, "", "-config", cfg, "-addr", "127.0.0.1:0")
			addr, pid := f.serving()
			if resp, err := http.Get("http://" + addr + tt.path); err != nil || resp.StatusCode != 200 {
				t.Fatalf("GET %s before the load: %v %v", tt.path, resp, err)
			} else {
				resp.Body.Close()
			}

			w := startWrk(t, wrk, conns, "http://"+addr+tt.path)
			var tooks, seens []time.Duration
			for range restarts {
				waitBusy(t, pid, busy)
				next, took, seen := f.restart(pid, patience)
				tooks, seens = append(tooks, took), append(seens, seen)
				pid = next
			}
			waitBusy(t, pid, busy)
			r := w.stop()
			t.Logf("wrk -t2 -c%d %s with %d SIGHUPs: %d requests (%.0f/s), %d socket errors, %d non-2xx",
				conns, tt.path, restarts, r.Requests, r.PerSec, r.Errors, r.Non2xx)
			t.Logf("%d restarts; successor ready after (from its start, as logged) %v; SIGHUP to the ready line (as the test saw it) %v",
				len(tooks), tooks, seens)
			if r.Errors != 0 || r.Non2xx != 0 {
				t.Errorf("wrk saw %d socket errors and %d non-2xx responses; want 0 and 0:\n%s", r.Errors, r.Non2xx, r.Out)
			}
			if r.Requests == 0 {
				t.Errorf("no request: the load did not run:\n%s", r.Out)
			}
			if log := f.log(); strings.Contains(log, "level=ERROR") || strings.Contains(log, "grace period over") {
				t.Errorf("the log has errors:\n%s", log)
			}
		})
	}
}

// A successor that fails leaves the old process serving, which logs why:
// a config error (with the successor's message), a successor that is not
// ready within [timeouts] ready (killed; here it waits for a database
// that never answers), and a second SIGHUP during a restart is ignored.
// Once the config is fixed, the next SIGHUP restarts.
func TestProgramRestartFails(t *testing.T) {
	t.Parallel()
	// A PostgreSQL "server" that accepts connections and never answers:
	// the demo site waits for it up to 10s, past [timeouts] ready. That
	// is 3s, for the good successor at the end too, which the old process
	// waits for with the same timeout: a raw site ready within 3s on a
	// busy machine.
	silent, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer silent.Close()
	good := strings.Replace(goodConfig, "[timeouts]\n", "[timeouts]\nready = \"3s\"\n", 1)
	if good == goodConfig {
		t.Fatal("goodConfig has no [timeouts]")
	}
	dir, cfg := siteDir(t, good)
	f := startFamily(t, dir, nil, nil, "", "-config", cfg, "-addr", "127.0.0.1:0")
	addr, pid := f.serving()
	get := func() {
		t.Helper()
		resp, err := http.Get("http://" + addr + "/hello.py")
		if err != nil {
			t.Fatalf("GET /hello.py: %v", err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 || string(b) != "Hello, World!" {
			t.Fatalf("GET /hello.py: %d %q", resp.StatusCode, b)
		}
	}
	// The demo site on the silent database.
	hanging := strings.Replace(demoConfig(t), `url = "sqlite:data/db.sqlite"`,
		`url = "postgres://app:pw@`+silent.Addr().String()+`/app?sslmode=disable"`, 1)
	failed := regexp.MustCompile(`level=ERROR msg="restart failed; serving on" err="successor pid (\d+) ([^"]*)"(?: output="((?:[^"\\]|\\.)*)")?`)
	tests := []struct {
		name   string
		config string // written over cfg.toml before the SIGHUP
		hups   int    // SIGHUPs sent, the second and third once a successor has started
		reason string // the failure's reason
		output string // in its output
	}{
		{name: "unknown_key", config: good + "\n[limits]\nbodybytes = 1\n", hups: 1,
			reason: "exited with status 2 before it was ready",
			output: `unknown key \"limits.bodybytes\"`},
		{name: "bad_site", config: strings.Replace(good, `site = "raw"`, `site = "nosuch"`, 1), hups: 1,
			reason: "exited with status 2 before it was ready",
			output: `unknown site \"nosuch\"`},
		{name: "not_ready", config: hanging, hups: 3,
			reason: "was not ready within 3s: killed"},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if err := os.WriteFile(cfg, []byte(tt.config), 0o644); err != nil {
				t.Fatal(err)
			}
			started := len(startedPid.FindAllString(f.log(), -1))
			ignored := strings.Count(f.log(), "SIGHUP ignored: a restart is under way")
			for k := range tt.hups {
				if err := syscall.Kill(pid, syscall.SIGHUP); err != nil {
					t.Fatal(err)
				}
				if k == 0 {
					f.waitLog(startedPid, started+1, patience) // a restart is under way
				} else {
					f.waitCount("SIGHUP ignored: a restart is under way", ignored+k, patience)
				}
			}
			m := f.waitLog(failed, i+1, patience)[i]
			if m[2] != tt.reason || !strings.Contains(m[3], tt.output) {
				t.Errorf("failure %q, output %q; want %q and %q", m[2], m[3], tt.reason, tt.output)
			}
			if tt.hups > 1 && strings.Count(f.log(), "SIGHUP ignored: a restart is under way") != tt.hups-1 {
				t.Errorf("want %d SIGHUPs ignored", tt.hups-1)
			}
			failedPid, _ := strconv.Atoi(m[1])
			if !waitFor(patience, func() bool { return gone(failedPid) }) {
				t.Errorf("the failed successor, pid %d, still runs", failedPid)
			}
			get() // the old process serves on
		})
	}
	if strings.Contains(f.log(), "successor ready") {
		t.Fatal("a broken successor took over")
	}
	// Fixed: the next SIGHUP restarts.
	if err := os.WriteFile(cfg, []byte(good), 0o644); err != nil {
		t.Fatal(err)
	}
	next, took, seen := f.restart(pid, patience)
	t.Logf("after the failures, pid %d took over from pid %d: ready %v after its start, %v after the SIGHUP", next, pid, took, seen)
	get()
}

// Socket activation: started as systemd starts a service of a .socket
// unit (fd 3 listening, LISTEN_FDS=1, LISTEN_PID its pid, set by a shell
// before exec as no parent knows the pid before), the program serves on
// fd 3 and ignores addr, says READY=1 on NOTIFY_SOCKET; after a SIGHUP
// its successor serves on the same socket and the old process names it
// with MAINPID=; on SIGTERM the last one says STOPPING=1.
func TestProgramSystemdSocket(t *testing.T) {
	t.Parallel()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	sock, err := ln.(*net.TCPListener).File()
	if err != nil {
		t.Fatal(err)
	}
	defer sock.Close()
	notifyPath := filepath.Join(socketDir(t), "notify")
	notify, err := net.ListenUnixgram("unixgram", &net.UnixAddr{Name: notifyPath, Net: "unixgram"})
	if err != nil {
		t.Fatal(err)
	}
	defer notify.Close()
	nextNotice := func() string {
		t.Helper()
		notify.SetReadDeadline(time.Now().Add(patience))
		b := make([]byte, 256)
		n, err := notify.Read(b)
		if err != nil {
			t.Fatalf("no sd_notify message: %v", err)
		}
		return string(b[:n])
	}

	dir, cfg := siteDir(t, goodConfig)
	env := append(programEnv(), "LISTEN_FDS=1", "LISTEN_FDNAMES=miniweb.socket", "NOTIFY_SOCKET="+notifyPath)
	// -addr names a port in use: listening there would fail.
	f := startFamily(t, dir, env, []*os.File{sock}, "/bin/sh",
		"-c", `LISTEN_PID=$$ exec "$0" "$@"`, miniwebBinary(t), "-config", cfg, "-addr", ln.Addr().String())
	sock.Close()
	ln.Close() // only the program holds the socket now
	addr, pid := f.serving()
	if addr != ln.Addr().String() || pid != f.first.Process.Pid {
		t.Fatalf("serving %s as pid %d; want %s as pid %d (the shell's, exec'd)", addr, pid, ln.Addr(), f.first.Process.Pid)
	}
	if !strings.Contains(f.log(), `msg="serving the socket systemd passed; addr is not used"`) {
		t.Error("the log does not say the socket came from systemd")
	}
	if got := nextNotice(); got != "READY=1" {
		t.Errorf("sd_notify %q; want READY=1", got)
	}
	body := func() string {
		t.Helper()
		resp, err := http.Get("http://" + addr + "/hello.py")
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return string(b)
	}
	if got := body(); got != "Hello, World!" {
		t.Fatalf("GET /hello.py: %q", got)
	}

	next, _, _ := f.restart(pid, patience)
	if got, want := nextNotice(), fmt.Sprintf("MAINPID=%d\nREADY=1", next); got != want {
		t.Errorf("sd_notify after the restart %q; want %q", got, want)
	}
	if got := body(); got != "Hello, World!" {
		t.Fatalf("GET /hello.py after the restart: %q", got)
	}
	if err := syscall.Kill(next, syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	if got := nextNotice(); got != "STOPPING=1" {
		t.Errorf("sd_notify on SIGTERM %q; want STOPPING=1", got)
	}
	if !waitFor(shutdownGrace+patience, func() bool { return gone(next) }) {
		t.Error("the successor did not exit on SIGTERM")
	}
	if c, err := net.DialTimeout("tcp", addr, patience); err == nil {
		c.Close()
		t.Error("the socket is still open after the last process exited")
	}
}

// socketDir returns a folder for a Unix socket, removed at the end of the
// test: t.TempDir(), unless a socket's path there would pass the 107 bytes
// a sockaddr_un holds (a long TMPDIR), then a new folder in /tmp.
func socketDir(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	if len(dir) <= 80 {
		return dir
	}
	dir, err := os.MkdirTemp("/tmp", "miniweb-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	return dir
}
