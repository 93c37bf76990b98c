package supervise

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"os/signal"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"strings"
	"syscall"
	"time"

	"github.com/miniweb/miniweb/server/internal/gowatch"
	"github.com/miniweb/miniweb/server/internal/handoff"
)

// Options configures Run.
type Options struct {
	// Addr is where to listen ("127.0.0.1:8080"), unless systemd passed a
	// socket (handoff.Listen). Run closes the socket when it returns.
	Addr string
	// Stdout and Stderr are the children's, shared with them: files
	// (a terminal, a log file); required.
	Stdout, Stderr io.Writer
	// Ready is how long a child has to serve once started, or it is
	// killed; zero means 30 s.
	Ready time.Duration
	// Grace is how long a child has to stop once told to (its health
	// drain and shutdown grace); Run kills one still running 5 s after.
	Grace time.Duration
	// Log receives the supervisor's lines; nil means slog.Default().
	Log *slog.Logger
}

// Log attribute keys.
const (
	keyPid    = "pid"
	keyErr    = "err"
	keyAfter  = "after"
	keyOutput = "output"
	keyWhere  = "where"
)

// child is a running child of the supervisor.
type child struct {
	s    *handoff.Successor
	bin  string        // its binary: a build of ours, or "" (the supervisor's own)
	ctl  *os.File      // its control pipe's write end; nil once closed
	done chan struct{} // closed when it has exited
}

// tell sends m to c, if its pipe is open.
func (c *child) tell(m message) {
	if c.ctl == nil {
		return
	}
	b, _ := json.Marshal(m)
	c.ctl.Write(append(b, '\n')) // a child that died is reaped apart
}

// release closes c's control pipe: c stops.
func (c *child) release() {
	if c.ctl != nil {
		c.ctl.Close()
		c.ctl = nil
	}
}

// supervisor is Run's state, for its goroutine alone.
type supervisor struct {
	o        Options
	ln       net.Listener
	stdout   *os.File
	stderr   *os.File
	dir      string          // where builds go
	cur      *child          // the serving child; nil after it died
	bin      string          // the binary the serving child runs, or ran last
	children map[*child]bool // running: cur and old ones finishing
	exited   chan *child     // a child's end
	quit     chan struct{}   // closed when Run returns
}

// Run supervises a -watch session until ctx ends (see doc.go): it starts
// this program's binary as the first child on o.Listener, and each good
// build after a save of a .go file of its module. It returns an error
// when the first child does not start, or the watcher cannot; nil after
// ctx ended and every child exited.
func Run(ctx context.Context, o Options) error {
	if o.Ready <= 0 {
		o.Ready = 30 * time.Second
	}
	if o.Log == nil {
		o.Log = slog.Default()
	}
	root, pkg, err := module()
	if err != nil {
		return err
	}
	sv := &supervisor{o: o, dir: gowatch.DefaultDir(), children: map[*child]bool{},
		exited: make(chan *child), quit: make(chan struct{})}
	var ok1, ok2 bool
	sv.stdout, ok1 = o.Stdout.(*os.File)
	sv.stderr, ok2 = o.Stderr.(*os.File)
	if !ok1 || !ok2 {
		return errors.New("-watch: stdout and stderr must be files the builds can share")
	}
	if sv.ln, _, err = handoff.Listen(o.Addr, o.Log); err != nil {
		return fmt.Errorf("cannot listen on %s: %w", o.Addr, err)
	}
	defer sv.ln.Close()
	o.Log.Info("miniweb watching: each good build serves here", "addr", "http://"+sv.ln.Addr().String()+"/", keyPid, os.Getpid())
	defer close(sv.quit)
	defer sv.stop()

	hup := make(chan os.Signal, 1)
	signal.Notify(hup, syscall.SIGHUP)
	defer signal.Stop(hup)
	if sv.cur, err = sv.start(ctx, handoff.Program{}); err != nil {
		return fmt.Errorf("the server did not start: %w", err)
	}

	results := make(chan gowatch.Result)
	var since time.Time // a save after the binary was made is missing from it: build at once
	if exe, err := os.Executable(); err == nil {
		if fi, err := os.Stat(exe); err == nil {
			since = fi.ModTime()
		}
	}
	w, err := gowatch.Watch(gowatch.Options{Root: root, Package: pkg, Dir: sv.dir, Since: since, Log: o.Log,
		OnResult: func(r gowatch.Result) {
			select {
			case results <- r:
			case <-ctx.Done():
				gowatch.Remove(sv.dir, r.Binary)
			}
		}})
	if err != nil {
		return fmt.Errorf("-watch: cannot watch the Go files: %w", err)
	}
	defer w.Close()
	o.Log.Info("watching the Go files: a save rebuilds and restarts", "root", root, "package", pkg)

	for {
		select {
		case <-ctx.Done():
			return nil
		case <-hup:
			o.Log.Info("SIGHUP: starting the server anew")
			sv.replace(ctx, handoff.Program{Path: sv.bin})
		case r := <-results:
			if r.Binary == "" {
				first := r.Errors[0]
				o.Log.Error("build failed; serving on", keyWhere, first.String(), keyOutput, r.Output)
				if sv.cur != nil {
					sv.cur.tell(message{Error: buildError(r.Errors)})
				}
				continue
			}
			o.Log.Info("build ok: starting it", keyAfter, r.Took.Round(time.Millisecond))
			sv.replace(ctx, handoff.Program{Path: r.Binary})
		case c := <-sv.exited:
			delete(sv.children, c)
			if c == sv.cur {
				o.Log.Error("the server exited; a good build starts it again", keyPid, c.s.Pid())
				sv.cur = nil
			}
			sv.removeUnused(c.bin)
		}
	}
}

// start starts a child running p and waits until it serves.
func (sv *supervisor) start(ctx context.Context, p handoff.Program) (*child, error) {
	ctlR, ctlW, err := os.Pipe()
	if err != nil {
		return nil, err
	}
	p.Env = append(p.Env, envChild+"=1")
	p.Files = []*os.File{ctlR}
	s, err := handoff.StartProgram(sv.ln, sv.stdout, sv.stderr, p)
	ctlR.Close() // the child's now
	if err != nil {
		ctlW.Close()
		return nil, err
	}
	sv.o.Log.Info("server started", keyPid, s.Pid())
	took, err := s.Wait(ctx, sv.o.Ready)
	if err != nil {
		ctlW.Close()
		return nil, err
	}
	sv.o.Log.Info("server ready", keyPid, s.Pid(), keyAfter, took.Round(time.Millisecond))
	c := &child{s: s, bin: p.Path, ctl: ctlW, done: make(chan struct{})}
	sv.children[c] = true
	sv.bin = p.Path
	go func() {
		if err := s.Exited(); err != nil {
			sv.o.Log.Warn("server ended", keyPid, s.Pid(), keyErr, err)
		}
		close(c.done)
		select {
		case sv.exited <- c:
		case <-sv.quit:
		}
	}()
	return c, nil
}

// replace starts p; once it serves, the old child hands off to it. If it
// does not start, the old child serves on and shows why.
func (sv *supervisor) replace(ctx context.Context, p handoff.Program) {
	old, oldBin := sv.cur, sv.bin
	c, err := sv.start(ctx, p)
	if err != nil {
		if ctx.Err() != nil {
			gowatch.Remove(sv.dir, p.Path)
			return
		}
		attrs := []any{keyErr, err}
		msg := "The new build did not take over; the old one serves on.\n" + err.Error()
		var f *handoff.Failure
		if errors.As(err, &f) && f.Output != "" {
			attrs = append(attrs, keyOutput, f.Output)
			msg += "\n\n" + f.Output
		}
		sv.o.Log.Error("restart failed; serving on", attrs...)
		if p.Path != oldBin {
			gowatch.Remove(sv.dir, p.Path)
		}
		if old != nil {
			old.tell(message{Error: &shown{Msg: msg}})
		}
		return
	}
	sv.cur = c
	if old != nil {
		old.tell(message{Handoff: true})
		old.release()
	}
}

// removeUnused removes bin, a build of ours, unless a running child runs
// it.
func (sv *supervisor) removeUnused(bin string) {
	if bin == "" || bin == sv.bin {
		return
	}
	for c := range sv.children {
		if c.bin == bin {
			return
		}
	}
	gowatch.Remove(sv.dir, bin)
}

// stop tells every child to stop and waits for them, killing one that
// outlives the grace, then removes the builds.
func (sv *supervisor) stop() {
	for c := range sv.children {
		c.release()
	}
	deadline, cancel := context.WithTimeout(context.Background(), sv.o.Grace+5*time.Second)
	defer cancel()
	for c := range sv.children {
		select {
		case <-c.done:
		case <-deadline.Done():
			sv.o.Log.Warn("server still running: killed", keyPid, c.s.Pid())
			c.s.Kill()
			<-c.done
		}
	}
	for c := range sv.children {
		if c.bin != "" {
			gowatch.Remove(sv.dir, c.bin)
		}
	}
	if sv.bin != "" {
		gowatch.Remove(sv.dir, sv.bin)
	}
}

// module returns the module root and the import path of this command, as
// go build takes it ("github.com/miniweb/miniweb/server").
func module() (root, pkg string, err error) {
	bi, ok := debug.ReadBuildInfo()
	if !ok || bi.Path == "" || bi.Path == "command-line-arguments" {
		return "", "", errors.New("-watch: cannot tell which package this command was built from: build it as a package (go run ./server)")
	}
	pkg = strings.TrimSuffix(bi.Path, ".test") // a test binary of the command builds the command
	_, src, _, _ := runtime.Caller(0)
	wd, _ := os.Getwd()
	root, err = gowatch.FindRoot(wd, filepath.Dir(src))
	return root, pkg, err
}
