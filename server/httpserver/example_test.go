package httpserver_test

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"

	"github.com/miniweb/miniweb/server/gateway"
	"github.com/miniweb/miniweb/server/httpserver"
)

// A gateway application served on a loopback listener, and a page fetched
// from it with net/http's client.
func Example() {
	app := gateway.AppFunc(func(env *gateway.Environ, start gateway.StartResponse) gateway.Body {
		start("200 OK", []gateway.Field{{Name: "Content-Type", Value: "text/plain; charset=utf-8"}})
		return gateway.Bytes([]byte("Hello from " + env.Path + "\n"))
	})
	srv := &httpserver.Server{App: app, Suffix: ".py"}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		panic(err)
	}
	go srv.Serve(ln)
	defer srv.Shutdown(context.Background())

	resp, err := http.Get("http://" + ln.Addr().String() + "/index.py")
	if err != nil {
		panic(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	fmt.Println(resp.Status)
	fmt.Print(string(body))
	// Output:
	// 200 OK
	// Hello from /index.py
}
