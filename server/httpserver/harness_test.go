package httpserver

import (
	"bufio"
	"bytes"
	"context"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"runtime"
	"testing"
	"time"

	"github.com/miniweb/miniweb/server/gateway"
	"github.com/miniweb/miniweb/server/internal/testnet"
	"github.com/miniweb/miniweb/server/static"
)

// TestMain runs the tests, then checks that no goroutine of this package
// outlives them: most tests run in parallel, so a goroutine count taken
// at one test's start means nothing; each test checks instead that its
// server's connections are gone after Shutdown (startServer).
func TestMain(m *testing.M) {
	os.Exit(testnet.RunLeakChecked(m, "github.com/miniweb/miniweb/server/httpserver."))
}

// patience bounds a wait for an event that must come: only a hang reaches
// it (testnet.Patience).
const patience = testnet.Patience

// testServer is a Server running on 127.0.0.1:0 for one test.
type testServer struct {
	*Server
	addr   string
	log    *syncBuffer // the error log
	access *syncBuffer // the access log
	root   string      // the static folder
}

// startServer starts a Server with app and a static folder holding files
// (name -> content), applies opts, and shuts it down when the test ends:
// Shutdown must return nil, Serve ErrServerClosed, and the server must
// track no connection and run no handler after.
func startServer(t *testing.T, app gateway.App, files map[string]string, opts ...func(*Server)) *testServer {
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
		t.Fatal(err)
	}
	ts := &testServer{log: &syncBuffer{}, access: &syncBuffer{}, root: root}
	ts.Server = &Server{
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
	ts.init() // before Serve's goroutine, so tests may read the server's state at once
	served := make(chan error, 1)
	go func() { served <- ts.Serve(ln) }()
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), patience)
		defer cancel()
		if err := ts.Shutdown(ctx); err != nil {
			t.Errorf("Shutdown: %v", err)
		}
		if err := <-served; err != ErrServerClosed {
			t.Errorf("Serve returned %v; want ErrServerClosed", err)
		}
		if n := ts.openConns(); n != 0 {
			t.Errorf("%d connections still tracked after Shutdown", n)
		}
		st.Close()
		if t.Failed() {
			t.Logf("server log:\n%s", ts.log)
		}
	})
	return ts
}

// checkGoroutines fails when the goroutine count does not return to
// baseline: for a test that runs alone (not parallel), and counts its own.
func checkGoroutines(t *testing.T, baseline int) {
	t.Helper()
	deadline := time.Now().Add(patience)
	for {
		n := runtime.NumGoroutine()
		if n <= baseline {
			return
		}
		if time.Now().After(deadline) {
			buf := make([]byte, 1<<20)
			buf = buf[:runtime.Stack(buf, true)]
			t.Errorf("goroutines: %d after the test, %d before\n%s", n, baseline, buf)
			return
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// dial opens a raw connection to the server.
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
		c.t.Fatalf("reading response: %v", err)
	}
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		c.t.Fatalf("reading response body: %v", err)
	}
	resp.Body = io.NopCloser(bytes.NewReader(body))
	resp.ContentLength = int64(len(body))
	return resp
}

// rest reads until the server closes the connection and returns what came.
func (c *rawConn) rest() string {
	c.t.Helper()
	b, err := io.ReadAll(c.br)
	if err != nil {
		c.t.Fatalf("reading to EOF: %v (got %q)", err, b)
	}
	return string(b)
}

// closed reports whether the server has closed the connection, waiting
// for it up to patience: the tests call it where the server must close,
// and it returns as soon as it does.
func (c *rawConn) closed() bool {
	c.SetReadDeadline(time.Now().Add(patience))
	defer c.SetReadDeadline(time.Now().Add(patience))
	_, err := c.br.ReadByte()
	return err == io.EOF || isReset(err)
}

func bodyOf(t *testing.T, r *http.Response) string {
	t.Helper()
	b, err := io.ReadAll(r.Body)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// sparseFile makes the file name of size bytes in dir without using the
// disk: a hole, read as zeros.
func sparseFile(t *testing.T, dir, name string, size int64) {
	t.Helper()
	f, err := os.Create(filepath.Join(dir, name))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if err := f.Truncate(size); err != nil {
		t.Fatal(err)
	}
}

// serveOne waits for, reads and answers one request outside an inline run, and
// reports whether the connection may carry another: the per-request step
// of the benchmarks and allocation guards over in-memory connections.
func (c *conn) serveOne() bool { return c.waitRequest() && c.readHead() && c.respond() }
