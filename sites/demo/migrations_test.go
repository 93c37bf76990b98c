package demo

import (
	"context"
	"reflect"
	"strings"
	"testing"

	"github.com/miniweb/miniweb/framework/database"
)

// schema returns the names of db's tables and indexes, sorted: what an
// injected DROP or CREATE would change.
func schema(t testing.TB, db *database.DB) []string {
	t.Helper()
	q := `SELECT name FROM sqlite_master WHERE type IN ('table', 'index') AND name NOT LIKE 'sqlite_%' ORDER BY name`
	if db.Dialect == database.Postgres {
		q = `SELECT relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE n.nspname = 'public' AND c.relkind IN ('r', 'i') ORDER BY relname`
	}
	rows, err := db.Query(q)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var names []string
	for rows.Next() {
		var n string
		if err := rows.Scan(&n); err != nil {
			t.Fatal(err)
		}
		names = append(names, n)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return names
}

// TestMigrations applies Migrations on each backend: the tables, the
// seven stocks, ids numbered by the database, the constraints; and a
// second run applies nothing.
func TestMigrations(t *testing.T) {
	t.Parallel()
	forEachBackend(t, func(t *testing.T, db *database.DB) {
		ctx := context.Background()
		got := schema(t, db)
		want := map[database.Dialect][]string{
			database.SQLite: {"market_version", "schema_migrations", "stocks", "throttle", "throttle_expires", "users", "watchlist", "watchlist_code"},
			database.Postgres: {"market_version", "market_version_pkey", "schema_migrations", "schema_migrations_pkey", "stocks", "stocks_pkey",
				"throttle", "throttle_expires", "throttle_pkey", "users", "users_name_key", "users_pkey", "watchlist", "watchlist_code", "watchlist_pkey"},
		}[db.Dialect]
		if !reflect.DeepEqual(got, want) {
			t.Errorf("schema %q; want %q", got, want)
		}
		if again, err := db.Migrate(ctx, "demo", Migrations); err != nil || len(again) != 0 {
			t.Errorf("second Migrate: applied %v, %v", again, err)
		}
		if cur, latest, err := db.Version(ctx, "demo", Migrations); err != nil || cur != 8 || latest != 8 {
			t.Errorf("Version: %d, %d, %v; want 8, 8", cur, latest, err)
		}

		st := newStore(db)
		stocks, _, err := st.market(ctx, claim{}, "code")
		if err != nil {
			t.Fatal(err)
		}
		if len(stocks) != 7 || stocks[0] != (Stock{Code: "000001", Name: "Ping An Bank", Industry: "Banking", Price: 11.23, PriceText: "11.23", Change: -0.42,
			About: "A national commercial bank headquartered in Shenzhen."}) {
			t.Errorf("the market: %d stocks, the first %+v", len(stocks), stocks[0])
		}
		a, ok1, err1 := st.createUser(ctx, "a", []byte("hash"))
		b, ok2, err2 := st.createUser(ctx, "b", []byte("hash"))
		if !ok1 || !ok2 || err1 != nil || err2 != nil || a <= 0 || b <= a {
			t.Errorf("ids %d, %d (%v, %v, %v, %v); want them numbered by the database", a, b, ok1, ok2, err1, err2)
		}
		if _, ok, err := st.createUser(ctx, "a", []byte("hash")); ok || err != nil {
			t.Errorf("a taken name: %v, %v", ok, err)
		}

		// The constraints hold whatever the site checks.
		for _, tt := range []struct {
			name, query string
			args        []any
		}{
			{"a watch-list row of no user", "INSERT INTO watchlist (user_id, code) VALUES (?, ?)", []any{b + 100, "600519"}},
			{"a watch-list row of no stock", "INSERT INTO watchlist (user_id, code) VALUES (?, ?)", []any{a, "999999"}},
			{"a note of 501 characters", "INSERT INTO watchlist (user_id, code, note) VALUES (?, ?, ?)", []any{a, "600519", strings.Repeat("x", 501)}},
			{"a user without a hash", "INSERT INTO users (name) VALUES (?)", []any{"c"}},
			{"a stock twice", "INSERT INTO stocks (code, name, industry, price, change_pct) VALUES (?, ?, ?, ?, ?)", []any{"600519", "x", "x", 1, 1}},
		} {
			if _, err := db.ExecContext(ctx, db.Rebind(tt.query), tt.args...); err == nil {
				t.Errorf("%s: accepted", tt.name)
			}
		}
		// A user's rows go with the user.
		if _, err := st.follow(ctx, a, "600519"); err != nil {
			t.Fatal(err)
		}
		if _, err := db.ExecContext(ctx, db.Rebind("DELETE FROM users WHERE id = ?"), a); err != nil {
			t.Fatal(err)
		}
		if n := count(t, db, "SELECT COUNT(*) FROM watchlist"); n != 0 {
			t.Errorf("%d watch-list rows outlive their user", n)
		}
	})
}

// TestMigrationFiles: each dialect gets its own users table and the shared
// rest.
func TestMigrationFiles(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		dialect database.Dialect
		files   []string
	}{
		{database.SQLite, []string{"0001_create_users.sqlite.sql", "0002_create_stocks.sql", "0003_seed_stocks.sql", "0004_create_watchlist.sql", "0005_add_session_generation.sql", "0006_create_throttle.sql", "0007_market_version.sqlite.sql", "0008_watch_tag.sqlite.sql"}},
		{database.Postgres, []string{"0001_create_users.postgres.sql", "0002_create_stocks.sql", "0003_seed_stocks.sql", "0004_create_watchlist.sql", "0005_add_session_generation.sql", "0006_create_throttle.sql", "0007_market_version.postgres.sql", "0008_watch_tag.postgres.sql"}},
	} {
		ms, err := database.Migrations(Migrations, tt.dialect)
		if err != nil {
			t.Fatal(err)
		}
		var files []string
		for _, m := range ms {
			files = append(files, m.File)
		}
		if !reflect.DeepEqual(files, tt.files) {
			t.Errorf("%s: %q; want %q", tt.dialect, files, tt.files)
		}
	}
}
