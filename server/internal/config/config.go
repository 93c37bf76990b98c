package config

import (
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// Config is the server configuration: the values of miniweb.toml after
// command-line overrides. The zero Config is not valid; start from Default,
// Load or Parse.
type Config struct {
	// Addr is the listen address, "host:port" (key addr). An empty host
	// listens on all interfaces; port 0 picks a free port.
	Addr string
	// Static is the folder of static files on disk (key static), served
	// over the site's embedded static files: a file of the folder wins. ""
	// (the default) means the site's own folder, sites/NAME/static beside
	// the config file (static for the demo), which need not exist. Load
	// and Parse make a given folder absolute; it must exist.
	Static string
	// Templates is the folder of templates on disk (key templates), over
	// the site's embedded templates as Static is; "" (the default) means
	// the site's own, sites/NAME/templates (templates for the demo).
	// Absolute after Load and Parse; it need not exist.
	Templates string
	// Site is the name of the site (application) in sites/ to serve (key
	// site), such as "raw". Validate checks only that it is an identifier;
	// the caller checks it is registered.
	Site string
	// DynamicSuffix is the path suffix, such as ".py", that sends a request
	// to the site (key dynamic_suffix); all other paths are static files.
	DynamicSuffix string
	// ServerHeader is the value of the Server response header (key
	// server_header); "" sends no Server header.
	ServerHeader string
	// H2C serves HTTP/2 with prior knowledge on the plain listener too
	// (key h2c), beside HTTP/1.1, for balancers that speak it to their
	// backends (HAProxy's "proto h2", Envoy). With tls.cert it is an
	// error: there ALPN chooses. False, the default, serves HTTP/1.1 alone
	// on a plain listener.
	H2C bool
	// Dev turns on development mode (key dev, flag -dev): detailed error
	// pages for loopback clients and live template reload. False, the
	// default, is production: a lone binary with no config is production,
	// and the shipped miniweb.toml asks for dev mode.
	Dev bool
	// Timeouts bounds the phases of a connection (table [timeouts]).
	Timeouts Timeouts
	// Limits bounds request sizes and connection counts (table [limits]).
	Limits Limits
	// AccessLog configures the access log (table [access_log]).
	AccessLog AccessLog
	// Session configures the sites' session cookies (table [session], and
	// the environment variable MINIWEB_SESSION_SECRET).
	Session Session
	// CSRF configures the sites' protection against cross-site requests
	// (table [csrf]).
	CSRF CSRF
	// Database is the sites' database (table [database], and the
	// environment variable MINIWEB_DATABASE_URL).
	Database Database
	// Compress configures the compression of responses (table
	// [compress]).
	Compress Compress
	// Proxy says which peers are proxies whose forwarding fields are
	// believed (table [proxy]).
	Proxy Proxy
	// Health configures the health check for load balancers (table
	// [health]).
	Health Health
	// TLS configures HTTPS (table [tls]).
	TLS TLS
	// Metrics configures the Prometheus metrics (table [metrics]); off
	// by default.
	Metrics Metrics
	// File is the path of the config file the values were read from, as it
	// was given; "" for Default.
	File string
	// Watch is -watch, a command-line option and no key of the file: in
	// dev mode, rebuild the server on each save of a .go file and hand the
	// listening socket to the new build. False when not given.
	Watch bool
}

// Timeouts are the connection timeouts (table [timeouts]). In the file each
// is a Go duration string such as "300ms", "5s" or "1m30s"; every one must
// be positive, so the zero value of a field is invalid, never "no timeout".
type Timeouts struct {
	// ReadHeader is the time from the first byte of a request to the end of
	// its header section; past it the server sends 408 and closes (key
	// timeouts.read_header).
	ReadHeader time.Duration
	// ReadBody is the time allowed to read one request body (key
	// timeouts.read_body).
	ReadBody time.Duration
	// Write is the time allowed to write one response (key timeouts.write).
	Write time.Duration
	// Idle is how long a keep-alive connection may wait for its next
	// request (key timeouts.idle).
	Idle time.Duration
	// Shutdown is the grace period given to in-flight requests on SIGINT or
	// SIGTERM, and after a restart's hand-off (key timeouts.shutdown).
	Shutdown time.Duration
	// Ready bounds a restart (SIGHUP): the new process must serve within
	// it, from its start, or it is killed and the old one serves on (key
	// timeouts.ready).
	Ready time.Duration
}

// Limits are the request size and connection limits (table [limits]). Every
// field but MaxConns, MaxConnsPerAddr and MinRateBytes must be positive;
// those may be 0.
type Limits struct {
	// RequestLine is the longest request line in bytes; longer gets 414
	// (key limits.request_line).
	RequestLine int
	// HeaderBytes is the largest header section in bytes; larger gets 431
	// (key limits.header_bytes).
	HeaderBytes int
	// HeaderCount is the most header fields a request may have; more gets
	// 431 (key limits.header_count).
	HeaderCount int
	// BodyBytes is the largest request body in bytes; larger gets 413 (key
	// limits.body_bytes).
	BodyBytes int64
	// MaxConns is the most open connections (key limits.max_conns); 0
	// means sized for the machine, see EffectiveMaxConns.
	MaxConns int
	// MaxConnsPerAddr is the most open connections of one client address
	// (key limits.max_conns_per_addr); 0 means a quarter of MaxConns.
	MaxConnsPerAddr int
	// MinRateBytes is the slowest, in bytes per second, a request head or
	// body may be sent once MinRateGrace has passed (key
	// limits.min_rate_bytes); 0 turns the check off.
	MinRateBytes int
	// MinRateGrace is the time a head or body is given before MinRateBytes
	// applies (key limits.min_rate_grace).
	MinRateGrace time.Duration
}

// AccessLog configures the access log, one line per request (table
// [access_log]).
type AccessLog struct {
	// Enabled turns the access log on (key access_log.enabled); false
	// writes none.
	Enabled bool
	// Format is "combined" (the Combined Log Format of Apache and nginx) or
	// "json", one object per line (key access_log.format).
	Format string
}

// EnvSessionSecret is the environment variable whose value, when set and
// not empty, is the session secret, in place of the file's session.secret:
// a secret belongs in the environment of a production server, not in a file
// kept in git.
const EnvSessionSecret = "MINIWEB_SESSION_SECRET"

// MinSecretLen is the shortest session secret accepted, in bytes: 32 bytes
// is the size of an AES-256 key, and `openssl rand -base64 32` prints 44.
const MinSecretLen = 32

// CSRF configures the protection of the sites against cross-site requests
// (table [csrf]): unsafe requests (POST, PUT, DELETE, ...) that a browser
// sends from a page of another origin are refused with 403.
type CSRF struct {
	// TrustedOrigins are the other origins whose pages may send unsafe
	// requests (key csrf.trusted_origins), each a scheme, a host and an
	// optional port such as "https://admin.example.com"; none by default.
	TrustedOrigins []string
}

// Proxy configures the trust in proxies (table [proxy]). Nothing is
// trusted by default: forwarding fields are then ignored, and the client
// is the TCP peer.
type Proxy struct {
	// Trusted are the proxies' networks, as CIDRs ("10.0.0.0/8") or bare
	// addresses ("127.0.0.1", taken as /32 or /128) (key proxy.trusted).
	// Validate checks them; Prefixes parses them.
	Trusted []string
	// Header is the forwarding field believed from a trusted peer:
	// "x-forwarded-for" (default) or "forwarded" (RFC 7239) (key
	// proxy.header).
	Header string
	// ForwardedHost takes the host from X-Forwarded-Host (or Forwarded's
	// host=) of a trusted peer (key proxy.forwarded_host).
	ForwardedHost bool
	// Protocol expects the PROXY protocol (v1 or v2) at the start of
	// every connection, from trusted peers only (key proxy.protocol).
	Protocol bool
}

// Prefixes returns Trusted as networks, a bare address as a /32 or /128,
// skipping any that do not parse (Validate refuses those).
func (p Proxy) Prefixes() []netip.Prefix {
	var out []netip.Prefix
	for _, t := range p.Trusted {
		if pre, ok := parseTrusted(t); ok {
			out = append(out, pre)
		}
	}
	return out
}

// parseTrusted parses one entry of proxy.trusted.
func parseTrusted(t string) (netip.Prefix, bool) {
	if pre, err := netip.ParsePrefix(t); err == nil {
		return pre.Masked(), true
	}
	a, err := netip.ParseAddr(t)
	if err != nil || a.Zone() != "" {
		return netip.Prefix{}, false
	}
	a = a.Unmap()
	return netip.PrefixFrom(a, a.BitLen()), true
}

// TLS configures HTTPS (table [tls]).
type TLS struct {
	// Cert is the PEM certificate chain file, such as certbot's
	// fullchain.pem (key tls.cert); "" serves plain HTTP. Load makes a
	// relative path absolute against the config file's folder.
	Cert string
	// Key is the PEM private key file (key tls.key); set with Cert.
	Key string
	// RedirectHTTP is a "host:port" where a plain listener answers every
	// request with 308 to the https URL (key tls.redirect_http); "" for
	// none.
	RedirectHTTP string
}

// Metrics configures the Prometheus metrics (table [metrics]): off
// unless Listen or Path is set. With Listen, a listener of their own
// serves them (at Path, default "/metrics"), to whoever reaches that
// address (to Allow, when set); with Path alone, the site's listener
// answers that path to the clients in Allow, which must then be set, and
// hands it to the site for everyone else (a 404).
type Metrics struct {
	// Listen is the "host:port" of the metrics' own listener (key
	// metrics.listen), such as "127.0.0.1:9090"; "" for none.
	Listen string
	// Path is where the metrics are (key metrics.path): on Listen (""
	// there means "/metrics"), else on the site's listener ("" there
	// means off).
	Path string
	// Allow are the networks that may read the metrics (key
	// metrics.allow), as CIDRs ("10.0.0.0/8") or bare addresses; empty
	// lets everyone who reaches Listen through. Required for Path on the
	// site's listener.
	Allow []string
}

// DefaultMetricsPath is Metrics.Path on a listener of its own when unset.
const DefaultMetricsPath = "/metrics"

// Enabled reports whether the metrics are served at all.
func (m Metrics) Enabled() bool { return m.Listen != "" || m.Path != "" }

// ServedPath returns the path the metrics are served at: Path, or
// DefaultMetricsPath on a listener of their own.
func (m Metrics) ServedPath() string {
	if m.Path == "" && m.Listen != "" {
		return DefaultMetricsPath
	}
	return m.Path
}

// Prefixes returns Allow as networks, a bare address as a /32 or /128.
func (m Metrics) Prefixes() []netip.Prefix {
	var out []netip.Prefix
	for _, a := range m.Allow {
		if pre, ok := parseTrusted(a); ok {
			out = append(out, pre)
		}
	}
	return out
}

// Describe says where the metrics are served and to whom, for -check:
// "off", "http://127.0.0.1:9090/metrics (a listener of their own)", or
// "/metrics on the site's listener, to 127.0.0.1/32 10.0.0.0/8 (others: 404)".
func (m Metrics) Describe() string {
	to := ""
	if len(m.Allow) > 0 {
		to = ", to " + strings.Join(m.Allow, " ") + " (others: 404)"
	}
	switch {
	case m.Listen != "":
		return "http://" + m.Listen + m.ServedPath() + " (a listener of their own" + to + ")"
	case m.Path != "":
		return m.Path + " on the site's listener" + to
	}
	return "off"
}

// Health configures the health check (table [health]).
type Health struct {
	// Path answers 200 while serving and 503 once shutdown has begun
	// (key health.path; default "/healthz"; "" turns it off).
	Path string
	// Drain is how long the server keeps serving after shutdown begins,
	// failing health checks, before it closes its listener (key
	// health.drain; default 0s; behind a balancer, its check interval
	// times its fall count).
	Drain time.Duration
	// Log writes health checks to the access log (key health.log).
	Log bool
}

// Compress configures the compression of responses (table [compress]):
// pages and JSON in zstd or gzip as the client prefers, static files from
// precompressed siblings (style.css.gz, style.css.zst) or compressed once
// and cached (see package miniweb/server/compress).
type Compress struct {
	// Enabled turns compression on (key compress.enabled; default true).
	Enabled bool
	// MinBytes is the size under which a body goes out as it is (key
	// compress.min_bytes; default 1024); 0 or more.
	MinBytes int
	// GzipLevel is gzip's level, 1 (fastest) to 9 (smallest) (key
	// compress.gzip_level; default 5).
	GzipLevel int
	// ZstdLevel is zstd's level, 1 to 22 (key compress.zstd_level; default
	// 3).
	ZstdLevel int
	// StaticMaxBytes is the largest static file compressed on the fly,
	// in bytes (key compress.static_max_bytes; default 1 MiB); -1 turns
	// that off (precompressed siblings are still served).
	StaticMaxBytes int64
	// StaticCacheBytes bounds the memory holding static files compressed
	// on the fly (key compress.static_cache_bytes; default 16 MiB).
	StaticCacheBytes int64
}

// EnvDatabaseURL is the environment variable whose value, when set and not
// empty, is the database URL, in place of the file's database.url: a
// PostgreSQL URL carries a password, which belongs in the environment.
const EnvDatabaseURL = "MINIWEB_DATABASE_URL"

// Database configures the sites' SQL database (table [database]).
type Database struct {
	// URL says where the database is (key database.url; the environment
	// variable MINIWEB_DATABASE_URL wins over it):
	//
	//	sqlite:data/miniweb.db                      an SQLite file; Load makes a
	//	                                            relative path absolute against
	//	                                            the config file's folder
	//	postgres://user:pass@host:5432/db?sslmode=require   PostgreSQL
	//
	// Its password is never printed in errors.
	URL string
	// MaxConns bounds the open connections to the database (key
	// database.max_conns); 0 means the default for its kind (see package
	// miniweb/framework/database).
	MaxConns int
}

// Session configures the signed and encrypted session cookies of the sites
// (table [session]). The secrets are never printed in errors or logs.
type Session struct {
	// Secret signs and encrypts new session cookies, at least MinSecretLen
	// bytes (key session.secret; the environment variable
	// MINIWEB_SESSION_SECRET wins over it). "" means none was given: in
	// production UseKeyFile then reads the one kept in KeyFile, made on
	// the first start; in dev mode the site makes a random one per start
	// and logs a warning, so sessions end at every restart.
	Secret string
	// OldSecrets are former secrets (key session.old_secrets): cookies
	// signed with them still verify, so a secret can be rotated without
	// signing everyone out. Each is at least MinSecretLen bytes; nil for
	// none.
	OldSecrets []string
	// MaxAge is how long a session cookie stays valid (key
	// session.max_age); it must be positive. Default 336h (14 days).
	MaxAge time.Duration
	// Source says where Secret came from, for server -check and the start
	// log, never showing it: SourceEnv, "config FILE", "file KEYFILE" or
	// SourcePerStart; "" when none is given and UseKeyFile has not run.
	Source string
}

// Default returns the built-in configuration, used when there is no
// miniweb.toml: production (Dev false). The miniweb.toml in the repository
// holds the same values but for dev = true, and sets no session secret.
// Its paths are relative to the current folder and its File is "".
func Default() Config {
	return Config{
		Addr:          "127.0.0.1:8080",
		Static:        "",
		Templates:     "",
		Site:          "demo",
		DynamicSuffix: ".py",
		ServerHeader:  "miniweb",
		Dev:           false,
		Timeouts: Timeouts{
			ReadHeader: 10 * time.Second,
			ReadBody:   30 * time.Second,
			Write:      30 * time.Second,
			Idle:       60 * time.Second,
			Shutdown:   10 * time.Second,
			Ready:      30 * time.Second,
		},
		Limits: Limits{
			RequestLine: 8192,
			HeaderBytes: 32 << 10,
			HeaderCount: 100,
			BodyBytes:   10 << 20,
			MaxConns:    0,
			// A quarter of the cap: room for a NAT's worth of browsers
			// (six connections each) yet four clients cannot hold it all.
			MaxConnsPerAddr: 0,
			// Kestrel's defaults: a trickle is cut within seconds, a 2G
			// phone (several KB/s) is far above.
			MinRateBytes: 240,
			MinRateGrace: 5 * time.Second,
		},
		AccessLog: AccessLog{
			Enabled: true,
			Format:  "combined",
		},
		Session: Session{
			MaxAge: 14 * 24 * time.Hour,
		},
		Database: Database{
			URL: "sqlite:data/miniweb.db",
		},
		Proxy:  Proxy{Header: "x-forwarded-for"},
		Health: Health{Path: "/healthz"},
		Compress: Compress{
			Enabled:          true,
			MinBytes:         1024,
			GzipLevel:        5,
			ZstdLevel:        3,
			StaticMaxBytes:   1 << 20,
			StaticCacheBytes: 16 << 20,
		},
	}
}

// Load reads the TOML file at path, such as "miniweb.toml", over Default
// and validates the result (see Validate). Relative Static and Templates
// are resolved against the file's folder and made absolute (unset, they
// stay "": the site's own folders, which the caller resolves against the
// file's folder too); File is path as given. The
// environment variable MINIWEB_SESSION_SECRET, when not empty, replaces the
// file's session.secret, and MINIWEB_DATABASE_URL the file's database.url;
// a relative sqlite: path is made absolute against the file's folder.
//
// Every error is an *Error whose text starts with path, and with the line
// when the fault has one: "miniweb.toml:14: limits.body_bytes: expected an
// integer (bytes), got string "10MB"". A missing file is an error
// (errors.Is(err, fs.ErrNotExist)). On error the Config is the zero value.
func Load(path string) (Config, error) {
	c, src, err := load(path)
	if err != nil {
		return Config{}, err
	}
	if err := c.validate(src); err != nil {
		return Config{}, err
	}
	return c, nil
}

// load is Load without the validation, so Parse can apply flag overrides
// first. The source it returns locates each key's line in the file, or the
// environment variable that set it.
//
// path "" means no file: Default, relative to the current folder (Parse,
// when there is no miniweb.toml).
func load(path string) (Config, source, error) {
	src := source{file: path}
	c := Default()
	base := "."
	if path != "" {
		data, err := os.ReadFile(path)
		if err != nil {
			return Config{}, src, &Error{File: path, Msg: "cannot read config: " + err.Error(), Err: err}
		}
		d, err := decode(path, data, &c)
		if err != nil {
			return Config{}, src, err
		}
		src.line = d.line
		base = filepath.Dir(path)
	}
	if abs, err := filepath.Abs(base); err == nil {
		base = abs
	}
	c.Static = resolve(base, c.Static)
	c.Templates = resolve(base, c.Templates)
	c.TLS.Cert = resolve(base, c.TLS.Cert)
	c.TLS.Key = resolve(base, c.TLS.Key)
	c.File = path
	if c.Session.Secret != "" {
		c.Session.Source = SourceConfig + " " + path
	}
	src.env = map[string]string{}
	if secret := os.Getenv(EnvSessionSecret); secret != "" {
		c.Session.Secret, c.Session.Source = secret, SourceEnv
		src.env["session.secret"] = EnvSessionSecret
	}
	if u := os.Getenv(EnvDatabaseURL); u != "" {
		c.Database.URL = u
		src.env["database.url"] = EnvDatabaseURL
	}
	c.Database.URL = resolveSQLite(base, c.Database.URL)
	return c, src, nil
}

// resolveSQLite makes the path of an "sqlite:PATH" URL absolute against the
// folder base; other URLs are returned as they are.
func resolveSQLite(base, u string) string {
	p, ok := strings.CutPrefix(u, "sqlite:")
	if !ok || p == "" || p == ":memory:" || strings.HasPrefix(p, "//") || filepath.IsAbs(p) {
		return u
	}
	return "sqlite:" + filepath.Join(base, p)
}

// resolve joins a relative path p to the folder base. An empty p stays
// empty, the default: it would otherwise mean base itself, and serving
// the config folder as static files is never what was meant.
func resolve(base, p string) string {
	if p == "" || filepath.IsAbs(p) {
		return p
	}
	return filepath.Join(base, p)
}
