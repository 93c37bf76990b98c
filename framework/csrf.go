package framework

import (
	"errors"
	"fmt"
	"net/url"
	"strings"

	"github.com/miniweb/miniweb/server/gateway"
)

// CSRF configures the protection against cross-site request forgery: a
// page on another site that makes a signed-in visitor's browser send a
// form to this one, such as
//
//	<form action="https://your.site/logout.py" method="post">...</form>
//	<script>document.forms[0].submit()</script>
//
// which the browser sends with the visitor's cookies. Its Middleware
// refuses such a request with a 403 before any handler runs, by the
// algorithm of Go's net/http.CrossOriginProtection (Go 1.25), which reads
// header fields the browser sets itself and no page can forge:
//
//   - GET, HEAD and OPTIONS always pass. They are safe methods (RFC 9110
//     §9.2.1): a handler must change nothing for them. A link to
//     "GET /logout.py" can be put on any site, and nothing here stops it.
//   - Sec-Fetch-Site (W3C Fetch Metadata), sent by every current browser
//     since 2023, says who made the request: "same-origin", and "none" (the
//     visitor typed the address or used a bookmark), pass; "same-site",
//     "cross-site" and any other value are refused.
//   - When a browser sends no Sec-Fetch-Site (a browser from before 2023),
//     Origin (RFC 6454 §7) takes its place: when its host and port equal
//     the request's Host field the request passes, and otherwise, "null"
//     included, it is refused. Host has no scheme, so an http page that
//     posts to the https site passes; HSTS closes that gap.
//   - A request with neither field passes: it comes from a program (curl,
//     a webhook sender, a test) or a very old browser, not from another
//     site's page in a current one.
//
// A request that would be refused passes after all when its Origin is one
// of TrustedOrigins, its path matches one of ExemptPaths, or Exempt reports
// true for it.
//
// Why header fields and not a token in every form: a token needs a session
// for every visitor, a hidden field in every form and in every fetch() call,
// and care that no cached page holds an old token. The browser's fields
// need nothing from the pages and cover forms and scripts alike.
//
// Behind a reverse proxy, pass the Host field through as the visitor sent
// it (nginx: proxy_set_header Host $http_host, which keeps the port), or browsers without
// Sec-Fetch-Site are refused; or list the site's public origin in
// TrustedOrigins.
//
// The zero value protects every route, with no trusted origin and no
// exemption.
type CSRF struct {
	// TrustedOrigins are other sites whose pages may send unsafe requests
	// here, each a scheme, a host and an optional port, as a browser writes
	// an Origin field: "https://admin.example.com", "http://localhost:8080".
	// Matching is exact, after lower-casing and dropping a default port
	// (":443" of https, ":80" of http). nil trusts none.
	TrustedOrigins []string
	// ExemptPaths are route patterns whose requests are never refused, for
	// a webhook that another site's servers POST to: "/hooks/github.py",
	// "/hooks/{name}.py". A pattern matches a path as the router does (see
	// App.Page), so it exempts exactly the requests a route with that
	// pattern answers. nil exempts none.
	ExemptPaths []string
	// Exempt, when set, reports whether r may pass although it would be
	// refused; it is called only for such a request. nil exempts none.
	Exempt func(r *Request) bool
}

// ErrCrossOrigin is the cause of the 403 the CSRF middleware answers:
// errors.Is finds it in the *StatusError a middleware outside it sees.
var ErrCrossOrigin = errors.New("framework: cross-origin request refused")

// crossOriginMessage is what the visitor reads on the 403 page. It never
// echoes the request: which site sent the form stays in the headers.
const crossOriginMessage = "Cross-origin request refused: this form was sent from another site. " +
	"If you meant to send it, open the form on this site and send it again from there."

// The two refusals, told apart in their cause.
var (
	errCrossSite = &StatusError{Code: 403, Message: crossOriginMessage,
		Err: fmt.Errorf("%w: Sec-Fetch-Site is not same-origin", ErrCrossOrigin)}
	errOriginMismatch = &StatusError{Code: 403, Message: crossOriginMessage,
		Err: fmt.Errorf("%w: no Sec-Fetch-Site, and Origin is not the Host", ErrCrossOrigin)}
)

// Middleware returns the middleware that refuses cross-origin requests as
// c says, for App.Use; the App's first, so that a refused request costs
// nothing else:
//
//	csrf, err := framework.CSRF{ExemptPaths: []string{"/hooks/{name}.py"}}.Middleware()
//	if err != nil {
//		return err
//	}
//	app.Use(csrf)
//
// It returns an error for a malformed trusted origin or exempt path. It
// copies c: later changes to c do not change the middleware.
func (c CSRF) Middleware() (Middleware, error) {
	p, err := c.policy()
	if err != nil {
		return nil, err
	}
	return p.middleware, nil
}

// csrfPolicy is a CSRF checked and compiled.
type csrfPolicy struct {
	trusted map[string]bool // canonical origins: "https://example.com"
	paths   []*route        // ExemptPaths parsed; only pattern and segs are set
	exempt  func(r *Request) bool
}

// policy checks and compiles c.
func (c CSRF) policy() (*csrfPolicy, error) {
	p := &csrfPolicy{exempt: c.Exempt}
	for _, o := range c.TrustedOrigins {
		canon, err := canonicalOrigin(o)
		if err != nil {
			return nil, err
		}
		if p.trusted == nil {
			p.trusted = map[string]bool{}
		}
		p.trusted[canon] = true
	}
	for _, pattern := range c.ExemptPaths {
		rt, err := exemptRoute(pattern)
		if err != nil {
			return nil, err
		}
		p.paths = append(p.paths, rt)
	}
	return p, nil
}

// middleware refuses what check refuses, before next runs.
func (p *csrfPolicy) middleware(next HandlerFunc) HandlerFunc {
	return func(r *Request) (*Response, error) {
		if err := p.check(r); err != nil {
			return nil, err
		}
		return next(r)
	}
}

// check returns the *StatusError that refuses r, or nil when r may pass:
// the algorithm of net/http's CrossOriginProtection.Check, told in CSRF's
// comment. Exemptions are looked at last, only for a request to refuse.
func (p *csrfPolicy) check(r *Request) error {
	switch r.Method {
	case "GET", "HEAD", "OPTIONS":
		return nil
	}
	switch r.Header.Get("Sec-Fetch-Site") {
	case "":
		// An older browser, or not a browser: Origin decides.
	case "same-origin", "none":
		return nil
	default:
		if p.exempted(r) {
			return nil
		}
		return errCrossSite
	}
	origin := r.Header.Get("Origin")
	if origin == "" {
		return nil // not a browser, or a same-origin request of an old one
	}
	if sameHost(origin, r.Env.Host) {
		return nil
	}
	if p.exempted(r) {
		return nil
	}
	return errOriginMismatch
}

// sameHost reports whether the host and port of origin
// ("http://127.0.0.1:8000") are host ("127.0.0.1:8000"), in any case.
// "null", and any origin when the request had no Host field (HTTP/1.0), do
// not match: net/http's check would let "null" through a request without
// Host.
func sameHost(origin, host string) bool {
	u, err := url.Parse(origin)
	return err == nil && u.Host != "" && gateway.EqualFold(u.Host, host)
}

// exempted reports whether r passes although it would be refused.
func (p *csrfPolicy) exempted(r *Request) bool {
	if o := r.Header.Get("Origin"); o != "" && p.trusted[o] {
		return true
	}
	for _, rt := range p.paths {
		if rt.segs == nil {
			if r.Path == rt.pattern {
				return true
			}
		} else if _, ok := rt.matchPath(r.Path); ok {
			return true
		}
	}
	return p.exempt != nil && p.exempt(r)
}

// exemptRoute parses an exempt path pattern as the router parses a
// route's, its panic on a malformed pattern returned as an error.
func exemptRoute(pattern string) (rt *route, err error) {
	defer func() {
		if v := recover(); v != nil {
			rt, err = nil, fmt.Errorf("framework: CSRF exempt path %q: %s", pattern,
				strings.TrimPrefix(fmt.Sprint(v), "framework: "))
		}
	}()
	return &route{pattern: pattern, segs: parsePattern(pattern)}, nil
}

// canonicalOrigin checks a trusted origin ("https://Example.com:443") and
// returns it as a browser sends it in Origin ("https://example.com"): the
// scheme and host lower-cased, without a default port. A browser sends a
// host in its ASCII form, so a non-ASCII one is refused rather than never
// matched.
func canonicalOrigin(origin string) (string, error) {
	bad := func(why string) error {
		return fmt.Errorf("framework: CSRF trusted origin %q: %s; an origin is a scheme, a host and an optional port, "+
			"such as \"https://example.com\" or \"http://localhost:8080\"", origin, why)
	}
	if origin == "" {
		return "", bad("empty")
	}
	u, err := url.Parse(origin)
	switch {
	case err != nil:
		return "", bad("not a URL")
	case u.Scheme == "":
		return "", bad("no scheme")
	case u.Opaque != "" || u.Host == "":
		return "", bad("no host")
	case u.User != nil:
		return "", bad("user info is not part of an origin")
	case u.Path != "" || u.RawQuery != "" || u.Fragment != "" || strings.ContainsAny(origin, "?#"):
		return "", bad("a path, query or fragment is not part of an origin")
	case strings.HasSuffix(u.Host, ":"):
		return "", bad("empty port")
	}
	for i := 0; i < len(u.Host); i++ {
		if u.Host[i] >= 0x80 {
			return "", bad("write the host in its ASCII (xn--) form")
		}
	}
	scheme, host := strings.ToLower(u.Scheme), strings.ToLower(u.Host)
	switch scheme {
	case "https":
		host = strings.TrimSuffix(host, ":443")
	case "http":
		host = strings.TrimSuffix(host, ":80")
	}
	return scheme + "://" + host, nil
}
