package guestbook

import (
	"net/url"
	"strings"
	"testing"

	"github.com/miniweb/miniweb/framework/frameworktest"
)

// newClient returns a browser on the site, built from its embedded files
// on a throwaway SQLite database with its migrations applied.
func newClient(t *testing.T) *frameworktest.Client {
	return frameworktest.New(t, frameworktest.Site(t, "guestbook", Files, New), frameworktest.SiteOptions())
}

func TestIndex(t *testing.T) {
	t.Parallel()
	c := newClient(t)
	for _, path := range []string{"/", "/index.py"} {
		resp := c.Get(path)
		resp.WantStatus(t, 200)
		resp.WantContains(t, "<h1>Guestbook</h1>", `<form method="post" action="/add.py"`, "Nothing yet")
	}
}

func TestAdd(t *testing.T) {
	t.Parallel()
	c := newClient(t)
	resp := c.PostForm("/add.py", url.Values{"text": {"  the first <note>  "}})
	resp.WantStatus(t, 200) // the page the 303 led to
	resp.WantFlash(t, "info", "Added.")
	resp.WantContains(t, "<td>the first &lt;note&gt;</td>")
	c.PostForm("/add.py", url.Values{"text": {"the second"}}).WantStatus(t, 200)
	page := c.Get("/index.py").Text()
	if first, second := strings.Index(page, "the first"), strings.Index(page, "the second"); second < 0 || second > first {
		t.Errorf("the second note is not listed before the first:\n%s", page)
	}
}

func TestAddRefused(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name, text, message string
	}{
		{"empty", "", "Write something."},
		{"spaces", "   ", "Write something."},
		{"too_long", strings.Repeat("é", maxText+1), "At most 200 characters"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			c := newClient(t)
			resp := c.PostForm("/add.py", url.Values{"text": {tc.text}})
			resp.WantStatus(t, 422)
			resp.WantContains(t, tc.message, "Nothing yet")
		})
	}
}

func TestCrossSitePostRefused(t *testing.T) {
	t.Parallel()
	c := newClient(t)
	c.CrossSite().PostForm("/add.py", url.Values{"text": {"from another site"}}).WantStatus(t, 403)
	if page := c.Get("/index.py").Text(); strings.Contains(page, "from another site") {
		t.Errorf("a cross-site POST added a note:\n%s", page)
	}
}
