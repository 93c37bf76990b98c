package guestbook

import (
	"html"
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

// entryForm is the form with name and message.
func entryForm(name, message string) url.Values {
	return url.Values{"name": {name}, "message": {message}}
}

func TestIndex(t *testing.T) {
	t.Parallel()
	c := newClient(t)
	for _, path := range []string{"/", "/index.py"} {
		resp := c.Get(path)
		resp.WantStatus(t, 200)
		resp.WantContains(t, "<h1>Guestbook</h1>", `<form class="sign" method="post" action="/sign.py"`,
			`<input id="name" name="name" value=""`, `<textarea id="message" name="message"`, "No entries yet")
	}
}

func TestSign(t *testing.T) {
	t.Parallel()
	c := newClient(t)
	resp := c.PostForm("/sign.py", entryForm("  Ada <Lovelace>  ", "Hello\nfrom <script>alert(1)</script>"))
	resp.WantStatus(t, 200) // the page the 303 led to
	if len(resp.Redirects) != 1 || resp.Redirects[0].Code != 303 || resp.Redirects[0].Location() != "/index.py" {
		t.Errorf("the POST was not answered with a 303 to /index.py")
	}
	resp.WantFlash(t, "info", "Thank you for signing, Ada <Lovelace>.")
	resp.WantContains(t, "Thank you for signing, Ada &lt;Lovelace&gt;.",
		`<td class="who">Ada &lt;Lovelace&gt;</td>`,
		`<td class="message">Hello`+"\n"+`from &lt;script&gt;alert(1)&lt;/script&gt;</td>`)
	if strings.Contains(resp.Text(), "<script>") || strings.Contains(resp.Text(), "No entries yet") {
		t.Errorf("the page is not the escaped entry alone:\n%s", resp.Text())
	}
	// The flash is shown once.
	if page := c.Get("/index.py"); strings.Contains(page.Text(), "Thank you for signing") {
		t.Errorf("the flash shows a second time")
	}

	c.PostForm("/sign.py", entryForm("Grace", "Second")).WantStatus(t, 200)
	page := c.Get("/").Text()
	if ada, grace := strings.Index(page, "Ada &lt;"), strings.Index(page, ">Grace<"); grace < 0 || ada < 0 || grace > ada {
		t.Errorf("the entries are not newest first:\n%s", page)
	}
}

func TestSignLimits(t *testing.T) {
	t.Parallel()
	c := newClient(t)
	// The longest of each, in characters, not bytes: "é" is two bytes.
	name, message := strings.Repeat("é", maxName), strings.Repeat("ü", maxMessage)
	resp := c.PostForm("/sign.py", entryForm(name, message))
	resp.WantStatus(t, 200)
	resp.WantContains(t, ">"+name+"<", ">"+message+"<")
}

func TestSignRefused(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name            string
		form            url.Values
		nameErr, msgErr string // the errors beside the name and the message; "" for none
		keptN, keptM    string // the input kept in the form
	}{
		{"empty", entryForm("", ""), "Please write your name.", "Please write a message.", "", ""},
		{"spaces", entryForm("   ", "\n\t "), "Please write your name.", "Please write a message.", "", ""},
		{"no_name", entryForm("", "Hello <b>"), "Please write your name.", "", "", "Hello &lt;b&gt;"},
		{"no_message", entryForm("Ada \"the\" <first>", ""), "", "Please write a message.", "Ada &quot;the&quot; &lt;first&gt;", ""},
		{"name_too_long", entryForm(strings.Repeat("n", maxName+1), "Hi"),
			"At most 64 characters, please (this has 65).", "", strings.Repeat("n", maxName+1), "Hi"},
		{"message_too_long", entryForm("Ada", strings.Repeat("m", maxMessage+1)),
			"", "At most 2000 characters, please (this has 2001).", "Ada", strings.Repeat("m", maxMessage+1)},
		{"no_fields", url.Values{}, "Please write your name.", "Please write a message.", "", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			c := newClient(t)
			resp := c.PostForm("/sign.py", tc.form)
			resp.WantStatus(t, 422)
			resp.WantContains(t, "No entries yet",
				`<input id="name" name="name" value="`+tc.keptN+`"`,
				`<textarea id="message" name="message" rows="4"`)
			if !strings.Contains(resp.Text(), ">"+tc.keptM+"</textarea>") {
				t.Errorf("the message is not kept as %q:\n%s", tc.keptM, resp.Text())
			}
			for field, want := range map[string]string{"name": tc.nameErr, "message": tc.msgErr} {
				span := `<span class="error" id="` + field + `-error">`
				switch {
				case want == "" && strings.Contains(resp.Text(), span):
					t.Errorf("an error beside the %s, which is good:\n%s", field, resp.Text())
				case want != "":
					resp.WantContains(t, span+html.EscapeString(want)+"</span>", `aria-describedby="`+field+`-error"`)
				}
			}
			if len(resp.Flashes()) != 0 {
				t.Errorf("a refused entry flashed %v", resp.Flashes())
			}
		})
	}
}

func TestCrossSitePostRefused(t *testing.T) {
	t.Parallel()
	c := newClient(t)
	c.CrossSite().PostForm("/sign.py", entryForm("Mallory", "from another site")).WantStatus(t, 403)
	if page := c.Get("/index.py").Text(); strings.Contains(page, "from another site") {
		t.Errorf("a cross-site POST signed the guestbook:\n%s", page)
	}
}

func TestNotFound(t *testing.T) {
	t.Parallel()
	resp := newClient(t).Get("/nothing.py")
	resp.WantStatus(t, 404)
	resp.WantContains(t, "<h1>Not Found</h1>", `<a href="/index.py">Back to the home page</a>`)
}
