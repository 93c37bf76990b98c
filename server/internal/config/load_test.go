package config

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"
)

// testdataDir returns the absolute path of testdata/, against which the
// fixtures' relative folders resolve.
func testdataDir(t *testing.T) string {
	t.Helper()
	dir, err := filepath.Abs("testdata")
	if err != nil {
		t.Fatal(err)
	}
	return dir
}

// defaultsIn returns Default with its database resolved against dir, as
// Load gives it for a file in dir that does not set it, and File set. The
// folders stay "": the site's own.
func defaultsIn(dir, file string) Config {
	c := Default()
	c.Database.URL = "sqlite:" + filepath.Join(dir, "data", "miniweb.db")
	c.File = file
	return c
}

func TestLoad(t *testing.T) {
	t.Parallel()
	td := testdataDir(t)
	tests := []struct {
		file string          // fixture in testdata/
		want func(c *Config) // changes to defaultsIn(testdata) when the file loads
		err  string          // else the whole error text
		key  string          // Error.Key wanted with err
		line int             // Error.Line wanted with err
		is   error           // errors.Is target, or nil
	}{
		{file: "minimal.toml", want: func(*Config) {}},
		{file: "static_empty.toml", want: func(*Config) {}},    // "": the site's own
		{file: "templates_empty.toml", want: func(*Config) {}}, // likewise
		{file: "good.toml", want: func(c *Config) {
			*c = Config{
				Addr:          ":9090",
				Static:        filepath.Join(td, "public"),
				Templates:     filepath.Join(td, "views"),
				Site:          "demo_2",
				DynamicSuffix: ".php",
				ServerHeader:  "test server/1.0",
				Dev:           false,
				Timeouts: Timeouts{
					ReadHeader: time.Second,
					ReadBody:   2 * time.Second,
					Write:      3 * time.Second,
					Idle:       90 * time.Second,
					Shutdown:   300 * time.Millisecond,
					Ready:      45 * time.Second,
				},
				Limits: Limits{RequestLine: 1024, HeaderBytes: 2048, HeaderCount: 10, BodyBytes: 1 << 20, MaxConns: 50,
					MaxConnsPerAddr: 8, MinRateBytes: 500, MinRateGrace: 2 * time.Second},
				AccessLog: AccessLog{Enabled: false, Format: "json"},
				Session: Session{
					Secret:     "test-secret-0123456789abcdefghijk",
					OldSecrets: []string{"test-old-secret-0123456789abcdefgh", "test-older-secret-0123456789abcdef"},
					MaxAge:     time.Hour,
					Source:     "config testdata/good.toml",
				},
				CSRF:     CSRF{TrustedOrigins: []string{"https://admin.example.com"}},
				Database: Database{URL: "postgres://app:pw@db.example:5432/app?sslmode=require", MaxConns: 8},
				Compress: Compress{MinBytes: 2048, GzipLevel: 6, ZstdLevel: 4, StaticMaxBytes: -1, StaticCacheBytes: 1 << 20},
				Proxy:    Proxy{Trusted: []string{"10.0.0.0/8", "127.0.0.1", "::1"}, Header: "forwarded", ForwardedHost: true, Protocol: true},
				Health:   Health{Path: "/health", Drain: 5 * time.Second, Log: true},
				TLS:      TLS{Cert: filepath.Join(td, "cert.pem"), Key: "/etc/key.pem", RedirectHTTP: ":8081"},
				File:     "testdata/good.toml",
			}
		}},
		{file: "dotted.toml", want: func(c *Config) {
			c.Limits.BodyBytes = 1
			c.Timeouts.Idle = 5 * time.Second
			c.Timeouts.Write = 7 * time.Second
		}},
		{file: "big_int.toml", want: func(c *Config) { c.Limits.BodyBytes = 1<<63 - 1 }},

		// Reading and TOML syntax.
		{file: "no_such_file.toml", is: fs.ErrNotExist,
			err: "testdata/no_such_file.toml: cannot read config: open testdata/no_such_file.toml: no such file or directory"},
		{file: "syntax.toml", line: 3,
			err: "testdata/syntax.toml:3:7: invalid TOML: expected value but found '=' instead"},
		{file: "duplicate_key.toml", line: 3,
			err: "testdata/duplicate_key.toml:3:1: invalid TOML: Key 'site' has already been defined."},

		// Unknown keys.
		{file: "unknown_key.toml", key: "limits.bodybytes", line: 4,
			err: `testdata/unknown_key.toml:4: unknown key "limits.bodybytes" (known keys in [limits]: request_line, header_bytes, header_count, body_bytes, max_conns, max_conns_per_addr, min_rate_bytes, min_rate_grace); did you mean "limits.body_bytes"?`},
		{file: "unknown_top.toml", key: "adr", line: 2,
			err: `testdata/unknown_top.toml:2: unknown key "adr" (known top-level keys: addr, static, templates, site, dynamic_suffix, server_header, h2c, dev; tables: [timeouts], [limits], [access_log], [session], [csrf], [database], [proxy], [health], [tls], [metrics], [compress]); did you mean "addr"?`},
		{file: "unknown_table.toml", key: "server", line: 3,
			err: `testdata/unknown_table.toml:3: unknown key "server" (known top-level keys: addr, static, templates, site, dynamic_suffix, server_header, h2c, dev; tables: [timeouts], [limits], [access_log], [session], [csrf], [database], [proxy], [health], [tls], [metrics], [compress])`},
		{file: "misplaced_key.toml", key: "access_log.dev", line: 3,
			err: `testdata/misplaced_key.toml:3: unknown key "access_log.dev" (known keys in [access_log]: enabled, format); did you mean "dev"? Top-level keys must come before the first [table].`},

		// Wrong types.
		{file: "table_not_table.toml", key: "limits", line: 2,
			err: "testdata/table_not_table.toml:2: limits: expected a table ([limits] followed by its keys), got integer 5"},
		{file: "duration_int.toml", key: "timeouts.idle", line: 3,
			err: `testdata/duration_int.toml:3: timeouts.idle: expected a duration string such as "60s", got integer 60`},
		{file: "duration_bad.toml", key: "timeouts.idle", line: 2,
			err: `testdata/duration_bad.toml:2: timeouts.idle: invalid duration "5 seconds" (use Go duration syntax such as "300ms", "5s", "1m")`},
		{file: "int_string.toml", key: "limits.body_bytes", line: 4,
			err: `testdata/int_string.toml:4: limits.body_bytes: expected an integer (bytes), got string "10MB"`},
		{file: "int_float.toml", key: "limits.header_count", line: 2,
			err: `testdata/int_float.toml:2: limits.header_count: expected an integer (header fields), got float 1.5`},
		{file: "bool_string.toml", key: "dev", line: 1,
			err: `testdata/bool_string.toml:1: dev: expected true or false, got string "yes"`},
		{file: "string_int.toml", key: "addr", line: 1,
			err: `testdata/string_int.toml:1: addr: expected a string "host:port" such as "127.0.0.1:8080", got integer 8080`},

		// Semantic checks, located at the key's line.
		{file: "duration_negative.toml", key: "timeouts.shutdown", line: 2,
			err: `testdata/duration_negative.toml:2: timeouts.shutdown: expected a positive duration such as "5s", got "-5s"`},
		{file: "duration_zero.toml", key: "timeouts.write", line: 2,
			err: `testdata/duration_zero.toml:2: timeouts.write: expected a positive duration such as "5s", got "0s"`},
		{file: "multiline.toml", key: "site", line: 3, // the line of the key, not of the string's end
			err: `testdata/multiline.toml:3: site: expected a site name (a letter or '_', then letters, digits or '_'), got "bad site"`},
		{file: "addr_no_port.toml", key: "addr", line: 1,
			err: `testdata/addr_no_port.toml:1: addr: expected host:port such as "127.0.0.1:8080", got "localhost" (missing port in address)`},
		{file: "addr_bad_port.toml", key: "addr", line: 2,
			err: `testdata/addr_bad_port.toml:2: addr: expected a port number 0-65535 after the last ':', got "localhost:http"`},
		{file: "addr_big_port.toml", key: "addr", line: 1,
			err: `testdata/addr_big_port.toml:1: addr: expected a port number 0-65535 after the last ':', got "127.0.0.1:65536"`},
		{file: "suffix_bad.toml", key: "dynamic_suffix", line: 1,
			err: `testdata/suffix_bad.toml:1: dynamic_suffix: expected a file extension such as ".py" ('.' then letters, digits, '_' or '-'), got "py"`},
		{file: "suffix_path.toml", key: "dynamic_suffix", line: 1,
			err: `testdata/suffix_path.toml:1: dynamic_suffix: expected a file extension such as ".py" ('.' then letters, digits, '_' or '-'), got ".py/x"`},
		{file: "site_bad.toml", key: "site", line: 1,
			err: `testdata/site_bad.toml:1: site: expected a site name (a letter or '_', then letters, digits or '_'), got "../etc"`},
		{file: "site_empty.toml", key: "site", line: 1,
			err: `testdata/site_empty.toml:1: site: expected a site name (a letter or '_', then letters, digits or '_'), got ""`},
		{file: "header_ctl.toml", key: "server_header", line: 1,
			err: `testdata/header_ctl.toml:1: server_header: expected a header value without control characters or surrounding spaces, got "miniweb\r\nSet-Cookie: a=b"`},
		{file: "limit_negative.toml", key: "limits.body_bytes", line: 2,
			err: `testdata/limit_negative.toml:2: limits.body_bytes: expected a positive integer (bytes), got -1`},
		{file: "limit_zero.toml", key: "limits.header_count", line: 2,
			err: `testdata/limit_zero.toml:2: limits.header_count: expected a positive integer (header fields), got 0`},
		{file: "max_conns_negative.toml", key: "limits.max_conns", line: 2,
			err: `testdata/max_conns_negative.toml:2: limits.max_conns: expected 0 (sized for the machine) or a positive integer, got -1`},
		{file: "format_bad.toml", key: "access_log.format", line: 2,
			err: `testdata/format_bad.toml:2: access_log.format: expected "combined" or "json", got "common"`},
		{file: "static_missing.toml", key: "static", line: 1, is: fs.ErrNotExist,
			err: `testdata/static_missing.toml:1: static: folder "` + filepath.Join(td, "no_such_folder") + `" does not exist`},
		{file: "static_file.toml", key: "static", line: 1,
			err: `testdata/static_file.toml:1: static: expected a folder, but "` + filepath.Join(td, "good.toml") + `" is not one`},
	}
	for _, tt := range tests {
		t.Run(strings.TrimSuffix(tt.file, ".toml"), func(t *testing.T) {
			path := "testdata/" + tt.file
			got, err := Load(path)
			if tt.want != nil {
				if err != nil {
					t.Fatalf("Load(%q): %v", path, err)
				}
				want := defaultsIn(td, path)
				tt.want(&want)
				if !reflect.DeepEqual(got, want) {
					t.Errorf("Load(%q)\n got %+v\nwant %+v", path, got, want)
				}
				return
			}
			if err == nil {
				t.Fatalf("Load(%q) = %+v, want error %q", path, got, tt.err)
			}
			if err.Error() != tt.err {
				t.Errorf("Load(%q) error\n got %s\nwant %s", path, err, tt.err)
			}
			var e *Error
			if !errors.As(err, &e) {
				t.Fatalf("Load(%q) error is %T, want *Error", path, err)
			}
			if e.File != path || e.Key != tt.key || e.Line != tt.line {
				t.Errorf("Load(%q) error File, Key, Line = %q, %q, %d; want %q, %q, %d", path, e.File, e.Key, e.Line, path, tt.key, tt.line)
			}
			if tt.is != nil && !errors.Is(err, tt.is) {
				t.Errorf("errors.Is(%v, %v) = false", err, tt.is)
			}
			if !reflect.DeepEqual(got, Config{}) {
				t.Errorf("Load(%q) returned %+v with its error, want the zero Config", path, got)
			}
		})
	}
}

// tomlString writes s as a TOML basic string: a path of any length, with
// spaces, quotes or backslashes (quote, which cuts a value for a message,
// would make long temporary paths invalid TOML).
func tomlString(s string) string {
	return `"` + strings.NewReplacer(`\`, `\\`, `"`, `\"`).Replace(s) + `"`
}

// TestLoadPaths checks that relative folders in a file resolve against the
// file's folder, not the current one, and absolute ones stay.
func TestLoadPaths(t *testing.T) {
	root := t.TempDir()
	for _, dir := range []string{"conf", "www", "abs"} {
		if err := os.Mkdir(filepath.Join(root, dir), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	abs := filepath.Join(root, "abs")
	tests := []struct {
		name, toml     string
		static, templs string // wanted, relative to root; "" for the site's own
	}{
		{"defaults", "", "", ""},
		{"relative", "static = \"../www\"\ntemplates = \"t/views\"\n", "www", "conf/t/views"},
		{"absolute", "static = " + tomlString(abs) + "\ntemplates = " + tomlString(abs) + "\n", "abs", "abs"},
		{"dot", "static = \".\"\n", "conf", ""},
	}
	t.Chdir(root)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join("conf", "miniweb.toml") // relative to the current folder
			if err := os.WriteFile(path, []byte(tt.toml), 0o644); err != nil {
				t.Fatal(err)
			}
			if tt.name == "defaults" {
				if err := os.Mkdir(filepath.Join("conf", "static"), 0o755); err != nil {
					t.Fatal(err)
				}
			}
			c, _, err := load(path)
			if err != nil {
				t.Fatal(err)
			}
			if want := inRoot(root, tt.static); c.Static != want {
				t.Errorf("Static = %q, want %q", c.Static, want)
			}
			if want := inRoot(root, tt.templs); c.Templates != want {
				t.Errorf("Templates = %q, want %q", c.Templates, want)
			}
			if c.File != path {
				t.Errorf("File = %q, want %q", c.File, path)
			}
		})
	}
}

// TestLine checks the line found for each key against the file's text,
// through multi-line values, dotted keys and inline tables.
func TestLine(t *testing.T) {
	t.Parallel()
	const doc = `# comment
server_header = """
x"""
limits.body_bytes = 5
timeouts = { idle = "5s",
  write = "7s" }

[access_log]
format = 'json'
`
	c := Default()
	d, err := decode("x.toml", []byte(doc), &c)
	if err != nil {
		t.Fatal(err)
	}
	for key, want := range map[string]int{
		"server_header":     2,
		"limits.body_bytes": 4,
		"timeouts":          5,
		"timeouts.idle":     5,
		"timeouts.write":    6,
		"access_log":        8,
		"access_log.format": 9,
		"addr":              0, // not in the file
		"access_log.x":      0,
	} {
		if got := d.line(key); got != want {
			t.Errorf("line(%q) = %d, want %d", key, got, want)
		}
	}
}

// TestMain runs the tests as if MINIWEB_SESSION_SECRET were unset, whatever
// the environment of go test; the tests that need it use t.Setenv.
func TestMain(m *testing.M) {
	os.Unsetenv(EnvSessionSecret)
	os.Unsetenv(EnvDatabaseURL)
	os.Exit(m.Run())
}

// TestLoadSession checks the [session] table and MINIWEB_SESSION_SECRET:
// where each value comes from, where each error points, and that no error
// shows a secret.
func TestLoadSession(t *testing.T) {
	const (
		fileSecret = "file-secret-0123456789abcdefghijklmn" // 36 bytes
		envSecret  = "env-secret-0123456789abcdefghijklmno" // 36 bytes
		oldSecret  = "old-secret-0123456789abcdefghijklmno" // 36 bytes
		short      = "hunter2"                              // 7 bytes
	)
	tests := []struct {
		name string
		toml string // x.toml after `static = "static"`
		env  string // MINIWEB_SESSION_SECRET; "" is unset
		want Session
		err  string // else the whole error text
		line int    // Error.Line wanted with err
		key  string // Error.Key wanted with err
		file bool   // the error is located in x.toml, else in the environment
	}{
		{name: "dev_no_secret", toml: "dev = true\n",
			want: Session{MaxAge: 336 * time.Hour}},
		{name: "file_secret", toml: "dev = false\n[session]\nsecret = \"" + fileSecret + "\"\n",
			want: Session{Secret: fileSecret, MaxAge: 336 * time.Hour, Source: "config x.toml"}},
		{name: "env_secret", toml: "dev = false\n", env: envSecret,
			want: Session{Secret: envSecret, MaxAge: 336 * time.Hour, Source: SourceEnv}},
		{name: "env_wins", toml: "dev = false\n[session]\nsecret = \"" + fileSecret + "\"\n", env: envSecret,
			want: Session{Secret: envSecret, MaxAge: 336 * time.Hour, Source: SourceEnv}},
		{name: "env_wins_over_short_file", toml: "[session]\nsecret = \"" + short + "\"\n", env: envSecret,
			want: Session{Secret: envSecret, MaxAge: 336 * time.Hour, Source: SourceEnv}},
		{name: "old_secrets_and_max_age", toml: "[session]\nold_secrets = [\"" + oldSecret + "\", \"" + fileSecret + "\"]\nmax_age = \"1h30m\"\n",
			want: Session{OldSecrets: []string{oldSecret, fileSecret}, MaxAge: 90 * time.Minute}},
		{name: "old_secrets_empty", toml: "[session]\nold_secrets = []\n",
			want: Session{MaxAge: 336 * time.Hour}},

		// Production with no secret loads: UseKeyFile gives it the key
		// file's (sessionkey_test.go).
		{name: "prod_no_secret", toml: "dev = false\n",
			want: Session{MaxAge: 336 * time.Hour}},
		{name: "prod_empty_secret", toml: "dev = false\n[session]\nsecret = \"\"\n",
			want: Session{MaxAge: 336 * time.Hour}},
		{name: "short_in_file", toml: "[session]\nmax_age = \"1h\"\nsecret = \"" + short + "\"\n", key: "session.secret", line: 4, file: true,
			err: "x.toml:4: session.secret: expected a secret of at least 32 bytes, got 7 bytes (make a secret with: openssl rand -base64 32)"},
		{name: "short_in_env", toml: "[session]\nsecret = \"" + fileSecret + "\"\n", env: short, key: "session.secret",
			err: "environment MINIWEB_SESSION_SECRET: session.secret: expected a secret of at least 32 bytes, got 7 bytes (make a secret with: openssl rand -base64 32)"},
		{name: "short_in_env_prod", toml: "dev = false\n", env: short, key: "session.secret",
			err: "environment MINIWEB_SESSION_SECRET: session.secret: expected a secret of at least 32 bytes, got 7 bytes (make a secret with: openssl rand -base64 32)"},
		{name: "old_secret_short", toml: "[session]\nold_secrets = [\n  \"" + oldSecret + "\",\n  \"" + short + "\",\n]\n", key: "session.old_secrets", line: 3, file: true,
			err: "x.toml:3: session.old_secrets: entry 2 of 2: expected a secret of at least 32 bytes, got 7 bytes (make a secret with: openssl rand -base64 32)"},
		{name: "secret_not_string", toml: "[session]\nsecret = 1234567\n", key: "session.secret", line: 3, file: true,
			err: "x.toml:3: session.secret: expected a string of at least 32 bytes, such as the output of openssl rand -base64 32, got an integer"},
		{name: "old_secrets_not_array", toml: "[session]\nold_secrets = \"" + short + "\"\n", key: "session.old_secrets", line: 3, file: true,
			err: `x.toml:3: session.old_secrets: expected an array of secret strings such as ["..."], got a string`},
		{name: "old_secrets_entry_not_string", toml: "[session]\nold_secrets = [\"" + short + "\", 5]\n", key: "session.old_secrets", line: 3, file: true,
			err: "x.toml:3: session.old_secrets: entry 2 of 2: expected a string, got an integer"},
		{name: "secret_misplaced", toml: "secret = \"" + short + "\"\n", key: "secret", line: 2, file: true,
			err: `x.toml:2: unknown key "secret" (known top-level keys: addr, static, templates, site, dynamic_suffix, server_header, h2c, dev; tables: [timeouts], [limits], [access_log], [session], [csrf], [database], [proxy], [health], [tls], [metrics], [compress]); did you mean "session.secret"?`},
		{name: "max_age_bad", toml: "[session]\nmax_age = \"2 weeks\"\n", key: "session.max_age", line: 3, file: true,
			err: `x.toml:3: session.max_age: invalid duration "2 weeks" (use Go duration syntax such as "300ms", "5s", "1m")`},
		{name: "max_age_int", toml: "[session]\nmax_age = 3600\n", key: "session.max_age", line: 3, file: true,
			err: `x.toml:3: session.max_age: expected a duration string such as "336h", got integer 3600`},
		{name: "max_age_zero", toml: "[session]\nmax_age = \"0s\"\n", key: "session.max_age", line: 3, file: true,
			err: `x.toml:3: session.max_age: expected a positive duration such as "336h", got "0s"`},
	}
	t.Chdir(t.TempDir())
	if err := mkdir("static"); err != nil {
		t.Fatal(err)
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if err := os.WriteFile("x.toml", []byte("static = \"static\"\n"+tt.toml), 0o644); err != nil {
				t.Fatal(err)
			}
			t.Setenv(EnvSessionSecret, tt.env)
			c, err := Load("x.toml")
			if tt.err == "" {
				if err != nil {
					t.Fatalf("Load: %v", err)
				}
				if !reflect.DeepEqual(c.Session, tt.want) {
					t.Errorf("Session = %+v, want %+v", c.Session, tt.want)
				}
				return
			}
			if err == nil {
				t.Fatalf("Load = %+v, want error %s", c.Session, tt.err)
			}
			if err.Error() != tt.err {
				t.Errorf("Load error\n got %s\nwant %s", err, tt.err)
			}
			for _, s := range []string{short, fileSecret, envSecret, oldSecret} {
				if strings.Contains(err.Error(), s) {
					t.Errorf("error shows the secret %q: %s", s, err)
				}
			}
			var e *Error
			if !errors.As(err, &e) {
				t.Fatalf("error is %T, want *Error", err)
			}
			wantFile, wantEnv := "x.toml", ""
			if !tt.file {
				wantFile, wantEnv = "", EnvSessionSecret
			}
			if e.File != wantFile || e.Env != wantEnv || e.Key != tt.key || e.Line != tt.line {
				t.Errorf("error File, Env, Key, Line = %q, %q, %q, %d; want %q, %q, %q, %d",
					e.File, e.Env, e.Key, e.Line, wantFile, wantEnv, tt.key, tt.line)
			}
		})
	}
}

// TestLoadCSRF: [csrf] trusted_origins is a list of origins; anything else
// in it is an error at its line that says what is wrong.
func TestLoadCSRF(t *testing.T) {
	tests := []struct {
		name, toml string
		want       []string
		err        string
	}{
		{"none", "", nil, ""},
		{"empty", "[csrf]\ntrusted_origins = []\n", nil, ""},
		{"two", "[csrf]\ntrusted_origins = [\"https://admin.example.com\", \"http://localhost:8080\"]\n",
			[]string{"https://admin.example.com", "http://localhost:8080"}, ""},
		{"path", "[csrf]\ntrusted_origins = [\"https://a.example\", \"https://b.example/\"]\n", nil,
			`x.toml:3: csrf.trusted_origins: entry 2 of 2, "https://b.example/": a path, query or fragment is not part of an origin; an origin is a scheme, a host and an optional port, such as "https://example.com" or "http://localhost:8080"`},
		{"scheme", "[csrf]\ntrusted_origins = [\"ftp://a.example\"]\n", nil,
			`x.toml:3: csrf.trusted_origins: entry 1 of 1, "ftp://a.example": the scheme must be http or https; an origin is a scheme, a host and an optional port, such as "https://example.com" or "http://localhost:8080"`},
		{"no host", "[csrf]\ntrusted_origins = [\"example.com\"]\n", nil,
			`x.toml:3: csrf.trusted_origins: entry 1 of 1, "example.com": the scheme must be http or https; an origin is a scheme, a host and an optional port, such as "https://example.com" or "http://localhost:8080"`},
		{"not a list", "[csrf]\ntrusted_origins = \"https://a.example\"\n", nil,
			`x.toml:3: csrf.trusted_origins: expected an array of origins such as ["https://admin.example.com"], got string "https://a.example"`},
	}
	t.Chdir(t.TempDir())
	if err := mkdir("static"); err != nil {
		t.Fatal(err)
	}
	t.Setenv(EnvSessionSecret, "")
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if err := os.WriteFile("x.toml", []byte("static = \"static\"\n"+tt.toml), 0o644); err != nil {
				t.Fatal(err)
			}
			c, err := Load("x.toml")
			switch {
			case tt.err == "" && err != nil:
				t.Fatalf("Load: %v", err)
			case tt.err == "" && !reflect.DeepEqual(c.CSRF.TrustedOrigins, tt.want):
				t.Errorf("TrustedOrigins = %#v, want %#v", c.CSRF.TrustedOrigins, tt.want)
			case tt.err != "" && (err == nil || err.Error() != tt.err):
				t.Errorf("Load error\n got %v\nwant %s", err, tt.err)
			}
		})
	}
}

// TestLoadDatabase checks the [database] table and MINIWEB_DATABASE_URL:
// where the URL comes from, how an SQLite path is resolved, where each
// error points, and that no error shows a password.
func TestLoadDatabase(t *testing.T) {
	const pg = "postgres://app:s3cr3t-pw@db.example:5432/app?sslmode=require"
	dir := t.TempDir()
	t.Chdir(dir)
	if err := mkdir("static"); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		toml string // x.toml after `static = "static"`
		env  string // MINIWEB_DATABASE_URL; "" is unset
		want Database
		err  string // else the whole error text
	}{
		{name: "default", want: Database{URL: "sqlite:" + filepath.Join(dir, "data", "miniweb.db")}},
		{name: "sqlite_relative", toml: "[database]\nurl = \"sqlite:db/app.db\"\n",
			want: Database{URL: "sqlite:" + filepath.Join(dir, "db", "app.db")}},
		{name: "sqlite_absolute", toml: "[database]\nurl = \"sqlite:/var/lib/miniweb/app.db\"\nmax_conns = 3\n",
			want: Database{URL: "sqlite:/var/lib/miniweb/app.db", MaxConns: 3}},
		{name: "postgres", toml: "[database]\nurl = \"" + pg + "\"\n", want: Database{URL: pg}},
		{name: "env_wins", toml: "[database]\nurl = \"sqlite:x.db\"\n", env: pg, want: Database{URL: pg}},
		{name: "env_sqlite_relative", env: "sqlite:e.db", want: Database{URL: "sqlite:" + filepath.Join(dir, "e.db")}},

		{name: "unknown_kind", toml: "[database]\nurl = \"mysql:x\"\n",
			err: `x.toml:3: database.url: expected "sqlite:PATH" (such as "sqlite:data/miniweb.db") or "postgres://user:pass@host:port/db", got "mysql:x"`},
		{name: "unknown_kind_password", toml: "[database]\nurl = \"mysql://root:s3cr3t-pw@db/x\"\n",
			err: `x.toml:3: database.url: expected "sqlite:PATH" (such as "sqlite:data/miniweb.db") or "postgres://user:pass@host:port/db", got a URL of another kind (not shown: it may hold a password)`},
		{name: "sqlite_empty", toml: "[database]\nurl = \"sqlite:\"\n",
			err: `x.toml:3: database.url: expected an SQLite file path after "sqlite:", got "sqlite:"`},
		{name: "sqlite_memory", toml: "[database]\nurl = \"sqlite::memory:\"\n",
			err: `x.toml:3: database.url: expected an SQLite file path after "sqlite:", got "sqlite::memory:"`},
		{name: "sqlite_query", toml: "[database]\nurl = \"sqlite:/a.db?mode=ro\"\n",
			err: `x.toml:3: database.url: an SQLite path must not contain '?', '#' or NUL, got "sqlite:/a.db?mode=ro"`},
		{name: "postgres_no_host", toml: "[database]\nurl = \"postgres:///app\"\n",
			err: `x.toml:3: database.url: expected "sqlite:PATH" (such as "sqlite:data/miniweb.db") or "postgres://user:pass@host:port/db", got a PostgreSQL URL without a host`},
		{name: "env_bad", env: "postgres://u:s3cr3t-pw@/app",
			err: `environment MINIWEB_DATABASE_URL: database.url: expected "sqlite:PATH" (such as "sqlite:data/miniweb.db") or "postgres://user:pass@host:port/db", got a PostgreSQL URL without a host`},
		{name: "url_int", toml: "[database]\nurl = 5\n",
			err: `x.toml:3: database.url: expected a string "sqlite:PATH" or "postgres://user:pass@host:port/db", got integer 5`},
		{name: "max_conns_negative", toml: "[database]\nmax_conns = -1\n",
			err: `x.toml:3: database.max_conns: expected 0 (the default) or a positive integer, got -1`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if err := os.WriteFile("x.toml", []byte("static = \"static\"\n"+tt.toml), 0o644); err != nil {
				t.Fatal(err)
			}
			t.Setenv(EnvDatabaseURL, tt.env)
			c, err := Load("x.toml")
			if tt.err == "" {
				if err != nil {
					t.Fatalf("Load: %v", err)
				}
				if c.Database != tt.want {
					t.Errorf("Database = %+v, want %+v", c.Database, tt.want)
				}
				return
			}
			if err == nil {
				t.Fatalf("Load = %+v, want error %s", c.Database, tt.err)
			}
			if err.Error() != tt.err {
				t.Errorf("Load error\n got %s\nwant %s", err, tt.err)
			}
			if strings.Contains(err.Error(), "s3cr3t-pw") {
				t.Errorf("error shows the password: %s", err)
			}
		})
	}
}

// TestLoadCompress checks the [compress] table's ranges, each error at its
// line.
func TestLoadCompress(t *testing.T) {
	t.Chdir(t.TempDir())
	if err := mkdir("static"); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, toml string
		err        string // "" for none
	}{
		{"defaults", "", ""},
		{"off", "enabled = false\n", ""},
		{"static_off", "static_max_bytes = -1\n", ""},
		{"min_negative", "min_bytes = -1\n", "x.toml:3: compress.min_bytes: expected 0 or more bytes, got -1"},
		{"gzip_zero", "gzip_level = 0\n", "x.toml:3: compress.gzip_level: expected a level from 1 (fastest) to 9 (smallest), got 0"},
		{"gzip_high", "gzip_level = 10\n", "x.toml:3: compress.gzip_level: expected a level from 1 (fastest) to 9 (smallest), got 10"},
		{"zstd_high", "zstd_level = 23\n", "x.toml:3: compress.zstd_level: expected a level from 1 (fastest) to 22 (smallest), got 23"},
		{"static_max", "static_max_bytes = -2\n", "x.toml:3: compress.static_max_bytes: expected -1 (off), 0 or more bytes, got -2"},
		{"cache_negative", "static_cache_bytes = -1\n", "x.toml:3: compress.static_cache_bytes: expected 0 or more bytes, got -1"},
		{"level_string", "zstd_level = \"fast\"\n", `x.toml:3: compress.zstd_level: expected an integer from 1 to 22, got string "fast"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if err := os.WriteFile("x.toml", []byte("static = \"static\"\n[compress]\n"+tt.toml), 0o644); err != nil {
				t.Fatal(err)
			}
			_, err := Load("x.toml")
			got := ""
			if err != nil {
				got = err.Error()
			}
			if got != tt.err {
				t.Errorf("Load error\n got %q\nwant %q", got, tt.err)
			}
		})
	}
}

// TestLoadProxyHealthTLS checks the [proxy], [health] and [tls] tables:
// what they parse to and where each error points.
func TestLoadProxyHealthTLS(t *testing.T) {
	t.Chdir(t.TempDir())
	if err := mkdir("static"); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, toml string
		err        string // "" for none
	}{
		{"defaults", "", ""},
		{"trusted", "[proxy]\ntrusted = [\"10.0.0.0/8\", \"192.168.1.7\", \"::1\", \"fd00::/8\"]\n", ""},
		{"trusted_bad", "[proxy]\ntrusted = [\"10.0.0.0/8\", \"10.0.0.300\"]\n",
			`x.toml:3: proxy.trusted: entry 2 of 2, "10.0.0.300": expected a network such as "10.0.0.0/8" or an address such as "127.0.0.1"`},
		{"trusted_zone", "[proxy]\ntrusted = [\"fe80::1%eth0\"]\n",
			`x.toml:3: proxy.trusted: entry 1 of 1, "fe80::1%eth0": expected a network such as "10.0.0.0/8" or an address such as "127.0.0.1"`},
		{"header_bad", "[proxy]\nheader = \"x-real-ip\"\n", `x.toml:3: proxy.header: expected "x-forwarded-for" or "forwarded", got "x-real-ip"`},
		{"protocol_untrusted", "[proxy]\nprotocol = true\n",
			"x.toml:3: proxy.protocol: the PROXY protocol is accepted only from trusted peers, and proxy.trusted is empty: list the proxies' networks"},
		{"health_off", "[health]\npath = \"\"\n", ""},
		{"health_relative", "[health]\npath = \"healthz\"\n", `x.toml:3: health.path: expected an absolute path such as "/healthz", or "" for none, got "healthz"`},
		{"health_query", "[health]\npath = \"/h?x=1\"\n", `x.toml:3: health.path: expected an absolute path such as "/healthz", or "" for none, got "/h?x=1"`},
		{"drain_negative", "[health]\ndrain = \"-1s\"\n", `x.toml:3: health.drain: expected a duration of 0s or more such as "5s", got "-1s"`},
		{"tls_key_only", "[tls]\nkey = \"k.pem\"\n", "x.toml:3: tls.key: a key without a certificate: set tls.cert too"},
		{"tls_cert_only", "[tls]\ncert = \"c.pem\"\n", "x.toml:3: tls.cert: a certificate without a key: set tls.key too"},
		{"redirect_alone", "[tls]\nredirect_http = \":80\"\n", "x.toml:3: tls.redirect_http: a redirect to https needs tls.cert and tls.key"},
		{"redirect_bad", "[tls]\ncert = \"c.pem\"\nkey = \"k.pem\"\nredirect_http = \"80\"\n", `x.toml:5: tls.redirect_http: expected "host:port" such as ":80", got "80"`},
		{"h2c_plain", "h2c = true\n", ""},
		{"h2c_with_tls", "h2c = true\n[tls]\ncert = \"c.pem\"\nkey = \"k.pem\"\n",
			"x.toml:2: h2c: h2c is HTTP/2 on a plain listener; with tls.cert, HTTP/2 is chosen by ALPN: remove h2c"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if err := os.WriteFile("x.toml", []byte("static = \"static\"\n"+tt.toml), 0o644); err != nil {
				t.Fatal(err)
			}
			_, err := Load("x.toml")
			got := ""
			if err != nil {
				got = err.Error()
			}
			if got != tt.err {
				t.Errorf("Load error\n got %q\nwant %q", got, tt.err)
			}
		})
	}
	p := Proxy{Trusted: []string{"10.1.2.3/8", "192.168.1.7", "::ffff:127.0.0.1", "::1"}}
	var got []string
	for _, pre := range p.Prefixes() {
		got = append(got, pre.String())
	}
	if want := "10.0.0.0/8 192.168.1.7/32 127.0.0.1/32 ::1/128"; strings.Join(got, " ") != want {
		t.Errorf("Prefixes = %v, want %s", got, want)
	}
}

// inRoot joins p to root; "" stays "".
func inRoot(root, p string) string {
	if p == "" {
		return ""
	}
	return filepath.Join(root, p)
}
