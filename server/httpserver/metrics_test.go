package httpserver

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"net/http"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/miniweb/miniweb/server/gateway"
)

// routedApp answers /item/{id}.py under that route pattern, as a router
// would name it in Environ.Route, and every other path 404 with no route.
func routedApp() gateway.App {
	return gateway.AppFunc(func(env *gateway.Environ, start gateway.StartResponse) gateway.Body {
		if strings.HasPrefix(env.Path, "/item/") {
			env.Route = "/item/{id}.py"
			io.Copy(io.Discard, env.Body)
			start("200 OK", helloHeader)
			return gateway.Bytes(helloBody)
		}
		if env.Path == "/stream.py" {
			start("200 OK", helloHeader)
			return gateway.Stream(func(yield func([]byte, error) bool) {
				env.Route = "/stream.py" // named as it streams, as a ServeMux under gatewayhttp.FromHandler
				yield(helloBody, nil)
			})
		}
		start("404 Not Found", helloHeader)
		return gateway.Bytes(helloNotFound)
	})
}

// countingConn counts the bytes a client sends and receives.
type countingConn struct {
	net.Conn
	in, out int64
}

func (c *countingConn) Read(p []byte) (int, error) {
	n, err := c.Conn.Read(p)
	c.in += int64(n)
	return n, err
}

func (c *countingConn) Write(p []byte) (int, error) {
	n, err := c.Conn.Write(p)
	c.out += int64(n)
	return n, err
}

// requestCounts returns the requests m counted, by route, then
// "METHOD class", and the histogram's count by route.
func requestCounts(m *Metrics) (map[string]map[string]uint64, map[string]uint64) {
	reqs, hist := map[string]map[string]uint64{}, map[string]uint64{}
	m.Routes(func(rc *RouteCounts) {
		byKey := map[string]uint64{}
		for i, method := range RequestMethods() {
			for j, class := range StatusClasses() {
				if n := rc.Requests[i][j]; n > 0 {
					byKey[method+" "+class] = n
				}
			}
		}
		reqs[rc.Route] = byKey
		hist[rc.Route] = rc.Count()
	})
	return reqs, hist
}

// waitCounts waits until cond holds: the counts move once a request's
// line is logged, just after its answer left.
func waitCounts(t *testing.T, what string, cond func() bool) {
	t.Helper()
	if !waitFor(patience, cond) {
		t.Fatalf("waiting for %s: gave up after %v", what, patience)
	}
}

func TestMetricsCountsRequests(t *testing.T) {
	t.Parallel()
	m := &Metrics{}
	ts := startServer(t, routedApp(), map[string]string{"style.css": "body { color: teal }\n"},
		func(s *Server) { s.Metrics = m; s.Health = HealthCheck{Path: "/healthz"} })

	raw, err := net.DialTimeout("tcp", ts.addr, patience)
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()
	raw.SetDeadline(time.Now().Add(patience))
	cc := &countingConn{Conn: raw}
	br := bufio.NewReader(cc)
	for _, r := range []struct {
		req    string
		method string
		status int
	}{
		{"GET /item/1.py HTTP/1.1\r\nHost: x\r\n\r\n", "GET", 200},
		{"GET /item/2.py?q=1 HTTP/1.1\r\nHost: x\r\n\r\n", "GET", 200},
		{"POST /item/3.py HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nhello", "POST", 200},
		{"GET /nope.py HTTP/1.1\r\nHost: x\r\n\r\n", "GET", 404},
		{"GET /stream.py HTTP/1.1\r\nHost: x\r\n\r\n", "GET", 200},
		{"GET /style.css HTTP/1.1\r\nHost: x\r\n\r\n", "GET", 200},
		{"HEAD /missing.css HTTP/1.1\r\nHost: x\r\n\r\n", "HEAD", 404},
		{"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n", "GET", 200},
		{"BREW /item/4.py HTTP/1.1\r\nHost: x\r\n\r\n", "BREW", 501},
	} {
		if _, err := io.WriteString(cc, r.req); err != nil {
			t.Fatal(err)
		}
		resp, err := readResponse(br, r.method)
		if err != nil {
			t.Fatalf("%q: %v", r.req, err)
		}
		if resp != r.status {
			t.Fatalf("%q: status %d; want %d", r.req, resp, r.status)
		}
		if r.status == 501 {
			break // the connection closes
		}
	}
	// A head with no Host: 400 before any handler, on a second connection.
	bad := ts.dial(t)
	badConn := &countingConn{Conn: bad.Conn}
	io.WriteString(badConn, "GET /item/5.py HTTP/1.1\r\n\r\n")
	rest, _ := io.ReadAll(badConn)
	bad.Close() // rather than the server's linger
	if !strings.HasPrefix(string(rest), "HTTP/1.1 400 ") {
		t.Fatalf("no Host: got %q; want a 400", rest)
	}

	want := map[string]map[string]uint64{
		"/item/{id}.py": {"GET 2xx": 2, "POST 2xx": 1},
		RouteApp:        {"GET 4xx": 1},
		"/stream.py":    {"GET 2xx": 1},
		RouteStatic:     {"GET 2xx": 1, "HEAD 4xx": 1},
		RouteHealth:     {"GET 2xx": 1},
		RouteNone:       {"OTHER 5xx": 1, "OTHER 4xx": 1},
	}
	waitCounts(t, "ten requests counted", func() bool {
		reqs, _ := requestCounts(m)
		return fmt.Sprint(reqs) == fmt.Sprint(want)
	})
	_, hist := requestCounts(m)
	if hist["/item/{id}.py"] != 3 || hist[RouteStatic] != 2 || hist[RouteNone] != 2 {
		t.Errorf("histogram counts %v; want 3 for the item route, 2 static, 2 none", hist)
	}
	// Every byte the clients sent was read, and every byte they read was sent.
	if got, want := m.Received.Load(), uint64(cc.out+badConn.out); got != want {
		t.Errorf("Received = %d; the clients sent %d", got, want)
	}
	if got, want := m.Sent.Load(), uint64(cc.in+badConn.in); got != want {
		t.Errorf("Sent = %d; the clients received %d", got, want)
	}
	if n := m.Accepted.Load(); n != 2 {
		t.Errorf("Accepted = %d; want 2", n)
	}
	// The 501 closed the first connection, the 400 the second.
	waitCounts(t, "no connection open", func() bool { return m.Conns() == ConnCounts{} })
}

// readResponse reads one response and returns its status.
func readResponse(br *bufio.Reader, method string) (int, error) {
	resp, err := http.ReadResponse(br, &http.Request{Method: method})
	if err != nil {
		return 0, err
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp.StatusCode, nil
}

func TestMetricsConns(t *testing.T) {
	t.Parallel()
	m := &Metrics{}
	ts := startServer(t, routedApp(), nil, func(s *Server) {
		s.Metrics = m
		s.MaxConns = 2
		s.MaxConnsPerAddr = -1
	})
	// Two connections, each idle after a request, hold the cap.
	var held []*rawConn
	for range 2 {
		c := ts.dial(t)
		c.send("GET /item/1.py HTTP/1.1\r\nHost: x\r\n\r\n")
		if r := c.response("GET"); r.StatusCode != 200 {
			t.Fatalf("status %d", r.StatusCode)
		}
		held = append(held, c)
	}
	waitCounts(t, "two idle connections", func() bool { return m.Conns() == ConnCounts{Open: 2, Idle: 2} })
	// A third finds the cap full and takes an idle one's slot.
	c := ts.dial(t)
	c.send("GET /item/2.py HTTP/1.1\r\nHost: x\r\n\r\n")
	if r := c.response("GET"); r.StatusCode != 200 {
		t.Fatalf("status %d", r.StatusCode)
	}
	if !held[0].closed() {
		t.Fatal("the oldest idle connection was not closed for the newcomer")
	}
	// A second look (the freed slot slow to come on a busy machine) may
	// reclaim the other idle one too.
	if a, r, n := m.AtCap.Load(), m.Reclaimed.Load(), m.Accepted.Load(); a != 1 || r < 1 || r > 2 || n != 3 {
		t.Errorf("AtCap, Reclaimed, Accepted = %d, %d, %d; want 1, 1 or 2, 3", a, r, n)
	}
}

func TestMetricsRefusedShare(t *testing.T) {
	t.Parallel()
	m := &Metrics{}
	ts := startServer(t, routedApp(), nil, func(s *Server) {
		s.Metrics = m
		s.MaxConns = 8
		s.MaxConnsPerAddr = 1
	})
	first := ts.dial(t)
	first.send("GET /item/1.py HTTP/1.1\r\nHost: x\r\n\r\n")
	first.response("GET")
	second := ts.dial(t)
	if !second.closed() {
		t.Fatal("a second connection over the share of 1 was not closed")
	}
	waitCounts(t, "one refused", func() bool { return m.Refused.Load() == 1 })
	if n := m.Accepted.Load(); n != 1 {
		t.Errorf("Accepted = %d; want 1", n)
	}
}

func TestMetricsTLSHandshakes(t *testing.T) {
	t.Parallel()
	m := &Metrics{}
	ts := startTLSServer(t, func(s *Server) { s.Metrics = m })
	h1, h2c := ts.client(t, false), ts.client(t, true) // kept to the end: their connections stay open
	resp, err := h1.Get("https://" + ts.addr + "/style.css")
	if err != nil {
		t.Fatal(err)
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	// HTTP/2 reaches the same dispatcher: its requests count the same way.
	resp, err = h2c.Get("https://" + ts.addr + "/style.css")
	if err != nil {
		t.Fatal(err)
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	if resp.ProtoMajor != 2 {
		t.Fatalf("%s; want HTTP/2", resp.Proto)
	}
	// A client that speaks plain HTTP to the TLS port fails its handshake.
	c := ts.dial(t)
	c.send("GET / HTTP/1.1\r\nHost: x\r\n\r\n")
	c.rest()
	waitCounts(t, "two handshakes, one failure, the HTTP/1.1 and HTTP/2 GETs counted as static", func() bool {
		reqs, _ := requestCounts(m)
		return m.TLSHandshakes.Load() == 2 && m.TLSFailures.Load() == 1 && reqs[RouteStatic]["GET 2xx"] == 2
	})
	// HTTP/2's own figures: one connection, kept open by the client with
	// no stream (idle, as the HTTP/1.1 one is), one stream served.
	var h2 HTTP2Counts
	var conns ConnCounts
	if !waitFor(patience, func() bool {
		h2, conns = m.HTTP2(), m.Conns()
		return h2 == HTTP2Counts{Conns: 1, StreamsTotal: 1} && conns.Open == 2 && conns.Idle == 2
	}) {
		t.Fatalf("HTTP/2 figures %+v, connections %+v; want one HTTP/2 connection and one stream, two connections open and idle", h2, conns)
	}
	runtime.KeepAlive(h1)
	runtime.KeepAlive(h2c)
}

func TestMetricsRouteBound(t *testing.T) {
	t.Parallel()
	m := &Metrics{}
	for i := range MaxRoutes + 10 {
		m.Request(fmt.Sprintf("/r%d.py", i), "GET", 200, time.Millisecond, 1, 1)
	}
	m.Request("/r0.py", "PATCH", 503, 20*time.Second, 0, 0)
	reqs, hist := requestCounts(m)
	if len(reqs) != MaxRoutes+1 || reqs[RouteOther]["GET 2xx"] != 10 {
		t.Errorf("%d routes, other %v; want %d and 10 GETs in other", len(reqs), reqs[RouteOther], MaxRoutes+1)
	}
	if reqs["/r0.py"]["PATCH 5xx"] != 1 || hist["/r0.py"] != 2 {
		t.Errorf("/r0.py: %v, %d in the histogram", reqs["/r0.py"], hist["/r0.py"])
	}
	m.Routes(func(rc *RouteCounts) {
		if rc.Route == "/r0.py" && (rc.Buckets[1] != 1 || rc.Buckets[len(rc.Buckets)-1] != 1) {
			t.Errorf("/r0.py buckets %v; want one at 1ms and one past 10s", rc.Buckets)
		}
	})
}

// metricsConn is benchConn's connection with Metrics on and the routed
// application.
func metricsConn(tb testing.TB, req string) (*conn, *Metrics) {
	c, _ := benchConn(tb, req)
	m := &Metrics{}
	c.srv.App = routedApp()
	c.srv.Metrics = m
	return c, m
}

const itemReq = "GET /item/1.py HTTP/1.1\r\nHost: 127.0.0.1:8080\r\nUser-Agent: wrk\r\nAccept: */*\r\n\r\n"

// TestMetricsAllocs: counting a request allocates nothing, once its
// route has been seen.
func TestMetricsAllocs(t *testing.T) {
	if raceEnabled {
		t.Skip("allocation counts are meaningless under the race detector")
	}
	for _, req := range []string{itemReq, staticReq} {
		c, m := metricsConn(t, req)
		for range 10 {
			if !c.serveOne() {
				t.Fatal("connection closed")
			}
		}
		if n := testing.AllocsPerRun(1000, func() { c.serveOne() }); n != 0 {
			t.Errorf("%.20q: %v allocations per request with Metrics; want 0", req, n)
		}
		var total uint64
		m.Routes(func(rc *RouteCounts) { total += rc.Count() })
		if total != 10+1001 {
			t.Errorf("%d requests counted; want 1011", total)
		}
	}
}

// BenchmarkMetricsRequest: what counting costs a request. "count" is
// Metrics.Request alone; "keepalive_off" and "keepalive_on" a whole
// keep-alive request to a routed application without and with Metrics.
//
//	go test ./server/httpserver/ -run '^$' -bench MetricsRequest -benchmem
func BenchmarkMetricsRequest(b *testing.B) {
	b.Run("count", func(b *testing.B) {
		m := &Metrics{}
		m.Request("/item/{id}.py", "GET", 200, time.Millisecond, 100, 200)
		b.ReportAllocs()
		for b.Loop() {
			m.Request("/item/{id}.py", "GET", 200, time.Millisecond, 100, 200)
		}
	})
	for _, on := range []bool{false, true} {
		name := "keepalive_off"
		if on {
			name = "keepalive_on"
		}
		b.Run(name, func(b *testing.B) {
			c, _ := metricsConn(b, itemReq)
			if !on {
				c.srv.Metrics = nil
			}
			c.serveOne()
			b.ReportAllocs()
			for b.Loop() {
				c.serveOne()
			}
		})
	}
}
