package main

import (
	"errors"
	"log/slog"
	"os"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"strconv"
	"strings"
	"time"

	"github.com/miniweb/miniweb/server/gateway"
	"github.com/miniweb/miniweb/server/internal/gowatch"
	"github.com/miniweb/miniweb/server/internal/handoff"
)

// The -watch mode (dev): on each save of a .go file of the module,
// gowatch builds this command into a new file; a good build is a restart
// with that binary (restart.go: the new process takes the listening
// socket, this one serves until it is ready, then hands off), a failed one
// is shown on the site's open pages, with file and line, while this
// process serves on. The successor gets the same arguments, -watch
// included, and so watches in turn; its new boot id reloads the pages.

// envWatchSince tells a successor started with a new build when that
// build began, in Unix nanoseconds: a .go file saved after it may be
// missing from the build, and the successor builds again at once.
const envWatchSince = "MINIWEB_WATCH_SINCE"

// buildErrorShower is a site that shows a compile error on its open pages
// (framework.App in dev mode, and sites built on it). The server knows the
// method, not the framework.
type buildErrorShower interface {
	ShowBuildError(file string, line, col int, msg, source string)
	ClearBuildError()
}

// watching is the -watch mode of one process.
type watching struct {
	w       *gowatch.Watcher
	dir     string        // where builds go
	stopped chan struct{} // closed by close: no more builds to restart with
	r       *restarter
}

// watchGo starts the -watch mode: good builds go to r as restarts, failed
// ones to app's pages (when it shows them) and to the log.
func watchGo(r *restarter, app gateway.App, log *slog.Logger) (*watching, error) {
	pkg, err := commandPackage()
	if err != nil {
		return nil, err
	}
	_, src, _, _ := runtime.Caller(0)
	wd, _ := os.Getwd()
	root, err := gowatch.FindRoot(wd, filepath.Dir(src))
	if err != nil {
		return nil, err
	}
	var since time.Time
	if v := os.Getenv(envWatchSince); v != "" {
		if n, err := strconv.ParseInt(v, 10, 64); err == nil {
			since = time.Unix(0, n)
		}
		os.Unsetenv(envWatchSince) // for this process alone
	}
	shower, _ := app.(buildErrorShower)
	builds := make(chan handoff.Program)
	wg := &watching{dir: gowatch.DefaultDir(), stopped: make(chan struct{}), r: r}
	r.builds = builds
	r.dropBuild = func(p handoff.Program, err error) {
		gowatch.Remove(wg.dir, p.Path)
		if err == nil || shower == nil {
			return
		}
		msg := "The new build did not take over; the old one serves on.\n" + err.Error()
		var f *handoff.Failure
		if errors.As(err, &f) && f.Output != "" {
			msg += "\n\n" + f.Output
		}
		shower.ShowBuildError("", 0, 0, msg, "")
	}
	onResult := func(res gowatch.Result) {
		if res.Binary == "" {
			first := res.Errors[0]
			log.Error("build failed; serving on", keyWhere, first.String(), keyOutput, res.Output)
			if shower != nil {
				shower.ShowBuildError(first.File, first.Line, first.Col, buildMessage(res.Errors), first.Source)
			}
			return
		}
		log.Info("build ok: restarting with it", keyAfter, res.Took.Round(time.Millisecond))
		p := handoff.Program{Path: res.Binary, Env: []string{envWatchSince + "=" + strconv.FormatInt(res.Started.UnixNano(), 10)}}
		select {
		case builds <- p:
		case <-wg.stopped:
			gowatch.Remove(wg.dir, p.Path)
		}
	}
	wg.w, err = gowatch.Watch(gowatch.Options{Root: root, Package: pkg, Dir: wg.dir, Since: since, OnResult: onResult, Log: log})
	if err != nil {
		return nil, err
	}
	log.Info("watching the Go files: a save rebuilds and restarts", keyRoot, root, "package", pkg)
	return wg, nil
}

// close stops watching, and removes this process's binary if it is a
// build of ours that no successor runs (a SIGHUP successor runs the same
// file; a build's successor runs its own).
func (wg *watching) close(successor int) {
	close(wg.stopped)
	wg.w.Close()
	if successor == 0 || wg.r.handedTo.Path != "" {
		if exe, err := os.Executable(); err == nil {
			gowatch.Remove(wg.dir, exe)
		}
	}
}

// buildMessage is the overlay's message for a failed build: the first
// error's, then the others, one a line with its place.
func buildMessage(errs []gowatch.Error) string {
	var b strings.Builder
	b.WriteString(errs[0].Msg)
	if len(errs) > 1 {
		b.WriteString("\n\nand:")
		for _, e := range errs[1:] {
			b.WriteString("\n" + e.String())
		}
	}
	return b.String()
}

// commandPackage returns the import path of this command, as go build
// takes it ("github.com/miniweb/miniweb/server").
func commandPackage() (string, error) {
	bi, ok := debug.ReadBuildInfo()
	if !ok || bi.Path == "" || bi.Path == "command-line-arguments" {
		return "", errors.New("-watch: cannot tell which package this command was built from: build it as a package (go run ./server)")
	}
	return strings.TrimSuffix(bi.Path, ".test"), nil // a test binary of the command builds the command
}
