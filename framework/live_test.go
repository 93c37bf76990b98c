package framework

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/miniweb/miniweb/server/gateway/gatewaytest"
)

// edit runs change, a change to the templates folder, and waits until the
// app's watcher has seen it, so that the next request must show it.
func edit(t *testing.T, app *App, change func()) {
	t.Helper()
	before := app.store.gen.Load()
	change()
	deadline := time.Now().Add(hang)
	for app.store.gen.Load() == before {
		if time.Now().After(deadline) {
			t.Fatalf("the watcher saw no change in %v", hang)
		}
		time.Sleep(100 * time.Microsecond)
	}
}

// expect checks that one request of target answers code with want in the
// body.
func expect(t *testing.T, app *App, target string, code int, want string) {
	t.Helper()
	rec := get(t, app, target)
	if rec.Code != code || !strings.Contains(string(rec.Body), want) {
		t.Fatalf("GET %s: %d, want %d with %q:\n%s", target, rec.Code, code, want, rec.Body)
	}
}

const (
	liveBase = "<html><title>{% block title %}base v1{% endblock %}</title>\n{% block content %}{% endblock %}\n</html>\n"
	livePart = "<footer>part v1</footer>"
)

func livePage(version string) string {
	return "{% extends \"base.html\" %}\n{% block content %}\n<p>page " + version + ": <%content%></p>\n{% include \"part.html\" %}\n{% endblock %}\n"
}

// liveApp is a dev App on a fresh folder with base.html, part.html and
// page.html (v1), served at /page.py.
func liveApp(t *testing.T, dev bool) (*App, string) {
	dir := t.TempDir()
	writeFile(t, dir, "base.html", liveBase)
	writeFile(t, dir, "part.html", livePart)
	writeFile(t, dir, "page.html", livePage("v1"))
	app, _ := newApp(t, dir, Options{Dev: dev})
	app.Page("GET", "/page.py", "page.html", func(*Request) (Data, error) { return Data{"content": "hi"}, nil })
	return app, dir
}

func TestLiveEdit(t *testing.T) {
	t.Parallel()
	app, dir := liveApp(t, true)
	expect(t, app, "/page.py", 200, "page v1: hi")

	// Parsed once, then cached: requests do not compile again.
	n := app.store.compiles.Load()
	for range 50 {
		expect(t, app, "/page.py", 200, "page v1")
	}
	if got := app.store.compiles.Load() - n; got != 0 {
		t.Errorf("50 requests compiled %d times; want the cache", got)
	}

	edit(t, app, func() { writeFile(t, dir, "page.html", livePage("v2")) })
	expect(t, app, "/page.py", 200, "page v2: hi")

	edit(t, app, func() { replaceFile(t, dir, "page.html", livePage("v3")) })
	expect(t, app, "/page.py", 200, "page v3: hi")

	// The base a page extends, and a partial it includes.
	edit(t, app, func() { writeFile(t, dir, "base.html", strings.Replace(liveBase, "base v1", "base v2", 1)) })
	expect(t, app, "/page.py", 200, "<title>base v2</title>")
	edit(t, app, func() { replaceFile(t, dir, "part.html", "<footer>part v2</footer>") })
	expect(t, app, "/page.py", 200, "part v2")

	// Broken: the dev page names the file and line. Fixed: the page is back.
	edit(t, app, func() {
		writeFile(t, dir, "page.html", "{% extends \"base.html\" %}\n{% block content %}\n<p><%content%></p>\n{% if %}\n{% endblock %}\n")
	})
	expect(t, app, "/page.py", 500, "page.html, line 4, column 4")
	expect(t, app, "/page.py", 500, "{% if %}")
	edit(t, app, func() { writeFile(t, dir, "page.html", livePage("v4")) })
	expect(t, app, "/page.py", 200, "page v4")

	// A broken base shows the base's line.
	edit(t, app, func() { writeFile(t, dir, "base.html", "<html>\n{% block content %}{% endblock %}\n{{ oops( }}\n") })
	expect(t, app, "/page.py", 500, "base.html, line 3, column")
	edit(t, app, func() { writeFile(t, dir, "base.html", liveBase) })
	expect(t, app, "/page.py", 200, "page v4")

	// Removed, then back.
	edit(t, app, func() { os.Remove(filepath.Join(dir, "part.html")) })
	expect(t, app, "/page.py", 500, "no such file")
	edit(t, app, func() { writeFile(t, dir, "part.html", "<footer>part v3</footer>") })
	expect(t, app, "/page.py", 200, "part v3")

	// A new folder is watched too.
	edit(t, app, func() { writeFile(t, dir, "sub/deep/x.html", "sub v1") })
	edit(t, app, func() {
		writeFile(t, dir, "page.html", strings.Replace(livePage("v5"), "part.html", "sub/deep/x.html", 1))
	})
	expect(t, app, "/page.py", 200, "sub v1")
	edit(t, app, func() { replaceFile(t, filepath.Join(dir, "sub", "deep"), "x.html", "sub v2") })
	expect(t, app, "/page.py", 200, "sub v2")
}

// TestProdCaches checks that without dev mode a template is compiled once
// and edits do not show: production does not watch.
func TestProdCaches(t *testing.T) {
	t.Parallel()
	app, dir := liveApp(t, false)
	expect(t, app, "/page.py", 200, "page v1")
	if app.store.watcher != nil {
		t.Error("production watches the folder")
	}
	n := app.store.compiles.Load() // 1, or one per template if New parsed them all
	// No watcher (checked above), so nothing to wait for: the edit is on
	// disk, and the next request must not show it.
	writeFile(t, dir, "page.html", livePage("v2"))
	expect(t, app, "/page.py", 200, "page v1")
	if got := app.store.compiles.Load() - n; got != 0 {
		t.Errorf("compiled %d more times, want 0", got)
	}
}

// TestConcurrentEdits serves 8 goroutines × 200 requests while the page,
// its base and its partial are saved over and over (run it with -race).
// Editors that rename a complete file over the old one never expose a
// partial file, so every answer is a whole version; a plain write can be
// read half-done (an empty page, or a 500 for a cut tag) until its next
// event, but never crashes, and the last save wins.
func TestConcurrentEdits(t *testing.T) {
	t.Parallel()
	for _, mode := range []string{"rename", "write"} {
		t.Run(mode, func(t *testing.T) {
			app, dir := liveApp(t, true)
			save := replaceFile
			if mode == "write" {
				save = writeFile
			}
			stop := make(chan struct{})
			var editor sync.WaitGroup
			editor.Go(func() {
				for i := 0; ; i++ {
					select {
					case <-stop:
						return
					default:
					}
					switch i % 3 {
					case 0:
						save(t, dir, "page.html", livePage(fmt.Sprintf("v%d", i)))
					case 1:
						save(t, dir, "base.html", strings.Replace(liveBase, "base v1", fmt.Sprintf("base v%d", i), 1))
					case 2:
						save(t, dir, "part.html", fmt.Sprintf("<footer>part v%d</footer>", i))
					}
					time.Sleep(200 * time.Microsecond)
				}
			})
			var clients sync.WaitGroup
			errs := make(chan string, 8)
			for range 8 {
				clients.Go(func() {
					for range 200 {
						rec, err := gatewaytest.Record(app, gatewaytest.NewEnviron("GET", "/page.py", nil))
						if err != nil {
							errs <- err.Error()
							return
						}
						body := string(rec.Body)
						whole := rec.Code == 200 && strings.Contains(body, "<title>base v") &&
							strings.Contains(body, "page v") && strings.Contains(body, "</footer>")
						if !whole && (mode == "rename" || (rec.Code != 200 && rec.Code != 500)) {
							errs <- fmt.Sprintf("%d %q", rec.Code, body)
							return
						}
					}
				})
			}
			clients.Wait()
			close(stop)
			editor.Wait()
			close(errs)
			for e := range errs {
				t.Error(e)
			}
			edit(t, app, func() { replaceFile(t, dir, "page.html", livePage("final")) })
			expect(t, app, "/page.py", 200, "page final")
		})
	}
}

// TestDynamicInclude checks that an include of a computed name, which
// pongo2 compiles as the page runs, works and is safe with concurrent
// requests (run it with -race).
func TestDynamicIncludeConcurrent(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	writeFile(t, dir, "dyn.html", `[{% include which %}]`)
	writeFile(t, dir, "a.html", `A<%x%>`)
	writeFile(t, dir, "b.html", `B<%x%>`)
	app, _ := newApp(t, dir, Options{Dev: true, NoLiveReload: true})
	app.Page("GET", "/dyn.py", "dyn.html", func(r *Request) (Data, error) {
		return Data{"which": r.Query("w"), "x": 1}, nil
	})
	var wg sync.WaitGroup
	for i := range 8 {
		wg.Go(func() {
			for range 50 {
				w := []string{"a", "b"}[i%2]
				rec, err := gatewaytest.Record(app, gatewaytest.NewEnviron("GET", "/dyn.py?w="+w+".html", nil))
				if err != nil {
					t.Error(err)
					return
				}
				if want := "[" + strings.ToUpper(w) + "1]"; string(rec.Body) != want {
					t.Errorf("got %d %q, want %q", rec.Code, rec.Body, want)
					return
				}
			}
		})
	}
	wg.Wait()
	if rec := get(t, app, "/dyn.py?w=../secret.html"); rec.Code != 500 {
		t.Errorf("computed include outside the folder: %d %q", rec.Code, rec.Body)
	}
}
