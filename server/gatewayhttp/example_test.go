package gatewayhttp_test

import (
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"

	"github.com/miniweb/miniweb/server/gateway"
	"github.com/miniweb/miniweb/server/gateway/gatewaytest"
	"github.com/miniweb/miniweb/server/gatewayhttp"
)

// A net/http ServeMux, unchanged, as a gateway application: the Go form of
// running a Flask application on a WSGI server.
func ExampleFromHandler() {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /items/{id}", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintf(w, "item %s\n", r.PathValue("id"))
	})
	app := gatewayhttp.FromHandler(mux)

	for _, env := range []*gateway.Environ{
		gatewaytest.NewEnviron("GET", "/items/42", nil),
		gatewaytest.NewEnviron("DELETE", "/items/42", nil),
	} {
		rec, err := gatewaytest.Record(app, env)
		if err != nil {
			fmt.Println("error:", err)
			continue
		}
		fmt.Printf("%s %s: %s %s %q\n", env.Method, env.Path, rec.Status, rec.Header.Get("Content-Type"), rec.Body)
	}
	// Output:
	// GET /items/42: 200 OK text/plain; charset=utf-8 "item 42\n"
	// DELETE /items/42: 405 Method Not Allowed text/plain; charset=utf-8 "Method Not Allowed\n"
}

// A gateway application under net/http's server (here a test server; with
// ListenAndServeTLS, HTTP/2 too).
func ExampleHandler() {
	app := gateway.AppFunc(func(env *gateway.Environ, start gateway.StartResponse) gateway.Body {
		start("200 OK", []gateway.Field{{Name: "Content-Type", Value: "text/plain"}})
		return gateway.Bytes([]byte("Hello from " + env.Path + " over " + env.Scheme))
	})
	ts := httptest.NewServer(gatewayhttp.Handler(app))
	defer ts.Close()

	resp, err := ts.Client().Get(ts.URL + "/hello.py")
	if err != nil {
		fmt.Println(err)
		return
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	fmt.Println(resp.Status, resp.ContentLength, string(body))
	// Output:
	// 200 OK 30 Hello from /hello.py over http
}
