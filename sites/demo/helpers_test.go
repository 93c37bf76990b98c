package demo

import (
	"bytes"
	"context"
	"html"
	"log/slog"
	"net/url"
	"path/filepath"
	"regexp"
	"sync"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"

	"github.com/miniweb/miniweb/framework"
	"github.com/miniweb/miniweb/framework/database"
	"github.com/miniweb/miniweb/framework/database/databasetest"
	"github.com/miniweb/miniweb/framework/frameworktest"
	"github.com/miniweb/miniweb/server/gateway"
)

// TestMain stops the shared PostgreSQL cluster after the tests.
func TestMain(m *testing.M) { databasetest.Main(m) }

// hang is how long a test waits for an event before it fails: only a hang
// reaches it, however loaded the machine.
const hang = 60 * time.Second

// templates is the shipped templates folder.
const templates = "../../templates"

// testSecret keys the test site's session cookies.
const testSecret = "a test secret of at least thirty-two bytes"

// testClock is the test sites' time.
func testClock() time.Time { return time.Date(2019, 1, 1, 22, 9, 58, 0, time.UTC) }

// backends are the databases every suite runs on: SQLite always,
// PostgreSQL when installed (skipped otherwise, failed with
// MINIWEB_POSTGRES=1).
var backends = []struct {
	name string
	url  func(t testing.TB) string
}{
	{"sqlite", func(t testing.TB) string { return "sqlite:" + filepath.Join(t.TempDir(), "demo.db") }},
	{"postgres", databasetest.NewDatabase},
}

// forEachBackend runs f as a parallel subtest on a fresh, migrated
// database of each backend.
func forEachBackend(t *testing.T, f func(t *testing.T, db *database.DB)) {
	t.Helper()
	forEachBackendWith(t, database.Options{}, f)
}

// forEachBackendWith is forEachBackend with the databases opened with o.
func forEachBackendWith(t *testing.T, o database.Options, f func(t *testing.T, db *database.DB)) {
	t.Helper()
	for _, b := range backends {
		t.Run(b.name, func(t *testing.T) {
			t.Parallel()
			f(t, openDB(t, b.url(t), o))
		})
	}
}

// openDB opens the database at url with o and applies Migrations; it is
// closed at the test's end.
func openDB(t testing.TB, url string, o database.Options) *database.DB {
	t.Helper()
	db, err := database.Open(context.Background(), url, "", o)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	if _, err := db.Migrate(context.Background(), "demo", Migrations); err != nil {
		t.Fatal(err)
	}
	return db
}

// sqliteDB returns a fresh, migrated SQLite database, for the tests that
// are about the site, not its database.
func sqliteDB(t testing.TB) *database.DB {
	t.Helper()
	return frameworktest.SQLite(t, "demo", Migrations)
}

type logBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *logBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *logBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// testSite returns the demo on db and the templates in dir, with a fixed
// clock and bcrypt's least cost, and its log.
func testSite(t testing.TB, db *database.DB, dir string, dev bool) (*framework.App, *site, *logBuffer) {
	t.Helper()
	return testSiteWith(t, db, dir, dev, config{})
}

// testSiteWith is testSite with c's settings, its clock and cost defaulting
// to the test's.
func testSiteWith(t testing.TB, db *database.DB, dir string, dev bool, c config) (*framework.App, *site, *logBuffer) {
	t.Helper()
	if c.now == nil {
		c.now = testClock
	}
	if c.cost == 0 {
		c.cost = bcrypt.MinCost
	}
	s, err := newSite(db, c)
	if err != nil {
		t.Fatal(err)
	}
	logs := &logBuffer{}
	app, err := newApp(framework.Options{Templates: dir, Dev: dev, Log: slog.New(slog.NewTextHandler(logs, nil)),
		Session: &framework.SessionOptions{Secret: testSecret}}, s)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { app.Close() })
	return app, s, logs
}

// newClient returns a visitor's browser on app, a site testSite built: it
// keeps the session cookie and reads the session, for the flashes.
func newClient(t testing.TB, app gateway.App) *frameworktest.Client {
	return frameworktest.New(t, app, frameworktest.Options{Session: &framework.SessionOptions{Secret: testSecret}})
}

// register makes the account name and signs c in, failing the test
// otherwise.
func register(t testing.TB, c *frameworktest.Client, name, password string) {
	t.Helper()
	resp := c.PostForm("/register.py", url.Values{"name": {name}, "password": {password}})
	if len(resp.Redirects) != 1 || resp.Redirects[0].Code != 303 {
		t.Fatalf("register %q: %d, after %d redirects\n%s", name, resp.Code, len(resp.Redirects), resp.Body)
	}
}

// wantSeeOther fails the test unless the answer to resp's request was a
// 303 to location: resp.Redirects[0] when the client followed it, resp
// itself when it did not (a NoRedirects view).
func wantSeeOther(t testing.TB, resp *frameworktest.Response, location string) {
	t.Helper()
	first := resp
	if len(resp.Redirects) > 0 {
		first = resp.Redirects[0]
	}
	if first.Code != 303 || first.Location() != location || len(resp.Redirects) > 1 {
		t.Errorf("%s %s: %d Location %q, %d redirects followed; want a 303 to %q\n%s",
			first.Method, first.Target, first.Code, first.Location(), len(resp.Redirects), location, first.Body)
	}
}

// wantFlash fails the test unless resp's page took exactly one flash from
// the session, kind and message, and showed it; a message "" wants none.
func wantFlash(t testing.TB, resp *frameworktest.Response, kind, message string) {
	t.Helper()
	got := resp.Flashes()
	switch {
	case message == "" && len(got) != 0:
		t.Errorf("%s %s: flashes %v; want none", resp.Method, resp.Target, got)
	case message != "" && len(got) != 1:
		t.Errorf("%s %s: flashes %v; want one, %s %q", resp.Method, resp.Target, got, kind, message)
	case message != "":
		resp.WantFlash(t, kind, message)
	}
}

// watchRow is a row of a watch-list page, as parsed by watchRows.
type watchRow struct{ Code, Note string }

var watchRowRE = regexp.MustCompile(`<tr data-code="([^"]*)">[\s\S]*?<input name="note" value="([^"]*)"`)

// watchRows returns the rows of a watch-list page, its notes unescaped.
func watchRows(body []byte) []watchRow {
	var rows []watchRow
	for _, m := range watchRowRE.FindAllSubmatch(body, -1) {
		rows = append(rows, watchRow{html.UnescapeString(string(m[1])), html.UnescapeString(string(m[2]))})
	}
	return rows
}
