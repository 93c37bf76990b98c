package config

import (
	"errors"
	"fmt"
	"io/fs"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"
)

// source tells where each value of a Config came from, so that an error
// can point at the file line or the flag that set it.
type source struct {
	file  string               // config file path as given; "" for Default
	line  func(key string) int // line of a dotted key in file, 0 if unset; nil when unknown
	flags map[string]string    // dotted key -> flag that overrode it, "-addr"
	env   map[string]string    // dotted key -> environment variable that overrode it
	sites []string             // the registered site names; nil skips the check
}

// named reports whether the file or a flag set key.
func (s source) named(key string) bool {
	return s.flags[key] != "" || s.line != nil && s.line(key) > 0
}

// errorf returns an *Error for key located at its flag, its environment
// variable or its file line.
// The message gets the key as its prefix.
func (s source) errorf(key, format string, args ...any) *Error {
	e := &Error{Key: key, Msg: key + ": " + fmt.Sprintf(format, args...)}
	if flag, ok := s.flags[key]; ok {
		e.Flag = flag
		return e
	}
	if name, ok := s.env[key]; ok {
		e.Env = name
		return e
	}
	e.File = s.file
	if s.line != nil {
		e.Line = s.line(key)
	}
	return e
}

// Validate checks the values of c beyond their types and returns the first
// fault, in the order of the keys in miniweb.toml, as an *Error naming
// c.File and the key (without a line: Load and Parse, which know the
// lines, validate for you). It checks that:
//
//   - addr is "host:port" with a port number 0-65535 (an empty host means
//     all interfaces);
//   - static, when given, is an existing folder (the error names the
//     resolved path); "" is the site's own folder, which need not exist
//     (the site's embedded files stand alone); templates need not exist;
//   - site is an identifier: a letter or '_', then letters, digits or '_'
//     (whether it is registered is the caller's check);
//   - dynamic_suffix is '.' then letters, digits, '_' or '-', as ".py";
//   - server_header has no control characters and no surrounding spaces
//     (RFC 9110, section 5.5);
//   - every timeout is positive;
//   - every limit is positive, except max_conns, which may be 0;
//   - access_log.format is "combined" or "json";
//   - session.secret, when set, is at least MinSecretLen bytes (unset, a
//     production start keeps one in a key file: see UseKeyFile); every
//     entry of session.old_secrets is at least MinSecretLen bytes;
//     session.max_age is positive. No message shows a secret.
//   - database.url is "sqlite:PATH" or a postgres:// URL with a host;
//     database.max_conns is not negative. No message shows a password.
//   - compress levels are in range (gzip 1-9, zstd 1-22), sizes are not
//     negative (static_max_bytes may be -1: off).
func (c Config) Validate() error {
	return c.validate(source{file: c.File})
}

// validate is Validate with the keys located by src.
func (c Config) validate(src source) error {
	if e := checkAddr(src, c.Addr); e != nil {
		return e
	}
	if e := checkStatic(src, c.Static); e != nil {
		return e
	}
	if !isIdent(c.Site) {
		return src.errorf("site", "expected a site name (a letter or '_', then letters, digits or '_'), got %s", quote(c.Site))
	}
	if src.sites != nil && !slices.Contains(src.sites, c.Site) {
		return src.errorf("site", "unknown site %s: not registered in sites/sites.go (known sites: %s)", quote(c.Site), strings.Join(src.sites, ", "))
	}
	if !isSuffix(c.DynamicSuffix) {
		return src.errorf("dynamic_suffix", `expected a file extension such as ".py" ('.' then letters, digits, '_' or '-'), got %s`, quote(c.DynamicSuffix))
	}
	if !isFieldValue(c.ServerHeader) {
		return src.errorf("server_header", "expected a header value without control characters or surrounding spaces, got %s", quote(c.ServerHeader))
	}
	for _, t := range []struct {
		key string
		d   time.Duration
	}{
		{"timeouts.read_header", c.Timeouts.ReadHeader},
		{"timeouts.read_body", c.Timeouts.ReadBody},
		{"timeouts.write", c.Timeouts.Write},
		{"timeouts.idle", c.Timeouts.Idle},
		{"timeouts.shutdown", c.Timeouts.Shutdown},
		{"timeouts.ready", c.Timeouts.Ready},
	} {
		if t.d <= 0 {
			return src.errorf(t.key, `expected a positive duration such as "5s", got %q`, t.d.String())
		}
	}
	for _, l := range []struct {
		key, unit string
		n         int64
	}{
		{"limits.request_line", "bytes", int64(c.Limits.RequestLine)},
		{"limits.header_bytes", "bytes", int64(c.Limits.HeaderBytes)},
		{"limits.header_count", "header fields", int64(c.Limits.HeaderCount)},
		{"limits.body_bytes", "bytes", c.Limits.BodyBytes},
	} {
		if l.n <= 0 {
			return src.errorf(l.key, "expected a positive integer (%s), got %d", l.unit, l.n)
		}
	}
	if c.Limits.MaxConns < 0 {
		return src.errorf("limits.max_conns", "expected 0 (sized for the machine) or a positive integer, got %d", c.Limits.MaxConns)
	}
	if c.Limits.MaxConnsPerAddr < 0 {
		return src.errorf("limits.max_conns_per_addr", "expected 0 (a quarter of max_conns) or a positive integer, got %d", c.Limits.MaxConnsPerAddr)
	}
	if c.Limits.MinRateBytes < 0 {
		return src.errorf("limits.min_rate_bytes", "expected 0 (no minimum rate) or a positive integer (bytes per second), got %d", c.Limits.MinRateBytes)
	}
	if c.Limits.MinRateGrace <= 0 {
		return src.errorf("limits.min_rate_grace", `expected a positive duration such as "5s", got %q`, c.Limits.MinRateGrace.String())
	}
	if f := c.AccessLog.Format; f != "combined" && f != "json" {
		return src.errorf("access_log.format", `expected "combined" or "json", got %s`, quote(f))
	}
	if e := checkSession(src, c.Session); e != nil {
		return e
	}
	for i, o := range c.CSRF.TrustedOrigins {
		if why := badOrigin(o); why != "" {
			return src.errorf("csrf.trusted_origins", "entry %d of %d, %s: %s; an origin is a scheme, a host and an optional port, such as \"https://example.com\" or \"http://localhost:8080\"",
				i+1, len(c.CSRF.TrustedOrigins), quote(o), why)
		}
	}
	if e := checkDatabase(src, c.Database); e != nil {
		return e
	}
	if e := checkCompress(src, c.Compress); e != nil {
		return e
	}
	if e := checkProxy(src, c.Proxy); e != nil {
		return e
	}
	if e := checkHealth(src, c.Health); e != nil {
		return e
	}
	if e := checkTLS(src, c.TLS); e != nil {
		return e
	}
	if c.H2C && c.TLS.Cert != "" {
		return src.errorf("h2c", "h2c is HTTP/2 on a plain listener; with tls.cert, HTTP/2 is chosen by ALPN: remove h2c")
	}
	if e := checkMetrics(src, c); e != nil {
		return e
	}
	return nil
}

// checkMetrics checks the [metrics] table: a listen address of the form
// host:port and not the site's, a path that is a path and not the health
// check's, networks in allow, and allow set when the metrics are on the
// site's listener (else anyone could read them).
func checkMetrics(src source, c Config) *Error {
	m := c.Metrics
	for i, a := range m.Allow {
		if _, ok := parseTrusted(a); !ok {
			return src.errorf("metrics.allow", "entry %d of %d, %s: expected a network such as \"10.0.0.0/8\" or an address such as \"127.0.0.1\"", i+1, len(m.Allow), quote(a))
		}
	}
	if m.Listen != "" {
		_, port, err := net.SplitHostPort(m.Listen)
		if err != nil || port == "" {
			return src.errorf("metrics.listen", `expected "host:port" such as "127.0.0.1:9090", got %s`, quote(m.Listen))
		}
		if m.Listen == c.Addr && port != "0" { // port 0 picks a free port: two different ones
			return src.errorf("metrics.listen", "%s is the site's own address (addr): give the metrics another port, or set metrics.path alone to serve them on the site's listener", quote(m.Listen))
		}
	}
	if p := m.Path; p != "" {
		if p[0] != '/' || strings.ContainsAny(p, "?# \t\r\n%") {
			return src.errorf("metrics.path", `expected an absolute path such as "/metrics", got %s`, quote(p))
		}
		if m.Listen == "" && p == c.Health.Path {
			return src.errorf("metrics.path", "%s is the health check's path (health.path): choose another", quote(p))
		}
		if m.Listen == "" && len(m.Allow) == 0 {
			return src.errorf("metrics.path", "metrics on the site's listener need metrics.allow, the networks that may read them (others get 404), such as [\"127.0.0.1/32\"]; or set metrics.listen for a listener of their own, such as \"127.0.0.1:9090\"")
		}
	}
	if len(m.Allow) > 0 && !m.Enabled() {
		return src.errorf("metrics.allow", "the metrics are off: set metrics.listen (a listener of their own) or metrics.path (a path on the site's listener) too")
	}
	return nil
}

// checkProxy checks the [proxy] table.
func checkProxy(src source, p Proxy) *Error {
	for i, t := range p.Trusted {
		if _, ok := parseTrusted(t); !ok {
			return src.errorf("proxy.trusted", "entry %d of %d, %s: expected a network such as \"10.0.0.0/8\" or an address such as \"127.0.0.1\"", i+1, len(p.Trusted), quote(t))
		}
	}
	switch strings.ToLower(p.Header) {
	case "x-forwarded-for", "forwarded":
	default:
		return src.errorf("proxy.header", `expected "x-forwarded-for" or "forwarded", got %s`, quote(p.Header))
	}
	if p.Protocol && len(p.Trusted) == 0 {
		return src.errorf("proxy.protocol", "the PROXY protocol is accepted only from trusted peers, and proxy.trusted is empty: list the proxies' networks")
	}
	return nil
}

// checkTLS checks the [tls] table: both files or neither; the redirect
// only with them. Whether the files hold a matching pair is the server's
// check (httpserver.TLSConfig.Check), which names the file.
func checkTLS(src source, t TLS) *Error {
	switch {
	case t.Cert == "" && t.Key != "":
		return src.errorf("tls.key", "a key without a certificate: set tls.cert too")
	case t.Cert != "" && t.Key == "":
		return src.errorf("tls.cert", "a certificate without a key: set tls.key too")
	case t.RedirectHTTP != "" && t.Cert == "":
		return src.errorf("tls.redirect_http", "a redirect to https needs tls.cert and tls.key")
	}
	if t.RedirectHTTP != "" {
		if _, port, err := net.SplitHostPort(t.RedirectHTTP); err != nil || port == "" {
			return src.errorf("tls.redirect_http", `expected "host:port" such as ":80", got %s`, quote(t.RedirectHTTP))
		}
	}
	return nil
}

// checkHealth checks the [health] table.
func checkHealth(src source, h Health) *Error {
	if h.Path != "" && (h.Path[0] != '/' || strings.ContainsAny(h.Path, "?# \t\r\n")) {
		return src.errorf("health.path", `expected an absolute path such as "/healthz", or "" for none, got %s`, quote(h.Path))
	}
	if h.Drain < 0 {
		return src.errorf("health.drain", `expected a duration of 0s or more such as "5s", got %q`, h.Drain.String())
	}
	return nil
}

// checkCompress checks the [compress] table's ranges.
func checkCompress(src source, z Compress) *Error {
	switch {
	case z.MinBytes < 0:
		return src.errorf("compress.min_bytes", "expected 0 or more bytes, got %d", z.MinBytes)
	case z.GzipLevel < 1 || z.GzipLevel > 9:
		return src.errorf("compress.gzip_level", "expected a level from 1 (fastest) to 9 (smallest), got %d", z.GzipLevel)
	case z.ZstdLevel < 1 || z.ZstdLevel > 22:
		return src.errorf("compress.zstd_level", "expected a level from 1 (fastest) to 22 (smallest), got %d", z.ZstdLevel)
	case z.StaticMaxBytes < -1:
		return src.errorf("compress.static_max_bytes", "expected -1 (off), 0 or more bytes, got %d", z.StaticMaxBytes)
	case z.StaticCacheBytes < 0:
		return src.errorf("compress.static_cache_bytes", "expected 0 or more bytes, got %d", z.StaticCacheBytes)
	}
	return nil
}

// checkDatabase checks the [database] table: the URL's form, not whether
// the database answers (the site finds that out, and says so). Messages
// show the URL with its password redacted.
func checkDatabase(src source, d Database) *Error {
	if d.MaxConns < 0 {
		return src.errorf("database.max_conns", "expected 0 (the default) or a positive integer, got %d", d.MaxConns)
	}
	const forms = `"sqlite:PATH" (such as "sqlite:data/miniweb.db") or "postgres://user:pass@host:port/db"`
	scheme, rest, _ := strings.Cut(d.URL, ":")
	switch strings.ToLower(scheme) {
	case "sqlite":
		if rest == "" || rest == ":memory:" {
			return src.errorf("database.url", "expected an SQLite file path after \"sqlite:\", got %s", quote(d.URL))
		}
		if strings.ContainsAny(rest, "?#\x00") {
			return src.errorf("database.url", "an SQLite path must not contain '?', '#' or NUL, got %s", quote(d.URL))
		}
		return nil
	case "postgres", "postgresql":
		u, err := url.Parse(d.URL)
		if err != nil || u.Host == "" {
			return src.errorf("database.url", "expected %s, got a PostgreSQL URL without a host", forms)
		}
		return nil
	}
	if strings.Contains(d.URL, "@") {
		return src.errorf("database.url", "expected %s, got a URL of another kind (not shown: it may hold a password)", forms)
	}
	return src.errorf("database.url", "expected %s, got %s", forms, quote(d.URL))
}

// badOrigin says what is wrong with o as a web origin, or "" if nothing.
func badOrigin(o string) string {
	u, err := url.Parse(o)
	switch {
	case err != nil:
		return "not a URL"
	case u.Scheme != "http" && u.Scheme != "https":
		return "the scheme must be http or https"
	case u.User != nil:
		return "a user name is not part of an origin"
	case u.Host == "" || u.Hostname() == "":
		return "no host"
	case u.Path != "" || u.RawQuery != "" || u.Fragment != "" || strings.HasSuffix(o, "?") || strings.HasSuffix(o, "#"):
		return "a path, query or fragment is not part of an origin"
	case strings.HasSuffix(u.Host, ":"):
		return "an empty port"
	}
	return ""
}

// makeSecret tells how to make a session secret, for the end of a message.
const makeSecret = "make a secret with: openssl rand -base64 32"

// checkSession checks the [session] table; a missing secret is no error
// (UseKeyFile or, in dev mode, the site makes one). The messages give a
// bad secret's length, never its bytes: they go to terminals and logs.
func checkSession(src source, s Session) *Error {
	if s.Secret != "" && len(s.Secret) < MinSecretLen {
		return src.errorf("session.secret", "expected a secret of at least %d bytes, got %d bytes (%s)", MinSecretLen, len(s.Secret), makeSecret)
	}
	for i, old := range s.OldSecrets {
		if len(old) < MinSecretLen {
			return src.errorf("session.old_secrets", "entry %d of %d: expected a secret of at least %d bytes, got %d bytes (%s)", i+1, len(s.OldSecrets), MinSecretLen, len(old), makeSecret)
		}
	}
	if s.MaxAge <= 0 {
		return src.errorf("session.max_age", `expected a positive duration such as "336h", got %q`, s.MaxAge.String())
	}
	return nil
}

// checkAddr checks that addr is "host:port" with a numeric port 0-65535.
func checkAddr(src source, addr string) *Error {
	_, port, err := net.SplitHostPort(addr)
	if err != nil {
		reason := err.Error()
		var ae *net.AddrError
		if errors.As(err, &ae) {
			reason = ae.Err
		}
		return src.errorf("addr", `expected host:port such as "127.0.0.1:8080", got %s (%s)`, quote(addr), reason)
	}
	// ParseUint, unlike Atoi, takes no sign: "+80" is not a port.
	if _, err := strconv.ParseUint(port, 10, 16); err != nil {
		return src.errorf("addr", "expected a port number 0-65535 after the last ':', got %s", quote(addr))
	}
	return nil
}

// checkStatic checks that dir, when given, is an existing folder.
func checkStatic(src source, dir string) *Error {
	if dir == "" {
		return nil // the site's own folder, over its embedded files
	}
	if abs, err := filepath.Abs(dir); err == nil {
		dir = abs
	}
	fi, err := os.Stat(dir)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		e := src.errorf("static", "folder %q does not exist", dir)
		e.Err = err
		return e
	case err != nil:
		e := src.errorf("static", "cannot use folder %q: %v", dir, err)
		e.Err = err
		return e
	case !fi.IsDir():
		return src.errorf("static", "expected a folder, but %q is not one", dir)
	}
	return nil
}

// isIdent reports whether s is a letter or '_', then letters, digits or
// '_' (ASCII), as a site name "raw" or "demo_2".
func isIdent(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '_', 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z':
		case '0' <= c && c <= '9' && i > 0:
		default:
			return false
		}
	}
	return true
}

// isSuffix reports whether s is '.' then one or more ASCII letters, digits,
// '_' or '-', as ".py".
func isSuffix(s string) bool {
	if len(s) < 2 || s[0] != '.' {
		return false
	}
	for i := 1; i < len(s); i++ {
		c := s[i]
		if !(c == '_' || c == '-' || 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9') {
			return false
		}
	}
	return true
}

// isFieldValue reports whether s can be sent as a header field value
// (RFC 9110, section 5.5):
//
//	field-value = *field-content
//	field-content = field-vchar [ 1*( SP / HTAB / field-vchar ) field-vchar ]
//	field-vchar = VCHAR / obs-text
//
// An empty s is valid. A CR or LF here would split the response.
func isFieldValue(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c == ' ' || c == '\t' {
			if i == 0 || i == len(s)-1 {
				return false
			}
			continue
		}
		if c < 0x21 || c == 0x7f {
			return false
		}
	}
	return true
}
