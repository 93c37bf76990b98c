package framework

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestRenderLayers: a page's names win over the context processors',
// a later processor's over an earlier's, and all over the globals, a name
// given nil included; HTML values print unescaped from any of them, and
// an include sees them all. (The framework hands them to pongo2 in
// layers it reads in turn, PATCHES.md, 15, where it merged them into one
// map before.)
func TestRenderLayers(t *testing.T) {
	t.Parallel()
	for _, dev := range []bool{false, true} {
		dir := t.TempDir()
		for name, text := range map[string]string{
			"page.html": "<%a%>,<%b%>,<%c%>,<%g%>,<%n%>,<%h%>,<%hs.0%>|{% include \"part.html\" %}\n",
			"part.html": "<%a%>,<%b%>,<%c%>,<%g%>,<%n%>,<%h%>",
		} {
			if err := os.WriteFile(filepath.Join(dir, name), []byte(text), 0o644); err != nil {
				t.Fatal(err)
			}
		}
		app, _ := newApp(t, dir, Options{Dev: dev, Globals: Data{"a": "g-a", "b": "g-b", "c": "g-c", "g": "g<g>", "n": "g-n"}})
		app.Context(func(*Request) Data { return Data{"a": "p1-a", "b": "p1-b", "c": "p1-c", "h": HTML("<i>h1</i>")} })
		app.Context(func(*Request) Data { return Data{"a": "p2-a", "b": "p2<b>", "hs": []HTML{"<u>x</u>"}} })
		app.Context(func(*Request) Data { return nil })
		app.Page("GET", "/page.py", "page.html", func(*Request) (Data, error) {
			return Data{"a": "page-a", "n": nil}, nil
		})
		rec := do(t, app, "GET", "/page.py", "", "", "")
		// Dev mode adds live reload's script after the page's line.
		status, body := rec.Code, string(rec.Body)
		if i := strings.IndexByte(body, '\n'); i >= 0 {
			body = body[:i+1]
		}
		want := "page-a,p2&lt;b&gt;,p1-c,g&lt;g&gt;,,<i>h1</i>,<u>x</u>|page-a,p2&lt;b&gt;,p1-c,g&lt;g&gt;,,<i>h1</i>\n"
		if status != 200 || body != want {
			t.Errorf("dev %v: %d %q, want %q", dev, status, body, want)
		}
	}
}
