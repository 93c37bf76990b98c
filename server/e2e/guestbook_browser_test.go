package e2e

import (
	"context"
	"log/slog"
	"path/filepath"
	"strings"
	"testing"

	"github.com/miniweb/miniweb/server/httpserver"
	"github.com/miniweb/miniweb/server/internal/testnet"
	"github.com/miniweb/miniweb/server/static"
	"github.com/miniweb/miniweb/sites"
)

// TestGuestbookBrowser is the guestbook, the site `go run ./server new`
// began, as a person sees it through the real engine: a browser opens /,
// which is the guestbook's page (not the demo's static index), with its
// own stylesheet; sends the form with a blank name and sees the error
// beside the field with the message kept (422); corrects it and sees the
// flash and the new entry at the top of the list, a script in the name
// shown as text. The site runs on an SQLite database of the test's own,
// from its embedded files alone.
func TestGuestbookBrowser(t *testing.T) {
	t.Parallel()
	driverPath := findBrowser(t)
	shots := screenshotDir(t)
	t.Logf("screenshots in %s", shots)

	siteLog := &syncBuffer{}
	site, err := sites.Build(context.Background(), "guestbook", sites.Options{
		Dir:      t.TempDir(), // no folders on disk: the embedded files
		Log:      slog.New(slog.NewTextHandler(siteLog, nil)),
		Session:  sites.SessionOptions{Secret: testSessionSecret},
		Suffix:   ".py",
		Database: sites.DatabaseOptions{URL: "sqlite:" + filepath.Join(t.TempDir(), "miniweb.db")},
	})
	if err != nil {
		t.Fatalf("sites.Build(guestbook): %v", err)
	}
	t.Cleanup(func() {
		site.Close()
		if t.Failed() {
			t.Logf("site log:\n%s", siteLog)
		}
	})
	st, err := static.NewOverlay("", site.StaticFS)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	owner, ok := site.App.(interface{ OwnsPath(string) bool })
	if !ok {
		t.Fatalf("the guestbook's App (%T) claims no path", site.App)
	}
	// As server/main.go wires a site: its static files, and "/" to the
	// site when it claims it.
	ts := startServer(t, site.App, nil, func(s *httpserver.Server) {
		s.Static = st
		s.AppPath = func(path string) bool { return strings.HasSuffix(path, ".py") || owner.OwnsPath(path) }
	})
	base := "http://" + ts.addr
	wd := startBrowser(t, driverPath)
	shot := func(name string) { wd.screenshot(filepath.Join(shots, "guestbook-"+name+".png")) }

	// "/" is the guestbook's page, styled by its own stylesheet.
	wd.navigate(base + "/")
	if got, want := wd.title(), "Guestbook · Guestbook"; got != want {
		t.Errorf("title of /: %q; want %q (the demo's static index is %q)", got, want, "miniweb")
	}
	if got := wd.find("main h1").text(); got != "Guestbook" {
		t.Errorf("h1 of /: %q; want Guestbook", got)
	}
	if got := wd.find("td.none").text(); !strings.Contains(got, "No entries yet") {
		t.Errorf("the empty list says %q", got)
	}
	wd.waitFor("the site's stylesheet applied",
		`return getComputedStyle(document.querySelector("header")).borderBottomStyle === "solid"`)
	shot("01-empty")

	// A blank name: the error beside the field, the message kept, 422.
	const message = "Lovely site.\nSee you soon."
	wd.find("#name").sendKeys("   ")
	wd.find("#message").sendKeys(message)
	wd.find("form.sign button").click()
	wd.waitPath("/sign.py")
	if got := wd.find("#name-error").text(); got != "Please write your name." {
		t.Errorf("the error beside the name says %q", got)
	}
	if got := wd.find("#name").attr("aria-invalid"); got != "true" {
		t.Errorf("the name field's aria-invalid is %q; want true", got)
	}
	if got := wd.find("#message").property("value"); got != message {
		t.Errorf("the message kept is %q; want %q", got, message)
	}
	if n := len(wd.findAll("#message-error")); n != 0 {
		t.Errorf("an error beside the message, which is good")
	}
	// The access line is written once the answer has gone: the page may
	// show first.
	if !testnet.WaitFor(patience, func() bool { return strings.Contains(ts.access.String(), `"POST /sign.py HTTP/1.1" 422 `) }) {
		t.Errorf("the refused POST was not a 422; access log:\n%s", ts.access)
	}
	shot("02-refused")

	// Corrected: the flash after the redirect, and the entry on top.
	const name = "<script>window.__xss=1</script>Ada"
	wd.find("#name").clear()
	wd.find("#name").sendKeys(name)
	wd.find("form.sign button").click()
	wd.waitPath("/index.py")
	if got, want := wd.find(".flash").text(), "Thank you for signing, "+name+"."; got != want {
		t.Errorf("the flash says %q; want %q", got, want)
	}
	rows := wd.findAll("table.entries tbody tr")
	if len(rows) != 1 {
		t.Fatalf("%d rows in the list; want the one entry", len(rows))
	}
	if got := wd.find("table.entries tbody tr td.who").text(); got != name {
		t.Errorf("the entry's name reads %q; want it literally, %q", got, name)
	}
	if got := wd.find("table.entries tbody tr td.message").text(); got != message {
		t.Errorf("the entry's message reads %q; want %q, its line break kept", got, message)
	}
	var xss any
	wd.script(`return window.__xss === undefined ? null : window.__xss`, &xss)
	if xss != nil {
		t.Errorf("the script in the name ran")
	}
	if n := len(wd.findAll("#name-error")); n != 0 {
		t.Errorf("the error is still shown after the entry was taken")
	}
	shot("03-signed")

	// A second entry goes above the first; the flash was shown once.
	wd.find("#name").sendKeys("Grace")
	wd.find("#message").sendKeys("Second!")
	wd.find("form.sign button").click()
	wd.waitFor("the second entry on top",
		`return document.querySelector("table.entries tbody tr td.who")?.textContent === "Grace"`)
	if got := len(wd.findAll("table.entries tbody tr")); got != 2 {
		t.Errorf("%d rows; want 2", got)
	}
	wd.navigate(base + "/")
	if n := len(wd.findAll(".flash")); n != 0 {
		t.Errorf("a flash shows again on the next page")
	}
	shot("04-two")
}
