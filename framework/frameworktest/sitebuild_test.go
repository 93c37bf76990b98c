package frameworktest

import (
	"net/url"
	"testing"
	"testing/fstest"

	"github.com/miniweb/miniweb/framework"
	"github.com/miniweb/miniweb/framework/database"
)

// guestFiles are a small site's files as it embeds them: templates,
// static files and migrations, each in its folder.
var guestFiles = fstest.MapFS{
	"templates/index.html": {Data: []byte(`<link rel="stylesheet" href="{{ static("style.css") }}">
{% for f in flashes %}<p class="flash"><%f.Message%></p>{% endfor %}
<ul>{% for w in words %}<li><%w%></li>{% endfor %}</ul>`)},
	"static/style.css":               {Data: []byte(`body { margin: 0 }`)},
	"migrations/0001_create_say.sql": {Data: []byte(`CREATE TABLE say_words (word TEXT NOT NULL)`)},
}

// newGuest is the small site's New: a list of words, and a form that adds
// one.
func newGuest(o framework.Options, db *database.DB) (*framework.App, error) {
	app, err := framework.New(o)
	if err != nil {
		return nil, err
	}
	app.Context(func(r *framework.Request) framework.Data { return framework.Data{"flashes": r.Flashes()} })
	app.Page("GET", "/index.py", "index.html", func(r *framework.Request) (framework.Data, error) {
		rows, err := db.QueryContext(r.Context(), "SELECT word FROM say_words ORDER BY word")
		if err != nil {
			return nil, err
		}
		defer rows.Close()
		var words []string
		for rows.Next() {
			var w string
			if err := rows.Scan(&w); err != nil {
				return nil, err
			}
			words = append(words, w)
		}
		return framework.Data{"words": words}, rows.Err()
	})
	app.Handle("POST", "/say.py", func(r *framework.Request) (*framework.Response, error) {
		if _, err := db.ExecContext(r.Context(), db.Rebind("INSERT INTO say_words (word) VALUES (?)"), r.FormValue("word")); err != nil {
			return nil, err
		}
		r.Flash("info", "Said.")
		return framework.Redirect("/index.py"), nil
	})
	return app, nil
}

func TestSite(t *testing.T) {
	t.Parallel()
	app := Site(t, "say", guestFiles, newGuest)
	c := New(t, app, SiteOptions())
	resp := c.PostForm("/say.py", url.Values{"word": {"hello"}})
	resp.WantStatus(t, 200)
	resp.WantFlash(t, "info", "Said.")
	resp.WantContains(t, "<li>hello</li>", `href="/style.`)
	c.CrossSite().PostForm("/say.py", url.Values{"word": {"evil"}}).WantStatus(t, 403)
}

func TestSiteWithoutDatabase(t *testing.T) {
	t.Parallel()
	files := fstest.MapFS{"templates/index.html": {Data: []byte(`<p>no database</p>`)}}
	var got *database.DB
	gotDB := false
	app := Site(t, "plain", files, func(o framework.Options, db *database.DB) (*framework.App, error) {
		got, gotDB = db, true
		app, err := framework.New(o)
		if err != nil {
			return nil, err
		}
		app.Page("GET", "/index.py", "index.html", func(*framework.Request) (framework.Data, error) { return nil, nil })
		return app, nil
	})
	if !gotDB || got != nil {
		t.Fatalf("New got db %v (called: %v), want nil for a site without migrations", got, gotDB)
	}
	New(t, app, SiteOptions()).Get("/index.py").WantContains(t, "no database")
}

func TestSiteFrameworkOptions(t *testing.T) {
	t.Parallel()
	o := SiteFrameworkOptions(t, "say", guestFiles)
	if o.TemplatesFS == nil || o.StaticFS == nil || !o.Strict || o.Suffix != ".py" || o.Session == nil || o.Session.Secret != SiteSecret {
		t.Fatalf("SiteFrameworkOptions = %+v: want the embedded folders, Strict, .py and SiteSecret", o)
	}
	if o.Dev {
		t.Errorf("Dev is on: want the site as it runs in production")
	}
}
