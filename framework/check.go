package framework

import (
	"errors"
	"fmt"
	"io/fs"
	"strings"
)

// templateUse is a template an App names before it serves: a page's
// (Page), or the error pages' (Options.ErrorTemplate).
type templateUse struct {
	name  string // "login.html"
	where string // "GET POST /login.py", or "ErrorTemplate"
}

// Check reports each template the App's routes name (a Page's template,
// Options.ErrorTemplate) that neither the templates folder nor the
// embedded templates hold, one error each, naming the route:
//
//	template "login.html" (GET POST /login.py): not in sites/guestbook/templates nor in the embedded templates
//
// A site calls it once its routes are registered, so that a missing file
// fails the start rather than its page's first request (miniweb's
// package sites does, for every site). A Handle route's templates are
// chosen as it runs, and are not checked; nor is what a template extends
// or includes (a compile error of the page, see New).
func (a *App) Check() error {
	var errs []error
	for _, u := range a.named {
		_, err := fs.Stat(a.store.fsys, u.name)
		switch {
		case err == nil:
		case errors.Is(err, fs.ErrNotExist):
			errs = append(errs, fmt.Errorf("template %q (%s): not in %s", u.name, u.where, a.store.places()))
		default:
			errs = append(errs, fmt.Errorf("template %q (%s): %w", u.name, u.where, err))
		}
	}
	return errors.Join(errs...)
}

// places says where s looks for templates, for Check's "not in ...":
// "/srv/templates nor in the embedded templates"; the folder alone when
// there are no embedded templates.
func (s *store) places() string {
	switch _, over := s.fsys.(overlay); {
	case s.root == nil && s.dir == "": // embedded alone, by design
		return "the embedded templates"
	case s.root == nil: // embedded alone
		return s.dir + " (no such folder) nor in the embedded templates"
	case over:
		return s.dir + " nor in the embedded templates"
	}
	return s.dir
}

// methodList returns a route's methods for a message: "GET POST".
func (r *route) methodList() string { return strings.Join(r.methods, " ") }
