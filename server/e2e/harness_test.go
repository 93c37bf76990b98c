package e2e

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/miniweb/miniweb/server/gateway"
	"github.com/miniweb/miniweb/server/httpserver"
	"github.com/miniweb/miniweb/server/internal/testnet"
	"github.com/miniweb/miniweb/server/static"
)

// TestMain runs the tests, then checks that no goroutine of the engine or
// of the framework outlives them (the tests run in parallel: a count per
// test means nothing): a server shut down, a site closed, leaves none.
func TestMain(m *testing.M) {
	os.Exit(testnet.RunLeakChecked(m, "github.com/miniweb/miniweb/server/", "github.com/miniweb/miniweb/framework", "github.com/miniweb/miniweb/sites/"))
}

// The helpers these tests share with the engine's (server/internal/testnet),
// under the names the tests use.
type syncBuffer = testnet.SyncBuffer

// patience bounds a wait for an event that must come: only a hang reaches
// it (testnet.Patience).
const patience = testnet.Patience

// testSessionSecret keys the sites' session cookies in these tests.
const testSessionSecret = "a test secret of at least thirty-two bytes"

// testServer is an httpserver.Server running on 127.0.0.1:0 for one test.
type testServer struct {
	*httpserver.Server
	addr   string
	log    *syncBuffer // the error log
	access *syncBuffer // the access log
}

// startServer starts a Server with app and a static folder holding files
// (name -> content), applies opts, and shuts it down when the test ends:
// Shutdown must return nil, Serve ErrServerClosed.
func startServer(t *testing.T, app gateway.App, files map[string]string, opts ...func(*httpserver.Server)) *testServer {
	t.Helper()
	root := t.TempDir()
	for name, content := range files {
		p := filepath.Join(root, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	st, err := static.New(root)
	if err != nil {
		t.Fatalf("static.New(%q): %v", root, err)
	}
	ts := &testServer{log: &syncBuffer{}, access: &syncBuffer{}}
	ts.Server = &httpserver.Server{
		App:          app,
		Static:       st,
		Suffix:       ".py",
		ServerHeader: "miniweb-test",
		Log:          slog.New(slog.NewTextHandler(ts.log, &slog.HandlerOptions{Level: slog.LevelDebug})),
		AccessLog:    ts.access,
	}
	for _, o := range opts {
		o(ts.Server)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ts.addr = ln.Addr().String()
	served := make(chan error, 1)
	go func() { served <- ts.Serve(ln) }()
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), patience)
		defer cancel()
		if err := ts.Shutdown(ctx); err != nil {
			t.Errorf("Shutdown: %v", err)
		}
		if err := <-served; !errors.Is(err, httpserver.ErrServerClosed) {
			t.Errorf("Serve returned %v; want ErrServerClosed", err)
		}
		st.Close()
		if t.Failed() {
			t.Logf("server log:\n%s", ts.log)
		}
	})
	return ts
}

// dial opens a raw connection to the server, closed when the test ends.
func (ts *testServer) dial(t *testing.T) *rawConn {
	t.Helper()
	c, err := net.DialTimeout("tcp", ts.addr, patience)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	c.SetDeadline(time.Now().Add(patience))
	return &rawConn{t: t, Conn: c, br: bufio.NewReader(c)}
}

// rawConn is a client connection that speaks raw bytes.
type rawConn struct {
	t *testing.T
	net.Conn
	br *bufio.Reader
}

func (c *rawConn) send(s string) {
	c.t.Helper()
	if _, err := io.WriteString(c.Conn, s); err != nil {
		c.t.Fatalf("write %.40q: %v", s, err)
	}
}

// response reads one response to a request of method with net/http's
// parser as the oracle, body included.
func (c *rawConn) response(method string) *http.Response {
	c.t.Helper()
	resp, err := http.ReadResponse(c.br, &http.Request{Method: method})
	if err != nil {
		c.t.Fatalf("reading the response to %s: %v", method, err)
	}
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		c.t.Fatalf("reading the body of the response to %s: %v", method, err)
	}
	resp.Body = io.NopCloser(bytes.NewReader(body))
	resp.ContentLength = int64(len(body))
	return resp
}

func bodyOf(t *testing.T, r *http.Response) string {
	t.Helper()
	b, err := io.ReadAll(r.Body)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// exchangeCase is one request and what its response must show.
type exchangeCase struct {
	method, target string
	header         []string // name, value, ...
	body           string   // request body
	code           int
	want           string            // a substring of the response body
	wantHeader     map[string]string // fields and values; "" for absent
}

func (tt exchangeCase) run(t *testing.T, base string) {
	t.Helper()
	method := tt.method
	if method == "" {
		method = "GET"
	}
	var body io.Reader
	if tt.body != "" {
		body = strings.NewReader(tt.body)
	}
	resp, got := testnet.Fetch(t, method, base+tt.target, body, tt.header...)
	if resp.StatusCode != tt.code {
		t.Errorf("%s %s: %d; want %d (body %q)", method, tt.target, resp.StatusCode, tt.code, got)
	}
	if !strings.Contains(got, tt.want) {
		t.Errorf("%s %s: body %q does not hold %q", method, tt.target, got, tt.want)
	}
	for k, v := range tt.wantHeader {
		if g := resp.Header.Get(k); g != v {
			t.Errorf("%s %s: %s = %q; want %q", method, tt.target, k, g, v)
		}
	}
}

// repoDir is a folder of the repository, from this package's folder.
func repoDir(name string) string { return filepath.Join("..", "..", name) }

// copyTemplates copies the shipped templates to a temporary folder, so a
// test never touches (or watches) the real one.
func copyTemplates(t *testing.T) string {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "templates")
	if err := os.CopyFS(dir, os.DirFS(repoDir("templates"))); err != nil {
		t.Fatal(err)
	}
	return dir
}
