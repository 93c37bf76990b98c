package framework

import (
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"runtime/debug"
	"strings"

	"miniweb/server/gateway"
)

// Options configures an App.
type Options struct {
	// Templates is the templates folder; "" means "templates". Template
	// names are relative to it, and nothing outside it can be loaded.
	Templates string
	// Dev is development mode: a saved template shows on the next request,
	// a missing placeholder value is logged, and a failure shows its detail
	// (template, line, column, the line, the message; or a panic's stack)
	// to loopback clients. Everyone else always gets "Internal error".
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
	router        router
	limits        Limits
	errorTemplate string
}

// New returns an App that renders templates from o.Templates. In dev mode
// it watches the folder; Close stops that.
func New(o Options) (*App, error) {
	if o.Templates == "" {
		o.Templates = "templates"
	}
	log := o.Log
	if log == nil {
		log = slog.Default()
	}
	if o.ErrorTemplate != "" && !fs.ValidPath(o.ErrorTemplate) {
		return nil, fmt.Errorf("framework: ErrorTemplate %q is not a name relative to the templates folder", o.ErrorTemplate)
	}
	st, err := newStore(o.Templates, o.Dev, o.Globals, log)
	if err != nil {
		return nil, err
	}
	return &App{log: log, dev: o.Dev, store: st, limits: o.Limits.withDefaults(), errorTemplate: o.ErrorTemplate}, nil
}

// Close stops watching the templates folder and releases it. A server calls
// it when it shuts down.
func (a *App) Close() error { return a.store.close() }

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
	a.router.add(methods, pattern, &route{page: f, template: template})
}

// Handle registers a handler that returns a full response (status, header
// fields, cookies, a body, a template to render, or a redirect), for the
// methods and pattern as in Page.
func (a *App) Handle(methods, pattern string, f HandlerFunc) {
	if f == nil {
		panic("framework: nil handler for " + pattern)
	}
	a.router.add(methods, pattern, &route{handle: f})
}

// The header fields of the common answers are made once.
var htmlHeader = gateway.Fields{{Name: "Content-Type", Value: "text/html; charset=utf-8"}}

// ServeGateway answers a request. Its life:
//
//  1. the router finds the route by path, then by method: none is a 404
//     page, a path known for other methods a 405 page with Allow;
//  2. a form body is read and parsed within Options.Limits (413, 400);
//  3. the handler runs, a panic recovered into an error;
//  4. its Data or Response is rendered, with the page's template from the
//     cache, and start_response is called once, the body one byte slice.
//
// Any error on the way ends in errorPage instead, which calls
// start_response with the error's status.
func (a *App) ServeGateway(env *gateway.Environ, start gateway.StartResponse) gateway.Body {
	rt, params, allow := a.router.match(env.Method, env.Path)
	if rt == nil {
		if allow == "" {
			return a.errorPage(env, start, errNotFound)
		}
		return a.errorPage(env, start, &StatusError{Code: 405, Message: "This page does not answer that method.",
			Header: gateway.Fields{{Name: "Allow", Value: allow}}})
	}
	r := &Request{Method: env.Method, Path: env.Path, Header: env.Header, Env: env, params: params, limits: &a.limits}
	if err := r.parseForm(); err != nil {
		return a.errorPage(env, start, err)
	}
	if rt.page != nil {
		data, err := a.runPage(rt, r)
		if err != nil {
			return a.errorPage(env, start, err)
		}
		return a.renderPage(env, start, rt.template, data)
	}
	resp, err := a.runHandler(rt, r)
	if err != nil {
		return a.errorPage(env, start, err)
	}
	return a.respond(env, start, resp)
}

// runPage calls a page's function; a panic becomes an error.
func (a *App) runPage(rt *route, r *Request) (data Data, err error) {
	defer recoverTo(&err)
	return rt.page(r)
}

// runHandler calls a handler; a panic becomes an error.
func (a *App) runHandler(rt *route, r *Request) (resp *Response, err error) {
	defer recoverTo(&err)
	resp, err = rt.handle(r)
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

// renderPage answers 200 with template rendered with data.
func (a *App) renderPage(env *gateway.Environ, start gateway.StartResponse, template string, data Data) gateway.Body {
	body, err := a.render(template, data)
	if err != nil {
		return a.errorPage(env, start, err)
	}
	if err := start("200 OK", htmlHeader); err != nil {
		return a.errorPage(env, start, err)
	}
	return gateway.Bytes(body)
}

// render renders template with data; an error is a *templateFailure, or a
// *panicError for a panic (in a method of the data a template calls, say).
func (a *App) render(template string, data Data) (_ []byte, err error) {
	defer recoverTo(&err)
	e := a.store.lookup(template)
	body, err := a.store.render(e, data)
	if err != nil {
		return nil, &templateFailure{page: template, files: e.files, err: err}
	}
	return body, nil
}

// respond sends a handler's Response.
func (a *App) respond(env *gateway.Environ, start gateway.StartResponse, resp *Response) gateway.Body {
	if resp.err != nil {
		return a.errorPage(env, start, resp.err)
	}
	code := resp.Status
	if code == 0 {
		code = 200
	}
	if code < 200 || code > 599 {
		return a.errorPage(env, start, fmt.Errorf("framework: handler status %d out of range 200-599", code))
	}
	body := resp.Body
	if resp.Template != "" {
		var err error
		if body, err = a.render(resp.Template, resp.Data); err != nil {
			return a.errorPage(env, start, err)
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
	if err := start(statusLine(code), header); err != nil {
		return a.errorPage(env, start, fmt.Errorf("framework: handler's response refused: %w", err))
	}
	return gateway.Bytes(body)
}
