package database

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/miniweb/miniweb/framework/database/databasetest"
)

func TestMain(m *testing.M) { databasetest.Main(m) }

func TestRedact(t *testing.T) {
	t.Parallel()
	tests := []struct{ in, want string }{
		{"sqlite:data/miniweb.db", "sqlite:data/miniweb.db"},
		{"sqlite:/var/lib/a b.db", "sqlite:/var/lib/a b.db"},
		{"postgres://app:s3cret@db:5432/app?sslmode=disable", "postgres://app:xxxxx@db:5432/app?sslmode=disable"},
		{"postgres://app@db/app", "postgres://app@db/app"},
		{"postgres://db/app?user=app&password=s3cret", "postgres://db/app?password=xxxxx&user=app"},
		{"postgres://app:s3cret@db:5432/app%zz", "(unparsable database URL)"},
	}
	for _, tt := range tests {
		if got := Redact(tt.in); got != tt.want {
			t.Errorf("Redact(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

// TestOpenErrors checks that a URL Open cannot use, or a database it
// cannot reach, is an error naming the URL without its password, and
// saying what failed.
func TestOpenErrors(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	dir := t.TempDir()
	file := filepath.Join(dir, "file")
	if err := os.WriteFile(file, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, url string
		want      []string // each in the error
	}{
		{"not_a_url", "data.db", []string{"database data.db:", "not a database URL"}},
		{"unknown_kind", "mysql://root:s3cret@db/app", []string{"database mysql://root:xxxxx@db/app:", `unknown database kind "mysql"`}},
		{"sqlite_empty", "sqlite:", []string{"sqlite URL has no path"}},
		{"sqlite_memory", "sqlite::memory:", []string{"must name a file"}},
		{"sqlite_query", "sqlite:a.db?mode=ro", []string{"must not contain '?'"}},
		{"sqlite_folder_is_file", "sqlite:" + filepath.Join(file, "x.db"), []string{"cannot create its folder"}},
		{"postgres_no_host", "postgres://u:s3cret@/app", []string{"database postgres://u:xxxxx@/app:", "no host"}},
		// Port 1 on loopback: nothing listens, the connection is refused.
		{"postgres_refused", "postgres://app:s3cret@127.0.0.1:1/app?sslmode=disable",
			[]string{"database postgres://app:xxxxx@127.0.0.1:1/app?sslmode=disable: cannot connect:", "refused"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			db, err := Open(ctx, tt.url, dir, Options{})
			if err == nil {
				db.Close()
				t.Fatalf("Open(%q) = nil error", tt.url)
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("Open(%q) error %q lacks %q", tt.url, err, w)
				}
			}
			if strings.Contains(err.Error(), "s3cret") {
				t.Errorf("Open(%q) error shows the password: %s", tt.url, err)
			}
		})
	}
}

// TestOpenSQLite checks that a relative path lands in dir, its folder is
// made, and the connection has the settings concurrent writers need.
func TestOpenSQLite(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	dir := t.TempDir()
	db, err := Open(ctx, "sqlite:data/sub/app.db", dir, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if want := filepath.Join(dir, "data", "sub", "app.db"); db.Path != want || db.Dialect != SQLite {
		t.Errorf("Path, Dialect = %q, %q; want %q, sqlite", db.Path, db.Dialect, want)
	}
	if _, err := os.Stat(db.Path); err != nil {
		t.Errorf("the database file: %v", err)
	}
	for pragma, want := range map[string]string{"journal_mode": "wal", "busy_timeout": "10000", "foreign_keys": "1", "synchronous": "1"} {
		var got string
		if err := db.QueryRowContext(ctx, "PRAGMA "+pragma).Scan(&got); err != nil {
			t.Fatalf("PRAGMA %s: %v", pragma, err)
		}
		if got != want {
			t.Errorf("PRAGMA %s = %q, want %q", pragma, got, want)
		}
	}
}

// backends opens an empty database of each kind, in parallel subtests:
// SQLite always, PostgreSQL when the machine has it (see
// databasetest.NewDatabase).
func backends(t *testing.T, f func(t *testing.T, db *DB, url string)) {
	t.Run("sqlite", func(t *testing.T) {
		t.Parallel()
		url := "sqlite:" + filepath.Join(t.TempDir(), "t.db")
		db, err := Open(context.Background(), url, "", Options{})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { db.Close() })
		f(t, db, url)
	})
	t.Run("postgres", func(t *testing.T) {
		t.Parallel()
		url := databasetest.NewDatabase(t)
		db, err := Open(context.Background(), url, "", Options{})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { db.Close() })
		f(t, db, url)
	})
}

// TestUnavailable checks which errors mean "the database is not there"
// (503) and which mean "the query was wrong" (500), from real failures.
func TestUnavailable(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	backends(t, func(t *testing.T, db *DB, _ string) {
		_, err := db.ExecContext(ctx, "SELEC 1")
		if err == nil || Unavailable(err) {
			t.Errorf("syntax error %v: Unavailable = true, want false", err)
		}
		_, err = db.ExecContext(ctx, "SELECT * FROM no_such_table")
		if err == nil || Unavailable(err) {
			t.Errorf("missing table %v: Unavailable = true, want false", err)
		}
		cctx, cancel := context.WithTimeout(ctx, 0)
		defer cancel()
		_, err = db.ExecContext(cctx, "SELECT 1")
		if err == nil || !Unavailable(err) {
			t.Errorf("timed out %v: Unavailable = false, want true", err)
		}
	})
	if Unavailable(nil) || Unavailable(errors.New("some error")) {
		t.Error("Unavailable of nil or a plain error = true")
	}
}

// TestPostgresLost stops the PostgreSQL server under an open pool: the
// queries fail as Unavailable, and succeed again once it is back, on the
// same *DB.
func TestPostgresLost(t *testing.T) {
	t.Parallel()
	c := databasetest.Private(t)
	ctx := context.Background()
	url, err := c.CreateDatabase(ctx, "lost")
	if err != nil {
		t.Fatal(err)
	}
	db, err := Open(ctx, url, "", Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	one := func() error {
		var n int
		return db.QueryRowContext(ctx, "SELECT 1").Scan(&n)
	}
	if err := one(); err != nil {
		t.Fatal(err)
	}
	if err := c.Stop(); err != nil {
		t.Fatal(err)
	}
	for i := range 3 { // the pooled connection dies, then new ones are refused
		err := one()
		if err == nil || !Unavailable(err) {
			t.Errorf("query %d with the server stopped: %v; want an error for which Unavailable is true", i+1, err)
		}
	}
	if err := c.Start(); err != nil {
		t.Fatal(err)
	}
	if err := one(); err != nil {
		t.Errorf("query after the server is back: %v", err)
	}
}
