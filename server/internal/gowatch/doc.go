// Package gowatch rebuilds a Go command when a .go file of its module is
// saved: the server's -watch mode (dev only). It watches the module's
// folders with fsnotify, waits until saves are quiet for a moment, runs
// "go build -o <new file> <package>" and reports either the new binary or
// the compiler's errors, parsed into file:line:col entries. It knows
// nothing of HTTP or of how the new binary is started: the command
// (miniweb/server) hands its socket to it (package handoff).
//
//	w, err := gowatch.Watch(gowatch.Options{Root: root, Package: "github.com/miniweb/miniweb/server",
//		OnResult: func(r gowatch.Result) { ... r.Binary, or r.Errors ... }})
//	defer w.Close()
//
// # What is watched
//
// Every folder under Root but hidden ones (".git"), "testdata" and those
// starting with "_" (the go tool ignores them too), and folders made later.
// A create, write, rename or removal of a .go file that is not a test
// (_test.go) counts as a save; editors' atomic saves (write a temporary
// file, rename it over) end in a create of the .go name, which counts.
//
// # Builds
//
// One at a time: saves during a build start another after it. A build
// writes its binary into Dir under a new name (never over a running
// binary); the caller removes a binary it no longer runs (Remove).
package gowatch
