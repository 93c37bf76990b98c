package config

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
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

// defaultsIn returns Default with its folders resolved against dir, as Load
// gives them for a file in dir that does not set them, and File set.
func defaultsIn(dir, file string) Config {
	c := Default()
	c.Static = filepath.Join(dir, "static")
	c.Templates = filepath.Join(dir, "templates")
	c.File = file
	return c
}

func TestLoad(t *testing.T) {
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
				},
				Limits:    Limits{RequestLine: 1024, HeaderBytes: 2048, HeaderCount: 10, BodyBytes: 1 << 20, MaxConns: 50},
				AccessLog: AccessLog{Enabled: false, Format: "json"},
				File:      "testdata/good.toml",
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
			err: `testdata/unknown_key.toml:4: unknown key "limits.bodybytes" (known keys in [limits]: request_line, header_bytes, header_count, body_bytes, max_conns); did you mean "limits.body_bytes"?`},
		{file: "unknown_top.toml", key: "adr", line: 2,
			err: `testdata/unknown_top.toml:2: unknown key "adr" (known top-level keys: addr, static, templates, site, dynamic_suffix, server_header, dev; tables: [timeouts], [limits], [access_log]); did you mean "addr"?`},
		{file: "unknown_table.toml", key: "server", line: 3,
			err: `testdata/unknown_table.toml:3: unknown key "server" (known top-level keys: addr, static, templates, site, dynamic_suffix, server_header, dev; tables: [timeouts], [limits], [access_log])`},
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
		{file: "static_empty.toml", key: "static", line: 1,
			err: `testdata/static_empty.toml:1: static: expected a folder path such as "static", got ""`},
		{file: "templates_empty.toml", key: "templates", line: 1,
			err: `testdata/templates_empty.toml:1: templates: expected a folder path such as "templates", got ""`},
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
				if got != want {
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
			if got != (Config{}) {
				t.Errorf("Load(%q) returned %+v with its error, want the zero Config", path, got)
			}
		})
	}
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
		static, templs string // wanted, relative to root
	}{
		{"defaults", "", "conf/static", "conf/templates"},
		{"relative", "static = \"../www\"\ntemplates = \"t/views\"\n", "www", "conf/t/views"},
		{"absolute", "static = " + quote(abs) + "\ntemplates = " + quote(abs) + "\n", "abs", "abs"},
		{"dot", "static = \".\"\n", "conf", "conf/templates"},
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
			if want := filepath.Join(root, tt.static); c.Static != want {
				t.Errorf("Static = %q, want %q", c.Static, want)
			}
			if want := filepath.Join(root, tt.templs); c.Templates != want {
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
