// Package hello is a small site built on miniweb's framework from outside
// its repository: a page that greets the visitor by name, and a form that
// signs the visitor in with a flash message. Its templates travel with it,
// embedded.
package hello

import (
	"embed"
	"io/fs"
	"strings"

	"github.com/miniweb/miniweb/framework"
)

// Files holds the site's own files: the templates folder.
//
//go:embed templates
var Files embed.FS

// Templates is Files' templates folder, "index.html" at its root.
var Templates = sub("templates")

// sub returns the folder dir of Files.
func sub(dir string) fs.FS {
	f, err := fs.Sub(Files, dir)
	if err != nil {
		panic("hello: embedded " + dir + ": " + err.Error())
	}
	return f
}

// New returns the site with o; its templates are Templates, under any
// folder o.Templates names (a file there wins), unless o.TemplatesFS says
// otherwise. It sets o.Suffix to ".py" when empty and o.ErrorTemplate.
func New(o framework.Options) (*framework.App, error) {
	if o.TemplatesFS == nil {
		o.TemplatesFS = Templates
	}
	if o.Suffix == "" {
		o.Suffix = ".py"
	}
	o.ErrorTemplate = "error.html"
	app, err := framework.New(o)
	if err != nil {
		return nil, err
	}
	app.Context(func(r *framework.Request) framework.Data {
		return framework.Data{"flashes": r.Flashes()}
	})
	app.Page("GET", "/index.py", "index.html", func(r *framework.Request) (framework.Data, error) {
		name := r.Session().Get("name")
		if name == "" {
			name = "stranger"
		}
		return framework.Data{"title": "Hello", "name": name}, nil
	})
	app.Handle("POST", "/sign.py", func(r *framework.Request) (*framework.Response, error) {
		name := strings.TrimSpace(r.FormValue("name"))
		if name == "" {
			return nil, framework.Error(400, "A name, please.")
		}
		r.Session().Set("name", name)
		r.Flash("info", "Signed in as "+name+".")
		return framework.Redirect("/index.py"), nil
	})
	return app, nil
}
