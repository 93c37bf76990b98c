package framework

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/miniweb/miniweb/server/gateway"
	"github.com/miniweb/miniweb/server/gateway/gatewaytest"
)

// testApp is an App on testdata/templates with a few routes of each kind.
func testApp(t *testing.T, o Options) (*App, *syncBuffer) {
	// The broken templates join the folder after New, which refuses a
	// folder with broken templates outside dev mode.
	dir := t.TempDir()
	if err := os.CopyFS(dir, os.DirFS("testdata/templates")); err != nil {
		t.Fatal(err)
	}
	app, logs := newApp(t, dir, o)
	if err := os.CopyFS(dir, os.DirFS("testdata/broken")); err != nil {
		t.Fatal(err)
	}
	app.Page("GET", "/page.py", "page.html", func(r *Request) (Data, error) {
		return Data{"site": "Test", "title": "Hello", "content": r.Query("c")}, nil
	})
	app.Page("GET POST", "/both.py", "page.html", nil)
	app.Page("GET", "/stock/{code}.py", "page.html", func(r *Request) (Data, error) {
		if r.Param("code") != "600519" {
			return nil, Error(404, "No such stock.")
		}
		return Data{"title": "Stock " + r.Param("code")}, nil
	})
	app.Handle("GET", "/fail.py", func(*Request) (*Response, error) {
		return nil, errors.New("database on fire at 10.0.0.7")
	})
	app.Handle("GET", "/panic.py", func(*Request) (*Response, error) {
		var m map[string]int
		m["boom"]++ // a nil map write: a programmer's bug
		return nil, nil
	})
	app.Handle("GET", "/nil.py", func(*Request) (*Response, error) { return nil, nil })
	app.Page("GET", "/tplpanic.py", "page.html", func(*Request) (Data, error) {
		return Data{"content": panicky{}}, nil // the template's call panics
	})
	app.Handle("GET", "/gone.py", func(r *Request) (*Response, error) {
		<-r.Context().Done() // the test cancels it: a client that left
		return nil, r.Context().Err()
	})
	app.Page("GET", "/broken.py", "broken.html", nil)
	app.Page("GET", "/escape.py", "escape.html", nil)
	app.Page("GET", "/absolute.py", "absolute.html", nil)
	app.Page("GET", "/nofile.py", "nofile.html", nil)
	return app, logs
}

// panicky panics when a template prints it.
type panicky struct{}

func (panicky) String() string { panic("panicky value printed") }

func header(rec *gatewaytest.Recording, name string) string { return rec.Header.Get(name) }

func TestRoutes(t *testing.T) {
	t.Parallel()
	app, _ := testApp(t, Options{})
	tests := []struct {
		method, target string
		code           int
		allow          string // the Allow field wanted, "" for none
		body           string // a part of the body wanted
	}{
		{"GET", "/page.py?c=from+query", 200, "", "<p>from query</p>"},
		{"HEAD", "/page.py", 200, "", ""},
		{"POST", "/page.py", 405, "GET, HEAD", "405 Method Not Allowed"},
		{"DELETE", "/both.py", 405, "GET, HEAD, POST", "does not answer that method"},
		{"POST", "/both.py", 200, "", "<h1></h1>"},
		{"GET", "/nosuch.py", 404, "", "There is no such page."},
		{"GET", "/page.py/", 404, "", ""},
		{"GET", "/PAGE.py", 404, "", ""},
		{"GET", "/stock/600519.py", 200, "", "<h1>Stock 600519</h1>"},
		{"GET", "/stock/000000.py", 404, "", "No such stock."},
		{"GET", "/stock/.py", 404, "", "no such page"},
		{"GET", "/stock/a/b.py", 404, "", ""},
		{"POST", "/stock/600519.py", 405, "GET, HEAD", ""},
	}
	for _, tt := range tests {
		rec := do(t, app, tt.method, tt.target, "", "", "")
		if rec.Code != tt.code {
			t.Errorf("%s %s: status %d, want %d\n%s", tt.method, tt.target, rec.Code, tt.code, rec.Body)
		}
		if got := header(rec, "Allow"); got != tt.allow {
			t.Errorf("%s %s: Allow %q, want %q", tt.method, tt.target, got, tt.allow)
		}
		if !strings.Contains(strings.ToLower(string(rec.Body)), strings.ToLower(tt.body)) {
			t.Errorf("%s %s: body lacks %q:\n%s", tt.method, tt.target, tt.body, rec.Body)
		}
		if ct := header(rec, "Content-Type"); ct != "text/html; charset=utf-8" {
			t.Errorf("%s %s: Content-Type %q", tt.method, tt.target, ct)
		}
	}
}

func TestBadRegistrations(t *testing.T) {
	t.Parallel()
	app, _ := newApp(t, "testdata/templates", Options{})
	app.Page("GET", "/a.py", "page.html", nil)
	app.Page("POST", "/a.py", "page.html", nil) // another method: fine
	for _, tt := range []struct {
		name string
		reg  func()
	}{
		{"twice", func() { app.Page("GET", "/a.py", "page.html", nil) }},
		{"HEAD after GET", func() { app.Page("HEAD", "/a.py", "page.html", nil) }},
		{"no slash", func() { app.Page("GET", "a.py", "page.html", nil) }},
		{"no method", func() { app.Page("", "/b.py", "page.html", nil) }},
		{"lower-case method", func() { app.Page("get", "/b.py", "page.html", nil) }},
		{"template outside", func() { app.Page("GET", "/b.py", "../secret.html", nil) }},
		{"absolute template", func() { app.Page("GET", "/b.py", "/etc/passwd", nil) }},
		{"two params in a segment", func() { app.Page("GET", "/{a}{b}.py", "page.html", nil) }},
		{"repeated param", func() { app.Page("GET", "/{a}/{a}.py", "page.html", nil) }},
		{"bad param name", func() { app.Page("GET", "/{1a}.py", "page.html", nil) }},
		{"unclosed", func() { app.Page("GET", "/{a.py", "page.html", nil) }},
		{"nil handler", func() { app.Handle("GET", "/c.py", nil) }},
	} {
		func() {
			defer func() {
				p := recover()
				if p == nil {
					t.Errorf("%s: no panic", tt.name)
				} else if !strings.HasPrefix(p.(string), "framework: ") {
					t.Errorf("%s: panic %q lacks the package prefix", tt.name, p)
				}
			}()
			tt.reg()
		}()
	}
}

func TestErrors(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		name   string
		dev    bool
		remote string // "" is 127.0.0.1
		detail bool   // the dev page is wanted
	}{
		{"prod loopback", false, "", false},
		{"dev loopback", true, "", true},
		{"dev loopback v6", true, "[::1]:4000", true},
		{"dev remote", true, "192.0.2.1:4000", false},
		{"dev remote v6", true, "[2001:db8::1]:4000", false},
		{"dev mapped loopback", true, "[::ffff:127.0.0.9]:4000", true},
	} {
		t.Run(tt.name, func(t *testing.T) {
			app, logs := testApp(t, Options{Dev: tt.dev})
			for _, target := range []string{"/fail.py", "/panic.py", "/nil.py", "/broken.py", "/tplpanic.py"} {
				rec := do(t, app, "GET", target, "", "", tt.remote)
				if rec.Code != 500 {
					t.Fatalf("%s: status %d, want 500", target, rec.Code)
				}
				body := string(rec.Body)
				hasDetail := strings.Contains(body, "(dev)")
				if hasDetail != tt.detail {
					t.Errorf("%s: detail shown %v, want %v:\n%s", target, hasDetail, tt.detail, body)
				}
				if !tt.detail {
					if !strings.Contains(body, "Internal error") {
						t.Errorf("%s: the page does not say Internal error:\n%s", target, body)
					}
					for _, secret := range []string{"10.0.0.7", "nil map", "broken.html", "goroutine"} {
						if strings.Contains(body, secret) {
							t.Errorf("%s: the page leaks %q:\n%s", target, secret, body)
						}
					}
				}
			}
			// The log has the detail whoever asked.
			for _, want := range []string{"database on fire", "assignment to entry in nil map", "goroutine", "broken.html", "panicky value printed"} {
				if !strings.Contains(logs.String(), want) {
					t.Errorf("log lacks %q:\n%s", want, logs)
				}
			}
			// A panic costs its own request only.
			if rec := get(t, app, "/page.py"); rec.Code != 200 {
				t.Errorf("after the panic: status %d", rec.Code)
			}
		})
	}
}

// TestClientGone checks that a handler stopped by its context (the client
// left) costs no log line.
func TestClientGone(t *testing.T) {
	t.Parallel()
	app, logs := testApp(t, Options{})
	env := gatewaytest.NewEnviron("GET", "/gone.py", nil)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	env.SetContext(ctx)
	if rec, err := gatewaytest.Record(app, env); err != nil || rec.Code != 500 {
		t.Fatalf("%v %v", rec, err)
	}
	if logs.String() != "" {
		t.Errorf("logged: %s", logs)
	}
}

func TestDevPageDetail(t *testing.T) {
	t.Parallel()
	app, _ := testApp(t, Options{Dev: true})
	rec := get(t, app, "/broken.py")
	body := string(rec.Body)
	for _, want := range []string{
		"broken.html, line 4, column ", // the file, line and column
		"{% if %}",                     // the offending line
		`class="caret"`,
	} {
		if !strings.Contains(body, want) {
			t.Errorf("dev page lacks %q:\n%s", want, body)
		}
	}
	rec = get(t, app, "/panic.py")
	if body := string(rec.Body); !strings.Contains(body, "assignment to entry in nil map") || !strings.Contains(body, "goroutine") {
		t.Errorf("panic dev page lacks the panic or the stack:\n%s", body)
	}
	if got := header(rec, "Cache-Control"); got != "no-store" {
		t.Errorf("dev page Cache-Control %q", got)
	}
}

// TestTemplateSandbox checks that no template reaches outside the folder.
func TestTemplateSandbox(t *testing.T) {
	t.Parallel()
	app, logs := testApp(t, Options{Dev: true})
	for _, target := range []string{"/escape.py", "/absolute.py", "/nofile.py"} {
		rec := get(t, app, target)
		if rec.Code != 500 || strings.Contains(string(rec.Body), "TOP SECRET") || strings.Contains(string(rec.Body), "root:") {
			t.Errorf("%s: status %d\n%s", target, rec.Code, rec.Body)
		}
	}
	for _, want := range []string{"escape.html, line 1, column 12", "names must be relative to the templates folder"} {
		if rec := get(t, app, "/escape.py"); !strings.Contains(string(rec.Body), want) {
			t.Errorf("/escape.py dev page lacks %q:\n%s", want, rec.Body)
		}
	}
	if rec := get(t, app, "/nofile.py"); !strings.Contains(string(rec.Body), "no such file in the templates folder") {
		t.Errorf("/nofile.py dev page:\n%s", rec.Body)
	}
	_ = logs

	// Hostile names, straight to the loader, holding the store's lock as
	// its callers do: dev mode's live reload may compile meanwhile, which
	// sets the loader's record (go test -race saw it).
	l := app.store.load
	app.store.mu.Lock()
	for _, name := range []string{"../secret.html", "/etc/passwd", "partials/../../secret.html", `..\secret.html`, "a\x00b", "", "."} {
		if _, err := l.Get(l.Abs("page.html", name)); err == nil {
			t.Errorf("loader read %q", name)
		}
	}
	for _, name := range []string{"base.html", "partials/nav.html", "partials/../base.html", "./base.html"} {
		if _, err := l.Get(l.Abs("partials/nav.html", name)); err != nil {
			t.Errorf("loader refused %q: %v", name, err)
		}
	}
	app.store.mu.Unlock()

	// Through every tag that loads a file, and through a symbolic link out
	// of the folder; ssi, which reads files past the loader, is banned.
	outside := t.TempDir()
	writeFile(t, outside, "secret.html", "TOP SECRET {% macro m() export %}TOP SECRET{% endmacro %}")
	dir := t.TempDir()
	if err := os.Symlink(filepath.Join(outside, "secret.html"), filepath.Join(dir, "link.html")); err != nil {
		t.Fatal(err)
	}
	hostile := map[string]string{
		"ssi.html":          `{% ssi "/etc/passwd" %}`,
		"ssi-parsed.html":   `{% ssi "link.html" parsed %}`,
		"import.html":       `{% import "../` + filepath.Base(outside) + `/secret.html" m %}{{ m() }}`,
		"import-abs.html":   `{% import "` + filepath.Join(outside, "secret.html") + `" m %}{{ m() }}`,
		"include-link.html": `{% include "link.html" %}`,
		"extends-link.html": `{% extends "link.html" %}`,
		"include-var.html":  `{% include name %}`,
	}
	for name, text := range hostile {
		writeFile(t, dir, name, text)
	}
	app2, _ := newApp(t, dir, Options{Dev: true})
	for name := range hostile {
		app2.Page("GET", "/"+name+".py", name, func(*Request) (Data, error) {
			return Data{"name": filepath.Join(outside, "secret.html")}, nil
		})
		rec := get(t, app2, "/"+name+".py")
		if rec.Code != 500 || strings.Contains(string(rec.Body), "root:") || strings.Contains(string(rec.Body), "TOP SECRET") {
			t.Errorf("%s: status %d\n%s", name, rec.Code, rec.Body)
		}
	}
}

func TestMissingPlaceholder(t *testing.T) {
	t.Parallel()
	for _, dev := range []bool{true, false} {
		app, logs := newApp(t, "testdata/templates", Options{Dev: dev})
		app.Page("GET", "/page.py", "page.html", func(*Request) (Data, error) {
			return Data{"title": "T", "site": "S"}, nil // no content, no user
		})
		for range 3 {
			if rec := get(t, app, "/page.py"); rec.Code != 200 {
				t.Fatalf("status %d", rec.Code)
			}
		}
		log := logs.String()
		if !dev {
			if strings.Contains(log, "placeholder") {
				t.Errorf("prod mode reports placeholders:\n%s", log)
			}
			continue
		}
		for _, want := range []string{
			`placeholder=content template=page.html where=page.html:4:4`,
			`placeholder=user template=page.html where=partials/nav.html:1:49`,
		} {
			if strings.Count(log, want) != 1 {
				t.Errorf("log has %q %d times, want once:\n%s", want, strings.Count(log, want), log)
			}
		}
		if strings.Contains(log, "placeholder=title") || strings.Contains(log, "placeholder=site") {
			t.Errorf("a placeholder with a value was reported:\n%s", log)
		}
	}
}

// TestPlaceholderShadowed checks that a placeholder naming a loop variable
// is not reported missing, nor one in a block the child overrides.
func TestPlaceholderShadowed(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	writeFile(t, dir, "base.html", `{% block a %}<%unused%>{% endblock %}`)
	writeFile(t, dir, "child.html", `{% extends "base.html" %}{% block a %}{% for s in rows %}<%s%>{% endfor %}{% if flag %}<%flag%>{% endif %}{% endblock %}`)
	app, logs := newApp(t, dir, Options{Dev: true, NoLiveReload: true})
	app.Page("GET", "/c.py", "child.html", func(*Request) (Data, error) { return Data{"rows": []int{1, 2}}, nil })
	if rec := get(t, app, "/c.py"); string(rec.Body) != "12" {
		t.Errorf("body %q", rec.Body)
	}
	log := logs.String()
	if strings.Contains(log, "placeholder=s ") || strings.Contains(log, "placeholder=unused") {
		t.Errorf("a placeholder with a value was reported:\n%s", log)
	}
	if !strings.Contains(log, "placeholder=flag") {
		t.Errorf("flag not reported:\n%s", log)
	}
}

func TestResponses(t *testing.T) {
	t.Parallel()
	app, _ := newApp(t, "testdata/templates", Options{})
	app.Handle("POST", "/go.py", func(*Request) (*Response, error) {
		resp := Redirect("/page.py")
		return resp, resp.SetCookie(Cookie{Name: "sid", Value: "abc", Path: "/", HttpOnly: true, SameSite: "Lax", MaxAge: 60})
	})
	app.Handle("GET", "/text.py", func(*Request) (*Response, error) {
		return (&Response{Status: 201, Body: []byte("made")}).AddHeader("Content-Type", "text/plain; charset=utf-8"), nil
	})
	app.Handle("GET", "/render.py", func(*Request) (*Response, error) {
		r := Render("page.html", Data{"title": "Rendered"})
		r.Status = 202
		return r, nil
	})
	app.Handle("GET", "/badcookie.py", func(*Request) (*Response, error) {
		resp := Render("page.html", nil)
		return resp, resp.SetCookie(Cookie{Name: "a b", Value: "x"})
	})
	app.Handle("GET", "/badheader.py", func(*Request) (*Response, error) {
		return Redirect("/x\r\nSet-Cookie: evil=1"), nil
	})
	app.Handle("GET", "/badstatus.py", func(*Request) (*Response, error) { return &Response{Status: 101}, nil })
	app.Handle("GET", "/cookie.py", func(r *Request) (*Response, error) {
		v, ok := r.Cookie("sid")
		return &Response{Body: []byte(v + " " + map[bool]string{true: "yes", false: "no"}[ok])}, nil
	})

	rec := do(t, app, "POST", "/go.py", "", "", "")
	if rec.Code != 303 || header(rec, "Location") != "/page.py" ||
		header(rec, "Set-Cookie") != "sid=abc; Path=/; Max-Age=60; HttpOnly; SameSite=Lax" {
		t.Errorf("redirect: %d %v", rec.Code, rec.Header)
	}
	rec = get(t, app, "/text.py")
	if rec.Code != 201 || string(rec.Body) != "made" || header(rec, "Content-Type") != "text/plain; charset=utf-8" || len(rec.Header.Values("Content-Type")) != 1 {
		t.Errorf("text: %d %v %q", rec.Code, rec.Header, rec.Body)
	}
	if rec = get(t, app, "/render.py"); rec.Code != 202 || !strings.Contains(string(rec.Body), "<h1>Rendered</h1>") {
		t.Errorf("render: %d %q", rec.Code, rec.Body)
	}
	for _, target := range []string{"/badcookie.py", "/badheader.py", "/badstatus.py"} {
		if rec = get(t, app, target); rec.Code != 500 || header(rec, "Set-Cookie") != "" {
			t.Errorf("%s: %d %v", target, rec.Code, rec.Header)
		}
	}

	for _, tt := range []struct{ cookie, want string }{
		{"sid=abc", "abc yes"},
		{"a=1; sid=xyz; b=2", "xyz yes"},
		{`sid="quoted"`, "quoted yes"},
		{"sidx=1;  sid = no", " no"},
		{"sid=a b", " no"},
		{"", " no"},
	} {
		env := gatewaytest.NewEnviron("GET", "/cookie.py", nil)
		env.Header = append(env.Header, gateway.Field{Name: "cookie", Value: tt.cookie})
		rec, err := gatewaytest.Record(app, env)
		if err != nil || string(rec.Body) != tt.want {
			t.Errorf("Cookie %q: %q, want %q (%v)", tt.cookie, rec.Body, tt.want, err)
		}
	}
}

func TestErrorTemplate(t *testing.T) {
	t.Parallel()
	app, _ := testApp(t, Options{ErrorTemplate: "error.html", Globals: Data{"site": "Site"}})
	rec := get(t, app, "/nosuch.py")
	body := string(rec.Body)
	if rec.Code != 404 || !strings.Contains(body, `<h1 class="error">404 Not Found</h1>`) || !strings.Contains(body, "<title>404 Not Found</title>") {
		t.Errorf("404 page: %d\n%s", rec.Code, body)
	}
	rec = get(t, app, "/fail.py")
	if rec.Code != 500 || !strings.Contains(string(rec.Body), "<p>Internal error</p>") {
		t.Errorf("500 page: %d\n%s", rec.Code, rec.Body)
	}

	// An error template that fails falls back to the built-in page.
	app2, logs := testApp(t, Options{ErrorTemplate: "broken.html"})
	if rec := get(t, app2, "/nosuch.py"); rec.Code != 404 || !strings.Contains(string(rec.Body), "There is no such page.") {
		t.Errorf("fallback: %d\n%s", rec.Code, rec.Body)
	}
	if !strings.Contains(logs.String(), "error template failed") {
		t.Errorf("the failing error template was not logged:\n%s", logs)
	}
}

func TestNewErrors(t *testing.T) {
	t.Parallel()
	if _, err := New(Options{Templates: "testdata/nosuch"}); err == nil {
		t.Error("New on a missing folder succeeded")
	}
	if _, err := New(Options{Templates: "testdata/templates", ErrorTemplate: "../x.html"}); err == nil {
		t.Error("New with an ErrorTemplate outside the folder succeeded")
	}
}
