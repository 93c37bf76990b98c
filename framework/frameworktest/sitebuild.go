package frameworktest

import (
	"errors"
	"io/fs"
	"log/slog"
	"path/filepath"
	"testing"

	"github.com/miniweb/miniweb/framework"
	"github.com/miniweb/miniweb/framework/database"
)

// SiteSecret keys the session cookies of the sites [Site] builds; a
// Client made with [SiteOptions] opens them.
const SiteSecret = "frameworktest: the session secret of the sites Site builds"

// SiteSuffix is the dynamic suffix of the sites [Site] builds, the
// server's default: a route no request could reach fails the test.
const SiteSuffix = ".py"

// Site builds the site called name (such as "guestbook") as the server
// would from its embedded files, files being the site's Files (folders
// templates/, static/ and, for a site with a database, migrations/), and
// newSite its New:
//
//	app := frameworktest.Site(t, "guestbook", Files, New)
//	c := frameworktest.New(t, app, frameworktest.SiteOptions())
//
// The site gets only its embedded files (no folder on disk overrides
// them), strict template checks (a template that does not compile fails
// the test, as in server -check), the server's ".py" suffix, sessions
// keyed by SiteSecret, and, when files has migrations/, a throwaway
// SQLite database with them applied under name (see [SQLite]); without
// it, db is nil. The App and the database are closed when the test ends.
func Site(t testing.TB, name string, files fs.FS, newSite func(framework.Options, *database.DB) (*framework.App, error)) *framework.App {
	t.Helper()
	var db *database.DB
	if migrations, ok := sub(t, name, files, "migrations"); ok {
		db = SQLite(t, name, migrations)
	}
	o := SiteFrameworkOptions(t, name, files)
	app, err := newSite(o, db)
	if err != nil {
		t.Fatalf("frameworktest: site %s: %v", name, err)
	}
	t.Cleanup(func() { app.Close() })
	return app
}

// SiteFrameworkOptions returns the framework.Options [Site] gives the
// site called name, for a test that builds the App itself (on a database
// of its own, say): its embedded templates and static files from files,
// no folder on disk, strict checks, the ".py" suffix, sessions keyed by
// SiteSecret, and a log that is discarded.
func SiteFrameworkOptions(t testing.TB, name string, files fs.FS) framework.Options {
	t.Helper()
	o := framework.Options{
		// A folder that does not exist: the embedded files alone.
		Templates: filepath.Join(t.TempDir(), "templates"),
		Log:       slog.New(slog.DiscardHandler),
		Strict:    true,
		Suffix:    SiteSuffix,
		Session:   &framework.SessionOptions{Secret: SiteSecret},
	}
	if tfs, ok := sub(t, name, files, "templates"); ok {
		o.TemplatesFS = tfs
	}
	if sfs, ok := sub(t, name, files, "static"); ok {
		o.StaticFS = sfs
	}
	return o
}

// SiteOptions returns the Options of a Client for a site [Site] built:
// the Client opens its session cookies, for [Client.Session] and
// [Response.Flashes].
func SiteOptions() Options {
	return Options{Session: &framework.SessionOptions{Secret: SiteSecret}}
}

// sub returns the folder dir of files, and false when files has none.
func sub(t testing.TB, name string, files fs.FS, dir string) (fs.FS, bool) {
	t.Helper()
	st, err := fs.Stat(files, dir)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return nil, false
	case err != nil:
		t.Fatalf("frameworktest: site %s: %s: %v", name, dir, err)
	case !st.IsDir():
		t.Fatalf("frameworktest: site %s: %s is a file, want a folder", name, dir)
	}
	f, err := fs.Sub(files, dir)
	if err != nil {
		t.Fatalf("frameworktest: site %s: %s: %v", name, dir, err)
	}
	return f, true
}
