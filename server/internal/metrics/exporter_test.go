package metrics

import (
	"bytes"
	"database/sql"
	"net/netip"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/miniweb/miniweb/server/gateway"
	"github.com/miniweb/miniweb/server/gateway/gatewaytest"
	"github.com/miniweb/miniweb/server/httpserver"
	"github.com/miniweb/miniweb/server/internal/testnet"
)

func TestMain(m *testing.M) {
	os.Exit(testnet.RunLeakChecked(m, "github.com/miniweb/miniweb/server/internal/metrics."))
}

// TestWrite: the families and samples the engine's counts, the database
// pool and a site's figure come out as.
func TestWrite(t *testing.T) {
	t.Parallel()
	m := &httpserver.Metrics{}
	m.Request("/stock/{code}.py", "GET", 200, 3*time.Millisecond, 120, 900)
	m.Request("/stock/{code}.py", "GET", 200, 30*time.Second, 0, 0)
	m.Request("/a\"b\\c\nd.py", "BREW", 404, time.Millisecond, 0, 0)
	e := New(Options{Engine: m,
		DB: func() sql.DBStats {
			return sql.DBStats{MaxOpenConnections: 8, InUse: 2, WaitCount: 5, WaitDuration: 1500 * time.Millisecond}
		},
		Figures: []Figure{{Name: "site_things_total", Help: "Things.", Counter: true, Value: func() float64 { return 42 }}},
	})
	var b bytes.Buffer
	if err := e.Write(&b); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		"# TYPE http_requests_total counter\n",
		`http_requests_total{route="/stock/{code}.py",method="GET",status="2xx"} 2` + "\n",
		`http_requests_total{route="/a\"b\\c\nd.py",method="OTHER",status="4xx"} 1` + "\n",
		"# TYPE http_request_duration_seconds histogram\n",
		`http_request_duration_seconds_bucket{route="/stock/{code}.py",le="0.0025"} 0` + "\n",
		`http_request_duration_seconds_bucket{route="/stock/{code}.py",le="0.005"} 1` + "\n",
		`http_request_duration_seconds_bucket{route="/stock/{code}.py",le="10"} 1` + "\n",
		`http_request_duration_seconds_bucket{route="/stock/{code}.py",le="+Inf"} 2` + "\n",
		`http_request_duration_seconds_sum{route="/stock/{code}.py"} 30.003` + "\n",
		`http_request_duration_seconds_count{route="/stock/{code}.py"} 2` + "\n",
		"http_received_bytes_total 120\n",
		"http_sent_bytes_total 900\n",
		"db_connections_max 8\n",
		"db_connections_in_use 2\n",
		"db_connection_waits_total 5\n",
		"db_connection_wait_seconds_total 1.5\n",
		"# HELP site_things_total Things.\n# TYPE site_things_total counter\nsite_things_total 42\n",
		"# TYPE miniweb_build_info gauge\n",
	} {
		if !strings.Contains(b.String(), want) {
			t.Errorf("missing %q in\n%s", want, b.String())
		}
	}
}

// TestAllowed: who may read the metrics on the site's listener.
func TestAllowed(t *testing.T) {
	t.Parallel()
	allow := []netip.Prefix{netip.MustParsePrefix("127.0.0.1/32"), netip.MustParsePrefix("10.0.0.0/8"), netip.MustParsePrefix("fd00::/8")}
	tests := []struct {
		name         string
		remote, peer string
		header       string // a forwarding field's name, "" for none
		want         bool
	}{
		{"loopback", "127.0.0.1:5000", "127.0.0.1:5000", "", true},
		{"private", "10.1.2.3:5000", "10.1.2.3:5000", "", true},
		{"v6", "[fd00::1]:5000", "[fd00::1]:5000", "", true},
		{"mapped", "[::ffff:10.0.0.1]:5000", "", "", true},
		{"public", "203.0.113.9:5000", "203.0.113.9:5000", "", false},
		{"other_loopback", "127.0.0.2:5000", "127.0.0.2:5000", "", false},
		// An untrusted proxy on the same machine: its visitors look local.
		{"untrusted_proxy", "127.0.0.1:5000", "127.0.0.1:5000", "X-Forwarded-For", false},
		{"untrusted_forwarded", "127.0.0.1:5000", "127.0.0.1:5000", "forwarded", false},
		{"untrusted_real_ip", "127.0.0.1:5000", "127.0.0.1:5000", "X-Real-IP", false},
		// A trusted proxy named the client: the client is checked.
		{"trusted_proxy_public_client", "203.0.113.9", "127.0.0.1:5000", "X-Forwarded-For", false},
		{"trusted_proxy_private_client", "10.9.9.9", "127.0.0.1:5000", "X-Forwarded-For", true},
		{"garbage", "nonsense", "", "", false},
	}
	for _, tt := range tests {
		env := &gateway.Environ{RemoteAddr: tt.remote, PeerAddr: tt.peer}
		if tt.header != "" {
			env.Header = gateway.Fields{{Name: tt.header, Value: "10.0.0.1"}}
		}
		if got := allowed(env, allow); got != tt.want {
			t.Errorf("%s: allowed = %v; want %v", tt.name, got, tt.want)
		}
		if !allowed(env, nil) {
			t.Errorf("%s: refused with no allow list (a listener of its own)", tt.name)
		}
	}
}

// TestApp: the path answers the allowed, everything else goes to the site.
func TestApp(t *testing.T) {
	t.Parallel()
	site := gateway.AppFunc(func(env *gateway.Environ, start gateway.StartResponse) gateway.Body {
		start("404 Not Found", nil)
		return gateway.Bytes([]byte("site 404"))
	})
	app := New(Options{Engine: &httpserver.Metrics{}}).App("/metrics", []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8")}, site)
	for _, tt := range []struct {
		method, path, remote string
		code                 int
		body                 string // a part of the body
		route                string
	}{
		{"GET", "/metrics", "10.0.0.1:1", 200, "# TYPE http_requests_total counter", Route},
		{"HEAD", "/metrics", "10.0.0.1:1", 200, "", Route},
		{"POST", "/metrics", "10.0.0.1:1", 405, "", Route},
		{"GET", "/metrics", "192.0.2.1:1", 404, "site 404", ""},
		{"POST", "/metrics", "192.0.2.1:1", 404, "site 404", ""},
		{"GET", "/metrics/", "10.0.0.1:1", 404, "site 404", ""},
	} {
		env := gatewaytest.NewEnviron(tt.method, tt.path, nil)
		env.RemoteAddr, env.PeerAddr = tt.remote, tt.remote
		rec, err := gatewaytest.Record(app, env)
		if err != nil {
			t.Fatal(err)
		}
		if rec.Code != tt.code || !strings.Contains(string(rec.Body), tt.body) || env.Route != tt.route {
			t.Errorf("%s %s from %s: %d %.40q route %q; want %d with %q, route %q", tt.method, tt.path, tt.remote, rec.Code, rec.Body, env.Route, tt.code, tt.body, tt.route)
		}
	}
}
