package http2

import (
	"testing"
)

func TestHelloGET(t *testing.T) {
	t.Parallel()
	ts := serve(t, hello, Limits{})
	c := dial(t, ts.addr)
	r := c.get(1, "/")
	if r.status != 200 || string(r.body) != "Hello, World!" || field(r.fields, "content-length") != "13" || field(r.fields, "content-type") != "text/plain" {
		t.Fatalf("got %+v", r)
	}
	r = c.get(3, "/again")
	if r.status != 200 || string(r.body) != "Hello, World!" {
		t.Fatalf("second: got %+v", r)
	}
}
