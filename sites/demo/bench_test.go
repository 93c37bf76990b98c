package demo

import (
	"net/url"
	"runtime"
	"strings"
	"testing"

	"github.com/miniweb/miniweb/server/gateway"
	"github.com/miniweb/miniweb/server/gateway/gatewaytest"
)

// BenchmarkLoginFlood signs in b.N times, from parallel clients, and
// reports what a login costs (a database lookup and bcrypt, here at its
// least cost) and what it leaves on the server: the heap retained per
// login after a collection. With sessions in cookies it is
// nothing; the demo's old session map kept about a hundred bytes per
// login, and its bound (10,000) made a flood sign everyone else out.
func BenchmarkLoginFlood(b *testing.B) {
	app, _, _ := testSite(b, sqliteDB(b), templates, false) // bcrypt at its least cost
	register(b, newClient(b, app), "demo", "miniweb!")
	form := url.Values{"name": {"demo"}, "password": {"miniweb!"}}.Encode()
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			env := gatewaytest.NewEnviron("POST", "/login.py", strings.NewReader(form))
			env.Header = append(env.Header, gateway.Field{Name: "Content-Type", Value: "application/x-www-form-urlencoded"})
			rec, err := gatewaytest.Record(app, env)
			if err != nil || rec.Code != 303 || rec.Header.Get("Set-Cookie") == "" {
				b.Fatalf("login: %v %v", rec, err)
			}
		}
	})
	b.StopTimer()
	runtime.GC()
	runtime.ReadMemStats(&after)
	retained := float64(int64(after.HeapAlloc)-int64(before.HeapAlloc)) / float64(b.N)
	b.ReportMetric(max(retained, 0), "retained-B/login")
}
