package config

import (
	"errors"
	"strings"
	"testing"
	"time"
)

func TestValidate(t *testing.T) {
	t.Parallel()
	static := t.TempDir()
	tests := []struct {
		name string
		edit func(c *Config) // applied to a valid Config read from "x.toml"
		err  string          // whole error text; "" for valid
	}{
		{"valid", func(*Config) {}, ""},
		{"all_interfaces", func(c *Config) { c.Addr = ":8080" }, ""},
		{"ipv6", func(c *Config) { c.Addr = "[::1]:443" }, ""},
		{"any_port", func(c *Config) { c.Addr = "127.0.0.1:0" }, ""},
		{"top_port", func(c *Config) { c.Addr = "127.0.0.1:65535" }, ""},
		{"no_server_header", func(c *Config) { c.ServerHeader = "" }, ""},
		{"inner_space_header", func(c *Config) { c.ServerHeader = "mini web/1\t(x)" }, ""},
		{"max_conns_positive", func(c *Config) { c.Limits.MaxConns = 10 }, ""},
		{"max_conns_per_addr_quarter", func(c *Config) { c.Limits.MaxConnsPerAddr = 0 }, ""},
		{"min_rate_off", func(c *Config) { c.Limits.MinRateBytes = 0 }, ""},
		{"max_conns_per_addr_negative", func(c *Config) { c.Limits.MaxConnsPerAddr = -1 },
			`x.toml: limits.max_conns_per_addr: expected 0 (a quarter of max_conns) or a positive integer, got -1`},
		{"min_rate_negative", func(c *Config) { c.Limits.MinRateBytes = -240 },
			`x.toml: limits.min_rate_bytes: expected 0 (no minimum rate) or a positive integer (bytes per second), got -240`},
		{"min_rate_grace_zero", func(c *Config) { c.Limits.MinRateGrace = 0 },
			`x.toml: limits.min_rate_grace: expected a positive duration such as "5s", got "0s"`},
		{"suffix_dash", func(c *Config) { c.DynamicSuffix = ".tar-gz_2" }, ""},
		{"site_underscore", func(c *Config) { c.Site = "_x9" }, ""},
		{"templates_missing", func(c *Config) { c.Templates = "/no/such/folder" }, ""},
		{"static_site_own", func(c *Config) { c.Static = "" }, ""},
		{"templates_site_own", func(c *Config) { c.Templates = "" }, ""},
		{"nanosecond", func(c *Config) { c.Timeouts.Idle = 1 }, ""},
		{"dev_no_secret", func(c *Config) { c.Session.Secret = "" }, ""},
		{"prod_secret", func(c *Config) { c.Dev = false; c.Session.Secret = strings.Repeat("s", 32) }, ""},

		{"addr_empty", func(c *Config) { c.Addr = "" },
			`x.toml: addr: expected host:port such as "127.0.0.1:8080", got "" (missing port in address)`},
		{"addr_v6_unbracketed", func(c *Config) { c.Addr = "::1:80" },
			`x.toml: addr: expected host:port such as "127.0.0.1:8080", got "::1:80" (too many colons in address)`},
		{"addr_sign", func(c *Config) { c.Addr = "localhost:+80" },
			`x.toml: addr: expected a port number 0-65535 after the last ':', got "localhost:+80"`},
		{"addr_no_port_number", func(c *Config) { c.Addr = "localhost:" },
			`x.toml: addr: expected a port number 0-65535 after the last ':', got "localhost:"`},
		{"site_digit_first", func(c *Config) { c.Site = "9x" },
			`x.toml: site: expected a site name (a letter or '_', then letters, digits or '_'), got "9x"`},
		{"site_dash", func(c *Config) { c.Site = "my-site" },
			`x.toml: site: expected a site name (a letter or '_', then letters, digits or '_'), got "my-site"`},
		{"site_unicode", func(c *Config) { c.Site = "café" },
			`x.toml: site: expected a site name (a letter or '_', then letters, digits or '_'), got "café"`},
		{"suffix_dot_only", func(c *Config) { c.DynamicSuffix = "." },
			`x.toml: dynamic_suffix: expected a file extension such as ".py" ('.' then letters, digits, '_' or '-'), got "."`},
		{"suffix_two_dots", func(c *Config) { c.DynamicSuffix = "..py" },
			`x.toml: dynamic_suffix: expected a file extension such as ".py" ('.' then letters, digits, '_' or '-'), got "..py"`},
		{"suffix_empty", func(c *Config) { c.DynamicSuffix = "" },
			`x.toml: dynamic_suffix: expected a file extension such as ".py" ('.' then letters, digits, '_' or '-'), got ""`},
		{"header_lf", func(c *Config) { c.ServerHeader = "a\nb" },
			`x.toml: server_header: expected a header value without control characters or surrounding spaces, got "a\nb"`},
		{"header_nul", func(c *Config) { c.ServerHeader = "a\x00" },
			`x.toml: server_header: expected a header value without control characters or surrounding spaces, got "a\x00"`},
		{"header_del", func(c *Config) { c.ServerHeader = "a\x7f" },
			`x.toml: server_header: expected a header value without control characters or surrounding spaces, got "a\x7f"`},
		{"header_leading_space", func(c *Config) { c.ServerHeader = " a" },
			`x.toml: server_header: expected a header value without control characters or surrounding spaces, got " a"`},
		{"header_trailing_tab", func(c *Config) { c.ServerHeader = "a\t" },
			`x.toml: server_header: expected a header value without control characters or surrounding spaces, got "a\t"`},
		{"read_header_zero", func(c *Config) { c.Timeouts.ReadHeader = 0 },
			`x.toml: timeouts.read_header: expected a positive duration such as "5s", got "0s"`},
		{"read_body_negative", func(c *Config) { c.Timeouts.ReadBody = -1 },
			`x.toml: timeouts.read_body: expected a positive duration such as "5s", got "-1ns"`},
		{"request_line_zero", func(c *Config) { c.Limits.RequestLine = 0 },
			`x.toml: limits.request_line: expected a positive integer (bytes), got 0`},
		{"header_bytes_negative", func(c *Config) { c.Limits.HeaderBytes = -5 },
			`x.toml: limits.header_bytes: expected a positive integer (bytes), got -5`},
		{"body_bytes_zero", func(c *Config) { c.Limits.BodyBytes = 0 },
			`x.toml: limits.body_bytes: expected a positive integer (bytes), got 0`},
		{"format_case", func(c *Config) { c.AccessLog.Format = "JSON" },
			`x.toml: access_log.format: expected "combined" or "json", got "JSON"`},
		{"format_empty_even_if_disabled", func(c *Config) { c.AccessLog.Enabled = false; c.AccessLog.Format = "" },
			`x.toml: access_log.format: expected "combined" or "json", got ""`},
		{"prod_no_secret", func(c *Config) { c.Dev = false }, ""}, // UseKeyFile gives it one
		{"secret_31_bytes", func(c *Config) { c.Session.Secret = strings.Repeat("s", 31) },
			`x.toml: session.secret: expected a secret of at least 32 bytes, got 31 bytes (make a secret with: openssl rand -base64 32)`},
		{"old_secret_empty", func(c *Config) { c.Session.OldSecrets = []string{strings.Repeat("s", 32), ""} },
			`x.toml: session.old_secrets: entry 2 of 2: expected a secret of at least 32 bytes, got 0 bytes (make a secret with: openssl rand -base64 32)`},
		{"max_age_negative", func(c *Config) { c.Session.MaxAge = -time.Hour },
			`x.toml: session.max_age: expected a positive duration such as "336h", got "-1h0m0s"`},
		{"first_fault_wins", func(c *Config) { c.Limits.BodyBytes = 0; c.Site = "" },
			`x.toml: site: expected a site name (a letter or '_', then letters, digits or '_'), got ""`},
		{"long_value_cut", func(c *Config) { c.Site = "a-0123456789012345678901234567890123456789" },
			`x.toml: site: expected a site name (a letter or '_', then letters, digits or '_'), got "a-01234567890123456789012345678901234567"...`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := Default()
			c.Static, c.File = static, "x.toml"
			tt.edit(&c)
			err := c.Validate()
			if tt.err == "" {
				if err != nil {
					t.Fatalf("Validate: %v", err)
				}
				return
			}
			if err == nil {
				t.Fatalf("Validate = nil, want %s", tt.err)
			}
			if err.Error() != tt.err {
				t.Errorf("Validate\n got %s\nwant %s", err, tt.err)
			}
			var e *Error
			if !errors.As(err, &e) || e.Line != 0 || e.File != "x.toml" {
				t.Errorf("Validate error = %#v, want an *Error in x.toml with no line", err)
			}
		})
	}
}

// TestValidateDefault checks that Default is valid with no folder at all
// (its folders are the site's own, over its embedded files), and that a
// static folder given and missing is an error naming the key.
func TestValidateDefault(t *testing.T) {
	dir := t.TempDir()
	t.Chdir(dir)
	if err := Default().Validate(); err != nil {
		t.Errorf("Default().Validate() = %v", err)
	}
	c := Default()
	c.Static = "static"
	err := c.Validate()
	var e *Error
	if !errors.As(err, &e) || e.Key != "static" || e.File != "" {
		t.Fatalf("Validate() with static = \"static\" missing = %v, want a static error with no file", err)
	}
	if !strings.HasPrefix(err.Error(), "static: ") {
		t.Errorf("error text %q should start with the key when there is no file", err)
	}
	if err := mkdir("static"); err != nil {
		t.Fatal(err)
	}
	if err := c.Validate(); err != nil {
		t.Errorf("Validate() with the folder = %v", err)
	}
}
