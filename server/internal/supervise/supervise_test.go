package supervise

import (
	"testing"

	"github.com/miniweb/miniweb/server/internal/gowatch"
)

func TestBuildMessage(t *testing.T) {
	t.Parallel()
	errs := []gowatch.Error{{File: "a.go", Line: 1, Col: 2, Msg: "undefined: x", Source: "\tx()"}, {File: "b.go", Line: 3, Col: 4, Msg: "y"}, {Msg: "go: z"}}
	if got, want := buildMessage(errs[:1]), "undefined: x"; got != want {
		t.Errorf("one error: %q, want %q", got, want)
	}
	if got, want := buildMessage(errs), "undefined: x\n\nand:\nb.go:3:4: y\ngo: z"; got != want {
		t.Errorf("three errors: %q, want %q", got, want)
	}
	if e := buildError(errs); e.File != "a.go" || e.Line != 1 || e.Col != 2 || e.Source != "\tx()" {
		t.Errorf("buildError: %+v; want the first error's place and source", e)
	}
}

// TestModule: a test binary builds the package it tests, from the module
// root above it.
func TestModule(t *testing.T) {
	t.Parallel()
	root, pkg, err := module()
	if err != nil || pkg != "github.com/miniweb/miniweb/server/internal/supervise" {
		t.Errorf("module() = %q, %q, %v; want this package", root, pkg, err)
	}
	if _, err := gowatch.FindRoot(root); err != nil {
		t.Error(err)
	}
}
