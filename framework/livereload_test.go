package framework

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/miniweb/miniweb/framework/livereload"
	"github.com/miniweb/miniweb/server/gateway"
	"github.com/miniweb/miniweb/server/gateway/gatewaytest"
)

// reloadApp is an App on fresh templates and static folders, served by
// suffix ".py", with a page, a plain-text handler and a page with a
// Content-Security-Policy.
func reloadApp(t *testing.T, o Options) (app *App, tmpl, static string) {
	t.Helper()
	tmpl, static = t.TempDir(), t.TempDir()
	writeFile(t, tmpl, "base.html", "<!doctype html>\n<html><body>\n{% block content %}{% endblock %}\n</body></html>\n")
	writeFile(t, tmpl, "page.html", "{% extends \"base.html\" %}\n{% block content %}<p><%content%></p>{% endblock %}\n")
	writeFile(t, static, "style.css", "body{}")
	o.Static, o.Suffix = static, ".py"
	app, _ = newApp(t, tmpl, o)
	app.Page("GET", "/page.py", "page.html", func(*Request) (Data, error) { return Data{"content": "hi"}, nil })
	app.Handle("GET", "/text.py", func(*Request) (*Response, error) {
		return &Response{Header: gateway.Fields{{Name: "Content-Type", Value: "text/plain"}}, Body: []byte("</body>")}, nil
	})
	app.Handle("GET", "/csp.py", func(r *Request) (*Response, error) {
		return Render("page.html", Data{"content": "csp"}).AddHeader("Content-Security-Policy", "default-src 'self'"), nil
	})
	return app, tmpl, static
}

const clientSrc = `<script src="/_miniweb/client.js?v=`

func TestLiveReloadDev(t *testing.T) {
	t.Parallel()
	app, _, _ := reloadApp(t, Options{Dev: true})
	if app.live == nil {
		t.Fatal("dev mode without live reload")
	}
	body := string(get(t, app, "/page.py").Body)
	if i := strings.Index(body, clientSrc); i < 0 || !strings.HasPrefix(body[i:], clientSrc) ||
		!strings.Contains(body, `data-gen="0" onerror="this.remove()"></script></body></html>`) {
		t.Errorf("page without the client before </body>:\n%s", body)
	}
	// Error pages too (the dev page of a broken template must show the
	// overlay, and reload when fixed), but not JSON.
	if rec := get(t, app, "/nosuch.py"); rec.Code != 404 || !strings.Contains(string(rec.Body), clientSrc) {
		t.Errorf("404 page: %d without the client:\n%s", rec.Code, rec.Body)
	}
	env := gatewaytest.NewEnviron("GET", "/nosuch.py", nil)
	env.Header = append(env.Header, gateway.Field{Name: "Accept", Value: "application/json"})
	if rec, _ := gatewaytest.Record(app, env); strings.Contains(string(rec.Body), "script") {
		t.Errorf("JSON error with the client: %s", rec.Body)
	}
	if rec := get(t, app, "/text.py"); string(rec.Body) != "</body>" {
		t.Errorf("text/plain changed: %q", rec.Body)
	}
	// A page with a policy: a nonce, in the policy too.
	rec := get(t, app, "/csp.py")
	_, nonce, _ := strings.Cut(string(rec.Body), `nonce="`)
	nonce, _, _ = strings.Cut(nonce, `"`)
	if csp := rec.Header.Get("Content-Security-Policy"); nonce == "" || csp != "default-src 'self'; script-src 'self' 'nonce-"+nonce+"'" {
		t.Errorf("page with a policy: nonce %q, policy %q", nonce, csp)
	}
	// The App claims live reload's paths from a server routing by suffix,
	// and answers them.
	for _, p := range []string{"/_miniweb/events", "/_miniweb/client.js", "/_miniweb/x"} {
		if !app.OwnsPath(p) {
			t.Errorf("dev: OwnsPath(%q) = false", p)
		}
	}
	if app.OwnsPath("/style.css") || app.OwnsPath("/_miniwebx") {
		t.Error("dev: OwnsPath claims a static file")
	}
	if rec := get(t, app, "/_miniweb/client.js"); rec.Code != 200 || !strings.HasPrefix(rec.Header.Get("Content-Type"), "text/javascript") {
		t.Errorf("client.js: %d %q", rec.Code, rec.Header)
	}
}

// TestLiveReloadProd: with Dev false (or NoLiveReload) there is no script,
// no endpoint and no watcher.
func TestLiveReloadProd(t *testing.T) {
	t.Parallel()
	for _, o := range []Options{{}, {Dev: true, NoLiveReload: true}} {
		app, _, _ := reloadApp(t, o)
		if app.live != nil {
			t.Errorf("%+v: a live-reload hub", o)
		}
		if body := get(t, app, "/page.py").Body; strings.Contains(string(body), "script") {
			t.Errorf("%+v: page with a script:\n%s", o, body)
		}
		if app.OwnsPath("/_miniweb/events") {
			t.Errorf("%+v: OwnsPath claims /_miniweb/events", o)
		}
		// Even handed the path (a server without the suffix rule), a 404.
		if rec := get(t, app, "/_miniweb/events"); rec.Code != 404 {
			t.Errorf("%+v: /_miniweb/events: %d; want 404", o, rec.Code)
		}
		app.CloseStreams() // a no-op
	}
}

// liveEvent is an event of the stream as the browser reads it.
type liveEvent struct {
	Type  string
	Boot  string
	Gen   uint64
	Path  string
	Error *livereload.Problem
}

// liveStream opens the App's event stream and returns its events, until
// the test ends.
func liveStream(t *testing.T, app *App) <-chan liveEvent {
	t.Helper()
	env := gatewaytest.NewEnviron("GET", "/_miniweb/events", nil)
	ctx, cancel := context.WithCancel(context.Background())
	env.SetContext(ctx)
	body := app.ServeGateway(env, func(string, []gateway.Field) error { return nil })
	ch := make(chan liveEvent, 16)
	done := make(chan struct{})
	go func() {
		defer close(done)
		defer body.Close()
		for chunk := range body.Stream() {
			for _, line := range strings.Split(string(chunk), "\n") {
				if data, ok := strings.CutPrefix(line, "data: "); ok {
					var e liveEvent
					if err := json.Unmarshal([]byte(data), &e); err != nil {
						t.Error(err)
					}
					ch <- e
				}
			}
		}
	}()
	t.Cleanup(func() { cancel(); <-done })
	return ch
}

func nextEvent(t *testing.T, ch <-chan liveEvent) liveEvent {
	t.Helper()
	select {
	case e := <-ch:
		return e
	case <-time.After(hang):
		t.Fatalf("no event within %v", hang)
		return liveEvent{}
	}
}

// TestLiveReloadCheck: a template saved with an error is an "error" event
// located as the dev error page locates it; the fix is a "reload"; a
// stylesheet is a "css" event; and a page rendered while broken gets the
// problem as soon as it connects.
func TestLiveReloadCheck(t *testing.T) {
	t.Parallel()
	app, tmpl, static := reloadApp(t, Options{Dev: true})
	events := liveStream(t, app)
	if e := nextEvent(t, events); e.Type != "hello" || e.Gen != 0 || e.Error != nil {
		t.Fatalf("hello: %+v", e)
	}
	replaceFile(t, tmpl, "page.html", "{% extends \"base.html\" %}\n{% block content %}\n<p><%content%></p>\n  {% if %}\n{% endblock %}\n")
	e := nextEvent(t, events)
	want := livereload.Problem{File: "page.html", Line: 4, Column: 6, Source: "  {% if %}"}
	if e.Type != "error" || e.Error == nil || e.Error.File != want.File || e.Error.Line != want.Line ||
		e.Error.Column != want.Column || e.Error.Source != want.Source || e.Error.Message == "" {
		t.Fatalf("broken template: %+v (%+v); want error at %+v", e, e.Error, want)
	}
	if rec := get(t, app, "/page.py"); rec.Code != 500 || !strings.Contains(string(rec.Body), clientSrc) {
		t.Errorf("the broken page: %d, without the client (it must show the overlay)", rec.Code)
	}
	// A browser that connects now (the page above) gets the problem.
	if e := nextEvent(t, liveStream(t, app)); e.Type != "hello" || e.Error == nil || e.Error.Line != 4 {
		t.Errorf("hello while broken: %+v", e)
	}
	// Saved by rename, as the break was: one change, one event, however
	// busy the machine (a plain write is several events, which a busy
	// machine may see in two batches, two reloads).
	replaceFile(t, tmpl, "page.html", "{% extends \"base.html\" %}\n{% block content %}<p>fixed <%content%></p>{% endblock %}\n")
	if e := nextEvent(t, events); e.Type != "reload" || e.Gen != 1 || e.Error != nil {
		t.Errorf("fixed: %+v; want reload, gen 1", e)
	}
	if body := string(get(t, app, "/page.py").Body); !strings.Contains(body, "fixed hi") || !strings.Contains(body, `data-gen="1"`) {
		t.Errorf("page after the fix:\n%s", body)
	}
	replaceFile(t, static, "style.css", "body{color:red}")
	if e := nextEvent(t, events); e.Type != "css" || e.Path != "/style.css" || e.Gen != 1 {
		t.Errorf("stylesheet saved: %+v", e)
	}
}

// TestLiveReloadStartsBroken: an App that starts with a broken template
// (dev mode logs it and starts) tells the first browser.
func TestLiveReloadStartsBroken(t *testing.T) {
	t.Parallel()
	tmpl := t.TempDir()
	writeFile(t, tmpl, "base.html", "<html>\n{{ oops( }}\n")
	app, _ := newApp(t, tmpl, Options{Dev: true})
	e := nextEvent(t, liveStream(t, app))
	if e.Error == nil || e.Error.File != "base.html" || e.Error.Line != 2 || e.Error.Source != "{{ oops( }}" {
		t.Errorf("hello: %+v (%+v); want base.html:2", e, e.Error)
	}
}

// TestShowBuildError: a compile error the server's -watch mode passes on
// reaches the open event streams as the overlay's problem, and goes
// away when cleared; without dev mode both are no-ops.
func TestShowBuildError(t *testing.T) {
	t.Parallel()
	app, _, _ := reloadApp(t, Options{Dev: true})
	events := liveStream(t, app)
	nextEvent(t, events) // hello
	app.ShowBuildError("server/main.go", 12, 2, "undefined: foo", "\tfoo()")
	e := nextEvent(t, events)
	want := livereload.Problem{File: "server/main.go", Line: 12, Column: 2, Message: "undefined: foo", Source: "\tfoo()", Kind: "build"}
	if e.Type != "error" || e.Error == nil || *e.Error != want {
		t.Errorf("build error: %+v (%+v); want %+v", e, e.Error, want)
	}
	app.ClearBuildError()
	if e := nextEvent(t, events); e.Error != nil {
		t.Errorf("cleared: %+v; want no problem", e)
	}
	prod, _, _ := reloadApp(t, Options{})
	prod.ShowBuildError("x.go", 1, 1, "m", "")
	prod.ClearBuildError()
}
