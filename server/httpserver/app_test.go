package httpserver

import (
	"fmt"
	"io"
	"strconv"
	"sync/atomic"
	"testing"
	"time"

	"github.com/miniweb/miniweb/server/gateway"
)

// testApp is the application of the end-to-end tests; each path shows one
// behaviour of the contract.
type testApp struct {
	calls     atomic.Int64  // requests that reached the application
	waiting   chan struct{} // /wait.py says here that it waits (if there is room)
	cancelled chan string   // /wait.py reports its context's end here
}

func newTestApp() *testApp {
	return &testApp{waiting: make(chan struct{}, 16), cancelled: make(chan string, 16)}
}

// waitWaiting waits until /wait.py has begun to wait on its context.
func (a *testApp) waitWaiting(t *testing.T) {
	t.Helper()
	select {
	case <-a.waiting:
	case <-time.After(patience):
		t.Fatal("/wait.py did not begin")
	}
}

var plain = []gateway.Field{{Name: "Content-Type", Value: "text/plain; charset=utf-8"}}

func (a *testApp) ServeGateway(env *gateway.Environ, start gateway.StartResponse) gateway.Body {
	a.calls.Add(1)
	switch env.Path {
	case "/hello.py":
		start("200 OK", plain)
		return gateway.Bytes([]byte("Hello, World!"))
	case "/echo.py": // the method, the path, and the body
		b, err := io.ReadAll(env.Body)
		if err != nil {
			start("400 Bad Request", plain)
			return gateway.Bytes([]byte("read error: " + err.Error()))
		}
		start("200 OK", plain)
		return gateway.Bytes([]byte(env.Method + " " + env.Path + " " + env.Query + " " + string(b)))
	case "/env.py":
		start("200 OK", plain)
		s := fmt.Sprintf("name=%s port=%s proto=%s remote=%s ua=%s cl=%d raw=%s",
			env.ServerName, env.ServerPort, env.Protocol, env.Get("REMOTE_ADDR"), env.Get("HTTP_USER_AGENT"), env.ContentLength, env.RawPath)
		return gateway.Bytes([]byte(s))
	case "/ignore.py": // answers without reading the body
		start("200 OK", plain)
		return gateway.Bytes([]byte("ignored"))
	case "/stream.py":
		return gateway.Stream(func(yield func([]byte, error) bool) {
			start("200 OK", plain)
			for i := range 3 {
				if !yield([]byte("chunk"+strconv.Itoa(i)+"\n"), nil) {
					return
				}
			}
		})
	case "/status.py": // the status named in the query, with a body
		start(env.Query+" Whatever", plain)
		return gateway.Bytes([]byte("body"))
	case "/panic.py":
		panic("handler exploded")
	case "/panicstream.py":
		start("200 OK", plain)
		return gateway.Stream(func(yield func([]byte, error) bool) {
			yield([]byte("partial"), nil)
			panic("stream exploded")
		})
	case "/twice.py":
		start("200 OK", plain)
		start("201 Created", plain)
		return gateway.Bytes([]byte("twice"))
	case "/nostart.py":
		return gateway.Bytes([]byte("never started"))
	case "/badheader.py": // CVE-2018-1000164: CR/LF in a header value
		start("200 OK", []gateway.Field{{Name: "X-Evil", Value: "a\r\nSet-Cookie: pwned=1"}})
		return gateway.Bytes([]byte("bad"))
	case "/hopbyhop.py":
		start("200 OK", []gateway.Field{{Name: "Connection", Value: "upgrade"}})
		return gateway.Bytes([]byte("bad"))
	case "/short.py": // declares more than it sends
		start("200 OK", []gateway.Field{{Name: "Content-Length", Value: "10"}})
		return gateway.Stream(func(yield func([]byte, error) bool) { yield([]byte("12345"), nil) })
	case "/long.py": // sends more than it declares
		start("200 OK", []gateway.Field{{Name: "Content-Length", Value: "3"}})
		return gateway.Stream(func(yield func([]byte, error) bool) { yield([]byte("12345"), nil) })
	case "/mismatch.py":
		start("200 OK", []gateway.Field{{Name: "Content-Length", Value: "3"}})
		return gateway.Bytes([]byte("12345"))
	case "/slow.py": // takes at least 300ms: the access log's duration
		time.Sleep(300 * time.Millisecond)
		start("200 OK", plain)
		return gateway.Bytes([]byte("slow done"))
	case "/wait.py": // blocks until its context ends
		ctx := env.Context()
		select {
		case a.waiting <- struct{}{}:
		default:
		}
		select {
		case <-ctx.Done():
			a.cancelled <- ctx.Err().Error()
		case <-time.After(patience):
			a.cancelled <- "not cancelled"
		}
		start("200 OK", plain)
		return gateway.Bytes([]byte("waited"))
	}
	start("404 Not Found", plain)
	return gateway.Bytes([]byte("no such page"))
}
