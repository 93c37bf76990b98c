package config

import (
	"bytes"
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/BurntSushi/toml"
)

// A field is one key of miniweb.toml: the single list that decoding, the
// unknown-key messages, the flags and the tests all read, so they cannot
// drift apart.
type field struct {
	key   string            // dotted key: "limits.body_bytes"
	want  string            // what a value of the right type looks like, for "expected ..., got ..."
	ptr   func(*Config) any // *string, *[]string, *bool, *int, *int64 or *time.Duration inside a Config
	flag  string            // command-line flag that overrides it, without the dash; "" for none
	usage string            // flag usage; a `quoted` word names the flag's argument
	path  bool              // a folder path: relative flag values are resolved against the current folder
	// secret: messages never show the value, only its type; it has no flag
	// (a flag's value is visible to every user of the machine in ps).
	secret bool
}

var fields = []field{
	{key: "addr", want: `a string "host:port" such as "127.0.0.1:8080"`,
		ptr: func(c *Config) any { return &c.Addr }, flag: "addr",
		usage: "listen on `host:port` (overrides addr)"},
	{key: "static", want: `a folder path string such as "static" ("": the site's own)`,
		ptr: func(c *Config) any { return &c.Static }, flag: "static", path: true,
		usage: "serve static files from `dir` over the site's embedded ones, relative to the current folder (overrides static; default: the site's own folder)"},
	{key: "templates", want: `a folder path string such as "templates" ("": the site's own)`,
		ptr: func(c *Config) any { return &c.Templates }, flag: "templates", path: true,
		usage: "read templates from `dir` over the site's embedded ones, relative to the current folder (overrides templates; default: the site's own folder)"},
	{key: "site", want: `a site name string such as "raw"`,
		ptr: func(c *Config) any { return &c.Site }, flag: "site",
		usage: "serve the site `name` from sites/ (overrides site)"},
	{key: "dynamic_suffix", want: `an extension string such as ".py"`,
		ptr: func(c *Config) any { return &c.DynamicSuffix }},
	{key: "server_header", want: `a string such as "miniweb" ("" sends none)`,
		ptr: func(c *Config) any { return &c.ServerHeader }},
	{key: "h2c", want: `true or false`,
		ptr: func(c *Config) any { return &c.H2C }},
	{key: "dev", want: `true or false`,
		ptr: func(c *Config) any { return &c.Dev }, flag: "dev",
		usage: "development mode: detailed error pages for loopback clients, live template reload; -dev=false turns it off (overrides dev)"},

	{key: "timeouts.read_header", want: `a duration string such as "10s"`,
		ptr: func(c *Config) any { return &c.Timeouts.ReadHeader }},
	{key: "timeouts.read_body", want: `a duration string such as "30s"`,
		ptr: func(c *Config) any { return &c.Timeouts.ReadBody }},
	{key: "timeouts.write", want: `a duration string such as "30s"`,
		ptr: func(c *Config) any { return &c.Timeouts.Write }},
	{key: "timeouts.idle", want: `a duration string such as "60s"`,
		ptr: func(c *Config) any { return &c.Timeouts.Idle }},
	{key: "timeouts.shutdown", want: `a duration string such as "10s"`,
		ptr: func(c *Config) any { return &c.Timeouts.Shutdown }},
	{key: "timeouts.ready", want: `a duration string such as "30s"`,
		ptr: func(c *Config) any { return &c.Timeouts.Ready }},

	{key: "limits.request_line", want: `an integer (bytes)`,
		ptr: func(c *Config) any { return &c.Limits.RequestLine }},
	{key: "limits.header_bytes", want: `an integer (bytes)`,
		ptr: func(c *Config) any { return &c.Limits.HeaderBytes }},
	{key: "limits.header_count", want: `an integer (header fields)`,
		ptr: func(c *Config) any { return &c.Limits.HeaderCount }},
	{key: "limits.body_bytes", want: `an integer (bytes)`,
		ptr: func(c *Config) any { return &c.Limits.BodyBytes }},
	{key: "limits.max_conns", want: `an integer (connections; 0 means sized for the machine)`,
		ptr: func(c *Config) any { return &c.Limits.MaxConns }},
	{key: "limits.max_conns_per_addr", want: `an integer (connections of one client address; 0 means a quarter of max_conns)`,
		ptr: func(c *Config) any { return &c.Limits.MaxConnsPerAddr }},
	{key: "limits.min_rate_bytes", want: `an integer (bytes per second; 0 turns the check off)`,
		ptr: func(c *Config) any { return &c.Limits.MinRateBytes }},
	{key: "limits.min_rate_grace", want: `a duration string such as "5s"`,
		ptr: func(c *Config) any { return &c.Limits.MinRateGrace }},

	{key: "access_log.enabled", want: `true or false`,
		ptr: func(c *Config) any { return &c.AccessLog.Enabled }, flag: "access-log",
		usage: "write the access log; -access-log=false turns it off (overrides access_log.enabled)"},
	{key: "access_log.format", want: `"combined" or "json"`,
		ptr: func(c *Config) any { return &c.AccessLog.Format }, flag: "log-format",
		usage: "access log `format`: combined or json (overrides access_log.format)"},

	{key: "session.secret", want: `a string of at least 32 bytes, such as the output of openssl rand -base64 32`,
		ptr: func(c *Config) any { return &c.Session.Secret }, secret: true},
	{key: "session.old_secrets", want: `an array of secret strings such as ["..."]`,
		ptr: func(c *Config) any { return &c.Session.OldSecrets }, secret: true},
	{key: "session.max_age", want: `a duration string such as "336h"`,
		ptr: func(c *Config) any { return &c.Session.MaxAge }},

	{key: "csrf.trusted_origins", want: `an array of origins such as ["https://admin.example.com"]`,
		ptr: func(c *Config) any { return &c.CSRF.TrustedOrigins }},

	// The URL may carry a password: messages show it redacted, and it has
	// no flag (ps would show it).
	{key: "database.url", want: `a string "sqlite:PATH" or "postgres://user:pass@host:port/db"`,
		ptr: func(c *Config) any { return &c.Database.URL }},
	{key: "database.max_conns", want: `an integer (connections; 0 means the default for the database)`,
		ptr: func(c *Config) any { return &c.Database.MaxConns }},

	{key: "proxy.trusted", want: `an array of networks such as ["127.0.0.1/32", "10.0.0.0/8"]`,
		ptr: func(c *Config) any { return &c.Proxy.Trusted }},
	{key: "proxy.header", want: `"x-forwarded-for" or "forwarded"`,
		ptr: func(c *Config) any { return &c.Proxy.Header }},
	{key: "proxy.forwarded_host", want: `true or false`,
		ptr: func(c *Config) any { return &c.Proxy.ForwardedHost }},
	{key: "proxy.protocol", want: `true or false`,
		ptr: func(c *Config) any { return &c.Proxy.Protocol }},

	{key: "health.path", want: `a path string such as "/healthz" ("" turns it off)`,
		ptr: func(c *Config) any { return &c.Health.Path }},
	{key: "health.drain", want: `a duration string such as "5s"`,
		ptr: func(c *Config) any { return &c.Health.Drain }},
	{key: "health.log", want: `true or false`,
		ptr: func(c *Config) any { return &c.Health.Log }},

	{key: "tls.cert", want: `a file path string such as "/etc/letsencrypt/live/example.com/fullchain.pem"`,
		ptr: func(c *Config) any { return &c.TLS.Cert }},
	{key: "tls.key", want: `a file path string such as "/etc/letsencrypt/live/example.com/privkey.pem"`,
		ptr: func(c *Config) any { return &c.TLS.Key }},
	{key: "tls.redirect_http", want: `a string "host:port" such as ":80"`,
		ptr: func(c *Config) any { return &c.TLS.RedirectHTTP }},

	{key: "metrics.listen", want: `a string "host:port" such as "127.0.0.1:9090" ("" for no listener of its own)`,
		ptr: func(c *Config) any { return &c.Metrics.Listen }},
	{key: "metrics.path", want: `a path string such as "/metrics"`,
		ptr: func(c *Config) any { return &c.Metrics.Path }},
	{key: "metrics.allow", want: `an array of networks such as ["127.0.0.1/32", "10.0.0.0/8"]`,
		ptr: func(c *Config) any { return &c.Metrics.Allow }},

	{key: "compress.enabled", want: `true or false`,
		ptr: func(c *Config) any { return &c.Compress.Enabled }},
	{key: "compress.min_bytes", want: `an integer (bytes)`,
		ptr: func(c *Config) any { return &c.Compress.MinBytes }},
	{key: "compress.gzip_level", want: `an integer from 1 to 9`,
		ptr: func(c *Config) any { return &c.Compress.GzipLevel }},
	{key: "compress.zstd_level", want: `an integer from 1 to 22`,
		ptr: func(c *Config) any { return &c.Compress.ZstdLevel }},
	{key: "compress.static_max_bytes", want: `an integer (bytes; -1 turns it off)`,
		ptr: func(c *Config) any { return &c.Compress.StaticMaxBytes }},
	{key: "compress.static_cache_bytes", want: `an integer (bytes)`,
		ptr: func(c *Config) any { return &c.Compress.StaticCacheBytes }},
}

// tables lists the file's tables in the order the shipped file has them.
var tables = []string{"timeouts", "limits", "access_log", "session", "csrf", "database", "proxy", "health", "tls", "metrics", "compress"}

// lookupField returns the field with the dotted key, or nil.
func lookupField(key string) *field {
	for i := range fields {
		if fields[i].key == key {
			return &fields[i]
		}
	}
	return nil
}

func isTable(name string) bool {
	for _, t := range tables {
		if t == name {
			return true
		}
	}
	return false
}

// keysIn returns the keys of table ("" for the top level) without the table
// prefix, in schema order: "request_line", "header_bytes", ...
func keysIn(table string) []string {
	var keys []string
	for _, f := range fields {
		t, k, ok := strings.Cut(f.key, ".")
		if !ok {
			t, k = "", f.key
		}
		if t == table {
			keys = append(keys, k)
		}
	}
	return keys
}

// A decoder walks one parsed file. It finds the line of any key by asking
// the TOML library: BurntSushi/toml v1.6 keeps key positions private, but an
// error returned by a toml.Unmarshaler comes back as a toml.ParseError
// carrying the position of the key being decoded. So decoding a key into a
// function (unmarshalFunc) both hands us the raw value and, when we return
// an error, tells us where that key is. That is the library's own parser
// speaking; a scan of our own would have to re-implement multi-line
// strings, dotted keys and inline tables to be as exact.
type decoder struct {
	file string
	data []byte
	md   toml.MetaData
	root map[string]toml.Primitive
}

// unmarshalFunc adapts a function to toml.Unmarshaler.
type unmarshalFunc func(v any) error

func (f unmarshalFunc) UnmarshalTOML(v any) error { return f(v) }

// errLocate is returned on purpose from an unmarshalFunc to learn a key's
// position.
var errLocate = errors.New("config: locate key")

// decode parses data, the contents of file, and sets the fields of c that
// it names. It checks the type of every value and rejects unknown keys,
// reporting the first fault in file order.
func decode(file string, data []byte, c *Config) (*decoder, error) {
	d := &decoder{file: file, data: data}
	md, err := toml.NewDecoder(bytes.NewReader(data)).Decode(&d.root)
	if err != nil {
		e := &Error{File: file, Msg: "invalid TOML: " + err.Error(), Err: err}
		var pe toml.ParseError
		if errors.As(err, &pe) {
			e.Line, e.Col, e.Msg = pe.Position.Line, pe.Position.Col, "invalid TOML: "+pe.Message
			// v1.6 computes Col one line early when the error starts a
			// line; recompute it from the byte offset when that offset is
			// on the reported line.
			if s := pe.Position.Start; s >= 0 && s <= len(data) && 1+bytes.Count(data[:s], []byte("\n")) == e.Line {
				e.Col = s - bytes.LastIndexByte(data[:s], '\n')
			}
		}
		return nil, e
	}
	d.md = md
	for _, key := range md.Keys() {
		if err := d.key(key, c); err != nil {
			return nil, err
		}
	}
	return d, nil
}

// key checks one key from the file, in the order the file has them, and
// decodes it into c when it is a known leaf. A known table must be a table;
// anything under a leaf makes the leaf a table, which its decoding rejects.
func (d *decoder) key(key toml.Key, c *Config) error {
	switch {
	case len(key) == 1 && isTable(key[0]):
		return d.visit(key, key[0], func(v any) error {
			if _, ok := v.(map[string]any); !ok {
				return fmt.Errorf("%s: expected a table ([%s] followed by its keys), got %s", key[0], key[0], describe(v))
			}
			return nil
		})
	case lookupField(key[0]) != nil:
		return d.set(key[:1], c)
	case len(key) >= 2 && isTable(key[0]) && lookupField(key[0]+"."+key[1]) != nil:
		return d.set(key[:2], c)
	}
	return d.visit(key, key.String(), func(any) error { return errors.New(unknownKey(key)) })
}

// set decodes the leaf key into c, checking the value's type.
func (d *decoder) set(key toml.Key, c *Config) error {
	name := strings.Join(key, ".")
	f := lookupField(name)
	return d.visit(key, name, func(v any) error { return setValue(f, c, v) })
}

// setValue stores the raw TOML value v into the field f of c.
func setValue(f *field, c *Config, v any) error {
	bad := func() error {
		got := describe(v)
		if f.secret {
			got = describeType(v)
		}
		return fmt.Errorf("%s: expected %s, got %s", f.key, f.want, got)
	}
	switch p := f.ptr(c).(type) {
	case *string:
		s, ok := v.(string)
		if !ok {
			return bad()
		}
		*p = s
	case *[]string:
		a, ok := v.([]any)
		if !ok {
			return bad()
		}
		var list []string // an empty array stays nil, as in Default
		for i, e := range a {
			s, ok := e.(string)
			if !ok {
				return fmt.Errorf("%s: entry %d of %d: expected a string, got %s", f.key, i+1, len(a), describeType(e))
			}
			list = append(list, s)
		}
		*p = list
	case *bool:
		b, ok := v.(bool)
		if !ok {
			return bad()
		}
		*p = b
	case *int:
		n, ok := v.(int64)
		if !ok {
			return bad()
		}
		if n < math.MinInt || n > math.MaxInt {
			return fmt.Errorf("%s: %d is out of range on this machine", f.key, n)
		}
		*p = int(n)
	case *int64:
		n, ok := v.(int64)
		if !ok {
			return bad()
		}
		*p = n
	case *time.Duration:
		s, ok := v.(string)
		if !ok {
			return bad()
		}
		dur, err := time.ParseDuration(s)
		if err != nil {
			return fmt.Errorf(`%s: invalid duration %s (use Go duration syntax such as "300ms", "5s", "1m")`, f.key, quote(s))
		}
		*p = dur
	default:
		panic("config: field " + f.key + " has an unsupported type")
	}
	return nil
}

// visit calls fn with the raw value of key: a string, int64, float64, bool,
// time.Time, []any, []map[string]any or map[string]any. If fn fails, visit
// returns its message as an *Error at the key's line, for the dotted name.
func (d *decoder) visit(key toml.Key, name string, fn func(v any) error) error {
	var ferr error
	line := d.find(key, func(v any) error {
		ferr = fn(v)
		return ferr
	})
	if ferr == nil {
		return nil
	}
	return &Error{File: d.file, Line: line, Key: name, Msg: ferr.Error()}
}

// line returns the line of the dotted key in the file, or 0 if the file does
// not set it.
func (d *decoder) line(key string) int {
	return d.find(strings.Split(key, "."), func(any) error { return errLocate })
}

// find decodes key into fn and, if fn fails, returns the 1-based line of
// the key; 0 if fn succeeds or the key is not in the file.
func (d *decoder) find(key toml.Key, fn func(v any) error) int {
	p, ok := d.primitive(key)
	if !ok {
		return 0
	}
	u := unmarshalFunc(fn)
	var pe toml.ParseError
	if err := d.md.PrimitiveDecode(p, &u); !errors.As(err, &pe) || pe.Position.Line == 0 {
		return 0
	}
	// The parser's Line for a multi-line string is that of its last line;
	// its Start offset is on the key's line, so count lines up to it.
	start := min(max(pe.Position.Start, 0), len(d.data))
	return 1 + bytes.Count(d.data[:start], []byte("\n"))
}

// primitive returns the still undecoded value of key, descending through
// tables.
func (d *decoder) primitive(key toml.Key) (toml.Primitive, bool) {
	m := d.root
	for i, k := range key {
		p, ok := m[k]
		if !ok {
			break
		}
		if i == len(key)-1 {
			return p, true
		}
		m = nil
		if err := d.md.PrimitiveDecode(p, &m); err != nil {
			break
		}
	}
	return toml.Primitive{}, false
}

// unknownKey returns the message for a key the schema lacks, listing the
// keys allowed where it stands and suggesting the likely one:
//
//	unknown key "limits.bodybytes" (known keys in [limits]: request_line, ...); did you mean "limits.body_bytes"?
func unknownKey(key toml.Key) string {
	var b strings.Builder
	fmt.Fprintf(&b, "unknown key %q ", key.String())
	table := ""
	if len(key) >= 2 && isTable(key[0]) {
		table = key[0]
		fmt.Fprintf(&b, "(known keys in [%s]: %s)", table, strings.Join(keysIn(table), ", "))
	} else {
		fmt.Fprintf(&b, "(known top-level keys: %s; tables: [%s])",
			strings.Join(keysIn(""), ", "), strings.Join(tables, "], ["))
	}
	if s := suggest(key, table); s != "" {
		fmt.Fprintf(&b, "; did you mean %q?", s)
		if table != "" && !strings.Contains(s, ".") {
			b.WriteString(" Top-level keys must come before the first [table].")
		}
	}
	return b.String()
}

// suggest returns the known key most likely meant by key, which stands in
// table ("" for the top level), or "". A key found under the wrong table
// (dev = true written after [access_log]) wins; then a near miss in the
// same table, ignoring case, '_' and '-', within two edits.
func suggest(key toml.Key, table string) string {
	last := key[len(key)-1]
	for _, f := range fields {
		_, leaf, ok := strings.Cut(f.key, ".")
		if !ok {
			leaf = f.key
		}
		if leaf == last && len(key) <= 2 {
			return f.key
		}
	}
	name := key[0]
	if table != "" {
		name = key[1]
	}
	best, bestDist := "", 3
	for _, k := range keysIn(table) {
		if dist := editDistance(normalize(name), normalize(k)); dist < bestDist {
			best, bestDist = k, dist
		}
	}
	if best == "" {
		return ""
	}
	if table != "" {
		return table + "." + best
	}
	return best
}

// normalize folds case and drops '_' and '-', so "BodyBytes", "body-bytes"
// and "body_bytes" compare equal.
func normalize(s string) string {
	return strings.NewReplacer("_", "", "-", "").Replace(strings.ToLower(s))
}

// editDistance returns the Levenshtein distance between a and b, in bytes.
func editDistance(a, b string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}

// describe names the TOML type of a raw value and shows it briefly:
// `integer 60`, `string "10MB"`, `a table`.
func describe(v any) string {
	switch v := v.(type) {
	case string:
		return "string " + quote(v)
	case int64:
		return "integer " + strconv.FormatInt(v, 10)
	case float64:
		return "float " + strconv.FormatFloat(v, 'g', -1, 64)
	case bool:
		return "boolean " + strconv.FormatBool(v)
	case time.Time:
		return "a date-time"
	case []map[string]any:
		return "an array of tables"
	case []any:
		return "an array"
	case map[string]any:
		return "a table"
	}
	return fmt.Sprintf("a %T", v)
}

// describeType names the TOML type of a raw value without its value, for
// secrets: "a string", "an integer".
func describeType(v any) string {
	switch v.(type) {
	case string:
		return "a string"
	case int64:
		return "an integer"
	case float64:
		return "a float"
	case bool:
		return "a boolean"
	}
	return describe(v) // the others show no value
}

// quote quotes s for a message, cutting it to 40 runes: config values are
// the operator's own, but a pasted blob should not flood the terminal.
func quote(s string) string {
	const limit = 40
	r := []rune(s)
	if len(r) > limit {
		return strconv.Quote(string(r[:limit])) + "..."
	}
	return strconv.Quote(s)
}
