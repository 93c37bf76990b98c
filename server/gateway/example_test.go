package gateway_test

import (
	"fmt"
	"io"
	"strings"

	"github.com/miniweb/miniweb/server/gateway"
	"github.com/miniweb/miniweb/server/gateway/gatewaytest"
)

// The lesson's application(environ, start_response), in Go: a switch on the
// path, a call to start, and the body.
func Example() {
	app := gateway.AppFunc(func(env *gateway.Environ, start gateway.StartResponse) gateway.Body {
		switch env.Path {
		case "/hello.py":
			start("200 OK", []gateway.Field{{Name: "Content-Type", Value: "text/plain; charset=utf-8"}})
			return gateway.Bytes([]byte("Hello, World!"))
		case "/echo.py":
			b, err := io.ReadAll(env.Body)
			if err != nil {
				start("400 Bad Request", nil)
				return gateway.Bytes([]byte("unreadable body"))
			}
			start("200 OK", []gateway.Field{{Name: "Content-Type", Value: "text/plain"}})
			return gateway.Bytes(b)
		}
		start("404 Not Found", nil)
		return gateway.Bytes([]byte("no such page"))
	})

	for _, env := range []*gateway.Environ{
		gatewaytest.NewEnviron("GET", "/hello.py", nil),
		gatewaytest.NewEnviron("POST", "/echo.py", strings.NewReader("name=Ada")),
		gatewaytest.NewEnviron("GET", "/nope.py", nil),
	} {
		rec, err := gatewaytest.Record(app, env)
		if err != nil {
			fmt.Println("error:", err)
			continue
		}
		fmt.Printf("%s %s: %s %q\n", env.Method, env.Path, rec.Status, rec.Body)
	}
	// Output:
	// GET /hello.py: 200 OK "Hello, World!"
	// POST /echo.py: 200 OK "name=Ada"
	// GET /nope.py: 404 Not Found "no such page"
}

// A streamed body: each chunk goes to the client as soon as it is yielded,
// and OnClose runs when the response ends, however it ends.
func ExampleStream() {
	app := gateway.AppFunc(func(env *gateway.Environ, start gateway.StartResponse) gateway.Body {
		return gateway.Stream(func(yield func([]byte, error) bool) {
			// start may come as late as just before the first chunk.
			start("200 OK", []gateway.Field{{Name: "Content-Type", Value: "text/event-stream"}})
			for i := 1; i <= 3; i++ {
				if !yield([]byte(fmt.Sprintf("data: %d\n\n", i)), nil) {
					return // the client has gone
				}
			}
		}).OnClose(func() { fmt.Println("released") })
	})
	rec, err := gatewaytest.Record(app, gatewaytest.NewEnviron("GET", "/events.py", nil))
	fmt.Println(err, rec.Chunks)
	fmt.Print(string(rec.Body))
	// Output:
	// released
	// <nil> 3
	// data: 1
	//
	// data: 2
	//
	// data: 3
}
