package framework_test

import (
	"context"
	"fmt"
	"log"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/miniweb/miniweb/framework"
	"github.com/miniweb/miniweb/server/gateway/gatewaytest"
	"github.com/miniweb/miniweb/server/httpserver"
	"github.com/miniweb/miniweb/server/static"
)

// reachTests are patterns registered on an App that knows the server's
// suffix, with Page and with Handle alike.
var reachTests = []struct {
	name    string
	suffix  string // Options.Suffix
	pattern string
	panics  string // a part of the panic; "" when the route registers
}{
	{"literal", ".py", "/index.py", ""},
	{"param_then_suffix", ".py", "/stock/{code}.py", ""},
	{"param_then_suffix_deep", ".py", "/u/{id}/posts/{n}.py", ""},
	{"home", ".py", "/", ""},
	{"no_suffix_server", "", "/about", ""}, // net/http or an AppPath of its own: any pattern
	{"no_suffix_server_param", "", "/stock/{code}", ""},
	{"other_suffix", ".php", "/index.php", ""},

	{"about", ".py", "/about",
		`framework: route "/about" cannot be reached: the server hands the application only paths ending in ".py" (dynamic_suffix), and "/"; name it "/about.py", or serve it as a static file`},
	// A trailing {param} matches "600519.py" too, but the author meant
	// "/stock/600519": the suffix must be in the pattern.
	{"param_without_suffix", ".py", "/stock/{code}", `route "/stock/{code}" cannot be reached`},
	{"param_suggestion", ".py", "/stock/{code}", `name it "/stock/{code}.py"`},
	{"root_param", ".py", "/{page}", `name it "/{page}.py"`},
	{"dir", ".py", "/docs/", `name it "/docs.py"`},
	{"suffix_then_slash", ".py", "/about.py/", `route "/about.py/" cannot be reached`},
	{"suffix_then_slash_suggestion", ".py", "/about.py/", `name it "/about.py",`},
	{"case", ".py", "/index.PY", `cannot be reached`}, // the server compares bytes
	{"suffix_mid_path", ".py", "/a.py/b", `name it "/a.py/b.py"`},
	{"wrong_suffix", ".py", "/index.php", `ending in ".py"`},
	{"other_server_suffix", ".php", "/index.py", `ending in ".php" (dynamic_suffix), and "/"; name it "/index.py.php"`},
	// A malformed pattern gets the malformed-pattern panic, not this one.
	{"no_slash", ".py", "about", "framework: pattern must begin with '/': about"},
}

// TestRouteReach: with the server's suffix known, Page and Handle refuse
// a route no request could reach, saying why and what to name it.
func TestRouteReach(t *testing.T) {
	t.Parallel()
	register := map[string]func(app *framework.App, pattern string){
		"Page": func(app *framework.App, pattern string) { app.Page("GET", pattern, "page.html", nil) },
		"Handle": func(app *framework.App, pattern string) {
			app.Handle("GET POST", pattern, func(*framework.Request) (*framework.Response, error) {
				return &framework.Response{}, nil
			})
		},
	}
	for _, tt := range reachTests {
		for fn, reg := range register {
			t.Run(fn+"/"+tt.name, func(t *testing.T) {
				app, err := framework.New(framework.Options{Templates: "testdata/middleware", Log: quiet, Suffix: tt.suffix})
				if err != nil {
					t.Fatal(err)
				}
				defer app.Close()
				defer func() {
					p := recover()
					msg, _ := p.(string)
					switch {
					case tt.panics == "" && p != nil:
						t.Errorf("%s(%q) with Suffix %q panicked: %v", fn, tt.pattern, tt.suffix, p)
					case tt.panics != "" && !strings.Contains(msg, tt.panics):
						t.Errorf("%s(%q) with Suffix %q: panic %v\nwant one containing %q", fn, tt.pattern, tt.suffix, p, tt.panics)
					}
				}()
				reg(app, tt.pattern)
			})
		}
	}
}

// TestOwnsPath: the paths an App claims from a server that routes by
// suffix: those ending in it, and "/" only once a route for it exists.
func TestOwnsPath(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		suffix string // Options.Suffix
		root   bool   // a route for "/" is registered
		path   string
		want   bool
	}{
		{".py", false, "/index.py", true},
		{".py", false, "/", false}, // the static index.html stays
		{".py", true, "/", true},
		{".py", true, "/index.html", false},
		{".py", true, "/style.css", false},
		{".py", true, "/about", false},
		{".py", true, "/about.py/", false},
		{".py", true, "//", false},
		{".py", true, "", false},
		{"", false, "/style.css", true}, // no suffix: every path is the App's
		{"", true, "/", true},
	} {
		app, err := framework.New(framework.Options{Templates: "testdata/middleware", Log: quiet, Suffix: tt.suffix})
		if err != nil {
			t.Fatal(err)
		}
		if tt.root {
			app.Page("GET", "/", "page.html", nil)
		}
		if got := app.OwnsPath(tt.path); got != tt.want {
			t.Errorf("Suffix %q, root route %v: OwnsPath(%q) = %v; want %v", tt.suffix, tt.root, tt.path, got, tt.want)
		}
		app.Close()
	}
}

// TestOwnsPathAllocs: OwnsPath runs for every request the server reads
// (as Server.AppPath): it allocates nothing.
//
// It is not parallel: testing.AllocsPerRun counts the allocations of the
// whole process.
func TestOwnsPathAllocs(t *testing.T) {
	app, err := framework.New(framework.Options{Templates: "testdata/middleware", Log: quiet, Suffix: ".py"})
	if err != nil {
		t.Fatal(err)
	}
	defer app.Close()
	app.Page("GET", "/", "page.html", nil)
	for _, p := range []string{"/", "/index.py", "/static/style.css"} {
		if n := testing.AllocsPerRun(100, func() { app.OwnsPath(p) }); n != 0 {
			t.Errorf("OwnsPath(%q): %v allocations; want 0", p, n)
		}
	}
}

// TestRootOverStatic: through a real server with a static folder and
// AppPath wired as miniweb's command does: "/" is the static index.html
// until the App has a route for it, then the handler's page; every other
// path without the suffix stays a static file (its 404 the server's, not
// the App's error page).
func TestRootOverStatic(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	for name, body := range map[string]string{"index.html": "<p>static home</p>", "style.css": "p{}"} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	for _, tt := range []struct {
		root bool // register a route for "/"
		path string
		code int
		body string // a part of the body
	}{
		{false, "/", 200, "static home"},
		{false, "/index.py", 200, "<main>py</main>"},
		{true, "/", 200, "<main>from a handler</main>"},
		{true, "/index.py", 200, "<main>py</main>"},
		{true, "/style.css", 200, "p{}"},
		{true, "/index.html", 200, "static home"},
		{true, "/nothing.py", 404, "<nav></nav><h1>404 Not Found</h1>"}, // the App's error page
		{true, "/nothing", 404, "404 Not Found"},                        // the static folder's
	} {
		app, err := framework.New(framework.Options{Templates: "testdata/middleware", ErrorTemplate: "error.html", Log: quiet, Suffix: ".py"})
		if err != nil {
			t.Fatal(err)
		}
		if tt.root {
			app.Page("GET", "/", "page.html", func(*framework.Request) (framework.Data, error) {
				return framework.Data{"title": "from a handler"}, nil
			})
		}
		app.Page("GET", "/index.py", "page.html", func(*framework.Request) (framework.Data, error) {
			return framework.Data{"title": "py"}, nil
		})
		base := serveStatic(t, app, dir)
		code, body := fetch(t, "GET", base+tt.path)
		if code != tt.code || !strings.Contains(body, tt.body) || (tt.path == "/nothing" && strings.Contains(body, "<nav>")) {
			t.Errorf("root route %v: GET %s: %d %q; want %d with %q", tt.root, tt.path, code, body, tt.code, tt.body)
		}
		app.Close()
	}
}

// serveStatic runs app on a real server on 127.0.0.1 next to the static
// folder dir, routed as miniweb's command routes it: paths ending in
// ".py", and those the App claims (OwnsPath), go to the App.
func serveStatic(t *testing.T, app *framework.App, dir string) string {
	t.Helper()
	st, err := static.New(dir)
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &httpserver.Server{App: app, Static: st, Suffix: ".py",
		AppPath: func(p string) bool { return strings.HasSuffix(p, ".py") || app.OwnsPath(p) }}
	done := make(chan struct{})
	go func() { srv.Serve(ln); close(done) }()
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), hang)
		defer cancel()
		srv.Shutdown(ctx)
		<-done
		st.Close()
		http.DefaultClient.CloseIdleConnections()
	})
	return "http://" + ln.Addr().String()
}

// The home page from a handler, on a server that routes by the ".py"
// suffix: "/" is the one route without the suffix an App accepts, and
// OwnsPath, as the server's AppPath, sends it "/" rather than the static
// index.html. A route such as "/about" would panic at registration.
func ExampleApp_OwnsPath() {
	app, err := framework.New(framework.Options{Templates: "testdata/middleware", Suffix: ".py"})
	if err != nil {
		log.Fatal(err)
	}
	defer app.Close()
	app.Handle("GET", "/", func(*framework.Request) (*framework.Response, error) {
		return &framework.Response{Body: []byte("home, from a handler\n")}, nil
	})

	// miniweb's command wires it so; a program of its own does the same.
	srv := &httpserver.Server{App: app, Suffix: ".py", AppPath: app.OwnsPath}
	_ = srv

	fmt.Println(app.OwnsPath("/"), app.OwnsPath("/index.py"), app.OwnsPath("/style.css"))
	rec, _ := gatewaytest.Record(app, gatewaytest.NewEnviron("GET", "/", nil))
	fmt.Print(rec.Status, " ", string(rec.Body))
	// Output:
	// true true false
	// 200 OK home, from a handler
}
