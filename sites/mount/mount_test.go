package mount

import (
	"context"
	"io"
	"log/slog"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/miniweb/miniweb/framework"
	"github.com/miniweb/miniweb/framework/database"
	"github.com/miniweb/miniweb/server/gateway/gatewaytest"
	"github.com/miniweb/miniweb/server/gatewayhttp"
	"github.com/miniweb/miniweb/sites/demo"
)

// testDB returns a fresh SQLite database with the demo's schema, closed
// at the test's end.
func testDB(t *testing.T) *database.DB {
	t.Helper()
	db, err := database.Open(context.Background(), "sqlite:"+filepath.Join(t.TempDir(), "demo.db"), "", database.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	if _, err := db.Migrate(context.Background(), "demo", demo.Migrations); err != nil {
		t.Fatal(err)
	}
	return db
}

// testApp is the mount site with a fixed clock and quick events, on the
// shipped templates.
func testApp(t *testing.T) *App {
	t.Helper()
	site, err := demo.New(framework.Options{Templates: "../../templates", Log: slog.New(slog.NewTextHandler(io.Discard, nil)), Session: &framework.SessionOptions{Secret: testSecret}}, testDB(t))
	if err != nil {
		t.Fatal(err)
	}
	now := func() time.Time { return time.Date(2019, 1, 1, 22, 9, 58, 0, time.UTC) }
	a := &App{site: site, api: gatewayhttp.FromHandler(newAPI(now, time.Millisecond))}
	t.Cleanup(func() { a.Close() })
	return a
}

func TestMount(t *testing.T) {
	t.Parallel()
	app := testApp(t)
	tests := []struct {
		method, target, body string
		status               string
		ctype                string
		want                 string // a substring of the body
		chunks               int
	}{
		{"GET", "/api/hello.py", "", "200 OK", "text/plain; charset=utf-8", "Hello, World!", 1},
		{"GET", "/api/time.py", "", "200 OK", "application/json", `{"time":"2019-01-01T22:09:58Z"}`, 1},
		{"POST", "/api/echo.py", "a=1&b=<2>", "200 OK", "application/json", `"body":"a=1\u0026b=\u003c2\u003e"`, 1},
		{"GET", "/api/echo.py", "", "405 Method Not Allowed", "text/plain; charset=utf-8", "Method Not Allowed", 1},
		{"GET", "/api/events.py", "", "200 OK", "text/event-stream", "data: tick 1\n\ndata: tick 2\n\ndata: tick 3\n\n", 3},
		{"GET", "/api/nothing.py", "", "404 Not Found", "text/plain; charset=utf-8", "404 page not found", 1},
		{"GET", "/index.py", "", "200 OK", "text/html; charset=utf-8", "miniweb", 0}, // Bytes: no chunks
		{"GET", "/about.py", "", "200 OK", "text/html; charset=utf-8", "About", 0},
		{"GET", "/center.py", "", "200 OK", "text/html; charset=utf-8", "Ping An Bank", 0}, // from the database
		{"GET", "/watchlist.py", "", "303 See Other", "text/html; charset=utf-8", "", 0},
		{"GET", "/nothing.py", "", "404 Not Found", "text/html; charset=utf-8", "404", 0},
	}
	for _, tt := range tests {
		t.Run(tt.method+tt.target, func(t *testing.T) {
			var body io.Reader
			if tt.body != "" {
				body = strings.NewReader(tt.body)
			}
			env := gatewaytest.NewEnviron(tt.method, tt.target, body)
			rec, err := gatewaytest.Record(app, env)
			if err != nil {
				t.Fatal(err)
			}
			if rec.Status != tt.status || rec.Header.Get("Content-Type") != tt.ctype {
				t.Errorf("%s, %q; want %s, %q", rec.Status, rec.Header.Get("Content-Type"), tt.status, tt.ctype)
			}
			if !strings.Contains(string(rec.Body), tt.want) {
				t.Errorf("body %q does not hold %q", rec.Body, tt.want)
			}
			if rec.Chunks != tt.chunks {
				t.Errorf("%d chunks; want %d", rec.Chunks, tt.chunks)
			}
		})
	}
}

func TestMountClose(t *testing.T) {
	t.Parallel()
	app, err := New(framework.Options{Templates: "../../templates", Dev: true, Log: slog.New(slog.NewTextHandler(io.Discard, nil))}, testDB(t))
	if err != nil {
		t.Fatal(err)
	}
	if err := app.(io.Closer).Close(); err != nil {
		t.Fatal(err)
	}
}

// testSecret keys the demo's session cookies in these tests.
const testSecret = "a test secret of at least thirty-two bytes"
