package framework

import (
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"runtime/debug"
	"strings"
	"sync"

	"github.com/miniweb/miniweb/framework/livereload"
	"github.com/miniweb/miniweb/server/gateway"
)

// Options configures an App.
type Options struct {
	// Templates is the templates folder; "" means "templates", or, when
	// TemplatesFS is set, no folder: the embedded templates alone, so that
	// a binary started where some templates/ folder happens to be does not
	// take its files. Template names are relative to it, and nothing
	// outside it can be loaded.
	Templates string
	// Static is the server's static folder, served at the site's root
	// ("/style.css" is Static/style.css): in dev mode live reload watches
	// it, to swap saved stylesheets and images in place; and the templates'
	// static function reads its files to fingerprint their URLs (see
	// assets.go). "" means none; a folder that does not exist counts as
	// none when StaticFS is set.
	Static string
	// TemplatesFS, when not nil, holds templates under the Templates
	// folder, as the files embedded in the binary: a file of the folder
	// wins, a name the folder lacks is read from TemplatesFS (Gitea's
	// custom/ folder), and the folder need not exist. Only the folder is
	// watched in dev mode.
	TemplatesFS fs.FS
	// StaticFS, when not nil, holds static files under the Static folder,
	// as TemplatesFS does templates: the static function finds a file
	// there when the folder lacks it. It must be what the server serves
	// under the folder, or the fingerprints will not match.
	StaticFS fs.FS
	// NoLiveReload turns live reload off in dev mode: no script in the
	// pages, no /_miniweb/ paths, no watcher of Static; a saved template
	// still shows on the next request. For tests that compare pages byte
	// for byte. It means nothing when Dev is false.
	NoLiveReload bool
	// Dev is development mode: a saved template shows on the next request,
	// and live reload is on (see Static and package livereload): the
	// open pages reload, swap a saved stylesheet in place, or show a
	// template's error in an overlay; the paths under /_miniweb/ are the
	// App's, its HTML pages carry a small script, and the templates and
	// static folders are watched;
	// a missing placeholder value, or a field or key a placeholder names
	// that its value lacks, is logged; templates that fail to compile at
	// start are logged instead of failing New; and a failure shows its
	// detail (template, line, column, the line, the message; or a panic's
	// stack) to loopback clients. Everyone else always gets "Internal
	// error".
	Dev bool
	// Log receives failures with their detail; nil means slog.Default().
	Log *slog.Logger
	// Globals are data every template sees, under the page's own Data.
	Globals Data
	// ErrorTemplate, when set, renders error pages (404, 405, 413, 500, ...)
	// with the data code (404), reason ("Not Found") and message; "" means
	// a plain built-in page. If it fails, the built-in page is used.
	ErrorTemplate string
	// Limits bounds the request bodies read.
	Limits Limits
	// Session, when not nil, turns on sessions: see Request.Session.
	Session *SessionOptions
	// Strict makes a template that fails to compile at start an error from
	// New in dev mode too, where it is otherwise a warning: for a check of
	// a site before it runs (server -check).
	Strict bool
	// Suffix is the dynamic suffix the server routes by, such as ".py"
	// (the config's dynamic_suffix): the server hands the App only the
	// paths that end in it, and "/" when the App serves it (see OwnsPath).
	// Page and Handle then refuse a pattern no request could reach. ""
	// means the App gets every path (net/http, Server.AppPath), and any
	// pattern goes.
	Suffix string
	// CSRF configures the protection against cross-site requests, on for
	// every App and outside all middleware added with Use: see CSRF. The
	// zero value trusts no other origin and exempts no path.
	CSRF CSRF
}

// App is a set of routes served as a gateway application: a request whose
// path matches a route's pattern and method runs its handler, whose answer
// is rendered; any other path is a 404 page, and a known path with another
// method a 405 with Allow. Register every route before the App serves: the
// routes are not guarded for concurrent change.
type App struct {
	log           *slog.Logger
	dev           bool
	store         *store
	assets        *assets // the templates' static function (assets.go)
	router        router
	limits        Limits
	errorTemplate string
	named         []templateUse           // the templates Page and ErrorTemplate name: see Check
	sessions      *sessions               // nil without Options.Session
	live          *livereload.Hub         // dev mode's live reload; nil otherwise
	suffix        string                  // Options.Suffix
	root          bool                    // a route for "/" is registered: see OwnsPath
	middleware    []Middleware            // see Use
	contexts      []func(r *Request) Data // see Context
	chain         HandlerFunc             // the middleware around dispatch, built on first use
	chainOnce     sync.Once
	figures       []Figure // see Figure
}

// New returns an App that renders templates from o.Templates. In dev mode
// it watches the folder; Close stops that.
func New(o Options) (*App, error) {
	if o.Templates == "" && o.TemplatesFS == nil {
		o.Templates = "templates"
	}
	log := o.Log
	if log == nil {
		log = slog.Default()
	}
	if o.ErrorTemplate != "" && !fs.ValidPath(o.ErrorTemplate) {
		return nil, fmt.Errorf("framework: ErrorTemplate %q is not a name relative to the templates folder", o.ErrorTemplate)
	}
	as, err := newAssets(o.Static, o.StaticFS, o.Dev)
	if err != nil {
		return nil, err
	}
	globals := o.Globals
	if _, own := globals["static"]; !own {
		globals = make(Data, len(o.Globals)+1)
		for k, v := range o.Globals {
			globals[k] = v
		}
		globals["static"] = as.url
	}
	st, err := newStore(o.Templates, o.TemplatesFS, o.Dev, globals, log)
	if err != nil {
		as.close()
		return nil, err
	}
	st.closers = append(st.closers, as.close)
	problems := st.problems(st.lookup)
	if err := errors.Join(problems...); err != nil {
		if !o.Dev || o.Strict {
			st.close()
			return nil, fmt.Errorf("framework: templates: %w", err)
		}
		log.Warn("templates have errors; their pages show them until fixed", keyErr, err)
	}
	ss, err := newSessions(o.Session, o.Dev, log.Warn)
	if err != nil {
		st.close()
		return nil, err
	}
	csrf, err := o.CSRF.Middleware()
	if err != nil {
		st.close()
		return nil, err
	}
	a := &App{log: log, dev: o.Dev, store: st, assets: as, sessions: ss, limits: o.Limits.withDefaults(),
		errorTemplate: o.ErrorTemplate, middleware: []Middleware{csrf}, suffix: o.Suffix}
	if o.ErrorTemplate != "" {
		a.named = append(a.named, templateUse{name: o.ErrorTemplate, where: "ErrorTemplate"})
	}
	if o.Dev && !o.NoLiveReload && !o.Strict { // Strict builds an App to check it, not to serve
		var first error
		if len(problems) > 0 {
			first = problems[0]
		}
		a.live = newLive(o, st, first)
	}
	return a, nil
}

// Close stops watching the templates folder (and in dev mode the static
// folder, ending the live-reload streams) and releases it. A server calls
// it when it shuts down.
func (a *App) Close() error {
	var err error
	if a.live != nil {
		err = a.live.Close()
	}
	return errors.Join(err, a.store.close())
}

// Page registers a page: for the methods (such as "GET" or "GET POST";
// HEAD goes with GET) and the path pattern, f returns the data the template
// is rendered with, as a 200 text/html page. f may be nil for a page
// without data. The pattern is a path ("/index.py") or has named segments
// ("/stock/{code}.py"), read with Request.Param. Page panics on a bad
// pattern, method list or template name, or a route registered twice.
func (a *App) Page(methods, pattern, template string, f PageFunc) {
	if !fs.ValidPath(template) || strings.Contains(template, "\\") {
		panic("framework: template name must be relative to the templates folder: " + template)
	}
	if f == nil {
		f = func(*Request) (Data, error) { return nil, nil }
	}
	a.reachable(pattern)
	r := &route{page: f, template: template}
	a.router.add(methods, pattern, r)
	a.named = append(a.named, templateUse{name: template, where: r.methodList() + " " + pattern})
}

// Handle registers a handler that returns a full response (status, header
// fields, cookies, a body, a template to render, or a redirect), for the
// methods and pattern as in Page.
func (a *App) Handle(methods, pattern string, f HandlerFunc) {
	if f == nil {
		panic("framework: nil handler for " + pattern)
	}
	a.reachable(pattern)
	a.router.add(methods, pattern, &route{handle: f})
}

// The header fields of the common answers are made once.
var htmlHeader = gateway.Fields{{Name: "Content-Type", Value: "text/html; charset=utf-8"}}

// ServeGateway answers a request. Its life:
//
//  1. the middleware registered with Use runs, outermost first, around
//     the rest (dispatch):
//  2. the router finds the route by path, then by method: none is a 404
//     error, a path known for other methods a 405 error with Allow;
//  3. a form body is read and parsed within Options.Limits (413, 400);
//  4. the handler runs, a panic recovered into an error; a page's Data
//     becomes a Response that renders its template;
//  5. back out through the middleware, the Response is rendered (its
//     template with the context processors' data under its own, see
//     Context) and start_response is called once, the body one byte slice.
//
// Any error on the way, a 404 or 405 included, ends in errorPage instead,
// which renders the error page (with the context processors' data too)
// and calls start_response with the error's status.
func (a *App) ServeGateway(env *gateway.Environ, start gateway.StartResponse) gateway.Body {
	if a.livePath(env.Path) {
		env.Route = routeLive // one label, for the long event streams
		return a.live.ServeGateway(env, start)
	}
	r := &Request{Method: env.Method, Path: env.Path, Header: env.Header, Env: env, limits: &a.limits, app: a}
	if a.live != nil {
		r.liveGen = a.live.Gen() // before rendering: see livereload.Hub.Inject
	}
	a.chainOnce.Do(a.buildChain)
	resp, err := a.run(a.chain, r)
	if err != nil {
		return a.errorPage(r, start, err)
	}
	return a.respond(r, start, resp)
}

// dispatch is the innermost handler: it routes the request, reads its
// form, and runs the route's handler.
func (a *App) dispatch(r *Request) (*Response, error) {
	rt, params, allow := a.router.match(r.Method, r.Path)
	if rt == nil {
		if allow == "" {
			return nil, errNotFound
		}
		return nil, &StatusError{Code: 405, Message: "This page does not answer that method.",
			Header: gateway.Fields{{Name: "Allow", Value: allow}}}
	}
	r.params = params
	if r.Env != nil {
		r.Env.Route = rt.pattern // the server's metrics count the request under it
	}
	if err := r.parseForm(); err != nil {
		return nil, err
	}
	if rt.page != nil {
		data, err := rt.page(r)
		if err != nil {
			return nil, err
		}
		r.page = Response{Template: rt.template, Data: data}
		return &r.page, nil
	}
	return rt.handle(r)
}

// run calls h; a panic becomes an error, and so does a nil Response
// without an error.
func (a *App) run(h HandlerFunc, r *Request) (resp *Response, err error) {
	defer recoverTo(&err)
	resp, err = h(r)
	if err == nil && resp == nil {
		err = errors.New("framework: handler returned neither a response nor an error")
	}
	return resp, err
}

// recoverTo turns a panic into a *panicError in *err. A panic costs the
// request that raised it and nothing else.
func recoverTo(err *error) {
	if p := recover(); p != nil {
		*err = &panicError{value: p, stack: debug.Stack()}
	}
}

// render renders template with data over the context processors' data
// for r; an error is a *templateFailure, or a *panicError for a panic (in
// a context processor, or a method of the data a template calls, say).
func (a *App) render(r *Request, template string, data Data) (_ []byte, err error) {
	defer recoverTo(&err)
	// The context processors' data, then data over it: layers the store
	// hands pongo2 over the globals, read in turn, never merged.
	var buf [4]Data
	layers := buf[:0]
	if r != nil {
		for _, f := range a.contexts {
			layers = append(layers, f(r))
		}
	}
	layers = append(layers, data)
	e := a.store.lookup(template)
	body, err := a.store.render(e, layers...)
	if err != nil {
		return nil, &templateFailure{page: template, files: e.files, err: err}
	}
	return body, nil
}

// respond sends a handler's Response.
func (a *App) respond(r *Request, start gateway.StartResponse, resp *Response) gateway.Body {
	code := resp.Status
	if code == 0 {
		code = 200
	}
	if code < 200 || code > 599 {
		return a.errorPage(r, start, fmt.Errorf("framework: handler status %d out of range 200-599", code))
	}
	body := resp.Body
	if resp.Template != "" {
		var err error
		if body, err = a.render(r, resp.Template, resp.Data); err != nil {
			return a.errorPage(r, start, err)
		}
	}
	header := resp.Header
	if _, ok := header.Lookup("Content-Type"); !ok {
		if len(header) == 0 {
			header = htmlHeader
		} else {
			header = append(gateway.Fields{htmlHeader[0]}, header...)
		}
	}
	if f, ok, err := a.sessionCookie(r); err != nil {
		r.sess = nil // not saved: the error page says why
		return a.errorPage(r, start, err)
	} else if ok {
		header = append(header[:len(header):len(header)], f)
	}
	header, body = a.inject(r, code, header, body)
	if err := start(statusLine(code), header); err != nil {
		return a.errorPage(r, start, fmt.Errorf("framework: handler's response refused: %w", err))
	}
	return gateway.Bytes(body)
}
