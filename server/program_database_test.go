package main

import (
	"context"
	"database/sql"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/miniweb/miniweb/framework/database"
	"github.com/miniweb/miniweb/framework/database/databasetest"
)

// demoConfig is a valid config for the demo site on the repository's
// templates, in production mode, with a shutdown grace of shutdownGrace and
// its database at "sqlite:data/db.sqlite" beside the config file unless the
// environment says otherwise.
func demoConfig(t *testing.T) string {
	t.Helper()
	tmpl, err := filepath.Abs("../templates")
	if err != nil {
		t.Fatal(err)
	}
	return `static = "static"
templates = "` + tmpl + `"
site = "demo"
dev = false

[timeouts]
shutdown = "1m"

[database]
url = "sqlite:data/db.sqlite"
`
}

// The database's life from the command line: -check changes nothing and
// says the file is not made yet; -migrate applies every migration, then
// nothing; -check then reports the version; a schema newer than the
// binary stops the start with status 2.
func TestProgramMigrate(t *testing.T) {
	t.Parallel()
	dir, cfg := siteDir(t, demoConfig(t))
	file := filepath.Join(dir, "data", "db.sqlite")

	status, stdout, stderr := runMiniweb(t, dir, "-config", cfg, "-check")
	if status != 0 || !strings.Contains(stdout, "database   sqlite:"+file+" (not created yet") {
		t.Fatalf("-check before the first start: status %d, stdout %q, stderr %q", status, stdout, stderr)
	}
	if _, err := os.Stat(file); err == nil {
		t.Fatal("-check made the database file")
	}

	status, stdout, stderr = runMiniweb(t, dir, "-config", cfg, "-migrate")
	applied := regexp.MustCompile(`(?m)^sqlite:`+regexp.QuoteMeta(file)+`: applied (\d{4}_\w+(\.sqlite)?\.sql)$`).FindAllStringSubmatch(stdout, -1)
	if status != 0 || len(applied) == 0 || applied[0][1][:4] != "0001" {
		t.Fatalf("-migrate: status %d, stdout %q, stderr %q; want each migration applied, from 0001", status, stdout, stderr)
	}
	if strings.Contains(stderr, "serving") {
		t.Fatalf("-migrate started serving: %s", stderr)
	}
	status, stdout, _ = runMiniweb(t, dir, "-config", cfg, "-migrate")
	if status != 0 || stdout != "sqlite:"+file+": up to date\n" {
		t.Fatalf("-migrate again: status %d, stdout %q; want up to date", status, stdout)
	}
	n := len(applied)
	status, stdout, _ = runMiniweb(t, dir, "-config", cfg, "-check")
	if want := fmt.Sprintf("(schema version %d of %d)", n, n); status != 0 || !strings.Contains(stdout, want) {
		t.Fatalf("-check after -migrate: status %d, stdout %q; want %q", status, stdout, want)
	}

	// A newer release migrated the database since.
	db, err := sql.Open("sqlite", file)
	if err != nil {
		t.Fatal(err)
	}
	_, err = db.Exec(`INSERT INTO schema_migrations (site, version, name, applied_at) VALUES ('demo', 9999, 'from_the_future', '2030-01-01T00:00:00Z')`)
	db.Close()
	if err != nil {
		t.Fatal(err)
	}
	status, _, stderr = runMiniweb(t, dir, "-config", cfg)
	for _, want := range []string{`miniweb: site "demo": database sqlite:` + file + `: site "demo" is at schema version 9999, but this build of the site knows up to `, "9999 (from_the_future)"} {
		if status != 2 || !strings.Contains(stderr, want) {
			t.Errorf("start on a newer schema: status %d, stderr %q; want 2 and %q", status, stderr, want)
		}
	}
	status, _, stderr = runMiniweb(t, dir, "-config", cfg, "-check")
	if status == 0 || !strings.Contains(stderr, "migrated by a newer release") {
		t.Errorf("-check on a newer schema: status %d, stderr %q; want a failure saying so", status, stderr)
	}
}

// A database that cannot be reached at start stops the program with
// status 2 and one line naming the URL, its password hidden, and what
// failed.
func TestProgramDatabaseUnreachable(t *testing.T) {
	t.Parallel()
	dir, cfg := siteDir(t, demoConfig(t))
	// Port 1 of loopback: nothing listens there.
	env := programEnv("MINIWEB_DATABASE_URL=postgres://app:s3cret-pw@127.0.0.1:1/app?sslmode=disable&connect_timeout=2")
	status, stdout, stderr := runMiniwebEnv(t, dir, env, "-config", cfg)
	want := `miniweb: site "demo": database postgres://app:xxxxx@127.0.0.1:1/app?sslmode=disable&connect_timeout=2: cannot connect: `
	if status != 2 || !strings.HasPrefix(stderr, want) || !strings.Contains(stderr, "refused") {
		t.Errorf("start with an unreachable database: status %d, stderr %q; want 2 and %q ... refused", status, stderr, want)
	}
	if strings.Contains(stderr+stdout, "s3cret-pw") {
		t.Errorf("the output shows the password:\n%s%s", stdout, stderr)
	}
	if strings.Count(strings.TrimSpace(stderr), "\n") != 0 {
		t.Errorf("want one line, got:\n%s", stderr)
	}
}

// A PostgreSQL server lost while serving costs the requests that need it
// a 503 page; the program keeps serving the rest, and the pages work again
// once the database is back, without a restart.
func TestProgramDatabaseLost(t *testing.T) {
	t.Parallel()
	c := databasetest.Private(t)
	url, err := c.CreateDatabase(context.Background(), "site")
	if err != nil {
		t.Fatal(err)
	}
	dir, cfg := siteDir(t, demoConfig(t))
	_, _, stderr, exited := startProgramEnv(t, dir, programEnv("MINIWEB_DATABASE_URL="+url), "-config", cfg, "-addr", "127.0.0.1:0")
	base := "http://" + servingAddr(t, stderr, exited)
	if !strings.Contains(stderr.String(), `database="`+database.Redact(url)+`"`) {
		t.Errorf("the serving line does not name the database %s:\n%s", database.Redact(url), stderr)
	}

	client := &http.Client{Timeout: patience}
	get := func(path string) (int, string) {
		t.Helper()
		resp, err := client.Get(base + path)
		if err != nil {
			t.Fatalf("GET %s: %v", path, err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	if code, body := get("/center.py"); code != 200 || !strings.Contains(body, "Kweichow Moutai") {
		t.Fatalf("GET /center.py: %d; want 200 with the market", code)
	}

	if err := c.Stop(); err != nil {
		t.Fatal(err)
	}
	for _, path := range []string{"/center.py", "/stock/600519.py", "/index.py"} {
		code, body := get(path)
		if code != 503 || !strings.Contains(body, "<html") || !strings.Contains(strings.ToLower(body), "database") {
			t.Errorf("GET %s with the database down: %d; want a 503 page that says so:\n%.300s", path, code, body)
		}
	}
	if code, _ := get("/about.py"); code != 200 {
		t.Errorf("GET /about.py, which needs no database, with the database down: %d; want 200", code)
	}
	if code, _ := get("/"); code != 200 {
		t.Errorf("GET / (static) with the database down: %d; want 200", code)
	}

	if err := c.Start(); err != nil {
		t.Fatal(err)
	}
	if code, body := get("/center.py"); code != 200 || !strings.Contains(body, "Kweichow Moutai") {
		t.Errorf("GET /center.py once the database is back: %d; want 200 with the market", code)
	}
	select {
	case <-exited:
		t.Fatal("the program exited")
	default:
	}
}
