package config

import (
	"bytes"
	"errors"
	"flag"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

// TestParseOverrides checks that flags given on the command line win over
// the file and flags not given leave the file's values alone.
func TestParseOverrides(t *testing.T) {
	t.Parallel()
	td := testdataDir(t)
	good, err := Load("testdata/good.toml")
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name  string
		args  []string        // after -config testdata/good.toml
		want  func(c *Config) // changes to good.toml's Config
		check bool
	}{
		{"none", nil, func(*Config) {}, false},
		{"check", []string{"-check"}, func(*Config) {}, true},
		{"addr", []string{"-addr", "127.0.0.1:0"}, func(c *Config) { c.Addr = "127.0.0.1:0" }, false},
		{"site", []string{"-site=demo"}, func(c *Config) { c.Site = "demo" }, false},
		{"static_relative_to_cwd", []string{"-static", "testdata/static"}, func(c *Config) { c.Static = filepath.Join(td, "static") }, false},
		{"static_absolute", []string{"-static", filepath.Join(td, "static")}, func(c *Config) { c.Static = filepath.Join(td, "static") }, false},
		{"templates_relative_to_cwd", []string{"-templates", "tpl"}, func(c *Config) { c.Templates = filepath.Join(filepath.Dir(td), "tpl") }, false},
		{"static_site_own", []string{"-static="}, func(c *Config) { c.Static = "" }, false},
		{"templates_site_own", []string{"-templates", ""}, func(c *Config) { c.Templates = "" }, false},
		{"dev_on", []string{"-dev"}, func(c *Config) { c.Dev = true }, false},
		{"dev_off_again", []string{"-dev", "-dev=false"}, func(*Config) {}, false},
		{"access_log", []string{"-access-log"}, func(c *Config) { c.AccessLog.Enabled = true }, false},
		{"log_format", []string{"-log-format", "combined"}, func(c *Config) { c.AccessLog.Format = "combined" }, false},
		{"watch", []string{"-dev", "-watch"}, func(c *Config) { c.Dev, c.Watch = true, true }, false},
		{"all", []string{"-check", "-addr=:1", "-site=s", "-static=testdata/static", "-templates=/t", "-dev", "-access-log=true", "-log-format=combined"},
			func(c *Config) {
				c.Addr, c.Site, c.Static, c.Templates = ":1", "s", filepath.Join(td, "static"), "/t"
				c.Dev, c.AccessLog.Enabled, c.AccessLog.Format = true, true, "combined"
			}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var out bytes.Buffer
			args := append([]string{"-config", "testdata/good.toml"}, tt.args...)
			got, mode, err := Parse(args, &out)
			check := mode == Check
			if err != nil {
				t.Fatalf("Parse(%q): %v", args, err)
			}
			want := good
			tt.want(&want)
			if !reflect.DeepEqual(got, want) {
				t.Errorf("Parse(%q)\n got %+v\nwant %+v", args, got, want)
			}
			if check != tt.check {
				t.Errorf("Parse(%q) check = %v, want %v", args, check, tt.check)
			}
			if out.Len() > 0 {
				t.Errorf("Parse(%q) wrote %q, want nothing", args, out.String())
			}
		})
	}
}

// TestParseFlagFixesFile checks that a flag can replace a bad file value:
// the file is validated only after the overrides.
func TestParseFlagFixesFile(t *testing.T) {
	t.Parallel()
	c, _, err := Parse([]string{"-config", "testdata/static_missing.toml", "-static", "testdata/public"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if want := filepath.Join(testdataDir(t), "public"); c.Static != want {
		t.Errorf("Static = %q, want %q", c.Static, want)
	}
}

func TestParseErrors(t *testing.T) {
	t.Parallel()
	static := filepath.Join(testdataDir(t), "static")
	tests := []struct {
		name  string
		args  []string
		err   string // whole error text; absolute paths are made relative to the package folder
		check bool   // wanted check with the error
	}{
		{"unknown_flag", []string{"-port", "80"},
			"flag provided but not defined: -port (run with -h for the flags)", false},
		{"bad_bool", []string{"-dev=maybe"},
			`invalid boolean value "maybe" for -dev: parse error (run with -h for the flags)`, false},
		{"missing_value", []string{"-addr"},
			"flag needs an argument: -addr (run with -h for the flags)", false},
		{"argument", []string{"-config", "testdata/good.toml", "serve"},
			`unexpected argument "serve": miniweb takes only flags (run with -h for the flags)`, false},
		{"missing_config", []string{"-check", "-config", "testdata/nope.toml"},
			"testdata/nope.toml: cannot read config: open testdata/nope.toml: no such file or directory", true},
		{"bad_file", []string{"-config", "testdata/int_string.toml", "-addr", ":1"},
			`testdata/int_string.toml:4: limits.body_bytes: expected an integer (bytes), got string "10MB"`, false},
		{"bad_file_value_not_overridden", []string{"-config", "testdata/format_bad.toml", "-addr", ":1"},
			`testdata/format_bad.toml:2: access_log.format: expected "combined" or "json", got "common"`, false},
		{"bad_addr", []string{"-config", "testdata/good.toml", "-addr", "localhost"},
			`flag -addr: addr: expected host:port such as "127.0.0.1:8080", got "localhost" (missing port in address)`, false},
		{"bad_site", []string{"-config", "testdata/good.toml", "-site", "a/b"},
			`flag -site: site: expected a site name (a letter or '_', then letters, digits or '_'), got "a/b"`, false},
		{"bad_static", []string{"-check", "-config", "testdata/good.toml", "-static", "testdata/nope"},
			`flag -static: static: folder "` + filepath.Join(filepath.Dir(static), "nope") + `" does not exist`, true},
		{"bad_log_format", []string{"-config", "testdata/good.toml", "-log-format", "xml"},
			`flag -log-format: access_log.format: expected "combined" or "json", got "xml"`, false},
		{"watch_in_production", []string{"-config", "testdata/good.toml", "-watch"},
			"-watch needs dev mode: add -dev, or set dev = true in testdata/good.toml", false},
		{"watch_dev_off", []string{"-config", "testdata/good.toml", "-dev", "-watch", "-dev=false"},
			"-watch needs dev mode: add -dev, or set dev = true in testdata/good.toml", false},
		{"watch_check", []string{"-config", "testdata/good.toml", "-dev", "-watch", "-check"},
			"-watch rebuilds a serving server: it excludes -check and -migrate", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var out bytes.Buffer
			c, mode, err := Parse(tt.args, &out)
			check := mode == Check
			if err == nil {
				t.Fatalf("Parse(%q) = %+v, want error %s", tt.args, c, tt.err)
			}
			if err.Error() != tt.err {
				t.Errorf("Parse(%q) error\n got %s\nwant %s", tt.args, err, tt.err)
			}
			var e *Error
			if !errors.As(err, &e) {
				t.Errorf("Parse(%q) error is %T, want *Error", tt.args, err)
			}
			if check != tt.check {
				t.Errorf("Parse(%q) check = %v, want %v", tt.args, check, tt.check)
			}
			if !reflect.DeepEqual(c, Config{}) {
				t.Errorf("Parse(%q) returned %+v with its error, want the zero Config", tt.args, c)
			}
			if out.Len() > 0 {
				t.Errorf("Parse(%q) wrote %q, want nothing: the caller prints the error", tt.args, out.String())
			}
		})
	}
}

// TestParseUnknownSite checks that a site missing from the registry is
// located like any other bad value and that the message says where sites
// are registered and which are.
func TestParseUnknownSite(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		args []string // after -config testdata/good.toml, whose site is demo_2
		err  string
	}{
		{"file", nil,
			`testdata/good.toml:5: site: unknown site "demo_2": not registered in sites/sites.go (known sites: demo, raw)`},
		{"flag", []string{"-site", "nosuch"},
			`flag -site: site: unknown site "nosuch": not registered in sites/sites.go (known sites: demo, raw)`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			args := append([]string{"-config", "testdata/good.toml"}, tt.args...)
			_, _, err := Parse(args, nil, "demo", "raw")
			if err == nil || err.Error() != tt.err {
				t.Errorf("Parse(%q) error\n got %v\nwant %s", args, err, tt.err)
			}
		})
	}
	if _, _, err := Parse([]string{"-config", "testdata/good.toml", "-site", "raw"}, nil, "demo", "raw"); err != nil {
		t.Errorf("a registered site: %v", err)
	}
}

// TestParseDefaultFile checks that without -config Parse reads
// miniweb.toml in the current folder; that its absence means Default,
// relative to the current folder, with no static folder needed (the
// site's own folders, "", over its embedded files); and that a missing -config file, or
// a static folder a file or flag names, is still an error.
func TestParseDefaultFile(t *testing.T) {
	dir := t.TempDir()
	t.Chdir(dir)
	c, _, err := Parse(nil, nil)
	if err != nil {
		t.Fatalf("Parse with no miniweb.toml: %v; want the defaults", err)
	}
	want := Default()
	if c.File != "" || c.Site != want.Site || c.Addr != want.Addr || c.Static != "" ||
		c.Templates != "" || c.Database.URL != "sqlite:"+filepath.Join(dir, "data", "miniweb.db") {
		t.Errorf("Parse with no miniweb.toml = %+v; want Default relative to %s", c, dir)
	}
	for _, tt := range []struct {
		args []string
		want string
	}{
		{[]string{"-config", "miniweb.toml"}, "miniweb.toml: cannot read config: open miniweb.toml: no such file or directory"},
		{[]string{"-static", "www"}, `flag -static: static: folder "` + filepath.Join(dir, "www") + `" does not exist`},
	} {
		if _, _, err := Parse(tt.args, nil); err == nil || err.Error() != tt.want {
			t.Errorf("Parse(%q) = %v; want %s", tt.args, err, tt.want)
		}
	}
	if err := os.WriteFile(DefaultFile, []byte("site = \"demo\"\nstatic = \"www\"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := mkdir("www"); err != nil {
		t.Fatal(err)
	}
	c, mode, err := Parse(nil, nil)
	check := mode != Serve
	if err != nil {
		t.Fatal(err)
	}
	if c.File != DefaultFile || c.Site != "demo" || c.Static != filepath.Join(dir, "www") || check {
		t.Errorf("Parse(nil) = %+v, check %v; want File %q, Site demo, Static %q, check false", c, check, DefaultFile, filepath.Join(dir, "www"))
	}
}

// TestParseHelp checks that -h and -help print a usage that lists every
// flag and return flag.ErrHelp, without reading any file.
func TestParseHelp(t *testing.T) {
	t.Parallel()
	flags := []string{"-config", "-check", "-watch"}
	for _, f := range fields {
		if f.flag != "" {
			flags = append(flags, "-"+f.flag)
		}
	}
	if len(flags) != 10 {
		t.Errorf("%d flags, want the 10 of the design: %q", len(flags), flags)
	}
	for _, arg := range []string{"-h", "-help", "--help"} {
		var out bytes.Buffer
		_, _, err := Parse([]string{"-config", "testdata/nope.toml", arg}, &out)
		if !errors.Is(err, flag.ErrHelp) {
			t.Errorf("Parse(%s) error = %v, want flag.ErrHelp", arg, err)
		}
		usage := out.String()
		if !strings.HasPrefix(usage, "Usage: miniweb [flags]\n") {
			t.Errorf("Parse(%s) usage starts %q", arg, usage[:min(len(usage), 40)])
		}
		for _, f := range flags {
			if !strings.Contains(usage, "\n  "+f+" ") && !strings.Contains(usage, "\n  "+f+"\n") {
				t.Errorf("Parse(%s) usage does not list %s:\n%s", arg, f, usage)
			}
		}
	}
}
