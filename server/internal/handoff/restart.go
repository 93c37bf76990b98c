package handoff

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net"
	"os"
	"os/signal"
	"strconv"
	"sync/atomic"
	"syscall"
	"time"
)

// Listen returns the socket to serve on: the one inherited from systemd
// (socket activation) or from the process this one succeeds (a restart),
// else a new one listening on addr, and says which in log. The Inherited
// is nil in the last case; Ready takes it either way.
func Listen(addr string, log *slog.Logger) (net.Listener, *Inherited, error) {
	inh, err := Inherit()
	if err != nil {
		return nil, nil, err
	}
	if inh == nil {
		ln, err := net.Listen("tcp", addr)
		return ln, nil, err
	}
	switch inh.From {
	case FromSystemd:
		log.Info("serving the socket systemd passed; addr is not used", "addr", addr)
	case FromPredecessor:
		log.Info("serving the socket of the process we succeed", "from", inh.Predecessor)
	}
	return inh.Listener, inh, nil
}

// Restarter runs the zero-downtime restarts that SIGHUP asks for: it
// starts a successor on the listening socket and waits until it serves
// (the steps are in doc.go).
type Restarter struct {
	ln             net.Listener
	stdout, stderr *os.File      // the successor's; nil when ours are not files (in-process tests): no restart
	timeout        time.Duration // for the successor to be ready
	log            *slog.Logger
	hup            chan os.Signal
	failed         atomic.Int64 // restarts that failed: Failures
}

// CatchRestarts starts catching SIGHUP, whose default would end the
// process; Close stops it. The successors share stdout and stderr when
// they are files; otherwise (in-process tests) a restart fails.
func CatchRestarts(ln net.Listener, stdout, stderr io.Writer, timeout time.Duration, log *slog.Logger) *Restarter {
	r := &Restarter{ln: ln, timeout: timeout, log: log, hup: make(chan os.Signal, 1)}
	r.stdout, _ = stdout.(*os.File)
	r.stderr, _ = stderr.(*os.File)
	signal.Notify(r.hup, syscall.SIGHUP)
	return r
}

// Close stops catching SIGHUP.
func (r *Restarter) Close() { signal.Stop(r.hup) }

// restarted is how a restart ended.
type restarted struct {
	pid  int
	took time.Duration
	err  error
}

// Serve waits while the server serves, restarting on each SIGHUP, and
// returns when it is time to stop: with Serve's error if it failed, with
// the successor's pid once one serves (this process then hands off to
// it), or with 0 when ctx ends. A restart that fails leaves this process
// serving, and says why in the log; a SIGHUP during a restart is ignored.
func (r *Restarter) Serve(ctx context.Context, served <-chan error) (successor int, err error) {
	var pending chan restarted // not nil while a restart runs
	rctx, cancel := context.WithCancel(ctx)
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
			pending = make(chan restarted, 1)
			go func() { pending <- r.restart(rctx) }()
		case res := <-pending:
			pending = nil
			if res.err != nil {
				attrs := []any{"err", res.err}
				var f *Failure
				if errors.As(res.err, &f) && f.Output != "" {
					attrs = append(attrs, "output", f.Output)
				}
				r.failed.Add(1)
				r.log.Error("restart failed; serving on", attrs...)
				continue
			}
			r.log.Info("successor ready", "pid", res.pid, "after", res.took.Round(time.Millisecond))
			if err := Notify("MAINPID=" + strconv.Itoa(res.pid) + "\nREADY=1"); err != nil {
				r.log.Warn("cannot tell systemd the new main pid", "err", err)
			}
			return res.pid, nil
		}
	}
}

// restart starts a successor, the binary on disk, and waits until it
// serves.
func (r *Restarter) restart(ctx context.Context) restarted {
	if r.stdout == nil || r.stderr == nil {
		return restarted{err: errors.New("cannot restart: our stdout and stderr are not files a successor can share")}
	}
	s, err := Start(r.ln, r.stdout, r.stderr)
	if err != nil {
		return restarted{err: err}
	}
	r.log.Info("restarting: successor started", "pid", s.Pid())
	took, err := s.Wait(ctx, r.timeout)
	return restarted{pid: s.Pid(), took: took, err: err}
}
