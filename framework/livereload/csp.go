package livereload

import (
	"strings"
)

// allowClient returns the Content-Security-Policy value policy with what
// the client needs added, for a page whose script element carries the
// nonce:
//
//   - its script element: the nonce in script-src, unless that list allows
//     'unsafe-inline' without a nonce, a hash or 'strict-dynamic' (a nonce
//     would turn 'unsafe-inline' off and break the page's own inline
//     scripts), where 'self' goes instead;
//   - its SharedWorker (the same URL): 'self' in worker-src;
//   - its event stream and cache refreshes (EventSource, fetch): 'self' in
//     connect-src.
//
// A source goes into the directive the browser checks (CSP3 §6.8.3, the
// fallback lists): script-src-elem if present, else script-src;
// worker-src; connect-src. When that directive is absent and a fallback
// present (default-src; child-src or script-src for workers), the
// directive is added with the fallback's sources and ours, so that nothing
// else the fallback governs changes. When neither is present the browser
// does not restrict that kind, and nothing is added. A list that is
// 'none' loses it. "a, b" (two policies in one field) is handled policy by
// policy (CSP3 §2.2.2). Only dev mode does this: the page's own policy,
// tested in production, is otherwise served as written.
//
// A policy in a <meta http-equiv> element of the page is not seen.
func allowClient(policy, nonce string) string {
	parts := strings.Split(policy, ",")
	for i, p := range parts {
		d := parsePolicy(p)
		d.need([]string{"worker-src", "child-src", "script-src", "default-src"}, "worker-src", func([]string) string { return "'self'" })
		d.need([]string{"connect-src", "default-src"}, "connect-src", func([]string) string { return "'self'" })
		d.need([]string{"script-src-elem", "script-src", "default-src"}, "script-src", func(list []string) string {
			return scriptSource(list, nonce)
		})
		parts[i] = d.String()
	}
	return strings.Join(parts, ", ")
}

// scriptSource returns the source that lets the client's script element
// run under the script list: its nonce, or 'self' where a nonce would
// turn off the list's 'unsafe-inline'.
func scriptSource(list []string, nonce string) string {
	inline, keyed := false, false
	for _, s := range list {
		ls := strings.ToLower(s)
		switch {
		case ls == "'unsafe-inline'":
			inline = true
		case ls == "'strict-dynamic'", strings.HasPrefix(ls, "'nonce-"), strings.HasPrefix(ls, "'sha256-"),
			strings.HasPrefix(ls, "'sha384-"), strings.HasPrefix(ls, "'sha512-"):
			keyed = true
		}
	}
	if inline && !keyed {
		return "'self'"
	}
	return "'nonce-" + nonce + "'"
}

// A policy is one serialized policy (CSP3 §2.2.1) as a list of directives,
// kept as written but for those changed:
//
//	serialized-policy = serialized-directive *( OWS ";" [ OWS serialized-directive ] )
//	serialized-directive = directive-name [ RWS directive-value ]
type policy []directive

type directive struct {
	name    string   // lower case
	sources []string // the value's tokens
	text    string   // as written; "" once changed
}

func parsePolicy(s string) policy {
	var p policy
	for _, d := range strings.Split(s, ";") {
		f := strings.Fields(d)
		if len(f) == 0 {
			continue
		}
		p = append(p, directive{name: strings.ToLower(f[0]), sources: f[1:], text: strings.TrimSpace(d)})
	}
	return p
}

// find returns the index of the directive called name, -1 if none. A
// repeated directive is ignored by browsers: the first counts.
func (p policy) find(name string) int {
	for i, d := range p {
		if d.name == name {
			return i
		}
	}
	return -1
}

// need makes the first directive of chain that the policy has (the one
// the browser checks) allow source(its sources). If it comes after create
// in chain, it is a fallback: create is added with its sources instead.
func (p *policy) need(chain []string, create string, source func([]string) string) {
	at, which := -1, -1
	for i, name := range chain {
		if at = p.find(name); at >= 0 {
			which = i
			break
		}
	}
	if at < 0 {
		return // nothing restricts this kind
	}
	d := (*p)[at]
	src := source(d.sources)
	if containsFold(d.sources, src) {
		return
	}
	sources := make([]string, 0, len(d.sources)+1)
	for _, s := range d.sources {
		if !strings.EqualFold(s, "'none'") {
			sources = append(sources, s)
		}
	}
	sources = append(sources, src)
	if which <= indexOf(chain, create) {
		(*p)[at] = directive{name: d.name, sources: sources}
		return
	}
	*p = append(*p, directive{name: create, sources: sources})
}

// String returns the policy serialized: unchanged directives as written.
func (p policy) String() string {
	parts := make([]string, len(p))
	for i, d := range p {
		if d.text != "" {
			parts[i] = d.text
		} else {
			parts[i] = strings.Join(append([]string{d.name}, d.sources...), " ")
		}
	}
	return strings.Join(parts, "; ")
}

func containsFold(list []string, s string) bool {
	for _, x := range list {
		if strings.EqualFold(x, s) {
			return true
		}
	}
	return false
}

func indexOf(list []string, s string) int {
	for i, x := range list {
		if x == s {
			return i
		}
	}
	return -1
}
