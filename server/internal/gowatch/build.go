package gowatch

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"
)

// Result is how one build ended: Binary on success, else Errors.
type Result struct {
	// Binary is the new binary's path, "" when the build failed.
	Binary string
	// Errors are the compiler's errors, at least one when the build
	// failed; nil on success.
	Errors []Error
	// Output is go build's whole output, "" on success usually.
	Output string
	// Started is when the build began: a file saved after it may be
	// missing from Binary (see Options.Since).
	Started time.Time
	// Took is how long the build ran.
	Took time.Duration
}

// DefaultDir is where builds go when Options.Dir is "": one folder for
// all, so that a binary left by a killed process is found and replaced.
func DefaultDir() string { return filepath.Join(os.TempDir(), "miniweb-watch") }

// Build runs "go build -o <new file in dir> pkg" in root and returns
// the result; a failed build's first error gets its source line. ctx
// ending kills the build.
func Build(ctx context.Context, root, pkg, dir string) Result {
	r := Result{Started: time.Now()}
	fail := func(err error) Result {
		r.Errors = []Error{{Msg: err.Error()}}
		r.Took = time.Since(r.Started)
		return r
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fail(fmt.Errorf("gowatch: %w", err))
	}
	f, err := os.CreateTemp(dir, "server-*")
	if err != nil {
		return fail(fmt.Errorf("gowatch: %w", err))
	}
	bin := f.Name()
	f.Close()
	cmd := exec.CommandContext(ctx, "go", "build", "-o", bin, pkg)
	cmd.Dir = root
	out, err := cmd.CombinedOutput()
	r.Output = string(out)
	if err != nil {
		os.Remove(bin)
		var ee *exec.ExitError
		if !errors.As(err, &ee) {
			return fail(fmt.Errorf("gowatch: go build: %w", err)) // no go command
		}
		r.Errors = ParseErrors(r.Output)
		if len(r.Errors) == 0 {
			r.Errors = []Error{{Msg: "go build: " + err.Error()}}
		}
		r.Errors[0].Source = sourceLine(root, r.Errors[0])
		r.Took = time.Since(r.Started)
		return r
	}
	r.Binary = bin
	r.Took = time.Since(r.Started)
	return r
}

// Remove removes bin if it is a build of this package in dir (a binary
// in another place, such as go run's, is left alone).
func Remove(dir, bin string) {
	if rel, err := filepath.Rel(dir, bin); err == nil && !strings.Contains(rel, string(filepath.Separator)) &&
		strings.HasPrefix(rel, "server-") {
		os.Remove(bin)
	}
}

// sourceLine returns line e.Line of e.File under root, "" when unknown.
func sourceLine(root string, e Error) string {
	if e.File == "" || e.Line <= 0 {
		return ""
	}
	name := e.File
	if !filepath.IsAbs(name) {
		name = filepath.Join(root, name)
	}
	b, err := os.ReadFile(name)
	if err != nil {
		return ""
	}
	sc := bufio.NewScanner(bytes.NewReader(b))
	sc.Buffer(nil, 1<<20)
	for n := 1; sc.Scan(); n++ {
		if n == e.Line {
			return strings.TrimRight(sc.Text(), "\r")
		}
	}
	return ""
}

// FindRoot returns the module root, the nearest folder holding go.mod,
// from the first of dirs that is in a module: a working folder, then the
// folder the command was built from.
func FindRoot(dirs ...string) (string, error) {
	for _, d := range dirs {
		if d == "" {
			continue
		}
		d, err := filepath.Abs(d)
		if err != nil {
			continue
		}
		for {
			if fi, err := os.Stat(filepath.Join(d, "go.mod")); err == nil && !fi.IsDir() {
				return d, nil
			}
			up := filepath.Dir(d)
			if up == d {
				break
			}
			d = up
		}
	}
	return "", fmt.Errorf("gowatch: no go.mod in %s or a folder above", strings.Join(dirs, " or "))
}

// statDir reports whether path is a folder.
func statDir(path string) (bool, error) {
	fi, err := os.Stat(path)
	if err != nil {
		return false, err
	}
	return fi.IsDir(), nil
}
