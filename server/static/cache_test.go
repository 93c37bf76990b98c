package static

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"
)

// TestFreshness edits, replaces, removes and chmods files under a handler
// with the real one-second window and wants the change served after it.
func TestFreshness(t *testing.T) {
	t.Parallel()
	root := makeSite(t)
	h := newHandler(t, root)
	p := func(name string) string { return filepath.Join(root, name) }

	small1 := get(t, h, "/notes.txt")
	big1 := get(t, h, "/big.bin")
	if h.cache.idleFiles.Load() != 1 {
		t.Fatalf("%d parked descriptors", h.cache.idleFiles.Load())
	}
	if get(t, h, "/sub/").status != 200 || get(t, h, "/link-in.txt").status != 200 {
		t.Fatal("setup")
	}

	// Edit in place (same size for notes.txt: only the time tells), replace
	// big.bin by a rename, remove sub/index.html, retarget a symlink out.
	same := bytes.ToUpper(mustRead(t, root, "notes.txt"))
	copy(same, "ABCDEFGHIJ")
	if err := os.WriteFile(p("notes.txt"), same, 0o644); err != nil {
		t.Fatal(err)
	}
	newBig := randomBytes(bigSize+7, 9)
	if err := os.WriteFile(p("big.tmp"), newBig, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(p("big.tmp"), p("big.bin")); err != nil {
		t.Fatal(err)
	}
	if err := os.Remove(p("sub/index.html")); err != nil {
		t.Fatal(err)
	}
	if err := os.Remove(p("link-in.txt")); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(".env", p("link-in.txt")); err != nil {
		t.Fatal(err)
	}

	time.Sleep(h.window + 50*time.Millisecond)

	small2 := get(t, h, "/notes.txt")
	if !bytes.Equal(small2.body.Bytes(), same) || small2.get("ETag") == small1.get("ETag") {
		t.Errorf("edited notes.txt: body %q, ETag %s (was %s)", small2.body.Bytes(), small2.get("ETag"), small1.get("ETag"))
	}
	big2 := get(t, h, "/big.bin")
	if !bytes.Equal(big2.body.Bytes(), newBig) || big2.length != int64(len(newBig)) || big2.get("ETag") == big1.get("ETag") {
		t.Errorf("replaced big.bin: %d bytes, length %d", big2.body.Len(), big2.length)
	}
	if st := get(t, h, "/sub/").status; st != 404 {
		t.Errorf("removed index: status %d", st)
	}
	if st := get(t, h, "/link-in.txt").status; st != 404 {
		t.Errorf("symlink retargeted to a dotfile: status %d", st)
	}
}

// TestFreshnessWindowZero checks revalidation itself with the window at
// zero, where every request stats: also a file that changes between the
// stat and the open, which fileFor catches.
func TestFreshnessWindowZero(t *testing.T) {
	t.Parallel()
	root := makeSite(t)
	h := newHandler(t, root)
	h.Revalidate()
	for i := 0; i < 5; i++ {
		content := randomBytes(bigSize+i, uint64(i))
		if err := os.WriteFile(filepath.Join(root, "big.bin"), content, 0o644); err != nil {
			t.Fatal(err)
		}
		if rec := get(t, h, "/big.bin"); !bytes.Equal(rec.body.Bytes(), content) {
			t.Fatalf("round %d: stale body", i)
		}
	}
	// The entry was validated, then the file changes before the descriptor
	// is opened: fileFor sees another identity and Serve loads again.
	e := h.lookup("/big.bin")
	h.cache.drain(e) // no parked descriptor: force an open
	content := randomBytes(bigSize*2, 42)
	if err := os.WriteFile(filepath.Join(root, "big.bin"), content, 0o644); err != nil {
		t.Fatal(err)
	}
	e.checked.Store(h.now() + int64(time.Hour)) // trusted: no stat on lookup
	if rec := get(t, h, "/big.bin"); !bytes.Equal(rec.body.Bytes(), content) || rec.length != int64(len(content)) {
		t.Fatalf("changed before open: %d bytes, length %d", rec.body.Len(), rec.length)
	}
	if h.cache.get("/big.bin") == e {
		t.Error("stale entry still cached")
	}
}

// TestShortFile truncates a large file while its parked descriptor is
// trusted: Serve must report ErrShortFile, for the server closes the
// connection on it.
func TestShortFile(t *testing.T) {
	t.Parallel()
	root := makeSite(t)
	h := newHandler(t, root)
	h.window = time.Hour
	get(t, h, "/big.bin")
	if err := os.Truncate(filepath.Join(root, "big.bin"), 1000); err != nil {
		t.Fatal(err)
	}
	rec := newRecorder(t, "GET")
	if _, err := h.Serve(rec, req("GET", "/big.bin")); !errors.Is(err, ErrShortFile) {
		t.Errorf("err %v, want ErrShortFile", err)
	}
	if rec.length != bigSize || rec.body.Len() != 1000 {
		t.Errorf("length %d, body %d", rec.length, rec.body.Len())
	}
}

func TestCacheBounds(t *testing.T) {
	t.Parallel()
	root := makeSite(t)
	const files = 40
	for i := 0; i < files; i++ {
		if err := os.WriteFile(filepath.Join(root, fmt.Sprintf("f%d.txt", i)), bytes.Repeat([]byte{'a' + byte(i%26)}, 1000+i), 0o644); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(root, fmt.Sprintf("b%d.bin", i)), randomBytes(smallFileMax+1+i, uint64(i)), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	h := newHandler(t, root)
	h.cache.maxEntries = 10
	h.cache.maxBytes = 5000
	h.cache.maxIdle = 3
	for round := 0; round < 3; round++ {
		for i := 0; i < files; i++ {
			for _, name := range []string{fmt.Sprintf("f%d.txt", i), fmt.Sprintf("b%d.bin", i)} {
				rec := get(t, h, "/"+name)
				if !bytes.Equal(rec.body.Bytes(), mustRead(t, root, name)) {
					t.Fatalf("%s: wrong body", name)
				}
				n, b := h.cache.len()
				if n > 10 || b > 5000 {
					t.Fatalf("cache holds %d entries, %d bytes", n, b)
				}
				if idle := h.cache.idleFiles.Load(); idle > 3 || idle < 0 {
					t.Fatalf("%d parked descriptors", idle)
				}
			}
		}
	}
	// Every entry's byte count adds up.
	h.cache.mu.RLock()
	var sum int64
	for _, e := range h.cache.m {
		sum += int64(len(e.body))
	}
	if sum != h.cache.bytes {
		t.Errorf("bytes %d, entries hold %d", h.cache.bytes, sum)
	}
	h.cache.mu.RUnlock()

	h.Close()
	if n, b := h.cache.len(); n != 0 || b != 0 || h.cache.idleFiles.Load() != 0 {
		t.Errorf("after Close: %d entries, %d bytes, %d descriptors", n, b, h.cache.idleFiles.Load())
	}
}

// TestConcurrent serves from many goroutines while files change under
// them, until every reader is done; run with -race. Every body must be one
// whole version of its file.
func TestConcurrent(t *testing.T) {
	t.Parallel()
	root := makeSite(t)
	h := newHandler(t, root)
	h.window = time.Millisecond
	h.cache.maxEntries = 6 // evictions too
	versions := map[string][][]byte{}
	for _, name := range []string{"v.txt", "v.bin"} {
		for v := 0; v < 3; v++ {
			size := 100 + v
			if name == "v.bin" {
				size = bigSize + v
			}
			versions[name] = append(versions[name], bytes.Repeat([]byte{'0' + byte(v)}, size))
		}
		if err := os.WriteFile(filepath.Join(root, name), versions[name][0], 0o644); err != nil {
			t.Fatal(err)
		}
	}
	paths := []string{"/v.txt", "/v.bin", "/notes.txt", "/big.bin", "/", "/sub/", "/missing", "/sub", "/small.bin", "/js/app.js"}

	stop := make(chan struct{})
	edited := make(chan struct{})
	go func() { // the editor
		defer close(edited)
		for i := 1; ; i++ {
			select {
			case <-stop:
				return
			case <-time.After(2 * time.Millisecond):
			}
			for name, vs := range versions {
				tmp := filepath.Join(root, name+".tmp")
				os.WriteFile(tmp, vs[i%len(vs)], 0o644)
				os.Rename(tmp, filepath.Join(root, name))
			}
		}
	}()
	var failed sync.Once
	var wg sync.WaitGroup
	for g := 0; g < 8; g++ {
		wg.Add(1)
		go func(g int) {
			defer wg.Done()
			for i := 0; i < 300; i++ {
				path := paths[(g+i)%len(paths)]
				m := "GET"
				if i%7 == 0 {
					m = "HEAD"
				}
				rec := newRecorder(t, m)
				if _, err := h.Serve(rec, req(m, path, "Range", rangeFor(i))); err != nil {
					failed.Do(func() { t.Errorf("%s: %v", path, err) })
					return
				}
				if name := path[1:]; versions[name] != nil && m == "GET" && rec.status == 200 && !isVersion(rec.body.Bytes(), versions[name]) {
					failed.Do(func() { t.Errorf("%s: torn body of %d bytes", path, rec.body.Len()) })
				}
			}
		}(g)
	}
	wg.Wait()
	close(stop)
	<-edited
}

func rangeFor(i int) string {
	switch i % 5 {
	case 1:
		return "bytes=0-9"
	case 2:
		return "bytes=0-1,5-6"
	}
	return ""
}

func isVersion(b []byte, versions [][]byte) bool {
	for _, v := range versions {
		if bytes.Equal(b, v) {
			return true
		}
	}
	return false
}
