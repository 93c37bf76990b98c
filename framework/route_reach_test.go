package framework_test

import (
	"context"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/miniweb/miniweb/framework"
	"github.com/miniweb/miniweb/server/httpserver"
)

// TestUnreachableRoute: with the server's suffix known, a route no request
// could reach is refused at registration, saying why and what to do.
func TestUnreachableRoute(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		pattern string
		panics  string // "" when the route is fine
	}{
		{"/index.py", ""},
		{"/stock/{code}.py", ""},
		{"/", ""},
		{"/about", `route "/about" cannot be reached: the server hands the application only paths ending in ".py" (dynamic_suffix), and "/"; name it "/about.py"`},
		{"/stock/{code}", `route "/stock/{code}" cannot be reached`},
		{"/dir/", `name it "/dir.py"`},
	} {
		t.Run(tt.pattern, func(t *testing.T) {
			app, err := framework.New(framework.Options{Templates: "testdata/middleware", Log: quiet, Suffix: ".py"})
			if err != nil {
				t.Fatal(err)
			}
			defer app.Close()
			defer func() {
				p := recover()
				msg, _ := p.(string)
				switch {
				case tt.panics == "" && p != nil:
					t.Errorf("Handle(%q) panicked: %v", tt.pattern, p)
				case tt.panics != "" && !strings.Contains(msg, tt.panics):
					t.Errorf("Handle(%q): panic %v; want one containing %q", tt.pattern, p, tt.panics)
				}
			}()
			app.Handle("GET", tt.pattern, func(*framework.Request) (*framework.Response, error) { return framework.Redirect("/"), nil })
		})
	}
	// Without a suffix (net/http, or an AppPath of the program's own), any
	// pattern goes.
	app, err := framework.New(framework.Options{Templates: "testdata/middleware", Log: quiet})
	if err != nil {
		t.Fatal(err)
	}
	defer app.Close()
	app.Handle("GET", "/about", func(*framework.Request) (*framework.Response, error) { return framework.Redirect("/"), nil })
}

// TestRootFromHandler: "/" served by a handler through a real server that
// routes by suffix: the App claims "/" (OwnsPath, as miniweb's command
// wires it into Server.AppPath) and other paths stay static files.
func TestRootFromHandler(t *testing.T) {
	t.Parallel()
	app, err := framework.New(framework.Options{Templates: "testdata/middleware", Log: quiet, Suffix: ".py"})
	if err != nil {
		t.Fatal(err)
	}
	defer app.Close()
	app.Page("GET", "/", "page.html", func(*framework.Request) (framework.Data, error) {
		return framework.Data{"user": "home", "title": "from a handler"}, nil
	})
	app.Page("GET", "/index.py", "page.html", func(*framework.Request) (framework.Data, error) {
		return framework.Data{"user": "index", "title": "py"}, nil
	})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &httpserver.Server{App: app, Suffix: ".py", AppPath: app.OwnsPath}
	done := make(chan struct{})
	go func() { srv.Serve(ln); close(done) }()
	defer func() {
		ctx, cancel := context.WithTimeout(context.Background(), hang)
		defer cancel()
		srv.Shutdown(ctx)
		<-done
	}()
	base := "http://" + ln.Addr().String()
	for _, tt := range []struct {
		path   string
		status int
		body   string
	}{
		{"/", 200, "<main>from a handler</main>"},
		{"/index.py", 200, "<main>py</main>"},
		{"/style.css", 404, ""}, // not the App's: the static folder (none here)
	} {
		status, body := fetch(t, "GET", base+tt.path)
		if status != tt.status || !strings.Contains(body, tt.body) {
			t.Errorf("GET %s: %d %q; want %d with %q", tt.path, status, body, tt.status, tt.body)
		}
	}
	if app.OwnsPath("/style.css") || !app.OwnsPath("/") || !app.OwnsPath("/x.py") {
		t.Error("OwnsPath claims the wrong paths")
	}
}

// TestStrictTemplates: in dev mode a broken template is a warning at
// start, unless Strict (server -check) makes it New's error.
func TestStrictTemplates(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "bad.html"), []byte("<p>\n{% if %}\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	app, err := framework.New(framework.Options{Templates: dir, Dev: true, Log: quiet})
	if err != nil {
		t.Fatalf("dev: %v", err)
	}
	app.Close()
	if _, err := framework.New(framework.Options{Templates: dir, Dev: true, Strict: true, Log: quiet}); err == nil || !strings.Contains(err.Error(), "bad.html:2:") {
		t.Errorf("dev, strict: %v; want the error at bad.html:2", err)
	}
}
