package databasetest

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

func TestMain(m *testing.M) { Main(m) }

// hang is how long a test waits for an event before it fails: only a hang
// reaches it, however loaded the machine.
const hang = 60 * time.Second

// open opens url and checks that it answers.
func open(t *testing.T, url string) *sql.DB {
	t.Helper()
	db, err := sql.Open("pgx", url)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	if err := ping(db); err != nil {
		t.Fatalf("ping %s: %v", url, err)
	}
	return db
}

func ping(db *sql.DB) error {
	ctx, cancel := context.WithTimeout(context.Background(), hang)
	defer cancel()
	return db.PingContext(ctx)
}

// mustExec runs query on db.
func mustExec(t *testing.T, db *sql.DB, query string) {
	t.Helper()
	if _, err := db.ExecContext(t.Context(), query); err != nil {
		t.Fatalf("%s: %v", query, err)
	}
}

// tableExists reports whether table exists in db's database.
func tableExists(t *testing.T, db *sql.DB, table string) bool {
	t.Helper()
	var n int
	err := db.QueryRowContext(t.Context(), "SELECT count(*) FROM pg_tables WHERE tablename = $1", table).Scan(&n)
	if err != nil {
		t.Fatal(err)
	}
	return n > 0
}

func TestPrivate(t *testing.T) {
	t.Parallel()
	start := time.Now()
	c := Private(t)
	t.Logf("cluster started in %v, port %d, folder %s", time.Since(start), c.Port(), c.Dir())
	if os.Geteuid() == 0 {
		checkRunsAsPostgres(t, c)
	}

	postgres := open(t, c.URL("postgres"))
	var one int
	if err := postgres.QueryRowContext(t.Context(), "SELECT 1").Scan(&one); err != nil || one != 1 {
		t.Fatalf("SELECT 1 = %d, %v", one, err)
	}
	var user, encoding string
	if err := postgres.QueryRowContext(t.Context(), "SELECT current_user, pg_encoding_to_char(encoding) FROM pg_database WHERE datname = 'postgres'").Scan(&user, &encoding); err != nil {
		t.Fatal(err)
	}
	if user != "miniweb" || encoding != "UTF8" {
		t.Errorf("user %q, encoding %q; want miniweb, UTF8", user, encoding)
	}

	// Two databases are apart: a table of one is not in the other.
	urlA, err := c.CreateDatabase(t.Context(), "alpha")
	if err != nil {
		t.Fatal(err)
	}
	urlB, err := c.CreateDatabase(t.Context(), "Beta") // quoted: the case stays
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.CreateDatabase(t.Context(), "alpha"); err == nil || !strings.Contains(err.Error(), `"alpha"`) {
		t.Errorf("creating alpha twice: error %v, want one that names it", err)
	}
	a, b := open(t, urlA), open(t, urlB)
	mustExec(t, a, "CREATE TABLE only_in_alpha (n int)")
	mustExec(t, a, "INSERT INTO only_in_alpha VALUES (42)")
	if !tableExists(t, a, "only_in_alpha") || tableExists(t, b, "only_in_alpha") {
		t.Fatal("a table created in alpha: want it in alpha alone")
	}

	// Stopped, the server refuses connections, new and old.
	if err := c.Stop(); err != nil {
		t.Fatal(err)
	}
	if err := c.Stop(); err != nil {
		t.Errorf("second Stop: %v, want nil", err)
	}
	fresh, err := sql.Open("pgx", urlA)
	if err != nil {
		t.Fatal(err)
	}
	defer fresh.Close()
	if err := ping(fresh); err == nil {
		t.Fatal("ping after Stop succeeded")
	}
	if _, err := a.ExecContext(t.Context(), "SELECT 1"); err == nil {
		t.Fatal("query on an old connection after Stop succeeded")
	}
	if _, err := c.CreateDatabase(t.Context(), "gamma"); err == nil {
		t.Fatal("CreateDatabase after Stop succeeded")
	}

	// Started again, on the same port, with the data kept.
	start = time.Now()
	if err := c.Start(); err != nil {
		t.Fatal(err)
	}
	t.Logf("cluster restarted in %v", time.Since(start))
	if err := ping(fresh); err != nil {
		t.Fatalf("ping after Start: %v", err)
	}
	var n int
	if err := fresh.QueryRowContext(t.Context(), "SELECT n FROM only_in_alpha").Scan(&n); err != nil || n != 42 {
		t.Fatalf("the row of alpha after a restart: %d, %v; want 42", n, err)
	}
	if _, err := c.CreateDatabase(t.Context(), "gamma"); err != nil {
		t.Fatalf("CreateDatabase after Start: %v", err)
	}
}

// checkRunsAsPostgres checks that, as root, c's server runs as user
// postgres and the folder is its. (Part of TestPrivate: a cluster of its
// own would cost an initdb, a second of CPU.)
func checkRunsAsPostgres(t *testing.T, c *Cluster) {
	t.Helper()
	if c.tools.cred == nil {
		t.Fatal("as root, no user to run the cluster as")
	}
	b, err := os.ReadFile(filepath.Join(c.Dir(), "data", "postmaster.pid"))
	if err != nil {
		t.Fatal(err)
	}
	pid, _, _ := strings.Cut(string(b), "\n")
	fi, err := os.Stat("/proc/" + pid)
	if err != nil {
		t.Fatalf("server PID %s: %v", pid, err)
	}
	if uid := fi.Sys().(*syscall.Stat_t).Uid; uid != c.tools.cred.Uid {
		t.Errorf("server runs as uid %d, want %d (postgres)", uid, c.tools.cred.Uid)
	}
	dir, err := os.Stat(c.Dir())
	if err != nil {
		t.Fatal(err)
	}
	if uid := dir.Sys().(*syscall.Stat_t).Uid; uid != c.tools.cred.Uid {
		t.Errorf("folder %s owned by uid %d, want %d (postgres)", c.Dir(), uid, c.tools.cred.Uid)
	}
}

// TestStartClusterUnreachable checks that, as root, a folder user postgres
// cannot enter is an error that says so, before initdb runs.
func TestStartClusterUnreachable(t *testing.T) {
	t.Parallel()
	if os.Geteuid() != 0 {
		t.Skip("not root: the cluster runs as ourselves")
	}
	if _, err := findTools(); err != nil {
		unavailable(t, err)
	}
	closed := t.TempDir()
	if err := os.Chmod(closed, 0o700); err != nil {
		t.Fatal(err)
	}
	_, err := StartCluster(filepath.Join(closed, "cluster"))
	if err == nil || !strings.Contains(err.Error(), "cannot enter "+closed) {
		t.Fatalf("StartCluster in a root-only folder: error %v, want one naming %s", err, closed)
	}
}

func TestNewDatabase(t *testing.T) {
	t.Parallel()
	urls := make(map[string]bool)
	for range 3 {
		url := NewDatabase(t)
		if urls[url] {
			t.Fatalf("NewDatabase returned %s twice", url)
		}
		urls[url] = true
	}
	var dbs []*sql.DB
	for url := range urls {
		dbs = append(dbs, open(t, url))
	}
	mustExec(t, dbs[0], "CREATE TABLE mine (n int)")
	if tableExists(t, dbs[1], "mine") {
		t.Error("a table of one new database is in another")
	}
	if Postgres(t) != Postgres(t) {
		t.Error("Postgres returned two clusters")
	}
}

// TestNewDatabaseParallel takes databases from parallel tests at once.
func TestNewDatabaseParallel(t *testing.T) {
	t.Parallel()
	for i := range 4 {
		t.Run(strconv.Itoa(i), func(t *testing.T) {
			t.Parallel()
			db := open(t, NewDatabase(t))
			mustExec(t, db, "CREATE TABLE t (n int)")
		})
	}
}

// TestNewDatabaseDropped checks that a test's database is gone after it.
func TestNewDatabaseDropped(t *testing.T) {
	t.Parallel()
	var name string
	t.Run("inner", func(t *testing.T) {
		url := NewDatabase(t)
		name = url[strings.LastIndex(url, "/")+1 : strings.Index(url, "?")]
		open(t, url) // a connection left open at the cleanup
	})
	db := open(t, Postgres(t).URL("postgres"))
	var n int
	if err := db.QueryRowContext(t.Context(), "SELECT count(*) FROM pg_database WHERE datname = $1", name).Scan(&n); err != nil {
		t.Fatal(err)
	}
	if n != 0 {
		t.Errorf("database %s still exists after its test", name)
	}
}

func TestDatabaseName(t *testing.T) {
	t.Parallel()
	tests := []struct {
		test string
		seq  int64
		want string
	}{
		{"TestOpen", 1, "testopen_1"},
		{"TestOpen/fresh", 3, "testopen_fresh_3"},
		{"TestX/é \"x\"", 7, "testx____x__7"},
		{"Test" + strings.Repeat("Long", 30), 12345, "test" + strings.Repeat("long", 13) + "l_12345"},
	}
	for _, tt := range tests {
		got := databaseName(tt.test, tt.seq)
		if got != tt.want || len(got) > 63 {
			t.Errorf("databaseName(%q, %d) = %q (%d bytes), want %q", tt.test, tt.seq, got, len(got), tt.want)
		}
	}
}

func TestQuoteIdent(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{
		"db":      `"db"`,
		"My DB":   `"My DB"`,
		`a"b`:     `"a""b"`,
		`"; DROP`: `"""; DROP"`,
	} {
		if got := quoteIdent(in); got != want {
			t.Errorf("quoteIdent(%q) = %s, want %s", in, got, want)
		}
	}
}

// verdictTB records whether unavailable skipped or failed a test.
type verdictTB struct {
	testing.TB
	verdict string
}

// stop ends unavailable at its first verdict, as Skip and Fatal end a test.
type stop struct{}

func (v *verdictTB) Helper()              {}
func (v *verdictTB) Skipf(string, ...any) { v.verdict = "skip"; panic(stop{}) }
func (v *verdictTB) Fatal(...any)         { v.verdict = "fail"; panic(stop{}) }

// record runs unavailable with err.
func (v *verdictTB) record(err error) {
	defer func() {
		if r := recover(); r != nil && r != (stop{}) {
			panic(r)
		}
	}()
	unavailable(v, err)
}

// TestUnavailable is not parallel: it sets the environment.
func TestUnavailable(t *testing.T) {
	tests := []struct {
		env  string // value of MINIWEB_POSTGRES
		err  error
		want string
	}{
		{"", ErrNotInstalled, "skip"},
		{"0", ErrNotInstalled, "skip"},
		{"1", ErrNotInstalled, "fail"},
		{"", fmt.Errorf("wrapped: %w", ErrNotInstalled), "skip"},
		{"", errors.New("databasetest: initdb failed"), "fail"},
	}
	for _, tt := range tests {
		t.Setenv(Env, tt.env)
		v := &verdictTB{TB: t}
		v.record(tt.err)
		if v.verdict != tt.want {
			t.Errorf("%s=%q, error %q: %s, want %s", Env, tt.env, tt.err, v.verdict, tt.want)
		}
	}
}
