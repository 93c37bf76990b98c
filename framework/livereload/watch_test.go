package livereload

import (
	"log/slog"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"
)

// testQuiet is the debounce time of the watcher tests.
const testQuiet = 50 * time.Millisecond

// watchedFolders starts a watcher on fresh templates and static folders,
// with page.html and style.css, and returns them with the batches it
// flushes.
func watchedFolders(t *testing.T) (tmpl, static string, batches <-chan batch) {
	t.Helper()
	base := t.TempDir()
	tmpl, static = filepath.Join(base, "templates"), filepath.Join(base, "static")
	write(t, tmpl, "page.html", "v1")
	write(t, static, "style.css", "body{}")
	ch := make(chan batch, 16)
	w, err := newWatcher(tmpl, static, testQuiet, slog.New(slog.DiscardHandler), func(b batch) { ch <- b })
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
// it, renamed over it.
func saveAtomic(t *testing.T, dir, name, content string) {
	t.Helper()
	write(t, dir, name+".tmp", content)
	if err := os.Rename(filepath.Join(dir, name+".tmp"), filepath.Join(dir, name)); err != nil {
		t.Fatal(err)
	}
}

// next returns the next batch, failing after a second.
func next(t *testing.T, batches <-chan batch) batch {
	t.Helper()
	select {
	case b := <-batches:
		return b
	case <-time.After(time.Second):
		t.Fatal("no batch within 1 s")
		return batch{}
	}
}

// none checks that no batch comes within d.
func none(t *testing.T, batches <-chan batch, d time.Duration) {
	t.Helper()
	select {
	case b := <-batches:
		t.Fatalf("unexpected batch %+v", b)
	case <-time.After(d):
	}
}

func TestWatchAtomicSave(t *testing.T) {
	tmpl, static, batches := watchedFolders(t)

	saveAtomic(t, tmpl, "page.html", "v2")
	if b := next(t, batches); !b.templates || len(b.static) != 0 {
		t.Errorf("template saved by rename: %+v; want a template change", b)
	}
	none(t, batches, 3*testQuiet)

	saveAtomic(t, static, "style.css", "body{color:red}")
	b := next(t, batches)
	styles, images, reload := b.settle(static)
	if b.templates || !slices.Equal(styles, []string{"/style.css"}) || images != nil || reload {
		t.Errorf("stylesheet saved by rename: %+v: styles %q, images %q, reload %v; want /style.css alone", b, styles, images, reload)
	}

	// A temporary name the ignore list does not know ("style.css.new")
	// is gone by the end of the batch: no reload for it.
	write(t, static, "style.css.new", "body{color:blue}")
	if err := os.Rename(filepath.Join(static, "style.css.new"), filepath.Join(static, "style.css")); err != nil {
		t.Fatal(err)
	}
	b = next(t, batches)
	if styles, _, reload := b.settle(static); !slices.Equal(styles, []string{"/style.css"}) || reload {
		t.Errorf("saved through style.css.new: styles %q, reload %v; want /style.css, no reload", styles, reload)
	}

	// A new folder with an image: the folder is a change that reloads
	// (what was written in it before the watch began is not seen). Then
	// the image saved, and a script (which reloads).
	write(t, static, "img/logo.png", "png")
	if _, _, reload := next(t, batches).settle(static); !reload {
		t.Error("new folder img: no reload")
	}
	write(t, static, "img/logo.png", "png2")
	b = next(t, batches)
	if _, images, reload := b.settle(static); !slices.Equal(images, []string{"/img/logo.png"}) || reload {
		t.Errorf("img/logo.png saved: images %q, reload %v; want /img/logo.png alone", images, reload)
	}
	write(t, static, "app.js", "1")
	if _, _, reload := next(t, batches).settle(static); !reload {
		t.Error("app.js saved: no reload")
	}
}

func TestWatchIgnoresTempFiles(t *testing.T) {
	tmpl, static, batches := watchedFolders(t)
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
	none(t, batches, 4*testQuiet)
}

func TestWatchDebounce(t *testing.T) {
	tmpl, static, batches := watchedFolders(t)

	// A burst: 20 writes 2 ms apart, to three files, is one batch.
	for i := range 20 {
		write(t, tmpl, "page.html", "v"+string(rune('a'+i)))
		write(t, static, "style.css", "x")
		write(t, static, "b.css", "y")
		time.Sleep(2 * time.Millisecond)
	}
	b := next(t, batches)
	if styles, _, _ := b.settle(static); !b.templates || !slices.Equal(styles, []string{"/b.css", "/style.css"}) {
		t.Errorf("burst: %+v; want the template and both stylesheets in one batch", b)
	}
	none(t, batches, 3*testQuiet)

	// A tool that never stops writing gets a batch at least every
	// maxWaitFactor quiet times.
	start := time.Now()
	stop := time.After(12 * testQuiet)
	got := 0
writing:
	for {
		select {
		case <-stop:
			break writing
		case <-batches:
			got++
		default:
			write(t, static, "style.css", time.Now().String())
			time.Sleep(testQuiet / 5)
		}
	}
	if got == 0 {
		t.Errorf("continuous writes for %v: no batch; want one at least every %v", time.Since(start), maxWaitFactor*testQuiet)
	}
}

func TestWatchFolderReplaced(t *testing.T) {
	tmpl, static, batches := watchedFolders(t)
	write(t, tmpl, "shop/cart.html", "v1")
	next(t, batches)

	// A subfolder removed and made again (rm -rf shop; mkdir shop) is
	// watched again.
	if err := os.RemoveAll(filepath.Join(tmpl, "shop")); err != nil {
		t.Fatal(err)
	}
	next(t, batches)
	write(t, tmpl, "shop/cart.html", "v2")
	next(t, batches)
	write(t, tmpl, "shop/cart.html", "v3")
	if b := next(t, batches); !b.templates {
		t.Errorf("edit in a made-again subfolder: %+v", b)
	}

	// The static root itself removed, then made again: looked for until
	// it is back, which reloads, then watched as before.
	if err := os.RemoveAll(static); err != nil {
		t.Fatal(err)
	}
	next(t, batches) // style.css removed
	write(t, static, "style.css", "body{}")
	b := next(t, batches)
	if _, _, reload := b.settle(static); !reload {
		t.Errorf("static folder back: %+v; want a reload", b)
	}
	write(t, static, "style.css", "body{color:red}")
	b = next(t, batches)
	if styles, _, _ := b.settle(static); !slices.Equal(styles, []string{"/style.css"}) {
		t.Errorf("edit in the made-again static folder: %+v (%q)", b, slices.Collect(maps.Keys(b.static)))
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
	if b := next(t, batches); !b.templates {
		t.Errorf("templates folder replaced: %+v", b)
	}
	write(t, tmpl, "page.html", "newer")
	if b := next(t, batches); !b.templates {
		t.Errorf("edit in the new templates folder: %+v", b)
	}
	// The old folder, elsewhere now, is not watched.
	write(t, tmpl+".old", "page.html", "old")
	none(t, batches, 3*testQuiet)
}
