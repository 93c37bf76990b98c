package framework

import (
	"errors"
	"os"
	"strings"

	"github.com/miniweb/miniweb/framework/livereload"
	"github.com/miniweb/miniweb/server/gateway"
)

// Live reload in dev mode (package livereload): the App routes the paths
// under livereload.Prefix to its Hub before any middleware, stamps each
// request with the Hub's generation before it is handled, and adds the
// client to each HTML page it answers (pages, handlers' HTML bodies, error
// pages), before the server compresses anything.

// newLive returns the live-reload Hub of a dev App watching the templates
// folder and o.Static; first is the templates' first problem at start, if
// any. A Hub that cannot start (inotify limits) is a warning and no live
// reload: pages still show edits on the next request.
func newLive(o Options, st *store, first error) *livereload.Hub {
	templates, static := o.Templates, o.Static
	if st.root == nil {
		templates = "" // embedded templates alone: nothing to watch
	}
	if fi, err := os.Stat(static); static != "" && (err != nil || !fi.IsDir()) && o.StaticFS != nil {
		static = "" // embedded static files alone
	}
	h, err := livereload.New(livereload.Options{
		Templates: templates,
		Static:    static,
		Check:     st.check,
		Problem:   toProblem(first),
		Log:       st.log,
	})
	if err != nil {
		st.log.Warn("live reload is off: cannot watch the folders", keyErr, err)
		return nil
	}
	return h
}

// check compiles every template afresh, past the cache, and returns the
// first problem, nil if all compile: live reload's check after a change.
func (s *store) check() *livereload.Problem {
	errs := s.problems(s.fresh)
	if len(errs) == 0 {
		return nil
	}
	return toProblem(errs[0])
}

// toProblem returns err, a template's problem, as the browser's overlay
// shows it; nil for nil.
func toProblem(err error) *livereload.Problem {
	if err == nil {
		return nil
	}
	var te *templateError
	if !errors.As(err, &te) {
		return &livereload.Problem{Message: err.Error()}
	}
	return &livereload.Problem{File: te.File, Line: te.Line, Column: te.Col, Message: te.Message, Source: te.Source}
}

// livePath reports whether path is live reload's, in dev mode.
func (a *App) livePath(path string) bool {
	return a.live != nil && strings.HasPrefix(path, livereload.Prefix)
}

// inject adds the live-reload client to a page the App answers for r, in
// dev mode; it returns header and body as they are otherwise.
func (a *App) inject(r *Request, code int, header gateway.Fields, body []byte) (gateway.Fields, []byte) {
	if a.live == nil {
		return header, body
	}
	return a.live.Inject(r.liveGen, code, header, body)
}

// CloseStreams ends the open live-reload streams at once and refuses new
// ones, in dev mode (nothing otherwise). A server calls it when it starts
// to shut down, before waiting for the requests in flight: an open stream
// would hold the shutdown until its end. Browsers reconnect and reload
// once the server is back.
func (a *App) CloseStreams() {
	if a.live != nil {
		a.live.CloseStreams()
	}
}

// ShowBuildError shows a compile error of the program on the open pages
// and on those opened later, in dev mode (nothing otherwise): the
// server's -watch mode calls it when a saved .go file does not compile,
// and the pages keep being served by the old program meanwhile. file is
// relative to the module root, line and col are 1-based (0 unknown),
// source is the line as written ("" unknown). A good build starts a new
// process, whose pages start clean.
func (a *App) ShowBuildError(file string, line, col int, msg, source string) {
	if a.live != nil {
		a.live.SetBuildProblem(&livereload.Problem{File: file, Line: line, Column: col, Message: msg, Source: source})
	}
}

// ClearBuildError takes away what ShowBuildError showed.
func (a *App) ClearBuildError() {
	if a.live != nil {
		a.live.SetBuildProblem(nil)
	}
}
