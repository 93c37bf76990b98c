package guestbook_test

import (
	"context"
	"log/slog"
	"net/url"
	"path/filepath"
	"testing"

	"github.com/miniweb/miniweb/framework"
	"github.com/miniweb/miniweb/framework/frameworktest"
	"github.com/miniweb/miniweb/sites"
)

// The guestbook shares the demo's database (data/miniweb.db by default):
// each site's migrations are recorded under its own name, so switching
// the config's site between the two on one database finds each schema
// where it was left, in either order, and each site's rows with it.

// sharedSecret keys the sites' session cookies.
const sharedSecret = "a shared test secret of at least thirty-two bytes"

// build builds the site called name as the server does, on the SQLite
// file db, from its embedded files alone (dir has no folders), and
// returns a browser on it and the site, which the caller closes.
func build(t *testing.T, name, db, dir string) (*frameworktest.Client, *sites.Site) {
	t.Helper()
	s, err := sites.Build(context.Background(), name, sites.Options{
		Dir:      dir,
		Log:      slog.New(slog.DiscardHandler),
		Session:  sites.SessionOptions{Secret: sharedSecret},
		Suffix:   ".py",
		Database: sites.DatabaseOptions{URL: "sqlite:" + db},
	})
	if err != nil {
		t.Fatalf("building %s on %s: %v", name, db, err)
	}
	current, latest, ok, err := s.Version(context.Background(), name)
	if err != nil || !ok || current == 0 || current != latest {
		s.Close()
		t.Fatalf("%s on %s: schema version %d of %d (%v, %v), want the latest", name, db, current, latest, ok, err)
	}
	return frameworktest.New(t, s.App, frameworktest.Options{Session: &framework.SessionOptions{Secret: sharedSecret}}), s
}

// useDemo checks the demo's pages that read and write its tables: the
// market, and a new account (user number n).
func useDemo(t *testing.T, c *frameworktest.Client, n string) {
	t.Helper()
	c.Get("/center.py").WantContains(t, "600519")
	resp := c.PostForm("/register.py", url.Values{"name": {"ada" + n}, "password": {"correct horse battery"}})
	resp.WantStatus(t, 200)
	resp.WantContains(t, "ada"+n)
}

// useGuestbook signs the guestbook as who and checks that every earlier
// entry is still listed.
func useGuestbook(t *testing.T, c *frameworktest.Client, who string, earlier ...string) {
	t.Helper()
	resp := c.PostForm("/sign.py", url.Values{"name": {who}, "message": {"Hello from " + who}})
	resp.WantStatus(t, 200)
	resp.WantContains(t, append([]string{">Hello from " + who + "<"}, earlier...)...)
}

func TestSharedDatabase(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name  string
		first string // the site that makes the database
	}{
		{"demo_first", "demo"},
		{"guestbook_first", "guestbook"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			db := filepath.Join(dir, "miniweb.db")
			// Each step is a start of the server with the site, on the
			// database the steps before it left.
			steps := []string{"demo", "guestbook", "demo", "guestbook"}
			if tc.first == "guestbook" {
				steps = []string{"guestbook", "demo", "guestbook", "demo"}
			}
			var signed []string
			for i, name := range steps {
				c, site := build(t, name, db, dir)
				n := string(rune('0' + i))
				if name == "demo" {
					useDemo(t, c, n)
				} else {
					who := "Guest " + n
					useGuestbook(t, c, who, signed...)
					signed = append(signed, ">Hello from "+who+"<")
				}
				if err := site.Close(); err != nil { // the server stops; the next start is the other site
					t.Fatal(err)
				}
			}
		})
	}
}
