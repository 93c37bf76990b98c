package frameworktest_test

import (
	"fmt"
	"log/slog"
	"net/url"
	"testing/fstest"

	"github.com/miniweb/miniweb/framework"
	"github.com/miniweb/miniweb/framework/frameworktest"
)

// A form posted, redirected, and its flash shown on the page after; the
// same form sent from another site's page is refused.
func Example() {
	sessions := &framework.SessionOptions{Secret: "a test secret of at least thirty-two bytes"}
	app, err := framework.New(framework.Options{
		TemplatesFS: fstest.MapFS{"index.html": {Data: []byte(
			`{% for f in flashes %}<p class="flash">{{ f.Message }}</p>{% endfor %}<h1>Home</h1>`)}},
		Session: sessions,
		Log:     slog.New(slog.DiscardHandler),
	})
	if err != nil {
		panic(err)
	}
	defer app.Close()
	app.Context(func(r *framework.Request) framework.Data { return framework.Data{"flashes": r.Flashes()} })
	app.Page("GET", "/index.py", "index.html", func(r *framework.Request) (framework.Data, error) { return nil, nil })
	app.Handle("POST", "/hello.py", func(r *framework.Request) (*framework.Response, error) {
		r.Flash("info", "Hello, "+r.FormValue("name")+".")
		return framework.Redirect("/index.py"), nil
	})

	c := frameworktest.New(nil, app, frameworktest.Options{Session: sessions}) // in a test: New(t, ...)
	resp := c.PostForm("/hello.py", url.Values{"name": {"Ada"}})
	fmt.Println(resp.Redirects[0].Code, resp.Redirects[0].Location(), "->", resp.Code, resp.Path)
	fmt.Println(resp.Flashes())
	fmt.Println(resp.Text())
	fmt.Println(c.CrossSite().PostForm("/hello.py", url.Values{"name": {"Mallory"}}).Code)
	// Output:
	// 303 /index.py -> 200 /index.py
	// [{info Hello, Ada.}]
	// <p class="flash">Hello, Ada.</p><h1>Home</h1>
	// 403
}
