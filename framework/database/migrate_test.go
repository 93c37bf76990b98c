package database

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"testing/fstest"
)

func file(s string) *fstest.MapFile { return &fstest.MapFile{Data: []byte(s)} }

func TestMigrations(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		files fstest.MapFS
		d     Dialect
		want  []string // files chosen, in order
		err   string   // else a part of the error
	}{
		{name: "ordered", d: SQLite, files: fstest.MapFS{
			"0002_b.sql": file("B"), "0001_a.sql": file("A"), "0010_c.sql": file("C"),
		}, want: []string{"0001_a.sql", "0002_b.sql", "0010_c.sql"}},
		{name: "dialect_wins", d: Postgres, files: fstest.MapFS{
			"0001_a.sql": file("A"), "0001_a.postgres.sql": file("PA"), "0002_b.sqlite.sql": file("SB"), "0002_b.postgres.sql": file("PB"),
		}, want: []string{"0001_a.postgres.sql", "0002_b.postgres.sql"}},
		{name: "plain_for_other", d: SQLite, files: fstest.MapFS{
			"0001_a.sql": file("A"), "0001_a.postgres.sql": file("PA"),
		}, want: []string{"0001_a.sql"}},
		{name: "subfolders_ignored", d: SQLite, files: fstest.MapFS{
			"0001_a.sql": file("A"), "old/README": file("x"),
		}, want: []string{"0001_a.sql"}},
		{name: "empty", d: SQLite, files: fstest.MapFS{}, want: nil},

		{name: "bad_name", d: SQLite, files: fstest.MapFS{"init.sql": file("A")}, err: `migration file "init.sql"`},
		{name: "zero_version", d: SQLite, files: fstest.MapFS{"0000_a.sql": file("A")}, err: "positive"},
		{name: "unknown_dialect", d: SQLite, files: fstest.MapFS{"0001_a.mysql.sql": file("A")}, err: `migration file "0001_a.mysql.sql"`},
		{name: "two_names", d: SQLite, files: fstest.MapFS{"0001_a.sql": file("A"), "0001_b.sql": file("B")}, err: "two names"},
		{name: "missing_dialect", d: SQLite, files: fstest.MapFS{"0001_a.postgres.sql": file("A")},
			err: "migration 1 (0001_a.postgres.sql) has no file for sqlite: add 0001_a.sql or 0001_a.sqlite.sql"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ms, err := Migrations(tt.files, tt.d)
			if tt.err != "" {
				if err == nil || !strings.Contains(err.Error(), tt.err) {
					t.Fatalf("Migrations = %v, %v; want an error with %q", ms, err, tt.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, m := range ms {
				got = append(got, m.File)
				if string(tt.files[m.File].Data) != m.SQL {
					t.Errorf("%s: SQL %q, want the file's", m.File, m.SQL)
				}
			}
			if strings.Join(got, " ") != strings.Join(tt.want, " ") {
				t.Errorf("Migrations = %v, want %v", got, tt.want)
			}
		})
	}
}

// schema is a small history: two migrations, the second with a statement
// per dialect, several statements in one file.
var schema = fstest.MapFS{
	"0001_people.sql": file(`CREATE TABLE people (name TEXT PRIMARY KEY);
INSERT INTO people (name) VALUES ('ada');`),
	"0002_age.sqlite.sql":   file(`ALTER TABLE people ADD COLUMN age INTEGER NOT NULL DEFAULT 0;`),
	"0002_age.postgres.sql": file(`ALTER TABLE people ADD COLUMN age BIGINT NOT NULL DEFAULT 0;`),
}

func withFile(fsys fstest.MapFS, name, body string) fstest.MapFS {
	out := fstest.MapFS{}
	for k, v := range fsys {
		out[k] = v
	}
	out[name] = file(body)
	return out
}

func TestMigrate(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	backends(t, func(t *testing.T, db *DB, _ string) {
		if cur, latest, err := db.Version(ctx, "test", schema); err != nil || cur != 0 || latest != 2 {
			t.Errorf("Version of a new database = %d, %d, %v; want 0, 2, nil", cur, latest, err)
		}
		done, err := db.Migrate(ctx, "test", schema)
		if err != nil {
			t.Fatal(err)
		}
		if len(done) != 2 || done[0].Version != 1 || done[1].Version != 2 {
			t.Fatalf("Migrate applied %v, want 1 and 2", done)
		}
		var age int
		if err := db.QueryRowContext(ctx, db.Rebind("SELECT age FROM people WHERE name = ?"), "ada").Scan(&age); err != nil {
			t.Fatalf("the migrated table: %v", err)
		}
		// Again: nothing to do.
		if done, err := db.Migrate(ctx, "test", schema); err != nil || len(done) != 0 {
			t.Errorf("second Migrate = %v, %v; want nothing applied", done, err)
		}
		if cur, latest, err := db.Version(ctx, "test", schema); err != nil || cur != 2 || latest != 2 {
			t.Errorf("Version = %d, %d, %v; want 2, 2, nil", cur, latest, err)
		}

		// A failing migration changes nothing: its table is not made, and
		// it is not recorded.
		bad := withFile(schema, "0003_broken.sql", "CREATE TABLE pets (name TEXT);\nINSERT INTO nowhere VALUES (1);")
		if _, err := db.Migrate(ctx, "test", bad); err == nil || !strings.Contains(err.Error(), "migration 0003_broken.sql") {
			t.Errorf("Migrate with a broken migration: %v; want an error naming it", err)
		}
		if _, err := db.ExecContext(ctx, "SELECT * FROM pets"); err == nil {
			t.Error("the broken migration's table exists: it was not rolled back")
		}
		if cur, _, _ := db.Version(ctx, "test", bad); cur != 2 {
			t.Errorf("version after the broken migration = %d, want 2", cur)
		}

		// A binary that knows less than the database refuses it.
		older := fstest.MapFS{"0001_people.sql": schema["0001_people.sql"]}
		_, err = db.Migrate(ctx, "test", older)
		if !errors.Is(err, ErrSchemaNewer) || !strings.Contains(err.Error(), "2 (age)") || !strings.Contains(err.Error(), "knows up to 1") {
			t.Errorf("Migrate with an older binary: %v; want ErrSchemaNewer naming 2 (age) and 1", err)
		}
		// One whose history differs too.
		other := fstest.MapFS{"0001_people.sql": schema["0001_people.sql"], "0002_height.sql": file("SELECT 1")}
		if _, err := db.Migrate(ctx, "test", other); err == nil || !strings.Contains(err.Error(), `applied as "age"`) {
			t.Errorf("Migrate with another history: %v; want a mismatch naming age", err)
		}
	})
}

// TestMigrateConcurrent starts several migrations of one database at once,
// as instances starting together do: each migration runs exactly once, and
// none of them fails.
func TestMigrateConcurrent(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	backends(t, func(t *testing.T, first *DB, url string) {
		counter := withFile(schema, "0003_count.sql", "CREATE TABLE runs (n INTEGER);\nINSERT INTO runs (n) VALUES (1);")
		const n = 6
		var wg sync.WaitGroup
		applied := make([]int, n)
		errs := make([]error, n)
		for i := range n {
			wg.Go(func() {
				// A pool of its own, as another process has.
				db, err := Open(ctx, url, "", Options{})
				if err != nil {
					errs[i] = err
					return
				}
				defer db.Close()
				done, err := db.Migrate(ctx, "test", counter)
				applied[i], errs[i] = len(done), err
			})
		}
		wg.Wait()
		total := 0
		for i := range n {
			if errs[i] != nil {
				t.Errorf("migrator %d: %v", i, errs[i])
			}
			total += applied[i]
		}
		if total != 3 {
			t.Errorf("%d migrations applied in all, want 3 (each once)", total)
		}
		var runs int
		if err := first.QueryRowContext(ctx, "SELECT COUNT(*) FROM runs").Scan(&runs); err != nil || runs != 1 {
			t.Errorf("rows in runs = %d, %v; want 1", runs, err)
		}
	})
}
