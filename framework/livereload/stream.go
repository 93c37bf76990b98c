package livereload

import (
	"net"
	"net/netip"
	"net/url"
	"strconv"
	"time"

	"github.com/miniweb/miniweb/server/gateway"
)

// heartbeat is how often an idle stream sends a comment line, so that a
// browser that went away is noticed (the write fails) and proxies keep it.
const heartbeat = 10 * time.Second

// retryField tells EventSource to wait 250 ms before reconnecting by
// itself; the client reconnects on its own with backoff anyway.
const retryField = "retry: 250\n"

// ServeGateway answers the paths under Prefix: Prefix+"events", the event
// stream (GET); Prefix+"client.js", the client (GET, HEAD); any other is a
// 404, another method a 405.
func (h *Hub) ServeGateway(env *gateway.Environ, start gateway.StartResponse) gateway.Body {
	switch env.Path {
	case eventsPath:
		if env.Method != "GET" {
			return plain(start, "405 Method Not Allowed", "GET only\n", gateway.Field{Name: "Allow", Value: "GET"})
		}
		return h.events(env, start)
	case clientPath:
		if env.Method != "GET" && env.Method != "HEAD" {
			return plain(start, "405 Method Not Allowed", "GET or HEAD only\n", gateway.Field{Name: "Allow", Value: "GET, HEAD"})
		}
		cache := "no-cache"
		if env.Query == "v="+clientVersion {
			cache = "public, max-age=31536000, immutable"
		}
		start("200 OK", gateway.Fields{
			{Name: "Content-Type", Value: "text/javascript; charset=utf-8"},
			{Name: "Cache-Control", Value: cache},
		})
		return gateway.Bytes(clientJS)
	}
	return plain(start, "404 Not Found", "Not Found\n")
}

// events streams the state, then each event, until the stream limit, the
// client leaves, or CloseStreams. A closed Hub answers 503. A browser that
// reconnects says which stream it had and the last event it got:
// "?boot=3f2a9c1b7d0e&seq=9" (see subscribe).
//
// The server's write timeout bounds a whole response, a stream too: a
// stream cut by it fails at its next write, and the event written then is
// lost; the browser reconnects, and the state and replay it gets then
// catch it up. StreamLimit ends streams before that, cleanly.
func (h *Hub) events(env *gateway.Environ, start gateway.StartResponse) gateway.Body {
	q, _ := url.ParseQuery(env.Query)
	seq, _ := strconv.ParseUint(q.Get("seq"), 10, 64)
	sub, first := h.subscribe(q.Get("boot"), seq, isLoopback(env.RemoteAddr))
	if sub == nil {
		return plain(start, "503 Service Unavailable", "Shutting down\n")
	}
	start("200 OK", gateway.Fields{
		{Name: "Content-Type", Value: "text/event-stream"},
		{Name: "Cache-Control", Value: "no-store"},
	})
	ctx := env.Context()
	return gateway.Stream(func(yield func([]byte, error) bool) {
		if !yield(append([]byte(retryField), first...), nil) {
			return
		}
		limit := time.NewTimer(h.streamLimit)
		defer limit.Stop()
		beat := time.NewTicker(heartbeat)
		defer beat.Stop()
		for {
			select {
			case msg, ok := <-sub.ch:
				if !ok || !yield(msg, nil) {
					return
				}
			case <-beat.C:
				if !yield([]byte(": ping\n\n"), nil) {
					return
				}
			case <-limit.C:
				return
			case <-ctx.Done():
				return
			}
		}
	}).OnClose(func() { h.unsubscribe(sub) })
}

// isLoopback reports whether addr ("ip:port") is on the loopback address
// (127.0.0.0/8, ::1), as the framework's rule for dev error pages.
func isLoopback(addr string) bool {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		host = addr
	}
	ip, err := netip.ParseAddr(host)
	return err == nil && ip.Unmap().IsLoopback()
}

// plain answers status with a short text body and the fields extra.
func plain(start gateway.StartResponse, status, body string, extra ...gateway.Field) gateway.Body {
	start(status, append(gateway.Fields{
		{Name: "Content-Type", Value: "text/plain; charset=utf-8"},
		{Name: "Cache-Control", Value: "no-store"},
	}, extra...))
	return gateway.Bytes([]byte(body))
}
