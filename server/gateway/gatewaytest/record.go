// Package gatewaytest runs gateway applications outside any server, for
// tests and examples, as net/http/httptest does for http.Handler:
// [NewEnviron] builds a request, and [Record] answers it under the rules a
// server applies and returns what a client would receive.
//
//	rec, err := gatewaytest.Record(app, gatewaytest.NewEnviron("GET", "/hello.py", nil))
//	// rec.Code == 200, string(rec.Body) == "Hello, World!"
package gatewaytest

import (
	"bytes"
	"fmt"
	"io"
	"net/url"
	"runtime/debug"
	"strconv"
	"strings"

	"github.com/miniweb/miniweb/server/gateway"
)

// Recording is the response an application gave under [Record].
type Recording struct {
	// Code is the status code, such as 200.
	Code int
	// Status is the status as given to start_response, such as "200 OK".
	Status string
	// Header holds the header fields given to start_response.
	Header gateway.Fields
	// Body is the body as a client would receive it: empty for HEAD, 204
	// and 304.
	Body []byte
	// Chunks is the number of non-empty chunks a stream yielded; 0 for a
	// byte-slice body.
	Chunks int
}

// Record runs app on env the way a server would, without one: it checks the
// start_response rules of package gateway, runs a stream to its end, calls
// the body's close function, and returns the response. It returns an error
// for any breach of the contract, a stream error, or a panic in the
// application (with the stack in the message), together with what was
// recorded up to that point.
func Record(app gateway.App, env *gateway.Environ) (rec *Recording, err error) {
	rec = &Recording{}
	started := false
	start := func(status string, headers []gateway.Field) error {
		if started {
			return gateway.ErrAlreadyStarted
		}
		code, err := gateway.CheckStatus(status)
		if err != nil {
			return err
		}
		for _, f := range headers {
			if err := gateway.CheckHeader(f); err != nil {
				return err
			}
		}
		started = true
		rec.Code, rec.Status, rec.Header = code, status, append(gateway.Fields(nil), headers...)
		return nil
	}
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("gatewaytest: application panicked: %v\n%s", p, debug.Stack())
		}
	}()
	body := app.ServeGateway(env, start)
	defer body.Close()
	var buf bytes.Buffer
	if b, ok := body.Bytes(); ok {
		if !started {
			return rec, gateway.ErrNotStarted
		}
		buf.Write(b)
	} else {
		for chunk, err := range body.Stream() {
			if err != nil {
				rec.Body = buf.Bytes()
				return rec, fmt.Errorf("gatewaytest: stream failed: %w", err)
			}
			if len(chunk) == 0 {
				continue
			}
			if !started {
				return rec, gateway.ErrNotStarted
			}
			rec.Chunks++
			buf.Write(chunk)
		}
		if !started {
			return rec, gateway.ErrNotStarted
		}
	}
	if env.Method != "HEAD" && rec.Code != 204 && rec.Code != 304 {
		rec.Body = buf.Bytes()
	}
	return rec, nil
}

// NewEnviron returns a request for method and target ("/index.py?x=1") with
// the given body (nil for none), as a server on 127.0.0.1:8080 would hand it
// to an application, for tests and examples. It panics on a target that is
// not a path, as a test fixture would be wrong.
func NewEnviron(method, target string, body io.Reader) *gateway.Environ {
	rawPath, query, _ := strings.Cut(target, "?")
	path, err := url.PathUnescape(rawPath)
	if err != nil || !strings.HasPrefix(rawPath, "/") {
		panic("gatewaytest: NewEnviron: bad target " + target)
	}
	env := &gateway.Environ{
		Method:     method,
		Path:       path,
		RawPath:    rawPath,
		Query:      query,
		Protocol:   "HTTP/1.1",
		ServerName: "127.0.0.1",
		ServerPort: "8080",
		RemoteAddr: "127.0.0.1:50000",
		Scheme:     "http",
		Host:       "127.0.0.1:8080",
		Header:     gateway.Fields{{Name: "Host", Value: "127.0.0.1:8080"}},
		Body:       strings.NewReader(""),
	}
	if body != nil {
		env.Body = body
		env.ContentLength = -1
		if l, ok := body.(interface{ Len() int }); ok {
			env.ContentLength = int64(l.Len())
			env.Header = append(env.Header, gateway.Field{Name: "Content-Length", Value: strconv.Itoa(l.Len())})
		}
	}
	return env
}
