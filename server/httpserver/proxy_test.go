package httpserver

import (
	"fmt"
	"net"
	"net/netip"
	"strings"
	"testing"

	"github.com/miniweb/miniweb/server/gateway"
)

// whoApp answers with what the environ says of the client, one
// "key=value" per line.
type whoApp struct{}

func (whoApp) ServeGateway(env *gateway.Environ, start gateway.StartResponse) gateway.Body {
	start("200 OK", plain)
	return gateway.Bytes(fmt.Appendf(nil, "remote=%s\npeer=%s\nscheme=%s\nhost=%s\nserver=%s:%s\nREMOTE_ADDR=%s\n",
		env.RemoteAddr, env.PeerAddr, env.Scheme, env.Host, env.ServerName, env.ServerPort, env.Get("REMOTE_ADDR")))
}

// who parses whoApp's answer.
func who(t *testing.T, body string) map[string]string {
	t.Helper()
	m := map[string]string{}
	for _, line := range strings.Split(strings.TrimSpace(body), "\n") {
		k, v, ok := strings.Cut(line, "=")
		if !ok {
			t.Fatalf("not whoApp's answer: %q", body)
		}
		m[k] = v
	}
	return m
}

// trusting returns an option that trusts the networks nets.
func trusting(nets ...string) func(*Server) {
	return func(s *Server) {
		for _, n := range nets {
			s.Proxies.Trusted = append(s.Proxies.Trusted, netip.MustParsePrefix(n))
		}
	}
}

// TestProxyForwarding sends requests with forwarding fields from
// 127.0.0.1, trusted or not, and checks what the application sees and what
// the access log writes.
func TestProxyForwarding(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		name   string
		opts   []func(*Server)
		fields string // the forwarding fields of the request, each ending in CRLF
		remote string // RemoteAddr the application sees; "" means the peer's
		scheme string
		host   string
		server string // ServerName:ServerPort
		logged string // the access log's client; "" means 127.0.0.1
	}{
		{"nothing_trusted", nil,
			"X-Forwarded-For: 203.0.113.9\r\nX-Forwarded-Proto: https\r\nX-Forwarded-Host: example.com\r\nForwarded: for=203.0.113.9\r\n",
			"", "http", "backend:8080", "backend:8080", ""},
		{"untrusted_peer", []func(*Server){trusting("10.0.0.0/8"), func(s *Server) { s.Proxies.ForwardedHost = true }},
			"X-Forwarded-For: 203.0.113.9\r\nX-Forwarded-Proto: https\r\nX-Forwarded-Host: example.com\r\n",
			"", "http", "backend:8080", "backend:8080", ""},
		{"trusted_peer", []func(*Server){trusting("127.0.0.1/32")},
			"X-Forwarded-For: 203.0.113.9\r\nX-Forwarded-Proto: https\r\nX-Forwarded-Host: example.com\r\n",
			"203.0.113.9", "https", "backend:8080", "backend:8080", "203.0.113.9"},
		{"spoofed_by_client", []func(*Server){trusting("127.0.0.1/32")},
			"X-Forwarded-For: 6.6.6.6\r\nX-Forwarded-For: 10.0.0.1, 203.0.113.9\r\n",
			"203.0.113.9", "http", "backend:8080", "backend:8080", "203.0.113.9"},
		{"two_proxies", []func(*Server){trusting("127.0.0.1/32", "10.0.0.0/8")},
			"X-Forwarded-For: 6.6.6.6, 203.0.113.9, 10.0.0.2\r\nX-Forwarded-Proto: https, http\r\n",
			"203.0.113.9", "https", "backend:8080", "backend:8080", "203.0.113.9"},
		{"ipv6_client", []func(*Server){trusting("127.0.0.1/32")},
			"X-Forwarded-For: 2001:db8::9\r\n",
			"2001:db8::9", "http", "backend:8080", "backend:8080", "2001:db8::9"},
		{"forwarded_host", []func(*Server){trusting("127.0.0.1/32"), func(s *Server) { s.Proxies.ForwardedHost = true }},
			"X-Forwarded-For: 203.0.113.9\r\nX-Forwarded-Host: example.com:8443\r\n",
			"203.0.113.9", "http", "example.com:8443", "example.com:8443", "203.0.113.9"},
		{"malformed_falls_back", []func(*Server){trusting("127.0.0.1/32"), func(s *Server) { s.Proxies.ForwardedHost = true }},
			"X-Forwarded-For: 203.0.113.9, not-an-address\r\nX-Forwarded-Proto: https\r\nX-Forwarded-Host: example.com\r\n",
			"", "http", "backend:8080", "backend:8080", ""},
		{"rfc7239", []func(*Server){trusting("127.0.0.1/32"), func(s *Server) { s.Proxies.Header = "Forwarded" }},
			"X-Forwarded-For: 6.6.6.6\r\nForwarded: for=\"[2001:db8::9]:4711\";proto=https\r\n",
			"[2001:db8::9]:4711", "https", "backend:8080", "backend:8080", "2001:db8::9"},
		{"rfc7239_not_read_by_default", []func(*Server){trusting("127.0.0.1/32")},
			"Forwarded: for=6.6.6.6;proto=https\r\n",
			"", "http", "backend:8080", "backend:8080", ""},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			ts := startServer(t, whoApp{}, nil, tt.opts...)
			c := ts.dial(t)
			c.send("GET /who.py HTTP/1.1\r\nHost: backend:8080\r\n" + tt.fields + "\r\n")
			r := c.response("GET")
			if r.StatusCode != 200 {
				t.Fatalf("status %d", r.StatusCode)
			}
			got := who(t, bodyOf(t, r))
			peer := c.LocalAddr().String()
			want := map[string]string{"remote": tt.remote, "peer": peer, "scheme": tt.scheme, "host": tt.host, "server": tt.server}
			if tt.remote == "" {
				want["remote"] = peer
			}
			for k, v := range want {
				if got[k] != v {
					t.Errorf("%s = %q; want %q", k, got[k], v)
				}
			}
			wantAddr, _, err := net.SplitHostPort(want["remote"])
			if err != nil {
				wantAddr = want["remote"] // a bare address
			}
			if got["REMOTE_ADDR"] != wantAddr {
				t.Errorf("REMOTE_ADDR = %q; want %q", got["REMOTE_ADDR"], wantAddr)
			}
			logged := tt.logged
			if logged == "" {
				logged = "127.0.0.1"
			}
			line := accessLines(t, ts.access, 1)[0]
			if !strings.HasPrefix(line, logged+" - - [") {
				t.Errorf("access log line %q; want it to start with %q", line, logged)
			}
		})
	}
}

// TestProxyKeepAlive checks that each request on a connection from a
// trusted proxy gets its own client, and one without forwarding fields the
// proxy's address, as a balancer's keep-alive connection carries requests
// of many clients.
func TestProxyKeepAlive(t *testing.T) {
	t.Parallel()
	ts := startServer(t, whoApp{}, nil, trusting("127.0.0.0/8"))
	c := ts.dial(t)
	for _, tt := range []struct{ fields, remote string }{
		{"X-Forwarded-For: 203.0.113.9\r\n", "203.0.113.9"},
		{"X-Forwarded-For: 198.51.100.4\r\n", "198.51.100.4"},
		{"", c.LocalAddr().String()},
		{"X-Forwarded-For: bad\r\n", c.LocalAddr().String()},
		{"X-Forwarded-For: 203.0.113.10\r\n", "203.0.113.10"},
	} {
		c.send("GET /who.py HTTP/1.1\r\nHost: x\r\n" + tt.fields + "\r\n")
		if got := who(t, bodyOf(t, c.response("GET")))["remote"]; got != tt.remote {
			t.Errorf("with %q: remote %q; want %q", tt.fields, got, tt.remote)
		}
	}
	// A request that fails to parse is logged with the connection's
	// address, not the previous request's client.
	c.send("GET /who.py HTTP/1.1\r\nHost: x\r\nBad Header: x\r\n\r\n")
	if r := c.response("GET"); r.StatusCode != 400 {
		t.Fatalf("status %d; want 400", r.StatusCode)
	}
	lines := accessLines(t, ts.access, 6)
	for i, want := range []string{"203.0.113.9", "198.51.100.4", "127.0.0.1", "127.0.0.1", "203.0.113.10", "127.0.0.1"} {
		if !strings.HasPrefix(lines[i], want+" ") {
			t.Errorf("access line %d = %q; want it from %s", i, lines[i], want)
		}
	}
}

// TestProxyOptions checks that options that cannot work stop Serve with an
// error that says which.
func TestProxyOptions(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		name string
		opt  func(*Server)
		want string // in the error
	}{
		{"protocol_without_trusted", func(s *Server) { s.Proxies.Protocol = true }, "no proxy is trusted"},
		{"bad_header", func(s *Server) { s.Proxies.Header = "X-Real-IP" }, `"X-Real-IP"`},
		{"invalid_prefix", func(s *Server) { s.Proxies.Trusted = []netip.Prefix{{}} }, "not a valid prefix"},
		{"health_path", func(s *Server) { s.Health.Path = "healthz" }, `"healthz"`},
		{"health_path_query", func(s *Server) { s.Health.Path = "/healthz?full" }, `"/healthz?full"`},
	} {
		t.Run(tt.name, func(t *testing.T) {
			s := &Server{}
			tt.opt(s)
			ln, err := net.Listen("tcp", "127.0.0.1:0")
			if err != nil {
				t.Fatal(err)
			}
			err = s.Serve(ln)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("Serve = %v; want an error with %s", err, tt.want)
			}
		})
	}
}
