package livereload

import (
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/fsnotify/fsnotify"
)

// testQuiet is the debounce time of the watcher tests.
const testQuiet = 50 * time.Millisecond

// hang is how long a test waits for an event before it fails: only a hang
// reaches it, however loaded the machine.
const hang = 60 * time.Second

// watchedFolders starts a watcher with debounce time quiet on fresh
// templates and static folders, with page.html and style.css, and returns
// them with the batches it flushes.
func watchedFolders(t *testing.T, quiet time.Duration) (tmpl, static string, batches <-chan batch) {
	t.Helper()
	base := t.TempDir()
	tmpl, static = filepath.Join(base, "templates"), filepath.Join(base, "static")
	write(t, tmpl, "page.html", "v1")
	write(t, static, "style.css", "body{}")
	ch := make(chan batch, 1024)
	w, err := newWatcher(tmpl, static, quiet, slog.New(slog.DiscardHandler), func(b batch) { ch <- b })
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { w.close() })
	return tmpl, static, ch
}

// write writes the file name (slash-separated) of dir, making folders.
func write(t *testing.T, dir, name, content string) {
	t.Helper()
	p := filepath.Join(dir, filepath.FromSlash(name))
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

// saveAtomic saves name the way many editors do: a temporary file beside
// it, renamed over it. The watcher sees one change, the rename (the
// temporary file is ignored), so one save is one batch and one event
// however slow the machine.
func saveAtomic(t *testing.T, dir, name, content string) {
	t.Helper()
	write(t, dir, name+".tmp", content)
	if err := os.Rename(filepath.Join(dir, filepath.FromSlash(name+".tmp")), filepath.Join(dir, filepath.FromSlash(name))); err != nil {
		t.Fatal(err)
	}
}

// markerPrefix starts the names of the marker files syncMarker writes.
const markerPrefix = "/zz-marker-"

// changes is what a run of batches amounts to, each settled when it came
// (as the Hub settles it), the marker files left out.
type changes struct {
	batches   int
	templates bool            // a template changed
	reload    bool            // a batch asks for a reload
	static    map[string]kind // each changed static file, by URL path
	markers   map[string]bool // the marker files seen
}

// add notes b, settled in the static folder staticDir.
func (c *changes) add(b batch, staticDir string) {
	c.batches++
	_, _, reload := b.settle(staticDir)
	c.templates = c.templates || b.templates
	c.reload = c.reload || reload
	for p, k := range b.static {
		if strings.HasPrefix(p, markerPrefix) {
			c.markers[p] = true
			continue
		}
		c.static[p] = k
	}
}

// of returns the changed static files of kind k, in order.
func (c *changes) of(k kind) []string {
	var out []string
	for p, pk := range c.static {
		if pk == k {
			out = append(out, p)
		}
	}
	slices.Sort(out)
	return out
}

func (c *changes) String() string {
	return fmt.Sprintf("%d batch(es): templates %v, reload %v, static %v", c.batches, c.templates, c.reload, c.static)
}

// await gathers batches until done says the changes it waited for are
// there, and returns them; it fails the test after hang. A change may come
// in more than one batch on a busy machine (a write is several events,
// and the folders may look quiet between them): await looks at what the
// batches amount to, not at how many there were.
func await(t *testing.T, batches <-chan batch, staticDir, what string, done func(*changes) bool) *changes {
	t.Helper()
	c := &changes{static: map[string]kind{}, markers: map[string]bool{}}
	timeout := time.After(hang)
	for !done(c) {
		select {
		case b := <-batches:
			c.add(b, staticDir)
		case <-timeout:
			t.Fatalf("%s: not seen within %v; so far %v", what, hang, c)
		}
	}
	return c
}

var markerSeq atomic.Int64

// syncMarker saves a marker file of its own in the static folder and gathers the
// batches until it is seen. The watcher reads the events of one inotify
// queue in order, so every change made before syncMarker is in the changes it
// returns, and none made after: the test's check that nothing else changed
// is exact, with no wait for a batch that does not come.
func syncMarker(t *testing.T, batches <-chan batch, staticDir string) *changes {
	t.Helper()
	name := markerPrefix + strconv.FormatInt(markerSeq.Add(1), 10) + ".png"
	saveAtomic(t, staticDir, name[1:], "marker")
	return await(t, batches, staticDir, "marker "+name, func(c *changes) bool { return c.markers[name] })
}

// nothingElse checks, with syncMarker, that no change is pending: what the
// batches bring before the marker must be nothing.
func nothingElse(t *testing.T, batches <-chan batch, staticDir, after string) {
	t.Helper()
	if c := syncMarker(t, batches, staticDir); c.templates || c.reload || len(c.static) != 0 {
		t.Errorf("after %s: %v; want nothing more", after, c)
	}
}

func TestWatchAtomicSave(t *testing.T) {
	t.Parallel()
	tmpl, static, batches := watchedFolders(t, testQuiet)

	saveAtomic(t, tmpl, "page.html", "v2")
	c := await(t, batches, static, "template saved by rename", func(c *changes) bool { return c.templates })
	if c.batches != 1 || len(c.static) != 0 || c.reload {
		t.Errorf("template saved by rename: %v; want one batch, a template change alone", c)
	}
	// The temporary file brings no batch of its own.
	nothingElse(t, batches, static, "the template's atomic save")

	saveAtomic(t, static, "style.css", "body{color:red}")
	c = await(t, batches, static, "stylesheet saved by rename", func(c *changes) bool { return len(c.static) != 0 })
	if styles := c.of(kindStyle); c.templates || !slices.Equal(styles, []string{"/style.css"}) || len(c.static) != 1 || c.reload {
		t.Errorf("stylesheet saved by rename: %v; want /style.css alone", c)
	}
	nothingElse(t, batches, static, "the stylesheet's atomic save")

	// A temporary name the ignore list does not know ("style.css.new")
	// is gone by the end of the batch: no reload for it, in whatever
	// batches its events came.
	write(t, static, "style.css.new", "body{color:blue}")
	if err := os.Rename(filepath.Join(static, "style.css.new"), filepath.Join(static, "style.css")); err != nil {
		t.Fatal(err)
	}
	c = await(t, batches, static, "saved through style.css.new", func(c *changes) bool { return c.static["/style.css"] == kindStyle })
	if styles := c.of(kindStyle); !slices.Equal(styles, []string{"/style.css"}) || c.reload {
		t.Errorf("saved through style.css.new: %v; want /style.css, no reload", c)
	}

	// A new folder with an image: the folder is a change that reloads
	// (what was written in it before the watch began is not seen). Then
	// the image saved, and a script (which reloads).
	write(t, static, "img/logo.png", "png")
	await(t, batches, static, "new folder img: a reload", func(c *changes) bool { return c.reload })
	syncMarker(t, batches, static) // the image's own events, if the watch came in time
	write(t, static, "img/logo.png", "png2")
	c = await(t, batches, static, "img/logo.png saved", func(c *changes) bool { return len(c.of(kindImage)) != 0 })
	if images := c.of(kindImage); !slices.Equal(images, []string{"/img/logo.png"}) || c.reload {
		t.Errorf("img/logo.png saved: %v; want /img/logo.png alone", c)
	}
	write(t, static, "app.js", "1")
	await(t, batches, static, "app.js saved: a reload", func(c *changes) bool { return c.reload })
}

func TestWatchIgnoresTempFiles(t *testing.T) {
	t.Parallel()
	tmpl, static, batches := watchedFolders(t, testQuiet)
	for _, name := range []string{".page.html.swp", "page.html~", "4913", ".#page.html", "#page.html#", "page.html.tmp", "x___jb_tmp___"} {
		write(t, tmpl, name, "x")
		write(t, static, name, "x")
		os.Remove(filepath.Join(tmpl, name))
	}
	write(t, tmpl, ".hidden/page.html", "x")
	write(t, tmpl, ".hidden/page.html", "y")
	// A chmod alone (touch -m would be a write; chmod is not).
	if err := os.Chmod(filepath.Join(tmpl, "page.html"), 0o600); err != nil {
		t.Fatal(err)
	}
	nothingElse(t, batches, static, "temporary files, hidden files and a chmod")
}

// TestWatchDebounce runs the watcher's loop on events the test sends, on
// synctest's clock (which moves only when every goroutine waits): a burst
// is one batch, flushed one quiet time after its last event, and a tool
// that never stops writing gets a batch maxWaitFactor quiet times after
// its first event. Exact, and at once, however busy the machine; the
// tests on real folders check what the watcher makes of real events.
func TestWatchDebounce(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		const tmpl, static = "/site/templates", "/site/static"
		type flushed struct {
			b  batch
			at time.Time
		}
		batches := make(chan flushed, 100)
		w := &watcher{roots: []*root{{dir: tmpl}, {dir: static, static: true}}, quiet: testQuiet,
			log: slog.New(slog.DiscardHandler), done: make(chan struct{}),
			flush: func(b batch) { batches <- flushed{b, time.Now()} }}
		events := make(chan fsnotify.Event)
		go w.loop(events, nil)
		defer func() {
			close(events)
			<-w.done
		}()
		write := func(name string) { events <- fsnotify.Event{Name: name, Op: fsnotify.Write} }
		// nothing checks that no batch comes for a long while.
		nothing := func(after string) {
			t.Helper()
			time.Sleep(10 * maxWaitFactor * testQuiet)
			synctest.Wait()
			select {
			case f := <-batches:
				t.Errorf("after %s: a batch %+v", after, f.b)
			default:
			}
		}

		// A burst: 20 writes 2 ms apart, to three files, is one batch, a
		// quiet time after the last write.
		var last time.Time
		for i := range 20 {
			if i > 0 {
				time.Sleep(2 * time.Millisecond)
			}
			write(tmpl + "/page.html")
			write(static + "/style.css")
			write(static + "/b.css")
			last = time.Now()
		}
		f := <-batches
		if styles, _, _ := f.b.settle(static); !f.b.templates || !slices.Equal(styles, []string{"/b.css", "/style.css"}) {
			t.Errorf("burst: %+v; want the template and both stylesheets in one batch", f.b)
		}
		if got := f.at.Sub(last); got != testQuiet {
			t.Errorf("burst: flushed %v after its last write; want the quiet time, %v", got, testQuiet)
		}
		nothing("the burst")

		// A tool that never stops writing gets a batch maxWaitFactor
		// quiet times after its first write.
		first := time.Now()
	writing:
		for {
			select {
			case f = <-batches:
				break writing
			default:
			}
			write(static + "/style.css")
			time.Sleep(testQuiet / 5)
		}
		if got, want := f.at.Sub(first), maxWaitFactor*testQuiet; got != want {
			t.Errorf("writes every %v: a batch %v after the first; want %v", testQuiet/5, got, want)
		}
	})
}

// TestWatchBurst: every file of a burst of plain writes is seen (on a
// busy machine the burst may come in more than one batch: see
// TestWatchDebounce for the batching).
func TestWatchBurst(t *testing.T) {
	t.Parallel()
	tmpl, static, batches := watchedFolders(t, testQuiet)
	for i := range 20 {
		write(t, tmpl, "page.html", "v"+string(rune('a'+i)))
		write(t, static, "style.css", "x")
		write(t, static, "b.css", "y")
	}
	c := await(t, batches, static, "the burst", func(c *changes) bool {
		return c.templates && len(c.of(kindStyle)) == 2
	})
	if c.reload || len(c.static) != 2 {
		t.Errorf("burst: %v; want the template and both stylesheets", c)
	}
	t.Logf("the burst in %d batch(es)", c.batches)
}

// TestWatchNeverQuiet: a tool that never stops writing still gets a batch,
// after at most maxWaitFactor quiet times, and never before one quiet
// time.
func TestWatchNeverQuiet(t *testing.T) {
	t.Parallel()
	_, static, batches := watchedFolders(t, testQuiet)
	start := time.Now() // before the first write, so before the watcher's clock
	timeout := time.After(hang)
	writes := 0
	for {
		select {
		case b := <-batches:
			took := time.Since(start)
			t.Logf("a batch after %v of writes every %v (%d writes): %+v", took, testQuiet/5, writes, b)
			if took < testQuiet {
				t.Errorf("a batch %v after the first write; want none before the quiet time, %v", took, testQuiet)
			}
			if b.static["/style.css"] != kindStyle {
				t.Errorf("batch %+v; want /style.css in it", b)
			}
			return
		case <-timeout:
			// Writes every testQuiet/5 keep the folders from being
			// quiet: only the bound brings a batch.
			t.Fatalf("%d writes in %v: no batch; want one at least every %v", writes, hang, maxWaitFactor*testQuiet)
		default:
			write(t, static, "style.css", strconv.Itoa(writes))
			writes++
			time.Sleep(testQuiet / 5) // the writer's pace, not a wait for an event
		}
	}
}

func TestWatchFolderReplaced(t *testing.T) {
	t.Parallel()
	tmpl, static, batches := watchedFolders(t, testQuiet)
	templates := func(c *changes) bool { return c.templates }
	write(t, tmpl, "shop/cart.html", "v1")
	await(t, batches, static, "shop/cart.html written", templates)

	// A subfolder removed and made again (rm -rf shop; mkdir shop) is
	// watched again.
	if err := os.RemoveAll(filepath.Join(tmpl, "shop")); err != nil {
		t.Fatal(err)
	}
	await(t, batches, static, "shop removed", templates)
	write(t, tmpl, "shop/cart.html", "v2")
	await(t, batches, static, "shop made again", templates)
	syncMarker(t, batches, static)
	write(t, tmpl, "shop/cart.html", "v3")
	await(t, batches, static, "an edit in the made-again subfolder", templates)

	// The static root itself removed, then made again: looked for until
	// it is back, which reloads, then watched as before.
	if err := os.RemoveAll(static); err != nil {
		t.Fatal(err)
	}
	await(t, batches, static, "style.css removed with its folder", func(c *changes) bool { return c.static["/style.css"] == kindStyle })
	write(t, static, "style.css", "body{}")
	await(t, batches, static, "the static folder back: a reload", func(c *changes) bool { return c.reload })
	syncMarker(t, batches, static)
	write(t, static, "style.css", "body{color:red}")
	c := await(t, batches, static, "an edit in the made-again static folder", func(c *changes) bool { return len(c.static) != 0 })
	if styles := c.of(kindStyle); !slices.Equal(styles, []string{"/style.css"}) || len(c.static) != 1 {
		t.Errorf("edit in the made-again static folder: %v", c)
	}

	// The templates root renamed away and replaced by another folder (a
	// build that makes a new one).
	if err := os.Rename(tmpl, tmpl+".old"); err != nil {
		t.Fatal(err)
	}
	write(t, tmpl+".new", "page.html", "new")
	if err := os.Rename(tmpl+".new", tmpl); err != nil {
		t.Fatal(err)
	}
	await(t, batches, static, "the templates folder replaced", templates)
	syncMarker(t, batches, static)
	write(t, tmpl, "page.html", "newer")
	await(t, batches, static, "an edit in the new templates folder", templates)
	// The old folder, elsewhere now, is not watched.
	syncMarker(t, batches, static)
	write(t, tmpl+".old", "page.html", "old")
	nothingElse(t, batches, static, "an edit in the old templates folder")
}
