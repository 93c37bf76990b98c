package frameworktest

import (
	"context"
	"io/fs"
	"path/filepath"
	"strings"
	"testing"

	"github.com/miniweb/miniweb/framework/database"
)

// SQLite returns a throwaway SQLite database for the site called site
// (such as "demo"), in a file of t.TempDir(), with migrations applied (the
// site's NNNN_name.sql files, as for database.DB.Migrate); it is closed
// when the test ends:
//
//	db := frameworktest.SQLite(t, "demo", demo.Migrations)
//
// A site name that is empty or holds a path separator, or a migration
// that fails, fails the test, with the file and the error.
func SQLite(t testing.TB, site string, migrations fs.FS) *database.DB {
	t.Helper()
	if site == "" || site == "." || site == ".." || strings.ContainsAny(site, `/\`) {
		t.Fatalf("frameworktest: SQLite: site name %q: want a name such as \"demo\"", site)
	}
	path := filepath.Join(t.TempDir(), site+".db")
	db, err := database.Open(context.Background(), "sqlite:"+path, "", database.Options{})
	if err != nil {
		t.Fatalf("frameworktest: SQLite for site %s: %v", site, err)
	}
	t.Cleanup(func() { db.Close() }) // before TempDir's removal: cleanups run last first
	if _, err := migrate(context.Background(), db, site, migrations); err != nil {
		t.Fatalf("frameworktest: SQLite for site %s: migrating: %v", site, err)
	}
	return db
}

// migrate applies the site's migrations to db, recorded under its name.
func migrate(ctx context.Context, db *database.DB, site string, fsys fs.FS) ([]database.Migration, error) {
	return db.Migrate(ctx, site, fsys)
}
