package database

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io/fs"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
)

// ErrSchemaNewer is returned by Migrate when the database has migrations
// the binary does not know: it was migrated by a newer release, and this
// one must not run on it.
var ErrSchemaNewer = errors.New("database: schema is newer than this binary")

// Migration is one versioned change of the schema.
type Migration struct {
	// Version orders the migrations; positive, unique.
	Version int64
	// Name is what the file says it does: "init" of 0001_init.sql.
	Name string
	// File is the file it was read from.
	File string
	// SQL is the file's statements, run in one transaction.
	SQL string
}

// migrationName is NNNN_name.sql, or NNNN_name.DIALECT.sql.
var migrationName = regexp.MustCompile(`^(\d+)_([a-z0-9_]+?)(?:\.(sqlite|postgres))?\.sql$`)

// Migrations reads the migrations of fsys's root folder for dialect d,
// ordered by version. For each version it takes the file written for d
// (0002_x.postgres.sql) over the plain one (0002_x.sql). Files whose names
// do not match NNNN_name[.dialect].sql are an error, so that a misnamed
// migration is never skipped silently.
func Migrations(fsys fs.FS, d Dialect) ([]Migration, error) {
	entries, err := fs.ReadDir(fsys, ".")
	if err != nil {
		return nil, fmt.Errorf("database: reading migrations: %w", err)
	}
	type found struct {
		m       Migration
		dialect string // "" for the plain file
	}
	byVersion := map[int64][]found{}
	for _, e := range entries {
		if e.IsDir() {
			continue
		}
		parts := migrationName.FindStringSubmatch(e.Name())
		if parts == nil {
			return nil, fmt.Errorf("database: migration file %q: want a name like 0001_create_users.sql or 0001_create_users.postgres.sql", e.Name())
		}
		v, err := strconv.ParseInt(parts[1], 10, 64)
		if err != nil || v <= 0 {
			return nil, fmt.Errorf("database: migration file %q: version must be a positive number", e.Name())
		}
		body, err := fs.ReadFile(fsys, e.Name())
		if err != nil {
			return nil, fmt.Errorf("database: reading migration: %w", err)
		}
		byVersion[v] = append(byVersion[v], found{Migration{v, parts[2], e.Name(), string(body)}, parts[3]})
	}
	var out []Migration
	for v, fs := range byVersion {
		var plain, own *Migration
		for i := range fs {
			if fs[i].m.Name != fs[0].m.Name {
				return nil, fmt.Errorf("database: migration %d has two names: %s and %s", v, fs[0].m.File, fs[i].m.File)
			}
			switch fs[i].dialect {
			case "":
				plain = &fs[i].m
			case string(d):
				own = &fs[i].m
			}
		}
		switch {
		case own != nil:
			out = append(out, *own)
		case plain != nil:
			out = append(out, *plain)
		default:
			return nil, fmt.Errorf("database: migration %d (%s) has no file for %s: add %04d_%s.sql or %04d_%s.%s.sql",
				v, fs[0].m.File, d, v, fs[0].m.Name, v, fs[0].m.Name, d)
		}
	}
	slices.SortFunc(out, func(a, b Migration) int { return int(a.Version - b.Version) })
	return out, nil
}

// schemaTable records the applied migrations.
const schemaTable = `CREATE TABLE IF NOT EXISTS schema_migrations (
	version    BIGINT PRIMARY KEY,
	name       TEXT NOT NULL,
	applied_at TEXT NOT NULL
)`

// migrateLock is the PostgreSQL advisory lock that makes instances starting
// together take turns to migrate: a number of our own ("miniweb" in hex,
// give or take).
const migrateLock = 0x6d696e69776562

// Migrate applies the migrations of fsys's root folder (see Migrations)
// that the database lacks, in version order, each in its own transaction
// with its row in schema_migrations; it returns the ones it applied.
// Several processes may migrate at once: they take turns, and each
// migration is applied once. A database that has a migration fsys lacks,
// or one of the same version under another name, is refused with
// ErrSchemaNewer or a mismatch error, before anything is changed.
func (db *DB) Migrate(ctx context.Context, fsys fs.FS) ([]Migration, error) {
	ms, err := Migrations(fsys, db.Dialect)
	if err != nil {
		return nil, err
	}
	if err := db.inTx(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, schemaTable)
		return err
	}); err != nil {
		return nil, fmt.Errorf("database %s: creating schema_migrations: %w", db.URL, err)
	}
	applied, err := db.applied(ctx, db.DB)
	if err != nil {
		return nil, err
	}
	if err := check(applied, ms); err != nil {
		return nil, fmt.Errorf("database %s: %w", db.URL, err)
	}
	var done []Migration
	for _, m := range ms {
		if _, ok := applied[m.Version]; ok {
			continue
		}
		ran := false
		err := db.inTx(ctx, func(tx *sql.Tx) error {
			// Another process may have applied it since we looked.
			var n int
			q := db.Rebind("SELECT COUNT(*) FROM schema_migrations WHERE version = ?")
			if err := tx.QueryRowContext(ctx, q, m.Version).Scan(&n); err != nil || n > 0 {
				return err
			}
			if _, err := tx.ExecContext(ctx, m.SQL); err != nil {
				return err
			}
			q = db.Rebind("INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)")
			if _, err := tx.ExecContext(ctx, q, m.Version, m.Name, time.Now().UTC().Format(time.RFC3339)); err != nil {
				return err
			}
			ran = true
			return nil
		})
		if err != nil {
			return done, fmt.Errorf("database %s: migration %s: %w", db.URL, m.File, err)
		}
		if ran {
			done = append(done, m)
		}
	}
	return done, nil
}

// Version returns the highest migration applied to the database (0 for
// none, or no schema_migrations table yet) and the highest in fsys.
func (db *DB) Version(ctx context.Context, fsys fs.FS) (current, latest int64, err error) {
	ms, err := Migrations(fsys, db.Dialect)
	if err != nil {
		return 0, 0, err
	}
	if len(ms) > 0 {
		latest = ms[len(ms)-1].Version
	}
	applied, err := db.applied(ctx, db.DB)
	if err != nil {
		// No table: nothing applied. Any other failure shows on the
		// next query too; say it here.
		if _, e := db.ExecContext(ctx, "SELECT 1"); e != nil {
			return 0, latest, fmt.Errorf("database %s: %w", db.URL, e)
		}
		return 0, latest, nil
	}
	for v := range applied {
		current = max(current, v)
	}
	return current, latest, nil
}

// applied returns the versions in schema_migrations and their names.
func (db *DB) applied(ctx context.Context, q interface {
	QueryContext(context.Context, string, ...any) (*sql.Rows, error)
}) (map[int64]string, error) {
	rows, err := q.QueryContext(ctx, "SELECT version, name FROM schema_migrations")
	if err != nil {
		return nil, fmt.Errorf("database %s: reading schema_migrations: %w", db.URL, err)
	}
	defer rows.Close()
	out := map[int64]string{}
	for rows.Next() {
		var v int64
		var name string
		if err := rows.Scan(&v, &name); err != nil {
			return nil, fmt.Errorf("database %s: reading schema_migrations: %w", db.URL, err)
		}
		out[v] = name
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("database %s: reading schema_migrations: %w", db.URL, err)
	}
	return out, nil
}

// check compares what the database has applied with the binary's
// migrations ms.
func check(applied map[int64]string, ms []Migration) error {
	known := map[int64]string{}
	var latest int64
	for _, m := range ms {
		known[m.Version] = m.Name
		latest = max(latest, m.Version)
	}
	var unknown []string
	for v, name := range applied {
		k, ok := known[v]
		switch {
		case !ok:
			unknown = append(unknown, fmt.Sprintf("%d (%s)", v, name))
		case k != name:
			return fmt.Errorf("migration %d was applied as %q, but this binary's is %q: the database and the binary come from different histories", v, name, k)
		}
	}
	if len(unknown) > 0 {
		slices.Sort(unknown)
		return fmt.Errorf("%w: it has migration %s, this binary knows up to %d; run the newer release, or restore a backup taken before it",
			ErrSchemaNewer, strings.Join(unknown, ", "), latest)
	}
	return nil
}

// inTx runs f in a transaction that holds the migration lock: SQLite's
// write lock (transactions begin IMMEDIATE), PostgreSQL's advisory lock.
func (db *DB) inTx(ctx context.Context, f func(*sql.Tx) error) error {
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	if db.Dialect == Postgres {
		if _, err := tx.ExecContext(ctx, "SELECT pg_advisory_xact_lock($1)", int64(migrateLock)); err != nil {
			return err
		}
	}
	if err := f(tx); err != nil {
		return err
	}
	return tx.Commit()
}
