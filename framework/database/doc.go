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
//	if _, err := db.Migrate(ctx, migrationsFS); err != nil { ... }
//	row := db.QueryRowContext(ctx, db.Rebind("SELECT name FROM users WHERE id = ?"), id)
//
// Migrations are SQL files named NNNN_name.sql, applied in version order,
// each in its own transaction, and recorded in the table schema_migrations.
// Where the two databases need different SQL, NNNN_name.sqlite.sql and
// NNNN_name.postgres.sql take the plain file's place. A database whose
// schema is newer than the binary's migrations is refused ([ErrSchemaNewer]).
//
// A lost database shows as errors for which [Unavailable] is true; a site
// answers those with 503, and database/sql reconnects once the database is
// back.
package database
