// Package sites is the registry of the sites miniweb can serve: the config's
// site key names one of them. Each site is a package under sites/ that
// builds a gateway application; adding a site means adding its package and
// one entry to the registry below. A site with a database says so with its
// migrations: Build then opens the database, brings its schema up to date
// and hands it to the site.
package sites

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/miniweb/miniweb/framework"
	"github.com/miniweb/miniweb/framework/database"
	"github.com/miniweb/miniweb/server/gateway"
	"github.com/miniweb/miniweb/sites/demo"
	"github.com/miniweb/miniweb/sites/mount"
	"github.com/miniweb/miniweb/sites/raw"
)

// Options is what a site may take from the config.
type Options struct {
	// Templates is the templates folder.
	Templates string
	// Static is the static folder, which live reload watches in dev mode
	// (a saved stylesheet is swapped in the open pages), and whose files
	// the templates' static function fingerprints.
	Static string
	// TemplatesFS and StaticFS, when not nil, hold the files under the
	// Templates and Static folders (the binary's embedded files, package
	// miniweb): a file of a folder overrides the one of the same name
	// here, and a missing folder leaves these alone. StaticFS must be what
	// the server serves under Static.
	TemplatesFS, StaticFS fs.FS
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
	// Secret signs and encrypts new session cookies, at least 32 bytes.
	// "" means none was configured, which the config allows only in dev
	// mode: the site then makes a random one per start and logs a warning
	// (sessions end at every restart).
	Secret string
	// OldSecrets are former secrets whose cookies still verify (rotation:
	// sign with Secret, accept these too); nil for none.
	OldSecrets []string
	// MaxAge is how long a session cookie stays valid; positive (default
	// 14 days).
	MaxAge time.Duration
}

// framework returns o as the framework takes it, for the sites built on
// the framework.
func (o Options) framework() framework.Options {
	return framework.Options{
		Templates:   o.Templates,
		Static:      o.Static,
		TemplatesFS: o.TemplatesFS,
		StaticFS:    o.StaticFS,
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

// entry is a registered site.
type entry struct {
	// new builds the application; db is the site's database, nil for a
	// site without migrations.
	new func(o Options, db *database.DB) (gateway.App, error)
	// migrations are the site's schema, nil for a site without a
	// database.
	migrations fs.FS
	// schema is the site whose migrations these are, under whose name
	// schema_migrations records them (one history per site, several
	// sites in one database); "" means the entry's own name. A site on
	// another's schema names it, so that switching between the two on
	// one database finds the schema where the other left it.
	schema string
}

// history returns the name e's migrations are recorded under, e being
// the site called name.
func (e entry) history(name string) string {
	if e.schema != "" {
		return e.schema
	}
	return name
}

var registry = map[string]entry{
	// raw is the lesson's application written straight on the gateway
	// contract, without the framework.
	"raw": {new: func(Options, *database.DB) (gateway.App, error) { return raw.App(), nil }},
	// demo is the lesson's pages on the framework: templates, live reload,
	// users and their watch lists in the database.
	"demo": {
		new: func(o Options, db *database.DB) (gateway.App, error) {
			return demo.New(o.framework(), db)
		},
		migrations: demo.Migrations,
	},
	// mount is a net/http ServeMux under /api/ next to the demo site, on
	// the demo's schema.
	"mount": {
		new: func(o Options, db *database.DB) (gateway.App, error) {
			return mount.New(o.framework(), db)
		},
		migrations: demo.Migrations,
		schema:     "demo",
	},
}

// Site is a built site: its application and what it holds open.
type Site struct {
	// App is the site's application.
	App gateway.App
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

// Build builds the site called name with o. For a site with a database it
// first opens the database at o.Database.URL and applies the site's
// migrations it lacks; an unreachable database, or one whose history of
// the site is newer than the site's migrations or differs from them, is an
// error naming the URL (its password redacted) and what failed. With o.Check (server -check) it migrates
// nothing: it opens the database when there is one, for Version to read,
// and leaves DB nil when an SQLite file does not exist yet.
func Build(ctx context.Context, name string, o Options) (*Site, error) {
	e, ok := registry[name]
	if !ok {
		return nil, fmt.Errorf("sites: no site %q (known: %v)", name, Names())
	}
	s := &Site{}
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
	app, err := e.new(o, s.DB)
	if err != nil {
		if s.DB != nil {
			s.DB.Close()
		}
		return nil, err
	}
	s.App = app
	return s, nil
}

// Migrate opens the database of the site called name and applies the
// migrations it lacks, then closes it: server -migrate. It returns the
// migrations applied, and the database's URL (password redacted) for the
// report; a site without a database is an error.
func Migrate(ctx context.Context, name string, o Options) (applied []database.Migration, url string, err error) {
	e, ok := registry[name]
	if !ok {
		return nil, "", fmt.Errorf("sites: no site %q (known: %v)", name, Names())
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
	current, latest, err = s.DB.Version(ctx, e.history(name), e.migrations)
	return current, latest, true, err
}

// migrate opens the database of e, the site called name, and applies its
// migrations.
func migrate(ctx context.Context, name string, e entry, o Options) (*database.DB, []database.Migration, error) {
	db, err := database.Open(ctx, o.Database.URL, o.Database.Dir, database.Options{MaxOpen: o.Database.MaxConns})
	if err != nil {
		return nil, nil, err
	}
	applied, err := db.Migrate(ctx, e.history(name), e.migrations)
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
