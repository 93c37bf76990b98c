package hello_test

import (
	"log/slog"
	"net/url"
	"testing"

	"example.com/hello/hello"
	"github.com/miniweb/miniweb/framework"
	"github.com/miniweb/miniweb/framework/frameworktest"
)

// sessions keys the site's session cookies in these tests.
var sessions = &framework.SessionOptions{Secret: "a test secret of at least thirty-two bytes"}

// newClient returns a visitor on a new hello site, built from its
// embedded templates alone (the folder named does not exist).
func newClient(t *testing.T) *frameworktest.Client {
	t.Helper()
	app, err := hello.New(framework.Options{
		Templates: t.TempDir() + "/none",
		Session:   sessions,
		Log:       slog.New(slog.DiscardHandler),
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { app.Close() })
	return frameworktest.New(t, app, frameworktest.Options{Session: sessions})
}

// A visitor signs in with a form: redirected to the page, which shows the
// flash once and greets them by name.
func TestSignIn(t *testing.T) {
	c := newClient(t)
	resp := c.Get("/index.py")
	resp.WantStatus(t, 200)
	resp.WantContains(t, "greets stranger.")

	resp = c.PostForm("/sign.py", url.Values{"name": {"Ada <Lovelace>"}})
	resp.WantStatus(t, 200)
	if len(resp.Redirects) != 1 || resp.Redirects[0].Code != 303 || resp.Path != "/index.py" {
		t.Fatalf("POST /sign.py: want one 303 to /index.py, got %d redirects ending at %s", len(resp.Redirects), resp.Path)
	}
	resp.WantFlash(t, "info", "Signed in as Ada <Lovelace>.")
	resp.WantContains(t, "Signed in as Ada &lt;Lovelace&gt;.", "greets Ada &lt;Lovelace&gt;.")

	again := c.Get("/index.py")
	if f := again.Flashes(); len(f) != 0 {
		t.Errorf("the flash shown again: %v", f)
	}
	again.WantContains(t, "greets Ada &lt;Lovelace&gt;.")
}

// A form without a name is a 400 on the site's own error page; one sent
// from another site's page is refused.
func TestSignInRefused(t *testing.T) {
	c := newClient(t)
	resp := c.PostForm("/sign.py", url.Values{"name": {"  "}})
	resp.WantStatus(t, 400)
	resp.WantContains(t, `<h1 id="error">400 Bad Request</h1>`, "A name, please.")

	c.CrossSite().PostForm("/sign.py", url.Values{"name": {"Mallory"}}).WantStatus(t, 403)
	c.Get("/index.py").WantContains(t, "greets stranger.")
}
