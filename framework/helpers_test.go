package framework

import (
	"bytes"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/miniweb/miniweb/server/gateway"
	"github.com/miniweb/miniweb/server/gateway/gatewaytest"
)

// hang is how long a test waits for an event before it fails: only a hang
// reaches it, however loaded the machine.
const hang = 60 * time.Second

// syncBuffer is a log destination safe for concurrent writers.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// newApp returns an App on the templates folder dir with its log, closed
// when the test ends.
func newApp(t testing.TB, dir string, o Options) (*App, *syncBuffer) {
	t.Helper()
	logs := &syncBuffer{}
	o.Templates = dir
	o.Log = slog.New(slog.NewTextHandler(logs, nil))
	app, err := New(o)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := app.Close(); err != nil {
			t.Error(err)
		}
	})
	return app, logs
}

// do runs one request through app: method, target ("/index.py?x=1"), an
// optional body with its Content-Type, from remote ("ip:port"; "" for
// NewEnviron's 127.0.0.1).
func do(t testing.TB, app gateway.App, method, target, contentType, body, remote string) *gatewaytest.Recording {
	t.Helper()
	var r io.Reader
	if body != "" {
		r = strings.NewReader(body)
	}
	env := gatewaytest.NewEnviron(method, target, r)
	if contentType != "" {
		env.Header = append(env.Header, gateway.Field{Name: "Content-Type", Value: contentType})
	}
	if remote != "" {
		env.RemoteAddr = remote
	}
	rec, err := gatewaytest.Record(app, env)
	if err != nil {
		t.Fatalf("%s %s: %v", method, target, err)
	}
	return rec
}

// get is do for a GET from loopback.
func get(t testing.TB, app gateway.App, target string) *gatewaytest.Recording {
	t.Helper()
	return do(t, app, "GET", target, "", "", "")
}

// writeFile writes name under dir, making folders.
func writeFile(t testing.TB, dir, name, text string) {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
}

// moveIn saves text as name in dir by renaming a file written in a
// folder of its own over it: the watcher of dir sees one event, so one
// cache drop, whatever the machine's load (a plain write is one or two
// events, a save through a temporary file beside it four).
func moveIn(t *testing.T, dir, name, text string) {
	t.Helper()
	tmp := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(tmp, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(tmp, filepath.Join(dir, name)); err != nil {
		t.Fatal(err)
	}
}

// replaceFile saves text as name the way many editors do: write a new file
// beside it, then rename it over the old one.
func replaceFile(t testing.TB, dir, name, text string) {
	t.Helper()
	tmp := filepath.Join(dir, "."+name+".tmp~")
	if err := os.WriteFile(tmp, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(tmp, filepath.Join(dir, name)); err != nil {
		t.Fatal(err)
	}
}
