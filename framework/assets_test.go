package framework

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/miniweb/miniweb/server/gateway/fingerprint"
)

// assetURL is the fingerprinted URL of content saved as name.
func assetURL(name, content string) string {
	return "/" + fingerprint.Format(name, fingerprint.Sum([]byte(content)))
}

// TestStaticFunction renders the static function over a folder and
// embedded files: the folder wins, a name only embedded comes from there,
// bad names fail the render, and in dev mode an edit gives the next
// render the new fingerprint.
func TestStaticFunction(t *testing.T) {
	t.Parallel()
	tmpl, static := t.TempDir(), t.TempDir()
	writeFile(t, static, "style.css", "body{}")
	writeFile(t, static, "css/site.css", "a{}")
	embedded := fstest.MapFS{
		"style.css": {Data: []byte("embedded, hidden by the folder's")},
		"logo.svg":  {Data: []byte("<svg/>")},
	}
	pages := []struct {
		page, text string
		code       int
		want       string // the body, or a part of the error page
	}{
		{"style.html", `{{ static("style.css") }}`, 200, assetURL("style.css", "body{}")},
		{"slash.html", `{{ static("/style.css") }}`, 200, assetURL("style.css", "body{}")},
		{"sub.html", `{{ static("css/site.css") }}`, 200, assetURL("css/site.css", "a{}")},
		{"logo.html", `{{ static("logo.svg") }}`, 200, assetURL("logo.svg", "<svg/>")},
		{"missing.html", `{{ static("nope.css") }}`, 500, "static &#34;nope.css&#34;: no such file"},
		{"escape.html", `{{ static("../x.css") }}`, 500, "not the name of a file"},
		{"hidden.html", `{{ static(".env") }}`, 500, "not the name of a file"},
		{"folder.html", `{{ static("css") }}`, 500, "not a regular file"},
	}
	for _, p := range pages {
		writeFile(t, tmpl, p.page, p.text)
	}
	app, _ := newApp(t, tmpl, Options{Dev: true, NoLiveReload: true, Static: static, StaticFS: embedded})
	for _, p := range pages {
		app.Page("GET", "/"+strings.TrimSuffix(p.page, ".html"), p.page, nil)
	}
	for _, p := range pages {
		rec := get(t, app, "/"+strings.TrimSuffix(p.page, ".html"))
		if rec.Code != p.code || !strings.Contains(string(rec.Body), p.want) {
			t.Errorf("%s: %d %q; want %d with %q", p.page, rec.Code, rec.Body, p.code, p.want)
		}
	}

	// Dev mode: a saved stylesheet has its new URL on the next render.
	replaceFile(t, static, "style.css", "body{color:red}")
	if rec := get(t, app, "/style"); string(rec.Body) != assetURL("style.css", "body{color:red}") {
		t.Errorf("after an edit: %q; want the new fingerprint", rec.Body)
	}
	// Saved again within the same tick of the file clock, at the same
	// size: a new file renamed over the old one is a new version.
	fi, err := os.Stat(filepath.Join(static, "style.css"))
	if err != nil {
		t.Fatal(err)
	}
	replaceFile(t, static, "style.css", "body{color:tan}")
	if err := os.Chtimes(filepath.Join(static, "style.css"), fi.ModTime(), fi.ModTime()); err != nil {
		t.Fatal(err)
	}
	if rec := get(t, app, "/style"); string(rec.Body) != assetURL("style.css", "body{color:tan}") {
		t.Errorf("after a second save of the same size and time: %q; want the new fingerprint", rec.Body)
	}
	// Removed from the folder: the embedded file shows through.
	if err := os.Remove(filepath.Join(static, "style.css")); err != nil {
		t.Fatal(err)
	}
	if rec := get(t, app, "/style"); string(rec.Body) != assetURL("style.css", "embedded, hidden by the folder's") {
		t.Errorf("after removal: %q; want the embedded file's fingerprint", rec.Body)
	}
}

// TestEmbeddedTemplates renders templates from an embedded fs.FS under a
// folder: without the folder they all come from the fs.FS; with it, a file
// of the folder overrides the embedded one, also as the base another
// embedded page extends.
func TestEmbeddedTemplates(t *testing.T) {
	t.Parallel()
	embedded := fstest.MapFS{
		"base.html":      {Data: []byte(`<title>{% block title %}{% endblock %}</title>embedded base`)},
		"page.html":      {Data: []byte(`{% extends "base.html" %}{% block title %}Page{% endblock %}`)},
		"part/list.html": {Data: []byte(`{% include "part/item.html" %}`)},
		"part/item.html": {Data: []byte(`embedded item`)},
	}
	tests := []struct {
		name string
		disk map[string]string // files of the folder; nil: no folder
		page string
		want string
	}{
		{"embedded only", nil, "page.html", "<title>Page</title>embedded base"},
		{"embedded include", nil, "part/list.html", "embedded item"},
		{"folder overrides the base", map[string]string{"base.html": `[{% block title %}{% endblock %}] disk base`}, "page.html", "[Page] disk base"},
		{"folder overrides a partial", map[string]string{"part/item.html": "disk item"}, "part/list.html", "disk item"},
		{"folder adds a page", map[string]string{"extra.html": `{% extends "base.html" %}{% block title %}X{% endblock %}`}, "extra.html", "<title>X</title>embedded base"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := filepath.Join(t.TempDir(), "templates")
			for name, text := range tt.disk {
				writeFile(t, dir, name, text)
			}
			app, _ := newApp(t, dir, Options{TemplatesFS: embedded, Session: &SessionOptions{Secret: strings.Repeat("s", 32)}})
			app.Page("GET", "/p", tt.page, nil)
			if rec := get(t, app, "/p"); rec.Code != 200 || string(rec.Body) != tt.want {
				t.Errorf("GET %s: %d %q; want 200 %q", tt.page, rec.Code, rec.Body, tt.want)
			}
		})
	}
	// Without TemplatesFS a missing folder is still an error.
	if _, err := New(Options{Templates: filepath.Join(t.TempDir(), "nope")}); err == nil {
		t.Error("New with a missing templates folder and no TemplatesFS: no error")
	}
}

// TestOverlayReadDir lists a folder of both layers, upper's entry winning.
func TestOverlayReadDir(t *testing.T) {
	t.Parallel()
	o := overlay{
		upper: fstest.MapFS{"a.html": {Data: []byte("up")}, "c.html": {Data: []byte("up")}},
		lower: fstest.MapFS{"a.html": {Data: []byte("low")}, "b.html": {Data: []byte("low")}, "d/e.html": {}},
	}
	ds, err := o.ReadDir(".")
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, d := range ds {
		names = append(names, d.Name())
	}
	if got := strings.Join(names, " "); got != "a.html b.html c.html d" {
		t.Errorf("ReadDir = %s", got)
	}
	if b, _ := o.ReadFile("a.html"); string(b) != "up" {
		t.Errorf("ReadFile(a.html) = %q; want upper's", b)
	}
	if err := fstest.TestFS(o, "a.html", "b.html", "c.html", "d/e.html"); err != nil {
		t.Error(err)
	}
}
