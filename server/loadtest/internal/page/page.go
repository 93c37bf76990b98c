// Package page is the page workload of the load test for the peer servers:
// the demo site's /about.py (templates about.html and base.html) rendered
// with pongo2 from the demo's own templates folder, with the same data and
// the same globals as sites/demo, so that every server sends the same
// bytes (run.sh compares them byte for byte before and after measuring).
//
// The demo's templates use <%name%> placeholders, which miniweb's framework
// rewrites to pongo2's {{name}} when it loads a file; the loader here does
// the same once per file, so rendering is pongo2's alone, as in the
// framework. Their static("style.css") is the fingerprinted URL of a file
// of the static folder, "/style.3f9a1c2e0b4d.css", by the rule the
// framework and the static handler share (server/gateway/fingerprint,
// imported from the main module through this module's replace directive).
package page

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strings"

	"github.com/flosch/pongo2/v6"

	"github.com/miniweb/miniweb/server/gateway/fingerprint"
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

// nav is the demo's menu (sites/demo: nav). A change there shows as a
// byte difference in run.sh's check, which then measures nothing.
var nav = []pongo2.Context{
	{"key": "index", "href": "/index.py", "label": "Home"},
	{"key": "center", "href": "/center.py", "label": "Market"},
	{"key": "watchlist", "href": "/watchlist.py", "label": "Watch list"},
	{"key": "single", "href": "/single.py", "label": "Article"},
	{"key": "register", "href": "/register.py", "label": "Register"},
	{"key": "account", "href": "/account.py", "label": "Account"},
	{"key": "about", "href": "/about.py", "label": "About"},
	{"key": "contact", "href": "/contact.py", "label": "Contact"},
	{"key": "login", "href": "/login.py", "label": "Log in"},
}

// About is the compiled about.html of a templates folder.
type About struct{ tpl *pongo2.Template }

// Load compiles about.html of the templates folder dir with the demo's
// globals; the templates' static function names the files of the folder
// static by their fingerprinted URLs, computed here once per file (the
// files do not change during a run).
func Load(dir, static string) (*About, error) {
	urls, err := fingerprints(static)
	if err != nil {
		return nil, err
	}
	set := pongo2.NewSet("loadtest", loader{dir})
	set.Globals = pongo2.Context{
		"site_name": "miniweb",
		"nav":       nav,
		"page":      "",
		"static": func(name string) (string, error) {
			if u, ok := urls[strings.TrimPrefix(name, "/")]; ok {
				return u, nil
			}
			return "", fmt.Errorf("page: static %q: not a file of the static folder", name)
		},
	}
	tpl, err := set.FromFile("about.html")
	if err != nil {
		return nil, err
	}
	return &About{tpl}, nil
}

// fingerprints returns the fingerprinted URL of every regular file of the
// folder dir by its name in it: "style.css" -> "/style.3f9a1c2e0b4d.css".
func fingerprints(dir string) (map[string]string, error) {
	urls := map[string]string{}
	fsys := os.DirFS(dir)
	err := fs.WalkDir(fsys, ".", func(name string, d fs.DirEntry, err error) error {
		if err != nil || !d.Type().IsRegular() {
			return err
		}
		b, err := fs.ReadFile(fsys, name)
		if err != nil {
			return err
		}
		urls[name] = "/" + fingerprint.Format(name, fingerprint.Sum(b))
		return nil
	})
	if err == nil && len(urls) == 0 {
		err = errors.New("no files")
	}
	if err != nil {
		return nil, fmt.Errorf("page: static folder %s: %w", dir, err)
	}
	return urls, nil
}

// Render renders the page with the data sites/demo's about handler returns
// and its context (a visitor: no user, no flashes), made per request as a
// handler makes it.
func (a *About) Render() ([]byte, error) {
	return a.tpl.ExecuteBytes(pongo2.Context{
		"title":   "About",
		"content": "miniweb is a small web server and framework in Go, rebuilt from a classic Python lesson.",
		"page":    "about",
		"user":    "",
		"flashes": nil,
	})
}
