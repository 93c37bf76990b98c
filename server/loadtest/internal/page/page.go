// Package page is the page workload of the load test for the peer servers:
// the demo site's /about.py (templates about.html and base.html) rendered
// with pongo2 from the same templates folder and with the same data as
// sites/demo, so that every server sends the same bytes.
//
// The demo's templates use <%name%> placeholders, which miniweb's framework
// rewrites to pongo2's {{name}} when it loads a file; the loader here does
// the same once per file, so rendering is pongo2's alone, as in the
// framework.
package page

import (
	"bytes"
	"io"
	"os"
	"path/filepath"
	"regexp"

	"github.com/flosch/pongo2/v6"
)

// placeholder matches <%name%> and <% a.b %>, as the framework's loader.
var placeholder = regexp.MustCompile(`<%([ \t]*[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z0-9_]+)*[ \t]*)%>`)

type loader struct{ dir string }

func (l loader) Abs(base, name string) string {
	if filepath.IsAbs(name) {
		return name // pongo2 resolves an extended template's name twice
	}
	return filepath.Join(l.dir, name)
}

func (l loader) Get(path string) (io.Reader, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	return bytes.NewReader(placeholder.ReplaceAll(b, []byte("{{$1}}"))), nil
}

// nav is the demo's menu (sites/demo: nav).
var nav = []pongo2.Context{
	{"key": "index", "href": "/index.py", "label": "Home"},
	{"key": "center", "href": "/center.py", "label": "Market"},
	{"key": "single", "href": "/single.py", "label": "Article"},
	{"key": "register", "href": "/register.py", "label": "Register"},
	{"key": "about", "href": "/about.py", "label": "About"},
	{"key": "contact", "href": "/contact.py", "label": "Contact"},
	{"key": "login", "href": "/login.py", "label": "Log in"},
}

// About is the compiled about.html of a templates folder.
type About struct{ tpl *pongo2.Template }

// Load compiles about.html of the folder dir, with the demo's globals.
func Load(dir string) (*About, error) {
	set := pongo2.NewSet("loadtest", loader{dir})
	set.Globals = pongo2.Context{"site_name": "miniweb", "nav": nav, "user": "", "page": ""}
	tpl, err := set.FromFile("about.html")
	if err != nil {
		return nil, err
	}
	return &About{tpl}, nil
}

// Render renders the page with the data sites/demo's about handler returns,
// made per request as a handler makes it.
func (a *About) Render() ([]byte, error) {
	return a.tpl.ExecuteBytes(pongo2.Context{
		"title":   "About",
		"content": "miniweb is a small web server and framework in Go, rebuilt from a classic Python lesson.",
		"page":    "about",
		"user":    "",
	})
}
