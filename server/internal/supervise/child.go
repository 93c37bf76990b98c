package supervise

import (
	"bufio"
	"context"
	"encoding/json"
	"os"
	"os/signal"
	"syscall"

	"github.com/miniweb/miniweb/server/internal/handoff"
)

// BuildErrorShower is a site that shows a compile error on its open pages
// (framework.App in dev mode, and sites built on it). The server knows the
// method, not the framework.
type BuildErrorShower interface {
	ShowBuildError(file string, line, col int, msg, source string)
}

// Supervised is this process as a child of Run: it serves on the socket
// the supervisor passed until the supervisor tells it to stop.
type Supervised struct {
	ctl *os.File // the control pipe's read end
}

// Child returns the link to this process's supervisor, or nil when it is
// no child of Run (and, with -watch, should supervise). It unsets the
// variable it reads, and ignores SIGHUP from now on: restarts are the
// supervisor's. Call it once, early, before handoff.Inherit.
func Child() *Supervised {
	if _, ok := os.LookupEnv(envChild); !ok {
		return nil
	}
	os.Unsetenv(envChild)
	signal.Ignore(syscall.SIGHUP)
	return &Supervised{ctl: os.NewFile(handoff.ExtraFD, "control pipe")}
}

// Serve waits while the server serves: it returns Serve's error if served
// gives one, nil when ctx ends (a signal), and nil with handedOff true
// once the supervisor says a new build serves (false when it says stop,
// or dies). Meanwhile it shows on app's pages the build errors the
// supervisor sends, when app is a BuildErrorShower.
func (s *Supervised) Serve(ctx context.Context, app any, served <-chan error) (handedOff bool, err error) {
	shower, _ := app.(BuildErrorShower)
	ended := make(chan bool, 1)
	go func() {
		defer s.ctl.Close()
		handoff := false
		sc := bufio.NewScanner(s.ctl)
		sc.Buffer(nil, 1<<20)
		for sc.Scan() {
			var m message
			if json.Unmarshal(sc.Bytes(), &m) != nil {
				continue
			}
			handoff = handoff || m.Handoff
			if e := m.Error; e != nil && shower != nil {
				shower.ShowBuildError(e.File, e.Line, e.Col, e.Msg, e.Source)
			}
		}
		ended <- handoff
	}()
	select {
	case err := <-served:
		return false, err
	case <-ctx.Done():
		return false, nil
	case h := <-ended:
		return h, nil
	}
}
