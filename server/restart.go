package main

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net"
	"os"
	"os/signal"
	"strconv"
	"syscall"
	"time"

	"github.com/miniweb/miniweb/server/internal/handoff"
)

// listen returns the socket to serve on: the one inherited from systemd
// (socket activation) or from the process this one succeeds (a restart),
// else a new one listening on addr. The inherited one is nil in the last
// case.
func listen(addr string, log *slog.Logger) (net.Listener, *handoff.Inherited, error) {
	inh, err := handoff.Inherit()
	if err != nil {
		return nil, nil, err
	}
	if inh == nil {
		ln, err := net.Listen("tcp", addr)
		return ln, nil, err
	}
	switch inh.From {
	case handoff.FromSystemd:
		log.Info("serving the socket systemd passed; addr is not used", keyAddr, addr)
	case handoff.FromPredecessor:
		log.Info("serving the socket of the process we succeed", keyFrom, inh.Predecessor)
	}
	return inh.Listener, inh, nil
}

// restarter runs the zero-downtime restarts that SIGHUP asks for: it
// starts a successor on the listening socket and waits until it serves
// (the steps are in server/internal/handoff/doc.go).
type restarter struct {
	ln             net.Listener
	stdout, stderr *os.File      // the successor's; nil when ours are not files (in-process tests): no restart
	timeout        time.Duration // for the successor to be ready
	log            *slog.Logger
	hup            chan os.Signal

	// builds, in -watch mode (nil otherwise), are new builds to restart
	// with, as SIGHUP restarts with the binary on disk (watch.go).
	builds <-chan handoff.Program
	// dropBuild, in -watch mode, hears of a build that will not take
	// over: it removes the binary and, when err says why it failed,
	// shows that on the pages (err is nil for a build left unused).
	dropBuild func(p handoff.Program, err error)
	// handedTo is what the successor runs, once serve returned its pid.
	handedTo handoff.Program
}

// catchRestarts starts catching SIGHUP, whose default would end the
// process; close stops it.
func catchRestarts(ln net.Listener, stdout, stderr io.Writer, timeout time.Duration, log *slog.Logger) *restarter {
	r := &restarter{ln: ln, timeout: timeout, log: log, hup: make(chan os.Signal, 1)}
	r.stdout, _ = stdout.(*os.File)
	r.stderr, _ = stderr.(*os.File)
	signal.Notify(r.hup, syscall.SIGHUP)
	return r
}

func (r *restarter) close() { signal.Stop(r.hup) }

// restarted is how a restart ended.
type restarted struct {
	prog handoff.Program // what it ran: the zero Program for SIGHUP's
	pid  int
	took time.Duration
	err  error
}

// serve waits while the server serves, restarting on each SIGHUP, and
// returns when it is time to stop: with Serve's error if it failed, with
// the successor's pid once one serves (this process then hands off to
// it), or with 0 when ctx ends. A restart that fails leaves this process
// serving, and says why in the log; a SIGHUP during a restart is ignored.
// A new build (-watch) during a restart waits for its end: it is tried if
// the restart fails, and dropped if it succeeds (the successor, which
// watches too, builds again for a file saved after its own build began).
func (r *restarter) serve(ctx context.Context, served <-chan error) (successor int, err error) {
	var pending chan restarted // not nil while a restart runs
	var next *handoff.Program  // a build that came during the restart
	cancel := context.CancelFunc(func() {})
	start := func(p handoff.Program) {
		rctx, rcancel := context.WithCancel(ctx)
		cancel = rcancel
		pending = make(chan restarted, 1)
		go func() { pending <- r.restart(rctx, p) }()
	}
	defer func() {
		if next != nil {
			r.dropBuild(*next, nil)
		}
	}()
	defer func() {
		cancel() // kills a successor still starting: we started it
		if pending != nil {
			<-pending
		}
	}()
	for {
		select {
		case err := <-served:
			return 0, err
		case <-ctx.Done():
			return 0, nil
		case <-r.hup:
			if pending != nil {
				r.log.Warn("SIGHUP ignored: a restart is under way")
				continue
			}
			start(handoff.Program{})
		case p := <-r.builds:
			if pending == nil {
				start(p)
				continue
			}
			if next != nil {
				r.dropBuild(*next, nil) // a newer one came
			}
			next = &p
		case res := <-pending:
			pending = nil
			cancel()
			if res.err != nil {
				attrs := []any{keyErr, res.err}
				var f *handoff.Failure
				if errors.As(res.err, &f) && f.Output != "" {
					attrs = append(attrs, keyOutput, f.Output)
				}
				r.log.Error("restart failed; serving on", attrs...)
				if res.prog.Path != "" {
					r.dropBuild(res.prog, res.err)
				}
				if next != nil {
					start(*next)
					next = nil
				}
				continue
			}
			r.log.Info("successor ready", keyPid, res.pid, keyAfter, res.took.Round(time.Millisecond))
			if err := handoff.Notify("MAINPID=" + strconv.Itoa(res.pid) + "\nREADY=1"); err != nil {
				r.log.Warn("cannot tell systemd the new main pid", keyErr, err)
			}
			r.handedTo = res.prog
			return res.pid, nil
		}
	}
}

// restart starts a successor running p (the zero Program: the binary on
// disk) and waits until it serves.
func (r *restarter) restart(ctx context.Context, p handoff.Program) restarted {
	if r.stdout == nil || r.stderr == nil {
		return restarted{prog: p, err: errors.New("cannot restart: our stdout and stderr are not files a successor can share")}
	}
	s, err := handoff.StartProgram(r.ln, r.stdout, r.stderr, p)
	if err != nil {
		return restarted{prog: p, err: err}
	}
	r.log.Info("restarting: successor started", keyPid, s.Pid())
	took, err := s.Wait(ctx, r.timeout)
	return restarted{prog: p, pid: s.Pid(), took: took, err: err}
}
