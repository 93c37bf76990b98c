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
	"github.com/miniweb/miniweb/server/gateway/gatewaytest"
)

// want503 fails the test unless rec is the database's 503 page.
func want503(t *testing.T, what string, rec *gatewaytest.Recording) {
	t.Helper()
	body := string(rec.Body)
	if rec.Code != 503 || rec.Header.Get("Retry-After") == "" ||
		!strings.Contains(body, "The database is unavailable; please try again in a moment.") {
		t.Errorf("%s: %d %v; want the database's 503 page\n%s", what, rec.Code, rec.Header, body)
	}
	if strings.Contains(strings.ToLower(body), "locked") || strings.Contains(body, "sqlite") || strings.Contains(body, "pgx") {
		t.Errorf("%s: the page tells the database's error:\n%s", what, body)
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
			v := &visitor{t: t, app: app}
			v.register("ada", "correct horse")

			tx, err := locker.BeginTx(context.Background(), nil) // BEGIN IMMEDIATE: the write lock
			if err != nil {
				t.Fatal(err)
			}
			defer tx.Rollback()
			if _, err := tx.Exec("UPDATE stocks SET about = about WHERE code = '600519'"); err != nil {
				t.Fatal(err)
			}
			// The answer comes, in a test that ends at the first failure
			// (so that the lock is let go, and a hung request ends).
			answered := make(chan *gatewaytest.Recording, 1)
			go func() {
				rec, err := gatewaytest.Record(app, newRequest("POST", "/add/600519.py", url.Values{}, v.cookie))
				if err != nil {
					t.Errorf("follow while locked: %v", err)
				}
				answered <- rec
			}()
			select {
			case rec := <-answered:
				if rec != nil {
					want503(t, "follow while locked", rec)
				}
			case <-time.After(hang):
				t.Fatalf("follow while locked: no answer within %v", hang)
			}
			want503(t, "register while locked", (&visitor{t: t, app: app}).post("/register.py", url.Values{"name": {"bob"}, "password": {"correct horse"}}))
			if rec := v.get("/center.py"); rec.Code != 200 {
				t.Errorf("reading while locked: %d", rec.Code)
			}
			if !strings.Contains(logs.String(), "level=ERROR") {
				t.Errorf("the 503s are not logged:\n%s", logs)
			}
			if err := tx.Rollback(); err != nil {
				t.Fatal(err)
			}
			wantStatus(t, "follow after", v.post("/add/600519.py", nil), 303, "/watchlist.py")
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
	v := &visitor{t: t, app: app}
	v.register("ada", "correct horse")
	wantStatus(t, "follow", v.post("/add/600519.py", nil), 303, "/watchlist.py")

	if err := c.Stop(); err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		method, target string
		form           url.Values
	}{
		{"GET", "/index.py", nil},
		{"GET", "/center.py", nil},
		{"GET", "/stock/600519.py", nil},
		{"GET", "/watchlist.py", nil},
		{"POST", "/add/000001.py", url.Values{}},
		{"POST", "/login.py", url.Values{"name": {"ada"}, "password": {"correct horse"}}},
		{"POST", "/register.py", url.Values{"name": {"bob"}, "password": {"correct horse"}}},
	} {
		want503(t, tt.method+" "+tt.target, v.do(tt.method, tt.target, tt.form))
	}
	// Pages without the database still work.
	if rec := v.get("/about.py"); rec.Code != 200 {
		t.Errorf("/about.py without the database: %d", rec.Code)
	}

	if err := c.Start(); err != nil {
		t.Fatal(err)
	}
	// database/sql drops the dead connections as they fail; a request or
	// two may still meet one.
	deadline := time.Now().Add(hang)
	for {
		rec := v.get("/watchlist.py")
		if rec.Code == 200 {
			if got := watchRows(rec.Body); len(got) != 1 || got[0].Code != "600519" {
				t.Errorf("the list after the restart: %q", got)
			}
			break
		}
		if rec.Code != 503 || time.Now().After(deadline) {
			t.Fatalf("after the restart: %d\n%s", rec.Code, rec.Body)
		}
		time.Sleep(50 * time.Millisecond)
	}
	wantStatus(t, "follow after the restart", v.post("/add/000001.py", nil), 303, "/watchlist.py")
}
