package database

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io/fs"
	"maps"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
)

// The errors of a database whose history of a site does not fit the site's
// migrations; Migrate and Version return them wrapped in a message
// that names the database, the site, the versions and what to do.
var (
	// ErrSchemaNewer: the database has migrations of the site above the
	// latest this build of the site knows; a newer release of the site
	// migrated it, and this one must not run on it.
	ErrSchemaNewer = errors.New("database: schema is newer than the site's migrations")
	// ErrHistoryDiffers: a migration of the site is recorded under another
	// name than this build's file of that version, or one this build does
	// not have below its latest: the two come from different histories.
	ErrHistoryDiffers = errors.New("database: schema history differs from the site's migrations")
)

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

// The history of the migrations is the table schema_migrations, one row
// per migration applied, keyed by the site whose migrations it belongs to
// and the version, so that several sites share one database, each with
// its own versions (as Django records migrations per app).
//
// Releases before per-site histories kept one history per database, with
// no site column: the first Migrate on such a database rebuilds the
// table, its rows under the site "" (unclaimed), and a site claims them,
// renaming them to its own, when it has none of its own yet and each
// unclaimed row is one of its migrations, same version and same name.
// Those rows were written by an earlier release of one site, and every
// later release of that site keeps them all; a site whose migrations do
// not contain them leaves them alone and starts its own history.
const historyTable = `CREATE TABLE IF NOT EXISTS schema_migrations (
	site       TEXT NOT NULL,
	version    BIGINT NOT NULL,
	name       TEXT NOT NULL,
	applied_at TEXT NOT NULL,
	PRIMARY KEY (site, version)
)`

// upgradeHistory turns the table of before per-site histories
// (version, name, applied_at) into historyTable, its rows unclaimed.
// PostgreSQL's renamed table keeps its key's index name, which the new
// table's key wants: the index is renamed first.
var upgradeHistory = map[Dialect][]string{
	SQLite: {
		`ALTER TABLE schema_migrations RENAME TO schema_migrations_before_sites`,
		historyTable,
		`INSERT INTO schema_migrations (site, version, name, applied_at)
SELECT '', version, name, applied_at FROM schema_migrations_before_sites`,
		`DROP TABLE schema_migrations_before_sites`,
	},
	Postgres: {
		`ALTER TABLE schema_migrations RENAME TO schema_migrations_before_sites`,
		`ALTER INDEX IF EXISTS schema_migrations_pkey RENAME TO schema_migrations_before_sites_pkey`,
		historyTable,
		`INSERT INTO schema_migrations (site, version, name, applied_at)
SELECT '', version, name, applied_at FROM schema_migrations_before_sites`,
		`DROP TABLE schema_migrations_before_sites`,
	},
}

// historyShapeQueries holds the queries that say whether schema_migrations
// exists, and whether it has the site column, as the database resolves
// the table's unqualified name.
var historyShapeQueries = map[Dialect][2]string{
	SQLite: {
		`SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name = 'schema_migrations'`,
		`SELECT COUNT(*) FROM pragma_table_info('schema_migrations') WHERE name = 'site'`,
	},
	Postgres: {
		`SELECT COUNT(*) FROM (SELECT to_regclass('schema_migrations') AS t) r WHERE t IS NOT NULL`,
		`SELECT COUNT(*) FROM pg_attribute WHERE attrelid = to_regclass('schema_migrations') AND attname = 'site' AND NOT attisdropped`,
	},
}

// migrateLock is the PostgreSQL advisory lock that makes instances starting
// together take turns to migrate: a number of our own ("miniweb" in hex,
// give or take).
const migrateLock = 0x6d696e69776562

// Migrate applies the migrations of fsys's root folder (see
// Migrations) that the database lacks for the site called site, in
// version order, each in its own transaction with its row in
// schema_migrations under site; it returns the ones it applied. Other
// sites' migrations in the same database are not its concern.
// Several processes may migrate at once: they take turns, and each
// migration is applied once. A database whose history of the site has a
// migration above fsys's latest ([ErrSchemaNewer]), or one that differs
// from fsys's ([ErrHistoryDiffers]), is refused before anything of the
// site is changed. The table of releases before per-site histories is
// upgraded first; see historyTable for whose its rows become.
func (db *DB) Migrate(ctx context.Context, site string, fsys fs.FS) ([]Migration, error) {
	if site == "" {
		return nil, fmt.Errorf(`database %s: Migrate needs the site's name: "" is kept for the history of releases before per-site histories`, db.URL)
	}
	return db.migrate(ctx, site, fsys)
}

// migrate is Migrate once the name is checked.
func (db *DB) migrate(ctx context.Context, site string, fsys fs.FS) ([]Migration, error) {
	ms, err := Migrations(fsys, db.Dialect)
	if err != nil {
		return nil, err
	}
	var applied map[int64]string
	if err := db.inTx(ctx, func(tx *sql.Tx) error {
		exists, perSite, err := db.historyShape(ctx, tx)
		if err != nil {
			return err
		}
		switch {
		case !exists:
			if _, err := tx.ExecContext(ctx, historyTable); err != nil {
				return err
			}
		case !perSite:
			for _, q := range upgradeHistory[db.Dialect] {
				if _, err := tx.ExecContext(ctx, q); err != nil {
					return fmt.Errorf("upgrading it to one history per site: %w", err)
				}
			}
		}
		var claim bool
		applied, claim, err = db.history(ctx, tx, site, true, ms)
		if err != nil || !claim {
			return err
		}
		_, err = tx.ExecContext(ctx, db.Rebind("UPDATE schema_migrations SET site = ? WHERE site = ''"), site)
		return err
	}); err != nil {
		return nil, fmt.Errorf("database %s: preparing schema_migrations for site %q: %w", db.URL, site, err)
	}
	if err := check(site, applied, ms); err != nil {
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
			q := db.Rebind("SELECT COUNT(*) FROM schema_migrations WHERE site = ? AND version = ?")
			if err := tx.QueryRowContext(ctx, q, site, m.Version).Scan(&n); err != nil || n > 0 {
				return err
			}
			if _, err := tx.ExecContext(ctx, m.SQL); err != nil {
				return err
			}
			q = db.Rebind("INSERT INTO schema_migrations (site, version, name, applied_at) VALUES (?, ?, ?, ?)")
			if _, err := tx.ExecContext(ctx, q, site, m.Version, m.Name, time.Now().UTC().Format(time.RFC3339)); err != nil {
				return err
			}
			ran = true
			return nil
		})
		if err != nil {
			return done, fmt.Errorf("database %s: site %q: migration %s: %w", db.URL, site, m.File, err)
		}
		if ran {
			done = append(done, m)
		}
	}
	return done, nil
}

// Version returns the highest migration of the site called site
// applied to the database (0 for none, or no schema_migrations table yet)
// and the highest in fsys. It changes nothing: on a database of before
// per-site histories it reads the rows the site would claim. A history
// that does not fit fsys is an error, as for Migrate
// ([ErrSchemaNewer], [ErrHistoryDiffers]), with current and latest set.
func (db *DB) Version(ctx context.Context, site string, fsys fs.FS) (current, latest int64, err error) {
	ms, err := Migrations(fsys, db.Dialect)
	if err != nil {
		return 0, 0, err
	}
	if len(ms) > 0 {
		latest = ms[len(ms)-1].Version
	}
	exists, perSite, err := db.historyShape(ctx, db.DB)
	if err != nil {
		return 0, latest, fmt.Errorf("database %s: reading schema_migrations: %w", db.URL, err)
	}
	if !exists {
		return 0, latest, nil
	}
	applied, _, err := db.history(ctx, db.DB, site, perSite, ms)
	if err != nil {
		return 0, latest, fmt.Errorf("database %s: reading schema_migrations: %w", db.URL, err)
	}
	for v := range applied {
		current = max(current, v)
	}
	if err := check(site, applied, ms); err != nil {
		return current, latest, fmt.Errorf("database %s: %w", db.URL, err)
	}
	return current, latest, nil
}

// querier is a *sql.DB or a *sql.Tx.
type querier interface {
	QueryContext(context.Context, string, ...any) (*sql.Rows, error)
	QueryRowContext(context.Context, string, ...any) *sql.Row
}

// historyShape says whether schema_migrations exists, and whether it is
// keyed by site (false: a table of before per-site histories).
func (db *DB) historyShape(ctx context.Context, q querier) (exists, perSite bool, err error) {
	queries := historyShapeQueries[db.Dialect]
	var tables, columns int
	if err := q.QueryRowContext(ctx, queries[0]).Scan(&tables); err != nil {
		return false, false, err
	}
	if tables == 0 {
		return false, false, nil
	}
	if err := q.QueryRowContext(ctx, queries[1]).Scan(&columns); err != nil {
		return false, false, err
	}
	return true, columns > 0, nil
}

// history returns the versions and names of site's migrations recorded in
// schema_migrations (perSite false: the table of before per-site
// histories, whose rows are all unclaimed). When site has none of its own
// it returns the unclaimed rows if site's migrations ms contain them all,
// with claim true: they are site's, to be renamed so.
func (db *DB) history(ctx context.Context, q querier, site string, perSite bool, ms []Migration) (applied map[int64]string, claim bool, err error) {
	rows := func(site string) (map[int64]string, error) {
		if !perSite {
			if site != "" {
				return map[int64]string{}, nil
			}
			return db.rows(ctx, q, "SELECT version, name FROM schema_migrations")
		}
		return db.rows(ctx, q, db.Rebind("SELECT version, name FROM schema_migrations WHERE site = ?"), site)
	}
	if applied, err = rows(site); err != nil || len(applied) > 0 || site == "" {
		return applied, false, err
	}
	unclaimed, err := rows("")
	if err != nil || len(unclaimed) == 0 {
		return applied, false, err
	}
	known := map[int64]string{}
	for _, m := range ms {
		known[m.Version] = m.Name
	}
	for v, name := range unclaimed {
		if k, ok := known[v]; !ok || k != name {
			return applied, false, nil
		}
	}
	return unclaimed, true, nil
}

// rows runs query, which selects version and name, and returns its rows.
func (db *DB) rows(ctx context.Context, q querier, query string, args ...any) (map[int64]string, error) {
	rows, err := q.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[int64]string{}
	for rows.Next() {
		var v int64
		var name string
		if err := rows.Scan(&v, &name); err != nil {
			return nil, err
		}
		out[v] = name
	}
	return out, rows.Err()
}

// historyError is the error of a history that does not fit a site's
// migrations: its text says what and what to do, and it unwraps to
// ErrSchemaNewer or ErrHistoryDiffers.
type historyError struct {
	kind error
	msg  string
}

func (e *historyError) Error() string { return e.msg }
func (e *historyError) Unwrap() error { return e.kind }

// check compares the migrations applied for site, by version, with the
// site's migrations ms, oldest first. A different history is reported
// before a newer one, at its lowest version:
//
//	site "demo": migration 2 was applied as "age", but this build of the site's file of version 2 is 0002_height.sql: ...
//	site "demo" is at schema version 5, but this build of the site knows up to 4 (0004_create_watchlist): ...
func check(site string, applied map[int64]string, ms []Migration) error {
	known := map[int64]Migration{}
	var latest Migration
	for _, m := range ms {
		known[m.Version] = m
		latest = m
	}
	versions := slices.Sorted(maps.Keys(applied))
	const differ = "the database and this build come from different histories of the site; run the release that migrated the database, or restore a backup made before it"
	var newer []string
	for _, v := range versions {
		name := applied[v]
		m, ok := known[v]
		switch {
		case ok && m.Name != name:
			return &historyError{ErrHistoryDiffers, fmt.Sprintf("site %q: migration %d was applied as %q, but this build of the site's file of version %d is %s: %s",
				site, v, name, v, m.File, differ)}
		case !ok && v < latest.Version:
			return &historyError{ErrHistoryDiffers, fmt.Sprintf("site %q: migration %d was applied as %q, but this build of the site has no migration %d: %s",
				site, v, name, v, differ)}
		case !ok:
			newer = append(newer, fmt.Sprintf("%d (%s)", v, name))
		}
	}
	if len(newer) == 0 {
		return nil
	}
	knows := "knows no migrations"
	if latest.Version > 0 {
		knows = fmt.Sprintf("knows up to %d (%04d_%s)", latest.Version, latest.Version, latest.Name)
	}
	return &historyError{ErrSchemaNewer, fmt.Sprintf("site %q is at schema version %d, but this build of the site %s: the database was migrated by a newer release of the site, which applied %s; run that release, or restore a backup made before it",
		site, versions[len(versions)-1], knows, strings.Join(newer, ", "))}
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
