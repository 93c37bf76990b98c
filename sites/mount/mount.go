// Package mount is a site that mounts a net/http handler next to framework
// routes, the Go form of running a Flask application on the lesson's
// server: paths under /api/ go to a net/http ServeMux through
// gatewayhttp.FromHandler, every other path to the demo site on the framework.
//
//	/api/hello.py    "Hello, World!" as text/plain (the adapter's benchmark)
//	/api/time.py     GET: the server's time as JSON
//	/api/echo.py     POST: the method, content type and body back as JSON
//	/api/events.py   GET: three server-sent events, each flushed as it comes
//	/index.py, ...   the demo site's pages (see package demo)
//
// The server hands a site only the paths that end in the dynamic suffix, so
// the API's paths end in ".py" too.
package mount

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/miniweb/miniweb/framework"
	"github.com/miniweb/miniweb/framework/database"
	"github.com/miniweb/miniweb/server/gateway"
	"github.com/miniweb/miniweb/server/gatewayhttp"
	"github.com/miniweb/miniweb/sites/demo"
)

// apiPrefix is the path prefix of the requests the net/http handler gets.
const apiPrefix = "/api/"

// maxEcho bounds the body /api/echo.py reads, in bytes.
const maxEcho = 64 << 10

// App is the mount site's application: the API next to the demo site.
type App struct {
	site gateway.App
	api  gateway.App
}

// New returns the mount site: the demo site built with o on db (see
// demo.New; the caller owns db and closes it after the application), and
// the API beside it. The application is an *App, whose Close stops the
// demo's template watcher.
func New(o framework.Options, db *database.DB) (gateway.App, error) {
	site, err := demo.New(o, db)
	if err != nil {
		return nil, err
	}
	return &App{site: site, api: gatewayhttp.FromHandler(API())}, nil
}

// CloseStreams ends the demo's open event streams (live reload in dev
// mode; see framework.App.CloseStreams), so that shutdown is not held by
// them.
func (a *App) CloseStreams() {
	if c, ok := a.site.(interface{ CloseStreams() }); ok {
		c.CloseStreams()
	}
}

// ShowBuildError shows a compile error on the demo's open pages (the
// server's -watch mode; see framework.App.ShowBuildError).
func (a *App) ShowBuildError(file string, line, col int, msg, source string) {
	if b, ok := a.site.(interface {
		ShowBuildError(file string, line, col int, msg, source string)
	}); ok {
		b.ShowBuildError(file, line, col, msg, source)
	}
}

// ClearBuildError takes away what ShowBuildError showed.
func (a *App) ClearBuildError() {
	if b, ok := a.site.(interface{ ClearBuildError() }); ok {
		b.ClearBuildError()
	}
}

// OwnsPath reports whether the site answers path: the demo's paths (see
// framework.App.OwnsPath).
func (a *App) OwnsPath(path string) bool {
	if o, ok := a.site.(interface{ OwnsPath(string) bool }); ok {
		return o.OwnsPath(path)
	}
	return false
}

// ServeGateway sends a request under /api/ to the API, any other to the
// demo site.
func (a *App) ServeGateway(env *gateway.Environ, start gateway.StartResponse) gateway.Body {
	if strings.HasPrefix(env.Path, apiPrefix) {
		return a.api.ServeGateway(env, start)
	}
	return a.site.ServeGateway(env, start)
}

// Close releases the demo site.
func (a *App) Close() error {
	if c, ok := a.site.(io.Closer); ok {
		return c.Close()
	}
	return nil
}

// API returns the site's net/http handler: a ServeMux that knows nothing of
// the gateway, as net/http's own server would serve it.
func API() http.Handler { return newAPI(time.Now, 100*time.Millisecond) }

// newAPI is API with its clock and the interval of /api/events.py.
func newAPI(now func() time.Time, tick time.Duration) http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /api/hello.py", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		io.WriteString(w, "Hello, World!")
	})
	mux.HandleFunc("GET /api/time.py", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, map[string]string{"time": now().UTC().Format(time.RFC3339)})
	})
	mux.HandleFunc("POST /api/echo.py", func(w http.ResponseWriter, r *http.Request) {
		body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxEcho))
		if err != nil {
			http.Error(w, "body too large or unreadable", http.StatusRequestEntityTooLarge)
			return
		}
		writeJSON(w, map[string]string{"method": r.Method, "content_type": r.Header.Get("Content-Type"), "body": string(body)})
	})
	mux.HandleFunc("GET /api/events.py", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/event-stream")
		w.Header().Set("Cache-Control", "no-cache")
		rc := http.NewResponseController(w)
		for i := 1; i <= 3; i++ {
			if i > 1 {
				select {
				case <-time.After(tick):
				case <-r.Context().Done():
					return // the client has gone
				}
			}
			fmt.Fprintf(w, "data: tick %d\n\n", i)
			if rc.Flush() != nil {
				return
			}
		}
	})
	return mux
}

func writeJSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(v)
}

// Check reports the templates the demo's routes name that it lacks (see
// framework.App.Check).
func (a *App) Check() error {
	if c, ok := a.site.(interface{ Check() error }); ok {
		return c.Check()
	}
	return nil
}
