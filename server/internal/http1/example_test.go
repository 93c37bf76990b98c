package http1_test

import (
	"fmt"
	"io"
	"strings"

	"github.com/miniweb/miniweb/server/internal/http1"
)

// Example reads two pipelined requests from one connection, the first with
// a chunked body.
func Example() {
	conn := strings.NewReader("POST /upload?id=7 HTTP/1.1\r\nHost: example.com\r\nTransfer-Encoding: chunked\r\n\r\n" +
		"5\r\nhello\r\n0\r\nX-Checksum: 42\r\n\r\n" +
		"GET /a%20b HTTP/1.1\r\nHost: example.com\r\nConnection: close\r\n\r\n")
	rd := http1.NewReader(conn, http1.Limits{})
	var req http1.Request
	for {
		if err := rd.ReadRequest(&req); err != nil {
			if status := http1.StatusOf(err); status != 0 {
				fmt.Println("answer", status, "and close")
			}
			return
		}
		body := rd.Body(&req, 1<<20)
		data, err := io.ReadAll(body)
		fmt.Printf("%s path=%s query=%q host=%s body=%q trailer=%v err=%v\n",
			req.Method, req.Path, req.Query, req.Host, data, req.Trailer, err)
		if !body.Discard(64<<10) || req.Close {
			return
		}
	}
	// Output:
	// POST path=/upload query="id=7" host=example.com body="hello" trailer=[{X-Checksum 42}] err=<nil>
	// GET path=/a%20b query="" host=example.com body="" trailer=[] err=<nil>
}

// ExampleStatusOf shows the status a protocol error maps to.
func ExampleStatusOf() {
	rd := http1.NewReader(strings.NewReader("POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n"), http1.Limits{})
	var req http1.Request
	err := rd.ReadRequest(&req)
	fmt.Println(http1.StatusOf(err), err)
	// Output:
	// 400 http1: Content-Length with Transfer-Encoding
}
