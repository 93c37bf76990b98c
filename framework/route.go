package framework

import (
	"fmt"
	"slices"
	"strings"

	"github.com/miniweb/miniweb/server/gateway"
)

// A route is a pattern, the methods it answers, and what answers them.
type route struct {
	pattern string
	// segs is the parsed pattern; nil for a pattern without parameters,
	// which is matched by the router's map.
	segs    []segment
	methods []string
	// allow is the Allow field of a 405 from this route: "GET, HEAD, POST".
	allow string
	// Exactly one of page and handle is set.
	page     PageFunc
	template string
	handle   HandlerFunc
}

// A segment is one "/"-separated part of a pattern: literal text, or a
// parameter with the literal text around it, as in "{code}.py".
type segment struct {
	lit            string // the whole segment when param is ""
	param          string
	prefix, suffix string
}

// Param is one named segment of a request path.
type Param struct {
	// Name is the name in the pattern, without braces: "code".
	Name string
	// Value is the percent-decoded text the segment matched: "600519".
	Value string
}

// routeLive is the route label (gateway.Environ.Route) of live reload's
// requests in dev mode, whose event streams last as long as a page is open.
const routeLive = "livereload"

// router finds the route of a request: patterns without parameters by map,
// then patterns with parameters in the order they were registered.
type router struct {
	exact    map[string][]*route
	patterns []*route
}

// knownMethods sets the order of methods in Allow; others follow, sorted.
var knownMethods = []string{"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"}

// add registers a route for methods (separated by spaces or commas) and
// pattern. It panics on a malformed pattern or method list, and on a method
// and pattern registered twice, which are programmer errors at setup.
func (rt *router) add(methods, pattern string, r *route) {
	r.pattern = pattern
	r.segs = parsePattern(pattern)
	r.methods = parseMethods(methods, pattern)
	r.allow = allowList(r.methods)
	for _, other := range rt.all() {
		if other.pattern != pattern {
			continue
		}
		for _, m := range r.methods {
			if other.allows(m) {
				panic("framework: " + m + " " + pattern + " registered twice")
			}
		}
	}
	if r.segs == nil {
		if rt.exact == nil {
			rt.exact = map[string][]*route{}
		}
		rt.exact[pattern] = append(rt.exact[pattern], r)
		return
	}
	rt.patterns = append(rt.patterns, r)
}

// all returns every route.
func (rt *router) all() []*route {
	var out []*route
	for _, rs := range rt.exact {
		out = append(out, rs...)
	}
	return append(out, rt.patterns...)
}

// match returns the route for method and path with the path's parameters.
// When no route answers the method but some match the path, it returns nil
// and the union of their methods for an Allow field; when none match the
// path, nil and "".
func (rt *router) match(method, path string) (*route, []Param, string) {
	var allowed []*route
	for _, r := range rt.exact[path] {
		if r.allows(method) {
			return r, nil, ""
		}
		allowed = append(allowed, r)
	}
	for _, r := range rt.patterns {
		params, ok := r.matchPath(path)
		if !ok {
			continue
		}
		if r.allows(method) {
			return r, params, ""
		}
		allowed = append(allowed, r)
	}
	switch len(allowed) {
	case 0:
		return nil, nil, ""
	case 1:
		return nil, nil, allowed[0].allow
	}
	var ms []string
	for _, r := range allowed {
		ms = append(ms, r.methods...)
	}
	return nil, nil, allowList(ms)
}

// allows reports whether r answers method; HEAD goes wherever GET does.
func (r *route) allows(method string) bool {
	for _, m := range r.methods {
		if m == method || (method == "HEAD" && m == "GET") {
			return true
		}
	}
	return false
}

// matchPath matches path against a pattern with parameters.
func (r *route) matchPath(path string) ([]Param, bool) {
	if path == "" || path[0] != '/' {
		return nil, false
	}
	rest := path[1:]
	var params []Param
	for i, s := range r.segs {
		part, more, found := strings.Cut(rest, "/")
		last := i == len(r.segs)-1
		if found == last {
			return nil, false // too many segments, or too few
		}
		rest = more
		if s.param == "" {
			if part != s.lit {
				return nil, false
			}
			continue
		}
		if len(part) <= len(s.prefix)+len(s.suffix) ||
			!strings.HasPrefix(part, s.prefix) || !strings.HasSuffix(part, s.suffix) {
			return nil, false
		}
		if params == nil {
			params = make([]Param, 0, len(r.segs))
		}
		params = append(params, Param{Name: s.param, Value: part[len(s.prefix) : len(part)-len(s.suffix)]})
	}
	return params, true
}

// parsePattern parses "/stock/{code}.py": segments of literal text, or of
// one {name} with literal text around it. It returns nil for a pattern
// without parameters.
func parsePattern(pattern string) []segment {
	if !strings.HasPrefix(pattern, "/") {
		panic("framework: pattern must begin with '/': " + pattern)
	}
	if !strings.Contains(pattern, "{") && !strings.Contains(pattern, "}") {
		return nil
	}
	var segs []segment
	seen := map[string]bool{}
	for _, part := range strings.Split(pattern[1:], "/") {
		open := strings.IndexByte(part, '{')
		if open < 0 {
			if strings.Contains(part, "}") {
				panic("framework: unmatched '}' in pattern " + pattern)
			}
			segs = append(segs, segment{lit: part})
			continue
		}
		closing := strings.IndexByte(part, '}')
		if closing < open || strings.ContainsAny(part[closing+1:], "{}") {
			panic("framework: a pattern segment has one {name} at most: " + pattern)
		}
		name := part[open+1 : closing]
		if !isIdentifier(name) {
			panic("framework: parameter name must be an identifier in pattern " + pattern)
		}
		if seen[name] {
			panic("framework: parameter " + name + " repeated in pattern " + pattern)
		}
		seen[name] = true
		segs = append(segs, segment{param: name, prefix: part[:open], suffix: part[closing+1:]})
	}
	return segs
}

// parseMethods parses "GET POST" or "GET, POST".
func parseMethods(methods, pattern string) []string {
	var out []string
	for _, m := range strings.FieldsFunc(methods, func(r rune) bool { return r == ' ' || r == ',' }) {
		if !gateway.IsToken(m) || strings.ToUpper(m) != m {
			panic("framework: bad method " + m + " for " + pattern)
		}
		if !slices.Contains(out, m) {
			out = append(out, m)
		}
	}
	if len(out) == 0 {
		panic("framework: no method for " + pattern)
	}
	return out
}

// allowList returns the methods as an Allow field value, with HEAD where GET
// is, in a fixed order: "GET, HEAD, POST".
func allowList(methods []string) string {
	set := map[string]bool{}
	for _, m := range methods {
		set[m] = true
		if m == "GET" {
			set["HEAD"] = true
		}
	}
	var out []string
	for _, m := range knownMethods {
		if set[m] {
			out = append(out, m)
			delete(set, m)
		}
	}
	rest := make([]string, 0, len(set))
	for m := range set {
		rest = append(rest, m)
	}
	slices.Sort(rest)
	return strings.Join(append(out, rest...), ", ")
}

// isIdentifier reports whether s is a pongo2 identifier: a letter or "_",
// then letters, digits and "_".
func isIdentifier(s string) bool {
	if s == "" || !isLetter(s[0]) {
		return false
	}
	for i := 1; i < len(s); i++ {
		if !isLetter(s[i]) && !isDigit(s[i]) {
			return false
		}
	}
	return true
}

// reachable panics when the server, routing by Options.Suffix, would never
// hand a request for pattern to the App: a pattern must end in the suffix,
// literally ("/stock/{code}.py", not "/stock/{code}"), or be "/", which the
// App then claims (OwnsPath). A pattern not starting with "/" is left to
// parsePattern, whose panic says that instead.
func (a *App) reachable(pattern string) {
	switch {
	case a.suffix == "" || strings.HasSuffix(pattern, a.suffix) || !strings.HasPrefix(pattern, "/"):
	case pattern == "/":
		a.root = true
	default:
		name := strings.TrimSuffix(pattern, "/") // "/about/" -> "/about.py"
		if !strings.HasSuffix(name, a.suffix) {  // "/about.py/" -> "/about.py"
			name += a.suffix
		}
		panic(fmt.Sprintf("framework: route %q cannot be reached: the server hands the application only paths ending in %q "+
			"(dynamic_suffix), and \"/\"; name it %q, or serve it as a static file",
			pattern, a.suffix, name))
	}
}

// OwnsPath reports whether the App answers path: one ending in
// Options.Suffix, "/" when a route for it is registered (the home page
// from a handler), and in dev mode the paths under /_miniweb/ (live
// reload's, see package livereload). A server that routes by suffix asks
// it to send these to the App rather than to its static files: miniweb's
// command sets Server.AppPath to it. With no Suffix, the App owns every
// path.
func (a *App) OwnsPath(path string) bool {
	if a.suffix == "" {
		return true
	}
	return strings.HasSuffix(path, a.suffix) || path == "/" && a.root || a.livePath(path)
}
