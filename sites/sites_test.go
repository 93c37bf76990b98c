package sites

import (
	"context"
	"io/fs"
	"path/filepath"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"github.com/miniweb/miniweb/framework"
	"github.com/miniweb/miniweb/framework/database"
	"github.com/miniweb/miniweb/server/gateway/gatewaytest"
)

// root is the repository's folder, seen from this package's: the config
// file's folder, which the sites' own folders are relative to.
const root = ".."

// The test registers two tiny sites of its own, as a site package would
// with one line: "tiny", whose files are its own page and stylesheet, and
// "borrower", whose index page is a template it does not have (the demo
// has one of that name).
func init() {
	registry["tiny"] = frameworkSite(fstest.MapFS{
		"templates/page.html": {Data: []byte(`<p>tiny's page</p>`)},
		"static/tiny.css":     {Data: []byte(`p{color:red}`)},
	}, func(o framework.Options, db *database.DB) (*framework.App, error) {
		app, err := framework.New(o)
		if err != nil {
			return nil, err
		}
		app.Page("GET", "/page.py", "page.html", nil)
		return app, nil
	})
	registry["borrower"] = frameworkSite(fstest.MapFS{
		"templates/page.html": {Data: []byte(`<p>borrower's page</p>`)},
	}, func(o framework.Options, db *database.DB) (*framework.App, error) {
		app, err := framework.New(o)
		if err != nil {
			return nil, err
		}
		app.Page("GET", "/index.py", "index.html", nil)
		app.Page("GET", "/page.py", "page.html", nil)
		return app, nil
	})
}

// build builds the site name beside the repository's folders, on a
// database of its own, closed when the test ends.
func build(t *testing.T, name string) (*Site, error) {
	t.Helper()
	s, err := Build(context.Background(), name, Options{Dir: root, Suffix: ".py",
		Session:  SessionOptions{Secret: "a test secret of at least thirty-two bytes", MaxAge: time.Hour},
		Database: DatabaseOptions{URL: "sqlite:" + filepath.Join(t.TempDir(), "site.db")}})
	if err == nil {
		t.Cleanup(func() { s.Close() })
	}
	return s, err
}

// TestFolders checks each site's own folders: sites/NAME for a site's
// package, the top level for the demo and the mount site on its files.
func TestFolders(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct{ name, templates, static string }{
		{"demo", "conf/templates", "conf/static"},
		{"mount", "conf/templates", "conf/static"},
		{"tiny", "conf/sites/tiny/templates", "conf/sites/tiny/static"},
	} {
		tmpl, static, err := Folders(tt.name, "conf")
		if err != nil || tmpl != filepath.FromSlash(tt.templates) || static != filepath.FromSlash(tt.static) {
			t.Errorf("Folders(%q, \"conf\") = %q, %q, %v; want %q, %q", tt.name, tmpl, static, err, tt.templates, tt.static)
		}
	}
	if _, _, err := Folders("nosuch", "conf"); err == nil {
		t.Error(`Folders("nosuch") = nil error`)
	}
}

// TestOwnFiles builds the demo and a tiny site from the same folder: each
// gets its own templates and static files, never the other's.
func TestOwnFiles(t *testing.T) {
	t.Parallel()
	demo, err := build(t, "demo")
	if err != nil {
		t.Fatal(err)
	}
	tiny, err := build(t, "tiny")
	if err != nil {
		t.Fatal(err)
	}
	abs, err := filepath.Abs(root)
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		site              *Site
		templates, static string
		has, lacks        []string // static files
	}{
		{demo, "templates", "static", []string{"index.html", "style.css"}, []string{"tiny.css"}},
		{tiny, "sites/tiny/templates", "sites/tiny/static", []string{"tiny.css"}, []string{"index.html", "style.css"}},
	} {
		if want := filepath.Join(abs, tt.templates); tt.site.Templates != want {
			t.Errorf("Templates = %q; want %q", tt.site.Templates, want)
		}
		if want := filepath.Join(abs, tt.static); tt.site.Static != want {
			t.Errorf("Static = %q; want %q", tt.site.Static, want)
		}
		for _, name := range tt.has {
			if _, err := fs.Stat(tt.site.StaticFS, name); err != nil {
				t.Errorf("%s: static %s: %v", tt.templates, name, err)
			}
		}
		for _, name := range tt.lacks {
			if _, err := fs.Stat(tt.site.StaticFS, name); err == nil {
				t.Errorf("%s: static %s is another site's", tt.templates, name)
			}
		}
	}
	rec, err := gatewaytest.Record(tiny.App, gatewaytest.NewEnviron("GET", "/page.py", nil))
	if err != nil || rec.Status != "200 OK" || !strings.Contains(string(rec.Body), "tiny's page") {
		t.Errorf("tiny GET /page.py: %v %+v", err, rec)
	}
	rec, err = gatewaytest.Record(tiny.App, gatewaytest.NewEnviron("GET", "/index.py", nil))
	if err != nil || rec.Status != "404 Not Found" {
		t.Errorf("tiny GET /index.py: %v %+v; want 404, not the demo's index page", err, rec)
	}
}

// TestMissingTemplate checks that a site whose route names a template it
// does not have fails to build, naming the template and the route, though
// the demo beside it has one of that name.
func TestMissingTemplate(t *testing.T) {
	t.Parallel()
	_, err := build(t, "borrower")
	abs, _ := filepath.Abs(filepath.Join(root, "sites", "borrower", "templates"))
	want := `template "index.html" (GET /index.py): not in ` + abs + ` (no such folder) nor in the embedded templates`
	if err == nil || err.Error() != want {
		t.Errorf("Build(borrower) = %v; want %s", err, want)
	}
}

// TestFrameworkSiteFolders checks that frameworkSite takes the folders out
// of a site's files, and that a site without migrations has no database.
func TestFrameworkSiteFolders(t *testing.T) {
	t.Parallel()
	e := registry["tiny"]
	if e.templates == nil || e.static == nil || e.migrations != nil {
		t.Errorf("tiny: templates %v, static %v, migrations %v; want the first two", e.templates, e.static, e.migrations)
	}
	s, err := build(t, "tiny")
	if err != nil {
		t.Fatal(err)
	}
	if s.DB != nil {
		t.Errorf("tiny has a database: %s", s.DB.URL)
	}
	withDB := frameworkSite(fstest.MapFS{"migrations/0001_x.sql": {Data: []byte("SELECT 1;")}}, nil)
	if withDB.migrations == nil || withDB.templates != nil {
		t.Errorf("migrations %v, templates %v; want migrations alone", withDB.migrations, withDB.templates)
	}
}
