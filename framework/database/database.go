package database

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // registers driver "pgx"
	_ "modernc.org/sqlite"             // registers driver "sqlite"
)

// Dialect is the kind of database behind a DB.
type Dialect string

// The dialects Open understands.
const (
	SQLite   Dialect = "sqlite"
	Postgres Dialect = "postgres"
)

// Options tunes the connection pool of Open. The zero value is good.
type Options struct {
	// MaxOpen bounds the open connections of the pool; 0 means the
	// dialect's default: for SQLite 2 per CPU, at least 4 (readers run in
	// parallel, writers take turns); for PostgreSQL 20, so that several
	// instances stay under the server's max_connections (100 by default).
	MaxOpen int
	// BusyTimeout is how long an SQLite writer waits for another's lock
	// before failing; 0 means 10 s. Unused by PostgreSQL.
	BusyTimeout time.Duration
}

// DB is an open database: a *sql.DB and what kind it is.
type DB struct {
	*sql.DB
	// Dialect is SQLite or Postgres.
	Dialect Dialect
	// URL is the URL it was opened with, its password replaced by "xxxxx"
	// (see Redact): fit for logs and error messages.
	URL string
	// Path is the SQLite file's absolute path; "" for PostgreSQL.
	Path string

	stmts stmts // of Prepared, closed by Close
}

// pingTimeout bounds Open's first contact with the database.
const pingTimeout = 10 * time.Second

// Open opens the database at rawURL and checks that it answers. A relative
// SQLite path is taken relative to dir (the config file's folder), and its
// folder is created when missing. Errors name the URL, its password
// redacted, and what failed.
func Open(ctx context.Context, rawURL, dir string, o Options) (*DB, error) {
	redacted := Redact(rawURL)
	d, dsn, path, err := dataSource(rawURL, dir, o)
	if err != nil {
		return nil, fmt.Errorf("database %s: %w", redacted, err)
	}
	if path != "" {
		if err := os.MkdirAll(filepath.Dir(path), 0o750); err != nil {
			return nil, fmt.Errorf("database %s: cannot create its folder: %w", redacted, err)
		}
	}
	driver := map[Dialect]string{SQLite: "sqlite", Postgres: "pgx"}[d]
	sdb, err := sql.Open(driver, dsn)
	if err != nil {
		return nil, fmt.Errorf("database %s: %w", redacted, err)
	}
	pool(sdb, d, o)
	ctx, cancel := context.WithTimeout(ctx, pingTimeout)
	defer cancel()
	if err := sdb.PingContext(ctx); err != nil {
		sdb.Close()
		return nil, fmt.Errorf("database %s: cannot connect: %w", redacted, err)
	}
	return &DB{DB: sdb, Dialect: d, URL: redacted, Path: path}, nil
}

// dataSource parses rawURL into its dialect, the driver's data source name
// and, for SQLite, the file's absolute path.
func dataSource(rawURL, dir string, o Options) (d Dialect, dsn, path string, err error) {
	scheme, rest, ok := strings.Cut(rawURL, ":")
	if !ok {
		return "", "", "", errors.New(`not a database URL: want "sqlite:PATH" or "postgres://user:pass@host:port/db"`)
	}
	switch strings.ToLower(scheme) {
	case "sqlite":
		path, err = sqlitePath(rest, dir)
		if err != nil {
			return "", "", "", err
		}
		busy := o.BusyTimeout
		if busy <= 0 {
			busy = 10 * time.Second
		}
		q := url.Values{}
		q.Add("_pragma", fmt.Sprintf("busy_timeout(%d)", busy.Milliseconds()))
		q.Add("_pragma", "journal_mode(WAL)")
		q.Add("_pragma", "synchronous(NORMAL)")
		q.Add("_pragma", "foreign_keys(1)")
		q.Set("_txlock", "immediate")
		return SQLite, "file:" + path + "?" + q.Encode(), path, nil
	case "postgres", "postgresql":
		u, err := url.Parse(rawURL)
		if err != nil {
			return "", "", "", errors.New("not a valid PostgreSQL URL")
		}
		if u.Host == "" {
			return "", "", "", errors.New("PostgreSQL URL has no host: want postgres://user:pass@host:port/db")
		}
		return Postgres, rawURL, "", nil
	}
	return "", "", "", fmt.Errorf("unknown database kind %q: want sqlite or postgres", scheme)
}

// sqlitePath resolves the PATH of "sqlite:PATH" against dir.
func sqlitePath(p, dir string) (string, error) {
	p = strings.TrimPrefix(p, "//") // sqlite:///abs/path and sqlite://rel/path, as others write them
	switch {
	case p == "":
		return "", errors.New(`sqlite URL has no path: want "sqlite:PATH", such as sqlite:data/miniweb.db`)
	case p == ":memory:" || strings.HasPrefix(p, "file:"):
		return "", errors.New("sqlite URL must name a file: an in-memory database would be one per connection")
	case strings.ContainsAny(p, "?#\x00"):
		return "", errors.New("sqlite path must not contain '?', '#' or NUL")
	}
	if !filepath.IsAbs(p) {
		p = filepath.Join(dir, p)
	}
	return filepath.Abs(p)
}

// pool sizes the connection pool for the dialect.
func pool(db *sql.DB, d Dialect, o Options) {
	n := o.MaxOpen
	if n <= 0 {
		switch d {
		case SQLite:
			n = max(4, 2*runtime.GOMAXPROCS(0))
		default:
			n = 20
		}
	}
	db.SetMaxOpenConns(n)
	db.SetMaxIdleConns(n)
	// Connections are cheap to keep and costly to open (TLS, auth); but a
	// PostgreSQL restart leaves dead ones, which database/sql replaces on
	// their first failure (driver.ErrBadConn) or when they age out.
	db.SetConnMaxIdleTime(5 * time.Minute)
}

// Redact returns rawURL with its password, in the user part or in a
// password query parameter, replaced by "xxxxx".
func Redact(rawURL string) string {
	if scheme, _, _ := strings.Cut(rawURL, ":"); strings.EqualFold(scheme, "sqlite") {
		return rawURL // a path: nothing secret, and kept as written
	}
	u, err := url.Parse(rawURL)
	if err != nil || u.Opaque != "" {
		// Not hierarchical (sqlite:PATH), or not parseable: nothing that
		// looks like a password may pass.
		if strings.Contains(rawURL, "@") {
			return "(unparsable database URL)"
		}
		return rawURL
	}
	q := u.Query()
	if q.Has("password") {
		q.Set("password", "xxxxx")
		u.RawQuery = q.Encode()
	}
	return u.Redacted()
}
