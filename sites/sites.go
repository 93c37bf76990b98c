// Package sites is the registry of the sites miniweb can serve: the config's
// site key names one of them. Each site is a package under sites/ that
// owns its files, embedded in the binary (templates, static files,
// migrations), and builds a gateway application; adding a site means
// adding its package and one line to the registry below:
//
//	"guestbook": frameworkSite(guestbook.Files, guestbook.New),
//
// The server serves a site's files and no other's: its disk folders
// (sites/NAME/templates and sites/NAME/static, or the config's) over its
// embedded ones. A site with a database says so with its migrations:
// Build then opens the database, brings the site's schema up to date and
// hands it to the site.
package sites

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/miniweb/miniweb"
	"github.com/miniweb/miniweb/framework"
	"github.com/miniweb/miniweb/framework/database"
	"github.com/miniweb/miniweb/server/gateway"
	"github.com/miniweb/miniweb/sites/demo"
	"github.com/miniweb/miniweb/sites/guestbook"
	"github.com/miniweb/miniweb/sites/mount"
	"github.com/miniweb/miniweb/sites/raw"
)

// Options is what a site may take from the config.
type Options struct {
	// Templates is the templates folder on disk, whose files override the
	// site's embedded templates of the same name (in dev mode, the folder
	// edited and watched); "" means the site's own, "templates" in its
	// folder (see Folders). A folder that does not exist leaves the
	// embedded templates alone.
	Templates string
	// Static is the static folder on disk, over the site's embedded static
	// files as Templates is; "" means the site's own, "static" in its
	// folder. Live reload watches it in dev mode (a saved stylesheet is
	// swapped in the open pages), and the templates' static function
	// fingerprints its files: the server must serve it over the site's
	// embedded files (Site.Static, Site.StaticFS).
	Static string
	// Dir is the folder the site's own folders are relative to, the config
	// file's; "" means the current folder.
	Dir string
	// Dev is development mode: detailed errors for loopback clients, live
	// template reload.
	Dev bool
	// Log receives the site's errors; nil means slog.Default().
	Log *slog.Logger
	// Session configures the site's session cookies, from the config's
	// [session] table and MINIWEB_SESSION_SECRET.
	Session SessionOptions
	// Check says the site is built to be checked, not run (server -check):
	// a framework site then refuses broken templates in dev mode too.
	Check bool
	// Suffix is the dynamic suffix the server routes by (the config's
	// dynamic_suffix): a framework site refuses routes it cannot reach.
	Suffix string
	// TrustedOrigins are the other origins whose pages may send the site
	// unsafe requests (the config's [csrf] trusted_origins).
	TrustedOrigins []string
	// Database is where a site with a database keeps it (the config's
	// [database] table and MINIWEB_DATABASE_URL); sites without one
	// ignore it.
	Database DatabaseOptions
}

// DatabaseOptions says where a site's database is.
type DatabaseOptions struct {
	// URL is "sqlite:PATH" or "postgres://user:pass@host:port/db" (see
	// package miniweb/framework/database). A relative SQLite path is
	// relative to Dir.
	URL string
	// Dir is the folder a relative SQLite path is relative to; "" means
	// the current folder.
	Dir string
	// MaxConns bounds the open connections; 0 means the default.
	MaxConns int
}

// SessionOptions configures a site's signed and encrypted session cookies.
// The config has checked it: a secret, when given, is at least 32 bytes.
type SessionOptions struct {
	// Secret signs and encrypts new session cookies, at least 32 bytes:
	// the config's, the environment's, or in production the one the
	// server keeps in its key file (config.UseKeyFile). "" happens only
	// in dev mode: the site then makes a random one per start and logs a
	// warning (sessions end at every restart).
	Secret string
	// OldSecrets are former secrets whose cookies still verify (rotation:
	// sign with Secret, accept these too); nil for none.
	OldSecrets []string
	// MaxAge is how long a session cookie stays valid; positive (default
	// 14 days).
	MaxAge time.Duration
}

// framework returns o as the framework takes it for the site e, its
// folders resolved (s.Templates, s.Static) and its embedded files under
// them.
func (o Options) framework(e entry, s *Site) framework.Options {
	return framework.Options{
		Templates:   s.Templates,
		Static:      s.Static,
		TemplatesFS: e.templates,
		StaticFS:    e.static,
		Dev:         o.Dev,
		Log:         o.Log,
		Suffix:      o.Suffix,
		Strict:      o.Check,
		Session: &framework.SessionOptions{
			Secret:     o.Session.Secret,
			OldSecrets: o.Session.OldSecrets,
			MaxAge:     o.Session.MaxAge,
		},
		CSRF: framework.CSRF{TrustedOrigins: o.TrustedOrigins},
	}
}

// entry is a registered site: its files, embedded in the binary, and how
// to build it.
type entry struct {
	// templates, static and migrations are the site's embedded folders;
	// nil for none (migrations nil: the site has no database).
	templates, static, migrations fs.FS
	// folder is the site's folder in the source tree, relative to the
	// config file's folder, holding the templates and static folders the
	// disk overrides the embedded files with; "" means "sites/NAME".
	folder string
	// history is the site whose migrations these are, under whose name
	// schema_migrations records them (one history per site, several
	// sites in one database); "" means the entry's own name. A site on
	// another's schema names it, so that switching between the two on
	// one database finds the schema where the other left it.
	history string
	// new builds the application from o (its folders and embedded files
	// filled in); db is the site's database, nil for a site without
	// migrations.
	new func(o framework.Options, db *database.DB) (gateway.App, error)
}

// frameworkSite is the entry of a site on the framework whose package
// embeds its folders in files (`//go:embed templates static migrations`:
// templates/, static/, and migrations/ when it has a database) and builds
// its application with new, as sites/guestbook does:
//
//	"guestbook": frameworkSite(guestbook.Files, guestbook.New),
//
// Its disk folder is sites/NAME. A folder that files lacks is none.
func frameworkSite(files fs.FS, new func(framework.Options, *database.DB) (*framework.App, error)) entry {
	return entry{
		templates:  subFolder(files, "templates"),
		static:     subFolder(files, "static"),
		migrations: subFolder(files, "migrations"),
		new: func(o framework.Options, db *database.DB) (gateway.App, error) {
			app, err := new(o, db)
			if err != nil {
				return nil, err // not a nil *framework.App in a gateway.App
			}
			return app, nil
		},
	}
}

// subFolder returns the folder dir of files, or nil when files has none.
func subFolder(files fs.FS, dir string) fs.FS {
	if fi, err := fs.Stat(files, dir); err != nil || !fi.IsDir() {
		return nil
	}
	sub, err := fs.Sub(files, dir)
	if err != nil {
		panic("sites: " + dir + ": " + err.Error()) // dir is a valid path: never
	}
	return sub
}

// historyOf returns the name e's migrations are recorded under, e being
// the site called name.
func (e entry) historyOf(name string) string {
	if e.history != "" {
		return e.history
	}
	return name
}

// folderOf returns the folder of e, the site called name, in the source
// tree: "sites/NAME" unless e says otherwise.
func (e entry) folderOf(name string) string {
	if e.folder != "" {
		return e.folder
	}
	return filepath.Join("sites", name)
}

var registry = map[string]entry{
	// raw is the lesson's application written straight on the gateway
	// contract, without the framework: no templates, no static files.
	"raw": {new: func(framework.Options, *database.DB) (gateway.App, error) { return raw.App(), nil }},
	// demo is the lesson's pages on the framework: templates, live reload,
	// users and their watch lists in the database. Its templates and
	// static files are the top-level folders (package miniweb), its
	// migrations its package's.
	"demo": {
		templates:  miniweb.Templates,
		static:     miniweb.Static,
		migrations: demo.Migrations,
		folder:     ".",
		new: func(o framework.Options, db *database.DB) (gateway.App, error) {
			app, err := demo.New(o, db)
			if err != nil {
				return nil, err
			}
			return app, nil
		},
	},
	// mount is a net/http ServeMux under /api/ next to the demo site, on
	// the demo's files and schema.
	"mount": {
		templates:  miniweb.Templates,
		static:     miniweb.Static,
		migrations: demo.Migrations,
		folder:     ".",
		history:    "demo",
		new:        mount.New,
	},
	// guestbook was made by `go run ./server new guestbook`.
	"guestbook": frameworkSite(guestbook.Files, guestbook.New),
}

// Folders returns the disk folders of the site called name, relative to
// dir (the config file's folder; "" means the current one): its own
// templates and static folders, which override its embedded files.
// "sites/NAME/templates" for most, "templates" for the demo.
func Folders(name, dir string) (templates, static string, err error) {
	e, ok := registry[name]
	if !ok {
		return "", "", unknown(name)
	}
	folder := filepath.Join(dir, e.folderOf(name))
	return filepath.Join(folder, "templates"), filepath.Join(folder, "static"), nil
}

// unknown is the error for a site that is not registered.
func unknown(name string) error {
	return fmt.Errorf("sites: no site %q (known: %v)", name, Names())
}

// Site is a built site: its application, its files and what it holds
// open.
type Site struct {
	// App is the site's application.
	App gateway.App
	// Templates and Static are the site's disk folders, absolute:
	// Options.Templates and Options.Static, or the site's own (see
	// Folders). Either may not exist: the embedded files stand alone.
	Templates, Static string
	// TemplatesFS and StaticFS are the site's embedded templates and
	// static files, nil for none. The server serves Static over StaticFS.
	TemplatesFS, StaticFS fs.FS
	// DB is the site's database, its schema up to date; nil for a site
	// without one.
	DB *database.DB
	// Migrated are the migrations Build applied, oldest first.
	Migrated []database.Migration
}

// Close closes the application (when it has a Close method: template
// watchers and the like) and then the database.
func (s *Site) Close() error {
	var errs []error
	if c, ok := s.App.(interface{ Close() error }); ok {
		errs = append(errs, c.Close())
	}
	if s.DB != nil {
		errs = append(errs, s.DB.Close())
	}
	return errors.Join(errs...)
}

// Build builds the site called name with o, on its embedded files under
// its disk folders (o's, or its own). For a site with a database it
// first opens the database at o.Database.URL and applies the site's
// migrations it lacks; an unreachable database, or one whose history of
// the site is newer than the site's migrations or differs from them, is an
// error naming the URL (its password redacted) and what failed. With
// o.Check (server -check) it migrates nothing: it opens the database when
// there is one, for Version to read, and leaves DB nil when an SQLite file
// does not exist yet. A template the site's routes name that neither its
// disk folder nor its embedded files hold is an error (framework.App.Check),
// at every start.
func Build(ctx context.Context, name string, o Options) (*Site, error) {
	e, ok := registry[name]
	if !ok {
		return nil, unknown(name)
	}
	s := &Site{TemplatesFS: e.templates, StaticFS: e.static}
	var err error
	if s.Templates, s.Static, err = resolveFolders(name, o); err != nil {
		return nil, err
	}
	switch {
	case e.migrations == nil:
	case o.Check:
		// server -check changes nothing: the database is only opened,
		// and a new SQLite file is not even made.
		if p, ok := strings.CutPrefix(o.Database.URL, "sqlite:"); ok {
			if _, err := os.Stat(p); errors.Is(err, fs.ErrNotExist) {
				break
			}
		}
		db, err := database.Open(ctx, o.Database.URL, o.Database.Dir, database.Options{MaxOpen: o.Database.MaxConns})
		if err != nil {
			return nil, err
		}
		s.DB = db
	default:
		db, migrated, err := migrate(ctx, name, e, o)
		if err != nil {
			return nil, err
		}
		s.DB, s.Migrated = db, migrated
	}
	app, err := e.new(o.framework(e, s), s.DB)
	if err == nil {
		s.App = app
		err = check(app)
	}
	if err != nil {
		s.Close()
		return nil, err
	}
	return s, nil
}

// check asks app, when it can say, whether every template its routes name
// is there (framework.App.Check).
func check(app gateway.App) error {
	if c, ok := app.(interface{ Check() error }); ok {
		return c.Check()
	}
	return nil
}

// resolveFolders returns the disk folders of the site called name with o:
// o's, or the site's own, made absolute.
func resolveFolders(name string, o Options) (templates, static string, err error) {
	templates, static, err = Folders(name, o.Dir)
	if err != nil {
		return "", "", err
	}
	if o.Templates != "" {
		templates = o.Templates
	}
	if o.Static != "" {
		static = o.Static
	}
	if templates, err = filepath.Abs(templates); err != nil {
		return "", "", err
	}
	static, err = filepath.Abs(static)
	return templates, static, err
}

// Migrate opens the database of the site called name and applies the
// migrations it lacks, then closes it: server -migrate. It returns the
// migrations applied, and the database's URL (password redacted) for the
// report; a site without a database is an error.
func Migrate(ctx context.Context, name string, o Options) (applied []database.Migration, url string, err error) {
	e, ok := registry[name]
	if !ok {
		return nil, "", unknown(name)
	}
	if e.migrations == nil {
		return nil, "", fmt.Errorf("site %q has no database to migrate", name)
	}
	db, applied, err := migrate(ctx, name, e, o)
	if err != nil {
		return nil, "", err
	}
	return applied, db.URL, db.Close()
}

// Version returns the schema version of the site's database and the
// latest its migrations know, for server -check: current is 0 when the
// database is new (or, with Check, not created yet). ok is false for a
// site without a database. A history of the site newer than its
// migrations, or different, is an error (database.ErrSchemaNewer,
// database.ErrHistoryDiffers) naming the site whose schema it is.
func (s *Site) Version(ctx context.Context, name string) (current, latest int64, ok bool, err error) {
	e := registry[name]
	if e.migrations == nil {
		return 0, 0, false, nil
	}
	if s.DB == nil {
		ms, err := database.Migrations(e.migrations, database.SQLite)
		if err != nil || len(ms) == 0 {
			return 0, 0, true, err
		}
		return 0, ms[len(ms)-1].Version, true, nil
	}
	current, latest, err = s.DB.Version(ctx, e.historyOf(name), e.migrations)
	return current, latest, true, err
}

// migrate opens the database of e, the site called name, and applies its
// migrations.
func migrate(ctx context.Context, name string, e entry, o Options) (*database.DB, []database.Migration, error) {
	db, err := database.Open(ctx, o.Database.URL, o.Database.Dir, database.Options{MaxOpen: o.Database.MaxConns})
	if err != nil {
		return nil, nil, err
	}
	applied, err := db.Migrate(ctx, e.historyOf(name), e.migrations)
	if err != nil {
		db.Close()
		return nil, nil, err
	}
	return db, applied, nil
}

// Known reports whether a site called name is registered.
func Known(name string) bool {
	_, ok := registry[name]
	return ok
}

// Names returns the names of the registered sites, sorted.
func Names() []string {
	names := make([]string, 0, len(registry))
	for n := range registry {
		names = append(names, n)
	}
	slices.Sort(names)
	return names
}
