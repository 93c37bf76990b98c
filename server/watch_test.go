package main

import (
	"context"
	"io"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/miniweb/miniweb/server/internal/gowatch"
	"github.com/miniweb/miniweb/server/internal/handoff"
)

// TestRestartWithBuild checks the -watch path of the restarter: a build
// whose binary cannot start is dropped with its error, and this process
// serves on.
func TestRestartWithBuild(t *testing.T) {
	t.Parallel()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	out, err := os.Create(filepath.Join(t.TempDir(), "out"))
	if err != nil {
		t.Fatal(err)
	}
	defer out.Close()
	r := catchRestarts(ln, out, out, 5*time.Second, slog.New(slog.NewTextHandler(io.Discard, nil)))
	defer r.close()
	builds := make(chan handoff.Program)
	dropped := make(chan error, 1)
	r.builds = builds
	r.dropBuild = func(p handoff.Program, err error) { dropped <- err }
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan int)
	go func() {
		pid, _ := r.serve(ctx, make(chan error))
		done <- pid
	}()
	missing := filepath.Join(t.TempDir(), "server-1")
	builds <- handoff.Program{Path: missing}
	select {
	case err := <-dropped:
		if err == nil || !strings.Contains(err.Error(), missing) {
			t.Errorf("dropped with %v; want the start error naming %s", err, missing)
		}
	case <-time.After(patience):
		t.Fatal("a build that cannot start was not dropped")
	}
	cancel()
	if pid := <-done; pid != 0 {
		t.Errorf("serve = %d; want 0 (serving on until stopped)", pid)
	}
}

func TestBuildMessage(t *testing.T) {
	t.Parallel()
	errs := []gowatch.Error{{File: "a.go", Line: 1, Col: 2, Msg: "undefined: x"}, {File: "b.go", Line: 3, Col: 4, Msg: "y"}, {Msg: "go: z"}}
	if got, want := buildMessage(errs[:1]), "undefined: x"; got != want {
		t.Errorf("one error: %q, want %q", got, want)
	}
	if got, want := buildMessage(errs), "undefined: x\n\nand:\nb.go:3:4: y\ngo: z"; got != want {
		t.Errorf("three errors: %q, want %q", got, want)
	}
}

func TestCommandPackage(t *testing.T) {
	t.Parallel()
	if pkg, err := commandPackage(); err != nil || pkg != "github.com/miniweb/miniweb/server" {
		t.Errorf("commandPackage() = %q, %v; want miniweb/server", pkg, err)
	}
}
