package main

import (
	"bufio"
	"errors"
	"flag"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// The tests in this file run the real program: the binary is built once per
// test run, started as a process with flags and a config file, and stopped
// with a real signal.

var (
	binDirOnce sync.Once
	binDir     string // the folder of the built binaries; TestMain removes it
	binDirErr  error

	buildOnce sync.Once
	binPath   string
	buildErr  error
)

// parallelTests is how many tests of this package run at once unless
// -test.parallel says otherwise: more than the default, GOMAXPROCS, as they
// spend their time waiting on the processes they start (the program, wrk,
// nginx, PostgreSQL), not on this one's CPU.
const parallelTests = 8

func TestMain(m *testing.M) {
	flag.Parse()
	given := false
	flag.Visit(func(f *flag.Flag) { given = given || f.Name == "test.parallel" })
	if !given {
		flag.Set("test.parallel", strconv.Itoa(parallelTests))
	}
	code := m.Run()
	if binDir != "" {
		os.RemoveAll(binDir)
	}
	os.Exit(code)
}

// testBinDir makes the folder of the binaries the tests build, once for
// the whole test run, and returns it.
func testBinDir(t *testing.T) string {
	t.Helper()
	binDirOnce.Do(func() { binDir, binDirErr = os.MkdirTemp("", "miniweb-bin-") })
	if binDirErr != nil {
		t.Fatal(binDirErr)
	}
	return binDir
}

// miniwebBinary builds the server once for the whole test run, on first use,
// and returns the path of the binary.
func miniwebBinary(t *testing.T) string {
	t.Helper()
	dir := testBinDir(t)
	buildOnce.Do(func() {
		goTool, err := exec.LookPath("go") // go test puts GOROOT/bin first on PATH
		if err != nil {
			buildErr = err
			return
		}
		binPath = filepath.Join(dir, "miniweb")
		out, err := exec.Command(goTool, "build", "-o", binPath, "github.com/miniweb/miniweb/server").CombinedOutput()
		if err != nil {
			buildErr = errors.New("go build: " + err.Error() + "\n" + string(out))
		}
	})
	if buildErr != nil {
		t.Fatal(buildErr)
	}
	return binPath
}

// siteDir makes a folder holding a config file named cfg.toml with content
// and a static folder with an index.html, and returns the folder and the
// config file's path.
func siteDir(t *testing.T, content string) (dir, cfg string) {
	t.Helper()
	dir = t.TempDir()
	if err := os.Mkdir(filepath.Join(dir, "static"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "static", "index.html"), []byte(indexHTML), 0o644); err != nil {
		t.Fatal(err)
	}
	cfg = filepath.Join(dir, "cfg.toml")
	if err := os.WriteFile(cfg, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	return dir, cfg
}

const indexHTML = "<!doctype html><title>e2e</title><h1>static index</h1>\n"

// shutdownGrace is the shutdown grace of goodConfig and demoConfig: so
// long that only a hang runs it out. A program that stops without waiting
// it out ends as soon as its connections are closed, however busy the
// machine; one that waits it out logs "grace period over", which the tests
// look for.
const shutdownGrace = time.Minute

// goodConfig is a valid config: the raw site, the static folder beside it,
// a shutdown grace of shutdownGrace and the access log in Combined Log
// Format.
const goodConfig = `static = "static"
templates = "templates"
site = "raw"
dev = false

[timeouts]
shutdown = "1m"

[access_log]
enabled = true
format = "combined"
`

// testSecret is the session secret the started programs get when the test
// process has no MINIWEB_SESSION_SECRET, so that configs with dev = false
// start. A test that gives the variable, even as "", decides alone.
const testSecret = "miniweb-test-secret-0123456789abcdef"

// programEnv returns the environment for a started program: the test
// process's, plus testSecret as MINIWEB_SESSION_SECRET when it is unset,
// then extra ("NAME=value" each), whose values win. A test sets a
// program's variables here rather than with t.Setenv, so that it can run
// in parallel with the others.
func programEnv(extra ...string) []string {
	env := os.Environ()
	if _, ok := os.LookupEnv("MINIWEB_SESSION_SECRET"); !ok {
		env = append(env, "MINIWEB_SESSION_SECRET="+testSecret)
	}
	return append(env, extra...) // exec keeps the last value of a name
}

// runMiniweb runs the binary in dir with args to its end, bounded by
// patience, and returns its exit status, stdout and stderr.
func runMiniweb(t *testing.T, dir string, args ...string) (status int, stdout, stderr string) {
	t.Helper()
	return runMiniwebEnv(t, dir, programEnv(), args...)
}

// runMiniwebEnv is runMiniweb with the environment env.
func runMiniwebEnv(t *testing.T, dir string, env []string, args ...string) (status int, stdout, stderr string) {
	t.Helper()
	var out, errOut syncBuffer
	cmd := exec.Command(miniwebBinary(t), args...)
	cmd.Dir = dir
	cmd.Env = env
	cmd.Stdout, cmd.Stderr = &out, &errOut
	cmd.WaitDelay = patience // for the output's last bytes, on a busy machine
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		var ee *exec.ExitError
		if err != nil && !errors.As(err, &ee) {
			t.Fatalf("running miniweb: %v", err)
		}
	case <-time.After(patience):
		cmd.Process.Kill()
		<-done
		t.Fatalf("miniweb %q did not exit within %v; stderr:\n%s", args, patience, errOut.String())
	}
	return cmd.ProcessState.ExitCode(), out.String(), errOut.String()
}

// knownSites matches the list of known sites ending an error message, the
// raw site among them (others come and go).
var knownSites = regexp.MustCompile(`\(known sites: (\w+, )*raw(, \w+)*\)\n$`)

// A config error stops the program before it listens, with status 2 and one
// message naming the file (and line), the key and what was expected.
func TestProgramConfigErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		config string         // the content of cfg.toml, beside a valid static folder
		args   []string       // "" in an argument stands for the config file's path
		want   []string       // substrings of stderr; "@" stands for the config file's path
		match  *regexp.Regexp // when not nil, stderr must match it too
	}{
		{
			name:   "unknown_key",
			config: "static = \"static\"\n[limits]\nbodybytes = 1024\n",
			args:   []string{"-config", ""},
			want: []string{
				`miniweb: @:3: unknown key "limits.bodybytes"`,
				`(known keys in [limits]: request_line, header_bytes, header_count, body_bytes, max_conns, max_conns_per_addr, min_rate_bytes, min_rate_grace)`,
				`did you mean "limits.body_bytes"?`,
			},
		},
		{
			name:   "integer_for_duration",
			config: "static = \"static\"\n[timeouts]\nidle = 60\n",
			args:   []string{"-config", ""},
			want:   []string{`miniweb: @:3: timeouts.idle: expected a duration string such as "60s", got integer 60`},
		},
		{
			name:   "bad_duration",
			config: "static = \"static\"\n[timeouts]\nshutdown = \"5 seconds\"\n",
			args:   []string{"-config", ""},
			want:   []string{`miniweb: @:3: timeouts.shutdown: invalid duration "5 seconds" (use Go duration syntax such as "300ms", "5s", "1m")`},
		},
		{
			name:   "string_for_integer",
			config: "static = \"static\"\n\n[limits]\nbody_bytes = \"10MB\"\n",
			args:   []string{"-config", ""},
			want:   []string{`miniweb: @:4: limits.body_bytes: expected an integer (bytes), got string "10MB"`},
		},
		{
			name:   "toml_syntax",
			config: "static = \"static\"\nsite = = \"raw\"\n",
			args:   []string{"-config", ""},
			want:   []string{`miniweb: @:2:8: invalid TOML: expected value but found '=' instead`},
		},
		{
			name: "missing_file",
			args: []string{"-config", "nope.toml"},
			want: []string{`miniweb: nope.toml: cannot read config: open nope.toml: no such file or directory`},
		},
		{
			name:   "unknown_site",
			config: "static = \"static\"\nsite = \"nosuch\"\n",
			args:   []string{"-config", ""},
			want:   []string{`miniweb: @:2: site: unknown site "nosuch": not registered in sites/sites.go (known sites: `},
			match:  knownSites,
		},
		{
			name:   "bad_flag_value",
			config: goodConfig,
			args:   []string{"-config", "", "-addr", "localhost"},
			want:   []string{`miniweb: flag -addr: addr: expected host:port such as "127.0.0.1:8080", got "localhost" (missing port in address)`},
		},
		{
			name: "unknown_flag",
			args: []string{"-nosuchflag"},
			want: []string{`miniweb: flag provided but not defined: -nosuchflag (run with -h for the flags)`},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			dir, cfg := siteDir(t, tt.config)
			args := append([]string(nil), tt.args...)
			for i, a := range args {
				if a == "" {
					args[i] = cfg
				}
			}
			// -addr port 0 last, unless the case sets its own: were the
			// program to listen, it would not collide with anything.
			if !strings.Contains(strings.Join(args, " "), "-addr") {
				args = append(args, "-addr", "127.0.0.1:0")
			}
			status, stdout, stderr := runMiniweb(t, dir, args...)
			if status != 2 {
				t.Errorf("exit status %d; want 2", status)
			}
			for _, w := range tt.want {
				if w = strings.ReplaceAll(w, "@", cfg); !strings.Contains(stderr, w) {
					t.Errorf("stderr lacks\n\t%s\ngot\n\t%s", w, stderr)
				}
			}
			if tt.match != nil && !tt.match.MatchString(stderr) {
				t.Errorf("stderr does not match %s:\n\t%s", tt.match, stderr)
			}
			if n := strings.Count(strings.TrimSpace(stderr), "\n"); n != 0 {
				t.Errorf("stderr has %d lines; want one message:\n%s", n+1, stderr)
			}
			if strings.Contains(stderr, "serving") || stdout != "" {
				t.Errorf("the program went on after a config error: stdout %q stderr %q", stdout, stderr)
			}
		})
	}
}

// An unknown site is located like every other config error: at its flag
// when a flag gave it, else at its line in the file.
func TestProgramUnknownSiteLocated(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, config string
		args         []string // after -config file
		want         string   // "@" stands for the config file's path
	}{
		{"flag", goodConfig, []string{"-site", "nosuch"}, `miniweb: flag -site: site: unknown site "nosuch": not registered in sites/sites.go (known sites: `},
		{"file_line", "static = \"static\"\nsite = \"nosuch\"\n", nil, `miniweb: @:2: site: unknown site "nosuch": not registered in sites/sites.go (known sites: `},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			dir, cfg := siteDir(t, tt.config)
			status, _, stderr := runMiniweb(t, dir, append([]string{"-config", cfg, "-check"}, tt.args...)...)
			want := strings.ReplaceAll(tt.want, "@", cfg)
			if status != 2 || !strings.Contains(stderr, want) || !knownSites.MatchString(stderr) {
				t.Fatalf("status %d, stderr %q; want 2 and %q", status, stderr, want)
			}
		})
	}
}

// The session secret is checked like every other value, by -check too: a
// short secret stops the program before it listens, with status 2 and one
// message naming the key and the variable, never the secret. A missing one
// is no error in production: the server keeps its own in a key file
// (program_secret_test.go).
func TestProgramSessionSecret(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		env    string   // MINIWEB_SESSION_SECRET; "" is empty, as unset
		args   []string // after -config file -addr 127.0.0.1:0
		status int
		want   string // the whole stderr ("@" stands for the config file's path), or stdout when status is 0
	}{
		{"missing_check", "", []string{"-check"}, 0, "@: ok\n"},
		{"short", "hunter2", []string{"-check"}, 2,
			"miniweb: environment MINIWEB_SESSION_SECRET: session.secret: expected a secret of at least 32 bytes, got 7 bytes (make a secret with: openssl rand -base64 32)\n"},
		{"good", testSecret, []string{"-check"}, 0, "@: ok\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			dir, cfg := siteDir(t, goodConfig) // dev = false
			args := append([]string{"-config", cfg, "-addr", "127.0.0.1:0"}, tt.args...)
			status, stdout, stderr := runMiniwebEnv(t, dir, programEnv("MINIWEB_SESSION_SECRET="+tt.env), args...)
			want := strings.ReplaceAll(tt.want, "@", cfg)
			got := stderr
			if tt.status == 0 {
				// -check's first line; the lines after it say where each
				// part comes from.
				got, _, _ = strings.Cut(stdout, "\n")
				got += "\n"
			}
			if status != tt.status || got != want {
				t.Errorf("status %d, stdout %q, stderr %q; want %d and\n\t%q", status, stdout, stderr, tt.status, want)
			}
			if tt.env != "" && strings.Contains(stdout+stderr, tt.env) {
				t.Errorf("the output shows the secret: %q %q", stdout, stderr)
			}
		})
	}
}

func TestProgramCheckAndHelp(t *testing.T) {
	t.Parallel()
	t.Run("check_ok", func(t *testing.T) {
		t.Parallel()
		dir, cfg := siteDir(t, goodConfig)
		status, stdout, stderr := runMiniweb(t, dir, "-config", cfg, "-check")
		if status != 0 || !strings.HasPrefix(stdout, cfg+": ok\n") {
			t.Fatalf("-check: status %d, stdout %q, stderr %q; want 0 and %q", status, stdout, stderr, cfg+": ok\n")
		}
		if strings.Contains(stderr, "serving") {
			t.Fatalf("-check started serving: %s", stderr)
		}
	})
	t.Run("check_bad", func(t *testing.T) {
		t.Parallel()
		dir, cfg := siteDir(t, "site = \"nosuch\"\n")
		if status, stdout, _ := runMiniweb(t, dir, "-config", cfg, "-check"); status != 2 || strings.Contains(stdout, "ok") {
			t.Fatalf("-check on an unknown site: status %d, stdout %q; want 2 and no ok", status, stdout)
		}
	})
	t.Run("help", func(t *testing.T) {
		t.Parallel()
		dir := t.TempDir()
		status, stdout, stderr := runMiniweb(t, dir, "-h")
		if status != 0 {
			t.Fatalf("-h: exit status %d; want 0", status)
		}
		usage := stdout + stderr
		for _, flag := range []string{"-config", "-addr", "-site", "-check", "-static", "-templates"} {
			if !strings.Contains(usage, "  "+flag+" ") && !strings.Contains(usage, "  "+flag+"\n") {
				t.Errorf("usage lacks %s:\n%s", flag, usage)
			}
		}
	})
}

// servingLine matches the startup line of the server's slog text log.
var servingLine = regexp.MustCompile(`msg="miniweb serving" addr=(http://127\.0\.0\.1:\d+/) `)

// combinedLine matches one line of Combined Log Format with the request
// time appended; the groups are the request, the status and the user agent.
var combinedLine = regexp.MustCompile(`^127\.0\.0\.1 - - \[\d\d/[A-Z][a-z][a-z]/\d{4}:\d\d:\d\d:\d\d [+-]\d{4}\] "([^"]*)" (\d{3}) (?:\d+|-) "[^"]*" "([^"]*)" \d+\.\d{3}$`)

// The program serves static files and the raw site, and on SIGTERM closes
// its idle connections, exits 0 without waiting out its grace period and
// leaves one access line per request.
func TestProgramServesAndStopsOnSIGTERM(t *testing.T) {
	t.Parallel()
	dir, cfg := siteDir(t, goodConfig)
	cmd, stdout, stderr, exited := startProgram(t, dir, "-config", cfg, "-addr", "127.0.0.1:0")

	hostport := servingAddr(t, stderr, exited)

	client := &http.Client{Transport: &http.Transport{}, Timeout: 5 * time.Second}
	defer client.CloseIdleConnections()
	for _, tt := range []struct{ path, ctype, body string }{
		{"/", "text/html; charset=utf-8", indexHTML},
		{"/hello.py", "text/plain; charset=utf-8", "Hello, World!"},
	} {
		resp, err := client.Get("http://" + hostport + tt.path)
		if err != nil {
			t.Fatal(err)
		}
		b, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		if err != nil || resp.StatusCode != 200 || string(b) != tt.body || resp.Header.Get("Content-Type") != tt.ctype {
			t.Fatalf("GET %s: %d %q %q, %v", tt.path, resp.StatusCode, resp.Header.Get("Content-Type"), b, err)
		}
		if resp.Header.Get("Server") != "miniweb" {
			t.Errorf("GET %s: Server %q; want the shipped default miniweb", tt.path, resp.Header.Get("Server"))
		}
	}
	client.CloseIdleConnections()

	// A keep-alive connection left idle after one request.
	idle, err := net.Dial("tcp", hostport)
	if err != nil {
		t.Fatal(err)
	}
	defer idle.Close()
	idle.SetDeadline(time.Now().Add(2 * patience))
	br := bufio.NewReader(idle)
	io.WriteString(idle, "GET /hello.py HTTP/1.1\r\nHost: e2e\r\nUser-Agent: idle-client/1\r\n\r\n")
	resp, err := http.ReadResponse(br, &http.Request{Method: "GET"})
	if err != nil {
		t.Fatal(err)
	}
	if b, _ := io.ReadAll(resp.Body); resp.StatusCode != 200 || string(b) != "Hello, World!" || resp.Close {
		t.Fatalf("keep-alive request: %d %q close=%v", resp.StatusCode, b, resp.Close)
	}

	signalled := time.Now()
	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	select {
	case <-exited:
	case <-time.After(shutdownGrace + patience):
		t.Fatalf("still running %v after SIGTERM with a %v grace period", time.Since(signalled), shutdownGrace)
	}
	t.Logf("exited %v after SIGTERM", time.Since(signalled).Round(time.Millisecond))
	if code := cmd.ProcessState.ExitCode(); code != 0 {
		t.Fatalf("exit status %d after SIGTERM; want 0", code)
	}
	// Nothing was in flight: the idle connection is closed at once, and
	// the grace period is not waited out (which would take a minute, and
	// say so in the log).
	if strings.Contains(stderr.String(), "grace period over") {
		t.Errorf("the program waited out its grace period with only an idle connection open; want it closed at once")
	}

	// The idle connection was closed, without a byte.
	if n, err := br.Read(make([]byte, 1)); n != 0 || err != io.EOF && !isReset(err) {
		t.Errorf("idle connection after exit: read %d bytes, %v; want EOF", n, err)
	}
	// Nothing listens any more.
	if c, err := net.DialTimeout("tcp", hostport, patience); err == nil {
		c.Close()
		t.Error("a new connection was accepted after exit")
	} else if !errors.Is(err, syscall.ECONNREFUSED) {
		t.Errorf("dial after exit: %v; want connection refused", err)
	}

	for _, w := range []string{`msg="shutting down" grace=` + shutdownGrace.String(), `msg=stopped`} {
		if !strings.Contains(stderr.String(), w) {
			t.Errorf("stderr lacks %s", w)
		}
	}
	// One access line per request, in Combined Log Format. The lines of
	// different connections may come in any order: each is written after
	// its response has gone out.
	lines := strings.Split(strings.TrimSuffix(stdout.String(), "\n"), "\n")
	want := map[string]int{
		`"GET / HTTP/1.1" 200 "Go-http-client/1.1"`:         1,
		`"GET /hello.py HTTP/1.1" 200 "Go-http-client/1.1"`: 1,
		`"GET /hello.py HTTP/1.1" 200 "idle-client/1"`:      1,
	}
	if len(lines) != len(want) {
		t.Fatalf("%d access lines; want %d:\n%s", len(lines), len(want), stdout.String())
	}
	for i, line := range lines {
		m := combinedLine.FindStringSubmatch(line)
		if m == nil {
			t.Errorf("access line %d is not in Combined Log Format: %q", i, line)
			continue
		}
		key := `"` + m[1] + `" ` + m[2] + ` "` + m[3] + `"`
		if want[key] == 0 {
			t.Errorf("access line %d = %q: not one of the requests, or logged twice", i, line)
		}
		want[key]--
	}
}

// servingAddr waits up to patience for the program's "miniweb serving"
// line on stderr and returns the host:port it names. It fails the test if
// the program exits first.
func servingAddr(t *testing.T, stderr *syncBuffer, exited <-chan struct{}) string {
	t.Helper()
	for deadline := time.Now().Add(patience); ; {
		if m := servingLine.FindStringSubmatch(stderr.String()); m != nil {
			return strings.TrimSuffix(strings.TrimPrefix(m[1], "http://"), "/")
		}
		select {
		case <-exited:
			t.Fatalf("the program exited before serving:\n%s", stderr.String())
		case <-time.After(10 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			t.Fatalf("no \"miniweb serving\" line within %v:\n%s", patience, stderr.String())
		}
	}
}

// startProgram starts the built program in dir with args. It kills the
// program at the end of the test if it still runs (only the process it
// started) and logs its output if the test failed; exited is closed when
// the program has exited.
func startProgram(t *testing.T, dir string, args ...string) (cmd *exec.Cmd, stdout, stderr *syncBuffer, exited chan struct{}) {
	t.Helper()
	return startProgramEnv(t, dir, programEnv(), args...)
}

// startProgramEnv is startProgram with the environment env.
func startProgramEnv(t *testing.T, dir string, env []string, args ...string) (cmd *exec.Cmd, stdout, stderr *syncBuffer, exited chan struct{}) {
	t.Helper()
	stdout, stderr = &syncBuffer{}, &syncBuffer{}
	cmd = exec.Command(miniwebBinary(t), args...)
	cmd.Dir = dir
	cmd.Env = env
	cmd.Stdout, cmd.Stderr = stdout, stderr
	cmd.WaitDelay = patience
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited = make(chan struct{})
	go func() { cmd.Wait(); close(exited) }()
	t.Cleanup(func() {
		select {
		case <-exited:
		default:
			cmd.Process.Kill()
			<-exited
		}
		if t.Failed() {
			t.Logf("stderr:\n%s\nstdout:\n%s", stderr.String(), stdout.String())
		}
	})
	return cmd, stdout, stderr, exited
}
