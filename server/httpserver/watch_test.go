package httpserver

import (
	"fmt"
	"io"
	"testing"

	"github.com/miniweb/miniweb/server/gateway"
)

// An application that asks for the request's context while a body is
// being read (every POST handler of the framework does) leaves the
// keep-alive connection fit for the next request: the watch that stopped
// must not leave a read deadline in the past behind it. Before the fix one
// request in eight on such a connection was closed unanswered.
func TestKeepAliveAfterContextWithBody(t *testing.T) {
	t.Parallel()
	app := gateway.AppFunc(func(env *gateway.Environ, start gateway.StartResponse) gateway.Body {
		ctx := env.Context()
		body, err := io.ReadAll(env.Body)
		if err != nil || ctx.Err() != nil {
			start("400 Bad Request", nil)
			return gateway.Bytes([]byte("unreadable"))
		}
		start("200 OK", []gateway.Field{{Name: "Content-Type", Value: "text/plain"}})
		return gateway.Bytes([]byte("got " + string(body)))
	})
	ts := startServer(t, app, nil)
	c := ts.dial(t)
	for i := range 200 {
		body := fmt.Sprintf("n=%d", i)
		c.send(fmt.Sprintf("POST /post.py HTTP/1.1\r\nHost: x\r\nContent-Length: %d\r\n\r\n%s", len(body), body))
		if got := bodyOf(t, c.response("POST")); got != "got "+body {
			t.Fatalf("request %d on the connection: body %q, want %q", i+1, got, "got "+body)
		}
		c.send("GET /get.py HTTP/1.1\r\nHost: x\r\n\r\n")
		if got := bodyOf(t, c.response("GET")); got != "got " {
			t.Fatalf("GET after POST %d: body %q", i+1, got)
		}
	}
}
