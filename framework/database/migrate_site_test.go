package database

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"testing"
	"testing/fstest"

	"github.com/miniweb/miniweb/framework/database/databasetest"
)

// Two sites with their own migrations, numbered from 0001 each, and
// tables of their own: what one database holds for two sites.
var (
	blogSite = fstest.MapFS{
		"0001_init.sql":     file(`CREATE TABLE posts (id INTEGER PRIMARY KEY, title TEXT NOT NULL);`),
		"0002_comments.sql": file(`CREATE TABLE comments (post INTEGER NOT NULL, body TEXT NOT NULL);`),
		"0003_tags.sql":     file(`CREATE TABLE tags (post INTEGER NOT NULL, tag TEXT NOT NULL);`),
	}
	shopSite = fstest.MapFS{
		"0001_create_products.sql": file(`CREATE TABLE products (code TEXT PRIMARY KEY, price INTEGER NOT NULL);`),
		"0002_seed_products.sql":   file(`INSERT INTO products (code, price) VALUES ('tea', 3), ('cup', 7);`),
	}
)

// demoSite is the demo's migrations as they were when
// testdata/legacy-demo.db was made (see testdata/README.md).
var demoSite = os.DirFS("testdata/demo-migrations")

// legacyHistoryTable is schema_migrations as releases before per-site
// histories made it (framework/database/migrate.go at 10d4cd5).
const legacyHistoryTable = `CREATE TABLE IF NOT EXISTS schema_migrations (
	version    BIGINT PRIMARY KEY,
	name       TEXT NOT NULL,
	applied_at TEXT NOT NULL
)`

// onBackends runs f on a fresh database of each backend, given by URL
// (PostgreSQL's is skipped when it is not installed, unless
// MINIWEB_POSTGRES=1).
func onBackends(t *testing.T, f func(t *testing.T, url string)) {
	t.Run("sqlite", func(t *testing.T) {
		f(t, "sqlite:"+filepath.Join(t.TempDir(), "t.db"))
	})
	t.Run("postgres", func(t *testing.T) {
		f(t, databasetest.NewDatabase(t))
	})
}

// openURL opens url, closed at the test's end.
func openURL(t *testing.T, url string) *DB {
	t.Helper()
	db, err := Open(context.Background(), url, "", Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// historyRows returns schema_migrations as "site version name" lines,
// sorted.
func historyRows(t *testing.T, db *DB) []string {
	t.Helper()
	rows, err := db.Query("SELECT site, version, name FROM schema_migrations")
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var site, name string
		var v int64
		if err := rows.Scan(&site, &v, &name); err != nil {
			t.Fatal(err)
		}
		out = append(out, fmt.Sprintf("%s %d %s", site, v, name))
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	slices.Sort(out)
	return out
}

// wantHistory is the rows historyRows returns once each site of sites has
// applied all of fsys's migrations.
func wantHistory(t *testing.T, d Dialect, sites map[string]fs.FS) []string {
	t.Helper()
	var out []string
	for site, fsys := range sites {
		ms, err := Migrations(fsys, d)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range ms {
			out = append(out, fmt.Sprintf("%s %d %s", site, m.Version, m.Name))
		}
	}
	slices.Sort(out)
	return out
}

// migrated checks that site's Migrate applied want migrations and
// that Version then says the site is up to date at latest.
func migrated(t *testing.T, db *DB, site string, fsys fs.FS, want int, latest int64) {
	t.Helper()
	ctx := context.Background()
	done, err := db.Migrate(ctx, site, fsys)
	if err != nil || len(done) != want {
		t.Fatalf("Migrate(%q) applied %d, %v; want %d, nil", site, len(done), err, want)
	}
	if cur, l, err := db.Version(ctx, site, fsys); err != nil || cur != latest || l != latest {
		t.Fatalf("Version(%q) = %d, %d, %v; want %d, %d, nil", site, cur, l, err, latest, latest)
	}
}

// TestSitesShareDatabase migrates two sites with different migrations,
// each from its 0001, on one database, in both orders: each gets its own
// history, and neither is refused for the other's versions (issue 23: the
// second failed with "schema is newer than this binary").
func TestSitesShareDatabase(t *testing.T) {
	t.Parallel()
	orders := []struct {
		name          string
		first, second string // sites, in the order they migrate
	}{
		{"blog_then_shop", "blog", "shop"},
		{"shop_then_blog", "shop", "blog"},
	}
	sites := map[string]fs.FS{"blog": blogSite, "shop": shopSite}
	for _, o := range orders {
		t.Run(o.name, func(t *testing.T) {
			onBackends(t, func(t *testing.T, url string) {
				db := openURL(t, url)
				for _, site := range []string{o.first, o.second} {
					ms, _ := Migrations(sites[site], db.Dialect)
					migrated(t, db, site, sites[site], len(ms), ms[len(ms)-1].Version)
				}
				// Again, each: nothing to do, and still up to date.
				migrated(t, db, "blog", blogSite, 0, 3)
				migrated(t, db, "shop", shopSite, 0, 2)
				if got, want := historyRows(t, db), wantHistory(t, db.Dialect, sites); !slices.Equal(got, want) {
					t.Errorf("schema_migrations %q; want %q", got, want)
				}
				var n int
				if err := db.QueryRow("SELECT COUNT(*) FROM products").Scan(&n); err != nil || n != 2 {
					t.Errorf("products: %d, %v; want the 2 seeded", n, err)
				}
			})
		})
	}
}

// legacyDatabase returns the URL of a database as the release before
// per-site histories left it, the demo's four migrations applied, and the
// applied_at of its rows by version. On SQLite it is a copy of
// testdata/legacy-demo.db, made by that release; on PostgreSQL it is made
// here as that release did: its table, each migration and its row.
func legacyDatabase(t *testing.T, backend string) (url string, appliedAt map[int64]string) {
	t.Helper()
	ctx := context.Background()
	if backend == "sqlite" {
		body, err := os.ReadFile("testdata/legacy-demo.db")
		if err != nil {
			t.Fatal(err)
		}
		path := filepath.Join(t.TempDir(), "legacy.db")
		if err := os.WriteFile(path, body, 0o600); err != nil {
			t.Fatal(err)
		}
		url = "sqlite:" + path
	} else {
		url = databasetest.NewDatabase(t)
		db := openURL(t, url)
		ms, err := Migrations(demoSite, db.Dialect)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := db.ExecContext(ctx, legacyHistoryTable); err != nil {
			t.Fatal(err)
		}
		for _, m := range ms {
			if _, err := db.ExecContext(ctx, m.SQL); err != nil {
				t.Fatalf("%s: %v", m.File, err)
			}
			if _, err := db.ExecContext(ctx, "INSERT INTO schema_migrations (version, name, applied_at) VALUES ($1, $2, $3)",
				m.Version, m.Name, fmt.Sprintf("2026-01-0%dT00:00:00Z", m.Version)); err != nil {
				t.Fatal(err)
			}
		}
		db.Close()
	}
	db := openURL(t, url)
	defer db.Close()
	appliedAt, err := db.rows(ctx, db.DB, "SELECT version, applied_at FROM schema_migrations")
	if err != nil || len(appliedAt) != 4 {
		t.Fatalf("the legacy database's history: %v, %v; want 4 rows", appliedAt, err)
	}
	return url, appliedAt
}

// onLegacy runs f on a legacy database of each backend (see
// legacyDatabase).
func onLegacy(t *testing.T, f func(t *testing.T, url string, appliedAt map[int64]string)) {
	for _, backend := range []string{"sqlite", "postgres"} {
		t.Run(backend, func(t *testing.T) {
			url, appliedAt := legacyDatabase(t, backend)
			f(t, url, appliedAt)
		})
	}
}

// TestMigrateLegacyHistory upgrades a database of the release before
// per-site histories, then migrates the demo (whose rows those are) and
// another site, in both orders: the demo claims the old rows, keeping
// their dates, and applies nothing; the other site is not confused by
// them. Before, Version reads the same without changing anything.
func TestMigrateLegacyHistory(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	orders := []struct {
		name  string
		sites []string // in the order they migrate
	}{
		{"demo_then_blog", []string{"demo", "blog"}},
		{"blog_then_demo", []string{"blog", "demo"}},
	}
	sites := map[string]fs.FS{"demo": demoSite, "blog": blogSite}
	for _, o := range orders {
		t.Run(o.name, func(t *testing.T) {
			onLegacy(t, func(t *testing.T, url string, appliedAt map[int64]string) {
				db := openURL(t, url)
				for _, tt := range []struct {
					site            string
					current, latest int64
				}{{"demo", 4, 4}, {"blog", 0, 3}} {
					if cur, latest, err := db.Version(ctx, tt.site, sites[tt.site]); err != nil || cur != tt.current || latest != tt.latest {
						t.Errorf("Version(%q) of the legacy database = %d, %d, %v; want %d, %d, nil", tt.site, cur, latest, err, tt.current, tt.latest)
					}
				}
				if exists, perSite, err := db.historyShape(ctx, db.DB); err != nil || !exists || perSite {
					t.Fatalf("after Version: schema_migrations exists %v, per site %v, %v; want the legacy table, untouched", exists, perSite, err)
				}

				for _, site := range o.sites {
					want := map[string]int{"demo": 0, "blog": 3}[site]
					migrated(t, db, site, sites[site], want, map[string]int64{"demo": 4, "blog": 3}[site])
				}
				if got, want := historyRows(t, db), wantHistory(t, db.Dialect, sites); !slices.Equal(got, want) {
					t.Errorf("schema_migrations %q; want %q", got, want)
				}
				// The upgraded table is as a new one: its key named as
				// PostgreSQL names a new table's, the old table gone.
				relations := map[Dialect]string{
					SQLite:   "SELECT name FROM sqlite_master WHERE name LIKE 'schema_migrations%' AND name NOT LIKE 'sqlite_%' ORDER BY name",
					Postgres: "SELECT relname FROM pg_class WHERE relname LIKE 'schema_migrations%' ORDER BY relname",
				}[db.Dialect]
				wantRelations := map[Dialect]string{SQLite: "[schema_migrations]", Postgres: "[schema_migrations schema_migrations_pkey]"}[db.Dialect]
				if names := names(t, db, relations); fmt.Sprint(names) != wantRelations {
					t.Errorf("after the upgrade: %v; want %s", names, wantRelations)
				}
				got, err := db.rows(ctx, db.DB, "SELECT version, applied_at FROM schema_migrations WHERE site = 'demo'")
				if err != nil || !maps.Equal(got, appliedAt) {
					t.Errorf("the demo's applied_at %v, %v; want the legacy rows' %v", got, err, appliedAt)
				}
				var stocks int
				if err := db.QueryRow("SELECT COUNT(*) FROM stocks").Scan(&stocks); err != nil || stocks != 7 {
					t.Errorf("stocks: %d, %v; want the 7 seeded by the old release", stocks, err)
				}
			})
		})
	}
}

// names returns the first column of query's rows.
func names(t *testing.T, db *DB, query string) []string {
	t.Helper()
	rows, err := db.Query(query)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var n string
		if err := rows.Scan(&n); err != nil {
			t.Fatal(err)
		}
		out = append(out, n)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// TestClaimLegacyRows checks which site the rows of a legacy history go
// to: the first whose migrations contain them all, same version and same
// name, and that has no history of its own; the others leave them alone.
func TestClaimLegacyRows(t *testing.T) {
	t.Parallel()
	legacy := []string{"1 create_users", "2 create_stocks"}
	tests := []struct {
		name  string
		files []string // the site's migrations
		own   []string // rows the site already has, "version name"
		claim bool     // whether the site takes the legacy rows
	}{
		{name: "same", files: []string{"0001_create_users.sql", "0002_create_stocks.sql"}, claim: true},
		{name: "newer_release", files: []string{"0001_create_users.sql", "0002_create_stocks.sql", "0003_more.sql"}, claim: true},
		{name: "other_site", files: []string{"0001_init.sql"}},
		{name: "same_first_name", files: []string{"0001_create_users.sql", "0002_create_orders.sql"}},
		{name: "older_release", files: []string{"0001_create_users.sql"}},
		{name: "has_its_own", files: []string{"0001_create_users.sql", "0002_create_stocks.sql"}, own: []string{"1 create_users"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx := context.Background()
			db := openURL(t, "sqlite:"+filepath.Join(t.TempDir(), "t.db"))
			fsys := fstest.MapFS{}
			for _, f := range tt.files {
				fsys[f] = file("SELECT 1")
			}
			if _, err := db.ExecContext(ctx, historyTable); err != nil {
				t.Fatal(err)
			}
			insert := func(site, row string) {
				var v int64
				var name string
				fmt.Sscanf(row, "%d %s", &v, &name)
				if _, err := db.ExecContext(ctx, "INSERT INTO schema_migrations VALUES (?, ?, ?, 'then')", site, v, name); err != nil {
					t.Fatal(err)
				}
			}
			for _, row := range legacy {
				insert("", row)
			}
			for _, row := range tt.own {
				insert("site", row)
			}
			if _, err := db.Migrate(ctx, "site", fsys); err != nil {
				t.Fatal(err)
			}
			var unclaimed int
			if err := db.QueryRow("SELECT COUNT(*) FROM schema_migrations WHERE site = ''").Scan(&unclaimed); err != nil {
				t.Fatal(err)
			}
			if claimed := unclaimed == 0; claimed != tt.claim {
				t.Errorf("legacy rows claimed: %v, want %v; schema_migrations %q", claimed, tt.claim, historyRows(t, db))
			}
			// Whoever has them, the site's history is complete.
			if cur, latest, err := db.Version(ctx, "site", fsys); err != nil || cur != latest {
				t.Errorf("Version = %d, %d, %v; want up to date", cur, latest, err)
			}
		})
	}
}

// TestMigrateRefused migrates "blog" fully, then tries builds of it
// that do not fit that history: a database ahead of the build, and
// histories that differ. Each is refused with a message that names the
// database, the site, the versions and what to do, and changes nothing;
// another site on the same database migrates regardless.
func TestMigrateRefused(t *testing.T) {
	t.Parallel()
	const (
		differ = "the database and this build come from different histories of the site; run the release that migrated the database, or restore a backup made before it"
	)
	tests := []struct {
		name  string
		build fstest.MapFS // blog's migrations in the build
		kind  error        // the sentinel the error wraps
		want  string       // the error, after "database URL: "
	}{
		{
			name:  "ahead_of_site",
			build: fstest.MapFS{"0001_init.sql": blogSite["0001_init.sql"], "0002_comments.sql": blogSite["0002_comments.sql"]},
			kind:  ErrSchemaNewer,
			want:  `site "blog" is at schema version 3, but this build of the site knows up to 2 (0002_comments): the database was migrated by a newer release of the site, which applied 3 (tags); run that release, or restore a backup made before it`,
		},
		{
			name:  "ahead_by_two",
			build: fstest.MapFS{"0001_init.sql": blogSite["0001_init.sql"]},
			kind:  ErrSchemaNewer,
			want:  `site "blog" is at schema version 3, but this build of the site knows up to 1 (0001_init): the database was migrated by a newer release of the site, which applied 2 (comments), 3 (tags); run that release, or restore a backup made before it`,
		},
		{
			name:  "renamed",
			build: withFile(withoutFile(blogSite, "0002_comments.sql"), "0002_replies.sql", "CREATE TABLE replies (body TEXT);"),
			kind:  ErrHistoryDiffers,
			want:  `site "blog": migration 2 was applied as "comments", but this build of the site's file of version 2 is 0002_replies.sql: ` + differ,
		},
		{
			name:  "missing_below_latest",
			build: withFile(withoutFile(blogSite, "0002_comments.sql"), "0004_replies.sql", "CREATE TABLE replies (body TEXT);"),
			kind:  ErrHistoryDiffers,
			want:  `site "blog": migration 2 was applied as "comments", but this build of the site has no migration 2: ` + differ,
		},
	}
	onBackends(t, func(t *testing.T, url string) {
		ctx := context.Background()
		db := openURL(t, url)
		migrated(t, db, "blog", blogSite, 3, 3)
		before := historyRows(t, db)
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				want := "database " + db.URL + ": " + tt.want
				done, err := db.Migrate(ctx, "blog", tt.build)
				if err == nil || err.Error() != want || !errors.Is(err, tt.kind) || len(done) != 0 {
					t.Errorf("Migrate = %v, %v\nwant nothing and %s\n(wrapping %v)", done, err, want, tt.kind)
				}
				if _, _, err := db.Version(ctx, "blog", tt.build); err == nil || err.Error() != want || !errors.Is(err, tt.kind) {
					t.Errorf("Version: %v\nwant %s", err, want)
				}
				if got := historyRows(t, db); !slices.Equal(got, before) {
					t.Errorf("schema_migrations %q after a refused build; want %q", got, before)
				}
				if _, err := db.ExecContext(ctx, "SELECT * FROM replies"); err == nil {
					t.Error("the refused build's table replies exists")
				}
			})
		}
		// Another site does not care how blog's history stands.
		migrated(t, db, "shop", shopSite, 2, 2)
	})
}

// withoutFile returns fsys without the file name.
func withoutFile(fsys fstest.MapFS, name string) fstest.MapFS {
	out := fstest.MapFS{}
	for k, v := range fsys {
		if k != name {
			out[k] = v
		}
	}
	return out
}

// TestMigrateNeedsName checks that the name kept for legacy rows is
// not a site's.
func TestMigrateNeedsName(t *testing.T) {
	t.Parallel()
	db := openURL(t, "sqlite:"+filepath.Join(t.TempDir(), "t.db"))
	if _, err := db.Migrate(context.Background(), "", blogSite); err == nil {
		t.Fatal(`Migrate("") = nil error; want one asking for the site's name`)
	}
}

// TestMigratesConcurrent starts instances of two sites together on a
// legacy database, as a deployment of both does after an upgrade: each
// takes its turn, the legacy table is upgraded once, the demo claims its
// rows, each migration of the other site runs once, and none fails.
func TestMigratesConcurrent(t *testing.T) {
	t.Parallel()
	onLegacy(t, func(t *testing.T, url string, _ map[int64]string) {
		ctx := context.Background()
		const each = 3
		sites := map[string]fs.FS{"demo": demoSite, "blog": blogSite}
		var wg sync.WaitGroup
		var mu sync.Mutex
		applied := map[string]int{}
		for range each {
			for site, fsys := range sites {
				wg.Go(func() {
					// A pool of its own, as another process has.
					db, err := Open(ctx, url, "", Options{})
					if err != nil {
						t.Error(err)
						return
					}
					defer db.Close()
					done, err := db.Migrate(ctx, site, fsys)
					if err != nil {
						t.Errorf("%s: %v", site, err)
					}
					mu.Lock()
					applied[site] += len(done)
					mu.Unlock()
				})
			}
		}
		wg.Wait()
		if applied["demo"] != 0 || applied["blog"] != 3 {
			t.Errorf("applied %v; want demo 0 (claimed), blog 3 (each once)", applied)
		}
		db := openURL(t, url)
		if got, want := historyRows(t, db), wantHistory(t, db.Dialect, sites); !slices.Equal(got, want) {
			t.Errorf("schema_migrations %q; want %q", got, want)
		}
	})
}
