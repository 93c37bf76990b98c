package demo

import (
	"embed"
	"io/fs"
)

//go:embed migrations/*.sql
var migrationFiles embed.FS

// Migrations are the demo's schema and seed data, for database.DB.Migrate:
// the SQL files of sites/demo/migrations, NNNN_name.sql, with
// NNNN_name.sqlite.sql and NNNN_name.postgres.sql where the two databases
// need different SQL (the users' id column).
//
//	0001_create_users           users: id, name (unique), password_hash, created_at
//	0002_create_stocks          stocks: code, name, industry, price, change_pct, about
//	0003_seed_stocks            the market's seven stocks
//	0004_create_watchlist       watchlist: user_id, code, note, added_at; key (user_id, code)
//	0005_add_session_generation users.session_generation, 0 to start (see session.go)
//	0006_create_throttle        throttle: the counts of login and sign-up attempts (see throttle.go)
//	0007_market_version         market_version: one row, one more on every change to stocks (triggers; see marketcache.go)
//	0008_watch_tag              users.watch_tag, drawn anew on every change to the user's watch list (triggers; see watchcache.go)
var Migrations fs.FS = mustSub(migrationFiles, "migrations")

// mustSub returns the folder dir of fsys; embedded, it is always there.
func mustSub(fsys fs.FS, dir string) fs.FS {
	sub, err := fs.Sub(fsys, dir)
	if err != nil {
		panic("demo: embedded migrations: " + err.Error())
	}
	return sub
}
