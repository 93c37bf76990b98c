package compress_test

import (
	"fmt"
	"strings"

	"github.com/miniweb/miniweb/server/compress"
	"github.com/miniweb/miniweb/server/gateway"
	"github.com/miniweb/miniweb/server/gateway/gatewaytest"
)

func ExampleNegotiate() {
	for _, h := range []string{"gzip, deflate, br, zstd", "gzip;q=1, zstd;q=0.5", "zstd;q=0", "gzip;q=abc, ,;;,zstd;q=2"} {
		fmt.Printf("%-26q %v\n", h, compress.Negotiate(h))
	}
	// Output:
	// "gzip, deflate, br, zstd"  gzip
	// "gzip;q=1, zstd;q=0.5"     gzip
	// "zstd;q=0"                 identity
	// "gzip;q=abc, ,;;,zstd;q=2" identity
}

func ExampleApp() {
	page := strings.Repeat("<p>Hello, World!</p>\n", 100)
	app := compress.App(gateway.AppFunc(func(env *gateway.Environ, start gateway.StartResponse) gateway.Body {
		start("200 OK", []gateway.Field{{Name: "Content-Type", Value: "text/html; charset=utf-8"}, {Name: "ETag", Value: `"v1"`}})
		return gateway.Bytes([]byte(page))
	}), compress.Options{})

	env := gatewaytest.NewEnviron("GET", "/hello.py", nil)
	env.Header = append(env.Header, gateway.Field{Name: "Accept-Encoding", Value: "gzip, zstd"})
	rec, _ := gatewaytest.Record(app, env)
	fmt.Println(rec.Header.Get("Content-Encoding"), rec.Header.Get("Vary"), rec.Header.Get("ETag"))
	fmt.Printf("%d bytes in, under a tenth out: %v\n", len(page), len(rec.Body) < len(page)/10)
	// Output:
	// gzip Accept-Encoding "v1-gzip"
	// 2100 bytes in, under a tenth out: true
}
