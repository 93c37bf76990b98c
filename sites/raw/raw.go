// Package raw is a site written straight on the gateway contract, without
// the framework: the lesson's application(environ, start_response) in Go, a
// switch on the path that calls start_response and returns the body. It is
// the example to read for how an application meets a server.
//
//	/index.py  a small HTML page
//	/hello.py  "Hello, World!" as text/plain (the benchmark's hello workload)
//	/echo.py   echoes a POSTed form, escaped, as HTML
//
// /echo.py reads at most 64 KiB of form and answers a larger one with 413.
// It echoes names and values into a page that declares UTF-8, so it makes
// them clean text first by the framework's rule: each run of bytes that is
// not valid UTF-8 becomes one U+FFFD, and NUL bytes are dropped.
package raw

import (
	"html"
	"io"
	"net/url"
	"strings"
	"unicode/utf8"

	"github.com/miniweb/miniweb/server/gateway"
)

// maxForm bounds the form /echo.py reads, in bytes; a larger one is
// answered 413.
const maxForm = 64 << 10

// The headers of each kind of answer are made once, so the hot path
// allocates nothing for them.
var (
	htmlHeader = []gateway.Field{{Name: "Content-Type", Value: "text/html; charset=utf-8"}}
	textHeader = []gateway.Field{{Name: "Content-Type", Value: "text/plain; charset=utf-8"}}
	allowPost  = []gateway.Field{{Name: "Allow", Value: "GET, POST"}, {Name: "Content-Type", Value: "text/plain; charset=utf-8"}}
	allowGet   = []gateway.Field{{Name: "Allow", Value: "GET, HEAD"}, {Name: "Content-Type", Value: "text/plain; charset=utf-8"}}
	helloBody  = []byte("Hello, World!")
	indexBody  = []byte(indexPage)
	notFound   = []byte("404 Not Found: no such page\n")
	notAllowed = []byte("405 Method Not Allowed\n")
	badForm    = []byte("400 Bad Request: unreadable form\n")
	bigForm    = []byte("413 Content Too Large: the form is over 64 KiB\n")
)

const indexPage = `<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><title>miniweb raw site</title></head>
<body>
<h1>miniweb</h1>
<p>This page comes from a gateway application written without the framework.</p>
<ul>
<li><a href="/hello.py">/hello.py</a>: Hello, World!</li>
<li><a href="/echo.py">/echo.py</a>: a form that echoes what you send</li>
</ul>
</body>
</html>
`

// App returns the raw site's application.
func App() gateway.App { return gateway.AppFunc(application) }

func application(env *gateway.Environ, start gateway.StartResponse) gateway.Body {
	switch env.Path {
	case "/index.py":
		if env.Method != "GET" && env.Method != "HEAD" {
			start("405 Method Not Allowed", allowGet)
			return gateway.Bytes(notAllowed)
		}
		start("200 OK", htmlHeader)
		return gateway.Bytes(indexBody)
	case "/hello.py":
		if env.Method != "GET" && env.Method != "HEAD" {
			start("405 Method Not Allowed", allowGet)
			return gateway.Bytes(notAllowed)
		}
		start("200 OK", textHeader)
		return gateway.Bytes(helloBody)
	case "/echo.py":
		return echo(env, start)
	}
	start("404 Not Found", textHeader)
	return gateway.Bytes(notFound)
}

// echo shows a form on GET and what was posted on POST, every value escaped.
func echo(env *gateway.Environ, start gateway.StartResponse) gateway.Body {
	var b strings.Builder
	b.WriteString("<!doctype html>\n<html lang=\"en\">\n<head><meta charset=\"utf-8\"><title>echo</title></head>\n<body>\n")
	switch env.Method {
	case "GET", "HEAD":
	case "POST":
		if env.ContentLength > maxForm {
			// Refused before reading a byte of it.
			start("413 Content Too Large", textHeader)
			return gateway.Bytes(bigForm)
		}
		data, err := io.ReadAll(io.LimitReader(env.Body, maxForm+1))
		if err != nil {
			start("400 Bad Request", textHeader)
			return gateway.Bytes(badForm)
		}
		if len(data) > maxForm { // a chunked body, whose length was not declared
			start("413 Content Too Large", textHeader)
			return gateway.Bytes(bigForm)
		}
		form, err := url.ParseQuery(string(data))
		if err != nil {
			start("400 Bad Request", textHeader)
			return gateway.Bytes(badForm)
		}
		b.WriteString("<h1>You sent</h1>\n<dl>\n")
		for _, kv := range strings.Split(string(data), "&") {
			name, _, _ := strings.Cut(kv, "=")
			name, err := url.QueryUnescape(name)
			if err != nil || name == "" || form[name] == nil {
				continue
			}
			for _, v := range form[name] {
				b.WriteString("<dt>" + html.EscapeString(cleanText(name)) + "</dt><dd>" + html.EscapeString(cleanText(v)) + "</dd>\n")
			}
			delete(form, name)
		}
		b.WriteString("</dl>\n")
	default:
		start("405 Method Not Allowed", allowPost)
		return gateway.Bytes(notAllowed)
	}
	b.WriteString(`<form method="post" action="/echo.py"><input name="first"> <input name="last"> <button>Send</button></form>` + "\n</body>\n</html>\n")
	start("200 OK", htmlHeader)
	return gateway.Bytes([]byte(b.String()))
}

// cleanText makes s valid UTF-8 without NUL bytes, by the rule the
// framework applies to form values (framework/doc.go): each run of bytes
// that is not valid UTF-8 becomes one U+FFFD, and NUL bytes are dropped.
// Clean text is returned as it is. The site keeps its own copy of these few
// lines because it is the example of an application written without the
// framework.
func cleanText(s string) string {
	if !utf8.ValidString(s) {
		s = strings.ToValidUTF8(s, "\uFFFD")
	}
	if strings.IndexByte(s, 0) >= 0 {
		s = strings.ReplaceAll(s, "\x00", "")
	}
	return s
}
