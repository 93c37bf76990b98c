package demo

import (
	"bytes"
	"context"
	"html"
	"io"
	"log/slog"
	"net/url"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"

	"github.com/miniweb/miniweb/framework"
	"github.com/miniweb/miniweb/framework/database"
	"github.com/miniweb/miniweb/framework/database/databasetest"
	"github.com/miniweb/miniweb/server/gateway"
	"github.com/miniweb/miniweb/server/gateway/gatewaytest"
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
	return openDB(t, backends[0].url(t), database.Options{})
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

// request runs one request: method, target, a form body (nil for none),
// and cookie ("" for none).
func request(t testing.TB, app gateway.App, method, target string, form url.Values, cookie string) *gatewaytest.Recording {
	t.Helper()
	rec, err := gatewaytest.Record(app, newRequest(method, target, form, cookie))
	if err != nil {
		t.Fatalf("%s %s: %v", method, target, err)
	}
	return rec
}

// newRequest returns the request of request, for a goroutine of a test's
// own, which must not call t.Fatal.
func newRequest(method, target string, form url.Values, cookie string) *gateway.Environ {
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	env := gatewaytest.NewEnviron(method, target, body)
	if form != nil {
		env.Header = append(env.Header, gateway.Field{Name: "Content-Type", Value: "application/x-www-form-urlencoded"})
	}
	if cookie != "" {
		env.Header = append(env.Header, gateway.Field{Name: "Cookie", Value: cookie})
	}
	return env
}

var sessionRE = regexp.MustCompile(`^miniweb_session=([A-Za-z0-9_-]+); Path=/; Max-Age=1209600; HttpOnly; SameSite=Lax$`)

// cookieOf returns the Cookie field that sends back the session rec set.
func cookieOf(t testing.TB, rec *gatewaytest.Recording) string {
	t.Helper()
	m := sessionRE.FindStringSubmatch(rec.Header.Get("Set-Cookie"))
	if m == nil {
		t.Fatalf("no session cookie in %v", rec.Header)
	}
	return "miniweb_session=" + m[1]
}

// visitor is one browser on a test site: it keeps its session cookie
// from answer to answer.
type visitor struct {
	t      testing.TB
	app    gateway.App
	cookie string
}

// do runs a request as v and keeps the cookie the answer sets.
func (v *visitor) do(method, target string, form url.Values) *gatewaytest.Recording {
	v.t.Helper()
	rec := request(v.t, v.app, method, target, form, v.cookie)
	if sc := rec.Header.Get("Set-Cookie"); sc != "" {
		if m := sessionRE.FindStringSubmatch(sc); m != nil {
			v.cookie = "miniweb_session=" + m[1]
		} else {
			v.cookie = "" // removed
		}
	}
	return rec
}

func (v *visitor) get(target string) *gatewaytest.Recording { return v.do("GET", target, nil) }

func (v *visitor) post(target string, form url.Values) *gatewaytest.Recording {
	if form == nil {
		form = url.Values{}
	}
	return v.do("POST", target, form)
}

// register makes the account name and signs v in, failing the test
// otherwise.
func (v *visitor) register(name, password string) {
	v.t.Helper()
	rec := v.post("/register.py", url.Values{"name": {name}, "password": {password}})
	if rec.Code != 303 {
		v.t.Fatalf("register %q: %d\n%s", name, rec.Code, rec.Body)
	}
}

// flashes returns the flash messages on the page at target, fetched by v.
func (v *visitor) flashes(target string) []string {
	v.t.Helper()
	return flashRE.FindAllString(string(v.get(target).Body), -1)
}

var flashRE = regexp.MustCompile(`<p class="flash flash-\w+" role="status">[^<]*</p>`)

// wantStatus fails the test unless rec has code and, for a redirect, the
// Location location.
func wantStatus(t testing.TB, what string, rec *gatewaytest.Recording, code int, location string) {
	t.Helper()
	if rec.Code != code || rec.Header.Get("Location") != location {
		t.Errorf("%s: %d Location %q; want %d %q\n%s", what, rec.Code, rec.Header.Get("Location"), code, location, rec.Body)
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
