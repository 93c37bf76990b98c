// Package database opens a site's SQL database from a URL and keeps its
// schema up to date with versioned migrations. Sites use the result through
// database/sql; the server knows nothing of it.
//
// Two kinds of URL are understood:
//
//	sqlite:data/miniweb.db                        an SQLite file (pure Go, no cgo);
//	                                              a relative path is relative to
//	                                              the folder Open is given
//	postgres://user:pass@host:5432/db?sslmode=…   PostgreSQL, through pgx
//
// SQLite runs in WAL mode with a busy timeout, and transactions take the
// write lock when they begin (BEGIN IMMEDIATE), so that concurrent writers
// wait their turn instead of failing with "database is locked".
//
// Queries are written once, with ? placeholders; [DB.Rebind] turns them
// into PostgreSQL's $1, $2, … where needed:
//
//	db, err := database.Open(ctx, "sqlite:data/app.db", configDir, database.Options{})
//	...
//	if _, err := db.Migrate(ctx, "blog", migrationsFS); err != nil { ... }
//	row := db.QueryRowContext(ctx, db.Rebind("SELECT name FROM users WHERE id = ?"), id)
//
// A query run on every request is better made once with [DB.Prepared]: a
// [Stmt], rebound, prepared on its first use and reused after, on every
// connection of the pool, and closed with the DB:
//
//	userName := db.Prepared("SELECT name FROM users WHERE id = ?") // once, at start
//	err := userName.QueryRowContext(ctx, id).Scan(&name)             // per request
//
// Migrations are SQL files named NNNN_name.sql, applied in version order,
// each in its own transaction, and recorded in the table schema_migrations
// under the site's name: each site has its own history, so several sites
// share one database, each with its own versions. Where the two databases
// need different SQL, NNNN_name.sqlite.sql and NNNN_name.postgres.sql take
// the plain file's place. A database whose history of the site is ahead of
// the site's migrations ([ErrSchemaNewer]), or differs from them
// ([ErrHistoryDiffers]), is refused with a message that names the site,
// the versions and what to do:
//
//	database sqlite:/srv/miniweb.db: site "demo" is at schema version 5, but this build
//	of the site knows up to 4 (0004_create_watchlist): the database was migrated by a
//	newer release of the site, which applied 5 (add_notes); run that release, or
//	restore a backup made before it
//
// A database of releases before per-site histories (schema_migrations
// without a site column) is upgraded on the first Migrate; its rows go
// to the first site whose migrations contain them all, and other sites are
// not confused by them.
//
// A lost database shows as errors for which [Unavailable] is true; a site
// answers those with 503, and database/sql reconnects once the database is
// back.
package database
