package livereload

import (
	"errors"
	"io/fs"
	"log/slog"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/fsnotify/fsnotify"
)

// The watcher watches the templates folder and the static folder with one
// fsnotify watcher (inotify on Linux), each folder and every folder below
// it except hidden ones. It watches folders, not files: an editor that
// writes a new file and renames it over the old one (an atomic save)
// replaces the inode a file watch would follow, while the folder sees the
// rename as the file created.
//
// Events are gathered into a batch until the folders have been quiet for
// the debounce time (Options.Debounce), or for at most maxWaitFactor times
// that since the first event of the batch, so that a tool that never stops
// writing cannot hold the batch forever. One save is several events (an
// editor's backup, a write, a rename, a chmod); the batch makes them one
// change, and a save of ten files is one reload.
//
// Editors' temporary files and hidden files are ignored (see ignored); a
// chmod alone is not a change. A new folder is watched at once, with its
// folders; whatever was written in it before the watch began is covered by
// its own event, which is a change. A watched root folder that is removed
// or renamed away (rm -rf static; a build that makes a new one) is looked
// for every rootPoll until it is back, then watched again, and its return
// is a change that reloads the pages.
type watcher struct {
	fsw     *fsnotify.Watcher
	roots   []*root
	quiet   time.Duration
	log     *slog.Logger
	flush   func(batch)   // called from the watcher's goroutine
	done    chan struct{} // closed when the loop ends
	pending batch
}

// maxWaitFactor bounds how long a batch waits for quiet: this many times the
// debounce time after its first event.
const maxWaitFactor = 5

// rootPoll is how often a removed root folder is looked for.
const rootPoll = 100 * time.Millisecond

// A root is a folder the watcher watches with the folders below it.
type root struct {
	dir     string // cleaned
	static  bool   // the static folder, else the templates folder
	missing bool   // removed or renamed away; looked for by polling
}

// A batch is what changed in one quiet period.
type batch struct {
	// templates is true when a file of the templates folder was written,
	// created, renamed or removed.
	templates bool
	// static holds each changed static file's URL path ("/css/site.css")
	// and kind.
	static map[string]kind
	// reload is true when a root folder came back.
	reload bool
}

func (b batch) empty() bool { return !b.templates && !b.reload && len(b.static) == 0 }

// settle sorts the static files of b into stylesheets and images to refresh
// (in order of path), and reports whether any other file asks for a reload.
// Another file that no longer exists is left out: a temporary file renamed
// over its target or removed within the batch, as atomic saves do (the
// target's own event is in the batch).
func (b batch) settle(staticDir string) (styles, images []string, reload bool) {
	for p, k := range b.static {
		switch k {
		case kindStyle:
			styles = append(styles, p)
		case kindImage:
			images = append(images, p)
		case kindOther:
			if _, err := os.Lstat(filepath.Join(staticDir, filepath.FromSlash(p))); err == nil {
				reload = true
			}
		}
	}
	slices.Sort(styles)
	slices.Sort(images)
	return styles, images, reload || b.reload
}

// newWatcher watches the folders templates and static ("" for none) and
// calls flush with each batch, from its own goroutine, until close.
func newWatcher(templates, static string, quiet time.Duration, log *slog.Logger, flush func(batch)) (*watcher, error) {
	fsw, err := fsnotify.NewWatcher()
	if err != nil {
		return nil, err
	}
	w := &watcher{fsw: fsw, quiet: quiet, log: log, flush: flush, done: make(chan struct{})}
	for _, r := range []*root{{dir: templates}, {dir: static, static: true}} {
		if r.dir == "" {
			continue
		}
		r.dir = filepath.Clean(r.dir)
		if err := w.addTree(r.dir); err != nil {
			fsw.Close()
			return nil, err
		}
		w.roots = append(w.roots, r)
	}
	go w.loop(fsw.Events, fsw.Errors)
	return w, nil
}

// close stops the watcher and waits for its goroutine.
func (w *watcher) close() error {
	err := w.fsw.Close()
	<-w.done
	return err
}

// loop gathers events (the watcher's, or a test's) into batches and
// flushes each when the folders are quiet, until the watcher is closed
// (events or errs is closed).
func (w *watcher) loop(events <-chan fsnotify.Event, errs <-chan error) {
	defer close(w.done)
	timer := time.NewTimer(time.Hour)
	timer.Stop()
	var (
		first time.Time        // of the pending batch
		poll  *time.Ticker     // while a root is missing
		tick  <-chan time.Time // poll's channel, nil when not polling
	)
	changed := func() {
		now := time.Now()
		if first.IsZero() {
			first = now
		}
		timer.Reset(max(0, min(w.quiet, first.Add(maxWaitFactor*w.quiet).Sub(now))))
	}
	defer func() {
		timer.Stop()
		if poll != nil {
			poll.Stop()
		}
	}()
	for {
		select {
		case ev, ok := <-events:
			if !ok {
				return
			}
			if w.event(ev) {
				changed()
			}
			if tick == nil && w.anyMissing() {
				poll = time.NewTicker(rootPoll)
				tick = poll.C
			}
		case err, ok := <-errs:
			if !ok {
				return
			}
			// An overflowed queue lost events: assume everything changed.
			if !errors.Is(err, fsnotify.ErrEventOverflow) {
				w.log.Warn("live reload: watching failed", keyErr, err)
			}
			w.pending.templates, w.pending.reload = true, true
			changed()
		case <-tick:
			if w.findRoots() {
				changed()
			}
			if !w.anyMissing() {
				poll.Stop()
				poll, tick = nil, nil
			}
		case <-timer.C:
			b := w.pending
			w.pending, first = batch{}, time.Time{}
			if !b.empty() {
				w.flush(b)
			}
		}
	}
}

// event notes ev in the pending batch and reports whether it is a change.
func (w *watcher) event(ev fsnotify.Event) bool {
	r, rel := w.rootOf(ev.Name)
	if r == nil {
		return false
	}
	if rel == "." {
		// The root itself: removed or renamed away (its watch is gone).
		if ev.Has(fsnotify.Remove) || ev.Has(fsnotify.Rename) {
			r.missing = true
			w.log.Info("live reload: folder gone; waiting for it to come back", keyDir, r.dir)
		}
		return false
	}
	if ev.Op == fsnotify.Chmod {
		return false // touch, chmod: the content is the same
	}
	k := classify(rel, r.static)
	if k == kindIgnored {
		return false
	}
	if ev.Has(fsnotify.Create) {
		if fi, err := os.Lstat(ev.Name); err == nil && fi.IsDir() {
			if err := w.addTree(ev.Name); err != nil {
				w.log.Warn("live reload: cannot watch a new folder", keyDir, ev.Name, keyErr, err)
			}
		}
	}
	if !r.static {
		w.pending.templates = true
		return true
	}
	if w.pending.static == nil {
		w.pending.static = map[string]kind{}
	}
	w.pending.static["/"+rel] = k
	return true
}

// rootOf returns the root that name is in, with name relative to it in
// slash form ("." for the root itself); nil if none.
func (w *watcher) rootOf(name string) (*root, string) {
	name = filepath.Clean(name)
	var best *root
	for _, r := range w.roots {
		if (name == r.dir || strings.HasPrefix(name, r.dir+string(filepath.Separator))) && (best == nil || len(r.dir) > len(best.dir)) {
			best = r
		}
	}
	if best == nil {
		return nil, ""
	}
	rel, err := filepath.Rel(best.dir, name)
	if err != nil {
		return nil, ""
	}
	return best, path.Clean(filepath.ToSlash(rel))
}

func (w *watcher) anyMissing() bool {
	return slices.ContainsFunc(w.roots, func(r *root) bool { return r.missing })
}

// findRoots watches again each missing root that is back, and reports
// whether one was.
func (w *watcher) findRoots() bool {
	back := false
	for _, r := range w.roots {
		if !r.missing {
			continue
		}
		if fi, err := os.Stat(r.dir); err != nil || !fi.IsDir() {
			continue
		}
		if err := w.addTree(r.dir); err != nil {
			continue // half made: try again at the next tick
		}
		r.missing, back = false, true
		w.log.Info("live reload: folder back", keyDir, r.dir)
		if r.static {
			w.pending.reload = true
		} else {
			w.pending.templates = true
		}
	}
	return back
}

// addTree watches dir and every folder below it but hidden ones.
func (w *watcher) addTree(dir string) error {
	return filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			if p != dir && errors.Is(err, fs.ErrNotExist) {
				return nil // gone while we walked
			}
			return err
		}
		if !d.IsDir() {
			return nil
		}
		if p != dir && strings.HasPrefix(d.Name(), ".") {
			return fs.SkipDir
		}
		return w.fsw.Add(p)
	})
}
