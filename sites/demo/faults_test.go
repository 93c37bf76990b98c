package demo

import (
	"context"
	"net/url"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/miniweb/miniweb/framework/database"
	"github.com/miniweb/miniweb/framework/database/databasetest"
	"github.com/miniweb/miniweb/framework/frameworktest"
)

// want503 fails the test unless resp is the database's 503 page.
func want503(t *testing.T, resp *frameworktest.Response) {
	t.Helper()
	body := resp.Text()
	if resp.Code != 503 || resp.Header.Get("Retry-After") == "" ||
		!strings.Contains(body, "The database is unavailable; please try again in a moment.") {
		t.Errorf("%s %s: %d %v; want the database's 503 page\n%s", resp.Method, resp.Target, resp.Code, resp.Header, body)
	}
	if strings.Contains(strings.ToLower(body), "locked") || strings.Contains(body, "sqlite") || strings.Contains(body, "pgx") {
		t.Errorf("%s %s: the page tells the database's error:\n%s", resp.Method, resp.Target, body)
	}
}

// TestDatabaseBusy holds SQLite's write lock from another connection: a
// write that cannot get it in time is a 503, never a hang or a 500; reads
// go on (WAL); once the lock is let go, writes work again.
func TestDatabaseBusy(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		name string
		busy time.Duration // SQLite's busy timeout
		c    config        // the site's
	}{
		// SQLite gives up: SQLITE_BUSY.
		{"busy timeout", 50 * time.Millisecond, config{}},
		// The request's own bound ends first: SQLite's would hold it for
		// an hour, longer than the test waits (hang).
		{"query timeout", time.Hour, config{queryTimeout: 100 * time.Millisecond}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			path := "sqlite:" + filepath.Join(t.TempDir(), "demo.db")
			locker := openDB(t, path, database.Options{})
			db := openDB(t, path, database.Options{BusyTimeout: tt.busy})
			app, _, logs := testSiteWith(t, db, templates, false, tt.c)
			// ada signs up on a site of the default bounds over the same
			// database: the short one is for the writes under the lock, not
			// for a sign-up's hash on a busy machine (it made this 503).
			setup, _, _ := testSite(t, db, templates, false)
			ada := newClient(t, setup)
			register(t, ada, "ada", "correct horse")
			cookie, _ := ada.Cookie("miniweb_session")
			v := newClient(t, app)
			v.SetCookie("miniweb_session", cookie)

			tx, err := locker.BeginTx(context.Background(), nil) // BEGIN IMMEDIATE: the write lock
			if err != nil {
				t.Fatal(err)
			}
			defer tx.Rollback()
			if _, err := tx.Exec("UPDATE stocks SET about = about WHERE code = '600519'"); err != nil {
				t.Fatal(err)
			}
			// The answer comes, in a test that ends at the first failure
			// (so that the lock is let go, and a hung request ends). From a
			// goroutine, by a Client made without t (New's t must be the
			// goroutine's that calls it), with ada's cookie.
			session, _ := v.Cookie("miniweb_session")
			g := frameworktest.New(nil, app, frameworktest.Options{})
			g.SetCookie("miniweb_session", session)
			answered := make(chan *frameworktest.Response, 1)
			go func() { answered <- g.PostForm("/add/600519.py", nil) }()
			select {
			case resp := <-answered:
				want503(t, resp)
			case <-time.After(hang):
				t.Fatalf("follow while locked: no answer within %v", hang)
			}
			want503(t, newClient(t, app).PostForm("/register.py", url.Values{"name": {"bob"}, "password": {"correct horse"}}))
			v.Get("/center.py").WantStatus(t, 200)
			if !strings.Contains(logs.String(), "level=ERROR") {
				t.Errorf("the 503s are not logged:\n%s", logs)
			}
			if err := tx.Rollback(); err != nil {
				t.Fatal(err)
			}
			wantSeeOther(t, v.PostForm("/add/600519.py", nil), "/watchlist.py")
		})
	}
}

// TestDatabaseLost stops the PostgreSQL server under a running site: its
// pages are 503s while it is gone, and work again when it is back, without
// a restart of the site.
func TestDatabaseLost(t *testing.T) {
	t.Parallel()
	c := databasetest.Private(t)
	ctx := context.Background()
	u, err := c.CreateDatabase(ctx, "demo")
	if err != nil {
		t.Fatal(err)
	}
	db := openDB(t, u, database.Options{})
	app, _, _ := testSiteWith(t, db, templates, false, config{queryTimeout: 2 * time.Second})
	v := newClient(t, app)
	register(t, v, "ada", "correct horse")
	wantSeeOther(t, v.PostForm("/add/600519.py", nil), "/watchlist.py")

	if err := c.Stop(); err != nil {
		t.Fatal(err)
	}
	for _, target := range []string{"/index.py", "/center.py", "/stock/600519.py", "/watchlist.py"} {
		want503(t, v.Get(target))
	}
	for _, tt := range []struct {
		target string
		form   url.Values
	}{
		{"/add/000001.py", url.Values{}},
		{"/login.py", url.Values{"name": {"ada"}, "password": {"correct horse"}}},
		{"/register.py", url.Values{"name": {"bob"}, "password": {"correct horse"}}},
	} {
		want503(t, v.PostForm(tt.target, tt.form))
	}
	// Pages without the database still work.
	v.Get("/about.py").WantStatus(t, 200)

	if err := c.Start(); err != nil {
		t.Fatal(err)
	}
	// database/sql drops the dead connections as they fail; a request or
	// two may still meet one.
	deadline := time.Now().Add(hang)
	for {
		resp := v.Get("/watchlist.py")
		if resp.Code == 200 {
			if got := watchRows(resp.Body); len(got) != 1 || got[0].Code != "600519" {
				t.Errorf("the list after the restart: %q", got)
			}
			break
		}
		if resp.Code != 503 || time.Now().After(deadline) {
			t.Fatalf("after the restart: %d\n%s", resp.Code, resp.Body)
		}
		time.Sleep(50 * time.Millisecond)
	}
	wantSeeOther(t, v.PostForm("/add/000001.py", nil), "/watchlist.py")
}
