package gowatch

import (
	"io"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// writeFile writes a file of the test module, its folders made.
func writeFile(t *testing.T, name, text string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(name), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(name, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
}

// TestWatch builds a tiny module on saves: a good save gives a binary
// that runs, a broken one the compiler's error at its file and line, a
// test file or a file under testdata no build at all.
func TestWatch(t *testing.T) {
	t.Parallel()
	if _, err := exec.LookPath("go"); err != nil {
		t.Skip("no go command")
	}
	root := t.TempDir()
	writeFile(t, filepath.Join(root, "go.mod"), "module tiny\n\ngo 1.21\n")
	writeFile(t, filepath.Join(root, "cmd", "hello", "main.go"), "package main\n\nfunc main() { println(\"one\") }\n")
	results := make(chan Result, 4)
	dir := t.TempDir()
	w, err := Watch(Options{Root: root, Package: "./cmd/hello", Dir: dir, Debounce: 50 * time.Millisecond,
		OnResult: func(r Result) { results <- r }, Log: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	next := func() Result {
		t.Helper()
		select {
		case r := <-results:
			return r
		case <-time.After(60 * time.Second):
			t.Fatal("no build within 60s of a save")
			return Result{}
		}
	}
	none := func(why string) {
		t.Helper()
		select {
		case r := <-results:
			t.Fatalf("%s: got a build %+v", why, r)
		case <-time.After(300 * time.Millisecond):
		}
	}

	none("no save yet")
	writeFile(t, filepath.Join(root, "cmd", "hello", "main_test.go"), "package main\n")
	writeFile(t, filepath.Join(root, "testdata", "x.go"), "package x\n")
	none("a test file and testdata")

	// A save in a folder made after Watch started.
	writeFile(t, filepath.Join(root, "cmd", "hello", "lib", "lib.go"), "package lib\n")
	writeFile(t, filepath.Join(root, "cmd", "hello", "main.go"), "package main\n\nfunc main() { println(\"two\") }\n")
	r := next()
	if r.Binary == "" || len(r.Errors) > 0 {
		t.Fatalf("good save: %+v", r)
	}
	if filepath.Dir(r.Binary) != dir {
		t.Errorf("binary %s not in Dir %s", r.Binary, dir)
	}
	out, err := exec.Command(r.Binary).CombinedOutput()
	if err != nil || strings.TrimSpace(string(out)) != "two" {
		t.Errorf("the new binary says %q, %v; want two", out, err)
	}
	Remove(dir, r.Binary)
	if _, err := os.Stat(r.Binary); !os.IsNotExist(err) {
		t.Errorf("Remove left %s: %v", r.Binary, err)
	}

	writeFile(t, filepath.Join(root, "cmd", "hello", "main.go"), "package main\n\nfunc main() {\n\tprintln(nope)\n}\n")
	r = next()
	want := Error{File: "cmd/hello/main.go", Line: 4, Col: 10, Msg: "undefined: nope", Source: "\tprintln(nope)"}
	if r.Binary != "" || len(r.Errors) != 1 || r.Errors[0] != want {
		t.Fatalf("broken save: %+v; want the one error %+v", r, want)
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 0 {
		t.Errorf("a failed build left %d files in Dir", len(entries))
	}
}

// TestWatchSince checks that a file saved after Options.Since, the start
// of the build this process runs, is built at once.
func TestWatchSince(t *testing.T) {
	t.Parallel()
	if _, err := exec.LookPath("go"); err != nil {
		t.Skip("no go command")
	}
	root := t.TempDir()
	writeFile(t, filepath.Join(root, "go.mod"), "module tiny\n\ngo 1.21\n")
	writeFile(t, filepath.Join(root, "main.go"), "package main\n\nfunc main() {}\n")
	results := make(chan Result, 1)
	w, err := Watch(Options{Root: root, Package: ".", Dir: t.TempDir(), Since: time.Now().Add(-time.Minute),
		OnResult: func(r Result) { results <- r }})
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	select {
	case r := <-results:
		if r.Binary == "" {
			t.Fatalf("build: %+v", r)
		}
	case <-time.After(60 * time.Second):
		t.Fatal("no build for a file newer than Since")
	}
}

func TestFindRoot(t *testing.T) {
	t.Parallel()
	root := t.TempDir()
	writeFile(t, filepath.Join(root, "go.mod"), "module m\n")
	deep := filepath.Join(root, "a", "b")
	os.MkdirAll(deep, 0o755)
	outside := t.TempDir()
	if got, err := FindRoot(outside, deep); err != nil || got != root {
		t.Errorf("FindRoot(outside, deep) = %q, %v; want %s", got, err, root)
	}
	if _, err := FindRoot(outside); err == nil || !strings.Contains(err.Error(), "no go.mod") {
		t.Errorf("FindRoot(outside) = %v; want no go.mod", err)
	}
}
