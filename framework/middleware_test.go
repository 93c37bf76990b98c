package framework_test

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/miniweb/miniweb/framework"
	"github.com/miniweb/miniweb/server/httpserver"
)

// hang is how long a test waits for an event before it fails: only a hang
// reaches it, however loaded the machine.
const hang = 60 * time.Second

// serve runs app on a real server on 127.0.0.1 for the test, and returns
// its base URL.
func serve(t *testing.T, app *framework.App) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &httpserver.Server{App: app, Suffix: ".py"}
	done := make(chan struct{})
	go func() { srv.Serve(ln); close(done) }()
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), hang)
		defer cancel()
		srv.Shutdown(ctx)
		<-done
		http.DefaultClient.CloseIdleConnections()
	})
	return "http://" + ln.Addr().String()
}

// fetch GETs url and returns the status and the body.
func fetch(t *testing.T, method, url string) (int, string) {
	t.Helper()
	req, _ := http.NewRequest(method, url, nil)
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

type userKey struct{}

// TestMiddleware: middleware runs in the order added around every route
// and the error pages, may answer instead of the route, shares values with
// the handler and the context processors through the request, and a panic
// in it costs one request.
func TestMiddleware(t *testing.T) {
	t.Parallel()
	app, err := framework.New(framework.Options{Templates: "testdata/middleware", ErrorTemplate: "error.html", Log: quiet})
	if err != nil {
		t.Fatal(err)
	}
	defer app.Close()
	var mu sync.Mutex
	var trace []string
	note := func(s string) { mu.Lock(); trace = append(trace, s); mu.Unlock() }
	tracer := func(name string) framework.Middleware {
		return func(next framework.HandlerFunc) framework.HandlerFunc {
			return func(r *framework.Request) (*framework.Response, error) {
				note(name + ">")
				resp, err := next(r)
				note("<" + name)
				return resp, err
			}
		}
	}
	login := func(next framework.HandlerFunc) framework.HandlerFunc {
		return func(r *framework.Request) (*framework.Response, error) {
			if u := r.Query("as"); u != "" {
				r.Set(userKey{}, u)
			}
			if strings.HasPrefix(r.Path, "/private/") && r.Value(userKey{}) == nil {
				return framework.Redirect("/login.py"), nil
			}
			if r.Path == "/boom.py" {
				panic("middleware panicked")
			}
			return next(r)
		}
	}
	app.Use(tracer("a"), tracer("b"), login)
	app.Context(func(r *framework.Request) framework.Data {
		u, _ := r.Value(userKey{}).(string)
		if u == "" {
			u = "anonymous"
		}
		return framework.Data{"user": u, "title": "from the context"}
	})
	app.Page("GET", "/index.py", "page.html", func(r *framework.Request) (framework.Data, error) {
		note("handler")
		return framework.Data{"title": "Home"}, nil // the page's own key wins
	})
	app.Page("GET", "/private/me.py", "page.html", func(r *framework.Request) (framework.Data, error) {
		return framework.Data{"title": "hello " + r.Value(userKey{}).(string)}, nil
	})
	app.Page("POST", "/post.py", "page.html", nil)
	base := serve(t, app)

	tests := []struct {
		name, method, path string
		status             int
		body               string
	}{
		{"page, anonymous", "GET", "/index.py", 200, "<nav>anonymous</nav><main>Home</main>"},
		{"page, signed in", "GET", "/index.py?as=ada", 200, "<nav>ada</nav><main>Home</main>"},
		{"404 page sees the context", "GET", "/nowhere.py?as=ada", 404, "<nav>ada</nav><h1>404 Not Found</h1>"},
		{"405 page sees the context", "GET", "/post.py?as=bob", 405, "<nav>bob</nav><h1>405 Method Not Allowed</h1>"},
		{"middleware answers instead", "GET", "/private/me.py", 303, ""},
		{"middleware lets through", "GET", "/private/me.py?as=ada", 200, "<nav>ada</nav><main>hello ada</main>"},
		{"panic in middleware", "GET", "/boom.py?as=eve", 500, "<nav>eve</nav><h1>500 Internal Server Error</h1>"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			status, body := fetch(t, tt.method, base+tt.path)
			if status != tt.status || strings.TrimSpace(body) != tt.body {
				t.Errorf("%s %s: %d %q; want %d %q", tt.method, tt.path, status, body, tt.status, tt.body)
			}
		})
	}

	mu.Lock()
	trace = nil
	mu.Unlock()
	fetch(t, "GET", base+"/index.py")
	mu.Lock()
	got := strings.Join(trace, " ")
	mu.Unlock()
	if want := "a> b> handler <b <a"; got != want {
		t.Errorf("order: %q; want %q", got, want)
	}
}

// TestMiddlewareSeesErrors: the error of a route, a 404 included, comes
// back through the middleware, which may answer it otherwise.
func TestMiddlewareSeesErrors(t *testing.T) {
	t.Parallel()
	app, err := framework.New(framework.Options{Templates: "testdata/middleware", Log: quiet})
	if err != nil {
		t.Fatal(err)
	}
	defer app.Close()
	app.Use(func(next framework.HandlerFunc) framework.HandlerFunc {
		return func(r *framework.Request) (*framework.Response, error) {
			resp, err := next(r)
			var se *framework.StatusError
			if errors.As(err, &se) && se.Code == 404 && strings.HasPrefix(r.Path, "/old/") {
				return framework.Redirect("/new/" + strings.TrimPrefix(r.Path, "/old/")), nil
			}
			return resp, err
		}
	})
	base := serve(t, app)
	if status, _ := fetch(t, "GET", base+"/old/x.py"); status != 303 {
		t.Errorf("a 404 under /old/: %d; want the middleware's 303", status)
	}
	if status, _ := fetch(t, "GET", base+"/other.py"); status != 404 {
		t.Errorf("another 404: %d; want 404", status)
	}
}

// quiet is the log of these tests' Apps: the failures they provoke are
// expected.
var quiet = slog.New(slog.NewTextHandler(io.Discard, nil))

// TestErrorPageJSON: a client that prefers JSON gets its error pages as
// RFC 9457 problem details; a browser gets HTML.
func TestErrorPageJSON(t *testing.T) {
	t.Parallel()
	app, err := framework.New(framework.Options{Templates: "testdata/middleware", Log: quiet})
	if err != nil {
		t.Fatal(err)
	}
	defer app.Close()
	base := serve(t, app)
	for _, tt := range []struct {
		accept, ctype, body string
	}{
		{"application/json", "application/problem+json", `{"type":"about:blank","title":"Not Found","status":404,"detail":"There is no such page."}`},
		{"text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8", "text/html; charset=utf-8", "<h1>404 Not Found</h1>"},
	} {
		req, _ := http.NewRequest("GET", base+"/missing.py", nil)
		req.Header.Set("Accept", tt.accept)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 404 || resp.Header.Get("Content-Type") != tt.ctype || !strings.Contains(string(b), tt.body) {
			t.Errorf("Accept %q: %d %q %q; want 404 %q containing %q", tt.accept, resp.StatusCode, resp.Header.Get("Content-Type"), b, tt.ctype, tt.body)
		}
	}
}
