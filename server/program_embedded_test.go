package main

import (
	"io"
	"io/fs"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/miniweb/miniweb"
	"github.com/miniweb/miniweb/server/gateway/fingerprint"
)

// embeddedFile returns the content of the static file name built into the
// binary.
func embeddedFile(t *testing.T, name string) []byte {
	t.Helper()
	b, err := fs.ReadFile(miniweb.Static, name)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// fetched is one response, its body read.
type fetched struct {
	status int
	header http.Header
	body   string
}

// fetch GETs path from addr.
func fetch(t *testing.T, addr, path string) fetched {
	t.Helper()
	resp, err := http.Get("http://" + addr + path)
	if err != nil {
		t.Fatalf("GET %s: %v", path, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("GET %s: %v", path, err)
	}
	return fetched{resp.StatusCode, resp.Header, string(b)}
}

// stylesheetURL is the stylesheet link of a page.
var stylesheetURL = regexp.MustCompile(`<link rel="stylesheet" href="([^"]+)">`)

// pageStylesheet GETs /index.py and returns the URL of its stylesheet.
func pageStylesheet(t *testing.T, addr string) string {
	t.Helper()
	page := fetch(t, addr, "/index.py")
	m := stylesheetURL.FindStringSubmatch(page.body)
	if page.status != 200 || m == nil {
		t.Fatalf("GET /index.py: %d, no stylesheet link:\n%s", page.status, page.body)
	}
	return m[1]
}

// TestLoneBinary runs the binary in an empty folder, with no miniweb.toml,
// no templates and no static folder: it serves the whole demo site from
// the files built into it, with fingerprinted stylesheet URLs.
func TestLoneBinary(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	_, _, stderr, exited := startProgram(t, dir, "-addr", "127.0.0.1:0")
	addr := servingAddr(t, stderr, exited)

	css := embeddedFile(t, "style.css")
	want := "/" + fingerprint.Format("style.css", fingerprint.Sum(css))
	if got := pageStylesheet(t, addr); got != want {
		t.Fatalf("stylesheet link %q; want %q", got, want)
	}
	stale := "/" + fingerprint.Format("style.css", fingerprint.Sum([]byte("an old stylesheet")))
	logo := string(embeddedFile(t, "logo.svg"))
	tests := []struct {
		path      string
		status    int
		body      string // the whole body, or "" to skip
		contains  string // a part of the body
		cache     string // want Cache-Control
		validated bool   // want ETag and Last-Modified
	}{
		{path: want, status: 200, body: string(css), cache: "public, max-age=31536000, immutable", validated: true},
		{path: "/style.css", status: 200, body: string(css), validated: true},
		{path: "/logo.svg", status: 200, body: logo, validated: true},
		{path: stale, status: 404},
		{path: "/about.py", status: 200, contains: "A socket server"},
		{path: "/no-such-page.py", status: 404, contains: "<html"},
		{path: "/no-such-file.css", status: 404},
	}
	for _, tt := range tests {
		r := fetch(t, addr, tt.path)
		switch {
		case r.status != tt.status:
			t.Errorf("GET %s: %d; want %d", tt.path, r.status, tt.status)
		case tt.body != "" && r.body != tt.body:
			t.Errorf("GET %s: body is not the embedded file", tt.path)
		case !strings.Contains(r.body, tt.contains):
			t.Errorf("GET %s: body lacks %q", tt.path, tt.contains)
		case r.header.Get("Cache-Control") != tt.cache:
			t.Errorf("GET %s: Cache-Control %q; want %q", tt.path, r.header.Get("Cache-Control"), tt.cache)
		case tt.validated && (r.header.Get("ETag") == "" || r.header.Get("Last-Modified") == ""):
			t.Errorf("GET %s: ETag %q, Last-Modified %q; want both", tt.path, r.header.Get("ETag"), r.header.Get("Last-Modified"))
		}
	}
	if _, err := os.Stat(filepath.Join(dir, "data", "miniweb.db")); err != nil {
		t.Errorf("the database of the defaults, in the current folder: %v", err)
	}
}

// TestDiskOverridesEmbedded runs the binary beside a static folder and a
// templates folder holding one file each: those win over the embedded
// files, the rest still comes from the binary, and in dev mode (-dev: the
// built-in defaults are production) a saved stylesheet gets a new
// fingerprint on the next page.
func TestDiskOverridesEmbedded(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	writeFile := func(name, text string) {
		t.Helper()
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	writeFile("static/style.css", "body{color:red}")
	writeFile("templates/about.html", `{% extends "base.html" %}{% block content %}<p>the operator's about page</p>{% endblock %}`)

	status, out, errOut := runMiniweb(t, dir, "-check")
	for _, want := range []string{
		"built-in defaults (no miniweb.toml): ok",
		"static     disk " + filepath.Join(dir, "static") + " over embedded",
		"templates  disk " + filepath.Join(dir, "templates") + " over embedded",
	} {
		if status != 0 || !strings.Contains(out, want) {
			t.Errorf("-check: status %d, output lacks %q:\n%s%s", status, want, out, errOut)
		}
	}

	_, _, stderr, exited := startProgram(t, dir, "-addr", "127.0.0.1:0", "-dev")
	addr := servingAddr(t, stderr, exited)
	first := pageStylesheet(t, addr)
	if want := "/" + fingerprint.Format("style.css", fingerprint.Sum([]byte("body{color:red}"))); first != want {
		t.Fatalf("stylesheet link %q; want the disk file's %q", first, want)
	}
	if r := fetch(t, addr, first); r.status != 200 || r.body != "body{color:red}" {
		t.Errorf("GET %s: %d %q; want the disk file", first, r.status, r.body)
	}
	if r := fetch(t, addr, "/about.py"); !strings.Contains(r.body, "the operator's about page") || !strings.Contains(r.body, first) {
		t.Errorf("GET /about.py: the disk template over the embedded base wanted:\n%s", r.body)
	}
	if r := fetch(t, addr, "/logo.svg"); r.status != 200 || r.body != string(embeddedFile(t, "logo.svg")) {
		t.Errorf("GET /logo.svg: %d; want the embedded logo", r.status)
	}

	// Dev mode: save the stylesheet; the next page names its new
	// fingerprint, which serves it, and the old one is a 404.
	writeFile("static/style.css", "body{color:blue}")
	next := pageStylesheet(t, addr)
	if want := "/" + fingerprint.Format("style.css", fingerprint.Sum([]byte("body{color:blue}"))); next != want {
		t.Fatalf("after a save, stylesheet link %q; want %q", next, want)
	}
	if r := fetch(t, addr, next); r.status != 200 || r.body != "body{color:blue}" {
		t.Errorf("GET %s after a save: %d %q", next, r.status, r.body)
	}
	if r := fetch(t, addr, first); r.status != 404 {
		t.Errorf("GET %s (stale) after a save: %d; want 404", first, r.status)
	}
}

// TestCheckEmbedded checks that -check in an empty folder says the
// folders are the embedded ones.
func TestCheckEmbedded(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	status, out, errOut := runMiniweb(t, dir, "-check")
	for _, want := range []string{
		"static     embedded (no folder " + filepath.Join(dir, "static") + ")",
		"templates  embedded (no folder " + filepath.Join(dir, "templates") + ")",
	} {
		if status != 0 || !strings.Contains(out, want) {
			t.Errorf("-check: status %d, output lacks %q:\n%s%s", status, want, out, errOut)
		}
	}
}
