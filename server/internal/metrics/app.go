package metrics

import (
	"bytes"
	"net/netip"
	"strings"

	"github.com/miniweb/miniweb/server/gateway"
)

// Route is the route label of the scrapes themselves
// (gateway.Environ.Route), so that they count apart from the site's pages.
const Route = "metrics"

// App answers GET and HEAD of path with the exposition, to the clients
// allow lets through, and hands every other request to next: the other
// paths, and path itself from anyone else, who thus gets what the site
// answers for a path it does not have (a 404) and cannot tell the metrics
// are there. next nil answers those 404. An empty allow lets everyone
// through: for a listener of its own, reached only from where it is bound.
//
// A client is let through when its address (Environ.RemoteAddr: behind a
// trusted proxy, the client the proxy names) is in one of the allow
// networks, and, when no trusted proxy spoke, the request carries no
// forwarding field: a proxy the server does not trust (nginx on the same
// machine, say) would otherwise pass every visitor off as 127.0.0.1.
func (e *Exporter) App(path string, allow []netip.Prefix, next gateway.App) gateway.App {
	notFound := []byte("Not Found\n")
	return gateway.AppFunc(func(env *gateway.Environ, start gateway.StartResponse) gateway.Body {
		if env.Path != path || !allowed(env, allow) {
			if next != nil {
				return next.ServeGateway(env, start)
			}
			start("404 Not Found", []gateway.Field{{Name: "Content-Type", Value: "text/plain; charset=utf-8"}})
			return gateway.Bytes(notFound)
		}
		env.Route = Route
		if env.Method != "GET" && env.Method != "HEAD" {
			start("405 Method Not Allowed", []gateway.Field{{Name: "Allow", Value: "GET, HEAD"}})
			return gateway.Bytes(nil)
		}
		var b bytes.Buffer
		if err := e.Write(&b); err != nil {
			env.Logger().Error("metrics: writing the exposition", "err", err)
			start("500 Internal Server Error", nil)
			return gateway.Bytes(nil)
		}
		start("200 OK", []gateway.Field{
			{Name: "Content-Type", Value: ContentType},
			{Name: "Cache-Control", Value: "no-store"},
		})
		return gateway.Bytes(b.Bytes())
	})
}

// allowed reports whether env's client may read the metrics.
func allowed(env *gateway.Environ, allow []netip.Prefix) bool {
	if len(allow) == 0 {
		return true
	}
	client, ok := addrOf(env.RemoteAddr)
	if !ok {
		return false
	}
	if env.PeerAddr == "" || env.PeerAddr == env.RemoteAddr {
		for _, f := range env.Header {
			switch strings.ToLower(f.Name) {
			case "x-forwarded-for", "forwarded", "x-real-ip":
				return false
			}
		}
	}
	for _, p := range allow {
		if p.Contains(client) {
			return true
		}
	}
	return false
}

// addrOf parses "ip:port", "[v6]:port" or a bare ip, an IPv4-mapped IPv6
// address as IPv4.
func addrOf(s string) (netip.Addr, bool) {
	if ap, err := netip.ParseAddrPort(s); err == nil {
		return ap.Addr().Unmap(), true
	}
	a, err := netip.ParseAddr(strings.Trim(s, "[]"))
	if err != nil {
		return netip.Addr{}, false
	}
	return a.Unmap(), true
}
