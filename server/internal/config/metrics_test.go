package config

import (
	"os"
	"strings"
	"testing"
)

// TestLoadMetrics checks the [metrics] table: off by default, a listener
// of its own or a path on the site's listener restricted by allow, and
// where each error points.
func TestLoadMetrics(t *testing.T) {
	t.Chdir(t.TempDir())
	if err := mkdir("static"); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, toml string
		describe   string // Describe's answer
		err        string // "" for none
	}{
		{"off", "", "off", ""},
		{"listen", "[metrics]\nlisten = \"127.0.0.1:9090\"\n", "http://127.0.0.1:9090/metrics (a listener of their own)", ""},
		{"listen_path_allow", "[metrics]\nlisten = \"10.0.0.5:9090\"\npath = \"/m\"\nallow = [\"10.0.0.0/8\"]\n",
			"http://10.0.0.5:9090/m (a listener of their own, to 10.0.0.0/8 (others: 404))", ""},
		{"path_allow", "[metrics]\npath = \"/metrics\"\nallow = [\"127.0.0.1/32\", \"10.0.0.0/8\"]\n",
			"/metrics on the site's listener, to 127.0.0.1/32 10.0.0.0/8 (others: 404)", ""},
		{"path_no_allow", "[metrics]\npath = \"/metrics\"\n", "",
			`x.toml:3: metrics.path: metrics on the site's listener need metrics.allow, the networks that may read them (others get 404), such as ["127.0.0.1/32"]; or set metrics.listen for a listener of their own, such as "127.0.0.1:9090"`},
		{"path_relative", "[metrics]\nallow = [\"::1\"]\npath = \"metrics\"\n", "",
			`x.toml:4: metrics.path: expected an absolute path such as "/metrics", got "metrics"`},
		{"path_health", "[metrics]\npath = \"/healthz\"\nallow = [\"::1\"]\n", "",
			`x.toml:3: metrics.path: "/healthz" is the health check's path (health.path): choose another`},
		{"listen_bad", "[metrics]\n\nlisten = \"9090\"\n", "",
			`x.toml:4: metrics.listen: expected "host:port" such as "127.0.0.1:9090", got "9090"`},
		{"listen_site", "addr = \"127.0.0.1:8080\"\n[metrics]\nlisten = \"127.0.0.1:8080\"\n", "",
			`x.toml:4: metrics.listen: "127.0.0.1:8080" is the site's own address (addr): give the metrics another port, or set metrics.path alone to serve them on the site's listener`},
		{"allow_bad", "[metrics]\nlisten = \":9090\"\nallow = [\"10.0.0.0/8\", \"everyone\"]\n", "",
			`x.toml:4: metrics.allow: entry 2 of 2, "everyone": expected a network such as "10.0.0.0/8" or an address such as "127.0.0.1"`},
		{"allow_alone", "[metrics]\nallow = [\"10.0.0.0/8\"]\n", "",
			"x.toml:3: metrics.allow: the metrics are off: set metrics.listen (a listener of their own) or metrics.path (a path on the site's listener) too"},
		{"allow_type", "[metrics]\nallow = \"10.0.0.0/8\"\n", "",
			`x.toml:3: metrics.allow: expected an array of networks such as ["127.0.0.1/32", "10.0.0.0/8"], got string "10.0.0.0/8"`},
		{"unknown", "[metrics]\nport = 9090\n", "",
			`x.toml:3: unknown key "metrics.port" (known keys in [metrics]: listen, path, allow)`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if err := os.WriteFile("x.toml", []byte("static = \"static\"\n"+tt.toml), 0o644); err != nil {
				t.Fatal(err)
			}
			c, err := Load("x.toml")
			got := ""
			if err != nil {
				got = err.Error()
			}
			if got != tt.err {
				t.Errorf("Load error\n got %q\nwant %q", got, tt.err)
			}
			if err == nil && c.Metrics.Describe() != tt.describe {
				t.Errorf("Describe() = %q; want %q", c.Metrics.Describe(), tt.describe)
			}
		})
	}
	m := Metrics{Path: "/m", Allow: []string{"10.1.2.3/8", "::ffff:127.0.0.1"}}
	var got []string
	for _, p := range m.Prefixes() {
		got = append(got, p.String())
	}
	if want := "10.0.0.0/8 127.0.0.1/32"; strings.Join(got, " ") != want {
		t.Errorf("Prefixes = %v, want %s", got, want)
	}
}
