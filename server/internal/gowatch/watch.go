package gowatch

import (
	"context"
	"io/fs"
	"log/slog"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/fsnotify/fsnotify"
)

// Options configures Watch.
type Options struct {
	// Root is the module root, the folder of go.mod (FindRoot); required.
	Root string
	// Package is what go build builds, as it takes it in Root: an import
	// path ("github.com/miniweb/miniweb/server") or "./server"; required.
	Package string
	// Dir is where the binaries go; "" means DefaultDir().
	Dir string
	// Debounce is how long saves must be quiet before a build; zero means
	// 200 ms.
	Debounce time.Duration
	// Since, when not zero, is the start of the build this process runs:
	// a .go file changed after it is missing from this binary, and Watch
	// builds at once. Zero means no build until a save.
	Since time.Time
	// OnResult gets each build's result, from the watcher's goroutine (a
	// slow OnResult delays the next build); required.
	OnResult func(Result)
	// Log receives the watcher's failures; nil means slog.Default().
	Log *slog.Logger
}

// Watcher watches a module and builds on saves until Close.
type Watcher struct {
	o       Options
	fsw     *fsnotify.Watcher
	ctx     context.Context // ends at Close: kills a build under way
	cancel  context.CancelFunc
	stale   bool // a .go file changed after Options.Since: build at once
	done    chan struct{}
	closeMu sync.Once
}

// Watch starts watching o.Root; Close stops it.
func Watch(o Options) (*Watcher, error) {
	if o.Dir == "" {
		o.Dir = DefaultDir()
	}
	if o.Debounce <= 0 {
		o.Debounce = 200 * time.Millisecond
	}
	if o.Log == nil {
		o.Log = slog.Default()
	}
	fsw, err := fsnotify.NewWatcher()
	if err != nil {
		return nil, err
	}
	w := &Watcher{o: o, fsw: fsw, done: make(chan struct{})}
	w.ctx, w.cancel = context.WithCancel(context.Background())
	if err := w.add(o.Root); err != nil {
		fsw.Close()
		return nil, err
	}
	go w.loop()
	return w, nil
}

// Close stops watching, kills a build under way and waits for the
// watcher's goroutine to end.
func (w *Watcher) Close() error {
	var err error
	w.closeMu.Do(func() {
		w.cancel()
		err = w.fsw.Close()
		<-w.done
	})
	return err
}

// skip reports whether the folder called name is not watched: hidden,
// testdata, or "_..." (the go tool ignores these as packages too).
func skip(name string) bool {
	return name == "testdata" || strings.HasPrefix(name, ".") || strings.HasPrefix(name, "_")
}

// source reports whether name is a .go file a build reads: not a test.
func source(name string) bool {
	base := filepath.Base(name)
	return strings.HasSuffix(base, ".go") && !strings.HasSuffix(base, "_test.go") && !strings.HasPrefix(base, ".")
}

// add watches dir and the folders below it, and marks the watcher stale
// when one of their .go files is newer than Options.Since.
func (w *Watcher) add(dir string) error {
	return filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			if path == dir {
				return err
			}
			return nil // gone meanwhile, or unreadable: not ours to build
		}
		if !d.IsDir() {
			if !w.o.Since.IsZero() && source(path) {
				if fi, err := d.Info(); err == nil && fi.ModTime().After(w.o.Since) {
					w.stale = true
				}
			}
			return nil
		}
		if path != dir && skip(d.Name()) {
			return filepath.SkipDir
		}
		return w.fsw.Add(path)
	})
}

// loop turns saves into builds, one at a time, debounced.
func (w *Watcher) loop() {
	defer close(w.done)
	timer := time.NewTimer(w.o.Debounce)
	if !w.stale {
		timer.Stop()
	}
	for {
		select {
		case ev, ok := <-w.fsw.Events:
			if !ok {
				return
			}
			if ev.Has(fsnotify.Create) {
				if isDir, err := statDir(ev.Name); err == nil && isDir && !skip(filepath.Base(ev.Name)) {
					if err := w.add(ev.Name); err != nil {
						w.o.Log.Warn("gowatch: cannot watch a new folder", "path", ev.Name, "err", err)
					}
					timer.Reset(w.o.Debounce) // it may hold .go files already
					continue
				}
			}
			if source(ev.Name) && ev.Op&(fsnotify.Create|fsnotify.Write|fsnotify.Rename|fsnotify.Remove) != 0 {
				timer.Reset(w.o.Debounce)
			}
		case err, ok := <-w.fsw.Errors:
			if !ok {
				return
			}
			w.o.Log.Warn("gowatch: watching", "err", err)
		case <-timer.C:
			r := Build(w.ctx, w.o.Root, w.o.Package, w.o.Dir)
			if w.ctx.Err() != nil {
				Remove(w.o.Dir, r.Binary)
				return
			}
			w.o.OnResult(r)
		}
	}
}
