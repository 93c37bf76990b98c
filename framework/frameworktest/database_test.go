package frameworktest

import (
	"path/filepath"
	"strings"
	"testing"
	"testing/fstest"
)

// TestSQLite: a migrated database of its own for each test, in the test's
// folder; bad names and migrations fail the test with what failed.
func TestSQLite(t *testing.T) {
	db := SQLite(t, "notes", siteMigrations)
	var n int
	if err := db.QueryRow("SELECT COUNT(*) FROM schema_migrations").Scan(&n); err != nil || n != 2 {
		t.Fatalf("schema_migrations: %d rows, %v; want 2", n, err)
	}
	if _, err := db.Exec("INSERT INTO notes (author, text) VALUES ('ada', 'x')"); err != nil {
		t.Fatal(err)
	}
	if filepath.Base(db.Path) != "notes.db" {
		t.Errorf("Path %q; want a file notes.db", db.Path)
	}
	if other := SQLite(t, "notes", siteMigrations); other.Path == db.Path {
		t.Errorf("two databases share %s", db.Path)
	}

	tests := []struct {
		name, site string
		fsys       fstest.MapFS
		want       string // in the failure
	}{
		{"empty_name", "", siteMigrations, `site name ""`},
		{"path_in_name", "../demo", siteMigrations, `site name "../demo"`},
		{"dot_dot", "..", siteMigrations, `site name ".."`},
		{"misnamed_migration", "x", fstest.MapFS{"users.sql": {Data: []byte("CREATE TABLE u (a)")}}, `migration file "users.sql"`},
		{"bad_sql", "x", fstest.MapFS{"0001_bad.sql": {Data: []byte("CREATE TABEL u (a)")}}, "0001_bad.sql"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ft := &fakeT{TB: t}
			ft.run(func() { SQLite(ft, tt.site, tt.fsys) })
			if !strings.Contains(ft.fatal, tt.want) || !strings.Contains(ft.fatal, "frameworktest: SQLite") {
				t.Errorf("failure %q; want one with %q", ft.fatal, tt.want)
			}
		})
	}
}
